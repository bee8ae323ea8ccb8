//! The authoritative answer engine: from query bytes to response bytes, with no I/O.
//!
//! It follows RFC 1034 §4.3.2 as refined by RFC 2308 (negative answers), RFC 4592 (wildcards),
//! RFC 6672 (DNAME), RFC 6891 (EDNS), RFC 5001 (NSID) and RFC 9471 (glue that must fit): AA on
//! authoritative data, CNAME chains followed inside the zone, referrals with glue and no AA, the SOA in
//! the authority section of negative answers with TTL min(SOA TTL, MINIMUM), minimal responses (no NS in
//! the authority section of positive answers), TC when what must be in the answer does not fit.
//!
//! The shell hands in the datagram or TCP message, the transport, and the zones; it gets back an
//! [`Outcome`]: bytes to send with a summary for metrics and rate limiting, a transfer or NOTIFY to
//! handle, or nothing.

use crate::zone::{Zone, ZoneSet};
use globe_dns::message::{Full, PLAIN_UDP_LIMIT};
use globe_dns::{
    Class, ClientSubnet, Edns, EdnsOption, Header, Message, MessageBuilder, Name, Opcode, Question,
    RData, RType, Rcode, Section, WireError, Writer,
};
use resolve::{resolve, soa_entry, Answer, Entry};
use std::borrow::Cow;
use std::sync::Arc;

mod resolve;
mod steer;

pub use steer::Context;

/// The most CNAME and DNAME links followed inside our zones for one answer (BIND and Knot use ~16).
pub const MAX_CHAIN_LENGTH: usize = 16;
/// The largest UDP response we send by default: the DNS flag day 2020 value, which avoids IP
/// fragmentation on almost every path.
pub const DEFAULT_MAX_UDP_PAYLOAD: u16 = 1232;
/// The TTL of CHAOS-class identity answers.
const CHAOS_TTL: u32 = 0;

/// How the engine is configured; shared by every query.
#[derive(Clone, Debug)]
pub struct AnswerConfig {
    /// The NSID to return when asked (RFC 5001), usually the anycast instance's name.
    pub nsid: Option<Vec<u8>>,
    /// The text for CHAOS TXT `id.server.` and `hostname.bind.`; none refuses them.
    pub identity: Option<Vec<u8>>,
    /// The text for CHAOS TXT `version.server.` and `version.bind.`; none refuses them.
    pub version: Option<Vec<u8>>,
    /// Our UDP payload limit, also advertised in our OPT record.
    pub max_udp_payload: u16,
}

impl Default for AnswerConfig {
    fn default() -> AnswerConfig {
        AnswerConfig {
            nsid: None,
            identity: None,
            version: Some(format!("globe {}", env!("CARGO_PKG_VERSION")).into_bytes()),
            max_udp_payload: DEFAULT_MAX_UDP_PAYLOAD,
        }
    }
}

/// How the query arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// A UDP datagram: responses are limited to 512 octets or the EDNS payload size.
    Udp,
    /// A TCP message (RFC 7766): responses may be up to 65535 octets.
    Tcp,
}

/// What kind of response was produced, for rate limiting (which counts per kind, as Knot's and NSD's RRL
/// do) and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// Data in the answer section.
    Positive,
    /// A referral to a child zone.
    Referral,
    /// NXDOMAIN.
    NxDomain,
    /// NOERROR with no data.
    NoData,
    /// Any other RCODE (FORMERR, REFUSED, NOTIMP, BADVERS...).
    Error,
}

/// A summary of a response, for metrics and rate limiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The response code.
    pub rcode: Rcode,
    /// The question's type (0 when there was no readable question).
    pub qtype: RType,
    /// The kind of response.
    pub kind: ResponseKind,
    /// Whether TC was set.
    pub truncated: bool,
    /// The name rate limiting accounts the response to: the query name for positive answers, the zone
    /// (or delegation) for negative ones and referrals, so random subdomains share one bucket.
    pub rrl_name: Option<Name>,
}

