//! The world model and its rules: [`World`] and its parts, [`World::validate`], and the [`Invalid`]
//! error that says which entry ([`At`]) breaks which rule ([`Problem`]).
//!
//! The model is plain data: the reader (`read.rs`) builds it from TOML and maps an [`At`] back to a file
//! position; the simulator's exporter builds it in code and validates it the same way. Every rule is in
//! [`World::validate`], in file order (ASes, links, anycast), and the first broken one is reported.

use globe_bgp::Prefix;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The operator ASN when `[anycast]` names none: 64500, from the documentation range 64496–64511
/// (RFC 5398), so a world never borrows a real network's number for the service by accident.
pub const DEFAULT_OPERATOR_ASN: u32 = 64500;

/// The most copies of the operator ASN a PoP may prepend. Real announcements rarely prepend more than a
/// handful; past this a path length only says the number was mistyped.
pub const MAX_PREPEND: u8 = 16;

/// The largest one-way link latency accepted, in milliseconds. Half the Earth's circumference through
/// fibre (about 200 km per ms) is 100 ms; a second is certainly a typo for something else.
pub const MAX_LATENCY_MS: f64 = 1000.0;

/// ASNs no world may use: 0 (RFC 7607), AS_TRANS 23456 (RFC 6793), 65535 and 4294967295 (RFC 7300).
const RESERVED_ASNS: [u32; 4] = [0, 23456, 65535, u32::MAX];

/// A small internet: ASes, the links between them and, optionally, an anycast service.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    /// A description (`name`), e.g. `"europe-demo"`.
    pub name: Option<String>,
    /// The ASes (`[[as]]`), in file order.
    pub ases: Vec<As>,
    /// The links (`[[link]]`), in file order; at most one per pair of ASes.
    pub links: Vec<Link>,
    /// The anycast service (`[anycast]`).
    pub anycast: Option<Anycast>,
}

/// One autonomous system.
#[derive(Clone, Debug, PartialEq)]
pub struct As {
    /// Its number, unique in the world.
    pub asn: u32,
    /// A human name (organisation or handle).
    pub name: Option<String>,
    /// Its role; see [`Kind`].
    pub kind: Kind,
    /// Where it is.
    pub location: Option<Location>,
    /// Its country, ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    /// The IPv4 addresses it holds (the simulator weighs catchments by them).
    pub addresses: Option<u64>,
    /// What the lab runs inside it; the simulator ignores them.
    pub services: Vec<Service>,
}

/// An AS's role in the routing hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A member of the transit-free clique: no providers; the simulator's tier-1 clique.
    Tier1,
    /// Sells transit: has customers (and usually providers).
    Transit,
    /// Has no customers: an edge network (access, enterprise, content, hosting).
    Stub,
    /// An internet exchange's route-server AS: peers with its members (the lab may run a route server;
    /// the simulator treats it as a plain peer).
    Ixp,
}

/// Where an AS or a PoP is.
#[derive(Clone, Debug, PartialEq)]
pub enum Location {
    /// An IATA airport code (`location = "FRA"`), upper case, with its coordinates when the reader was
    /// given an airport table.
    Airport {
        /// The three-character code.
        code: String,
        /// Its coordinates, if resolved.
        coordinates: Option<Coordinates>,
    },
    /// Explicit coordinates (`lat = …, lon = …`).
    Coordinates(Coordinates),
}

/// A point on the Earth in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    /// Latitude, degrees north, −90 to 90.
    pub lat: f64,
    /// Longitude, degrees east, −180 to 180.
    pub lon: f64,
}

/// What the lab runs inside an AS. Reserved for the lab (the simulator ignores them); the lab's design
/// may refine what each one starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// End users: hosts that send queries and traffic (the catchment's clients).
    Users,
    /// A recursive DNS resolver for the AS's users.
    Resolver,
    /// A root name server instance.
    RootDns,
    /// A top-level-domain name server.
    TldDns,
    /// Servers that are not anycast (an origin, a control plane, a measurement target).
    Datacenter,
}

