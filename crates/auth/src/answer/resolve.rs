//! The answer proper, before it is written: from a zone, a query name and type to the RRsets of each
//! section. It walks the zone from the apex (RFC 1034 §4.3.2), follows CNAMEs and DNAMEs inside it,
//! expands wildcards (RFC 4592), stops at zone cuts, and picks the additional addresses; with DO in a
//! signed zone it adds the RRSIGs and the NSEC or NSEC3 proofs that [`crate::dnssec`] chooses
//! (RFC 4035 §3.1, RFC 5155 §7.2).

use super::{ResponseKind, MAX_CHAIN_LENGTH};
use crate::dnssec::{self, NoDataAt, Proof};
use crate::zone::{LabelOffsets, Node, RRset, Zone};
use globe_dns::{Class, Name, RData, RType, Rcode, Section};
use std::borrow::Cow;

/// One RRset to write.
#[derive(Clone, Debug)]
pub(super) struct Entry<'a> {
    pub(super) owner: Cow<'a, Name>,
    pub(super) class: Class,
    pub(super) ttl: u32,
    pub(super) data: Cow<'a, [RData]>,
}

impl Entry<'_> {
    pub(super) fn is_dnssec(&self) -> bool {
        matches!(
            self.data.first().map(RData::rtype),
            Some(RType::DS) | Some(RType::RRSIG) | Some(RType::NSEC) | Some(RType::NSEC3)
        )
    }
}

/// An additional-section RRset; `required` glue that does not fit sets TC (RFC 9471).
#[derive(Clone, Debug)]
pub(super) struct Additional<'a> {
    pub(super) entry: Entry<'a>,
    pub(super) required: bool,
}

/// The answer before it is written.
#[derive(Debug)]
pub(super) struct Answer<'a> {
    pub(super) rcode: Rcode,
    pub(super) authoritative: bool,
    pub(super) kind: ResponseKind,
    pub(super) answer: Vec<Entry<'a>>,
    pub(super) authority: Vec<Entry<'a>>,
    pub(super) additional: Vec<Additional<'a>>,
    pub(super) rrl_name: Option<Name>,
    /// The DNSSEC records go in: the query has DO and the zone is signed (RFC 4035 §3.1).
    dnssec: bool,
    /// The RRSIGs covering the answer, authority and additional RRsets. Each section's go after its
    /// RRsets, as Knot writes them; those of the additional section are optional (RFC 4035 §3.1.1).
    pub(super) signatures: [Vec<Entry<'a>>; 3],
    /// The NSEC and NSEC3 records already in the authority section, each sent once.
    proofs: Vec<Proof>,
    /// The wildcards expanded on the way: the name each answered (lower case) and the offset of its
    /// closest encloser in it, to prove that no closer name matched (RFC 4035 §3.1.3.3).
    wildcards: Vec<(Name, usize)>,
}

impl<'a> Answer<'a> {
    pub(super) fn new(zone: &'a Zone) -> Answer<'a> {
        Answer {
            rrl_name: Some(zone.origin().clone()),
            ..Answer::chaos()
        }
    }

    pub(super) fn chaos() -> Answer<'a> {
        Answer {
            rcode: Rcode::NOERROR,
            authoritative: true,
            kind: ResponseKind::Positive,
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            rrl_name: None,
            dnssec: false,
            signatures: [Vec::new(), Vec::new(), Vec::new()],
            proofs: Vec::new(),
            wildcards: Vec::new(),
        }
    }

    /// Adds the RRSIGs at `node` that cover its `covered` RRset, owned by `owner` (the query name for
    /// a wildcard expansion), each with its original TTL capped at `ttl_limit` (RFC 4035 §3.1.1).
    fn sign(
        &mut self,
        zone: &Zone,
        section: Section,
        node: &'a Node,
        owner: &Name,
        covered: RType,
        ttl_limit: u32,
    ) {
        if !self.dnssec || covered == RType::RRSIG {
            return;
        }
        let Some(set) = node.rrset(RType::RRSIG) else {
            return;
        };
        let list = match section {
            Section::Answer => &mut self.signatures[0],
            Section::Authority => &mut self.signatures[1],
            Section::Additional => &mut self.signatures[2],
        };
        for (ttl, data) in dnssec::signatures(set, Some(covered)) {
            list.push(Entry {
                owner: Cow::Owned(owner.clone()),
                class: zone.class(),
                ttl: ttl.min(ttl_limit),
                data: Cow::Borrowed(data),
            });
        }
    }

