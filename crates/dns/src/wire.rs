//! Reading and writing the DNS wire format: a bounds-checked cursor over untrusted bytes that follows
//! compression pointers safely (RFC 1035 §4.1.4), and a writer that compresses names and can roll back a
//! record that would overflow the size limit (for truncation).

use crate::name::{Name, MAX_NAME_LEN};
use std::fmt;

/// Why a message could not be decoded. Every variant maps to FORMERR for a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The message ends inside a field.
    ShortBuffer,
    /// A label type other than a normal label or a pointer (0x40, 0x80 prefixes).
    BadLabelType,
    /// A compression pointer points at or after itself (which also rules out loops), or a name follows
    /// more than [`MAX_POINTERS`] of them.
    BadPointer,
    /// A label is longer than 63 octets.
    LabelTooLong,
    /// A name is longer than 255 octets once decompressed.
    NameTooLong,
    /// RDATA does not match its RDLENGTH or its type's format.
    BadRdata(&'static str),
    /// Bytes are left after the last record the header announced.
    TrailingData,
    /// More than one OPT record (RFC 6891 §6.1.1).
    DuplicateOpt,
    /// An OPT record outside the additional section or with an owner other than the root.
    MisplacedOpt,
    /// An EDNS option is malformed (e.g. an ECS option with bits set past its prefix).
    BadEdnsOption(&'static str),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::ShortBuffer => f.write_str("message too short"),
            WireError::BadLabelType => f.write_str("bad label type"),
            WireError::BadPointer => {
                f.write_str("compression pointer not pointing backwards, or too many of them")
            }
            WireError::LabelTooLong => f.write_str("label longer than 63 octets"),
            WireError::NameTooLong => f.write_str("name longer than 255 octets"),
            WireError::BadRdata(what) => write!(f, "bad RDATA: {what}"),
            WireError::TrailingData => f.write_str("trailing data after the last record"),
            WireError::DuplicateOpt => f.write_str("more than one OPT record"),
            WireError::MisplacedOpt => {
                f.write_str("OPT record outside the additional section or not at the root")
            }
            WireError::BadEdnsOption(what) => write!(f, "bad EDNS option: {what}"),
        }
    }
}

impl std::error::Error for WireError {}

/// The most compression pointers one name may follow: one before each of its at most 127 labels and
/// one before the root label. Only pointers to pointers need more, and without a bound a chain of them
/// costs a walk of up to 8,000 hops for every name that points at it (RFC 9267 §2): about 150 ms for
/// one 64 KiB message.
pub const MAX_POINTERS: usize = 128;

