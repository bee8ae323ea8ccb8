//! The anycast check of issue 5: two `globe node` PoPs announce 192.0.2.0/24 to a BIRD router that
//! sees both; stopping the DNS on one takes its route out of BIRD's table within 1 s (interval 200 ms,
//! fall 3), starting it brings the route back after `rise` checks, and SIGTERM withdraws before the
//! session closes. A DNS query from the router's namespace to 192.0.2.53 is answered by the PoP the
//! route points at (NSID), and by the other one after the failover. The drain variant
//! (`on_failure = { prepend = 3 }`) shows BIRD the longer AS path instead.
//!
//! ```text
//!   pop1 (AS 4200000001, NSID pop1)          pop2 (AS 4200000002, NSID pop2)
//!   lo 192.0.2.53/32                         lo 192.0.2.53/32
//!   veth 198.51.100.1/25 ── router ── veth 203.0.113.1/24
//!            198.51.100.2/25  (BIRD, AS 64500)  203.0.113.2/24
//! ```
//!
//! Needs root, iproute2, `bird` and `dig`; skipped with a message otherwise.

mod bgp_support;

use bgp_support::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIRD_CONF: &str = r#"
router id 198.51.100.2;
log stderr all;
protocol device { scan time 1; }
protocol kernel { ipv4 { export all; }; }
template bgp pop {
    local as 64500;
    hold time 9;
    connect retry time 1;
    error wait time 1, 2;
    debug { events, routes };
    ipv4 { import all; export none; };
}
protocol bgp pop1 from pop { neighbor 198.51.100.1 as 4200000001; source address 198.51.100.2; }
protocol bgp pop2 from pop { neighbor 203.0.113.1 as 4200000002; source address 203.0.113.2; }
"#;

/// One PoP's node file.
fn node_conf(
    dir: &Path,
    name: &str,
    asn: u32,
    address: &str,
    router: &str,
    originate: &str,
) -> String {
    let zone = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/example.com.zone"
    );
    let dir = dir.display();
    format!(
        r#"
[auth]
listen = ["192.0.2.53:53", "127.0.0.1:53"]
nsid = "{name}"
control = "{dir}/{name}-auth.sock"
[[auth.zone]]
file = "{zone}"

[bgp]
router_id = "{address}"
asn = {asn}
listen = []
hold_time = 9
connect_retry_seconds = 1
control = "{dir}/{name}-bgp.sock"
[[bgp.neighbor]]
address = "{router}"
asn = 64500
import = "reject-all"
export = "accept-all"
[[bgp.originate]]
prefix = "192.0.2.0/24"
{originate}
"#
    )
}

/// The router, two PoPs, BIRD and two nodes, torn down on drop (processes first, by PID).
struct Lab {
    nodes: Vec<Node>,
    bird: Process,
    socket: std::path::PathBuf,
    router: Netns,
    _pops: Vec<Netns>,
    dir: TempDir,
}

struct Node {
    name: &'static str,
    process: Process,
    auth: std::path::PathBuf,
}

