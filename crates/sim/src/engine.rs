//! The propagation engine: Gao-Rexford routing of one prefix over a whole AS graph in BGPy's three
//! phases, each AS choosing with the bgp crate's decision process and exporting with its policy rules.
//!
//! 1. **Up**: ranks in ascending order (customers before providers); each AS takes the best route its
//!    customers export to it.
//! 2. **Across**: every AS takes the best route its peers export to it (one peer hop: a peer's route is
//!    exported only to customers).
//! 3. **Down**: ranks in descending order; each AS takes the best route its providers export to it.
//!
//! Each phase *pulls*: an AS looks at its neighbours' already final routes and keeps the best offer.
//! Because the ranks order providers after customers, a route is final before anyone looks at it, so one
//! pass per phase suffices (a rank holding a provider–customer cycle is repeated until it settles). An
//! offer from neighbour `s` to AS `r` passes, in order: valley-free export ([`policy::may_export`]), the
//! seed's neighbour subset, NO_EXPORT ([`policy::communities_allow_export`]), OTC egress at `s` and
//! ingress at `r` ([`otc`]) for RFC 9234 adopters, AS-path loop prevention, ROV
//! ([`globe_bgp::policy::rov::RoaTable::validate`], once per source) and ASPA ([`aspa::verify`]) for
//! adopters; the survivor is compared with [`decision::compare`] on a compact [`Candidate`].
//!
//! A route leak takes two rounds: the first finds the leaker's route; the second starts afresh with the
//! leaker as an extra source announcing that route (path and OTC as it received them) to everyone.

use crate::announcement::{Announcement, SeedKind};
use crate::graph::Graph;
use crate::outcome::{Outcome, Route, Source, SourceKind};
use crate::policies::{Policies, SimConfig};
use globe_bgp::decision::{self, Candidate};
use globe_bgp::policy::aspa::{self, AspaState, Direction, Hop, ProviderAuthorization};
use globe_bgp::policy::rov::RovState;
use globe_bgp::policy::{self, otc, Relationship};
use globe_bgp::wire::{Community, Origin};
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr};

/// Propagates announcements over one graph. Holds the buffers one propagation needs, so a sweep keeps
/// one `Simulation` per thread and runs trial after trial without allocating.
///
/// Sans-IO: no clock, no files; the caller supplies the graph, the announcement and the policies.
#[derive(Clone, Debug)]
pub struct Simulation<'g> {
    graph: &'g Graph,
    config: SimConfig,
    outcome: Outcome,
    /// AS-path scratch for ASPA verification and loop checks.
    path: Vec<u32>,
    /// Phase-start routes of a cyclic rank's members.
    rank_start: Vec<Route>,
    /// Leaked routes between the two rounds: (leaker index, its route, its received path).
    leaks: Vec<(u32, Route, Vec<u32>)>,
    /// One bit per AS: it holds a seed or customer route, the only ones exported to providers and
    /// peers. The up and across phases test this 7 KB bitset before reading a neighbour's 16-byte
    /// route, which on the 2016 graph saves most of their cache misses (few ASes have customer routes).
    exporters: Vec<u64>,
}

/// Why an announcement could not be propagated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// A seed, leaker or neighbour subset names an AS the graph does not have.
    UnknownAsn(u32),
    /// Two seeds at one AS.
    DuplicateSeed(u32),
    /// More sources than a route can index (65,535).
    TooManySources,
    /// The policies' sets were made for a graph of another size.
    PoliciesForAnotherGraph,
}

/// The most sources one propagation may have: a route stores its source in 16 bits.
pub const MAX_SOURCES: usize = u16::MAX as usize;

