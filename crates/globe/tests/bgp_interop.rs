//! `globe bgp` against FRR (bgpd), GoBGP and ExaBGP 4.2, each in a pair of network namespaces (BIRD 2 is
//! in `bgp_bird.rs`):
//!
//! ```text
//!   globe-interop-<peer>-g-<pid>                         globe-interop-<peer>-p-<pid>
//!   globe bgp, AS 4200000001                             FRR / GoBGP / ExaBGP, AS 42000000xx
//!   198.51.100.1  ── TCP-MD5 "interop-key" ───────────── 198.51.100.2    main session
//!   198.51.100.5  ── TCP-MD5 keys that differ ────────── 198.51.100.6    never Established
//!   198.51.100.9  ── no MD5 (ExaBGP only) ────────────── 198.51.100.10   malformed UPDATEs
//!   2001:db8:1::1/64          (one veth pair)            2001:db8:1::2/64
//! ```
//!
//! Each test checks: Established with 4-octet ASNs under TCP-MD5 (and never with a wrong key); IPv4 and
//! IPv6 routes with communities and large communities both ways (asserted on the peer's own view and on
//! `globe bgp show routes --json`); withdraw both ways; route refresh both ways (GoBGP has no command that
//! sends one: globe → GoBGP only); hold-timer expiry with hold time 3 s when the peer is stopped with
//! SIGSTOP. The ExaBGP test also sends, through ExaBGP's
//! API, an UPDATE with a COMMUNITIES attribute of 2 bytes (RFC 7606 treat-as-withdraw: the prefix goes,
//! the session stays) and one with a malformed MP_REACH_NLRI (session reset: NOTIFICATION 3/10 seen by
//! ExaBGP). ExaBGP computes every length itself, so a last test drives a few lines of Python speaking
//! BGP on a plain socket (same namespaces, its 198.51.100.2 against globe's passive 198.51.100.1): an
//! attribute overrunning the path attributes (treat-as-withdraw, RFC 7606 §4) and a Total Path
//! Attribute Length overrunning the message (NOTIFICATION 3/1).
//!
//! Needs root and the peer's binaries (Debian `frr`, `gobgpd`, `exabgp`); skipped with a message
//! otherwise.

mod bgp_support;

use bgp_support::peers::{self, installed, Exabgp, Frr, Gobgp};
use bgp_support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const GLOBE: &str = "198.51.100.1";
const PEER: &str = "198.51.100.2";
const GLOBE_WRONG: &str = "198.51.100.5";
const PEER_WRONG: &str = "198.51.100.6";
const GLOBE_RAW: &str = "198.51.100.9";
const PEER_RAW: &str = "198.51.100.10";
const GLOBE_ASN: u32 = 4_200_000_001;
const KEY: &str = "interop-key";
/// Hold time on every session; keepalives every second.
const HOLD: u64 = 3;

/// The two namespaces and a folder.
struct Lab {
    globe: Netns,
    peer: Netns,
    dir: TempDir,
}

fn lab(label: &str, tools: &[&str]) -> Option<Lab> {
    if !can_run() {
        eprintln!("skipped: needs root and iproute2 for network namespaces");
        return None;
    }
    if let Some(missing) = tools.iter().find(|tool| !installed(tool)) {
        fail_in_ci_unless(false, missing);
        eprintln!("skipped: {missing} is not installed");
        return None;
    }
    let globe = Netns::new(&format!("interop-{label}-g"));
    let peer = Netns::new(&format!("interop-{label}-p"));
    link(
        &globe,
        "veth-g",
        &[
            "198.51.100.1/24",
            "198.51.100.5/24",
            "198.51.100.9/24",
            "2001:db8:1::1/64",
        ],
        &peer,
        "veth-p",
        &[
            "198.51.100.2/24",
            "198.51.100.6/24",
            "198.51.100.10/24",
            "2001:db8:1::2/64",
        ],
    );
    Some(Lab {
        globe,
        peer,
        dir: TempDir::new(&format!("interop-{label}")),
    })
}

