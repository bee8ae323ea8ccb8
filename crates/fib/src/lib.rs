//! globe's kernel FIB shell: installs, replaces and removes the BGP speaker's routes in the Linux
//! forwarding table over rtnetlink, and lists or flushes them by globe's route protocol number.
//!
//! The crate owns only that I/O. It decides nothing: the speaker's decision process (in `globe-bgp`) says
//! which prefix goes to which next hops, and [`Fib`] makes the kernel agree. The pure half, turning a
//! [`Prefix`] and its [`NextHop`]s into an `RTM_NEWROUTE` / `RTM_DELROUTE` message and a dumped route back
//! into a [`Route`], lives in `message.rs` and is tested without a kernel.
//!
//! Which routes are globe's. Every route written carries [`FibConfig::protocol`] (`rtm_protocol`, by
//! default [`GLOBE_PROTOCOL`] = 199, shown by `ip route` as `proto 199`), and [`Fib::routes`] and
//! [`Fib::flush`] look at nothing else, so a crashed run's leftovers can be flushed at start-up without
//! touching kernel, static or other daemons' routes.
//!
//! Speed. A full table is about a million routes. [`Fib::replace_many`] and [`Fib::remove_many`] pack up to
//! [`BATCH_ROUTES`] route messages into one netlink datagram and ask for an acknowledgement only on the
//! last, so the kernel answers once per batch plus once per failed route (see `writer.rs`).
//!
//! [`netns`] is a helper for tests here, in the speaker and in the lab: a network namespace that deletes
//! itself on drop, veth pairs, and running code on a thread inside it.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod fib;
mod message;
pub mod netns;
mod writer;

pub use error::{ConfigError, FibError, RouteFailure};
pub use fib::{Fib, FibConfig, NextHop, Route, GLOBE_PROTOCOL, MAX_NEXT_HOPS};
pub use globe_bgp::Prefix;
pub use writer::BATCH_ROUTES;
