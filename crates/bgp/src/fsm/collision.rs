//! Connection collision detection (RFC 4271 §6.8, with the RFC 6286 §2.3 tie-break): when we and the
//! peer connect to each other at the same time there are two TCP connections, each with its own
//! [`Session`], and exactly one must survive.
//!
//! How the speaker uses it, per peer:
//! 1. It keeps a primary machine, started from configuration, which connects out.
//! 2. When the peer connects in, [`on_incoming`] on the primary says what to do with the connection:
//!    refuse it, hand it to the primary ([`Event::TcpConnectionConfirmed`], abandoning the primary's own
//!    attempt if it has one), or start a second machine for it (ManualStart with passive TCP
//!    establishment, then `TcpConnectionConfirmed`).
//! 3. While there are two machines, after every event that can move either of them forward (an OPEN or
//!    KEEPALIVE received on either connection), it calls [`resolve`] on the pair; when that names a
//!    loser, it gives the loser [`Event::OpenCollisionDump`], carries out the loser's actions (Cease /
//!    Connection Collision Resolution, then the connection is dropped) and discards it. If the loser was
//!    the primary, the second machine becomes the primary.
//! 4. A second machine that goes Idle on its own is discarded; only the primary restarts.
//!
//! Both speakers decide from the same two identifiers, so they keep the same connection: the one opened
//! by the speaker with the higher BGP Identifier.
//!
//! [`Event::TcpConnectionConfirmed`]: super::Event::TcpConnectionConfirmed
//! [`Event::OpenCollisionDump`]: super::Event::OpenCollisionDump

use std::cmp::Ordering;

use super::{Direction, Session, State};

/// What to do with an incoming connection from the peer, given the peer's existing machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IncomingConnection {
    /// Close it: the machine is Idle (which refuses connections) or Established (RFC 4271 §6.8: a
    /// collision with an Established session keeps the Established one).
    Refuse,
    /// Give it to the existing machine as [`Event::TcpConnectionConfirmed`](super::Event).
    Deliver {
        /// The machine is in Connect: abandon its outgoing attempt (close that connection if it
        /// completed meanwhile).
        abandon_connect: bool,
    },
    /// The existing machine already has a connection: run this one in a second machine and call
    /// [`resolve`] as the two progress.
    SecondMachine,
}

/// Which of the two machines given to [`resolve`] must be dumped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loser {
    /// The first argument.
    First,
    /// The second argument.
    Second,
}

/// Decides where an incoming connection from the peer goes, from the state of its existing machine.
pub fn on_incoming(existing: &Session) -> IncomingConnection {
    match (existing.state(), existing.connection()) {
        (State::Idle | State::Established, _) => IncomingConnection::Refuse,
        (State::Connect, None) => IncomingConnection::Deliver {
            abandon_connect: true,
        },
        (State::Active, None) => IncomingConnection::Deliver {
            abandon_connect: false,
        },
        (State::Connect | State::Active, Some(_)) | (State::OpenSent | State::OpenConfirm, _) => {
            IncomingConnection::SecondMachine
        }
    }
}

/// Resolves a collision between two machines for the same peer, one on our connection and one on the
/// peer's: `None` while it cannot be decided yet (or the two are not such a pair).
///
/// It is decided when one machine is Established (the other loses, RFC 4271 §6.8), or when both are in
/// OpenSent or OpenConfirm and at least one has the peer's OPEN, which gives the peer's BGP Identifier
/// (RFC 4271 §6.8 allows using an identifier known from elsewhere for a machine still in OpenSent). The
/// connection opened by the speaker with the lower identifier loses; with equal identifiers (possible
/// between ASes, RFC 6286 §2.3), the one opened by the speaker with the lower AS number.
pub fn resolve(first: &Session, second: &Session) -> Option<Loser> {
    let (first_direction, second_direction) = (first.connection()?, second.connection()?);
    if first_direction == second_direction {
        return None;
    }
    let opening = |state| matches!(state, State::OpenSent | State::OpenConfirm);
    match (first.state(), second.state()) {
        (State::Established, state) if opening(state) => return Some(Loser::Second),
        (state, State::Established) if opening(state) => return Some(Loser::First),
        (a, b) if opening(a) && opening(b) => {}
        _ => return None,
    }
    let peer = first.negotiated().or(second.negotiated())?;
    let config = first.config();
    let keep_ours = match u32::from(config.router_id).cmp(&u32::from(peer.peer_router_id)) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => config.local_asn > peer.peer_asn,
    };
    let losing_direction = if keep_ours {
        Direction::Incoming
    } else {
        Direction::Outgoing
    };
    if first_direction == losing_direction {
        Some(Loser::First)
    } else {
        Some(Loser::Second)
    }
}