/// One link between two ASes.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Who is whose provider, or peers.
    pub relationship: Relationship,
    /// One-way propagation delay in milliseconds, if known.
    pub latency_ms: Option<f64>,
}

/// The business relationship of a link, as in CAIDA's files and RFC 9234's roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// `provider = A, customer = B`: A sells B transit. A exports everything to B; B exports to A only
    /// its own and its customers' routes.
    ProviderCustomer {
        /// The provider's ASN.
        provider: u32,
        /// The customer's ASN.
        customer: u32,
    },
    /// `peers = [A, B]`: settlement-free peering; each exports only its own and its customers' routes.
    Peers(u32, u32),
}

/// The anycast service: one prefix (per family) announced from several places.
#[derive(Clone, Debug, PartialEq)]
pub struct Anycast {
    /// The IPv4 prefix (`prefix`).
    pub prefix: Option<Prefix>,
    /// The IPv6 prefix (`prefix6`).
    pub prefix6: Option<Prefix>,
    /// The operator's ASN, shared by every PoP (`asn`, default [`DEFAULT_OPERATOR_ASN`]). It is not one
    /// of the world's ASes.
    pub asn: u32,
    /// The operator's sites (`[[anycast.pop]]`).
    pub pops: Vec<Pop>,
    /// ASes of the world that originate the prefix themselves (`origins`), in file order.
    pub origins: Vec<u32>,
}

/// A PoP: a site of the operator's AS, a customer of each of its upstreams.
#[derive(Clone, Debug, PartialEq)]
pub struct Pop {
    /// Its name, unique among the PoPs (`"FRA"`).
    pub name: String,
    /// Where it is.
    pub location: Option<Location>,
    /// The ASes it buys transit from and announces to; at least one.
    pub upstreams: Vec<u32>,
    /// Extra copies of the operator ASN it prepends, at most [`MAX_PREPEND`].
    pub prepend: u8,
    /// Its announcement carries NO_EXPORT (RFC 1997): its upstreams keep the route to themselves and
    /// their customers' view of it local — a "local node" of the service.
    pub no_export: bool,
}

