//! The resolver's cache: RRsets and negative answers (RFC 2308) with TTLs counted down against a `now`
//! the caller passes in, replaced by trust rank (RFC 2181 §5.4.1), kept apart by EDNS Client Subnet scope
//! (RFC 7871 §7.3), held under a byte bound by least-recently-used eviction, and served stale past expiry
//! when asked to (RFC 8767).
//!
//! It owns data and its lifetime only: it opens no socket, reads no clock and makes no resolution
//! decision (which RRsets to trust enough to insert, and with what rank, is the engine's).
//!
//! # Layout
//!
//! An entry is one RRset (or one negative answer) for one key and one ECS scope. The key is a byte
//! string: the owner's lower-cased wire form, a tag (0 = NXDOMAIN for the whole name, 1 = one type),
//! the type and the class, so a lookup builds it on the stack and hashes it with foldhash without
//! allocating. The hash map gives the first entry of a key; further entries of the same key (other
//! scopes) hang off it in a short chain, at most [`MAX_SCOPED_ENTRIES_PER_KEY`] + 1 long. Entries live
//! in a slab (`Vec<Option<Node>>`) threaded by a doubly linked recency list through slot indices, so
//! touching and evicting are O(1) with no allocation.
//!
//! # Memory accounting
//!
//! Each entry is charged, once, when stored: [`ENTRY_OVERHEAD`] (its slab node, its share of the hash
//! table at 7/8 load, the key's reference counts and a free-list slot), its key bytes, and per record
//! the size of a [`Record`] plus its heap: the owner name and the names or buffers in its RDATA, each
//! heap allocation costing [`ALLOCATION_OVERHEAD`] more. This is an estimate of what the process really
//! holds for the entry; the spare capacity of the slab and of the hash table (at most as much again
//! after a burst of growth) is not counted. [`Cache::memory_used`] is the sum, and every insert evicts
//! from the least recently used end until it is at most [`CacheConfig::max_bytes`].

use foldhash::fast::RandomState;
use globe_dns::name::MAX_NAME_LEN;
use globe_dns::{Class, ClientSubnet, Name, RData, RType, Record};
use std::collections::HashMap;
use std::fmt;
use std::mem::size_of;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many entries with a non-zero ECS scope one key may hold (besides its global entry). Each
/// distinct client subnet an authority tailors answers for adds one; past this the one closest to
/// expiry goes, so a name answered per /24 cannot fill the cache on its own.
pub const MAX_SCOPED_ENTRIES_PER_KEY: usize = 64;

/// Bytes a heap allocation is charged beyond its contents: the allocator's header and rounding (glibc
/// malloc keeps an 8-byte header and rounds to 16).
pub const ALLOCATION_OVERHEAD: usize = 16;

/// Bytes every entry is charged besides its key and records: its slab node, its share of the hash
/// table (key pointer, slot index, one control byte, at 7/8 load), the key's reference counts, and one
/// free-list slot.
pub const ENTRY_OVERHEAD: usize = size_of::<Option<Node>>()
    + (size_of::<(Arc<[u8]>, u32)>() + 1) * 8 / 7
    + 2 * size_of::<usize>()
    + size_of::<u32>();

/// The rank negative answers are stored with. An NXDOMAIN or NODATA comes from the zone's authority,
/// with its SOA, so it ranks as an authoritative answer: only an authoritative answer replaces an
/// unexpired one.
const NEGATIVE_RANK: Rank = Rank::AnswerAuth;

/// The key: lower-cased owner wire form, tag, type, class.
const KEY_MAX_LEN: usize = MAX_NAME_LEN + 5;

/// "No slot" in the recency list and the scope chains.
const NIL: u32 = u32::MAX;

