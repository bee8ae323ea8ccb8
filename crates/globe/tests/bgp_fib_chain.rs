//! A chain of three `globe bgp` routers with the FIB on forwards real packets end to end: a DNS query
//! from the client namespace is answered by `globe auth` behind the third router, and the routes leave
//! the kernel when withdrawn or when a speaker exits.
//!
//! ```text
//!  client              r1                    r2                    r3                   server
//!  AS -             AS 4200000011         AS 4200000012         AS 4200000013             -
//!  198.51.100.2/30 ─ .1/30 | .5/30 ── eBGP ── .6/30 | .9/30 ── eBGP ── .10/30 | 192.0.2.1/24 ─ 192.0.2.53/24
//!  192.0.2.0/24          originates                              originates           globe auth :53
//!    via r1              198.51.100.0/30                         192.0.2.0/24         198.51.100.0/30 via r3
//! ```
//!
//! Namespaces `globe-chain-<node>-<pid>`, IPv4 forwarding on in r1–r3, routes installed by globe with
//! protocol 199. Needs root and `dig`; skipped with a message otherwise.

mod bgp_support;

use bgp_support::peers::installed;
use bgp_support::*;
use std::time::Duration;

const ZONE: &str = "$ORIGIN example.
$TTL 300
@    SOA ns1 hostmaster 1 3600 900 604800 300
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.80
";

/// One router: ASN, router ID, its neighbours (address, ASN), what it originates.
fn router_config(asn: u32, id: &str, neighbors: &[(&str, u32)], originate: &str) -> String {
    let mut config = format!(
        r#"router_id = "{id}"
asn = {asn}
listen = ["0.0.0.0:179"]
hold_time = 3
connect_retry_seconds = 1

[fib]
enabled = true
"#
    );
    for (address, peer_asn) in neighbors {
        config += &format!(
            r#"
[[neighbor]]
address = "{address}"
asn = {peer_asn}
import = "accept-all"
export = "accept-all"
families = ["ipv4-unicast"]
"#
        );
    }
    config += &format!("\n[[originate]]\nprefix = \"{originate}\"\n");
    config
}

/// `ip route show proto 199` in `netns`.
fn kernel(netns: &Netns) -> String {
    String::from_utf8_lossy(&netns.exec(&["ip", "route", "show", "proto", "199"]).stdout)
        .into_owned()
}

