//! `globe sim export-world`: a connected sub-graph of a chosen size around seed ASes, written as a globe
//! lab world ([`globe_world::World`]) so the same topology can be simulated and emulated.
//!
//! **Selection** ([`select`]), deterministic (no randomness; ties go to the lowest ASN):
//!
//! 1. *Seeds*: the ASes asked for, then the anycast PoPs' upstreams and origins (a world must declare
//!    them), each with its **provider chain**: the shortest chain of providers up to an AS already
//!    selected or to a *top* — a clique member when the graph's header names a clique, otherwise an AS
//!    without providers (providers with larger customer cones are tried first). A seed whose providers
//!    never reach the clique keeps the chain to its largest-cone provider-less ancestor instead.
//! 2. *Connection*: if the seeds' chains form several pieces (tops that do not peer), the shortest path
//!    in the full graph joins them, each AS on it with its provider chain.
//! 3. *Core*: ASes next to the selection, nearest to the seeds first (hop distance in the full graph),
//!    then largest customer cone ([`crate::analysis::customer_cone_sizes`]); each comes with its provider
//!    chain and is skipped when the chain does not fit. This fills `size − stub_share × size` ASes: around
//!    a large transit network, its largest neighbours — the tier-1 mesh and the big transit ASes.
//! 4. *Edge*: stubs (ASes without customers) of the selected ASes, one per provider in turn (in selection
//!    order; each provider's stubs largest address space first when geo data is given, then lowest ASN),
//!    so the edge spreads over the core rather than crowding under the first seed. If the stubs run out,
//!    the core grows further, and so on, until `size` ASes or nothing more fits. Last, if still short,
//!    ASes next to the selection that have no provider chain to a top at all (a route server, a network
//!    that only peers) are taken as they are.
//!
//! The result is **connected**, holds the seeds, and every AS reaches a top through providers inside
//! the selection (but for the last resort of step 4), so valley-free routing reaches (almost)
//! everyone. The world holds every link of the
//! full graph between selected ASes (the induced sub-graph) with its relationship.
//!
//! **Kinds**: `tier1` for clique members without providers, `ixp` for the graph's IXP ASes, `stub` for
//! ASes without customers in the full graph, `transit` otherwise. **Names** come from the organisation
//! column of the range file ([`load_organisations`]); **locations, countries, addresses** from an
//! [`AsGeo`] (coordinates rounded to 4 decimals, about 11 m). **Latency** of a link between two located
//! ASes: [`LINK_OVERHEAD_MS`] plus the great-circle distance at [`FIBRE_KM_PER_MS`], rounded to 0.1 ms
//! ([`latency_ms`]); a link with an unlocated end has none.

use crate::analysis;
use crate::catchment::Pop;
use crate::geo::{AsGeo, GeoError, LatLon};
use crate::graph::Graph;
use globe_bgp::Prefix;
use globe_world::{As, Coordinates, Invalid, Kind, Link, Location, Relationship, World};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The share of the world's ASes taken as stubs after the core, by default.
pub const DEFAULT_STUB_SHARE: f64 = 0.5;

/// Light in fibre covers about 200 km per millisecond (refractive index ~1.5).
pub const FIBRE_KM_PER_MS: f64 = 200.0;

/// Added to every located link: equipment, serialisation, and fibre that is longer than the great
/// circle.
pub const LINK_OVERHEAD_MS: f64 = 1.0;

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportOptions<'a> {
    /// The ASes to build the world around (at least one).
    pub around: Vec<u32>,
    /// How many ASes the world has (all of the graph's connected part when it has fewer).
    pub size: usize,
    /// The share of `size` filled with stubs after the core (0 to 1; see the module documentation).
    pub stub_share: f64,
    /// Addresses, locations and countries (indexed like the graph).
    pub geo: Option<&'a AsGeo>,
    /// Organisation names by ASN ([`load_organisations`]).
    pub organisations: Option<&'a HashMap<u32, String>>,
    /// The anycast service; its PoPs' upstreams and its origins become seeds.
    pub anycast: Option<globe_world::Anycast>,
    /// The world's `name` (default: "N ASes around ASx, ASy").
    pub name: Option<String>,
}

