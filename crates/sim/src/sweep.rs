//! Adoption sweeps: attacker success against the share of ASes deploying a defence (ROV, ASPA or RFC 9234
//! roles), several trials per adoption level, on every core (rayon, one [`Simulation`] per thread).
//!
//! Trial `t` draws its victim and attacker from a generator seeded with (seed, t), and a random priority
//! per AS; at x % adoption the adopters are the x % of ASes with the lowest priority (or, with
//! [`Selection::TopCone`], the largest customer cones). So within a trial the adopter sets are nested
//! as adoption grows, and every defence and level of a trial faces the same victim and attacker (common
//! random numbers: curves compare, and with ROV a trial's success never rises with adoption).
//! Results are the same for any thread count. Output: [`SweepReport`] (Serialize), [`to_csv`], and
//! [`crate::plot::svg`].

use crate::analysis::customer_cone_sizes;
use crate::asset::AsSet;
use crate::attack::{random_as, run_attack, Attack, AttackKind, AttackScratch, Defences, SplitMix};
use crate::catchment::ScenarioError;
use crate::engine::Simulation;
use crate::geo::AsGeo;
use crate::graph::Graph;
use crate::policies::SimConfig;
use globe_bgp::Prefix;
use rayon::prelude::*;
use serde::Serialize;

/// A defence swept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Defence {
    /// Route origin validation.
    Rov,
    /// ASPA verification (adopters publish records too).
    Aspa,
    /// RFC 9234 roles with OTC.
    Roles,
}

impl Defence {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Defence::Rov => "rov",
            Defence::Aspa => "aspa",
            Defence::Roles => "roles",
        }
    }
}

/// How adopters are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Uniformly at random per trial.
    Random,
    /// The largest customer cones first.
    TopCone,
}

/// What to sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepSpec {
    /// The attack.
    pub attack: AttackKind,
    /// The defences, one curve each.
    pub defences: Vec<Defence>,
    /// Adoption levels in percent.
    pub adoption: Vec<f64>,
    /// Trials per level.
    pub trials: usize,
    /// Adopter selection.
    pub selection: Selection,
    /// Seed of everything random.
    pub seed: u64,
    /// The victim's prefix.
    #[serde(serialize_with = "display")]
    pub prefix: Prefix,
    /// A fixed victim (ASN); random per trial when `None`.
    pub victim: Option<u32>,
    /// A fixed attacker; random per trial when `None`.
    pub attacker: Option<u32>,
}

/// One trial at one level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialResult {
    /// The defence.
    pub defence: Defence,
    /// Adoption, percent.
    pub adoption: f64,
    /// Trial number.
    pub trial: usize,
    /// Victim ASN.
    pub victim: u32,
    /// Attacker ASN.
    pub attacker: u32,
    /// Share of ASes routing to the attacker.
    pub attacker_share: f64,
    /// Share of address space, with geo data.
    pub address_share: Option<f64>,
}

/// The trials of one (defence, level), summarised.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The defence.
    pub defence: Defence,
    /// Adoption, percent.
    pub adoption: f64,
    /// Mean attacker success (share of ASes).
    pub mean: f64,
    /// Lowest.
    pub min: f64,
    /// Highest.
    pub max: f64,
    /// Mean share of address space, with geo data.
    pub address_mean: Option<f64>,
}

/// A sweep's results.
#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
    /// What was swept.
    pub spec: SweepSpec,
    /// One per (defence, level), defences in order, levels ascending.
    pub points: Vec<SweepPoint>,
    /// Every trial.
    pub trials: Vec<TrialResult>,
}