impl<'g> Simulation<'g> {
    /// A simulation over `graph` with BGPy's decision rules ([`SimConfig::default`]).
    pub fn new(graph: &'g Graph) -> Simulation<'g> {
        Simulation::with_config(graph, SimConfig::default())
    }

    /// A simulation with another decision configuration.
    pub fn with_config(graph: &'g Graph, config: SimConfig) -> Simulation<'g> {
        Simulation {
            graph,
            config,
            outcome: Outcome::new(),
            path: Vec::new(),
            rank_start: Vec::new(),
            leaks: Vec::new(),
            exporters: Vec::new(),
        }
    }

    /// The graph.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The decision configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Propagates `announcement` under `policies` into the simulation's own outcome and returns it.
    pub fn propagate(
        &mut self,
        announcement: &Announcement,
        policies: &Policies<'_>,
    ) -> Result<&Outcome, SimError> {
        let mut outcome = std::mem::take(&mut self.outcome);
        let result = self.propagate_into(announcement, policies, &mut outcome);
        self.outcome = outcome;
        result.map(|()| &self.outcome)
    }

    /// Propagates into a caller-owned outcome (several prefixes: one outcome each).
    pub fn propagate_into(
        &mut self,
        announcement: &Announcement,
        policies: &Policies<'_>,
        outcome: &mut Outcome,
    ) -> Result<(), SimError> {
        let graph = self.graph;
        if !policies.fits(graph.len()) {
            return Err(SimError::PoliciesForAnotherGraph);
        }
        outcome.reset(graph.len(), announcement.prefix);
        for seed in &announcement.seeds {
            let kind = match seed.kind {
                SeedKind::Legitimate => SourceKind::Legitimate,
                SeedKind::Attacker => SourceKind::Attacker,
            };
            let tail = std::iter::repeat_n(seed.asn, usize::from(seed.prepend))
                .chain(seed.path.iter().copied());
            add_source(
                graph,
                policies,
                outcome,
                seed.asn,
                kind,
                seed.origin_asn(),
                tail,
            )?;
            let source = outcome.sources.len() - 1;
            outcome.sources[source].prepend = seed.prepend;
            if let Some(neighbors) = &seed.neighbors {
                let start = outcome.arena.len();
                for &asn in neighbors {
                    let index = graph.index(asn).ok_or(SimError::UnknownAsn(asn))?;
                    outcome.arena.push(index);
                }
                outcome.arena[start..].sort_unstable();
                outcome.sources[source].neighbors =
                    Some((start as u32, outcome.arena.len() as u32));
            }
            let flags = if seed.no_export { Route::NO_EXPORT } else { 0 };
            plant(outcome, source, Route::NO_OTC, flags)?;
        }
        self.run(policies, outcome);
        if announcement.leakers.is_empty() {
            return Ok(());
        }

        // Round two: the leakers announce what they chose in round one to everyone.
        self.leaks.clear();
        for &asn in &announcement.leakers {
            let index = graph.index(asn).ok_or(SimError::UnknownAsn(asn))?;
            let route = outcome.routes[index as usize];
            if route.is_none() || route.is_seed() {
                continue;
            }
            let mut path = Vec::new();
            outcome.append_received(graph, index, &mut path);
            self.leaks.push((index, route, path));
        }
        let seeds = outcome.sources.len();
        outcome.routes.fill(Route::NONE);
        for source in 0..seeds {
            let flags = if announcement.seeds[source].no_export {
                Route::NO_EXPORT
            } else {
                0
            };
            plant(outcome, source, Route::NO_OTC, flags)?;
        }
        for (index, route, path) in std::mem::take(&mut self.leaks) {
            let leaked = route.source as usize;
            let origin_asn = outcome.sources[leaked].origin_asn;
            let kind = SourceKind::Leak { leaked };
            let asn = graph.asn(index);
            add_source(graph, policies, outcome, asn, kind, origin_asn, path)?;
            plant(outcome, outcome.sources.len() - 1, route.otc, route.flags)?;
        }
        self.run(policies, outcome);
        Ok(())
    }

    /// The outcome of the last [`Simulation::propagate`].
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The three phases over planted sources.
    fn run(&mut self, policies: &Policies<'_>, outcome: &mut Outcome) {
        let graph = self.graph;
        let config = self.config;
        let context = Context {
            graph,
            config: &config,
            policies,
            roles: policies.roles.any(),
            rov: policies.rov.any() && outcome.sources.iter().any(|s| s.rov_invalid),
            aspa: policies.aspa.any(),
            cyclic: graph.has_provider_cycles(),
        };
        // Before the up phase only seeds have routes.
        self.exporters.clear();
        self.exporters.resize(graph.len().div_ceil(64), 0);
        for (index, route) in outcome.routes.iter().enumerate() {
            if route.is_seed() {
                self.exporters[index / 64] |= 1 << (index % 64);
            }
        }
        let ranks = graph.ranks();
        // Up: customers to providers.
        for rank in 0..ranks.count() {
            self.settle_rank(
                &context,
                outcome,
                ranks.members(rank),
                ranks.is_cyclic(rank),
                Up,
            );
        }
        // Across: one peer hop. Only seed and customer routes cross, and those do not change here.
        for index in 0..graph.len() as u32 {
            let scratch = Scratch {
                path: &mut self.path,
                exporters: &mut self.exporters,
            };
            settle(&context, outcome, scratch, index, None, Across);
        }
        // Down: providers to customers.
        for rank in (0..ranks.count()).rev() {
            let cyclic = ranks.is_cyclic(rank);
            self.settle_rank(&context, outcome, ranks.members(rank), cyclic, Down);
        }
    }

    /// Settles every AS of one rank; a cyclic rank is repeated from its start state until it is stable.
    fn settle_rank(
        &mut self,
        context: &Context<'_>,
        outcome: &mut Outcome,
        members: &[u32],
        cyclic: bool,
        phase: impl Phase,
    ) {
        if !cyclic {
            for &index in members {
                let scratch = Scratch {
                    path: &mut self.path,
                    exporters: &mut self.exporters,
                };
                settle(context, outcome, scratch, index, None, phase);
            }
            return;
        }
        self.rank_start.clear();
        self.rank_start
            .extend(members.iter().map(|&index| outcome.routes[index as usize]));
        for _ in 0..=members.len() {
            let mut changed = false;
            for (position, &index) in members.iter().enumerate() {
                let start = self.rank_start[position];
                let scratch = Scratch {
                    path: &mut self.path,
                    exporters: &mut self.exporters,
                };
                changed |= settle(context, outcome, scratch, index, Some(start), phase);
            }
            if !changed {
                break;
            }
        }
    }
}

/// Everything an offer is checked against.
struct Context<'a> {
    graph: &'a Graph,
    config: &'a SimConfig,
    policies: &'a Policies<'a>,
    /// Some AS adopts RFC 9234 roles.
    roles: bool,
    /// Some AS adopts ROV and some source is Invalid.
    rov: bool,
    /// Some AS adopts ASPA.
    aspa: bool,
    /// The graph has provider–customer cycles: loop checks walk the whole path.
    cyclic: bool,
}

/// The simulation's buffers one settlement uses.
struct Scratch<'a> {
    /// AS-path scratch.
    path: &'a mut Vec<u32>,
    /// [`Simulation::exporters`].
    exporters: &'a mut Vec<u64>,
}

