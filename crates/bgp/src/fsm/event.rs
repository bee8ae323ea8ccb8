//! The vocabulary of the session machine: its [`State`]s, the [`Event`]s it takes (numbered as in
//! RFC 4271 §8.1), the [`Action`]s it asks of the speaker, its [`Timer`]s and why a session went down
//! ([`DownReason`]).

use std::fmt;

use crate::family::AddressFamily;

use super::config::ShutdownCommunication;
use super::negotiate::{Negotiated, OpenError, OpenParameters};
use super::notification::{CeaseSubcode, Notification};

/// The six states of RFC 4271 §8.2.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Refuses connections; waits for a start event (or the IdleHold back-off to expire).
    Idle,
    /// Waiting for an outgoing TCP connection attempt to complete.
    Connect,
    /// Listening for the peer to connect (after a failed attempt, or when started passively).
    Active,
    /// Our OPEN is sent; waiting for the peer's.
    OpenSent,
    /// Both OPENs exchanged and accepted; waiting for the peer's KEEPALIVE.
    OpenConfirm,
    /// The session is up: UPDATEs flow.
    Established,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The input events of RFC 4271 §8.1, with their numbers. Events 6 and 7 (automatic start with
/// oscillation damping) are folded into 3 and 5: damping is always on, through the IdleHold timer.
/// Events 14 and 15 (TcpConnection_Valid/Invalid) are not modelled: the speaker checks the peer's
/// address before it hands a connection to a machine and closes an invalid one itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Event 1: ManualStart, an operator enables the session; also clears an administrative stop.
    ManualStart,
    /// Event 2: ManualStop, an operator disables the session; sends Cease / Administrative Shutdown
    /// with the optional communication (RFC 8203, RFC 9003) once our OPEN is out. No automatic restart
    /// follows.
    ManualStop(Option<ShutdownCommunication>),
    /// Event 3: AutomaticStart, the speaker starts the session by itself (at boot, say). Ignored while
    /// administratively stopped or while the IdleHold back-off runs.
    AutomaticStart,
    /// Event 4: ManualStart_with_PassiveTcpEstablishment, start without connecting out.
    ManualStartWithPassiveTcpEstablishment,
    /// Event 5: AutomaticStart_with_PassiveTcpEstablishment.
    AutomaticStartWithPassiveTcpEstablishment,
    /// Event 8: AutomaticStop, the speaker stops the session itself; sends Cease with this subcode once
    /// our OPEN is out.
    AutomaticStop(CeaseSubcode),
    /// Event 9: ConnectRetryTimer_Expires. Normally produced by [`Session::handle_timeout`].
    ///
    /// [`Session::handle_timeout`]: super::Session::handle_timeout
    ConnectRetryTimerExpires,
    /// Event 10: HoldTimer_Expires. Normally produced by `handle_timeout`.
    HoldTimerExpires,
    /// Event 11: KeepaliveTimer_Expires. Normally produced by `handle_timeout`.
    KeepaliveTimerExpires,
    /// Event 12: DelayOpenTimer_Expires. Normally produced by `handle_timeout`.
    DelayOpenTimerExpires,
    /// Event 13: IdleHoldTimer_Expires, the back-off after an error is over: restart automatically.
    /// Normally produced by `handle_timeout`.
    IdleHoldTimerExpires,
    /// Event 16: Tcp_CR_Acked, our outgoing connection is established.
    TcpCrAcked,
    /// Event 17: TcpConnectionConfirmed, an incoming connection from the peer was accepted for this
    /// machine (see [`collision::on_incoming`] for which machine gets it).
    ///
    /// [`collision::on_incoming`]: super::collision::on_incoming
    TcpConnectionConfirmed,
    /// Event 18: TcpConnectionFails, the connection or the attempt failed or the peer closed it.
    TcpConnectionFails,
    /// Event 19: BGPOpen, a well-formed OPEN arrived. Received while the DelayOpen timer runs it is
    /// event 20 (BGPOpen with DelayOpenTimer running); the machine tells the two apart itself.
    BgpOpen(OpenParameters),
    /// Event 21: BGPHeaderErr, a message header failed to decode; carries the NOTIFICATION to send.
    BgpHeaderErr(Notification),
    /// Event 22: BGPOpenMsgErr, an OPEN failed to decode; carries the NOTIFICATION to send.
    BgpOpenMsgErr(Notification),
    /// Event 23: OpenCollisionDump, this machine lost collision resolution (RFC 4271 §6.8); sends Cease /
    /// Connection Collision Resolution.
    OpenCollisionDump,
    /// Event 24: NotifMsgVerErr, a NOTIFICATION with OPEN Message Error / Unsupported Version Number
    /// arrived. A [`Event::NotifMsg`] carrying that error is treated as this event.
    NotifMsgVerErr(Notification),
    /// Event 25: NotifMsg, any other NOTIFICATION arrived.
    NotifMsg(Notification),
    /// Event 26: KeepAliveMsg, a KEEPALIVE arrived.
    KeepAliveMsg,
    /// Event 27: UpdateMsg, a well-formed UPDATE arrived. In Established the machine answers with
    /// [`Action::ProcessUpdate`]; elsewhere it is an FSM error.
    UpdateMsg,
    /// Event 28: UpdateMsgErr, an UPDATE failed with a session-reset error (RFC 7606 §2); carries the
    /// NOTIFICATION to send. Errors RFC 7606 handles by treat-as-withdraw or discard never reach here.
    UpdateMsgErr(Notification),
}

