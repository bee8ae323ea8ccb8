//! [`PathAttributes`]: a route's path attributes in typed fields, the form the RIB stores, policy edits
//! and the decision process reads; and [`AttributeTable`], which interns them so that routes with equal
//! attributes share one allocation.
//!
//! A full table has about a million routes but only tens of thousands of distinct attribute sets (one
//! per (AS path, communities, next hop) combination), so the RIB keeps an `Arc<PathAttributes>` per route
//! and hash-conses it: a route then costs a pointer, and equality of two routes' attributes is usually a
//! pointer comparison.

use super::prefix_map::FastHash;
use crate::wire::as_path::reconstruct_as4_path;
use crate::wire::{
    Aggregator, AsPath, AttributeValue, Community, ExtendedCommunity, LargeCommunity, NextHop,
    Origin, PathAttribute,
};
use std::collections::hash_map::{Entry, HashMap, RandomState};
use std::hash::BuildHasher;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The path attributes of a route, decoded into fields. MP_REACH_NLRI and MP_UNREACH_NLRI are not
/// attributes of a route (their next hop is kept in [`PathAttributes::next_hop`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathAttributes {
    /// ORIGIN.
    pub origin: Origin,
    /// AS_PATH (4-octet ASes; a 2-octet session's AS4_PATH already merged).
    pub as_path: AsPath,
    /// NEXT_HOP, or the MP_REACH_NLRI next hop.
    pub next_hop: Option<NextHop>,
    /// MULTI_EXIT_DISC.
    pub med: Option<u32>,
    /// LOCAL_PREF.
    pub local_pref: Option<u32>,
    /// ATOMIC_AGGREGATE present.
    pub atomic_aggregate: bool,
    /// AGGREGATOR (AS4_AGGREGATOR already merged).
    pub aggregator: Option<Aggregator>,
    /// COMMUNITIES, in the order received.
    pub communities: Vec<Community>,
    /// EXTENDED COMMUNITIES.
    pub extended_communities: Vec<ExtendedCommunity>,
    /// LARGE_COMMUNITY.
    pub large_communities: Vec<LargeCommunity>,
    /// ORIGINATOR_ID (RFC 4456).
    pub originator_id: Option<Ipv4Addr>,
    /// CLUSTER_LIST (RFC 4456).
    pub cluster_list: Vec<Ipv4Addr>,
    /// OTC (RFC 9234 §5).
    pub only_to_customer: Option<u32>,
    /// Attributes of types globe does not interpret, kept to pass on (RFC 4271 §9.1.4 partial bit is
    /// applied on export by [`PathAttribute::for_propagation`]).
    pub other: Vec<PathAttribute>,
}

impl Default for PathAttributes {
    fn default() -> Self {
        PathAttributes {
            origin: Origin::Igp,
            as_path: AsPath::default(),
            next_hop: None,
            med: None,
            local_pref: None,
            atomic_aggregate: false,
            aggregator: None,
            communities: Vec::new(),
            extended_communities: Vec::new(),
            large_communities: Vec::new(),
            originator_id: None,
            cluster_list: Vec::new(),
            only_to_customer: None,
            other: Vec::new(),
        }
    }
}

impl PathAttributes {
    /// Collects the attributes of an UPDATE. AS4_PATH and AS4_AGGREGATOR, when present, are merged
    /// into AS_PATH and AGGREGATOR (RFC 6793 §4.2.3); the NEXT_HOP attribute, or else the MP_REACH_NLRI
    /// next hop, becomes [`PathAttributes::next_hop`]. A repeated attribute keeps its first value (the
    /// decoder already discards repeats, RFC 7606 §3(g)).
    pub fn from_wire(attributes: &[PathAttribute]) -> PathAttributes {
        PathAttributes::from_wire_owned(attributes.to_vec())
    }

