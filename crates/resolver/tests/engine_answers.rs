//! What goes back to clients, over the simulated network (`sim/world.rs` draws the world): only data
//! of authoritative rank (RFC 2181 §5.4.1), negative answers with the negative TTL (RFC 2308 §5), the
//! real ECS scope of cached answers (RFC 7871 §7.3), and stale data when resolution fails or is slow
//! (RFC 8767).

mod sim;

use globe_dns::{Class, ClientSubnet, Name, RData, RType, Rcode, Record};
use globe_resolver::cache::{CacheConfig, Lookup, Rank};
use globe_resolver::engine::{ResolverConfig, ANSWER_RANK};
use sim::world::world;
use sim::{Behaviour, Sim};
use std::net::IpAddr;
use std::time::Duration;

fn name(text: &str) -> Name {
    text.parse().expect("name")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

fn addresses(records: &[Record]) -> Vec<IpAddr> {
    records
        .iter()
        .filter_map(|record| match record.data {
            RData::A(address) => Some(IpAddr::V4(address)),
            _ => None,
        })
        .collect()
}

fn set_behaviour(sim: &mut Sim, servers: &[&str], behaviour: Behaviour) {
    for server in servers {
        sim.servers.get_mut(&ip(server)).expect("server").behaviour = behaviour;
    }
}

fn serve_stale() -> ResolverConfig {
    ResolverConfig {
        cache: CacheConfig {
            serve_stale: true,
            ..CacheConfig::default()
        },
        ..ResolverConfig::default()
    }
}

#[test]
fn glue_never_answers_a_client() {
    let mut sim = world(ResolverConfig::default(), 30);
    sim.resolve("www.example.com.", RType::A);
    // The com referral left ns1.example.com's glue in the cache: com's TTL, rank Additional.
    let now = sim.now;
    let Lookup::Hit(glue) =
        sim.resolver
            .cache_mut()
            .lookup(&name("ns1.example.com."), RType::A, Class::IN, None, now)
    else {
        panic!("the glue is cached");
    };
    assert_eq!(glue.rank, Rank::Additional);
    assert!(glue.records[0].ttl > 300, "com's TTL, 3600, counted down");
    // A client asking for that name gets example.com's own answer, with its TTL.
    let before = sim.log.len();
    let answer = sim.resolve("ns1.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert!(!answer.from_cache);
    assert_eq!(addresses(&answer.answers), vec![ip("10.3.0.1")]);
    assert_eq!(answer.answers[0].ttl, 300, "the authoritative TTL");
    let asked = &sim.log[before..];
    assert_eq!(asked.len(), 1);
    assert!(asked[0].to == ip("10.3.0.1") || asked[0].to == ip("10.3.0.2"));
    assert_eq!(asked[0].name, name("ns1.example.com."));
    // That answer replaced the glue and now answers from the cache.
    let again = sim.resolve("ns1.example.com.", RType::A);
    assert!(again.from_cache);
    assert_eq!(again.answers[0].ttl, 300);
    // Nor does the referral's NS set answer a question for it.
    let before = sim.log.len();
    let answer = sim.resolve("example.com.", RType::NS);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert!(!answer.from_cache);
    assert_eq!(answer.answers.len(), 2);
    assert!(answer.answers.iter().all(|record| record.ttl == 300));
    let asked = &sim.log[before..];
    assert_eq!(asked.len(), 1);
    assert!(asked[0].to == ip("10.3.0.1") || asked[0].to == ip("10.3.0.2"));
}

#[test]
fn negative_answers_carry_the_negative_ttl_fresh_and_cached() {
    let mut sim = world(ResolverConfig::default(), 31);
    // com's SOA has TTL 3600 and MINIMUM 300: negative answers live 300 s (RFC 2308 §5), and that is
    // the SOA's TTL in the answer, fresh or cached (counted down).
    let answer = sim.resolve("nothing.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NXDOMAIN);
    assert!(!answer.from_cache);
    assert_eq!(answer.authority.len(), 1);
    assert_eq!(answer.authority[0].rtype(), RType::SOA);
    assert_eq!(answer.authority[0].ttl, 300);
    sim.advance(Duration::from_secs(100));
    let cached = sim.resolve("nothing.com.", RType::A);
    assert!(cached.from_cache);
    assert_eq!(cached.rcode, Rcode::NXDOMAIN);
    assert_eq!(cached.authority[0].ttl, 200);
    assert_eq!(cached.authority[0].data, answer.authority[0].data);
    // NXDOMAIN for a minimised ancestor (RFC 8020), and NODATA, the same way.
    let answer = sim.resolve("a.gone.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NXDOMAIN);
    assert_eq!(answer.authority[0].ttl, 300);
    let answer = sim.resolve("ns1.nic.com.", RType::AAAA);
    assert_eq!((answer.rcode, answer.answers.len()), (Rcode::NOERROR, 0));
    assert_eq!(answer.authority[0].ttl, 300);
    // Capped by max_negative_ttl.
    let config = ResolverConfig {
        cache: CacheConfig {
            max_negative_ttl: 60,
            ..CacheConfig::default()
        },
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 31);
    let answer = sim.resolve("nothing.com.", RType::A);
    assert_eq!(answer.authority[0].ttl, 60);
    sim.advance(Duration::from_secs(10));
    assert_eq!(sim.resolve("nothing.com.", RType::A).authority[0].ttl, 50);
}

#[test]
fn cached_answers_report_the_scope_of_their_entry() {
    let config = ResolverConfig {
        send_client_subnet: true,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 32);
    let client = ClientSubnet::new(ip("198.51.100.77"), 32);
    let fresh = sim.resolve_from("www.ecs.com.", RType::A, Some(client));
    let scope = fresh.scope.expect("a scope");
    assert_eq!(
        (scope.address, scope.source_prefix, scope.scope_prefix),
        (ip("198.51.100.0"), 24, 24)
    );
    let neighbour = ClientSubnet::new(ip("198.51.100.200"), 32);
    let cached = sim.resolve_from("www.ecs.com.", RType::A, Some(neighbour));
    assert!(cached.from_cache);
    assert_eq!(cached.scope, fresh.scope);
    // An answer the authority gave for everyone (no ECS in its response) is cached for everyone, and
    // a cache hit says so rather than claiming the client's /24.
    let fresh = sim.resolve_from("www.example.com.", RType::A, Some(client));
    assert_eq!(fresh.scope, None);
    let cached = sim.resolve_from("www.example.com.", RType::A, Some(neighbour));
    assert!(cached.from_cache);
    assert_eq!(cached.scope, None);
}

#[test]
fn dead_servers_give_a_stale_answer_at_the_client_timer() {
    let mut sim = world(serve_stale(), 33);
    let fresh = sim.resolve("www.example.com.", RType::A);
    assert_eq!(fresh.answers[0].ttl, 300);
    // Past the data's TTL, and the servers' RTT entries (900 s): two unknown servers take
    // 2 x (376 + 752) ms to give up on, longer than the client timer.
    sim.advance(Duration::from_secs(1000));
    set_behaviour(&mut sim, &["10.3.0.1", "10.3.0.2"], Behaviour::Blackhole);
    let asked_at = sim.elapsed();
    let id = sim.start_request("www.example.com.", RType::A, None);
    sim.run();
    let answer = sim.take_answer(id).expect("an answer");
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    assert_eq!(answer.answers[0].ttl, 30, "RFC 8767 §4: the stale TTL");
    // RFC 8767 §5: the client response timer answered, not the end of the resolution.
    let waited = sim.answered_after(id).expect("answered") - asked_at;
    assert_eq!(waited, Duration::from_millis(1800));
    assert_eq!(sim.resolver.stats().stale_answers, 1);
    // The resolution went on in the background, and ended.
    assert!(sim.elapsed() - asked_at > Duration::from_millis(1800));
    assert_eq!(sim.resolver.resolutions_in_progress(), 0);
    assert_eq!(sim.resolver.poll_timeout(), None);

    // Without serve-stale: SERVFAIL.
    let mut sim = world(ResolverConfig::default(), 33);
    sim.resolve("www.example.com.", RType::A);
    sim.advance(Duration::from_secs(400));
    set_behaviour(&mut sim, &["10.3.0.1", "10.3.0.2"], Behaviour::Blackhole);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    assert_eq!(sim.resolver.stats().stale_answers, 0);
}

#[test]
fn failed_resolution_gives_a_stale_answer_at_once() {
    let mut sim = world(serve_stale(), 34);
    sim.resolve("www.example.com.", RType::A);
    sim.advance(Duration::from_secs(400));
    // The servers now refuse (lame): the resolution fails well before the client timer.
    set_behaviour(&mut sim, &["10.3.0.1", "10.3.0.2"], Behaviour::Refused);
    let asked_at = sim.elapsed();
    let id = sim.start_request("www.example.com.", RType::A, None);
    sim.run();
    let answer = sim.take_answer(id).expect("an answer");
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(answer.answers[0].ttl, 30);
    let waited = sim.answered_after(id).expect("answered") - asked_at;
    assert!(waited < Duration::from_millis(1800), "{waited:?}");
    // A name never cached has nothing stale: SERVFAIL.
    let answer = sim.resolve("mail.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
}

#[test]
fn slow_servers_give_a_stale_answer_and_the_cache_is_refreshed() {
    let config = ResolverConfig {
        // Patient enough for a 2 s round trip.
        initial_rto: Duration::from_secs(3),
        ..serve_stale()
    };
    let mut sim = world(config, 35);
    sim.resolve("www.example.com.", RType::A);
    // Past the data's TTL, and the servers' RTT entries (900 s) so they count as unknown again.
    sim.advance(Duration::from_secs(1000));
    for server in ["10.3.0.1", "10.3.0.2"] {
        sim.servers.get_mut(&ip(server)).expect("server").latency = Duration::from_secs(1);
    }
    let start = sim.elapsed();
    let first = sim.start_request("www.example.com.", RType::A, None);
    sim.run_until(start + Duration::from_millis(1900));
    let answer = sim.take_answer(first).expect("a stale answer by now");
    assert_eq!(answer.answers[0].ttl, 30);
    // A request joining the refresh gets the stale answer at once.
    let second = sim.start_request("www.example.com.", RType::A, None);
    let answer = sim.take_answer(second).expect("answered at once");
    assert_eq!(answer.answers[0].ttl, 30);
    assert_eq!(sim.resolver.stats().coalesced, 1);
    assert_eq!(sim.resolver.stats().stale_answers, 2);
    // The answer arrives at 2 s and refreshes the cache.
    sim.run();
    let now = sim.now;
    let refreshed = sim.resolver.cache_mut().lookup_ranked(
        &name("www.example.com."),
        RType::A,
        Class::IN,
        None,
        ANSWER_RANK,
        now,
    );
    assert!(matches!(refreshed, Lookup::Hit(hit) if hit.records[0].ttl == 300));
    let again = sim.resolve("www.example.com.", RType::A);
    assert!(again.from_cache);
    assert_eq!(again.answers[0].ttl, 300);
}