/// Which neighbours a phase pulls from: their relationship to the receiver (`from`) and the
/// receiver's to them (`to`).
trait Phase: Copy {
    fn neighbors(graph: &Graph, index: u32) -> &[u32];
    const FROM: Relationship;
    const TO: Relationship;
    /// The phase's offers come only from seed and customer routes (the exporters bitset), and the
    /// routes it settles are customer routes (set their bit).
    const FROM_EXPORTERS: bool;
}

#[derive(Clone, Copy)]
struct Up;
#[derive(Clone, Copy)]
struct Across;
#[derive(Clone, Copy)]
struct Down;

impl Phase for Up {
    fn neighbors(graph: &Graph, index: u32) -> &[u32] {
        graph.customers(index)
    }
    const FROM: Relationship = Relationship::Customer;
    const TO: Relationship = Relationship::Provider;
    const FROM_EXPORTERS: bool = true;
}

impl Phase for Across {
    fn neighbors(graph: &Graph, index: u32) -> &[u32] {
        graph.peers(index)
    }
    const FROM: Relationship = Relationship::Peer;
    const TO: Relationship = Relationship::Peer;
    const FROM_EXPORTERS: bool = true;
}

impl Phase for Down {
    fn neighbors(graph: &Graph, index: u32) -> &[u32] {
        graph.providers(index)
    }
    const FROM: Relationship = Relationship::Provider;
    const TO: Relationship = Relationship::Customer;
    const FROM_EXPORTERS: bool = false;
}

/// AS `receiver` takes the best of its current route (or `start`, for a repeated cyclic rank) and the
/// offers of its neighbours in `phase`. True when its route changed.
#[inline]
fn settle<P: Phase>(
    context: &Context<'_>,
    outcome: &mut Outcome,
    scratch: Scratch<'_>,
    receiver: u32,
    start: Option<Route>,
    _phase: P,
) -> bool {
    let Scratch { path, exporters } = scratch;
    let current = outcome.routes[receiver as usize];
    if current.is_seed() {
        return false;
    }
    let mut best = start.unwrap_or(current);
    // Every offer in this phase has the LOCAL_PREF of `P::FROM`; a route with a higher one wins at the
    // decision process's LOCAL_PREF step whatever the offers are, so they need not be built.
    let offered_preference = context.config.local_pref.for_relationship(Some(P::FROM));
    if !best.is_none() && local_pref(context, &best) > offered_preference {
        return best != current && {
            outcome.routes[receiver as usize] = best;
            true
        };
    }
    // With provider–customer cycles a repeated rank may take a route back, so the bitset (which only
    // gains bits) is not consulted there.
    let filter = P::FROM_EXPORTERS && !context.cyclic;
    for &sender in P::neighbors(context.graph, receiver) {
        if filter && exporters[sender as usize / 64] & (1 << (sender % 64)) == 0 {
            continue;
        }
        let Some(offered) = offer(context, outcome, path, sender, receiver, P::FROM, P::TO) else {
            continue;
        };
        if best.is_none() || better(context, &offered, &best) {
            best = offered;
        }
    }
    if best != current {
        outcome.routes[receiver as usize] = best;
        if P::FROM == Relationship::Customer {
            exporters[receiver as usize / 64] |= 1 << (receiver % 64);
        }
        true
    } else {
        false
    }
}

