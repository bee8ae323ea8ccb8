//! The recursive resolution state machine (RFC 1034 §5.3.3, RFC 1035 §7): from a stub's question to an
//! answer, by way of the cache, root hints, referrals, glue, sub-resolutions of name server addresses,
//! CNAME and DNAME chains, QNAME minimisation, EDNS and TCP fallback, retries and limits.
//!
//! # Contract (as `quinn-proto`'s `Connection`)
//!
//! [`Resolver`] does no I/O and reads no clock. Inputs: [`Resolver::resolve`],
//! [`Resolver::handle_response`], [`Resolver::handle_failure`], [`Resolver::handle_timeout`], each with
//! `now`. Outputs: [`Resolver::poll_transmit`] (queries to send), [`Resolver::poll_timeout`] (when to
//! call `handle_timeout`), [`Resolver::poll_answer`] (finished resolutions). After any input the caller
//! drains `poll_transmit` and `poll_answer` and re-reads `poll_timeout`.
//!
//! # Files
//!
//! - `mod.rs` (this file): the public types and entry points, task bookkeeping, finishing;
//! - `task.rs`: one resolution's state and its next step: cache, closest zone cut, server choice,
//!   sub-resolutions of name server addresses;
//! - `query.rs`: queries on the wire (IDs, 0x20, EDNS, ECS), matching responses to them, timeouts;
//! - `response.rs`: what a matched response says (answer, alias, negative, referral, lame), after the
//!   bailiwick filter;
//! - `step.rs`: acting on what a response says;
//! - `timers.rs`: the timer queue (query RTOs, resolution deadlines, serve-stale client timers);
//! - `stale.rs`: serve-stale (RFC 8767) and root priming (RFC 8109).
//!
//! # What answers clients
//!
//! Clients are answered only from data of rank [`ANSWER_RANK`] or better (RFC 2181 §5.4.1, as Unbound:
//! authoritative answers and authority data). Glue and the NS sets of referrals are cached too, but only
//! to find servers while iterating: a question for a glue name is asked of the name's own zone.
//!
//! # Defences against forged answers (RFC 5452)
//!
//! A response counts only if it comes from the address the query went to, carries its random 16-bit
//! ID and repeats its question (letter case exactly under 0x20); anything else is ignored and the query
//! keeps waiting. Records are kept only when their owner is in the zone the server was asked as
//! (bailiwick), answer data only with AA, glue only for names under the delegated zone.

mod query;
mod response;
mod stale;
mod step;
mod task;
mod timers;

use crate::cache::{Cache, CacheConfig, Rank};
use crate::hints::RootHints;
use crate::infra::{Infra, InfraConfig, INITIAL_RTO, MAX_RTO};
use globe_dns::{ClientSubnet, Name, Question, RType, Rcode, Record};
use query::Outstanding;
use rand::rngs::StdRng;
use stale::Priming;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use task::{Owner, Task, Waiting};
use timers::{Timer, Timers};