/// What the shell should do with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send these bytes.
    Respond(Vec<u8>, Summary),
    /// A zone transfer request over TCP (AXFR or IXFR), for the transfer module.
    Transfer(Box<Message>),
    /// A NOTIFY (RFC 1996), for the secondary-zone module.
    Notify(Box<Message>),
    /// Send nothing (a response, or bytes too short to answer).
    Drop,
}

/// The answer engine.
#[derive(Clone, Debug, Default)]
pub struct Responder {
    config: AnswerConfig,
}

impl Responder {
    /// An engine with this configuration.
    pub fn new(config: AnswerConfig) -> Responder {
        Responder { config }
    }

    /// The configuration.
    pub fn config(&self) -> &AnswerConfig {
        &self.config
    }

    /// Answers one request. `context` says who sent it and what steering is in force; `buf` is a
    /// buffer to reuse for the response.
    pub fn respond(
        &self,
        zones: &ZoneSet,
        request: &[u8],
        transport: Transport,
        context: Context<'_>,
        buf: Vec<u8>,
    ) -> Outcome {
        let Ok(header) = Header::parse(request) else {
            return Outcome::Drop;
        };
        if header.qr || request.len() < globe_dns::message::HEADER_LEN {
            return Outcome::Drop;
        }
        let query = match Message::parse(request) {
            Ok(query) => query,
            Err(error) => return self.formerr(header, error, buf),
        };
        match header.opcode() {
            Opcode::QUERY => {}
            Opcode::NOTIFY => return Outcome::Notify(Box::new(query)),
            _ => return self.error(&query, Rcode::NOTIMP, transport, buf),
        }
        if query.questions.len() != 1 {
            return self.error(&query, Rcode::FORMERR, transport, buf);
        }
        if let Some(edns) = &query.edns {
            if edns.version > 0 {
                return self.error(&query, Rcode::BADVERS, transport, buf);
            }
        }
        let question = &query.questions[0];
        match question.qclass {
            Class::IN | Class::ANY => {}
            Class::CH => return self.chaos(&query, transport, buf),
            _ => return self.error(&query, Rcode::REFUSED, transport, buf),
        }
        if question.qtype == RType::AXFR || question.qtype == RType::IXFR {
            if transport == Transport::Tcp {
                return Outcome::Transfer(Box::new(query));
            }
            if question.qtype == RType::AXFR {
                return self.error(&query, Rcode::FORMERR, transport, buf);
            }
        }
        if question.qtype.is_meta() && question.qtype != RType::ANY && question.qtype != RType::IXFR
        {
            return self.error(&query, Rcode::FORMERR, transport, buf);
        }
        let lower = question.name.to_lowercase();
        if zones.is_unavailable(lower.as_wire()) {
            // A secondary zone not yet transferred, or expired: ours, but nothing to serve (as Knot).
            return self.error(&query, Rcode::SERVFAIL, transport, buf);
        }
        let zone = match find_zone(zones, &lower, question.qtype) {
            Some(zone) => zone,
            None => return self.error(&query, Rcode::REFUSED, transport, buf),
        };
        let steering = context.steering.filter(|s| !s.is_empty());
        let mut scope = 0;
        let answer = if question.qtype == RType::IXFR {
            // IXFR over UDP: the current SOA tells the client to come back over TCP (RFC 1995 §2).
            let mut answer = Answer::new(zone);
            answer.answer.push(soa_entry(zone, zone.soa_ttl()));
            answer
        } else {
            let dnssec_ok = query.edns.as_ref().is_some_and(|edns| edns.dnssec_ok);
            // Geo steering answers for its names; with steering on, ECS is echoed (scope 0 elsewhere).
            match steering.and_then(|s| steer::answer(zone, s, &query, &lower, &context, dnssec_ok))
            {
                Some((answer, steered_scope)) => {
                    scope = steered_scope;
                    answer
                }
                None => resolve(zone, &question.name, &lower, question.qtype, dnssec_ok),
            }
        };
        let client_subnet = steering.and_then(|_| steer::echo(&query, scope));
        self.write(&query, transport, answer, client_subnet, buf)
    }

