//! What several of globe-sim's integration tests share: the real CAIDA 2016-11-01 graph from
//! `../shared/data` (The CAIDA AS Relationships Dataset, 2016-11-01), loaded once per test binary. The
//! file is required: a missing file fails the tests rather than skipping them.

use globe_sim::{caida, Graph};
use std::sync::OnceLock;

/// The 2016 graph (55,809 ASes).
pub fn caida_2016() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/caida/20161101.as-rel.txt.bz2"
        );
        caida::load(path).unwrap_or_else(|error| panic!("{path}: {error}"))
    })
}