/// The UDP payload size advertised with EDNS: 1232 octets avoids IP fragmentation on any path with an
/// MTU of 1280 (DNS flag day 2020).
pub const EDNS_PAYLOAD: u16 = 1232;
/// Zone cuts followed per resolution.
pub const MAX_REFERRALS: usize = 16;
/// CNAME and DNAME hops per resolution (BIND and Unbound allow 8 to 16).
pub const MAX_CNAME_CHAIN: usize = 12;
/// Name server names resolved (sub-resolutions) per resolution, all depths together.
pub const MAX_NS_LOOKUPS: usize = 8;
/// Upstream queries per resolution, sub-resolutions included (Unbound's `MAX_SENT_COUNT` is 32 per
/// target; this counts the whole resolution).
pub const MAX_QUERIES: usize = 64;
/// Nesting of sub-resolutions for name server addresses.
pub const MAX_DEPTH: usize = 4;
/// UDP retransmissions to one server before the next is tried.
pub const RETRIES_PER_SERVER: u32 = 1;
/// After this a resolution answers SERVFAIL.
pub const RESOLUTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Source prefix of the client subnet sent for IPv4 (RFC 7871 §11.1 recommends 24).
pub const ECS_IPV4_PREFIX: u8 = 24;
/// Source prefix of the client subnet sent for IPv6 (RFC 7871 §11.1 recommends 56).
pub const ECS_IPV6_PREFIX: u8 = 56;
/// The port authoritative servers listen on (RFC 1035 §4.2).
pub const DNS_PORT: u16 = 53;
/// The lowest rank of cached data that answers a client (RFC 2181 §5.4.1). Unbound answers from
/// authoritative answer and authority data only; glue ([`Rank::Additional`]) and referral NS sets
/// ([`Rank::AuthorityNonAuth`]) serve iteration alone.
pub const ANSWER_RANK: Rank = Rank::AuthorityAuth;
/// With serve-stale on, a client still waiting this long is answered from stale data while the
/// resolution goes on (RFC 8767 §5 suggests 1.8 seconds for the client response timer).
pub const STALE_ANSWER_CLIENT_TIMEOUT: Duration = Duration::from_millis(1800);
/// After a priming query (RFC 8109) was sent, no other is sent for this long, whatever became of it:
/// a failed priming falls back to the root hints until then.
pub const PRIMING_RETRY: Duration = Duration::from_secs(60);

/// Settings of the engine.
#[derive(Clone, Debug)]
pub struct ResolverConfig {
    /// The cache's settings.
    pub cache: CacheConfig,
    /// The UDP payload size advertised with EDNS.
    pub edns_payload: u16,
    /// QNAME minimisation (RFC 9156).
    pub qname_minimisation: bool,
    /// Random letter case in query names (draft-vixie-dnsext-dns0x20), checked in responses.
    pub case_randomisation: bool,
    /// Forward the client's /24 or /56 to authoritative servers (RFC 7871) when a request has one.
    pub send_client_subnet: bool,
    /// Zone cuts followed per resolution.
    pub max_referrals: usize,
    /// CNAME/DNAME hops per resolution.
    pub max_cname_chain: usize,
    /// Name server names resolved per resolution.
    pub max_ns_lookups: usize,
    /// Upstream queries per resolution, sub-resolutions included.
    pub max_queries: usize,
    /// Nesting of sub-resolutions.
    pub max_depth: usize,
    /// The RTO of a server never heard from.
    pub initial_rto: Duration,
    /// The largest RTO after back-off.
    pub max_rto: Duration,
    /// UDP retransmissions to one server before moving on.
    pub retries_per_server: u32,
    /// After this a resolution answers SERVFAIL.
    pub resolution_timeout: Duration,
    /// Whether to send queries to IPv6 addresses (and resolve AAAA of glueless name servers).
    pub ipv6: bool,
    /// The port of upstream servers: 53, or another for labs and tests.
    pub upstream_port: u16,
    /// Send a priming query (`. NS`, RFC 8109) when the root's NS set is not cached, and use the
    /// root's own answer rather than the hints.
    pub priming: bool,
    /// With `cache.serve_stale`, how long a client waits before stale data answers it (RFC 8767 §5).
    pub stale_answer_client_timeout: Duration,
}

impl Default for ResolverConfig {
    fn default() -> ResolverConfig {
        ResolverConfig {
            cache: CacheConfig::default(),
            edns_payload: EDNS_PAYLOAD,
            qname_minimisation: true,
            case_randomisation: false,
            send_client_subnet: false,
            max_referrals: MAX_REFERRALS,
            max_cname_chain: MAX_CNAME_CHAIN,
            max_ns_lookups: MAX_NS_LOOKUPS,
            max_queries: MAX_QUERIES,
            max_depth: MAX_DEPTH,
            initial_rto: INITIAL_RTO,
            max_rto: MAX_RTO,
            retries_per_server: RETRIES_PER_SERVER,
            resolution_timeout: RESOLUTION_TIMEOUT,
            ipv6: true,
            upstream_port: DNS_PORT,
            priming: true,
            stale_answer_client_timeout: STALE_ANSWER_CLIENT_TIMEOUT,
        }
    }
}

