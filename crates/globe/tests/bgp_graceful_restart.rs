//! Graceful restart, helper side (RFC 4724 §4.2), `globe bgp` against `globe bgp` in network
//! namespaces: B is killed with SIGKILL (no NOTIFICATION), A keeps B's routes marked stale (and in the
//! kernel FIB); B restarted with fewer routes replaces them (B announces F = 0, so A drops what B no
//! longer announces as soon as the session is back); B that never comes back loses its routes after its
//! Restart Time.
//!
//! Needs root (namespaces); skipped with a message otherwise.

mod bgp_support;

use bgp_support::*;
use std::time::{Duration, Instant};

const A: &str = "198.51.100.1";
const B: &str = "198.51.100.2";

fn config(
    asn: u32,
    router_id: &str,
    peer: &str,
    peer_asn: u32,
    neighbor: &str,
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
{neighbor}

{rest}
"#
    )
}

const BOTH: &str = r#"
[[originate]]
prefix = "203.0.113.0/24"

[[originate]]
prefix = "198.18.0.0/16"
"#;

const ONE: &str = r#"
[[originate]]
prefix = "203.0.113.0/24"
"#;

fn kernel(netns: &Netns) -> String {
    String::from_utf8_lossy(&netns.exec(&["ip", "route", "show", "proto", "199"]).stdout)
        .into_owned()
}

/// The candidate from `from` in `show route PREFIX detail json`.
fn candidate(globe: &Globe, prefix: &str, from: &str) -> Option<serde_json::Value> {
    let detail: serde_json::Value =
        serde_json::from_str(&globe.ask(&["show", "route", prefix, "detail", "--json"])).ok()?;
    detail["candidates"]
        .as_array()?
        .iter()
        .find(|candidate| candidate["from"] == from)
        .cloned()
}

fn start_a(na: &Netns, dir: &TempDir) -> Globe {
    start_globe(
        na,
        &dir.0,
        "a",
        &config(64501, A, B, 64502, "", "[fib]\nenabled = true\n"),
    )
}

fn start_b(nb: &Netns, dir: &TempDir, name: &str, restart_time: u16, originate: &str) -> Globe {
    start_globe(
        nb,
        &dir.0,
        name,
        &config(
            64502,
            B,
            A,
            64501,
            &format!("graceful_restart_time = {restart_time}"),
            originate,
        ),
    )
}

/// A has both of B's routes, not stale, in the RIB and the kernel.
fn wait_for_both(a: &Globe, na: &Netns, b: &Globe) {
    assert!(
        wait_for(Duration::from_secs(20), || {
            let routes = kernel(na);
            routes.contains("203.0.113.0/24 via 198.51.100.2")
                && routes.contains("198.18.0.0/16 via 198.51.100.2")
        }),
        "routes missing at A: {:?}\nkernel: {}\nA: {}\nB: {}",
        a.routes(),
        kernel(na),
        a.process.log(),
        b.process.log()
    );
    let route = candidate(a, "203.0.113.0/24", B).expect("candidate");
    assert_eq!(route["stale"], false, "{route}");
}

#[test]
fn helper_keeps_stale_routes_until_the_peer_is_back() {
    let Some((na, nb, dir)) = veth_pair("bgp-gr-back") else {
        return;
    };
    let a = start_a(&na, &dir);
    let b = start_b(&nb, &dir, "b", 120, BOTH);
    wait_for_both(&a, &na, &b);

    // SIGKILL: the kernel closes B's connection, no NOTIFICATION. A keeps the routes, stale.
    b.process.signal("KILL");
    assert!(wait_for(Duration::from_secs(10), || a.state(B) != "Established"));
    std::thread::sleep(Duration::from_secs(1));
    for prefix in ["203.0.113.0/24", "198.18.0.0/16"] {
        let route = candidate(&a, prefix, B)
            .unwrap_or_else(|| panic!("{prefix} gone at A: {}", a.process.log()));
        assert_eq!(route["stale"], true, "{route}");
    }
    let detail = a.ask(&["show", "route", "203.0.113.0/24", "detail"]);
    assert!(detail.contains("(stale)"), "{detail}");
    assert_eq!(a.neighbor(B)["graceful_restart"]["stale_routes"], 2);
    let routes = kernel(&na);
    assert!(
        routes.contains("203.0.113.0/24 via 198.51.100.2")
            && routes.contains("198.18.0.0/16 via 198.51.100.2"),
        "kernel routes removed during the restart: {routes}"
    );
    drop(b);

    // B is back with only one of the routes: that one is fresh, the other is gone.
    let b = start_b(&nb, &dir, "b2", 120, ONE);
    assert!(
        wait_for(Duration::from_secs(20), || {
            a.state(B) == "Established" && candidate(&a, "198.18.0.0/16", B).is_none()
        }),
        "stale route still there: {:?}\nA: {}\nB: {}",
        a.routes(),
        a.process.log(),
        b.process.log()
    );
    assert!(wait_for(Duration::from_secs(10), || candidate(
        &a,
        "203.0.113.0/24",
        B
    )
    .is_some_and(|route| route["stale"] == false)));
    assert!(wait_for(Duration::from_secs(5), || !kernel(&na)
        .contains("198.18.0.0/16")));
    assert!(kernel(&na).contains("203.0.113.0/24 via 198.51.100.2"));
    assert!(a.neighbor(B)["graceful_restart"].is_null());
}

#[test]
fn helper_removes_stale_routes_after_the_restart_time() {
    let Some((na, nb, dir)) = veth_pair("bgp-gr-gone") else {
        return;
    };
    let a = start_a(&na, &dir);
    let b = start_b(&nb, &dir, "b", 2, BOTH);
    wait_for_both(&a, &na, &b);
    b.process.signal("KILL");
    assert!(wait_for(Duration::from_secs(10), || a.state(B) != "Established"));
    let down = Instant::now();
    assert!(
        candidate(&a, "203.0.113.0/24", B).is_some_and(|route| route["stale"] == true),
        "{}",
        a.process.log()
    );
    // Restart Time 2 s: gone shortly after, from the RIB and the kernel.
    assert!(
        wait_for(Duration::from_secs(6), || a
            .route("203.0.113.0/24")
            .is_none()
            && a.route("198.18.0.0/16").is_none()),
        "stale routes kept: {:?}\n{}",
        a.routes(),
        a.process.log()
    );
    assert!(
        down.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        down.elapsed()
    );
    assert!(wait_for(Duration::from_secs(5), || kernel(&na)
        .trim()
        .is_empty()));
}

#[test]
fn notification_means_no_graceful_restart() {
    let Some((na, nb, dir)) = veth_pair("bgp-gr-term") else {
        return;
    };
    let a = start_a(&na, &dir);
    let mut b = start_b(&nb, &dir, "b", 120, BOTH);
    wait_for_both(&a, &na, &b);
    // SIGTERM: B withdraws and sends a Cease; nothing is kept.
    b.process.signal("TERM");
    assert!(b.process.wait_exit(Duration::from_secs(10)));
    assert!(wait_for(Duration::from_secs(5), || a
        .route("203.0.113.0/24")
        .is_none()
        && a.route("198.18.0.0/16").is_none()));
    assert!(a.neighbor(B)["graceful_restart"].is_null());
}
