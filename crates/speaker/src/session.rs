//! One tokio task per neighbour: the I/O shell around `globe_bgp::fsm::Session`.
//!
//! The task owns the neighbour's session machines (a primary, and a second one while a connection
//! collision is being resolved, RFC 4271 §6.8), their TCP connections and the connection attempt in
//! flight. It turns what happens on the wire into machine events, carries out the machine's actions,
//! sleeps until the machine's next deadline, and passes UPDATEs and ROUTE-REFRESHes to the router and
//! the router's encoded UPDATEs to the peer.
//!
//! Reading is done by a small task per connection that cuts the byte stream into messages with
//! `wire::header::frame_length`; decoding happens here, with the options the OPENs negotiated. The
//! reader stops reading while too many of its bytes are unprocessed ([`Credit`]), so a fast peer is
//! held back by TCP rather than by memory. An outgoing connection is made by a task per attempt (with
//! the source address, TCP-MD5 key and TTL / GTSM options set before `connect`); incoming connections
//! arrive from the listeners (`crate::listener`), already checked to come from the neighbour's address.

use crate::config::Neighbor;
use crate::glue;
use crate::router::{RouterHandle, SessionUp, ToRouter};
use crate::sockopt;
use crate::status::StatusTable;
use globe_bgp::fsm::collision::{self, IncomingConnection, Loser};
use globe_bgp::fsm::{Action, Event, Session, SessionConfig, ShutdownCommunication, State};
use globe_bgp::wire::{header, AttributeAction, HeaderError, RouteRefresh, Update};
use globe_bgp::{AddressFamily, DecodeOptions, Message, MessageError};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

/// How long a closing connection may take to deliver what was written (our NOTIFICATION) before its
/// socket is dropped. Closing with unread input makes Linux reset the connection, so the reader keeps
/// draining until the peer closes or this passes.
const CLOSE_LINGER: Duration = Duration::from_secs(3);
/// A write that takes longer than this (the peer stopped reading) fails the connection, unless the
/// negotiated hold time is longer.
const MIN_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Flow control of one connection's input: bytes of messages read but not yet processed (decoded, and
/// for UPDATEs applied to the RIB by the router). Above the high mark the reader stops reading the
/// socket, so TCP pushes back on the peer (as BIRD does) instead of decoded UPDATEs piling up in
/// memory; it resumes below the low mark.
const INFLIGHT_HIGH: usize = 256 * 1024;
const INFLIGHT_LOW: usize = 128 * 1024;

/// One connection's bytes in flight (see [`INFLIGHT_HIGH`]).
#[derive(Debug, Default)]
struct Inflight {
    bytes: AtomicUsize,
    resume: Notify,
}

/// One message's share of its connection's bytes in flight, released when dropped: by the session
/// task once the message is handled, or by the router once an UPDATE is applied.
#[derive(Debug)]
pub(crate) struct Credit {
    inflight: Arc<Inflight>,
    bytes: usize,
}

impl Credit {
    fn new(inflight: &Arc<Inflight>, bytes: usize) -> Credit {
        inflight.bytes.fetch_add(bytes, Ordering::AcqRel);
        Credit {
            inflight: Arc::clone(inflight),
            bytes,
        }
    }
}

impl Drop for Credit {
    fn drop(&mut self) {
        let before = self.inflight.bytes.fetch_sub(self.bytes, Ordering::AcqRel);
        if before >= INFLIGHT_LOW && before.saturating_sub(self.bytes) < INFLIGHT_LOW {
            self.inflight.resume.notify_one();
        }
    }
}

/// Commands to a neighbour's task.
#[derive(Debug)]
pub(crate) enum SessionCommand {
    /// Encoded messages from the router for the session of this generation.
    Send {
        generation: u64,
        messages: Vec<Vec<u8>>,
    },
    /// Answer once everything sent before is written to the socket.
    Flush(oneshot::Sender<()>),
    /// The router counted more prefixes than allowed (RFC 4486 §4).
    PrefixLimit {
        generation: u64,
        family: AddressFamily,
        limit: u32,
    },
    /// A connection from the neighbour's address, accepted by a listener.
    Incoming(TcpStream),
    /// Ask the peer to re-send its routes (RFC 2918), every negotiated family.
    RequestRefresh,
    /// Stop the session (Cease / Administrative Shutdown with this communication) and end the task.
    Stop {
        communication: Option<ShutdownCommunication>,
        done: oneshot::Sender<()>,
    },
}