/// globe's side: the main session with the right key, a second one whose key differs from the peer's,
/// optionally a third without MD5, and two originated prefixes with both kinds of community.
fn globe_config(peer_asn: u32, raw_session: bool, main_extra: &str) -> String {
    let neighbor = |address: &str, local: &str, password: Option<&str>| {
        format!(
            r#"
[[neighbor]]
address = "{address}"
asn = {peer_asn}
local_address = "{local}"
{password}
hold_time = {HOLD}
import = "accept-all"
export = "accept-all"
next_hop_ipv6 = "2001:db8:1::1"
"#,
            password = password
                .map(|key| format!("password = \"{key}\""))
                .unwrap_or_default(),
        )
    };
    let mut config = format!(
        r#"router_id = "{GLOBE}"
asn = {GLOBE_ASN}
listen = ["0.0.0.0:179"]
hold_time = {HOLD}
connect_retry_seconds = 1
"#
    );
    config += &neighbor(PEER, GLOBE, Some(KEY));
    config += main_extra;
    config += &neighbor(PEER_WRONG, GLOBE_WRONG, Some("globe-key"));
    if raw_session {
        config += &neighbor(PEER_RAW, GLOBE_RAW, None);
    }
    config += r#"
[[originate]]
prefix = "203.0.113.0/24"
communities = ["64500:1"]
large_communities = ["4200000001:7:9"]

[[originate]]
prefix = "2001:db8:100::/48"
communities = ["64500:6"]
large_communities = ["4200000001:6:6"]
"#;
    config
}

fn counter(globe: &Globe, neighbor: &str, name: &str) -> u64 {
    globe.neighbor(neighbor)[name].as_u64().unwrap_or(0)
}

/// globe's view of the peer's routes: 192.0.2.0/24 and 2001:db8:200::/48 with AS path [peer], the
/// community 64500:2 and the large community PEER:2:2.
fn assert_globe_has_peer_routes(globe: &Globe, peer_asn: u32, peer_log: &dyn Fn() -> String) {
    assert!(
        wait_for(Duration::from_secs(10), || globe
            .route("192.0.2.0/24")
            .is_some()
            && globe.route("2001:db8:200::/48").is_some()),
        "peer's routes missing at globe: {:?}\n{}",
        globe.routes(),
        peer_log()
    );
    for prefix in ["192.0.2.0/24", "2001:db8:200::/48"] {
        let route = globe.route(prefix).expect("route");
        assert_eq!(route["from"], PEER, "{route}");
        assert_eq!(route["as_path"], json!([peer_asn]), "{route}");
        assert_eq!(route["communities"], json!(["64500:2"]), "{route}");
        assert_eq!(
            route["large_communities"],
            json!([format!("{peer_asn}:2:2")]),
            "{route}"
        );
    }
    assert_eq!(
        globe.route("192.0.2.0/24").expect("route")["next_hop"],
        PEER
    );
}

/// The session is up with 4-octet ASNs and both families.
fn assert_session(globe: &Globe) {
    let neighbor = globe.neighbor(PEER);
    assert_eq!(neighbor["four_octet_asn"], true, "{neighbor}");
    let families = neighbor["families"].to_string();
    assert!(
        families.contains("ipv4") && families.contains("ipv6"),
        "{neighbor}"
    );
    assert_eq!(neighbor["hold_time"], HOLD, "{neighbor}");
}

/// globe asks for a refresh; the peer answers with UPDATEs.
fn assert_refresh_from_globe(globe: &Globe, peer_log: &dyn Fn() -> String) {
    let before = counter(globe, PEER, "updates_in");
    assert!(
        globe.ask(&["refresh", PEER]).starts_with("ok"),
        "refresh refused"
    );
    assert!(
        wait_for(Duration::from_secs(5), || counter(
            globe,
            PEER,
            "updates_in"
        ) > before),
        "the peer did not answer globe's ROUTE-REFRESH\n{}",
        peer_log()
    );
}

/// The wrong-key session never came up on globe's side, over the whole test.
fn assert_wrong_key_never_established(globe: &Globe) {
    let neighbor = globe.neighbor(PEER_WRONG);
    assert_eq!(neighbor["established_count"], 0, "{neighbor}");
    assert_ne!(neighbor["state"], "Established", "{neighbor}");
}

/// Stops the peer with SIGSTOP: globe's session must drop with Hold Timer Expired within the hold time
/// plus a margin for the last keepalive in flight and the polling.
fn assert_hold_timer_expires(globe: &Globe, peer: &Process) {
    assert_eq!(globe.state(PEER), "Established");
    let established = counter(globe, PEER, "established_count");
    peer.signal("STOP");
    let stopped = Instant::now();
    let down = wait_for(Duration::from_secs(HOLD + 5), || {
        globe.state(PEER) != "Established"
            || counter(globe, PEER, "established_count") != established
    });
    let elapsed = stopped.elapsed();
    let reason = globe.neighbor(PEER)["last_error"].clone();
    peer.signal("CONT");
    assert!(down, "globe still Established {elapsed:?} after SIGSTOP");
    assert!(
        elapsed <= Duration::from_millis(HOLD * 1000 + 1500),
        "hold timer took {elapsed:?}"
    );
    let reason = reason.as_str().unwrap_or("").to_lowercase();
    assert!(reason.contains("hold"), "{reason}");
}

