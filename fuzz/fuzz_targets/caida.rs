//! Fuzzes `globe_sim::caida::parse` (CAIDA AS-relationship text, serial-1 and serial-2): nothing may
//! panic; a graph that loads must hold consistent adjacency (every customer lists its provider) and its
//! structure reports must run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(graph) = globe_sim::caida::parse(data) else {
        return;
    };
    for index in 0..graph.len() as u32 {
        for &customer in graph.customers(index) {
            assert!(graph.providers(customer).contains(&index));
        }
        for &peer in graph.peers(index) {
            assert!(graph.peers(peer).contains(&index));
        }
    }
    let _ = globe_sim::analysis::provider_customer_cycles(&graph);
    let _ = globe_sim::analysis::components(&graph);
});
