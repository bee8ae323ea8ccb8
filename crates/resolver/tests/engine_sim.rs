//! The resolution engine over a simulated network (see `sim/mod.rs`; the world is `sim/world.rs`),
//! with a virtual clock.
//!
//! ```text
//!                         . (10.0.0.1)
//!               ┌──────────┴───────────┐
//!         com (10.1.0.1)          net (10.2.0.1)
//!   ┌───────┬────┴───┬──────┬─────┐          │
//! example outside glueless lame  slow...   example.net (10.4.0.1, also serves outside.com)
//! 10.3.0.1/2  NS in   NS in   .1 REFUSED .1 blackhole
//!          example.net dnshost .2 good    .2 good
//! ```

mod sim;

use globe_dns::{ClientSubnet, Name, RData, RType, Rcode, Record};
use globe_resolver::cache::{Lookup, NegativeKind};
use globe_resolver::engine::{Protocol, ResolverConfig};
use sim::world::world;
use sim::{Behaviour, Sent, Sim};
use std::net::IpAddr;
use std::time::Duration;

fn name(text: &str) -> Name {
    text.parse().expect("name")
}

fn a(record: &Record) -> Option<IpAddr> {
    match record.data {
        RData::A(address) => Some(IpAddr::V4(address)),
        _ => None,
    }
}

fn addresses(records: &[Record]) -> Vec<IpAddr> {
    records.iter().filter_map(a).collect()
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

/// Whether a query is the priming query (RFC 8109): `. NS`.
fn is_priming(sent: &Sent) -> bool {
    sent.name.is_root() && sent.qtype == RType::NS
}

/// The queries sent for clients' resolutions: all but the priming query.
fn resolution_queries(sim: &Sim) -> Vec<&Sent> {
    sim.log.iter().filter(|s| !is_priming(s)).collect()
}

#[test]
fn root_to_com_to_example_com_with_minimised_names() {
    let mut sim = world(ResolverConfig::default(), 1);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    assert!(!answer.from_cache);
    // RFC 9156: the root hears only "com.", com only "example.com.", both as type A. Besides, the
    // root got the priming query (RFC 8109), once.
    assert_eq!(sim.log.iter().filter(|s| is_priming(s)).count(), 1);
    let asked: Vec<(IpAddr, String, RType)> = resolution_queries(&sim)
        .iter()
        .map(|s| (s.to, s.name.to_string().to_lowercase(), s.qtype))
        .collect();
    assert_eq!(asked[0], (ip("10.0.0.1"), "com.".to_string(), RType::A));
    assert_eq!(
        asked[1],
        (ip("10.1.0.1"), "example.com.".to_string(), RType::A)
    );
    assert_eq!(asked[2].1, "www.example.com.");
    assert!(asked[2].0 == ip("10.3.0.1") || asked[2].0 == ip("10.3.0.2"));
    assert_eq!(asked.len(), 3);
    assert!(sim
        .log
        .iter()
        .all(|s| s.edns && s.protocol == Protocol::Udp));
}

#[test]
fn without_minimisation_every_server_sees_the_full_name() {
    let config = ResolverConfig {
        qname_minimisation: false,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 1);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    // The priming query aside (it asks for the root's NS set, not for the client's name).
    assert!(resolution_queries(&sim)
        .iter()
        .all(|s| s.name == name("www.example.com.")));
}

#[test]
fn repeated_question_is_answered_from_the_cache_without_traffic() {
    let mut sim = world(ResolverConfig::default(), 2);
    sim.resolve("www.example.com.", RType::A);
    let sent = sim.log.len();
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(sim.log.len(), sent, "no upstream traffic");
    assert!(answer.from_cache);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    assert_eq!(sim.resolver.stats().cache_hits, 1);
    // A name under a known zone starts at that zone's servers.
    let answer = sim.resolve("mail.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.25")]);
    let new = &sim.log[sent..];
    assert_eq!(new.len(), 1);
    assert!(new[0].to == ip("10.3.0.1") || new[0].to == ip("10.3.0.2"));
}