/// Runs the sweep; `progress` is called once per propagation scenario done (from any thread), out of
/// `trials × defences × levels`.
pub fn sweep(
    graph: &Graph,
    geo: Option<&AsGeo>,
    config: SimConfig,
    spec: &SweepSpec,
    progress: &(dyn Fn() + Sync),
) -> Result<SweepReport, ScenarioError> {
    let fixed = |asn: Option<u32>| match asn {
        Some(asn) => graph
            .index(asn)
            .map(Some)
            .ok_or(ScenarioError::UnknownAsn(asn)),
        None => Ok(None),
    };
    let (victim, attacker) = (fixed(spec.victim)?, fixed(spec.attacker)?);
    if spec.adoption.iter().any(|x| !(0.0..=100.0).contains(x)) {
        return Err(ScenarioError::Invalid(
            "adoption levels are percentages, 0 to 100".into(),
        ));
    }
    let mut levels = spec.adoption.clone();
    levels.sort_by(f64::total_cmp);
    let cone_order = (spec.selection == Selection::TopCone).then(|| {
        let cones = customer_cone_sizes(graph);
        let mut order: Vec<u32> = (0..graph.len() as u32).collect();
        order.sort_by_key(|&index| (std::cmp::Reverse(cones[index as usize]), index));
        order
    });
    let results: Result<Vec<Vec<TrialResult>>, ScenarioError> = (0..spec.trials)
        .into_par_iter()
        .map_init(
            || {
                (
                    Simulation::with_config(graph, config),
                    AttackScratch::default(),
                )
            },
            |(simulation, scratch), trial| {
                let mut rng =
                    SplitMix::new(spec.seed ^ (trial as u64).wrapping_mul(0xA24B_AED4_963E_E407));
                let has_provider = |index: u32| !graph.providers(index).is_empty();
                let victim = match victim {
                    Some(index) => index,
                    None => random_as(graph, &mut rng, &[], has_provider)
                        .ok_or_else(|| ScenarioError::Invalid("graph too small".into()))?,
                };
                let leaker = |index: u32| {
                    has_provider(index)
                        && graph.providers(index).len() + graph.peers(index).len() >= 2
                };
                let attacker = match attacker {
                    Some(index) => Some(index),
                    None if spec.attack == AttackKind::RouteLeak => {
                        random_as(graph, &mut rng, &[victim], leaker)
                    }
                    None => random_as(graph, &mut rng, &[victim], has_provider),
                }
                .ok_or_else(|| ScenarioError::Invalid("graph too small".into()))?;
                let order = match &cone_order {
                    Some(order) => order.clone(),
                    None => {
                        let mut keyed: Vec<(u64, u32)> = (0..graph.len() as u32)
                            .map(|i| (rng.next_u64(), i))
                            .collect();
                        keyed.sort_unstable();
                        keyed.into_iter().map(|(_, index)| index).collect()
                    }
                };
                let mut rows = Vec::new();
                for &defence in &spec.defences {
                    let mut adopters = AsSet::for_graph(graph);
                    let mut taken = 0usize;
                    for &level in &levels {
                        let wanted = ((level / 100.0) * graph.len() as f64).round() as usize;
                        while taken < wanted.min(order.len()) {
                            adopters.insert(order[taken]);
                            taken += 1;
                        }
                        let mut defences = Defences::none(graph);
                        match defence {
                            Defence::Rov => defences.rov = adopters.clone(),
                            Defence::Aspa => defences.aspa = adopters.clone(),
                            Defence::Roles => defences.roles = adopters.clone(),
                        }
                        let result = run_attack(
                            simulation,
                            scratch,
                            Attack {
                                kind: spec.attack,
                                prefix: spec.prefix,
                                victim: graph.asn(victim),
                                attacker: graph.asn(attacker),
                            },
                            &defences,
                            geo,
                        )?;
                        progress();
                        rows.push(TrialResult {
                            defence,
                            adoption: level,
                            trial,
                            victim: result.victim,
                            attacker: result.attacker,
                            attacker_share: result.attacker_share,
                            address_share: result.address_share,
                        });
                    }
                }
                Ok(rows)
            },
        )
        .collect();
    let mut trials: Vec<TrialResult> = results?.into_iter().flatten().collect();
    let defence_rank = |d: Defence| spec.defences.iter().position(|&x| x == d);
    trials.sort_by(|a, b| {
        (defence_rank(a.defence), a.adoption, a.trial)
            .partial_cmp(&(defence_rank(b.defence), b.adoption, b.trial))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut points = Vec::new();
    for &defence in &spec.defences {
        for &level in &levels {
            let group: Vec<&TrialResult> = trials
                .iter()
                .filter(|t| t.defence == defence && t.adoption == level)
                .collect();
            if group.is_empty() {
                continue;
            }
            let shares = group.iter().map(|t| t.attacker_share);
            let addresses: Option<Vec<f64>> = group.iter().map(|t| t.address_share).collect();
            points.push(SweepPoint {
                defence,
                adoption: level,
                mean: shares.clone().sum::<f64>() / group.len() as f64,
                min: shares.clone().fold(f64::INFINITY, f64::min),
                max: shares.fold(f64::NEG_INFINITY, f64::max),
                address_mean: addresses.map(|a| a.iter().sum::<f64>() / a.len() as f64),
            });
        }
    }
    Ok(SweepReport {
        spec: spec.clone(),
        points,
        trials,
    })
}

fn display<S: serde::Serializer>(value: &Prefix, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// The trials as CSV: `defence,adoption,trial,victim,attacker,attacker_share,address_share`.
pub fn to_csv(report: &SweepReport) -> String {
    let mut out =
        String::from("defence,adoption,trial,victim,attacker,attacker_share,address_share\n");
    for t in &report.trials {
        let address = t
            .address_share
            .map(|a| format!("{a:.6}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{:.6},{address}\n",
            t.defence.name(),
            t.adoption,
            t.trial,
            t.victim,
            t.attacker,
            t.attacker_share
        ));
    }
    out
}
