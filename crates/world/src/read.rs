//! Reading a world from TOML ([`World::parse`], [`World::load`]) with every mistake reported as
//! `file:line:column: problem`.
//!
//! Three steps, each failing at a file position: serde reads the text into spanned raw tables (syntax,
//! unknown keys, wrong types, a missing `asn`); the raw tables become the model (a link's form, location
//! forms, prefixes, default kinds); [`World::validate`] checks the rules, and its [`At`] is mapped back to
//! the span of the key at fault. Finally, when an airport table is given, IATA codes are resolved to
//! coordinates (an unknown code is an error at its `location`). This file's [`World::load`] is the
//! crate's only I/O.

use crate::model::{
    Anycast, As, At, Coordinates, Invalid, Kind, Link, Location, Pop, Problem, Relationship,
    Service, World, DEFAULT_OPERATOR_ASN,
};
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Why a world file could not be read.
#[derive(Debug)]
pub enum WorldError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not a valid world.
    Invalid {
        /// The file.
        path: PathBuf,
        /// Line of the mistake, from 1.
        line: usize,
        /// Column (in bytes) of the mistake, from 1.
        column: usize,
        /// What is wrong.
        problem: Problem,
        /// For a duplicate, the line of the earlier entry.
        earlier_line: Option<usize>,
    },
}

/// Looks up an IATA airport code (upper case) and returns its coordinates; the CLI passes globe-auth's
/// embedded airport table.
pub type Airports<'a> = &'a dyn Fn(&str) -> Option<Coordinates>;

impl World {
    /// Reads and parses the world file at `path` (see [`World::parse`]).
    pub fn load(path: &Path, airports: Option<Airports<'_>>) -> Result<World, WorldError> {
        let text = std::fs::read_to_string(path).map_err(|error| WorldError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        World::parse(&text, path, airports)
    }

    /// Parses world `text` (`path` only names it in errors) and validates it. With `airports`, every
    /// IATA `location` is resolved to coordinates and an unknown code is an error; without, airport
    /// locations keep no coordinates.
    pub fn parse(
        text: &str,
        path: &Path,
        airports: Option<Airports<'_>>,
    ) -> Result<World, WorldError> {
        let at_offset = |offset: usize, problem: Problem, earlier: Option<usize>| {
            let (line, column) = line_column(text, offset);
            WorldError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                problem,
                earlier_line: earlier.map(|offset| line_column(text, offset).0),
            }
        };
        let raw: RawWorld = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            at_offset(offset, Problem::Syntax(error.message().to_string()), None)
        })?;
        let locate = |invalid: Invalid| {
            let offset = raw.span(invalid.at).map_or(0, |span| span.start);
            let earlier = invalid
                .earlier()
                .and_then(|at| raw.span(at))
                .map(|span| span.start);
            at_offset(offset, invalid.problem, earlier)
        };
        let mut world = raw.to_model().map_err(locate)?;
        world.validate().map_err(locate)?;
        if let Some(airports) = airports {
            resolve_airports(&mut world, airports).map_err(locate)?;
        }
        Ok(world)
    }
}

/// Fills in the coordinates of every airport location, or names the first unknown code.
fn resolve_airports(world: &mut World, airports: Airports<'_>) -> Result<(), Invalid> {
    let resolve = |location: &mut Option<Location>, at: At| match location {
        Some(Location::Airport { code, coordinates }) => {
            *coordinates = Some(airports(code).ok_or_else(|| Invalid {
                at,
                problem: Problem::UnknownAirport(code.clone()),
            })?);
            Ok(())
        }
        _ => Ok(()),
    };
    for (number, entry) in world.ases.iter_mut().enumerate() {
        resolve(&mut entry.location, At::As(number, Some("location")))?;
    }
    if let Some(anycast) = &mut world.anycast {
        for (number, pop) in anycast.pops.iter_mut().enumerate() {
            resolve(&mut pop.location, At::Pop(number, Some("location")))?;
        }
    }
    Ok(())
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len() + 1, |newline| before.len() - newline);
    (line, column)
}

