//! Kernel tests of `globe_fib::Fib`: each test makes its own network namespace (`globe-fib-<test>-<pid>`)
//! with a veth pair holding 192.0.2.1/24 and 2001:db8::1/64, opens the FIB on a thread inside it, and
//! checks the result with `ip -n NS route show proto 199`. Needs root; never touches the host's tables.
//! The `install_100k` test prints install rates against `ip -batch` measured in the same run.

use globe_fib::netns::{NetNs, NetNsError};
use globe_fib::{Fib, FibConfig, FibError, NextHop, Prefix, Route, GLOBE_PROTOCOL};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

/// A namespace with veth0 (192.0.2.1/24, 2001:db8::1/64) and its peer veth1 inside it too, both up.
fn namespace(test: &str) -> NetNs {
    let namespace = NetNs::create_unique(&format!("globe-fib-{test}")).expect("create namespace");
    namespace
        .add_veth("veth0", &namespace, "veth1")
        .expect("veth pair");
    namespace
        .add_address("veth0", "192.0.2.1/24")
        .expect("IPv4 address");
    namespace
        .add_address("veth0", "2001:db8::1/64")
        .expect("IPv6 address");
    namespace
}

fn prefix(text: &str) -> Prefix {
    text.parse().expect("test prefix")
}

fn via(gateway: &str) -> NextHop {
    NextHop {
        gateway: gateway.parse().expect("test address"),
        interface: None,
    }
}

/// `ip route show proto 199` for both families (and `table`, when not main).
fn shown(namespace: &NetNs, table: &str) -> String {
    let protocol = GLOBE_PROTOCOL.to_string();
    let mut text = String::new();
    for family in ["-4", "-6"] {
        match namespace.ip(&[family, "route", "show", "table", table, "proto", &protocol]) {
            Ok(routes) => text += &routes,
            // The kernel makes an IPv6 table only when a route first goes in.
            Err(NetNsError::Command { stderr, .. }) if stderr.contains("table does not exist") => {}
            Err(error) => panic!("ip route show: {error}"),
        }
    }
    text
}

fn gateways(route: &Route) -> Vec<IpAddr> {
    route.next_hops.iter().map(|hop| hop.gateway).collect()
}

fn address(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

#[test]
fn replace_installs_then_changes_next_hop() {
    let namespace = namespace("replace");
    namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig::default()).expect("open");
            let ipv4 = prefix("198.51.100.0/24");
            let ipv6 = prefix("2001:db8:100::/48");
            fib.replace(ipv4, &[via("192.0.2.2")])
                .await
                .expect("install IPv4");
            fib.replace(ipv6, &[via("2001:db8::2")])
                .await
                .expect("install IPv6");
            let text = shown(&namespace, "main");
            assert!(
                text.contains("198.51.100.0/24 via 192.0.2.2 dev veth0"),
                "{text}"
            );
            assert!(
                text.contains("2001:db8:100::/48 via 2001:db8::2 dev veth0"),
                "{text}"
            );

            fib.replace(ipv4, &[via("192.0.2.3")])
                .await
                .expect("replace IPv4");
            fib.replace(ipv6, &[via("2001:db8::3")])
                .await
                .expect("replace IPv6");
            let text = shown(&namespace, "main");
            assert!(
                text.contains("198.51.100.0/24 via 192.0.2.3 dev veth0"),
                "{text}"
            );
            assert!(
                text.contains("2001:db8:100::/48 via 2001:db8::3 dev veth0"),
                "{text}"
            );
            assert!(
                !text.contains("192.0.2.2") && !text.contains("2001:db8::2 "),
                "{text}"
            );
            assert_eq!(text.lines().count(), 2, "{text}");

            let routes = fib.routes().await.expect("routes");
            assert_eq!(routes.len(), 2);
            assert_eq!(routes[0].prefix, ipv4);
            assert_eq!(gateways(&routes[0]), [address("192.0.2.3")]);
            assert_eq!(routes[1].prefix, ipv6);
            assert_eq!(gateways(&routes[1]), [address("2001:db8::3")]);
            let veth0 = namespace.interface_index("veth0").expect("ifindex");
            assert_eq!(routes[0].next_hops[0].interface, Some(veth0));
        })
        .expect("namespace thread");
}

