//! Which servers the engine asks, over the simulated network (`sim/world.rs` draws the world): lame
//! servers as a last resort, a dead cached zone cut asked of its parent again, root priming
//! (RFC 8109), and ten thousand resolutions at once.

mod sim;

use globe_dns::{Class, Name, RData, RType, Rcode, Record};
use globe_resolver::cache::{Lookup, Rank};
use globe_resolver::engine::{ResolverConfig, ANSWER_RANK, PRIMING_RETRY};
use sim::world::world;
use sim::{Behaviour, Sim};
use std::net::IpAddr;
use std::time::{Duration, Instant};

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

fn records(text: &str) -> Vec<Record> {
    globe_dns::zonefile::parse_str(text, Some(Name::root()), "test").expect("records")
}

fn set_behaviour(sim: &mut Sim, servers: &[&str], behaviour: Behaviour) {
    for server in servers {
        sim.servers.get_mut(&ip(server)).expect("server").behaviour = behaviour;
    }
}

fn priming_queries(sim: &Sim) -> usize {
    sim.log
        .iter()
        .filter(|s| s.name.is_root() && s.qtype == RType::NS)
        .count()
}

#[test]
fn lame_marked_servers_are_tried_as_a_last_resort() {
    let mut sim = world(ResolverConfig::default(), 40);
    set_behaviour(&mut sim, &["10.5.0.1", "10.5.0.2"], Behaviour::Refused);
    let answer = sim.resolve("www.lame.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    assert_eq!(sim.sent_to("10.5.0.1", 0).len(), 1);
    assert_eq!(sim.sent_to("10.5.0.2", 0).len(), 1);
    // Both are marked lame for lame.com for 15 minutes; meanwhile the zone is fixed. Without a last
    // resort the resolver would answer SERVFAIL without asking anyone until the marks expire.
    set_behaviour(&mut sim, &["10.5.0.2"], Behaviour::Normal);
    let now = sim.now;
    assert!(sim
        .resolver
        .infra()
        .is_lame(ip("10.5.0.2"), &name("lame.com."), now));
    let before = sim.log.len();
    let answer = sim.resolve("www2.lame.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.71")]);
    assert_eq!(sim.sent_to("10.5.0.2", before).len(), 1);
    assert!(sim.sent_to("10.5.0.1", before).len() <= 1, "once at most");
    // Its proper answer cleared its mark.
    let now = sim.now;
    assert!(!sim
        .resolver
        .infra()
        .is_lame(ip("10.5.0.2"), &name("lame.com."), now));
}

#[test]
fn dead_cached_zone_cut_is_asked_of_the_parent_again() {
    let mut sim = world(ResolverConfig::default(), 41);
    sim.resolve("www.example.com.", RType::A);
    // example.com moves to a new server and the old ones go dark; the cache still has the old
    // delegation (TTL 3600).
    let com = sim.zones.get_mut(&name("com.")).expect("com");
    com.retain(|r| {
        let old_delegation = r.name == name("example.com.") && r.rtype() == RType::NS;
        let old_glue = r.name == name("ns1.example.com.") || r.name == name("ns2.example.com.");
        !old_delegation && !old_glue
    });
    com.extend(records(
        "example.com. 3600 NS ns3.example.com.\nns3.example.com. 3600 A 10.3.0.3\n",
    ));
    sim.server("10.3.0.3", &["example.com."]);
    set_behaviour(&mut sim, &["10.3.0.1", "10.3.0.2"], Behaviour::Blackhole);
    let before = sim.log.len();
    let answer = sim.resolve("mail.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.25")]);
    // Each old server was tried twice, then com gave the new delegation, then the new server answered.
    assert_eq!(sim.sent_to("10.3.0.1", before).len(), 2);
    assert_eq!(sim.sent_to("10.3.0.2", before).len(), 2);
    let to_com = sim.sent_to("10.1.0.1", before);
    assert_eq!(to_com.len(), 1);
    assert_eq!(to_com[0].name, name("example.com."));
    assert_eq!(sim.sent_to("10.3.0.3", before).len(), 1);
    assert_eq!(sim.resolver.stats().cut_fallbacks, 1);
    // The new delegation replaced the old one in the cache.
    let again = sim.log.len();
    let answer = sim.resolve("nothing.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NXDOMAIN);
    assert_eq!(sim.sent_to("10.3.0.3", again).len(), 1);
    assert_eq!(sim.log.len(), again + 1);
}