/// The file as serde reads it, every value with its span.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorld {
    name: Option<Spanned<String>>,
    #[serde(rename = "as", default)]
    ases: Vec<Spanned<RawAs>>,
    #[serde(rename = "link", default)]
    links: Vec<Spanned<RawLink>>,
    anycast: Option<Spanned<RawAnycast>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAs {
    asn: Spanned<u32>,
    name: Option<Spanned<String>>,
    kind: Option<Spanned<Kind>>,
    location: Option<Spanned<String>>,
    lat: Option<Spanned<f64>>,
    lon: Option<Spanned<f64>>,
    country: Option<Spanned<String>>,
    addresses: Option<Spanned<u64>>,
    services: Option<Spanned<Vec<Service>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    provider: Option<Spanned<u32>>,
    customer: Option<Spanned<u32>>,
    peers: Option<Spanned<Vec<u32>>>,
    latency_ms: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnycast {
    prefix: Option<Spanned<String>>,
    prefix6: Option<Spanned<String>>,
    asn: Option<Spanned<u32>>,
    origins: Option<Spanned<Vec<u32>>>,
    #[serde(rename = "pop", default)]
    pops: Vec<Spanned<RawPop>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPop {
    name: Spanned<String>,
    location: Option<Spanned<String>>,
    lat: Option<Spanned<f64>>,
    lon: Option<Spanned<f64>>,
    upstreams: Spanned<Vec<u32>>,
    prepend: Option<Spanned<u8>>,
    no_export: Option<bool>,
}

impl RawWorld {
    /// The model, with the checks only the raw form can make (forms of links and locations, prefixes).
    fn to_model(&self) -> Result<World, Invalid> {
        let links = self
            .links
            .iter()
            .enumerate()
            .map(|(number, link)| link.get_ref().to_model(number))
            .collect::<Result<Vec<Link>, Invalid>>()?;
        let providers: HashSet<u32> = links
            .iter()
            .filter_map(|link| match link.relationship {
                Relationship::ProviderCustomer { provider, .. } => Some(provider),
                Relationship::Peers(..) => None,
            })
            .collect();
        let ases = self
            .ases
            .iter()
            .enumerate()
            .map(|(number, entry)| entry.get_ref().to_model(number, &providers))
            .collect::<Result<Vec<As>, Invalid>>()?;
        let anycast = match &self.anycast {
            Some(anycast) => Some(anycast.get_ref().to_model()?),
            None => None,
        };
        Ok(World {
            name: value(&self.name),
            ases,
            links,
            anycast,
        })
    }

    /// Where `at` is in the file.
    fn span(&self, at: At) -> Option<Range<usize>> {
        match at {
            At::World(Some("name")) => self.name.as_ref().map(Spanned::span),
            At::World(_) => None,
            At::As(number, field) => {
                let entry = self.ases.get(number)?;
                let raw = entry.get_ref();
                let span = match field {
                    Some("asn") => Some(raw.asn.span()),
                    Some("name") => span_of(&raw.name),
                    Some("kind") => span_of(&raw.kind),
                    Some("location") => span_of(&raw.location),
                    Some("lat") => span_of(&raw.lat),
                    Some("lon") => span_of(&raw.lon),
                    Some("country") => span_of(&raw.country),
                    Some("addresses") => span_of(&raw.addresses),
                    Some("services") => span_of(&raw.services),
                    _ => None,
                };
                span.or_else(|| Some(entry.span()))
            }
            At::Link(number, field) => {
                let entry = self.links.get(number)?;
                let raw = entry.get_ref();
                let span = match field {
                    Some("provider") => span_of(&raw.provider),
                    Some("customer") => span_of(&raw.customer),
                    Some("peers") => span_of(&raw.peers),
                    Some("latency_ms") => span_of(&raw.latency_ms),
                    _ => None,
                };
                span.or_else(|| Some(entry.span()))
            }
            At::Anycast(field) => {
                let entry = self.anycast.as_ref()?;
                let raw = entry.get_ref();
                let span = match field {
                    Some("prefix") => span_of(&raw.prefix),
                    Some("prefix6") => span_of(&raw.prefix6),
                    Some("asn") => span_of(&raw.asn),
                    Some("origins") => span_of(&raw.origins),
                    _ => None,
                };
                span.or_else(|| Some(entry.span()))
            }
            At::Pop(number, field) => {
                let entry = self.anycast.as_ref()?.get_ref().pops.get(number)?;
                let raw = entry.get_ref();
                let span = match field {
                    Some("name") => Some(raw.name.span()),
                    Some("location") => span_of(&raw.location),
                    Some("lat") => span_of(&raw.lat),
                    Some("lon") => span_of(&raw.lon),
                    Some("upstreams") => Some(raw.upstreams.span()),
                    Some("prepend") => span_of(&raw.prepend),
                    _ => None,
                };
                span.or_else(|| Some(entry.span()))
            }
        }
    }
}

impl RawAs {
    fn to_model(&self, number: usize, providers: &HashSet<u32>) -> Result<As, Invalid> {
        let asn = *self.asn.get_ref();
        let kind = match &self.kind {
            Some(kind) => *kind.get_ref(),
            None if providers.contains(&asn) => Kind::Transit,
            None => Kind::Stub,
        };
        Ok(As {
            asn,
            name: value(&self.name),
            kind,
            location: location(&self.location, &self.lat, &self.lon, |field| {
                At::As(number, Some(field))
            })?,
            country: value(&self.country),
            addresses: value(&self.addresses),
            services: value(&self.services).unwrap_or_default(),
        })
    }
}

impl RawLink {
    fn to_model(&self, number: usize) -> Result<Link, Invalid> {
        let at = |field| At::Link(number, field);
        let relationship = match (&self.provider, &self.customer, &self.peers) {
            (Some(provider), Some(customer), None) => Relationship::ProviderCustomer {
                provider: *provider.get_ref(),
                customer: *customer.get_ref(),
            },
            (None, None, Some(peers)) => match peers.get_ref()[..] {
                [a, b] => Relationship::Peers(a, b),
                ref other => {
                    return Err(Invalid {
                        at: at(Some("peers")),
                        problem: Problem::PeersNotPair(other.len()),
                    })
                }
            },
            _ => {
                return Err(Invalid {
                    at: at(None),
                    problem: Problem::LinkForm,
                })
            }
        };
        Ok(Link {
            relationship,
            latency_ms: value(&self.latency_ms),
        })
    }
}

impl RawAnycast {
    fn to_model(&self) -> Result<Anycast, Invalid> {
        let prefix = |text: &Option<Spanned<String>>, field| match text {
            None => Ok(None),
            Some(text) => text.get_ref().parse().map(Some).map_err(|error| Invalid {
                at: At::Anycast(Some(field)),
                problem: Problem::Prefix {
                    text: text.get_ref().clone(),
                    error,
                },
            }),
        };
        let pops = self
            .pops
            .iter()
            .enumerate()
            .map(|(number, pop)| {
                let raw = pop.get_ref();
                Ok(Pop {
                    name: raw.name.get_ref().clone(),
                    location: location(&raw.location, &raw.lat, &raw.lon, |field| {
                        At::Pop(number, Some(field))
                    })?,
                    upstreams: raw.upstreams.get_ref().clone(),
                    prepend: value(&raw.prepend).unwrap_or(0),
                    no_export: raw.no_export.unwrap_or(false),
                })
            })
            .collect::<Result<Vec<Pop>, Invalid>>()?;
        Ok(Anycast {
            prefix: prefix(&self.prefix, "prefix")?,
            prefix6: prefix(&self.prefix6, "prefix6")?,
            asn: value(&self.asn).unwrap_or(DEFAULT_OPERATOR_ASN),
            pops,
            origins: value(&self.origins).unwrap_or_default(),
        })
    }
}

/// A location from `location = "IATA"` or `lat`/`lon` (at most one form).
fn location(
    code: &Option<Spanned<String>>,
    lat: &Option<Spanned<f64>>,
    lon: &Option<Spanned<f64>>,
    at: impl Fn(&'static str) -> At,
) -> Result<Option<Location>, Invalid> {
    let problem = |field, problem| {
        Err(Invalid {
            at: at(field),
            problem,
        })
    };
    match (code, lat, lon) {
        (None, None, None) => Ok(None),
        (Some(code), None, None) => Ok(Some(Location::Airport {
            code: code.get_ref().to_ascii_uppercase(),
            coordinates: None,
        })),
        (None, Some(lat), Some(lon)) => Ok(Some(Location::Coordinates(Coordinates {
            lat: *lat.get_ref(),
            lon: *lon.get_ref(),
        }))),
        (Some(_), _, _) => problem("location", Problem::TwoLocations),
        (None, Some(_), None) => problem("lat", Problem::HalfCoordinates),
        (None, None, Some(_)) => problem("lon", Problem::HalfCoordinates),
    }
}

fn value<T: Clone>(spanned: &Option<Spanned<T>>) -> Option<T> {
    spanned.as_ref().map(|spanned| spanned.get_ref().clone())
}

fn span_of<T>(spanned: &Option<Spanned<T>>) -> Option<Range<usize>> {
    spanned.as_ref().map(Spanned::span)
}

impl fmt::Display for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorldError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            WorldError::Invalid {
                path,
                line,
                column,
                problem,
                earlier_line,
            } => {
                write!(f, "{}:{line}:{column}: {problem}", path.display())?;
                match earlier_line {
                    Some(earlier) => write!(f, " (first at line {earlier})"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for WorldError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WorldError::Io { error, .. } => Some(error),
            WorldError::Invalid { .. } => None,
        }
    }
}
