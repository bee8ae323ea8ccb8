//! Zone transfers, with no I/O: answering AXFR (RFC 5936) and IXFR (RFC 1995) requests behind an
//! address access list, and for secondary zones the request, the reading of the response stream and the
//! building of the new version ([`receive`]), with the diffs between versions kept in a bounded
//! [`journal`].
//!
//! An IXFR request is answered, as RFC 1995 §4 describes, with the SOA alone when the client is
//! current, with the difference sequences from its serial when the journal reaches back that far, and
//! with the whole zone in AXFR form otherwise. Responses are packed into messages of
//! [`TRANSFER_MESSAGE_SIZE`], SOA first and last.

pub mod journal;
pub mod receive;

pub use journal::{diff, Diff, Journal};
pub use receive::{apply, ApplyError, Request, Transfer, TransferError, TransferReader};

use crate::answer::{ResponseKind, Summary};
use crate::serial::Serial;
use crate::server::ZoneConfig;
use crate::zone::{Zone, ZoneSet};
use globe_dns::{Header, Message, MessageBuilder, Question, RType, Rcode, Record, Section, Writer};
use std::net::IpAddr;

/// Records are packed into messages of at most this size (well under 65535; Knot uses 16 KiB too).
pub const TRANSFER_MESSAGE_SIZE: usize = 16 * 1024;

/// How a transfer request was answered, for logs and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Served {
    /// Refused, or an error (no such zone, FORMERR).
    Error,
    /// AXFR: the whole zone.
    Axfr,
    /// IXFR answered with the difference sequences from the client's serial.
    IxfrIncremental,
    /// IXFR answered with the whole zone (the journal does not reach the client's serial).
    IxfrFull,
    /// IXFR from a client that is current: the SOA alone.
    IxfrUpToDate,
}

impl Served {
    /// A short label (`axfr`, `ixfr`, `ixfr-full`, `ixfr-current`, `error`).
    pub fn label(self) -> &'static str {
        match self {
            Served::Error => "error",
            Served::Axfr => "axfr",
            Served::IxfrIncremental => "ixfr",
            Served::IxfrFull => "ixfr-full",
            Served::IxfrUpToDate => "ixfr-current",
        }
    }
}

/// The answer to a transfer request: the messages to send in order.
#[derive(Clone, Debug)]
pub struct TransferResponse {
    /// The messages.
    pub messages: Vec<Vec<u8>>,
    /// For metrics.
    pub summary: Summary,
    /// Which form was sent.
    pub served: Served,
}

/// Answers an AXFR or IXFR request from `client`. Transfers are refused unless the zone's
/// `allow_transfer` list holds the client. `journal` is the zone's journal, if it keeps one; it is
/// used only when it ends at the served version.
pub fn respond(
    zones: &ZoneSet,
    query: &Message,
    client: IpAddr,
    configs: &[ZoneConfig],
    journal: Option<&Journal>,
) -> TransferResponse {
    let Some(question) = query.question() else {
        return error(query, Rcode::FORMERR);
    };
    let Some(zone) = zones.get(&question.name) else {
        if zones.is_unavailable(question.name.to_lowercase().as_wire()) {
            // A secondary zone with no data (or expired): we should have it, but cannot serve it.
            return error(query, Rcode::SERVFAIL);
        }
        return error(query, Rcode::NOTAUTH);
    };
    let allowed = configs
        .iter()
        .filter(|c| c.origin.as_ref() == Some(zone.origin()))
        .any(|c| c.allow_transfer.iter().any(|cidr| cidr.contains(client)));
    if !allowed {
        tracing::info!(%client, zone = %zone.origin(), qtype = %question.qtype, "transfer refused");
        return error(query, Rcode::REFUSED);
    }
    let soa = soa_record(zone);
    let (records, served): (Vec<&Record>, Served) = if question.qtype == RType::IXFR {
        // RFC 1995 §3: the client's version is the SOA in the authority section.
        let Some(client_serial) = query
            .authority
            .iter()
            .filter(|r| r.name == *zone.origin())
            .find_map(journal::soa_serial)
        else {
            return error(query, Rcode::FORMERR);
        };
        let diffs = journal
            .filter(|j| j.latest_serial() == Some(zone.serial()))
            .and_then(|j| j.since(client_serial));
        if !Serial(zone.serial()).is_newer_than(Serial(client_serial)) {
            (vec![&soa], Served::IxfrUpToDate)
        } else if let Some(diffs) = diffs {
            let mut records = vec![&soa];
            for diff in diffs {
                records.push(&diff.from);
                records.extend(diff.removed.iter());
                records.push(&diff.to);
                records.extend(diff.added.iter());
            }
            records.push(&soa);
            (records, Served::IxfrIncremental)
        } else {
            (Vec::new(), Served::IxfrFull)
        }
    } else {
        (Vec::new(), Served::Axfr)
    };
    let all;
    let records = if records.is_empty() {
        all = zone.records();
        let mut records: Vec<&Record> = all.iter().collect();
        records.push(&soa);
        records
    } else {
        records
    };
    let header = Header {
        id: query.header.id,
        qr: true,
        aa: true,
        opcode: query.header.opcode,
        ..Header::default()
    };
    let messages = pack(header, question, &records);
    tracing::info!(
        %client,
        zone = %zone.origin(),
        serial = zone.serial(),
        form = served.label(),
        messages = messages.len(),
        "transfer sent"
    );
    let mut summary = summary(query, Rcode::NOERROR);
    summary.kind = ResponseKind::Positive;
    TransferResponse {
        messages,
        summary,
        served,
    }
}

