//! One resolution's state, and its next step: answer from the cache, find the closest known zone cut
//! (RFC 1034 §5.3.3 step 2), choose a server of that zone, or resolve a name server's address first.
//!
//! A task resolves one question. Clients' tasks are owned by their requests; a sub-resolution (the
//! address of a name server that came without glue) is owned by the task that needs it, and shares its
//! root's budget of queries and name server lookups and its deadline. The priming query (RFC 8109) is
//! a task of its own.
//!
//! # When a zone's servers run out
//!
//! Servers are chosen among those not tried yet in this zone cut and not marked lame (infra). When none
//! is left: first the addresses of name servers without any are resolved; then, as a last resort (as
//! Unbound does), servers marked lame earlier get one query each, since a lame mark outlives the fault
//! that caused it; then, if the zone cut came from the cache, it is dropped and the resolution goes on
//! from the closest cached cut above it (or the root hints), whose servers refer it down again with a
//! fresh delegation (the zone may have moved). A cut from a referral that runs out is SERVFAIL.
//! Addresses that timed out or failed in this resolution are not asked again by it, whatever the
//! zone. All of it stays within the resolution's query budget and deadline.

use super::{CoalesceKey, Outcome, RequestId, Resolver, ResolverConfig, TransmitId, ANSWER_RANK};
use crate::cache::{Lookup, NegativeKind, Rank};
use globe_dns::{Class, ClientSubnet, Name, Question, RData, RType, Rcode, Record};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// RFC 9156 §2.3: at most this many minimised queries per resolution...
pub(super) const MAX_MINIMISE_COUNT: usize = 10;
/// ...the first this many adding one label each; later ones add several so the count is kept.
pub(super) const MINIMISE_ONE_LAB: usize = 4;

/// Who waits for a task.
pub(super) enum Owner {
    /// Clients' requests (several when coalesced).
    Client {
        /// The requests to answer.
        requests: Vec<RequestId>,
        /// The task's key in the coalescing table.
        key: CoalesceKey,
    },
    /// Another task, for the address of its zone's name server number `server`.
    Sub {
        /// The task waiting.
        parent: u64,
        /// The index of the name server in the parent's zone cut.
        server: usize,
    },
    /// Nobody: the priming query for the root's NS set (RFC 8109).
    Priming,
}

/// What a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Waiting {
    /// Nothing: it is due for its next step.
    Nothing,
    /// A query's answer.
    Transmit(TransmitId),
    /// A sub-resolution.
    Sub(u64),
}

/// How far a name server's address lookup went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AddressLookup {
    /// Not looked up (glue or the cache gave nothing).
    NotTried,
    /// A sub-resolution runs.
    Resolving,
    /// The A lookup gave nothing; AAAA may be tried.
    TriedA,
    /// Nothing more to try.
    Done,
}

/// One name server of a zone.
#[derive(Clone, Debug)]
pub(super) struct NameServer {
    /// Its name (the NS RDATA).
    pub name: Name,
    /// Its addresses, from glue, the cache or a sub-resolution.
    pub addresses: Vec<IpAddr>,
    /// Whether more addresses can be looked for.
    pub lookup: AddressLookup,
}

/// Tries of one server address within one zone cut.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Tries {
    /// Timeouts so far.
    pub timeouts: u32,
    /// No more queries to it for this zone in this resolution.
    pub done: bool,
}

/// The zone being asked and its servers.
#[derive(Clone, Debug)]
pub(super) struct ZoneCut {
    /// The zone.
    pub zone: Name,
    /// Its name servers.
    pub servers: Vec<NameServer>,
    /// What happened with each address.
    pub tries: HashMap<IpAddr, Tries>,
    /// Whether the NS set came from the cache (rather than a referral or the hints): such a cut is
    /// dropped for the zone above when its servers run out.
    pub from_cache: bool,
}

/// QNAME minimisation progress (RFC 9156 §3).
#[derive(Clone, Copy, Debug)]
pub(super) struct Minimise {
    /// Still minimising (turned off after an error, §3 last paragraphs).
    pub enabled: bool,
    /// Labels of the name to ask next.
    pub labels: usize,
    /// Minimised queries so far.
    pub steps: usize,
}

