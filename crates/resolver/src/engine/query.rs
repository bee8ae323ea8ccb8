//! Queries on the wire and the responses that may answer them.
//!
//! Each query gets a random ID from the `StdRng` (RFC 5452 §4.3), optionally random letter case
//! (draft-vixie-dnsext-dns0x20), EDNS with our payload size unless the server rejected EDNS
//! (RFC 6891 §7), and the client subnet under ECS (RFC 7871 §7.1). A response is taken only from the
//! address the query went to, with its ID and its question (RFC 5452 §9.1); otherwise it is counted in
//! `Stats::ignored_responses` and the query keeps waiting. Timeouts retransmit once to the same server
//! (`retries_per_server`), then move on, and the resolution asks that address no more (nor one whose
//! send failed). Every query arms a timer for its RTO. RTT samples come only from queries not
//! retransmitted (Karn's algorithm, RFC 6298 §3).

use super::task::Waiting;
use super::timers::Timer;
use super::{Protocol, Resolver, Transmit, TransmitId};
use globe_dns::edns::EdnsOption;
use globe_dns::{
    ClientSubnet, Edns, Header, Message, MessageBuilder, Name, Question, Rcode, Writer,
};
use rand::Rng;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

/// A TCP query may take this many RTOs: the handshake costs one round trip more than UDP.
const TCP_RTO_FACTOR: u32 = 2;

/// A query waiting for its answer.
#[derive(Clone, Debug)]
pub(super) struct Outstanding {
    /// The task that sent it.
    pub task: u64,
    /// The server.
    pub server: IpAddr,
    /// The server and port.
    pub to: SocketAddr,
    /// UDP or TCP.
    pub protocol: Protocol,
    /// The DNS ID.
    pub dns_id: u16,
    /// The question as sent (with 0x20 case).
    pub question: Question,
    /// The name asked, in the task's case.
    pub asked: Name,
    /// The zone the server was asked as.
    pub zone: Name,
    /// Whether the name asked is a minimised ancestor of the task's name.
    pub minimised: bool,
    /// Whether it carried EDNS.
    pub edns: bool,
    /// The client subnet it carried.
    pub ecs: Option<ClientSubnet>,
    /// When it was sent.
    pub sent_at: Instant,
    /// When it times out.
    pub deadline: Instant,
    /// Whether it repeats a query that timed out (no RTT sample then).
    pub retransmit: bool,
}

impl Resolver {
    /// Sends task `id`'s current question to `server`, within the root's query budget.
    pub(super) fn send_query(
        &mut self,
        id: u64,
        server: IpAddr,
        protocol: Protocol,
        retransmit: bool,
        now: Instant,
    ) {
        let Some(root) = self.tasks.get(&id).map(|task| task.root) else {
            return;
        };
        let over_budget = match self.tasks.get_mut(&root) {
            Some(root_task) => {
                root_task.queries += 1;
                root_task.upstream = true;
                root_task.queries > self.config.max_queries
            }
            None => true,
        };
        if over_budget {
            self.finish(root, super::Outcome::servfail(), now);
            return;
        }
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let Some(zone) = task.cut.as_ref().map(|cut| cut.zone.clone()) else {
            return;
        };
        let (asked, qtype) = task.asked();
        let minimised = task.is_minimised();
        // The client's subnet goes only with the full question (RFC 7871 §12.1 privacy: root and TLD
        // servers asked for an ancestor have no use for it).
        let ecs = if minimised { None } else { task.ecs };
        let dns_id: u16 = self.rng.gen();
        let name = if self.config.case_randomisation {
            randomise_case(&asked, &mut self.rng)
        } else {
            asked.clone()
        };
        let question = Question {
            name,
            qtype,
            qclass: task.question.qclass,
        };
        let edns = self.infra.edns_enabled(server, now).then(|| Edns {
            udp_payload: self.config.edns_payload,
            options: ecs.map(EdnsOption::ClientSubnet).into_iter().collect(),
            ..Edns::default()
        });
        let payload = query_bytes(dns_id, &question, edns.as_ref());
        let rto = self.infra.rto(server, now);
        let timeout = match protocol {
            Protocol::Udp => rto,
            Protocol::Tcp => rto * TCP_RTO_FACTOR,
        };
        self.next_transmit += 1;
        let transmit_id = TransmitId(self.next_transmit);
        let to = SocketAddr::new(server, self.config.upstream_port);
        let deadline = now + timeout;
        self.timers.arm(deadline, Timer::Transmit(transmit_id));
        self.outstanding.insert(
            transmit_id,
            Outstanding {
                task: id,
                server,
                to,
                protocol,
                dns_id,
                question,
                asked,
                zone,
                minimised,
                edns: edns.is_some(),
                ecs: if edns.is_some() { ecs } else { None },
                sent_at: now,
                deadline,
                retransmit,
            },
        );
        if let Some(task) = self.tasks.get_mut(&id) {
            task.waiting = Waiting::Transmit(transmit_id);
        }
        self.stats.upstream_queries += 1;
        self.transmits.push_back(Transmit {
            id: transmit_id,
            to,
            protocol,
            payload,
        });
    }

