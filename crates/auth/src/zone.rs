//! The in-memory zone: owner names (lower-cased) mapped to their RRsets, with empty non-terminals filled
//! in, built once from a list of records and then read-only, so a new version replaces an old one
//! atomically. `ZoneSet` finds the zone that is closest to a query name.
//!
//! A signed zone also keeps its NSEC3 records apart (hashed owners are not names of the zone) and
//! builds the index that finds its denial-of-existence records ([`crate::dnssec`]); an unsigned zone
//! pays for neither.

use crate::dnssec::{self, Denial};
use foldhash::fast::RandomState;
use globe_dns::{Class, Name, RData, RType, Record, Soa};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// All records of one owner and type, sharing one TTL (RFC 2181 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RRset {
    /// The type.
    pub rtype: RType,
    /// The TTL (the lowest given, when the zone file disagreed with itself).
    pub ttl: u32,
    /// The records' data, in zone file order, without duplicates.
    pub data: Vec<RData>,
}

/// The RRsets at one owner name; empty for an empty non-terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// The RRsets, at most one per type.
    pub rrsets: Vec<RRset>,
}

impl Node {
    /// The RRset of a type, if present.
    pub fn rrset(&self, rtype: RType) -> Option<&RRset> {
        self.rrsets.iter().find(|set| set.rtype == rtype)
    }

    /// Whether the node has no data (an empty non-terminal).
    pub fn is_empty(&self) -> bool {
        self.rrsets.is_empty()
    }
}

/// One zone's data.
#[derive(Clone, Debug)]
pub struct Zone {
    origin: Name,
    class: Class,
    soa_ttl: u32,
    soa: Soa,
    /// Keyed by the lower-cased wire form, so lookups borrow a slice of the query name.
    nodes: HashMap<Box<[u8]>, Node, RandomState>,
    /// The NSEC3 RRsets and the RRSIGs covering them, by hashed owner. They are kept out of `nodes`,
    /// as Knot keeps them: a hashed owner is not a name of the zone, so a query for one gets
    /// NXDOMAIN (RFC 5155 §7.2.8), and it makes no empty non-terminal.
    nsec3_nodes: HashMap<Box<[u8]>, Node, RandomState>,
    record_count: usize,
    /// Whether the apex SOA has an RRSIG (Knot's test for a signed zone).
    signed: bool,
    /// How the zone proves non-existence; None unless it is signed.
    denial: Option<Denial>,
}

/// Why records could not be made into a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneError {
    /// The apex has no SOA record.
    MissingSoa,
    /// The apex has more than one SOA record.
    MultipleSoa,
    /// The apex has no NS records.
    MissingApexNs,
    /// A record's owner is not at or below the origin.
    OutOfZone(Name),
    /// A record's class differs from the SOA's.
    ClassMismatch(Name),
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZoneError::MissingSoa => f.write_str("no SOA record at the zone apex"),
            ZoneError::MultipleSoa => f.write_str("more than one SOA record at the zone apex"),
            ZoneError::MissingApexNs => f.write_str("no NS records at the zone apex"),
            ZoneError::OutOfZone(name) => write!(f, "{name} is outside the zone"),
            ZoneError::ClassMismatch(name) => write!(f, "{name} has a class other than the SOA's"),
        }
    }
}

impl std::error::Error for ZoneError {}

