//! Times propagation on the real 2016 CAIDA graph (55,809 ASes): load, structure, then the median of 20
//! propagations for a single origin, a three-site anycast prefix, and a prefix hijack with 30% ROV.
//!
//! `cargo run --release -p globe-sim --example propagate [-- PATH]`

use globe_sim::{analysis, caida, Announcement, AsSet, Policies, Seed, Simulation};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let default = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/caida/20161101.as-rel.txt.bz2"
    );
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default.to_string());
    let started = Instant::now();
    let graph = caida::load(&path)?;
    println!(
        "loaded {path}: {} ASes, {} p2c, {} p2p links in {:.0} ms",
        graph.len(),
        graph.provider_customer_count(),
        graph.peer_count(),
        millis(started.elapsed())
    );
    let started = Instant::now();
    let cycles = analysis::provider_customer_cycles(&graph);
    let components = analysis::components(&graph);
    let cones = analysis::customer_cone_sizes(&graph);
    let largest_cone = (0..graph.len() as u32)
        .max_by_key(|&index| cones[index as usize])
        .map_or(0, |index| graph.asn(index));
    println!(
        "structure in {:.0} ms: {} provider-customer cycles, {} components (giant {}), largest cone AS{} ({})",
        millis(started.elapsed()),
        cycles.len(),
        components.count(),
        components.giant().map_or(0, |c| components.sizes[c as usize]),
        largest_cone,
        graph.index(largest_cone).map_or(0, |i| cones[i as usize]),
    );

    let prefix = "192.0.2.0/24".parse()?;
    let none = Policies::none(&graph);
    let mut simulation = Simulation::new(&graph);

    let single = Announcement::anycast(prefix, [13335]);
    let anycast = Announcement::anycast(prefix, [13335, 15169, 2914]);
    let victim_prefix = "1.1.1.0/24".parse()?;
    let roas = globe_bgp::policy::rov::RoaTable::parse("0 13335 1.1.1.0/24\n")?;
    let mut rov = AsSet::for_graph(&graph);
    for index in (0..graph.len() as u32).filter(|index| index % 10 < 3) {
        rov.insert(index);
    }
    let hijack_policies = Policies {
        rov,
        ..Policies::none(&graph)
    }
    .with_roas(&roas);
    let hijack = Announcement::anycast(victim_prefix, [13335]).with(Seed::attacker(4134));

    for (name, announcement, policies) in [
        ("single origin AS13335", &single, &none),
        ("anycast 13335+15169+2914", &anycast, &none),
        ("hijack 4134 vs 13335, 30% ROV", &hijack, &hijack_policies),
    ] {
        let mut times = Vec::with_capacity(20);
        let mut routed = 0;
        let mut catchments = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let outcome = simulation.propagate(announcement, policies)?;
            times.push(started.elapsed());
            routed = outcome.routed_count();
            catchments = outcome.catchments();
        }
        times.sort();
        println!(
            "{name}: median {:.2} ms per propagation (min {:.2}, max {:.2}); {routed} ASes routed, catchments {catchments:?}",
            millis(times[times.len() / 2]),
            millis(times[0]),
            millis(times[times.len() - 1]),
        );
    }
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
