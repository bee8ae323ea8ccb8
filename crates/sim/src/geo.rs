//! Where ASes are and how much address space they hold: [`AsGeo`], compact arrays indexed like the
//! [`Graph`], loaded from an `first,last,asn,organisation` IPv4 range file (`asn-ipv4.csv.gz`, plain or
//! gzip) and, for locations, a MaxMind City database (GeoLite2, or a flat repackaging; its records are
//! decoded by [`globe_geoip`]).
//!
//! **Placement rule.** An AS's *address space* is the number of IPv4 addresses in its ranges. Its
//! *location* is the database location of the first address of its largest range (ties: the lowest
//! range), a real place rather than a centroid that, for an AS spread over a continent or the world,
//! would fall in an ocean. Its *country* is the one holding the majority (plurality) of its address
//! space, each range counted at the country of its first address. Ranges of ASes absent from the graph
//! are ignored; ASes without ranges have 0 addresses and no location.
//!
//! This is the only file of the crate besides `caida.rs` that opens files ([`load`]); [`AsGeo::from_ranges`]
//! builds from memory.

use crate::graph::Graph;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// The mean Earth radius in kilometres (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the Earth in degrees.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LatLon {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

impl LatLon {
    /// The great-circle (haversine) distance to `other` in kilometres.
    pub fn distance_km(&self, other: &LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// Per-AS address space, location and country, indexed like the graph it was built for.
#[derive(Clone, Debug, Default)]
pub struct AsGeo {
    /// IPv4 addresses held, per AS index.
    pub addresses: Vec<u64>,
    /// Location (see the module documentation), per AS index; NaN latitude when unknown.
    locations: Vec<(f32, f32)>,
    /// Country (ISO 3166-1 alpha-2, upper case), `[0, 0]` when unknown.
    countries: Vec<[u8; 2]>,
}

/// One IPv4 range of the range file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First address.
    pub first: Ipv4Addr,
    /// Last address (inclusive).
    pub last: Ipv4Addr,
    /// The AS announcing it.
    pub asn: u32,
}

/// What a database says about one address.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Place {
    /// Coordinates, when known.
    pub location: Option<LatLon>,
    /// Country code, when known.
    pub country: Option<[u8; 2]>,
}

/// Why geo data could not be loaded.
#[derive(Debug)]
pub enum GeoError {
    /// Reading a file failed.
    Io(String, std::io::Error),
    /// A range line did not parse (1-based line number, the line).
    Line(usize, String),
    /// The MaxMind database could not be opened or read.
    Database(String),
}

impl std::fmt::Display for GeoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GeoError::Io(path, error) => write!(f, "{path}: {error}"),
            GeoError::Line(line, text) => write!(f, "line {line}: not first,last,asn,...: {text}"),
            GeoError::Database(message) => write!(f, "geo database: {message}"),
        }
    }
}

impl std::error::Error for GeoError {}

/// Parses `first,last,asn,organisation` lines (a header line, blank lines and IPv6 ranges are skipped;
/// the organisation may be quoted and is not kept).
pub fn parse_ranges(reader: impl BufRead) -> Result<Vec<Range>, GeoError> {
    let mut ranges = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| GeoError::Io("ranges".into(), e))?;
        let mut fields = line.splitn(4, ',');
        let (Some(first), Some(last), Some(asn)) = (fields.next(), fields.next(), fields.next())
        else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(GeoError::Line(number + 1, line));
        };
        let (first, last, asn) = (first.trim(), last.trim(), asn.trim());
        if first.contains(':') {
            continue;
        }
        match (first.parse(), last.parse(), asn.parse()) {
            (Ok(first), Ok(last), Ok(asn)) if first <= last => {
                ranges.push(Range { first, last, asn })
            }
            _ if number == 0 => continue,
            _ => return Err(GeoError::Line(number + 1, line)),
        }
    }
    Ok(ranges)
}

