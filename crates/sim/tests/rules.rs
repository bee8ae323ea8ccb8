//! The routing rules on small hand-made topologies, each drawn beside its test (providers above their
//! customers, `---` a peering).

use globe_bgp::policy::rov::RoaTable;
use globe_sim::{
    deliver, Announcement, AsSet, Delivery, Graph, GraphBuilder, Learned, Outcome, Policies, Seed,
    SimConfig, Simulation, SourceKind,
};
use std::net::IpAddr;

fn graph(provider_customer: &[(u32, u32)], peers: &[(u32, u32)]) -> Graph {
    let mut builder = GraphBuilder::new();
    for &(provider, customer) in provider_customer {
        builder.provider_customer(provider, customer);
    }
    for &(a, b) in peers {
        builder.peers(a, b);
    }
    builder.build().expect("test topology is valid")
}

fn prefix(text: &str) -> globe_bgp::Prefix {
    text.parse().expect("test prefix")
}

/// The next-hop ASN of `asn`'s route, `None` without a route.
fn next_hop(graph: &Graph, outcome: &Outcome, asn: u32) -> Option<u32> {
    outcome
        .route_of(graph, asn)
        .map(|route| graph.asn(route.next_hop))
}

/// The ASN of the source `asn`'s route leads to.
fn source_asn(graph: &Graph, outcome: &Outcome, asn: u32) -> Option<u32> {
    outcome
        .route_of(graph, asn)
        .map(|route| outcome.sources()[route.source].asn)
}

fn path(graph: &Graph, outcome: &Outcome, asn: u32) -> Vec<u32> {
    let mut path = Vec::new();
    let index = graph.index(asn).expect("known AS");
    outcome.path(graph, index, &mut path);
    path
}

//      1
//      |
//      2 --- 3
//      |
//      4
#[test]
fn peer_route_is_not_exported_to_a_provider() {
    let graph = graph(&[(1, 2), (2, 4)], &[(2, 3)]);
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast(prefix("192.0.2.0/24"), [3]),
            &Policies::none(&graph),
        )
        .expect("propagates");
    assert_eq!(next_hop(&graph, outcome, 2), Some(3));
    assert_eq!(
        outcome.route_of(&graph, 2).map(|r| r.learned),
        Some(Learned::Peer)
    );
    // A peer's route goes to customers only.
    assert_eq!(next_hop(&graph, outcome, 4), Some(2));
    assert_eq!(path(&graph, outcome, 4), vec![2, 3]);
    assert!(outcome.route_of(&graph, 1).is_none(), "valley: 3 -> 2 -> 1");
}

//      10
//      |  \____
//      11      \--- (peer) 12
//      |                   |
//      12 is origin: 10's customer chain is 10 > 11 > 12
#[test]
fn customer_route_beats_shorter_peer_route() {
    // 10 peers with 12 directly (path length 1) and reaches it through customer 11 (length 2).
    let graph = graph(&[(10, 11), (11, 12)], &[(10, 12)]);
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast(prefix("192.0.2.0/24"), [12]),
            &Policies::none(&graph),
        )
        .expect("propagates");
    let route = outcome.route_of(&graph, 10).expect("route");
    assert_eq!(route.learned, Learned::Customer);
    assert_eq!(graph.asn(route.next_hop), 11);
    assert_eq!(route.path_length, 2);
}

//        100
//       /   \
//     30     20
//       \   /
//        5
#[test]
fn equal_routes_break_ties_on_lowest_neighbor_asn() {
    // Links given in an order that would favour 30 if arrival order mattered.
    let graph = graph(&[(100, 30), (30, 5), (100, 20), (20, 5)], &[]);
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast(prefix("192.0.2.0/24"), [5]),
            &Policies::none(&graph),
        )
        .expect("propagates");
    assert_eq!(next_hop(&graph, outcome, 100), Some(20));
    // A hashed router ID is another deterministic tie-break: still one of the two, stable across runs.
    let config = SimConfig {
        router_id: globe_sim::RouterId::Hashed(7),
        decision: globe_bgp::decision::DecisionConfig::default(),
        ..SimConfig::default()
    };
    let mut hashed = Simulation::with_config(&graph, config);
    let first = next_hop(
        &graph,
        hashed
            .propagate(
                &Announcement::anycast(prefix("192.0.2.0/24"), [5]),
                &Policies::none(&graph),
            )
            .expect("propagates"),
        100,
    );
    let again = next_hop(
        &graph,
        hashed
            .propagate(
                &Announcement::anycast(prefix("192.0.2.0/24"), [5]),
                &Policies::none(&graph),
            )
            .expect("propagates"),
        100,
    );
    assert!(matches!(first, Some(20 | 30)));
    assert_eq!(first, again);
}

