//! DNS messages (RFC 1035 §4.1): the header with all its flags, questions, resource records, and the
//! EDNS OPT record lifted out of the additional section. `Message::parse` decodes untrusted bytes
//! completely or fails with a [`WireError`]; [`MessageBuilder`] writes a response section by section with
//! name compression and whole-RRset rollback when the size limit is reached.

use crate::edns::Edns;
use crate::name::Name;
use crate::rdata::RData;
use crate::types::{Class, Opcode, RType, Rcode};
use crate::wire::{Reader, WireError, Writer};

/// The size of the fixed header.
pub const HEADER_LEN: usize = 12;
/// The UDP payload limit without EDNS (RFC 1035 §4.2.1).
pub const PLAIN_UDP_LIMIT: usize = 512;

/// The message header (RFC 1035 §4.1.1, RFC 2535 for AD/CD).
///
/// ```text
///   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
/// |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Header {
    /// The query ID.
    pub id: u16,
    /// A response.
    pub qr: bool,
    /// The kind of query (4 bits).
    pub opcode: u8,
    /// Authoritative answer.
    pub aa: bool,
    /// Truncated.
    pub tc: bool,
    /// Recursion desired.
    pub rd: bool,
    /// Recursion available.
    pub ra: bool,
    /// The reserved bit; must be zero.
    pub z: bool,
    /// Authentic data.
    pub ad: bool,
    /// Checking disabled.
    pub cd: bool,
    /// The low 4 bits of the response code.
    pub rcode: u8,
}

impl Header {
    /// Decodes the ID and flags from the first four bytes (counts are read by `Message::parse`).
    pub fn parse(bytes: &[u8]) -> Result<Header, WireError> {
        let b = bytes.get(..4).ok_or(WireError::ShortBuffer)?;
        let flags = u16::from_be_bytes([b[2], b[3]]);
        Ok(Header {
            id: u16::from_be_bytes([b[0], b[1]]),
            qr: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0xf) as u8,
            aa: flags & 0x0400 != 0,
            tc: flags & 0x0200 != 0,
            rd: flags & 0x0100 != 0,
            ra: flags & 0x0080 != 0,
            z: flags & 0x0040 != 0,
            ad: flags & 0x0020 != 0,
            cd: flags & 0x0010 != 0,
            rcode: (flags & 0xf) as u8,
        })
    }

    /// The 16 flag bits.
    pub fn flags(&self) -> u16 {
        (u16::from(self.qr) << 15)
            | (u16::from(self.opcode & 0xf) << 11)
            | (u16::from(self.aa) << 10)
            | (u16::from(self.tc) << 9)
            | (u16::from(self.rd) << 8)
            | (u16::from(self.ra) << 7)
            | (u16::from(self.z) << 6)
            | (u16::from(self.ad) << 5)
            | (u16::from(self.cd) << 4)
            | u16::from(self.rcode & 0xf)
    }

    /// The opcode as a typed value.
    pub fn opcode(&self) -> Opcode {
        Opcode(self.opcode)
    }
}

/// A question (RFC 1035 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The name asked about.
    pub name: Name,
    /// The type asked for.
    pub qtype: RType,
    /// The class asked for.
    pub qclass: Class,
}

/// A resource record (RFC 1035 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The owner.
    pub name: Name,
    /// The class.
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The data, which also gives the type.
    pub data: RData,
}

impl Record {
    /// The record's type.
    pub fn rtype(&self) -> RType {
        self.data.rtype()
    }
}

/// The four sections of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Answer.
    Answer,
    /// Authority.
    Authority,
    /// Additional.
    Additional,
}

/// A decoded message.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// Questions (normally one).
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section without the OPT record.
    pub additional: Vec<Record>,
    /// The OPT record's contents, if there was one.
    pub edns: Option<Edns>,
}