/// Tunables of the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// The memory bound: accounted bytes of keys and records (see the module documentation).
    pub max_bytes: usize,
    /// TTL cap in seconds, applied to positive data.
    pub max_ttl: u32,
    /// TTL floor in seconds, applied to positive data (a TTL of 0 after it means: not cached).
    pub min_ttl: u32,
    /// Cap in seconds for negative answers (RFC 2308 §5 suggests one to three hours).
    pub max_negative_ttl: u32,
    /// Keep expired data to answer with when resolution fails (RFC 8767).
    pub serve_stale: bool,
    /// The TTL of a stale answer (RFC 8767 §4 recommends 30 seconds).
    pub stale_answer_ttl: u32,
    /// How long past expiry data may still be served stale, in seconds (RFC 8767 §5: one to three days).
    pub max_stale: u32,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            max_bytes: 64 << 20,
            max_ttl: 86_400,
            min_ttl: 0,
            max_negative_ttl: 3_600,
            serve_stale: false,
            stale_answer_ttl: 30,
            max_stale: 86_400,
        }
    }
}

/// RFC 2181 §5.4.1 data ranking, lowest first. A new RRset replaces a cached one of lower or equal rank,
/// or an expired one; otherwise it is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    /// From the additional section (glue included).
    Additional,
    /// From the authority section of a non-authoritative answer (a referral).
    AuthorityNonAuth,
    /// From the answer section of a non-authoritative answer.
    AnswerNonAuth,
    /// From the authority section of an authoritative answer.
    AuthorityAuth,
    /// From the answer section of an authoritative answer.
    AnswerAuth,
}

/// What a negative answer denies (RFC 2308 §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NegativeKind {
    /// The name does not exist, for any type.
    NxDomain,
    /// The name exists but has no data of the type asked for.
    NoData,
}

/// The result of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The RRset, its TTLs counted down to what is left (at least 1).
    Hit(Hit),
    /// A cached negative answer.
    Negative {
        /// NXDOMAIN or NODATA.
        kind: NegativeKind,
        /// The SOA that came with the answer (for the authority section), its TTL counted down.
        soa: Option<Record>,
        /// Seconds the negative answer remains valid (at least 1).
        ttl: u32,
        /// The clients the entry is valid for, as in [`Hit::scope`].
        scope: Option<ClientSubnet>,
    },
    /// Expired data within `max_stale`, only from [`Cache::lookup_stale`]; TTLs are `stale_answer_ttl`.
    Stale(Hit),
    /// Nothing usable.
    Miss,
}

/// A cached RRset, with what the cache knows about the entry that held it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The records, TTLs counted down (or `stale_answer_ttl` for a stale hit).
    pub records: Vec<Record>,
    /// The rank the RRset was stored with (RFC 2181 §5.4.1).
    pub rank: Rank,
    /// The clients the entry is valid for (RFC 7871 §7.3.1): `None` for the global entry, else the
    /// address masked to the entry's prefix, with that prefix as both `source_prefix` and
    /// `scope_prefix`. For an entry an authority scoped longer than the query's source (stored for
    /// exactly that source prefix), the prefix is the source prefix.
    pub scope: Option<ClientSubnet>,
}

/// The cache. See the module documentation for its layout and accounting.
pub struct Cache {
    config: CacheConfig,
    /// Key -> the first entry of its scope chain.
    map: HashMap<Arc<[u8]>, u32, RandomState>,
    /// The entries; `None` for a free slot (listed in `free`).
    slots: Vec<Option<Node>>,
    free: Vec<u32>,
    /// Most recently used entry.
    head: u32,
    /// Least recently used entry, the next to be evicted.
    tail: u32,
    used: usize,
    entries: usize,
}

/// One cached RRset or negative answer.
struct Node {
    /// Shared with the hash map, to find the chain again on removal.
    key: Arc<[u8]>,
    /// The RRset, or for a negative answer the SOA.
    records: Vec<Record>,
    expires: Instant,
    scope: Option<Scope>,
    /// Accounted bytes, as charged when stored.
    bytes: usize,
    /// Recency list neighbours: `previous` is more recent, `next` less.
    previous: u32,
    next: u32,
    /// The next entry of the same key (another scope).
    next_variant: u32,
    rank: Rank,
    negative: Option<NegativeKind>,
}

