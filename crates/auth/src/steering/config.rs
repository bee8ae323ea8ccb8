//! The steering part of the `globe auth` configuration file (`pop`, `pop_location`, `[geoip]`,
//! `[[target]]`, `[[steer]]`; the schema is in the [module documentation](super)): the serde types,
//! and their compilation into a [`Steering`], with every error naming the file, line and column of
//! what is wrong.

use super::locate::{GeoDatabase, Locator, NetworkLocation, Prefix, MAX_INLINE_NETWORKS};
use super::places::{airport, Continent, Country, Location};
use super::policy::MAX_POOL_TARGETS;
use super::{Filter, GeoMap, Pop, Rule, Steering, Target, TargetId, DEFAULT_TTL};
use crate::health::{
    check::DEFAULT_STATUS, CheckSpec, DnsProbe, HttpProbe, Probe, State, StatusRange, Thresholds,
    TlsSettings,
};
use globe_dns::{Name, RType, Rcode};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use toml::Spanned;

/// The most targets a configuration may declare ([`TargetId`] is 16 bits).
pub const MAX_TARGETS: usize = u16::MAX as usize;
/// The largest TTL (RFC 2181 §8: the top bit must be zero).
pub const MAX_TTL: u32 = i32::MAX as u32;
/// The check interval when none is given, in seconds.
pub const DEFAULT_CHECK_INTERVAL: f64 = 10.0;
/// The check timeout when none is given, in seconds (capped at the interval).
pub const DEFAULT_CHECK_TIMEOUT: f64 = 2.0;
/// Successes in a row that bring a target up, when not given.
pub const DEFAULT_RISE: u32 = 2;
/// Failures in a row that take a target down, when not given.
pub const DEFAULT_FALL: u32 = 3;

/// A location in the file: an IATA code, or coordinates with an optional country.
#[derive(Clone, Debug, PartialEq)]
pub enum LocationSpec {
    /// `"FRA"`.
    Iata(String),
    /// `{ lat = 50.03, lon = 8.54, country = "DE" }`.
    Coordinates {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lon: f64,
        /// ISO 3166-1 alpha-2 country code.
        country: Option<String>,
    },
}

/// The `[geoip]` table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGeoip {
    /// MaxMind database files, relative to the configuration file.
    #[serde(default)]
    pub databases: Vec<Spanned<PathBuf>>,
    /// The inline network table.
    #[serde(default)]
    pub networks: Vec<FileNetwork>,
}

/// One inline network.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileNetwork {
    /// `ADDRESS/LENGTH`.
    pub prefix: Spanned<String>,
    /// Where its clients are.
    pub location: Spanned<LocationSpec>,
}

/// A `[[target]]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTarget {
    /// Its name, which `[[steer]]` tables use.
    pub id: Spanned<String>,
    /// Where it is.
    pub location: Spanned<LocationSpec>,
    /// Its IPv4 and IPv6 addresses.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// Its weight (default 1).
    pub weight: Option<u32>,
    /// Its health check.
    pub check: Option<Spanned<FileCheck>>,
}

/// A target's `check` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCheck {
    /// `http`, `https`, `tcp` or `dns`.
    pub kind: CheckKindName,
    /// For http and https.
    pub url: Option<String>,
    /// For tcp (required) and dns (default 53).
    pub port: Option<u16>,
    /// The address to probe instead of the target's first.
    pub address: Option<IpAddr>,
    /// For dns.
    pub qname: Option<String>,
    /// For dns (default SOA).
    pub qtype: Option<String>,
    /// The passing HTTP status range (default `[200, 399]`).
    pub expect: Option<[u16; 2]>,
    /// Seconds between probes.
    pub interval: Option<f64>,
    /// Seconds a probe may take.
    pub timeout: Option<f64>,
    /// Successes in a row to come up.
    pub rise: Option<u32>,
    /// Failures in a row to go down.
    pub fall: Option<u32>,
    /// The state before the first result (default up).
    pub initial: Option<InitialState>,
    /// For https: skip certificate verification.
    pub insecure: Option<bool>,
    /// For https: extra trusted roots (PEM), relative to the configuration file.
    pub ca_file: Option<PathBuf>,
    /// For dns: the accepted response codes by mnemonic (default `["NOERROR"]`).
    pub rcodes: Option<Vec<String>>,
}

/// A check's `initial` state as the file spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitialState {
    /// Answered until the first result says otherwise.
    Up,
    /// Left out of answers until the first success.
    Down,
}

