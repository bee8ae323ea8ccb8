//! UDP workers: one blocking thread per socket, receiving a datagram, asking the answer engine, applying
//! rate limiting, and sending the response. Several sockets share a port with `SO_REUSEPORT`.
//!
//! Each worker beats a heartbeat every time round its loop; the socket's receive timeout
//! ([`super::HEARTBEAT_INTERVAL`]) wakes an idle worker, so a heartbeat that goes stale means a worker
//! stuck or dead ([`super::Liveness`]). While the DNS service is stopped (`dns stop` on the control
//! socket) queries are read and dropped unanswered.

use super::Shared;
use crate::answer::{Context, Outcome, Transport};
use crate::rrl::Verdict;
use crate::steering::SplitMix64;
use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};
use rand::RngCore;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
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

/// Datagrams taken from (and responses given to) the kernel per system call: under load
/// `recvmmsg`/`sendmmsg` cut the per-query syscall cost, as Knot's UDP workers do.
pub const BATCH: usize = 32;
/// The largest query accepted over UDP; anything longer is not a DNS query a resolver would send.
const MAX_QUERY: usize = 4096;

/// Serves one socket forever, a batch of datagrams at a time; `worker` is this thread's heartbeat slot.
pub fn serve(socket: UdpSocket, shared: Arc<Shared>, worker: usize) {
    if let Err(error) = socket.set_read_timeout(Some(super::HEARTBEAT_INTERVAL)) {
        tracing::warn!(%error, "UDP worker without a receive timeout: idle means stale");
    }
    let fd = socket.as_raw_fd();
    let mut buffers = vec![[0u8; MAX_QUERY]; BATCH];
    let mut receive_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut spare: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(1232)).collect();
    let mut responses: Vec<(Vec<u8>, SockaddrStorage)> = Vec::with_capacity(BATCH);
    let mut received: Vec<(usize, Option<SocketAddr>)> = Vec::with_capacity(BATCH);
    let mut rng = SplitMix64::new(rand::random());
    loop {
        shared.liveness.beat(worker);
        received.clear();
        {
            let mut slices: Vec<[IoSliceMut<'_>; 1]> = buffers
                .iter_mut()
                .map(|b| [IoSliceMut::new(&mut b[..])])
                .collect();
            match recvmmsg(
                fd,
                &mut receive_headers,
                slices.iter_mut(),
                MsgFlags::MSG_WAITFORONE,
                None,
            ) {
                Ok(messages) => {
                    for message in messages {
                        let peer = message.address.and_then(|a| socket_address(&a));
                        received.push((message.bytes, peer));
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, "UDP receive failed");
                    continue;
                }
            }
        }
        if !shared.liveness.is_serving() {
            continue;
        }
        for (index, (len, peer)) in received.iter().enumerate() {
            let Some(peer) = *peer else { continue };
            let request = &buffers[index][..(*len).min(MAX_QUERY)];
            let buffer = spare.pop().unwrap_or_default();
            if let Some(response) = handle(&shared, request, peer, rng.next_u64(), buffer) {
                responses.push((response, SockaddrStorage::from(peer)));
            }
        }
        if responses.is_empty() {
            continue;
        }
        {
            let slices: Vec<[IoSlice<'_>; 1]> =
                responses.iter().map(|(r, _)| [IoSlice::new(r)]).collect();
            let addresses: Vec<Option<SockaddrStorage>> =
                responses.iter().map(|(_, a)| Some(*a)).collect();
            let no_control: [ControlMessage<'_>; 0] = [];
            if let Err(error) = sendmmsg(
                fd,
                &mut send_headers,
                slices.iter(),
                &addresses,
                no_control,
                MsgFlags::empty(),
            ) {
                tracing::debug!(%error, "UDP send failed");
            }
        }
        for (response, _) in responses.drain(..) {
            spare.push(response);
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

fn socket_address(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::from((v4.ip(), v4.port())));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::from((v6.ip(), v6.port())))
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