impl Lab {
    fn start(label: &str, originate: [&str; 2]) -> Lab {
        let router = Netns::new(&format!("{label}-r"));
        let pop1 = Netns::new(&format!("{label}-1"));
        let pop2 = Netns::new(&format!("{label}-2"));
        link(
            &pop1,
            "veth-p1",
            &["198.51.100.1/25"],
            &router,
            "veth-r1",
            &["198.51.100.2/25"],
        );
        link(
            &pop2,
            "veth-p2",
            &["203.0.113.1/24"],
            &router,
            "veth-r2",
            &["203.0.113.2/24"],
        );
        for pop in [&pop1, &pop2] {
            pop.ip(&["address", "add", "192.0.2.53/32", "dev", "lo"]);
        }
        let dir = TempDir::new(label);
        let conf = dir.0.join("bird.conf");
        std::fs::write(&conf, BIRD_CONF).expect("bird.conf");
        let socket = dir.0.join("bird.ctl");
        let bird_log = dir.0.join("bird.log");
        let bird = Process {
            child: router.spawn(
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
        let mut nodes = Vec::new();
        for (netns, name, asn, address, peer, originate) in [
            (
                &pop1,
                "pop1",
                4_200_000_001u32,
                "198.51.100.1",
                "198.51.100.2",
                originate[0],
            ),
            (
                &pop2,
                "pop2",
                4_200_000_002,
                "203.0.113.1",
                "203.0.113.2",
                originate[1],
            ),
        ] {
            let path = dir.0.join(format!("{name}.toml"));
            std::fs::write(
                &path,
                node_conf(&dir.0, name, asn, address, peer, originate),
            )
            .expect("node file");
            let log = dir.0.join(format!("{name}.log"));
            let child = netns.spawn(
                &[globe(), "node", "--config", path.to_str().expect("path")],
                &log,
            );
            nodes.push(Node {
                name,
                process: Process { child, log },
                auth: dir.0.join(format!("{name}-auth.sock")),
            });
        }
        Lab {
            nodes,
            bird,
            socket,
            router,
            _pops: vec![pop1, pop2],
            dir,
        }
    }

    fn birdc(&self, command: &str) -> String {
        let output = Command::new("birdc")
            .arg("-s")
            .arg(&self.socket)
            .args(command.split_whitespace())
            .output()
            .expect("birdc");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn routes(&self) -> String {
        self.birdc("show route for 192.0.2.0/24 all")
    }

    /// Whether BIRD holds a route to 192.0.2.0/24 from `pop`.
    fn has_route_from(&self, pop: &str) -> bool {
        self.routes().contains(&format!("[{pop} "))
    }

    /// The PoP whose route BIRD prefers.
    fn best(&self) -> Option<&'static str> {
        let table = self.birdc("show route for 192.0.2.0/24");
        ["pop1", "pop2"].into_iter().find(|pop| {
            table
                .lines()
                .any(|line| line.contains(&format!("[{pop} ")) && line.contains(" * "))
        })
    }

    fn node(&self, name: &str) -> &Node {
        self.nodes.iter().find(|n| n.name == name).expect("node")
    }

    fn dns(&self, name: &str, what: &str) {
        let output = Command::new(globe())
            .args(["node", "dns", what, "--control"])
            .arg(&self.node(name).auth)
            .output()
            .expect("globe node dns");
        assert!(
            output.status.success(),
            "globe node dns {what}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    /// Asks 192.0.2.53 from the router's namespace (routed by BIRD's kernel route); the NSID.
    fn nsid(&self) -> String {
        let output = self.router.exec(&[
            "dig",
            "@192.0.2.53",
            "example.com",
            "SOA",
            "+nsid",
            "+norec",
            "+tries=1",
            "+time=1",
        ]);
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|line| {
                let start = line.find("NSID:")?;
                let quoted = line.get(start..)?.split('"').nth(1)?;
                Some(quoted.to_string())
            })
            .unwrap_or_default()
    }

    /// Waits until BIRD sees both PoPs and the kernel has the route; panics with the logs if not.
    fn wait_for_both(&self) {
        let up = wait_for(Duration::from_secs(30), || {
            self.has_route_from("pop1") && self.has_route_from("pop2")
        });
        assert!(up, "BIRD does not see both PoPs:\n{}", self.logs());
        assert!(
            wait_for(Duration::from_secs(5), || {
                let output = self.router.exec(&["ip", "route", "show", "192.0.2.0/24"]);
                !output.stdout.is_empty()
            }),
            "no kernel route in the router namespace"
        );
    }

    fn logs(&self) -> String {
        let mut text = format!(
            "bird:\n{}\n{}\n{}",
            self.routes(),
            self.birdc("show protocols all"),
            self.bird.log()
        );
        for node in &self.nodes {
            text.push_str(&format!("\n{}:\n{}", node.name, node.process.log()));
        }
        text.push_str(&format!("\n(dir {})", self.dir.0.display()));
        text
    }

    /// Polls BIRD every 20 ms until `condition` holds; the time it took.
    fn time_until(&self, limit: Duration, condition: impl Fn(&Lab) -> bool) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if condition(self) {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Processes before namespaces (the fields drop in order; this makes it explicit).
        self.nodes.clear();
    }
}

fn can_run_here() -> bool {
    let ok =
        can_run() && Path::new("/usr/sbin/bird").exists() && Path::new("/usr/bin/dig").exists();
    fail_in_ci_unless(ok, "root, iproute2, bird and dig");
    if !ok {
        eprintln!("skipped: needs root, iproute2, bird and dig");
    }
    ok
}

#[test]
fn anycast_failover_follows_the_dns_health() {
    if !can_run_here() {
        return;
    }
    // pop1 gates on the in-process health; pop2 asks itself over the network (loopback).
    let lab = Lab::start(
        "node-any",
        [
            r#"condition = { kind = "local", interval = 0.2, rise = 2, fall = 3 }"#,
            r#"condition = { kind = "dns", address = "127.0.0.1:53", qname = "example.com.", interval = 0.2, timeout = 0.1, rise = 2, fall = 3 }"#,
        ],
    );
    lab.wait_for_both();

    // The query goes where the route points.
    let best = lab
        .best()
        .unwrap_or_else(|| panic!("no best route:\n{}", lab.logs()));
    let other = if best == "pop1" { "pop2" } else { "pop1" };
    assert_eq!(lab.nsid(), best, "{}", lab.logs());

    // Stop the DNS at the preferred PoP: its route leaves BIRD's table within 1 s.
    let stopped = Instant::now();
    lab.dns(best, "stop");
    let gone = lab
        .time_until(Duration::from_secs(5), |lab| !lab.has_route_from(best))
        .map(|_| stopped.elapsed());
    let gone = gone.unwrap_or_else(|| panic!("route from {best} stayed:\n{}", lab.logs()));
    println!("failover: the route from {best} left BIRD's table {} ms after its DNS stopped (interval 200 ms, fall 3)", gone.as_millis());
    assert!(gone < Duration::from_secs(1), "{} ms", gone.as_millis());
    assert!(lab.has_route_from(other));

    // The same query now reaches the other PoP.
    assert!(
        wait_for(Duration::from_secs(3), || lab.nsid() == other),
        "after failover: {:?}\n{}",
        lab.nsid(),
        lab.logs()
    );

    // Start it again: back after `rise` (2) good checks, 200 ms apart, so not before 200 ms.
    let started = Instant::now();
    lab.dns(best, "start");
    let back = lab
        .time_until(Duration::from_secs(5), |lab| lab.has_route_from(best))
        .map(|_| started.elapsed())
        .unwrap_or_else(|| panic!("route from {best} did not come back:\n{}", lab.logs()));
    println!(
        "recovery: the route from {best} came back {} ms after its DNS started (rise 2)",
        back.as_millis()
    );
    assert!(
        back >= Duration::from_millis(190),
        "{} ms: before rise checks",
        back.as_millis()
    );

    // The other PoP's condition (the other kind) meets the same target.
    let stopped = Instant::now();
    lab.dns(other, "stop");
    let gone = lab
        .time_until(Duration::from_secs(5), |lab| !lab.has_route_from(other))
        .map(|_| stopped.elapsed())
        .unwrap_or_else(|| panic!("route from {other} stayed:\n{}", lab.logs()));
    println!(
        "failover: the route from {other} left BIRD's table {} ms after its DNS stopped",
        gone.as_millis()
    );
    assert!(gone < Duration::from_secs(1), "{} ms", gone.as_millis());
    lab.dns(other, "start");
    assert!(
        wait_for(Duration::from_secs(5), || lab.has_route_from(other)),
        "{}",
        lab.logs()
    );

    // SIGTERM: the withdrawal reaches BIRD before the session closes.
    let node = lab.node(other);
    node.process.signal("TERM");
    assert!(
        wait_for(Duration::from_secs(5), || !lab.has_route_from(other)),
        "{}",
        lab.logs()
    );
    // BIRD logs the Cease a moment after the route leaves its table: wait for it, then check that the
    // last change to the route (after its last announcement) is a removal logged before the Cease —
    // a session closed first would have BIRD flush the route after the Cease line.
    let is_cease = |line: &str| {
        line.contains(other)
            && (line.contains("Received: Administrative shutdown")
                || line.contains("Received: Cease"))
    };
    assert!(
        wait_for(Duration::from_secs(5), || lab
            .bird
            .log()
            .lines()
            .any(is_cease)),
        "no Cease from {other}:\n{}",
        lab.bird.log()
    );
    let bird_log = lab.bird.log();
    let about_route = |line: &&str, what: &str| {
        line.contains(other) && line.contains(what) && line.contains("192.0.2.0/24")
    };
    let lines: Vec<&str> = bird_log.lines().collect();
    let announced = lines.iter().rposition(|line| about_route(line, "added"));
    let withdrawn = lines.iter().rposition(|line| about_route(line, "removed"));
    let closed = lines.iter().position(|line| is_cease(line));
    assert!(
        matches!((announced, withdrawn, closed), (Some(a), Some(w), Some(c)) if a < w && w < c),
        "withdrawal {withdrawn:?} (after the announcement {announced:?}) not before the Cease \
         {closed:?}:\n{bird_log}"
    );
    let mut lab = lab;
    let node = lab
        .nodes
        .iter_mut()
        .find(|n| n.name == other)
        .expect("node");
    assert!(
        node.process.wait_exit(Duration::from_secs(10)),
        "did not exit"
    );
    let log = node.process.log();
    let withdraw_line = log.find("withdrawn for shutdown");
    let stopped_line = log.find("globe node stopped");
    assert!(
        matches!((withdraw_line, stopped_line), (Some(w), Some(s)) if w < s),
        "{log}"
    );
}

#[test]
fn drain_prepends_instead_of_withdrawing() {
    if !can_run_here() {
        return;
    }
    let lab = Lab::start(
        "node-drain",
        [
            r#"condition = { kind = "local", interval = 0.2, rise = 2, fall = 3 }
on_failure = { prepend = 3 }"#,
            r#"condition = { kind = "local", interval = 0.2, rise = 2, fall = 3 }"#,
        ],
    );
    lab.wait_for_both();
    let path = |lab: &Lab| {
        lab.routes()
            .split("unicast [")
            .find(|block| block.starts_with("pop1 "))
            .and_then(|block| {
                block
                    .lines()
                    .find(|line| line.contains("BGP.as_path:"))
                    .map(|line| line.trim().to_string())
            })
            .unwrap_or_default()
    };
    // A condition starts `down` until `rise` checks pass, so pop1 is first announced drained
    // (prepended); wait until its plain path replaces that.
    let healthy = lab.time_until(Duration::from_secs(5), |lab| {
        path(lab) == "BGP.as_path: 4200000001"
    });
    assert!(healthy.is_some(), "pop1 never plain: {}", lab.routes());
    lab.dns("pop1", "stop");
    let drained = lab.time_until(Duration::from_secs(5), |lab| {
        path(lab) == "BGP.as_path: 4200000001 4200000001 4200000001 4200000001"
    });
    let drained = drained.unwrap_or_else(|| panic!("no prepend:\n{}", lab.logs()));
    println!(
        "drain: BIRD saw the prepended path {} ms after the DNS stopped",
        drained.as_millis()
    );
    assert!(drained < Duration::from_secs(1));
    assert!(lab.has_route_from("pop1"), "drained, not withdrawn");
    assert_eq!(lab.best(), Some("pop2"), "{}", lab.routes());
    assert_eq!(lab.nsid(), "pop2");
    lab.dns("pop1", "start");
    assert!(
        lab.time_until(Duration::from_secs(5), |lab| path(lab)
            == "BGP.as_path: 4200000001")
            .is_some(),
        "{}",
        lab.logs()
    );
}