impl Event {
    /// The event's number in RFC 4271 §8.1 (19 for both kinds of BGPOpen).
    pub fn number(&self) -> u8 {
        match self {
            Event::ManualStart => 1,
            Event::ManualStop(_) => 2,
            Event::AutomaticStart => 3,
            Event::ManualStartWithPassiveTcpEstablishment => 4,
            Event::AutomaticStartWithPassiveTcpEstablishment => 5,
            Event::AutomaticStop(_) => 8,
            Event::ConnectRetryTimerExpires => 9,
            Event::HoldTimerExpires => 10,
            Event::KeepaliveTimerExpires => 11,
            Event::DelayOpenTimerExpires => 12,
            Event::IdleHoldTimerExpires => 13,
            Event::TcpCrAcked => 16,
            Event::TcpConnectionConfirmed => 17,
            Event::TcpConnectionFails => 18,
            Event::BgpOpen(_) => 19,
            Event::BgpHeaderErr(_) => 21,
            Event::BgpOpenMsgErr(_) => 22,
            Event::OpenCollisionDump => 23,
            Event::NotifMsgVerErr(_) => 24,
            Event::NotifMsg(_) => 25,
            Event::KeepAliveMsg => 26,
            Event::UpdateMsg => 27,
            Event::UpdateMsgErr(_) => 28,
        }
    }

    /// The timer whose expiry this event is, if it is one.
    pub fn timer(&self) -> Option<Timer> {
        match self {
            Event::ConnectRetryTimerExpires => Some(Timer::ConnectRetry),
            Event::HoldTimerExpires => Some(Timer::Hold),
            Event::KeepaliveTimerExpires => Some(Timer::Keepalive),
            Event::DelayOpenTimerExpires => Some(Timer::DelayOpen),
            Event::IdleHoldTimerExpires => Some(Timer::IdleHold),
            _ => None,
        }
    }
}

/// What the machine asks the speaker to do, in order; see `docs/design/bgp-fsm.md` for what the speaker does with each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a TCP connection to the peer (port 179); report success with [`Event::TcpCrAcked`] and
    /// failure with [`Event::TcpConnectionFails`].
    ConnectTcp,
    /// Close this machine's connection, or abandon its connection attempt; nothing to do when it has
    /// neither. Always comes after the NOTIFICATION it follows, so flush that first.
    DropTcp,
    /// Encode and send this OPEN.
    SendOpen(OpenParameters),
    /// Send a KEEPALIVE.
    SendKeepalive,
    /// Send this NOTIFICATION.
    SendNotification(Notification),
    /// Hand the UPDATE just passed in with [`Event::UpdateMsg`] to the RIB.
    ProcessUpdate,
    /// The session reached Established with these parameters: start sending routes.
    SessionEstablished(Negotiated),
    /// The session left Established: withdraw every route learned from the peer (or keep them stale
    /// under graceful restart) and stop sending.
    SessionDown(DownReason),
}