#[test]
fn ecmp_shows_every_next_hop() {
    let namespace = namespace("ecmp");
    namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig::default()).expect("open");
            let veth0 = namespace.interface_index("veth0").expect("ifindex");
            let ipv4 = prefix("198.51.100.0/24");
            let ipv6 = prefix("2001:db8:100::/48");
            let hops_v4 = [
                NextHop {
                    gateway: address("192.0.2.2"),
                    interface: Some(veth0),
                },
                via("192.0.2.3"),
            ];
            let hops_v6 = [via("2001:db8::2"), via("2001:db8::3")];
            fib.replace(ipv4, &hops_v4).await.expect("ECMP IPv4");
            fib.replace(ipv6, &hops_v6).await.expect("ECMP IPv6");
            let text = shown(&namespace, "main");
            for hop in ["192.0.2.2", "192.0.2.3", "2001:db8::2", "2001:db8::3"] {
                assert!(
                    text.contains(&format!("nexthop via {hop} dev veth0")),
                    "{hop}: {text}"
                );
            }
            let routes = fib.routes().await.expect("routes");
            assert_eq!(routes.len(), 2);
            assert_eq!(
                gateways(&routes[0]),
                [address("192.0.2.2"), address("192.0.2.3")]
            );
            assert_eq!(
                gateways(&routes[1]),
                [address("2001:db8::2"), address("2001:db8::3")]
            );

            // Back to one next hop: the whole multipath route is replaced.
            fib.replace(ipv4, &[via("192.0.2.3")])
                .await
                .expect("single IPv4");
            fib.replace(ipv6, &[via("2001:db8::3")])
                .await
                .expect("single IPv6");
            let text = shown(&namespace, "main");
            assert!(!text.contains("nexthop"), "{text}");
            assert_eq!(text.lines().count(), 2, "{text}");
        })
        .expect("namespace thread");
}

#[test]
fn remove_deletes_only_that_route() {
    let namespace = namespace("remove");
    namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig::default()).expect("open");
            let keep = prefix("198.51.100.0/24");
            let drop_v4 = prefix("203.0.113.0/24");
            let drop_v6 = prefix("2001:db8:200::/48");
            fib.replace(keep, &[via("192.0.2.2")])
                .await
                .expect("install");
            fib.replace(drop_v4, &[via("192.0.2.2"), via("192.0.2.3")])
                .await
                .expect("install ECMP");
            fib.replace(drop_v6, &[via("2001:db8::2"), via("2001:db8::3")])
                .await
                .expect("install ECMP IPv6");
            fib.remove(drop_v4).await.expect("remove IPv4");
            fib.remove(drop_v6).await.expect("remove IPv6");
            let text = shown(&namespace, "main");
            assert_eq!(
                text.trim(),
                "198.51.100.0/24 via 192.0.2.2 dev veth0",
                "{text}"
            );
            assert_eq!(fib.remove(drop_v4).await, Err(FibError::NotFound));
            assert_eq!(fib.remove(drop_v6).await, Err(FibError::NotFound));
        })
        .expect("namespace thread");
}

