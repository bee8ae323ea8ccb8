//! The globe lab **world**: a small internet written as TOML — autonomous systems (ASN, name, location,
//! kind), the links between them (provider–customer or peers, with an optional one-way latency) and an
//! anycast service (its prefix, the operator's PoPs and their upstreams, real ASes that originate it).
//!
//! One world is read by two programs: `globe sim` simulates route propagation over it, and the lab
//! (`crates/lab`) emulates it with real packets. `globe sim export-world` writes one from a CAIDA graph.
//! This crate owns only the format: the model ([`World`]), reading it with every mistake reported as
//! `file:line:column` ([`World::parse`], [`World::load`]), checking a model built in code
//! ([`World::validate`]) and writing it back ([`World::to_toml`]; what it writes parses to the same
//! model). It does no I/O beyond [`World::load`] reading the file.
//!
//! ```
//! use globe_world::{Kind, Relationship, World};
//! let text = r#"
//! [[as]]
//! asn = 64496
//! kind = "tier1"
//!
//! [[as]]
//! asn = 64501
//!
//! [[link]]
//! provider = 64496
//! customer = 64501
//! latency_ms = 2.5
//! "#;
//! let world = World::parse(text, "demo.toml".as_ref(), None).expect("valid");
//! // An AS without a kind is a stub when it has no customers, a transit AS otherwise.
//! assert_eq!(world.ases[1].kind, Kind::Stub);
//! assert_eq!(
//!     world.links[0].relationship,
//!     Relationship::ProviderCustomer { provider: 64496, customer: 64501 }
//! );
//! let again = World::parse(&world.to_toml(), "again.toml".as_ref(), None).expect("valid");
//! assert_eq!(again, world);
//! ```
//!
//! The format reference is `docs/lab.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod model;
pub mod read;
pub mod write;

pub use globe_bgp::Prefix;
pub use model::{
    documentation_ranges, in_documentation_range, Anycast, As, At, Coordinates, Invalid, Kind,
    Link, Location, Pop, Problem, Relationship, Service, World, DEFAULT_OPERATOR_ASN,
    MAX_LATENCY_MS, MAX_PREPEND,
};
pub use read::{Airports, WorldError};
