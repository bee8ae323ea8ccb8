//! Stub-facing UDP: one blocking worker thread per listening socket. Cache hits are answered right here
//! from the rendered-answer cache, a batch of datagrams per system call; everything else goes to the
//! driver, which answers on the same socket when the resolution finishes. The sockets, the batched
//! receive and send (`recvmmsg`/`sendmmsg`) and the buffers are [`globe_dns_io::udp`]'s.

use super::driver::{Job, Reply};
use super::Shared;
use crate::stub::{decide, Decision};
use globe_dns_io::udp::{Datagrams, Responses};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// The capacity of a response buffer: a cache hit for a stub without EDNS fits in 512 octets.
const RESPONSE_CAPACITY: usize = 512;

/// Opens a UDP socket; IPv6 sockets are IPv6-only so IPv4 can be bound separately.
pub fn bind(address: SocketAddr) -> std::io::Result<UdpSocket> {
    globe_dns_io::udp::bind(address, false)
}

/// Serves one socket until the driver goes away.
pub(crate) fn serve(socket: Arc<UdpSocket>, shared: Arc<Shared>, jobs: mpsc::UnboundedSender<Job>) {
    let mut datagrams = Datagrams::new();
    let mut responses = Responses::new(RESPONSE_CAPACITY);
    loop {
        let received = match datagrams.receive(&socket) {
            Ok(received) => received,
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                continue;
            }
        };
        let now = Instant::now();
        for (query, peer) in received {
            shared.metrics.query(false);
            if shared.access.allows(peer.ip()) {
                let mut out = responses.buffer();
                let hit = match shared.answers.lock() {
                    Ok(answers) => answers.answer(query, false, now, &mut out),
                    Err(_) => false,
                };
                if hit {
                    shared.metrics.fast_hit();
                    responses.push(out, peer);
                    continue;
                }
                responses.recycle(out);
            }
            match decide(query, peer.ip(), &shared.access) {
                Decision::Resolve(stub) => {
                    let job = Job {
                        query: stub,
                        raw: query.to_vec(),
                        client: peer,
                        reply: Reply::Udp(socket.clone()),
                    };
                    if jobs.send(job).is_err() {
                        return;
                    }
                }
                Decision::Reply(bytes) => {
                    shared.metrics.refused_or_error();
                    responses.push(bytes, peer);
                }
                Decision::Drop => {}
            }
        }
        if let Err(error) = responses.send(&socket) {
            tracing::debug!(%error, "UDP send failed");
        }
    }
}
