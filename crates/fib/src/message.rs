//! The pure half of the FIB shell: builds `RTM_NEWROUTE`, `RTM_DELROUTE` and `RTM_GETROUTE` messages for
//! globe's routes and turns dumped routes back into [`Route`]s. No sockets; tested without a kernel.
//!
//! The message layout follows `rtnetlink(7)` and what iproute2 sends for the same `ip route` command:
//!
//! ```text
//! struct rtmsg   family, dst_len, src_len=0, tos=0, table (u8, 0 if >255), protocol, scope, type, flags
//! RTA_DST        the prefix address (left out for a /0, as iproute2 does for `default`)
//! RTA_TABLE      the table as a u32 (always, so tables above 255 work)
//! RTA_PRIORITY   the metric, when configured
//! RTA_GATEWAY + RTA_OIF       one next hop
//! RTA_MULTIPATH [rtnexthop{len, flags, hops, ifindex} RTA_GATEWAY]...   two or more (ECMP)
//! ```

use crate::error::FibError;
use crate::fib::{FibConfig, NextHop, Route, MAX_NEXT_HOPS};
use globe_bgp::Prefix;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteNextHop, RouteProtocol,
    RouteScope, RouteType,
};
use netlink_packet_route::AddressFamily;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A route of globe's protocol as the kernel reported it: enough to delete exactly it, and the [`Route`]
/// view of it when its next hops are plain gateways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DumpedRoute {
    /// The prefix and its gateway next hops (hops without a gateway are left out).
    pub route: Route,
    /// `RTA_PRIORITY`, when the kernel reported one.
    pub metric: Option<u32>,
    /// `rtm_type` is `RTN_UNICAST`.
    pub unicast: bool,
}

/// `rtm_table` holds 8 bits; larger tables go in `RTA_TABLE` only, with `rtm_table` = `RT_TABLE_UNSPEC`.
fn header_table(table: u32) -> u8 {
    u8::try_from(table).unwrap_or(RouteHeader::RT_TABLE_UNSPEC)
}