    /// The SOA for the authority section of a negative answer, with its RRSIG (whose TTL is capped
    /// at the SOA MINIMUM, as the SOA's is: RFC 2308 §3, RFC 4035 §3.1.3).
    fn negative_soa(&mut self, zone: &'a Zone) {
        self.authority.push(soa_entry(zone, zone.negative_ttl()));
        if !self.dnssec {
            return;
        }
        if let Some(apex) = zone.node(zone.origin().as_wire()) {
            let limit = zone.soa().minimum;
            self.sign(
                zone,
                Section::Authority,
                apex,
                zone.origin(),
                RType::SOA,
                limit,
            );
        }
    }

    /// Adds denial records (each once) with their RRSIGs to the authority section.
    fn prove(&mut self, zone: &'a Zone, proofs: Vec<Proof>) {
        for proof in proofs {
            if self.proofs.contains(&proof) {
                continue;
            }
            if let Some((entry, node, rtype)) = proof_entry(zone, &proof) {
                self.sign(
                    zone,
                    Section::Authority,
                    node,
                    &entry.owner,
                    rtype,
                    u32::MAX,
                );
                self.authority.push(entry);
            }
            self.proofs.push(proof);
        }
    }

    /// Notes that the wildcard at the closest encloser `encloser` (an offset in `sname`) answered
    /// `sname`; only its first use is proven, as in Knot.
    fn visit_wildcard(&mut self, sname: &Name, encloser: usize) {
        if !self.dnssec {
            return;
        }
        let wildcard = &sname.as_wire()[encloser..];
        if !self
            .wildcards
            .iter()
            .any(|(name, at)| &name.as_wire()[*at..] == wildcard)
        {
            self.wildcards.push((sname.clone(), encloser));
        }
    }
}

/// The NSEC or NSEC3 RRset a proof names, with the node holding its RRSIGs.
fn proof_entry<'z>(zone: &'z Zone, proof: &Proof) -> Option<(Entry<'z>, &'z Node, RType)> {
    let (owner, node, rtype) = match proof {
        Proof::Nsec(owner) => (owner, zone.node(owner.as_wire())?, RType::NSEC),
        Proof::Nsec3(owner) => (owner, zone.nsec3_node(owner.as_wire())?, RType::NSEC3),
    };
    let set = node.rrset(rtype)?;
    Some((
        rrset_entry(Cow::Owned(owner.clone()), zone, set),
        node,
        rtype,
    ))
}

pub(super) fn soa_entry(zone: &Zone, ttl: u32) -> Entry<'_> {
    Entry {
        owner: Cow::Borrowed(zone.origin()),
        class: zone.class(),
        ttl,
        data: Cow::Owned(vec![RData::Soa(zone.soa().clone())]),
    }
}

fn rrset_entry<'a>(owner: Cow<'a, Name>, zone: &Zone, set: &'a RRset) -> Entry<'a> {
    Entry {
        owner,
        class: zone.class(),
        ttl: set.ttl,
        data: Cow::Borrowed(&set.data),
    }
}