/// The route `sender` offers `receiver`, after the sender's export rules and the receiver's import
/// rules; `None` when nothing passes. `from` is the sender's relationship to the receiver, `to` the
/// receiver's to the sender.
#[inline]
fn offer(
    context: &Context<'_>,
    outcome: &Outcome,
    path: &mut Vec<u32>,
    sender: u32,
    receiver: u32,
    from: Relationship,
    to: Relationship,
) -> Option<Route> {
    let route = outcome.routes[sender as usize];
    if route.is_none() || !policy::may_export(route.relationship(), to) {
        return None;
    }
    let source = route.source as usize;
    let leaked = route.is_seed()
        && matches!(
            outcome.sources.get(source).map(|s| s.kind),
            Some(SourceKind::Leak { .. })
        );
    if route.is_seed() {
        if let Some(subset) = outcome.neighbor_subset(source) {
            subset.binary_search(&receiver).ok()?;
        }
    } else if route.flags & Route::NO_EXPORT != 0
        && !policy::communities_allow_export(&[Community::NO_EXPORT], Some(to), true)
    {
        return None;
    }
    let graph = context.graph;
    let policies = context.policies;
    let sender_asn = graph.asn(sender);
    let receiver_asn = graph.asn(receiver);
    let mut otc_value = route.otc();
    // A leaker breaks the egress rule: that is what a leak is.
    if context.roles && policies.roles.contains(sender) && !leaked {
        match otc::egress(to, sender_asn, otc_value) {
            otc::Egress::Suppress => return None,
            otc::Egress::Send(value) => otc_value = value,
        }
    }
    // Loop prevention (RFC 4271 §9.1.2): the receiver's ASN in the path. Routes that followed
    // valley-free export from a source cannot pass the receiver twice in an acyclic graph, so only a
    // source's announced tail (forged or leaked) needs a look, unless the graph has cycles.
    if outcome.tail(source).contains(&receiver_asn) {
        return None;
    }
    if context.cyclic && !route.is_seed() {
        path.clear();
        outcome.append_received(graph, sender, path);
        if path.contains(&receiver_asn) {
            return None;
        }
    }
    if context.roles && policies.roles.contains(receiver) {
        otc_value = otc::ingress(from, sender_asn, otc_value).ok()?;
    }
    if context.rov
        && policies.rov.contains(receiver)
        && outcome.sources.get(source).is_some_and(|s| s.rov_invalid)
    {
        return None;
    }
    if context.aspa && policies.aspa.contains(receiver) {
        path.clear();
        path.push(sender_asn);
        if route.is_seed() {
            path.extend_from_slice(outcome.tail(source));
        } else {
            outcome.append_received(graph, sender, path);
        }
        let authorization = TopologyAspa {
            graph,
            records: &policies.aspa_records,
        };
        let direction = Direction::for_relationship(from)?;
        if aspa::verify(&authorization, path, direction, Some(sender_asn)) == AspaState::Invalid {
            return None;
        }
    }
    Some(Route {
        next_hop: sender,
        length: route.length + 1,
        otc: otc_value.unwrap_or(Route::NO_OTC),
        source: route.source,
        learned: Route::learned_code(from),
        flags: route.flags,
    })
}

/// The LOCAL_PREF the decision process gives `route`.
#[inline]
fn local_pref(context: &Context<'_>, route: &Route) -> u32 {
    context
        .config
        .local_pref
        .for_relationship(route.relationship())
}

