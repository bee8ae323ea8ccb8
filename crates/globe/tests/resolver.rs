//! Black-box tests of `globe resolver` over loopback, against a hierarchy of `globe auth` servers on
//! 127.0.0.21-23 sharing one unprivileged port (`--upstream-port`), with the resolver's own metrics as
//! the count of upstream traffic:
//!
//! ```text
//!   root hints: a.root.test. 127.0.0.21
//!   127.0.0.21  .             test. NS ns.test. (glue 127.0.0.22)
//!   127.0.0.22  test.         example.test. NS ns1.example.test. (glue 127.0.0.23)
//!                             dead.test. NS ns.dead.test. (glue 127.0.0.24: nothing listens)
//!   127.0.0.23  example.test. www A 192.0.2.80 (TTL 300), alias CNAME www, big TXT (> 1232 octets),
//!                             SOA minimum 2 (negative answers live 2 s)
//! ```
//!
//! The differential test against Unbound, the poisoning checks and the NSD/Knot-served hierarchy are in
//! `tests/resolver/` (Python, in a network namespace, port 53).

mod support;

use globe_dns::{Class, Header, Message, Question, RData, RType, Rcode};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_port, loopback, Server};

const ROOT: &str = "$ORIGIN .\n$TTL 3600\n\
@ SOA a.root.test. hostmaster.test. 1 3600 600 86400 300\n\
@ NS a.root.test.\na.root.test. A 127.0.0.21\n\
test. NS ns.test.\nns.test. A 127.0.0.22\n";

const TEST: &str = "$ORIGIN test.\n$TTL 3600\n\
@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.22\n\
example NS ns1.example\nns1.example A 127.0.0.23\n\
dead NS ns.dead\nns.dead A 127.0.0.24\n";

fn example_zone() -> String {
    let mut zone = String::from(
        "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster 1 3600 600 86400 2\n@ NS ns1\nns1 A 127.0.0.23\n\
www A 192.0.2.80\nalias CNAME www\n",
    );
    for i in 0..12 {
        zone.push_str(&format!(
            "big TXT \"{}\"\n",
            char::from(b'a' + i).to_string().repeat(200)
        ));
    }
    zone
}

/// The hierarchy and a resolver pointed at it, all killed by PID when dropped.
struct Setup {
    _servers: Vec<Server>,
    resolver: Resolver,
}

struct Resolver {
    child: Child,
    address: SocketAddr,
    metrics: SocketAddr,
    dir: std::path::PathBuf,
}

impl Drop for Resolver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Setup {
    fn start(label: &str, extra: &[&str]) -> Setup {
        Setup::start_with(label, extra, None)
    }