fn family(address: &IpAddr) -> AddressFamily {
    match address {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// The header and key attributes shared by new and delete messages.
fn keyed_message(config: &FibConfig, prefix: Prefix, metric: Option<u32>) -> RouteMessage {
    let mut message = RouteMessage::default();
    message.header.address_family = family(&prefix.address());
    message.header.destination_prefix_length = prefix.length();
    message.header.table = header_table(config.table);
    message.header.protocol = RouteProtocol::from(config.protocol);
    if prefix.length() > 0 {
        message
            .attributes
            .push(RouteAttribute::Destination(RouteAddress::from(
                prefix.address(),
            )));
    }
    message.attributes.push(RouteAttribute::Table(config.table));
    if let Some(metric) = metric {
        message.attributes.push(RouteAttribute::Priority(metric));
    }
    message
}

/// The `RTM_NEWROUTE` body that installs `prefix` via `next_hops` (sent with `NLM_F_CREATE |
/// NLM_F_REPLACE`). Checks what the kernel would otherwise refuse less clearly.
pub(crate) fn replace_message(
    config: &FibConfig,
    prefix: Prefix,
    next_hops: &[NextHop],
) -> Result<RouteMessage, FibError> {
    if next_hops.is_empty() {
        return Err(FibError::NoNextHops);
    }
    if next_hops.len() > MAX_NEXT_HOPS {
        return Err(FibError::TooManyNextHops {
            count: next_hops.len(),
        });
    }
    if let Some(hop) = next_hops
        .iter()
        .find(|hop| hop.gateway.is_ipv4() != prefix.is_ipv4())
    {
        return Err(FibError::FamilyMismatch {
            gateway: hop.gateway,
        });
    }
    let mut message = keyed_message(config, prefix, config.metric);
    message.header.scope = RouteScope::Universe;
    message.header.kind = RouteType::Unicast;
    match next_hops {
        [hop] => {
            message
                .attributes
                .push(RouteAttribute::Gateway(RouteAddress::from(hop.gateway)));
            if let Some(interface) = hop.interface {
                message.attributes.push(RouteAttribute::Oif(interface));
            }
        }
        hops => {
            let multipath = hops
                .iter()
                .map(|hop| {
                    let mut next_hop = RouteNextHop::default();
                    next_hop.interface_index = hop.interface.unwrap_or(0);
                    next_hop
                        .attributes
                        .push(RouteAttribute::Gateway(RouteAddress::from(hop.gateway)));
                    next_hop
                })
                .collect();
            message
                .attributes
                .push(RouteAttribute::MultiPath(multipath));
        }
    }
    Ok(message)
}

/// The `RTM_DELROUTE` body that removes globe's route for `prefix`, whatever its next hops: the kernel
/// matches table, protocol and (when given) metric; scope `RT_SCOPE_NOWHERE` and type `RTN_UNSPEC` match
/// any, as `ip route del` sends.
pub(crate) fn delete_message(
    config: &FibConfig,
    prefix: Prefix,
    metric: Option<u32>,
) -> RouteMessage {
    let mut message = keyed_message(config, prefix, metric);
    message.header.scope = RouteScope::NoWhere;
    message.header.kind = RouteType::Unspec;
    message
}

/// The `RTM_GETROUTE` dump request for one family. With `NETLINK_GET_STRICT_CHK` the kernel filters by
/// table and protocol itself (Linux 4.20+); [`parse_route`] filters again for older kernels.
pub(crate) fn dump_message(config: &FibConfig, family: AddressFamily) -> RouteMessage {
    let mut message = RouteMessage::default();
    message.header.address_family = family;
    message.header.table = header_table(config.table);
    message.header.protocol = RouteProtocol::from(config.protocol);
    if message.header.table == RouteHeader::RT_TABLE_UNSPEC {
        message.attributes.push(RouteAttribute::Table(config.table));
    }
    message
}

/// A dumped route, if it is one of globe's (its protocol and table) and of a family and shape this crate
/// writes; `None` for anything else.
pub(crate) fn parse_route(config: &FibConfig, message: &RouteMessage) -> Option<DumpedRoute> {
    let header = &message.header;
    if u8::from(header.protocol) != config.protocol {
        return None;
    }
    let is_ipv4 = match header.address_family {
        AddressFamily::Inet => true,
        AddressFamily::Inet6 => false,
        _ => return None,
    };
    let mut table = u32::from(header.table);
    let mut destination = None;
    let mut metric = None;
    let mut gateway = None;
    let mut interface = None;
    let mut multipath: &[RouteNextHop] = &[];
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Table(value) => table = *value,
            RouteAttribute::Destination(address) => destination = ip_address(address),
            RouteAttribute::Priority(value) => metric = Some(*value),
            RouteAttribute::Gateway(address) => gateway = ip_address(address),
            RouteAttribute::Oif(value) => interface = Some(*value),
            RouteAttribute::MultiPath(hops) => multipath = hops,
            _ => {}
        }
    }
    if table != config.table {
        return None;
    }
    let unspecified = if is_ipv4 {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    };
    let address = destination.unwrap_or(unspecified);
    if address.is_ipv4() != is_ipv4 {
        return None;
    }
    let prefix = Prefix::new_truncating(address, header.destination_prefix_length).ok()?;
    let mut next_hops = Vec::with_capacity(multipath.len().max(1));
    if let Some(gateway) = gateway {
        next_hops.push(NextHop { gateway, interface });
    }
    for hop in multipath {
        let gateway = hop.attributes.iter().find_map(|attribute| match attribute {
            RouteAttribute::Gateway(address) => ip_address(address),
            _ => None,
        });
        if let Some(gateway) = gateway {
            next_hops.push(NextHop {
                gateway,
                interface: (hop.interface_index != 0).then_some(hop.interface_index),
            });
        }
    }
    Some(DumpedRoute {
        route: Route { prefix, next_hops },
        metric,
        unicast: header.kind == RouteType::Unicast,
    })
}