impl Zone {
    /// Builds a zone from its records. The origin is the owner of the SOA record unless given.
    pub fn from_records(origin: Option<&Name>, records: Vec<Record>) -> Result<Zone, ZoneError> {
        let origin = match origin {
            Some(origin) => origin.to_lowercase(),
            None => records
                .iter()
                .find(|r| r.rtype() == RType::SOA)
                .map(|r| r.name.to_lowercase())
                .ok_or(ZoneError::MissingSoa)?,
        };
        // Keyed by lower-cased wire form with a fast hasher: lookups borrow a slice of the query name.
        // The nodes are built in place (one allocation per owner, per RRset and per RData list).
        let mut nodes: HashMap<Box<[u8]>, Node, RandomState> = HashMap::with_capacity_and_hasher(
            records.len() + records.len() / 8,
            RandomState::default(),
        );
        let mut nsec3_nodes: HashMap<Box<[u8]>, Node, RandomState> =
            HashMap::with_hasher(RandomState::default());
        let mut class = None;
        let mut record_count = 0;
        for record in records {
            if !record.name.is_subdomain_of(&origin) {
                return Err(ZoneError::OutOfZone(record.name));
            }
            let rtype = record.rtype();
            if rtype == RType::SOA {
                class = Some(record.class);
            }
            let nsec3_related = rtype == RType::NSEC3
                || matches!(
                    record.data,
                    RData::Rrsig {
                        type_covered: RType::NSEC3,
                        ..
                    }
                );
            let mut key = record.name.into_wire();
            key.make_ascii_lowercase();
            let map = if nsec3_related {
                &mut nsec3_nodes
            } else {
                &mut nodes
            };
            if add_record(map, key, rtype, record.ttl, record.data) {
                record_count += 1;
            }
        }
        let class = class.ok_or(ZoneError::MissingSoa)?;
        let apex = nodes.get(origin.as_wire()).ok_or(ZoneError::MissingSoa)?;
        let (soa_ttl, soa) = match apex.rrset(RType::SOA) {
            Some(set) if set.data.len() == 1 => match &set.data[0] {
                RData::Soa(soa) => (set.ttl, soa.clone()),
                _ => return Err(ZoneError::MissingSoa),
            },
            Some(_) => return Err(ZoneError::MultipleSoa),
            None => return Err(ZoneError::MissingSoa),
        };
        if apex.rrset(RType::NS).is_none() {
            return Err(ZoneError::MissingApexNs);
        }
        // Empty non-terminals: every name between an owner and the origin exists (RFC 4592 §2.2.2).
        let origin_len = origin.wire_len();
        let mut empty_non_terminals: std::collections::HashSet<Box<[u8]>, RandomState> =
            std::collections::HashSet::with_hasher(RandomState::default());
        for owner in nodes.keys() {
            let mut pos = 0;
            while let Some(&len) = owner.get(pos) {
                pos += 1 + len as usize;
                let parent = &owner[pos.min(owner.len())..];
                if parent.len() <= origin_len
                    || nodes.contains_key(parent)
                    || empty_non_terminals.contains(parent)
                {
                    break;
                }
                empty_non_terminals.insert(parent.into());
            }
        }
        for owner in empty_non_terminals {
            nodes.insert(owner, Node::default());
        }
        let apex = nodes.get(origin.as_wire()).ok_or(ZoneError::MissingSoa)?;
        let signed = apex.rrset(RType::RRSIG).is_some_and(|set| {
            set.data.iter().any(|data| {
                dnssec::rrsig_key(data).is_some_and(|(covered, _)| covered == RType::SOA)
            })
        });
        let denial = if signed {
            // Each RRSIG RRset sorted by type covered, so the ones an answer needs are one slice.
            for node in nodes.values_mut().chain(nsec3_nodes.values_mut()) {
                if let Some(set) = node.rrsets.iter_mut().find(|set| set.rtype == RType::RRSIG) {
                    set.data.sort_by_key(dnssec::rrsig_key);
                }
            }
            let apex = nodes.get(origin.as_wire()).ok_or(ZoneError::MissingSoa)?;
            Denial::build(
                &origin,
                apex.rrset(RType::NSEC3PARAM)
                    .and_then(|set| set.data.first()),
                nodes
                    .iter()
                    .filter(|(_, node)| node.rrset(RType::NSEC).is_some())
                    .map(|(owner, _)| &**owner),
                nsec3_nodes
                    .iter()
                    .map(|(owner, node)| (&**owner, node.rrset(RType::NSEC3))),
            )
        } else {
            None
        };
        Ok(Zone {
            origin,
            class,
            soa_ttl,
            soa,
            nodes,
            nsec3_nodes,
            record_count,
            signed,
            denial,
        })
    }

    /// The apex name (lower case).
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The zone's class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// The SOA record's data.
    pub fn soa(&self) -> &Soa {
        &self.soa
    }

    /// The SOA record's TTL.
    pub fn soa_ttl(&self) -> u32 {
        self.soa_ttl
    }

    /// The serial.
    pub fn serial(&self) -> u32 {
        self.soa.serial
    }

    /// The TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3).
    pub fn negative_ttl(&self) -> u32 {
        self.soa_ttl.min(self.soa.minimum)
    }

    /// The node at a name given as lower-cased wire bytes.
    pub fn node(&self, lower_wire: &[u8]) -> Option<&Node> {
        self.nodes.get(lower_wire)
    }