/// One resolution.
pub(super) struct Task {
    /// The question as asked.
    pub question: Question,
    /// The name being resolved now: the question's, or the end of the chain followed so far.
    pub qname: Name,
    /// CNAME/DNAME records followed so far.
    pub chain: Vec<Record>,
    /// CNAME hops so far.
    pub hops: usize,
    /// The client subnet sent upstream.
    pub ecs: Option<ClientSubnet>,
    /// The narrowest scope returned with the answer data.
    pub scope: Option<ClientSubnet>,
    /// Who waits.
    pub owner: Owner,
    /// The client task at the top of the sub-resolution tree (itself for a client task).
    pub root: u64,
    /// Sub-resolution nesting (0 for a client task).
    pub depth: usize,
    /// The root's deadline.
    pub deadline: Instant,
    /// Referrals followed.
    pub referrals: usize,
    /// Queries sent by the whole tree (kept in the root).
    pub queries: usize,
    /// Sub-resolutions started by the whole tree (kept in the root).
    pub ns_lookups: usize,
    /// Whether any query was sent (kept in the root).
    pub upstream: bool,
    /// The zone being asked; `None` before the cache was consulted.
    pub cut: Option<ZoneCut>,
    /// QNAME minimisation.
    pub minimise: Minimise,
    /// What it waits for.
    pub waiting: Waiting,
    /// Addresses that timed out or failed in this resolution: not asked again by it.
    pub unreachable: Vec<IpAddr>,
    /// Cached zone cuts at or below this name are not used (one of them ran out of servers).
    pub cut_limit: Option<Name>,
    /// Go to the servers even if the cache has the answer (the priming query).
    pub skip_cache: bool,
}

impl Task {
    /// A task about to consult the cache.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        question: Question,
        ecs: Option<ClientSubnet>,
        owner: Owner,
        root: u64,
        depth: usize,
        deadline: Instant,
        config: &ResolverConfig,
    ) -> Task {
        Task {
            qname: question.name.clone(),
            question,
            chain: Vec::new(),
            hops: 0,
            ecs,
            scope: None,
            owner,
            root,
            depth,
            deadline,
            referrals: 0,
            queries: 0,
            ns_lookups: 0,
            upstream: false,
            cut: None,
            minimise: Minimise {
                enabled: config.qname_minimisation,
                labels: 0,
                steps: 0,
            },
            waiting: Waiting::Nothing,
            unreachable: Vec::new(),
            cut_limit: None,
            skip_cache: false,
        }
    }

    /// Whether clients wait for this task.
    pub fn is_client(&self) -> bool {
        matches!(self.owner, Owner::Client { .. })
    }

    /// Whether this task is at the top of its tree (a client's or the priming one): it has the
    /// deadline and the budgets.
    pub fn is_root(&self) -> bool {
        !matches!(self.owner, Owner::Sub { .. })
    }

    /// The lowest rank of cached data this task may take as its answer: [`ANSWER_RANK`] for what goes
    /// to clients, anything for the address of a name server (iteration, where glue is what there is).
    pub fn answer_rank(&self) -> Rank {
        match self.owner {
            Owner::Sub { .. } => Rank::Additional,
            Owner::Client { .. } | Owner::Priming => ANSWER_RANK,
        }
    }

    /// The name and type to ask the current zone's servers: the full question, or under QNAME
    /// minimisation the next ancestor of it with type A (RFC 9156 §3 recommends A over NS, which some
    /// servers answer badly).
    pub fn asked(&self) -> (Name, RType) {
        let total = self.qname.label_count();
        if self.minimise.enabled && self.minimise.labels < total {
            (self.qname.suffix(self.minimise.labels), RType::A)
        } else {
            (self.qname.clone(), self.question.qtype)
        }
    }

    /// Whether the name asked now is an ancestor of the name being resolved.
    pub fn is_minimised(&self) -> bool {
        self.minimise.enabled && self.minimise.labels < self.qname.label_count()
    }

    /// Starts asking `cut`'s servers, minimising from one label below it.
    pub fn enter(&mut self, cut: ZoneCut) {
        let below = cut.zone.label_count() + 1;
        self.minimise.labels = below.min(self.qname.label_count());
        self.cut = Some(cut);
    }

    /// After NODATA or data for a minimised name: ask a longer one (RFC 9156 §2.3, the number of labels
    /// added grows after `MINIMISE_ONE_LAB` so at most `MAX_MINIMISE_COUNT` queries are minimised).
    pub fn minimise_deeper(&mut self) {
        let total = self.qname.label_count();
        self.minimise.steps += 1;
        let step = if self.minimise.steps < MINIMISE_ONE_LAB {
            1
        } else if self.minimise.steps >= MAX_MINIMISE_COUNT {
            total
        } else {
            let remaining = total.saturating_sub(self.minimise.labels);
            remaining.div_ceil(MAX_MINIMISE_COUNT - self.minimise.steps)
        };
        self.minimise.labels = (self.minimise.labels + step.max(1)).min(total);
    }

    /// Goes on with `target` (the end of a CNAME chain), from the cache.
    pub fn restart(&mut self, target: Name) {
        self.qname = target;
        self.cut = None;
    }

    /// The outcome for data found for the end of the chain.
    pub fn success(&self, records: Vec<Record>) -> Outcome {
        let mut answers = self.chain.clone();
        answers.extend(records);
        Outcome {
            rcode: Rcode::NOERROR,
            answers,
            authority: Vec::new(),
            scope: self.scope,
            stale: false,
        }
    }

    /// The outcome for a negative answer for the end of the chain.
    pub fn negative(&self, kind: NegativeKind, soa: Option<Record>) -> Outcome {
        Outcome {
            rcode: match kind {
                NegativeKind::NxDomain => Rcode::NXDOMAIN,
                NegativeKind::NoData => Rcode::NOERROR,
            },
            answers: self.chain.clone(),
            authority: soa.into_iter().collect(),
            scope: self.scope,
            stale: false,
        }
    }

    /// A sub-resolution for the address of name server `server` ended.
    pub fn sub_resolved(&mut self, server: usize, outcome: &Outcome, qtype: RType) {
        let Some(ns) = self
            .cut
            .as_mut()
            .and_then(|cut| cut.servers.get_mut(server))
        else {
            return;
        };
        for record in &outcome.answers {
            let address = match record.data {
                RData::A(address) => IpAddr::V4(address),
                RData::Aaaa(address) => IpAddr::V6(address),
                _ => continue,
            };
            if !ns.addresses.contains(&address) {
                ns.addresses.push(address);
            }
        }
        // Try AAAA only when the name exists without A records, not after a failure.
        let no_a = outcome.rcode == Rcode::NOERROR && ns.addresses.is_empty();
        ns.lookup = if no_a && qtype == RType::A {
            AddressLookup::TriedA
        } else {
            AddressLookup::Done
        };
    }
}

