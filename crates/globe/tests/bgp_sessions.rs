//! `globe bgp` against `globe bgp` in network namespaces: session establishment with 4-octet ASNs,
//! IPv4 and IPv6 routes with communities and large communities, withdraw, route refresh, hold-timer
//! expiry, graceful shutdown on SIGTERM, MRT output read by bgpdump, and TCP-MD5.
//!
//! Needs root (namespaces); skipped with a message otherwise.

mod bgp_support;

use bgp_support::*;
use std::time::Duration;

const A: &str = "198.51.100.1";
const B: &str = "198.51.100.2";

/// A config for one side: `local`/`asn`, one neighbour, everything accepted and exported.
fn config(
    asn: u32,
    router_id: &str,
    peer: &str,
    peer_asn: u32,
    extra_neighbor: &str,
    rest: &str,
) -> String {
    format!(
        r#"router_id = "{router_id}"
asn = {asn}
listen = ["0.0.0.0:179", "[::]:179"]
hold_time = 9
connect_retry_seconds = 1

[[neighbor]]
address = "{peer}"
asn = {peer_asn}
import = "accept-all"
export = "accept-all"
next_hop_ipv6 = "2001:db8:1::{last}"
{extra_neighbor}

{rest}
"#,
        last = router_id.rsplit('.').next().unwrap_or("1"),
    )
}

const ORIGINATE_A: &str = r#"
[[originate]]
prefix = "203.0.113.0/24"
communities = ["64500:1", "65000:2"]
large_communities = ["4200000001:7:9"]

# NO_EXPORT (RFC 1997): never sent over eBGP.
[[originate]]
prefix = "198.18.0.0/15"
communities = ["no-export"]

[[originate]]
prefix = "2001:db8:100::/48"
communities = ["64500:6"]
large_communities = ["4200000001:6:6"]
"#;

const ORIGINATE_B: &str = r#"
[[originate]]
prefix = "192.0.2.0/24"
"#;

#[test]
fn globe_pair_exchanges_routes_refreshes_and_withdraws() {
    let Some((na, nb, dir)) = veth_pair("bgp-pair") else {
        return;
    };
    let mrt = format!(
        "[mrt]\nrib_dump = \"{0}/rib.mrt\"\nrib_interval_seconds = 1\nupdates = \"{0}/updates.mrt\"\n",
        dir.0.display()
    );
    let a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(
            4_200_000_001,
            "198.51.100.1",
            B,
            4_200_000_002,
            "",
            ORIGINATE_A,
        ),
    );
    let b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(
            4_200_000_002,
            "198.51.100.2",
            A,
            4_200_000_001,
            "",
            &format!("{ORIGINATE_B}{mrt}"),
        ),
    );
    let up = wait_for(Duration::from_secs(20), || {
        a.state(B) == "Established" && b.state(A) == "Established"
    });
    assert!(
        up,
        "not Established:\nA: {}\nB: {}",
        a.process.log(),
        b.process.log()
    );
    assert_eq!(a.neighbor(B)["four_octet_asn"], true);

    // A's IPv4 and IPv6 routes at B, with their communities, AS path and next hop.
    assert!(
        wait_for(Duration::from_secs(10), || b
            .route("203.0.113.0/24")
            .is_some()
            && b.route("2001:db8:100::/48").is_some()),
        "routes missing at B: {:?}\n{}",
        b.routes(),
        b.process.log()
    );
    let v4 = b.route("203.0.113.0/24").expect("route");
    assert_eq!(v4["next_hop"], A);
    assert_eq!(v4["as_path"], serde_json::json!([4_200_000_001u32]));
    assert_eq!(v4["communities"], serde_json::json!(["64500:1", "65000:2"]));
    assert_eq!(
        v4["large_communities"],
        serde_json::json!(["4200000001:7:9"])
    );
    let v6 = b.route("2001:db8:100::/48").expect("route");
    assert_eq!(v6["next_hop"], "2001:db8:1::1");
    assert_eq!(
        v6["large_communities"],
        serde_json::json!(["4200000001:6:6"])
    );
    assert!(wait_for(Duration::from_secs(10), || a
        .route("192.0.2.0/24")
        .is_some()));
    // Longest match and detail.
    let text = b.ask(&["show", "routes", "203.0.113.77"]);
    assert!(text.contains("203.0.113.0/24"), "{text}");
    let detail = b.ask(&["show", "route", "203.0.113.0/24", "detail"]);
    assert!(
        detail.contains("*best*") && detail.contains("pre-policy"),
        "{detail}"
    );
    let table = b.ask(&["show", "neighbors"]);
    assert!(
        table.contains("Established") && table.contains("4200000001"),
        "{table}"
    );

    // Route refresh: B asks A, A sends its table again (updates at B go up, no route changes).
    let before = b.neighbor(A)["updates_in"].as_u64().unwrap_or(0);
    assert!(b.ask(&["refresh", A]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), || a.neighbor(B)["refreshes_in"]
            .as_u64()
            >= Some(1)
            && b.neighbor(A)["updates_in"].as_u64().unwrap_or(0) > before),
        "refresh not answered: {}",
        a.process.log()
    );
    assert!(b.route("203.0.113.0/24").is_some());

    // Withdraw one prefix with the session up; then announce it again, then drain by prepending.
    assert!(a.ask(&["withdraw", "203.0.113.0/24"]).starts_with("ok"));
    assert!(wait_for(Duration::from_secs(5), || b
        .route("203.0.113.0/24")
        .is_none()));
    assert!(b.route("2001:db8:100::/48").is_some());
    assert_eq!(b.state(A), "Established");
    a.ask(&["announce", "203.0.113.0/24"]);
    assert!(wait_for(Duration::from_secs(5), || b
        .route("203.0.113.0/24")
        .is_some()));
    a.ask(&["prepend", "203.0.113.0/24", "2"]);
    assert!(wait_for(Duration::from_secs(5), || b
        .route("203.0.113.0/24")
        .is_some_and(|route| route["as_path"]
            == serde_json::json!([
                4_200_000_001u32,
                4_200_000_001u32,
                4_200_000_001u32
            ]))));

    // Metrics-side counters and MRT: bgpdump reads both files.
    assert!(wait_for(Duration::from_secs(5), || dir
        .0
        .join("rib.mrt")
        .exists()));
    std::thread::sleep(Duration::from_millis(1500));
    if std::path::Path::new("/usr/bin/bgpdump").exists() {
        for file in ["rib.mrt", "updates.mrt"] {
            let output = std::process::Command::new("bgpdump")
                .args(["-m", dir.0.join(file).to_str().expect("path")])
                .output()
                .expect("bgpdump");
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(text.contains("203.0.113.0/24"), "{file}: {text}");
            assert!(text.contains("2001:db8:100::/48"), "{file}: {text}");
            assert!(text.contains("4200000001"), "{file}: {text}");
        }
    }
    drop(a);
    drop(b);
}

