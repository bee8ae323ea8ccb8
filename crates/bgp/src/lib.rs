//! globe's BGP library. For now it holds the BGP-4 wire codec ([`wire`]), the prefix and address-family
//! types every later part shares ([`Prefix`], [`AddressFamily`]) and an MRT reader and writer ([`mrt`]);
//! the session state machine, RIB, decision process and policy will live beside them.
//!
//! It does no I/O and needs no runtime: the speaker's TCP shell, the simulator, the fuzzers and the MRT
//! tests all drive the same functions on byte slices. The codec is written here rather than taken from an
//! existing crate because it is the hot path of route ingest (a full table is about a million routes, and
//! a benchmark feeds exactly that): decoding works on borrowed slices without copying the message,
//! [`Prefix`] is an 18-byte `Copy` value so a message's NLRI is one `Vec` and never one allocation per
//! prefix, communities are plain integers, and MRT records hand out their BGP bytes by reference so a
//! reader decodes only what it needs. Every decode error is typed and maps either to a NOTIFICATION
//! (message header, OPEN, fatal UPDATE errors) or to an RFC 7606 attribute action
//! (discard / treat-as-withdraw / session reset); see `docs/design/bgp.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod decision;
pub mod family;
pub mod fsm;
pub mod mrt;
pub mod pack;
pub mod policy;
pub mod prefix;
pub mod restart;
pub mod rib;
pub mod wire;

pub use family::{AddressFamily, Afi, Safi};
pub use prefix::{Prefix, PrefixError};
pub use wire::{DecodeOptions, DecodedMessage, EncodeError, Message, MessageError};