impl Resolver {
    /// The next step of task `id`, if it waits for nothing.
    pub(super) fn advance(&mut self, id: u64, now: Instant) {
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        if task.waiting != Waiting::Nothing {
            return;
        }
        if task.cut.is_none() {
            if !task.skip_cache {
                if let Some(outcome) = self.answer_from_cache(id, now) {
                    self.finish(id, outcome, now);
                    return;
                }
            }
            self.closest_zone_cut(id, now);
        }
        self.next_server(id, now);
    }

    /// Answers from the cache, following cached CNAMEs, when it can (RFC 1034 §5.3.3 step 1). Only
    /// data of the task's [`Task::answer_rank`] counts: a client is never answered with glue or a
    /// referral's NS set. The answer's scope is that of the cache entries used (RFC 7871 §7.3.2).
    fn answer_from_cache(&mut self, id: u64, now: Instant) -> Option<Outcome> {
        let max_chain = self.config.max_cname_chain;
        let task = self.tasks.get_mut(&id)?;
        let qtype = task.question.qtype;
        let class = task.question.qclass;
        let rank = task.answer_rank();
        loop {
            match self
                .cache
                .lookup_ranked(&task.qname, qtype, class, task.ecs.as_ref(), rank, now)
            {
                Lookup::Hit(hit) => {
                    task.scope = narrower_scope(task.scope, hit.scope, task.ecs);
                    return Some(task.success(hit.records));
                }
                Lookup::Negative {
                    kind, soa, scope, ..
                } => {
                    task.scope = narrower_scope(task.scope, scope, task.ecs);
                    return Some(task.negative(kind, soa));
                }
                Lookup::Stale(_) | Lookup::Miss => {}
            }
            if qtype == RType::CNAME {
                return None;
            }
            let Lookup::Hit(hit) = self.cache.lookup_ranked(
                &task.qname,
                RType::CNAME,
                class,
                task.ecs.as_ref(),
                rank,
                now,
            ) else {
                return None;
            };
            let target = hit.records.iter().find_map(|record| match &record.data {
                RData::Cname(target) => Some(target.clone()),
                _ => None,
            })?;
            task.hops += 1;
            task.scope = narrower_scope(task.scope, hit.scope, task.ecs);
            let looped = task.chain.iter().any(|record| record.name == target);
            task.chain.extend(hit.records);
            if task.hops > max_chain || looped {
                return Some(Outcome::servfail());
            }
            task.qname = target;
        }
    }

