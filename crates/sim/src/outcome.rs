//! The result of one propagation: every AS's chosen route for the prefix, in a 16-byte record per AS,
//! and the sources (origins, attackers, leakers) the routes lead to.
//!
//! A route stores its next hop (an AS index), not its path: the full AS path is the chain of next hops
//! back to a source, followed by what that source announced after its own ASN (prepends, a forged path,
//! a leaked path). [`Outcome::path`] walks it on demand.

use crate::graph::Graph;
use globe_bgp::policy::Relationship;
use globe_bgp::Prefix;
use serde::Serialize;

/// How an AS learned the route it chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Learned {
    /// It injects the prefix itself (an origin, an attacker, or a leaker's leaked route).
    Seed,
    /// From a customer.
    Customer,
    /// From a lateral peer.
    Peer,
    /// From a provider.
    Provider,
}

/// Who injected a route into the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The injecting AS.
    pub asn: u32,
    /// Its dense index in the graph.
    pub index: u32,
    /// What it is.
    pub kind: SourceKind,
    /// The origin AS the announced path ends with (what route origin validation checks).
    pub origin_asn: u32,
    /// Extra copies of its ASN it announces.
    pub prepend: u8,
    /// True when route origin validation finds the announcement Invalid under the policies' ROAs.
    pub rov_invalid: bool,
    /// Where its path after its own ASN (prepends included) sits in the outcome's arena.
    pub(crate) tail: (u32, u32),
    /// Where its sorted neighbour subset (indices) sits in the arena, if it announces to a subset.
    pub(crate) neighbors: Option<(u32, u32)>,
}

/// The kind of a [`Source`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A legitimate origin (an anycast site).
    Legitimate,
    /// A hijacker.
    Attacker,
    /// A leaker re-announcing the route it learned from source number `leaked` to everyone.
    Leak {
        /// The source whose route is leaked.
        leaked: usize,
    },
}

/// One AS's route, as [`Outcome::route`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteView {
    /// How it was learned.
    pub learned: Learned,
    /// The next-hop AS (its index; the AS itself for a seed).
    pub next_hop: u32,
    /// The source it leads to, an index into [`Outcome::sources`].
    pub source: usize,
    /// AS-path length as the decision process counted it (prepends included; 0 at a genuine origin).
    pub path_length: u32,
    /// AS hops to the source (0 at the source).
    pub hops: u32,
    /// The Only-to-Customer value the route carries, if any (RFC 9234).
    pub otc: Option<u32>,
}

/// Why the ASes without a route have none, counted (see [`Outcome::no_route_reasons`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NoRouteReasons {
    /// In a connected part of the graph that holds no source.
    pub other_component: usize,
    /// No provider, and no peer with a customer or its own route (peers export only those): the
    /// peer-only and provider-less edges of the graph.
    pub no_provider: usize,
    /// Providers, but none of them with a route (they are themselves cut off), and no peer that exports.
    pub providers_without: usize,
    /// A neighbour would export a route, but policy stopped it (ROV, ASPA, OTC, NO_EXPORT, a source
    /// announcing to a subset of its neighbours).
    pub filtered: usize,
}

/// Every AS's route for one prefix. Reused across propagations: [`crate::Simulation::propagate_into`]
/// overwrites it without reallocating once it has grown to the graph's size.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub(crate) prefix: Prefix,
    pub(crate) routes: Vec<Route>,
    pub(crate) sources: Vec<Source>,
    pub(crate) arena: Vec<u32>,
}

/// The compact per-AS route the engine works on (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    /// Next-hop AS index (the AS itself for a seed).
    pub(crate) next_hop: u32,
    /// AS-path length as received (a seed: the length of what it appends after its own ASN).
    pub(crate) length: u32,
    /// OTC attribute, [`Route::NO_OTC`] when absent.
    pub(crate) otc: u32,
    /// Index into the sources.
    pub(crate) source: u16,
    /// One of the `LEARNED_*` constants.
    pub(crate) learned: u8,
    /// [`Route::NO_EXPORT`].
    pub(crate) flags: u8,
}

impl Route {
    pub(crate) const NONE: Route = Route {
        next_hop: u32::MAX,
        length: 0,
        otc: Route::NO_OTC,
        source: 0,
        learned: Route::LEARNED_NONE,
        flags: 0,
    };
    /// ASN 4294967295 is reserved (RFC 7300), so it never is a real OTC value.
    pub(crate) const NO_OTC: u32 = u32::MAX;
    pub(crate) const NO_EXPORT: u8 = 1;
    pub(crate) const LEARNED_NONE: u8 = 0;
    pub(crate) const LEARNED_SEED: u8 = 1;