/// True when `a` beats `b` in the bgp crate's decision process.
#[inline]
fn better(context: &Context<'_>, a: &Route, b: &Route) -> bool {
    let a = CompactCandidate::new(context, a);
    let b = CompactCandidate::new(context, b);
    decision::compare(&a, &b, &context.config.decision) == Ordering::Less
}

/// A route as the decision process sees it: seed or not, LOCAL_PREF from the relationship, path length,
/// neighbour ASN; no MED, IGP cost 0, always eBGP.
struct CompactCandidate {
    local: bool,
    local_pref: u32,
    length: u32,
    neighbor_asn: u32,
    router_id: u32,
}

impl CompactCandidate {
    #[inline]
    fn new(context: &Context<'_>, route: &Route) -> CompactCandidate {
        let neighbor_asn = context.graph.asn(route.next_hop);
        CompactCandidate {
            local: route.is_seed(),
            local_pref: local_pref(context, route),
            length: route.length,
            neighbor_asn,
            router_id: context.config.router_id.of(neighbor_asn),
        }
    }
}

impl Candidate for CompactCandidate {
    fn is_local(&self) -> bool {
        self.local
    }
    fn local_pref(&self) -> u32 {
        self.local_pref
    }
    fn as_path_length(&self) -> u32 {
        self.length
    }
    fn origin(&self) -> Origin {
        Origin::Igp
    }
    fn med(&self) -> Option<u32> {
        None
    }
    fn neighbor_as(&self) -> u32 {
        self.neighbor_asn
    }
    fn is_ebgp(&self) -> bool {
        true
    }
    fn router_id(&self) -> u32 {
        self.router_id
    }
    fn peer_address(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.neighbor_asn))
    }
    fn peer_asn(&self) -> u32 {
        self.neighbor_asn
    }
}

/// ASPA records from the topology: an AS in `records` attests exactly its providers in the graph.
struct TopologyAspa<'a> {
    graph: &'a Graph,
    records: &'a crate::asset::AsSet,
}

impl ProviderAuthorization for TopologyAspa<'_> {
    fn hop(&self, customer: u32, provider: u32) -> Hop {
        let Some(customer_index) = self.graph.index(customer) else {
            return Hop::NoAttestation;
        };
        if !self.records.contains(customer_index) {
            return Hop::NoAttestation;
        }
        match self.graph.index(provider) {
            Some(provider_index) if self.graph.is_provider_of(provider_index, customer_index) => {
                Hop::ProviderPlus
            }
            _ => Hop::NotProviderPlus,
        }
    }
}

/// Registers a source: its tail in the arena and its ROV state.
fn add_source(
    graph: &Graph,
    policies: &Policies<'_>,
    outcome: &mut Outcome,
    asn: u32,
    kind: SourceKind,
    origin_asn: u32,
    tail: impl IntoIterator<Item = u32>,
) -> Result<(), SimError> {
    if outcome.sources.len() >= MAX_SOURCES {
        return Err(SimError::TooManySources);
    }
    let index = graph.index(asn).ok_or(SimError::UnknownAsn(asn))?;
    let start = outcome.arena.len() as u32;
    outcome.arena.extend(tail);
    let rov_invalid = policies
        .roas
        .is_some_and(|roas| roas.validate(&outcome.prefix, Some(origin_asn)) == RovState::Invalid);
    outcome.sources.push(Source {
        asn,
        index,
        kind,
        origin_asn,
        prepend: 0,
        rov_invalid,
        tail: (start, outcome.arena.len() as u32),
        neighbors: None,
    });
    Ok(())
}

/// Gives source `source` its own pinned route.
fn plant(outcome: &mut Outcome, source: usize, otc: u32, flags: u8) -> Result<(), SimError> {
    let (index, asn, tail) = {
        let s = &outcome.sources[source];
        (s.index, s.asn, s.tail.1 - s.tail.0)
    };
    let slot = &mut outcome.routes[index as usize];
    if slot.is_seed() {
        return Err(SimError::DuplicateSeed(asn));
    }
    *slot = Route {
        next_hop: index,
        length: tail,
        otc,
        source: source as u16,
        learned: Route::LEARNED_SEED,
        flags,
    };
    Ok(())
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::UnknownAsn(asn) => write!(f, "AS{asn} is not in the topology"),
            SimError::DuplicateSeed(asn) => write!(f, "AS{asn} is given twice as a source"),
            SimError::TooManySources => write!(f, "more than {MAX_SOURCES} sources"),
            SimError::PoliciesForAnotherGraph => {
                write!(f, "the policies were built for a different topology")
            }
        }
    }
}

impl std::error::Error for SimError {}