// ---------------------------------------------------------------------------------------------------
// FRR

const FRR_ASN: u32 = 4_200_000_002;

/// FRR 8.4 ignores a ROUTE-REFRESH from a peer that negotiated enhanced route refresh until it has sent
/// that peer End-of-RIB ("rcvd route-refresh (REQUEST) … before EoR"), and it sends End-of-RIB only to
/// peers announcing Graceful Restart. globe announces it (helper, RFC 4724), so enhanced route refresh
/// (RFC 7313) works with FRR: the defaults.
const FRR_GLOBE_NEIGHBOR: &str = "";

fn frr_config() -> String {
    format!(
        r#"frr defaults traditional
hostname frr
log stdout informational
debug bgp neighbor-events
!
route-map tag permit 10
 set community 64500:2
 set large-community {FRR_ASN}:2:2
!
router bgp {FRR_ASN}
 bgp router-id {PEER}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor {GLOBE} remote-as {GLOBE_ASN}
 neighbor {GLOBE} update-source {PEER}
 neighbor {GLOBE} timers 1 {HOLD}
 neighbor {GLOBE} timers connect 1
 neighbor {GLOBE} password {KEY}
 neighbor {GLOBE_WRONG} remote-as {GLOBE_ASN}
 neighbor {GLOBE_WRONG} update-source {PEER_WRONG}
 neighbor {GLOBE_WRONG} timers connect 1
 neighbor {GLOBE_WRONG} password frr-key
 address-family ipv4 unicast
  network 192.0.2.0/24 route-map tag
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:200::/48 route-map tag
  neighbor {GLOBE} activate
 exit-address-family
!
"#
    )
}

/// FRR's best path to `prefix`, or `Null`.
fn frr_path(frr: &Frr, family: &str, prefix: &str) -> Value {
    let value = frr.json(&format!("show bgp {family} unicast {prefix} json"));
    value["paths"]
        .as_array()
        .and_then(|paths| paths.first().cloned())
        .unwrap_or_default()
}

#[test]
fn globe_and_frr_interoperate() {
    let Some(lab) = lab("frr", &["/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "vtysh"]) else {
        return;
    };
    let frr = Frr::start(&lab.peer, &lab.dir.0, &frr_config());
    let globe = start_globe(
        &lab.globe,
        &lab.dir.0,
        "globe",
        &globe_config(FRR_ASN, false, FRR_GLOBE_NEIGHBOR),
    );
    let logs = || format!("{}\n--- globe\n{}", frr.logs(), globe.process.log());
    assert!(
        wait_for(Duration::from_secs(30), || globe.state(PEER)
            == "Established"
            && frr.state(GLOBE) == "Established"),
        "not Established (TCP-MD5 on): globe {:?}, frr {:?}\n{}",
        globe.state(PEER),
        frr.state(GLOBE),
        logs()
    );
    assert_session(&globe);

    // globe's routes in FRR's table.
    assert!(
        wait_for(Duration::from_secs(10), || {
            frr_path(&frr, "ipv4", "203.0.113.0/24").is_object()
                && frr_path(&frr, "ipv6", "2001:db8:100::/48").is_object()
        }),
        "globe's routes missing at FRR: {}\n{}",
        frr.vtysh(&["show bgp ipv4 unicast", "show bgp ipv6 unicast"]),
        logs()
    );
    let v4 = frr_path(&frr, "ipv4", "203.0.113.0/24");
    assert_eq!(v4["aspath"]["string"], GLOBE_ASN.to_string(), "{v4}");
    assert_eq!(v4["community"]["string"], "64500:1", "{v4}");
    assert_eq!(v4["largeCommunity"]["string"], "4200000001:7:9", "{v4}");
    assert_eq!(v4["nexthops"][0]["ip"], GLOBE, "{v4}");
    let v6 = frr_path(&frr, "ipv6", "2001:db8:100::/48");
    assert_eq!(v6["community"]["string"], "64500:6", "{v6}");
    assert_eq!(v6["largeCommunity"]["string"], "4200000001:6:6", "{v6}");
    assert_eq!(v6["nexthops"][0]["ip"], "2001:db8:1::1", "{v6}");

    // FRR's routes at globe.
    assert_globe_has_peer_routes(&globe, FRR_ASN, &logs);

    // Route refresh from globe (FRR re-sends), and from FRR (`clear … soft in` sends ROUTE-REFRESH,
    // globe re-sends its Adj-RIB-Out).
    assert_refresh_from_globe(&globe, &logs);
    let received = |frr: &Frr| {
        frr.json(&format!("show bgp neighbors {GLOBE} json"))[GLOBE]["messageStats"]["updatesRecv"]
            .as_u64()
            .unwrap_or(0)
    };
    let updates = received(&frr);
    let refreshes = counter(&globe, PEER, "refreshes_in");
    frr.vtysh(&[&format!("clear bgp ipv4 unicast {GLOBE} soft in")]);
    assert!(
        wait_for(Duration::from_secs(5), || counter(
            &globe,
            PEER,
            "refreshes_in"
        ) > refreshes
            && received(&frr) > updates),
        "FRR's ROUTE-REFRESH not answered: {}\n{}",
        frr.vtysh(&[&format!("show bgp neighbors {GLOBE}")]),
        logs()
    );
    assert_eq!(globe.state(PEER), "Established");

    // Withdraw both ways with the session up.
    assert!(globe.ask(&["withdraw", "203.0.113.0/24"]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), || frr_path(
            &frr,
            "ipv4",
            "203.0.113.0/24"
        )
        .is_null()),
        "withdrawn route still at FRR: {}",
        frr.vtysh(&["show bgp ipv4 unicast"])
    );
    assert!(frr_path(&frr, "ipv6", "2001:db8:100::/48").is_object());
    frr.configure(
        FRR_ASN,
        &["address-family ipv4 unicast", "no network 192.0.2.0/24"],
    );
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("192.0.2.0/24")
            .is_none()),
        "FRR's withdrawal not seen by globe"
    );
    assert_eq!(frr.state(GLOBE), "Established");

    // The other session's keys differ: never Established on either side.
    assert_wrong_key_never_established(&globe);
    assert_ne!(frr.state(GLOBE_WRONG), "Established");

    // Hold timer: bgpd stopped, globe gives up.
    assert_hold_timer_expires(&globe, &frr.bgpd);
}