//     1 ---------- 2          tier-1 peers
//    / \          / \
//  11   12      21   22       11 and 21: anycast sites; 12, 22: stubs
#[test]
fn anycast_splits_the_catchment_by_nearest_customer_route() {
    let graph = graph(&[(1, 11), (1, 12), (2, 21), (2, 22)], &[(1, 2)]);
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast(prefix("192.0.2.0/24"), [11, 21]),
            &Policies::none(&graph),
        )
        .expect("propagates");
    for (asn, site) in [(1, 11), (12, 11), (11, 11), (2, 21), (22, 21), (21, 21)] {
        assert_eq!(source_asn(&graph, outcome, asn), Some(site), "AS{asn}");
    }
    assert_eq!(outcome.catchments(), vec![3, 3]);
    assert_eq!(outcome.route_of(&graph, 12).map(|r| r.hops), Some(2));
    assert_eq!(outcome.route_of(&graph, 11).map(|r| r.hops), Some(0));
}

//     1 ---------- 2
//    / \          / \
//  11   12      21   22
#[test]
fn prepending_and_neighbor_subsets_steer_anycast() {
    // 5 is a site with providers 11 and 21 (multi-homed below both sides).
    let graph = graph(
        &[(1, 11), (1, 12), (2, 21), (2, 22), (11, 5), (21, 5)],
        &[(1, 2)],
    );
    let mut simulation = Simulation::new(&graph);
    let policies = Policies::none(&graph);
    // Announced only to 21: the whole left side comes over the tier-1 peering.
    let subset = Announcement::new(prefix("192.0.2.0/24")).with(Seed::origin(5).only_to([21]));
    let outcome = simulation
        .propagate(&subset, &policies)
        .expect("propagates");
    assert!(outcome
        .route_of(&graph, 11)
        .is_some_and(|r| r.learned == Learned::Provider));
    assert_eq!(path(&graph, outcome, 12), vec![1, 2, 21, 5]);
    // Two sites, 5 prepending twice: AS 2 has customer routes via 21 to both; length decides.
    let prepended = Announcement::new(prefix("192.0.2.0/24"))
        .with(Seed::origin(5).prepend(2))
        .with(Seed::origin(22));
    let outcome = simulation
        .propagate(&prepended, &policies)
        .expect("propagates");
    assert_eq!(source_asn(&graph, outcome, 2), Some(22));
    assert_eq!(path(&graph, outcome, 21), vec![5, 5, 5]);
    assert_eq!(
        outcome
            .route_of(&graph, 21)
            .map(|r| (r.path_length, r.hops)),
        Some((3, 1))
    );
}

//     1
//     |
//     2
//     |
//     3 (origin, NO_EXPORT)
#[test]
fn no_export_stops_at_the_first_neighbor() {
    let graph = graph(&[(1, 2), (2, 3)], &[]);
    let mut simulation = Simulation::new(&graph);
    let announcement = Announcement::new(prefix("192.0.2.0/24")).with(Seed::origin(3).no_export());
    let outcome = simulation
        .propagate(&announcement, &Policies::none(&graph))
        .expect("propagates");
    assert_eq!(next_hop(&graph, outcome, 2), Some(3));
    assert!(outcome.route_of(&graph, 1).is_none());
}

/// The hijack topology:
///
/// ```text
///            1
///          /   \
///        2 ---- 3
///       / \    / \
///      V   4  A   5        V = 64500 (victim), A = 64666 (attacker)
/// ```
fn hijack_graph() -> Graph {
    graph(
        &[(1, 2), (1, 3), (2, 64500), (2, 4), (3, 64666), (3, 5)],
        &[(2, 3)],
    )
}

const VICTIM: u32 = 64500;
const ATTACKER: u32 = 64666;

