//! Per-AS policies (which ASes deploy ROV, ASPA, RFC 9234 roles) and the simulation's routing
//! configuration (the bgp crate's [`DecisionConfig`] and [`LocalPrefByRole`]).
//!
//! Policies are bitsets over the graph's AS indices, so a sweep changes adoption per trial by flipping
//! bits, and the engine tests a policy with one load.

use crate::asset::AsSet;
use crate::graph::Graph;
use globe_bgp::decision::{DecisionConfig, TieBreak};
use globe_bgp::policy::rov::RoaTable;
use globe_bgp::policy::LocalPrefByRole;

/// Which ASes run which validation, and the RPKI data they validate against.
#[derive(Clone, Debug)]
pub struct Policies<'a> {
    /// Route origin validation (RFC 6811) adopters: they drop routes whose state is Invalid.
    pub rov: AsSet,
    /// ASPA path verification adopters: they drop routes whose ASPA state is Invalid.
    pub aspa: AsSet,
    /// ASes that publish an ASPA record listing their providers from the graph (hop checks on other
    /// ASes answer No Attestation).
    pub aspa_records: AsSet,
    /// RFC 9234 adopters: they apply the Only-to-Customer ingress and egress rules on every session
    /// (the roles come from the graph's relationships).
    pub roles: AsSet,
    /// The validated ROA payloads ROV adopters check against; `None`: every route is NotFound.
    pub roas: Option<&'a RoaTable>,
}

/// How ASes decide between routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// The bgp crate's decision configuration. Only LOCAL_PREF, path length and the tie-break can differ
    /// between simulated routes (no MED, IGP cost or iBGP), so [`DecisionConfig::tie_break`] is what
    /// matters: [`TieBreak::LowestNeighborAsn`] is BGPy's rule.
    pub decision: DecisionConfig,
    /// The LOCAL_PREF each relationship gets on import (Gao-Rexford: customer > peer > provider). The
    /// engine's three phases assume this order.
    pub local_pref: LocalPrefByRole,
    /// What a route's BGP Identifier is, for [`TieBreak::RouterId`].
    pub router_id: RouterId,
}

/// The BGP Identifier a simulated route carries: the final tie-break under [`TieBreak::RouterId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterId {
    /// The neighbour's ASN (so the tie-break is lowest neighbour ASN either way).
    NeighborAsn,
    /// A hash of the neighbour's ASN and this seed: a deterministic pseudo-random tie-break, different
    /// per seed (for sweeps that average over tie-breaks).
    Hashed(u64),
}

impl<'a> Policies<'a> {
    /// Nobody adopts anything.
    pub fn none(graph: &Graph) -> Policies<'a> {
        Policies {
            rov: AsSet::for_graph(graph),
            aspa: AsSet::for_graph(graph),
            aspa_records: AsSet::for_graph(graph),
            roles: AsSet::for_graph(graph),
            roas: None,
        }
    }

    /// With these ROAs.
    pub fn with_roas(mut self, roas: &'a RoaTable) -> Policies<'a> {
        self.roas = Some(roas);
        self
    }

    /// True when every set is sized for a graph of `count` ASes.
    pub(crate) fn fits(&self, count: usize) -> bool {
        [&self.rov, &self.aspa, &self.aspa_records, &self.roles]
            .iter()
            .all(|set| set.capacity() == count)
    }
}

impl Default for SimConfig {
    /// BGPy's model: Gao-Rexford preferences, shortest path, lowest neighbour ASN.
    fn default() -> Self {
        SimConfig {
            decision: DecisionConfig {
                tie_break: TieBreak::LowestNeighborAsn,
                ..DecisionConfig::default()
            },
            local_pref: LocalPrefByRole::default(),
            router_id: RouterId::NeighborAsn,
        }
    }
}

impl RouterId {
    /// The identifier of a route learned from `neighbor_asn`.
    #[inline]
    pub fn of(self, neighbor_asn: u32) -> u32 {
        match self {
            RouterId::NeighborAsn => neighbor_asn,
            RouterId::Hashed(seed) => {
                // SplitMix64 finaliser: cheap, well mixed, stable across platforms.
                let mut x = seed ^ u64::from(neighbor_asn).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (x ^ (x >> 31)) as u32
            }
        }
    }
}
