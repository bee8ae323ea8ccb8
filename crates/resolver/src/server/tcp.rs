//! Stub-facing TCP (RFC 7766): length-prefixed queries, several per connection answered in order, an
//! idle timeout; cache hits from the rendered-answer cache, the rest through the driver. The listener,
//! the accept loop and the message framing are [`globe_dns_io::tcp`]'s.

use super::driver::{Job, Reply};
use super::Shared;
use crate::stub::{decide, Decision};
use globe_dns_io::tcp::Connection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

pub use globe_dns_io::tcp::bind;

/// Most client connections served at once.
const MAX_CONNECTIONS: usize = 1024;
/// A connection with no query for this long is closed (RFC 7766 §6.2.3 suggests seconds).
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections forever.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Job>,
) {
    globe_dns_io::tcp::serve(listener, MAX_CONNECTIONS, |stream, peer| {
        let shared = shared.clone();
        let jobs = jobs.clone();
        async move {
            let _ = connection(stream, peer, shared, jobs).await;
        }
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Job>,
) -> std::io::Result<()> {
    let mut connection = Connection::new(stream, IDLE_TIMEOUT);
    let mut query = Vec::new();
    loop {
        if connection.read(&mut query).await.is_err() {
            return Ok(());
        }
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
                        // The job keeps the bytes; the next read allocates afresh.
                        raw: std::mem::take(&mut query),
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
        // A response too long for the length prefix ends the connection, as any write error does.
        connection.write(&response).await?;
    }
}