/// The clients an entry is valid for (RFC 7871 §7.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scope {
    /// The address masked to `prefix` bits.
    address: IpAddr,
    prefix: u8,
    /// The authority asked for a longer scope than the query's source prefix: the entry is stored with
    /// the source prefix and answers only queries with exactly that source prefix.
    exact_source: bool,
}

/// What a key's entry is for.
#[derive(Clone, Copy)]
enum KeyKind {
    /// NXDOMAIN: the whole name, every type.
    NxDomain,
    /// One type.
    Type(RType),
}

/// A key built on the stack.
struct Key {
    bytes: [u8; KEY_MAX_LEN],
    len: usize,
}

/// How usable an entry is at some instant.
enum Freshness {
    /// Unexpired, with the whole seconds left (at least 1).
    Fresh(u32),
    /// Expired, but within `max_stale` and `serve_stale` is on.
    Stale,
    /// To be dropped.
    Dead,
}

/// The best entries of one key for one client: `(slot, scope order)`.
#[derive(Default)]
struct Selection {
    fresh: Option<(u32, u16)>,
    stale: Option<(u32, u16)>,
}

impl Cache {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Cache {
        Cache {
            config,
            map: HashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            used: 0,
            entries: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// Stores an RRset. All records share owner, type and class (records that differ from the first are
    /// dropped). `scope`: the ECS the answer was given for (address masked to scope_prefix); None or
    /// scope 0 = valid for every client.
    ///
    /// The RRset's TTL is the lowest of its records' (RFC 2181 §5.2), clamped to
    /// [`CacheConfig::min_ttl`]..=[`CacheConfig::max_ttl`]; 0 is not cached. It replaces the entry of the
    /// same key and scope if `rank` is at least that entry's, or that entry has expired; otherwise it is
    /// ignored. It also removes a same-scope NXDOMAIN for the owner under the same rule, as the name
    /// evidently exists.
    pub fn insert_rrset(
        &mut self,
        mut records: Vec<Record>,
        rank: Rank,
        scope: Option<ClientSubnet>,
        now: Instant,
    ) {
        let Some(first) = records.first() else {
            return;
        };
        let (rtype, class) = (first.rtype(), first.class);
        let (Some(key), Some(name_key)) = (
            Key::new(&first.name, KeyKind::Type(rtype), class),
            Key::new(&first.name, KeyKind::NxDomain, class),
        ) else {
            return;
        };
        records.retain(|r| r.rtype() == rtype && r.class == class && key.is_owner(&r.name));
        let Some(lowest) = records.iter().map(|r| r.ttl).min() else {
            return;
        };
        // Not `clamp`, which panics when the floor is configured above the cap: the cap wins.
        let ttl = lowest.max(self.config.min_ttl).min(self.config.max_ttl);
        let scope = scope.as_ref().and_then(Scope::from_subnet);
        self.remove_nxdomain(&name_key, scope, rank, now);
        if ttl == 0 {
            return;
        }
        for record in &mut records {
            record.ttl = ttl;
        }
        self.store(&key, scope, rank, None, records, ttl, now);
    }

    /// Stores a negative answer. NXDOMAIN caches the name for every type (RFC 2308 §5); NODATA the one
    /// type. TTL = min(SOA TTL, SOA MINIMUM), capped by max_negative_ttl. No SOA (or a record that is not
    /// an SOA): not cached (RFC 2308 §5).
    ///
    /// Negative entries rank as authoritative answers ([`Rank::AnswerAuth`]), so they replace any cached
    /// entry of the same key and scope, and only an authoritative answer replaces them before they
    /// expire.
    #[allow(clippy::too_many_arguments)] // The signature is the contract in docs/design/resolver.md.
    pub fn insert_negative(
        &mut self,
        name: &Name,
        rtype: RType,
        class: Class,
        kind: NegativeKind,
        soa: Option<Record>,
        scope: Option<ClientSubnet>,
        now: Instant,
    ) {
        let Some(mut soa) = soa else {
            return;
        };
        let Some(ttl) = self.negative_ttl(&soa) else {
            return;
        };
        let scope = scope.as_ref().and_then(Scope::from_subnet);
        let (Some(type_key), Some(name_key)) = (
            Key::new(name, KeyKind::Type(rtype), class),
            Key::new(name, KeyKind::NxDomain, class),
        ) else {
            return;
        };
        let key = match kind {
            NegativeKind::NxDomain => name_key,
            NegativeKind::NoData => {
                self.remove_nxdomain(&name_key, scope, NEGATIVE_RANK, now);
                type_key
            }
        };
        if ttl == 0 {
            return;
        }
        soa.ttl = ttl;
        self.store(&key, scope, NEGATIVE_RANK, Some(kind), vec![soa], ttl, now);
    }

    /// `client`: the client's subnet when ECS is in use; picks the entry with the longest matching scope,
    /// else the global entry. An NXDOMAIN for the name answers every type, unless an entry for the type
    /// has a longer matching scope. The entry returned becomes the most recently used.
    pub fn lookup(
        &mut self,
        name: &Name,
        rtype: RType,
        class: Class,
        client: Option<&ClientSubnet>,
        now: Instant,
    ) -> Lookup {
        self.find(name, rtype, class, client, Rank::Additional, now, false)
    }

    /// As [`Cache::lookup`], but only entries of rank `min_rank` or better count; lower-ranked ones
    /// are as if absent. Answers to clients are looked up with [`Rank::AuthorityAuth`], so glue and
    /// referral NS sets (kept for iteration only) are never returned as answers (RFC 2181 §5.4.1).
    pub fn lookup_ranked(
        &mut self,
        name: &Name,
        rtype: RType,
        class: Class,
        client: Option<&ClientSubnet>,
        min_rank: Rank,
        now: Instant,
    ) -> Lookup {
        self.find(name, rtype, class, client, min_rank, now, false)
    }

    /// As [`Cache::lookup_ranked`], but expired data within max_stale is returned as Lookup::Stale
    /// (when serve_stale). Unexpired data is preferred to stale data of a longer scope. Stale negative
    /// answers are not served: they give [`Lookup::Miss`].
    pub fn lookup_stale(
        &mut self,
        name: &Name,
        rtype: RType,
        class: Class,
        client: Option<&ClientSubnet>,
        min_rank: Rank,
        now: Instant,
    ) -> Lookup {
        let serve_stale = self.config.serve_stale;
        self.find(name, rtype, class, client, min_rank, now, serve_stale)
    }

    /// The TTL a negative answer with `soa` gets (RFC 2308 §3, §5): the lesser of the SOA's TTL and its
    /// MINIMUM, capped by [`CacheConfig::max_negative_ttl`]. `None` when `soa` is not an SOA record.
    pub fn negative_ttl(&self, soa: &Record) -> Option<u32> {
        let RData::Soa(fields) = &soa.data else {
            return None;
        };
        Some(
            soa.ttl
                .min(fields.minimum)
                .min(self.config.max_negative_ttl),
        )
    }

    /// Accounted bytes, always <= max_bytes after any call.
    pub fn memory_used(&self) -> usize {
        self.used
    }

    /// The number of entries (RRsets and negative answers, each scope counted).
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.map.clear();
        self.slots.clear();
        self.free.clear();
        self.head = NIL;
        self.tail = NIL;
        self.used = 0;
        self.entries = 0;
    }

