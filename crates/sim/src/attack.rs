//! Attacks on one victim prefix: prefix hijack, subprefix hijack, forged-origin hijack and route leak,
//! under ROV, ASPA and RFC 9234 role adopters; the result is the share of ASes (and of address space)
//! whose traffic to the victim's prefix ends at the attacker.
//!
//! The RPKI is the victim's: one ROA for its prefix (max length = the prefix length), and an ASPA record
//! from the victim and from every ASPA adopter. The attacker, the victim (and a leaker) are left out of
//! the shares. For a subprefix hijack the attacker announces the first half of the prefix and traffic
//! to that half's first address is forwarded hop by hop with longest match ([`crate::deliver`]).

use crate::announcement::{Announcement, Seed};
use crate::asset::AsSet;
use crate::catchment::ScenarioError;
use crate::engine::Simulation;
use crate::forwarding::{deliver, deliver_counting_hops, Delivery};
use crate::geo::AsGeo;
use crate::graph::Graph;
use crate::outcome::{Outcome, SourceKind};
use crate::policies::Policies;
use globe_bgp::policy::rov::{Roa, RoaTable};
use globe_bgp::Prefix;
use serde::Serialize;

/// The kind of attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    /// The attacker originates the victim's prefix.
    PrefixHijack,
    /// The attacker originates the first half of the victim's prefix.
    SubprefixHijack,
    /// The attacker announces the prefix with the victim as forged origin (`attacker victim`).
    ForgedOrigin,
    /// The attacker leaks its route for the prefix to every neighbour.
    RouteLeak,
}

/// Who adopts which defence.
#[derive(Clone, Debug)]
pub struct Defences {
    /// ROV adopters.
    pub rov: AsSet,
    /// ASPA verifiers (they publish records too).
    pub aspa: AsSet,
    /// RFC 9234 role (OTC) adopters.
    pub roles: AsSet,
}

impl Defences {
    /// Nobody defends.
    pub fn none(graph: &Graph) -> Defences {
        Defences {
            rov: AsSet::for_graph(graph),
            aspa: AsSet::for_graph(graph),
            roles: AsSet::for_graph(graph),
        }
    }
}

/// The outcome of one attack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttackResult {
    /// The attack.
    pub kind: AttackKind,
    /// The victim ASN.
    pub victim: u32,
    /// The attacker (or leaker) ASN.
    pub attacker: u32,
    /// ASes counted (all but victim and attacker).
    pub ases: usize,
    /// Of them, whose traffic ends at the attacker (for a leak: that route through the leaker).
    pub to_attacker: usize,
    /// Of them, whose traffic ends at the victim without the leak.
    pub to_victim: usize,
    /// Of them, without a route.
    pub no_route: usize,
    /// `to_attacker / ases`.
    pub attacker_share: f64,
    /// The attacker's share of the counted ASes' address space, when geo data is given.
    pub address_share: Option<f64>,
}

/// One attack: what, on which prefix, by whom against whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attack {
    /// The kind.
    pub kind: AttackKind,
    /// The victim's prefix.
    pub prefix: Prefix,
    /// The victim (legitimate origin) ASN.
    pub victim: u32,
    /// The attacker (or leaker) ASN.
    pub attacker: u32,
}

/// Reusable buffers for [`run_attack`], and where it leaves the per-AS detail when asked.
#[derive(Clone, Debug, Default)]
pub struct AttackScratch {
    victim_outcome: Option<Outcome>,
    deliveries: Vec<Delivery>,
    hops: Vec<u32>,
    detail: Option<AttackDetail>,
    keep_detail: bool,
}

/// Per-AS detail of one attack (kept by an [`AttackScratch::keeping_detail`] scratch).
#[derive(Clone, Debug)]
pub struct AttackDetail {
    /// The propagations: the victim's prefix first, then (subprefix hijack) the attacker's subprefix.
    pub outcomes: Vec<Outcome>,
    /// Per AS index: the AS where its traffic to the attacker's prefix ends and the AS hops to it
    /// (0 at that AS), following routes hop by hop with longest match; `None` without a route. A leak's
    /// traffic ends at the victim (the leaker passes it on); its hops count the detour.
    pub ends: Vec<Option<(u32, u32)>>,
}

impl AttackScratch {
    /// A scratch that keeps the [`AttackDetail`] of each attack (two outcome copies: for single runs).
    pub fn keeping_detail() -> AttackScratch {
        AttackScratch {
            keep_detail: true,
            ..AttackScratch::default()
        }
    }

    /// The detail of the last attack, if kept.
    pub fn detail(&self) -> Option<&AttackDetail> {
        self.detail.as_ref()
    }
}

/// The first half of `prefix` (one bit longer).
pub fn subprefix(prefix: Prefix) -> Result<Prefix, ScenarioError> {
    let longest = if prefix.is_ipv4() { 32 } else { 128 };
    if prefix.length() >= longest {
        return Err(ScenarioError::Invalid(format!("{prefix} has no subprefix")));
    }
    Prefix::new(prefix.address(), prefix.length() + 1)
        .map_err(|e| ScenarioError::Invalid(format!("{e:?}")))
}

