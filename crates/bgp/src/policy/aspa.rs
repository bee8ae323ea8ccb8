//! ASPA-based AS path verification (draft-ietf-sidrops-aspa-verification, the procedure of its
//! revisions 16 onwards): does every hop of an AS path follow a customer→provider ("up") or
//! provider→customer ("down") relation that the ASes' ASPA records allow?
//!
//! Let the path, prepends collapsed, be AS(N) … AS(1) with AS(1) the origin and AS(N) the neighbour.
//! `hop(x, y)` is *No Attestation* when x has no ASPA, *Provider+* when y is among x's providers,
//! *Not Provider+* otherwise. Then:
//!
//! - max_up_ramp = the least I with hop(AS(I), AS(I+1)) = Not Provider+, else N;
//!   min_up_ramp = the least I with hop(AS(I), AS(I+1)) ≠ Provider+, else N;
//! - max_down_ramp = N − J + 1 for the greatest J with hop(AS(J), AS(J−1)) = Not Provider+, else N;
//!   min_down_ramp likewise with ≠ Provider+.
//!
//! **Upstream** (route from a customer, lateral peer, route-server client, or a route server's client
//! side): Invalid if max_up_ramp < N, Unknown if min_up_ramp < N, else Valid. **Downstream** (route from
//! a provider): Invalid if max_up_ramp + max_down_ramp < N, Unknown if min_up_ramp + min_down_ramp < N,
//! else Valid. An empty path, an AS_SET, or a neighbour AS that is not the path's first AS (except at a
//! route-server client, since route servers do not prepend themselves) is Invalid.
//!
//! The verifier takes the path as an AS slice in AS_PATH order (neighbour first) and the provider
//! relation as a trait, so the simulator can answer `hop` from its topology for the ASes it marks as
//! ASPA adopters without building a table.

use super::Relationship;
use crate::wire::{AsPath, SegmentType};
use std::collections::HashMap;

/// The outcome of verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AspaState {
    /// Every hop is attested and the path is valley-free.
    Valid,
    /// Some hop is attested to break the valley-free shape.
    Invalid,
    /// Not provably valid or invalid (missing ASPAs).
    Unknown,
}

/// The answer of the hop check `hop(customer, provider)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    /// `customer` has no ASPA.
    NoAttestation,
    /// `provider` is in `customer`'s ASPA.
    ProviderPlus,
    /// `customer` has an ASPA that does not name `provider`.
    NotProviderPlus,
}

/// Which procedure applies, from the relationship of the neighbour the route came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From a customer, lateral peer, route server or route-server client.
    Upstream,
    /// From a provider.
    Downstream,
}

impl Direction {
    /// The procedure for a route from a neighbour of this relationship; `None` for iBGP (ASPA is
    /// verified at the border).
    pub fn for_relationship(from: Relationship) -> Option<Direction> {
        match from {
            Relationship::Provider => Some(Direction::Downstream),
            Relationship::Internal => None,
            _ => Some(Direction::Upstream),
        }
    }
}

/// The customer→providers relation ASPA records give.
pub trait ProviderAuthorization {
    /// The hop check for `customer` → `provider`.
    fn hop(&self, customer: u32, provider: u32) -> Hop;
}

/// ASPA records: customer AS → the set of its provider ASes. A record with only AS 0 says "no
/// providers" and makes every hop up from that AS Not Provider+.
#[derive(Clone, Debug, Default)]
pub struct AspaTable {
    records: HashMap<u32, Box<[u32]>>,
}

impl AspaTable {
    /// An empty table.
    pub fn new() -> Self {
        AspaTable::default()
    }