/// What the helper tasks (connect, read) report.
#[derive(Debug)]
enum Internal {
    Connected {
        attempt: u64,
        result: io::Result<TcpStream>,
    },
    Frame {
        connection: u64,
        bytes: Vec<u8>,
        credit: Credit,
    },
    FramingError {
        connection: u64,
        error: HeaderError,
    },
    Closed {
        connection: u64,
        error: Option<String>,
    },
}

/// A TCP connection a machine runs on.
struct Connection {
    id: u64,
    writer: OwnedWriteHalf,
    reader: JoinHandle<()>,
    local: SocketAddr,
    remote: SocketAddr,
    options: DecodeOptions,
}

/// A session machine with its connection or connection attempt.
struct Machine {
    fsm: Session,
    connection: Option<Connection>,
    attempt: Option<(u64, JoinHandle<()>)>,
}

/// The task of one neighbour.
pub(crate) struct NeighborTask {
    index: usize,
    neighbor: Neighbor,
    local_asn: u32,
    session_config: SessionConfig,
    router: RouterHandle,
    status: StatusTable,
    machines: Vec<Machine>,
    internal_sender: mpsc::UnboundedSender<Internal>,
    internal: mpsc::UnboundedReceiver<Internal>,
    next_id: u64,
    /// Generation of the current (or last) Established session; the router tags its messages with it.
    generation: u64,
    /// The UPDATE just given to the machine as event 27.
    pending_update: Option<(Update, Option<AttributeAction>, Vec<u8>, Credit)>,
    /// Connections whose write failed during the last round of actions.
    failed: Vec<u64>,
}

impl NeighborTask {
    /// A task for neighbour `index` of the configuration.
    pub(crate) fn new(
        index: usize,
        neighbor: Neighbor,
        local_asn: u32,
        session_config: SessionConfig,
        router: RouterHandle,
        status: StatusTable,
    ) -> Result<Self, String> {
        let fsm = Session::new(session_config.clone())
            .map_err(|error| format!("neighbor {}: {error}", neighbor.address))?;
        let (internal_sender, internal) = mpsc::unbounded_channel();
        Ok(NeighborTask {
            index,
            neighbor,
            local_asn,
            session_config,
            router,
            status,
            machines: vec![Machine {
                fsm,
                connection: None,
                attempt: None,
            }],
            internal_sender,
            internal,
            next_id: 1,
            generation: 0,
            pending_update: None,
            failed: Vec::new(),
        })
    }

