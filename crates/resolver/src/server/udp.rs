//! Stub-facing UDP: one blocking worker thread per listening socket. Cache hits are answered right here
//! from the rendered-answer cache, a batch of datagrams per system call; everything else goes to the
//! driver, which answers on the same socket when the resolution finishes.

use super::driver::{Job, Reply};
use super::Shared;
use crate::stub::{decide, Decision};
use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// Datagrams taken from (and responses given to) the kernel per system call.
const BATCH: usize = 32;
/// The largest query accepted over UDP.
const MAX_QUERY: usize = 4096;

/// Opens a UDP socket; IPv6 sockets are IPv6-only so IPv4 can be bound separately.
pub fn bind(address: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_recv_buffer_size(4 << 20).ok();
    socket.bind(&address.into())?;
    Ok(socket.into())
}

/// Serves one socket until the driver goes away.
pub(crate) fn serve(socket: Arc<UdpSocket>, shared: Arc<Shared>, jobs: mpsc::UnboundedSender<Job>) {
    let fd = socket.as_raw_fd();
    let mut buffers = vec![[0u8; MAX_QUERY]; BATCH];
    let mut receive_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut spare: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
    let mut responses: Vec<(Vec<u8>, SockaddrStorage)> = Vec::with_capacity(BATCH);
    let mut received: Vec<(usize, Option<SocketAddr>)> = Vec::with_capacity(BATCH);
    loop {
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
        let now = Instant::now();
        for (index, (length, peer)) in received.iter().enumerate() {
            let Some(peer) = *peer else { continue };
            let query = &buffers[index][..(*length).min(MAX_QUERY)];
            shared.metrics.query(false);
            if shared.access.allows(peer.ip()) {
                let mut out = spare.pop().unwrap_or_default();
                let hit = match shared.answers.lock() {
                    Ok(answers) => answers.answer(query, false, now, &mut out),
                    Err(_) => false,
                };
                if hit {
                    shared.metrics.fast_hit();
                    responses.push((out, SockaddrStorage::from(peer)));
                    continue;
                }
                spare.push(out);
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
                    responses.push((bytes, SockaddrStorage::from(peer)));
                }
                Decision::Drop => {}
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
        for (mut response, _) in responses.drain(..) {
            if spare.len() < BATCH {
                response.clear();
                spare.push(response);
            }
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
