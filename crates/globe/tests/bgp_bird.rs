//! `globe bgp` against BIRD 2 in a pair of network namespaces:
//!
//! ```text
//!   globe-bgp-bird-a-<pid>                              globe-bgp-bird-b-<pid>
//!   globe bgp, AS 4200000001                            bird, AS 4200000002
//!   198.51.100.1  ── TCP-MD5 "interop-key" ──────────── 198.51.100.2    protocol globe
//!   198.51.100.5  ── TCP-MD5 keys that differ ───────── 198.51.100.6    protocol wrongkey (never up)
//!   2001:db8:1::1/64           (one veth pair)          2001:db8:1::2/64
//! ```
//!
//! Established both ways with 4-octet ASNs under TCP-MD5 (never with a wrong key), IPv4 and IPv6 routes
//! with communities and large communities in `birdc show route all` and in `globe bgp show routes`,
//! withdrawals both ways, route refresh both ways (`globe bgp refresh`, `birdc reload in`), and the
//! hold timer (3 s) expiring when BIRD is stopped with SIGSTOP.
//!
//! Needs root and `bird` (Debian `bird2`); skipped with a message otherwise.

mod bgp_support;

use bgp_support::*;
use std::process::Command;
use std::time::{Duration, Instant};

const BIRD_CONF: &str = r#"
router id 198.51.100.2;
protocol device {}
protocol static static4 { ipv4; route 192.0.2.0/24 blackhole; }
protocol static static6 { ipv6; route 2001:db8:200::/48 blackhole; }
filter add_communities {
    bgp_community.add((64500, 2));
    bgp_large_community.add((4200000002, 2, 2));
    accept;
}
protocol bgp globe {
    local 198.51.100.2 as 4200000002;
    neighbor 198.51.100.1 as 4200000001;
    password "interop-key";
    hold time 3;
    keepalive time 1;
    connect retry time 1;
    error wait time 1, 5;
    ipv4 { import all; export filter add_communities; };
    ipv6 { import all; export filter add_communities; next hop address 2001:db8:1::2; };
}
protocol bgp wrongkey {
    local 198.51.100.6 as 4200000002;
    neighbor 198.51.100.5 as 4200000001;
    password "bird-key";
    connect retry time 1;
    error wait time 1, 5;
    ipv4 { import all; export none; };
}
"#;

const GLOBE_CONF: &str = r#"
router_id = "198.51.100.1"
asn = 4200000001
listen = ["0.0.0.0:179"]
hold_time = 3
connect_retry_seconds = 1

[[neighbor]]
address = "198.51.100.2"
asn = 4200000002
local_address = "198.51.100.1"
password = "interop-key"
import = "accept-all"
export = "accept-all"
next_hop_ipv6 = "2001:db8:1::1"

[[neighbor]]
address = "198.51.100.6"
asn = 4200000002
local_address = "198.51.100.5"
password = "globe-key"
import = "accept-all"
export = "accept-all"

[[originate]]
prefix = "203.0.113.0/24"
communities = ["64500:1"]
large_communities = ["4200000001:7:9"]

[[originate]]
prefix = "2001:db8:100::/48"
communities = ["64500:6"]
large_communities = ["4200000001:6:6"]
"#;

const BIRD: &str = "198.51.100.2";