#[test]
fn hold_timer_expires_when_the_peer_stops() {
    let Some((na, nb, dir)) = veth_pair("bgp-hold") else {
        return;
    };
    let a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(64501, "198.51.100.1", B, 64502, "", ""),
    );
    let b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(64502, "198.51.100.2", A, 64501, "", ""),
    );
    assert!(wait_for(Duration::from_secs(20), || a.state(B) == "Established"));
    b.process.signal("STOP");
    // Hold time 9 s: A gives up within 9 s of B's last KEEPALIVE.
    let down = wait_for(Duration::from_secs(15), || a.state(B) != "Established");
    let reason = a.neighbor(B)["last_error"].clone();
    b.process.signal("CONT");
    assert!(down, "A still Established");
    assert!(
        reason.as_str().unwrap_or("").contains("Hold")
            || reason.as_str().unwrap_or("").contains("hold"),
        "{reason}"
    );
    // And it comes back (A's back-off is 5 s).
    assert!(wait_for(Duration::from_secs(30), || a.state(B) == "Established"));
}

#[test]
fn sigterm_withdraws_then_ceases() {
    let Some((na, nb, dir)) = veth_pair("bgp-term") else {
        return;
    };
    let mut a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(64501, "198.51.100.1", B, 64502, "", ORIGINATE_A),
    );
    let b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(64502, "198.51.100.2", A, 64501, "", ""),
    );
    assert!(wait_for(Duration::from_secs(20), || b
        .route("203.0.113.0/24")
        .is_some()));
    let updates = b.neighbor(A)["updates_in"].as_u64().unwrap_or(0);
    a.process.signal("TERM");
    assert!(
        a.process.wait_exit(Duration::from_secs(10)),
        "A did not exit"
    );
    // B saw the withdrawal as an UPDATE before the Cease with the shutdown communication.
    assert!(wait_for(Duration::from_secs(5), || b.state(A) != "Established"));
    let neighbor = b.neighbor(A);
    assert!(
        neighbor["updates_in"].as_u64().unwrap_or(0) > updates,
        "{neighbor}"
    );
    let error = neighbor["last_error"].as_str().unwrap_or("").to_string();
    assert!(
        error.contains("shutting down"),
        "{error}\n{}",
        b.process.log()
    );
    assert!(b.route("203.0.113.0/24").is_none());
}

