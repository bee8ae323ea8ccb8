//! Routing policy: what a speaker (or a simulated AS) accepts, prefers and passes on.
//!
//! Two layers, both usable on the RIB's full attribute sets and on the simulator's compact routes:
//!
//! - **Relationship rules** (this file, [`otc`]): Gao-Rexford by the neighbour's [`Relationship`]
//!   (customer, peer, provider, route server, route-server client, or internal): the default
//!   LOCAL_PREF per relationship ([`LocalPrefByRole`]), valley-free export ([`may_export`]), the RFC 9234
//!   Only-to-Customer rules ([`otc::ingress`], [`otc::egress`]) and the well-known communities
//!   ([`communities_allow_export`]). Each takes plain values (a relationship, an `Option<u32>` OTC, a
//!   community slice), never a route type.
//! - **Route validation** ([`rov`], [`aspa`]): RFC 6811 origin validation over a [`rov::RoaTable`], and
//!   ASPA AS-path verification (draft-ietf-sidrops-aspa-verification) over anything implementing
//!   [`aspa::ProviderAuthorization`]. Both take a prefix and an AS slice.
//! - **Operator policy** ([`terms`]): a [`Policy`] is data (serde, for the speaker's TOML): terms that
//!   match on prefix lists, AS path, communities, role and validation state, and accept, reject or set
//!   LOCAL_PREF, MED, communities or a prepend. It runs on a [`PathAttributes`](crate::rib::PathAttributes)
//!   and follows RFC 8212 ([`default_action`]): an eBGP session without a policy accepts and sends nothing.

pub mod aspa;
pub mod otc;
pub mod rov;
pub mod terms;

use crate::fsm::Role as LocalRole;
use crate::wire::{Community, Role as WireRole};

pub use terms::{Action, Policy, PolicyContext, PolicyLibrary, PolicyRef, Verdict};

/// What a neighbour is to us. For an eBGP session this is the neighbour's RFC 9234 role (a neighbour
/// whose role is `Customer` is our customer); `Internal` is an iBGP neighbour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The neighbour is our customer: we provide it transit.
    Customer,
    /// A lateral (settlement-free) peer.
    Peer,
    /// The neighbour is our transit provider.
    Provider,
    /// The neighbour is a route server; we are its client.
    RouteServer,
    /// The neighbour is a client of ours; we are a route server.
    RouteServerClient,
    /// An iBGP neighbour in our own AS.
    Internal,
}

impl Relationship {
    /// The neighbour's relationship given *our* configured RFC 9234 role on the session (the role
    /// negotiated by the FSM): our role `Provider` means the neighbour is a `Customer`, and so on
    /// (RFC 9234 §4.2, Table 2).
    pub fn from_local_role(role: LocalRole) -> Relationship {
        match role {
            LocalRole::Provider => Relationship::Customer,
            LocalRole::Customer => Relationship::Provider,
            LocalRole::RouteServer => Relationship::RouteServerClient,
            LocalRole::RouteServerClient => Relationship::RouteServer,
            LocalRole::Peer => Relationship::Peer,
        }
    }

    /// The neighbour's relationship given the role *it* announced in its BGP Role capability; `None`
    /// for an unassigned value.
    pub fn from_peer_role(role: WireRole) -> Option<Relationship> {
        Some(match role {
            WireRole::Provider => Relationship::Provider,
            WireRole::RouteServer => Relationship::RouteServer,
            WireRole::RouteServerClient => Relationship::RouteServerClient,
            WireRole::Customer => Relationship::Customer,
            WireRole::Peer => Relationship::Peer,
            WireRole::Unknown(_) => return None,
        })
    }

    /// Every relationship, for tables and tests.
    pub const ALL: [Relationship; 6] = [
        Relationship::Customer,
        Relationship::Peer,
        Relationship::Provider,
        Relationship::RouteServer,
        Relationship::RouteServerClient,
        Relationship::Internal,
    ];
}