fn birdc(socket: &std::path::Path, command: &str) -> String {
    let output = Command::new("birdc")
        .arg("-s")
        .arg(socket)
        .args(command.split_whitespace())
        .output()
        .expect("birdc");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn counter(globe: &Globe, name: &str) -> u64 {
    globe.neighbor(BIRD)[name].as_u64().unwrap_or(0)
}

#[test]
fn globe_and_bird_exchange_routes_with_four_octet_asns() {
    let bird = std::path::Path::new("/usr/sbin/bird").exists();
    fail_in_ci_unless(bird, "bird");
    if !can_run() || !bird {
        eprintln!("skipped: needs root, iproute2 and bird");
        return;
    }
    let na = Netns::new("bgp-bird-a");
    let nb = Netns::new("bgp-bird-b");
    link(
        &na,
        "veth-a",
        &["198.51.100.1/24", "198.51.100.5/24", "2001:db8:1::1/64"],
        &nb,
        "veth-b",
        &["198.51.100.2/24", "198.51.100.6/24", "2001:db8:1::2/64"],
    );
    let dir = TempDir::new("bgp-bird");
    let conf = dir.0.join("bird.conf");
    std::fs::write(&conf, BIRD_CONF).expect("bird.conf");
    let socket = dir.0.join("bird.ctl");
    let bird_log = dir.0.join("bird.log");
    let bird = Process {
        child: nb.spawn(
            &[
                "bird",
                "-f",
                "-c",
                conf.to_str().expect("path"),
                "-s",
                socket.to_str().expect("path"),
                "-P",
                dir.0.join("bird.pid").to_str().expect("path"),
            ],
            &bird_log,
        ),
        log: bird_log,
    };
    let globe = start_globe(&na, &dir.0, "globe", GLOBE_CONF);
    let up = wait_for(Duration::from_secs(30), || {
        globe.state(BIRD) == "Established"
            && birdc(&socket, "show protocols globe").contains("Established")
    });
    assert!(
        up,
        "not Established:\nglobe: {}\nbird: {}\n{}",
        globe.process.log(),
        birdc(&socket, "show protocols all globe"),
        bird.log()
    );
    assert_eq!(globe.neighbor(BIRD)["four_octet_asn"], true);
    assert_eq!(globe.neighbor(BIRD)["hold_time"], 3);

    // globe's routes in BIRD, with the 4-octet AS path and both community kinds.
    let arrived = wait_for(Duration::from_secs(10), || {
        let table = birdc(&socket, "show route all");
        table.contains("203.0.113.0/24") && table.contains("2001:db8:100::/48")
    });
    let table = birdc(&socket, "show route all");
    assert!(arrived, "{table}");
    let v4 = birdc(&socket, "show route 203.0.113.0/24 all");
    assert!(v4.contains("BGP.as_path: 4200000001"), "{v4}");
    assert!(v4.contains("(64500,1)"), "{v4}");
    assert!(v4.contains("(4200000001, 7, 9)"), "{v4}");
    assert!(v4.contains("198.51.100.1"), "{v4}");
    let v6 = birdc(&socket, "show route 2001:db8:100::/48 all");
    assert!(
        v6.contains("(4200000001, 6, 6)") && v6.contains("2001:db8:1::1"),
        "{v6}"
    );

    // BIRD's routes at globe, with the communities BIRD's export filter added.
    assert!(
        wait_for(Duration::from_secs(10), || globe
            .route("192.0.2.0/24")
            .is_some()
            && globe.route("2001:db8:200::/48").is_some()),
        "{:?}",
        globe.routes()
    );
    let route = globe.route("192.0.2.0/24").expect("route");
    assert_eq!(route["as_path"], serde_json::json!([4_200_000_002u32]));
    assert_eq!(route["next_hop"], "198.51.100.2");
    assert_eq!(route["communities"], serde_json::json!(["64500:2"]));
    assert_eq!(
        route["large_communities"],
        serde_json::json!(["4200000002:2:2"])
    );
    let route = globe.route("2001:db8:200::/48").expect("route");
    assert_eq!(route["next_hop"], "2001:db8:1::2");
    assert_eq!(
        route["large_communities"],
        serde_json::json!(["4200000002:2:2"])
    );

    // A withdrawal leaves BIRD's table with the session up.
    globe.ask(&["withdraw", "203.0.113.0/24"]);
    assert!(wait_for(Duration::from_secs(5), || !birdc(
        &socket,
        "show route"
    )
    .contains("203.0.113.0/24")));
    assert!(birdc(&socket, "show protocols globe").contains("Established"));

    // Route refresh from globe: BIRD answers and nothing changes.
    let before = counter(&globe, "updates_in");
    globe.ask(&["refresh", BIRD]);
    assert!(wait_for(Duration::from_secs(5), || counter(
        &globe,
        "updates_in"
    ) > before));
    assert!(globe.route("192.0.2.0/24").is_some());

    // Route refresh from BIRD (`reload in` sends ROUTE-REFRESH): globe re-sends its Adj-RIB-Out.
    let refreshes = counter(&globe, "refreshes_in");
    let sent = counter(&globe, "updates_out");
    birdc(&socket, "reload in globe");
    assert!(
        wait_for(Duration::from_secs(5), || counter(&globe, "refreshes_in")
            > refreshes
            && counter(&globe, "updates_out") > sent),
        "BIRD's ROUTE-REFRESH not answered: {}",
        globe.neighbor(BIRD)
    );
    assert!(birdc(&socket, "show route").contains("2001:db8:100::/48"));

    // BIRD withdraws (its static protocol goes down): the route leaves globe.
    birdc(&socket, "disable static4");
    assert!(
        wait_for(Duration::from_secs(5), || globe
            .route("192.0.2.0/24")
            .is_none()),
        "BIRD's withdrawal not seen by globe"
    );

    // The keys of the second session differ: never Established on either side.
    let wrong = globe.neighbor("198.51.100.6");
    assert_eq!(wrong["established_count"], 0, "{wrong}");
    assert!(!birdc(&socket, "show protocols wrongkey").contains("Established"));

    // Hold timer: BIRD stopped, globe gives up within the hold time (3 s) and a margin.
    bird.signal("STOP");
    let stopped = Instant::now();
    let down = wait_for(Duration::from_secs(8), || {
        globe.state(BIRD) != "Established"
    });
    let elapsed = stopped.elapsed();
    let reason = globe.neighbor(BIRD)["last_error"].clone();
    bird.signal("CONT");
    assert!(down, "globe still Established after SIGSTOP");
    assert!(elapsed <= Duration::from_millis(4500), "{elapsed:?}");
    assert!(
        reason
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .contains("hold"),
        "{reason}"
    );
    drop(globe);
    drop(bird);
}