/// Packs records into messages of at most [`TRANSFER_MESSAGE_SIZE`], the question in the first only.
fn pack(header: Header, question: &Question, records: &[&Record]) -> Vec<Vec<u8>> {
    let new_builder = || {
        MessageBuilder::new(
            Writer::with_capacity(TRANSFER_MESSAGE_SIZE),
            header,
            TRANSFER_MESSAGE_SIZE,
        )
    };
    let mut messages = Vec::new();
    let mut builder = new_builder();
    builder.question(question);
    for record in records {
        if builder.record(Section::Answer, record).is_err() {
            messages.push(builder.finish());
            builder = new_builder();
            if builder.record(Section::Answer, record).is_err() {
                // A single record larger than a message: send it alone without a limit.
                builder = MessageBuilder::new(Writer::with_capacity(65_535), header, 65_535);
                let _ = builder.record(Section::Answer, record);
            }
        }
    }
    messages.push(builder.finish());
    messages
}

fn soa_record(zone: &Zone) -> Record {
    Record {
        name: zone.origin().clone(),
        class: zone.class(),
        ttl: zone.soa_ttl(),
        data: globe_dns::RData::Soa(zone.soa().clone()),
    }
}

fn summary(query: &Message, rcode: Rcode) -> Summary {
    Summary {
        rcode,
        qtype: query.question().map_or(RType(0), |q| q.qtype),
        kind: ResponseKind::Error,
        truncated: false,
        rrl_name: None,
    }
}