/// Why a world could not be exported.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportError {
    /// No AS to build around.
    NoSeeds,
    /// A seed the graph does not have.
    UnknownAsn(u32),
    /// The seeds and their provider chains alone need more ASes than `size`.
    TooSmall {
        /// The size asked for.
        size: usize,
        /// The ASes the seeds need.
        needed: usize,
    },
    /// Two seeds in different components of the graph.
    Disconnected {
        /// One seed.
        a: u32,
        /// A seed not connected to it.
        b: u32,
    },
    /// The world breaks a format rule (e.g. the operator ASN is one of the selected ASes).
    Invalid(Invalid),
}

impl<'a> ExportOptions<'a> {
    /// `size` ASes around `around`, default stub share, no geo data, names or anycast.
    pub fn new(around: impl IntoIterator<Item = u32>, size: usize) -> ExportOptions<'a> {
        ExportOptions {
            around: around.into_iter().collect(),
            size,
            stub_share: DEFAULT_STUB_SHARE,
            geo: None,
            organisations: None,
            anycast: None,
            name: None,
        }
    }

    /// The seeds: `around`, then PoP upstreams and origins, each once.
    pub fn seeds(&self) -> Vec<u32> {
        let mut seeds: Vec<u32> = Vec::new();
        let service = self.anycast.iter().flat_map(|anycast| {
            let upstreams = anycast.pops.iter().flat_map(|pop| pop.upstreams.iter());
            upstreams.chain(anycast.origins.iter()).copied()
        });
        for asn in self.around.iter().copied().chain(service) {
            if !seeds.contains(&asn) {
                seeds.push(asn);
            }
        }
        seeds
    }
}

/// Exports the world `options` describes from `graph`.
pub fn export(graph: &Graph, options: &ExportOptions<'_>) -> Result<World, ExportError> {
    let seeds = options.seeds();
    let selection = select(graph, &seeds, options.size, options.stub_share, options.geo)?;
    let name = options.name.clone().unwrap_or_else(|| {
        let around: Vec<String> = options
            .around
            .iter()
            .map(|asn| format!("AS{asn}"))
            .collect();
        format!("{} ASes around {}", selection.len(), around.join(", "))
    });
    let world = world_of(graph, &selection, options, name);
    world.validate().map_err(ExportError::Invalid)?;
    Ok(world)
}

/// The indices of the selected ASes, in the order they were chosen (seeds first); see the module
/// documentation.
pub fn select(
    graph: &Graph,
    seeds: &[u32],
    size: usize,
    stub_share: f64,
    geo: Option<&AsGeo>,
) -> Result<Vec<u32>, ExportError> {
    let seed_indices = seeds
        .iter()
        .map(|&asn| graph.index(asn).ok_or(ExportError::UnknownAsn(asn)))
        .collect::<Result<Vec<u32>, ExportError>>()?;
    if seed_indices.is_empty() {
        return Err(ExportError::NoSeeds);
    }
    let mut selector = Selector::new(graph, geo);
    for &seed in &seed_indices {
        if !selector.selected[seed as usize] {
            let chain = selector.seed_chain(seed);
            selector.add(seed);
            selector.add_all(&chain);
        }
    }
    selector.connect()?;
    if selector.order.len() > size {
        return Err(ExportError::TooSmall {
            size,
            needed: selector.order.len(),
        });
    }
    selector.distances_from_core();
    let stubs = (size as f64 * stub_share.clamp(0.0, 1.0)).floor() as usize;
    selector.grow_core(size - stubs);
    selector.grow_stubs(size);
    while selector.order.len() < size {
        let before = selector.order.len();
        selector.grow_core(size);
        selector.grow_stubs(size);
        if selector.order.len() == before {
            break;
        }
    }
    selector.grow_unchained(size);
    Ok(selector.order)
}