/// Loads the range file (gzip when its name ends in `.gz`) and, when given, the MaxMind City database,
/// and places the ASes of `graph`.
pub fn load(graph: &Graph, ranges: &Path, mmdb: Option<&Path>) -> Result<AsGeo, GeoError> {
    let name = ranges.display().to_string();
    let file = std::fs::File::open(ranges).map_err(|e| GeoError::Io(name.clone(), e))?;
    let reader: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let ranges = parse_ranges(BufReader::new(reader))?;
    let Some(mmdb) = mmdb else {
        return Ok(AsGeo::from_ranges(graph, &ranges, |_| Place::default()));
    };
    let bytes = std::fs::read(mmdb).map_err(|e| GeoError::Io(mmdb.display().to_string(), e))?;
    let reader = maxminddb::Reader::from_source(bytes)
        .map_err(|e| GeoError::Database(format!("{}: {e}", mmdb.display())))?;
    // Many ranges share a record: decode each record once.
    let mut cache: HashMap<usize, Place> = HashMap::new();
    let mut failure = None;
    let geo = AsGeo::from_ranges(graph, &ranges, |address| {
        let result = match reader.lookup(IpAddr::V4(address)) {
            Ok(result) => result,
            Err(error) => {
                failure.get_or_insert_with(|| error.to_string());
                return Place::default();
            }
        };
        let Some(offset) = result.offset() else {
            return Place::default();
        };
        if let Some(place) = cache.get(&offset) {
            return *place;
        }
        let place = match globe_geoip::place(&result) {
            Ok(place) => place.map(Place::from).unwrap_or_default(),
            Err(error) => {
                failure.get_or_insert_with(|| error.to_string());
                Place::default()
            }
        };
        cache.insert(offset, place);
        place
    });
    match failure {
        Some(message) => Err(GeoError::Database(message)),
        None => Ok(geo),
    }
}

impl AsGeo {
    /// No data: every AS has 0 addresses and no place.
    pub fn empty(graph: &Graph) -> AsGeo {
        AsGeo {
            addresses: vec![0; graph.len()],
            locations: vec![(f32::NAN, f32::NAN); graph.len()],
            countries: vec![[0, 0]; graph.len()],
        }
    }

    /// Places the ASes of `graph` from `ranges`, asking `locate` about the first address of the ranges
    /// that matter (see the module documentation for the rule).
    pub fn from_ranges(
        graph: &Graph,
        ranges: &[Range],
        mut locate: impl FnMut(Ipv4Addr) -> Place,
    ) -> AsGeo {
        let mut geo = AsGeo::empty(graph);
        let mut largest: Vec<Option<(u64, Ipv4Addr)>> = vec![None; graph.len()];
        let mut by_country: HashMap<(u32, [u8; 2]), u64> = HashMap::new();
        for range in ranges {
            let Some(index) = graph.index(range.asn) else {
                continue;
            };
            let size = u64::from(u32::from(range.last)) - u64::from(u32::from(range.first)) + 1;
            geo.addresses[index as usize] += size;
            let slot = &mut largest[index as usize];
            if slot.is_none_or(|(best, first)| size > best || (size == best && range.first < first))
            {
                *slot = Some((size, range.first));
            }
            if let Some(country) = locate(range.first).country {
                *by_country.entry((index, country)).or_default() += size;
            }
        }
        for (index, slot) in largest.iter().enumerate() {
            if let Some(location) = slot.and_then(|(_, first)| locate(first).location) {
                geo.locations[index] = (location.lat as f32, location.lon as f32);
            }
        }
        let mut best: HashMap<u32, ([u8; 2], u64)> = HashMap::new();
        for (&(index, country), &size) in &by_country {
            let entry = best.entry(index).or_insert((country, size));
            if size > entry.1 || (size == entry.1 && country < entry.0) {
                *entry = (country, size);
            }
        }
        for (index, (country, _)) in best {
            geo.countries[index as usize] = country;
        }
        geo
    }

    /// Number of ASes covered (the graph's size when built for it).
    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    /// True when it covers no AS.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }

    /// The location of AS `index`.
    pub fn location(&self, index: u32) -> Option<LatLon> {
        let &(lat, lon) = self.locations.get(index as usize)?;
        (!lat.is_nan()).then_some(LatLon {
            lat: f64::from(lat),
            lon: f64::from(lon),
        })
    }

    /// The country of AS `index`, as its two-letter code.
    pub fn country(&self, index: u32) -> Option<&str> {
        let code = self.countries.get(index as usize)?;
        (code[0] != 0)
            .then(|| std::str::from_utf8(code).ok())
            .flatten()
    }

    /// The addresses of AS `index` (0 outside the table).
    pub fn addresses_of(&self, index: u32) -> u64 {
        self.addresses.get(index as usize).copied().unwrap_or(0)
    }

    /// Sets AS `index`'s data (tests and hand-made worlds).
    pub fn set(&mut self, index: u32, addresses: u64, place: Place) {
        if let Some(slot) = self.addresses.get_mut(index as usize) {
            *slot = addresses;
            if let Some(location) = place.location {
                self.locations[index as usize] = (location.lat as f32, location.lon as f32);
            }
            if let Some(country) = place.country {
                self.countries[index as usize] = country;
            }
        }
    }
}

impl From<globe_geoip::Place> for Place {
    fn from(place: globe_geoip::Place) -> Place {
        Place {
            location: place.coordinates.map(|at| LatLon {
                lat: at.latitude,
                lon: at.longitude,
            }),
            country: place.country,
        }
    }
}
