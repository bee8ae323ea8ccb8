//! globe's recursive resolver.
//!
//! The heart is sans-IO: [`engine::Resolver`] is a state machine that is told what arrived and what time
//! it is, and says which query to send where; [`cache::Cache`] holds RRsets and negative answers with
//! TTLs under a memory bound. Neither opens a socket nor reads the clock, so unit tests drive them over a
//! simulated network with a virtual clock, and `globe dig +trace` and the lab use the same code.
//! [`server`] is the thin shell: stub-facing UDP/TCP, one fresh upstream socket per query, timers.
//!
//! # The engine's contract (as in `quinn-proto`)
//! - input: [`engine::Resolver::resolve`] (a stub's question), [`engine::Resolver::handle_response`]
//!   (bytes that arrived on a transmit's socket, with their source),
//!   [`engine::Resolver::handle_failure`] (the transmit could not be sent or its TCP connection failed),
//!   [`engine::Resolver::handle_timeout`] (the time given by `poll_timeout` has come);
//! - output: [`engine::Resolver::poll_transmit`] (a query to send: where, UDP or TCP, the bytes),
//!   [`engine::Resolver::poll_timeout`] (when to call `handle_timeout` next),
//!   [`engine::Resolver::poll_answer`] (finished resolutions).
//!
//! Every call takes `now`; nothing inside reads a clock.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod answer_cache;
pub mod cache;
pub mod engine;
pub mod hints;
pub mod infra;
pub mod server;
pub mod stub;