    /// A datagram for transmit `id`: matched, then handed to `on_message`, or ignored.
    pub(super) fn on_response(
        &mut self,
        id: TransmitId,
        from: SocketAddr,
        bytes: &[u8],
        now: Instant,
    ) {
        let Some(out) = self.outstanding.get(&id) else {
            self.stats.ignored_responses += 1;
            return;
        };
        if from != out.to {
            self.stats.ignored_responses += 1;
            return;
        }
        let message = match Message::parse(bytes) {
            Ok(message) => message,
            Err(_) => {
                // Garbage with the right ID from the right address is the server's; anything else may
                // be noise and the real answer may still come.
                let ours = Header::parse(bytes).is_ok_and(|h| h.qr && h.id == out.dns_id);
                if ours {
                    if let Some(out) = self.outstanding.remove(&id) {
                        self.server_unusable(&out);
                    }
                } else {
                    self.stats.ignored_responses += 1;
                }
                return;
            }
        };
        if !matches_query(&message, out, self.config.case_randomisation)
            || !ecs_matches(&message, out)
        {
            self.stats.ignored_responses += 1;
            return;
        }
        let Some(out) = self.outstanding.remove(&id) else {
            return;
        };
        if let Some(task) = self.tasks.get_mut(&out.task) {
            task.waiting = Waiting::Nothing;
        }
        if out.protocol == Protocol::Udp && !out.retransmit {
            self.infra
                .record_rtt(out.server, now.saturating_duration_since(out.sent_at), now);
        }
        self.on_message(out, message, now);
    }

    /// Transmit `id` could not be sent or its connection failed.
    pub(super) fn on_failure(&mut self, id: TransmitId, now: Instant) {
        let Some(out) = self.outstanding.remove(&id) else {
            return;
        };
        self.infra.record_timeout(out.server, now);
        if let Some(task) = self.tasks.get_mut(&out.task) {
            task.unreachable.push(out.server);
        }
        self.server_unusable(&out);
    }

    /// Transmit `id` was not answered within its RTO: retransmit, or move on to another server.
    pub(super) fn on_transmit_timeout(&mut self, id: TransmitId, now: Instant) {
        let Some(out) = self.outstanding.remove(&id) else {
            return;
        };
        self.stats.timeouts += 1;
        self.infra.record_timeout(out.server, now);
        let retries = self.config.retries_per_server;
        let Some(task) = self.tasks.get_mut(&out.task) else {
            return;
        };
        task.waiting = Waiting::Nothing;
        let Some(cut) = task.cut.as_mut() else {
            return;
        };
        let tries = cut.tries.entry(out.server).or_default();
        tries.timeouts += 1;
        let retransmit = out.protocol == Protocol::Udp && tries.timeouts <= retries;
        tries.done = !retransmit;
        if !retransmit {
            task.unreachable.push(out.server);
        }
        if retransmit {
            self.send_query(out.task, out.server, Protocol::Udp, true, now);
        } else {
            self.ready.push_back(out.task);
        }
    }