#[test]
fn prefix_hijack_splits_by_proximity_and_rov_protects_adopters() {
    let graph = hijack_graph();
    let roas = RoaTable::parse("0 64500 192.0.2.0/24\n").expect("roa");
    let announcement =
        Announcement::anycast(prefix("192.0.2.0/24"), [VICTIM]).with(Seed::attacker(ATTACKER));
    let mut simulation = Simulation::new(&graph);
    let none = Policies::none(&graph).with_roas(&roas);
    let outcome = simulation
        .propagate(&announcement, &none)
        .expect("propagates");
    assert!(outcome.sources()[1].rov_invalid);
    for (asn, expected) in [(2, VICTIM), (4, VICTIM), (3, ATTACKER), (5, ATTACKER)] {
        assert_eq!(source_asn(&graph, outcome, asn), Some(expected), "AS{asn}");
    }
    // Equal customer routes at 1: the lower neighbour, 2, leads to the victim.
    assert_eq!(source_asn(&graph, outcome, 1), Some(VICTIM));

    // AS 3 deploys ROV: it drops the attacker's route and takes the victim's over the peering, and so
    // does its customer 5.
    let rov = Policies {
        rov: AsSet::from_asns(&graph, [3]).expect("known"),
        ..Policies::none(&graph)
    }
    .with_roas(&roas);
    let outcome = simulation
        .propagate(&announcement, &rov)
        .expect("propagates");
    assert_eq!(source_asn(&graph, outcome, 3), Some(VICTIM));
    assert_eq!(source_asn(&graph, outcome, 5), Some(VICTIM));
    assert_eq!(outcome.catchments(), vec![6, 1]);
}

#[test]
fn subprefix_hijack_captures_everyone_without_rov_and_nobody_behind_adopters() {
    let graph = hijack_graph();
    let roas = RoaTable::parse("0 64500 192.0.2.0/24\n").expect("roa");
    let victim = Announcement::anycast(prefix("192.0.2.0/24"), [VICTIM]);
    let attacker = Announcement::new(prefix("192.0.2.0/25")).with(Seed::attacker(ATTACKER));
    let target: IpAddr = "192.0.2.1".parse().expect("address");
    let mut simulation = Simulation::new(&graph);
    let mut outcomes = [Outcome::new(), Outcome::new()];
    let mut deliveries = Vec::new();

    let run = |simulation: &mut Simulation<'_>,
               policies: &Policies<'_>,
               outcomes: &mut [Outcome; 2],
               deliveries: &mut Vec<Delivery>| {
        let [covering, more_specific] = outcomes;
        simulation
            .propagate_into(&victim, policies, covering)
            .expect("propagates");
        simulation
            .propagate_into(&attacker, policies, more_specific)
            .expect("propagates");
        deliver(&[covering, more_specific], target, deliveries);
    };

    // Without ROV every AS, the victim included, sends the first address to the attacker.
    run(
        &mut simulation,
        &Policies::none(&graph).with_roas(&roas),
        &mut outcomes,
        &mut deliveries,
    );
    assert!(outcomes[1].sources()[0].rov_invalid);
    let attacker_delivery = Delivery::Source {
        outcome: 1,
        source: 0,
    };
    assert!(
        deliveries.iter().all(|&d| d == attacker_delivery),
        "{deliveries:?}"
    );

    // ROV at 1 and 2: the /25 never reaches them, so 1, 2, 4 and the victim follow the /24 home;
    // 3 and 5 have the /25 from the attacker directly (3 is the attacker's provider, no ROV).
    let policies = Policies {
        rov: AsSet::from_asns(&graph, [1, 2]).expect("known"),
        ..Policies::none(&graph)
    }
    .with_roas(&roas);
    run(&mut simulation, &policies, &mut outcomes, &mut deliveries);
    let victim_delivery = Delivery::Source {
        outcome: 0,
        source: 0,
    };
    for asn in [1, 2, 4, VICTIM] {
        let index = graph.index(asn).expect("known") as usize;
        assert_eq!(deliveries[index], victim_delivery, "AS{asn}");
    }
    for asn in [3, 5, ATTACKER] {
        let index = graph.index(asn).expect("known") as usize;
        assert_eq!(deliveries[index], attacker_delivery, "AS{asn}");
    }
}