/// The `[anycast]` section for simulator PoPs (as the CLI's `--pop` and `--origin` make them): a PoP
/// with upstreams becomes an `[[anycast.pop]]` located by its coordinates (rounded like AS locations), a
/// real-AS PoP one of `origins` (a real-AS PoP's neighbour subset is not kept: an origin announces to
/// every neighbour). An IPv4 prefix goes in `prefix`, an IPv6 one in `prefix6`.
pub fn service(pops: &[Pop], prefix: Prefix, operator_asn: u32) -> globe_world::Anycast {
    let mut service = globe_world::Anycast {
        prefix: prefix.is_ipv4().then_some(prefix),
        prefix6: (!prefix.is_ipv4()).then_some(prefix),
        asn: operator_asn,
        pops: Vec::new(),
        origins: Vec::new(),
    };
    for pop in pops {
        match pop.origin {
            Some(asn) => service.origins.push(asn),
            None => service.pops.push(globe_world::Pop {
                name: pop.name.clone(),
                location: pop.location.map(|point| {
                    Location::Coordinates(Coordinates {
                        lat: round(point.lat, 1e4),
                        lon: round(point.lon, 1e4),
                    })
                }),
                upstreams: pop.upstreams.clone(),
                prepend: pop.prepend,
                no_export: pop.no_export,
            }),
        }
    }
    service
}

/// One-way latency of a link between `a` and `b`: [`LINK_OVERHEAD_MS`] + distance / [`FIBRE_KM_PER_MS`],
/// rounded to 0.1 ms.
pub fn latency_ms(a: &LatLon, b: &LatLon) -> f64 {
    let exact = LINK_OVERHEAD_MS + a.distance_km(b) / FIBRE_KM_PER_MS;
    (exact * 10.0).round() / 10.0
}

/// Reads organisation names from `first,last,asn,organisation` lines (the range file; a quoted
/// organisation may hold commas and `""`). The first name given for an ASN is kept; a header line and
/// blank lines are skipped.
pub fn read_organisations(reader: impl BufRead) -> Result<HashMap<u32, String>, GeoError> {
    let mut names = HashMap::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|error| GeoError::Io("ranges".into(), error))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(4, ',');
        let (Some(_), Some(_), Some(asn), organisation) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(GeoError::Line(number + 1, line));
        };
        let asn: u32 = match asn.trim().parse() {
            Ok(asn) => asn,
            Err(_) if number == 0 => continue,
            Err(_) => return Err(GeoError::Line(number + 1, line)),
        };
        let organisation = unquote(organisation.unwrap_or("").trim());
        if !organisation.is_empty() {
            names.entry(asn).or_insert(organisation);
        }
    }
    Ok(names)
}

/// Loads organisation names from the range file (gzip when its name ends in `.gz`).
pub fn load_organisations(path: &Path) -> Result<HashMap<u32, String>, GeoError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|error| GeoError::Io(name.clone(), error))?;
    let reader: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    read_organisations(BufReader::new(reader))
}

/// A CSV field without its quotes (`"a ""b"", c"` is `a "b", c`).
fn unquote(field: &str) -> String {
    match field
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

/// The selection in progress.
struct Selector<'g> {
    graph: &'g Graph,
    geo: Option<&'g AsGeo>,
    cones: Vec<u32>,
    /// Clique members (when the graph names a clique).
    clique: Vec<bool>,
    selected: Vec<bool>,
    order: Vec<u32>,
    /// Hop distance from the seeds and their chains, once they are chosen.
    distance: Vec<u32>,
    /// Neighbours of the selection by (distance, largest cone, lowest ASN).
    frontier: BinaryHeap<Reverse<(u32, u32, u32)>>,
    queued: Vec<bool>,
    /// Candidates whose chain did not fit (or did not exist) when popped; retried by the next round.
    deferred: Vec<u32>,
    /// Per provider, how far its stub list has been taken.
    stub_cursor: HashMap<u32, usize>,
}