/// Which entry of a world a rule is broken at: a section, an entry number (from 0, in file order) and
/// the TOML key (`None`: the whole entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// A top-level key (`None`: the file as a whole).
    World(Option<&'static str>),
    /// The AS with this number in [`World::ases`].
    As(usize, Option<&'static str>),
    /// The link with this number in [`World::links`].
    Link(usize, Option<&'static str>),
    /// A key of `[anycast]` (`None`: the table).
    Anycast(Option<&'static str>),
    /// The PoP with this number in [`Anycast::pops`].
    Pop(usize, Option<&'static str>),
}

/// A broken rule and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// The entry.
    pub at: At,
    /// The rule.
    pub problem: Problem,
}

/// What is wrong with a world.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Not TOML, an unknown key, or a value of the wrong type (the TOML reader's message).
    Syntax(String),
    /// A world without ASes.
    NoAses,
    /// A reserved ASN (0, 23456, 65535, 4294967295).
    ReservedAsn(u32),
    /// An ASN declared twice (`first`: the earlier AS's number in [`World::ases`]).
    DuplicateAsn {
        /// The ASN.
        asn: u32,
        /// The earlier declaration.
        first: usize,
    },
    /// An empty name.
    EmptyName,
    /// A location that is not a three-character IATA code.
    AirportCode(String),
    /// An IATA code the airport table does not know.
    UnknownAirport(String),
    /// A latitude outside −90..=90 (or not a number).
    Latitude(f64),
    /// A longitude outside −180..=180 (or not a number).
    Longitude(f64),
    /// `lat` without `lon`, or the reverse.
    HalfCoordinates,
    /// Both `location` and `lat`/`lon`.
    TwoLocations,
    /// A country that is not two upper-case letters.
    Country(String),
    /// A service listed twice.
    DuplicateService(Service),
    /// A link with neither `provider` and `customer` nor `peers` (or with both forms).
    LinkForm,
    /// `peers` with other than two ASNs (how many).
    PeersNotPair(usize),
    /// An ASN that no `[[as]]` declares.
    UndeclaredAs(u32),
    /// A link from an AS to itself.
    SelfLink(u32),
    /// A second link between the same two ASes (`first`: the earlier link's number).
    DuplicateLink {
        /// One AS.
        a: u32,
        /// The other.
        b: u32,
        /// The earlier link.
        first: usize,
    },
    /// A latency below 0, above [`MAX_LATENCY_MS`], or not a number.
    Latency(f64),
    /// A `stub` AS that is some link's provider.
    StubWithCustomers(u32),
    /// A `tier1` AS that is some link's customer.
    Tier1WithProvider(u32),
    /// A prefix that does not parse (strictly: no host bits).
    Prefix {
        /// The text.
        text: String,
        /// Why.
        error: globe_bgp::PrefixError,
    },
    /// An IPv6 prefix in `prefix` or an IPv4 one in `prefix6`.
    PrefixFamily(Prefix),
    /// `[anycast]` without `prefix` or `prefix6`.
    NoPrefix,
    /// The operator ASN is also declared as an AS.
    OperatorDeclared(u32),
    /// `[anycast]` with no PoP and no origin.
    NothingAnnounced,
    /// Two PoPs with one name (`first`: the earlier PoP's number).
    DuplicatePop {
        /// The name.
        name: String,
        /// The earlier PoP.
        first: usize,
    },
    /// A PoP without upstreams (its name).
    NoUpstreams(String),
    /// An ASN listed twice in a PoP's upstreams.
    DuplicateUpstream(u32),
    /// An ASN listed twice in `origins`.
    DuplicateOrigin(u32),
    /// A prepend above [`MAX_PREPEND`].
    Prepend(u8),
}

impl World {
    /// The AS with number `asn`.
    pub fn find(&self, asn: u32) -> Option<&As> {
        self.ases.iter().find(|entry| entry.asn == asn)
    }

    /// Checks every rule of the format (`docs/lab.md`) and reports the first one broken, in file order.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut declared: HashMap<u32, usize> = HashMap::with_capacity(self.ases.len());
        for (number, entry) in self.ases.iter().enumerate() {
            let at = |field| At::As(number, field);
            check_asn(entry.asn, at(Some("asn")))?;
            if let Some(&first) = declared.get(&entry.asn) {
                return Err(invalid(
                    at(Some("asn")),
                    Problem::DuplicateAsn {
                        asn: entry.asn,
                        first,
                    },
                ));
            }
            declared.insert(entry.asn, number);
            if entry.name.as_deref().is_some_and(str::is_empty) {
                return Err(invalid(at(Some("name")), Problem::EmptyName));
            }
            check_location(entry.location.as_ref(), |field| at(Some(field)))?;
            if let Some(country) = &entry.country {
                let letters = country.as_bytes();
                if letters.len() != 2 || !letters.iter().all(u8::is_ascii_uppercase) {
                    return Err(invalid(
                        at(Some("country")),
                        Problem::Country(country.clone()),
                    ));
                }
            }
            for (position, service) in entry.services.iter().enumerate() {
                if entry.services[..position].contains(service) {
                    return Err(invalid(
                        at(Some("services")),
                        Problem::DuplicateService(*service),
                    ));
                }
            }
        }
        if self.ases.is_empty() {
            return Err(invalid(At::World(None), Problem::NoAses));
        }

        let mut pairs: HashMap<(u32, u32), usize> = HashMap::with_capacity(self.links.len());
        for (number, link) in self.links.iter().enumerate() {
            let at = |field| At::Link(number, Some(field));
            let (a, b, fields) = match link.relationship {
                Relationship::ProviderCustomer { provider, customer } => {
                    (provider, customer, ["provider", "customer"])
                }
                Relationship::Peers(a, b) => (a, b, ["peers", "peers"]),
            };
            for (asn, field) in [(a, fields[0]), (b, fields[1])] {
                if !declared.contains_key(&asn) {
                    return Err(invalid(at(field), Problem::UndeclaredAs(asn)));
                }
            }
            if a == b {
                return Err(invalid(at(fields[1]), Problem::SelfLink(a)));
            }
            if let Some(&first) = pairs.get(&(a.min(b), a.max(b))) {
                return Err(invalid(
                    At::Link(number, None),
                    Problem::DuplicateLink { a, b, first },
                ));
            }
            pairs.insert((a.min(b), a.max(b)), number);
            if let Some(latency) = link.latency_ms {
                if !(0.0..=MAX_LATENCY_MS).contains(&latency) {
                    return Err(invalid(at("latency_ms"), Problem::Latency(latency)));
                }
            }
            if let Relationship::ProviderCustomer { provider, customer } = link.relationship {
                let kind = |asn| declared.get(&asn).map(|&index| self.ases[index].kind);
                if kind(provider) == Some(Kind::Stub) {
                    return Err(invalid(
                        at("provider"),
                        Problem::StubWithCustomers(provider),
                    ));
                }
                if kind(customer) == Some(Kind::Tier1) {
                    return Err(invalid(
                        at("customer"),
                        Problem::Tier1WithProvider(customer),
                    ));
                }
            }
        }

        if let Some(anycast) = &self.anycast {
            anycast.validate(&declared)?;
        }
        Ok(())
    }
}

impl Anycast {
    /// The prefixes announced: IPv4, then IPv6.
    pub fn prefixes(&self) -> impl Iterator<Item = Prefix> + '_ {
        self.prefix.iter().chain(self.prefix6.iter()).copied()
    }

    fn validate(&self, declared: &HashMap<u32, usize>) -> Result<(), Invalid> {
        let at = |field| At::Anycast(Some(field));
        for (prefix, field, ipv4) in [
            (self.prefix, "prefix", true),
            (self.prefix6, "prefix6", false),
        ] {
            if let Some(prefix) = prefix.filter(|prefix| prefix.is_ipv4() != ipv4) {
                return Err(invalid(at(field), Problem::PrefixFamily(prefix)));
            }
        }
        if self.prefix.is_none() && self.prefix6.is_none() {
            return Err(invalid(At::Anycast(None), Problem::NoPrefix));
        }
        check_asn(self.asn, at("asn"))?;
        if declared.contains_key(&self.asn) {
            return Err(invalid(at("asn"), Problem::OperatorDeclared(self.asn)));
        }
        for (position, &origin) in self.origins.iter().enumerate() {
            if !declared.contains_key(&origin) {
                return Err(invalid(at("origins"), Problem::UndeclaredAs(origin)));
            }
            if self.origins[..position].contains(&origin) {
                return Err(invalid(at("origins"), Problem::DuplicateOrigin(origin)));
            }
        }
        for (number, pop) in self.pops.iter().enumerate() {
            let at = |field| At::Pop(number, Some(field));
            if pop.name.is_empty() {
                return Err(invalid(at("name"), Problem::EmptyName));
            }
            if let Some(first) = self.pops[..number].iter().position(|p| p.name == pop.name) {
                return Err(invalid(
                    at("name"),
                    Problem::DuplicatePop {
                        name: pop.name.clone(),
                        first,
                    },
                ));
            }
            check_location(pop.location.as_ref(), at)?;
            if pop.upstreams.is_empty() {
                return Err(invalid(
                    at("upstreams"),
                    Problem::NoUpstreams(pop.name.clone()),
                ));
            }
            for (position, &upstream) in pop.upstreams.iter().enumerate() {
                if !declared.contains_key(&upstream) {
                    return Err(invalid(at("upstreams"), Problem::UndeclaredAs(upstream)));
                }
                if pop.upstreams[..position].contains(&upstream) {
                    return Err(invalid(
                        at("upstreams"),
                        Problem::DuplicateUpstream(upstream),
                    ));
                }
            }
            if pop.prepend > MAX_PREPEND {
                return Err(invalid(at("prepend"), Problem::Prepend(pop.prepend)));
            }
        }
        if self.pops.is_empty() && self.origins.is_empty() {
            return Err(invalid(At::Anycast(None), Problem::NothingAnnounced));
        }
        Ok(())
    }
}