    /// Whether the zone is DNSSEC-signed: its apex SOA has an RRSIG (the test Knot applies).
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// How a signed zone proves non-existence (NSEC or NSEC3); None for an unsigned zone.
    pub fn denial(&self) -> Option<&Denial> {
        self.denial.as_ref()
    }

    /// The NSEC3 RRset (and the RRSIGs covering it) at a hashed owner given as lower-cased wire bytes.
    pub fn nsec3_node(&self, lower_wire: &[u8]) -> Option<&Node> {
        self.nsec3_nodes.get(lower_wire)
    }

    /// The number of distinct records.
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// The number of names (including empty non-terminals).
    pub fn name_count(&self) -> usize {
        self.nodes.len()
    }

    /// Every record, SOA first, the rest in canonical order (for AXFR and diffs).
    pub fn records(&self) -> Vec<Record> {
        let mut owners: Vec<Name> = self
            .nodes
            .keys()
            .chain(
                self.nsec3_nodes
                    .keys()
                    .filter(|k| !self.nodes.contains_key(*k)),
            )
            .filter_map(|k| Name::from_wire(k).ok())
            .collect();
        owners.sort();
        let mut out = Vec::with_capacity(self.record_count);
        out.push(Record {
            name: self.origin.clone(),
            class: self.class,
            ttl: self.soa_ttl,
            data: RData::Soa(self.soa.clone()),
        });
        for owner in owners {
            let nodes = [
                self.nodes.get(owner.as_wire()),
                self.nsec3_nodes.get(owner.as_wire()),
            ];
            for set in nodes
                .into_iter()
                .flatten()
                .flat_map(|node| node.rrsets.iter())
            {
                if set.rtype == RType::SOA {
                    continue;
                }
                for data in set.data.iter() {
                    out.push(Record {
                        name: owner.clone(),
                        class: self.class,
                        ttl: set.ttl,
                        data: data.clone(),
                    });
                }
            }
        }
        out
    }

    /// The owner names (lower-cased wire form) with their nodes, in no particular order.
    pub fn nodes(&self) -> impl Iterator<Item = (&[u8], &Node)> {
        self.nodes.iter().map(|(k, v)| (&**k, v))
    }
}

/// Adds a record's data to the RRset of its type at `key`; false when it was already there.
fn add_record(
    nodes: &mut HashMap<Box<[u8]>, Node, RandomState>,
    key: Box<[u8]>,
    rtype: RType,
    ttl: u32,
    data: RData,
) -> bool {
    let node = nodes.entry(key).or_insert_with(|| Node {
        rrsets: Vec::with_capacity(1),
    });
    match node.rrsets.iter_mut().find(|set| set.rtype == rtype) {
        Some(set) => {
            set.ttl = set.ttl.min(ttl);
            if set.data.contains(&data) {
                return false;
            }
            set.data.push(data);
            true
        }
        None => {
            node.rrsets.push(RRset {
                rtype,
                ttl,
                data: vec![data],
            });
            true
        }
    }
}

/// The zones a server is authoritative for, found by longest suffix match, and the origins of zones it
/// should serve but cannot (a secondary zone not yet transferred, or expired), which answer SERVFAIL.
#[derive(Clone, Debug, Default)]
pub struct ZoneSet {
    zones: HashMap<Box<[u8]>, Arc<Zone>>,
    /// The deepest origin's label count, to skip useless suffix lookups.
    max_labels: usize,
    /// Origins (lower-cased wire form) of zones configured but without data to serve.
    unavailable: HashSet<Box<[u8]>>,
}

impl ZoneSet {
    /// An empty set.
    pub fn new() -> ZoneSet {
        ZoneSet::default()
    }

    /// Adds or replaces a zone (and clears an unavailable mark for its origin).
    pub fn insert(&mut self, zone: Arc<Zone>) {
        self.max_labels = self.max_labels.max(zone.origin().label_count());
        self.unavailable.remove(zone.origin().as_wire());
        self.zones.insert(zone.origin().as_wire().into(), zone);
    }

    /// Removes a zone.
    pub fn remove(&mut self, origin: &Name) -> Option<Arc<Zone>> {
        self.zones.remove(origin.to_lowercase().as_wire())
    }

    /// Marks `origin` as a zone we are authoritative for but cannot serve (no data yet, or expired),
    /// removing its data if any: names in it then answer SERVFAIL instead of falling to a parent zone.
    pub fn mark_unavailable(&mut self, origin: &Name) {
        let lower = origin.to_lowercase();
        self.zones.remove(lower.as_wire());
        self.max_labels = self.max_labels.max(lower.label_count());
        self.unavailable.insert(lower.as_wire().into());
    }