/// A cursor over a whole message; names may point anywhere before them in `message`.
#[derive(Clone)]
pub struct Reader<'a> {
    message: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `message`.
    pub fn new(message: &'a [u8]) -> Reader<'a> {
        Reader { message, pos: 0 }
    }

    /// The current offset.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.message.len() - self.pos
    }

    /// Reads `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(len).ok_or(WireError::ShortBuffer)?;
        let out = self
            .message
            .get(self.pos..end)
            .ok_or(WireError::ShortBuffer)?;
        self.pos = end;
        Ok(out)
    }

    /// Reads one octet.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.bytes(1)?[0])
    }

    /// Reads a big-endian 16-bit integer.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Reads a big-endian 32-bit integer.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a name, following compression pointers. A pointer must point before the label that holds
    /// it, so decoding always ends; the decompressed name must fit in 255 octets, and at most
    /// [`MAX_POINTERS`] pointers are followed.
    pub fn name(&mut self) -> Result<Name, WireError> {
        let mut wire = Vec::with_capacity(32);
        let mut pos = self.pos;
        let mut resume: Option<usize> = None;
        let mut pointers = 0;
        loop {
            let len = *self.message.get(pos).ok_or(WireError::ShortBuffer)?;
            match len & 0xc0 {
                0x00 => {
                    let len = len as usize;
                    let label = self
                        .message
                        .get(pos + 1..pos + 1 + len)
                        .ok_or(WireError::ShortBuffer)?;
                    wire.push(len as u8);
                    wire.extend_from_slice(label);
                    if wire.len() > MAX_NAME_LEN {
                        return Err(WireError::NameTooLong);
                    }
                    pos += 1 + len;
                    if len == 0 {
                        break;
                    }
                }
                0xc0 => {
                    let low = *self.message.get(pos + 1).ok_or(WireError::ShortBuffer)?;
                    let target = (((len & 0x3f) as usize) << 8) | low as usize;
                    pointers += 1;
                    if target >= pos || pointers > MAX_POINTERS {
                        return Err(WireError::BadPointer);
                    }
                    if resume.is_none() {
                        resume = Some(pos + 2);
                    }
                    pos = target;
                }
                _ => return Err(WireError::BadLabelType),
            }
        }
        self.pos = resume.unwrap_or(pos);
        Name::from_wire(&wire).map_err(|_| WireError::NameTooLong)
    }

    /// Reads an uncompressed name, as inside RDATA of types defined after RFC 1035 (RFC 3597 §4).
    pub fn uncompressed_name(&mut self) -> Result<Name, WireError> {
        let start = self.pos;
        loop {
            let len = self.u8()?;
            if len & 0xc0 != 0 {
                return Err(WireError::BadLabelType);
            }
            if len == 0 {
                break;
            }
            self.bytes(len as usize)?;
            if self.pos - start > MAX_NAME_LEN {
                return Err(WireError::NameTooLong);
            }
        }
        Name::from_wire(&self.message[start..self.pos]).map_err(|_| WireError::NameTooLong)
    }

    /// A reader limited to the next `len` bytes that still sees the whole message for pointers, and
    /// advances this reader past them.
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, WireError> {
        let end = self.pos.checked_add(len).ok_or(WireError::ShortBuffer)?;
        if end > self.message.len() {
            return Err(WireError::ShortBuffer);
        }
        let sub = Reader {
            message: &self.message[..end],
            pos: self.pos,
        };
        self.pos = end;
        Ok(sub)
    }
}

/// Most names remembered for compression in one message; beyond it names are written in full. Keeps the
/// linear search bounded for large AXFR messages.
const COMPRESSION_TABLE_LIMIT: usize = 128;

/// Builds a message, compressing names against those already written.
pub struct Writer {
    buf: Vec<u8>,
    /// Offsets of name suffixes already in `buf` that a pointer may target.
    names: Vec<u16>,
    /// Whether `name_compressed` may write pointers (off for canonical RDATA, digests, comparisons).
    compress: bool,
}