/// A stub's question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// What is asked.
    pub question: Question,
    /// The client's subnet (from its address or its own ECS option), used when
    /// [`ResolverConfig::send_client_subnet`] is on.
    pub client_subnet: Option<ClientSubnet>,
}

/// Names a request; given back with its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Names a query sent upstream; the shell gives it back with what arrived for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransmitId(pub u64);

/// How a query goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// One datagram from a fresh socket.
    Udp,
    /// A TCP connection: the shell writes the 2-octet length and the payload, and reads one framed
    /// response (RFC 1035 §4.2.2), which it gives to `handle_response` without the length.
    Tcp,
}

/// A query to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Its name, for `handle_response`, `handle_failure` and `is_waiting`.
    pub id: TransmitId,
    /// The server.
    pub to: SocketAddr,
    /// UDP or TCP.
    pub protocol: Protocol,
    /// The DNS message.
    pub payload: Vec<u8>,
}

/// A finished resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// NOERROR, NXDOMAIN, SERVFAIL, REFUSED, NOTIMP or YXDOMAIN (DNAME overflow, RFC 6672 §2.2).
    pub rcode: Rcode,
    /// The CNAME/DNAME chain first (a DNAME followed by the CNAME synthesised from it), then the final
    /// RRset; TTLs as cached.
    pub answers: Vec<Record>,
    /// The SOA for negative answers, its TTL the negative TTL (min(SOA TTL, MINIMUM), capped by
    /// `max_negative_ttl`, RFC 2308 §5), counted down when from the cache.
    pub authority: Vec<Record>,
    /// The ECS scope the answer is valid for (`None` = everyone).
    pub scope: Option<ClientSubnet>,
    /// Answered without upstream traffic.
    pub from_cache: bool,
    /// Served from expired data (RFC 8767): not to be kept by caches in front of the engine.
    pub stale: bool,
}

/// Counters, for metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests given to `resolve`.
    pub requests: u64,
    /// Requests answered from the cache alone.
    pub cache_hits: u64,
    /// Requests joined to an identical one already being resolved.
    pub coalesced: u64,
    /// Queries sent upstream (retransmissions and TCP included).
    pub upstream_queries: u64,
    /// Upstream queries that timed out.
    pub timeouts: u64,
    /// Queries repeated over TCP after a truncated UDP answer.
    pub tcp_fallbacks: u64,
    /// Queries repeated without EDNS after FORMERR or NOTIMP.
    pub edns_fallbacks: u64,
    /// Servers found lame (marked in infra).
    pub lame_servers: u64,
    /// Answers with SERVFAIL.
    pub servfails: u64,
    /// Datagrams ignored: unknown transmit, wrong source, ID or question, bad ECS.
    pub ignored_responses: u64,
    /// Requests answered with stale data (RFC 8767).
    pub stale_answers: u64,
    /// Priming queries started (RFC 8109).
    pub primings: u64,
    /// Zone cuts from the cache dropped because none of their servers answered; the resolution went
    /// on from the zone above.
    pub cut_fallbacks: u64,
}

/// The resolution engine: resolutions in progress, the cache, and the server table.
///
/// See the module documentation for the contract. One `Resolver` serves many concurrent requests;
/// identical ones (same question and client subnet) share one resolution.
pub struct Resolver {
    config: ResolverConfig,
    hints: RootHints,
    rng: StdRng,
    cache: Cache,
    infra: Infra,
    stats: Stats,
    next_request: u64,
    next_transmit: u64,
    next_task: u64,
    /// Resolutions in progress, the clients' and the sub-resolutions of name server addresses.
    tasks: HashMap<u64, Task>,
    /// Queries waiting for an answer.
    outstanding: HashMap<TransmitId, Outstanding>,
    /// Client resolutions by (question, client subnet), for coalescing.
    coalesce: HashMap<CoalesceKey, u64>,
    /// Tasks whose next step is due.
    ready: VecDeque<u64>,
    transmits: VecDeque<Transmit>,
    answers: VecDeque<(RequestId, Answer)>,
    /// Query RTOs, resolution deadlines and serve-stale client timers.
    timers: Timers,
    /// Root priming (RFC 8109).
    priming: Priming,
}

