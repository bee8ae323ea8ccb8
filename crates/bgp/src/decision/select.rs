//! Choosing among many routes: the best one with deterministic MED, and the ECMP set.
//!
//! Both functions take the routes either as a slice or (the `_of` forms) as a count and an accessor, so a
//! caller whose routes are stored apart from the peer data the [`Candidate`] trait needs (the RIB) can
//! build each candidate view on the fly without collecting them first.

use super::{compare_steps, Candidate, DecisionConfig, Step};
use std::cmp::Ordering;

/// The index of the best route, `None` for an empty slice. Independent of the order of `candidates`
/// (up to routes that are equal at every step; the first of those wins).
pub fn best<C: Candidate>(candidates: &[C], config: &DecisionConfig) -> Option<usize> {
    best_of(candidates.len(), |index| &candidates[index], config)
}

/// [`best`] over `count` routes that `candidate(index)` returns.
pub fn best_of<C: Candidate, F: Fn(usize) -> C>(
    count: usize,
    candidate: F,
    config: &DecisionConfig,
) -> Option<usize> {
    match count {
        0 => None,
        1 => Some(0),
        _ if config.always_compare_med => {
            // Every step compares: one total order.
            Some(fold_best(0..count, &candidate, config, true))
        }
        2 => {
            // Two routes are one group (same neighbour AS, MED compared) or two groups (MED not compared).
            let (a, b) = (candidate(0), candidate(1));
            let comparable = a.neighbor_as() == b.neighbor_as();
            let (ordering, _) = compare_steps(&a, &b, config, comparable, Step::PeerAddress);
            Some(if ordering == Ordering::Greater { 1 } else { 0 })
        }
        _ => {
            let winners = group_winners(count, &candidate, config);
            Some(fold_best(
                winners.iter().map(|&(_, index)| index),
                &candidate,
                config,
                false,
            ))
        }
    }
}

/// The ECMP set: indices of the routes to forward over, best first, at most
/// [`DecisionConfig::max_paths`]. A route joins the best one when nothing up to and including the interior
/// cost tells them apart (RFC 4271 §9.1.2.2 (a)–(e)), it is the best of its neighbour AS by MED, and (with
/// [`DecisionConfig::ecmp_same_neighbor_as`]) it came from the best route's neighbour AS. Empty when
/// `candidates` is.
pub fn ecmp<C: Candidate>(candidates: &[C], config: &DecisionConfig) -> Vec<usize> {
    ecmp_of(candidates.len(), |index| &candidates[index], config)
}

/// [`ecmp`] over `count` routes that `candidate(index)` returns.
pub fn ecmp_of<C: Candidate, F: Fn(usize) -> C>(
    count: usize,
    candidate: F,
    config: &DecisionConfig,
) -> Vec<usize> {
    let Some(best_index) = best_of(count, &candidate, config) else {
        return Vec::new();
    };
    if config.max_paths <= 1 {
        return vec![best_index];
    }
    let best_route = candidate(best_index);
    let winners = group_winners(count, &candidate, config);
    let mut members: Vec<usize> = (0..count)
        .filter(|&index| {
            let route = candidate(index);
            let Some(&(_, winner)) = winners.iter().find(|(asn, _)| *asn == route.neighbor_as())
            else {
                return false;
            };
            is_ecmp_equal(&route, &candidate(winner), config)
                && is_ecmp_equal(&route, &best_route, config)
        })
        .collect();
    members.sort_by(|&a, &b| {
        let (a_route, b_route) = (candidate(a), candidate(b));
        let comparable =
            config.always_compare_med || a_route.neighbor_as() == b_route.neighbor_as();
        compare_steps(&a_route, &b_route, config, comparable, Step::PeerAddress)
            .0
            .then(a.cmp(&b))
    });
    // The best route is first by construction unless equal at every step to another: put it first.
    if let Some(position) = members.iter().position(|&index| index == best_index) {
        members.remove(position);
    }
    members.insert(0, best_index);
    members.truncate(config.max_paths);
    members
}

/// True when `a` and `b` may share traffic: equal up to and including the interior cost (MED compared
/// between routes of one neighbour AS, or always with `always_compare_med`), and from one neighbour AS
/// when [`DecisionConfig::ecmp_same_neighbor_as`] asks for it.
pub fn is_ecmp_equal<A: Candidate + ?Sized, B: Candidate + ?Sized>(
    a: &A,
    b: &B,
    config: &DecisionConfig,
) -> bool {
    let same_as = a.neighbor_as() == b.neighbor_as();
    if config.ecmp_same_neighbor_as && !same_as {
        return false;
    }
    let comparable = config.always_compare_med || same_as;
    compare_steps(a, b, config, comparable, Step::IgpCost).0 == Ordering::Equal
}

/// The best of `indices` under one total order (MED compared everywhere when `med_comparable`, which the
/// callers pass only for routes where that is sound). Ties keep the lowest index.
fn fold_best<C: Candidate, F: Fn(usize) -> C>(
    indices: impl IntoIterator<Item = usize>,
    candidate: &F,
    config: &DecisionConfig,
    med_comparable: bool,
) -> usize {
    let mut indices = indices.into_iter();
    let Some(mut best_index) = indices.next() else {
        return 0;
    };
    let mut best_route = candidate(best_index);
    for index in indices {
        let route = candidate(index);
        let (ordering, _) = compare_steps(
            &route,
            &best_route,
            config,
            med_comparable,
            Step::PeerAddress,
        );
        if ordering == Ordering::Less || (ordering == Ordering::Equal && index < best_index) {
            best_index = index;
            best_route = route;
        }
    }
    best_index
}

/// For each neighbour AS, the best of its routes with MED compared: `(neighbour AS, index)` pairs.
fn group_winners<C: Candidate, F: Fn(usize) -> C>(
    count: usize,
    candidate: &F,
    config: &DecisionConfig,
) -> Vec<(u32, usize)> {
    let mut winners: Vec<(u32, usize)> = Vec::new();
    for index in 0..count {
        let route = candidate(index);
        let asn = route.neighbor_as();
        match winners.iter_mut().find(|(group, _)| *group == asn) {
            None => winners.push((asn, index)),
            Some((_, winner)) => {
                let (ordering, _) =
                    compare_steps(&route, &candidate(*winner), config, true, Step::PeerAddress);
                if ordering == Ordering::Less || (ordering == Ordering::Equal && index < *winner) {
                    *winner = index;
                }
            }
        }
    }
    winners
}
