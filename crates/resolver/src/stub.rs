//! The stub-facing side of the resolver, without I/O: decoding a client's query, deciding whether it is
//! served (opcode, class, access control), and writing the response to it from an engine [`Answer`]
//! (header flags, the client's own question, EDNS and the ECS scope, truncation to the client's size).

use crate::engine::{Answer, Request};
use globe_dns::edns::MIN_UDP_PAYLOAD;
use globe_dns::{
    ClientSubnet, Edns, EdnsOption, Header, Message, MessageBuilder, Opcode, Question, Rcode,
    Section, Writer,
};
use std::net::IpAddr;

/// The UDP payload size the resolver offers its clients (DNS flag day 2020).
pub const SERVER_UDP_PAYLOAD: u16 = 1232;
/// The largest message over TCP.
pub const MAX_TCP_MESSAGE: usize = 65_535;

/// How the client asked: the size limit of the response depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// UDP: the response is truncated to the client's EDNS size (512 without EDNS).
    Udp,
    /// TCP: up to 64 KiB.
    Tcp,
}

/// A client's query, decoded.
#[derive(Clone, Debug)]
pub struct StubQuery {
    /// The client's header (ID, RD, CD are echoed).
    pub header: Header,
    /// The question as the client spelled it.
    pub question: Question,
    /// The client's EDNS, if it sent an OPT record.
    pub edns: Option<Edns>,
}

/// What to do with a datagram from a client.
#[derive(Debug)]
pub enum Decision {
    /// Resolve it.
    Resolve(StubQuery),
    /// Send these bytes back at once (FORMERR, REFUSED, NOTIMP, BADVERS).
    Reply(Vec<u8>),
    /// Send nothing (not a query, or too short to carry an ID).
    Drop,
}

/// A set of networks allowed to use the resolver (`--allow`): no open resolver by default.
#[derive(Clone, Debug)]
pub struct AccessList {
    networks: Vec<(IpAddr, u8)>,
}

