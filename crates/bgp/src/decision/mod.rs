//! The BGP decision process (RFC 4271 §9.1.2): which of several routes to one prefix is best, and which
//! are equal enough to share traffic (ECMP).
//!
//! Everything here is a pure function over the [`Candidate`] trait, so the same rules rank the speaker's
//! routes (full attribute sets in the RIB) and the simulator's compact routes (a role, a path length, a
//! neighbour AS): one decision process for both, as `docs/design/bgp-rib.md` explains.
//!
//! The steps, in order ([`Step`] names each one; [`compare_explained`] says which step decided a pair):
//!
//! 0. a locally originated route beats a learned one (not in RFC 4271; every implementation has it, as
//!    Cisco's weight or BIRD's protocol preference, and the simulator needs an origin to keep its own
//!    announcement);
//! 1. highest LOCAL_PREF, the "degree of preference" of §9.1.1 (for eBGP routes set by import policy,
//!    by default from the neighbour's role, see [`crate::policy::LocalPrefByRole`]);
//! 2. shortest AS path, §9.1.2.2 (a): an AS_SET counts one, confederation segments zero;
//! 3. lowest ORIGIN (IGP < EGP < INCOMPLETE), §9.1.2.2 (b);
//! 4. lowest MULTI_EXIT_DISC, §9.1.2.2 (c), only between routes from the same neighbour AS unless
//!    [`DecisionConfig::always_compare_med`]; a missing MED is 0, or the worst value with
//!    [`DecisionConfig::missing_med_worst`];
//! 5. eBGP over iBGP, §9.1.2.2 (d);
//! 6. lowest interior cost to the next hop, §9.1.2.2 (e);
//! 7. the configured final tie-break ([`TieBreak`]): RFC 4271 §9.1.2.2 (f)–(g) with RFC 4456 §9 (lowest
//!    ORIGINATOR_ID or BGP Identifier, shortest CLUSTER_LIST, lowest peer address), or BGPy's lowest
//!    neighbour ASN first.
//!
//! MED makes the pairwise comparison intransitive: with A and B from AS 1 and C from AS 2, A < B by MED,
//! B < C by router ID and C < A by router ID can all hold, and the "best" would depend on the order the
//! routes arrived in. [`best`] therefore uses *deterministic MED* (BIRD's `deterministic med`, Cisco's
//! `bgp deterministic-med`): routes are grouped by neighbour AS, each group's best is found with MED, and
//! the group winners are compared without MED. Every step of that is a total order, so the result is the
//! same for every permutation of the input (a property test checks it).

mod select;
#[cfg(test)]
mod tests;

use crate::wire::Origin;
use std::cmp::Ordering;
use std::net::IpAddr;

pub use select::{best, best_of, ecmp, ecmp_of, is_ecmp_equal};

/// What the decision process needs to know about one route. Implemented by the RIB's stored routes and
/// by the simulator's compact routes; every method is a cheap read.
pub trait Candidate {
    /// True for a route this speaker (or, in the simulator, this AS) originates itself.
    fn is_local(&self) -> bool {
        false
    }
    /// LOCAL_PREF, or the degree of preference import policy computed (RFC 4271 §9.1.1).
    fn local_pref(&self) -> u32;
    /// AS path length for route selection: an AS_SET counts one, confederation segments zero
    /// (RFC 4271 §9.1.2.2 (a), RFC 5065 §5.3).
    fn as_path_length(&self) -> u32;
    /// ORIGIN.
    fn origin(&self) -> Origin;
    /// MULTI_EXIT_DISC, `None` when the route has none.
    fn med(&self) -> Option<u32>;
    /// The neighbour AS for MED comparison: the first AS of the path, or the local AS for a route with an
    /// empty path (RFC 4271 §9.1.2.2 (c)).
    fn neighbor_as(&self) -> u32;
    /// True when learned over eBGP.
    fn is_ebgp(&self) -> bool;
    /// Interior cost to the next hop (RFC 4271 §9.1.2.2 (e)); 0 when unknown.
    fn igp_cost(&self) -> u32 {
        0
    }
    /// ORIGINATOR_ID when present (RFC 4456 §9), else the BGP Identifier of the peer the route came
    /// from, as a number.
    fn router_id(&self) -> u32;
    /// Number of entries in CLUSTER_LIST (RFC 4456 §9); 0 when absent.
    fn cluster_list_length(&self) -> u32 {
        0
    }
    /// The address of the peer the route came from (RFC 4271 §9.1.2.2 (g)).
    fn peer_address(&self) -> IpAddr;
    /// The AS of the peer the route came from (the [`TieBreak::LowestNeighborAsn`] key).
    fn peer_asn(&self) -> u32;
}

impl<T: Candidate + ?Sized> Candidate for &T {
    fn is_local(&self) -> bool {
        (**self).is_local()
    }
    fn local_pref(&self) -> u32 {
        (**self).local_pref()
    }
    fn as_path_length(&self) -> u32 {
        (**self).as_path_length()
    }
    fn origin(&self) -> Origin {
        (**self).origin()
    }
    fn med(&self) -> Option<u32> {
        (**self).med()
    }
    fn neighbor_as(&self) -> u32 {
        (**self).neighbor_as()
    }
    fn is_ebgp(&self) -> bool {
        (**self).is_ebgp()
    }
    fn igp_cost(&self) -> u32 {
        (**self).igp_cost()
    }
    fn router_id(&self) -> u32 {
        (**self).router_id()
    }
    fn cluster_list_length(&self) -> u32 {
        (**self).cluster_list_length()
    }
    fn peer_address(&self) -> IpAddr {
        (**self).peer_address()
    }
    fn peer_asn(&self) -> u32 {
        (**self).peer_asn()
    }
}