    #[allow(clippy::too_many_arguments)]
    fn find(
        &mut self,
        name: &Name,
        rtype: RType,
        class: Class,
        client: Option<&ClientSubnet>,
        min_rank: Rank,
        now: Instant,
        allow_stale: bool,
    ) -> Lookup {
        let (Some(type_key), Some(name_key)) = (
            Key::new(name, KeyKind::Type(rtype), class),
            Key::new(name, KeyKind::NxDomain, class),
        ) else {
            return Lookup::Miss;
        };
        let by_type = self.select(&type_key, client, min_rank, now);
        let by_name = self.select(&name_key, client, min_rank, now);
        if let Some(slot) = prefer(by_type.fresh, by_name.fresh) {
            self.touch(slot);
            return self.answer(slot, now);
        }
        if allow_stale {
            if let Some(slot) = prefer(by_type.stale, by_name.stale) {
                let stale_ttl = self.config.stale_answer_ttl;
                let hit = match self.node(slot) {
                    Some(node) if node.negative.is_none() => Hit {
                        records: with_ttl(&node.records, stale_ttl),
                        rank: node.rank,
                        scope: node.scope.map(|scope| scope.subnet()),
                    },
                    _ => return Lookup::Miss,
                };
                self.touch(slot);
                return Lookup::Stale(hit);
            }
        }
        Lookup::Miss
    }

