//! Anycast catchments: which PoP each AS reaches, the share of ASes and of address space per PoP and per
//! country, the distance stretch against the nearest PoP, and what-if changes (a PoP or one of its
//! upstream links removed).
//!
//! **The anycast origin model.** A PoP announced through upstreams becomes a *pseudo-AS* of its own
//! (ASN [`PSEUDO_ASN_BASE`] + PoP number, above every real ASN, so the real ASes keep their indices),
//! attached as a customer of each upstream. The operator runs one ASN at every site, so paths end
//! `… upstream operator`; a pseudo-AS per site gives the same path lengths and relationships, and since
//! a seed's route never changes, the operator's own loop prevention between its sites does not matter.
//! A PoP may instead be a real AS of the graph (`origin`), announcing to every neighbour or to a subset.
//! The prepend is applied at the PoP's seed. Pseudo-ASes are left out of every count.

use crate::announcement::{Announcement, Seed};
use crate::engine::{SimError, Simulation};
use crate::geo::{AsGeo, LatLon};
use crate::graph::{Graph, GraphBuilder};
use crate::outcome::{NoRouteReasons, Outcome};
use crate::policies::{Policies, SimConfig};
use globe_bgp::Prefix;
use serde::Serialize;
use std::collections::BTreeMap;

/// The first pseudo-AS number: PoP `i` is AS `PSEUDO_ASN_BASE + i` (private-use 32-bit range).
pub const PSEUDO_ASN_BASE: u32 = 4_200_000_000;

/// One anycast site.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pop {
    /// Its name.
    pub name: String,
    /// Where it is (for the distance stretch), if known.
    pub location: Option<LatLon>,
    /// The upstream ASes it announces to (for a real-AS PoP: the neighbour subset; empty: all).
    pub upstreams: Vec<u32>,
    /// Extra copies of the origin ASN it announces.
    pub prepend: u8,
    /// Its announcement carries NO_EXPORT: its neighbours use the route but pass it to no other AS.
    pub no_export: bool,
    /// A real AS of the graph that originates the prefix itself, instead of a pseudo-AS.
    pub origin: Option<u32>,
}

/// What can go wrong setting up or running a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The propagation refused the announcement.
    Sim(SimError),
    /// An ASN the topology does not have.
    UnknownAsn(u32),
    /// A scenario that makes no sense (no PoPs, a PoP without upstreams, ...).
    Invalid(String),
}

impl From<SimError> for ScenarioError {
    fn from(error: SimError) -> Self {
        ScenarioError::Sim(error)
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioError::Sim(error) => write!(f, "propagation: {error:?}"),
            ScenarioError::UnknownAsn(asn) => write!(f, "AS{asn} is not in the topology"),
            ScenarioError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// A topology with the PoPs attached: the real graph's ASes keep their indices (`0..real`), the
/// pseudo-ASes follow.
#[derive(Clone, Debug)]
pub struct Anycast {
    /// The graph with the pseudo-ASes.
    pub graph: Graph,
    /// Number of real ASes (indices below it).
    pub real: usize,
    /// The PoPs.
    pub pops: Vec<Pop>,
    /// The prefix announced.
    pub prefix: Prefix,
    /// The ASN reported as the origin of pseudo-AS PoPs (the operator's).
    pub operator_asn: u32,
}

/// A change to the baseline for [`what_if`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Change {
    /// The PoP with this number stops announcing.
    RemovePop(usize),
    /// PoP `pop` stops announcing to `upstream`.
    RemoveLink {
        /// The PoP number.
        pop: usize,
        /// The upstream ASN.
        upstream: u32,
    },
}

/// Each real AS's chosen PoP and hops, by index (`None`: no route).
pub type Choices = Vec<Option<(u16, u32)>>;

/// One PoP's catchment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PopShare {
    /// The PoP's name.
    pub name: String,
    /// ASes that reach it.
    pub ases: usize,
    /// Their share of the ASes with a route.
    pub as_share: f64,
    /// Their IPv4 addresses.
    pub addresses: u64,
    /// Their share of the address space of the ASes with a route (0 without geo data).
    pub address_share: f64,
    /// Mean AS hops to it.
    pub mean_hops: f64,
}

/// One country's split over the PoPs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CountryShare {
    /// ISO code.
    pub country: String,
    /// ASes of the country per PoP (PoP order).
    pub ases: Vec<usize>,
    /// Addresses of the country per PoP.
    pub addresses: Vec<u64>,
}

/// How much farther than its nearest PoP each placed AS is sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stretch {
    /// ASes with a route, a location, and a located PoP.
    pub ases: usize,
    /// Median stretch, km.
    pub median_km: f64,
    /// 90th percentile, km.
    pub p90_km: f64,
    /// Mean, km.
    pub mean_km: f64,
    /// Share of those ASes sent to their nearest PoP.
    pub at_nearest: f64,
}