// ---------------------------------------------------------------------------------------------------
// GoBGP

const GOBGP_ASN: u32 = 4_200_000_003;

fn gobgp_config() -> String {
    let neighbor = |address: &str, local: &str, key: &str| {
        format!(
            r#"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{address}"
    peer-as = {GLOBE_ASN}
    auth-password = "{key}"
  [neighbors.timers.config]
    hold-time = {HOLD}
    keepalive-interval = 1
    connect-retry = 1
  [neighbors.transport.config]
    local-address = "{local}"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
"#
        )
    };
    format!(
        r#"[global.config]
  as = {GOBGP_ASN}
  router-id = "{PEER}"
  port = 179
{}{}"#,
        neighbor(GLOBE, PEER, KEY),
        neighbor(GLOBE_WRONG, PEER_WRONG, "gobgp-key")
    )
}

/// The routes GoBGP holds for `prefix` in its global RIB of `family` (`ipv4`, `ipv6`).
fn gobgp_paths(gobgp: &Gobgp, family: &str, prefix: &str) -> Vec<Value> {
    gobgp.json(&["global", "rib", "-a", family])[prefix]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The path attribute of `type_code` in a GoBGP path.
fn gobgp_attribute(path: &Value, type_code: u64) -> Value {
    path["attrs"]
        .as_array()
        .and_then(|attributes| {
            attributes
                .iter()
                .find(|attribute| attribute["type"] == type_code)
                .cloned()
        })
        .unwrap_or_default()
}

#[test]
fn globe_and_gobgp_interoperate() {
    let Some(lab) = lab("gobgp", &["gobgpd", "gobgp"]) else {
        return;
    };
    let gobgp = Gobgp::start(&lab.peer, &lab.dir.0, &gobgp_config());
    let globe = start_globe(
        &lab.globe,
        &lab.dir.0,
        "globe",
        &globe_config(GOBGP_ASN, false, ""),
    );
    let logs = || {
        format!(
            "--- gobgpd\n{}\n--- globe\n{}",
            gobgp.process.log(),
            globe.process.log()
        )
    };
    let established = |state: String| state.eq_ignore_ascii_case("established") || state == "6";
    assert!(
        wait_for(Duration::from_secs(30), || globe.state(PEER)
            == "Established"
            && established(gobgp.state(GLOBE))),
        "not Established (TCP-MD5 on): globe {:?}, gobgp {:?}\n{}",
        globe.state(PEER),
        gobgp.state(GLOBE),
        logs()
    );
    assert_session(&globe);

    // GoBGP's routes: IPv4 and IPv6 with both kinds of community.
    for (family, prefix, next_hop) in [
        ("ipv4", "192.0.2.0/24", PEER),
        ("ipv6", "2001:db8:200::/48", "2001:db8:1::2"),
    ] {
        let out = gobgp.run(&[
            "global",
            "rib",
            "-a",
            family,
            "add",
            prefix,
            "nexthop",
            next_hop,
            "community",
            "64500:2",
            "large-community",
            &format!("{GOBGP_ASN}:2:2"),
        ]);
        assert!(out.trim().is_empty(), "gobgp global rib add: {out}");
    }

    // globe's routes in GoBGP's RIB.
    assert!(
        wait_for(Duration::from_secs(10), || {
            !gobgp_paths(&gobgp, "ipv4", "203.0.113.0/24").is_empty()
                && !gobgp_paths(&gobgp, "ipv6", "2001:db8:100::/48").is_empty()
        }),
        "globe's routes missing at GoBGP: {}{}\n{}",
        gobgp.run(&["global", "rib", "-a", "ipv4"]),
        gobgp.run(&["global", "rib", "-a", "ipv6"]),
        logs()
    );
    let v4 = gobgp_paths(&gobgp, "ipv4", "203.0.113.0/24")[0].clone();
    // COMMUNITIES (8) as 32-bit values, LARGE_COMMUNITY (32), AS_PATH (2), NEXT_HOP (3).
    assert_eq!(
        gobgp_attribute(&v4, 8)["communities"],
        json!([(64500u64 << 16) | 1]),
        "{v4}"
    );
    let large = gobgp_attribute(&v4, 32).to_string();
    assert!(
        large.contains("4200000001") && large.contains('7') && large.contains('9'),
        "{v4}"
    );
    assert!(
        gobgp_attribute(&v4, 2).to_string().contains("4200000001"),
        "{v4}"
    );
    assert_eq!(gobgp_attribute(&v4, 3)["nexthop"], GLOBE, "{v4}");
    let v6 = gobgp_paths(&gobgp, "ipv6", "2001:db8:100::/48")[0].clone();
    assert_eq!(
        gobgp_attribute(&v6, 8)["communities"],
        json!([(64500u64 << 16) | 6]),
        "{v6}"
    );
    assert!(
        gobgp_attribute(&v6, 32).to_string().contains("4200000001"),
        "{v6}"
    );
    assert!(v6.to_string().contains("2001:db8:1::1"), "{v6}");

    // GoBGP's routes at globe.
    assert_globe_has_peer_routes(&globe, GOBGP_ASN, &logs);

    // Route refresh from globe: GoBGP counts the ROUTE-REFRESH and re-sends. (Not the other way:
    // `gobgp neighbor X softresetin` re-applies policy to GoBGP's own Adj-RIB-In and sends nothing.)
    assert_refresh_from_globe(&globe, &logs);
    assert!(
        wait_for(Duration::from_secs(5), || gobgp.neighbor(GLOBE)["state"]
            ["messages"]["received"]["refresh"]
            .as_u64()
            .unwrap_or(0)
            >= 1),
        "GoBGP did not count the ROUTE-REFRESH: {}",
        gobgp.neighbor(GLOBE)
    );

    // Withdraw both ways.
    assert!(globe.ask(&["withdraw", "203.0.113.0/24"]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), || gobgp_paths(
            &gobgp,
            "ipv4",
            "203.0.113.0/24"
        )
        .is_empty()),
        "withdrawn route still at GoBGP: {}",
        gobgp.run(&["global", "rib", "-a", "ipv4"])
    );
    assert!(!gobgp_paths(&gobgp, "ipv6", "2001:db8:100::/48").is_empty());
    gobgp.run(&["global", "rib", "-a", "ipv4", "del", "192.0.2.0/24"]);
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("192.0.2.0/24")
            .is_none()),
        "GoBGP's withdrawal not seen by globe"
    );
    assert!(established(gobgp.state(GLOBE)));

    assert_wrong_key_never_established(&globe);
    assert!(!established(gobgp.state(GLOBE_WRONG)));

    assert_hold_timer_expires(&globe, &gobgp.process);
}