/// The probe kinds as the file spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKindName {
    /// HTTP GET.
    Http,
    /// HTTPS GET.
    Https,
    /// TCP connect.
    Tcp,
    /// DNS query.
    Dns,
}

/// A `[[steer]]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSteer {
    /// The steered name.
    pub name: Spanned<String>,
    /// The pool's target ids.
    pub targets: Spanned<Vec<Spanned<String>>>,
    /// The filter chain.
    #[serde(default)]
    pub policy: Vec<Filter>,
    /// Answer with the first N targets.
    pub first: Option<Spanned<usize>>,
    /// The TTL of steered records.
    pub ttl: Option<Spanned<u32>>,
    /// The fallback pool's target ids.
    pub fallback: Option<Spanned<Vec<Spanned<String>>>>,
    /// CNAME mode: the name template, with `{target}` standing for the target's id.
    pub cname: Option<Spanned<String>>,
    /// The `geo` filter's lists.
    pub geo: Option<FileGeo>,
    /// The `pop` filter's map: PoP id → target ids.
    pub pops: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
}

/// A `[[steer]]` table's `geo` lists.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGeo {
    /// Country code → target ids.
    pub countries: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
    /// Continent code → target ids.
    pub continents: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
    /// Target ids for everyone else.
    #[serde(default)]
    pub default: Vec<Spanned<String>>,
}

/// The steering part of a parsed file, with what is needed to point at errors.
pub struct Section<'a> {
    /// The file, for messages.
    pub path: &'a Path,
    /// Its text, to turn spans into lines and columns.
    pub text: &'a str,
    /// Where relative paths start.
    pub base: &'a Path,
    /// `pop`.
    pub pop: Option<&'a Spanned<String>>,
    /// `pop_location`.
    pub pop_location: Option<&'a Spanned<LocationSpec>>,
    /// `[geoip]`.
    pub geoip: Option<&'a FileGeoip>,
    /// `[[target]]`.
    pub targets: &'a [FileTarget],
    /// `[[steer]]`.
    pub steer: &'a [FileSteer],
}

