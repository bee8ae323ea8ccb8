//! The passive side: one listening socket per configured address, each accepting connections and
//! handing them to the task of the neighbour whose address they come from. Connections from any other
//! address are closed at once. TCP-MD5 keys are installed on the listening sockets (the kernel then
//! drops SYNs from a neighbour with a missing or wrong signature); TTL and GTSM options are set on each
//! accepted connection.

use crate::config::Config;
use crate::session::{configure_socket, SessionCommand};
use crate::sockopt;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Pending connections per listener.
const BACKLOG: i32 = 128;

/// Binds every `listen` address, with the neighbours' TCP-MD5 keys.
pub(crate) fn bind(config: &Config) -> Result<Vec<TcpListener>, String> {
    config
        .listen
        .iter()
        .map(|address| bind_one(config, *address).map_err(|e| format!("listen {address}: {e}")))
        .collect()
}

fn bind_one(config: &Config, address: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let ipv6 = address.is_ipv6();
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if ipv6 {
        // IPv4 neighbours come in on the IPv4 listener; the keys and TTL options are per family.
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    for neighbor in &config.neighbor {
        if let Some(password) = &neighbor.password {
            if neighbor.address.is_ipv6() == ipv6 {
                sockopt::set_tcp_md5(&socket, ipv6, neighbor.address, password.as_bytes())?;
            }
        }
    }
    // The SYN-ACK leaves with the listener's TTL: a GTSM neighbour (RFC 5082) drops it unless it is 255.
    if config
        .neighbor
        .iter()
        .any(|neighbor| neighbor.ttl_security && neighbor.address.is_ipv6() == ipv6)
    {
        if ipv6 {
            socket.set_unicast_hops_v6(255)?;
        } else {
            socket.set_ttl(255)?;
        }
    }
    socket.listen(BACKLOG)?;
    TcpListener::from_std(socket.into())
}

/// Accepts connections on `listener` for ever, dispatching them by peer address.
pub(crate) async fn accept(
    listener: TcpListener,
    config: Arc<Config>,
    sessions: Arc<HashMap<IpAddr, (usize, mpsc::UnboundedSender<SessionCommand>)>>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let address = match peer.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            other => other,
        };
        let Some((index, session)) = sessions.get(&address) else {
            tracing::info!(%peer, "connection from an address that is not a neighbor; closed");
            continue;
        };
        let Some(neighbor) = config.neighbor.get(*index) else {
            continue;
        };
        let ipv6 = stream.local_addr().is_ok_and(|local| local.is_ipv6());
        if let Err(error) = configure_socket(
            &stream,
            neighbor,
            ipv6,
            neighbor.is_internal(config.asn),
            false,
        ) {
            tracing::warn!(%peer, %error, "socket options failed; connection closed");
            continue;
        }
        let _ = session.send(SessionCommand::Incoming(stream));
    }
}
