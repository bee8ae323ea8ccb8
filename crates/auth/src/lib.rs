//! globe's authoritative DNS server.
//!
//! The core is pure: [`zone`] holds a zone's data, [`answer`] turns query bytes into response bytes.
//! The [`server`] module is the thin tokio shell around it (UDP, TCP, reloads, metrics).
#![deny(missing_docs)]

pub mod answer;
pub mod check;
pub mod config;
pub mod rrl;
pub mod server;
pub mod xfr;
pub mod zone;

pub use answer::{AnswerConfig, Outcome, Responder, ResponseKind, Summary, Transport};
pub use zone::{Node, RRset, Zone, ZoneError, ZoneSet};