/// Identical requests: lower-cased name, type, class, and the subnet that would be sent.
type CoalesceKey = (Name, RType, u16, Option<(std::net::IpAddr, u8)>);

/// What a task ends with: for a client an [`Answer`], for a sub-resolution its records.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    rcode: Rcode,
    answers: Vec<Record>,
    authority: Vec<Record>,
    scope: Option<ClientSubnet>,
    /// Served from expired data (RFC 8767).
    stale: bool,
}

impl Outcome {
    fn servfail() -> Outcome {
        Outcome::error(Rcode::SERVFAIL)
    }

    fn error(rcode: Rcode) -> Outcome {
        Outcome {
            rcode,
            answers: Vec::new(),
            authority: Vec::new(),
            scope: None,
            stale: false,
        }
    }
}

impl Resolver {
    /// An engine with an empty cache. `rng` gives query IDs, 0x20 case and server exploration: seed it
    /// from the OS (tests seed it fixed).
    pub fn new(config: ResolverConfig, hints: RootHints, rng: StdRng) -> Resolver {
        let infra = Infra::new(InfraConfig {
            initial_rto: config.initial_rto,
            max_rto: config.max_rto,
            ..InfraConfig::default()
        });
        Resolver {
            cache: Cache::new(config.cache.clone()),
            config,
            hints,
            rng,
            infra,
            stats: Stats::default(),
            next_request: 0,
            next_transmit: 0,
            next_task: 0,
            tasks: HashMap::new(),
            outstanding: HashMap::new(),
            coalesce: HashMap::new(),
            ready: VecDeque::new(),
            transmits: VecDeque::new(),
            answers: VecDeque::new(),
            timers: Timers::default(),
            priming: Priming::default(),
        }
    }

