//! Tests of the resolver cache: TTLs, negative answers, ranking, ECS scopes, LRU and the memory bound.
use super::*;
use globe_dns::Soa;
use std::net::{Ipv4Addr, Ipv6Addr};

const EXAMPLE: [u8; 4] = [192, 0, 2, 1];

/// A cache, a virtual clock's origin, and short ways to feed and query the cache at `t0 + seconds`.
struct Harness {
    cache: Cache,
    t0: Instant,
}

impl Harness {
    fn new(config: CacheConfig) -> Harness {
        Harness {
            cache: Cache::new(config),
            t0: Instant::now(),
        }
    }

    fn at(&self, seconds: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(seconds)
    }

    fn put(&mut self, records: Vec<Record>, rank: Rank, scope: Option<ClientSubnet>, seconds: f64) {
        let now = self.at(seconds);
        self.cache.insert_rrset(records, rank, scope, now);
    }

    fn negative(&mut self, owner: &str, rtype: RType, kind: NegativeKind, soa: Option<Record>) {
        let now = self.t0;
        self.cache
            .insert_negative(&name(owner), rtype, Class::IN, kind, soa, None, now);
    }

    fn get(&mut self, owner: &str, rtype: RType, seconds: f64) -> Lookup {
        let now = self.at(seconds);
        self.cache.lookup(&name(owner), rtype, Class::IN, None, now)
    }

    fn get_for(&mut self, owner: &str, client: ClientSubnet) -> Lookup {
        let now = self.t0;
        self.cache
            .lookup(&name(owner), RType::A, Class::IN, Some(&client), now)
    }

    fn get_stale(&mut self, owner: &str, seconds: f64) -> Lookup {
        let now = self.at(seconds);
        self.cache.lookup_stale(
            &name(owner),
            RType::A,
            Class::IN,
            None,
            Rank::Additional,
            now,
        )
    }
}

fn name(text: &str) -> Name {
    text.parse().expect("valid name")
}

fn a(owner: &str, ttl: u32, address: [u8; 4]) -> Record {
    Record {
        name: name(owner),
        class: Class::IN,
        ttl,
        data: RData::A(Ipv4Addr::from(address)),
    }
}

fn soa(ttl: u32, minimum: u32) -> Option<Record> {
    Some(Record {
        name: name("example."),
        class: Class::IN,
        ttl,
        data: RData::Soa(Soa {
            mname: name("ns1.example."),
            rname: name("hostmaster.example."),
            serial: 1,
            refresh: 7_200,
            retry: 3_600,
            expire: 1_209_600,
            minimum,
        }),
    })
}

/// The IPv4 addresses and the TTL of a hit.
fn hit(result: &Lookup) -> Option<(Vec<[u8; 4]>, u32)> {
    let Lookup::Hit(Hit { records, .. }) = result else {
        return None;
    };
    let addresses = records.iter().filter_map(|r| match r.data {
        RData::A(address) => Some(address.octets()),
        _ => None,
    });
    Some((addresses.collect(), records.first()?.ttl))
}

fn addresses(result: &Lookup) -> Option<Vec<[u8; 4]>> {
    hit(result).map(|(addresses, _)| addresses)
}

fn ttl(result: &Lookup) -> Option<u32> {
    match result {
        Lookup::Negative { ttl, .. } => Some(*ttl),
        _ => hit(result).map(|(_, ttl)| ttl),
    }
}

fn subnet(address: [u8; 4], source: u8, scope: u8) -> ClientSubnet {
    ClientSubnet {
        scope_prefix: scope,
        ..ClientSubnet::new(IpAddr::V4(Ipv4Addr::from(address)), source)
    }
}