/// A catchment summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CatchmentReport {
    /// The prefix.
    pub prefix: String,
    /// Real ASes in the topology.
    pub ases: usize,
    /// Of them, with a route to some PoP.
    pub routed: usize,
    /// Per PoP.
    pub pops: Vec<PopShare>,
    /// Per country, largest address space first.
    pub countries: Vec<CountryShare>,
    /// Distance stretch, when ASes and PoPs are located.
    pub stretch: Option<Stretch>,
    /// Why the ASes without a route have none.
    pub no_route: NoRouteReasons,
    /// Each AS's choice (not serialised: 55k rows belong in the CSV).
    #[serde(skip)]
    pub choices: Choices,
}

/// One (from, to) movement of [`what_if`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// PoP before (`None`: no route).
    pub from: Option<String>,
    /// PoP after.
    pub to: Option<String>,
    /// ASes moving so.
    pub ases: usize,
    /// Their addresses.
    pub addresses: u64,
}

/// The result of a what-if.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIfReport {
    /// The change.
    pub change: Change,
    /// The catchment before.
    pub before: CatchmentReport,
    /// The catchment after.
    pub after: CatchmentReport,
    /// ASes whose PoP changed.
    pub moved: usize,
    /// Movements by (from, to), largest first.
    pub moves: Vec<Move>,
}

impl Anycast {
    /// Attaches `pops` to `graph` (see the module documentation).
    pub fn new(
        graph: &Graph,
        pops: Vec<Pop>,
        prefix: Prefix,
        operator_asn: u32,
    ) -> Result<Anycast, ScenarioError> {
        if pops.is_empty() {
            return Err(ScenarioError::Invalid("no PoPs".into()));
        }
        if pops.len() > usize::from(u16::MAX) {
            return Err(ScenarioError::Invalid("too many PoPs".into()));
        }
        if graph
            .asns()
            .last()
            .is_some_and(|&max| max >= PSEUDO_ASN_BASE)
        {
            return Err(ScenarioError::Invalid(format!(
                "the topology uses ASNs from {PSEUDO_ASN_BASE}, kept for PoP pseudo-ASes"
            )));
        }
        for pop in &pops {
            for &asn in pop.upstreams.iter().chain(pop.origin.iter()) {
                graph.index(asn).ok_or(ScenarioError::UnknownAsn(asn))?;
            }
            if pop.origin.is_none() && pop.upstreams.is_empty() {
                return Err(ScenarioError::Invalid(format!(
                    "PoP {} has no upstream",
                    pop.name
                )));
            }
        }
        let mut builder = GraphBuilder::new();
        for index in 0..graph.len() as u32 {
            let asn = graph.asn(index);
            builder.add_as(asn);
            for &customer in graph.customers(index) {
                builder.provider_customer(asn, graph.asn(customer));
            }
            for &peer in graph.peers(index).iter().filter(|&&peer| peer > index) {
                builder.peers(asn, graph.asn(peer));
            }
        }
        builder.clique(graph.clique().iter().copied());
        builder.ixps(graph.ixps().iter().copied());
        for (number, pop) in pops.iter().enumerate() {
            if pop.origin.is_none() {
                let pseudo = PSEUDO_ASN_BASE + number as u32;
                for &upstream in &pop.upstreams {
                    builder.provider_customer(upstream, pseudo);
                }
            }
        }
        let augmented = builder
            .build()
            .map_err(|e| ScenarioError::Invalid(e.to_string()))?;
        Ok(Anycast {
            graph: augmented,
            real: graph.len(),
            pops,
            prefix,
            operator_asn,
        })
    }

    /// The ASN that originates PoP `number`'s announcement in the augmented graph.
    pub fn seed_asn(&self, number: usize) -> u32 {
        self.pops[number]
            .origin
            .unwrap_or(PSEUDO_ASN_BASE + number as u32)
    }

    /// The origin ASN reported for PoP `number` (the operator's for a pseudo-AS PoP).
    pub fn origin_asn(&self, number: usize) -> u32 {
        self.pops[number].origin.unwrap_or(self.operator_asn)
    }

    /// The announcement of the PoPs, `change` applied. Returns it and the PoP number of each seed.
    pub fn announcement(&self, change: Option<&Change>) -> (Announcement, Vec<u16>) {
        let mut announcement = Announcement::new(self.prefix);
        let mut numbers = Vec::new();
        for (number, pop) in self.pops.iter().enumerate() {
            if change == Some(&Change::RemovePop(number)) {
                continue;
            }
            let mut seed = Seed::origin(self.seed_asn(number)).prepend(pop.prepend);
            if pop.no_export {
                seed = seed.no_export();
            }
            let removed = match change {
                Some(Change::RemoveLink { pop, upstream }) if *pop == number => Some(*upstream),
                _ => None,
            };
            if !pop.upstreams.is_empty() {
                let upstreams = pop.upstreams.iter().copied();
                seed = seed.only_to(upstreams.filter(|&asn| Some(asn) != removed));
            }
            announcement.seeds.push(seed);
            numbers.push(number as u16);
        }
        (announcement, numbers)
    }