/// How the decision process is configured. `Default` is RFC 4271 behaviour without ECMP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DecisionConfig {
    /// Compare MED between routes from different neighbour ASes too (BIRD `med metric`, Cisco
    /// `always-compare-med`).
    pub always_compare_med: bool,
    /// A route without MED has the worst MED instead of 0 (Cisco `bestpath med missing-as-worst`).
    pub missing_med_worst: bool,
    /// The last step.
    pub tie_break: TieBreak,
    /// Paths to keep for multipath forwarding; 1 disables ECMP.
    pub max_paths: usize,
    /// For ECMP, require the same neighbour AS (the usual default; `false` is "multipath relax").
    pub ecmp_same_neighbor_as: bool,
}

impl Default for DecisionConfig {
    fn default() -> Self {
        DecisionConfig {
            always_compare_med: false,
            missing_med_worst: false,
            tie_break: TieBreak::RouterId,
            max_paths: 1,
            ecmp_same_neighbor_as: true,
        }
    }
}

/// The final tie-break, after the interior cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TieBreak {
    /// RFC 4271 §9.1.2.2 (f)–(g) with RFC 4456 §9: lowest ORIGINATOR_ID / BGP Identifier, then shortest
    /// CLUSTER_LIST, then lowest peer address.
    #[default]
    RouterId,
    /// BGPy's rule: lowest neighbour (peer) ASN, then the [`TieBreak::RouterId`] steps so that two
    /// sessions with one AS still order deterministically.
    LowestNeighborAsn,
}

/// A step of the decision process, in order; the step that told two routes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Locally originated beats learned.
    Local,
    /// LOCAL_PREF.
    LocalPref,
    /// AS path length.
    AsPathLength,
    /// ORIGIN.
    Origin,
    /// MULTI_EXIT_DISC.
    Med,
    /// eBGP over iBGP.
    Ebgp,
    /// Interior cost to the next hop.
    IgpCost,
    /// Lowest neighbour ASN ([`TieBreak::LowestNeighborAsn`] only).
    NeighborAsn,
    /// ORIGINATOR_ID / BGP Identifier.
    RouterId,
    /// CLUSTER_LIST length.
    ClusterListLength,
    /// Peer address.
    PeerAddress,
    /// Nothing told the routes apart.
    Equal,
}

/// Compares two routes: `Ordering::Less` when `a` is *better* than `b`, so sorting a slice with this
/// puts the best first. MED is compared only when both routes have the same neighbour AS (or with
/// [`DecisionConfig::always_compare_med`]), which makes this relation intransitive; use [`best`] to pick
/// among more than two.
pub fn compare<A: Candidate + ?Sized, B: Candidate + ?Sized>(
    a: &A,
    b: &B,
    config: &DecisionConfig,
) -> Ordering {
    compare_explained(a, b, config).0
}

/// [`compare`], also naming the step that decided.
pub fn compare_explained<A: Candidate + ?Sized, B: Candidate + ?Sized>(
    a: &A,
    b: &B,
    config: &DecisionConfig,
) -> (Ordering, Step) {
    let med_comparable = config.always_compare_med || a.neighbor_as() == b.neighbor_as();
    compare_steps(a, b, config, med_comparable, Step::PeerAddress)
}

/// The steps from [`Step::Local`] to `through` inclusive; MED only when `med_comparable`. Each step is
/// evaluated only when reached, so a decided pair costs one or two reads.
pub(crate) fn compare_steps<A: Candidate + ?Sized, B: Candidate + ?Sized>(
    a: &A,
    b: &B,
    config: &DecisionConfig,
    med_comparable: bool,
    through: Step,
) -> (Ordering, Step) {
    // Orderings are "better first": for larger-is-better values the operands are swapped.
    macro_rules! step {
        ($step:expr, $ordering:expr) => {
            if $step > through {
                return (Ordering::Equal, Step::Equal);
            }
            let ordering = $ordering;
            if ordering != Ordering::Equal {
                return (ordering, $step);
            }
        };
    }
    step!(Step::Local, b.is_local().cmp(&a.is_local()));
    step!(Step::LocalPref, b.local_pref().cmp(&a.local_pref()));
    step!(
        Step::AsPathLength,
        a.as_path_length().cmp(&b.as_path_length())
    );
    step!(Step::Origin, a.origin().cmp(&b.origin()));
    if med_comparable {
        step!(Step::Med, med_value(a, config).cmp(&med_value(b, config)));
    }
    step!(Step::Ebgp, b.is_ebgp().cmp(&a.is_ebgp()));
    step!(Step::IgpCost, a.igp_cost().cmp(&b.igp_cost()));
    if config.tie_break == TieBreak::LowestNeighborAsn {
        step!(Step::NeighborAsn, a.peer_asn().cmp(&b.peer_asn()));
    }
    step!(Step::RouterId, a.router_id().cmp(&b.router_id()));
    step!(
        Step::ClusterListLength,
        a.cluster_list_length().cmp(&b.cluster_list_length())
    );
    step!(Step::PeerAddress, a.peer_address().cmp(&b.peer_address()));
    (Ordering::Equal, Step::Equal)
}

/// The MED used for comparison: missing is 0, or `u32::MAX` with `missing_med_worst`.
fn med_value<C: Candidate + ?Sized>(candidate: &C, config: &DecisionConfig) -> u32 {
    match candidate.med() {
        Some(value) => value,
        None if config.missing_med_worst => u32::MAX,
        None => 0,
    }
}