/// Runs one attack on `simulation`'s graph.
pub fn run_attack(
    simulation: &mut Simulation<'_>,
    scratch: &mut AttackScratch,
    attack: Attack,
    defences: &Defences,
    geo: Option<&AsGeo>,
) -> Result<AttackResult, ScenarioError> {
    let Attack {
        kind,
        prefix,
        victim,
        attacker,
    } = attack;
    let graph = simulation.graph();
    let victim_index = graph
        .index(victim)
        .ok_or(ScenarioError::UnknownAsn(victim))?;
    let attacker_index = graph
        .index(attacker)
        .ok_or(ScenarioError::UnknownAsn(attacker))?;
    if victim == attacker {
        return Err(ScenarioError::Invalid(
            "the attacker is the victim".to_string(),
        ));
    }
    let mut roas = RoaTable::new();
    roas.insert(Roa {
        prefix,
        max_length: prefix.length(),
        asn: victim,
    })
    .map_err(|e| ScenarioError::Invalid(e.to_string()))?;
    let mut aspa_records = defences.aspa.clone();
    aspa_records.insert(victim_index);
    let policies = Policies {
        rov: defences.rov.clone(),
        aspa: defences.aspa.clone(),
        aspa_records,
        roles: defences.roles.clone(),
        roas: Some(&roas),
    };
    // For each AS: Some(true) to the attacker, Some(false) to the victim, None no route.
    let mut verdicts: Vec<Option<bool>> = Vec::with_capacity(graph.len());
    match kind {
        AttackKind::SubprefixHijack => {
            let victim_outcome = scratch.victim_outcome.get_or_insert_with(Outcome::new);
            let legit = Announcement::anycast(prefix, [victim]);
            simulation.propagate_into(&legit, &policies, victim_outcome)?;
            let more_specific = subprefix(prefix)?;
            let hijack = Announcement::new(more_specific).with(Seed::attacker(attacker));
            let attack_outcome = simulation.propagate(&hijack, &policies)?;
            let outcomes = [&*victim_outcome, attack_outcome];
            if scratch.keep_detail {
                deliver_counting_hops(
                    &outcomes,
                    more_specific.address(),
                    &mut scratch.deliveries,
                    &mut scratch.hops,
                );
                let ends = scratch
                    .deliveries
                    .iter()
                    .zip(&scratch.hops)
                    .map(|(delivery, &hops)| match delivery {
                        Delivery::Source { outcome, source } => {
                            let source = outcomes[*outcome].sources().get(*source)?;
                            Some((source.asn, hops))
                        }
                        _ => None,
                    })
                    .collect();
                scratch.detail = Some(AttackDetail {
                    outcomes: vec![victim_outcome.clone(), attack_outcome.clone()],
                    ends,
                });
            } else {
                deliver(&outcomes, more_specific.address(), &mut scratch.deliveries);
            }
            verdicts.extend(scratch.deliveries.iter().map(|delivery| match delivery {
                Delivery::Source { outcome, .. } => Some(*outcome == 1),
                _ => None,
            }));
        }
        _ => {
            let mut announcement = Announcement::anycast(prefix, [victim]);
            match kind {
                AttackKind::PrefixHijack => announcement.seeds.push(Seed::attacker(attacker)),
                AttackKind::ForgedOrigin => announcement
                    .seeds
                    .push(Seed::attacker(attacker).forging([victim])),
                _ => announcement.leakers.push(attacker),
            }
            let outcome = simulation.propagate(&announcement, &policies)?;
            let sources = outcome.sources();
            if scratch.keep_detail {
                let mut path = Vec::new();
                let ends = (0..graph.len() as u32)
                    .map(|index| {
                        let route = outcome.route(index)?;
                        let source = sources.get(route.source)?;
                        if !matches!(source.kind, SourceKind::Leak { .. }) {
                            return Some((source.asn, route.hops));
                        }
                        // Through the leaker and on along the leaked path: count distinct hops.
                        outcome.path(graph, index, &mut path);
                        path.dedup();
                        Some((source.origin_asn, path.len() as u32))
                    })
                    .collect();
                scratch.detail = Some(AttackDetail {
                    outcomes: vec![outcome.clone()],
                    ends,
                });
            }
            verdicts.extend((0..graph.len() as u32).map(|index| {
                let route = outcome.route(index)?;
                Some(matches!(
                    sources.get(route.source).map(|s| s.kind),
                    Some(SourceKind::Attacker | SourceKind::Leak { .. })
                ))
            }));
        }
    }
    let (mut ases, mut to_attacker, mut to_victim, mut no_route) = (0, 0, 0, 0);
    let (mut held, mut captured) = (0u64, 0u64);
    for (index, verdict) in verdicts.iter().enumerate() {
        let index = index as u32;
        if index == victim_index || index == attacker_index {
            continue;
        }
        ases += 1;
        let addresses = geo.map_or(0, |g| g.addresses_of(index));
        held += addresses;
        match verdict {
            Some(true) => {
                to_attacker += 1;
                captured += addresses;
            }
            Some(false) => to_victim += 1,
            None => no_route += 1,
        }
    }
    Ok(AttackResult {
        kind,
        victim,
        attacker,
        ases,
        to_attacker,
        to_victim,
        no_route,
        attacker_share: if ases > 0 {
            to_attacker as f64 / ases as f64
        } else {
            0.0
        },
        address_share: geo
            .filter(|_| held > 0)
            .map(|_| captured as f64 / held as f64),
    })
}

/// A small seeded generator (SplitMix64): reproducible across platforms, no dependency.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// Seeded.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    /// Uniform below `bound` (> 0).
    pub fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// A random AS index other than `excluded`, among those `eligible` accepts (falls back to any).
pub fn random_as(
    graph: &Graph,
    rng: &mut SplitMix,
    excluded: &[u32],
    eligible: impl Fn(u32) -> bool,
) -> Option<u32> {
    let count = graph.len();
    if count <= excluded.len() {
        return None;
    }
    for attempt in 0..10_000 {
        let index = rng.below(count) as u32;
        if !excluded.contains(&index) && (attempt > 5_000 || eligible(index)) {
            return Some(index);
        }
    }
    (0..count as u32).find(|index| !excluded.contains(index))
}