impl Writer {
    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(capacity),
            names: Vec::with_capacity(16),
            compress: true,
        }
    }

    /// An empty writer reusing a buffer (cleared).
    pub fn from_buffer(mut buf: Vec<u8>) -> Writer {
        buf.clear();
        Writer {
            buf,
            names: Vec::with_capacity(16),
            compress: true,
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes, mutable (for patching header counts).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// The number of bytes written.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is written yet.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Gives up the buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Forgets everything written from `len` on, including names remembered there.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
        self.names.retain(|&offset| (offset as usize) < len);
    }

    /// Writes one octet.
    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    /// Writes a big-endian 16-bit integer.
    pub fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes a big-endian 32-bit integer.
    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes bytes as they are.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Overwrites a 16-bit integer at `offset` (e.g. an RDLENGTH once the RDATA is written).
    pub fn set_u16(&mut self, offset: usize, value: u16) {
        self.buf[offset..offset + 2].copy_from_slice(&value.to_be_bytes());
    }

    /// Writes a name uncompressed (it can still be a pointer target for later names).
    pub fn name_uncompressed(&mut self, name: &Name) {
        let wire = name.as_wire();
        let mut pos = 0;
        while wire[pos] != 0 {
            self.remember(self.buf.len() + pos);
            pos += 1 + wire[pos] as usize;
        }
        self.buf.extend_from_slice(wire);
    }

    /// An empty writer that never compresses: `name_compressed` writes names in full.
    pub fn uncompressed(capacity: usize) -> Writer {
        Writer {
            compress: false,
            ..Writer::with_capacity(capacity)
        }
    }

    /// Writes a name, replacing its longest suffix already in the message with a pointer.
    pub fn name_compressed(&mut self, name: &Name) {
        if !self.compress {
            self.buf.extend_from_slice(name.as_wire());
            return;
        }
        let wire = name.as_wire();
        let mut pos = 0;
        while wire[pos] != 0 {
            let suffix = &wire[pos..];
            if let Some(target) = self.find(suffix) {
                self.buf.extend_from_slice(&wire[..pos]);
                self.u16(0xc000 | target);
                return;
            }
            self.remember(self.buf.len() + pos);
            pos += 1 + wire[pos] as usize;
        }
        self.buf.extend_from_slice(wire);
    }

    fn remember(&mut self, offset: usize) {
        if offset < 0x3fff && self.names.len() < COMPRESSION_TABLE_LIMIT {
            self.names.push(offset as u16);
        }
    }

    fn find(&self, suffix: &[u8]) -> Option<u16> {
        self.names
            .iter()
            .copied()
            .find(|&offset| self.matches_at(offset as usize, suffix))
    }

    /// Whether the (possibly compressed) name at `offset` in the buffer equals `suffix`, ignoring case.
    fn matches_at(&self, mut offset: usize, suffix: &[u8]) -> bool {
        let mut pos = 0;
        // Pointers we wrote always go backwards, so this walk ends.
        loop {
            let Some(&len) = self.buf.get(offset) else {
                return false;
            };
            if len & 0xc0 == 0xc0 {
                let Some(&low) = self.buf.get(offset + 1) else {
                    return false;
                };
                offset = (((len & 0x3f) as usize) << 8) | low as usize;
                continue;
            }
            let len = len as usize;
            if suffix.get(pos) != Some(&(len as u8)) {
                return false;
            }
            if len == 0 {
                return true;
            }
            let (Some(mine), Some(theirs)) = (
                self.buf.get(offset + 1..offset + 1 + len),
                suffix.get(pos + 1..pos + 1 + len),
            ) else {
                return false;
            };
            if !mine.eq_ignore_ascii_case(theirs) {
                return false;
            }
            offset += 1 + len;
            pos += 1 + len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trip() {
        let mut w = Writer::with_capacity(512);
        let a: Name = "www.example.com.".parse().expect("valid");
        let b: Name = "mail.EXAMPLE.com.".parse().expect("valid");
        w.name_compressed(&a);
        let second = w.len();
        w.name_compressed(&b);
        w.name_compressed(&a);
        assert_eq!(w.len(), second + 5 + 2 + 2);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.name().expect("first"), a);
        assert_eq!(r.name().expect("second"), b);
        assert_eq!(r.name().expect("third"), a);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn pointer_loops_and_forward_pointers_fail() {
        assert_eq!(
            Reader::new(&[0xc0, 0x00]).name(),
            Err(WireError::BadPointer)
        );
        assert_eq!(
            Reader::new(&[0xc0, 0x02, 0x00]).name(),
            Err(WireError::BadPointer)
        );
        assert_eq!(
            Reader::new(&[0x40, 0x00]).name(),
            Err(WireError::BadLabelType)
        );
        assert_eq!(
            Reader::new(&[0x03, b'a']).name(),
            Err(WireError::ShortBuffer)
        );
    }

    #[test]
    fn overlong_names_fail() {
        let mut bytes = Vec::new();
        for _ in 0..5 {
            bytes.push(63);
            bytes.extend_from_slice(&[b'a'; 63]);
        }
        bytes.push(0);
        assert_eq!(Reader::new(&bytes).name(), Err(WireError::NameTooLong));
    }
}