impl Message {
    /// Decodes a whole message. Fails on any structural error: counts that overrun the data, trailing
    /// bytes, bad names, RDATA that does not match its type, more than one OPT or an OPT elsewhere than
    /// the additional section.
    pub fn parse(bytes: &[u8]) -> Result<Message, WireError> {
        let header = Header::parse(bytes)?;
        let mut r = Reader::new(bytes);
        r.bytes(4)?;
        let qdcount = r.u16()?;
        let ancount = r.u16()?;
        let nscount = r.u16()?;
        let arcount = r.u16()?;
        let mut message = Message {
            header,
            ..Message::default()
        };
        // Counts are untrusted: grow the vectors as records actually arrive.
        for _ in 0..qdcount {
            let name = r.name()?;
            let qtype = RType(r.u16()?);
            let qclass = Class(r.u16()?);
            message.questions.push(Question {
                name,
                qtype,
                qclass,
            });
        }
        for (count, section) in [
            (ancount, Section::Answer),
            (nscount, Section::Authority),
            (arcount, Section::Additional),
        ] {
            for _ in 0..count {
                let name = r.name()?;
                let rtype = RType(r.u16()?);
                let class = r.u16()?;
                let ttl = r.u32()?;
                let rdlength = r.u16()? as usize;
                if rtype == RType::OPT {
                    if section != Section::Additional || !name.is_root() {
                        return Err(WireError::MisplacedOpt);
                    }
                    if message.edns.is_some() {
                        return Err(WireError::DuplicateOpt);
                    }
                    let rdata = r.bytes(rdlength)?;
                    message.edns = Some(Edns::from_opt(class, ttl, rdata)?);
                    continue;
                }
                let data = RData::parse(rtype, &mut r, rdlength)?;
                let record = Record {
                    name,
                    class: Class(class),
                    ttl,
                    data,
                };
                match section {
                    Section::Answer => message.answers.push(record),
                    Section::Authority => message.authority.push(record),
                    Section::Additional => message.additional.push(record),
                }
            }
        }
        if r.remaining() != 0 {
            return Err(WireError::TrailingData);
        }
        Ok(message)
    }

    /// The full response code, combining the header's 4 bits with EDNS's extended 8.
    pub fn rcode(&self) -> Rcode {
        let high = self
            .edns
            .as_ref()
            .map_or(0, |e| u16::from(e.extended_rcode));
        Rcode((high << 4) | u16::from(self.header.rcode))
    }

    /// Sets the response code, in the header and, for codes above 15, in the OPT record.
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.header.rcode = rcode.header_bits();
        if let Some(edns) = &mut self.edns {
            edns.extended_rcode = rcode.extended_bits();
        }
    }

    /// The first question, if any.
    pub fn question(&self) -> Option<&Question> {
        self.questions.first()
    }

    /// Encodes the message with name compression and no size limit.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut builder = MessageBuilder::new(Writer::with_capacity(512), self.header, usize::MAX);
        for q in &self.questions {
            builder.question(q);
        }
        for (section, records) in [
            (Section::Answer, &self.answers),
            (Section::Authority, &self.authority),
            (Section::Additional, &self.additional),
        ] {
            for record in records {
                // With no limit a push cannot fail.
                let _ = builder.record(section, record);
            }
        }
        if let Some(edns) = &self.edns {
            builder.edns(edns);
        }
        builder.finish()
    }
}

/// The message did not fit in the size limit; what was being added was rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// Writes a message incrementally: header, then questions, then records section by section in order,
/// then optionally the OPT record. Each `record`/`rrset` call either adds everything or nothing.
pub struct MessageBuilder {
    w: Writer,
    limit: usize,
    counts: [u16; 4],
}

impl MessageBuilder {
    /// Starts a message with `header` (counts are filled in by `finish`). `limit` is the largest size
    /// allowed for everything but the OPT record, whose room the caller subtracts.
    pub fn new(mut w: Writer, header: Header, limit: usize) -> MessageBuilder {
        w.truncate(0);
        w.u16(header.id);
        w.u16(header.flags());
        w.bytes(&[0; 8]);
        MessageBuilder {
            w,
            limit,
            counts: [0; 4],
        }
    }

