//! UDP workers: one blocking thread per socket, receiving a datagram, asking the answer engine, applying
//! rate limiting, and sending the response. Several sockets share a port with `SO_REUSEPORT`.

use super::Shared;
use crate::answer::{Outcome, Transport};
use crate::rrl::Verdict;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

/// Opens a UDP socket; IPv6 sockets are IPv6-only so IPv4 can be bound separately.
pub fn bind(address: SocketAddr, reuse_port: bool) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_recv_buffer_size(4 << 20).ok();
    socket.bind(&address.into())?;
    Ok(socket.into())
}

/// Serves one socket forever.
pub fn serve(socket: UdpSocket, shared: Arc<Shared>) {
    let mut request = vec![0u8; 65_535];
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let (len, peer) = match socket.recv_from(&mut request) {
            Ok(received) => received,
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                continue;
            }
        };
        let zones = shared.zones.load();
        let outcome = shared.responder.respond(
            &zones,
            &request[..len],
            Transport::Udp,
            std::mem::take(&mut buffer),
        );
        match outcome {
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
                    Verdict::Send => {
                        let _ = socket.send_to(&response, peer);
                    }
                    Verdict::Slip => {
                        shared.metrics.rrl_slip();
                        let _ = socket.send_to(&slip(&response), peer);
                    }
                    Verdict::Drop => shared.metrics.rrl_drop(),
                }
                buffer = response;
            }
            Outcome::Notify(message) => {
                let response = super::control::notify_response(&shared, &message, peer);
                let _ = socket.send_to(&response, peer);
            }
            Outcome::Transfer(_) | Outcome::Drop => shared.metrics.drop_request(),
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