// ---------------------------------------------------------------------------------------------------
// ExaBGP

const EXABGP_ASN: u32 = 4_200_000_004;

/// ExaBGP 4.2 fails while answering a ROUTE-REFRESH under enhanced route refresh ("'RouteRefresh'
/// object is not iterable" in `Update.messages`) and drops the session: plain route refresh with it.
const EXABGP_GLOBE_NEIGHBOR: &str = "enhanced_route_refresh = false\n";

fn exabgp_config(dir: &std::path::Path) -> String {
    let neighbor = |globe: &str, local: &str, key: Option<&str>, routes: &str| {
        format!(
            r#"
neighbor {globe} {{
    router-id {PEER};
    local-address {local};
    local-as {EXABGP_ASN};
    peer-as {GLOBE_ASN};
    hold-time {HOLD};
    {md5}
    family {{ ipv4 unicast; ipv6 unicast; }}
    capability {{ route-refresh; asn4 enable; }}
    api {{
        processes [ api ];
        neighbor-changes;
        receive {{ parsed; update; notification; refresh; }}
    }}
    static {{
{routes}    }}
}}
"#,
            md5 = key
                .map(|key| format!("md5-password {key};"))
                .unwrap_or_default(),
        )
    };
    let routes = format!(
        "        route 192.0.2.0/24 next-hop self community [ 64500:2 ] large-community [ {EXABGP_ASN}:2:2 ];\n        \
         route 2001:db8:200::/48 next-hop 2001:db8:1::2 community [ 64500:2 ] large-community [ {EXABGP_ASN}:2:2 ];\n"
    );
    format!(
        "{}{}{}{}",
        Exabgp::process_block(dir),
        neighbor(GLOBE, PEER, Some(KEY), &routes),
        neighbor(GLOBE_WRONG, PEER_WRONG, Some("exabgp-key"), ""),
        neighbor(GLOBE_RAW, PEER_RAW, None, ""),
    )
}