impl Kind {
    /// Its name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tier1 => "tier1",
            Kind::Transit => "transit",
            Kind::Stub => "stub",
            Kind::Ixp => "ixp",
        }
    }
}

impl Service {
    /// Its name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Service::Users => "users",
            Service::Resolver => "resolver",
            Service::RootDns => "root-dns",
            Service::TldDns => "tld-dns",
            Service::Datacenter => "datacenter",
        }
    }
}

impl Location {
    /// The coordinates, when known (an airport's only once resolved).
    pub fn coordinates(&self) -> Option<Coordinates> {
        match self {
            Location::Airport { coordinates, .. } => *coordinates,
            Location::Coordinates(coordinates) => Some(*coordinates),
        }
    }
}

impl Relationship {
    /// The two ASNs: provider first, or the peers in the order written.
    pub fn ends(&self) -> (u32, u32) {
        match *self {
            Relationship::ProviderCustomer { provider, customer } => (provider, customer),
            Relationship::Peers(a, b) => (a, b),
        }
    }
}

impl Invalid {
    /// The earlier entry a duplicate repeats, if the problem is a duplicate.
    pub fn earlier(&self) -> Option<At> {
        match self.problem {
            Problem::DuplicateAsn { first, .. } => Some(At::As(first, Some("asn"))),
            Problem::DuplicateLink { first, .. } => Some(At::Link(first, None)),
            Problem::DuplicatePop { first, .. } => Some(At::Pop(first, Some("name"))),
            _ => None,
        }
    }
}

