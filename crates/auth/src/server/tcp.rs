//! DNS over TCP (RFC 7766): two-octet length-prefixed messages, several queries per connection answered
//! in order, an idle timeout, and zone transfers (AXFR, and IXFR from the zone's journal) streamed as
//! several messages. The listener, the accept loop and the message framing are [`globe_dns_io::tcp`]'s.

use super::Shared;
use crate::answer::{Context, Outcome, Transport};
use crate::steering::SplitMix64;
use globe_dns_io::tcp::Connection;
use rand::RngCore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

pub use globe_dns_io::tcp::bind;

/// Most TCP connections served at once; more wait in the accept queue.
pub const MAX_TCP_CONNECTIONS: usize = 1024;

/// Accepts connections forever.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, idle: Duration) {
    globe_dns_io::tcp::serve(listener, MAX_TCP_CONNECTIONS, |stream, peer| {
        // `dns stop`: close at once (the stream is dropped here), as a server that is not there would.
        let accepted = shared
            .liveness
            .is_serving()
            .then(|| (stream, shared.clone()));
        async move {
            if let Some((stream, shared)) = accepted {
                let _ = connection(stream, peer, shared, idle).await;
            }
        }
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    idle: Duration,
) -> std::io::Result<()> {
    let mut connection = Connection::new(stream, idle);
    let mut request = Vec::with_capacity(512);
    let mut rng = SplitMix64::new(rand::random());
    loop {
        if connection.read(&mut request).await.is_err() {
            return Ok(());
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
            connection.write(&response).await?;
        }
    }
}