#[test]
fn out_of_bailiwick_name_server_is_resolved_separately() {
    let mut sim = world(ResolverConfig::default(), 3);
    let answer = sim.resolve("www.outside.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.50")]);
    // The sibling "glue" 6.6.6.6 for ns1.example.net from the com servers was not used or cached.
    assert!(sim.log.iter().all(|s| s.to != ip("6.6.6.6")));
    let now = sim.now;
    match sim.resolver.cache_mut().lookup(
        &name("ns1.example.net."),
        RType::A,
        globe_dns::Class::IN,
        None,
        now,
    ) {
        Lookup::Hit(hit) => assert_eq!(addresses(&hit.records), vec![ip("10.4.0.1")]),
        other => panic!("ns1.example.net not resolved: {other:?}"),
    }
}

#[test]
fn glueless_delegation() {
    let mut sim = world(ResolverConfig::default(), 4);
    let answer = sim.resolve("www.glueless.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.60")]);
    assert!(sim.log.iter().any(|s| s.name == name("ns.dnshost.com.")));
}

#[test]
fn cname_across_zones() {
    let mut sim = world(ResolverConfig::default(), 5);
    let answer = sim.resolve("alias.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(answer.answers.len(), 2);
    assert_eq!(
        answer.answers[0].data,
        RData::Cname(name("www.example.net."))
    );
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.80")]);
    // And from the cache, chain included.
    let again = sim.resolve("alias.example.com.", RType::A);
    assert!(again.from_cache);
    assert_eq!(again.answers.len(), 2);
    // An in-zone CNAME is answered in one response.
    let answer = sim.resolve("inzone.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
}

#[test]
fn dname_synthesises_a_cname() {
    let mut sim = world(ResolverConfig::default(), 6);
    let answer = sim.resolve("foo.old.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(answer.answers.len(), 3, "{:?}", answer.answers);
    assert_eq!(answer.answers[0].rtype(), RType::DNAME);
    assert_eq!(answer.answers[1].name, name("foo.old.example.com."));
    assert_eq!(
        answer.answers[1].data,
        RData::Cname(name("foo.example.net."))
    );
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.82")]);
}

#[test]
fn nxdomain_at_an_ancestor_ends_the_resolution() {
    let mut sim = world(ResolverConfig::default(), 7);
    sim.resolve("www.example.com.", RType::A);
    let before = sim.log.len();
    let answer = sim.resolve("a.b.nothing.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::NXDOMAIN);
    assert_eq!(answer.authority.len(), 1);
    assert_eq!(answer.authority[0].rtype(), RType::SOA);
    // RFC 8020: "nothing.example.com." was NXDOMAIN, nothing more was asked.
    let new = &sim.log[before..];
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].name, name("nothing.example.com."));
    let now = sim.now;
    let cached = sim.resolver.cache_mut().lookup(
        &name("a.b.nothing.example.com."),
        RType::A,
        globe_dns::Class::IN,
        None,
        now,
    );
    assert!(matches!(
        cached,
        Lookup::Negative {
            kind: NegativeKind::NxDomain,
            ..
        }
    ));
}

#[test]
fn nodata_and_empty_non_terminals() {
    let mut sim = world(ResolverConfig::default(), 8);
    let answer = sim.resolve("www.example.com.", RType::AAAA);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert!(answer.answers.is_empty());
    assert_eq!(answer.authority[0].rtype(), RType::SOA);
    let again = sim.resolve("www.example.com.", RType::AAAA);
    assert!(again.from_cache);
    assert_eq!(again.rcode, Rcode::NOERROR);
    // z and y.z are empty non-terminals: NODATA for them, one label deeper each time.
    let before = sim.log.len();
    let answer = sim.resolve("x.y.z.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.9")]);
    let names: Vec<Name> = sim.log[before..].iter().map(|s| s.name.clone()).collect();
    assert_eq!(
        names,
        vec![
            name("z.example.com."),
            name("y.z.example.com."),
            name("x.y.z.example.com.")
        ]
    );
}

