//! [`PrefixMap`]: a hash map keyed by [`Prefix`] laid out for a full table.
//!
//! An IPv4 prefix is packed into one `u64` (address and length), an IPv6 prefix into two `u64`s and a
//! length, instead of the 18-byte [`Prefix`] with its padding; and the hasher is a folded 64×64→128-bit
//! multiply (the fallback of `ahash`/`foldhash`) instead of SipHash. With the RIB's 24-byte route slots
//! an IPv4 entry is 32 bytes.

use crate::prefix::Prefix;
use std::collections::hash_map::{self, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A map from prefixes to `V`.
#[derive(Clone, Debug)]
pub struct PrefixMap<V> {
    ipv4: HashMap<u64, V, FastHash>,
    ipv6: HashMap<(u64, u64, u8), V, FastHash>,
}

/// The build-hasher of [`PrefixMap`] (and of the RIB's other integer-keyed maps).
pub type FastHash = BuildHasherDefault<FoldHasher>;

/// A fast non-cryptographic hasher for integer keys: each word is mixed in with a folded multiply.
/// Not resistant to chosen keys; a peer controls prefixes, but a collision attack on it degrades one
/// peer's own ingest and is bounded by the per-peer prefix limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct FoldHasher {
    state: u64,
}

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        let product = u128::from(self.state ^ value) * u128::from(MULTIPLIER);
        self.state = (product as u64) ^ ((product >> 64) as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

impl<V> Default for PrefixMap<V> {
    fn default() -> Self {
        PrefixMap {
            ipv4: HashMap::default(),
            ipv6: HashMap::default(),
        }
    }
}

enum Key {
    V4(u64),
    V6((u64, u64, u8)),
}

fn key(prefix: &Prefix) -> Key {
    match prefix.address() {
        IpAddr::V4(address) => {
            Key::V4((u64::from(u32::from(address)) << 8) | u64::from(prefix.length()))
        }
        IpAddr::V6(address) => {
            let bits = u128::from(address);
            Key::V6(((bits >> 64) as u64, bits as u64, prefix.length()))
        }
    }
}

fn ipv4_prefix(key: u64) -> Prefix {
    let address = Ipv4Addr::from((key >> 8) as u32);
    Prefix::new_truncating(IpAddr::V4(address), key as u8).unwrap_or(Prefix::IPV4_DEFAULT)
}

fn ipv6_prefix(&(high, low, length): &(u64, u64, u8)) -> Prefix {
    let address = Ipv6Addr::from((u128::from(high) << 64) | u128::from(low));
    Prefix::new_truncating(IpAddr::V6(address), length).unwrap_or(Prefix::IPV6_DEFAULT)
}

impl<V> PrefixMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        PrefixMap::default()
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.ipv4.len() + self.ipv6.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// IPv4 entries.
    pub fn ipv4_len(&self) -> usize {
        self.ipv4.len()
    }

    /// IPv6 entries.
    pub fn ipv6_len(&self) -> usize {
        self.ipv6.len()
    }

    /// Reserves room for `additional` more IPv4 entries.
    pub fn reserve_ipv4(&mut self, additional: usize) {
        self.ipv4.reserve(additional);
    }

    /// The value for `prefix`.
    pub fn get(&self, prefix: &Prefix) -> Option<&V> {
        match key(prefix) {
            Key::V4(key) => self.ipv4.get(&key),
            Key::V6(key) => self.ipv6.get(&key),
        }
    }

    /// The value for `prefix`, mutably.
    pub fn get_mut(&mut self, prefix: &Prefix) -> Option<&mut V> {
        match key(prefix) {
            Key::V4(key) => self.ipv4.get_mut(&key),
            Key::V6(key) => self.ipv6.get_mut(&key),
        }
    }

    /// Sets the value, returning the old one.
    pub fn insert(&mut self, prefix: &Prefix, value: V) -> Option<V> {
        match key(prefix) {
            Key::V4(key) => self.ipv4.insert(key, value),
            Key::V6(key) => self.ipv6.insert(key, value),
        }
    }

    /// Removes the value.
    pub fn remove(&mut self, prefix: &Prefix) -> Option<V> {
        match key(prefix) {
            Key::V4(key) => self.ipv4.remove(&key),
            Key::V6(key) => self.ipv6.remove(&key),
        }
    }

    /// The entry for `prefix`.
    pub fn entry(&mut self, prefix: &Prefix) -> Entry<'_, V> {
        match key(prefix) {
            Key::V4(key) => Entry::V4(self.ipv4.entry(key)),
            Key::V6(key) => Entry::V6(self.ipv6.entry(key)),
        }
    }

    /// Every entry, IPv4 first, in no particular order within a family.
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &V)> {
        self.ipv4
            .iter()
            .map(|(&key, value)| (ipv4_prefix(key), value))
            .chain(
                self.ipv6
                    .iter()
                    .map(|(key, value)| (ipv6_prefix(key), value)),
            )
    }

    /// Every prefix.
    pub fn prefixes(&self) -> Vec<Prefix> {
        self.iter().map(|(prefix, _)| prefix).collect()
    }

    /// Keeps the entries for which `keep` returns true; `keep` may change the value.
    pub fn retain(&mut self, mut keep: impl FnMut(Prefix, &mut V) -> bool) {
        self.ipv4
            .retain(|&key, value| keep(ipv4_prefix(key), value));
        self.ipv6.retain(|key, value| keep(ipv6_prefix(key), value));
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.ipv4.clear();
        self.ipv6.clear();
    }
}

/// A place in a [`PrefixMap`].
pub enum Entry<'a, V> {
    /// IPv4.
    V4(hash_map::Entry<'a, u64, V>),
    /// IPv6.
    V6(hash_map::Entry<'a, (u64, u64, u8), V>),
}

impl<'a, V> Entry<'a, V> {
    /// The value, or `None` when vacant.
    pub fn get_mut(&mut self) -> Option<&mut V> {
        match self {
            Entry::V4(hash_map::Entry::Occupied(entry)) => Some(entry.get_mut()),
            Entry::V6(hash_map::Entry::Occupied(entry)) => Some(entry.get_mut()),
            _ => None,
        }
    }

    /// Inserts `value` into a vacant entry, or replaces the value.
    pub fn insert(self, value: V) -> &'a mut V {
        match self {
            Entry::V4(entry) => entry.insert_entry(value).into_mut(),
            Entry::V6(entry) => entry.insert_entry(value).into_mut(),
        }
    }
}
