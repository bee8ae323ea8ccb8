//! Conversions between the codec's types (`globe_bgp::wire`) and the session machine's own small types
//! (`globe_bgp::fsm`): OPEN ⇄ [`OpenParameters`], NOTIFICATION both ways, roles, and a neighbour's
//! [`SessionConfig`] from the configuration file.

use crate::config::{Config, Neighbor, NeighborRole};
use globe_bgp::fsm::{
    self, GracefulRestart, GracefulRestartFamily, NegotiationInput, OpenParameters, PeerAsn,
    SessionConfig,
};
use globe_bgp::wire::{self, Capability, NotificationCode, Open};
use std::time::Duration;

/// The codec's OPEN as the machine sees it. Capabilities the machine does not negotiate are dropped.
/// Two BGP Role capabilities with different values are an error (RFC 9234 §4.2: Role Mismatch).
pub fn open_parameters(open: &Open) -> Result<OpenParameters, fsm::Notification> {
    let mut input = NegotiationInput::default();
    let mut roles = Vec::new();
    for capability in open.capabilities() {
        match capability {
            Capability::Multiprotocol(family) => {
                if !input.multiprotocol.contains(family) {
                    input.multiprotocol.push(*family);
                }
            }
            Capability::RouteRefresh => input.route_refresh = true,
            Capability::EnhancedRouteRefresh => input.enhanced_route_refresh = true,
            Capability::ExtendedMessage => input.extended_message = true,
            Capability::FourOctetAsn(_) => input.four_octet_asn = true,
            Capability::Role(role) => roles.push(*role),
            Capability::GracefulRestart(restart) => {
                input.graceful_restart = Some(GracefulRestart {
                    restarting: restart.restarted(),
                    notification: restart.flags & wire::GracefulRestart::NOTIFICATION != 0,
                    restart_time: restart.restart_time,
                    families: restart
                        .families
                        .iter()
                        .map(|family| GracefulRestartFamily {
                            family: family.family,
                            forwarding_preserved: family.forwarding_preserved(),
                        })
                        .collect(),
                })
            }
            Capability::Unknown { .. } => {}
        }
    }
    roles.dedup();
    match roles.as_slice() {
        [] => {}
        [role] => input.role = fsm_role(*role),
        _ => {
            return Err(fsm::Notification::new(
                fsm::notification::code::OPEN_MESSAGE,
                fsm::notification::open_subcode::ROLE_MISMATCH,
                Vec::new(),
            ))
        }
    }
    Ok(OpenParameters {
        version: wire::open::BGP_VERSION,
        asn: open.asn(),
        hold_time: open.hold_time,
        router_id: open.bgp_identifier,
        capabilities: input,
    })
}

/// The codec's OPEN for the machine's parameters: AS_TRANS in My AS when the AS needs 4 octets, every
/// capability in one optional parameter.
pub fn open_message(parameters: &OpenParameters) -> Open {
    let input = &parameters.capabilities;
    let mut capabilities: Vec<Capability> = input
        .multiprotocol
        .iter()
        .map(|family| Capability::Multiprotocol(*family))
        .collect();
    if input.route_refresh {
        capabilities.push(Capability::RouteRefresh);
    }
    if input.extended_message {
        capabilities.push(Capability::ExtendedMessage);
    }
    if let Some(role) = input.role {
        capabilities.push(Capability::Role(wire_role(role)));
    }
    if let Some(restart) = &input.graceful_restart {
        let mut flags = 0;
        if restart.restarting {
            flags |= wire::GracefulRestart::RESTART_STATE;
        }
        if restart.notification {
            flags |= wire::GracefulRestart::NOTIFICATION;
        }
        capabilities.push(Capability::GracefulRestart(wire::GracefulRestart {
            flags,
            restart_time: restart.restart_time,
            families: restart
                .families
                .iter()
                .map(|family| wire::GracefulRestartFamily {
                    family: family.family,
                    flags: if family.forwarding_preserved {
                        wire::GracefulRestartFamily::FORWARDING_STATE
                    } else {
                        0
                    },
                })
                .collect(),
        }));
    }
    if input.four_octet_asn {
        capabilities.push(Capability::FourOctetAsn(parameters.asn));
    }
    if input.enhanced_route_refresh {
        capabilities.push(Capability::EnhancedRouteRefresh);
    }
    Open::new(
        parameters.asn,
        parameters.hold_time,
        parameters.router_id,
        capabilities,
    )
}

/// The machine's NOTIFICATION as the codec's.
pub fn wire_notification(notification: &fsm::Notification) -> wire::Notification {
    wire::Notification::new(
        NotificationCode::from_codes(notification.code, notification.subcode),
        notification.data.clone(),
    )
}

/// The codec's NOTIFICATION as the machine's.
pub fn fsm_notification(notification: &wire::Notification) -> fsm::Notification {
    fsm::Notification::new(
        notification.code.code(),
        notification.code.subcode(),
        notification.data.clone(),
    )
}

/// A codec role as the machine's; `None` for an unassigned value.
pub fn fsm_role(role: wire::Role) -> Option<fsm::Role> {
    fsm::Role::from_code(role.to_u8())
}

