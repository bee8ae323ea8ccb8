//! The real CAIDA 2016-11-01 graph from `../shared/data` (The CAIDA AS Relationships Dataset,
//! 2016-11-01): counts from `shared/README.md`, structure, and whole-graph propagation facts. The file is
//! required: a missing file fails these tests rather than skipping them.

use globe_sim::{analysis, caida, Announcement, Graph, Learned, Policies, Simulation};
use std::sync::OnceLock;

fn graph() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/caida/20161101.as-rel.txt.bz2"
        );
        caida::load(path).unwrap_or_else(|error| panic!("{path}: {error}"))
    })
}

#[test]
fn counts_match_the_published_figures() {
    let graph = graph();
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
    let graph = graph();
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

#[test]
fn a_real_origin_reaches_almost_everyone() {
    let graph = graph();
    let origin = 13335;
    let mut simulation = Simulation::new(graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast("192.0.2.0/24".parse().expect("prefix"), [origin]),
            &Policies::none(graph),
        )
        .expect("propagates");
    let routed = outcome.routed_count();
    // Valley-free routing leaves a few ASes out: 251 of 55,809 have no route (which ASes get a route
    // does not depend on the tie-break, so this figure is the model's, not an accident of ordering).
    assert_eq!(graph.len() - routed, 251);

    // Every tier-1 has a route.
    for &asn in graph.clique() {
        assert!(outcome.route_of(graph, asn).is_some(), "tier-1 AS{asn}");
    }
    // Every AS whose customer cone holds the origin reaches it by a customer route.
    let origin_index = graph.index(origin).expect("known");
    let mut upstream = vec![origin_index];
    let mut seen = vec![false; graph.len()];
    seen[origin_index as usize] = true;
    while let Some(index) = upstream.pop() {
        for &provider in graph.providers(index) {
            if !seen[provider as usize] {
                seen[provider as usize] = true;
                upstream.push(provider);
                let route = outcome.route(provider).expect("upstream has a route");
                assert_eq!(
                    route.learned,
                    Learned::Customer,
                    "AS{}",
                    graph.asn(provider)
                );
            }
        }
    }
    // Every AS without a route has no provider or peer that exports one to it: all its providers lack
    // the route, and none of its peers has a customer or origin route.
    for index in (0..graph.len() as u32).filter(|&index| !outcome.has_route(index)) {
        assert!(graph
            .providers(index)
            .iter()
            .all(|&p| !outcome.has_route(p)));
        assert!(graph.peers(index).iter().all(|&p| {
            outcome
                .route(p)
                .is_none_or(|route| matches!(route.learned, Learned::Peer | Learned::Provider))
        }));
    }
    // Paths are valley-free and end at the origin.
    let mut path = Vec::new();
    for index in (0..graph.len() as u32).step_by(97) {
        if outcome.path(graph, index, &mut path) && index != origin_index {
            assert_eq!(path.last(), Some(&origin));
            assert_eq!(
                path.len() as u32,
                outcome.route(index).expect("route").path_length
            );
        }
    }
}

#[test]
fn anycast_catchments_cover_the_routed_ases() {
    let graph = graph();
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