#[test]
fn tcp_md5_wrong_password_never_establishes() {
    let Some((na, nb, dir)) = veth_pair("bgp-md5") else {
        return;
    };
    let md5 = |password: &str| format!("password = \"{password}\"\nttl_security = true");
    let a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(64501, "198.51.100.1", B, 64502, &md5("right"), ""),
    );
    let b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(64502, "198.51.100.2", A, 64501, &md5("wrong"), ""),
    );
    let established = wait_for(Duration::from_secs(8), || {
        a.state(B) == "Established" || b.state(A) == "Established"
    });
    assert!(!established, "a wrong TCP-MD5 key reached Established");
    drop(b);
    let b = start_globe(
        &nb,
        &dir.0,
        "b2",
        &config(64502, "198.51.100.2", A, 64501, &md5("right"), ""),
    );
    assert!(
        wait_for(Duration::from_secs(20), || a.state(B) == "Established"
            && b.state(A) == "Established"),
        "the right key did not establish:\n{}\n{}",
        a.process.log(),
        b.process.log()
    );
}

#[test]
fn fib_installs_best_routes_and_removes_them_on_withdraw_and_exit() {
    let Some((na, nb, dir)) = veth_pair("bgp-fib") else {
        return;
    };
    let a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(64501, "198.51.100.1", B, 64502, "", ORIGINATE_A),
    );
    let mut b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(
            64502,
            "198.51.100.2",
            A,
            64501,
            "",
            "[fib]\nenabled = true\n",
        ),
    );
    let kernel = |netns: &Netns| {
        let output = netns.exec(&["ip", "route", "show", "proto", "199"]);
        let v6 = netns.exec(&["ip", "-6", "route", "show", "proto", "199"]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&v6.stdout)
        )
    };
    assert!(
        wait_for(Duration::from_secs(20), || {
            let routes = kernel(&nb);
            routes.contains("203.0.113.0/24 via 198.51.100.1")
                && routes.contains("2001:db8:100::/48 via 2001:db8:1::1")
        }),
        "kernel: {}\n{}",
        kernel(&nb),
        b.process.log()
    );
    a.ask(&["withdraw", "203.0.113.0/24"]);
    assert!(wait_for(Duration::from_secs(5), || !kernel(&nb)
        .contains("203.0.113.0/24")));
    b.process.signal("TERM");
    assert!(b.process.wait_exit(Duration::from_secs(10)));
    assert_eq!(
        kernel(&nb).trim(),
        "",
        "routes left in the kernel after exit"
    );
}

#[test]
fn max_prefix_ceases_the_session_and_restarts_it_later() {
    let Some((na, nb, dir)) = veth_pair("bgp-maxpfx") else {
        return;
    };
    let a = start_globe(
        &na,
        &dir.0,
        "a",
        &config(
            64501,
            "198.51.100.1",
            B,
            64502,
            "max_prefix = { limit = 2, restart_seconds = 2 }",
            "",
        ),
    );
    let three = "[[originate]]\nprefix = \"192.0.2.0/25\"\n\n[[originate]]\nprefix = \"192.0.2.128/25\"\n\n\
        [[originate]]\nprefix = \"203.0.113.0/24\"\n";
    let b = start_globe(
        &nb,
        &dir.0,
        "b",
        &config(64502, "198.51.100.2", A, 64501, "", three),
    );
    // B sends three prefixes to a limit of two: A sends Cease / Maximum Number of Prefixes Reached
    // (RFC 4486 subcode 1) and drops the session.
    let ceased = wait_for(Duration::from_secs(20), || {
        let error = b.neighbor(A)["last_error"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        error.contains("prefix")
    });
    assert!(
        ceased,
        "no max-prefix Cease seen at B: {}\nA: {}\nB: {}",
        b.neighbor(A),
        a.process.log(),
        b.process.log()
    );
    assert!(a.route("203.0.113.0/24").is_none() || a.state(B) != "Established");
    // A restarts the session by itself after `restart_seconds` (and ceases it again).
    let sessions = a.neighbor(B)["established_count"].as_u64().unwrap_or(0);
    assert!(sessions >= 1, "{}", a.neighbor(B));
    let restarted = wait_for(Duration::from_secs(20), || {
        a.neighbor(B)["established_count"].as_u64().unwrap_or(0) > sessions
    });
    assert!(restarted, "A never restarted: {}", a.neighbor(B));
}