#[test]
fn truncated_answer_is_asked_again_over_tcp() {
    let mut sim = world(ResolverConfig::default(), 9);
    let answer = sim.resolve("big.example.com.", RType::TXT);
    assert_eq!(answer.rcode, Rcode::NOERROR);
    assert_eq!(answer.answers.len(), 1);
    assert_eq!(sim.resolver.stats().tcp_fallbacks, 1);
    let last = sim.log.last().expect("queries");
    assert_eq!(last.protocol, Protocol::Tcp);
    assert_eq!(last.name, name("big.example.com."));
}

#[test]
fn lame_server_then_a_good_one() {
    let mut lame_first = 0;
    for seed in 0..16 {
        let mut sim = world(ResolverConfig::default(), seed);
        let answer = sim.resolve("www.lame.com.", RType::A);
        assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.70")]);
        let asked = sim.sent_to("10.5.0.1", 0).len();
        if asked > 0 {
            lame_first += 1;
            assert_eq!(asked, 1);
            assert_eq!(sim.resolver.stats().lame_servers, 1);
            // Marked lame: not asked again for lame.com.
            let before = sim.log.len();
            for _ in 0..5 {
                sim.resolver.cache_mut().clear();
                sim.resolve("www2.lame.com.", RType::A);
            }
            assert!(sim.sent_to("10.5.0.1", before).is_empty());
        }
    }
    assert!(lame_first > 0, "the lame server was never tried first");
}

#[test]
fn blackholed_server_times_out_and_is_avoided_later() {
    let mut blackhole_first = 0;
    for seed in 0..16 {
        let mut sim = world(ResolverConfig::default(), seed);
        let answer = sim.resolve("a.slow.com.", RType::A);
        assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.11")]);
        let dead = sim.sent_to("10.10.0.1", 0).len();
        if dead == 0 {
            continue;
        }
        blackhole_first += 1;
        // One query and one retransmission, then the other server.
        assert_eq!(dead, 2);
        assert_eq!(sim.resolver.stats().timeouts, 2);
        assert!(sim.elapsed() >= Duration::from_millis(376 + 752));
        let before = sim.log.len();
        for name in ["b.slow.com.", "c.slow.com.", "d.slow.com."] {
            let answer = sim.resolve(name, RType::A);
            assert_eq!(answer.rcode, Rcode::NOERROR);
        }
        assert!(
            sim.sent_to("10.10.0.1", before).is_empty(),
            "its RTO is out of the band"
        );
    }
    assert!(blackhole_first > 0, "the blackhole was never tried first");
}

#[test]
fn forged_responses_are_ignored() {
    let config = ResolverConfig {
        case_randomisation: true,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 10);
    let answer = sim.resolve("www.spoofed.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.90")]);
    // Wrong ID, wrong source, wrong case: three forgeries ignored.
    assert_eq!(sim.resolver.stats().ignored_responses, 3);
    // 0x20 was on: some query went out in mixed case.
    assert!(sim
        .log
        .iter()
        .any(|s| s.name.as_wire() != s.name.to_lowercase().as_wire()));
    let answer = sim.resolve("www.spoofed.com.", RType::A);
    assert!(answer.from_cache);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.90")]);
}

#[test]
fn out_of_bailiwick_records_are_not_cached() {
    let mut sim = world(ResolverConfig::default(), 11);
    for server in ["10.3.0.1", "10.3.0.2"] {
        sim.servers.get_mut(&ip(server)).expect("server").poison = true;
    }
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    let now = sim.now;
    let cache = sim.resolver.cache_mut();
    let class = globe_dns::Class::IN;
    assert_eq!(
        cache.lookup(&name("www.victim.net."), RType::A, class, None, now),
        Lookup::Miss
    );
    assert_eq!(
        cache.lookup(&name("victim.net."), RType::NS, class, None, now),
        Lookup::Miss
    );
    // Nor the sibling glue from com for ns1.example.net.
    assert_eq!(
        cache.lookup(&name("ns1.example.net."), RType::A, class, None, now),
        Lookup::Miss
    );
}