impl<'g> Selector<'g> {
    fn new(graph: &'g Graph, geo: Option<&'g AsGeo>) -> Selector<'g> {
        let mut clique = vec![false; graph.len()];
        for &asn in graph.clique() {
            if let Some(index) = graph.index(asn) {
                clique[index as usize] = true;
            }
        }
        Selector {
            graph,
            geo,
            cones: analysis::customer_cone_sizes(graph),
            clique,
            selected: vec![false; graph.len()],
            order: Vec::new(),
            distance: Vec::new(),
            frontier: BinaryHeap::new(),
            queued: vec![false; graph.len()],
            deferred: Vec::new(),
            stub_cursor: HashMap::new(),
        }
    }

    /// A top: a clique member, or (without a clique) an AS without providers.
    fn is_top(&self, index: u32) -> bool {
        if self.graph.clique().is_empty() {
            self.graph.providers(index).is_empty()
        } else {
            self.clique[index as usize]
        }
    }

    /// `index`'s providers, largest customer cone first, then lowest ASN.
    fn providers_by_cone(&self, index: u32) -> Vec<u32> {
        let mut providers = self.graph.providers(index).to_vec();
        providers.sort_by_key(|&provider| Reverse(self.cones[provider as usize]));
        providers
    }

    /// The shortest chain of providers from `index` (exclusive) to a selected AS or a top (inclusive
    /// when not selected), as the ASes to add; `None` when no provider path reaches either.
    fn chain(&self, index: u32) -> Option<Vec<u32>> {
        if self.selected[index as usize] || self.is_top(index) {
            return Some(Vec::new());
        }
        let mut parent: HashMap<u32, u32> = HashMap::new();
        let mut queue = VecDeque::from([index]);
        while let Some(current) = queue.pop_front() {
            for provider in self.providers_by_cone(current) {
                if provider == index || parent.contains_key(&provider) {
                    continue;
                }
                parent.insert(provider, current);
                if self.selected[provider as usize] || self.is_top(provider) {
                    let mut chain = Vec::new();
                    let mut step = provider;
                    while step != index {
                        if !self.selected[step as usize] {
                            chain.push(step);
                        }
                        match parent.get(&step) {
                            Some(&next) => step = next,
                            None => break,
                        }
                    }
                    chain.reverse();
                    return Some(chain);
                }
                queue.push_back(provider);
            }
        }
        None
    }

    /// A seed's chain: [`Selector::chain`], or else up through the largest-cone providers to an AS
    /// without providers (the seed's own top).
    fn seed_chain(&self, seed: u32) -> Vec<u32> {
        if let Some(chain) = self.chain(seed) {
            return chain;
        }
        let mut chain = Vec::new();
        let mut current = seed;
        while let Some(&provider) = self.providers_by_cone(current).first() {
            if provider == seed || chain.contains(&provider) {
                break; // a provider–customer cycle
            }
            chain.push(provider);
            current = provider;
        }
        chain.retain(|&index| !self.selected[index as usize]);
        chain
    }

    fn add(&mut self, index: u32) {
        if self.selected[index as usize] {
            return;
        }
        self.selected[index as usize] = true;
        self.order.push(index);
        if self.distance.is_empty() {
            return; // the seeds' phase: the frontier starts once distances are known
        }
        self.enqueue_neighbours(index);
    }

    fn add_all(&mut self, indices: &[u32]) {
        for &index in indices {
            self.add(index);
        }
    }

    fn neighbours(&self, index: u32) -> impl Iterator<Item = u32> + '_ {
        let graph = self.graph;
        graph
            .providers(index)
            .iter()
            .chain(graph.customers(index))
            .chain(graph.peers(index))
            .copied()
    }

    fn enqueue_neighbours(&mut self, index: u32) {
        let neighbours: Vec<u32> = self.neighbours(index).collect();
        for neighbour in neighbours {
            let slot = neighbour as usize;
            if self.selected[slot] || self.queued[slot] {
                continue;
            }
            self.queued[slot] = true;
            let key = (self.distance[slot], u32::MAX - self.cones[slot], neighbour);
            self.frontier.push(Reverse(key));
        }
    }

    /// Joins the pieces of the selection by shortest paths in the full graph.
    fn connect(&mut self) -> Result<(), ExportError> {
        loop {
            let Some(&start) = self.order.first() else {
                return Ok(());
            };
            // The piece holding the first seed, within the selection.
            let mut piece = vec![false; self.graph.len()];
            piece[start as usize] = true;
            let mut stack = vec![start];
            while let Some(index) = stack.pop() {
                let next: Vec<u32> = self.neighbours(index).collect();
                for neighbour in next {
                    if self.selected[neighbour as usize] && !piece[neighbour as usize] {
                        piece[neighbour as usize] = true;
                        stack.push(neighbour);
                    }
                }
            }
            let Some(&outside) = self.order.iter().find(|&&index| !piece[index as usize]) else {
                return Ok(());
            };
            // Shortest path from the piece to any selected AS outside it.
            let mut parent: Vec<u32> = vec![u32::MAX; self.graph.len()];
            let mut queue: VecDeque<u32> = VecDeque::new();
            for &index in &self.order {
                if piece[index as usize] {
                    parent[index as usize] = index;
                    queue.push_back(index);
                }
            }
            let mut reached = None;
            'search: while let Some(index) = queue.pop_front() {
                let next: Vec<u32> = self.neighbours(index).collect();
                for neighbour in next {
                    if parent[neighbour as usize] != u32::MAX {
                        continue;
                    }
                    parent[neighbour as usize] = index;
                    if self.selected[neighbour as usize] {
                        reached = Some(neighbour);
                        break 'search;
                    }
                    queue.push_back(neighbour);
                }
            }
            let Some(end) = reached else {
                return Err(ExportError::Disconnected {
                    a: self.graph.asn(start),
                    b: self.graph.asn(outside),
                });
            };
            let mut step = parent[end as usize];
            while !self.selected[step as usize] {
                let chain = self.chain(step).unwrap_or_default();
                self.add(step);
                self.add_all(&chain);
                step = parent[step as usize];
            }
        }
    }

    /// Hop distances in the full graph from the current selection; starts the frontier.
    fn distances_from_core(&mut self) {
        self.distance = vec![u32::MAX; self.graph.len()];
        let mut queue: VecDeque<u32> = VecDeque::new();
        for &index in &self.order {
            self.distance[index as usize] = 0;
            queue.push_back(index);
        }
        while let Some(index) = queue.pop_front() {
            let next: Vec<u32> = self.neighbours(index).collect();
            for neighbour in next {
                if self.distance[neighbour as usize] == u32::MAX {
                    self.distance[neighbour as usize] = self.distance[index as usize] + 1;
                    queue.push_back(neighbour);
                }
            }
        }
        let core = self.order.clone();
        for index in core {
            self.enqueue_neighbours(index);
        }
    }

    /// Adds frontier ASes with their chains, best first, until `target` ASes.
    fn grow_core(&mut self, target: usize) {
        for index in std::mem::take(&mut self.deferred) {
            let key = (
                self.distance[index as usize],
                u32::MAX - self.cones[index as usize],
                index,
            );
            self.frontier.push(Reverse(key));
        }
        while self.order.len() < target {
            let Some(Reverse((_, _, index))) = self.frontier.pop() else {
                break;
            };
            if self.selected[index as usize] {
                continue;
            }
            match self.chain(index) {
                Some(chain) if self.order.len() + 1 + chain.len() <= target => {
                    self.add(index);
                    self.add_all(&chain);
                }
                _ => self.deferred.push(index),
            }
        }
    }

    /// The last resort when the rest is exhausted: adds frontier ASes with no provider chain to a top
    /// (an exchange's route server, a network that only peers), best first, until `target` ASes.
    fn grow_unchained(&mut self, target: usize) {
        let mut waiting: Vec<Reverse<(u32, u32, u32)>> = std::mem::take(&mut self.deferred)
            .into_iter()
            .map(|index| {
                let slot = index as usize;
                Reverse((self.distance[slot], u32::MAX - self.cones[slot], index))
            })
            .collect();
        waiting.extend(self.frontier.drain());
        self.frontier = waiting.into_iter().collect();
        while self.order.len() < target {
            let Some(Reverse((_, _, index))) = self.frontier.pop() else {
                return;
            };
            if !self.selected[index as usize] && self.chain(index).is_none() {
                self.add(index);
            }
        }
    }

    /// Adds stub customers of the selected ASes, one per provider in turn, until `target` ASes.
    fn grow_stubs(&mut self, target: usize) {
        let providers: Vec<u32> = self
            .order
            .iter()
            .copied()
            .filter(|&index| !self.graph.customers(index).is_empty())
            .collect();
        let mut lists: Vec<Vec<u32>> = providers
            .iter()
            .map(|&provider| self.stubs_of(provider))
            .collect();
        loop {
            let mut progress = false;
            for (position, &provider) in providers.iter().enumerate() {
                if self.order.len() >= target {
                    return;
                }
                let cursor = self.stub_cursor.entry(provider).or_insert(0);
                let list = &mut lists[position];
                while let Some(&stub) = list.get(*cursor) {
                    *cursor += 1;
                    if !self.selected[stub as usize] {
                        self.add(stub);
                        progress = true;
                        break;
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// `provider`'s customers without customers: largest address space first (with geo data), then
    /// lowest ASN.
    fn stubs_of(&self, provider: u32) -> Vec<u32> {
        let mut stubs: Vec<u32> = self
            .graph
            .customers(provider)
            .iter()
            .copied()
            .filter(|&customer| self.graph.customers(customer).is_empty())
            .collect();
        if let Some(geo) = self.geo {
            stubs.sort_by_key(|&stub| Reverse(geo.addresses_of(stub)));
        }
        stubs
    }
}

/// The world of the selected ASes (see the module documentation for kinds, names, places, latency).
fn world_of(graph: &Graph, selection: &[u32], options: &ExportOptions<'_>, name: String) -> World {
    let mut indices = selection.to_vec();
    indices.sort_unstable();
    let mut selected = vec![false; graph.len()];
    for &index in &indices {
        selected[index as usize] = true;
    }
    let geo = options.geo;
    let place = |index: u32| {
        geo.and_then(|geo| geo.location(index)).map(|point| LatLon {
            lat: round(point.lat, 1e4),
            lon: round(point.lon, 1e4),
        })
    };
    let ases = indices
        .iter()
        .map(|&index| {
            let asn = graph.asn(index);
            let kind = if graph.clique().contains(&asn) && graph.providers(index).is_empty() {
                Kind::Tier1
            } else if graph.ixps().contains(&asn) {
                Kind::Ixp
            } else if graph.customers(index).is_empty() {
                Kind::Stub
            } else {
                Kind::Transit
            };
            let country = geo
                .and_then(|geo| geo.country(index))
                .filter(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
            As {
                asn,
                name: options
                    .organisations
                    .and_then(|names| names.get(&asn))
                    .map(|name| name.trim().to_string())
                    .filter(|name| !name.is_empty()),
                kind,
                location: place(index).map(|point| {
                    Location::Coordinates(Coordinates {
                        lat: point.lat,
                        lon: point.lon,
                    })
                }),
                country: country.map(str::to_string),
                addresses: geo
                    .map(|geo| geo.addresses_of(index))
                    .filter(|&count| count > 0),
                services: Vec::new(),
            }
        })
        .collect();
    let link = |a: u32, b: u32, relationship| Link {
        relationship,
        latency_ms: place(a).zip(place(b)).map(|(a, b)| latency_ms(&a, &b)),
    };
    let mut links = Vec::new();
    for &index in &indices {
        for &customer in graph.customers(index) {
            if selected[customer as usize] {
                let relationship = Relationship::ProviderCustomer {
                    provider: graph.asn(index),
                    customer: graph.asn(customer),
                };
                links.push(link(index, customer, relationship));
            }
        }
    }
    for &index in &indices {
        for &peer in graph.peers(index) {
            if peer > index && selected[peer as usize] {
                let relationship = Relationship::Peers(graph.asn(index), graph.asn(peer));
                links.push(link(index, peer, relationship));
            }
        }
    }
    World {
        name: Some(name),
        ases,
        links,
        anycast: options.anycast.clone(),
    }
}

fn round(value: f64, scale: f64) -> f64 {
    (value * scale).round() / scale
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::NoSeeds => f.write_str("no AS to build the world around"),
            ExportError::UnknownAsn(asn) => write!(f, "AS{asn} is not in the topology"),
            ExportError::TooSmall { size, needed } => write!(
                f,
                "a world of {size} ASes is too small: the seeds and their provider chains need {needed}"
            ),
            ExportError::Disconnected { a, b } => {
                write!(f, "AS{a} and AS{b} are not connected in the topology")
            }
            ExportError::Invalid(invalid) => write!(f, "exported world: {invalid}"),
        }
    }
}

impl std::error::Error for ExportError {}