    /// No more queries to this server for this zone in this resolution; the task moves on.
    pub(super) fn server_unusable(&mut self, out: &Outstanding) {
        if let Some(task) = self.tasks.get_mut(&out.task) {
            task.waiting = Waiting::Nothing;
            if let Some(cut) = task.cut.as_mut() {
                cut.tries.entry(out.server).or_default().done = true;
            }
            self.ready.push_back(out.task);
        }
    }
}

/// A query message: no RD (we iterate), one question, and the OPT record when given.
fn query_bytes(id: u16, question: &Question, edns: Option<&Edns>) -> Vec<u8> {
    let header = Header {
        id,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(64), header, usize::MAX);
    builder.question(question);
    if let Some(edns) = edns {
        builder.edns(edns);
    }
    builder.finish()
}

/// Each letter of `name` in random case (0x20); the name itself if that fails (it cannot: the wire
/// structure is unchanged).
fn randomise_case(name: &Name, rng: &mut impl Rng) -> Name {
    let mut wire = name.as_wire().to_vec();
    let mut position = 0;
    while let Some(&length) = wire.get(position) {
        if length == 0 {
            break;
        }
        let end = position + 1 + usize::from(length);
        for byte in wire.iter_mut().take(end).skip(position + 1) {
            if byte.is_ascii_alphabetic() && rng.gen::<bool>() {
                *byte ^= 0x20;
            }
        }
        position = end;
    }
    Name::from_wire(&wire).unwrap_or_else(|_| name.clone())
}

/// RFC 5452 §9.1: a response, with the query's ID and the same question (the same letters under 0x20).
/// FORMERR and NOTIMP may come without a question (servers that do not parse EDNS send them so).
fn matches_query(message: &Message, out: &Outstanding, exact_case: bool) -> bool {
    if !message.header.qr || message.header.id != out.dns_id || message.header.opcode != 0 {
        return false;
    }
    match message.questions.as_slice() {
        [question] => {
            let same_name = if exact_case {
                question.name.as_wire() == out.question.name.as_wire()
            } else {
                question.name == out.question.name
            };
            same_name
                && question.qtype == out.question.qtype
                && question.qclass == out.question.qclass
        }
        [] => {
            let rcode = message.rcode();
            rcode == Rcode::FORMERR || rcode == Rcode::NOTIMP
        }
        _ => false,
    }
}

/// RFC 7871 §7.3: an ECS option in the response must repeat the family, source prefix and address
/// sent; otherwise the whole response is dropped.
fn ecs_matches(message: &Message, out: &Outstanding) -> bool {
    let Some(returned) = message.edns.as_ref().and_then(|edns| edns.client_subnet()) else {
        return true;
    };
    match out.ecs {
        Some(sent) => {
            returned.source_prefix == sent.source_prefix
                && returned.address == sent.address
                && returned.scope_prefix
                    <= match sent.address {
                        IpAddr::V4(_) => 32,
                        IpAddr::V6(_) => 128,
                    }
        }
        // An option we did not ask for is ignored, not trusted.
        None => true,
    }
}

/// The scope a response's ECS gives its data (RFC 7871 §7.3.1): `None` for scope 0 (valid for all) or
/// no option.
pub(super) fn returned_scope(message: &Message, out: &Outstanding) -> Option<ClientSubnet> {
    let sent = out.ecs?;
    let returned = message.edns.as_ref()?.client_subnet()?;
    if returned.scope_prefix == 0 {
        return None;
    }
    // The address masked to the scope (or to the source, when a server claims a longer scope than it
    // was given, RFC 7871 §7.2.1), with the source sent and the scope returned.
    let mut scope = ClientSubnet::new(sent.address, returned.scope_prefix.min(sent.source_prefix));
    scope.source_prefix = sent.source_prefix;
    scope.scope_prefix = returned.scope_prefix;
    Some(scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn case_randomisation_keeps_the_name() {
        let mut rng = StdRng::seed_from_u64(3);
        let name: Name = "www.example-123.com.".parse().expect("name");
        let mixed = randomise_case(&name, &mut rng);
        assert_eq!(mixed, name);
        assert_ne!(mixed.as_wire(), name.as_wire());
        assert_eq!(mixed.as_wire().len(), name.as_wire().len());
    }
}
