//! Fuzzes the resolver with hostile authoritative servers: every query the engine sends is answered with
//! the fuzz input (its ID patched to match, so the bytes reach the classifier and the cache), for a few
//! rounds and timeouts. The engine must never panic and must finish every resolution. The same bytes
//! also go through the stub-facing decoder and the rendered-answer cache's walkers.
#![no_main]

use globe_dns::{Class, Name, Question, RType};
use globe_resolver::answer_cache::{shape, ttl_offsets};
use globe_resolver::engine::{Request, Resolver, ResolverConfig};
use globe_resolver::hints::RootHints;
use globe_resolver::stub::{decide, AccessList};
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Queries answered with the input per run (the engine's own limits end a resolution sooner).
const ROUNDS: usize = 24;

fuzz_target!(|data: &[u8]| {
    let _ = decide(data, IpAddr::from([127, 0, 0, 1]), &AccessList::loopback());
    let _ = shape(data);
    let _ = ttl_offsets(data);

    let Ok(root_server) = Name::parse("a.root.test.", None) else {
        return;
    };
    let hints = RootHints::from_servers(vec![(root_server, IpAddr::from([127, 0, 0, 11]))]);
    let mut resolver = Resolver::new(
        ResolverConfig::default(),
        hints,
        rand::rngs::StdRng::seed_from_u64(7),
    );
    let Ok(name) = Name::parse("www.example.com.", None) else {
        return;
    };
    let start = Instant::now();
    let mut now = start;
    resolver.resolve(
        Request {
            question: Question {
                name,
                qtype: RType::A,
                qclass: Class::IN,
            },
            client_subnet: None,
        },
        now,
    );
    for _ in 0..ROUNDS {
        let Some(transmit) = resolver.poll_transmit() else {
            match resolver.poll_timeout() {
                Some(deadline) => {
                    now = deadline.max(now);
                    resolver.handle_timeout(now);
                    continue;
                }
                None => break,
            }
        };
        let mut response = data.to_vec();
        if response.len() >= 2 && transmit.payload.len() >= 2 {
            response[..2].copy_from_slice(&transmit.payload[..2]);
        }
        now += Duration::from_millis(5);
        resolver.handle_response(transmit.id, transmit.to, &response, now);
    }
    // Whatever happened, time running out must end the resolution.
    now = start + Duration::from_secs(60);
    resolver.handle_timeout(now);
    while resolver.poll_transmit().is_some() {}
    resolver.handle_timeout(now + Duration::from_secs(60));
    let _ = resolver.poll_answer();
});
