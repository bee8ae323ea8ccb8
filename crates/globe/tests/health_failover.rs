//! Health-checked failover, black-box: `globe auth` steers `www.example.test` to two targets whose
//! HTTP checks (interval 200 ms, fall 2, rise 2) go to real HTTP servers on loopback. One backend is
//! stopped and started again while the name is queried in a loop: its address leaves the answers
//! within interval × fall (+ one timeout), comes back after `rise` checks, and no answer is ever
//! empty while a target is healthy (nor when none is: steering fails open). The state file then
//! forces a target down and releases it, and `globe auth status` and the metrics show the states.
//!
//! Every check goes to 127.0.0.1 (the check's `address`); the answered addresses are documentation
//! addresses (RFC 5737) that nothing connects to.

use globe_dns::{Class, Header, Message, Question, RData, RType};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(200);
const FALL: u32 = 2;
const RISE: u32 = 2;
/// Allowance for a loaded 2-core machine, on top of the promised bounds.
const SLACK: Duration = Duration::from_millis(300);
const ONE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const TWO: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

/// An HTTP server on a loopback port answering 200; `stop` closes the port, `start` reopens it.
struct Backend {
    port: u16,
    accepted: Arc<AtomicUsize>,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Backend {
    fn new() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut backend = Backend {
            port,
            accepted: Arc::new(AtomicUsize::new(0)),
            running: None,
        };
        backend.serve(listener);
        backend
    }

    fn start(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                Err(error) if Instant::now() > deadline => panic!("rebinding: {error}"),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        self.serve(listener);
    }