#[test]
fn flush_removes_only_our_protocol() {
    let namespace = namespace("flush");
    // Another daemon's and the administrator's routes, which must survive.
    namespace
        .ip(&[
            "route",
            "add",
            "203.0.113.0/24",
            "via",
            "192.0.2.9",
            "proto",
            "static",
        ])
        .expect("static route");
    namespace
        .ip(&[
            "-6",
            "route",
            "add",
            "2001:db8:300::/48",
            "via",
            "2001:db8::9",
            "proto",
            "static",
        ])
        .expect("static IPv6 route");
    namespace
        .ip(&[
            "route",
            "add",
            "198.18.0.0/24",
            "via",
            "192.0.2.9",
            "proto",
            "bird",
        ])
        .expect("bird route");
    // A leftover of a crashed run, with another metric than this run's.
    namespace
        .ip(&[
            "route",
            "add",
            "198.18.1.0/24",
            "via",
            "192.0.2.9",
            "proto",
            "199",
            "metric",
            "7",
        ])
        .expect("leftover route");
    let before = namespace.ip(&["route", "show"]).expect("show");
    namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig {
                metric: Some(20),
                ..FibConfig::default()
            })
            .expect("open");
            fib.replace(prefix("198.51.100.0/24"), &[via("192.0.2.2")])
                .await
                .expect("install");
            fib.replace(
                prefix("2001:db8:100::/48"),
                &[via("2001:db8::2"), via("2001:db8::3")],
            )
            .await
            .expect("install IPv6 ECMP");
            assert_eq!(fib.routes().await.expect("routes").len(), 3);
            assert_eq!(fib.flush().await, Ok(3));
            assert_eq!(fib.routes().await.expect("routes"), []);
            assert_eq!(fib.flush().await, Ok(0));
        })
        .expect("namespace thread");
    assert_eq!(shown(&namespace, "main"), "");
    let after = namespace.ip(&["route", "show"]).expect("show");
    assert!(
        after.contains("203.0.113.0/24 via 192.0.2.9 dev veth0 proto static"),
        "{after}"
    );
    assert!(
        after.contains("198.18.0.0/24 via 192.0.2.9 dev veth0 proto bird"),
        "{after}"
    );
    assert_eq!(
        after,
        before.replace(
            "198.18.1.0/24 via 192.0.2.9 dev veth0 proto 199 metric 7 \n",
            ""
        )
    );
    let ipv6 = namespace
        .ip(&["-6", "route", "show", "proto", "static"])
        .expect("show");
    assert!(ipv6.contains("2001:db8:300::/48 via 2001:db8::9"), "{ipv6}");
}

#[test]
fn other_table_and_metric() {
    let namespace = namespace("table");
    namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig {
                protocol: GLOBE_PROTOCOL,
                table: 1000,
                metric: Some(50),
            })
            .expect("open");
            fib.replace(prefix("198.51.100.0/24"), &[via("192.0.2.2")])
                .await
                .expect("install");
            let text = shown(&namespace, "1000");
            assert!(
                text.contains("198.51.100.0/24 via 192.0.2.2 dev veth0 metric 50"),
                "{text}"
            );
            assert_eq!(shown(&namespace, "main"), "");
            // Same prefix in main, another daemon's: not globe's, so neither listed nor flushed.
            namespace
                .ip(&[
                    "route",
                    "add",
                    "198.51.100.0/24",
                    "via",
                    "192.0.2.3",
                    "proto",
                    "199",
                ])
                .expect("main route");
            assert_eq!(fib.routes().await.expect("routes").len(), 1);
            assert_eq!(fib.flush().await, Ok(1));
            assert_eq!(shown(&namespace, "1000"), "");
            assert!(shown(&namespace, "main").contains("198.51.100.0/24 via 192.0.2.3"));
        })
        .expect("namespace thread");
}