#[test]
fn globe_and_exabgp_interoperate_and_survive_malformed_updates() {
    let Some(lab) = lab("exabgp", &["exabgp", "python3"]) else {
        return;
    };
    let exabgp = Exabgp::start(&lab.peer, &lab.dir.0, &exabgp_config(&lab.dir.0));
    let globe = start_globe(
        &lab.globe,
        &lab.dir.0,
        "globe",
        &globe_config(EXABGP_ASN, true, EXABGP_GLOBE_NEIGHBOR),
    );
    let logs = || {
        format!(
            "--- exabgp\n{}\n--- globe\n{}",
            exabgp.process.log(),
            globe.process.log()
        )
    };
    assert!(
        wait_for(Duration::from_secs(30), || globe.state(PEER)
            == "Established"
            && globe.state(PEER_RAW) == "Established"
            && exabgp.state(GLOBE) == "up"
            && exabgp.state(GLOBE_RAW) == "up"),
        "not Established: globe {:?}/{:?}, exabgp {:?}/{:?}\n{}",
        globe.state(PEER),
        globe.state(PEER_RAW),
        exabgp.state(GLOBE),
        exabgp.state(GLOBE_RAW),
        logs()
    );
    assert_session(&globe);

    // globe's routes as ExaBGP's JSON encoder reports them.
    assert!(
        wait_for(Duration::from_secs(10), || {
            let table = exabgp.table(GLOBE);
            table.contains_key("203.0.113.0/24") && table.contains_key("2001:db8:100::/48")
        }),
        "globe's routes missing at ExaBGP: {:?}\n{}",
        exabgp.table(GLOBE),
        logs()
    );
    let table = exabgp.table(GLOBE);
    let v4 = &table["203.0.113.0/24"];
    assert_eq!(v4["as-path"], json!([GLOBE_ASN]), "{v4}");
    assert_eq!(v4["community"], json!([[64500, 1]]), "{v4}");
    assert_eq!(v4["large-community"], json!([[GLOBE_ASN, 7, 9]]), "{v4}");
    assert_eq!(v4["next-hop"], GLOBE, "{v4}");
    let v6 = &table["2001:db8:100::/48"];
    assert_eq!(v6["large-community"], json!([[GLOBE_ASN, 6, 6]]), "{v6}");
    assert_eq!(v6["next-hop"], "2001:db8:1::1", "{v6}");

    assert_globe_has_peer_routes(&globe, EXABGP_ASN, &logs);

    // Route refresh both ways.
    assert_refresh_from_globe(&globe, &logs);
    assert!(
        wait_for(Duration::from_secs(5), || !exabgp
            .messages("refresh", GLOBE)
            .is_empty()),
        "ExaBGP saw no ROUTE-REFRESH"
    );
    let refreshes = counter(&globe, PEER, "refreshes_in");
    let updates = exabgp.messages("update", GLOBE).len();
    exabgp.send(&format!(
        "neighbor {GLOBE} announce route-refresh ipv4 unicast"
    ));
    assert!(
        wait_for(Duration::from_secs(5), || counter(
            &globe,
            PEER,
            "refreshes_in"
        ) > refreshes
            && exabgp.messages("update", GLOBE).len() > updates),
        "ExaBGP's ROUTE-REFRESH not answered\n{}",
        logs()
    );

    // Withdraw both ways.
    assert!(globe.ask(&["withdraw", "203.0.113.0/24"]).starts_with("ok"));
    assert!(
        wait_for(Duration::from_secs(5), || !exabgp
            .table(GLOBE)
            .contains_key("203.0.113.0/24")),
        "withdrawn route still at ExaBGP"
    );
    assert!(exabgp.table(GLOBE).contains_key("2001:db8:100::/48"));
    exabgp.send(&format!(
        "neighbor {GLOBE} withdraw route 192.0.2.0/24 next-hop self"
    ));
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("192.0.2.0/24")
            .is_none()),
        "ExaBGP's withdrawal not seen by globe\n{}",
        logs()
    );

    // RFC 7606 treat-as-withdraw on the third session: 198.18.0.0/24 is installed, then announced again
    // with COMMUNITIES of 2 bytes (ExaBGP's generic `attribute [ code flags value ]`): the prefix is
    // withdrawn, the session stays up, and the next valid UPDATE is used.
    let raw = |command: &str| exabgp.send(&format!("neighbor {GLOBE_RAW} {command}"));
    raw("announce route 198.18.0.0/24 next-hop self");
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_some()),
        "valid route on the raw session not seen\n{}",
        logs()
    );
    let errors = counter(&globe, PEER_RAW, "attribute_errors");
    raw("announce route 198.18.0.0/24 next-hop self attribute [ 0x08 0xc0 0x0102 ]");
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_none()),
        "treat-as-withdraw did not remove 198.18.0.0/24\n{}",
        logs()
    );
    assert_eq!(counter(&globe, PEER_RAW, "attribute_errors"), errors + 1);
    assert_eq!(globe.state(PEER_RAW), "Established");
    assert_eq!(counter(&globe, PEER_RAW, "notifications_out"), 0);
    raw("announce route 198.18.1.0/24 next-hop self community [ 64500:3 ]");
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.1.0/24")
            .is_some()),
        "valid UPDATE after treat-as-withdraw not used\n{}",
        logs()
    );
    assert_eq!(globe.state(PEER_RAW), "Established");
    assert_eq!(
        globe.neighbor(PEER_RAW)["established_count"],
        1,
        "the session was reset"
    );

    // A malformed MP_REACH_NLRI (IPv6 unicast, next hop 2001:db8:1::10, one NLRI of length 129) must
    // reset the session (RFC 7606 §7.11): globe sends UPDATE Message Error / Invalid Network Field
    // (3/10), which ExaBGP reports.
    raw("announce route 198.18.2.0/24 next-hop self attribute [ 0x0e 0x80 0x0002011020010db8000100000000000000000010008120010db8 ]");
    assert!(
        wait_for(Duration::from_secs(5), || !exabgp
            .messages("notification", GLOBE_RAW)
            .is_empty()),
        "no NOTIFICATION at ExaBGP\n{}",
        logs()
    );
    let notification = exabgp.messages("notification", GLOBE_RAW)[0].clone();
    assert_eq!(
        notification["neighbor"]["notification"]["code"], 3,
        "{notification}"
    );
    assert_eq!(
        notification["neighbor"]["notification"]["subcode"], 10,
        "{notification}"
    );
    // The data is the erroneous attribute (RFC 4271 §6.3): flags 0x80, type 14, length 26, ….
    assert!(
        notification["neighbor"]["notification"]["data"]
            .as_str()
            .unwrap_or("")
            .to_uppercase()
            .starts_with("0X800E1A0002011020010DB8"),
        "{notification}"
    );
    assert!(counter(&globe, PEER_RAW, "notifications_out") >= 1);
    assert!(globe.route("198.18.2.0/24").is_none());
    // The main session did not notice.
    assert_eq!(globe.state(PEER), "Established");
    assert_eq!(counter(&globe, PEER, "established_count"), 1);

    assert_wrong_key_never_established(&globe);
    assert_ne!(exabgp.state(GLOBE_WRONG), "up");

    assert_hold_timer_expires(&globe, &exabgp.process);
}