    /// The best fresh and stale entries of `key` for `client` of at least `min_rank`, dropping dead
    /// entries on the way.
    fn select(
        &mut self,
        key: &Key,
        client: Option<&ClientSubnet>,
        min_rank: Rank,
        now: Instant,
    ) -> Selection {
        let mut selection = Selection::default();
        let mut slot = match self.map.get(key.as_bytes()) {
            Some(&head) => head,
            None => return selection,
        };
        while slot != NIL {
            let Some(node) = self.node(slot) else {
                break;
            };
            let next = node.next_variant;
            let order = scope_order(&node.scope);
            let matches = node.rank >= min_rank
                && node.scope.as_ref().is_none_or(|scope| scope.covers(client));
            match self.freshness(node.expires, now) {
                Freshness::Dead => {
                    self.remove(slot);
                }
                Freshness::Fresh(_) if matches => {
                    if selection.fresh.is_none_or(|(_, best)| order > best) {
                        selection.fresh = Some((slot, order));
                    }
                }
                Freshness::Stale if matches => {
                    if selection.stale.is_none_or(|(_, best)| order > best) {
                        selection.stale = Some((slot, order));
                    }
                }
                Freshness::Fresh(_) | Freshness::Stale => {}
            }
            slot = next;
        }
        selection
    }

    /// The answer an unexpired entry gives.
    fn answer(&self, slot: u32, now: Instant) -> Lookup {
        let Some(node) = self.node(slot) else {
            return Lookup::Miss;
        };
        let Freshness::Fresh(ttl) = self.freshness(node.expires, now) else {
            return Lookup::Miss;
        };
        let records = with_ttl(&node.records, ttl);
        let scope = node.scope.map(|scope| scope.subnet());
        match node.negative {
            None => Lookup::Hit(Hit {
                records,
                rank: node.rank,
                scope,
            }),
            Some(kind) => Lookup::Negative {
                kind,
                soa: records.into_iter().next(),
                ttl,
                scope,
            },
        }
    }

    fn freshness(&self, expires: Instant, now: Instant) -> Freshness {
        if let Some(left) = expires.checked_duration_since(now) {
            if !left.is_zero() {
                let seconds = u32::try_from(left.as_secs()).unwrap_or(u32::MAX);
                return Freshness::Fresh(seconds.max(1));
            }
        }
        let past = now.saturating_duration_since(expires);
        if self.config.serve_stale && past < Duration::from_secs(self.config.max_stale.into()) {
            Freshness::Stale
        } else {
            Freshness::Dead
        }
    }

