//! Zone transfers in: the AXFR or IXFR request a secondary sends, the response stream read one message
//! at a time ([`TransferReader`]), and the new version of the zone built from it ([`apply`]).
//!
//! The reader tells the three forms of an IXFR response apart (RFC 1995 §4) the way BIND and Knot do:
//!
//! ```text
//! SOA(n) where n is not newer than ours          -> up to date
//! SOA(n) SOA(ours) removed.. SOA(m) added.. ... SOA(n)   -> incremental, one sequence per version
//! SOA(n) any-record-but-SOA ... SOA(n)           -> the whole zone (AXFR form)
//! ```
//!
//! An AXFR response (RFC 5936 §2.2) is always the last form. The reader checks every message (ID, QR,
//! RCODE, question), the SOA framing and a record budget; out-of-zone records are ignored as RFC 5936
//! §3.3 asks.

use super::journal::{soa_serial, Diff};
use crate::serial::Serial;
use crate::zone::{Zone, ZoneError};
use globe_dns::{
    Class, Header, Message, MessageBuilder, Name, Question, RData, RType, Rcode, Record, Section,
    Writer,
};
use std::collections::HashMap;
use std::fmt;

/// The most records one transfer may bring (a memory bound against a runaway primary: about 100 bytes
/// each, so about 1 GiB).
pub const MAX_TRANSFER_RECORDS: usize = 10_000_000;

/// What to ask a primary for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The whole zone (RFC 5936).
    Axfr,
    /// The changes since the version whose SOA record this is (RFC 1995 §3).
    Ixfr(Record),
}

impl Request {
    /// The query type.
    pub fn qtype(&self) -> RType {
        match self {
            Request::Axfr => RType::AXFR,
            Request::Ixfr(_) => RType::IXFR,
        }
    }

    /// The request message for `origin` with this ID. An IXFR carries our SOA in the authority
    /// section (RFC 1995 §3).
    pub fn to_wire(&self, origin: &Name, id: u16) -> Vec<u8> {
        let header = Header {
            id,
            ..Header::default()
        };
        let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
        builder.question(&Question {
            name: origin.clone(),
            qtype: self.qtype(),
            qclass: Class::IN,
        });
        if let Request::Ixfr(soa) = self {
            // No size limit, so this cannot fail.
            let _ = builder.record(Section::Authority, soa);
        }
        builder.finish()
    }
}

/// A complete transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// The primary has nothing newer than our version; its SOA record.
    UpToDate(Record),
    /// The whole zone, SOA first (once).
    Full(Vec<Record>),
    /// The changes from our version to the primary's, oldest first.
    Incremental(Vec<Diff>),
}

impl Transfer {
    /// The serial the transfer brings the zone to.
    pub fn serial(&self) -> Option<u32> {
        match self {
            Transfer::UpToDate(soa) => soa_serial(soa),
            Transfer::Full(records) => records.first().and_then(soa_serial),
            Transfer::Incremental(diffs) => diffs.last().map(Diff::to_serial),
        }
    }
}

/// Why a transfer response was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferError {
    /// A message had an RCODE other than NOERROR (REFUSED, NOTAUTH, NOTIMP...).
    Rcode(Rcode),
    /// A message was not a response to our request (ID, QR, opcode, TC or question differ).
    NotOurResponse,
    /// The first record is not the zone's SOA.
    NoLeadingSoa,
    /// An SOA record appeared where the framing does not allow one.
    MisplacedSoa,
    /// A message carried no records before the transfer ended.
    EmptyMessage,
    /// Records followed the closing SOA.
    TrailingRecords,
    /// An incremental sequence does not start from the version before it.
    BrokenChain {
        /// The serial expected.
        expected: u32,
        /// The serial found.
        found: u32,
    },
    /// More than [`MAX_TRANSFER_RECORDS`].
    TooManyRecords,
    /// The stream ended before the closing SOA.
    Incomplete,
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::Rcode(rcode) => write!(f, "primary answered {rcode}"),
            TransferError::NotOurResponse => f.write_str("a message did not answer our request"),
            TransferError::NoLeadingSoa => f.write_str("the transfer does not start with the SOA"),
            TransferError::MisplacedSoa => f.write_str("an SOA record out of place"),
            TransferError::EmptyMessage => f.write_str("a message without records"),
            TransferError::TrailingRecords => f.write_str("records after the closing SOA"),
            TransferError::BrokenChain { expected, found } => write!(
                f,
                "an incremental sequence starts at serial {found}, expected {expected}"
            ),
            TransferError::TooManyRecords => {
                write!(f, "more than {MAX_TRANSFER_RECORDS} records")
            }
            TransferError::Incomplete => f.write_str("the stream ended before the closing SOA"),
        }
    }
}

