//! The OPEN exchange as the machine sees it: the fields of an OPEN it sends or receives
//! ([`OpenParameters`], already decoded, with the capabilities that matter to the session), the checks
//! RFC 4271 §6.2, RFC 6286 and RFC 9234 ask of a received OPEN ([`OpenError`]), and what both sides
//! agreed on ([`Negotiated`]).
//!
//! These are the machine's own small types rather than the codec's OPEN: the speaker's glue converts
//! the decoded message (resolving the AS from the 4-octet AS capability, RFC 6793 §4.1, and refusing
//! malformed capabilities with event 22 BGPOpenMsgErr) before handing it over.

use std::fmt;
use std::net::Ipv4Addr;

use crate::family::AddressFamily;

use super::config::{PeerAsn, SessionConfig};
use super::notification::{code, open_subcode, Notification};

/// The only BGP version globe speaks (RFC 4271 §4.2).
pub const BGP_VERSION: u8 = 4;

/// The fields of an OPEN message the machine works with (RFC 4271 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenParameters {
    /// Protocol version; 4.
    pub version: u8,
    /// The sender's AS, 4-octet: from the 4-octet AS capability when present, else My Autonomous
    /// System.
    pub asn: u32,
    /// Proposed Hold Time in seconds.
    pub hold_time: u16,
    /// The sender's BGP Identifier.
    pub router_id: Ipv4Addr,
    /// The capabilities that shape the session.
    pub capabilities: NegotiationInput,
}

/// The capabilities (RFC 5492) one side announced that the session machine negotiates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NegotiationInput {
    /// Support for 4-octet AS numbers (RFC 6793).
    pub four_octet_asn: bool,
    /// Route Refresh (RFC 2918).
    pub route_refresh: bool,
    /// Enhanced Route Refresh (RFC 7313).
    pub enhanced_route_refresh: bool,
    /// Graceful Restart (RFC 4724), when announced.
    pub graceful_restart: Option<GracefulRestart>,
    /// Extended Message, messages up to 65535 octets (RFC 8654).
    pub extended_message: bool,
    /// BGP Role (RFC 9234), when announced.
    pub role: Option<Role>,
    /// Multiprotocol families (RFC 4760 §8). Empty means none announced, which implies IPv4 unicast.
    pub multiprotocol: Vec<AddressFamily>,
}

/// A Graceful Restart capability (RFC 4724 §3, with the N bit of RFC 8538).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GracefulRestart {
    /// Restart State (R): the sender has restarted.
    pub restarting: bool,
    /// Graceful Notification (N, RFC 8538): graceful restart also applies after a NOTIFICATION.
    pub notification: bool,
    /// Restart Time in seconds (12 bits on the wire).
    pub restart_time: u16,
    /// The families the sender preserves state for.
    pub families: Vec<GracefulRestartFamily>,
}

/// One family of a Graceful Restart capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GracefulRestartFamily {
    /// The address family.
    pub family: AddressFamily,
    /// Forwarding State (F): forwarding for this family was preserved across the restart.
    pub forwarding_preserved: bool,
}

/// A BGP Role (RFC 9234 §4.1): how the session relates the two ASes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The local AS is a transit provider of the peer.
    Provider,
    /// The local AS is a route server (at an IXP).
    RouteServer,
    /// The local AS is a client of a route server.
    RouteServerClient,
    /// The local AS is a customer of the peer.
    Customer,
    /// The local AS and the peer are lateral peers.
    Peer,
}

impl Role {
    /// The capability value (RFC 9234 §4.1, IANA "BGP Role Value").
    pub fn code(self) -> u8 {
        match self {
            Role::Provider => 0,
            Role::RouteServer => 1,
            Role::RouteServerClient => 2,
            Role::Customer => 3,
            Role::Peer => 4,
        }
    }