    /// Starts the task at the deepest zone cut whose NS set is cached with a usable server (and is
    /// not at or below the task's `cut_limit`), else at the root hints, and then primes the cache
    /// with the root's NS set (RFC 8109) if that is due.
    fn closest_zone_cut(&mut self, id: u64, now: Instant) {
        let ipv6 = self.config.ipv6;
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        // DS lives in the parent (RFC 4035 §3.1.4.1): start above the name.
        let start = if task.question.qtype == RType::DS {
            task.qname.parent().unwrap_or_else(Name::root)
        } else {
            task.qname.clone()
        };
        let mut candidate = Some(start);
        while let Some(zone) = candidate {
            if task
                .cut_limit
                .as_ref()
                .is_some_and(|limit| zone.is_subdomain_of(limit))
            {
                candidate = zone.parent();
                continue;
            }
            if let Lookup::Hit(hit) = self.cache.lookup(&zone, RType::NS, Class::IN, None, now) {
                let mut servers: Vec<NameServer> = Vec::new();
                for record in &hit.records {
                    let RData::Ns(name) = &record.data else {
                        continue;
                    };
                    let mut addresses = cached_addresses(&mut self.cache, name, ipv6, now);
                    if addresses.is_empty() && zone.is_root() {
                        // Primed without addresses for this name: the hints may know it.
                        addresses = hint_addresses(&self.hints, name, ipv6);
                    }
                    servers.push(NameServer {
                        name: name.clone(),
                        lookup: if addresses.is_empty() {
                            AddressLookup::NotTried
                        } else {
                            AddressLookup::Done
                        },
                        addresses,
                    });
                }
                let usable = servers
                    .iter()
                    .any(|ns| !ns.addresses.is_empty() || !ns.name.is_subdomain_of(&zone));
                if usable {
                    task.enter(ZoneCut {
                        zone,
                        servers,
                        tries: HashMap::new(),
                        from_cache: true,
                    });
                    return;
                }
            }
            candidate = zone.parent();
        }
        let mut servers: Vec<NameServer> = Vec::new();
        for (name, address) in self.hints.servers() {
            if address.is_ipv6() && !ipv6 {
                continue;
            }
            match servers.iter_mut().find(|ns| ns.name == *name) {
                Some(ns) => ns.addresses.push(*address),
                None => servers.push(NameServer {
                    name: name.clone(),
                    addresses: vec![*address],
                    lookup: AddressLookup::Done,
                }),
            }
        }
        task.enter(ZoneCut {
            zone: Name::root(),
            servers,
            tries: HashMap::new(),
            from_cache: false,
        });
        self.prime(now);
    }

    /// Sends to the best untried server of the zone, or looks up a name server's address, or tries a
    /// server marked lame, or leaves a cached zone cut for the one above, or fails (see the module
    /// documentation).
    fn next_server(&mut self, id: u64, now: Instant) {
        let ipv6 = self.config.ipv6;
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let Some(cut) = task.cut.as_ref() else {
            return;
        };
        let mut candidates: Vec<IpAddr> = cut
            .servers
            .iter()
            .flat_map(|ns| ns.addresses.iter().copied())
            .filter(|address| ipv6 || address.is_ipv4())
            .filter(|address| !cut.tries.get(address).is_some_and(|tries| tries.done))
            .filter(|address| !task.unreachable.contains(address))
            .collect();
        candidates.dedup();
        if let Some(address) = self
            .infra
            .select(&candidates, &cut.zone, now, &mut self.rng)
        {
            self.send_query(id, address, super::Protocol::Udp, false, now);
            return;
        }
        // No address left: resolve a name server's (RFC 1034 §5.3.3 step 2, "SLIST").
        let lookup = cut.servers.iter().enumerate().find_map(|(index, ns)| {
            let rtype = match ns.lookup {
                AddressLookup::NotTried => RType::A,
                AddressLookup::TriedA if ipv6 => RType::AAAA,
                _ => return None,
            };
            Some((index, ns.name.clone(), rtype))
        });
        let (zone, from_cache) = (cut.zone.clone(), cut.from_cache);
        if let Some((index, name, rtype)) = lookup {
            self.start_sub_resolution(id, index, name, rtype);
            return;
        }
        // Last resort: the servers marked lame (by this resolution or an earlier one) that this cut
        // has not tried, once each (a lame mark lasts LAME_TTL, the fault maybe not).
        if let Some(address) = self.infra.select_any(&candidates, now, &mut self.rng) {
            self.send_query(id, address, super::Protocol::Udp, false, now);
            return;
        }
        if from_cache {
            // The cached delegation may be out of date: ask the zone above for it again.
            self.stats.cut_fallbacks += 1;
            if let Some(task) = self.tasks.get_mut(&id) {
                task.cut = None;
                task.cut_limit = Some(zone);
            }
            self.closest_zone_cut(id, now);
            self.ready.push_back(id);
            return;
        }
        self.finish(id, Outcome::servfail(), now);
    }