fn error(query: &Message, rcode: Rcode) -> TransferResponse {
    let header = Header {
        id: query.header.id,
        qr: true,
        opcode: query.header.opcode,
        rcode: rcode.header_bits(),
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    if let Some(q) = query.question() {
        builder.question(q);
    }
    TransferResponse {
        messages: vec![builder.finish()],
        summary: summary(query, rcode),
        served: Served::Error,
    }
}

/// Zones and records written as zone file text, for the tests of this module.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::zone::Zone;
    use globe_dns::{Name, Record};

    /// A name from text.
    pub fn name(text: &str) -> Name {
        text.parse().expect("a valid name")
    }

    /// One record in zone file syntax, relative to `example.`.
    pub fn record(text: &str) -> Record {
        let mut records =
            globe_dns::zonefile::parse_str(text, Some(name("example.")), "test").expect("valid");
        assert_eq!(records.len(), 1, "{text}");
        records.remove(0)
    }

    /// The zone `example.` at `serial` with an apex NS and these records.
    pub fn zone(serial: u32, records: &[&str]) -> Zone {
        let mut text = format!(
            "@ 3600 IN SOA ns.example. host.example. {serial} 3600 600 86400 300\n@ 3600 IN NS ns.example.\n"
        );
        for line in records {
            text.push_str(line);
            text.push('\n');
        }
        let records =
            globe_dns::zonefile::parse_str(&text, Some(name("example.")), "test").expect("valid");
        Zone::from_records(None, records).expect("a valid zone")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{name, record, zone};
    use super::*;
    use crate::server::Cidr;
    use globe_dns::{Class, Question};

    fn configs() -> Vec<ZoneConfig> {
        vec![ZoneConfig {
            origin: Some(name("example.")),
            file: None,
            primaries: Vec::new(),
            notify: Vec::new(),
            allow_transfer: vec!["127.0.0.0/8".parse::<Cidr>().expect("valid")],
        }]
    }

    fn query(qtype: RType, client_serial: Option<u32>) -> Message {
        let mut message = Message {
            questions: vec![Question {
                name: name("example."),
                qtype,
                qclass: Class::IN,
            }],
            ..Message::default()
        };
        message.header.id = 42;
        if let Some(serial) = client_serial {
            message.authority.push(record(&format!(
                "@ 3600 IN SOA ns.example. host.example. {serial} 3600 600 86400 300"
            )));
        }
        message
    }

    /// Reads the response back with our own transfer reader.
    fn read(response: &TransferResponse, request: &Request) -> Transfer {
        let mut reader = TransferReader::new(&name("example."), request, 42);
        let mut result = None;
        for bytes in &response.messages {
            let message = Message::parse(bytes).expect("a valid message");
            if let Some(transfer) = reader.read(&message).expect("a valid stream") {
                result = Some(transfer);
            }
        }
        result.expect("a complete transfer")
    }

    fn setup() -> (ZoneSet, Journal, Zone, Zone) {
        let v1 = zone(1, &["a 300 IN A 192.0.2.1", "b 300 IN A 192.0.2.2"]);
        let v2 = zone(2, &["a 300 IN A 192.0.2.1", "c 300 IN A 192.0.2.3"]);
        let v3 = zone(3, &["a 300 IN A 192.0.2.9", "c 300 IN A 192.0.2.3"]);
        let mut journal = Journal::new();
        journal.record(diff(&v1, &v2));
        journal.record(diff(&v2, &v3));
        let mut zones = ZoneSet::new();
        zones.insert(std::sync::Arc::new(v3.clone()));
        (zones, journal, v1, v3)
    }

    #[test]
    fn ixfr_from_a_journaled_serial_is_incremental() {
        let (zones, journal, v1, v3) = setup();
        let client = "127.0.0.1".parse().expect("ip");
        let response = respond(
            &zones,
            &query(RType::IXFR, Some(1)),
            client,
            &configs(),
            Some(&journal),
        );
        assert_eq!(response.served, Served::IxfrIncremental);
        let request = Request::Ixfr(v1.records()[0].clone());
        let transfer = read(&response, &request);
        let Transfer::Incremental(diffs) = &transfer else {
            panic!("incremental, got {transfer:?}");
        };
        assert_eq!(diffs.len(), 2);
        let built = apply(Some(&v1), transfer)
            .expect("applies")
            .expect("new zone");
        let sorted = |z: &Zone| {
            let mut r = z.records();
            r.sort_by(|a, b| a.name.cmp(&b.name));
            r
        };
        assert_eq!(sorted(&built), sorted(&v3));
    }

    #[test]
    fn ixfr_outside_the_journal_is_a_full_zone() {
        let (zones, journal, _, v3) = setup();
        let client = "127.0.0.1".parse().expect("ip");
        let response = respond(
            &zones,
            &query(RType::IXFR, Some(0)),
            client,
            &configs(),
            Some(&journal),
        );
        assert_eq!(response.served, Served::IxfrFull);
        let request = Request::Ixfr(record(
            "@ 3600 IN SOA ns.example. host.example. 0 3600 600 86400 300",
        ));
        assert_eq!(read(&response, &request), Transfer::Full(v3.records()));
        // Without a journal too.
        let response = respond(
            &zones,
            &query(RType::IXFR, Some(1)),
            client,
            &configs(),
            None,
        );
        assert_eq!(response.served, Served::IxfrFull);
    }

    #[test]
    fn ixfr_from_a_current_client_is_the_soa_alone() {
        let (zones, journal, _, v3) = setup();
        let client = "127.0.0.1".parse().expect("ip");
        for serial in [3, 4] {
            let response = respond(
                &zones,
                &query(RType::IXFR, Some(serial)),
                client,
                &configs(),
                Some(&journal),
            );
            assert_eq!(response.served, Served::IxfrUpToDate);
            let message = Message::parse(&response.messages[0]).expect("valid");
            assert_eq!(message.answers, vec![v3.records()[0].clone()]);
        }
    }

    #[test]
    fn ixfr_without_soa_is_formerr_and_acl_refuses() {
        let (zones, journal, _, _) = setup();
        let inside = "127.0.0.1".parse().expect("ip");
        let response = respond(
            &zones,
            &query(RType::IXFR, None),
            inside,
            &configs(),
            Some(&journal),
        );
        assert_eq!(response.summary.rcode, Rcode::FORMERR);
        let outside = "192.0.2.1".parse().expect("ip");
        for qtype in [RType::AXFR, RType::IXFR] {
            let response = respond(
                &zones,
                &query(qtype, Some(1)),
                outside,
                &configs(),
                Some(&journal),
            );
            assert_eq!(response.summary.rcode, Rcode::REFUSED);
            assert_eq!(response.served, Served::Error);
        }
    }

    #[test]
    fn axfr_is_the_whole_zone_soa_first_and_last() {
        let (zones, _, _, v3) = setup();
        let client = "127.0.0.1".parse().expect("ip");
        let response = respond(&zones, &query(RType::AXFR, None), client, &configs(), None);
        assert_eq!(response.served, Served::Axfr);
        assert_eq!(
            read(&response, &Request::Axfr),
            Transfer::Full(v3.records())
        );
    }
}