    /// [`PathAttributes::from_wire`] taking the decoded attributes by value, so that their lists (AS
    /// path, communities) are moved rather than copied.
    pub fn from_wire_owned(attributes: Vec<PathAttribute>) -> PathAttributes {
        let mut result = PathAttributes::default();
        let (mut as4_path, mut as4_aggregator, mut mp_next_hop) = (None, None, None);
        for attribute in attributes {
            match attribute.value {
                AttributeValue::Origin(origin) => result.origin = origin,
                AttributeValue::AsPath(path) => result.as_path = path,
                AttributeValue::NextHop(address) => {
                    result.next_hop.get_or_insert(NextHop::Ipv4(address));
                }
                AttributeValue::MultiExitDisc(value) => result.med = Some(value),
                AttributeValue::LocalPref(value) => result.local_pref = Some(value),
                AttributeValue::AtomicAggregate => result.atomic_aggregate = true,
                AttributeValue::Aggregator(aggregator) => result.aggregator = Some(aggregator),
                AttributeValue::Communities(list) => result.communities = list,
                AttributeValue::OriginatorId(id) => result.originator_id = Some(id),
                AttributeValue::ClusterList(list) => result.cluster_list = list,
                AttributeValue::MpReach(reach) => mp_next_hop = Some(reach.next_hop),
                AttributeValue::MpUnreach(_) => {}
                AttributeValue::ExtendedCommunities(list) => result.extended_communities = list,
                AttributeValue::As4Path(path) => as4_path = Some(path),
                AttributeValue::As4Aggregator(aggregator) => as4_aggregator = Some(aggregator),
                AttributeValue::LargeCommunities(list) => result.large_communities = list,
                AttributeValue::OnlyToCustomer(asn) => result.only_to_customer = Some(asn),
                value @ AttributeValue::Unknown { .. } => result.other.push(PathAttribute {
                    flags: attribute.flags,
                    value,
                }),
            }
        }
        if result.next_hop.is_none() {
            result.next_hop = mp_next_hop;
        }
        if as4_path.is_some() || as4_aggregator.is_some() {
            let (path, aggregator) = reconstruct_as4_path(
                &result.as_path,
                as4_path.as_ref(),
                result.aggregator.as_ref(),
                as4_aggregator.as_ref(),
            );
            result.as_path = path;
            result.aggregator = aggregator;
        }
        result
    }

    /// The attributes to put in an UPDATE, in type-code order, without MP_REACH_NLRI (the speaker adds
    /// it, with the next hop, for non-IPv4 families): NEXT_HOP is written for an IPv4 next hop only.
    /// Unknown attributes are passed on per RFC 4271 §9.1.4 ([`PathAttribute::for_propagation`]).
    pub fn to_wire(&self) -> Vec<PathAttribute> {
        let mut out = vec![
            PathAttribute::new(AttributeValue::Origin(self.origin)),
            PathAttribute::new(AttributeValue::AsPath(self.as_path.clone())),
        ];
        if let Some(NextHop::Ipv4(address)) = self.next_hop {
            out.push(PathAttribute::new(AttributeValue::NextHop(address)));
        }
        if let Some(med) = self.med {
            out.push(PathAttribute::new(AttributeValue::MultiExitDisc(med)));
        }
        if let Some(local_pref) = self.local_pref {
            out.push(PathAttribute::new(AttributeValue::LocalPref(local_pref)));
        }
        if self.atomic_aggregate {
            out.push(PathAttribute::new(AttributeValue::AtomicAggregate));
        }
        if let Some(aggregator) = self.aggregator {
            out.push(PathAttribute::new(AttributeValue::Aggregator(aggregator)));
        }
        if !self.communities.is_empty() {
            out.push(PathAttribute::new(AttributeValue::Communities(
                self.communities.clone(),
            )));
        }
        if let Some(id) = self.originator_id {
            out.push(PathAttribute::new(AttributeValue::OriginatorId(id)));
        }
        if !self.cluster_list.is_empty() {
            out.push(PathAttribute::new(AttributeValue::ClusterList(
                self.cluster_list.clone(),
            )));
        }
        if !self.extended_communities.is_empty() {
            out.push(PathAttribute::new(AttributeValue::ExtendedCommunities(
                self.extended_communities.clone(),
            )));
        }
        if !self.large_communities.is_empty() {
            out.push(PathAttribute::new(AttributeValue::LargeCommunities(
                self.large_communities.clone(),
            )));
        }
        if let Some(asn) = self.only_to_customer {
            out.push(PathAttribute::new(AttributeValue::OnlyToCustomer(asn)));
        }
        out.extend(self.other.iter().filter_map(PathAttribute::for_propagation));
        out.sort_by_key(PathAttribute::type_code);
        out
    }

    /// The neighbour AS for MED comparison: the first AS of a leading AS_SEQUENCE.
    pub fn neighbor_as(&self) -> Option<u32> {
        self.as_path.first_asn()
    }

    /// The origin AS for route origin validation: the last AS of a trailing AS_SEQUENCE (`None` for an
    /// empty path or one ending in an AS_SET, RFC 6811 §2).
    pub fn origin_as(&self) -> Option<u32> {
        self.as_path.origin_asn()
    }

