//! Black-box tests of `globe auth` over real sockets: the malformed-packet corpus, TCP pipelining and
//! idle timeout, reload without dropping a query (and keeping the old zone when the new one is broken),
//! rate limiting, metrics, NSID and CHAOS identity, IPv6, and `dig` as an independent client.

use globe_dns::{Class, Edns, EdnsOption, Header, Message, Name, Question, RData, RType, Rcode};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `globe auth`, killed (by its PID) when dropped, even if the test fails.
struct Server {
    child: Child,
    port: u16,
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
    // Bind UDP and TCP on the same port to be sure both are free.
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

const ZONE: &str = "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster SERIAL 3600 600 86400 60\n\
@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\nbig TXT \"a\" \"b\"\n";

fn zone_text(serial: u32) -> String {
    ZONE.replace("SERIAL", &serial.to_string())
}

impl Server {
    fn start(name: &str, extra: &[&str]) -> Server {
        let dir =
            std::env::temp_dir().join(format!("globe-auth-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("example.test.zone"), zone_text(1)).expect("zone");
        let port = free_port();
        let mut args: Vec<String> = vec![
            "auth".into(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--zone".into(),
            dir.join("example.test.zone").display().to_string(),
            "--control".into(),
            dir.join("control.sock").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.replace("{port}", &port.to_string())));
        let child = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start globe");
        let server = Server { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if server
                .query_udp(&query("example.test.", RType::SOA, 1))
                .is_some()
            {
                return server;
            }
        }
        panic!("globe auth did not start");
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn query_udp(&self, bytes: &[u8]) -> Option<Message> {
        let raw = self.query_udp_raw(bytes)?;
        Some(Message::parse(&raw).expect("server sent a malformed response"))
    }

    fn query_udp_raw(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        socket.send_to(bytes, self.address()).expect("send");
        let mut buf = [0u8; 65_535];
        socket.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
    }

    fn control(&self, command: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", command, "--control"])
            .arg(self.dir.join("control.sock"))
            .output()
            .expect("run globe auth");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn zone_path(&self) -> PathBuf {
        self.dir.join("example.test.zone")
    }
}

fn query(name: &str, qtype: RType, id: u16) -> Vec<u8> {
    query_with(name, qtype, id, None)
}

fn query_with(name: &str, qtype: RType, id: u16, edns: Option<Edns>) -> Vec<u8> {
    let message = Message {
        header: Header {
            id,
            ..Header::default()
        },
        questions: vec![Question {
            name: name.parse().expect("name"),
            qtype,
            qclass: Class::IN,
        }],
        edns,
        ..Message::default()
    };
    message.to_wire()
}

fn soa_serial(message: &Message) -> Option<u32> {
    message.answers.iter().find_map(|r| match &r.data {
        RData::Soa(soa) => Some(soa.serial),
        _ => None,
    })
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("read corpus file");
    let mut bytes = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for token in line.split_whitespace() {
            bytes.push(u8::from_str_radix(token, 16).expect("hex byte"));
        }
    }
    bytes
}

#[test]
fn malformed_corpus_gets_formerr_or_silence_and_the_server_keeps_answering() {
    let server = Server::start("malformed", &["--no-rrl"]);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "corpus too small: {}", files.len());
    let mut formerr = 0;
    for file in &files {
        let bytes = read_hex(file);
        // UDP: FORMERR or nothing, never anything else.
        if let Some(raw) = server.query_udp_raw(&bytes) {
            let header = Header::parse(&raw).expect("response has a header");
            assert!(header.qr, "{}: not a response", file.display());
            assert_eq!(
                header.rcode,
                Rcode::FORMERR.header_bits(),
                "{}: expected FORMERR",
                file.display()
            );
            formerr += 1;
        }
        // TCP: the same, framed.
        let mut stream = TcpStream::connect(server.address()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&bytes);
        stream.write_all(&framed).expect("write");
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_ok() {
            let mut response = vec![0u8; u16::from_be_bytes(len) as usize];
            stream.read_exact(&mut response).expect("response body");
            assert_eq!(
                Header::parse(&response).expect("header").rcode,
                Rcode::FORMERR.header_bits()
            );
        }
        // Still alive.
        let answer = server
            .query_udp(&query("www.example.test.", RType::A, 7))
            .expect("still answering");
        assert_eq!(answer.answers.len(), 1, "after {}", file.display());
    }
    assert!(
        formerr * 2 >= files.len(),
        "most malformed queries with a header should get FORMERR ({formerr})"
    );
}

#[test]
fn tcp_answers_several_pipelined_queries_in_order_and_closes_idle_connections() {
    let server = Server::start("tcp", &["--no-rrl"]);
    let mut stream = TcpStream::connect(server.address()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(40)))
        .expect("timeout");
    let mut batch = Vec::new();
    for id in 1..=5u16 {
        let q = query("www.example.test.", RType::A, id);
        batch.extend_from_slice(&(q.len() as u16).to_be_bytes());
        batch.extend_from_slice(&q);
    }
    stream.write_all(&batch).expect("write");
    for id in 1..=5u16 {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).expect("length");
        let mut response = vec![0u8; u16::from_be_bytes(len) as usize];
        stream.read_exact(&mut response).expect("body");
        let message = Message::parse(&response).expect("valid");
        assert_eq!(message.header.id, id);
        assert!(message.header.aa);
        assert_eq!(
            message.answers[0].data,
            RData::A("192.0.2.80".parse().expect("ip"))
        );
    }
    // Idle: the server closes after its idle timeout (10 s by default).
    let started = Instant::now();
    let mut byte = [0u8; 1];
    let read = stream.read(&mut byte);
    assert!(matches!(read, Ok(0)), "expected EOF, got {read:?}");
    assert!(started.elapsed() < Duration::from_secs(35));
}

#[test]
fn reload_swaps_zones_without_dropping_queries_and_keeps_the_old_zone_on_error() {
    let server = Server::start("reload", &["--no-rrl"]);
    let address = server.address();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    // A client that queries continuously during the reloads and counts unanswered queries.
    let client = std::thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_secs(1)))
            .expect("timeout");
        let (mut sent, mut lost) = (0u32, 0u32);
        let mut buf = [0u8; 4096];
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            sent += 1;
            socket
                .send_to(&query("www.example.test.", RType::A, sent as u16), address)
                .expect("send");
            if socket.recv(&mut buf).is_err() {
                lost += 1;
            }
        }
        (sent, lost)
    });
    for serial in 2..=6u32 {
        std::fs::write(server.zone_path(), zone_text(serial)).expect("write zone");
        let reply = server.control("reload");
        assert!(reply.starts_with("ok"), "{reply}");
        let answer = server
            .query_udp(&query("example.test.", RType::SOA, 99))
            .expect("answer");
        assert_eq!(soa_serial(&answer), Some(serial));
    }
    // A broken zone: the error names file:line, and serial 6 stays served.
    std::fs::write(
        server.zone_path(),
        zone_text(7).replace("www A 192.0.2.80", "www A 192.0.2.800"),
    )
    .expect("write");
    let reply = server.control("reload");
    assert!(reply.starts_with("error"), "{reply}");
    assert!(reply.contains("example.test.zone:6:"), "{reply}");
    let answer = server
        .query_udp(&query("example.test.", RType::SOA, 100))
        .expect("answer");
    assert_eq!(soa_serial(&answer), Some(6));
    // SIGHUP reloads too.
    std::fs::write(server.zone_path(), zone_text(8)).expect("write zone");
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = server
            .query_udp(&query("example.test.", RType::SOA, 101))
            .expect("answer");
        if soa_serial(&answer) == Some(8) {
            break;
        }
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (sent, lost) = client.join().expect("client");
    assert!(sent > 50, "client sent only {sent}");
    assert_eq!(
        lost, 0,
        "{lost} of {sent} queries went unanswered during reloads"
    );
    let status = server.control("status");
    assert!(status.contains("zone example.test. serial 8"), "{status}");
}