    /// As `start`, with `example.test.` served from a `globe auth --config` text (zone file
    /// `example.test.zone` beside it) when given.
    fn start_with(label: &str, extra: &[&str], example_config: Option<&str>) -> Setup {
        let addresses = [loopback(21), loopback(22), loopback(23)];
        let port = free_port(&addresses);
        let at = |index: usize| SocketAddr::new(addresses[index], port);
        let servers = vec![
            Server::start(&format!("{label}-root"), at(0), &[(".", ROOT)], &[], "."),
            Server::start(
                &format!("{label}-test"),
                at(1),
                &[("test.", TEST)],
                &[],
                "test.",
            ),
            match example_config {
                Some(config) => Server::with_config(
                    &format!("{label}-example"),
                    at(2),
                    config,
                    &[("example.test.zone", &example_zone())],
                    "example.test.",
                ),
                None => Server::start(
                    &format!("{label}-example"),
                    at(2),
                    &[("example.test.", &example_zone())],
                    &[],
                    "example.test.",
                ),
            },
        ];
        let dir = servers[0].dir.join("resolver");
        std::fs::create_dir_all(&dir).expect("dir");
        let hints = dir.join("root.hints");
        std::fs::write(
            &hints,
            ".\t3600000\tNS\ta.root.test.\na.root.test.\t3600000\tA\t127.0.0.21\n",
        )
        .expect("hints");
        let client_port = free_port(&[loopback(1)]);
        let metrics_port = free_port(&[loopback(1)]);
        let address = SocketAddr::new(loopback(1), client_port);
        let metrics = SocketAddr::new(loopback(1), metrics_port);
        let mut args = vec![
            "resolver".to_string(),
            "--listen".into(),
            address.to_string(),
            "--root-hints".into(),
            hints.display().to_string(),
            "--upstream-port".into(),
            port.to_string(),
            "--metrics".into(),
            metrics.to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start globe resolver");
        let resolver = Resolver {
            child,
            address,
            metrics,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(metrics).is_err() {
            assert!(Instant::now() < deadline, "globe resolver did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Setup {
            _servers: servers,
            resolver,
        }
    }

    fn query(&self, name: &str, qtype: RType) -> Message {
        query_udp(self.resolver.address, loopback(1), name, qtype).expect("an answer")
    }

    /// Upstream queries the resolver has sent so far.
    fn upstream(&self) -> u64 {
        let mut stream = TcpStream::connect(self.resolver.metrics).expect("metrics");
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        let mut body = String::new();
        stream.read_to_string(&mut body).expect("read");
        body.lines()
            .find_map(|l| l.strip_prefix("globe_resolver_upstream_queries_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("upstream counter")
    }
}

fn message(name: &str, qtype: RType, id: u16) -> Vec<u8> {
    Message {
        header: Header {
            id,
            rd: true,
            ..Header::default()
        },
        questions: vec![Question {
            name: name.parse().expect("name"),
            qtype,
            qclass: Class::IN,
        }],
        ..Message::default()
    }
    .to_wire()
}

fn query_udp(server: SocketAddr, from: IpAddr, name: &str, qtype: RType) -> Option<Message> {
    let socket = UdpSocket::bind((from, 0)).ok()?;
    socket.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let id = rand_id();
    socket.send_to(&message(name, qtype, id), server).ok()?;
    let mut buffer = [0u8; 65535];
    let length = socket.recv(&mut buffer).ok()?;
    let answer = Message::parse(&buffer[..length]).ok()?;
    (answer.header.id == id).then_some(answer)
}

fn rand_id() -> u16 {
    (std::process::id() as u16) ^ (Instant::now().elapsed().subsec_nanos() as u16)
}

fn addresses(answer: &Message) -> Vec<String> {
    answer
        .answers
        .iter()
        .map(|r| match &r.data {
            RData::A(a) => a.to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn resolves_from_the_root_and_answers_repeats_from_cache_with_ttls_counting_down() {
    let setup = Setup::start("resolver-cache", &[]);
    let first = setup.query("alias.example.test.", RType::A);
    assert_eq!(first.rcode(), Rcode::NOERROR);
    assert!(first.header.ra && !first.header.aa);
    assert_eq!(first.answers.len(), 2, "{first:?}");
    assert_eq!(first.answers[0].rtype(), RType::CNAME);
    assert_eq!(first.answers[1].data, RData::A([192, 0, 2, 80].into()));
    let sent = setup.upstream();
    assert!(
        sent >= 3,
        "root, test. and example.test. were asked: {sent}"
    );

    std::thread::sleep(Duration::from_millis(2100));
    let again = setup.query("alias.example.test.", RType::A);
    assert_eq!(addresses(&again)[1], "192.0.2.80");
    assert_eq!(
        setup.upstream(),
        sent,
        "a repeat is answered without upstream traffic"
    );
    assert!(
        again.answers.iter().all(|r| r.ttl <= 298 && r.ttl >= 290),
        "TTLs count down: {:?}",
        again.answers.iter().map(|r| r.ttl).collect::<Vec<_>>()
    );
    // A new name in a known zone starts at that zone's server: one query.
    let www = setup.query("www.example.test.", RType::A);
    assert_eq!(addresses(&www), vec!["192.0.2.80"]);
    assert!(setup.upstream() <= sent + 1);
}

#[test]
fn negative_answers_are_cached_for_the_soa_minimum() {
    let setup = Setup::start("resolver-negative", &[]);
    let nx = setup.query("nope.example.test.", RType::A);
    assert_eq!(nx.rcode(), Rcode::NXDOMAIN);
    assert_eq!(nx.authority.first().map(|r| r.rtype()), Some(RType::SOA));
    assert!(nx.authority[0].ttl <= 2, "negative TTL is the SOA minimum");
    let nodata = setup.query("www.example.test.", RType::AAAA);
    assert_eq!(nodata.rcode(), Rcode::NOERROR);
    assert!(nodata.answers.is_empty());
    let sent = setup.upstream();
    assert_eq!(
        setup.query("nope.example.test.", RType::A).rcode(),
        Rcode::NXDOMAIN
    );
    assert_eq!(
        setup.query("nope.example.test.", RType::TXT).rcode(),
        Rcode::NXDOMAIN
    );
    assert!(setup
        .query("www.example.test.", RType::AAAA)
        .answers
        .is_empty());
    assert_eq!(
        setup.upstream(),
        sent,
        "negative answers come from the cache"
    );
    std::thread::sleep(Duration::from_millis(2600));
    assert_eq!(
        setup.query("nope.example.test.", RType::A).rcode(),
        Rcode::NXDOMAIN
    );
    assert!(
        setup.upstream() > sent,
        "after the SOA minimum the name is asked again"
    );
}

#[test]
fn truncates_over_udp_answers_over_tcp_and_retries_upstream_over_tcp() {
    let setup = Setup::start("resolver-tcp", &[]);
    let udp = setup.query("big.example.test.", RType::TXT);
    assert!(udp.header.tc, "over 512 octets without EDNS: truncated");
    let mut stream = TcpStream::connect(setup.resolver.address).expect("tcp");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    for id in [1u16, 2] {
        let query = message("big.example.test.", RType::TXT, id);
        let mut framed = (query.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&query);
        stream.write_all(&framed).expect("write");
        let mut length = [0u8; 2];
        stream.read_exact(&mut length).expect("length");
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
        stream.read_exact(&mut body).expect("body");
        let answer = Message::parse(&body).expect("valid");
        assert_eq!(answer.header.id, id);
        assert!(!answer.header.tc);
        assert_eq!(answer.answers.len(), 12, "all TXT records over TCP");
    }
}

#[test]
fn refuses_clients_outside_the_allowed_networks() {
    let setup = Setup::start("resolver-acl", &["--allow", "127.0.0.2/32"]);
    let refused = query_udp(
        setup.resolver.address,
        loopback(1),
        "www.example.test.",
        RType::A,
    )
    .expect("an answer");
    assert_eq!(refused.rcode(), Rcode::REFUSED);
    assert!(refused.answers.is_empty());
    let allowed = query_udp(
        setup.resolver.address,
        loopback(2),
        "www.example.test.",
        RType::A,
    )
    .expect("an answer");
    assert_eq!(allowed.rcode(), Rcode::NOERROR);
    assert_eq!(addresses(&allowed), vec!["192.0.2.80"]);
    // The rendered-answer fast path must not bypass the access list.
    let again = query_udp(
        setup.resolver.address,
        loopback(1),
        "www.example.test.",
        RType::A,
    )
    .expect("an answer");
    assert_eq!(again.rcode(), Rcode::REFUSED);
}

#[test]
fn a_zone_whose_only_server_is_dead_is_servfail_and_the_resolver_carries_on() {
    let setup = Setup::start("resolver-dead", &[]);
    let started = Instant::now();
    let answer = setup.query("www.dead.test.", RType::A);
    assert_eq!(answer.rcode(), Rcode::SERVFAIL);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "ICMP unreachable fails fast"
    );
    assert_eq!(
        setup.query("nowhere.test.", RType::A).rcode(),
        Rcode::NXDOMAIN
    );
    assert_eq!(
        addresses(&setup.query("www.example.test.", RType::A)),
        vec!["192.0.2.80"]
    );
}

#[test]
fn with_ecs_the_client_subnet_reaches_a_steering_server_and_answers_are_cached_per_scope() {
    // Clients in 127.0.0.0/24 are placed in Frankfurt, clients in 127.0.1.0/24 in Tokyo.
    const CONFIG: &str = "[geoip]\nnetworks = [\n\
        { prefix = \"127.0.0.0/24\", location = \"FRA\" },\n\
        { prefix = \"127.0.1.0/24\", location = \"NRT\" },\n]\n\n\
        [[target]]\nid = \"fra\"\nlocation = \"FRA\"\naddresses = [\"192.0.2.10\"]\n\n\
        [[target]]\nid = \"nrt\"\nlocation = \"NRT\"\naddresses = [\"192.0.2.14\"]\n\n\
        [[steer]]\nname = \"geo.example.test.\"\ntargets = [\"fra\", \"nrt\"]\n\
        policy = [\"nearest\"]\nfirst = 1\n\n\
        [[zone]]\norigin = \"example.test.\"\nfile = \"example.test.zone\"\n";
    let setup = Setup::start_with("resolver-ecs", &["--ecs"], Some(CONFIG));
    let frankfurt = IpAddr::from([127, 0, 0, 1]);
    let tokyo = IpAddr::from([127, 0, 1, 7]);
    let ask = |from| {
        query_udp(setup.resolver.address, from, "geo.example.test.", RType::A).expect("an answer")
    };
    assert_eq!(addresses(&ask(frankfurt)), vec!["192.0.2.10"]);
    assert_eq!(addresses(&ask(tokyo)), vec!["192.0.2.14"]);
    let sent = setup.upstream();
    // Each subnet is now answered from its own cache entry.
    assert_eq!(addresses(&ask(tokyo)), vec!["192.0.2.14"]);
    assert_eq!(addresses(&ask(frankfurt)), vec!["192.0.2.10"]);
    assert_eq!(setup.upstream(), sent, "per-scope cache hits");
    // A third subnet in the same scope as neither is asked again.
    let elsewhere = IpAddr::from([127, 0, 2, 9]);
    let _ = ask(elsewhere);
    assert!(
        setup.upstream() > sent,
        "a new subnet is a new question upstream"
    );
}