#[test]
fn hit_and_miss() {
    let mut h = Harness::new(CacheConfig::default());
    assert!(h.cache.is_empty());
    let rrset = vec![
        a("www.example.", 300, EXAMPLE),
        a("www.example.", 300, [192, 0, 2, 2]),
    ];
    h.put(rrset, Rank::AnswerAuth, None, 0.0);
    assert_eq!(h.cache.len(), 1);
    let expected = Some((vec![EXAMPLE, [192, 0, 2, 2]], 300));
    assert_eq!(hit(&h.get("WWW.Example.", RType::A, 0.0)), expected);
    assert_eq!(h.get("www.example.", RType::AAAA, 0.0), Lookup::Miss);
    assert_eq!(h.get("ftp.example.", RType::A, 0.0), Lookup::Miss);
    let chaos = h
        .cache
        .lookup(&name("www.example."), RType::A, Class::CH, None, h.t0);
    assert_eq!(chaos, Lookup::Miss);
    h.cache.clear();
    assert!(h.cache.is_empty());
    assert_eq!(h.cache.memory_used(), 0);
    assert_eq!(h.get("www.example.", RType::A, 0.0), Lookup::Miss);
}

#[test]
fn ttl_counts_down_and_expires() {
    let mut h = Harness::new(CacheConfig::default());
    // The RRset's TTL is the lowest of its records' (RFC 2181 §5.2).
    let rrset = vec![
        a("www.example.", 300, EXAMPLE),
        a("www.example.", 100, [192, 0, 2, 2]),
    ];
    h.put(rrset, Rank::AnswerAuth, None, 0.0);
    assert_eq!(ttl(&h.get("www.example.", RType::A, 0.0)), Some(100));
    assert_eq!(ttl(&h.get("www.example.", RType::A, 40.0)), Some(60));
    assert_eq!(ttl(&h.get("www.example.", RType::A, 40.5)), Some(59));
    assert_eq!(ttl(&h.get("www.example.", RType::A, 99.5)), Some(1));
    assert_eq!(h.get("www.example.", RType::A, 100.0), Lookup::Miss);
    // Without serve-stale the expired entry is dropped on the way.
    assert!(h.cache.is_empty());
    assert_eq!(h.cache.memory_used(), 0);
}

