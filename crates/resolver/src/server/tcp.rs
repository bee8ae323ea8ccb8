//! Stub-facing TCP (RFC 7766): length-prefixed queries, several per connection answered in order, an
//! idle timeout; cache hits from the rendered-answer cache, the rest through the driver.

use super::driver::{Job, Reply};
use super::Shared;
use crate::stub::{decide, Decision};
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// Most client connections served at once.
const MAX_CONNECTIONS: usize = 1024;
/// A connection with no query for this long is closed (RFC 7766 §6.2.3 suggests seconds).
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

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
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Job>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
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
        let shared = shared.clone();
        let jobs = jobs.clone();
        tokio::spawn(async move {
            let _ = connection(stream, peer, shared, jobs).await;
            drop(permit);
        });
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Job>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let length = match tokio::time::timeout(IDLE_TIMEOUT, reader.read_u16()).await {
            Ok(Ok(length)) => usize::from(length),
            _ => return Ok(()),
        };
        let mut query = vec![0u8; length];
        reader.read_exact(&mut query).await?;
        shared.metrics.query(true);
        let mut response = Vec::new();
        let hit = shared.access.allows(peer.ip())
            && shared
                .answers
                .lock()
                .map(|answers| answers.answer(&query, true, Instant::now(), &mut response))
                .unwrap_or(false);
        if hit {
            shared.metrics.fast_hit();
        } else {
            response = match decide(&query, peer.ip(), &shared.access) {
                Decision::Resolve(stub) => {
                    let (sender, receiver) = oneshot::channel();
                    let job = Job {
                        query: stub,
                        raw: query,
                        client: peer,
                        reply: Reply::Tcp(sender),
                    };
                    if jobs.send(job).is_err() {
                        return Ok(());
                    }
                    match receiver.await {
                        Ok(response) => response,
                        Err(_) => return Ok(()),
                    }
                }
                Decision::Reply(bytes) => {
                    shared.metrics.refused_or_error();
                    bytes
                }
                Decision::Drop => return Ok(()),
            };
        }
        let Ok(length) = u16::try_from(response.len()) else {
            return Ok(());
        };
        let mut framed = Vec::with_capacity(response.len() + 2);
        framed.extend_from_slice(&length.to_be_bytes());
        framed.extend_from_slice(&response);
        writer.write_all(&framed).await?;
    }
}