    /// Stores an entry under the replacement rule, then evicts down to the bound.
    #[allow(clippy::too_many_arguments)]
    fn store(
        &mut self,
        key: &Key,
        scope: Option<Scope>,
        rank: Rank,
        negative: Option<NegativeKind>,
        mut records: Vec<Record>,
        ttl: u32,
        now: Instant,
    ) {
        let Some(expires) = now.checked_add(Duration::from_secs(ttl.into())) else {
            return;
        };
        records.shrink_to_fit();
        let bytes = entry_bytes(key.as_bytes().len(), &records);
        if let Some(slot) = self.find_variant(key.as_bytes(), &scope) {
            // RFC 2181 §5.4.1: lower-ranked data does not replace higher-ranked data until it expires.
            if self
                .node(slot)
                .is_none_or(|old| rank < old.rank && now < old.expires)
            {
                return;
            }
            if bytes > self.config.max_bytes {
                self.remove(slot);
                return;
            }
            let Some(node) = self.node_mut(slot) else {
                return;
            };
            let old_bytes = std::mem::replace(&mut node.bytes, bytes);
            node.records = records;
            node.expires = expires;
            node.rank = rank;
            node.negative = negative;
            self.used = self.used - old_bytes + bytes;
            self.touch(slot);
        } else {
            if bytes > self.config.max_bytes {
                return;
            }
            if scope.is_some() {
                self.limit_scopes(key.as_bytes());
            }
            if self.free.is_empty() && self.slots.len() >= NIL as usize {
                self.remove(self.tail);
            }
            // A key seen before gets the new entry second in its chain, which leaves the map as it is.
            let first = self.map.get(key.as_bytes()).copied();
            let (shared_key, next_variant) = match first.and_then(|first| self.node(first)) {
                Some(node) => (Arc::clone(&node.key), node.next_variant),
                None => (Arc::from(key.as_bytes()), NIL),
            };
            let slot = self.allocate(Node {
                key: Arc::clone(&shared_key),
                records,
                expires,
                scope,
                bytes,
                previous: NIL,
                next: NIL,
                next_variant,
                rank,
                negative,
            });
            match first.and_then(|first| self.node_mut(first)) {
                Some(node) => node.next_variant = slot,
                None => {
                    self.map.insert(shared_key, slot);
                }
            }
            self.push_front(slot);
            self.used += bytes;
            self.entries += 1;
        }
        while self.used > self.config.max_bytes && self.tail != NIL {
            self.remove(self.tail);
        }
    }

    /// Drops the NXDOMAIN entry under `key` with exactly `scope`, if `rank` may replace it.
    fn remove_nxdomain(&mut self, key: &Key, scope: Option<Scope>, rank: Rank, now: Instant) {
        let Some(slot) = self.find_variant(key.as_bytes(), &scope) else {
            return;
        };
        if self
            .node(slot)
            .is_some_and(|node| rank >= node.rank || now >= node.expires)
        {
            self.remove(slot);
        }
    }

    /// The entry of `key` with exactly `scope`.
    fn find_variant(&self, key: &[u8], scope: &Option<Scope>) -> Option<u32> {
        let mut slot = *self.map.get(key)?;
        while let Some(node) = self.node(slot) {
            if node.scope == *scope {
                return Some(slot);
            }
            slot = node.next_variant;
        }
        None
    }

    /// Makes room for one more scoped entry of `key` by dropping the scoped entry closest to expiry.
    fn limit_scopes(&mut self, key: &[u8]) {
        let mut count = 0;
        let mut soonest: Option<(u32, Instant)> = None;
        let mut slot = self.map.get(key).copied().unwrap_or(NIL);
        while let Some(node) = self.node(slot) {
            if node.scope.is_some() {
                count += 1;
                if soonest.is_none_or(|(_, expires)| node.expires < expires) {
                    soonest = Some((slot, node.expires));
                }
            }
            slot = node.next_variant;
        }
        if count >= MAX_SCOPED_ENTRIES_PER_KEY {
            if let Some((slot, _)) = soonest {
                self.remove(slot);
            }
        }
    }

