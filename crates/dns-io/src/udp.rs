//! Batched UDP for DNS servers: opening a server socket, receiving a batch of datagrams per
//! `recvmmsg(2)` into preallocated buffers ([`Datagrams`]), and sending a batch of responses per
//! `sendmmsg(2)` while recycling their buffers ([`Responses`]).
//!
//! Under load the batch system calls cut the per-query syscall cost, as Knot's UDP workers do. The
//! message headers, the query buffers and the response buffers are allocated once per worker; the hot
//! path allocates only the small per-batch slice lists `nix` asks for, never per datagram.
//!
//! The two halves are separate values so a server can read a batch's queries while it queues responses:
//!
//! ```no_run
//! # fn answer(query: &[u8], out: &mut Vec<u8>) { out.extend_from_slice(query) }
//! use globe_dns_io::udp;
//! let socket = udp::bind("127.0.0.1:5353".parse().expect("address"), false)?;
//! let mut datagrams = udp::Datagrams::new();
//! let mut responses = udp::Responses::new(512);
//! loop {
//!     for (query, peer) in datagrams.receive(&socket)? {
//!         let mut out = responses.buffer();
//!         answer(query, &mut out);
//!         responses.push(out, peer);
//!     }
//!     responses.send(&socket)?;
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};
use socket2::{Protocol, Type};
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

/// Datagrams taken from (and responses given to) the kernel per system call.
pub const BATCH: usize = 32;
/// The largest query accepted over UDP; anything longer is not a DNS query a resolver or stub would
/// send, and is cut to this length.
pub const MAX_QUERY: usize = 4096;
/// The socket receive buffer asked for (`SO_RCVBUF`), so a burst waits in the kernel rather than being
/// dropped while a worker is busy. Best effort: the kernel may cap it (`net.core.rmem_max`).
pub const RECEIVE_BUFFER: usize = 4 << 20;

/// Opens a UDP server socket; IPv6 sockets are IPv6-only so IPv4 can be bound separately. With
/// `reuse_port`, several sockets (one per worker) can share the address (`SO_REUSEPORT`).
pub fn bind(address: SocketAddr, reuse_port: bool) -> io::Result<UdpSocket> {
    let socket = crate::server_socket(address, Type::DGRAM, Protocol::UDP)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_recv_buffer_size(RECEIVE_BUFFER).ok();
    socket.bind(&address.into())?;
    Ok(socket.into())
}

/// The receiving half of a worker: [`BATCH`] buffers of [`MAX_QUERY`] octets and the message headers
/// `recvmmsg` fills, reused for every batch.
pub struct Datagrams {
    buffers: Vec<[u8; MAX_QUERY]>,
    headers: MultiHeaders<SockaddrStorage>,
    /// Per buffer of the last batch: how many octets arrived, and from whom (if the kernel said).
    received: Vec<(usize, Option<SocketAddr>)>,
}

/// The sending half of a worker: the responses queued for the next [`Responses::send`], spare response
/// buffers to answer into, and the message headers `sendmmsg` fills.
pub struct Responses {
    queue: Vec<(Vec<u8>, SockaddrStorage)>,
    spare: Vec<Vec<u8>>,
    headers: MultiHeaders<SockaddrStorage>,
    buffer_capacity: usize,
}

impl Datagrams {
    /// Allocates the buffers and headers for one worker.
    pub fn new() -> Datagrams {
        Datagrams {
            buffers: vec![[0u8; MAX_QUERY]; BATCH],
            headers: MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None),
            received: Vec::with_capacity(BATCH),
        }
    }

    /// Waits for at least one datagram (`MSG_WAITFORONE`), takes up to [`BATCH`] in one system call,
    /// and yields each one's bytes (at most [`MAX_QUERY`]) and sender. Datagrams without a usable
    /// sender address are skipped. An error (including a receive timeout set on the socket) leaves the
    /// batch empty.
    pub fn receive(
        &mut self,
        socket: &UdpSocket,
    ) -> io::Result<impl Iterator<Item = (&[u8], SocketAddr)> + '_> {
        self.received.clear();
        {
            let mut slices: Vec<[IoSliceMut<'_>; 1]> = self
                .buffers
                .iter_mut()
                .map(|buffer| [IoSliceMut::new(&mut buffer[..])])
                .collect();
            let messages = recvmmsg(
                socket.as_raw_fd(),
                &mut self.headers,
                slices.iter_mut(),
                MsgFlags::MSG_WAITFORONE,
                None,
            )?;
            for message in messages {
                let peer = message.address.and_then(|a| socket_address(&a));
                self.received.push((message.bytes, peer));
            }
        }
        Ok(self
            .received
            .iter()
            .zip(&self.buffers)
            .filter_map(|(&(length, peer), buffer)| {
                Some((&buffer[..length.min(MAX_QUERY)], peer?))
            }))
    }
}

impl Default for Datagrams {
    fn default() -> Datagrams {
        Datagrams::new()
    }
}

