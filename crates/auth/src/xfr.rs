//! Zone transfers out (RFC 5936 AXFR): the access check and the zone as a stream of messages, SOA first
//! and last, each message filled up to a size that keeps TCP segments efficient.

use crate::answer::{ResponseKind, Summary};
use crate::server::ZoneConfig;
use crate::zone::ZoneSet;
use globe_dns::{Header, Message, MessageBuilder, Rcode, Section, Writer};
use std::net::IpAddr;

/// Records are packed into messages of at most this size (well under 65535; Knot uses 16 KiB too).
pub const TRANSFER_MESSAGE_SIZE: usize = 16 * 1024;

/// Answers an AXFR or IXFR request from `client`. Transfers are refused unless the zone's
/// `allow_transfer` list holds the client. IXFR is answered with a full zone in AXFR form (RFC 1995 §4
/// allows it) until journals are kept.
pub fn respond(
    zones: &ZoneSet,
    query: &Message,
    client: IpAddr,
    configs: &[ZoneConfig],
) -> (Vec<Vec<u8>>, Summary) {
    let Some(question) = query.question() else {
        return (
            vec![error(query, Rcode::FORMERR)],
            summary(query, Rcode::FORMERR),
        );
    };
    let Some(zone) = zones.get(&question.name) else {
        return (
            vec![error(query, Rcode::NOTAUTH)],
            summary(query, Rcode::NOTAUTH),
        );
    };
    let allowed = configs
        .iter()
        .filter(|c| c.origin.as_ref() == Some(zone.origin()))
        .any(|c| c.allow_transfer.iter().any(|cidr| cidr.contains(client)));
    if !allowed {
        tracing::info!(%client, zone = %zone.origin(), "transfer refused");
        return (
            vec![error(query, Rcode::REFUSED)],
            summary(query, Rcode::REFUSED),
        );
    }
    let mut records = zone.records();
    if let Some(soa) = records.first().cloned() {
        records.push(soa);
    }
    let header = Header {
        id: query.header.id,
        qr: true,
        aa: true,
        opcode: query.header.opcode,
        ..Header::default()
    };
    let mut messages = Vec::new();
    let mut builder = MessageBuilder::new(
        Writer::with_capacity(TRANSFER_MESSAGE_SIZE),
        header,
        TRANSFER_MESSAGE_SIZE,
    );
    builder.question(question);
    for record in &records {
        if builder.record(Section::Answer, record).is_err() {
            messages.push(builder.finish());
            builder = MessageBuilder::new(
                Writer::with_capacity(TRANSFER_MESSAGE_SIZE),
                header,
                TRANSFER_MESSAGE_SIZE,
            );
            if builder.record(Section::Answer, record).is_err() {
                // A single record larger than a message: send it alone without a limit.
                builder = MessageBuilder::new(Writer::with_capacity(65_535), header, 65_535);
                let _ = builder.record(Section::Answer, record);
            }
        }
    }
    messages.push(builder.finish());
    tracing::info!(%client, zone = %zone.origin(), messages = messages.len(), "transfer sent");
    let mut ok = summary(query, Rcode::NOERROR);
    ok.kind = ResponseKind::Positive;
    (messages, ok)
}

fn summary(query: &Message, rcode: Rcode) -> Summary {
    Summary {
        rcode,
        qtype: query.question().map_or(globe_dns::RType(0), |q| q.qtype),
        kind: ResponseKind::Error,
        truncated: false,
        rrl_name: None,
    }
}

fn error(query: &Message, rcode: Rcode) -> Vec<u8> {
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
    builder.finish()
}