    /// Sets (replaces) the ASPA record of `customer`.
    pub fn insert(&mut self, customer: u32, providers: impl IntoIterator<Item = u32>) {
        let mut providers: Vec<u32> = providers.into_iter().collect();
        providers.sort_unstable();
        providers.dedup();
        self.records.insert(customer, providers.into_boxed_slice());
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl ProviderAuthorization for AspaTable {
    fn hop(&self, customer: u32, provider: u32) -> Hop {
        match self.records.get(&customer) {
            None => Hop::NoAttestation,
            Some(providers) if providers.binary_search(&provider).is_ok() => Hop::ProviderPlus,
            Some(_) => Hop::NotProviderPlus,
        }
    }
}

/// The path as a plain AS sequence for [`verify`], or `None` when it holds an AS_SET (which makes it
/// Invalid). Confederation segments are dropped (they are internal to the neighbour AS).
pub fn path_sequence(path: &AsPath) -> Option<Vec<u32>> {
    let mut asns = Vec::with_capacity(path.path_length());
    for segment in &path.segments {
        match segment.kind {
            SegmentType::Sequence => asns.extend_from_slice(&segment.asns),
            SegmentType::Set => return None,
            SegmentType::ConfedSequence | SegmentType::ConfedSet => {}
        }
    }
    Some(asns)
}

/// Verifies `path` (AS_PATH order: neighbour first, origin last; prepends allowed) received from a
/// neighbour with AS `neighbor_as`. `neighbor_as` is `None` when the check that the path starts with the
/// neighbour does not apply (we are a route-server client and the neighbour is the route server, which
/// does not add its AS).
pub fn verify<T: ProviderAuthorization + ?Sized>(
    table: &T,
    path: &[u32],
    direction: Direction,
    neighbor_as: Option<u32>,
) -> AspaState {
    let Some(&first) = path.first() else {
        return AspaState::Invalid;
    };
    if neighbor_as.is_some_and(|neighbor| neighbor != first) {
        return AspaState::Invalid;
    }
    let ramps = Ramps::compute(table, path);
    let n = ramps.length;
    match direction {
        Direction::Upstream => {
            if ramps.max_up < n {
                AspaState::Invalid
            } else if ramps.min_up < n {
                AspaState::Unknown
            } else {
                AspaState::Valid
            }
        }
        Direction::Downstream => {
            if ramps.max_up + ramps.max_down < n {
                AspaState::Invalid
            } else if ramps.min_up + ramps.min_down < n {
                AspaState::Unknown
            } else {
                AspaState::Valid
            }
        }
    }
}

/// The four ramp lengths and N, computed in two passes without allocating.
#[derive(Debug, PartialEq, Eq)]
struct Ramps {
    length: usize,
    max_up: usize,
    min_up: usize,
    max_down: usize,
    min_down: usize,
}

impl Ramps {
    fn compute<T: ProviderAuthorization + ?Sized>(table: &T, path: &[u32]) -> Ramps {
        // Origin first, prepends collapsed: AS(1), AS(2), …, AS(N).
        let up = || unique(path.iter().rev().copied());
        let length = up().count();
        let (mut max_up, mut min_up) = (None, None);
        for (index, (lower, upper)) in up().zip(up().skip(1)).enumerate() {
            let i = index + 1;
            match table.hop(lower, upper) {
                Hop::ProviderPlus => {}
                Hop::NoAttestation => {
                    min_up.get_or_insert(i);
                }
                Hop::NotProviderPlus => {
                    min_up.get_or_insert(i);
                    max_up = Some(i);
                    break;
                }
            }
        }
        // Neighbour first: AS(N), AS(N-1), …; the pair (AS(J), AS(J-1)) for J = N down to 2.
        let down = || unique(path.iter().copied());
        let (mut max_down, mut min_down) = (None, None);
        for (index, (upper, lower)) in down().zip(down().skip(1)).enumerate() {
            let j = length - index;
            match table.hop(upper, lower) {
                Hop::ProviderPlus => {}
                Hop::NoAttestation => {
                    min_down.get_or_insert(length - j + 1);
                }
                Hop::NotProviderPlus => {
                    min_down.get_or_insert(length - j + 1);
                    max_down = Some(length - j + 1);
                    break;
                }
            }
        }
        Ramps {
            length,
            max_up: max_up.unwrap_or(length),
            min_up: min_up.unwrap_or(length),
            max_down: max_down.unwrap_or(length),
            min_down: min_down.unwrap_or(length),
        }
    }
}

/// Collapses runs of one AS (prepends).
fn unique(asns: impl Iterator<Item = u32>) -> impl Iterator<Item = u32> {
    let mut previous = None;
    asns.filter(move |&asn| {
        let keep = previous != Some(asn);
        previous = Some(asn);
        keep
    })
}