#[test]
fn errors_are_typed() {
    let namespace = namespace("errors");
    namespace
        .block_on(|| async {
            assert_eq!(
                Fib::open(FibConfig {
                    protocol: 4,
                    ..FibConfig::default()
                })
                .err(),
                Some(FibError::Config(globe_fib::ConfigError::ReservedProtocol(
                    4
                )))
            );
            let fib = Fib::open(FibConfig::default()).expect("open");
            let ipv4 = prefix("198.51.100.0/24");
            // 198.18.0.1 is covered by no connected route.
            assert_eq!(
                fib.replace(ipv4, &[via("198.18.0.1")]).await,
                Err(FibError::Unreachable)
            );
            assert_eq!(
                fib.replace(prefix("2001:db8:100::/48"), &[via("2001:db8:ffff::1")])
                    .await,
                Err(FibError::Unreachable)
            );
            assert_eq!(fib.replace(ipv4, &[]).await, Err(FibError::NoNextHops));
            assert_eq!(
                fib.replace(ipv4, &[via("2001:db8::2")]).await,
                Err(FibError::FamilyMismatch {
                    gateway: address("2001:db8::2")
                })
            );
            let missing_interface = NextHop {
                gateway: address("192.0.2.2"),
                interface: Some(9999),
            };
            let missing_interface_v6 = NextHop {
                gateway: address("2001:db8::2"),
                interface: Some(9999),
            };
            // IPv6 checks the interface first; IPv4 looks the gateway up through it and finds nothing.
            assert_eq!(
                fib.replace(prefix("2001:db8:100::/48"), &[missing_interface_v6])
                    .await,
                Err(FibError::NoSuchInterface)
            );
            assert_eq!(
                fib.replace(ipv4, &[missing_interface]).await,
                Err(FibError::Unreachable)
            );

            // A batch reports its bad routes and installs the rest.
            let routes = [
                Route {
                    prefix: prefix("198.51.100.0/25"),
                    next_hops: vec![via("192.0.2.2")],
                },
                Route {
                    prefix: prefix("198.51.100.128/25"),
                    next_hops: vec![via("198.18.0.1")],
                },
                Route {
                    prefix: prefix("203.0.113.0/24"),
                    next_hops: vec![],
                },
                Route {
                    prefix: prefix("2001:db8:100::/48"),
                    next_hops: vec![via("2001:db8::2")],
                },
            ];
            let failures = fib.replace_many(&routes).await.expect("batch");
            let failed: Vec<_> = failures
                .iter()
                .map(|failure| (failure.prefix, failure.error.clone()))
                .collect();
            assert_eq!(
                failed,
                [
                    (prefix("203.0.113.0/24"), FibError::NoNextHops),
                    (prefix("198.51.100.128/25"), FibError::Unreachable),
                ]
            );
            let installed: Vec<_> = fib
                .routes()
                .await
                .expect("routes")
                .into_iter()
                .map(|route| route.prefix)
                .collect();
            assert_eq!(
                installed,
                [prefix("198.51.100.0/25"), prefix("2001:db8:100::/48")]
            );
        })
        .expect("namespace thread");
}

#[test]
fn veth_between_namespaces() {
    let left = NetNs::create_unique("globe-fib-left").expect("left");
    let right = NetNs::create_unique("globe-fib-right").expect("right");
    left.add_veth("to-right", &right, "to-left").expect("veth");
    left.add_address("to-right", "192.0.2.1/24")
        .expect("address");
    right
        .add_address("to-left", "192.0.2.2/24")
        .expect("address");
    left.block_on(|| async {
        let fib = Fib::open(FibConfig::default()).expect("open");
        fib.replace(prefix("198.51.100.0/24"), &[via("192.0.2.2")])
            .await
            .expect("install");
    })
    .expect("namespace thread");
    let lookup = left
        .ip(&["route", "get", "198.51.100.7"])
        .expect("route get");
    assert!(lookup.contains("via 192.0.2.2 dev to-right"), "{lookup}");
    // The right side never saw the route.
    assert_eq!(shown(&right, "main"), "");
}

#[test]
fn namespace_is_deleted_even_after_a_panic() {
    let name = format!("globe-fib-panic-{}", std::process::id());
    let path = std::path::PathBuf::from("/run/netns").join(&name);
    let outcome = std::panic::catch_unwind(|| {
        let namespace = NetNs::create(&name).expect("create");
        assert!(namespace.path().exists());
        namespace
            .run_in(|| panic!("deliberate panic inside the namespace"))
            .expect("thread")
    });
    assert!(outcome.is_err());
    assert!(!path.exists(), "{} left behind", path.display());
}