    fn node(&self, slot: u32) -> Option<&Node> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, slot: u32) -> Option<&mut Node> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    fn allocate(&mut self, node: Node) -> u32 {
        if let Some(slot) = self.free.pop() {
            if let Some(free) = self.slots.get_mut(slot as usize) {
                *free = Some(node);
                return slot;
            }
        }
        self.slots.push(Some(node));
        // Fits: `store` evicts before the slab would reach `NIL` slots.
        (self.slots.len() - 1) as u32
    }

    /// Removes an entry from the slab, the recency list, its scope chain and the accounting.
    fn remove(&mut self, slot: u32) {
        let Some(node) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.free.push(slot);
        self.used -= node.bytes;
        self.entries -= 1;
        self.link(node.previous, node.next);
        let Some(first) = self.map.get_mut(&node.key[..]) else {
            return;
        };
        if *first == slot {
            if node.next_variant == NIL {
                self.map.remove(&node.key[..]);
            } else {
                *first = node.next_variant;
            }
            return;
        }
        let mut previous = *first;
        while let Some(variant) = self.node_mut(previous) {
            if variant.next_variant == slot {
                variant.next_variant = node.next_variant;
                return;
            }
            previous = variant.next_variant;
        }
    }

    /// Makes `slot` the most recently used.
    fn touch(&mut self, slot: u32) {
        if self.head == slot {
            return;
        }
        let Some(node) = self.node(slot) else {
            return;
        };
        let (previous, next) = (node.previous, node.next);
        self.link(previous, next);
        self.push_front(slot);
    }

    /// Links `previous` and `next` to each other, closing the gap of an entry taken out between them.
    fn link(&mut self, previous: u32, next: u32) {
        match self.node_mut(previous) {
            Some(node) => node.next = next,
            None => self.head = next,
        }
        match self.node_mut(next) {
            Some(node) => node.previous = previous,
            None => self.tail = previous,
        }
    }

    fn push_front(&mut self, slot: u32) {
        let old_head = self.head;
        let Some(node) = self.node_mut(slot) else {
            return;
        };
        node.previous = NIL;
        node.next = old_head;
        match self.node_mut(old_head) {
            Some(head) => head.previous = slot,
            None => self.tail = slot,
        }
        self.head = slot;
    }
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("config", &self.config)
            .field("entries", &self.entries)
            .field("memory_used", &self.used)
            .finish_non_exhaustive()
    }
}

impl Scope {
    /// The scope an answer is valid for, or `None` for every client (RFC 7871 §7.3.1): the address's
    /// first SCOPE PREFIX-LENGTH bits, or, when the authority asked for more bits than the query gave,
    /// the SOURCE PREFIX-LENGTH bits for queries with exactly that source prefix.
    fn from_subnet(subnet: &ClientSubnet) -> Option<Scope> {
        if subnet.scope_prefix == 0 {
            return None;
        }
        let bits = match subnet.address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let scope = subnet.scope_prefix.min(bits);
        let source = subnet.source_prefix.min(bits);
        let (prefix, exact_source) = if scope <= source {
            (scope, false)
        } else {
            (source, true)
        };
        Some(Scope {
            address: ClientSubnet::new(subnet.address, prefix).address,
            prefix,
            exact_source,
        })
    }

    /// The scope as a client subnet option: the masked address, with the prefix as source and scope.
    fn subnet(&self) -> ClientSubnet {
        ClientSubnet {
            source_prefix: self.prefix,
            scope_prefix: self.prefix,
            address: self.address,
        }
    }

    /// Whether a query from `client` may be answered with this entry: the client gave at least the
    /// scope's bits and they match (RFC 7871 §7.3). A query without ECS matches no scoped entry.
    fn covers(&self, client: Option<&ClientSubnet>) -> bool {
        let Some(client) = client else {
            return false;
        };
        let enough = if self.exact_source {
            client.source_prefix == self.prefix
        } else {
            client.source_prefix >= self.prefix
        };
        // Addresses of different families never compare equal.
        enough && ClientSubnet::new(client.address, self.prefix).address == self.address
    }
}