/// The ranges the lab may address anything from: documentation (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
/// 203.0.113.0/24; RFC 3849: 2001:db8::/32) and benchmarking (RFC 2544: 198.18.0.0/15). The simulator
/// simulates any prefix; the lab refuses an anycast prefix outside these, so an emulated world can never
/// leak a real network's routes.
pub fn documentation_ranges() -> [Prefix; 5] {
    let v4 =
        |a, b, c, length| Prefix::new_truncating(IpAddr::V4(Ipv4Addr::new(a, b, c, 0)), length);
    let v6 = Prefix::new_truncating(
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)),
        32,
    );
    // Constant lengths within each family's maximum: building them cannot fail.
    [
        v4(192, 0, 2, 24),
        v4(198, 51, 100, 24),
        v4(203, 0, 113, 24),
        v4(198, 18, 0, 15),
        v6,
    ]
    .map(|prefix| prefix.expect("a constant, valid prefix"))
}

/// True when `prefix` lies inside one of [`documentation_ranges`].
pub fn in_documentation_range(prefix: &Prefix) -> bool {
    documentation_ranges()
        .iter()
        .any(|range| range.contains(prefix))
}

fn invalid(at: At, problem: Problem) -> Invalid {
    Invalid { at, problem }
}

fn check_asn(asn: u32, at: At) -> Result<(), Invalid> {
    if RESERVED_ASNS.contains(&asn) {
        return Err(invalid(at, Problem::ReservedAsn(asn)));
    }
    Ok(())
}

