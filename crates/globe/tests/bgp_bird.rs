//! `globe bgp` against BIRD 2 in network namespaces: Established with 4-octet ASNs both ways, IPv4 and
//! IPv6 routes with communities and large communities visible in `birdc show route all`, BIRD's routes
//! in `globe bgp show routes`, and a withdrawal leaving BIRD's table.
//!
//! Needs root and `bird` (Debian `bird2`); skipped with a message otherwise.

mod bgp_support;

use bgp_support::*;
use std::process::Command;
use std::time::Duration;

const BIRD_CONF: &str = r#"
router id 198.51.100.2;
protocol device {}
protocol static static4 { ipv4; route 192.0.2.0/24 blackhole; }
protocol static static6 { ipv6; route 2001:db8:200::/48 blackhole; }
protocol bgp globe {
    local 198.51.100.2 as 4200000002;
    neighbor 198.51.100.1 as 4200000001;
    hold time 9;
    connect retry time 2;
    error wait time 1, 5;
    ipv4 { import all; export all; };
    ipv6 { import all; export all; next hop address 2001:db8:1::2; };
}
"#;

const GLOBE_CONF: &str = r#"
router_id = "198.51.100.1"
asn = 4200000001
listen = ["0.0.0.0:179"]
hold_time = 9
connect_retry_seconds = 1

[[neighbor]]
address = "198.51.100.2"
asn = 4200000002
import = "accept-all"
export = "accept-all"
next_hop_ipv6 = "2001:db8:1::1"

[[originate]]
prefix = "203.0.113.0/24"
communities = ["64500:1"]
large_communities = ["4200000001:7:9"]

[[originate]]
prefix = "2001:db8:100::/48"
communities = ["64500:6"]
large_communities = ["4200000001:6:6"]
"#;

fn birdc(socket: &std::path::Path, command: &str) -> String {
    let output = Command::new("birdc")
        .arg("-s")
        .arg(socket)
        .args(command.split_whitespace())
        .output()
        .expect("birdc");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn globe_and_bird_exchange_routes_with_four_octet_asns() {
    if !can_run() || !std::path::Path::new("/usr/sbin/bird").exists() {
        eprintln!("skipped: needs root, iproute2 and bird");
        return;
    }
    let na = Netns::new("bgp-bird-a");
    let nb = Netns::new("bgp-bird-b");
    link(
        &na,
        "veth-a",
        &["198.51.100.1/24", "2001:db8:1::1/64"],
        &nb,
        "veth-b",
        &["198.51.100.2/24", "2001:db8:1::2/64"],
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
        globe.state("198.51.100.2") == "Established"
            && birdc(&socket, "show protocols globe").contains("Established")
    });
    assert!(
        up,
        "not Established:\nglobe: {}\nbird: {}\n{}",
        globe.process.log(),
        birdc(&socket, "show protocols all globe"),
        bird.log()
    );

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

    // BIRD's routes at globe.
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

    // A withdrawal leaves BIRD's table with the session up.
    globe.ask(&["withdraw", "203.0.113.0/24"]);
    assert!(wait_for(Duration::from_secs(5), || !birdc(
        &socket,
        "show route"
    )
    .contains("203.0.113.0/24")));
    assert!(birdc(&socket, "show protocols globe").contains("Established"));

    // Route refresh from globe: BIRD answers and nothing changes.
    let before = globe.neighbor("198.51.100.2")["updates_in"]
        .as_u64()
        .unwrap_or(0);
    globe.ask(&["refresh", "198.51.100.2"]);
    assert!(wait_for(Duration::from_secs(5), || globe
        .neighbor("198.51.100.2")["updates_in"]
        .as_u64()
        .unwrap_or(0)
        > before));
    assert!(globe.route("192.0.2.0/24").is_some());
    drop(globe);
    drop(bird);
}