    /// Starts resolving name server `index`'s address, unless that would loop or pass a limit, in which
    /// case the server is unusable and the task goes on with the others.
    fn start_sub_resolution(&mut self, id: u64, index: usize, name: Name, rtype: RType) {
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let (root, depth, deadline) = (task.root, task.depth + 1, task.deadline);
        let in_own_zone = task
            .cut
            .as_ref()
            .is_some_and(|cut| name.is_subdomain_of(&cut.zone));
        // A task up the tree resolving the same name: resolving it again would loop.
        let mut looped = false;
        let mut ancestor = Some(id);
        while let Some(current) = ancestor.and_then(|a| self.tasks.get(&a)) {
            if current.qname == name || current.question.name == name {
                looped = true;
                break;
            }
            ancestor = match current.owner {
                Owner::Sub { parent, .. } => Some(parent),
                Owner::Client { .. } | Owner::Priming => None,
            };
        }
        let budget_left = self
            .tasks
            .get(&root)
            .is_some_and(|root| root.ns_lookups < self.config.max_ns_lookups);
        let usable = !in_own_zone && !looped && depth <= self.config.max_depth && budget_left;
        if !usable {
            if let Some(ns) = self
                .tasks
                .get_mut(&id)
                .and_then(|task| task.cut.as_mut())
                .and_then(|cut| cut.servers.get_mut(index))
            {
                ns.lookup = AddressLookup::Done;
            }
            self.ready.push_back(id);
            return;
        }
        if let Some(root) = self.tasks.get_mut(&root) {
            root.ns_lookups += 1;
        }
        let sub_id = self.new_task_id();
        let question = Question {
            name,
            qtype: rtype,
            qclass: Class::IN,
        };
        let sub = Task::new(
            question,
            None,
            Owner::Sub {
                parent: id,
                server: index,
            },
            root,
            depth,
            deadline,
            &self.config,
        );
        self.tasks.insert(sub_id, sub);
        if let Some(task) = self.tasks.get_mut(&id) {
            task.waiting = Waiting::Sub(sub_id);
            if let Some(ns) = task.cut.as_mut().and_then(|cut| cut.servers.get_mut(index)) {
                ns.lookup = AddressLookup::Resolving;
            }
        }
        self.ready.push_back(sub_id);
    }
}

/// The scope of an answer after one more piece of data of scope `found` went into it: the narrower
/// (longer prefix) of the two, with the source prefix sent (`ecs`), so cached and fresh answers give
/// the same (RFC 7871 §7.3.2). `None` (valid for everyone) stays `None` only while every piece is.
pub(super) fn narrower_scope(
    current: Option<ClientSubnet>,
    found: Option<ClientSubnet>,
    ecs: Option<ClientSubnet>,
) -> Option<ClientSubnet> {
    let Some(mut found) = found else {
        return current;
    };
    if let Some(ecs) = ecs {
        found.source_prefix = ecs.source_prefix;
    }
    match current {
        Some(current) if current.scope_prefix >= found.scope_prefix => Some(current),
        _ => Some(found),
    }
}

/// The addresses the root hints give `name`.
fn hint_addresses(hints: &crate::hints::RootHints, name: &Name, ipv6: bool) -> Vec<IpAddr> {
    hints
        .servers()
        .iter()
        .filter(|(hint, address)| hint == name && (ipv6 || address.is_ipv4()))
        .map(|(_, address)| *address)
        .collect()
}

/// The cached addresses of `name` (A, and AAAA when IPv6 is used).
pub(super) fn cached_addresses(
    cache: &mut crate::cache::Cache,
    name: &Name,
    ipv6: bool,
    now: Instant,
) -> Vec<IpAddr> {
    let mut addresses = Vec::new();
    let types: &[RType] = if ipv6 {
        &[RType::A, RType::AAAA]
    } else {
        &[RType::A]
    };
    for rtype in types {
        if let Lookup::Hit(hit) = cache.lookup(name, *rtype, Class::IN, None, now) {
            for record in hit.records {
                match record.data {
                    RData::A(address) => addresses.push(IpAddr::V4(address)),
                    RData::Aaaa(address) => addresses.push(IpAddr::V6(address)),
                    _ => {}
                }
            }
        }
    }
    addresses
}