impl AccessList {
    /// Loopback only (127.0.0.0/8 and ::1).
    pub fn loopback() -> AccessList {
        AccessList {
            networks: vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 128),
            ],
        }
    }

    /// Parses `ADDRESS/PREFIX` (or a bare address) entries.
    pub fn parse(entries: &[String]) -> Result<AccessList, String> {
        let mut networks = Vec::new();
        for entry in entries {
            let (address, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry.as_str(), None),
            };
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{entry}: not an IP address"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{entry}: prefix length must be 0..={max}"))?,
                None => max,
            };
            networks.push((address, prefix));
        }
        Ok(AccessList { networks })
    }

    /// Whether a client may use the resolver.
    pub fn allows(&self, client: IpAddr) -> bool {
        let client = canonical(client);
        self.networks
            .iter()
            .any(|(network, prefix)| in_network(client, canonical(*network), *prefix))
    }
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn in_network(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Decides what to do with a client's datagram (or TCP message).
pub fn decide(bytes: &[u8], client: IpAddr, access: &AccessList) -> Decision {
    let Ok(header) = Header::parse(bytes) else {
        return Decision::Drop;
    };
    if header.qr {
        return Decision::Drop;
    }
    let message = match Message::parse(bytes) {
        Ok(message) => message,
        Err(_) => return Decision::Reply(error_reply(header, None, Rcode::FORMERR)),
    };
    if !access.allows(client) {
        return Decision::Reply(error_reply(
            header,
            message.questions.first(),
            Rcode::REFUSED,
        ));
    }
    if header.opcode() != Opcode::QUERY {
        return Decision::Reply(error_reply(
            header,
            message.questions.first(),
            Rcode::NOTIMP,
        ));
    }
    if message.questions.len() != 1 || !message.answers.is_empty() {
        return Decision::Reply(error_reply(
            header,
            message.questions.first(),
            Rcode::FORMERR,
        ));
    }
    let Some(question) = message.questions.into_iter().next() else {
        return Decision::Drop;
    };
    if let Some(edns) = &message.edns {
        if edns.version != 0 {
            return Decision::Reply(badvers_reply(header, &question));
        }
    }
    if matches!(question.qtype.0, 41 | 251..=254) {
        // OPT, IXFR, AXFR, MAILB, MAILA are not questions a resolver answers.
        return Decision::Reply(error_reply(header, Some(&question), Rcode::REFUSED));
    }
    Decision::Resolve(StubQuery {
        header,
        question,
        edns: message.edns,
    })
}

impl StubQuery {
    /// The engine request for this query; `client` supplies the ECS subnet when the client sent none
    /// (used only when the resolver forwards ECS).
    pub fn request(&self, client: IpAddr) -> Request {
        let subnet = self
            .edns
            .as_ref()
            .and_then(|e| e.client_subnet())
            .copied()
            .unwrap_or_else(|| {
                let prefix = if client.is_ipv4() { 24 } else { 56 };
                ClientSubnet::new(client, prefix)
            });
        Request {
            question: self.question.clone(),
            client_subnet: Some(subnet),
        }
    }

    /// The largest response this client takes.
    pub fn limit(&self, transport: Transport) -> usize {
        match transport {
            Transport::Tcp => MAX_TCP_MESSAGE,
            Transport::Udp => match &self.edns {
                Some(edns) => usize::from(edns.udp_payload.clamp(MIN_UDP_PAYLOAD, u16::MAX)),
                None => usize::from(MIN_UDP_PAYLOAD),
            },
        }
    }
}

/// Writes the response to a client. Sections that do not fit are cut at an RRset boundary and TC set
/// (RFC 2181 §9); the OPT record always fits.
pub fn respond(query: &StubQuery, answer: &Answer, transport: Transport) -> Vec<u8> {
    let header = Header {
        id: query.header.id,
        qr: true,
        opcode: 0,
        aa: false,
        tc: false,
        rd: query.header.rd,
        ra: true,
        z: false,
        ad: false,
        cd: query.header.cd,
        rcode: (answer.rcode.0 & 0xf) as u8,
    };
    let edns = query.edns.as_ref().map(|client| {
        let mut options = Vec::new();
        if let (Some(sent), Some(scope)) = (client.client_subnet(), answer.scope.as_ref()) {
            options.push(EdnsOption::ClientSubnet(ClientSubnet {
                scope_prefix: scope.scope_prefix.min(sent.source_prefix),
                ..*sent
            }));
        } else if let Some(sent) = client.client_subnet() {
            options.push(EdnsOption::ClientSubnet(ClientSubnet {
                scope_prefix: 0,
                ..*sent
            }));
        }
        Edns {
            udp_payload: SERVER_UDP_PAYLOAD,
            extended_rcode: (answer.rcode.0 >> 4) as u8,
            version: 0,
            dnssec_ok: client.dnssec_ok,
            z: 0,
            options,
        }
    });
    let opt_len = edns.as_ref().map_or(0, Edns::wire_len);
    let limit = query.limit(transport).saturating_sub(opt_len);
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, limit);
    builder.question(&query.question);
    let mut truncated = false;
    'sections: for (section, records) in [
        (Section::Answer, &answer.answers),
        (Section::Authority, &answer.authority),
    ] {
        let mut start = 0;
        while start < records.len() {
            let first = &records[start];
            let end = records[start..]
                .iter()
                .position(|r| {
                    r.name != first.name || r.rtype() != first.rtype() || r.class != first.class
                })
                .map_or(records.len(), |n| start + n);
            let ttl = records[start..end].iter().map(|r| r.ttl).min().unwrap_or(0);
            let datas: Vec<_> = records[start..end].iter().map(|r| r.data.clone()).collect();
            if builder
                .rrset(section, &first.name, first.class, ttl, &datas)
                .is_err()
            {
                truncated = section == Section::Answer;
                break 'sections;
            }
            start = end;
        }
    }
    if truncated {
        builder.set_header(Header { tc: true, ..header });
    }
    if let Some(edns) = &edns {
        builder.edns(edns);
    }
    builder.finish()
}

/// A response carrying only the question and an error RCODE.
pub fn error_reply(header: Header, question: Option<&Question>, rcode: Rcode) -> Vec<u8> {
    let reply = Header {
        id: header.id,
        qr: true,
        opcode: header.opcode,
        aa: false,
        tc: false,
        rd: header.rd,
        ra: true,
        z: false,
        ad: false,
        cd: header.cd,
        rcode: (rcode.0 & 0xf) as u8,
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(64), reply, 512);
    if let Some(question) = question {
        builder.question(question);
    }
    builder.finish()
}