/// The machine's timers (RFC 4271 §8 and §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// ConnectRetryTimer: retry the outgoing connection.
    ConnectRetry,
    /// HoldTimer: the peer has been silent too long.
    Hold,
    /// KeepaliveTimer: time to send a KEEPALIVE.
    Keepalive,
    /// DelayOpenTimer: time to send our OPEN.
    DelayOpen,
    /// IdleHoldTimer: the restart back-off is over.
    IdleHold,
}

impl Timer {
    /// Every timer, in the order `handle_timeout` fires timers that expire at the same instant.
    pub const ALL: [Timer; 5] = [
        Timer::Hold,
        Timer::Keepalive,
        Timer::DelayOpen,
        Timer::ConnectRetry,
        Timer::IdleHold,
    ];

    /// The event the timer's expiry is.
    pub fn event(self) -> Event {
        match self {
            Timer::ConnectRetry => Event::ConnectRetryTimerExpires,
            Timer::Hold => Event::HoldTimerExpires,
            Timer::Keepalive => Event::KeepaliveTimerExpires,
            Timer::DelayOpen => Event::DelayOpenTimerExpires,
            Timer::IdleHold => Event::IdleHoldTimerExpires,
        }
    }
}

/// Which side opened the TCP connection a machine runs on; collision resolution needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We connected to the peer ([`Event::TcpCrAcked`]).
    Outgoing,
    /// The peer connected to us ([`Event::TcpConnectionConfirmed`]).
    Incoming,
}

/// Why a machine went back to Idle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// Event 2, with the communication sent.
    ManualStop(Option<ShutdownCommunication>),
    /// Event 8.
    AutomaticStop(CeaseSubcode),
    /// The peer was silent for the hold time; Hold Timer Expired was sent.
    HoldTimerExpired,
    /// The TCP connection failed or the peer closed it without a NOTIFICATION.
    TcpConnectionFailed,
    /// The peer's OPEN failed our checks; the matching OPEN Message Error was sent.
    OpenRejected(OpenError),
    /// A message failed to decode (events 21, 22, 28); this NOTIFICATION was sent.
    MessageError(Notification),
    /// The peer sent this NOTIFICATION.
    NotificationReceived(Notification),
    /// An event the state does not allow (an FSM error, RFC 6608); a Finite State Machine Error was sent
    /// when our OPEN was out.
    UnexpectedEvent {
        /// The state the machine was in.
        state: State,
        /// The event's RFC 4271 number.
        event: u8,
    },
    /// This machine lost connection collision resolution (event 23).
    CollisionDump,
    /// The peer sent more prefixes than allowed; Cease / Maximum Number of Prefixes Reached was sent.
    PrefixLimit {
        /// The family over its limit.
        family: AddressFamily,
        /// The limit.
        limit: u32,
    },
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::ManualStop(Some(text)) => write!(f, "stopped: {:?}", text.as_str()),
            DownReason::ManualStop(None) => f.write_str("stopped"),
            DownReason::AutomaticStop(subcode) => write!(f, "stopped automatically ({subcode:?})"),
            DownReason::HoldTimerExpired => f.write_str("hold timer expired"),
            DownReason::TcpConnectionFailed => f.write_str("TCP connection failed"),
            DownReason::OpenRejected(error) => write!(f, "OPEN rejected: {error}"),
            DownReason::MessageError(notification) => {
                write!(f, "message error, sent {notification}")
            }
            DownReason::NotificationReceived(notification) => write!(f, "received {notification}"),
            DownReason::UnexpectedEvent { state, event } => {
                write!(f, "unexpected event {event} in {state}")
            }
            DownReason::CollisionDump => f.write_str("closed by connection collision resolution"),
            DownReason::PrefixLimit { family, limit } => {
                write!(f, "more than {limit} prefixes of {family}")
            }
        }
    }
}