    /// Propagates with `change` applied: every AS's route (pseudo-ASes included) and the PoP number
    /// of each of the outcome's sources.
    pub fn outcome(
        &self,
        config: SimConfig,
        change: Option<&Change>,
    ) -> Result<(Outcome, Vec<u16>), ScenarioError> {
        let (announcement, numbers) = self.announcement(change);
        let mut simulation = Simulation::with_config(&self.graph, config);
        let mut outcome = Outcome::new();
        simulation.propagate_into(&announcement, &Policies::none(&self.graph), &mut outcome)?;
        Ok((outcome, numbers))
    }

    /// The per-AS routes CSV (`asn,prefix,next_hop,path`, see [`Outcome::write_routes`]) of the real
    /// ASes, PoP pseudo-ASes printed as the operator's ASN.
    pub fn routes_csv(&self, outcome: &Outcome) -> String {
        let mut out = String::from("asn,prefix,next_hop,path\n");
        let operator = self.operator_asn;
        let rename = move |asn: u32| {
            if asn >= PSEUDO_ASN_BASE {
                operator
            } else {
                asn
            }
        };
        outcome.write_routes(&self.graph, self.real, &rename, &mut out);
        out
    }

    /// Propagates with `change` applied and returns each real AS's PoP and hops.
    pub fn choices(
        &self,
        config: SimConfig,
        change: Option<&Change>,
    ) -> Result<Choices, ScenarioError> {
        let (outcome, numbers) = self.outcome(config, change)?;
        Ok(self.choices_of(&outcome, &numbers))
    }

    /// Each real AS's PoP and hops in `outcome` (with `numbers` from [`Anycast::outcome`]).
    pub fn choices_of(&self, outcome: &Outcome, numbers: &[u16]) -> Choices {
        (0..self.real as u32)
            .map(|index| {
                let route = outcome.route(index)?;
                Some((*numbers.get(route.source)?, route.hops))
            })
            .collect()
    }

    /// The catchment report with `change` applied, with the reasons ASes have no route.
    pub fn full_report(
        &self,
        config: SimConfig,
        change: Option<&Change>,
        geo: Option<&AsGeo>,
    ) -> Result<CatchmentReport, ScenarioError> {
        let (outcome, numbers) = self.outcome(config, change)?;
        let mut report = self.report(self.choices_of(&outcome, &numbers), geo);
        report.no_route = outcome.no_route_reasons(&self.graph, self.real);
        Ok(report)
    }

    /// The catchment report of `choices` (from [`Anycast::choices`]).
    pub fn report(&self, choices: Choices, geo: Option<&AsGeo>) -> CatchmentReport {
        let count = self.pops.len();
        let mut ases = vec![0usize; count];
        let mut hops = vec![0u64; count];
        let mut addresses = vec![0u64; count];
        let mut countries: BTreeMap<String, (Vec<usize>, Vec<u64>)> = BTreeMap::new();
        let mut stretches = Vec::new();
        let mut at_nearest = 0usize;
        for (index, choice) in choices.iter().enumerate() {
            let Some((pop, hop)) = *choice else { continue };
            let pop = usize::from(pop);
            ases[pop] += 1;
            hops[pop] += u64::from(hop);
            let Some(geo) = geo else { continue };
            let index = index as u32;
            let held = geo.addresses_of(index);
            addresses[pop] += held;
            if let Some(country) = geo.country(index) {
                let entry = countries
                    .entry(country.to_string())
                    .or_insert_with(|| (vec![0; count], vec![0; count]));
                entry.0[pop] += 1;
                entry.1[pop] += held;
            }
            let (Some(here), Some(chosen)) = (geo.location(index), self.pops[pop].location) else {
                continue;
            };
            let nearest = self
                .pops
                .iter()
                .filter_map(|p| p.location.map(|l| here.distance_km(&l)))
                .fold(f64::INFINITY, f64::min);
            let stretch = (here.distance_km(&chosen) - nearest).max(0.0);
            if stretch < 1e-6 {
                at_nearest += 1;
            }
            stretches.push(stretch);
        }
        let routed: usize = ases.iter().sum();
        let total_addresses: u64 = addresses.iter().sum();
        let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
        let pops = (0..count)
            .map(|pop| PopShare {
                name: self.pops[pop].name.clone(),
                ases: ases[pop],
                as_share: share(ases[pop] as f64, routed as f64),
                addresses: addresses[pop],
                address_share: share(addresses[pop] as f64, total_addresses as f64),
                mean_hops: share(hops[pop] as f64, ases[pop] as f64),
            })
            .collect();
        let mut countries: Vec<CountryShare> = countries
            .into_iter()
            .map(|(country, (ases, addresses))| CountryShare {
                country,
                ases,
                addresses,
            })
            .collect();
        countries.sort_by_key(|c| std::cmp::Reverse(c.addresses.iter().sum::<u64>()));
        let stretch = (!stretches.is_empty()).then(|| {
            stretches.sort_by(f64::total_cmp);
            let quantile = |q: f64| stretches[((stretches.len() - 1) as f64 * q).round() as usize];
            Stretch {
                ases: stretches.len(),
                median_km: quantile(0.5),
                p90_km: quantile(0.9),
                mean_km: stretches.iter().sum::<f64>() / stretches.len() as f64,
                at_nearest: at_nearest as f64 / stretches.len() as f64,
            }
        });
        CatchmentReport {
            prefix: self.prefix.to_string(),
            ases: self.real,
            routed,
            pops,
            countries,
            stretch,
            no_route: NoRouteReasons::default(),
            choices,
        }
    }
}