fn ip_address(address: &RouteAddress) -> Option<IpAddr> {
    match address {
        RouteAddress::Inet(address) => Some(IpAddr::V4(*address)),
        RouteAddress::Inet6(address) => Some(IpAddr::V6(*address)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{Emitable, Parseable};

    fn config() -> FibConfig {
        FibConfig {
            protocol: 199,
            table: 254,
            metric: Some(20),
        }
    }

    fn prefix(text: &str) -> Prefix {
        text.parse().expect("test prefix")
    }

    fn hop(gateway: &str, interface: Option<u32>) -> NextHop {
        NextHop {
            gateway: gateway.parse().expect("test address"),
            interface,
        }
    }

    /// Encodes and decodes `message`, as the kernel would see it and echo it back.
    fn round_trip(message: &RouteMessage) -> RouteMessage {
        let mut bytes = vec![0; message.buffer_len()];
        message.emit(&mut bytes);
        RouteMessage::parse(&bytes[..]).expect("decodes")
    }

    #[test]
    fn single_hop_round_trips() {
        let config = config();
        let hops = [hop("192.0.2.2", Some(3))];
        let message = replace_message(&config, prefix("198.51.100.0/24"), &hops).expect("encodes");
        let parsed = parse_route(&config, &round_trip(&message)).expect("ours");
        assert_eq!(parsed.route.prefix, prefix("198.51.100.0/24"));
        assert_eq!(parsed.route.next_hops, hops);
        assert_eq!(parsed.metric, Some(20));
        assert!(parsed.unicast);
    }

    #[test]
    fn multipath_round_trips_ipv6() {
        let config = config();
        let hops = [hop("2001:db8::2", Some(3)), hop("2001:db8::3", None)];
        let message =
            replace_message(&config, prefix("2001:db8:100::/48"), &hops).expect("encodes");
        assert!(message.attributes.iter().any(
            |attribute| matches!(attribute, RouteAttribute::MultiPath(hops) if hops.len() == 2)
        ));
        let parsed = parse_route(&config, &round_trip(&message)).expect("ours");
        assert_eq!(parsed.route.next_hops, hops);
    }

    #[test]
    fn default_route_has_no_destination() {
        let config = config();
        let message = replace_message(&config, Prefix::IPV4_DEFAULT, &[hop("192.0.2.2", None)])
            .expect("encodes");
        assert!(!message
            .attributes
            .iter()
            .any(|attribute| matches!(attribute, RouteAttribute::Destination(_))));
        let parsed = parse_route(&config, &round_trip(&message)).expect("ours");
        assert_eq!(parsed.route.prefix, Prefix::IPV4_DEFAULT);
    }

    #[test]
    fn rejects_bad_next_hops() {
        let config = config();
        let ipv4 = prefix("198.51.100.0/24");
        assert_eq!(
            replace_message(&config, ipv4, &[]),
            Err(FibError::NoNextHops)
        );
        assert_eq!(
            replace_message(&config, ipv4, &[hop("2001:db8::1", None)]),
            Err(FibError::FamilyMismatch {
                gateway: "2001:db8::1".parse().expect("address")
            })
        );
        let many = vec![hop("192.0.2.2", None); MAX_NEXT_HOPS + 1];
        assert_eq!(
            replace_message(&config, ipv4, &many),
            Err(FibError::TooManyNextHops {
                count: MAX_NEXT_HOPS + 1
            })
        );
    }

    #[test]
    fn ignores_other_protocols_and_tables() {
        let config = config();
        let hops = [hop("192.0.2.2", None)];
        let message = replace_message(&config, prefix("198.51.100.0/24"), &hops).expect("encodes");
        let other_protocol = FibConfig {
            protocol: 4,
            ..config
        };
        assert_eq!(parse_route(&other_protocol, &message), None);
        let other_table = FibConfig {
            table: 1000,
            ..config
        };
        assert_eq!(parse_route(&other_table, &message), None);
    }

    #[test]
    fn large_tables_go_in_the_attribute() {
        let config = FibConfig {
            table: 1000,
            ..config()
        };
        let message = delete_message(&config, prefix("198.51.100.0/24"), None);
        assert_eq!(message.header.table, RouteHeader::RT_TABLE_UNSPEC);
        assert!(message.attributes.contains(&RouteAttribute::Table(1000)));
        assert_eq!(message.header.scope, RouteScope::NoWhere);
    }
}
