//! The I/O of secondary zones: one task per zone feeds its [`Secondary`] state machine with timers,
//! NOTIFYs and the results of SOA queries (UDP) and transfers (TCP), and performs what it asks: query,
//! transfer, install the new version into the served zones (and a copy into the zone's file), stop
//! serving an expired zone. [`query_soa`] and [`fetch`] are the clients, usable on their own.

use super::{sleep_until, Shared, ZoneConfig};
use crate::secondary::{Action, Event, Failure, Secondary, TransferKind, Transferred};
use crate::xfr::{apply, Request, Transfer, TransferError, TransferReader};
use crate::zone::Zone;
use globe_dns::{
    Class, Header, Message, MessageBuilder, Name, Question, RData, RType, Rcode, Record, Soa,
    WireError, Writer,
};
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

/// How long to wait for the answer to one SOA query over UDP.
pub const SOA_QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times an SOA query is sent before the primary counts as unreachable.
pub const SOA_QUERY_ATTEMPTS: u32 = 2;
/// How long to wait for a TCP connection to a primary.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for each message of a transfer (RFC 7766 §6.2.3 idle timeouts are seconds).
pub const TRANSFER_IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest a whole transfer may take, however steadily the primary sends.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);
/// NOTIFYs queued for a zone's task beyond this are dropped: one pending NOTIFY already makes the task
/// refresh, and a flood of spoofed ones must not grow memory.
pub const NOTIFY_QUEUE: usize = 16;

/// A secondary zone as the rest of the server sees it: its primaries and its task's inbox.
pub(super) struct Link {
    primaries: Vec<SocketAddr>,
    events: mpsc::Sender<Event>,
}

impl Link {
    /// A link and the inbox its task reads.
    pub(super) fn new(primaries: Vec<SocketAddr>) -> (Link, mpsc::Receiver<Event>) {
        let (events, inbox) = mpsc::channel(NOTIFY_QUEUE);
        (Link { primaries, events }, inbox)
    }

    /// Whether a NOTIFY from `source` is from one of the zone's primaries.
    pub(super) fn accepts_notify_from(&self, source: IpAddr) -> bool {
        crate::secondary::notify_allowed(&self.primaries, source)
    }

    /// Passes a NOTIFY on to the zone's task (callable from any thread, never blocks; dropped when
    /// [`NOTIFY_QUEUE`] are already waiting).
    pub(super) fn notify(&self, serial: Option<u32>) {
        let _ = self.events.try_send(Event::Notify { serial });
    }
}

/// Why an SOA query or transfer failed.
#[derive(Debug)]
pub enum FetchError {
    /// No answer in time.
    Timeout,
    /// The socket failed (connection refused, reset...).
    Io(std::io::Error),
    /// A message could not be decoded.
    Malformed(WireError),
    /// The primary answered with an error RCODE.
    Rcode(Rcode),
    /// The SOA query's answer held no SOA for the zone.
    NoSoa,
    /// The transfer stream was not a valid transfer.
    Transfer(TransferError),
}