    fn limit(&self, query: &Message, transport: Transport) -> usize {
        match transport {
            Transport::Tcp => u16::MAX as usize,
            Transport::Udp => match &query.edns {
                Some(edns) => edns
                    .effective_udp_payload()
                    .min(self.config.max_udp_payload)
                    .max(512) as usize,
                None => PLAIN_UDP_LIMIT,
            },
        }
    }

    fn response_edns(&self, query: &Message, rcode: Rcode) -> Option<Edns> {
        let asked = query.edns.as_ref()?;
        let mut options = Vec::new();
        if asked.has_nsid() {
            if let Some(nsid) = &self.config.nsid {
                options.push(EdnsOption::Nsid(nsid.clone()));
            }
        }
        Some(Edns {
            udp_payload: self.config.max_udp_payload,
            extended_rcode: rcode.extended_bits(),
            version: 0,
            dnssec_ok: asked.dnssec_ok,
            z: 0,
            options,
        })
    }

    fn response_header(query: &Message, rcode: Rcode) -> Header {
        Header {
            id: query.header.id,
            qr: true,
            opcode: query.header.opcode,
            aa: false,
            tc: false,
            rd: query.header.rd,
            ra: false,
            z: false,
            ad: false,
            // CD means nothing to an authoritative server; Knot and NSD clear it, and so do we.
            cd: false,
            rcode: rcode.header_bits(),
        }
    }

    /// A response with only the question (and OPT), for errors.
    fn error(&self, query: &Message, rcode: Rcode, transport: Transport, buf: Vec<u8>) -> Outcome {
        let edns = self.response_edns(query, rcode);
        let header = Self::response_header(query, rcode);
        let limit = self.limit(query, transport) - edns.as_ref().map_or(0, Edns::wire_len);
        let mut builder = MessageBuilder::new(Writer::from_buffer(buf), header, limit);
        for q in query.questions.iter().take(1) {
            builder.question(q);
        }
        if let Some(edns) = &edns {
            builder.edns(edns);
        }
        let summary = Summary {
            rcode,
            qtype: query.question().map_or(RType(0), |q| q.qtype),
            kind: ResponseKind::Error,
            truncated: false,
            rrl_name: None,
        };
        Outcome::Respond(builder.finish(), summary)
    }

    /// FORMERR for a message we could not decode: echo the ID, opcode and RD; no question.
    fn formerr(&self, query_header: Header, _error: WireError, buf: Vec<u8>) -> Outcome {
        let mut header = Header {
            id: query_header.id,
            qr: true,
            opcode: query_header.opcode,
            ..Header::default()
        };
        header.rd = query_header.rd;
        header.rcode = Rcode::FORMERR.header_bits();
        let builder = MessageBuilder::new(Writer::from_buffer(buf), header, usize::MAX);
        let summary = Summary {
            rcode: Rcode::FORMERR,
            qtype: RType(0),
            kind: ResponseKind::Error,
            truncated: false,
            rrl_name: None,
        };
        Outcome::Respond(builder.finish(), summary)
    }

    /// CHAOS-class TXT queries that identify the server (`id.server.`, `hostname.bind.`) or its version.
    fn chaos(&self, query: &Message, transport: Transport, buf: Vec<u8>) -> Outcome {
        let question = &query.questions[0];
        let lower = question.name.to_lowercase();
        let text = match lower.to_string().as_str() {
            "id.server." | "hostname.bind." => self.config.identity.clone(),
            "version.server." | "version.bind." => self.config.version.clone(),
            _ => None,
        };
        let Some(text) = text else {
            return self.error(query, Rcode::REFUSED, transport, buf);
        };
        let mut answer = Answer::chaos();
        if question.qtype == RType::TXT || question.qtype == RType::ANY {
            let strings = text.chunks(255).map(<[u8]>::to_vec).collect();
            answer.answer.push(Entry {
                owner: Cow::Owned(question.name.clone()),
                class: Class::CH,
                ttl: CHAOS_TTL,
                data: Cow::Owned(vec![RData::Txt(strings)]),
            });
        } else {
            answer.kind = ResponseKind::NoData;
        }
        self.write(query, transport, answer, None, buf)
    }