    fn serve(&mut self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let accepted = self.accepted.clone();
        listener.set_nonblocking(true).expect("nonblocking");
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                        let mut request = [0u8; 1024];
                        if matches!(stream.read(&mut request), Ok(n) if n > 0) {
                            let _ = stream.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            );
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        self.running = Some((stop, thread));
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn stop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            stop.store(true, Ordering::SeqCst);
            let _ = thread.join();
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A running `globe auth`, killed by its PID when dropped, even if the test fails.
struct Server {
    child: Child,
    address: SocketAddr,
    metrics: SocketAddr,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = udp.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

const ZONE: &str = "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\n";

/// The configuration: one target per backend (`one`, `two`, ... answered as 192.0.2.1, .2, ...), all
/// in the pool of `www.example.test`, checked over HTTP at 127.0.0.1.
fn config(port: u16, metrics: SocketAddr, backends: &[&Backend]) -> String {
    let mut config = format!(
        r#"listen = ["127.0.0.1:{port}"]
metrics = "{metrics}"
control = "control.sock"

[rrl]
enabled = false

[health]
state_file = "states"

[[zone]]
origin = "example.test."
file = "example.test.zone"
"#
    );
    let mut ids = Vec::new();
    for (index, backend) in backends.iter().enumerate() {
        let id = NAMES[index];
        ids.push(format!("\"{id}\""));
        config.push_str(&format!(
            r#"
[[target]]
id = "{id}"
location = "FRA"
addresses = ["192.0.2.{}"]
check = {{ kind = "http", url = "http://health.example.test:{}/health", address = "127.0.0.1", interval = {}, timeout = {}, rise = {RISE}, fall = {FALL} }}
"#,
            index + 1,
            backend.port,
            INTERVAL.as_secs_f64(),
            TIMEOUT.as_secs_f64(),
        ));
    }
    config.push_str(&format!(
        "\n[[steer]]\nname = \"www.example.test.\"\ntargets = [{}]\nttl = 5\n",
        ids.join(", ")
    ));
    config
}

const NAMES: [&str; 3] = ["one", "two", "three"];

impl Server {
    fn start(name: &str, backends: &[&Backend]) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "globe-health-failover-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("example.test.zone"), ZONE).expect("zone");
        let port = free_port();
        let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let config = config(port, metrics, backends);
        std::fs::write(dir.join("auth.toml"), config).expect("config");
        let child = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", "--config"])
            .arg(dir.join("auth.toml"))
            .arg("--control")
            .arg(dir.join("control.sock"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start globe");
        let server = Server {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            metrics,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.addresses().is_none() {
            assert!(Instant::now() < deadline, "globe auth did not start");
        }
        server
    }

    /// The A records of `www.example.test`, or `None` without a response.
    fn addresses(&self) -> Option<BTreeSet<Ipv4Addr>> {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let id: u16 = rand_id();
        let query = Message {
            header: Header {
                id,
                ..Header::default()
            },
            questions: vec![Question {
                name: "www.example.test.".parse().expect("name"),
                qtype: RType::A,
                qclass: Class::IN,
            }],
            ..Message::default()
        };
        socket
            .send_to(&query.to_wire(), self.address)
            .expect("send");
        let mut buffer = [0u8; 4096];
        let len = socket.recv(&mut buffer).ok()?;
        let response = Message::parse(&buffer[..len]).expect("a well-formed response");
        assert_eq!(response.header.id, id);
        Some(
            response
                .answers
                .iter()
                .filter_map(|record| match record.data {
                    RData::A(address) => Some(address),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Queries every 10 ms until `done` holds for the answer; every answer on the way must be
    /// non-empty. Returns how long it took.
    fn query_until(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&BTreeSet<Ipv4Addr>) -> bool,
    ) -> Duration {
        let start = Instant::now();
        loop {
            if let Some(addresses) = self.addresses() {
                assert!(!addresses.is_empty(), "{what}: an empty answer");
                if done(&addresses) {
                    return start.elapsed();
                }
            }
            assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Queries for `period`, asserting every answer.
    fn query_during(
        &self,
        what: &str,
        period: Duration,
        expect: impl Fn(&BTreeSet<Ipv4Addr>) -> bool,
    ) {
        let start = Instant::now();
        while start.elapsed() < period {
            if let Some(addresses) = self.addresses() {
                assert!(expect(&addresses), "{what}: got {addresses:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn configure(&self, backends: &[&Backend]) {
        let text = config(self.address.port(), self.metrics, backends);
        std::fs::write(self.dir.join("auth.toml"), text).expect("config");
    }

    fn control(&self, command: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", command, "--control"])
            .arg(self.dir.join("control.sock"))
            .output()
            .expect("run globe auth");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn status(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", "status", "--control"])
            .arg(self.dir.join("control.sock"))
            .output()
            .expect("run globe auth status");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn metrics(&self) -> String {
        let mut stream = TcpStream::connect(self.metrics).expect("metrics port");
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("request");
        let mut text = String::new();
        stream.read_to_string(&mut text).expect("metrics");
        text
    }

    fn write_states(&self, text: &str) {
        let temporary = self.dir.join("states.new");
        std::fs::write(&temporary, text).expect("write");
        std::fs::rename(&temporary, self.dir.join("states")).expect("rename");
    }
}

fn rand_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish() as u16
}

#[test]
fn a_stopped_backend_leaves_the_answers_and_comes_back() {
    let mut one = Backend::new();
    let mut two = Backend::new();
    let server = Server::start("failover", &[&one, &two]);
    let both: BTreeSet<Ipv4Addr> = [ONE, TWO].into();
    // Checks start jittered within the first interval; let both be measured up.
    server.query_until("both answered", Duration::from_secs(5), |a| *a == both);
    std::thread::sleep(INTERVAL * 2);
    let status = server.status();
    assert!(
        status.contains("target one up forced=no last=(ok"),
        "{status}"
    );
    assert!(
        status.contains("target two up forced=no last=(ok"),
        "{status}"
    );

    one.stop();
    let down = server.query_until("one leaves", INTERVAL * FALL + TIMEOUT + SLACK, |a| {
        !a.contains(&ONE)
    });
    // Only two while one is down; never empty.
    server.query_during("one stays out", INTERVAL * 2, |a| *a == [TWO].into());
    one.start();
    let up = server.query_until("one returns", INTERVAL * (RISE + 1) + SLACK, |a| *a == both);
    eprintln!(
        "globe auth, interval {INTERVAL:?} fall {FALL} rise {RISE}: one left the answers {down:?} after its backend stopped and came back {up:?} after it started"
    );
    assert!(
        up >= INTERVAL * (RISE - 1),
        "rise {RISE} needs {RISE} checks: {up:?}"
    );

    // Every target down: steering fails open and answers with all.
    one.stop();
    two.stop();
    server.query_until("all down", INTERVAL * FALL + TIMEOUT + SLACK, |_| {
        let status = server.status();
        status.contains("target one down") && status.contains("target two down")
    });
    server.query_during("fail open", INTERVAL, |a| *a == both);
    one.start();
    two.start();
    server.query_until("both back", INTERVAL * (RISE + 1) + SLACK, |_| {
        let status = server.status();
        status.contains("target one up") && status.contains("target two up")
    });

    // The state file forces two down, whatever its checks say, and then lets go.
    server.write_states("# central monitor\ntwo DOWN\n");
    server.query_until("two forced out", Duration::from_secs(3), |a| {
        *a == [ONE].into()
    });
    let status = server.status();
    assert!(
        status.contains("target two down forced=down last=(ok"),
        "{status}"
    );
    let metrics = server.metrics();
    for line in [
        "globe_auth_target_up{target=\"one\"} 1",
        "globe_auth_target_up{target=\"two\"} 0",
        "globe_auth_target_forced{target=\"two\"} 1",
        "globe_auth_target_transitions_total{target=\"one\",to=\"down\"} 2",
        "globe_auth_health_checks_total{target=\"one\",result=\"refused\"}",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
    server.write_states("two NONE\n");
    server.query_until("two released", Duration::from_secs(3), |a| *a == both);
}

#[test]
fn a_reload_stops_removed_checks_and_keeps_the_state_of_unchanged_targets() {
    let mut one = Backend::new();
    let two = Backend::new();
    let three = Backend::new();
    let server = Server::start("reload", &[&one, &two, &three]);
    let three_addresses = Ipv4Addr::new(192, 0, 2, 3);
    server.query_until("all answered", Duration::from_secs(5), |a| a.len() == 3);
    one.stop();
    server.query_until("one leaves", INTERVAL * FALL + TIMEOUT + SLACK, |a| {
        !a.contains(&ONE)
    });

    // Reload without `three`: one stays out at once (its state carried over), three is no longer
    // checked, two still is.
    server.configure(&[&one, &two]);
    let reply = server.control("reload");
    assert!(reply.starts_with("ok"), "{reply}");
    server.query_during("one stays out after the reload", INTERVAL, |a| {
        *a == [TWO].into()
    });
    std::thread::sleep(INTERVAL);
    let (two_before, three_before) = (two.accepted(), three.accepted());
    std::thread::sleep(INTERVAL * 4);
    assert_eq!(
        three.accepted(),
        three_before,
        "a removed target is still checked"
    );
    assert!(
        two.accepted() >= two_before + 3,
        "the kept target is checked every interval"
    );
    let status = server.status();
    assert!(!status.contains("target three"), "{status}");
    assert!(!status.contains(&three_addresses.to_string()), "{status}");

    one.start();
    server.query_until("one returns", INTERVAL * (RISE + 1) + SLACK, |a| {
        *a == [ONE, TWO].into()
    });
}