    /// The role for a capability value; `None` for an unassigned value, which RFC 9234 §4.2 treats as a
    /// mismatch.
    pub fn from_code(value: u8) -> Option<Role> {
        match value {
            0 => Some(Role::Provider),
            1 => Some(Role::RouteServer),
            2 => Some(Role::RouteServerClient),
            3 => Some(Role::Customer),
            4 => Some(Role::Peer),
            _ => None,
        }
    }

    /// The only role the peer may have when we have this one (RFC 9234 §4.2, Table 2).
    pub fn expected_peer_role(self) -> Role {
        match self {
            Role::Provider => Role::Customer,
            Role::Customer => Role::Provider,
            Role::RouteServer => Role::RouteServerClient,
            Role::RouteServerClient => Role::RouteServer,
            Role::Peer => Role::Peer,
        }
    }
}

/// What both sides agreed on; handed to the speaker with [`Action::SessionEstablished`].
///
/// [`Action::SessionEstablished`]: super::Action::SessionEstablished
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The peer's AS.
    pub peer_asn: u32,
    /// The peer's BGP Identifier.
    pub peer_router_id: Ipv4Addr,
    /// True for iBGP (the peer's AS is ours).
    pub internal: bool,
    /// Hold Time in seconds: the smaller of both proposals (RFC 4271 §4.2); 0 means no Hold timer and no
    /// KEEPALIVEs.
    pub hold_time: u16,
    /// Keepalive interval in seconds: one third of the hold time (RFC 4271 §10), 0 when hold time is 0.
    pub keepalive_time: u16,
    /// Both sides support 4-octet AS numbers: AS_PATH is written with 4-octet ASes (RFC 6793).
    pub four_octet_asn: bool,
    /// Both sides announced Route Refresh.
    pub route_refresh: bool,
    /// Both sides announced Enhanced Route Refresh.
    pub enhanced_route_refresh: bool,
    /// Both sides announced Extended Message: messages up to 65535 octets (RFC 8654 §3).
    pub extended_message: bool,
    /// The peer's Graceful Restart capability, when both sides announced one (RFC 4724 §4).
    pub peer_graceful_restart: Option<GracefulRestart>,
    /// Our BGP Role, as configured.
    pub local_role: Option<Role>,
    /// The peer's BGP Role, as announced.
    pub peer_role: Option<Role>,
    /// The address families both sides announced (IPv4 unicast implied for a side that announced none,
    /// RFC 4760 §8), in our order. May be empty: the session then carries no routes.
    pub families: Vec<AddressFamily>,
}

/// Why a received OPEN was refused (RFC 4271 §6.2); each maps to the OPEN Message Error NOTIFICATION
/// the machine sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The version is not 4.
    UnsupportedVersion {
        /// The version the peer bid.
        received: u8,
    },
    /// The AS is not the one configured (or is ours when only external peers are accepted).
    BadPeerAs {
        /// The AS the peer announced.
        received: u32,
    },
    /// The BGP Identifier is 0.0.0.0, or equals ours on an internal session (RFC 6286 §2.2).
    BadBgpIdentifier(Ipv4Addr),
    /// The Hold Time is 1 or 2 seconds (RFC 4271 §6.2).
    UnacceptableHoldTime(u16),
    /// The roles are not a pair of RFC 9234 Table 2, or strict mode wants a role and the peer sent none.
    RoleMismatch {
        /// Our role.
        local: Role,
        /// The peer's role, `None` when it sent no BGP Role capability.
        peer: Option<Role>,
    },
}