/// Where the search for a name in a zone ended.
enum Found<'z> {
    /// The name exists (possibly as an empty non-terminal).
    Exact(&'z Node),
    /// A zone cut above (or at) the name: the node holding the NS RRset and its owner.
    Delegation(&'z Node, Name),
    /// A DNAME strictly above the name: its node and owner.
    Dname(&'z Node, Name),
    /// The name matches the wildcard below its closest encloser, which starts at this offset of the
    /// name's wire form.
    Wildcard(&'z Node, usize),
    /// The name does not exist; its closest encloser starts at this offset of its wire form.
    NxDomain(usize),
}

/// Walks from the apex down to `lower` (lower-cased), stopping at zone cuts and DNAMEs (RFC 1034
/// §4.3.2 step 3, RFC 6672 §3.2). A DS query at a cut is answered from the parent's side of it.
fn find<'z>(zone: &'z Zone, lower: &Name, qtype: RType) -> Found<'z> {
    let wire = lower.as_wire();
    let offsets = LabelOffsets::new(wire);
    let offsets = offsets.as_slice();
    let depth = offsets.len() - zone.origin().label_count();
    // offsets[depth] is the apex; walk from the label just below it towards the query name.
    let mut closest: Option<usize> = None;
    for level in (0..depth).rev() {
        let start = offsets[level] as usize;
        let Some(node) = zone.node(&wire[start..]) else {
            closest = Some(level + 1);
            break;
        };
        let at_qname = level == 0;
        if node.rrset(RType::NS).is_some() && !(at_qname && qtype == RType::DS) {
            return Found::Delegation(node, name_at(wire, start));
        }
        if !at_qname && node.rrset(RType::DNAME).is_some() {
            return Found::Dname(node, name_at(wire, start));
        }
    }
    match closest {
        None => match zone.node(wire) {
            Some(node) => Found::Exact(node),
            None => Found::NxDomain(0),
        },
        Some(encloser_level) => {
            let encloser_start = offsets
                .get(encloser_level)
                .map_or(wire.len() - 1, |&o| o as usize);
            match zone.node(&wildcard_wire(&wire[encloser_start..])) {
                Some(node) => Found::Wildcard(node, encloser_start),
                None => Found::NxDomain(encloser_start),
            }
        }
    }
}

fn name_at(wire: &[u8], start: usize) -> Name {
    Name::from_wire(&wire[start..]).unwrap_or_else(|_| Name::root())
}

/// `*.encloser` in wire form.
fn wildcard_wire(encloser: &[u8]) -> Vec<u8> {
    let mut wildcard = Vec::with_capacity(2 + encloser.len());
    wildcard.extend_from_slice(&[1, b'*']);
    wildcard.extend_from_slice(encloser);
    wildcard
}

/// Builds the answer for `qname` in `zone`, following CNAMEs and DNAMEs that stay inside the zone.
/// With `dnssec_ok` and a signed zone it adds the RRSIGs and the proofs of non-existence
/// (RFC 4035 §3.1, RFC 5155 §7.2), as Knot does.
pub(super) fn resolve<'z>(
    zone: &'z Zone,
    qname: &Name,
    lower: &Name,
    qtype: RType,
    dnssec_ok: bool,
) -> Answer<'z> {
    let mut answer = Answer::new(zone);
    answer.dnssec = dnssec_ok && zone.is_signed();
    follow(zone, &mut answer, qname, lower, qtype);
    // Every wildcard expansion on the way, whatever the outcome: proof that no closer name matched
    // (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6).
    for (sname, encloser) in std::mem::take(&mut answer.wildcards) {
        answer.prove(zone, dnssec::wildcard_answer(zone, &sname, encloser));
    }
    answer
}

/// What comes after the records at one name.
enum Next {
    /// The answer is complete.
    Done,
    /// A CNAME points on to this name.
    Follow(Name),
}

/// The answer proper: the query name, then each CNAME or DNAME link, until data, a negative answer,
/// a referral, or a name outside the zone.
fn follow<'z>(zone: &'z Zone, answer: &mut Answer<'z>, qname: &Name, lower: &Name, qtype: RType) {
    let mut current: Name = qname.clone();
    let mut current_lower: Name = lower.clone();
    for link in 0..MAX_CHAIN_LENGTH {
        if link > 0 && !current_lower.is_subdomain_of(zone.origin()) {
            // The chain leaves the zone: the resolver takes it from here.
            return;
        }
        let next = match find(zone, &current_lower, qtype) {
            Found::Exact(node) => {
                at_node(zone, answer, node, None, &current, &current_lower, qtype)
            }
            Found::Wildcard(node, encloser) => {
                answer.visit_wildcard(&current_lower, encloser);
                let at = Some(encloser);
                at_node(zone, answer, node, at, &current, &current_lower, qtype)
            }
            Found::Delegation(node, cut) => {
                // A referral: NS of the cut in authority, DS when present, glue in additional.
                let Some(ns) = node.rrset(RType::NS) else {
                    return;
                };
                if link == 0 {
                    answer.authoritative = false;
                    answer.kind = ResponseKind::Referral;
                }
                answer.rrl_name = Some(cut.clone());
                let owner: Cow<'z, Name> = Cow::Owned(cut.clone());
                answer.authority.push(rrset_entry(owner.clone(), zone, ns));
                answer.sign(zone, Section::Authority, node, &owner, RType::NS, u32::MAX);
                // DS goes with the referral only from a signed zone (as Knot), and only with DO;
                // with DO and no DS, the proof that there is none (RFC 4035 §3.1.4.1).
                if let Some(ds) = node.rrset(RType::DS).filter(|_| zone.is_signed()) {
                    answer.authority.push(rrset_entry(owner.clone(), zone, ds));
                    answer.sign(zone, Section::Authority, node, &owner, RType::DS, u32::MAX);
                } else if answer.dnssec {
                    let proofs = dnssec::insecure_delegation(zone, &current_lower, &cut);
                    answer.prove(zone, proofs);
                }
                add_additional(zone, answer, &cut, ns, true);
                Next::Done
            }
            Found::Dname(node, owner) => {
                let Some(set) = node.rrset(RType::DNAME) else {
                    return;
                };
                let Some(RData::Dname(target)) = set.data.first() else {
                    return;
                };
                let dname_owner: Cow<'z, Name> = Cow::Owned(owner.clone());
                answer
                    .answer
                    .push(rrset_entry(dname_owner.clone(), zone, set));
                answer.sign(
                    zone,
                    Section::Answer,
                    node,
                    &dname_owner,
                    RType::DNAME,
                    u32::MAX,
                );
                match current.replace_suffix(&owner, target) {
                    Ok(synthesized) => {
                        // The synthesised CNAME has no RRSIG (RFC 6672 §5.3.1).
                        answer.answer.push(Entry {
                            owner: Cow::Owned(current.clone()),
                            class: zone.class(),
                            ttl: set.ttl,
                            data: Cow::Owned(vec![RData::Cname(synthesized.clone())]),
                        });
                        if qtype == RType::CNAME {
                            // The synthesised CNAME is the answer asked for.
                            Next::Done
                        } else {
                            Next::Follow(synthesized)
                        }
                    }
                    Err(_) => {
                        // The substituted name is too long (RFC 6672 §2.2).
                        answer.rcode = Rcode::YXDOMAIN;
                        answer.kind = ResponseKind::Error;
                        Next::Done
                    }
                }
            }
            Found::NxDomain(encloser) => {
                answer.rcode = Rcode::NXDOMAIN;
                answer.kind = ResponseKind::NxDomain;
                answer.negative_soa(zone);
                if answer.dnssec {
                    answer.prove(zone, dnssec::name_error(zone, &current_lower, encloser));
                }
                Next::Done
            }
        };
        match next {
            Next::Done => return,
            Next::Follow(target) => {
                current_lower = target.to_lowercase();
                current = target;
            }
        }
    }
}