/// BADVERS (RFC 6891 §6.1.3): extended RCODE 16 in an OPT of version 0.
fn badvers_reply(header: Header, question: &Question) -> Vec<u8> {
    let reply = Header {
        id: header.id,
        qr: true,
        rd: header.rd,
        ra: true,
        cd: header.cd,
        rcode: (Rcode::BADVERS.0 & 0xf) as u8,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(64), reply, 512);
    builder.question(question);
    builder.edns(&Edns {
        udp_payload: SERVER_UDP_PAYLOAD,
        extended_rcode: (Rcode::BADVERS.0 >> 4) as u8,
        version: 0,
        dnssec_ok: false,
        z: 0,
        options: Vec::new(),
    });
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::{Class, Name, RData, RType, Record};

    fn query(name: &str, qtype: RType, edns: Option<Edns>) -> Vec<u8> {
        Message {
            header: Header {
                id: 77,
                rd: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: Name::parse(name, None).expect("name"),
                qtype,
                qclass: Class::IN,
            }],
            edns,
            ..Message::default()
        }
        .to_wire()
    }

    fn loopback() -> IpAddr {
        IpAddr::from([127, 0, 0, 1])
    }

    #[test]
    fn refuses_clients_outside_the_access_list() {
        let access = AccessList::loopback();
        let bytes = query("www.example.com.", RType::A, None);
        match decide(&bytes, IpAddr::from([192, 0, 2, 1]), &access) {
            Decision::Reply(reply) => {
                let reply = Message::parse(&reply).expect("reply");
                assert_eq!(reply.rcode(), Rcode::REFUSED);
                assert_eq!(reply.header.id, 77);
            }
            other => panic!("expected REFUSED, got {other:?}"),
        }
        let wide = AccessList::parse(&["192.0.2.0/24".into()]).expect("list");
        assert!(matches!(
            decide(&bytes, IpAddr::from([192, 0, 2, 1]), &wide),
            Decision::Resolve(_)
        ));
        assert!(AccessList::parse(&["192.0.2.0/33".into()]).is_err());
    }

    #[test]
    fn malformed_queries_get_formerr_and_responses_are_dropped() {
        let access = AccessList::loopback();
        let mut bytes = query("www.example.com.", RType::A, None);
        bytes.truncate(bytes.len() - 1);
        match decide(&bytes, loopback(), &access) {
            Decision::Reply(reply) => {
                assert_eq!(
                    Message::parse(&reply).expect("reply").rcode(),
                    Rcode::FORMERR
                )
            }
            other => panic!("expected FORMERR, got {other:?}"),
        }
        let mut response = query("www.example.com.", RType::A, None);
        response[2] |= 0x80;
        assert!(matches!(
            decide(&response, loopback(), &access),
            Decision::Drop
        ));
        assert!(matches!(
            decide(&[1, 2], loopback(), &access),
            Decision::Drop
        ));
    }

    #[test]
    fn responses_echo_the_question_and_truncate_to_the_client_size() {
        let access = AccessList::loopback();
        let bytes = query("WWW.Example.com.", RType::TXT, None);
        let Decision::Resolve(stub) = decide(&bytes, loopback(), &access) else {
            panic!("should resolve");
        };
        let name = Name::parse("www.example.com.", None).expect("name");
        let answers: Vec<Record> = (0..10)
            .map(|i| Record {
                name: name.clone(),
                class: Class::IN,
                ttl: 300,
                data: RData::Txt(vec![vec![b'a' + i; 100]]),
            })
            .collect();
        let answer = Answer {
            rcode: Rcode::NOERROR,
            answers,
            authority: Vec::new(),
            scope: None,
            from_cache: false,
            stale: false,
        };
        let udp = Message::parse(&respond(&stub, &answer, Transport::Udp)).expect("udp");
        assert!(udp.header.tc && udp.header.ra && udp.header.rd && !udp.header.aa);
        assert!(udp.answers.is_empty());
        assert_eq!(
            udp.questions[0].name.to_string(),
            "WWW.Example.com.",
            "the client's own spelling is echoed"
        );
        let tcp = Message::parse(&respond(&stub, &answer, Transport::Tcp)).expect("tcp");
        assert!(!tcp.header.tc);
        assert_eq!(tcp.answers.len(), 10);
    }
}
