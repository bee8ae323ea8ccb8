//! Decision process tests: each step decides a pair, order independence, ECMP.

use super::*;
use proptest::prelude::*;
use std::net::Ipv4Addr;

/// A compact candidate, like the simulator's.
#[derive(Clone, Debug, PartialEq)]
struct Route {
    local: bool,
    local_pref: u32,
    path_length: u32,
    origin: Origin,
    med: Option<u32>,
    neighbor_as: u32,
    ebgp: bool,
    igp_cost: u32,
    router_id: u32,
    cluster_list_length: u32,
    peer_address: IpAddr,
    peer_asn: u32,
}

impl Default for Route {
    fn default() -> Self {
        Route {
            local: false,
            local_pref: 100,
            path_length: 2,
            origin: Origin::Igp,
            med: None,
            neighbor_as: 65001,
            ebgp: true,
            igp_cost: 0,
            router_id: 10,
            cluster_list_length: 0,
            peer_address: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            peer_asn: 65001,
        }
    }
}

impl Candidate for Route {
    fn is_local(&self) -> bool {
        self.local
    }
    fn local_pref(&self) -> u32 {
        self.local_pref
    }
    fn as_path_length(&self) -> u32 {
        self.path_length
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn med(&self) -> Option<u32> {
        self.med
    }
    fn neighbor_as(&self) -> u32 {
        self.neighbor_as
    }
    fn is_ebgp(&self) -> bool {
        self.ebgp
    }
    fn igp_cost(&self) -> u32 {
        self.igp_cost
    }
    fn router_id(&self) -> u32 {
        self.router_id
    }
    fn cluster_list_length(&self) -> u32 {
        self.cluster_list_length
    }
    fn peer_address(&self) -> IpAddr {
        self.peer_address
    }
    fn peer_asn(&self) -> u32 {
        self.peer_asn
    }
}

/// `better` beats `worse` at exactly `step`, both ways round.
fn decides(better: &Route, worse: &Route, config: &DecisionConfig, step: Step) {
    assert_eq!(
        compare_explained(better, worse, config),
        (Ordering::Less, step)
    );
    assert_eq!(
        compare_explained(worse, better, config),
        (Ordering::Greater, step)
    );
}

#[test]
fn each_step_decides_a_pair() {
    let config = DecisionConfig::default();
    let base = Route::default();
    let with = |change: &dyn Fn(&mut Route)| {
        let mut route = base.clone();
        change(&mut route);
        route
    };
    decides(&with(&|r| r.local = true), &base, &config, Step::Local);
    decides(
        &with(&|r| r.local_pref = 200),
        &base,
        &config,
        Step::LocalPref,
    );
    decides(
        &base,
        &with(&|r| r.path_length = 3),
        &config,
        Step::AsPathLength,
    );
    decides(
        &base,
        &with(&|r| r.origin = Origin::Egp),
        &config,
        Step::Origin,
    );
    decides(
        &with(&|r| r.origin = Origin::Egp),
        &with(&|r| r.origin = Origin::Incomplete),
        &config,
        Step::Origin,
    );
    decides(
        &with(&|r| r.med = Some(5)),
        &with(&|r| r.med = Some(10)),
        &config,
        Step::Med,
    );
    // Missing MED is 0 by default, the worst with missing_med_worst.
    decides(&base, &with(&|r| r.med = Some(1)), &config, Step::Med);
    let worst = DecisionConfig {
        missing_med_worst: true,
        ..config
    };
    decides(&with(&|r| r.med = Some(1)), &base, &worst, Step::Med);
    decides(&base, &with(&|r| r.ebgp = false), &config, Step::Ebgp);
    decides(&base, &with(&|r| r.igp_cost = 5), &config, Step::IgpCost);
    decides(&base, &with(&|r| r.router_id = 11), &config, Step::RouterId);
    decides(
        &base,
        &with(&|r| r.cluster_list_length = 1),
        &config,
        Step::ClusterListLength,
    );
    decides(
        &base,
        &with(&|r| r.peer_address = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))),
        &config,
        Step::PeerAddress,
    );
    assert_eq!(
        compare_explained(&base, &base.clone(), &config),
        (Ordering::Equal, Step::Equal)
    );
}

#[test]
fn med_only_within_one_neighbor_as_unless_always() {
    let config = DecisionConfig::default();
    let a = Route {
        med: Some(50),
        neighbor_as: 1,
        router_id: 1,
        ..Route::default()
    };
    let b = Route {
        med: Some(10),
        neighbor_as: 2,
        router_id: 2,
        ..Route::default()
    };
    // Different neighbour AS: MED skipped, router ID decides for `a`.
    decides(&a, &b, &config, Step::RouterId);
    let always = DecisionConfig {
        always_compare_med: true,
        ..config
    };
    decides(&b, &a, &always, Step::Med);
}

