//! A globe lab world (`globe_world::World`, format in `docs/lab.md`) as simulator input: its
//! [`Graph`], its per-AS [`AsGeo`] and its anycast set-up, so `globe sim catchment --topology world.toml`
//! simulates the topology the lab emulates.
//!
//! - **Graph**: every `[[as]]` (also one without links), every `[[link]]` in file order (so a
//!   [`GraphError`]'s link numbers are the world's link numbers), the `tier1` ASes as the clique and the
//!   `ixp` ASes as the IXP list. Latencies do not matter to route propagation and are not used.
//! - **Geo**: each AS's `addresses`, coordinates and `country`; what a world leaves out is unknown (0
//!   addresses, no place), as for an AS missing from the range file.
//! - **Anycast**: each `[[anycast.pop]]` becomes a [`Pop`] attached to its upstreams (a pseudo-AS, see
//!   [`crate::catchment`]), then each of `origins` a real-AS PoP named `AS<asn>` as `--origin` makes it;
//!   the operator ASN is `[anycast] asn`. The simulator propagates one prefix: `prefix`, or `prefix6` when
//!   there is no IPv4 one.
//!
//! **IATA locations** are resolved when the world is read — `World::load(path, Some(&airports))`, the
//! CLI passing globe-auth's embedded airport table — because this crate does not depend on globe-auth. A
//! location read without a table has no coordinates here, and counts as unknown (no stretch for that AS
//! or PoP).

use crate::catchment::{Anycast, Pop, ScenarioError};
use crate::geo::{AsGeo, LatLon, Place};
use crate::graph::{Graph, GraphBuilder, GraphError, Link as GraphLink};
use globe_world::{Kind, Location, Relationship};
use std::path::Path;

pub use globe_world::{Airports, Coordinates, World, WorldError};

/// True for a path the CLI should read as a world rather than a CAIDA file: one ending in `.toml`.
pub fn is_world_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "toml")
}

/// The world's AS graph (see the module documentation).
pub fn graph(world: &World) -> Result<Graph, GraphError> {
    let mut builder = GraphBuilder::new();
    for entry in &world.ases {
        builder.add_as(entry.asn);
    }
    for link in &world.links {
        match link.relationship {
            Relationship::ProviderCustomer { provider, customer } => {
                builder.link(provider, customer, GraphLink::ProviderCustomer)
            }
            Relationship::Peers(a, b) => builder.link(a, b, GraphLink::Peer),
        };
    }
    let of_kind = |kind: Kind| {
        world
            .ases
            .iter()
            .filter(move |entry| entry.kind == kind)
            .map(|entry| entry.asn)
    };
    builder.clique(of_kind(Kind::Tier1));
    builder.ixps(of_kind(Kind::Ixp));
    builder.build()
}

/// The world's addresses, locations and countries, indexed like `graph` (built by [`graph`]).
pub fn geo(world: &World, graph: &Graph) -> AsGeo {
    let mut geo = AsGeo::empty(graph);
    for entry in &world.ases {
        let Some(index) = graph.index(entry.asn) else {
            continue;
        };
        let country = entry
            .country
            .as_deref()
            .and_then(|code| <[u8; 2]>::try_from(code.as_bytes()).ok());
        let place = Place {
            location: coordinates(entry.location.as_ref()),
            country,
        };
        geo.set(index, entry.addresses.unwrap_or(0), place);
    }
    geo
}

/// The world's PoPs and origins as simulator PoPs (PoPs first, in file order); empty without
/// `[anycast]`.
pub fn pops(world: &World) -> Vec<Pop> {
    let Some(anycast) = &world.anycast else {
        return Vec::new();
    };
    let sites = anycast.pops.iter().map(|pop| Pop {
        name: pop.name.clone(),
        location: coordinates(pop.location.as_ref()),
        upstreams: pop.upstreams.clone(),
        prepend: pop.prepend,
        no_export: pop.no_export,
        origin: None,
    });
    let origins = anycast.origins.iter().map(|&asn| Pop {
        name: format!("AS{asn}"),
        location: coordinates(world.find(asn).and_then(|entry| entry.location.as_ref())),
        upstreams: Vec::new(),
        prepend: 0,
        no_export: false,
        origin: Some(asn),
    });
    sites.chain(origins).collect()
}

/// The world's anycast service attached to `graph` (built by [`graph`]), or `None` without
/// `[anycast]`.
pub fn anycast(world: &World, graph: &Graph) -> Result<Option<Anycast>, ScenarioError> {
    let Some(service) = &world.anycast else {
        return Ok(None);
    };
    let prefix = service
        .prefix
        .or(service.prefix6)
        .ok_or_else(|| ScenarioError::Invalid("[anycast] has no prefix".into()))?;
    Anycast::new(graph, pops(world), prefix, service.asn).map(Some)
}

/// A world location's coordinates in the simulator's type.
pub fn coordinates(location: Option<&Location>) -> Option<LatLon> {
    let point = location?.coordinates()?;
    Some(LatLon {
        lat: point.lat,
        lon: point.lon,
    })
}
