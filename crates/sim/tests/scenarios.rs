//! Scenarios: catchments and what-ifs on a hand-made graph with known answers, geo placement from
//! ranges, and adoption sweeps on the real 2016 CAIDA graph (reproducible, ROV monotone).

mod support;

use globe_sim::attack::{run_attack, Attack, AttackKind, AttackScratch, Defences};
use globe_sim::catchment::{catchment, choices_csv, what_if, Anycast, Change, Pop};
use globe_sim::geo::{parse_ranges, AsGeo, LatLon, Place};
use globe_sim::sweep::{sweep, to_csv, Defence, Selection, SweepSpec};
use globe_sim::{plot, Graph, GraphBuilder, SimConfig, Simulation};

/// ```text
///        1 ──peer── 2
///       / \        / \
///      3   4      5   6
///      |          |
///      7          8
/// ```
/// PoP "west" under AS3, PoP "east" under AS5.
fn small() -> Graph {
    let mut builder = GraphBuilder::new();
    builder
        .provider_customer(1, 3)
        .provider_customer(1, 4)
        .provider_customer(2, 5)
        .provider_customer(2, 6)
        .provider_customer(3, 7)
        .provider_customer(5, 8)
        .peers(1, 2);
    builder.build().expect("valid graph")
}

fn pop(name: &str, lat: f64, upstreams: &[u32]) -> Pop {
    Pop {
        name: name.to_string(),
        location: Some(LatLon { lat, lon: 0.0 }),
        upstreams: upstreams.to_vec(),
        prepend: 0,
        no_export: false,
        origin: None,
    }
}

fn prefix() -> globe_bgp::Prefix {
    "192.0.2.0/24".parse().expect("prefix")
}

fn anycast(graph: &Graph) -> Anycast {
    let pops = vec![pop("west", 0.0, &[3]), pop("east", 40.0, &[5])];
    Anycast::new(graph, pops, prefix(), 64500).expect("PoPs attach")
}

