//! The driver: the one task that owns the resolution engine. It feeds the engine clients' questions,
//! upstream responses and timeouts, sends the engine's queries (a fresh UDP socket on a kernel-chosen
//! random port per query, or a TCP connection), and writes finished answers back to the clients.

use super::Shared;
use crate::engine::{Answer, Protocol, RequestId, Resolver, Transmit, TransmitId};
use crate::stub::{respond, StubQuery, Transport};
use foldhash::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

/// The largest DNS message (TCP framing allows 64 KiB).
const MAX_MESSAGE: usize = 65_535;
/// How long a TCP exchange with an upstream may take at most; the engine's own timers usually end it
/// sooner.
const TCP_EXCHANGE_LIMIT: Duration = Duration::from_secs(10);

/// A client's question on its way to the engine.
pub(crate) struct Job {
    /// The decoded query.
    pub query: StubQuery,
    /// The query as received (the key of the rendered-answer cache).
    pub raw: Vec<u8>,
    /// Who asked.
    pub client: SocketAddr,
    /// Where the response goes.
    pub reply: Reply,
}

/// How a response gets back to its client.
pub(crate) enum Reply {
    /// Sent from the listening UDP socket.
    Udp(Arc<UdpSocket>),
    /// Handed to the TCP connection task.
    Tcp(oneshot::Sender<Vec<u8>>),
}

/// What an upstream socket reports.
enum Upstream {
    Datagram(TransmitId, SocketAddr, Vec<u8>),
    Failure(TransmitId),
}

/// Runs until the inbox closes.
pub(crate) async fn run(
    mut engine: Resolver,
    mut inbox: mpsc::UnboundedReceiver<Job>,
    shared: Arc<Shared>,
) {
    let (upstream_sender, mut upstream) = mpsc::unbounded_channel();
    let mut pending: HashMap<u64, Vec<Job>> = HashMap::default();
    let mut sockets: HashMap<u64, AbortHandle> = HashMap::default();
    loop {
        while let Some(transmit) = engine.poll_transmit() {
            let id = transmit.id.0;
            let task = tokio::spawn(exchange(transmit, upstream_sender.clone()));
            sockets.insert(id, task.abort_handle());
        }
        while let Some((request, answer)) = engine.poll_answer() {
            for job in pending.remove(&request.0).unwrap_or_default() {
                deliver(&shared, job, &answer);
            }
        }
        sockets.retain(|id, task| {
            let waiting = engine.is_waiting(TransmitId(*id));
            if !waiting {
                task.abort();
            }
            waiting
        });
        shared
            .metrics
            .engine(engine.stats(), engine.cache().memory_used(), sockets.len());
        let deadline = engine.poll_timeout();
        tokio::select! {
            job = inbox.recv() => {
                let Some(job) = job else { return };
                let mut request = job.query.request(job.client.ip());
                if !shared.send_client_subnet {
                    request.client_subnet = None;
                }
                let RequestId(id) = engine.resolve(request, Instant::now());
                pending.entry(id).or_default().push(job);
            }
            event = upstream.recv() => match event {
                Some(Upstream::Datagram(id, from, bytes)) => {
                    engine.handle_response(id, from, &bytes, Instant::now());
                }
                Some(Upstream::Failure(id)) => engine.handle_failure(id, Instant::now()),
                None => return,
            },
            () = sleep_until(deadline) => engine.handle_timeout(Instant::now()),
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Writes the answer for one client and keeps cacheable UDP answers for the fast path.
fn deliver(shared: &Shared, job: Job, answer: &Answer) {
    let transport = match job.reply {
        Reply::Udp(_) => Transport::Udp,
        Reply::Tcp(_) => Transport::Tcp,
    };
    let response = respond(&job.query, answer, transport);
    shared.metrics.answered(answer.rcode);
    let client_independent = answer.scope.is_none_or(|s| s.scope_prefix == 0);
    if client_independent && !answer.stale && matches!(answer.rcode.0, 0 | 3) {
        if let Ok(mut answers) = shared.answers.lock() {
            answers.insert(&job.raw, &response, Instant::now());
        }
    }
    match job.reply {
        Reply::Udp(socket) => {
            if let Err(error) = socket.send_to(&response, job.client) {
                tracing::debug!(%error, client = %job.client, "sending a response failed");
            }
        }
        Reply::Tcp(sender) => {
            let _ = sender.send(response);
        }
    }
}

/// One upstream query: over UDP every datagram that arrives on the socket goes to the engine until the
/// driver aborts the task; over TCP one framed response.
async fn exchange(transmit: Transmit, events: mpsc::UnboundedSender<Upstream>) {
    let id = transmit.id;
    let result = match transmit.protocol {
        Protocol::Udp => udp_exchange(&transmit, &events).await,
        Protocol::Tcp => {
            match tokio::time::timeout(TCP_EXCHANGE_LIMIT, tcp_exchange(&transmit)).await {
                Ok(Ok(bytes)) => {
                    let _ = events.send(Upstream::Datagram(id, transmit.to, bytes));
                    Ok(())
                }
                Ok(Err(error)) => Err(error),
                Err(_) => Err(std::io::Error::from(std::io::ErrorKind::TimedOut)),
            }
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, to = %transmit.to, "upstream exchange failed");
        let _ = events.send(Upstream::Failure(id));
    }
}

async fn udp_exchange(
    transmit: &Transmit,
    events: &mpsc::UnboundedSender<Upstream>,
) -> std::io::Result<()> {
    let local: SocketAddr = if transmit.to.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    // Port 0: the kernel picks a random ephemeral port for every query (RFC 5452 §9.2). Connecting makes
    // the kernel report ICMP unreachable as an error, so a dead server fails at once, not at timeout.
    let socket = tokio::net::UdpSocket::bind(local).await?;
    socket.connect(transmit.to).await?;
    socket.send(&transmit.payload).await?;
    let mut buffer = vec![0u8; MAX_MESSAGE];
    loop {
        let length = socket.recv(&mut buffer).await?;
        let bytes = buffer.get(..length).unwrap_or_default().to_vec();
        if events
            .send(Upstream::Datagram(transmit.id, transmit.to, bytes))
            .is_err()
        {
            return Ok(());
        }
    }
}

async fn tcp_exchange(transmit: &Transmit) -> std::io::Result<Vec<u8>> {
    let mut stream = tokio::net::TcpStream::connect(transmit.to).await?;
    stream.set_nodelay(true)?;
    let length = u16::try_from(transmit.payload.len())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let mut framed = Vec::with_capacity(transmit.payload.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&transmit.payload);
    stream.write_all(&framed).await?;
    let length = usize::from(stream.read_u16().await?);
    let mut response = vec![0u8; length];
    stream.read_exact(&mut response).await?;
    Ok(response)
}
