//! UDP workers: one blocking thread per socket, asking the answer engine about each datagram, applying
//! rate limiting, and queueing the response. Several sockets share a port with `SO_REUSEPORT`. The
//! sockets, the batched receive and send (`recvmmsg`/`sendmmsg`) and the buffers are
//! [`globe_dns_io::udp`]'s; the slip (truncated) response of rate limiting is here.
//!
//! Each worker beats a heartbeat every time round its loop; the socket's receive timeout
//! ([`super::HEARTBEAT_INTERVAL`]) wakes an idle worker, so a heartbeat that goes stale means a worker
//! stuck or dead ([`super::Liveness`]). While the DNS service is stopped (`dns stop` on the control
//! socket) queries are read and dropped unanswered.

use super::Shared;
use crate::answer::{Context, Outcome, Transport};
use crate::rrl::Verdict;
use crate::steering::SplitMix64;
use globe_dns_io::udp::{Datagrams, Responses};
use rand::RngCore;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

pub use globe_dns_io::udp::bind;

/// The capacity of a response buffer: the EDNS payload size most resolvers advertise (DNS flag day 2020).
const RESPONSE_CAPACITY: usize = 1232;

/// Serves one socket forever, a batch of datagrams at a time; `worker` is this thread's heartbeat slot.
pub fn serve(socket: UdpSocket, shared: Arc<Shared>, worker: usize) {
    if let Err(error) = socket.set_read_timeout(Some(super::HEARTBEAT_INTERVAL)) {
        tracing::warn!(%error, "UDP worker without a receive timeout: idle means stale");
    }
    let mut datagrams = Datagrams::new();
    let mut responses = Responses::new(RESPONSE_CAPACITY);
    let mut rng = SplitMix64::new(rand::random());
    loop {
        shared.liveness.beat(worker);
        let received = match datagrams.receive(&socket) {
            Ok(received) => received,
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                continue;
            }
        };
        if !shared.liveness.is_serving() {
            continue;
        }
        for (request, peer) in received {
            let buffer = responses.buffer();
            if let Some(response) = handle(&shared, request, peer, rng.next_u64(), buffer) {
                responses.push(response, peer);
            }
        }
        if let Err(error) = responses.send(&socket) {
            tracing::debug!(%error, "UDP send failed");
        }
    }
}

/// Answers one datagram: the answer engine, then metrics and rate limiting. `None` sends nothing.
fn handle(
    shared: &Shared,
    request: &[u8],
    peer: SocketAddr,
    random: u64,
    buffer: Vec<u8>,
) -> Option<Vec<u8>> {
    let zones = shared.zones.load();
    let steering = shared.steering.load();
    let context = Context::steered(peer.ip(), &steering, random);
    match shared
        .responder
        .respond(&zones, request, Transport::Udp, context, buffer)
    {
        Outcome::Respond(response, summary) => {
            shared.metrics.record(Transport::Udp, &summary);
            let verdict = match &shared.rrl {
                Some(rrl) => match rrl.lock() {
                    Ok(mut rrl) => rrl.check(
                        peer.ip(),
                        summary.kind,
                        summary.rrl_name.as_ref(),
                        shared.now_seconds(),
                    ),
                    Err(_) => Verdict::Send,
                },
                None => Verdict::Send,
            };
            match verdict {
                Verdict::Send => Some(response),
                Verdict::Slip => {
                    shared.metrics.rrl_slip();
                    Some(slip(&response))
                }
                Verdict::Drop => {
                    shared.metrics.rrl_drop();
                    None
                }
            }
        }
        Outcome::Notify(message) => Some(super::control::notify_response(shared, &message, peer)),
        Outcome::Transfer(_) | Outcome::Drop => {
            shared.metrics.drop_request();
            None
        }
    }
}

/// The truncated form of a response: its header with TC set and only the question.
pub fn slip(response: &[u8]) -> Vec<u8> {
    let mut out = response.get(..12).map(<[u8]>::to_vec).unwrap_or_default();
    if out.len() < 12 {
        return out;
    }
    out[2] |= 0x02;
    let qdcount = u16::from_be_bytes([out[4], out[5]]);
    out[6..12].fill(0);
    if qdcount == 1 {
        let mut reader = globe_dns::Reader::new(response);
        let question_end = reader
            .bytes(12)
            .and_then(|_| reader.name())
            .map(|_| reader.position() + 4)
            .ok()
            .filter(|end| *end <= response.len());
        match question_end {
            Some(end) => out.extend_from_slice(&response[12..end]),
            None => out[4..6].fill(0),
        }
    }
    out
}