#[test]
fn rate_limiting_drops_and_slips_floods_but_not_normal_traffic() {
    let server = Server::start("rrl", &["--rrl-rate", "20", "--metrics", "127.0.0.1:0"]);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    // A normal resolver's rate (a few queries) is never limited.
    for id in 0..5u16 {
        socket
            .send_to(&query("www.example.test.", RType::A, id), server.address())
            .expect("send");
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).expect("answered");
        assert!(!Header::parse(&buf[..n]).expect("header").tc);
    }
    // A flood from one address: 300 queries in well under a second.
    for id in 0..300u16 {
        socket
            .send_to(
                &query("www.example.test.", RType::A, 1000 + id),
                server.address(),
            )
            .expect("send");
    }
    let (mut full, mut truncated) = (0, 0);
    let mut buf = [0u8; 512];
    while let Ok(n) = socket.recv(&mut buf) {
        let header = Header::parse(&buf[..n]).expect("header");
        if header.tc {
            truncated += 1;
            let message = Message::parse(&buf[..n]).expect("valid slip");
            assert!(message.answers.is_empty());
        } else {
            full += 1;
        }
    }
    // Knot/NSD-style: about the rate per second in full, every second limited one slipped.
    assert!(full <= 60, "{full} full answers passed a limit of 20/s");
    assert!(truncated >= 50, "only {truncated} slipped responses");
    assert!(full + truncated < 300, "nothing was dropped");
}