#[test]
fn lowest_neighbor_asn_tie_break() {
    let config = DecisionConfig {
        tie_break: TieBreak::LowestNeighborAsn,
        ..DecisionConfig::default()
    };
    let low = Route {
        peer_asn: 3,
        router_id: 99,
        neighbor_as: 3,
        ..Route::default()
    };
    let high = Route {
        peer_asn: 7,
        router_id: 1,
        neighbor_as: 7,
        ..Route::default()
    };
    decides(&low, &high, &config, Step::NeighborAsn);
    // The RFC rule picks the other one.
    decides(&high, &low, &DecisionConfig::default(), Step::RouterId);
}

#[test]
fn deterministic_med_breaks_the_cycle() {
    // A and B from AS 1 (A has the lower MED), C from AS 2. Pairwise: A < B (MED), B < C (router
    // ID), C < A (router ID): a cycle. Deterministic MED: AS 1's best is A; A vs C without MED: C.
    let a = Route {
        med: Some(10),
        neighbor_as: 1,
        router_id: 30,
        ..Route::default()
    };
    let b = Route {
        med: Some(20),
        neighbor_as: 1,
        router_id: 10,
        ..Route::default()
    };
    let c = Route {
        med: None,
        neighbor_as: 2,
        router_id: 20,
        ..Route::default()
    };
    let config = DecisionConfig::default();
    assert_eq!(compare(&a, &b, &config), Ordering::Less);
    assert_eq!(compare(&b, &c, &config), Ordering::Less);
    assert_eq!(compare(&c, &a, &config), Ordering::Less);
    let routes = [a.clone(), b.clone(), c.clone()];
    let orders: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for order in orders {
        let shuffled: Vec<Route> = order.iter().map(|&i| routes[i].clone()).collect();
        let best_index = best(&shuffled, &config).expect("non-empty");
        assert_eq!(shuffled[best_index], c, "order {order:?}");
    }
}

#[test]
fn ecmp_set() {
    let config = DecisionConfig {
        max_paths: 4,
        ..DecisionConfig::default()
    };
    let route = |router_id: u32, neighbor_as: u32, igp_cost: u32, path_length: u32| Route {
        router_id,
        neighbor_as,
        igp_cost,
        path_length,
        ..Route::default()
    };
    let routes = [
        route(5, 1, 0, 2),
        route(3, 1, 0, 2),
        route(1, 1, 7, 2), // higher IGP cost: out
        route(7, 2, 0, 2), // other neighbour AS: out unless relaxed
        route(4, 1, 0, 3), // longer path: out
        route(6, 1, 0, 2),
    ];
    assert_eq!(ecmp(&routes, &config), vec![1, 0, 5]);
    let relaxed = DecisionConfig {
        ecmp_same_neighbor_as: false,
        ..config
    };
    assert_eq!(ecmp(&routes, &relaxed), vec![1, 0, 5, 3]);
    let two = DecisionConfig {
        max_paths: 2,
        ..config
    };
    assert_eq!(ecmp(&routes, &two), vec![1, 0]);
    assert_eq!(ecmp(&routes, &DecisionConfig::default()), vec![1]);
    assert!(ecmp::<Route>(&[], &config).is_empty());
}

fn arbitrary_route() -> impl Strategy<Value = Route> {
    (
        (
            any::<bool>(),
            0u32..3,
            1u32..4,
            0u8..3,
            proptest::option::of(0u32..3),
        ),
        (
            1u32..4,
            any::<bool>(),
            0u32..2,
            0u32..4,
            0u32..2,
            0u8..4,
            1u32..4,
        ),
    )
        .prop_map(
            |(
                (local, local_pref, path_length, origin, med),
                (neighbor_as, ebgp, igp_cost, router_id, cluster, address, peer_asn),
            )| Route {
                local: local && router_id == 0,
                local_pref: local_pref * 100,
                path_length,
                origin: Origin::from_u8(origin).unwrap_or(Origin::Igp),
                med,
                neighbor_as,
                ebgp,
                igp_cost,
                router_id,
                cluster_list_length: cluster,
                peer_address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, address)),
                peer_asn,
            },
        )
}

proptest! {
    #[test]
    fn best_is_independent_of_order(
        routes in proptest::collection::vec(arbitrary_route(), 1..8),
        seed in any::<u64>(),
        always in any::<bool>(),
        worst in any::<bool>(),
        lowest_asn in any::<bool>(),
    ) {
        let config = DecisionConfig {
            always_compare_med: always,
            missing_med_worst: worst,
            tie_break: if lowest_asn { TieBreak::LowestNeighborAsn } else { TieBreak::RouterId },
            ..DecisionConfig::default()
        };
        // A deterministic shuffle from the seed.
        let mut shuffled = routes.clone();
        let mut state = seed | 1;
        for index in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(index, (state % (index as u64 + 1)) as usize);
        }
        let first = best(&routes, &config).map(|index| routes[index].clone());
        let second = best(&shuffled, &config).map(|index| shuffled[index].clone());
        // Equal at every step means the same route for our purposes.
        let (first, second) = (first.expect("non-empty"), second.expect("non-empty"));
        prop_assert_eq!(compare(&first, &second, &config), Ordering::Equal);
        // And nothing in the input beats the winner within its neighbour AS.
        for route in &routes {
            if route.neighbor_as == first.neighbor_as || always {
                prop_assert_ne!(compare(route, &first, &config), Ordering::Less);
            }
        }
    }
}