/// `dig` from the client: the A record of www.example., or "" when there is no answer.
fn query(client: &Netns) -> String {
    let output = client.exec(&[
        "dig",
        "+short",
        "+time=1",
        "+tries=1",
        "@192.0.2.53",
        "www.example.",
        "A",
    ]);
    if !output.status.success() {
        return String::new();
    }
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn three_globe_routers_forward_a_dns_query_and_clean_the_kernel() {
    if !can_run() || !installed("dig") {
        eprintln!("skipped: needs root, iproute2 and dig");
        return;
    }
    let client = Netns::new("chain-client");
    let r1 = Netns::new("chain-r1");
    let r2 = Netns::new("chain-r2");
    let r3 = Netns::new("chain-r3");
    let server = Netns::new("chain-server");
    link(
        &client,
        "c-r1",
        &["198.51.100.2/30"],
        &r1,
        "r1-c",
        &["198.51.100.1/30"],
    );
    link(
        &r1,
        "r1-r2",
        &["198.51.100.5/30"],
        &r2,
        "r2-r1",
        &["198.51.100.6/30"],
    );
    link(
        &r2,
        "r2-r3",
        &["198.51.100.9/30"],
        &r3,
        "r3-r2",
        &["198.51.100.10/30"],
    );
    link(
        &r3,
        "r3-s",
        &["192.0.2.1/24"],
        &server,
        "s-r3",
        &["192.0.2.53/24"],
    );
    // The end hosts know only their router; the routers learn the rest from BGP.
    client.ip(&["route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
    server.ip(&["route", "add", "198.51.100.0/30", "via", "192.0.2.1"]);
    for router in [&r1, &r2, &r3] {
        let output = router.exec(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        assert!(output.status.success(), "sysctl in {}", router.name);
    }

    let dir = TempDir::new("chain");
    let zone = dir.0.join("example.zone");
    std::fs::write(&zone, ZONE).expect("zone");
    let auth_log = dir.0.join("auth.log");
    let auth = Process {
        child: server.spawn(
            &[
                globe(),
                "auth",
                "--listen",
                "192.0.2.53:53",
                "--no-rrl",
                "--threads",
                "1",
                "--control",
                dir.0.join("auth.sock").to_str().expect("path"),
                "--zone",
                &format!("example.={}", zone.display()),
            ],
            &auth_log,
        ),
        log: auth_log,
    };

    let g1 = start_globe(
        &r1,
        &dir.0,
        "r1",
        &router_config(
            4_200_000_011,
            "198.51.100.5",
            &[("198.51.100.6", 4_200_000_012)],
            "198.51.100.0/30",
        ),
    );
    let mut g2 = start_globe(
        &r2,
        &dir.0,
        "r2",
        &router_config(
            4_200_000_012,
            "198.51.100.9",
            &[
                ("198.51.100.5", 4_200_000_011),
                ("198.51.100.10", 4_200_000_013),
            ],
            "198.51.100.4/30",
        ),
    );
    let g3 = start_globe(
        &r3,
        &dir.0,
        "r3",
        &router_config(
            4_200_000_013,
            "198.51.100.10",
            &[("198.51.100.9", 4_200_000_012)],
            "192.0.2.0/24",
        ),
    );
    let logs = || {
        format!(
            "--- r1\n{}\n--- r2\n{}\n--- r3\n{}\n--- auth\n{}",
            g1.process.log(),
            g2.process.log(),
            g3.process.log(),
            auth.log()
        )
    };
    let installed_everywhere = || {
        kernel(&r1).contains("192.0.2.0/24 via 198.51.100.6")
            && kernel(&r2).contains("192.0.2.0/24 via 198.51.100.10")
            && kernel(&r2).contains("198.51.100.0/30 via 198.51.100.5")
            && kernel(&r3).contains("198.51.100.0/30 via 198.51.100.9")
    };
    assert!(
        wait_for(Duration::from_secs(30), installed_everywhere),
        "routes not in the kernels:\nr1: {}\nr2: {}\nr3: {}\nr1's RIB: {:?}\n{}",
        kernel(&r1),
        kernel(&r2),
        kernel(&r3),
        g1.routes(),
        logs()
    );
    // r2 announces the r1–r2 link itself: r1 keeps the kernel's connected route beside globe's.
    let link = String::from_utf8_lossy(
        &r1.exec(&["ip", "route", "show", "198.51.100.4/30", "proto", "kernel"])
            .stdout,
    )
    .into_owned();
    assert!(
        link.contains("dev r1-r2"),
        "connected route replaced: {link}"
    );
    // The AS path at r1 crosses the chain.
    let route = g1.route("192.0.2.0/24").expect("route at r1");
    assert_eq!(
        route["as_path"],
        serde_json::json!([4_200_000_012u32, 4_200_000_013u32])
    );

    // A DNS query across r1, r2, r3.
    assert!(
        wait_for(Duration::from_secs(10), || query(&client) == "192.0.2.80"),
        "no answer across the chain: {:?}\n{}",
        query(&client),
        logs()
    );

    // Withdrawn at r3: gone from r2's and r1's kernels, and the query fails.
    assert!(g3.ask(&["withdraw", "192.0.2.0/24"]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), || !kernel(&r1)
            .contains("192.0.2.0/24")
            && !kernel(&r2).contains("192.0.2.0/24")),
        "withdrawn route still in a kernel:\nr1: {}\nr2: {}",
        kernel(&r1),
        kernel(&r2)
    );
    assert_eq!(query(&client), "", "answered without a route");

    // Announced again: forwarding is back.
    assert!(g3.ask(&["announce", "192.0.2.0/24"]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), installed_everywhere),
        "re-announced route not installed:\nr1: {}\nr2: {}",
        kernel(&r1),
        kernel(&r2)
    );
    assert!(
        wait_for(Duration::from_secs(5), || query(&client) == "192.0.2.80"),
        "no answer after the re-announcement"
    );

    // SIGTERM r2: it removes its own routes before exiting; r1 and r3 lose theirs with the sessions.
    g2.process.signal("TERM");
    assert!(
        g2.process.wait_exit(Duration::from_secs(10)),
        "r2 did not exit"
    );
    assert_eq!(kernel(&r2).trim(), "", "r2 left routes in its kernel");
    assert!(
        wait_for(Duration::from_secs(5), || !kernel(&r1)
            .contains("192.0.2.0/24")
            && !kernel(&r3).contains("198.51.100.0/30")),
        "routes through r2 left in r1/r3:\nr1: {}\nr3: {}",
        kernel(&r1),
        kernel(&r3)
    );
    assert_eq!(query(&client), "", "answered with r2 gone");
}
