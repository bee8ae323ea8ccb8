//! Times the pure answer path (no sockets): `cargo run --release -p globe-auth --example answer_speed`.
use globe_auth::{AnswerConfig, Outcome, Responder, Transport, Zone, ZoneSet};
use globe_dns::{Class, Edns, Header, Message, Question, RType};
use std::sync::Arc;

fn main() {
    let text = "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n\
                ns1 A 192.0.2.1\nwww A 192.0.2.80\nwww AAAA 2001:db8::80\nmail A 192.0.2.25\n@ MX 10 mail\n";
    let records = globe_dns::zonefile::parse_str(text, None, "example").expect("zone");
    let mut zones = ZoneSet::new();
    zones.insert(Arc::new(Zone::from_records(None, records).expect("zone")));
    let responder = Responder::new(AnswerConfig::default());
    for (label, name, qtype, edns) in [
        ("A, no EDNS", "www.example.test.", RType::A, false),
        ("A, EDNS", "www.example.test.", RType::A, true),
        ("NXDOMAIN", "nope.example.test.", RType::A, true),
        ("MX + additional", "example.test.", RType::MX, true),
    ] {
        let query = Message {
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
            edns: edns.then(Edns::default),
            ..Message::default()
        }
        .to_wire();
        let mut buffer = Vec::with_capacity(4096);
        let rounds = 2_000_000;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            match responder.respond(&zones, &query, Transport::Udp, std::mem::take(&mut buffer)) {
                Outcome::Respond(bytes, _) => buffer = bytes,
                _ => panic!("no response"),
            }
        }
        let per = started.elapsed().as_nanos() as f64 / rounds as f64;
        println!("{label:<18} {per:>7.0} ns/query");
    }
}