/// The records at a name that exists, or at the wildcard that matched it (its closest encloser at
/// offset `wildcard` of the name): the RRset asked for, a CNAME to follow, or NODATA.
fn at_node<'z>(
    zone: &'z Zone,
    answer: &mut Answer<'z>,
    node: &'z Node,
    wildcard: Option<usize>,
    current: &Name,
    current_lower: &Name,
    qtype: RType,
) -> Next {
    let owner: Cow<'z, Name> = Cow::Owned(current.clone());
    let first_link = answer.answer.is_empty();
    if qtype == RType::ANY && !node.is_empty() {
        for set in node.rrsets.iter() {
            answer.answer.push(rrset_entry(owner.clone(), zone, set));
            answer.sign(zone, Section::Answer, node, &owner, set.rtype, u32::MAX);
        }
        if first_link {
            answer.rrl_name = Some(current_lower.clone());
        }
        return Next::Done;
    }
    if qtype == RType::RRSIG {
        if let Some(set) = node.rrset(RType::RRSIG) {
            // Every RRSIG at the name, each with its original TTL (as Knot sends them).
            for (ttl, data) in dnssec::signatures(set, None) {
                answer.answer.push(Entry {
                    owner: owner.clone(),
                    class: zone.class(),
                    ttl,
                    data: Cow::Borrowed(data),
                });
            }
            if first_link {
                answer.rrl_name = Some(current_lower.clone());
            }
            return Next::Done;
        }
    } else if let Some(set) = node.rrset(qtype) {
        answer.answer.push(rrset_entry(owner.clone(), zone, set));
        answer.sign(zone, Section::Answer, node, &owner, qtype, u32::MAX);
        add_additional(zone, answer, current, set, false);
        if first_link {
            answer.rrl_name = Some(current_lower.clone());
        }
        return Next::Done;
    }
    // A CNAME is followed, except for the types that belong to the CNAME's own name (as Knot).
    if qtype != RType::NSEC && qtype != RType::RRSIG {
        if let Some(set) = node.rrset(RType::CNAME) {
            answer.answer.push(rrset_entry(owner.clone(), zone, set));
            answer.sign(zone, Section::Answer, node, &owner, RType::CNAME, u32::MAX);
            return match set.data.first() {
                Some(RData::Cname(target)) => Next::Follow(target.clone()),
                _ => Next::Done,
            };
        }
    }
    // NODATA (RFC 2308 §2.2).
    answer.kind = ResponseKind::NoData;
    answer.negative_soa(zone);
    if answer.dnssec {
        let wildcard_owner = wildcard.map(|at| wildcard_wire(&current_lower.as_wire()[at..]));
        let at = match &wildcard_owner {
            Some(owner) => NoDataAt::Wildcard(owner),
            None if node.is_empty() => NoDataAt::EmptyNonTerminal,
            None => NoDataAt::Name,
        };
        let proofs = dnssec::no_data(zone, current_lower, at, wildcard.unwrap_or(0));
        answer.prove(zone, proofs);
    }
    Next::Done
}