impl std::error::Error for TransferError {}

/// Where the reader is in the stream.
#[derive(Debug)]
enum Stage {
    /// Before the first record.
    Start,
    /// After the opening SOA of an IXFR response whose serial is newer than ours; the next record tells
    /// the form.
    Opened,
    /// Reading the whole zone.
    Full(Vec<Record>),
    /// Reading the removed records of a sequence.
    Removed(Vec<Diff>, Diff),
    /// Reading the added records of a sequence.
    Added(Vec<Diff>, Diff),
    /// The closing SOA was read.
    Done,
}

/// Reads a transfer response one message at a time (a sans-IO parser: the shell reads the TCP stream).
#[derive(Debug)]
pub struct TransferReader {
    origin: Name,
    id: u16,
    qtype: RType,
    /// Our serial for IXFR; `None` for AXFR.
    ours: Option<u32>,
    /// The opening SOA record (the primary's version).
    opening: Option<Record>,
    stage: Stage,
    records: usize,
    ignored: usize,
}

impl TransferReader {
    /// A reader for the response to `request` for `origin` sent with `id`.
    pub fn new(origin: &Name, request: &Request, id: u16) -> TransferReader {
        TransferReader {
            origin: origin.clone(),
            id,
            qtype: request.qtype(),
            ours: match request {
                Request::Axfr => None,
                Request::Ixfr(soa) => soa_serial(soa),
            },
            opening: None,
            stage: Stage::Start,
            records: 0,
            ignored: 0,
        }
    }

    /// The number of out-of-zone records ignored so far.
    pub fn ignored(&self) -> usize {
        self.ignored
    }

    /// Reads the next message. Returns the transfer when this message completed it, `None` when more
    /// messages must follow.
    pub fn read(&mut self, message: &Message) -> Result<Option<Transfer>, TransferError> {
        self.check(message)?;
        if message.rcode() != Rcode::NOERROR {
            return Err(TransferError::Rcode(message.rcode()));
        }
        if message.answers.is_empty() {
            return Err(TransferError::EmptyMessage);
        }
        let mut finished = None;
        for record in &message.answers {
            if finished.is_some() {
                return Err(TransferError::TrailingRecords);
            }
            if !record.name.is_subdomain_of(&self.origin) {
                self.ignored += 1;
                continue;
            }
            self.records += 1;
            if self.records > MAX_TRANSFER_RECORDS {
                return Err(TransferError::TooManyRecords);
            }
            finished = self.record(record.clone())?;
        }
        Ok(finished)
    }

    /// Checks, once the stream has ended, that the transfer was complete. (An IXFR response that is only
    /// the opening SOA with a newer serial is incomplete: the form was to be told by the next message.)
    pub fn finish(&self) -> Result<(), TransferError> {
        match self.stage {
            Stage::Done => Ok(()),
            _ => Err(TransferError::Incomplete),
        }
    }

    fn check(&self, message: &Message) -> Result<(), TransferError> {
        let header = &message.header;
        if header.id != self.id || !header.qr || header.opcode != 0 || header.tc {
            return Err(TransferError::NotOurResponse);
        }
        if let Some(question) = message.question() {
            if question.name != self.origin || question.qtype != self.qtype {
                return Err(TransferError::NotOurResponse);
            }
        }
        Ok(())
    }

