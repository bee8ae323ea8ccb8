//! The health shell against real servers on loopback: HTTP backends (std threads answering a fixed
//! status) that are stopped and started, an HTTPS backend with a certificate from a test CA, a TCP
//! listener, and a small DNS responder. Times from a backend's stop to its target going down, and
//! from its start to its target coming back, are measured and printed.

use super::*;
use crate::health::check::{DnsProbe, HttpProbe, StatusRange, TlsSettings};
use crate::health::{CheckSpec, Probe, TestTable, Thresholds};
use globe_dns::{Header, Message, MessageBuilder, Name, RType, Rcode, Writer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize};
use std::thread::JoinHandle;

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(500);
/// Allowance for scheduling on a loaded 2-core machine, on top of the promised bounds.
const SLACK: Duration = Duration::from_millis(300);

/// An HTTP server on a loopback port, answering every request with `status`; `stop` closes the port
/// (connections are then refused) and `start` opens the same port again.
struct Backend {
    port: u16,
    status: Arc<AtomicU16>,
    accepted: Arc<AtomicUsize>,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Backend {
    fn new(status: u16) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut backend = Backend {
            port,
            status: Arc::new(AtomicU16::new(status)),
            accepted: Arc::new(AtomicUsize::new(0)),
            running: None,
        };
        backend.serve(listener);
        backend
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn start(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(self.address()) {
                Ok(listener) => break listener,
                Err(error) if Instant::now() > deadline => panic!("rebinding: {error}"),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        self.serve(listener);
    }

    fn serve(&mut self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let (status, accepted, flag) = (self.status.clone(), self.accepted.clone(), stop.clone());
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
                            let status = status.load(Ordering::SeqCst);
                            let _ = stream.write_all(
                                format!("HTTP/1.1 {status} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                            );
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        self.running = Some((stop, thread));
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

/// A UDP DNS responder answering every query with `rcode`.
struct Responder {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    fn new(rcode: Rcode) -> Responder {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let address = socket.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buffer = [0u8; 512];
            while !flag.load(Ordering::SeqCst) {
                let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
                    continue;
                };
                let Ok(query) = Message::parse(&buffer[..len]) else {
                    continue;
                };
                let header = Header {
                    id: query.header.id,
                    qr: true,
                    aa: true,
                    rcode: rcode.header_bits(),
                    ..Header::default()
                };
                let mut builder =
                    MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
                if let Some(question) = query.question() {
                    builder.question(question);
                }
                let _ = socket.send_to(&builder.finish(), peer);
            }
        });
        Responder {
            address,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn spec(probe: Probe) -> CheckSpec {
    CheckSpec {
        probe,
        interval: INTERVAL,
        timeout: TIMEOUT,
        thresholds: Thresholds {
            rise: 2,
            fall: 2,
            initial: State::Up,
        },
    }
}

fn http(address: SocketAddr) -> Probe {
    Probe::Http(HttpProbe {
        address,
        host: format!("{address}"),
        path: "/health".into(),
        tls: None,
        status: StatusRange {
            low: 200,
            high: 399,
        },
    })
}

fn target(id: &str, check: Option<CheckSpec>) -> TargetSpec {
    TargetSpec {
        id: id.into(),
        check,
    }
}

/// Polls until `condition` holds; returns how long that took, or panics after `limit`.
async fn wait_for(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    start.elapsed()
}

/// Whether the target's checks have measured `state` (not just its initial state).
fn measured(service: &HealthService, id: &str, state: State) -> bool {
    lock(&service.monitor)
        .targets()
        .any(|t| t.id == id && t.health.measured() == Some(state))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_check_follows_a_backend_stop_and_start() {
    let mut backend = Backend::new(200);
    let service = HealthService::new();
    let table = TestTable::new(1);
    service.configure(
        &[target("fra", Some(spec(http(backend.address()))))],
        table.clone(),
    );
    // Jittered start: the first check comes within one interval.
    wait_for("first check", INTERVAL + SLACK, || {
        measured(&service, "fra", State::Up)
    })
    .await;
    assert!(table.is_up(0));

    backend.stop();
    let down = wait_for("down after stop", INTERVAL * 2 + TIMEOUT + SLACK, || {
        !table.is_up(0)
    })
    .await;
    backend.start();
    let up = wait_for("up after start", INTERVAL * 2 + SLACK, || table.is_up(0)).await;
    eprintln!(
        "http check, interval {INTERVAL:?} fall 2 rise 2: down {down:?} after the backend stopped, up {up:?} after it started"
    );
    assert!(
        down <= INTERVAL * 2 + SLACK,
        "refused connections fail at once: {down:?}"
    );
    assert!(
        up >= INTERVAL,
        "rise 2 needs two checks, an interval apart: {up:?}"
    );

    let status = service.status();
    assert!(
        status.contains("target fra up forced=no last=(ok, "),
        "{status}"
    );
    assert!(status.contains("successes=2 failures=0"), "{status}");
    let mut metrics = String::new();
    service.render_metrics(&mut metrics);
    for line in [
        "globe_auth_target_up{target=\"fra\"} 1",
        "globe_auth_target_transitions_total{target=\"fra\",to=\"down\"} 1",
        "globe_auth_target_transitions_total{target=\"fra\",to=\"up\"} 1",
        "globe_auth_health_checks_total{target=\"fra\",result=\"refused\"} ",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_outside_the_range_fails_and_a_tcp_connect_succeeds() {
    let failing = Backend::new(503);
    let listener = Backend::new(200);
    let service = HealthService::new();
    let table = TestTable::new(2);
    service.configure(
        &[
            target("http", Some(spec(http(failing.address())))),
            target(
                "tcp",
                Some(spec(Probe::Tcp {
                    address: listener.address(),
                })),
            ),
        ],
        table.clone(),
    );
    wait_for("503 goes down", INTERVAL + SLACK, || !table.is_up(0)).await;
    wait_for("tcp measured up", INTERVAL + SLACK, || {
        measured(&service, "tcp", State::Up)
    })
    .await;
    assert!(table.is_up(1));
    let status = service.status();
    assert!(
        status.contains("target http down forced=no last=(HTTP status 503, "),
        "{status}"
    );
    drop(listener);
    wait_for("tcp down", INTERVAL * 2 + SLACK, || !table.is_up(1)).await;
    let status = service.status();
    assert!(status.contains("last=(connection refused, "), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_checks_accept_the_chosen_response_codes() {
    let noerror = Responder::new(Rcode::NOERROR);
    let refused = Responder::new(Rcode::REFUSED);
    let closed = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let closed_address = closed.local_addr().expect("addr");
    drop(closed);
    let dns = |address, rcodes: &[Rcode]| {
        Some(spec(Probe::Dns(DnsProbe {
            address,
            qname: Name::parse("health.example.", None).expect("name"),
            qtype: RType::A,
            rcodes: rcodes.to_vec(),
        })))
    };
    let service = HealthService::new();
    let table = TestTable::new(4);
    service.configure(
        &[
            target("ok", dns(noerror.address, &[Rcode::NOERROR])),
            target("refused", dns(refused.address, &[Rcode::NOERROR])),
            target(
                "refused-accepted",
                dns(refused.address, &[Rcode::NOERROR, Rcode::REFUSED]),
            ),
            target("closed", dns(closed_address, &[Rcode::NOERROR])),
        ],
        table.clone(),
    );
    for id in ["ok", "refused-accepted"] {
        wait_for(id, INTERVAL + SLACK, || measured(&service, id, State::Up)).await;
    }
    for id in ["refused", "closed"] {
        wait_for(id, INTERVAL + TIMEOUT + SLACK, || {
            measured(&service, id, State::Down)
        })
        .await;
    }
    assert!(table.is_up(0) && !table.is_up(1) && table.is_up(2) && !table.is_up(3));
    let status = service.status();
    assert!(status.contains("last=(rcode REFUSED, "), "{status}");
    // The closed port answers with ICMP port unreachable: refused, not a timeout.
    assert!(
        status.contains("target closed down forced=no last=(connection refused"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_checks_verify_the_certificate_unless_insecure() {
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::ServerConfig;
    // A test CA and a certificate for "localhost" signed by it.
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&key, &ca, &ca_key)
        .expect("leaf");
    let dir = std::env::temp_dir().join(format!("globe-health-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("write ca");

    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let Ok(mut stream) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
                let _ = stream.shutdown().await;
            });
        }
    });

    let https = |insecure, ca_file: Option<PathBuf>| {
        Some(spec(Probe::Http(HttpProbe {
            address,
            host: format!("localhost:{}", address.port()),
            path: "/".into(),
            tls: Some(TlsSettings {
                server_name: "localhost".into(),
                insecure,
                ca_file,
            }),
            status: StatusRange {
                low: 200,
                high: 299,
            },
        })))
    };
    let service = HealthService::new();
    let table = TestTable::new(4);
    service.configure(
        &[
            target("insecure", https(true, None)),
            target("verified", https(false, Some(ca_file))),
            target("unknown-ca", https(false, None)),
            target("missing-ca", https(false, Some(dir.join("none.pem")))),
        ],
        table.clone(),
    );
    for id in ["insecure", "verified"] {
        wait_for(id, INTERVAL + SLACK, || measured(&service, id, State::Up)).await;
    }
    for id in ["unknown-ca", "missing-ca"] {
        wait_for(id, INTERVAL + SLACK, || measured(&service, id, State::Down)).await;
    }
    let status = service.status();
    assert!(
        status.contains("target unknown-ca down forced=no last=(certificate not verified"),
        "{status}"
    );
    assert!(
        status.contains("target missing-ca down forced=no last=(TLS client setup failed"),
        "{status}"
    );
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_stops_removed_checkers_and_keeps_unchanged_state() {
    let fast = |address| CheckSpec {
        interval: Duration::from_millis(50),
        ..spec(Probe::Tcp { address })
    };
    let a = Backend::new(200);
    let mut b = Backend::new(200);
    let c = Backend::new(200);
    let c2 = Backend::new(200);
    let d = Backend::new(200);
    let service = HealthService::new();
    let first = TestTable::new(3);
    service.configure(
        &[
            target("a", Some(fast(a.address()))),
            target("b", Some(fast(b.address()))),
            target("c", Some(fast(c.address()))),
        ],
        first.clone(),
    );
    assert_eq!(service.running_checkers(), 3);
    b.stop();
    wait_for("b down", Duration::from_secs(2), || !first.is_up(1)).await;
    wait_for("a and c checked", Duration::from_secs(2), || {
        a.accepted() > 0 && c.accepted() > 0
    })
    .await;

    // Reload: a removed, b unchanged (now at index 0), c's check moved to another port, d new.
    let second = TestTable::new(3);
    service.configure(
        &[
            target("b", Some(fast(b.address()))),
            target("c", Some(fast(c2.address()))),
            target("d", Some(fast(d.address()))),
        ],
        second.clone(),
    );
    assert!(!second.is_up(0), "b kept its state in the new table");
    wait_for("old checkers finished", Duration::from_secs(1), || {
        service.running_checkers() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (a_before, c_before) = (a.accepted(), c.accepted());
    wait_for("new checkers ran", Duration::from_secs(2), || {
        c2.accepted() >= 3 && d.accepted() >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        a.accepted(),
        a_before,
        "the removed target is no longer checked"
    );
    assert_eq!(
        c.accepted(),
        c_before,
        "the changed check's old checker stopped"
    );
    assert!(second.is_up(1) && second.is_up(2));
    assert!(!second.is_up(0));

    // Every target removed: no checker left running.
    service.configure(&[], TestTable::new(0));
    wait_for("all checkers finished", Duration::from_secs(1), || {
        service.running_checkers() == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let counts = (c2.accepted(), d.accepted());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!((c2.accepted(), d.accepted()), counts);

    // Dropping the service stops its checkers too.
    let table = TestTable::new(1);
    service.configure(&[target("d", Some(fast(d.address())))], table);
    wait_for("d checked again", Duration::from_secs(2), || {
        d.accepted() > counts.1
    })
    .await;
    drop(service);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after_drop = d.accepted();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(d.accepted(), after_drop, "no checker outlives the service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_forces_states_and_a_bad_one_is_ignored() {
    let backend = Backend::new(200);
    let dir = std::env::temp_dir().join(format!("globe-health-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("states");
    let _ = std::fs::remove_file(&path);
    let service = HealthService::new();
    let table = TestTable::new(2);
    service.configure(
        &[
            target("checked", Some(spec(http(backend.address())))),
            target("plain", None),
        ],
        table.clone(),
    );
    let poll = Duration::from_millis(20);
    service.watch_state_file(Some(&path), poll);
    wait_for("checked measured up", INTERVAL + SLACK, || {
        measured(&service, "checked", State::Up)
    })
    .await;
    assert!(service.status().contains("(nothing forced)"));

    // Written by an atomic rename, as a monitor would.
    let write = |text: &str| {
        let temporary = dir.join("states.new");
        std::fs::write(&temporary, text).expect("write");
        std::fs::rename(&temporary, &path).expect("rename");
    };
    write("# central monitor\nchecked DOWN\nplain down\nelsewhere UP\n");
    wait_for("forced down", Duration::from_secs(1), || {
        !table.is_up(0) && !table.is_up(1)
    })
    .await;
    let status = service.status();
    assert!(status.contains("3 forced (1 not ours)"), "{status}");
    assert!(
        status.contains("target checked down forced=down last=(ok"),
        "{status}"
    );
    assert!(
        status.contains("target plain down forced=down check=none"),
        "{status}"
    );

    write("checked NONE\nplain UP\n");
    wait_for("released", Duration::from_secs(1), || {
        table.is_up(0) && table.is_up(1)
    })
    .await;

    write("checked DOWN\nplain SIDEWAYS\n");
    wait_for("error reported", Duration::from_secs(1), || {
        service.status().contains("error:")
    })
    .await;
    let status = service.status();
    assert!(
        status.contains(":2: unknown state \"SIDEWAYS\" (UP, DOWN or NONE) (previous states kept)"),
        "{status}"
    );
    assert!(table.is_up(0), "a rejected file changes nothing");
    let mut metrics = String::new();
    service.render_metrics(&mut metrics);
    assert!(
        metrics.contains("globe_auth_health_state_file_errors_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("globe_auth_target_forced{target=\"plain\"} 1"),
        "{metrics}"
    );

    std::fs::remove_file(&path).expect("remove");
    wait_for("nothing forced", Duration::from_secs(1), || {
        service.status().contains("missing (nothing forced)")
    })
    .await;
    assert_eq!(service.state("plain"), Some(State::Up));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_checks_spread_over_the_interval() {
    // 200 targets checked every 500 ms against one listener: their first checks must not come
    // together (a check storm on start-up or reload), but spread over the first interval.
    let interval = Duration::from_millis(500);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let recorder = {
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                lock(&arrivals).push(Instant::now());
                drop(stream);
            }
        })
    };
    let targets: Vec<TargetSpec> = (0..200)
        .map(|i| {
            target(
                &format!("t{i}"),
                Some(CheckSpec {
                    interval,
                    ..spec(Probe::Tcp { address })
                }),
            )
        })
        .collect();
    let service = HealthService::new();
    let start = Instant::now();
    service.configure(&targets, TestTable::new(200));
    tokio::time::sleep(interval - Duration::from_millis(20)).await;
    drop(service);
    recorder.abort();
    let arrivals = lock(&arrivals).clone();
    assert!(
        arrivals.len() >= 150,
        "only {} first checks",
        arrivals.len()
    );
    let mut buckets = [0usize; 5];
    for arrival in &arrivals {
        let bucket = (arrival.duration_since(start).as_millis() / 100) as usize;
        if let Some(count) = buckets.get_mut(bucket) {
            *count += 1;
        }
    }
    // Uniform would be 40 per 100 ms; a storm would put them all in the first bucket.
    assert!(
        buckets.iter().all(|count| (10..=80).contains(count)),
        "first checks per 100 ms: {buckets:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_checks_pass_on_exit_zero_and_are_killed_on_timeout() {
    use crate::health::check::CommandProbe;
    let command = |argv: &[&str]| {
        Prober::new(&Probe::Command(CommandProbe {
            argv: argv.iter().map(|a| a.to_string()).collect(),
        }))
    };
    assert_eq!(
        command(&["/bin/sh", "-c", "exit 0"]).check().await,
        Outcome::Success
    );
    assert_eq!(
        command(&["/bin/sh", "-c", "exit 3"]).check().await,
        Outcome::Failure(crate::health::Failure::Exit(Some(3)))
    );
    assert!(matches!(
        command(&["/nonexistent/program"]).check().await,
        Outcome::Failure(crate::health::Failure::Io(_))
    ));
    // A command that runs over its timeout is killed when the check's future is dropped.
    let dir = std::env::temp_dir().join(format!("globe-command-check-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let marker = dir.display().to_string();
    let slow = command(&["/bin/sh", "-c", &format!("sleep 1; touch {marker}")]);
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_millis(100), slow.check()).await;
    assert!(result.is_err(), "timed out");
    assert!(started.elapsed() < Duration::from_millis(500));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(!dir.exists(), "the command was killed before it finished");
}