impl Key {
    fn new(name: &Name, kind: KeyKind, class: Class) -> Option<Key> {
        let mut bytes = [0u8; KEY_MAX_LEN];
        let wire = name.as_wire();
        let (tag, rtype) = match kind {
            KeyKind::NxDomain => (0, 0),
            KeyKind::Type(rtype) => (1, rtype.0),
        };
        let [type_high, type_low] = rtype.to_be_bytes();
        let [class_high, class_low] = class.0.to_be_bytes();
        // A `Name` is at most MAX_NAME_LEN octets, so both parts always fit.
        let (owner, rest) = bytes.split_at_mut_checked(wire.len())?;
        let suffix = rest.get_mut(..5)?;
        owner.copy_from_slice(wire);
        // Length octets are at most 63, below 'A', so folding the whole wire form is safe.
        owner.make_ascii_lowercase();
        suffix.copy_from_slice(&[tag, type_high, type_low, class_high, class_low]);
        Some(Key {
            bytes,
            len: wire.len() + 5,
        })
    }

    /// Whether `name` is the owner this key was built for (ignoring case).
    fn is_owner(&self, name: &Name) -> bool {
        let wire = name.as_wire();
        self.len == wire.len() + 5
            && self
                .bytes
                .get(..wire.len())
                .is_some_and(|owner| owner.eq_ignore_ascii_case(wire))
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Orders scopes for "longest match wins": global first, then by prefix length.
fn scope_order(scope: &Option<Scope>) -> u16 {
    scope.map_or(0, |scope| 1 + u16::from(scope.prefix))
}

/// The better of a type's entry and the name's NXDOMAIN: the longer scope; on a tie the NXDOMAIN, which
/// is then the newer (storing the type's entry would have removed a same-scope NXDOMAIN).
fn prefer(by_type: Option<(u32, u16)>, by_name: Option<(u32, u16)>) -> Option<u32> {
    match (by_type, by_name) {
        (Some((slot, order)), Some((_, name_order))) if order > name_order => Some(slot),
        (_, Some((slot, _))) | (Some((slot, _)), None) => Some(slot),
        (None, None) => None,
    }
}

fn with_ttl(records: &[Record], ttl: u32) -> Vec<Record> {
    records
        .iter()
        .map(|record| Record {
            ttl,
            ..record.clone()
        })
        .collect()
}

/// The accounted size of an entry (see the module documentation).
fn entry_bytes(key_len: usize, records: &[Record]) -> usize {
    let records_bytes: usize = records
        .iter()
        .map(|record| size_of::<Record>() + name_bytes(&record.name) + rdata_bytes(&record.data))
        .sum();
    ENTRY_OVERHEAD + key_len + ALLOCATION_OVERHEAD + ALLOCATION_OVERHEAD + records_bytes
}

fn name_bytes(name: &Name) -> usize {
    name.wire_len() + ALLOCATION_OVERHEAD
}

/// Heap bytes held by RDATA: exact for the common types; for the rest, the wire length (which bounds the
/// contents of their names and buffers) and the overhead of up to four allocations (NAPTR has four).
fn rdata_bytes(data: &RData) -> usize {
    match data {
        RData::A(_) | RData::Aaaa(_) => 0,
        RData::Ns(name) | RData::Cname(name) | RData::Dname(name) | RData::Ptr(name) => {
            name_bytes(name)
        }
        RData::Mx { exchange, .. } => name_bytes(exchange),
        RData::Srv { target, .. } => name_bytes(target),
        RData::Soa(soa) => name_bytes(&soa.mname) + name_bytes(&soa.rname),
        RData::Txt(strings) => {
            ALLOCATION_OVERHEAD
                + strings
                    .iter()
                    .map(|s| size_of::<Vec<u8>>() + s.len() + ALLOCATION_OVERHEAD)
                    .sum::<usize>()
        }
        other => other.to_wire().len() + 4 * ALLOCATION_OVERHEAD,
    }
}

#[cfg(test)]
mod tests;