// ---------------------------------------------------------------------------------------------------
// Raw bytes: lengths no implementation sends

const RAW_ASN: u32 = 4_200_000_005;

/// An UPDATE body: no withdrawn routes, `attributes` under a Total Path Attribute Length of
/// `attributes_length` (the real length unless given), then `nlri`.
fn update_body(attributes: &[u8], attributes_length: Option<u16>, nlri: &[u8]) -> Vec<u8> {
    let length = attributes_length.unwrap_or(attributes.len() as u16);
    let mut body = vec![0, 0];
    body.extend_from_slice(&length.to_be_bytes());
    body.extend_from_slice(attributes);
    body.extend_from_slice(nlri);
    body
}

/// ORIGIN IGP, AS_PATH [RAW_ASN] (4-octet), NEXT_HOP 198.51.100.2.
fn valid_attributes() -> Vec<u8> {
    let mut attributes = vec![0x40, 1, 1, 0, 0x40, 2, 6, 2, 1];
    attributes.extend_from_slice(&RAW_ASN.to_be_bytes());
    attributes.extend_from_slice(&[0x40, 3, 4, 198, 51, 100, 2]);
    attributes
}

/// 198.18.0.0/24.
const NLRI: [u8; 4] = [24, 198, 18, 0];

#[test]
fn globe_treats_an_overrunning_attribute_as_withdraw_and_resets_on_an_overrunning_update() {
    // ExaBGP writes every length itself (its generic attribute included), so these two UPDATEs come
    // from a few lines of Python speaking BGP on a plain socket.
    let Some(lab) = lab("raw", &["python3"]) else {
        return;
    };
    let globe = start_globe(
        &lab.globe,
        &lab.dir.0,
        "globe",
        &format!(
            r#"router_id = "{GLOBE}"
asn = {GLOBE_ASN}
listen = ["0.0.0.0:179"]
hold_time = {HOLD}

[[neighbor]]
address = "{PEER}"
asn = {RAW_ASN}
passive = true
import = "accept-all"
export = "accept-all"
families = ["ipv4-unicast"]
"#
        ),
    );
    assert!(
        wait_for(Duration::from_secs(10), || globe
            .ask(&["show", "neighbors"])
            .contains(PEER)),
        "globe did not start: {}",
        globe.process.log()
    );
    let raw = peers::RawSpeaker::start(&lab.peer, &lab.dir.0, PEER, GLOBE, RAW_ASN);
    let logs = || {
        format!(
            "--- raw speaker\n{}\n{:?}\n--- globe\n{}",
            raw.process.log(),
            raw.received(),
            globe.process.log()
        )
    };
    assert!(
        wait_for(Duration::from_secs(10), || globe.state(PEER)
            == "Established"),
        "not Established\n{}",
        logs()
    );
    assert_eq!(globe.neighbor(PEER)["four_octet_asn"], true);

    raw.send_update(&update_body(&valid_attributes(), None, &NLRI));
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_some()),
        "valid UPDATE not used\n{}",
        logs()
    );

    // COMMUNITIES claiming 32 bytes where 4 remain before the NLRI (RFC 7606 §4: treat-as-withdraw,
    // the Total Path Attribute Length locates the NLRI).
    let mut overrun = valid_attributes();
    overrun.extend_from_slice(&[0xc0, 8, 32, 0xfd, 0xe8, 0, 1]);
    raw.send_update(&update_body(&overrun, None, &NLRI));
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_none()),
        "treat-as-withdraw did not remove the prefix\n{}",
        logs()
    );
    assert_eq!(globe.state(PEER), "Established");
    assert_eq!(counter(&globe, PEER, "attribute_errors"), 1);
    raw.send_update(&update_body(&valid_attributes(), None, &NLRI));
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_some()),
        "valid UPDATE after treat-as-withdraw not used\n{}",
        logs()
    );

    // A Total Path Attribute Length running past the message: UPDATE Message Error / Malformed
    // Attribute List (3/1), and the session goes.
    raw.send_update(&update_body(&valid_attributes(), Some(256), &NLRI));
    assert!(
        wait_for(Duration::from_secs(5), || !raw.notifications().is_empty()),
        "no NOTIFICATION\n{}",
        logs()
    );
    let notification = raw.notifications()[0].clone();
    assert_eq!(notification["code"], 3, "{notification}");
    assert_eq!(notification["subcode"], 1, "{notification}");
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("198.18.0.0/24")
            .is_none()
            && globe.state(PEER) != "Established"),
        "session or route survived the reset\n{}",
        logs()
    );
}
