//! The real CAIDA 2016-11-01 graph from `../shared/data` (The CAIDA AS Relationships Dataset,
//! 2016-11-01): counts from `shared/README.md`, structure, and whole-graph propagation facts. The file is
//! required: a missing file fails these tests rather than skipping them.

mod support;

use globe_sim::outcome::{NoRouteReasons, Outcome};
use globe_sim::{analysis, Announcement, Learned, Policies, Simulation};
use std::sync::OnceLock;

#[test]
fn counts_match_the_published_figures() {
    let graph = support::caida_2016();
    assert_eq!(graph.len(), 55_809);
    assert_eq!(graph.provider_customer_count(), 110_479);
    assert_eq!(graph.peer_count(), 128_585);
    assert_eq!(
        graph.clique(),
        &[
            174, 209, 286, 701, 1239, 1299, 2828, 2914, 3257, 3320, 3356, 5511, 6453, 6461, 6762,
            7018, 12956
        ]
    );
    assert_eq!(graph.ixps().len(), 28);
}

#[test]
fn structure_is_one_acyclic_component() {
    let graph = support::caida_2016();
    assert!(analysis::provider_customer_cycles(graph).is_empty());
    let components = analysis::components(graph);
    assert_eq!(components.count(), 1);
    let cones = analysis::customer_cone_sizes(graph);
    let largest = (0..graph.len() as u32)
        .max_by_key(|&index| cones[index as usize])
        .map(|index| graph.asn(index));
    assert_eq!(
        largest,
        Some(3356),
        "Level 3 has the largest customer cone in 2016"
    );
    // Every AS's cone holds itself; most ASes are stubs.
    let stubs = cones.iter().filter(|&&size| size == 1).count();
    assert!(stubs > graph.len() * 3 / 4, "{stubs} stubs");
}

/// One origin, AS13335, announcing 192.0.2.0/24 with default policies.
const ORIGIN: u32 = 13335;

fn single_origin() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| {
        let graph = support::caida_2016();
        let mut simulation = Simulation::new(graph);
        simulation
            .propagate(
                &Announcement::anycast("192.0.2.0/24".parse().expect("prefix"), [ORIGIN]),
                &Policies::none(graph),
            )
            .expect("propagates")
            .clone()
    })
}

#[test]
fn ases_without_a_route_are_cut_off_by_valley_free_export() {
    let (graph, outcome) = (support::caida_2016(), single_origin());
    // Valley-free routing leaves 251 of 55,809 ASes out (which ASes get a route does not depend on the
    // tie-break, so this is the model's figure, not an accident of ordering).
    assert_eq!(graph.len() - outcome.routed_count(), 251);
    // Why: 192 have no provider and no peer with a customer route (peers export only those), 59 have
    // providers that are themselves cut off; none is in another component or lost to policy.
    let reasons = outcome.no_route_reasons(graph, graph.len());
    assert_eq!(
        reasons,
        NoRouteReasons {
            other_component: 0,
            no_provider: 192,
            providers_without: 59,
            filtered: 0
        }
    );
    // The same, checked link by link: every AS without a route has no provider with a route, and no
    // peer or customer with a customer or origin route.
    let exports = |p: u32| {
        outcome
            .route(p)
            .is_some_and(|route| matches!(route.learned, Learned::Customer | Learned::Seed))
    };
    for index in (0..graph.len() as u32).filter(|&index| !outcome.has_route(index)) {
        let asn = graph.asn(index);
        assert!(
            graph
                .providers(index)
                .iter()
                .all(|&p| !outcome.has_route(p)),
            "AS{asn}"
        );
        assert!(!graph.peers(index).iter().any(|&p| exports(p)), "AS{asn}");
        assert!(
            !graph.customers(index).iter().any(|&c| exports(c)),
            "AS{asn}"
        );
    }
}

#[test]
fn every_tier1_of_the_clique_has_a_route() {
    let (graph, outcome) = (support::caida_2016(), single_origin());
    assert_eq!(graph.clique().len(), 17);
    for &asn in graph.clique() {
        assert!(outcome.route_of(graph, asn).is_some(), "tier-1 AS{asn}");
    }
}

#[test]
fn the_origins_customer_cone_reaches_it_by_customer_routes() {
    let (graph, outcome) = (support::caida_2016(), single_origin());
    // Every AS whose customer cone holds the origin (its providers, their providers...) uses a
    // customer route, and its path runs down provider→customer links only.
    let origin_index = graph.index(ORIGIN).expect("known");
    let mut upstream = vec![origin_index];
    let mut seen = vec![false; graph.len()];
    seen[origin_index as usize] = true;
    let mut above = 0;
    let mut path = Vec::new();
    while let Some(index) = upstream.pop() {
        for &provider in graph.providers(index) {
            if !seen[provider as usize] {
                seen[provider as usize] = true;
                upstream.push(provider);
                above += 1;
                let route = outcome.route(provider).expect("upstream has a route");
                assert_eq!(
                    route.learned,
                    Learned::Customer,
                    "AS{}",
                    graph.asn(provider)
                );
                assert!(outcome.path(graph, provider, &mut path));
                let mut hop = provider;
                for &asn in &path {
                    let next = graph.index(asn).expect("known");
                    assert!(
                        graph.is_provider_of(hop, next),
                        "AS{} path {path:?}",
                        graph.asn(provider)
                    );
                    hop = next;
                }
            }
        }
    }
    assert!(above > 10, "{above} ASes above the origin");
}

#[test]
fn paths_end_at_the_origin_with_the_counted_length() {
    let (graph, outcome) = (support::caida_2016(), single_origin());
    let origin_index = graph.index(ORIGIN).expect("known");
    let mut path = Vec::new();
    for index in (0..graph.len() as u32).step_by(97) {
        if outcome.path(graph, index, &mut path) && index != origin_index {
            assert_eq!(path.last(), Some(&ORIGIN));
            assert_eq!(
                path.len() as u32,
                outcome.route(index).expect("route").path_length
            );
        }
    }
}

#[test]
fn anycast_catchments_cover_the_routed_ases() {
    let graph = support::caida_2016();
    let mut simulation = Simulation::new(graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast(
                "192.0.2.0/24".parse().expect("prefix"),
                [13335, 15169, 2914],
            ),
            &Policies::none(graph),
        )
        .expect("propagates");
    let catchments = outcome.catchments();
    assert_eq!(catchments.iter().sum::<usize>(), outcome.routed_count());
    assert!(catchments.iter().all(|&size| size > 1000), "{catchments:?}");
}