    /// Runs the neighbour until a `Stop` command (or until every command sender is gone).
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<SessionCommand>) {
        let start = if self.neighbor.passive {
            Event::AutomaticStartWithPassiveTcpEstablishment
        } else {
            Event::AutomaticStart
        };
        self.handle(0, start).await;
        loop {
            let deadline = self
                .machines
                .iter()
                .filter_map(|machine| machine.fsm.poll_timeout())
                .min();
            let sleep = async {
                match deadline {
                    Some(deadline) => {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                command = commands.recv() => {
                    match command {
                        Some(SessionCommand::Stop { communication, done }) => {
                            self.stop(communication).await;
                            let _ = done.send(());
                            return;
                        }
                        Some(command) => self.command(command).await,
                        None => {
                            self.stop(None).await;
                            return;
                        }
                    }
                }
                Some(internal) = self.internal.recv() => self.internal_event(internal).await,
                () = sleep => {
                    let now = Instant::now();
                    for machine in &mut self.machines {
                        machine.fsm.handle_timeout(now);
                    }
                    self.drive().await;
                }
            }
        }
    }

    async fn command(&mut self, command: SessionCommand) {
        match command {
            SessionCommand::Send {
                generation,
                messages,
            } => {
                if generation != self.generation {
                    return;
                }
                let Some(index) = self.established_machine() else {
                    return;
                };
                let count = messages.len() as u64;
                for message in &messages {
                    if !self.write(index, message).await {
                        break;
                    }
                }
                if let Some(machine) = self.machines.get_mut(index) {
                    machine.fsm.update_sent(Instant::now());
                }
                self.status
                    .update(self.index, |status| status.updates_out += count);
                self.drive().await;
            }
            SessionCommand::Flush(done) => {
                // Writes are awaited as they are made, so everything before this is in the socket.
                let _ = done.send(());
            }
            SessionCommand::PrefixLimit {
                generation,
                family,
                limit,
            } => {
                if generation != self.generation {
                    return;
                }
                if let Some(index) = self.established_machine() {
                    tracing::warn!(neighbor = %self.neighbor.address, %family, limit, "prefix limit exceeded");
                    if let Some(machine) = self.machines.get_mut(index) {
                        machine
                            .fsm
                            .prefix_limit_exceeded(family, limit, Instant::now());
                    }
                    self.drive().await;
                }
            }
            SessionCommand::Incoming(stream) => self.incoming(stream).await,
            SessionCommand::RequestRefresh => {
                let Some(index) = self.established_machine() else {
                    return;
                };
                let families = self
                    .machines
                    .get(index)
                    .and_then(|machine| machine.fsm.negotiated())
                    .filter(|negotiated| negotiated.route_refresh)
                    .map(|negotiated| negotiated.families.clone())
                    .unwrap_or_default();
                for family in families {
                    let message = Message::RouteRefresh(RouteRefresh::request(family));
                    if let Ok(bytes) = message.to_bytes(&DecodeOptions::default()) {
                        self.write(index, &bytes).await;
                    }
                }
                self.drive().await;
            }
            SessionCommand::Stop { .. } => {}
        }
    }

    async fn stop(&mut self, communication: Option<ShutdownCommunication>) {
        for index in 0..self.machines.len() {
            if let Some(machine) = self.machines.get_mut(index) {
                machine
                    .fsm
                    .handle(Event::ManualStop(communication.clone()), Instant::now());
            }
        }
        self.drive().await;
    }

    /// The machine in Established, if any.
    fn established_machine(&self) -> Option<usize> {
        self.machines
            .iter()
            .position(|machine| machine.fsm.state() == State::Established)
    }

    fn machine_of_connection(&self, connection: u64) -> Option<usize> {
        self.machines.iter().position(|machine| {
            machine
                .connection
                .as_ref()
                .is_some_and(|c| c.id == connection)
        })
    }

    async fn internal_event(&mut self, internal: Internal) {
        match internal {
            Internal::Connected { attempt, result } => {
                let Some(index) = self.machines.iter().position(|machine| {
                    machine
                        .attempt
                        .as_ref()
                        .is_some_and(|(id, _)| *id == attempt)
                }) else {
                    // An abandoned attempt that completed anyway: dropping the stream closes it.
                    return;
                };
                if let Some(machine) = self.machines.get_mut(index) {
                    machine.attempt = None;
                }
                match result {
                    Ok(stream) => {
                        if self.attach(index, stream) {
                            self.handle(index, Event::TcpCrAcked).await;
                        } else {
                            self.handle(index, Event::TcpConnectionFails).await;
                        }
                    }
                    Err(error) => {
                        tracing::debug!(neighbor = %self.neighbor.address, %error, "connect failed");
                        self.status.update(self.index, |status| {
                            status.last_error = Some(format!("connect: {error}"));
                        });
                        self.handle(index, Event::TcpConnectionFails).await;
                    }
                }
            }
            Internal::Frame {
                connection,
                bytes,
                credit,
            } => {
                if let Some(index) = self.machine_of_connection(connection) {
                    self.frame(index, bytes, credit).await;
                }
            }
            Internal::FramingError { connection, error } => {
                if let Some(index) = self.machine_of_connection(connection) {
                    let notification = glue::fsm_notification(&error.notification());
                    self.handle(index, Event::BgpHeaderErr(notification)).await;
                }
            }
            Internal::Closed { connection, error } => {
                if let Some(index) = self.machine_of_connection(connection) {
                    if let Some(error) = error {
                        self.status.update(self.index, |status| {
                            status.last_error = Some(format!("connection: {error}"));
                        });
                    }
                    self.close_connection(index, false).await;
                    self.handle(index, Event::TcpConnectionFails).await;
                }
            }
        }
    }

    /// One whole message from machine `index`'s connection.
    /// `credit` is released when this returns, or with the UPDATE once the router applied it.
    async fn frame(&mut self, index: usize, bytes: Vec<u8>, credit: Credit) {
        let Some(options) = self
            .machines
            .get(index)
            .and_then(|machine| machine.connection.as_ref())
            .map(|connection| connection.options)
        else {
            return;
        };
        let event = match Message::decode(&bytes, &options) {
            Err(error) => {
                let notification = glue::fsm_notification(&error.notification());
                tracing::info!(neighbor = %self.neighbor.address, ?error, "bad message");
                match error {
                    MessageError::Header(_) => Event::BgpHeaderErr(notification),
                    MessageError::Open(_) => Event::BgpOpenMsgErr(notification),
                    MessageError::Update(_) | MessageError::RouteRefresh(_) => {
                        Event::UpdateMsgErr(notification)
                    }
                }
            }
            Ok(decoded) => {
                let action = decoded.action();
                match decoded.message {
                    Message::Open(open) => match glue::open_parameters(&open) {
                        Ok(parameters) => Event::BgpOpen(parameters),
                        Err(notification) => Event::BgpOpenMsgErr(notification),
                    },
                    Message::Update(update) => {
                        if let Some(action) = action {
                            tracing::info!(
                                neighbor = %self.neighbor.address,
                                ?action,
                                errors = ?decoded.attribute_errors,
                                "UPDATE with attribute errors (RFC 7606)"
                            );
                        }
                        self.status.update(self.index, |status| {
                            status.updates_in += 1;
                            if action.is_some() {
                                status.attribute_errors += 1;
                            }
                        });
                        self.pending_update = Some((update, action, bytes, credit));
                        Event::UpdateMsg
                    }
                    Message::Notification(notification) => {
                        let communication = notification
                            .shutdown_communication()
                            .and_then(Result::ok)
                            .map(str::to_string);
                        tracing::info!(
                            neighbor = %self.neighbor.address,
                            code = notification.code.code(),
                            subcode = notification.code.subcode(),
                            ?communication,
                            "NOTIFICATION received"
                        );
                        self.status.update(self.index, |status| {
                            status.notifications_in += 1;
                            status.last_error = Some(match &communication {
                                Some(text) => format!(
                                    "received NOTIFICATION {:?}: {text:?}",
                                    notification.code
                                ),
                                None => format!("received NOTIFICATION {:?}", notification.code),
                            });
                        });
                        Event::NotifMsg(glue::fsm_notification(&notification))
                    }
                    Message::Keepalive => Event::KeepAliveMsg,
                    Message::RouteRefresh(refresh) => {
                        // Not an RFC 4271 event; only meaningful on an established session.
                        if self.machines.get(index).map(|m| m.fsm.state())
                            == Some(State::Established)
                        {
                            self.status
                                .update(self.index, |status| status.refreshes_in += 1);
                            self.router.send(ToRouter::RouteRefresh {
                                neighbor: self.index,
                                generation: self.generation,
                                refresh,
                            });
                        }
                        return;
                    }
                }
            }
        };
        self.handle(index, event).await;
        self.pending_update = None;
    }

    /// Gives machine `index` an event and carries out what follows.
    async fn handle(&mut self, index: usize, event: Event) {
        if let Some(machine) = self.machines.get_mut(index) {
            machine.fsm.handle(event, Instant::now());
        }
        self.drive().await;
    }

    /// Drains every machine's actions, resolves collisions, handles failed writes; until quiet.
    async fn drive(&mut self) {
        loop {
            let mut index = 0;
            while index < self.machines.len() {
                while let Some(action) = self
                    .machines
                    .get_mut(index)
                    .and_then(|machine| machine.fsm.poll_action())
                {
                    self.execute(index, action).await;
                }
                index += 1;
            }
            if self.machines.len() == 2 {
                let loser = match (self.machines.first(), self.machines.get(1)) {
                    (Some(first), Some(second)) => collision::resolve(&first.fsm, &second.fsm),
                    _ => None,
                };
                if let Some(loser) = loser {
                    let index = match loser {
                        Loser::First => 0,
                        Loser::Second => 1,
                    };
                    tracing::info!(neighbor = %self.neighbor.address, ?loser, "connection collision resolved");
                    if let Some(machine) = self.machines.get_mut(index) {
                        machine.fsm.handle(Event::OpenCollisionDump, Instant::now());
                    }
                    while let Some(action) = self
                        .machines
                        .get_mut(index)
                        .and_then(|machine| machine.fsm.poll_action())
                    {
                        self.execute(index, action).await;
                    }
                    self.discard(index);
                    continue;
                }
                // A second machine that fell to Idle on its own is dropped; only the primary restarts.
                if self
                    .machines
                    .get(1)
                    .is_some_and(|m| m.fsm.state() == State::Idle)
                {
                    self.discard(1);
                }
            }
            let failed = std::mem::take(&mut self.failed);
            if failed.is_empty() {
                break;
            }
            for connection in failed {
                if let Some(index) = self.machine_of_connection(connection) {
                    self.close_connection(index, false).await;
                    if let Some(machine) = self.machines.get_mut(index) {
                        machine
                            .fsm
                            .handle(Event::TcpConnectionFails, Instant::now());
                    }
                }
            }
        }
        let state = self
            .established_machine()
            .map(|_| State::Established)
            .or_else(|| self.machines.first().map(|machine| machine.fsm.state()))
            .unwrap_or(State::Idle);
        self.status
            .update(self.index, |status| status.state = state);
    }

    /// Removes a machine (and its connection), keeping at least a primary.
    fn discard(&mut self, index: usize) {
        if index >= self.machines.len() || self.machines.len() < 2 {
            return;
        }
        let mut machine = self.machines.remove(index);
        if let Some((_, attempt)) = machine.attempt.take() {
            attempt.abort();
        }
        if let Some(connection) = machine.connection.take() {
            linger(connection);
        }
        // A promoted second machine was started passively and restarts passively. That is enough: the
        // connection that survives a collision is the one the higher-identifier speaker opened, and
        // that speaker keeps connecting out.
    }

    /// Carries out one action of machine `index`.
    async fn execute(&mut self, index: usize, action: Action) {
        match action {
            Action::ConnectTcp => {
                let attempt = self.next_id;
                self.next_id += 1;
                let neighbor = self.neighbor.clone();
                let internal = self.internal_sender.clone();
                let timeout = self.session_config.connect_retry_time;
                let internal_bgp = self.neighbor.is_internal(self.local_asn);
                let task = tokio::spawn(async move {
                    let result = tokio::time::timeout(timeout, connect(&neighbor, internal_bgp))
                        .await
                        .unwrap_or_else(|_| {
                            Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
                        });
                    let _ = internal.send(Internal::Connected { attempt, result });
                });
                if let Some(machine) = self.machines.get_mut(index) {
                    if let Some((_, previous)) = machine.attempt.replace((attempt, task)) {
                        previous.abort();
                    }
                }
            }
            Action::DropTcp => {
                if let Some(machine) = self.machines.get_mut(index) {
                    if let Some((_, attempt)) = machine.attempt.take() {
                        attempt.abort();
                    }
                }
                self.close_connection(index, true).await;
            }
            Action::SendOpen(parameters) => {
                let open = Message::Open(glue::open_message(&parameters));
                if let Ok(bytes) = open.to_bytes(&DecodeOptions::default()) {
                    self.write(index, &bytes).await;
                }
            }
            Action::SendKeepalive => {
                if let Ok(bytes) = Message::Keepalive.to_bytes(&DecodeOptions::default()) {
                    self.write(index, &bytes).await;
                }
            }
            Action::SendNotification(notification) => {
                let wire = glue::wire_notification(&notification);
                let options = self.options(index);
                tracing::info!(neighbor = %self.neighbor.address, %notification, "sending NOTIFICATION");
                self.status.update(self.index, |status| {
                    status.notifications_out += 1;
                    status.last_error = Some(format!("sent {:?}", wire.code));
                });
                if let Ok(bytes) = Message::Notification(wire).to_bytes(&options) {
                    self.write(index, &bytes).await;
                }
            }
            Action::ProcessUpdate => {
                if let Some((update, action, raw, credit)) = self.pending_update.take() {
                    self.router.send(ToRouter::Update {
                        neighbor: self.index,
                        generation: self.generation,
                        update,
                        action,
                        raw,
                        credit,
                    });
                }
            }
            Action::SessionEstablished(negotiated) => {
                self.generation += 1;
                let Some(connection) = self
                    .machines
                    .get(index)
                    .and_then(|machine| machine.connection.as_ref())
                else {
                    return;
                };
                tracing::info!(
                    neighbor = %self.neighbor.address,
                    asn = negotiated.peer_asn,
                    hold = negotiated.hold_time,
                    families = ?negotiated.families,
                    "session established"
                );
                let up = SessionUp {
                    neighbor: self.index,
                    generation: self.generation,
                    negotiated,
                    local: connection.local,
                    remote: connection.remote,
                };
                self.router.send(ToRouter::Up(Box::new(up)));
                self.status.update(self.index, |status| {
                    status.established_at = Some((Instant::now(), SystemTime::now()));
                    status.established_count += 1;
                    status.last_error = None;
                });
            }
            Action::SessionDown(reason) => {
                tracing::info!(neighbor = %self.neighbor.address, %reason, "session down");
                // RFC 4724 §4.2: graceful restart only when the connection ended without a
                // NOTIFICATION either way.
                let graceful = matches!(reason, globe_bgp::fsm::DownReason::TcpConnectionFailed);
                self.router.send(ToRouter::Down {
                    neighbor: self.index,
                    generation: self.generation,
                    graceful,
                });
                let received =
                    matches!(reason, globe_bgp::fsm::DownReason::NotificationReceived(_));
                self.status.update(self.index, |status| {
                    status.established_at = None;
                    // A received NOTIFICATION was already recorded with its shutdown communication.
                    if !received || status.last_error.is_none() {
                        status.last_error = Some(reason.to_string());
                    }
                });
            }
        }
    }

    /// An accepted connection from the neighbour: RFC 4271 §6.8 decides which machine gets it.
    async fn incoming(&mut self, stream: TcpStream) {
        let Some(primary) = self.machines.first() else {
            return;
        };
        let decision = collision::on_incoming(&primary.fsm);
        tracing::debug!(neighbor = %self.neighbor.address, ?decision, "incoming connection");
        match decision {
            IncomingConnection::Refuse => drop(stream),
            IncomingConnection::Deliver { abandon_connect } => {
                if abandon_connect {
                    if let Some(machine) = self.machines.get_mut(0) {
                        if let Some((_, attempt)) = machine.attempt.take() {
                            attempt.abort();
                        }
                    }
                }
                if self.attach(0, stream) {
                    self.handle(0, Event::TcpConnectionConfirmed).await;
                }
            }
            IncomingConnection::SecondMachine => {
                if self.machines.len() >= 2 {
                    return;
                }
                let Ok(mut fsm) = Session::new(self.session_config.clone()) else {
                    return;
                };
                fsm.handle(
                    Event::ManualStartWithPassiveTcpEstablishment,
                    Instant::now(),
                );
                self.machines.push(Machine {
                    fsm,
                    connection: None,
                    attempt: None,
                });
                if self.attach(1, stream) {
                    self.handle(1, Event::TcpConnectionConfirmed).await;
                } else {
                    self.discard(1);
                }
            }
        }
    }

    /// Puts `stream` under machine `index` and starts its reader. False when the socket is unusable.
    fn attach(&mut self, index: usize, stream: TcpStream) -> bool {
        let (Ok(local), Ok(remote)) = (stream.local_addr(), stream.peer_addr()) else {
            return false;
        };
        let _ = stream.set_nodelay(true);
        let id = self.next_id;
        self.next_id += 1;
        let (reader, writer) = stream.into_split();
        let sender = self.internal_sender.clone();
        let reader = tokio::spawn(read_loop(id, reader, sender));
        let Some(machine) = self.machines.get_mut(index) else {
            reader.abort();
            return false;
        };
        if let Some(previous) = machine.connection.take() {
            linger(previous);
        }
        machine.connection = Some(Connection {
            id,
            writer,
            reader,
            local,
            remote,
            options: DecodeOptions::default(),
        });
        true
    }

    /// Closes machine `index`'s connection; `graceful` first flushes and half-closes it.
    async fn close_connection(&mut self, index: usize, graceful: bool) {
        let Some(mut connection) = self
            .machines
            .get_mut(index)
            .and_then(|machine| machine.connection.take())
        else {
            return;
        };
        if graceful {
            let _ = tokio::time::timeout(CLOSE_LINGER, connection.writer.shutdown()).await;
        }
        linger(connection);
    }

    /// The decode/encode options of machine `index`'s connection.
    fn options(&self, index: usize) -> DecodeOptions {
        self.machines
            .get(index)
            .and_then(|machine| machine.connection.as_ref())
            .map(|connection| connection.options)
            .unwrap_or_default()
    }

    /// Writes one message on machine `index`'s connection; on failure the connection is marked failed
    /// (handled at the end of [`NeighborTask::drive`]) and false returned.
    async fn write(&mut self, index: usize, bytes: &[u8]) -> bool {
        // Once the peer's OPEN is accepted, its options apply to what follows.
        let negotiated = self
            .machines
            .get(index)
            .and_then(|machine| machine.fsm.negotiated())
            .map(|negotiated| {
                (
                    DecodeOptions {
                        four_octet_asn: negotiated.four_octet_asn,
                        extended_message: negotiated.extended_message,
                        mrt_rib_family: None,
                    },
                    Duration::from_secs(negotiated.hold_time.into()),
                )
            });
        let Some(connection) = self
            .machines
            .get_mut(index)
            .and_then(|machine| machine.connection.as_mut())
        else {
            return false;
        };
        let mut timeout = MIN_WRITE_TIMEOUT;
        if let Some((options, hold)) = negotiated {
            connection.options = options;
            timeout = timeout.max(hold);
        }
        match tokio::time::timeout(timeout, connection.writer.write_all(bytes)).await {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                tracing::debug!(neighbor = %self.neighbor.address, %error, "write failed");
                self.failed.push(connection.id);
                false
            }
            Err(_) => {
                tracing::info!(neighbor = %self.neighbor.address, "write timed out");
                self.failed.push(connection.id);
                false
            }
        }
    }
}