#[test]
fn dead_zone_everywhere_is_servfail_without_asking_dead_servers_twice() {
    let mut sim = world(ResolverConfig::default(), 42);
    sim.resolve("www.example.com.", RType::A);
    set_behaviour(&mut sim, &["10.3.0.1", "10.3.0.2"], Behaviour::Blackhole);
    let before = sim.log.len();
    let started = sim.elapsed();
    let answer = sim.resolve("mail.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    // The cached cut failed, com was asked again and gave the same servers: not asked again.
    assert_eq!(sim.sent_to("10.3.0.1", before).len(), 2);
    assert_eq!(sim.sent_to("10.3.0.2", before).len(), 2);
    assert_eq!(sim.sent_to("10.1.0.1", before).len(), 1);
    assert_eq!(sim.log.len(), before + 5);
    assert!(sim.elapsed() - started < Duration::from_secs(10));
    assert_eq!(sim.resolver.resolutions_in_progress(), 0);
    assert_eq!(sim.resolver.poll_timeout(), None);
}

#[test]
fn priming_caches_the_roots_own_ns_set() {
    let mut sim = world(ResolverConfig::default(), 43);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(priming_queries(&sim), 1);
    assert_eq!(sim.resolver.stats().primings, 1);
    let priming = sim
        .log
        .iter()
        .find(|s| s.name.is_root() && s.qtype == RType::NS)
        .expect("priming query");
    assert_eq!(priming.to, ip("10.0.0.1"));
    let now = sim.now;
    let cache = sim.resolver.cache_mut();
    let Lookup::Hit(ns) =
        cache.lookup_ranked(&Name::root(), RType::NS, Class::IN, None, ANSWER_RANK, now)
    else {
        panic!("the root's NS set is cached");
    };
    assert_eq!(ns.rank, Rank::AnswerAuth);
    assert_eq!(ns.records[0].data, RData::Ns(name("a.root-servers.net.")));
    let Lookup::Hit(address) =
        cache.lookup(&name("a.root-servers.net."), RType::A, Class::IN, None, now)
    else {
        panic!("the root server's address is cached");
    };
    // From the additional section: for iteration, not for answers.
    assert_eq!(address.rank, Rank::Additional);
    assert_eq!(addresses(&address.records), vec![ip("10.0.0.1")]);
    // A client asking for the root's NS set gets it from the cache.
    let answer = sim.resolve(".", RType::NS);
    assert!(answer.from_cache);
    // The next resolutions start from the cached root, with no more priming.
    sim.resolve("www.example.net.", RType::A);
    assert_eq!(priming_queries(&sim), 1);
}

#[test]
fn failed_priming_falls_back_to_the_hints() {
    let mut sim = world(ResolverConfig::default(), 44);
    set_behaviour(&mut sim, &["10.0.0.1"], Behaviour::RefusesType(RType::NS));
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(priming_queries(&sim), 1);
    let now = sim.now;
    assert_eq!(
        sim.resolver
            .cache_mut()
            .lookup(&Name::root(), RType::NS, Class::IN, None, now),
        Lookup::Miss
    );
    // The hints stay in use (their server, marked lame by the refusal, as a last resort), and no
    // other priming query goes out for PRIMING_RETRY.
    sim.resolver.cache_mut().clear();
    let answer = sim.resolve("mail.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(priming_queries(&sim), 1);
    sim.advance(PRIMING_RETRY);
    sim.resolver.cache_mut().clear();
    sim.resolve("www.example.com.", RType::A);
    assert_eq!(priming_queries(&sim), 2);
    assert_eq!(sim.resolver.stats().primings, 2);
}

#[test]
fn priming_can_be_turned_off() {
    let config = ResolverConfig {
        priming: false,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 45);
    sim.resolve("www.example.com.", RType::A);
    assert_eq!(priming_queries(&sim), 0);
    assert_eq!(sim.log.len(), 3);
}

#[test]
fn ten_thousand_concurrent_resolutions() {
    const REQUESTS: usize = 10_000;
    let mut sim = world(ResolverConfig::default(), 46);
    // slow.com: one server a blackhole, one good; every name exists through a wildcard.
    sim.zones
        .get_mut(&name("slow.com."))
        .expect("slow.com")
        .extend(records("*.slow.com. 300 A 192.0.2.99\n"));
    sim.resolve("www.example.com.", RType::A);
    let wall = Instant::now();
    let ids: Vec<_> = (0..REQUESTS)
        .map(|i| sim.start_request(&format!("host{i}.slow.com."), RType::A, None))
        .collect();
    assert!(sim.resolver.resolutions_in_progress() >= REQUESTS);
    sim.run_steps(1_000_000);
    let took = wall.elapsed();
    assert_eq!(sim.answers_in(), REQUESTS);
    for id in ids {
        let answer = sim.take_answer(id).expect("an answer");
        assert_eq!(answer.rcode, Rcode::NOERROR);
        assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.99")]);
    }
    // Those sent to the blackhole first timed out and went on to the other server.
    assert!(sim.resolver.stats().timeouts > 0);
    assert_eq!(sim.resolver.resolutions_in_progress(), 0);
    assert_eq!(sim.resolver.poll_timeout(), None);
    // Loosely: timers are a heap. This run takes about 1.3 s in a debug build; scanning every query and
    // resolution on each `poll_timeout`, as before, took about 18 s.
    assert!(took < Duration::from_secs(10), "{took:?}");
    eprintln!(
        "{REQUESTS} resolutions, {} queries, {} timeouts: {took:?}",
        sim.log.len(),
        sim.resolver.stats().timeouts
    );
}
