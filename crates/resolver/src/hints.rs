//! Root hints: the names and addresses of the root servers that every resolution starts from when the
//! cache knows no closer zone cut (RFC 1034 §5.3.2 "SBELT"; RFC 8109 for priming, which the engine does
//! not need: it uses the hints directly and learns the root's NS set from referrals).
//!
//! The format is the `named.root` / `root.hints` zone file that IANA publishes: `. NS` records naming the
//! servers and `A`/`AAAA` records giving their addresses. It is read with the dns crate's zone file
//! parser, so errors say `file:line:column`. A copy of IANA's file is embedded in the binary.

use globe_dns::zonefile::{ZoneFileError, ZoneFileParser};
use globe_dns::{Name, RData, RType};
use std::fmt;
use std::net::IpAddr;
use std::path::Path;

/// IANA's root hints file, compiled in (`crates/resolver/data/root.hints`).
const EMBEDDED_HINTS: &str = include_str!("../data/root.hints");

/// The root servers: `(name, address)` pairs, one per address, in the order the file gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootHints {
    servers: Vec<(Name, IpAddr)>,
}

/// Why a hints file could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HintsError {
    /// The file could not be read or is not valid zone file text (the error says `file:line:column`).
    ZoneFile(ZoneFileError),
    /// A record other than `. NS`, `A` or `AAAA` (root hints hold nothing else).
    UnexpectedRecord {
        /// `file:line:column` of the record.
        location: String,
        /// Its type.
        rtype: RType,
    },
    /// An `NS` record owned by something other than the root.
    NsNotAtRoot {
        /// `file:line:column` of the record.
        location: String,
        /// Its owner.
        owner: Name,
    },
    /// No root server has an address.
    NoServers {
        /// The file label.
        file: String,
    },
}

impl fmt::Display for HintsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HintsError::ZoneFile(error) => write!(f, "{error}"),
            HintsError::UnexpectedRecord { location, rtype } => {
                write!(
                    f,
                    "{location}: {rtype} record in root hints (only . NS, A and AAAA belong there)"
                )
            }
            HintsError::NsNotAtRoot { location, owner } => {
                write!(f, "{location}: NS record owned by {owner}, not by the root")
            }
            HintsError::NoServers { file } => {
                write!(f, "{file}: no root server with an address")
            }
        }
    }
}

impl std::error::Error for HintsError {}

impl From<ZoneFileError> for HintsError {
    fn from(error: ZoneFileError) -> HintsError {
        HintsError::ZoneFile(error)
    }
}

impl RootHints {
    /// The copy of IANA's `root.hints` compiled into the binary.
    pub fn embedded() -> RootHints {
        // The embedded file is tested below; should it ever fail to parse, start from nothing rather than
        // panic: every resolution then fails with SERVFAIL, which the tests catch.
        RootHints::parse_str(EMBEDDED_HINTS, "root.hints (embedded)").unwrap_or(RootHints {
            servers: Vec::new(),
        })
    }

    /// Reads a hints file in zone file format.
    pub fn parse_file(path: &Path) -> Result<RootHints, HintsError> {
        let records = ZoneFileParser::new()
            .with_origin(Some(Name::root()))
            .with_max_include_depth(0)
            .parse_file_located(path)?;
        Self::from_records(records, &path.display().to_string())
    }

    /// Reads hints from zone file text; `file_label` names it in errors.
    pub fn parse_str(text: &str, file_label: &str) -> Result<RootHints, HintsError> {
        let records = ZoneFileParser::new()
            .with_origin(Some(Name::root()))
            .with_max_include_depth(0)
            .parse_bytes_located(text.as_bytes(), file_label)?;
        Self::from_records(records, file_label)
    }

    /// Hints given directly, for tests and the lab.
    pub fn from_servers(servers: Vec<(Name, IpAddr)>) -> RootHints {
        RootHints { servers }
    }

    /// The `(name, address)` pairs.
    pub fn servers(&self) -> &[(Name, IpAddr)] {
        &self.servers
    }

    /// Whether there is no server.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    fn from_records(
        records: Vec<(globe_dns::Record, globe_dns::zonefile::Location)>,
        file_label: &str,
    ) -> Result<RootHints, HintsError> {
        let mut names: Vec<Name> = Vec::new();
        let mut addresses: Vec<(Name, IpAddr)> = Vec::new();
        for (record, location) in records {
            match &record.data {
                RData::Ns(target) => {
                    if !record.name.is_root() {
                        return Err(HintsError::NsNotAtRoot {
                            location: location.to_string(),
                            owner: record.name,
                        });
                    }
                    if !names.contains(target) {
                        names.push(target.clone());
                    }
                }
                RData::A(address) => addresses.push((record.name, IpAddr::V4(*address))),
                RData::Aaaa(address) => addresses.push((record.name, IpAddr::V6(*address))),
                _ => {
                    return Err(HintsError::UnexpectedRecord {
                        location: location.to_string(),
                        rtype: record.rtype(),
                    })
                }
            }
        }
        // Keep the order of the NS records; addresses of names that no NS names are ignored.
        let mut servers = Vec::new();
        for name in &names {
            for (owner, address) in &addresses {
                if owner == name {
                    servers.push((name.clone(), *address));
                }
            }
        }
        if servers.is_empty() {
            return Err(HintsError::NoServers {
                file: file_label.to_string(),
            });
        }
        Ok(RootHints { servers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_hints_name_thirteen_servers_with_both_families() {
        let hints = RootHints::parse_str(EMBEDDED_HINTS, "root.hints").expect("valid");
        let mut names: Vec<&Name> = hints.servers().iter().map(|(n, _)| n).collect();
        names.dedup();
        assert_eq!(names.len(), 13);
        assert_eq!(hints.servers().len(), 26);
        let a: Name = "a.root-servers.net.".parse().expect("name");
        assert!(hints
            .servers()
            .contains(&(a.clone(), "198.41.0.4".parse().expect("ip"))));
        assert!(hints
            .servers()
            .contains(&(a, "2001:503:ba3e::2:30".parse().expect("ip"))));
        assert_eq!(RootHints::embedded(), hints);
    }

    #[test]
    fn errors_say_where() {
        let text = ".  3600 NS a.root.\na.root. 3600 A 192.0.2.1\nexample. 3600 NS b.root.\n";
        let error = RootHints::parse_str(text, "hints").expect_err("NS below the root");
        assert_eq!(
            error.to_string(),
            "hints:3:1: NS record owned by example., not by the root"
        );
        let error = RootHints::parse_str(". 3600 NS a.root.\na.root. 3600 A 192.0.2.\n", "hints")
            .expect_err("bad address");
        assert!(error.to_string().starts_with("hints:2:"), "{error}");
        let error = RootHints::parse_str(". 3600 NS a.root.\n", "hints").expect_err("no addresses");
        assert_eq!(error.to_string(), "hints: no root server with an address");
    }

    #[test]
    fn from_servers_keeps_what_it_is_given() {
        let name: Name = "a.root.".parse().expect("name");
        let hints = RootHints::from_servers(vec![(name.clone(), "192.0.2.1".parse().expect("ip"))]);
        assert_eq!(hints.servers(), &[(name, "192.0.2.1".parse().expect("ip"))]);
    }
}
