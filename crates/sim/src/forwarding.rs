//! Forwarding across several prefixes: where traffic to one address ends up when every AS forwards by
//! longest match over the outcomes of the prefixes that cover it (a subprefix hijack captures exactly
//! the ASes whose longest match leads to the attacker, hop by hop).

use crate::outcome::{Learned, Outcome};
use std::net::IpAddr;

/// Where traffic from one AS to the address ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// At a source: outcome number (in the slice given) and source number in that outcome.
    Source {
        /// Index into the outcomes slice.
        outcome: usize,
        /// Index into that outcome's [`Outcome::sources`].
        source: usize,
    },
    /// Some AS on the way (maybe the first) has no route covering the address.
    NoRoute,
    /// The hop-by-hop path loops (mixing prefixes can do that).
    Loop,
}

/// Forwards from every AS to `address` over `outcomes` (one per prefix, all over the same graph) and
/// writes one [`Delivery`] per AS index into `deliveries`. Each AS picks the longest prefix it has a
/// route for that contains `address` and hands the traffic to that route's next hop. O(ASes): each AS's
/// answer is computed once and shared by everyone who forwards through it.
pub fn deliver(outcomes: &[&Outcome], address: IpAddr, deliveries: &mut Vec<Delivery>) {
    walk(outcomes, address, deliveries, None);
}

/// [`deliver`], also writing into `hops` the AS hops each AS's traffic takes to where it ends (0 at a
/// source; meaningless for [`Delivery::NoRoute`] and [`Delivery::Loop`]).
pub fn deliver_counting_hops(
    outcomes: &[&Outcome],
    address: IpAddr,
    deliveries: &mut Vec<Delivery>,
    hops: &mut Vec<u32>,
) {
    walk(outcomes, address, deliveries, Some(hops));
}

fn walk(
    outcomes: &[&Outcome],
    address: IpAddr,
    deliveries: &mut Vec<Delivery>,
    mut hops: Option<&mut Vec<u32>>,
) {
    let count = outcomes.first().map_or(0, |outcome| outcome.len());
    let mut covering: Vec<usize> = (0..outcomes.len())
        .filter(|&number| {
            let prefix = outcomes[number].prefix();
            outcomes[number].len() == count
                && globe_bgp::Prefix::new_truncating(address, prefix.length())
                    .is_ok_and(|truncated| truncated == prefix)
        })
        .collect();
    covering.sort_by_key(|&number| std::cmp::Reverse(outcomes[number].prefix().length()));

    const UNKNOWN: u8 = 0;
    const VISITING: u8 = 1;
    const DONE: u8 = 2;
    deliveries.clear();
    deliveries.resize(count, Delivery::NoRoute);
    if let Some(hops) = hops.as_deref_mut() {
        hops.clear();
        hops.resize(count, 0);
    }
    let mut state = vec![UNKNOWN; count];
    let mut stack: Vec<u32> = Vec::new();
    for start in 0..count as u32 {
        if state[start as usize] == DONE {
            continue;
        }
        stack.clear();
        let mut current = start;
        // Hops of the last AS on the stack to where the walk ends.
        let mut last_hops = 0;
        let result = loop {
            match state[current as usize] {
                DONE => {
                    if let Some(hops) = hops.as_deref() {
                        last_hops = hops[current as usize] + 1;
                    }
                    break deliveries[current as usize];
                }
                VISITING => break Delivery::Loop,
                _ => {}
            }
            state[current as usize] = VISITING;
            stack.push(current);
            let chosen = covering
                .iter()
                .find_map(|&number| outcomes[number].route(current).map(|route| (number, route)));
            match chosen {
                None => break Delivery::NoRoute,
                Some((number, route)) if route.learned == Learned::Seed => {
                    break Delivery::Source {
                        outcome: number,
                        source: route.source,
                    }
                }
                Some((_, route)) => current = route.next_hop,
            }
        };
        let depth = stack.len() as u32;
        for (position, &index) in stack.iter().enumerate() {
            state[index as usize] = DONE;
            deliveries[index as usize] = result;
            if let Some(hops) = hops.as_deref_mut() {
                hops[index as usize] = last_hops + (depth - 1 - position as u32);
            }
        }
    }
}
