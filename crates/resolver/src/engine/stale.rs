//! Serve-stale (RFC 8767) and root priming (RFC 8109).
//!
//! # Serve-stale
//!
//! With [`CacheConfig::serve_stale`](crate::cache::CacheConfig::serve_stale) on, a client's resolution
//! that ends in SERVFAIL (servers dead or lame, a limit reached, the deadline passed) is answered from
//! expired data still in the cache, with the stale TTL (30 s, RFC 8767 §4), if there is some of rank
//! [`ANSWER_RANK`]. A client still waiting after the client response timer
//! ([`ResolverConfig::stale_answer_client_timeout`](super::ResolverConfig), 1.8 s, RFC 8767 §5) is
//! answered the same way at once, and the resolution goes on in the background: what it finds
//! refreshes the cache. Requests joining such a resolution get the stale answer at once too. Stale
//! negative answers are not served.
//!
//! # Priming
//!
//! When a resolution would start at the root hints because the root's NS set is not cached, a priming
//! query (`. NS`, RFC 8109 §3) goes to a hints server, alongside (the resolution does not wait for it:
//! it uses the hints meanwhile). The root's answer caches the NS set with [`Rank::AnswerAuth`] and the
//! servers' addresses from its additional section with [`Rank::Additional`] (RFC 2181 §5.4.1 ranks
//! additional data lowest even from an authoritative server: they serve iteration only). From then on
//! the root's servers come from the cache; names without cached addresses take the hints' ones. A
//! failed priming leaves the hints in use; at most one priming query is started per
//! [`PRIMING_RETRY`], and another when the root's NS set expires.

use super::task::{narrower_scope, Owner, Task};
use super::timers::Timer;
use super::{Outcome, RequestId, Resolver, ANSWER_RANK, PRIMING_RETRY};
use crate::cache::{Lookup, Rank};
use globe_dns::{Class, ClientSubnet, Message, Name, Question, RData, RType, Rcode, Record};
use std::time::Instant;

/// Priming state.
#[derive(Debug, Default)]
pub(super) struct Priming {
    /// The priming resolution running, if any.
    pub task: Option<u64>,
    /// No priming query is started before this.
    pub not_before: Option<Instant>,
}

impl Resolver {
    /// The answer stale data gives `question` (for a client in `ecs`): the cached CNAME chain and the
    /// RRset at its end, stale ones with the stale TTL. `None` when the cache has nothing of rank
    /// [`ANSWER_RANK`], fresh or within `max_stale`, or serve-stale is off.
    pub(super) fn stale_outcome(
        &mut self,
        question: &Question,
        ecs: Option<ClientSubnet>,
        now: Instant,
    ) -> Option<Outcome> {
        if !self.config.cache.serve_stale {
            return None;
        }
        let (qtype, class) = (question.qtype, question.qclass);
        let mut name = question.name.clone();
        let mut answers: Vec<Record> = Vec::new();
        let mut scope = None;
        for _ in 0..=self.config.max_cname_chain {
            let lookup =
                self.cache
                    .lookup_stale(&name, qtype, class, ecs.as_ref(), ANSWER_RANK, now);
            if let Lookup::Hit(hit) | Lookup::Stale(hit) = lookup {
                scope = narrower_scope(scope, hit.scope, ecs);
                answers.extend(hit.records);
                return Some(Outcome {
                    rcode: Rcode::NOERROR,
                    answers,
                    authority: Vec::new(),
                    scope,
                    stale: true,
                });
            }
            if qtype == RType::CNAME {
                return None;
            }
            let lookup =
                self.cache
                    .lookup_stale(&name, RType::CNAME, class, ecs.as_ref(), ANSWER_RANK, now);
            let (Lookup::Hit(hit) | Lookup::Stale(hit)) = lookup else {
                return None;
            };
            let target = hit.records.iter().find_map(|record| match &record.data {
                RData::Cname(target) => Some(target.clone()),
                _ => None,
            })?;
            if answers.iter().any(|record| record.name == target) {
                return None;
            }
            scope = narrower_scope(scope, hit.scope, ecs);
            answers.extend(hit.records);
            name = target;
        }
        None
    }

