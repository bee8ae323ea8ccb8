//! globe's authoritative DNS server.
//!
//! The core is pure: [`zone`] holds a zone's data, [`answer`] turns query bytes into response bytes,
//! [`xfr`] answers and reads zone transfers, [`secondary`] decides when a secondary zone refreshes and
//! [`notify`] when NOTIFYs are sent; [`steering`] decides region-specific answers (geo steering). The
//! [`server`] module is the thin tokio shell around them (UDP, TCP, transfers, reloads, metrics).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod answer;
pub mod check;
pub mod config;
pub mod dnssec;
pub mod health;
pub mod notify;
pub mod rrl;
pub mod secondary;
pub mod serial;
pub mod server;
pub mod steering;
pub mod xfr;
pub mod zone;

pub use answer::{AnswerConfig, Outcome, Responder, ResponseKind, Summary, Transport};
pub use zone::{Node, RRset, Zone, ZoneError, ZoneSet};
