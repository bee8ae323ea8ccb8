//! NOTIFY out (RFC 1996 §3), with no I/O: when a zone gets a new version, each of its configured
//! secondaries is sent a NOTIFY, retransmitted until it answers or [`NOTIFY_MAX_ATTEMPTS`] are spent.
//!
//! The contract, like [`crate::secondary::Secondary`]'s: [`Notifier::zone_changed`] queues the NOTIFYs,
//! [`Notifier::poll_transmit`] gives the messages due at `now`, [`Notifier::handle_response`] takes what
//! came back, and [`Notifier::deadline`] says when to poll again.

use globe_dns::{
    Class, Header, Message, MessageBuilder, Name, Opcode, Question, RType, Rcode, Record, Section,
    Writer,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The wait before the first retransmission; it doubles after each (RFC 1996 §3.6 leaves the interval
/// to the operator; BIND starts near 2 s as well).
pub const NOTIFY_FIRST_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times a NOTIFY is sent before giving up (RFC 1996 §3.6; NSD's `notify-retry` default is 5).
pub const NOTIFY_MAX_ATTEMPTS: u32 = 5;

/// A message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The secondary.
    pub target: SocketAddr,
    /// The NOTIFY message.
    pub message: Vec<u8>,
}

/// What a response or a timeout settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The secondary answered with this RCODE (NOERROR, or NOTAUTH/REFUSED if it disowns the zone).
    Answered {
        /// The zone.
        zone: Name,
        /// The secondary.
        target: SocketAddr,
        /// Its answer.
        rcode: Rcode,
    },
    /// No answer after [`NOTIFY_MAX_ATTEMPTS`] sends.
    GaveUp {
        /// The zone.
        zone: Name,
        /// The secondary.
        target: SocketAddr,
    },
}

/// One NOTIFY in flight.
#[derive(Clone, Debug)]
struct Pending {
    soa: Record,
    target: SocketAddr,
    id: u16,
    attempts: u32,
    send_at: Instant,
}

/// The NOTIFYs not yet answered, for every zone.
#[derive(Clone, Debug)]
pub struct Notifier {
    pending: Vec<Pending>,
    next_id: u16,
}

impl Notifier {
    /// A notifier whose message IDs start at `first_id` (a random value from the shell).
    pub fn new(first_id: u16) -> Notifier {
        Notifier {
            pending: Vec::new(),
            next_id: first_id,
        }
    }

    /// A zone has a new version, whose SOA record is `soa`: each of `targets` is to be notified now.
    /// A NOTIFY still pending for the same zone and target is replaced (it announced an older version).
    pub fn zone_changed(&mut self, soa: Record, targets: &[SocketAddr], now: Instant) {
        for &target in targets {
            self.pending
                .retain(|p| !(p.target == target && p.soa.name == soa.name));
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            self.pending.push(Pending {
                soa: soa.clone(),
                target,
                id,
                attempts: 0,
                send_at: now,
            });
        }
    }

    /// The NOTIFYs to send at `now` (first sends and retransmissions), and those given up on.
    pub fn poll_transmit(&mut self, now: Instant) -> (Vec<Transmit>, Vec<Settled>) {
        let mut transmits = Vec::new();
        let mut settled = Vec::new();
        self.pending.retain_mut(|pending| {
            if pending.send_at > now {
                return true;
            }
            if pending.attempts >= NOTIFY_MAX_ATTEMPTS {
                settled.push(Settled::GaveUp {
                    zone: pending.soa.name.clone(),
                    target: pending.target,
                });
                return false;
            }
            transmits.push(Transmit {
                target: pending.target,
                message: notify_message(&pending.soa, pending.id),
            });
            pending.send_at = now + NOTIFY_FIRST_TIMEOUT * (1 << pending.attempts.min(16));
            pending.attempts += 1;
            true
        });
        (transmits, settled)
    }

    /// A message arrived from `source`: if it answers a pending NOTIFY (same ID, zone and address,
    /// RFC 1996 §4.8), that NOTIFY is done.
    pub fn handle_response(&mut self, source: SocketAddr, message: &Message) -> Option<Settled> {
        if !message.header.qr || message.header.opcode() != Opcode::NOTIFY {
            return None;
        }
        let index = self.pending.iter().position(|p| {
            p.id == message.header.id
                && p.target == source
                && message.question().is_none_or(|q| q.name == p.soa.name)
        })?;
        let pending = self.pending.swap_remove(index);
        Some(Settled::Answered {
            zone: pending.soa.name,
            target: pending.target,
            rcode: message.rcode(),
        })
    }

    /// When [`poll_transmit`](Self::poll_transmit) has something to do next.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.send_at).min()
    }

    /// The number of NOTIFYs not yet answered.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether every NOTIFY was answered or given up on.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// A NOTIFY for the zone of `soa` (RFC 1996 §3.7): opcode NOTIFY, AA, the question `zone SOA`, and the
/// new SOA in the answer section as a hint.
pub fn notify_message(soa: &Record, id: u16) -> Vec<u8> {
    let header = Header {
        id,
        opcode: Opcode::NOTIFY.0,
        aa: true,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    builder.question(&Question {
        name: soa.name.clone(),
        qtype: RType::SOA,
        qclass: Class::IN,
    });
    // No size limit, so this cannot fail.
    let _ = builder.record(Section::Answer, soa);
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::{RData, Soa};

    fn soa(serial: u32) -> Record {
        Record {
            name: "example.".parse().expect("valid"),
            class: Class::IN,
            ttl: 3600,
            data: RData::Soa(Soa {
                mname: "ns.example.".parse().expect("valid"),
                rname: "host.example.".parse().expect("valid"),
                serial,
                refresh: 3600,
                retry: 600,
                expire: 86400,
                minimum: 300,
            }),
        }
    }

    fn answer(request: &[u8], rcode: Rcode) -> Message {
        let mut message = Message::parse(request).expect("valid");
        message.header.qr = true;
        message.set_rcode(rcode);
        message.answers.clear();
        message
    }

    #[test]
    fn notify_is_sent_at_once_with_the_soa() {
        let t0 = Instant::now();
        let target: SocketAddr = "192.0.2.53:53".parse().expect("valid");
        let mut notifier = Notifier::new(7);
        notifier.zone_changed(soa(2), &[target], t0);
        let (sent, settled) = notifier.poll_transmit(t0);
        assert!(settled.is_empty());
        assert_eq!(sent.len(), 1);
        let message = Message::parse(&sent[0].message).expect("valid");
        assert_eq!(message.header.id, 7);
        assert_eq!(message.header.opcode(), Opcode::NOTIFY);
        assert!(message.header.aa && !message.header.qr);
        assert_eq!(message.questions[0].qtype, RType::SOA);
        assert_eq!(message.answers, vec![soa(2)]);
    }

    #[test]
    fn retransmits_with_backoff_then_gives_up() {
        let t0 = Instant::now();
        let target: SocketAddr = "192.0.2.53:53".parse().expect("valid");
        let mut notifier = Notifier::new(0);
        notifier.zone_changed(soa(2), &[target], t0);
        let mut sends = Vec::new();
        let mut now = t0;
        loop {
            let (sent, settled) = notifier.poll_transmit(now);
            if !sent.is_empty() {
                sends.push(now - t0);
            }
            if !settled.is_empty() {
                assert_eq!(
                    settled,
                    vec![Settled::GaveUp {
                        zone: "example.".parse().expect("valid"),
                        target
                    }]
                );
                break;
            }
            now = notifier.deadline().expect("pending");
        }
        let s = Duration::from_secs;
        assert_eq!(sends, vec![s(0), s(2), s(6), s(14), s(30)]);
        assert!(notifier.is_empty());
    }

    #[test]
    fn an_answer_from_the_target_settles_it() {
        let t0 = Instant::now();
        let target: SocketAddr = "192.0.2.53:53".parse().expect("valid");
        let other: SocketAddr = "192.0.2.54:53".parse().expect("valid");
        let mut notifier = Notifier::new(100);
        notifier.zone_changed(soa(2), &[target], t0);
        let (sent, _) = notifier.poll_transmit(t0);
        let reply = answer(&sent[0].message, Rcode::NOERROR);
        // The same answer from another address is not an answer.
        assert_eq!(notifier.handle_response(other, &reply), None);
        assert_eq!(
            notifier.handle_response(target, &reply),
            Some(Settled::Answered {
                zone: "example.".parse().expect("valid"),
                target,
                rcode: Rcode::NOERROR
            })
        );
        assert!(notifier.is_empty());
        assert_eq!(notifier.deadline(), None);
    }

    #[test]
    fn a_newer_version_replaces_the_pending_notify() {
        let t0 = Instant::now();
        let target: SocketAddr = "192.0.2.53:53".parse().expect("valid");
        let mut notifier = Notifier::new(0);
        notifier.zone_changed(soa(2), &[target], t0);
        notifier.poll_transmit(t0);
        notifier.zone_changed(soa(3), &[target], t0);
        assert_eq!(notifier.len(), 1);
        let (sent, _) = notifier.poll_transmit(t0);
        let message = Message::parse(&sent[0].message).expect("valid");
        assert_eq!(message.answers, vec![soa(3)]);
    }
}