#[test]
fn ttls_are_capped_and_floored() {
    let mut h = Harness::new(CacheConfig {
        max_ttl: 3_600,
        min_ttl: 60,
        ..CacheConfig::default()
    });
    h.put(
        vec![a("long.example.", 604_800, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    h.put(
        vec![a("short.example.", 5, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert_eq!(ttl(&h.get("long.example.", RType::A, 0.0)), Some(3_600));
    assert_eq!(ttl(&h.get("short.example.", RType::A, 0.0)), Some(60));
    assert_eq!(h.get("long.example.", RType::A, 3_600.0), Lookup::Miss);

    // With no floor, a TTL of 0 is not cached.
    let mut h = Harness::new(CacheConfig::default());
    h.put(
        vec![a("zero.example.", 0, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert!(h.cache.is_empty());
}

#[test]
fn nxdomain_covers_every_type() {
    let mut h = Harness::new(CacheConfig::default());
    h.negative(
        "nope.example.",
        RType::A,
        NegativeKind::NxDomain,
        soa(3_600, 900),
    );
    for rtype in [RType::A, RType::AAAA, RType::MX, RType::TXT] {
        let Lookup::Negative { kind, soa, ttl, .. } = h.get("NOPE.example.", rtype, 100.0) else {
            panic!("expected NXDOMAIN for {rtype}");
        };
        assert_eq!(kind, NegativeKind::NxDomain);
        assert_eq!(ttl, 800);
        let soa = soa.expect("the SOA is kept");
        assert_eq!((soa.name, soa.ttl), (name("example."), 800));
    }
    assert_eq!(h.get("other.example.", RType::A, 0.0), Lookup::Miss);
    assert_eq!(h.get("nope.example.", RType::A, 900.0), Lookup::Miss);
}

#[test]
fn nodata_covers_one_type_and_takes_the_soa_minimum() {
    let mut h = Harness::new(CacheConfig::default());
    // min(SOA TTL 3600, MINIMUM 300) = 300.
    h.negative(
        "www.example.",
        RType::AAAA,
        NegativeKind::NoData,
        soa(3_600, 300),
    );
    h.put(
        vec![a("www.example.", 600, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert!(matches!(
        h.get("www.example.", RType::AAAA, 0.0),
        Lookup::Negative {
            kind: NegativeKind::NoData,
            ttl: 300,
            soa: Some(_),
            scope: None,
        }
    ));
    assert_eq!(
        addresses(&h.get("www.example.", RType::A, 0.0)),
        Some(vec![EXAMPLE])
    );
    assert_eq!(h.get("www.example.", RType::MX, 0.0), Lookup::Miss);
    assert_eq!(h.get("www.example.", RType::AAAA, 300.0), Lookup::Miss);
}

#[test]
fn negative_ttl_rules() {
    let mut h = Harness::new(CacheConfig {
        max_negative_ttl: 600,
        ..CacheConfig::default()
    });
    // SOA TTL below MINIMUM: the SOA TTL.
    h.negative("a.example.", RType::A, NegativeKind::NoData, soa(120, 900));
    assert_eq!(ttl(&h.get("a.example.", RType::A, 0.0)), Some(120));
    // Both above the cap: the cap.
    h.negative(
        "b.example.",
        RType::A,
        NegativeKind::NoData,
        soa(86_400, 86_400),
    );
    assert_eq!(ttl(&h.get("b.example.", RType::A, 0.0)), Some(600));
    // No SOA, or not an SOA: not cached (RFC 2308 §5).
    h.negative("c.example.", RType::A, NegativeKind::NxDomain, None);
    let not_soa = Some(a("d.example.", 300, EXAMPLE));
    h.negative("d.example.", RType::A, NegativeKind::NoData, not_soa);
    assert_eq!(h.get("c.example.", RType::A, 0.0), Lookup::Miss);
    assert_eq!(h.get("d.example.", RType::A, 0.0), Lookup::Miss);
    assert_eq!(h.cache.len(), 2);
}

#[test]
fn positive_data_ends_an_nxdomain() {
    let mut h = Harness::new(CacheConfig::default());
    let is_nxdomain = |result: Lookup| {
        matches!(
            result,
            Lookup::Negative {
                kind: NegativeKind::NxDomain,
                ..
            }
        )
    };
    h.negative(
        "new.example.",
        RType::A,
        NegativeKind::NxDomain,
        soa(3_600, 3_600),
    );
    // Glue does not outrank the authority's NXDOMAIN...
    h.put(
        vec![a("new.example.", 300, EXAMPLE)],
        Rank::Additional,
        None,
        0.0,
    );
    assert!(is_nxdomain(h.get("new.example.", RType::A, 0.0)));
    // ...an authoritative answer does, and then the name exists for every type.
    h.put(
        vec![a("new.example.", 300, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert_eq!(
        addresses(&h.get("new.example.", RType::A, 0.0)),
        Some(vec![EXAMPLE])
    );
    assert_eq!(h.get("new.example.", RType::AAAA, 0.0), Lookup::Miss);
    // A newer NXDOMAIN wins over the older positive data.
    h.negative(
        "new.example.",
        RType::A,
        NegativeKind::NxDomain,
        soa(3_600, 3_600),
    );
    assert!(is_nxdomain(h.get("new.example.", RType::A, 0.0)));
}

#[test]
fn rank_decides_replacement() {
    let mut h = Harness::new(CacheConfig::default());
    let mut put_and_get = |last: u8, ttl: u32, rank: Rank, seconds: f64| {
        h.put(
            vec![a("ns1.example.", ttl, [192, 0, 2, last])],
            rank,
            None,
            seconds,
        );
        let result = h.get("ns1.example.", RType::A, seconds);
        addresses(&result).and_then(|found| found.first().map(|address| address[3]))
    };
    assert_eq!(put_and_get(1, 600, Rank::AnswerNonAuth, 0.0), Some(1));
    // Lower rank: ignored.
    assert_eq!(put_and_get(2, 600, Rank::Additional, 0.0), Some(1));
    // Equal rank: replaces.
    assert_eq!(put_and_get(3, 600, Rank::AnswerNonAuth, 0.0), Some(3));
    // Higher rank: replaces.
    assert_eq!(put_and_get(4, 60, Rank::AnswerAuth, 0.0), Some(4));
    assert_eq!(put_and_get(5, 600, Rank::AuthorityAuth, 59.0), Some(4));
    // Once the higher-ranked RRset has expired, any rank replaces it.
    assert_eq!(put_and_get(6, 600, Rank::Additional, 60.0), Some(6));
    assert_eq!(h.cache.len(), 1);
    let ranks = [
        Rank::Additional,
        Rank::AuthorityNonAuth,
        Rank::AnswerNonAuth,
        Rank::AuthorityAuth,
        Rank::AnswerAuth,
    ];
    assert!(ranks.windows(2).all(|pair| pair[0] < pair[1]));
}

#[test]
fn ecs_scope_selection() {
    let mut h = Harness::new(CacheConfig::default());
    let owner = "cdn.example.";
    h.put(
        vec![a(owner, 300, [198, 51, 100, 1])],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    let slash_8 = Some(subnet([10, 1, 2, 0], 24, 8));
    h.put(
        vec![a(owner, 300, [198, 51, 100, 8])],
        Rank::AnswerAuth,
        slash_8,
        0.0,
    );
    let slash_16 = Some(subnet([10, 1, 2, 0], 24, 16));
    h.put(
        vec![a(owner, 300, [198, 51, 100, 16])],
        Rank::AnswerAuth,
        slash_16,
        0.0,
    );
    // Scope 0 is global: this replaces the first entry.
    let global = Some(subnet([10, 1, 2, 0], 24, 0));
    h.put(
        vec![a(owner, 300, [198, 51, 100, 2])],
        Rank::AnswerAuth,
        global,
        0.0,
    );
    assert_eq!(h.cache.len(), 3);

    let mut last_octet = |client: Option<ClientSubnet>| {
        let now = h.t0;
        let result = h
            .cache
            .lookup(&name(owner), RType::A, Class::IN, client.as_ref(), now);
        addresses(&result).and_then(|found| found.first().map(|address| address[3]))
    };
    assert_eq!(last_octet(Some(subnet([10, 1, 9, 0], 24, 0))), Some(16));
    assert_eq!(last_octet(Some(subnet([10, 7, 9, 0], 24, 0))), Some(8));
    assert_eq!(last_octet(Some(subnet([192, 0, 2, 0], 24, 0))), Some(2));
    assert_eq!(last_octet(None), Some(2));
    // A client that gave only 12 bits cannot use the /16 entry.
    assert_eq!(last_octet(Some(subnet([10, 0, 0, 0], 12, 0))), Some(8));
    // Another family never matches an IPv4 scope.
    let v6 = ClientSubnet::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 56);
    assert_eq!(last_octet(Some(v6)), Some(2));
}

#[test]
fn hits_carry_their_rank_and_scope() {
    let mut h = Harness::new(CacheConfig::default());
    let owner = "cdn.example.";
    h.put(vec![a(owner, 300, EXAMPLE)], Rank::Additional, None, 0.0);
    h.put(
        vec![a(owner, 300, [198, 51, 100, 16])],
        Rank::AnswerAuth,
        Some(subnet([10, 1, 2, 3], 24, 16)),
        0.0,
    );
    let client = subnet([10, 1, 9, 0], 24, 0);
    let Lookup::Hit(scoped) = h.get_for(owner, client) else {
        panic!("the /16 entry");
    };
    assert_eq!(scoped.rank, Rank::AnswerAuth);
    assert_eq!(scoped.scope, Some(subnet([10, 1, 0, 0], 16, 16)));
    let Lookup::Hit(global) = h.get(owner, RType::A, 0.0) else {
        panic!("the global entry");
    };
    assert_eq!((global.rank, global.scope), (Rank::Additional, None));
    // Ranked lookups see only entries of that rank or better: the glue is as if absent for a client
    // outside the /16, and the /16 entry still answers inside it.
    let now = h.t0;
    let ranked = |h: &mut Harness, client: Option<ClientSubnet>| {
        h.cache.lookup_ranked(
            &name(owner),
            RType::A,
            Class::IN,
            client.as_ref(),
            Rank::AuthorityAuth,
            now,
        )
    };
    assert_eq!(ranked(&mut h, None), Lookup::Miss);
    assert!(
        matches!(ranked(&mut h, Some(client)), Lookup::Hit(hit) if hit.rank == Rank::AnswerAuth)
    );
    // Negative entries rank as authoritative answers, and carry their scope too.
    h.cache.insert_negative(
        &name("gone.example."),
        RType::A,
        Class::IN,
        NegativeKind::NxDomain,
        soa(600, 600),
        Some(subnet([10, 1, 2, 3], 24, 24)),
        now,
    );
    let found = h.cache.lookup_ranked(
        &name("gone.example."),
        RType::A,
        Class::IN,
        Some(&client),
        Rank::AnswerAuth,
        now,
    );
    assert_eq!(found, Lookup::Miss, "another /24");
    let same = subnet([10, 1, 2, 200], 24, 0);
    let found = h.cache.lookup_ranked(
        &name("gone.example."),
        RType::A,
        Class::IN,
        Some(&same),
        Rank::AnswerAuth,
        now,
    );
    assert!(matches!(
        found,
        Lookup::Negative { scope: Some(scope), .. } if scope == subnet([10, 1, 2, 0], 24, 24)
    ));
    // The negative TTL the cache would store, for the engine to show.
    let soa = soa(3_600, 300).expect("an SOA");
    assert_eq!(h.cache.negative_ttl(&soa), Some(300));
    assert_eq!(h.cache.negative_ttl(&a(owner, 60, EXAMPLE)), None);
}

#[test]
fn scope_longer_than_source_answers_that_source_length_only() {
    let mut h = Harness::new(CacheConfig::default());
    // Asked with a /16, the authority wanted a /24 (RFC 7871 §7.3.1): stored for /16 queries only.
    let scope = Some(subnet([10, 1, 0, 0], 16, 24));
    h.put(
        vec![a("cdn.example.", 300, EXAMPLE)],
        Rank::AnswerAuth,
        scope,
        0.0,
    );
    assert!(hit(&h.get_for("cdn.example.", subnet([10, 1, 0, 0], 16, 0))).is_some());
    assert_eq!(
        h.get_for("cdn.example.", subnet([10, 1, 5, 0], 24, 0)),
        Lookup::Miss
    );
}

#[test]
fn scoped_entries_per_key_are_bounded() {
    let mut h = Harness::new(CacheConfig::default());
    for i in 0..200u8 {
        let scope = Some(subnet([10, 0, i, 0], 24, 24));
        let ttl = 300 + u32::from(i);
        h.put(
            vec![a("cdn.example.", ttl, EXAMPLE)],
            Rank::AnswerAuth,
            scope,
            0.0,
        );
    }
    assert_eq!(h.cache.len(), MAX_SCOPED_ENTRIES_PER_KEY);
    // The ones closest to expiry went.
    assert!(hit(&h.get_for("cdn.example.", subnet([10, 0, 199, 0], 24, 0))).is_some());
    assert_eq!(
        h.get_for("cdn.example.", subnet([10, 0, 0, 0], 24, 0)),
        Lookup::Miss
    );
}

#[test]
fn least_recently_used_goes_first() {
    let key = Key::new(&name("a.example."), KeyKind::Type(RType::A), Class::IN);
    let one = entry_bytes(
        key.map_or(0, |key| key.len),
        &[a("a.example.", 300, EXAMPLE)],
    );
    let mut h = Harness::new(CacheConfig {
        max_bytes: 3 * one,
        ..CacheConfig::default()
    });
    for owner in ["a.example.", "b.example.", "c.example."] {
        h.put(vec![a(owner, 300, EXAMPLE)], Rank::AnswerAuth, None, 0.0);
    }
    assert_eq!((h.cache.len(), h.cache.memory_used()), (3, 3 * one));
    // Touch a; then d pushes out b, now the least recently used.
    assert!(hit(&h.get("a.example.", RType::A, 0.0)).is_some());
    h.put(
        vec![a("d.example.", 300, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert_eq!(h.cache.len(), 3);
    assert_eq!(h.get("b.example.", RType::A, 0.0), Lookup::Miss);
    for owner in ["a.example.", "c.example.", "d.example."] {
        assert!(hit(&h.get(owner, RType::A, 0.0)).is_some(), "{owner}");
    }
    // An RRset larger than the whole bound is not stored.
    let big = (0..=255)
        .map(|i| a("big.example.", 300, [192, 0, 2, i]))
        .collect();
    h.put(big, Rank::AnswerAuth, None, 0.0);
    assert_eq!(h.get("big.example.", RType::A, 0.0), Lookup::Miss);
    assert_eq!(h.cache.len(), 3);
}

#[test]
fn serve_stale_within_max_stale() {
    let mut h = Harness::new(CacheConfig {
        serve_stale: true,
        stale_answer_ttl: 30,
        max_stale: 3_600,
        ..CacheConfig::default()
    });
    h.put(
        vec![a("www.example.", 300, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    // Fresh data is a hit from either lookup.
    assert_eq!(
        hit(&h.get_stale("www.example.", 100.0)),
        Some((vec![EXAMPLE], 200))
    );
    // Expired: lookup misses but keeps it; lookup_stale serves it with the stale TTL.
    assert_eq!(h.get("www.example.", RType::A, 300.0), Lookup::Miss);
    assert_eq!(
        h.get_stale("www.example.", 300.0),
        Lookup::Stale(Hit {
            records: vec![a("www.example.", 30, EXAMPLE)],
            rank: Rank::AnswerAuth,
            scope: None,
        })
    );
    assert!(matches!(
        h.get_stale("www.example.", 300.0 + 3_599.0),
        Lookup::Stale(_)
    ));
    // Past max_stale: gone.
    assert_eq!(h.get_stale("www.example.", 300.0 + 3_600.0), Lookup::Miss);
    assert!(h.cache.is_empty());
    // Stale negative answers are not served.
    h.negative(
        "nope.example.",
        RType::A,
        NegativeKind::NxDomain,
        soa(60, 60),
    );
    assert_eq!(h.get_stale("nope.example.", 61.0), Lookup::Miss);

    // Without serve_stale, lookup_stale is lookup.
    let mut h = Harness::new(CacheConfig::default());
    h.put(
        vec![a("www.example.", 300, EXAMPLE)],
        Rank::AnswerAuth,
        None,
        0.0,
    );
    assert_eq!(h.get_stale("www.example.", 300.0), Lookup::Miss);
}

/// One million distinct names through an 8 MiB cache: the bound holds throughout, the entry count
/// stays below what the bound allows, and recency decides what remains.
#[test]
fn memory_bound_holds_over_a_million_names() {
    const MAX_BYTES: usize = 8 << 20;
    const NAMES: u32 = 1_000_000;
    let t0 = Instant::now();
    let mut cache = Cache::new(CacheConfig {
        max_bytes: MAX_BYTES,
        ..CacheConfig::default()
    });
    let zone = name("example.");
    let owner = |i: u32| {
        let mut label = *b"n0000000";
        let mut rest = i;
        for digit in label.iter_mut().skip(1).rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        zone.prepend(&label).expect("short label")
    };
    // Every entry costs at least ENTRY_OVERHEAD.
    let max_entries = MAX_BYTES / ENTRY_OVERHEAD;
    for i in 0..NAMES {
        let record = Record {
            name: owner(i),
            class: Class::IN,
            ttl: 3_600,
            data: RData::A(Ipv4Addr::from(i)),
        };
        cache.insert_rrset(vec![record], Rank::AnswerAuth, None, t0);
        if i % 1_024 == 0 {
            let used = cache.memory_used();
            assert!(used <= MAX_BYTES, "{used} bytes after {i} names");
            assert!(cache.len() <= max_entries);
        }
    }
    let (kept, used) = (cache.len(), cache.memory_used());
    assert!(used <= MAX_BYTES);
    assert!(
        (10_000..max_entries).contains(&kept),
        "{kept} entries in 8 MiB"
    );
    // Full up to less than one entry.
    assert!(MAX_BYTES - used < used / kept);
    let now = t0 + Duration::from_secs(1);
    for i in NAMES - 1_000..NAMES {
        let found = hit(&cache.lookup(&owner(i), RType::A, Class::IN, None, now));
        assert_eq!(found, Some((vec![Ipv4Addr::from(i).octets()], 3_599)));
    }
    for i in 0..1_000 {
        assert_eq!(
            cache.lookup(&owner(i), RType::A, Class::IN, None, now),
            Lookup::Miss
        );
    }
}