#[test]
fn metrics_count_queries_by_protocol_type_and_rcode() {
    let port = free_port();
    let server = Server::start(
        "metrics",
        &["--no-rrl", "--metrics", &format!("127.0.0.1:{port}")],
    );
    for id in 0..3u16 {
        server
            .query_udp(&query("www.example.test.", RType::A, id))
            .expect("answer");
    }
    server
        .query_udp(&query("nope.example.test.", RType::AAAA, 9))
        .expect("answer");
    server
        .query_udp(&query("example.org.", RType::A, 10))
        .expect("answer");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("read");
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    for needle in [
        "globe_auth_queries_total{protocol=\"udp\",qtype=\"A\",rcode=\"NOERROR\"} ",
        "globe_auth_queries_total{protocol=\"udp\",qtype=\"AAAA\",rcode=\"NXDOMAIN\"} 1",
        "globe_auth_queries_total{protocol=\"udp\",qtype=\"A\",rcode=\"REFUSED\"} 1",
        "globe_auth_zone_serial{zone=\"example.test.\"} 1",
        "globe_auth_rrl_dropped_total 0",
        "globe_auth_responses_truncated_total 0",
    ] {
        assert!(body.contains(needle), "missing {needle} in\n{body}");
    }
}

#[test]
fn nsid_chaos_identity_badvers_and_notimp() {
    let server = Server::start("nsid", &["--no-rrl", "--nsid", "fra1.pop"]);
    let edns = Edns {
        options: vec![EdnsOption::Nsid(Vec::new())],
        ..Edns::default()
    };
    let answer = server
        .query_udp(&query_with("www.example.test.", RType::A, 1, Some(edns)))
        .expect("answer");
    let options = answer.edns.expect("OPT in response").options;
    assert_eq!(options, vec![EdnsOption::Nsid(b"fra1.pop".to_vec())]);

    let mut chaos = Message::parse(&query("id.server.", RType::TXT, 2)).expect("valid");
    chaos.questions[0].qclass = Class::CH;
    let answer = server.query_udp(&chaos.to_wire()).expect("answer");
    assert_eq!(
        answer.answers[0].data,
        RData::Txt(vec![b"fra1.pop".to_vec()])
    );
    assert_eq!(answer.answers[0].class, Class::CH);

    let edns = Edns {
        version: 1,
        ..Edns::default()
    };
    let answer = server
        .query_udp(&query_with("www.example.test.", RType::A, 3, Some(edns)))
        .expect("answer");
    assert_eq!(answer.rcode(), Rcode::BADVERS);

    let mut update = Message::parse(&query("example.test.", RType::SOA, 4)).expect("valid");
    update.header.opcode = 5;
    let answer = server.query_udp(&update.to_wire()).expect("answer");
    assert_eq!(answer.rcode(), Rcode::NOTIMP);
}

#[test]
fn serves_ipv6_and_dig_agrees() {
    let port = free_port();
    let server = Server::start("v6", &["--no-rrl", "--listen", &format!("[::1]:{port}")]);
    let _ = &server;
    let output = Command::new("dig")
        .args([
            "@::1",
            "-p",
            &port.to_string(),
            "+norecurse",
            "+nsid",
            "www.example.test",
            "A",
        ])
        .output()
        .expect("dig is installed (scripts/test-all.sh installs bind9-dnsutils)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("status: NOERROR"), "{text}");
    assert!(text.contains("flags: qr aa;"), "{text}");
    assert!(
        text.contains("www.example.test.\t300\tIN\tA\t192.0.2.80"),
        "{text}"
    );
    let name: Name = "www.example.test.".parse().expect("name");
    assert_eq!(name.label_count(), 3);
}

#[test]
fn truncates_over_udp_and_answers_in_full_over_tcp() {
    let dir = std::env::temp_dir().join(format!("globe-auth-test-bigzone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut zone = zone_text(1);
    for i in 0..60 {
        zone.push_str(&format!("many A 198.51.100.{i}\n"));
    }
    let path = dir.join("big.zone");
    std::fs::write(&path, zone).expect("zone");
    let server = Server::start(
        "tc",
        &[
            "--no-rrl",
            "--zone",
            &format!("example.test.={}", path.display()),
        ],
    );
    let answer = server
        .query_udp(&query("many.example.test.", RType::A, 1))
        .expect("answer");
    assert!(answer.header.tc, "60 A records do not fit in 512 octets");
    let output = Command::new("kdig")
        .args([
            "@127.0.0.1",
            "-p",
            &server.port.to_string(),
            "+tcp",
            "many.example.test",
            "A",
        ])
        .output()
        .expect("kdig is installed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("\tA\t198.51.100.").count(), 60, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
