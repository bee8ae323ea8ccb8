//! The socket layer globe's DNS servers (`globe auth`, `globe resolver`) share: batched UDP
//! (recvmmsg/sendmmsg) and RFC 7766 TCP framing. No DNS logic: bytes in, bytes out.
//!
//! - [`udp`]: [`udp::bind`] opens a server socket; [`udp::Datagrams`] receives a batch of queries per
//!   system call into preallocated buffers, and [`udp::Responses`] sends a batch of responses per system
//!   call and recycles their buffers, so the hot path allocates nothing per datagram.
//! - [`tcp`]: [`tcp::bind`] opens a listener; [`tcp::serve`] accepts connections under a limit and hands
//!   each to the server's handler; [`tcp::Connection`] reads and writes two-octet length-prefixed
//!   messages with an idle timeout, several per connection (pipelining).
//!
//! What a server answers, whom it refuses, and what it counts stay in the server's crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod tcp;
pub mod udp;

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::SocketAddr;

/// A socket of `kind` for `address`'s family, not yet bound. IPv6 sockets are IPv6-only, so the IPv4
/// address of a dual-stack server is bound by a socket of its own.
fn server_socket(address: SocketAddr, kind: Type, protocol: Protocol) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(address), kind, Some(protocol))?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    Ok(socket)
}