impl FetchError {
    /// The state machine's view of the failure.
    pub fn failure(&self) -> Failure {
        match self {
            FetchError::Timeout | FetchError::Io(_) => Failure::Unreachable,
            FetchError::Rcode(rcode) => Failure::Rcode(*rcode),
            FetchError::Malformed(_) | FetchError::NoSoa | FetchError::Transfer(_) => {
                Failure::BadResponse
            }
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::Io(error) => write!(f, "{error}"),
            FetchError::Malformed(error) => write!(f, "malformed message: {error}"),
            FetchError::Rcode(rcode) => write!(f, "primary answered {rcode}"),
            FetchError::NoSoa => f.write_str("no SOA in the answer"),
            FetchError::Transfer(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<std::io::Error> for FetchError {
    fn from(error: std::io::Error) -> FetchError {
        FetchError::Io(error)
    }
}

/// Asks `primary` for the SOA of `origin` over UDP (RFC 1034 §4.3.5), [`SOA_QUERY_ATTEMPTS`] times
/// at most. Answers that are not for our query are ignored.
pub async fn query_soa(primary: SocketAddr, origin: &Name) -> Result<Soa, FetchError> {
    let local: SocketAddr = match primary {
        SocketAddr::V4(_) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await?;
    // Connected: only the primary's datagrams are received, and ICMP errors are reported.
    socket.connect(primary).await?;
    let id: u16 = rand::random();
    let header = Header {
        id,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    builder.question(&Question {
        name: origin.clone(),
        qtype: RType::SOA,
        qclass: Class::IN,
    });
    let query = builder.finish();
    let mut buffer = vec![0u8; 65_535];
    for _ in 0..SOA_QUERY_ATTEMPTS {
        socket.send(&query).await?;
        let deadline = tokio::time::Instant::now() + SOA_QUERY_TIMEOUT;
        loop {
            let len = match tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await {
                Err(_) => break,
                Ok(result) => result?,
            };
            let Some(bytes) = buffer.get(..len) else {
                continue;
            };
            let Ok(message) = Message::parse(bytes) else {
                continue;
            };
            let ours = message.header.id == id
                && message.header.qr
                && message
                    .question()
                    .is_some_and(|q| q.name == *origin && q.qtype == RType::SOA);
            if !ours {
                continue;
            }
            if message.rcode() != Rcode::NOERROR {
                return Err(FetchError::Rcode(message.rcode()));
            }
            return message
                .answers
                .iter()
                .filter(|r| r.name == *origin)
                .find_map(|r| match &r.data {
                    RData::Soa(soa) => Some(soa.clone()),
                    _ => None,
                })
                .ok_or(FetchError::NoSoa);
        }
    }
    Err(FetchError::Timeout)
}

/// Transfers `origin` from `primary` over TCP (RFC 5936, RFC 1995, RFC 7766 framing), reading the
/// response with a [`TransferReader`].
pub async fn fetch(
    primary: SocketAddr,
    origin: &Name,
    request: &Request,
) -> Result<Transfer, FetchError> {
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(primary))
        .await
        .map_err(|_| FetchError::Timeout)??;
    stream.set_nodelay(true).ok();
    let id: u16 = rand::random();
    let query = request.to_wire(origin, id);
    let length =
        u16::try_from(query.len()).map_err(|_| FetchError::Malformed(WireError::ShortBuffer))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&query);
    stream.write_all(&framed).await?;
    let mut reader = TransferReader::new(origin, request, id);
    let give_up = tokio::time::Instant::now() + TRANSFER_TIMEOUT;
    let mut buffer = Vec::with_capacity(65_535);
    loop {
        let deadline = give_up.min(tokio::time::Instant::now() + TRANSFER_IDLE_TIMEOUT);
        let length = match tokio::time::timeout_at(deadline, stream.read_u16()).await {
            Err(_) => return Err(FetchError::Timeout),
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(FetchError::Transfer(
                    reader.finish().err().unwrap_or(TransferError::Incomplete),
                ));
            }
            Ok(result) => result?,
        };
        buffer.resize(usize::from(length), 0);
        tokio::time::timeout_at(deadline, stream.read_exact(&mut buffer))
            .await
            .map_err(|_| FetchError::Timeout)??;
        let message = Message::parse(&buffer).map_err(FetchError::Malformed)?;
        let read = reader.read(&message).map_err(|error| match error {
            TransferError::Rcode(rcode) => FetchError::Rcode(rcode),
            other => FetchError::Transfer(other),
        })?;
        if let Some(transfer) = read {
            if reader.ignored() > 0 {
                tracing::warn!(zone = %origin, %primary, ignored = reader.ignored(), "out-of-zone records in transfer ignored");
            }
            return Ok(transfer);
        }
    }
}

/// Loads the copy of a secondary zone kept in its file, if it has one and it loads.
pub(super) fn load_copy(config: &ZoneConfig) -> Option<Zone> {
    let file = config.file.as_ref().filter(|f| f.exists())?;
    match super::load_zone(config) {
        Ok(zone) if Some(zone.origin()) == config.origin.as_ref() => {
            tracing::info!(zone = %zone.origin(), serial = zone.serial(), file = %file.display(), "secondary zone loaded from its file");
            Some(zone)
        }
        Ok(zone) => {
            tracing::warn!(file = %file.display(), origin = %zone.origin(), "secondary zone file is for another zone; ignored");
            None
        }
        Err(error) => {
            tracing::warn!("{error}; the secondary zone starts without data");
            None
        }
    }
}

/// Writes a zone to `path` in presentation format (one absolute record per line, SOA first),
/// replacing the file atomically.
pub fn write_copy(path: &Path, zone: &Zone) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut text = format!(
        "; {} serial {}, transferred by globe\n",
        zone.origin(),
        zone.serial()
    );
    for record in zone.records() {
        let _ = writeln!(text, "{record}");
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".globe-tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The version a transfer built, waiting for the state machine's `Install`.
struct Built {
    zone: Arc<Zone>,
    form: &'static str,
}

/// What a query or transfer produced: the event for the state machine, and for a successful transfer
/// how it went and the version built.
struct Finished {
    event: Event,
    form: Option<&'static str>,
    built: Option<Built>,
}

type Operation = Pin<Box<dyn Future<Output = Finished> + Send>>;

/// One wake-up of the zone's task.
enum Wake {
    Finished(Finished),
    Event(Event),
}

/// Runs one secondary zone until the server stops.
pub(super) async fn run(
    shared: Arc<Shared>,
    config: ZoneConfig,
    origin: Name,
    initial: Option<Arc<Zone>>,
    mut inbox: mpsc::Receiver<Event>,
) {
    let mut machine = Secondary::new(
        config.primaries.clone(),
        initial.as_ref().map(|z| z.soa()),
        Instant::now(),
    );
    // The version served (the base for IXFR) and the one built but not yet installed.
    let mut held = initial;
    let mut built: Option<Built> = None;
    let mut operation: Option<Operation> = None;
    loop {
        let wake = tokio::select! {
            finished = wait(&mut operation) => Wake::Finished(finished),
            Some(event) = inbox.recv() => Wake::Event(event),
            () = sleep_until(machine.deadline()) => Wake::Event(Event::Timer),
        };
        let event = match wake {
            Wake::Finished(finished) => {
                operation = None;
                // Transfers that install are counted at `Install`; "nothing newer" is counted here.
                match (&finished.event, finished.form) {
                    (Event::TransferDone(Ok(_)), Some(form @ "current")) => {
                        shared.metrics.transfer_in(form)
                    }
                    (Event::TransferDone(Err(_)), _) | (Event::SoaAnswer(Err(_)), _) => {
                        shared.metrics.transfer_in_failed()
                    }
                    _ => {}
                }
                built = finished.built;
                finished.event
            }
            Wake::Event(event) => event,
        };
        for action in machine.handle(event, Instant::now()) {
            match action {
                Action::QuerySoa { primary } => {
                    let origin = origin.clone();
                    operation = Some(Box::pin(async move {
                        let result = query_soa(primary, &origin).await;
                        match &result {
                            Ok(soa) => {
                                tracing::debug!(zone = %origin, %primary, serial = soa.serial, "primary's SOA")
                            }
                            Err(error) => {
                                tracing::warn!(zone = %origin, %primary, %error, "SOA query failed")
                            }
                        }
                        Finished {
                            event: Event::SoaAnswer(
                                result.map(|soa| soa.serial).map_err(|e| e.failure()),
                            ),
                            form: None,
                            built: None,
                        }
                    }));
                }
                Action::Transfer { primary, kind } => {
                    operation = Some(Box::pin(transfer(
                        primary,
                        origin.clone(),
                        kind,
                        held.clone(),
                    )));
                }
                Action::Install => {
                    let Some(Built { zone, form }) = built.take() else {
                        continue;
                    };
                    tracing::info!(zone = %origin, serial = zone.serial(), records = zone.record_count(), form, "transfer installed");
                    shared.metrics.transfer_in(form);
                    // Installing diffs against the previous version for the journal: off the runtime
                    // thread, like the parsing of a reload.
                    let installer = shared.clone();
                    let new = zone.clone();
                    let _ = tokio::task::spawn_blocking(move || installer.install(new)).await;
                    if let Some(path) = config.file.clone() {
                        let copy = zone.clone();
                        tokio::task::spawn_blocking(move || {
                            if let Err(error) = write_copy(&path, &copy) {
                                tracing::warn!(file = %path.display(), %error, "cannot write the zone's copy");
                            }
                        });
                    }
                    held = Some(zone);
                }
                Action::Expire => {
                    tracing::warn!(zone = %origin, "zone expired: no successful refresh within EXPIRE; answering SERVFAIL");
                    let expirer = shared.clone();
                    let expired = origin.clone();
                    let _ = tokio::task::spawn_blocking(move || expirer.expire(&expired)).await;
                    held = None;
                }
            }
        }
    }
}

/// Waits for the running operation, or forever if there is none.
async fn wait(operation: &mut Option<Operation>) -> Finished {
    match operation {
        Some(operation) => operation.await,
        None => std::future::pending().await,
    }
}

/// Transfers the zone and builds the new version (off the runtime thread: a big zone takes a while).
async fn transfer(
    primary: SocketAddr,
    origin: Name,
    kind: TransferKind,
    held: Option<Arc<Zone>>,
) -> Finished {
    let request = match (kind, &held) {
        (TransferKind::Ixfr { .. }, Some(zone)) => Request::Ixfr(Record {
            name: zone.origin().clone(),
            class: zone.class(),
            ttl: zone.soa_ttl(),
            data: RData::Soa(zone.soa().clone()),
        }),
        _ => Request::Axfr,
    };
    let failed = |failure: Failure| Finished {
        event: Event::TransferDone(Err(failure)),
        form: None,
        built: None,
    };
    let qtype = request.qtype();
    let transfer = match fetch(primary, &origin, &request).await {
        Ok(transfer) => transfer,
        Err(error) => {
            tracing::warn!(zone = %origin, %primary, %qtype, %error, "transfer failed");
            return failed(error.failure());
        }
    };
    let form = match (&request, &transfer) {
        (_, Transfer::UpToDate(_)) => "current",
        (_, Transfer::Incremental(_)) => "ixfr",
        (Request::Axfr, Transfer::Full(_)) => "axfr",
        (Request::Ixfr(_), Transfer::Full(_)) => "ixfr-full",
    };
    let base = held.clone();
    let applied = tokio::task::spawn_blocking(move || apply(base.as_deref(), transfer)).await;
    match applied {
        Ok(Ok(Some(zone))) if zone.origin() == &origin => Finished {
            event: Event::TransferDone(Ok(Transferred::NewVersion(zone.soa().clone()))),
            form: Some(form),
            built: Some(Built {
                zone: Arc::new(zone),
                form,
            }),
        },
        Ok(Ok(None)) => Finished {
            event: Event::TransferDone(Ok(Transferred::UpToDate)),
            form: Some(form),
            built: None,
        },
        Ok(Ok(Some(zone))) => {
            tracing::warn!(zone = %origin, %primary, got = %zone.origin(), "transfer brought another zone");
            failed(Failure::BadData)
        }
        Ok(Err(error)) => {
            tracing::warn!(zone = %origin, %primary, %qtype, %error, "transferred data rejected");
            failed(Failure::BadData)
        }
        Err(error) => {
            tracing::error!(zone = %origin, %error, "building the transferred zone failed");
            failed(Failure::BadData)
        }
    }
}