    #[inline]
    pub(crate) fn is_none(&self) -> bool {
        self.learned == Route::LEARNED_NONE
    }

    #[inline]
    pub(crate) fn is_seed(&self) -> bool {
        self.learned == Route::LEARNED_SEED
    }

    #[inline]
    pub(crate) fn learned(&self) -> Option<Learned> {
        Some(match self.learned {
            Route::LEARNED_SEED => Learned::Seed,
            2 => Learned::Customer,
            3 => Learned::Peer,
            4 => Learned::Provider,
            _ => return None,
        })
    }

    /// The relationship of the neighbour it came from (`None` for a seed: locally originated).
    #[inline]
    pub(crate) fn relationship(&self) -> Option<Relationship> {
        self.learned().and_then(Learned::relationship)
    }

    #[inline]
    pub(crate) fn otc(&self) -> Option<u32> {
        (self.otc != Route::NO_OTC).then_some(self.otc)
    }

    #[inline]
    pub(crate) fn learned_code(from: Relationship) -> u8 {
        match from {
            Relationship::Customer | Relationship::RouteServerClient => 2,
            Relationship::Peer | Relationship::RouteServer | Relationship::Internal => 3,
            Relationship::Provider => 4,
        }
    }
}

impl Learned {
    /// The neighbour relationship, `None` for a seed.
    pub fn relationship(self) -> Option<Relationship> {
        match self {
            Learned::Seed => None,
            Learned::Customer => Some(Relationship::Customer),
            Learned::Peer => Some(Relationship::Peer),
            Learned::Provider => Some(Relationship::Provider),
        }
    }
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome::new()
    }
}

impl Outcome {
    /// An empty outcome, to pass to [`crate::Simulation::propagate_into`].
    pub fn new() -> Outcome {
        Outcome {
            prefix: Prefix::IPV4_DEFAULT,
            routes: Vec::new(),
            sources: Vec::new(),
            arena: Vec::new(),
        }
    }

    /// Clears it for a graph of `count` ASes, keeping allocations.
    pub(crate) fn reset(&mut self, count: usize, prefix: Prefix) {
        self.prefix = prefix;
        self.routes.clear();
        self.routes.resize(count, Route::NONE);
        self.sources.clear();
        self.arena.clear();
    }

    /// The prefix.
    pub fn prefix(&self) -> Prefix {
        self.prefix
    }

    /// Number of ASes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True for an outcome over no ASes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The sources routes lead to: the announcement's seeds in order, then one per leak.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The route AS `index` chose, `None` when it has none.
    pub fn route(&self, index: u32) -> Option<RouteView> {
        let route = self.routes.get(index as usize)?;
        let learned = route.learned()?;
        let source = route.source as usize;
        let tail = self.sources.get(source).map_or(0, |s| s.tail.1 - s.tail.0);
        let (path_length, hops) = match learned {
            Learned::Seed => (route.length - self.prepend_of(source), 0),
            _ => (route.length, route.length - tail),
        };
        Some(RouteView {
            learned,
            next_hop: route.next_hop,
            source,
            path_length,
            hops,
            otc: route.otc(),
        })
    }

    /// The route of the AS `asn` of `graph`.
    pub fn route_of(&self, graph: &Graph, asn: u32) -> Option<RouteView> {
        self.route(graph.index(asn)?)
    }

    /// True when AS `index` has a route.
    pub fn has_route(&self, index: u32) -> bool {
        self.routes
            .get(index as usize)
            .is_some_and(|r| !r.is_none())
    }

    /// Number of ASes with a route (sources included).
    pub fn routed_count(&self) -> usize {
        self.routes.iter().filter(|route| !route.is_none()).count()
    }