    fn record(&mut self, record: Record) -> Result<Option<Transfer>, TransferError> {
        let serial = soa_serial(&record).filter(|_| record.name == self.origin);
        if record.rtype() == RType::SOA && serial.is_none() {
            // An SOA below the apex is not zone data anyone can serve.
            return Err(TransferError::MisplacedSoa);
        }
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        let (next, finished) = match stage {
            Stage::Start => {
                let Some(serial) = serial else {
                    return Err(TransferError::NoLeadingSoa);
                };
                self.opening = Some(record.clone());
                match self.ours {
                    Some(ours) if !Serial(serial).is_newer_than(Serial(ours)) => {
                        (Stage::Done, Some(Transfer::UpToDate(record)))
                    }
                    Some(_) => (Stage::Opened, None),
                    None => (Stage::Full(vec![record]), None),
                }
            }
            Stage::Opened => match (serial, self.ours) {
                (Some(serial), Some(ours)) if serial == ours => (
                    Stage::Removed(
                        Vec::new(),
                        Diff {
                            from: record.clone(),
                            to: record,
                            removed: Vec::new(),
                            added: Vec::new(),
                        },
                    ),
                    None,
                ),
                (Some(_), _) => return Err(TransferError::MisplacedSoa),
                (None, _) => {
                    let opening = self.opening.clone().ok_or(TransferError::NoLeadingSoa)?;
                    (Stage::Full(vec![opening, record]), None)
                }
            },
            Stage::Full(mut records) => match serial {
                None => {
                    records.push(record);
                    (Stage::Full(records), None)
                }
                Some(serial) if Some(serial) == self.opening_serial() => {
                    (Stage::Done, Some(Transfer::Full(records)))
                }
                Some(_) => return Err(TransferError::MisplacedSoa),
            },
            Stage::Removed(diffs, mut diff) => match serial {
                None => {
                    diff.removed.push(record);
                    (Stage::Removed(diffs, diff), None)
                }
                Some(_) => {
                    diff.to = record;
                    (Stage::Added(diffs, diff), None)
                }
            },
            Stage::Added(mut diffs, mut diff) => match serial {
                None => {
                    diff.added.push(record);
                    (Stage::Added(diffs, diff), None)
                }
                Some(serial) => {
                    let last = diff.to_serial();
                    diffs.push(diff);
                    if Some(serial) == self.opening_serial() && last == serial {
                        (Stage::Done, Some(Transfer::Incremental(diffs)))
                    } else if serial == last {
                        let from = record.clone();
                        (
                            Stage::Removed(
                                diffs,
                                Diff {
                                    from,
                                    to: record,
                                    removed: Vec::new(),
                                    added: Vec::new(),
                                },
                            ),
                            None,
                        )
                    } else {
                        return Err(TransferError::BrokenChain {
                            expected: last,
                            found: serial,
                        });
                    }
                }
            },
            Stage::Done => return Err(TransferError::TrailingRecords),
        };
        self.stage = next;
        Ok(finished)
    }

    fn opening_serial(&self) -> Option<u32> {
        self.opening.as_ref().and_then(soa_serial)
    }
}