    /// The client response timer of task `id` fired (RFC 8767 §5): its waiting clients get the stale
    /// answer, if there is one, and the resolution goes on to refresh the cache.
    pub(super) fn answer_stale(&mut self, id: u64, now: Instant) {
        let Some((question, ecs)) = self
            .tasks
            .get(&id)
            .map(|task| (task.question.clone(), task.ecs))
        else {
            return;
        };
        let Some(outcome) = self.stale_outcome(&question, ecs, now) else {
            return;
        };
        let requests = match self.tasks.get_mut(&id).map(|task| &mut task.owner) {
            Some(Owner::Client { requests, .. }) => std::mem::take(requests),
            _ => return,
        };
        self.stats.stale_answers += requests.len() as u64;
        self.deliver(requests, outcome, false);
    }

    /// Joins `request` to client task `task_id`, an identical resolution in progress. If that one
    /// already answered its clients stale, this request gets the stale answer at once. `false` when
    /// `task_id` is no client resolution.
    pub(super) fn join(&mut self, task_id: u64, request: RequestId, now: Instant) -> bool {
        let Some(task) = self.tasks.get(&task_id) else {
            return false;
        };
        let Owner::Client { requests, .. } = &task.owner else {
            return false;
        };
        if requests.is_empty() {
            let (question, ecs) = (task.question.clone(), task.ecs);
            if let Some(outcome) = self.stale_outcome(&question, ecs, now) {
                self.stats.stale_answers += 1;
                self.deliver(vec![request], outcome, false);
                return true;
            }
        }
        match self.tasks.get_mut(&task_id).map(|task| &mut task.owner) {
            Some(Owner::Client { requests, .. }) => {
                requests.push(request);
                true
            }
            _ => false,
        }
    }

    /// A resolution is about to start at the root hints: send a priming query, unless one runs, one
    /// was sent less than [`PRIMING_RETRY`] ago, or priming is off.
    pub(super) fn prime(&mut self, now: Instant) {
        if !self.config.priming
            || self.priming.task.is_some()
            || self.priming.not_before.is_some_and(|at| now < at)
        {
            return;
        }
        let id = self.new_task_id();
        let question = Question {
            name: Name::root(),
            qtype: RType::NS,
            qclass: Class::IN,
        };
        let deadline = now + self.config.resolution_timeout;
        let mut task = Task::new(
            question,
            None,
            Owner::Priming,
            id,
            0,
            deadline,
            &self.config,
        );
        // The root's own answer is wanted, not what the cache holds.
        task.skip_cache = true;
        self.tasks.insert(id, task);
        self.timers.arm(deadline, Timer::Deadline(id));
        self.priming = Priming {
            task: Some(id),
            not_before: Some(now + PRIMING_RETRY),
        };
        self.stats.primings += 1;
        self.ready.push_back(id);
    }

    /// The priming resolution ended. Its NS set was cached like any answer; on failure nothing was,
    /// and the hints stay in use.
    pub(super) fn primed(&mut self, _outcome: &Outcome) {
        self.priming.task = None;
    }

    /// Caches the root servers' addresses from the additional section of the root's answer to the
    /// priming query (RFC 8109 §4.1), for the names in its NS set.
    pub(super) fn cache_root_addresses(&mut self, ns: &[Record], message: &Message, now: Instant) {
        let names: Vec<&Name> = ns
            .iter()
            .filter_map(|record| match &record.data {
                RData::Ns(name) => Some(name),
                _ => None,
            })
            .collect();
        for rtype in [RType::A, RType::AAAA] {
            for name in &names {
                let rrset: Vec<Record> = message
                    .additional
                    .iter()
                    .filter(|r| r.rtype() == rtype && r.class == Class::IN && r.name == **name)
                    .cloned()
                    .collect();
                self.cache.insert_rrset(rrset, Rank::Additional, None, now);
            }
        }
    }
}
