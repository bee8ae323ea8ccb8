//! Ingest benchmark for the RIB: 1,000,000 synthetic IPv4 routes with 5,000 distinct attribute sets,
//! packed into UPDATEs of up to 100 prefixes per attribute set (as a full-table peer sends them), fed
//! to [`Rib::update`] from one eBGP peer with an accept-all import policy; then exported to a second
//! peer. Prints ns/route and bytes/route.
//!
//! Memory is the growth of the process's resident set (`VmRSS` in `/proc/self/status`) over the
//! ingest, with the input built beforehand: the workspace forbids `unsafe`, which a counting
//! `#[global_allocator]` needs. BIRD's reference figure is about 100 bytes per route for one full
//! feed; the target is at most 1.5 times that, and ingest at least as fast (1M routes in under 1 s).
//!
//! `cargo run --release -p globe-bgp --example rib_ingest [routes] [attribute-sets]`

use globe_bgp::policy::Policy;
use globe_bgp::rib::{PathAttributes, PeerConfig, Rib, RibConfig};
use globe_bgp::wire::{AsPath, Community, NextHop};
use globe_bgp::{decision::DecisionConfig, policy::LocalPrefByRole, Prefix};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let routes: usize = arguments
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let sets: usize = arguments
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(5_000)
        .max(1);

    // Attribute sets: paths of 2..=6 ASes after the peer's, a few communities on some.
    let attribute_sets: Vec<PathAttributes> = (0..sets)
        .map(|index| {
            let index = index as u32;
            let mut asns = vec![65001];
            for hop in 0..(1 + index % 5) {
                asns.push(1000 + (index.wrapping_mul(2654435761).rotate_left(hop) % 60000));
            }
            let mut attributes = PathAttributes {
                as_path: AsPath::from_sequence(asns),
                next_hop: Some(NextHop::Ipv4(Ipv4Addr::new(192, 0, 2, 1))),
                med: index.is_multiple_of(3).then_some(index % 100),
                ..PathAttributes::default()
            };
            if index.is_multiple_of(2) {
                attributes.communities = vec![
                    Community::new(65001, (index % 500) as u16),
                    Community::new(65001, 9999),
                ];
            }
            attributes
        })
        .collect();
    // Prefixes: distinct /24s (and a /20 every 16th) spread over the IPv4 space; each prefix picks a
    // set by a hash, then prefixes are grouped per set into UPDATEs of at most 100.
    let mut by_set: Vec<Vec<Prefix>> = vec![Vec::new(); sets];
    for index in 0..routes {
        let index = index as u32;
        let address = Ipv4Addr::from(0x0100_0000u32.wrapping_add(index << 8));
        let length = if index.is_multiple_of(16) { 20 } else { 24 };
        let Ok(prefix) = Prefix::new_truncating(IpAddr::V4(address), length) else {
            continue;
        };
        let set = (index.wrapping_mul(2246822519) >> 7) as usize % sets;
        by_set[set].push(prefix);
    }
    let updates: Vec<(usize, &[Prefix])> = by_set
        .iter()
        .enumerate()
        .flat_map(|(set, prefixes)| prefixes.chunks(100).map(move |chunk| (set, chunk)))
        .collect();

    let mut rib = Rib::new(RibConfig {
        local_as: 65000,
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        decision: DecisionConfig::default(),
        local_pref: LocalPrefByRole::default(),
    });
    let mut feed = PeerConfig::new(
        65001,
        Ipv4Addr::new(10, 0, 0, 2),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    );
    feed.import = Some(Arc::new(Policy::accept_all()));
    let feed = rib.add_peer(feed);
    let mut downstream = PeerConfig::new(
        65002,
        Ipv4Addr::new(10, 0, 0, 3),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
    );
    downstream.export = Some(Arc::new(Policy::accept_all()));
    downstream.next_hop_self = Some(NextHop::Ipv4(Ipv4Addr::new(192, 0, 2, 254)));
    let downstream = rib.add_peer(downstream);

    let before = resident_bytes();
    let start = Instant::now();
    let mut changes = 0usize;
    for (set, prefixes) in &updates {
        match rib.update(feed, prefixes, &attribute_sets[*set], &[]) {
            Ok(result) => changes += result.len(),
            Err(error) => panic!("{error:?}"),
        }
    }
    let ingest = start.elapsed();
    let after = resident_bytes();
    let installed = rib.len();
    println!(
        "ingest: {installed} routes ({changes} Loc-RIB changes) in {} UPDATEs, {} attribute sets: \
         {:.3} s, {:.0} ns/route",
        updates.len(),
        rib.attribute_sets(),
        ingest.as_secs_f64(),
        ingest.as_nanos() as f64 / installed.max(1) as f64
    );
    if let (Some(before), Some(after)) = (before, after) {
        let bytes = after.saturating_sub(before) as f64 / installed.max(1) as f64;
        println!(
            "memory: {:.1} MB resident growth, {bytes:.0} bytes/route ({:.2}x BIRD's ~100 B/route)",
            after.saturating_sub(before) as f64 / 1e6,
            bytes / 100.0
        );
    }

    let start = Instant::now();
    let out = rib.refresh(downstream).unwrap_or_default();
    let export = start.elapsed();
    let after_export = resident_bytes();
    println!(
        "export to one eBGP peer: {} prefixes in {} attribute groups, {:.3} s, {:.0} ns/route",
        out.announced_count(),
        out.announced.len(),
        export.as_secs_f64(),
        export.as_nanos() as f64 / out.announced_count().max(1) as f64
    );
    if let (Some(before), Some(after)) = (after, after_export) {
        println!(
            "Adj-RIB-Out: {:.0} bytes/route (includes the {}-entry update list)",
            after.abs_diff(before) as f64 / out.announced_count().max(1) as f64,
            out.announced_count()
        );
    }

    let start = Instant::now();
    let withdrawn = rib
        .peer_down(feed)
        .map(|changes| changes.len())
        .unwrap_or(0);
    println!(
        "peer down: {withdrawn} withdrawals in {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
