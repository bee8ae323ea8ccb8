//! Acting on a matched response: TCP and EDNS fallback, lame servers, referrals (new zone cut, glue),
//! minimised answers (RFC 9156, RFC 8020), chains and final answers, and what goes into the cache with
//! which rank (RFC 2181 §5.4.1): answer data `AnswerAuth`, referral NS `AuthorityNonAuth`, glue
//! `Additional`, negative answers with their SOA (RFC 2308 §5), whose TTL becomes the negative TTL in
//! the answer too. A proper answer clears a server's lame mark for the zone; the root's answer to the
//! priming query also caches the root servers' addresses.

use super::query::{returned_scope, Outstanding};
use super::response::{classify, Asked, Reply};
use super::task::{cached_addresses, AddressLookup, NameServer, ZoneCut};
use super::{Outcome, Protocol, Resolver};
use crate::cache::{NegativeKind, Rank};
use globe_dns::{ClientSubnet, Message, Name, RData, RType, Rcode, Record};
use std::collections::HashMap;
use std::time::Instant;

impl Resolver {
    /// A response matched `out`; the task's next step follows from it.
    pub(super) fn on_message(&mut self, out: Outstanding, mut message: Message, now: Instant) {
        if !self.tasks.contains_key(&out.task) {
            return;
        }
        // RFC 1035 §4.2.1, RFC 7766 §5: a truncated UDP answer is asked again over TCP.
        if message.header.tc && out.protocol == Protocol::Udp {
            self.stats.tcp_fallbacks += 1;
            self.send_query(out.task, out.server, Protocol::Tcp, false, now);
            return;
        }
        let rcode = message.rcode();
        // RFC 6891 §7: a server that does not know EDNS answers FORMERR or NOTIMP (BADVERS for a version
        // it does not know); ask it again without.
        if out.edns
            && (rcode == Rcode::FORMERR || rcode == Rcode::NOTIMP || rcode == Rcode::BADVERS)
        {
            self.infra.disable_edns(out.server, now);
            self.stats.edns_fallbacks += 1;
            self.send_query(out.task, out.server, out.protocol, false, now);
            return;
        }
        // Under 0x20 the server echoes our random case: give records the name as the task spells it.
        for record in message
            .answers
            .iter_mut()
            .chain(message.authority.iter_mut())
            .chain(message.additional.iter_mut())
        {
            if record.name == out.asked {
                record.name = out.asked.clone();
            }
        }
        let asked = Asked {
            zone: &out.zone,
            name: &out.asked,
            qtype: out.question.qtype,
            class: out.question.qclass,
        };
        let reply = classify(&message, &asked, self.config.max_cname_chain);
        let scope = returned_scope(&message, &out);
        if !matches!(reply, Reply::Failure(_) | Reply::Lame(_)) {
            // A proper answer for the zone: a lame mark from before (tried as a last resort) goes.
            self.infra.clear_lame(out.server, &out.zone);
        }
        if let Reply::Answer { records, .. } = &reply {
            if self.priming.task == Some(out.task) {
                self.cache_root_addresses(records, &message, now);
            }
        }
        match reply {
            Reply::Failure(_) | Reply::Lame(_) => self.lame(&out, now),
            Reply::CnameLoop => self.finish(out.task, Outcome::servfail(), now),
            Reply::YxDomain { chain } => {
                let Some(task) = self.tasks.get_mut(&out.task) else {
                    return;
                };
                task.chain.extend(chain);
                let mut outcome = task.success(Vec::new());
                outcome.rcode = Rcode::YXDOMAIN;
                self.finish(out.task, outcome, now);
            }
            Reply::Referral { zone, ns, glue } => self.follow_referral(&out, zone, ns, glue, now),
            reply if out.minimised => self.minimised_reply(&out, reply, scope, now),
            reply => self.full_reply(&out, reply, scope, now),
        }
    }

    /// The server is lame for the zone (or failed): under minimisation first ask it the full name
    /// (RFC 9156 §3: some servers answer ancestors badly), else mark it and try the next.
    fn lame(&mut self, out: &Outstanding, now: Instant) {
        if out.minimised {
            let Some(task) = self.tasks.get_mut(&out.task) else {
                return;
            };
            task.minimise.enabled = false;
            self.send_query(out.task, out.server, out.protocol, false, now);
            return;
        }
        self.infra.mark_lame(out.server, &out.zone, now);
        self.stats.lame_servers += 1;
        self.server_unusable(out);
    }