/// Lets a closed connection's reader drain the peer's last bytes for a while, then drops it.
fn linger(connection: Connection) {
    let Connection { writer, reader, .. } = connection;
    tokio::spawn(async move {
        let _ = tokio::time::timeout(CLOSE_LINGER, reader).await;
        drop(writer);
    });
}

/// Reads messages from one connection until it closes; frames are cut with the most permissive
/// length limit (65535) and checked against the negotiated one when decoded. Each frame carries a
/// [`Credit`]; while more than [`INFLIGHT_HIGH`] bytes are unprocessed the socket is not read.
async fn read_loop(id: u64, mut reader: OwnedReadHalf, sender: mpsc::UnboundedSender<Internal>) {
    let framing = DecodeOptions {
        four_octet_asn: true,
        extended_message: true,
        mrt_rib_family: None,
    };
    let inflight = Arc::new(Inflight::default());
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
    loop {
        while inflight.bytes.load(Ordering::Acquire) > INFLIGHT_HIGH {
            // `notify_one` keeps a wakeup for a waiter yet to come, so none is lost between the
            // check and the wait; a stale one only costs another check.
            inflight.resume.notified().await;
        }
        let mut start = 0;
        loop {
            let rest = buffer.get(start..).unwrap_or_default();
            match header::frame_length(rest, &framing) {
                Ok(Some(length)) if rest.len() >= length => {
                    let bytes = rest.get(..length).unwrap_or_default().to_vec();
                    start += length;
                    let credit = Credit::new(&inflight, length);
                    if sender
                        .send(Internal::Frame {
                            connection: id,
                            bytes,
                            credit,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(_) => break,
                Err(error) => {
                    let _ = sender.send(Internal::FramingError {
                        connection: id,
                        error,
                    });
                    // Keep reading (and discarding) so the NOTIFICATION we send is not lost to a reset.
                    let mut sink = [0u8; 4096];
                    while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
                    return;
                }
            }
        }
        buffer.drain(..start);
        match reader.read_buf(&mut buffer).await {
            Ok(0) => {
                let _ = sender.send(Internal::Closed {
                    connection: id,
                    error: None,
                });
                return;
            }
            Ok(_) => {}
            Err(error) => {
                let _ = sender.send(Internal::Closed {
                    connection: id,
                    error: Some(error.to_string()),
                });
                return;
            }
        }
    }
}

/// Connects to the neighbour with its source address, TCP-MD5 key and TTL options.
async fn connect(neighbor: &Neighbor, internal: bool) -> io::Result<TcpStream> {
    let remote = neighbor.socket_address();
    let ipv6 = remote.is_ipv6();
    let socket = if ipv6 {
        TcpSocket::new_v6()?
    } else {
        TcpSocket::new_v4()?
    };
    if let Some(local) = neighbor.local_address {
        socket.bind(SocketAddr::new(local, 0))?;
    }
    configure_socket(&socket, neighbor, ipv6, internal, true)?;
    socket.connect(remote).await
}

/// Sets a neighbour's socket options on a socket: TCP-MD5 key (when `with_md5`; a listener has its
/// keys already), outgoing TTL (255 with GTSM, else `multihop`, else 1 for eBGP and 64 for iBGP), and
/// GTSM's minimum incoming TTL.
pub(crate) fn configure_socket(
    socket: &impl AsFd,
    neighbor: &Neighbor,
    ipv6: bool,
    internal: bool,
    with_md5: bool,
) -> io::Result<()> {
    use std::os::fd::{AsRawFd, BorrowedFd};
    let fd: BorrowedFd<'_> = socket.as_fd();
    if with_md5 {
        if let Some(password) = &neighbor.password {
            sockopt::set_tcp_md5(&fd.as_raw_fd(), ipv6, neighbor.address, password.as_bytes())?;
        }
    }
    let ttl: u32 = if neighbor.ttl_security {
        255
    } else if let Some(hops) = neighbor.multihop {
        u32::from(hops)
    } else if internal {
        64
    } else {
        1
    };
    let socket_ref = socket2::SockRef::from(&fd);
    if ipv6 {
        socket_ref.set_unicast_hops_v6(ttl)?;
    } else {
        socket_ref.set_ttl(ttl)?;
    }
    if neighbor.ttl_security {
        sockopt::set_min_ttl(&fd.as_raw_fd(), ipv6, sockopt::GTSM_MIN_TTL)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader stops reading once INFLIGHT_HIGH bytes are unprocessed, and goes on when the
    /// credits are released.
    #[tokio::test(flavor = "current_thread")]
    async fn reader_stops_while_its_input_is_unprocessed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let mut client = TcpStream::connect(address).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let (reader, _writer) = server.into_split();
        let (sender, mut frames) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_loop(1, reader, sender));
        let keepalive = Message::Keepalive
            .to_bytes(&DecodeOptions::default())
            .expect("keepalive");
        let total = 4 * INFLIGHT_HIGH / keepalive.len();
        let stream: Vec<u8> = keepalive.repeat(total);
        let writer = tokio::spawn(async move {
            client.write_all(&stream).await.expect("write");
            client
        });
        // Hold every credit: the reader must stop a read buffer or so past the high mark.
        let mut held = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(300), frames.recv()).await {
                Ok(Some(Internal::Frame { credit, .. })) => held.push(credit),
                Ok(other) => panic!("unexpected {other:?}"),
                Err(_) => break,
            }
        }
        let limit = (INFLIGHT_HIGH + (1 << 17)) / keepalive.len();
        assert!(
            !held.is_empty() && held.len() <= limit,
            "{} frames held",
            held.len()
        );
        // Released, everything arrives.
        let mut count = held.len();
        held.clear();
        while count < total {
            match tokio::time::timeout(Duration::from_secs(5), frames.recv()).await {
                Ok(Some(Internal::Frame { .. })) => count += 1,
                other => panic!("after {count} frames: {other:?}"),
            }
        }
        drop(writer.await.expect("writer"));
        reader.abort();
    }
}
