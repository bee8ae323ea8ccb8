//! The Only-to-Customer (OTC) rules of RFC 9234 §5, which stop route leaks by marking a route once it
//! has been learned from (or sent to) a provider, peer or route server.
//!
//! Both functions work on the OTC value alone (`Option<u32>`: the attribute's AS, or absent), so the
//! speaker applies them to a route's `only_to_customer` field and the simulator to its compact routes.
//! They apply to eBGP sessions with a configured role; [`Relationship::Internal`] passes routes unchanged.

use super::Relationship;

/// A route that RFC 9234 §5 calls a leak; it MUST be considered ineligible in the decision process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteLeak {
    /// A route with OTC from a customer or route-server client (§5, ingress rule 1).
    OtcFromCustomer {
        /// The OTC value carried.
        otc: u32,
    },
    /// A route from a lateral peer whose OTC is not the peer's AS (§5, ingress rule 2).
    OtcFromPeerMismatch {
        /// The OTC value carried.
        otc: u32,
        /// The peer's AS.
        peer_as: u32,
    },
}

/// What to do with a route on egress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Egress {
    /// Send it, with this OTC value (added if it was absent; `None`: still none).
    Send(Option<u32>),
    /// Do not send it (§5, egress rule 2).
    Suppress,
}

/// Ingress (RFC 9234 §5): checks a route received from a neighbour of relationship `from` with AS
/// `neighbor_as`, returning the OTC value to store with it, or the leak that makes it ineligible.
///
/// 1. With OTC from a customer or route-server client: a leak.
/// 2. With OTC from a peer, and the value is not the peer's AS: a leak.
/// 3. Without OTC from a provider, peer or route server: add OTC = the neighbour's AS.
pub fn ingress(
    from: Relationship,
    neighbor_as: u32,
    otc: Option<u32>,
) -> Result<Option<u32>, RouteLeak> {
    use Relationship::*;
    match (from, otc) {
        (Customer | RouteServerClient, Some(otc)) => Err(RouteLeak::OtcFromCustomer { otc }),
        (Peer, Some(otc)) if otc != neighbor_as => Err(RouteLeak::OtcFromPeerMismatch {
            otc,
            peer_as: neighbor_as,
        }),
        (Provider | Peer | RouteServer, None) => Ok(Some(neighbor_as)),
        (_, otc) => Ok(otc),
    }
}

/// Egress (RFC 9234 §5): what to send to a neighbour of relationship `to`, from AS `local_as`.
///
/// 1. A route that already carries OTC is not sent to a provider, peer or route server.
/// 2. To a customer, peer or route-server client (we are the route server), OTC = our AS is added when
///    absent.
pub fn egress(to: Relationship, local_as: u32, otc: Option<u32>) -> Egress {
    use Relationship::*;
    match (to, otc) {
        (Provider | Peer | RouteServer, Some(_)) => Egress::Suppress,
        (Customer | Peer | RouteServerClient, None) => Egress::Send(Some(local_as)),
        (_, otc) => Egress::Send(otc),
    }
}