/// Why an incremental transfer could not be applied to the zone held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// The first sequence does not start at the zone's serial.
    WrongStart {
        /// The zone's serial.
        zone: u32,
        /// Where the diffs start.
        diff: u32,
    },
    /// A record to remove is not in the zone.
    MissingRecord(Box<Record>),
    /// The result is not a valid zone.
    Zone(ZoneError),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::WrongStart { zone, diff } => {
                write!(f, "changes start at serial {diff}, the zone is at {zone}")
            }
            ApplyError::MissingRecord(record) => {
                write!(f, "record to remove is not in the zone: {record}")
            }
            ApplyError::Zone(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ApplyError {}

/// Builds the new version of a zone from a transfer: the records of a full one, or the zone held with
/// each incremental sequence applied in turn (removals, then additions, RFC 1995 §4). Records are
/// matched by owner, class and data; a TTL may differ.
pub fn apply(zone: Option<&Zone>, transfer: Transfer) -> Result<Option<Zone>, ApplyError> {
    match transfer {
        Transfer::UpToDate(_) => Ok(None),
        Transfer::Full(records) => {
            let origin = zone.map(Zone::origin);
            Zone::from_records(origin, records)
                .map(Some)
                .map_err(ApplyError::Zone)
        }
        Transfer::Incremental(diffs) => {
            let Some(zone) = zone else {
                // Without a zone there is nothing to apply to; callers ask for AXFR then.
                return Err(ApplyError::WrongStart {
                    zone: 0,
                    diff: diffs.first().map_or(0, Diff::from_serial),
                });
            };
            let mut records: HashMap<(Name, Class, RData), u32> = zone
                .records()
                .into_iter()
                .filter(|r| r.rtype() != RType::SOA)
                .map(|r| ((r.name, r.class, r.data), r.ttl))
                .collect();
            let mut soa = zone.records().into_iter().next();
            let mut serial = zone.serial();
            for diff in diffs {
                let to_serial = diff.to_serial();
                if diff.from_serial() != serial {
                    return Err(ApplyError::WrongStart {
                        zone: serial,
                        diff: diff.from_serial(),
                    });
                }
                for record in diff.removed {
                    let key = (record.name, record.class, record.data);
                    if records.remove(&key).is_none() {
                        let (name, class, data) = key;
                        return Err(ApplyError::MissingRecord(Box::new(Record {
                            name,
                            class,
                            ttl: record.ttl,
                            data,
                        })));
                    }
                }
                for record in diff.added {
                    records.insert((record.name, record.class, record.data), record.ttl);
                }
                serial = to_serial;
                soa = Some(diff.to);
            }
            let mut list: Vec<Record> = soa.into_iter().collect();
            list.extend(
                records
                    .into_iter()
                    .map(|((name, class, data), ttl)| Record {
                        name,
                        class,
                        ttl,
                        data,
                    }),
            );
            Zone::from_records(Some(zone.origin()), list)
                .map(Some)
                .map_err(ApplyError::Zone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xfr::journal::diff;
    use crate::xfr::test_support::{name, record, zone};

    fn response(id: u16, qtype: RType, records: &[Record]) -> Message {
        Message {
            header: Header {
                id,
                qr: true,
                aa: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: name("example."),
                qtype,
                qclass: Class::IN,
            }],
            answers: records.to_vec(),
            ..Message::default()
        }
    }

    fn soa(serial: u32) -> Record {
        record(&format!(
            "@ 3600 IN SOA ns.example. host.example. {serial} 3600 600 86400 300"
        ))
    }

    #[test]
    fn request_carries_our_soa_for_ixfr() {
        let request = Request::Ixfr(soa(7));
        let message = Message::parse(&request.to_wire(&name("example."), 99)).expect("valid");
        assert_eq!(message.header.id, 99);
        assert_eq!(message.questions[0].qtype, RType::IXFR);
        assert_eq!(message.authority, vec![soa(7)]);
    }

    #[test]
    fn axfr_over_several_messages() {
        let origin = name("example.");
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 5);
        let ns = record("@ 3600 IN NS ns.example.");
        let a = record("ns 3600 IN A 192.0.2.1");
        let first = response(5, RType::AXFR, &[soa(3), ns.clone()]);
        let mut second = response(5, RType::AXFR, &[a.clone(), soa(3)]);
        second.questions.clear();
        assert_eq!(reader.read(&first), Ok(None));
        assert_eq!(
            reader.read(&second),
            Ok(Some(Transfer::Full(vec![soa(3), ns, a])))
        );
        assert_eq!(reader.finish(), Ok(()));
    }

    #[test]
    fn ixfr_single_soa_means_up_to_date() {
        let origin = name("example.");
        let mut reader = TransferReader::new(&origin, &Request::Ixfr(soa(3)), 1);
        assert_eq!(
            reader.read(&response(1, RType::IXFR, &[soa(3)])),
            Ok(Some(Transfer::UpToDate(soa(3))))
        );
    }

    #[test]
    fn ixfr_incremental_two_sequences() {
        let origin = name("example.");
        let mut reader = TransferReader::new(&origin, &Request::Ixfr(soa(1)), 1);
        let old = record("a 300 IN A 192.0.2.1");
        let mid = record("a 300 IN A 192.0.2.2");
        let new = record("b 300 IN A 192.0.2.3");
        // The opening SOA alone in the first message: the form is only known from the next one.
        assert_eq!(reader.read(&response(1, RType::IXFR, &[soa(3)])), Ok(None));
        let rest = [
            soa(1),
            old.clone(),
            soa(2),
            mid.clone(),
            soa(2),
            soa(3),
            new.clone(),
            soa(3),
        ];
        let Ok(Some(Transfer::Incremental(diffs))) = reader.read(&response(1, RType::IXFR, &rest))
        else {
            panic!("an incremental transfer");
        };
        assert_eq!(diffs.len(), 2);
        assert_eq!(diffs[0].removed, vec![old]);
        assert_eq!(diffs[0].added, vec![mid.clone()]);
        assert_eq!((diffs[1].from_serial(), diffs[1].to_serial()), (2, 3));
        assert!(diffs[1].removed.is_empty());
        assert_eq!(diffs[1].added, vec![new]);
    }

    #[test]
    fn ixfr_answered_in_axfr_form() {
        let origin = name("example.");
        let mut reader = TransferReader::new(&origin, &Request::Ixfr(soa(1)), 1);
        let ns = record("@ 3600 IN NS ns.example.");
        assert_eq!(
            reader.read(&response(1, RType::IXFR, &[soa(2), ns.clone(), soa(2)])),
            Ok(Some(Transfer::Full(vec![soa(2), ns])))
        );
    }

    #[test]
    fn malformed_streams_are_rejected() {
        let origin = name("example.");
        let ns = record("@ 3600 IN NS ns.example.");
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&response(1, RType::AXFR, std::slice::from_ref(&ns))),
            Err(TransferError::NoLeadingSoa)
        );
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&response(2, RType::AXFR, &[soa(1)])),
            Err(TransferError::NotOurResponse)
        );
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&response(
                1,
                RType::AXFR,
                &[soa(1), ns.clone(), soa(1), ns.clone()]
            )),
            Err(TransferError::TrailingRecords)
        );
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&response(1, RType::AXFR, &[soa(1), soa(2)])),
            Err(TransferError::MisplacedSoa)
        );
        let mut refused = response(1, RType::AXFR, &[]);
        refused.header.rcode = Rcode::REFUSED.header_bits();
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&refused),
            Err(TransferError::Rcode(Rcode::REFUSED))
        );
        let mut reader = TransferReader::new(&origin, &Request::Ixfr(soa(1)), 1);
        assert_eq!(
            reader.read(&response(
                1,
                RType::IXFR,
                &[soa(4), soa(1), soa(2), soa(3), soa(4), soa(4)]
            )),
            Err(TransferError::BrokenChain {
                expected: 2,
                found: 3
            })
        );
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        assert_eq!(
            reader.read(&response(1, RType::AXFR, &[soa(1), ns])),
            Ok(None)
        );
        assert_eq!(reader.finish(), Err(TransferError::Incomplete));
    }

    #[test]
    fn out_of_zone_records_are_ignored() {
        let origin = name("example.");
        let mut reader = TransferReader::new(&origin, &Request::Axfr, 1);
        let ns = record("@ 3600 IN NS ns.example.");
        let outside = record("evil.org. 300 IN A 192.0.2.66");
        assert_eq!(
            reader.read(&response(
                1,
                RType::AXFR,
                &[soa(1), outside, ns.clone(), soa(1)]
            )),
            Ok(Some(Transfer::Full(vec![soa(1), ns])))
        );
        assert_eq!(reader.ignored(), 1);
    }

    #[test]
    fn applying_a_diff_gives_the_new_version() {
        let v1 = zone(1, &["a 300 IN A 192.0.2.1", "b 300 IN A 192.0.2.2"]);
        let v2 = zone(2, &["a 600 IN A 192.0.2.1", "c 300 IN TXT \"new\""]);
        let v3 = zone(3, &["a 600 IN A 192.0.2.1"]);
        let diffs = vec![diff(&v1, &v2), diff(&v2, &v3)];
        let built = apply(Some(&v1), Transfer::Incremental(diffs))
            .expect("applies")
            .expect("a new zone");
        let mut got = built.records();
        let mut want = v3.records();
        got.sort_by(|a, b| a.name.cmp(&b.name).then(a.ttl.cmp(&b.ttl)));
        want.sort_by(|a, b| a.name.cmp(&b.name).then(a.ttl.cmp(&b.ttl)));
        assert_eq!(got, want);
        assert_eq!(built.serial(), 3);
    }

    #[test]
    fn applying_to_the_wrong_version_fails() {
        let v1 = zone(1, &["a 300 IN A 192.0.2.1"]);
        let v2 = zone(2, &["a 300 IN A 192.0.2.2"]);
        let v3 = zone(3, &["a 300 IN A 192.0.2.3"]);
        assert_eq!(
            apply(Some(&v1), Transfer::Incremental(vec![diff(&v2, &v3)])).err(),
            Some(ApplyError::WrongStart { zone: 1, diff: 2 })
        );
        let mut bad = diff(&v1, &v2);
        bad.removed.push(record("zzz 300 IN A 192.0.2.9"));
        assert!(matches!(
            apply(Some(&v1), Transfer::Incremental(vec![bad])),
            Err(ApplyError::MissingRecord(_))
        ));
    }
}