    /// Writes `answer`; `client_subnet` is the ECS option to echo, if any.
    fn write(
        &self,
        query: &Message,
        transport: Transport,
        answer: Answer<'_>,
        client_subnet: Option<ClientSubnet>,
        buf: Vec<u8>,
    ) -> Outcome {
        let mut edns = self.response_edns(query, answer.rcode);
        if let (Some(edns), Some(subnet)) = (edns.as_mut(), client_subnet) {
            edns.options.push(EdnsOption::ClientSubnet(subnet));
        }
        let mut header = Self::response_header(query, answer.rcode);
        header.aa = answer.authoritative;
        let limit = self.limit(query, transport) - edns.as_ref().map_or(0, Edns::wire_len);
        let mut builder = MessageBuilder::new(Writer::from_buffer(buf), header, limit);
        builder.question(&query.questions[0]);
        let dnssec_ok = query.edns.as_ref().is_some_and(|e| e.dnssec_ok);
        let mut truncated = false;
        // Each section's RRSIGs after its RRsets, as Knot writes them; those of the answer and the
        // authority section are required (RFC 4035 §3.1.1: TC when they do not fit).
        let [answer_signatures, authority_signatures, additional_signatures] = &answer.signatures;
        'sections: for (section, entries, signatures) in [
            (Section::Answer, &answer.answer, answer_signatures),
            (Section::Authority, &answer.authority, authority_signatures),
        ] {
            for entry in entries.iter().chain(signatures) {
                if !dnssec_ok && entry.is_dnssec() && section == Section::Authority {
                    continue;
                }
                if push(&mut builder, section, entry).is_err() {
                    truncated = true;
                    break 'sections;
                }
            }
        }
        if !truncated {
            for entry in &answer.additional {
                if push(&mut builder, Section::Additional, &entry.entry).is_err() && entry.required
                {
                    truncated = true;
                    break;
                }
            }
        }
        if !truncated {
            // Optional: whatever fits (RFC 4035 §3.1.1).
            for entry in additional_signatures {
                let _ = push(&mut builder, Section::Additional, entry);
            }
        }
        if truncated {
            header.tc = true;
            builder.set_header(header);
        }
        if let Some(edns) = &edns {
            builder.edns(edns);
        }
        let summary = Summary {
            rcode: answer.rcode,
            qtype: query.questions[0].qtype,
            kind: answer.kind,
            truncated,
            rrl_name: answer.rrl_name,
        };
        Outcome::Respond(builder.finish(), summary)
    }
}

fn push(builder: &mut MessageBuilder, section: Section, entry: &Entry<'_>) -> Result<(), Full> {
    builder.rrset(section, &entry.owner, entry.class, entry.ttl, &entry.data)
}

/// The zone to answer from. A DS query for a zone's apex belongs to the parent zone when we serve it
/// too (RFC 4035 §3.1.4.1).
fn find_zone<'z>(zones: &'z ZoneSet, lower: &Name, qtype: RType) -> Option<&'z Arc<Zone>> {
    let zone = zones.find(lower.as_wire())?;
    if qtype == RType::DS && zone.origin() == lower {
        if let Some(parent) = lower.parent() {
            if let Some(parent_zone) = zones.find(parent.as_wire()) {
                return Some(parent_zone);
            }
        }
    }
    Some(zone)
}

/// Builds a question for tests and clients.
pub fn question(name: &Name, qtype: RType) -> Question {
    Question {
        name: name.clone(),
        qtype,
        qclass: Class::IN,
    }
}