    /// How many ASes chose a route to each source (the catchment sizes), by source index.
    pub fn catchments(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.sources.len()];
        for route in &self.routes {
            if !route.is_none() {
                if let Some(count) = counts.get_mut(route.source as usize) {
                    *count += 1;
                }
            }
        }
        counts
    }

    /// Sorts every AS index below `limit` without a route into the [`NoRouteReasons`]: valley-free
    /// export (a provider exports everything to customers, a peer or customer only its customer and
    /// own routes) explains all but the `filtered` ones.
    pub fn no_route_reasons(&self, graph: &Graph, limit: usize) -> NoRouteReasons {
        let components = crate::analysis::components(graph);
        let mut fed = vec![false; components.sizes.len()];
        for source in &self.sources {
            if let Some(slot) = components.of.get(source.index as usize) {
                fed[*slot as usize] = true;
            }
        }
        let exports_to_peer = |index: u32| {
            self.route(index)
                .is_some_and(|r| matches!(r.learned, Learned::Seed | Learned::Customer))
        };
        let mut reasons = NoRouteReasons::default();
        for index in (0..limit.min(self.routes.len()) as u32).filter(|&i| !self.has_route(i)) {
            let exporting_peer = graph.peers(index).iter().any(|&p| exports_to_peer(p));
            let providers = graph.providers(index);
            let exporting_customer = graph.customers(index).iter().any(|&c| exports_to_peer(c));
            if !fed[components.of[index as usize] as usize] {
                reasons.other_component += 1;
            } else if exporting_peer
                || exporting_customer
                || providers.iter().any(|&p| self.has_route(p))
            {
                reasons.filtered += 1;
            } else if providers.is_empty() {
                reasons.no_provider += 1;
            } else {
                reasons.providers_without += 1;
            }
        }
        reasons
    }

    /// The AS path of AS `index`'s route into `out` (ASNs, neighbour first, origin last, prepends
    /// repeated), as it would appear in its Loc-RIB; at a source, what it announces after its own ASN
    /// without prepends (empty at a genuine origin). False (and `out` empty) without a route.
    pub fn path(&self, graph: &Graph, index: u32, out: &mut Vec<u32>) -> bool {
        out.clear();
        let Some(route) = self.routes.get(index as usize).filter(|r| !r.is_none()) else {
            return false;
        };
        if route.is_seed() {
            let skip = self.prepend_of(route.source as usize) as usize;
            out.extend(self.tail(route.source as usize).iter().skip(skip));
            return true;
        }
        self.append_received(graph, index, out);
        true
    }

    /// Appends one CSV row `asn,prefix,next_hop,path` per AS index below `limit` that has a route, in
    /// index (so ASN) order: the neighbour it learned the route from (itself at an origin or attacker; a
    /// leaker's is where the leaked route came from) and the path
    /// as its Loc-RIB shows it with its own ASN in front (BGPy's `as_path`). `rename` maps every ASN
    /// printed (a catchment prints its PoP pseudo-ASes as the operator's ASN).
    pub fn write_routes(
        &self,
        graph: &Graph,
        limit: usize,
        rename: &dyn Fn(u32) -> u32,
        out: &mut String,
    ) {
        use std::fmt::Write as _;
        let mut path = Vec::new();
        for index in 0..limit.min(self.routes.len()) as u32 {
            let Some(route) = self.route(index) else {
                continue;
            };
            self.path(graph, index, &mut path);
            let asn = rename(graph.asn(index));
            // A leaker's route is a seed here, but it learned it from the first AS of the leaked path.
            let leaked = matches!(
                self.sources.get(route.source).map(|s| s.kind),
                Some(SourceKind::Leak { .. })
            );
            let next_hop = match path.first() {
                Some(&first) if leaked && route.learned == Learned::Seed => first,
                _ => graph.asn(route.next_hop),
            };
            let _ = write!(out, "{asn},{},{},{asn}", self.prefix, rename(next_hop));
            for &hop in &path {
                let _ = write!(out, " {}", rename(hop));
            }
            out.push('\n');
        }
    }

    /// Appends the path AS `index` received (for a non-seed): the next hop, then what the next hop
    /// sends after its own ASN, recursively.
    pub(crate) fn append_received(&self, graph: &Graph, index: u32, out: &mut Vec<u32>) {
        let mut current = index;
        for _ in 0..=self.routes.len() {
            let Some(route) = self.routes.get(current as usize) else {
                return;
            };
            if route.is_none() {
                return;
            }
            if route.is_seed() {
                out.extend_from_slice(self.tail(route.source as usize));
                return;
            }
            out.push(graph.asn(route.next_hop));
            current = route.next_hop;
        }
    }

    /// The ASNs source `source` announces after its own (prepends, then a forged or leaked path).
    pub(crate) fn tail(&self, source: usize) -> &[u32] {
        self.sources
            .get(source)
            .map_or(&[], |s| &self.arena[s.tail.0 as usize..s.tail.1 as usize])
    }

    /// The sorted neighbour indices source `source` announces to, if a subset.
    #[inline]
    pub(crate) fn neighbor_subset(&self, source: usize) -> Option<&[u32]> {
        let (start, end) = self.sources.get(source)?.neighbors?;
        Some(&self.arena[start as usize..end as usize])
    }

    fn prepend_of(&self, source: usize) -> u32 {
        self.sources.get(source).map_or(0, |s| u32::from(s.prepend))
    }
}