    /// RFC 1034 §5.3.3 step 3b: a delegation. Its NS set and in-domain glue are cached, and the task
    /// asks the new zone's servers.
    fn follow_referral(
        &mut self,
        out: &Outstanding,
        zone: Name,
        ns: Vec<Record>,
        glue: Vec<Record>,
        now: Instant,
    ) {
        let ipv6 = self.config.ipv6;
        let Some(task) = self.tasks.get_mut(&out.task) else {
            return;
        };
        task.referrals += 1;
        if task.referrals > self.config.max_referrals {
            self.finish(out.task, Outcome::servfail(), now);
            return;
        }
        let mut servers: Vec<NameServer> = Vec::new();
        for record in &ns {
            let RData::Ns(name) = &record.data else {
                continue;
            };
            if servers.iter().any(|server| server.name == *name) {
                continue;
            }
            let mut addresses: Vec<_> = glue
                .iter()
                .filter(|glue| glue.name == *name)
                .filter_map(|glue| match glue.data {
                    RData::A(address) => Some(address.into()),
                    RData::Aaaa(address) => Some(address.into()),
                    _ => None,
                })
                .collect();
            if addresses.is_empty() {
                addresses = cached_addresses(&mut self.cache, name, ipv6, now);
            }
            let usable = addresses
                .iter()
                .any(|address: &std::net::IpAddr| ipv6 || address.is_ipv4());
            servers.push(NameServer {
                name: name.clone(),
                addresses,
                lookup: if usable {
                    AddressLookup::Done
                } else {
                    AddressLookup::NotTried
                },
            });
        }
        task.enter(ZoneCut {
            zone,
            servers,
            tries: HashMap::new(),
            from_cache: false,
        });
        // A name server address lookup whose name is among the glue is done: that glue is exactly
        // what would be used had it come with the delegation being followed (the common case of
        // `com.` served by names under `net.`, whose glue comes with the `net.` referral).
        let from_glue: Vec<Record> = if task.is_client() {
            Vec::new()
        } else {
            glue.iter()
                .filter(|r| r.name == task.qname && r.rtype() == task.question.qtype)
                .cloned()
                .collect()
        };
        self.cache
            .insert_rrset(ns, Rank::AuthorityNonAuth, None, now);
        for rrset in rrsets(glue) {
            self.cache.insert_rrset(rrset, Rank::Additional, None, now);
        }
        if from_glue.is_empty() {
            self.ready.push_back(out.task);
        } else {
            let outcome = task.success(from_glue);
            self.finish(out.task, outcome, now);
        }
    }

    /// The answer to a minimised query (an ancestor of the name, type A).
    fn minimised_reply(
        &mut self,
        out: &Outstanding,
        reply: Reply,
        scope: Option<ClientSubnet>,
        now: Instant,
    ) {
        let (chain, records, nxdomain_soa) = match reply {
            // RFC 8020 §2: nothing exists below a name that does not exist.
            Reply::NxDomain { soa, .. } => (Vec::new(), Vec::new(), Some(self.negative_soa(soa))),
            Reply::Answer { chain, records } => (chain, records, None),
            Reply::Alias { chain, .. } | Reply::NoData { chain, .. } => (chain, Vec::new(), None),
            _ => (Vec::new(), Vec::new(), None),
        };
        let Some(task) = self.tasks.get_mut(&out.task) else {
            return;
        };
        let qtype = task.question.qtype;
        let class = task.question.qclass;
        if let Some(soa) = nxdomain_soa {
            for name in [&out.asked, &task.qname] {
                let kind = NegativeKind::NxDomain;
                self.cache
                    .insert_negative(name, qtype, class, kind, soa.clone(), scope, now);
            }
            let outcome = task.negative(NegativeKind::NxDomain, soa);
            self.finish(out.task, outcome, now);
            return;
        }
        // A DNAME above the asked name redirects the whole subtree, the name resolved included
        // (RFC 6672 §3.2): synthesise its CNAME for that name and go on with the target.
        let dname = chain
            .first()
            .filter(|r| r.rtype() == RType::DNAME && task.qname.is_subdomain_of(&r.name))
            .cloned();
        if let Some(dname) = dname {
            let RData::Dname(target) = &dname.data else {
                return;
            };
            match task.qname.replace_suffix(&dname.name, target) {
                Ok(new_name) => {
                    let synthesised = Record {
                        name: task.qname.clone(),
                        class: dname.class,
                        ttl: dname.ttl,
                        data: RData::Cname(new_name.clone()),
                    };
                    task.chain.push(dname.clone());
                    task.chain.push(synthesised.clone());
                    task.hops += 1;
                    self.cache
                        .insert_rrset(vec![dname], Rank::AnswerAuth, None, now);
                    self.cache
                        .insert_rrset(vec![synthesised], Rank::AnswerAuth, None, now);
                    self.go_on_with(out.task, new_name, now);
                }
                Err(_) => {
                    task.chain.push(dname);
                    let mut outcome = task.success(Vec::new());
                    outcome.rcode = Rcode::YXDOMAIN;
                    self.finish(out.task, outcome, now);
                }
            }
            return;
        }
        // The ancestor exists (data, an alias or NODATA) and is no zone cut: one label deeper
        // (RFC 9156 §3).
        task.minimise_deeper();
        for rrset in rrsets(chain.into_iter().chain(records).collect()) {
            self.cache.insert_rrset(rrset, Rank::AnswerAuth, scope, now);
        }
        self.ready.push_back(out.task);
    }

