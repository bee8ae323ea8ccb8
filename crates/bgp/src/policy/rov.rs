//! Route origin validation (RFC 6811) over a compact table of Validated ROA Payloads (VRPs).
//!
//! A [`RoaTable`] maps each ROA prefix to its `(max length, AS)` pairs and remembers which prefix lengths
//! occur per family, so [`RoaTable::validate`] probes only those lengths (typically 8 to 24 for IPv4):
//! a handful of hash lookups per route. [`RoaTable::parse`] reads the text form of the shared
//! `roas-*.txt` files, one ROA per line: `signing-time ASN prefix[-maxlen] prefix[-maxlen] ...`.

use crate::prefix::Prefix;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

/// The RFC 6811 §2 validation state of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RovState {
    /// A VRP covers the prefix, allows its length and names its origin AS.
    Valid,
    /// VRPs cover the prefix but none matches.
    Invalid,
    /// No VRP covers the prefix.
    NotFound,
}

/// One Validated ROA Payload: prefix, maximum length, AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Roa {
    /// The ROA's prefix.
    pub prefix: Prefix,
    /// The longest prefix length the ROA allows (at least the prefix's length).
    pub max_length: u8,
    /// The authorised origin AS; AS 0 authorises nobody (RFC 6483 §4).
    pub asn: u32,
}

/// A set of VRPs with longest-match lookup.
#[derive(Clone, Debug, Default)]
pub struct RoaTable {
    entries: HashMap<Prefix, Vec<(u8, u32)>>,
    /// Bit `l` set when some IPv4 ROA has length `l`.
    ipv4_lengths: u64,
    /// Bit `l` set when some IPv6 ROA has length `l`.
    ipv6_lengths: u128,
    /// Bit for length 128, which does not fit `ipv6_lengths`.
    ipv6_host: bool,
    count: usize,
}

/// Why a ROA line or entry was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoaError {
    /// The maximum length is shorter than the prefix or longer than the family allows.
    BadMaxLength {
        /// The prefix.
        prefix: Prefix,
        /// The maximum length given.
        max_length: u8,
    },
    /// A line that is not `time ASN prefix...` (1-based line number, the offending text).
    Syntax {
        /// Line number, from 1.
        line: usize,
        /// The field that did not parse.
        field: String,
    },
}

impl RoaTable {
    /// An empty table.
    pub fn new() -> Self {
        RoaTable::default()
    }

    /// Number of VRPs.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the table has no VRP.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds a VRP (a duplicate is kept once).
    pub fn insert(&mut self, roa: Roa) -> Result<(), RoaError> {
        let family_max = if roa.prefix.is_ipv4() { 32 } else { 128 };
        if roa.max_length < roa.prefix.length() || roa.max_length > family_max {
            return Err(RoaError::BadMaxLength {
                prefix: roa.prefix,
                max_length: roa.max_length,
            });
        }
        let entry = self.entries.entry(roa.prefix).or_default();
        if entry.contains(&(roa.max_length, roa.asn)) {
            return Ok(());
        }
        entry.push((roa.max_length, roa.asn));
        self.count += 1;
        let length = roa.prefix.length();
        if roa.prefix.is_ipv4() {
            self.ipv4_lengths |= 1 << length;
        } else if length == 128 {
            self.ipv6_host = true;
        } else {
            self.ipv6_lengths |= 1 << length;
        }
        Ok(())
    }

    /// The RFC 6811 §2 state of a route to `prefix` whose origin AS is `origin` (`None` when the path
    /// ends in an AS_SET or is empty: such a route can be covered but never matched).
    pub fn validate(&self, prefix: &Prefix, origin: Option<u32>) -> RovState {
        let mut covered = false;
        for roa_prefix in self.covering_prefixes(prefix) {
            let Some(entries) = self.entries.get(&roa_prefix) else {
                continue;
            };
            covered = true;
            if let Some(origin) = origin {
                if entries.iter().any(|&(max_length, asn)| {
                    asn == origin && asn != 0 && prefix.length() <= max_length
                }) {
                    return RovState::Valid;
                }
            }
        }
        if covered {
            RovState::Invalid
        } else {
            RovState::NotFound
        }
    }

    /// The VRPs whose prefix covers `prefix`, shortest first.
    pub fn covering(&self, prefix: &Prefix) -> Vec<Roa> {
        self.covering_prefixes(prefix)
            .filter_map(|roa_prefix| Some((roa_prefix, self.entries.get(&roa_prefix)?)))
            .flat_map(|(roa_prefix, entries)| {
                entries.iter().map(move |&(max_length, asn)| Roa {
                    prefix: roa_prefix,
                    max_length,
                    asn,
                })
            })
            .collect()
    }

    /// `prefix` truncated to every length at which some ROA of its family exists, up to its own.
    fn covering_prefixes<'a>(&'a self, prefix: &'a Prefix) -> impl Iterator<Item = Prefix> + 'a {
        let address: IpAddr = prefix.address();
        (0..=prefix.length())
            .filter(move |&length| self.has_length(prefix.is_ipv4(), length))
            .filter_map(move |length| Prefix::new_truncating(address, length).ok())
    }

    fn has_length(&self, ipv4: bool, length: u8) -> bool {
        if ipv4 {
            length < 64 && self.ipv4_lengths & (1 << length) != 0
        } else if length == 128 {
            self.ipv6_host
        } else {
            length < 128 && self.ipv6_lengths & (1 << length) != 0
        }
    }

    /// Parses the shared ROA text form: one ROA per line, `signing-time ASN prefix[-maxlen] ...`
    /// (a missing max length is the prefix length). Blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<RoaTable, RoaError> {
        let mut table = RoaTable::new();
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = |field: &str| RoaError::Syntax {
                line: line_number,
                field: field.to_string(),
            };
            let mut fields = line.split_whitespace();
            let _signing_time = fields.next().ok_or_else(|| syntax(line))?;
            let asn_field = fields.next().ok_or_else(|| syntax(line))?;
            let digits = asn_field
                .strip_prefix("AS")
                .or_else(|| asn_field.strip_prefix("as"))
                .unwrap_or(asn_field);
            let asn: u32 = digits.parse().map_err(|_| syntax(asn_field))?;
            for field in fields {
                let (prefix_text, max_text) = match field.split_once('-') {
                    Some((prefix, max)) => (prefix, Some(max)),
                    None => (field, None),
                };
                let prefix: Prefix = prefix_text.parse().map_err(|_| syntax(field))?;
                let max_length = match max_text {
                    Some(max) => max.parse().map_err(|_| syntax(field))?,
                    None => prefix.length(),
                };
                table.insert(Roa {
                    prefix,
                    max_length,
                    asn,
                })?;
            }
        }
        Ok(table)
    }
}

impl fmt::Display for RoaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoaError::BadMaxLength { prefix, max_length } => {
                write!(f, "ROA {prefix}: max length {max_length} out of range")
            }
            RoaError::Syntax { line, field } => write!(f, "line {line}: cannot parse {field:?}"),
        }
    }
}

impl std::error::Error for RoaError {}