impl OpenError {
    /// The NOTIFICATION to send: OPEN Message Error with the matching subcode. Unsupported Version
    /// Number carries the 2-octet version we support (RFC 4271 §6.2).
    pub fn notification(&self) -> Notification {
        let (subcode, data) = match self {
            OpenError::UnsupportedVersion { .. } => (
                open_subcode::UNSUPPORTED_VERSION,
                u16::from(BGP_VERSION).to_be_bytes().to_vec(),
            ),
            OpenError::BadPeerAs { .. } => (open_subcode::BAD_PEER_AS, Vec::new()),
            OpenError::BadBgpIdentifier(_) => (open_subcode::BAD_BGP_IDENTIFIER, Vec::new()),
            OpenError::UnacceptableHoldTime(_) => {
                (open_subcode::UNACCEPTABLE_HOLD_TIME, Vec::new())
            }
            OpenError::RoleMismatch { .. } => (open_subcode::ROLE_MISMATCH, Vec::new()),
        };
        Notification::new(code::OPEN_MESSAGE, subcode, data)
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::UnsupportedVersion { received } => {
                write!(f, "peer speaks BGP version {received}, not {BGP_VERSION}")
            }
            OpenError::BadPeerAs { received } => write!(f, "unexpected peer AS {received}"),
            OpenError::BadBgpIdentifier(id) => write!(f, "unacceptable BGP identifier {id}"),
            OpenError::UnacceptableHoldTime(hold) => write!(f, "unacceptable hold time {hold} s"),
            OpenError::RoleMismatch { local, peer } => {
                write!(f, "role mismatch: we are {local:?}, peer is {peer:?}")
            }
        }
    }
}

impl std::error::Error for OpenError {}

/// Checks a received OPEN against our configuration and computes what the session will use. The
/// checks run in the order of RFC 4271 §6.2 (version, AS, hold time, identifier) followed by RFC 9234.
pub fn negotiate(config: &SessionConfig, peer: &OpenParameters) -> Result<Negotiated, OpenError> {
    if peer.version != BGP_VERSION {
        return Err(OpenError::UnsupportedVersion {
            received: peer.version,
        });
    }
    match config.peer_asn {
        PeerAsn::Exact(expected) if expected != peer.asn => {
            return Err(OpenError::BadPeerAs { received: peer.asn });
        }
        PeerAsn::Exact(_) | PeerAsn::Any => {}
    }
    if peer.hold_time == 1 || peer.hold_time == 2 {
        return Err(OpenError::UnacceptableHoldTime(peer.hold_time));
    }
    let internal = peer.asn == config.local_asn;
    // RFC 6286 §2.2: never zero; unique within an AS, so equal to ours is an error only for iBGP.
    if peer.router_id.is_unspecified() || (internal && peer.router_id == config.router_id) {
        return Err(OpenError::BadBgpIdentifier(peer.router_id));
    }
    let local = &config.capabilities;
    let remote = &peer.capabilities;
    // Roles are defined for eBGP sessions (RFC 9234 §4); on iBGP they are not checked.
    if let (Some(local_role), false) = (local.role, internal) {
        let compatible = match remote.role {
            Some(peer_role) => peer_role == local_role.expected_peer_role(),
            None => !config.role_strict,
        };
        if !compatible {
            return Err(OpenError::RoleMismatch {
                local: local_role,
                peer: remote.role,
            });
        }
    }

    let hold_time = config.hold_time.min(peer.hold_time);
    let families = announced_families(local)
        .iter()
        .copied()
        .filter(|family| announced_families(remote).contains(family))
        .collect();
    Ok(Negotiated {
        peer_asn: peer.asn,
        peer_router_id: peer.router_id,
        internal,
        hold_time,
        keepalive_time: hold_time / 3,
        four_octet_asn: local.four_octet_asn && remote.four_octet_asn,
        route_refresh: local.route_refresh && remote.route_refresh,
        enhanced_route_refresh: local.enhanced_route_refresh && remote.enhanced_route_refresh,
        extended_message: local.extended_message && remote.extended_message,
        peer_graceful_restart: local
            .graceful_restart
            .as_ref()
            .and(remote.graceful_restart.clone()),
        local_role: local.role,
        peer_role: remote.role,
        families,
    })
}

/// The families a side announced, IPv4 unicast when it announced no multiprotocol capability.
fn announced_families(input: &NegotiationInput) -> &[AddressFamily] {
    const IMPLIED: &[AddressFamily] = &[AddressFamily::IPV4_UNICAST];
    if input.multiprotocol.is_empty() {
        IMPLIED
    } else {
        &input.multiprotocol
    }
}