/// The catchment of every PoP.
pub fn catchment(
    anycast: &Anycast,
    geo: Option<&AsGeo>,
    config: SimConfig,
) -> Result<CatchmentReport, ScenarioError> {
    anycast.full_report(config, None, geo)
}

/// The catchment before and after `change`, and the ASes that move.
pub fn what_if(
    anycast: &Anycast,
    geo: Option<&AsGeo>,
    config: SimConfig,
    change: Change,
) -> Result<WhatIfReport, ScenarioError> {
    match &change {
        Change::RemovePop(pop) | Change::RemoveLink { pop, .. } if *pop >= anycast.pops.len() => {
            return Err(ScenarioError::Invalid(format!("no PoP number {pop}")));
        }
        Change::RemoveLink { pop, upstream }
            if !anycast.pops[*pop].upstreams.contains(upstream) =>
        {
            return Err(ScenarioError::Invalid(format!(
                "PoP {} has no upstream AS{upstream}",
                anycast.pops[*pop].name
            )));
        }
        _ => {}
    }
    let before = anycast.full_report(config, None, geo)?;
    let after = anycast.full_report(config, Some(&change), geo)?;
    let mut moves: BTreeMap<(Option<u16>, Option<u16>), (usize, u64)> = BTreeMap::new();
    for (index, (old, new)) in before.choices.iter().zip(&after.choices).enumerate() {
        let (old, new) = (old.map(|c| c.0), new.map(|c| c.0));
        if old != new {
            let entry = moves.entry((old, new)).or_default();
            entry.0 += 1;
            entry.1 += geo.map_or(0, |g| g.addresses_of(index as u32));
        }
    }
    let name = |pop: Option<u16>| pop.map(|p| anycast.pops[usize::from(p)].name.clone());
    let mut moves: Vec<Move> = moves
        .into_iter()
        .map(|((from, to), (ases, addresses))| Move {
            from: name(from),
            to: name(to),
            ases,
            addresses,
        })
        .collect();
    moves.sort_by_key(|m| std::cmp::Reverse(m.ases));
    Ok(WhatIfReport {
        change,
        moved: moves.iter().map(|m| m.ases).sum(),
        moves,
        before,
        after,
    })
}

/// The per-AS CSV: `asn,origin,hops[,pop]`, one row per real AS in ASN order; `origin` is the origin
/// ASN (the operator's for a pseudo-AS PoP), `hops` the AS hops to it (0 at an origin), `pop` the PoP's
/// name (only when some PoP is a pseudo-AS: with real origins only, `origin` names the site); the
/// fields are empty for an AS without a route.
pub fn choices_csv(anycast: &Anycast, choices: &Choices) -> String {
    let named = anycast.pops.iter().any(|pop| pop.origin.is_none());
    let mut out = String::from(if named {
        "asn,origin,hops,pop\n"
    } else {
        "asn,origin,hops\n"
    });
    for (index, choice) in choices.iter().enumerate() {
        let asn = anycast.graph.asn(index as u32);
        match (choice, named) {
            (Some((pop, hops)), true) => {
                let pop = usize::from(*pop);
                let name = &anycast.pops[pop].name;
                out.push_str(&format!(
                    "{asn},{},{hops},{name}\n",
                    anycast.origin_asn(pop)
                ));
            }
            (Some((pop, hops)), false) => {
                let origin = anycast.origin_asn(usize::from(*pop));
                out.push_str(&format!("{asn},{origin},{hops}\n"));
            }
            (None, true) => out.push_str(&format!("{asn},,,\n")),
            (None, false) => out.push_str(&format!("{asn},,\n")),
        }
    }
    out
}
