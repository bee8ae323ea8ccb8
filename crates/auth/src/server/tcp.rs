//! DNS over TCP (RFC 7766): two-octet length-prefixed messages, several queries per connection answered
//! in order, an idle timeout, and zone transfers (AXFR, and IXFR from the zone's journal) streamed as
//! several messages.

use super::Shared;
use crate::answer::{Context, Outcome, Transport};
use crate::steering::SplitMix64;
use rand::RngCore;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Most TCP connections served at once; more wait in the accept queue.
pub const MAX_TCP_CONNECTIONS: usize = 1024;

/// Opens a listening TCP socket (IPv6-only for IPv6 addresses).
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

/// Accepts connections forever.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, idle: Duration) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_TCP_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "TCP accept failed");
                continue;
            }
        };
        if !shared.liveness.is_serving() {
            // `dns stop`: close at once, as a server that is not there would.
            drop(stream);
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = connection(stream, peer, shared, idle).await;
            drop(permit);
        });
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    idle: Duration,
) -> std::io::Result<()> {
    stream.set_nodelay(true).ok();
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut request = Vec::with_capacity(512);
    let mut rng = SplitMix64::new(rand::random());
    loop {
        let len = match tokio::time::timeout(idle, reader.read_u16()).await {
            Ok(Ok(len)) => len as usize,
            _ => return Ok(()),
        };
        request.resize(len, 0);
        match tokio::time::timeout(idle, reader.read_exact(&mut request)).await {
            Ok(Ok(_)) => {}
            _ => return Ok(()),
        }
        let zones = shared.zones();
        let steering = shared.steering();
        let context = Context::steered(peer.ip(), &steering, rng.next_u64());
        let outcome =
            shared
                .responder
                .respond(&zones, &request, Transport::Tcp, context, Vec::new());
        let responses = match outcome {
            Outcome::Respond(response, summary) => {
                shared.metrics.record(Transport::Tcp, &summary);
                vec![response]
            }
            Outcome::Transfer(query) => {
                let acl = shared
                    .config
                    .lock()
                    .map(|c| c.zones.clone())
                    .unwrap_or_default();
                let journal = query.question().and_then(|q| shared.journal(&q.name));
                let response =
                    crate::xfr::respond(&zones, &query, peer.ip(), &acl, journal.as_ref());
                shared.metrics.record(Transport::Tcp, &response.summary);
                shared.metrics.transfer_out(response.served);
                response.messages
            }
            Outcome::Notify(message) => {
                vec![super::control::notify_response(&shared, &message, peer)]
            }
            Outcome::Drop => {
                shared.metrics.drop_request();
                continue;
            }
        };
        for response in responses {
            let mut framed = Vec::with_capacity(response.len() + 2);
            framed.extend_from_slice(&(response.len() as u16).to_be_bytes());
            framed.extend_from_slice(&response);
            writer.write_all(&framed).await?;
        }
    }
}
