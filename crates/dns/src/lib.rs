//! globe's DNS library: names, the wire format, messages, record data, EDNS, and RFC 1035 zone files.
//!
//! It does no I/O and needs no runtime: the authoritative server, the resolver, the fuzzers and the tests
//! all drive the same code. The codec is written here rather than taken from `hickory-proto` or
//! `domain` because it is the hot path of every server in globe: names are one flat allocation compared
//! without decoding, responses are written straight into a reused buffer with whole-RRset rollback for
//! truncation, and every error is typed so it maps to FORMERR with a reason.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod edns;
pub mod message;
pub mod name;
pub mod rdata;
pub mod types;
pub mod wire;

pub use edns::{ClientSubnet, Cookie, Edns, EdnsOption};
pub use message::{Header, Message, MessageBuilder, Question, Record, Section};
pub use name::{Name, NameError};
pub use rdata::{RData, Soa, Svcb, TypeBitmap};
pub use types::{Class, Opcode, RType, Rcode};
pub use wire::{Reader, WireError, Writer};
pub mod presentation;
pub mod zonefile;
