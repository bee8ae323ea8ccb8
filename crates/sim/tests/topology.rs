//! The CAIDA loader and the structural analyses on small inputs: both serials, bzip2, header lists,
//! errors with line numbers, cycles, components, cones.

use globe_sim::caida::{self, LineProblem, LoadError};
use globe_sim::{analysis, Announcement, GraphBuilder, GraphError, Learned, Policies, Simulation};
use std::io::Write;

const SERIAL_1: &str = "\
# input clique: 1 2
# IXP ASes: 9
1|2|0
1|10|-1
2|20|-1
10|100|-1
20|100|-1
10|11|0
";

#[test]
fn serial_1_loads_into_csr_rows_sorted_by_asn() {
    let graph = caida::from_bytes(SERIAL_1.as_bytes()).expect("parses");
    assert_eq!(graph.asns(), &[1, 2, 10, 11, 20, 100]);
    assert_eq!(graph.provider_customer_count(), 4);
    assert_eq!(graph.peer_count(), 2);
    assert_eq!(graph.clique(), &[1, 2]);
    assert_eq!(graph.ixps(), &[9]);
    let index = |asn| graph.index(asn).expect("known");
    let asns = |indices: &[u32]| indices.iter().map(|&i| graph.asn(i)).collect::<Vec<_>>();
    assert_eq!(asns(graph.providers(index(100))), vec![10, 20]);
    assert_eq!(asns(graph.customers(index(1))), vec![10]);
    assert_eq!(asns(graph.peers(index(10))), vec![11]);
    assert!(graph.is_provider_of(index(10), index(100)));
    assert!(!graph.is_provider_of(index(100), index(10)));
}

#[test]
fn serial_2_and_bzip2_give_the_same_graph() {
    let serial_2: String = SERIAL_1
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                format!("{line}\n")
            } else {
                format!("{line}|bgp\n")
            }
        })
        .collect();
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(serial_2.as_bytes()).expect("compresses");
    let compressed = encoder.finish().expect("compresses");
    assert!(compressed.starts_with(b"BZh"));
    let plain = caida::from_bytes(SERIAL_1.as_bytes()).expect("parses");
    for graph in [
        caida::from_bytes(serial_2.as_bytes()).expect("serial-2 parses"),
        caida::from_bytes(&compressed).expect("bzip2 parses"),
    ] {
        assert_eq!(graph.asns(), plain.asns());
        for index in 0..graph.len() as u32 {
            assert_eq!(graph.providers(index), plain.providers(index));
            assert_eq!(graph.customers(index), plain.customers(index));
            assert_eq!(graph.peers(index), plain.peers(index));
        }
    }
}

#[test]
fn errors_name_the_line() {
    let cases: [(&str, usize, LineProblem); 4] = [
        ("1|2|-1\n1|x|0\n", 2, LineProblem::BadAsn("x".into())),
        ("# c\n\n1|2\n", 3, LineProblem::MissingField),
        ("1|2|1\n", 1, LineProblem::BadRelationship("1".into())),
        (
            "# input clique: 1 two\n",
            1,
            LineProblem::BadHeaderAsn("two".into()),
        ),
    ];
    for (text, expected_line, expected_problem) in cases {
        match caida::from_bytes(text.as_bytes()) {
            Err(LoadError::Syntax { line, problem }) => {
                assert_eq!(
                    (line, problem),
                    (expected_line, expected_problem),
                    "{text:?}"
                )
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    match caida::from_bytes(b"1|2|-1\n3|4|0\n2|1|-1\n") {
        Err(LoadError::Graph {
            line: 1,
            other_line: Some(3),
            error: GraphError::Conflict { .. },
        }) => {}
        other => panic!("{other:?}"),
    }
    match caida::from_bytes(b"1|2|-1\n5|5|0\n") {
        Err(error @ LoadError::Graph { line: 2, .. }) => {
            assert_eq!(error.to_string(), "line 2: link 1: AS5 linked to itself")
        }
        other => panic!("{other:?}"),
    }
    // An exact duplicate is kept once.
    let graph = caida::from_bytes(b"1|2|-1\n1|2|-1\n").expect("parses");
    assert_eq!(graph.provider_customer_count(), 1);
}

#[test]
fn cycles_components_and_cones() {
    // 1 > 2 > 3 > 1 is a provider-customer cycle; 3 > 4; 50 -- 51 is a separate island.
    let mut builder = GraphBuilder::new();
    builder
        .provider_customer(1, 2)
        .provider_customer(2, 3)
        .provider_customer(3, 1)
        .provider_customer(3, 4)
        .peers(50, 51)
        .add_as(60);
    let graph = builder.build().expect("valid");
    assert!(graph.has_provider_cycles());
    assert_eq!(
        analysis::provider_customer_cycles(&graph),
        vec![vec![1, 2, 3]]
    );
    let components = analysis::components(&graph);
    assert_eq!(components.count(), 3);
    let giant = components.giant().expect("non-empty");
    assert_eq!(components.sizes[giant as usize], 4);
    let cones = analysis::customer_cone_sizes(&graph);
    let cone = |asn| cones[graph.index(asn).expect("known") as usize];
    assert_eq!((cone(1), cone(3), cone(4), cone(50)), (4, 4, 1, 1));

    // Propagation still settles inside the cycle: the origin 4's provider 3 has a customer route, and
    // the cycle members reach it by customer routes without looping.
    let mut simulation = Simulation::new(&graph);
    let outcome = simulation
        .propagate(
            &Announcement::anycast("192.0.2.0/24".parse().expect("prefix"), [4]),
            &Policies::none(&graph),
        )
        .expect("propagates");
    let mut path = Vec::new();
    for (asn, expected) in [(3, vec![4]), (2, vec![3, 4]), (1, vec![2, 3, 4])] {
        let index = graph.index(asn).expect("known");
        assert!(outcome.path(&graph, index, &mut path));
        assert_eq!(path, expected, "AS{asn}");
        assert_eq!(
            outcome.route(index).map(|r| r.learned),
            Some(Learned::Customer)
        );
    }
    assert!(outcome.route_of(&graph, 50).is_none());
}

#[test]
fn acyclic_graph_reports_no_cycles() {
    let graph = caida::from_bytes(SERIAL_1.as_bytes()).expect("parses");
    assert!(!graph.has_provider_cycles());
    assert!(analysis::provider_customer_cycles(&graph).is_empty());
}