#[test]
fn forged_origin_hijack_passes_rov_and_fails_aspa() {
    let graph = hijack_graph();
    let roas = RoaTable::parse("0 64500 192.0.2.0/24\n").expect("roa");
    let announcement = Announcement::anycast(prefix("192.0.2.0/24"), [VICTIM])
        .with(Seed::attacker(ATTACKER).forging([VICTIM]));
    let mut simulation = Simulation::new(&graph);
    let all_rov = Policies {
        rov: AsSet::all(&graph),
        ..Policies::none(&graph)
    }
    .with_roas(&roas);
    let outcome = simulation
        .propagate(&announcement, &all_rov)
        .expect("propagates");
    assert!(!outcome.sources()[1].rov_invalid);
    assert_eq!(source_asn(&graph, outcome, 3), Some(ATTACKER));
    assert_eq!(path(&graph, outcome, 5), vec![3, ATTACKER, VICTIM]);

    // The victim publishes ASPA (its provider is 2) and 3 verifies: ATTACKER is not a provider of the
    // victim, so the path is Invalid upstream.
    let aspa = Policies {
        aspa: AsSet::from_asns(&graph, [3]).expect("known"),
        aspa_records: AsSet::from_asns(&graph, [VICTIM]).expect("known"),
        ..Policies::none(&graph)
    };
    let outcome = simulation
        .propagate(&announcement, &aspa)
        .expect("propagates");
    assert_eq!(source_asn(&graph, outcome, 3), Some(VICTIM));
    assert_eq!(source_asn(&graph, outcome, 5), Some(VICTIM));
}

/// The leak topology:
///
/// ```text
///          1
///        /   \
///       2     3
///      / \   / \
///     O   L--   S         L = 666 is a customer of both 2 and 3; O = 100 originates; S = 7 a stub
/// ```
fn leak_graph() -> Graph {
    graph(&[(1, 2), (1, 3), (2, 100), (2, 666), (3, 666), (3, 7)], &[])
}

#[test]
fn route_leak_captures_the_second_provider_unless_otc_or_aspa_stop_it() {
    let graph = leak_graph();
    let announcement = Announcement::anycast(prefix("192.0.2.0/24"), [100]).leaked_by(666);
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(&announcement, &Policies::none(&graph))
        .expect("propagates");
    // 3 prefers the leaked customer route (666 2 100) over its provider route (1 2 100).
    assert_eq!(outcome.sources()[1].kind, SourceKind::Leak { leaked: 0 });
    assert_eq!(path(&graph, outcome, 3), vec![666, 2, 100]);
    assert_eq!(source_asn(&graph, outcome, 7), Some(666));
    // 2 is on the leaked path: loop prevention keeps it on its own customer route.
    assert_eq!(next_hop(&graph, outcome, 2), Some(100));

    // RFC 9234 roles everywhere but the leaker: 2 marks the route OTC=2 towards its customer 666, and 3
    // refuses a route with OTC from a customer.
    let mut roles = AsSet::all(&graph);
    roles.remove(graph.index(666).expect("known"));
    let otc = Policies {
        roles,
        ..Policies::none(&graph)
    };
    let outcome = simulation
        .propagate(&announcement, &otc)
        .expect("propagates");
    assert_eq!(path(&graph, outcome, 3), vec![1, 2, 100]);
    assert_eq!(source_asn(&graph, outcome, 7), Some(100));
    assert_eq!(outcome.route_of(&graph, 666).and_then(|r| r.otc), Some(2));

    // ASPA instead: 2 publishes its providers ({1}); 3 verifies the leaked path 666 2 100 upstream:
    // hop 2 -> 666 is Not Provider+.
    let aspa = Policies {
        aspa: AsSet::from_asns(&graph, [3]).expect("known"),
        aspa_records: AsSet::from_asns(&graph, [2]).expect("known"),
        ..Policies::none(&graph)
    };
    let outcome = simulation
        .propagate(&announcement, &aspa)
        .expect("propagates");
    assert_eq!(source_asn(&graph, outcome, 7), Some(100));
}

#[test]
fn unknown_and_duplicate_seeds_are_errors() {
    let graph = leak_graph();
    let mut simulation = Simulation::new(&graph);
    let policies = Policies::none(&graph);
    let unknown = Announcement::anycast(prefix("192.0.2.0/24"), [99]);
    assert_eq!(
        simulation.propagate(&unknown, &policies).err(),
        Some(globe_sim::SimError::UnknownAsn(99))
    );
    let twice = Announcement::anycast(prefix("192.0.2.0/24"), [7, 7]);
    assert_eq!(
        simulation.propagate(&twice, &policies).err(),
        Some(globe_sim::SimError::DuplicateSeed(7))
    );
    let other = hijack_graph();
    assert_eq!(
        simulation
            .propagate(
                &Announcement::anycast(prefix("192.0.2.0/24"), [7]),
                &Policies::none(&other)
            )
            .err(),
        Some(globe_sim::SimError::PoliciesForAnotherGraph)
    );
}