impl Section<'_> {
    /// Builds the [`Steering`]. `pop_override` (the `--pop` flag) replaces the file's `pop`;
    /// `previous` lends its databases when their files have not changed.
    pub fn compile(
        &self,
        pop_override: Option<&str>,
        previous: Option<&Steering>,
    ) -> Result<Steering, String> {
        let pop = self.pop(pop_override)?;
        let locator = self.locator(pop.as_ref().and_then(|p| p.location), previous)?;
        let (targets, ids) = self.targets()?;
        let mut rules = Vec::with_capacity(self.steer.len());
        let mut names: HashMap<Name, Range<usize>> = HashMap::new();
        for steer in self.steer {
            let rule = self.rule(steer, &targets, &ids)?;
            if names.insert(rule.name.clone(), steer.name.span()).is_some() {
                return Err(self.at(steer.name.span(), format!("{} is steered twice", rule.name)));
            }
            rules.push(rule);
        }
        Ok(Steering::new(pop, targets, rules, locator))
    }

    fn at(&self, span: Range<usize>, message: impl fmt::Display) -> String {
        let (line, column) = crate::config::line_column(self.text, span.start);
        format!("{}:{line}:{column}: {message}", self.path.display())
    }

    fn pop(&self, pop_override: Option<&str>) -> Result<Option<Pop>, String> {
        let id = match (pop_override, self.pop) {
            (Some(id), _) => id.to_string(),
            (None, Some(id)) => id.get_ref().clone(),
            (None, None) => {
                return match self.pop_location {
                    Some(location) => Err(self.at(
                        location.span(),
                        "pop_location needs a pop id (`pop = \"...\"` or --pop)",
                    )),
                    None => Ok(None),
                }
            }
        };
        if id.is_empty() {
            let span = self.pop.map_or(0..0, Spanned::span);
            return Err(self.at(span, "the pop id is empty"));
        }
        let location = match self.pop_location {
            Some(spec) => Some(self.location(spec)?),
            None => airport(&id).map(|a| Location::of_airport(&a)),
        };
        Ok(Some(Pop { id, location }))
    }

    fn location(&self, spec: &Spanned<LocationSpec>) -> Result<Location, String> {
        match spec.get_ref() {
            LocationSpec::Iata(code) => airport(code)
                .map(|a| Location::of_airport(&a))
                .ok_or_else(|| self.at(spec.span(), format!("unknown IATA code {code:?}"))),
            LocationSpec::Coordinates { lat, lon, country } => {
                if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lon) {
                    return Err(self.at(
                        spec.span(),
                        "lat must be within ±90 and lon within ±180 degrees",
                    ));
                }
                let country = match country {
                    Some(code) => Some(Country::parse(code).ok_or_else(|| {
                        self.at(spec.span(), format!("{code:?} is not a country code"))
                    })?),
                    None => None,
                };
                Ok(Location::at(*lat, *lon, country))
            }
        }
    }

    fn locator(
        &self,
        pop_location: Option<Location>,
        previous: Option<&Steering>,
    ) -> Result<Locator, String> {
        let Some(geoip) = self.geoip else {
            return Ok(Locator::new(Vec::new(), None, None, pop_location));
        };
        let reusable: Vec<Arc<GeoDatabase>> = previous
            .map(|p| {
                let (v4, v6) = p.locator().databases();
                v4.into_iter().chain(v6).cloned().collect()
            })
            .unwrap_or_default();
        let mut databases = Vec::new();
        for path in &geoip.databases {
            let full = self.base.join(path.get_ref());
            let database = GeoDatabase::open_or_reuse(&full, &reusable)
                .map_err(|e| self.at(path.span(), e))?;
            databases.push(database);
        }
        let ipv6 = databases.iter().find(|d| d.ip_version() == 6).cloned();
        let ipv4 = databases
            .iter()
            .find(|d| d.ip_version() == 4)
            .cloned()
            .or(ipv6.clone());
        if geoip.networks.len() > MAX_INLINE_NETWORKS {
            let span = geoip.networks[MAX_INLINE_NETWORKS].prefix.span();
            return Err(self.at(
                span,
                format!("at most {MAX_INLINE_NETWORKS} inline networks"),
            ));
        }
        let mut networks = Vec::with_capacity(geoip.networks.len());
        for network in &geoip.networks {
            let prefix: Prefix = network
                .prefix
                .get_ref()
                .parse()
                .map_err(|e| self.at(network.prefix.span(), e))?;
            networks.push(NetworkLocation {
                prefix,
                location: self.location(&network.location)?,
            });
        }
        Ok(Locator::new(networks, ipv4, ipv6, pop_location))
    }

    fn targets(&self) -> Result<(Vec<Target>, HashMap<String, TargetId>), String> {
        if self.targets.len() > MAX_TARGETS {
            return Err(self.at(
                self.targets[MAX_TARGETS].id.span(),
                format!("at most {MAX_TARGETS} targets"),
            ));
        }
        let mut targets = Vec::with_capacity(self.targets.len());
        let mut ids = HashMap::new();
        for (index, file) in self.targets.iter().enumerate() {
            let name = file.id.get_ref();
            if name.is_empty() {
                return Err(self.at(file.id.span(), "a target id may not be empty"));
            }
            let id = TargetId(index as u16);
            if ids.insert(name.clone(), id).is_some() {
                return Err(self.at(file.id.span(), format!("target {name:?} is declared twice")));
            }
            let check = match &file.check {
                Some(check) => Some(self.check(check, &file.addresses)?),
                None => None,
            };
            targets.push(Target::new(
                id,
                name.clone(),
                self.location(&file.location)?,
                file.addresses.clone(),
                file.weight.unwrap_or(1),
                check,
            ));
        }
        Ok((targets, ids))
    }

    fn check(
        &self,
        spanned: &Spanned<FileCheck>,
        addresses: &[IpAddr],
    ) -> Result<CheckSpec, String> {
        let check = spanned.get_ref();
        let error = |message: String| self.at(spanned.span(), message);
        let address = check
            .address
            .or(addresses.first().copied())
            .ok_or_else(|| {
                error("the check needs an `address`: the target has no addresses".into())
            })?;
        let tls_only = check.kind != CheckKindName::Https
            && (check.insecure.is_some() || check.ca_file.is_some());
        if tls_only {
            return Err(error(
                "`insecure` and `ca_file` are for https checks".into(),
            ));
        }
        if check.kind != CheckKindName::Dns && check.rcodes.is_some() {
            return Err(error("`rcodes` is for dns checks".into()));
        }
        let probe = match check.kind {
            CheckKindName::Http | CheckKindName::Https => {
                let tls = check.kind == CheckKindName::Https;
                let url = check
                    .url
                    .as_deref()
                    .ok_or_else(|| error("an http or https check needs a `url`".into()))?;
                let (host, port, path) = parse_url(url, tls).map_err(error)?;
                let [low, high] = check
                    .expect
                    .unwrap_or([DEFAULT_STATUS.low, DEFAULT_STATUS.high]);
                if low > high || !(100..=599).contains(&low) || !(100..=599).contains(&high) {
                    return Err(error(format!(
                        "expect [{low}, {high}] is not a range of HTTP status codes"
                    )));
                }
                Probe::Http(HttpProbe {
                    address: SocketAddr::new(address, port),
                    host: host_header(&host, port, tls),
                    path,
                    tls: tls.then(|| TlsSettings {
                        server_name: host,
                        insecure: check.insecure.unwrap_or(false),
                        ca_file: check.ca_file.as_ref().map(|file| self.base.join(file)),
                    }),
                    status: StatusRange { low, high },
                })
            }
            CheckKindName::Tcp => {
                let port = check
                    .port
                    .ok_or_else(|| error("a tcp check needs a `port`".into()))?;
                Probe::Tcp {
                    address: SocketAddr::new(address, port),
                }
            }
            CheckKindName::Dns => {
                let qname = check
                    .qname
                    .as_deref()
                    .ok_or_else(|| error("a dns check needs a `qname`".into()))?;
                let qname = Name::parse(qname, Some(&Name::root()))
                    .map_err(|e| error(format!("qname {qname:?}: {e}")))?;
                let qtype = match check.qtype.as_deref() {
                    Some(text) => RType::from_mnemonic(text)
                        .ok_or_else(|| error(format!("unknown qtype {text:?}")))?,
                    None => RType::SOA,
                };
                let rcodes = match &check.rcodes {
                    Some(list) if list.is_empty() => {
                        return Err(error("rcodes must name at least one RCODE".into()))
                    }
                    Some(list) => list
                        .iter()
                        .map(|text| {
                            parse_rcode(text)
                                .ok_or_else(|| error(format!("unknown rcode {text:?}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    None => vec![Rcode::NOERROR],
                };
                Probe::Dns(DnsProbe {
                    address: SocketAddr::new(address, check.port.unwrap_or(53)),
                    qname,
                    qtype,
                    rcodes,
                })
            }
        };
        let interval = check.interval.unwrap_or(DEFAULT_CHECK_INTERVAL);
        let timeout = check.timeout.unwrap_or(DEFAULT_CHECK_TIMEOUT.min(interval));
        if !(interval.is_finite() && interval > 0.0 && interval <= 86_400.0) {
            return Err(error("interval must be between 0 and 86400 seconds".into()));
        }
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= interval) {
            return Err(error(
                "timeout must be more than 0 and at most the interval".into(),
            ));
        }
        let (rise, fall) = (
            check.rise.unwrap_or(DEFAULT_RISE),
            check.fall.unwrap_or(DEFAULT_FALL),
        );
        if rise == 0 || fall == 0 {
            return Err(error("rise and fall must be at least 1".into()));
        }
        let initial = match check.initial {
            Some(InitialState::Down) => State::Down,
            Some(InitialState::Up) | None => State::Up,
        };
        Ok(CheckSpec {
            probe,
            interval: Duration::from_secs_f64(interval),
            timeout: Duration::from_secs_f64(timeout),
            thresholds: Thresholds {
                rise,
                fall,
                initial,
            },
        })
    }

    fn rule(
        &self,
        steer: &FileSteer,
        targets: &[Target],
        ids: &HashMap<String, TargetId>,
    ) -> Result<Rule, String> {
        let text = steer.name.get_ref();
        let name = Name::parse(text, Some(&Name::root()))
            .map_err(|e| self.at(steer.name.span(), format!("name {text:?}: {e}")))?;
        let resolve = |list: &[Spanned<String>]| -> Result<Vec<TargetId>, String> {
            let mut resolved = Vec::with_capacity(list.len());
            for id in list {
                let target = ids.get(id.get_ref()).copied().ok_or_else(|| {
                    self.at(
                        id.span(),
                        format!("no [[target]] has id {:?}", id.get_ref()),
                    )
                })?;
                if !resolved.contains(&target) {
                    resolved.push(target);
                }
            }
            Ok(resolved)
        };
        let pool = resolve(steer.targets.get_ref())?;
        let fallback = match &steer.fallback {
            Some(list) => resolve(list.get_ref())?,
            None => Vec::new(),
        };
        let fallback_span = steer
            .fallback
            .as_ref()
            .map_or(steer.targets.span(), Spanned::span);
        for (list, span, what) in [
            (&pool, steer.targets.span(), "targets"),
            (&fallback, fallback_span, "fallback"),
        ] {
            if list.len() > MAX_POOL_TARGETS {
                return Err(self.at(span, format!("at most {MAX_POOL_TARGETS} {what}")));
            }
        }
        if pool.is_empty() {
            return Err(self.at(steer.targets.span(), "the pool has no targets"));
        }
        let members: Vec<TargetId> = pool.iter().chain(&fallback).copied().collect();
        // Lists of filters must name targets the rule can answer with.
        let member = |list: &[Spanned<String>]| -> Result<Vec<TargetId>, String> {
            let resolved = resolve(list)?;
            for (id, spanned) in resolved.iter().zip(list) {
                if !members.contains(id) {
                    return Err(self.at(
                        spanned.span(),
                        format!(
                            "target {:?} is in neither the targets nor the fallback of {name}",
                            spanned.get_ref()
                        ),
                    ));
                }
            }
            Ok(resolved)
        };
        let mut rule = Rule::new(name.clone(), pool);
        rule.fallback = fallback;
        rule.chain = steer.policy.clone();
        if let Some(first) = &steer.first {
            if *first.get_ref() == 0 {
                return Err(self.at(first.span(), "first must be at least 1"));
            }
            rule.first = Some(*first.get_ref());
        }
        if let Some(ttl) = &steer.ttl {
            if *ttl.get_ref() > MAX_TTL {
                return Err(self.at(ttl.span(), format!("ttl must be at most {MAX_TTL}")));
            }
            rule.ttl = *ttl.get_ref();
        } else {
            rule.ttl = DEFAULT_TTL;
        }
        if let Some(geo) = &steer.geo {
            let mut map = GeoMap {
                default: member(&geo.default)?,
                ..GeoMap::default()
            };
            if let Some(countries) = &geo.countries {
                for (code, list) in countries.get_ref() {
                    let country = Country::parse(code).ok_or_else(|| {
                        self.at(countries.span(), format!("{code:?} is not a country code"))
                    })?;
                    map.countries.insert(country, member(list)?);
                }
            }
            if let Some(continents) = &geo.continents {
                for (code, list) in continents.get_ref() {
                    let continent = Continent::parse(code).ok_or_else(|| {
                        self.at(
                            continents.span(),
                            format!("{code:?} is not a continent code (AF AN AS EU NA OC SA)"),
                        )
                    })?;
                    map.continents.insert(continent, member(list)?);
                }
            }
            rule.geo = map;
        }
        if let Some(pops) = &steer.pops {
            for (pop, list) in pops.get_ref() {
                rule.pops.push((pop.clone(), member(list)?));
            }
        }
        for (filter, needs) in [
            (Filter::Geo, steer.geo.is_some()),
            (Filter::Pop, steer.pops.is_some()),
        ] {
            if rule.chain.contains(&filter) && !needs {
                let what = if filter == Filter::Geo { "geo" } else { "pops" };
                return Err(self.at(
                    steer.name.span(),
                    format!("{name}: the {filter:?} filter needs a `{what}` table"),
                ));
            }
        }
        match &steer.cname {
            Some(template) => {
                rule.cname = Some(self.cname_names(template, targets, &members)?);
            }
            None => {
                for id in &members {
                    let target = &targets[id.index()];
                    if target.addresses.is_empty() {
                        return Err(self.at(
                            steer.targets.span(),
                            format!(
                                "target {:?} has no addresses to answer {name} with",
                                target.name
                            ),
                        ));
                    }
                }
            }
        }
        Ok(rule)
    }

    /// The CNAME target of each member target: `template` with `{target}` replaced by its id.
    fn cname_names(
        &self,
        template: &Spanned<String>,
        targets: &[Target],
        members: &[TargetId],
    ) -> Result<Vec<Option<Name>>, String> {
        let text = template.get_ref();
        if !text.contains("{target}") || !text.ends_with('.') {
            return Err(self.at(
                template.span(),
                "cname must be an absolute name (ending in \".\") containing {target}",
            ));
        }
        let mut names = vec![None; targets.len()];
        for id in members {
            let target = &targets[id.index()];
            let expanded = text.replace("{target}", &target.name);
            let name = Name::parse(&expanded, Some(&Name::root()))
                .map_err(|e| self.at(template.span(), format!("cname {expanded:?}: {e}")))?;
            names[id.index()] = Some(name);
        }
        Ok(names)
    }
}

/// The RCODE a mnemonic (`NOERROR`, `NXDOMAIN`, ..., any case) names, among those with one.
fn parse_rcode(text: &str) -> Option<Rcode> {
    (0..=23)
        .map(Rcode)
        .find(|rcode| rcode.to_string().eq_ignore_ascii_case(text))
}

/// The `Host` header for a URL's host (RFC 9110 §7.2: the port only when not the scheme's default,
/// an IPv6 literal in brackets).
fn host_header(host: &str, port: u16, tls: bool) -> String {
    let host = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host.to_string(),
    };
    let default = if tls { 443 } else { 80 };
    if port == default {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// Splits `http[s]://host[:port][/path]` into host, port and path.
fn parse_url(url: &str, tls: bool) -> Result<(String, u16, String), String> {
    let scheme = if tls { "https://" } else { "http://" };
    let rest = url
        .get(..scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .map(|_| &url[scheme.len()..])
        .ok_or_else(|| format!("url {url:?} must start with {scheme}"))?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("url {url:?}: unclosed [ in the host"))?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(format!("url {url:?}: bad port")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| format!("url {url:?}: bad port"))?,
        None => default_port,
    };
    if host.is_empty() {
        return Err(format!("url {url:?} has no host"));
    }
    Ok((host.to_string(), port, path.to_string()))
}

impl<'de> Deserialize<'de> for LocationSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LocationSpec, D::Error> {
        struct LocationVisitor;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Coordinates {
            lat: f64,
            lon: f64,
            country: Option<String>,
        }

        impl<'de> Visitor<'de> for LocationVisitor {
            type Value = LocationSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an IATA code (\"FRA\") or { lat = .., lon = .., country = \"..\" }")
            }

            fn visit_str<E: de::Error>(self, code: &str) -> Result<LocationSpec, E> {
                Ok(LocationSpec::Iata(code.to_string()))
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<LocationSpec, M::Error> {
                let c = Coordinates::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(LocationSpec::Coordinates {
                    lat: c.lat,
                    lon: c.lon,
                    country: c.country,
                })
            }
        }

        deserializer.deserialize_any(LocationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    const CONFIG: &str = r#"
pop = "FRA"

[geoip]
networks = [
  { prefix = "10.1.0.0/16", location = "NRT" },
  { prefix = "10.2.0.0/16", location = { lat = 40.7, lon = -74.0, country = "US" } },
]

[[target]]
id = "fra"
location = "FRA"
addresses = ["192.0.2.1", "2001:db8::1"]
check = { kind = "http", url = "http://www.example.test:8080/health", interval = 5, fall = 2 }

[[target]]
id = "nrt"
location = "NRT"
addresses = ["192.0.2.2"]
weight = 3
check = { kind = "dns", qname = "example.test.", address = "192.0.2.53" }

[[target]]
id = "backup"
location = { lat = 52.37, lon = 4.9 }
addresses = ["192.0.2.3"]

[[steer]]
name = "WWW.example.test"
targets = ["fra", "nrt"]
policy = ["geo", "nearest"]
first = 1
fallback = ["backup"]
geo = { countries = { de = ["fra"] }, continents = { AS = ["nrt"] } }

[[steer]]
name = "api.example.test."
targets = ["fra", "nrt"]
policy = ["pop"]
pops = { FRA = ["fra"] }
cname = "{target}.pops.example.test."
"#;

    fn compile(text: &str) -> Result<Steering, String> {
        let config = FileConfig::parse(text, Path::new("auth.toml"))?;
        config.steering(Path::new("/etc/globe"), None, None)
    }

    #[test]
    fn a_full_configuration_compiles() {
        let steering = compile(CONFIG).expect("valid");
        assert_eq!(steering.pop().map(|p| p.id.as_str()), Some("FRA"));
        assert!(steering.pop().and_then(|p| p.location).is_some());
        assert_eq!(steering.targets().len(), 3);
        let fra = &steering.targets()[0];
        match &fra.check.as_ref().expect("checked").probe {
            Probe::Http(http) => {
                assert_eq!(http.address.to_string(), "192.0.2.1:8080");
                assert_eq!(
                    (http.host.as_str(), http.path.as_str()),
                    ("www.example.test:8080", "/health")
                );
                assert_eq!(http.status, DEFAULT_STATUS);
                assert_eq!(http.tls, None);
            }
            other => panic!("{other:?}"),
        }
        let nrt_check = steering.targets()[1].check.as_ref().expect("checked");
        assert_eq!(nrt_check.interval, Duration::from_secs(10));
        assert_eq!(
            nrt_check.thresholds,
            Thresholds {
                rise: 2,
                fall: 3,
                initial: State::Up
            }
        );
        match &nrt_check.probe {
            Probe::Dns(dns) => assert_eq!(dns.rcodes, [Rcode::NOERROR]),
            other => panic!("{other:?}"),
        }
        let www: Name = "www.example.test.".parse().expect("name");
        let rule = steering.rule(www.as_wire()).expect("steered, lower-cased");
        assert_eq!(rule.first, Some(1));
        assert_eq!(rule.ttl, DEFAULT_TTL);
        assert_eq!(rule.fallback, vec![TargetId(2)]);
        assert_eq!(
            rule.geo.countries.get(&Country::parse("DE").expect("code")),
            Some(&vec![TargetId(0)])
        );
        let api: Name = "api.example.test.".parse().expect("name");
        let rule = steering.rule(api.as_wire()).expect("steered");
        let names = rule.cname.as_ref().expect("cname mode");
        assert_eq!(
            names[1].as_ref().map(Name::to_string).as_deref(),
            Some("nrt.pops.example.test.")
        );
        assert_eq!(names[2], None);
    }

    #[test]
    fn errors_point_at_the_line() {
        let cases = [
            (
                CONFIG.replace(
                    "location = \"NRT\"\naddresses",
                    "location = \"QQQ\"\naddresses",
                ),
                ":18:",
                "unknown IATA code",
            ),
            (
                CONFIG.replace(
                    "targets = [\"fra\", \"nrt\"]\npolicy = [\"geo\"",
                    "targets = [\"fra\", \"xyz\"]\npolicy = [\"geo\"",
                ),
                ":30:",
                "no [[target]] has id \"xyz\"",
            ),
            (
                CONFIG.replace("[\"geo\", \"nearest\"]", "[\"geo\", \"closest\"]"),
                ":31:",
                "unknown variant",
            ),
            (
                CONFIG.replace("10.1.0.0/16", "10.1.0.1/16"),
                ":6:",
                "host bits",
            ),
            (
                CONFIG.replace("de = [\"fra\"]", "de = [\"backup2\"]"),
                ":34:",
                "no [[target]]",
            ),
            (
                CONFIG.replace("first = 1", "first = 0"),
                ":32:",
                "at least 1",
            ),
            (CONFIG.replace("{target}.pops", "pops"), ":41:", "{target}"),
            (
                CONFIG.replace("interval = 5, fall", "interval = 5, timeout = 6, fall"),
                ":14:",
                "timeout",
            ),
            (
                CONFIG.replace("kind = \"dns\"", "kind = \"ftp\""),
                ":21:",
                "unknown variant",
            ),
            (
                CONFIG.replace(
                    "name = \"api.example.test.\"",
                    "name = \"www.example.test.\"",
                ),
                ":37:",
                "steered twice",
            ),
            (
                CONFIG.replace("pops = { FRA = [\"fra\"] }\n", ""),
                ":37:",
                "pops",
            ),
        ];
        for (text, line, message) in cases {
            let error = compile(&text).expect_err(message);
            assert!(
                error.starts_with("auth.toml") && error.contains(line) && error.contains(message),
                "expected {line} {message}, got {error}"
            );
        }
    }

    #[test]
    fn the_pop_flag_overrides_the_file() {
        let config = FileConfig::parse(CONFIG, Path::new("auth.toml")).expect("valid");
        let steering = config
            .steering(Path::new("/etc/globe"), Some("nrt"), None)
            .expect("valid");
        let pop = steering.pop().expect("pop");
        assert_eq!(pop.id, "nrt");
        let nrt = airport("NRT").expect("known");
        assert_eq!(pop.location, Some(Location::of_airport(&nrt)));
        // A PoP id that is no IATA code has no location unless one is given.
        let steering = config
            .steering(Path::new("/etc/globe"), Some("edge-7"), None)
            .expect("valid");
        assert_eq!(steering.pop().and_then(|p| p.location), None);
    }

    #[test]
    fn urls_split_into_parts() {
        assert_eq!(
            parse_url("http://[2001:db8::1]:8080/x?y", false),
            Ok(("2001:db8::1".into(), 8080, "/x?y".into()))
        );
        assert_eq!(
            parse_url("HTTPS://example.test", true),
            Ok(("example.test".into(), 443, "/".into()))
        );
        assert!(parse_url("https://example.test", false).is_err());
        assert!(parse_url("http://:80/", false).is_err());
        assert!(parse_url("http://host:http/", false).is_err());
    }

    /// The schema example at the top of the module documentation is a valid configuration.
    #[test]
    fn the_documented_example_compiles() {
        let source = include_str!("mod.rs");
        let example: String = source
            .lines()
            .filter_map(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .skip_while(|line| *line != "```toml")
            .skip(1)
            .take_while(|line| *line != "```")
            // The databases are not there: the inline table stands in.
            .filter(|line| !line.starts_with("databases"))
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(example.contains("[[steer]]"), "{example}");
        let steering = compile(&example).expect("the documented example is valid");
        assert_eq!(steering.targets().len(), 3);
        assert_eq!(steering.rules().count(), 2);
        let check = steering.targets()[0].check.as_ref().expect("checked");
        assert_eq!(check.interval, Duration::from_secs(5));
    }

    /// The configuration example in `docs/design/health.md` is valid and compiles to what it says.
    #[test]
    fn the_health_design_example_compiles() {
        let doc = include_str!("../../../../docs/design/health.md");
        let example: String = doc
            .lines()
            .skip_while(|line| *line != "### Configuration")
            .skip_while(|line| *line != "```toml")
            .skip(1)
            .take_while(|line| *line != "```")
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(example.contains("[[target]]"), "{example}");
        let steering = compile(&example).expect("the health design example is valid");
        let checks: Vec<&CheckSpec> = steering
            .targets()
            .iter()
            .map(|t| t.check.as_ref().expect("checked"))
            .collect();
        let Probe::Http(https) = &checks[0].probe else {
            panic!("{:?}", checks[0]);
        };
        assert_eq!(
            https.status,
            StatusRange {
                low: 200,
                high: 299
            }
        );
        assert_eq!(
            https.tls,
            Some(TlsSettings {
                server_name: "www.example.com".into(),
                insecure: false,
                ca_file: Some(PathBuf::from("/etc/globe/ca.pem")),
            })
        );
        assert_eq!(checks[0].thresholds.initial, State::Down);
        let Probe::Dns(dns) = &checks[1].probe else {
            panic!("{:?}", checks[1]);
        };
        assert_eq!(dns.rcodes, [Rcode::NOERROR, Rcode::NXDOMAIN]);
        assert_eq!(checks[1].thresholds.initial, State::Up);
        assert_eq!(
            checks[2].probe,
            Probe::Tcp {
                address: "203.0.113.11:443".parse().expect("address")
            }
        );
    }

    #[test]
    fn check_options_are_checked() {
        let target = |check: &str| {
            format!("[[target]]\nid = \"a\"\nlocation = \"FRA\"\naddresses = [\"192.0.2.1\"]\ncheck = {check}\n")
        };
        for (check, message) in [
            (
                r#"{ kind = "http", url = "http://a.test/", insecure = true }"#,
                "https",
            ),
            (r#"{ kind = "tcp", port = 1, ca_file = "x.pem" }"#, "https"),
            (r#"{ kind = "tcp", port = 1, rcodes = ["NOERROR"] }"#, "dns"),
            (
                r#"{ kind = "dns", qname = "a.test.", rcodes = ["NOPE"] }"#,
                "unknown rcode",
            ),
            (
                r#"{ kind = "dns", qname = "a.test.", rcodes = [] }"#,
                "at least one",
            ),
            (
                r#"{ kind = "tcp", port = 1, initial = "maybe" }"#,
                "unknown variant",
            ),
        ] {
            let error = compile(&target(check)).expect_err(message);
            assert!(error.contains(message), "{check}: {error}");
        }
        let steering = compile(&target(
            r#"{ kind = "https", url = "https://[2001:db8::1]:8443/h", insecure = true }"#,
        ))
        .expect("valid");
        let Some(Probe::Http(http)) = steering.targets()[0].check.as_ref().map(|c| &c.probe) else {
            panic!("https");
        };
        assert_eq!(http.host, "[2001:db8::1]:8443");
        assert_eq!(http.tls.as_ref().map(|t| t.insecure), Some(true));
        assert_eq!(host_header("www.example.com", 80, false), "www.example.com");
        assert_eq!(parse_rcode("nxdomain"), Some(Rcode::NXDOMAIN));
    }
}