    /// Rewrites the header's flags (e.g. to set TC or change the RCODE late).
    pub fn set_header(&mut self, header: Header) {
        let bytes = self.w.as_bytes_mut();
        bytes[0..2].copy_from_slice(&header.id.to_be_bytes());
        bytes[2..4].copy_from_slice(&header.flags().to_be_bytes());
    }

    /// Adds a question (written uncompressed at the start, so answers can point to it).
    pub fn question(&mut self, q: &Question) {
        self.w.name_compressed(&q.name);
        self.w.u16(q.qtype.0);
        self.w.u16(q.qclass.0);
        self.counts[0] += 1;
    }

    /// Adds one record, or nothing if it would pass the limit.
    pub fn record(&mut self, section: Section, record: &Record) -> Result<(), Full> {
        self.rrset(
            section,
            &record.name,
            record.class,
            record.ttl,
            std::slice::from_ref(&record.data),
        )
    }

    /// Adds an RRset (all records share owner, class and TTL), or nothing if it would pass the limit.
    pub fn rrset(
        &mut self,
        section: Section,
        owner: &Name,
        class: Class,
        ttl: u32,
        rdatas: &[RData],
    ) -> Result<(), Full> {
        let start = self.w.len();
        for rdata in rdatas {
            self.w.name_compressed(owner);
            self.w.u16(rdata.rtype().0);
            self.w.u16(class.0);
            self.w.u32(ttl);
            let length_at = self.w.len();
            self.w.u16(0);
            rdata.emit(&mut self.w);
            let rdlength = (self.w.len() - length_at - 2) as u16;
            self.w.set_u16(length_at, rdlength);
            if self.w.len() > self.limit {
                self.w.truncate(start);
                return Err(Full);
            }
        }
        self.counts[section_index(section)] += rdatas.len() as u16;
        Ok(())
    }

    /// Appends the OPT record (always fits: its room is outside the limit).
    pub fn edns(&mut self, edns: &Edns) {
        edns.emit(&mut self.w);
        self.counts[3] += 1;
    }

    /// The number of records in a section so far.
    pub fn count(&self, section: Section) -> u16 {
        self.counts[section_index(section)]
    }

    /// The size so far.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// Whether only the header is written.
    pub fn is_empty(&self) -> bool {
        self.w.len() <= HEADER_LEN
    }

    /// Writes the counts and returns the bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let counts = self.counts;
        for (i, count) in counts.iter().enumerate() {
            self.w.set_u16(4 + 2 * i, *count);
        }
        self.w.into_bytes()
    }
}

fn section_index(section: Section) -> usize {
    match section {
        Section::Answer => 1,
        Section::Authority => 2,
        Section::Additional => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_flags_round_trip() {
        let header = Header {
            id: 0xbeef,
            qr: true,
            opcode: 4,
            aa: true,
            tc: false,
            rd: true,
            ra: false,
            z: false,
            ad: true,
            cd: true,
            rcode: 3,
        };
        let mut bytes = header.id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&header.flags().to_be_bytes());
        assert_eq!(Header::parse(&bytes).expect("4 bytes"), header);
    }

    #[test]
    fn rrset_rolls_back_when_full() {
        let owner: Name = "example.".parse().expect("valid");
        let mut b = MessageBuilder::new(Writer::with_capacity(64), Header::default(), 40);
        let big = vec![RData::A("192.0.2.1".parse().expect("ip")); 3];
        assert_eq!(
            b.rrset(Section::Answer, &owner, Class::IN, 60, &big),
            Err(Full)
        );
        assert_eq!(b.len(), HEADER_LEN);
        assert_eq!(
            b.rrset(Section::Answer, &owner, Class::IN, 60, &big[..1]),
            Ok(())
        );
        assert_eq!(b.count(Section::Answer), 1);
    }

    #[test]
    fn opt_outside_additional_is_an_error() {
        // Header with ANCOUNT 1, then an OPT record in the answer section.
        let mut bytes = vec![0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        bytes.extend_from_slice(&[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Message::parse(&bytes), Err(WireError::MisplacedOpt));
    }
}