/// Installs 100,000 /32 routes from 198.18.0.0/15 and prints the rate, beside `ip -batch` (one request,
/// one ACK at a time) and one-at-a-time `Fib::replace` on the same kernel, in the same run.
#[test]
fn install_100k() {
    const COUNT: u32 = 100_000;
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 0));
    let routes: Vec<Route> = (0..COUNT)
        .map(|index| Route {
            prefix: Prefix::new(IpAddr::V4(Ipv4Addr::from(base + index)), 32).expect("prefix"),
            next_hops: vec![via("192.0.2.2")],
        })
        .collect();

    let install_namespace = namespace("install");
    let (install, dump, flush) = install_namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig::default()).expect("open");
            let start = Instant::now();
            let failures = fib.replace_many(&routes).await.expect("batch");
            let install = start.elapsed();
            assert_eq!(failures, []);
            let start = Instant::now();
            assert_eq!(fib.routes().await.expect("routes").len(), COUNT as usize);
            let dump = start.elapsed();
            let start = Instant::now();
            assert_eq!(fib.flush().await, Ok(COUNT as usize));
            (install, dump, start.elapsed())
        })
        .expect("namespace thread");

    // Anchor: iproute2, one request per route, in a fresh namespace.
    let anchor = namespace_with_batch_file(&routes);
    let (anchor_namespace, batch_file) = anchor;
    let start = Instant::now();
    anchor_namespace
        .ip(&["-batch", batch_file.to_str().expect("path")])
        .expect("ip -batch");
    let iproute2 = start.elapsed();
    let _ = std::fs::remove_file(&batch_file);
    let count = anchor_namespace
        .ip(&["route", "show", "proto", "199"])
        .expect("show")
        .lines()
        .count();
    assert_eq!(count, COUNT as usize);

    // One at a time through Fib::replace (10,000 routes): a datagram and an ACK per route.
    const SINGLE: usize = 10_000;
    let single_namespace = namespace("single");
    let single = single_namespace
        .block_on(|| async {
            let fib = Fib::open(FibConfig::default()).expect("open");
            let start = Instant::now();
            for route in &routes[..SINGLE] {
                fib.replace(route.prefix, &route.next_hops)
                    .await
                    .expect("install");
            }
            start.elapsed()
        })
        .expect("namespace thread");

    let rate = |count: usize, elapsed: std::time::Duration| count as f64 / elapsed.as_secs_f64();
    let batched = rate(COUNT as usize, install);
    let anchor_rate = rate(COUNT as usize, iproute2);
    let single_rate = rate(SINGLE, single);
    // Straight to stderr, past the test harness's capture, so CI logs show the rates.
    let report = format!(
        "install_100k: Fib::replace_many {COUNT} routes in {install:.2?}: {batched:.0} routes/s\n\
         install_100k: ip -batch        {COUNT} routes in {iproute2:.2?}: {anchor_rate:.0} routes/s\n\
         install_100k: Fib::replace     {SINGLE} routes in {single:.2?}: {single_rate:.0} routes/s\n\
         install_100k: replace_many / ip -batch = {:.2}x; replace_many / replace = {:.2}x\n\
         install_100k: routes() dump {dump:.2?} ({:.0} routes/s); flush {flush:.2?} ({:.0} routes/s)\n",
        batched / anchor_rate,
        batched / single_rate,
        rate(COUNT as usize, dump),
        rate(COUNT as usize, flush)
    );
    let _ = std::io::stderr().write_all(report.as_bytes());
}

/// A fresh namespace and an `ip -batch` file adding `routes` with protocol 199.
fn namespace_with_batch_file(routes: &[Route]) -> (NetNs, std::path::PathBuf) {
    let anchor = namespace("anchor");
    let mut text = String::with_capacity(routes.len() * 64);
    for route in routes {
        text += &format!("route add {} via 192.0.2.2 proto 199\n", route.prefix);
    }
    let path = std::env::temp_dir().join(format!("{}.batch", anchor.name()));
    std::fs::write(&path, text).expect("batch file");
    (anchor, path)
}