    /// Starts resolving a stub's question. The answer may be ready at once (from the cache).
    pub fn resolve(&mut self, request: Request, now: Instant) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.stats.requests += 1;
        let question = request.question;
        // Zone transfers and meta-queries are not resolved (RFC 5936 §2.2 and RFC 8482 leave them to
        // authoritative servers); only class IN is (other classes have no root).
        if question.qclass != globe_dns::Class::IN {
            self.answers
                .push_back((id, answer_of(Outcome::error(Rcode::REFUSED), true)));
            return id;
        }
        if question.qtype.is_meta() && question.qtype != RType::ANY {
            self.answers
                .push_back((id, answer_of(Outcome::error(Rcode::NOTIMP), true)));
            return id;
        }
        let ecs = self.subnet_to_send(request.client_subnet.as_ref());
        let key: CoalesceKey = (
            question.name.to_lowercase(),
            question.qtype,
            question.qclass.0,
            ecs.map(|ecs| (ecs.address, ecs.source_prefix)),
        );
        if let Some(&task_id) = self.coalesce.get(&key) {
            if self.join(task_id, id, now) {
                self.stats.coalesced += 1;
                self.after_input();
                return id;
            }
        }
        let task_id = self.new_task_id();
        let task = Task::new(
            question,
            ecs,
            Owner::Client {
                requests: vec![id],
                key: key.clone(),
            },
            task_id,
            0,
            now + self.config.resolution_timeout,
            &self.config,
        );
        let deadline = task.deadline;
        self.tasks.insert(task_id, task);
        self.coalesce.insert(key, task_id);
        self.ready.push_back(task_id);
        self.run(now);
        if self.tasks.contains_key(&task_id) {
            self.timers.arm(deadline, Timer::Deadline(task_id));
            if self.config.cache.serve_stale {
                let at = now + self.config.stale_answer_client_timeout;
                self.timers.arm(at, Timer::StaleAnswer(task_id));
            }
        }
        self.after_input();
        id
    }

    /// Gives the engine a datagram (or TCP message) that arrived on transmit `id`'s socket from `from`.
    /// Anything that does not match the query is counted and ignored; the query keeps waiting.
    pub fn handle_response(
        &mut self,
        id: TransmitId,
        from: SocketAddr,
        bytes: &[u8],
        now: Instant,
    ) {
        self.on_response(id, from, bytes, now);
        self.run(now);
        self.after_input();
    }

    /// Transmit `id` could not be sent, an ICMP error came back, or its TCP connection failed: the server
    /// is treated as unreachable for this resolution.
    pub fn handle_failure(&mut self, id: TransmitId, now: Instant) {
        self.on_failure(id, now);
        self.run(now);
        self.after_input();
    }

    /// Handles every timer due at `now`: queries not answered in their RTO, resolutions past their
    /// deadline, clients waiting longer than the serve-stale client timer. Costs O(log n) per timer
    /// due (a heap), not a scan of everything in flight.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, timer)) = self.timers.pop_due(now) {
            if !self.timer_is_live(at, timer) {
                continue;
            }
            match timer {
                Timer::Transmit(id) => self.on_transmit_timeout(id, now),
                Timer::Deadline(id) => self.finish(id, Outcome::servfail(), now),
                Timer::StaleAnswer(id) => self.answer_stale(id, now),
            }
            self.run(now);
        }
        self.run(now);
        self.after_input();
    }

    /// The next query to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// When `handle_timeout` should be called next. O(1): the earliest live timer (every input
    /// drops the dead ones from the top of the queue before returning).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The next finished resolution.
    pub fn poll_answer(&mut self) -> Option<(RequestId, Answer)> {
        self.answers.pop_front()
    }

    /// Whether transmit `id` still waits for a response; when not, the shell closes its socket.
    pub fn is_waiting(&self, id: TransmitId) -> bool {
        self.outstanding.contains_key(&id)
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The cache, to flush or fill it.
    pub fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }

    /// The server table.
    pub fn infra(&self) -> &Infra {
        &self.infra
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The number of resolutions in progress, sub-resolutions included.
    pub fn resolutions_in_progress(&self) -> usize {
        self.tasks.len()
    }

    fn new_task_id(&mut self) -> u64 {
        self.next_task += 1;
        self.next_task
    }

    /// Whether `timer`, armed for `at`, still means something: its query still waits with that
    /// deadline, its resolution is still running (with clients waiting, for the stale timer).
    fn timer_is_live(&self, at: Instant, timer: Timer) -> bool {
        match timer {
            Timer::Transmit(id) => self.outstanding.get(&id).is_some_and(|out| out.deadline == at),
            Timer::Deadline(id) => self
                .tasks
                .get(&id)
                .is_some_and(|task| task.is_root() && task.deadline == at),
            Timer::StaleAnswer(id) => self.tasks.get(&id).is_some_and(|task| {
                matches!(&task.owner, Owner::Client { requests, .. } if !requests.is_empty())
            }),
        }
    }

    /// Bookkeeping at the end of every input: dead timers leave the top of the queue (so
    /// `poll_timeout` can peek), and the queue is compacted when dead ones pile up.
    fn after_input(&mut self) {
        let live = self.outstanding.len() + 2 * self.tasks.len();
        if self.timers.needs_compaction(live) {
            let mut timers = std::mem::take(&mut self.timers);
            timers.retain(|at, timer| self.timer_is_live(at, timer));
            self.timers = timers;
        }
        while let Some((at, timer)) = self.timers.peek() {
            if self.timer_is_live(at, timer) {
                break;
            }
            self.timers.pop();
        }
    }

    /// Steps every task that is due, until none is.
    fn run(&mut self, now: Instant) {
        while let Some(id) = self.ready.pop_front() {
            self.advance(id, now);
        }
    }

    /// The subnet to send for a client's (RFC 7871 §11.1: /24 or /56 at most), when ECS is on.
    fn subnet_to_send(&self, client: Option<&ClientSubnet>) -> Option<ClientSubnet> {
        if !self.config.send_client_subnet {
            return None;
        }
        let client = client?;
        let limit = match client.address {
            std::net::IpAddr::V4(_) => ECS_IPV4_PREFIX,
            std::net::IpAddr::V6(_) => ECS_IPV6_PREFIX,
        };
        Some(ClientSubnet::new(
            client.address,
            client.source_prefix.min(limit),
        ))
    }

    /// Ends a task: stops its query and sub-resolution, and gives the outcome to its clients or to the
    /// task that waits for it. A client's SERVFAIL becomes a stale answer when serve-stale is on and
    /// the cache has one (RFC 8767 §4).
    fn finish(&mut self, id: u64, mut outcome: Outcome, now: Instant) {
        let Some(task) = self.tasks.remove(&id) else {
            return;
        };
        match task.waiting {
            Waiting::Transmit(transmit) => {
                self.outstanding.remove(&transmit);
            }
            Waiting::Sub(sub) => self.cancel(sub),
            Waiting::Nothing => {}
        }
        match task.owner {
            Owner::Client { requests, key } => {
                self.coalesce.remove(&key);
                if outcome.rcode == Rcode::SERVFAIL && !requests.is_empty() {
                    if let Some(stale) = self.stale_outcome(&task.question, task.ecs, now) {
                        self.stats.stale_answers += requests.len() as u64;
                        outcome = stale;
                    }
                }
                let from_cache = !task.upstream;
                if outcome.rcode == Rcode::SERVFAIL {
                    self.stats.servfails += requests.len() as u64;
                }
                if from_cache {
                    self.stats.cache_hits += requests.len() as u64;
                }
                self.deliver(requests, outcome, from_cache);
            }
            Owner::Priming => self.primed(&outcome),
            Owner::Sub { parent, server } => {
                if let Some(parent_task) = self.tasks.get_mut(&parent) {
                    parent_task.waiting = Waiting::Nothing;
                    parent_task.upstream |= task.upstream;
                    parent_task.sub_resolved(server, &outcome, task.question.qtype);
                    self.ready.push_back(parent);
                }
            }
        }
    }

    /// Gives `outcome` to the clients' `requests`.
    fn deliver(&mut self, requests: Vec<RequestId>, outcome: Outcome, from_cache: bool) {
        let mut answer = answer_of(outcome, from_cache);
        // TTLs as the cache holds them (RFC 2181 §8 caps, the configured floor and cap).
        let (floor, cap) = (self.config.cache.min_ttl, self.config.cache.max_ttl);
        for record in answer.answers.iter_mut().chain(answer.authority.iter_mut()) {
            record.ttl = record.ttl.max(floor).min(cap);
        }
        for request in requests {
            self.answers.push_back((request, answer.clone()));
        }
    }

    /// Drops a sub-resolution and whatever it waits for, without telling its parent.
    fn cancel(&mut self, id: u64) {
        let Some(task) = self.tasks.remove(&id) else {
            return;
        };
        match task.waiting {
            Waiting::Transmit(transmit) => {
                self.outstanding.remove(&transmit);
            }
            Waiting::Sub(sub) => self.cancel(sub),
            Waiting::Nothing => {}
        }
    }
}

fn answer_of(outcome: Outcome, from_cache: bool) -> Answer {
    Answer {
        rcode: outcome.rcode,
        answers: outcome.answers,
        authority: outcome.authority,
        scope: outcome.scope,
        from_cache,
        stale: outcome.stale,
    }
}