/// Default LOCAL_PREF given to routes learned over eBGP, by the neighbour's relationship: the
/// Gao-Rexford preference customer > peer > provider. Configurable (serde, kebab-case keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LocalPrefByRole {
    /// From a customer (200).
    pub customer: u32,
    /// From a lateral peer (100).
    pub peer: u32,
    /// From a route server (100, like a peer).
    pub route_server: u32,
    /// From a route-server client, when we are the route server (100: a route server does not rank).
    pub route_server_client: u32,
    /// From a provider (50).
    pub provider: u32,
    /// From an eBGP neighbour without a configured role, and for iBGP routes that carry no LOCAL_PREF
    /// (100, RFC 4271's customary default).
    pub unspecified: u32,
}

impl Default for LocalPrefByRole {
    fn default() -> Self {
        LocalPrefByRole {
            customer: 200,
            peer: 100,
            route_server: 100,
            route_server_client: 100,
            provider: 50,
            unspecified: 100,
        }
    }
}

impl LocalPrefByRole {
    /// The LOCAL_PREF for a route learned from a neighbour of this relationship (`None`: no role).
    /// For [`Relationship::Internal`] this is the default for a route that arrived without one; iBGP
    /// routes otherwise keep the LOCAL_PREF they carry.
    pub fn for_relationship(&self, relationship: Option<Relationship>) -> u32 {
        match relationship {
            Some(Relationship::Customer) => self.customer,
            Some(Relationship::Peer) => self.peer,
            Some(Relationship::RouteServer) => self.route_server,
            Some(Relationship::RouteServerClient) => self.route_server_client,
            Some(Relationship::Provider) => self.provider,
            Some(Relationship::Internal) | None => self.unspecified,
        }
    }
}

/// Valley-free (Gao-Rexford) export: may a route learned from `learned_from` (`None`: originated
/// locally) be advertised to a neighbour that is `to`?
///
/// - Routes we originate and routes from customers go to everyone.
/// - Routes from peers, providers and route servers go only to customers and route-server clients.
/// - A route server passes its clients' routes to everyone, as if they were customers' routes.
/// - iBGP neighbours get every route except one learned over iBGP (RFC 4271 §9.2 split horizon; route
///   reflection is not implemented).
/// - A route learned over iBGP goes to every eBGP neighbour: its original relationship is not known
///   here. What keeps a peer's or provider's route from leaking through a second router is OTC: it was
///   set on ingress at the border ([`otc::ingress`]) and stops the route at egress ([`otc::egress`]).
pub fn may_export(learned_from: Option<Relationship>, to: Relationship) -> bool {
    use Relationship::*;
    match (learned_from, to) {
        (Some(Internal), Internal) => false,
        (_, Internal) => true,
        (None | Some(Customer | RouteServerClient | Internal), _) => true,
        (Some(Peer | Provider | RouteServer), Customer | RouteServerClient) => true,
        (Some(Peer | Provider | RouteServer), Peer | Provider | RouteServer) => false,
    }
}

/// The well-known communities on export: NO_ADVERTISE (to nobody; RFC 1997), NO_EXPORT and
/// NO_EXPORT_SUBCONFED (not to eBGP neighbours; globe has no confederations, so both mean the same;
/// RFC 1997) and NOPEER (not to lateral peers; RFC 3765). `to_ebgp` is whether the session is eBGP;
/// `to` the neighbour's relationship, if configured.
pub fn communities_allow_export(
    communities: &[Community],
    to: Option<Relationship>,
    to_ebgp: bool,
) -> bool {
    !communities.iter().any(|&community| match community {
        Community::NO_ADVERTISE => true,
        Community::NO_EXPORT | Community::NO_EXPORT_SUBCONFED => to_ebgp,
        Community::NO_PEER => to == Some(Relationship::Peer),
        _ => false,
    })
}

/// RFC 8212: the action for a session with no import (or export) policy configured. eBGP accepts and
/// sends nothing without an explicit policy (such as `accept-all`); iBGP accepts everything.
pub fn default_action(is_ebgp: bool) -> Action {
    if is_ebgp {
        Action::Reject
    } else {
        Action::Accept
    }
}

#[cfg(test)]
mod tests;