impl Responses {
    /// Allocates the headers and [`BATCH`] spare buffers of `buffer_capacity` octets for one worker
    /// (the size of a typical response: 1232 for an authoritative server, 512 for a stub's cache hit).
    pub fn new(buffer_capacity: usize) -> Responses {
        Responses {
            queue: Vec::with_capacity(BATCH),
            spare: (0..BATCH)
                .map(|_| Vec::with_capacity(buffer_capacity))
                .collect(),
            headers: MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None),
            buffer_capacity,
        }
    }

    /// A buffer to write a response into: a recycled one while any is spare, else a new one.
    pub fn buffer(&mut self) -> Vec<u8> {
        self.spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.buffer_capacity))
    }

    /// Gives back a buffer from [`Responses::buffer`] that carried no response.
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < BATCH {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    /// Queues `response` for `peer`; it goes out with the next [`Responses::send`].
    pub fn push(&mut self, response: Vec<u8>, peer: SocketAddr) {
        self.queue.push((response, SockaddrStorage::from(peer)));
    }

    /// Whether no response is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Sends the queued responses in one system call (none if the queue is empty) and recycles their
    /// buffers. The queue is empty afterwards, also on error: a DNS response that cannot be sent now is
    /// not retried.
    pub fn send(&mut self, socket: &UdpSocket) -> io::Result<()> {
        if self.queue.is_empty() {
            return Ok(());
        }
        let sent = {
            let slices: Vec<[IoSlice<'_>; 1]> = self
                .queue
                .iter()
                .map(|(response, _)| [IoSlice::new(response)])
                .collect();
            let addresses: Vec<Option<SockaddrStorage>> =
                self.queue.iter().map(|(_, peer)| Some(*peer)).collect();
            let no_control: [ControlMessage<'_>; 0] = [];
            sendmmsg(
                socket.as_raw_fd(),
                &mut self.headers,
                slices.iter(),
                &addresses,
                no_control,
                MsgFlags::empty(),
            )
            .map(drop)
        };
        let mut queue = std::mem::take(&mut self.queue);
        for (response, _) in queue.drain(..) {
            self.recycle(response);
        }
        self.queue = queue;
        sent.map_err(io::Error::from)
    }
}

/// A socket address from what the kernel reported; `None` for a family other than IPv4 or IPv6.
fn socket_address(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::from((v4.ip(), v4.port())));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::from((v6.ip(), v6.port())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn loopback() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }

    #[test]
    fn batch_round_trip_over_loopback() -> io::Result<()> {
        let server = bind(loopback(), false)?;
        server.set_read_timeout(Some(Duration::from_secs(5)))?;
        let client = UdpSocket::bind(loopback())?;
        client.set_read_timeout(Some(Duration::from_secs(5)))?;
        let queries: [&[u8]; 3] = [b"first", b"second", &[0xab; 300]];
        for query in queries {
            client.send_to(query, server.local_addr()?)?;
        }

        let mut datagrams = Datagrams::new();
        let mut responses = Responses::new(512);
        let mut seen = Vec::new();
        while seen.len() < queries.len() {
            for (query, peer) in datagrams.receive(&server)? {
                assert_eq!(peer, client.local_addr()?);
                seen.push(query.to_vec());
                let mut out = responses.buffer();
                out.extend_from_slice(b"re:");
                out.extend_from_slice(query);
                responses.push(out, peer);
            }
            responses.send(&server)?;
            assert!(responses.is_empty());
        }
        let expected: Vec<Vec<u8>> = queries.iter().map(|q| q.to_vec()).collect();
        assert_eq!(seen, expected);

        let mut buffer = [0u8; 512];
        for query in queries {
            let (length, from) = client.recv_from(&mut buffer)?;
            assert_eq!(from, server.local_addr()?);
            assert_eq!(&buffer[..3], b"re:");
            assert_eq!(&buffer[3..length], query);
        }
        // Every response buffer came back, emptied, and the spare list stays bounded.
        assert_eq!(responses.spare.len(), BATCH);
        assert!(responses.spare.iter().all(Vec::is_empty));
        Ok(())
    }

    #[test]
    fn long_datagram_is_cut_to_max_query() -> io::Result<()> {
        let server = bind(loopback(), false)?;
        server.set_read_timeout(Some(Duration::from_secs(5)))?;
        let client = UdpSocket::bind(loopback())?;
        client.send_to(&[7u8; MAX_QUERY + 100], server.local_addr()?)?;
        let mut datagrams = Datagrams::new();
        let lengths: Vec<usize> = datagrams
            .receive(&server)?
            .map(|(query, _)| query.len())
            .collect();
        assert_eq!(lengths, [MAX_QUERY]);
        Ok(())
    }

    #[test]
    fn receive_timeout_is_an_error_with_an_empty_batch() -> io::Result<()> {
        let server = bind(loopback(), false)?;
        server.set_read_timeout(Some(Duration::from_millis(20)))?;
        let mut datagrams = Datagrams::new();
        assert!(datagrams.receive(&server).is_err());
        assert!(datagrams.received.is_empty());
        Ok(())
    }

    #[test]
    fn ipv6_sockets_are_ipv6_only_and_can_share_a_port() -> io::Result<()> {
        let first = bind(loopback(), true)?;
        let second = bind(first.local_addr()?, true)?;
        assert_eq!(first.local_addr()?, second.local_addr()?);
        if let Ok(v6) = bind(SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], 0)), false) {
            assert!(socket2::SockRef::from(&v6).only_v6()?);
        }
        Ok(())
    }
}