    /// Prepends `asn` `count` times to the path (a new leading AS_SEQUENCE when the path starts with
    /// another segment type or the leading sequence is full at 255 ASes).
    pub fn prepend(&mut self, asn: u32, count: usize) {
        use crate::wire::{AsPathSegment, SegmentType};
        for _ in 0..count {
            match self.as_path.segments.first_mut() {
                Some(segment)
                    if segment.kind == SegmentType::Sequence && segment.asns.len() < 255 =>
                {
                    segment.asns.insert(0, asn)
                }
                _ => self.as_path.segments.insert(
                    0,
                    AsPathSegment {
                        kind: SegmentType::Sequence,
                        asns: vec![asn],
                    },
                ),
            }
        }
    }

    /// True when a COMMUNITIES value is present.
    pub fn has_community(&self, community: Community) -> bool {
        self.communities.contains(&community)
    }
}

/// Hash-consing table for [`PathAttributes`]: [`AttributeTable::intern`] returns the one shared `Arc`
/// for each distinct value. Entries no route uses any more are dropped by [`AttributeTable::purge`].
///
/// Each set is hashed once, with a randomly keyed SipHash (peers choose attributes), and the table is
/// keyed by that 64-bit hash, so growing the table rehashes integers rather than whole attribute sets.
/// Two different sets with the same hash (not expected in practice) share the key: the later ones go to
/// `collisions`, searched only when the hash matches and the value does not.
#[derive(Debug, Default)]
pub struct AttributeTable {
    entries: HashMap<u64, Arc<PathAttributes>, FastHash>,
    collisions: Vec<(u64, Arc<PathAttributes>)>,
    hasher: RandomState,
    /// Size after the last purge, to purge again only once the table has doubled.
    purged_at: usize,
}

impl AttributeTable {
    /// An empty table.
    pub fn new() -> Self {
        AttributeTable::default()
    }

    /// The shared copy of `attributes`.
    pub fn intern(&mut self, attributes: PathAttributes) -> Arc<PathAttributes> {
        let hash = self.hasher.hash_one(&attributes);
        if let Some(existing) = self.find(hash, &attributes) {
            return existing;
        }
        let shared = Arc::new(attributes);
        self.insert(hash, Arc::clone(&shared));
        shared
    }

    /// The shared copy of an attribute set already behind an `Arc` (no copy when it is already the
    /// table's).
    pub fn intern_arc(&mut self, attributes: &Arc<PathAttributes>) -> Arc<PathAttributes> {
        let hash = self.hasher.hash_one(&**attributes);
        if let Some(existing) = self.find(hash, attributes) {
            return existing;
        }
        self.insert(hash, Arc::clone(attributes));
        Arc::clone(attributes)
    }

    fn find(&self, hash: u64, attributes: &PathAttributes) -> Option<Arc<PathAttributes>> {
        let existing = self.entries.get(&hash)?;
        if **existing == *attributes {
            return Some(Arc::clone(existing));
        }
        self.collisions
            .iter()
            .find(|(other, entry)| *other == hash && **entry == *attributes)
            .map(|(_, entry)| Arc::clone(entry))
    }

    fn insert(&mut self, hash: u64, attributes: Arc<PathAttributes>) {
        match self.entries.entry(hash) {
            Entry::Vacant(vacant) => {
                vacant.insert(attributes);
            }
            Entry::Occupied(_) => self.collisions.push((hash, attributes)),
        }
        self.maybe_purge();
    }

    /// Distinct attribute sets held.
    pub fn len(&self) -> usize {
        self.entries.len() + self.collisions.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.collisions.is_empty()
    }

    /// Drops the sets only the table still holds.
    pub fn purge(&mut self) {
        self.entries.retain(|_, entry| Arc::strong_count(entry) > 1);
        self.collisions
            .retain(|(_, entry)| Arc::strong_count(entry) > 1);
        // A collision whose main entry went away takes its place.
        let mut index = 0;
        while index < self.collisions.len() {
            let hash = self.collisions[index].0;
            if self.entries.contains_key(&hash) {
                index += 1;
            } else {
                let (hash, entry) = self.collisions.swap_remove(index);
                self.entries.insert(hash, entry);
            }
        }
        self.purged_at = self.len();
    }

    fn maybe_purge(&mut self) {
        if self.len() >= 2 * self.purged_at.max(1024) {
            self.purge();
        }
    }
}