#[test]
fn cname_loop_is_servfail() {
    let mut sim = world(ResolverConfig::default(), 12);
    let answer = sim.resolve("loop1.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    assert_eq!(sim.resolver.stats().servfails, 1);
}

#[test]
fn name_server_delegation_loop_is_servfail() {
    let mut sim = world(ResolverConfig::default(), 13);
    let answer = sim.resolve("www.loopa.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    assert!(sim.log.len() < 20, "{} queries", sim.log.len());
    assert_eq!(sim.resolver.resolutions_in_progress(), 0);
}

#[test]
fn query_budget_is_servfail() {
    let config = ResolverConfig {
        max_queries: 2,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 14);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    // Two queries for the resolution; the priming query (its own resolution, own budget) is the third.
    assert_eq!(resolution_queries(&sim).len(), 2);
    assert_eq!(sim.log.len(), 3);
}

#[test]
fn cname_chain_limit_is_servfail() {
    let config = ResolverConfig {
        max_cname_chain: 0,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 15);
    let answer = sim.resolve("alias.example.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
}

#[test]
fn server_without_edns_is_asked_again_without() {
    let mut sim = world(ResolverConfig::default(), 16);
    let answer = sim.resolve("www.oldserver.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.100")]);
    let asked = sim.sent_to("10.8.0.1", 0);
    assert_eq!(asked.len(), 2);
    assert!(asked[0].edns);
    assert!(!asked[1].edns);
    assert_eq!(sim.resolver.stats().edns_fallbacks, 1);
}

#[test]
fn client_subnet_is_sent_truncated_and_answers_cached_by_scope() {
    let config = ResolverConfig {
        send_client_subnet: true,
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 17);
    let client = ClientSubnet::new(ip("198.51.100.77"), 32);
    let answer = sim.resolve_from("www.ecs.com.", RType::A, Some(client));
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.110")]);
    let scope = answer.scope.expect("a scope");
    assert_eq!(scope.scope_prefix, 24);
    assert_eq!(scope.address, ip("198.51.100.0"));
    let sent = sim.sent_to("10.9.0.1", 0);
    let ecs = sent.last().and_then(|s| s.ecs).expect("ECS sent");
    assert_eq!((ecs.address, ecs.source_prefix), (ip("198.51.100.0"), 24));
    // Minimised queries to the root and com do not carry the client's subnet.
    assert!(sim.sent_to("10.0.0.1", 0).iter().all(|s| s.ecs.is_none()));
    // Same /24: from the cache. Another /24: asked again.
    let before = sim.log.len();
    let same = ClientSubnet::new(ip("198.51.100.200"), 32);
    assert!(
        sim.resolve_from("www.ecs.com.", RType::A, Some(same))
            .from_cache
    );
    assert_eq!(sim.log.len(), before);
    let other = ClientSubnet::new(ip("203.0.113.9"), 32);
    let answer = sim.resolve_from("www.ecs.com.", RType::A, Some(other));
    assert!(!answer.from_cache);
    assert_eq!(sim.sent_to("10.9.0.1", before).len(), 1);
}

#[test]
fn identical_requests_share_one_resolution() {
    let mut sim = world(ResolverConfig::default(), 18);
    let first = sim.start_request("www.example.com.", RType::A, None);
    let second = sim.start_request("WWW.example.com.", RType::A, None);
    sim.run();
    let first = sim.take_answer(first).expect("first answer");
    let second = sim.take_answer(second).expect("second answer");
    assert_eq!(first, second);
    // Three queries for the shared resolution, and the priming query.
    assert_eq!(sim.log.len(), 4);
    assert_eq!(sim.resolver.stats().coalesced, 1);
}

#[test]
fn rtt_choice_prefers_the_fast_server_but_explores() {
    let mut sim = world(ResolverConfig::default(), 19);
    sim.servers
        .get_mut(&ip("10.3.0.1"))
        .expect("server")
        .latency = Duration::from_millis(5);
    // 10.3.0.2 answers in 300 ms: RTO 900 ms once measured, out of the 400 ms band of the fast one.
    sim.servers
        .get_mut(&ip("10.3.0.2"))
        .expect("server")
        .latency = Duration::from_millis(150);
    let rounds = |sim: &mut Sim| {
        let before = sim.log.len();
        for _ in 0..20 {
            sim.resolver.cache_mut().clear();
            let answer = sim.resolve("www.example.com.", RType::A);
            assert_eq!(answer.rcode, Rcode::NOERROR);
            sim.advance(Duration::from_secs(1));
        }
        (
            sim.sent_to("10.3.0.1", before).len(),
            sim.sent_to("10.3.0.2", before).len(),
        )
    };
    // While unknown (376 ms) it is within the band and explored; once measured, avoided.
    let (fast, slow) = rounds(&mut sim);
    assert_eq!((fast, slow), (19, 1));
    // When what was learnt expires (infra host TTL, 900 s), it is explored again.
    sim.advance(Duration::from_secs(901));
    let (fast, slow) = rounds(&mut sim);
    assert_eq!((fast, slow), (19, 1));
}

#[test]
fn tld_served_by_names_under_another_tld() {
    // As on the Internet: com's servers are named under net, so the root's glue for them is sibling
    // glue (not used); their addresses come as in-domain glue with the referral to net.
    let root = "
. 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
. 86400 NS a.root-servers.net.
com. 172800 NS a.gtld-servers.net.
net. 172800 NS a.gtld-servers.net.
a.gtld-servers.net. 172800 A 10.20.0.1
";
    let com = "
$ORIGIN com.
$TTL 3600
@ SOA a.gtld-servers.net. hostmaster.nic.com. 1 1800 900 604800 300
@ NS a.gtld-servers.net.
example NS ns1.example.com.
ns1.example A 10.3.0.1
";
    let net = "
$ORIGIN net.
$TTL 3600
@ SOA a.gtld-servers.net. hostmaster.nic.net. 1 1800 900 604800 300
@ NS a.gtld-servers.net.
gtld-servers NS av1.nstld.com.
a.gtld-servers A 10.20.0.1
";
    let example_com = "
$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 1 1800 900 604800 300
@ NS ns1
ns1 A 10.3.0.1
www A 192.0.2.1
";
    let mut sim = Sim::new(
        ResolverConfig::default(),
        20,
        &[root, com, net, example_com],
        ip("10.0.0.1"),
    );
    sim.server("10.0.0.1", &["."]);
    sim.server("10.20.0.1", &["com.", "net."]);
    sim.server("10.3.0.1", &["example.com."]);
    let answer = sim.resolve("www.example.com.", RType::A);
    assert_eq!(addresses(&answer.answers), vec![ip("192.0.2.1")]);
    let asked: Vec<(IpAddr, Name)> = resolution_queries(&sim)
        .iter()
        .map(|s| (s.to, s.name.clone()))
        .collect();
    assert_eq!(
        asked,
        vec![
            (ip("10.0.0.1"), name("com.")),
            (ip("10.0.0.1"), name("net.")),
            (ip("10.20.0.1"), name("example.com.")),
            (ip("10.3.0.1"), name("www.example.com.")),
        ]
    );
}

#[test]
fn all_servers_dead_is_servfail_and_the_deadline_holds() {
    let mut sim = world(ResolverConfig::default(), 21);
    sim.servers
        .get_mut(&ip("10.10.0.2"))
        .expect("server")
        .behaviour = Behaviour::Blackhole;
    let answer = sim.resolve("a.slow.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    // Two tries each of the two servers (376 + 752 ms each, the second one's RTO unknown).
    assert_eq!(sim.sent_to("10.10.0.1", 0).len(), 2);
    assert_eq!(sim.sent_to("10.10.0.2", 0).len(), 2);
    assert!(sim.elapsed() < Duration::from_secs(10));
    assert_eq!(sim.resolver.resolutions_in_progress(), 0);
    assert_eq!(sim.resolver.poll_timeout(), None);

    let config = ResolverConfig {
        resolution_timeout: Duration::from_millis(1000),
        ..ResolverConfig::default()
    };
    let mut sim = world(config, 22);
    for server in ["10.10.0.1", "10.10.0.2"] {
        sim.servers.get_mut(&ip(server)).expect("server").behaviour = Behaviour::Blackhole;
    }
    let answer = sim.resolve("a.slow.com.", RType::A);
    assert_eq!(answer.rcode, Rcode::SERVFAIL);
    assert_eq!(sim.elapsed(), Duration::from_millis(1000));
    assert_eq!(sim.resolver.poll_timeout(), None);
}
