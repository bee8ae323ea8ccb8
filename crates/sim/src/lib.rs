//! globe's internet-scale BGP simulator: CAIDA AS graphs in compact index form, and Gao-Rexford
//! propagation of a prefix (anycast origins, hijackers, leakers) under per-AS ROV, ASPA and RFC 9234
//! policies, in milliseconds per propagation on the full 2016 graph.
//!
//! The routing rules are not written here: every AS decides with [`globe_bgp::decision::compare`] and
//! exports with [`globe_bgp::policy`] (valley-free export, OTC, ROV, ASPA), the same functions the speaker
//! runs. This crate owns the graph layout, the propagation order and the per-AS state.
//!
//! ```
//! use globe_sim::{Announcement, GraphBuilder, Policies, Simulation};
//! let mut builder = GraphBuilder::new();
//! builder.provider_customer(1, 2).provider_customer(1, 3).peers(2, 3);
//! let graph = builder.build().expect("valid links");
//! let mut simulation = Simulation::new(&graph);
//! let announcement = Announcement::anycast("192.0.2.0/24".parse().expect("prefix"), [2]);
//! let outcome = simulation.propagate(&announcement, &Policies::none(&graph)).expect("known ASes");
//! // AS 3 prefers its peer's route (LOCAL_PREF 100) to its provider's (50).
//! let route = outcome.route_of(&graph, 3).expect("a route");
//! assert_eq!(graph.asn(route.next_hop), 2);
//! ```
//!
//! The design is in `docs/design/sim.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis;
pub mod announcement;
pub mod asset;
pub mod attack;
pub mod caida;
pub mod catchment;
pub mod engine;
pub mod export;
pub mod forwarding;
pub mod geo;
pub mod graph;
pub mod outcome;
pub mod plot;
pub mod policies;
pub mod sweep;
pub mod world;

pub use announcement::{Announcement, Seed, SeedKind};
pub use asset::{AsSet, UnknownAsn};
pub use engine::{SimError, Simulation};
pub use forwarding::{deliver, Delivery};
pub use graph::{Graph, GraphBuilder, GraphError, Link};
pub use outcome::{Learned, Outcome, RouteView, Source, SourceKind};
pub use policies::{Policies, RouterId, SimConfig};