#[test]
fn catchment_on_a_small_graph_has_the_known_answer() {
    let graph = small();
    let anycast = anycast(&graph);
    assert_eq!(anycast.real, 8);
    // Every AS but 7 at latitude 0; AS7 at latitude 40, next to "east", but it reaches "west".
    let mut geo = AsGeo::empty(&graph);
    for index in 0..8 {
        let lat = if graph.asn(index) == 7 { 40.0 } else { 0.0 };
        let place = Place {
            location: Some(LatLon { lat, lon: 0.0 }),
            country: Some(if lat > 0.0 { *b"DE" } else { *b"US" }),
        };
        geo.set(index, 256 * u64::from(graph.asn(index)), place);
    }
    let report = catchment(&anycast, Some(&geo), SimConfig::default()).expect("runs");
    let by_asn = |asn: u32| report.choices[graph.index(asn).expect("known") as usize];
    for (asn, pop, hops) in [(1, 0, 2), (3, 0, 1), (4, 0, 3), (7, 0, 2)] {
        assert_eq!(by_asn(asn), Some((pop, hops)), "AS{asn}");
    }
    for (asn, pop, hops) in [(2, 1, 2), (5, 1, 1), (6, 1, 3), (8, 1, 2)] {
        assert_eq!(by_asn(asn), Some((pop, hops)), "AS{asn}");
    }
    assert_eq!(report.routed, 8);
    assert_eq!(report.pops[0].ases, 4);
    assert_eq!(report.pops[1].ases, 4);
    assert_eq!(report.pops[0].addresses, 256 * (1 + 3 + 4 + 7));
    assert!((report.pops[0].address_share - 15.0 / 36.0).abs() < 1e-12);
    let as_total: f64 = report.pops.iter().map(|p| p.as_share).sum();
    let address_total: f64 = report.pops.iter().map(|p| p.address_share).sum();
    assert!((as_total - 1.0).abs() < 1e-12 && (address_total - 1.0).abs() < 1e-12);
    // Stretch: AS7 is sent ~4,448 km (40° of latitude) past its nearest PoP; AS2, 5, 6, 8 likewise.
    let stretch = report.stretch.as_ref().expect("located");
    assert_eq!(stretch.ases, 8);
    assert!((stretch.at_nearest - 3.0 / 8.0).abs() < 1e-12);
    assert!((stretch.median_km - 4447.8).abs() < 1.0, "{stretch:?}");
    // Countries: DE is AS7 alone, at "west".
    let de = report
        .countries
        .iter()
        .find(|c| c.country == "DE")
        .expect("DE");
    assert_eq!(de.ases, vec![1, 0]);
    let csv = choices_csv(&anycast, &report.choices);
    assert!(
        csv.starts_with("asn,origin,hops,pop\n1,64500,2,west\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 9);
    // Real origins only: the issue's `asn,origin,hops`, 0 hops at an origin, empty without a route.
    let origins = ["AS7", "AS8"].map(|name| Pop {
        origin: name[2..].parse().ok(),
        upstreams: Vec::new(),
        ..pop(name, 0.0, &[])
    });
    let plain = Anycast::new(&graph, origins.to_vec(), prefix(), 64500).expect("attach");
    let report = catchment(&plain, None, SimConfig::default()).expect("runs");
    let csv = choices_csv(&plain, &report.choices);
    assert!(csv.starts_with("asn,origin,hops\n1,7,2\n"), "{csv}");
    assert!(
        csv.contains("\n7,7,0\n") && csv.contains("\n8,8,0\n"),
        "{csv}"
    );
}

#[test]
fn a_no_export_pop_is_a_local_node_and_strands_its_upstreams_customers() {
    // "west" under AS3 with NO_EXPORT: AS3 uses it and passes it to nobody — not even its customer
    // AS7, which has no other provider and so no route at all (the local-node pitfall); everyone else
    // reaches "east", AS1 through its peer AS2.
    let graph = small();
    let west = Pop {
        no_export: true,
        ..pop("west", 0.0, &[3])
    };
    let anycast = Anycast::new(&graph, vec![west, pop("east", 40.0, &[5])], prefix(), 64500)
        .expect("PoPs attach");
    let report = catchment(&anycast, None, SimConfig::default()).expect("runs");
    let by_asn = |asn: u32| report.choices[graph.index(asn).expect("known") as usize];
    assert_eq!(by_asn(3), Some((0, 1)));
    assert_eq!(by_asn(7), None);
    for (asn, hops) in [(1, 3), (2, 2), (4, 4), (5, 1), (6, 3), (8, 2)] {
        assert_eq!(by_asn(asn), Some((1, hops)), "AS{asn}");
    }
    assert_eq!(report.no_route.filtered, 1, "{:?}", report.no_route);
    assert_eq!(report.routed, 7);
}

#[test]
fn what_if_removing_a_pop_moves_exactly_its_catchment() {
    let graph = small();
    let anycast = anycast(&graph);
    let report = what_if(&anycast, None, SimConfig::default(), Change::RemovePop(1)).expect("runs");
    let east: Vec<usize> = (0..8)
        .filter(|&i| report.before.choices[i].map(|c| c.0) == Some(1))
        .collect();
    assert_eq!(report.moved, east.len());
    assert_eq!(report.moved, report.before.pops[1].ases);
    assert_eq!(report.moves.len(), 1);
    assert_eq!(report.moves[0].from.as_deref(), Some("east"));
    assert_eq!(report.moves[0].to.as_deref(), Some("west"));
    assert_eq!(report.after.pops[0].ases, 8);
    // Removing the only upstream link of "east" is the same as removing it.
    let link = Change::RemoveLink {
        pop: 1,
        upstream: 5,
    };
    let by_link = what_if(&anycast, None, SimConfig::default(), link).expect("runs");
    assert_eq!(by_link.after.choices, report.after.choices);
    // An upstream it does not have is refused.
    let wrong = Change::RemoveLink {
        pop: 1,
        upstream: 3,
    };
    assert!(what_if(&anycast, None, SimConfig::default(), wrong).is_err());
}

#[test]
fn hijacks_on_the_small_graph() {
    let graph = small();
    let mut simulation = Simulation::new(&graph);
    let mut scratch = AttackScratch::default();
    let none = Defences::none(&graph);
    // AS7 originates, AS8 hijacks: each side keeps its own subtree; 1 and 2 prefer customers.
    let result = run_attack(
        &mut simulation,
        &mut scratch,
        Attack {
            kind: AttackKind::PrefixHijack,
            prefix: prefix(),
            victim: 7,
            attacker: 8,
        },
        &none,
        None,
    )
    .expect("runs");
    assert_eq!(
        (result.ases, result.to_attacker, result.to_victim),
        (6, 3, 3)
    );
    // Subprefix: everyone follows the more specific.
    let result = run_attack(
        &mut simulation,
        &mut scratch,
        Attack {
            kind: AttackKind::SubprefixHijack,
            prefix: prefix(),
            victim: 7,
            attacker: 8,
        },
        &none,
        None,
    )
    .expect("runs");
    assert_eq!(result.to_attacker, 6);
    // ROV at AS2 stops the subprefix at AS2: its subtree 5, 6 still sees it through AS5 only for 5.
    let mut rov = Defences::none(&graph);
    rov.rov.insert(graph.index(2).expect("known"));
    rov.rov.insert(graph.index(5).expect("known"));
    let result = run_attack(
        &mut simulation,
        &mut scratch,
        Attack {
            kind: AttackKind::SubprefixHijack,
            prefix: prefix(),
            victim: 7,
            attacker: 8,
        },
        &rov,
        None,
    )
    .expect("runs");
    assert_eq!(result.to_attacker, 0, "{result:?}");
}

#[test]
fn ranges_place_ases_by_largest_range_and_majority_country() {
    let graph = small();
    let text = "first,last,asn,organisation\n10.0.0.0,10.0.0.255,3,\"Three, Inc.\"\n\
                10.1.0.0,10.1.3.255,3,Three\n10.2.0.0,10.2.0.255,3,Three\n\
                11.0.0.0,11.0.0.0,99,Absent\n2001:db8::,2001:db8::ffff,3,v6\n";
    let ranges = parse_ranges(text.as_bytes()).expect("parses");
    assert_eq!(ranges.len(), 4);
    let geo = AsGeo::from_ranges(&graph, &ranges, |address| {
        let octets = address.octets();
        Place {
            location: Some(LatLon {
                lat: f64::from(octets[1]),
                lon: 0.0,
            }),
            country: Some(if octets[1] == 1 { *b"NL" } else { *b"BE" }),
        }
    });
    let three = graph.index(3).expect("known");
    assert_eq!(geo.addresses_of(three), 256 + 1024 + 256);
    assert_eq!(geo.location(three).map(|l| l.lat), Some(1.0));
    assert_eq!(geo.country(three), Some("NL"));
    assert_eq!(geo.addresses_of(graph.index(4).expect("known")), 0);
    assert!(geo.location(graph.index(4).expect("known")).is_none());
    assert!(parse_ranges("1.2.3.4,x,5,y\n1.2.3.4,1.2.3.5,z,y\n".as_bytes()).is_err());
}

#[test]
fn rov_sweep_on_the_real_graph_is_reproducible_and_monotone() {
    let graph = support::caida_2016();
    let spec = SweepSpec {
        attack: AttackKind::PrefixHijack,
        defences: vec![Defence::Rov],
        adoption: vec![0.0, 50.0, 100.0],
        trials: 5,
        selection: Selection::Random,
        seed: 7,
        prefix: prefix(),
        victim: None,
        attacker: None,
    };
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let progress = || {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let first = sweep(graph, None, SimConfig::default(), &spec, &progress).expect("runs");
    assert_eq!(calls.into_inner(), 15);
    let again = sweep(graph, None, SimConfig::default(), &spec, &|| {}).expect("runs");
    assert_eq!(first.trials, again.trials);
    assert_eq!(to_csv(&first), to_csv(&again));
    assert_eq!(first.points.len(), 3);
    assert!(first.points[0].mean > 0.0, "{:?}", first.points);
    for pair in first.points.windows(2) {
        assert!(pair[1].mean <= pair[0].mean, "{:?}", first.points);
    }
    // Per trial too: nested adopter sets, same victim and attacker.
    for trial in 0..5 {
        let shares: Vec<f64> = first
            .trials
            .iter()
            .filter(|t| t.trial == trial)
            .map(|t| t.attacker_share)
            .collect();
        assert!(shares.windows(2).all(|w| w[1] <= w[0]), "{shares:?}");
    }
    // Full ROV: the attacker keeps at most its own customers' ... and in fact almost nobody.
    assert!(first.points[2].mean < 0.01, "{:?}", first.points);
    let svg = plot::svg(&first);
    assert!(svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("ROV"));
    let other_seed = SweepSpec { seed: 8, ..spec };
    let other = sweep(graph, None, SimConfig::default(), &other_seed, &|| {}).expect("runs");
    assert_ne!(other.trials, first.trials);
}