/// A machine role as the codec's.
pub fn wire_role(role: fsm::Role) -> wire::Role {
    wire::Role::from_u8(role.code())
}

/// The role we announce (RFC 9234) for a neighbour with this relationship to us.
pub fn local_role(role: NeighborRole) -> Option<fsm::Role> {
    match role {
        NeighborRole::Customer => Some(fsm::Role::Provider),
        NeighborRole::Provider => Some(fsm::Role::Customer),
        NeighborRole::Peer => Some(fsm::Role::Peer),
        NeighborRole::Rs => Some(fsm::Role::RouteServerClient),
        NeighborRole::RsClient => Some(fsm::Role::RouteServer),
        NeighborRole::Internal => None,
    }
}

/// The session machine's configuration for `neighbor`.
pub fn session_config(config: &Config, neighbor: &Neighbor) -> SessionConfig {
    let mut session =
        SessionConfig::new(config.asn, config.router_id, PeerAsn::Exact(neighbor.asn));
    session.hold_time = neighbor.hold_time.unwrap_or(config.hold_time);
    session.connect_retry_time = Duration::from_secs(
        neighbor
            .connect_retry_seconds
            .unwrap_or(config.connect_retry_seconds)
            .max(1),
    );
    session.prefix_limit_restart = neighbor
        .max_prefix
        .and_then(|limit| limit.restart_seconds)
        .map(|seconds| Duration::from_secs(seconds.max(1)));
    session.role_strict = neighbor.role_strict;
    session.capabilities = NegotiationInput {
        four_octet_asn: true,
        route_refresh: true,
        enhanced_route_refresh: neighbor.enhanced_route_refresh,
        // Helper only (RFC 4724 §4.2): R = 0, and F = 0 for every family since a restart of globe keeps
        // no forwarding state.
        graceful_restart: neighbor.graceful_restart.then(|| GracefulRestart {
            restarting: false,
            notification: false,
            restart_time: neighbor.graceful_restart_time.min(4095),
            families: neighbor
                .address_families()
                .into_iter()
                .map(|family| GracefulRestartFamily {
                    family,
                    forwarding_preserved: false,
                })
                .collect(),
        }),
        extended_message: neighbor.extended_message,
        role: if neighbor.is_internal(config.asn) {
            None
        } else {
            neighbor.role.and_then(local_role)
        },
        multiprotocol: neighbor.address_families(),
    };
    session
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_bgp::{AddressFamily, DecodeOptions, Message};

    #[test]
    fn open_round_trips_through_the_machine_types() {
        let parameters = OpenParameters {
            version: 4,
            asn: 4_200_000_001,
            hold_time: 90,
            router_id: "192.0.2.1".parse().expect("address"),
            capabilities: NegotiationInput {
                four_octet_asn: true,
                route_refresh: true,
                enhanced_route_refresh: true,
                graceful_restart: None,
                extended_message: true,
                role: Some(fsm::Role::Customer),
                multiprotocol: vec![AddressFamily::IPV4_UNICAST, AddressFamily::IPV6_UNICAST],
            },
        };
        let open = open_message(&parameters);
        assert_eq!(open.my_as, 23456);
        let bytes = Message::Open(open)
            .to_bytes(&DecodeOptions::default())
            .expect("encodes");
        let decoded = Message::decode(&bytes, &DecodeOptions::default()).expect("decodes");
        let Message::Open(open) = decoded.message else {
            panic!("not an OPEN")
        };
        assert_eq!(open_parameters(&open).expect("valid"), parameters);
    }

    #[test]
    fn graceful_restart_is_announced_as_helper_only() {
        let text = "router_id = \"192.0.2.1\"\nasn = 64501\n\n[[neighbor]]\naddress = \"192.0.2.2\"\nasn = 64502\ngraceful_restart_time = 30\n\n[[neighbor]]\naddress = \"192.0.2.3\"\nasn = 64503\ngraceful_restart = false\n";
        let config = Config::parse(text, std::path::Path::new("bgp.toml")).expect("parses");
        let [first, second] = config.neighbor.as_slice() else {
            panic!("two neighbours")
        };
        let restart = session_config(&config, first)
            .capabilities
            .graceful_restart
            .expect("announced by default");
        assert!(!restart.restarting && !restart.notification);
        assert_eq!(restart.restart_time, 30);
        assert_eq!(restart.families.len(), 2);
        assert!(restart
            .families
            .iter()
            .all(|family| !family.forwarding_preserved));
        assert_eq!(
            session_config(&config, second)
                .capabilities
                .graceful_restart,
            None
        );
        let too_long = text.replace("graceful_restart_time = 30", "graceful_restart_time = 4096");
        assert!(Config::parse(&too_long, std::path::Path::new("bgp.toml")).is_err());
    }

    #[test]
    fn conflicting_roles_are_a_role_mismatch() {
        let open = Open::new(
            65001,
            90,
            "192.0.2.1".parse().expect("address"),
            vec![
                Capability::Role(wire::Role::Peer),
                Capability::Role(wire::Role::Customer),
            ],
        );
        let error = open_parameters(&open).expect_err("two roles");
        assert_eq!((error.code, error.subcode), (2, 11));
    }
}