/// Adds A and AAAA records for the names an RRset points to (NS, MX, SRV targets) when they are in
/// the zone. For a referral, glue for names below the cut is required (RFC 9471). With DNSSEC their
/// RRSIGs follow (optional), and a service binding's target may bring its NSEC ([`add_types_at`]).
fn add_additional<'z>(
    zone: &'z Zone,
    answer: &mut Answer<'z>,
    owner: &Name,
    set: &'z RRset,
    referral: bool,
) {
    // For a referral, glue below the cut comes first and must fit (RFC 9471); other in-zone
    // addresses ("sibling glue") follow and are dropped silently when they do not, as Knot does.
    let passes: &[bool] = if referral { &[true, false] } else { &[false] };
    let binding = set.rtype == RType::SVCB || set.rtype == RType::HTTPS;
    for &below_cut in passes {
        for data in set.data.iter() {
            let target: &'z Name = match data {
                // A service binding's target "." (the owner itself) gets nothing, as in Knot.
                RData::Svcb(svcb) | RData::Https(svcb) if svcb.target.is_root() => continue,
                RData::Svcb(svcb) | RData::Https(svcb) => &svcb.target,
                other => match other.additional_target() {
                    Some(target) => target,
                    None => continue,
                },
            };
            let lower = target.to_lowercase();
            if !lower.is_subdomain_of(zone.origin())
                || (referral && lower.is_subdomain_of(owner) != below_cut)
            {
                continue;
            }
            // The target's own node (glue below a cut included), else a wildcard that covers it.
            let (node, node_owner) = match zone.node(lower.as_wire()) {
                Some(node) => (node, None),
                None => match find(zone, &lower, RType::A) {
                    Found::Wildcard(node, at) => (node, Some(at)),
                    _ => continue,
                },
            };
            let target_owner: Cow<'z, Name> = Cow::Borrowed(target);
            for rtype in [RType::A, RType::AAAA] {
                let Some(addresses) = node.rrset(rtype) else {
                    continue;
                };
                let duplicate = answer.additional.iter().any(|a| {
                    *a.entry.owner == *target
                        && a.entry.data.first().map(RData::rtype) == Some(rtype)
                });
                if !duplicate {
                    answer.additional.push(Additional {
                        entry: rrset_entry(target_owner.clone(), zone, addresses),
                        required: below_cut,
                    });
                    answer.sign(
                        zone,
                        Section::Additional,
                        node,
                        &target_owner,
                        rtype,
                        u32::MAX,
                    );
                }
            }
            let has_all = || {
                [RType::A, RType::AAAA, set.rtype]
                    .iter()
                    .all(|&rtype| node.rrset(rtype).is_some())
            };
            if answer.dnssec && binding && !has_all() {
                // The node that answered: the wildcard for a wildcard.
                let name = match node_owner {
                    Some(at) => Name::from_wire(&wildcard_wire(&lower.as_wire()[at..])).ok(),
                    None => Some(lower),
                };
                if let Some(name) = name {
                    add_types_at(zone, answer, &name);
                }
            }
        }
    }
}

/// Adds the NSEC (or the matching NSEC3) of `name` to the additional section, optional, with its
/// RRSIGs: for a service binding's target that lacks some of the types Knot looks for (A, AAAA,
/// the binding's own type), it shows what the target has.
fn add_types_at<'z>(zone: &'z Zone, answer: &mut Answer<'z>, name: &Name) {
    let Some(proof) = dnssec::types_at(zone, name) else {
        return;
    };
    let Some((entry, node, rtype)) = proof_entry(zone, &proof) else {
        return;
    };
    let duplicate = answer.additional.iter().any(|a| {
        *a.entry.owner == *entry.owner && a.entry.data.first().map(RData::rtype) == Some(rtype)
    });
    if !duplicate {
        answer.sign(
            zone,
            Section::Additional,
            node,
            &entry.owner,
            rtype,
            u32::MAX,
        );
        answer.additional.push(Additional {
            entry,
            required: false,
        });
    }
}