    /// Whether the closest enclosing zone of a name (lower-cased wire bytes) is one marked unavailable.
    pub fn is_unavailable(&self, lower_wire: &[u8]) -> bool {
        if self.unavailable.is_empty() {
            return false;
        }
        let offsets = LabelOffsets::new(lower_wire);
        let offsets = offsets.as_slice();
        let skip = offsets.len().saturating_sub(self.max_labels);
        offsets[skip..]
            .iter()
            .map(|&start| start as usize)
            .chain(std::iter::once(lower_wire.len().saturating_sub(1)))
            .filter_map(|start| lower_wire.get(start..))
            .find_map(|suffix| {
                if self.unavailable.contains(suffix) {
                    Some(true)
                } else {
                    self.zones.get(suffix).map(|_| false)
                }
            })
            .unwrap_or(false)
    }

    /// The zone with exactly this origin.
    pub fn get(&self, origin: &Name) -> Option<&Arc<Zone>> {
        self.zones.get(origin.to_lowercase().as_wire())
    }

    /// The zone whose origin is the longest suffix of a name given as lower-cased wire bytes.
    pub fn find(&self, lower_wire: &[u8]) -> Option<&Arc<Zone>> {
        let offsets = LabelOffsets::new(lower_wire);
        let offsets = offsets.as_slice();
        let skip = offsets.len().saturating_sub(self.max_labels);
        offsets[skip..]
            .iter()
            .map(|&start| start as usize)
            .chain(std::iter::once(lower_wire.len().saturating_sub(1)))
            .find_map(|start| self.zones.get(lower_wire.get(start..)?))
    }

    /// All zones.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Zone>> {
        self.zones.values()
    }

    /// The number of zones configured but without data to serve (not yet transferred, or expired).
    pub fn unavailable_count(&self) -> usize {
        self.unavailable.len()
    }

    /// The number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether there are no zones.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }
}

/// The offsets at which each label of a wire-form name starts, most specific first (the root label is not
/// included), kept on the stack: a name has at most 127 labels and 255 octets.
pub struct LabelOffsets {
    offsets: [u8; 128],
    count: usize,
}

impl LabelOffsets {
    /// Scans a wire-form name.
    pub fn new(wire: &[u8]) -> LabelOffsets {
        let mut offsets = [0u8; 128];
        let mut count = 0;
        let mut pos = 0usize;
        while let Some(&len) = wire.get(pos) {
            if len == 0 || count == offsets.len() {
                break;
            }
            offsets[count] = pos as u8;
            count += 1;
            pos += 1 + len as usize;
        }
        LabelOffsets { offsets, count }
    }

    /// The offsets, most specific label first.
    pub fn as_slice(&self) -> &[u8] {
        &self.offsets[..self.count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(origin: &str) -> Arc<Zone> {
        let text = format!(
            "$ORIGIN {origin}\n@ 300 IN SOA ns host 1 2 3 4 5\n@ 300 IN NS ns\nns 300 IN A 192.0.2.1\n"
        );
        let records = globe_dns::zonefile::parse_str(&text, None, "test").expect("valid");
        Arc::new(Zone::from_records(None, records).expect("valid"))
    }

    fn wire(name: &str) -> Vec<u8> {
        name.parse::<Name>().expect("valid").as_wire().to_vec()
    }

    #[test]
    fn an_unavailable_child_shadows_its_served_parent() {
        let mut zones = ZoneSet::new();
        zones.insert(zone("example."));
        zones.mark_unavailable(&"Sub.Example.".parse().expect("valid"));
        assert!(zones.is_unavailable(&wire("www.sub.example.")));
        assert!(zones.is_unavailable(&wire("sub.example.")));
        assert!(!zones.is_unavailable(&wire("www.example.")));
        assert!(!zones.is_unavailable(&wire("other.")));
        // Data for it arrives: served again.
        zones.insert(zone("sub.example."));
        assert!(!zones.is_unavailable(&wire("www.sub.example.")));
        // It expires: unavailable again, and its data is gone.
        zones.mark_unavailable(&"sub.example.".parse().expect("valid"));
        assert!(zones.get(&"sub.example.".parse().expect("valid")).is_none());
        assert!(zones.is_unavailable(&wire("www.sub.example.")));
    }
}