fn check_location(
    location: Option<&Location>,
    at: impl Fn(&'static str) -> At,
) -> Result<(), Invalid> {
    match location {
        None => Ok(()),
        Some(Location::Airport { code, .. }) => {
            let bytes = code.as_bytes();
            let upper = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
            if bytes.len() != 3 || !bytes.iter().all(upper) {
                return Err(invalid(at("location"), Problem::AirportCode(code.clone())));
            }
            Ok(())
        }
        Some(Location::Coordinates(Coordinates { lat, lon })) => {
            if !(-90.0..=90.0).contains(lat) {
                return Err(invalid(at("lat"), Problem::Latitude(*lat)));
            }
            if !(-180.0..=180.0).contains(lon) {
                return Err(invalid(at("lon"), Problem::Longitude(*lon)));
            }
            Ok(())
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Syntax(message) => f.write_str(message.trim_end()),
            Problem::NoAses => f.write_str("a world needs at least one [[as]]"),
            Problem::ReservedAsn(asn) => write!(f, "AS{asn} is reserved (RFC 6793, 7300, 7607)"),
            Problem::DuplicateAsn { asn, .. } => write!(f, "AS{asn} is declared twice"),
            Problem::EmptyName => f.write_str("empty name"),
            Problem::AirportCode(code) => {
                write!(f, "location {code:?} is not a three-character IATA code")
            }
            Problem::UnknownAirport(code) => write!(f, "unknown IATA airport code {code:?}"),
            Problem::Latitude(lat) => write!(f, "latitude {lat} is outside -90..=90"),
            Problem::Longitude(lon) => write!(f, "longitude {lon} is outside -180..=180"),
            Problem::HalfCoordinates => f.write_str("lat and lon go together"),
            Problem::TwoLocations => f.write_str("give location (IATA) or lat/lon, not both"),
            Problem::Country(country) => {
                write!(f, "country {country:?} is not two upper-case letters")
            }
            Problem::DuplicateService(service) => {
                write!(f, "service {:?} listed twice", service.name())
            }
            Problem::LinkForm => f.write_str(
                "a link is `provider = A, customer = B` or `peers = [A, B]` (exactly one form)",
            ),
            Problem::PeersNotPair(count) => write!(f, "peers lists {count} ASNs, not 2"),
            Problem::UndeclaredAs(asn) => write!(f, "AS{asn} is not declared as an [[as]]"),
            Problem::SelfLink(asn) => write!(f, "AS{asn} is linked to itself"),
            Problem::DuplicateLink { a, b, .. } => {
                write!(f, "AS{a} and AS{b} are already linked (one link per pair)")
            }
            Problem::Latency(latency) => {
                write!(f, "latency {latency} ms is outside 0..={MAX_LATENCY_MS}")
            }
            Problem::StubWithCustomers(asn) => {
                write!(f, "AS{asn} is a stub, so it cannot be a provider")
            }
            Problem::Tier1WithProvider(asn) => {
                write!(f, "AS{asn} is tier1, so it cannot have a provider")
            }
            Problem::Prefix { text, error } => write!(f, "prefix {text:?}: {error}"),
            Problem::PrefixFamily(prefix) if prefix.is_ipv4() => {
                write!(f, "{prefix} is IPv4: it belongs in prefix")
            }
            Problem::PrefixFamily(prefix) => write!(f, "{prefix} is IPv6: it belongs in prefix6"),
            Problem::NoPrefix => f.write_str("[anycast] needs prefix or prefix6"),
            Problem::OperatorDeclared(asn) => write!(
                f,
                "the operator AS{asn} is also an [[as]]; real ASes that originate the prefix go in origins"
            ),
            Problem::NothingAnnounced => {
                f.write_str("[anycast] needs at least one [[anycast.pop]] or origin")
            }
            Problem::DuplicatePop { name, .. } => write!(f, "two PoPs are named {name:?}"),
            Problem::NoUpstreams(name) => write!(f, "PoP {name:?} has no upstreams"),
            Problem::DuplicateUpstream(asn) => write!(f, "upstream AS{asn} listed twice"),
            Problem::DuplicateOrigin(asn) => write!(f, "origin AS{asn} listed twice"),
            Problem::Prepend(count) => write!(f, "prepend {count} exceeds {MAX_PREPEND}"),
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (entry, field) = match *self {
            At::World(field) => (String::new(), field),
            At::As(number, field) => (format!("[[as]] #{}", number + 1), field),
            At::Link(number, field) => (format!("[[link]] #{}", number + 1), field),
            At::Anycast(field) => ("[anycast]".to_string(), field),
            At::Pop(number, field) => (format!("[[anycast.pop]] #{}", number + 1), field),
        };
        match (entry.is_empty(), field) {
            (true, None) => f.write_str("the world"),
            (true, Some(field)) => f.write_str(field),
            (false, None) => f.write_str(&entry),
            (false, Some(field)) => write!(f, "{entry} {field}"),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

impl std::error::Error for Invalid {}