    /// The answer to the full question (or the current end of the chain).
    fn full_reply(
        &mut self,
        out: &Outstanding,
        reply: Reply,
        scope: Option<ClientSubnet>,
        now: Instant,
    ) {
        let (qtype, class) = match self.tasks.get(&out.task) {
            Some(task) => (task.question.qtype, task.question.qclass),
            None => return,
        };
        let (chain, rest) = match reply {
            Reply::Answer { chain, records } => (chain, Rest::Data(records)),
            Reply::Alias { chain, target } => (chain, Rest::Alias(target)),
            Reply::NxDomain { chain, soa } => (
                chain,
                Rest::Negative(NegativeKind::NxDomain, self.negative_soa(soa)),
            ),
            Reply::NoData { chain, soa } => (
                chain,
                Rest::Negative(NegativeKind::NoData, self.negative_soa(soa)),
            ),
            _ => return,
        };
        let Some(task) = self.tasks.get_mut(&out.task) else {
            return;
        };
        if let Some(scope) = scope {
            if task
                .scope
                .is_none_or(|old| old.scope_prefix < scope.scope_prefix)
            {
                task.scope = Some(scope);
            }
        }
        task.hops += chain
            .iter()
            .filter(|record| record.rtype() == RType::CNAME)
            .count();
        let end = chain_end(&chain).unwrap_or_else(|| out.asked.clone());
        for rrset in rrsets(chain.clone()) {
            self.cache.insert_rrset(rrset, Rank::AnswerAuth, scope, now);
        }
        task.chain.extend(chain);
        if task.hops > self.config.max_cname_chain {
            self.finish(out.task, Outcome::servfail(), now);
            return;
        }
        match rest {
            Rest::Data(records) => {
                for rrset in rrsets(records.clone()) {
                    self.cache.insert_rrset(rrset, Rank::AnswerAuth, scope, now);
                }
                let outcome = task.success(records);
                self.finish(out.task, outcome, now);
            }
            Rest::Negative(kind, soa) => {
                self.cache
                    .insert_negative(&end, qtype, class, kind, soa.clone(), scope, now);
                let outcome = task.negative(kind, soa);
                self.finish(out.task, outcome, now);
            }
            Rest::Alias(target) => self.go_on_with(out.task, target, now),
        }
    }

    /// The SOA of a negative answer as it goes to clients and into the cache: its TTL the negative
    /// TTL (RFC 2308 §3, §5: min(SOA TTL, MINIMUM), capped by `max_negative_ttl`), so a fresh answer
    /// says what the cached one will count down from.
    fn negative_soa(&self, soa: Option<Record>) -> Option<Record> {
        let mut soa = soa?;
        if let Some(ttl) = self.cache.negative_ttl(&soa) {
            soa.ttl = ttl;
        }
        Some(soa)
    }

    /// Continues task `id` with `target`, the end of its chain, from the cache and the closest zone
    /// cut, unless the chain loops or is too long.
    fn go_on_with(&mut self, id: u64, target: Name, now: Instant) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let looped = task
            .chain
            .iter()
            .any(|record| record.rtype() == RType::CNAME && record.name == target);
        if looped || task.hops > self.config.max_cname_chain {
            self.finish(id, Outcome::servfail(), now);
            return;
        }
        task.restart(target);
        task.minimise.enabled = self.config.qname_minimisation;
        self.ready.push_back(id);
    }
}

/// What follows the chain in a reply to the full question.
enum Rest {
    Data(Vec<Record>),
    Alias(Name),
    Negative(NegativeKind, Option<Record>),
}

/// The name a chain leads to.
fn chain_end(chain: &[Record]) -> Option<Name> {
    chain.iter().rev().find_map(|record| match &record.data {
        RData::Cname(target) => Some(target.clone()),
        _ => None,
    })
}

/// Groups records into RRsets (same owner, type and class), in order of first appearance.
fn rrsets(records: Vec<Record>) -> Vec<Vec<Record>> {
    let mut sets: Vec<Vec<Record>> = Vec::new();
    for record in records {
        match sets.iter_mut().find(|set| {
            set.first().is_some_and(|first| {
                first.name == record.name
                    && first.rtype() == record.rtype()
                    && first.class == record.class
            })
        }) {
            Some(set) => set.push(record),
            None => sets.push(vec![record]),
        }
    }
    sets
}
