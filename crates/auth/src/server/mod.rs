//! The I/O shell of `globe auth`: loads zones, serves UDP on blocking worker threads (one per socket,
//! `SO_REUSEPORT` for more), serves TCP (RFC 7766) and the control socket and metrics on tokio, and swaps
//! in new zone data atomically on reload or transfer. Secondary zones are refreshed by one task each
//! ([`secondary`]), and NOTIFYs to our own secondaries are sent by one task for all zones ([`notify`]).
//! Steering targets are health-checked by one task each ([`health`]).
//! All DNS decisions are made by the pure modules ([`crate::answer`], [`crate::xfr`],
//! [`crate::secondary`], [`crate::notify`]).

mod control;
pub mod health;
pub mod liveness;
pub mod metrics;
mod notify;
pub mod secondary;
mod tcp;
mod udp;

use crate::answer::{AnswerConfig, Responder};
use crate::rrl::RrlConfig;
use crate::steering::Steering;
use crate::xfr::{self, Journal};
use crate::zone::{Zone, ZoneSet};
use arc_swap::ArcSwap;
use globe_dns::{Name, RData, Record};
use metrics::Metrics;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

pub use control::send_command;
pub use liveness::{Liveness, HEARTBEAT_INTERVAL, HEARTBEAT_STALE};
pub use secondary::{fetch, query_soa, FetchError};

/// How long an idle TCP connection is kept (RFC 7766 §6.2.3 suggests seconds, not minutes).
pub const DEFAULT_TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// One zone the server is authoritative for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneConfig {
    /// The origin, when the file does not give it.
    pub origin: Option<Name>,
    /// The zone file (for a secondary, where the transferred copy is kept, if anywhere).
    pub file: Option<PathBuf>,
    /// Primaries to transfer from; empty for a primary zone.
    pub primaries: Vec<SocketAddr>,
    /// Secondaries to NOTIFY when the zone changes.
    pub notify: Vec<SocketAddr>,
    /// Networks allowed to transfer the zone (AXFR/IXFR).
    pub allow_transfer: Vec<Cidr>,
}

/// An address prefix, for access lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// The network address.
    pub address: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Whether `address` is inside this prefix.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let bits = u32::from(self.prefix.min(32));
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let bits = u32::from(self.prefix.min(128));
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("bad address in {text:?}"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or(format!("bad prefix in {text:?}"))?,
            None => max,
        };
        Ok(Cidr { address, prefix })
    }
}

/// Everything `globe auth` needs to run.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Addresses to serve UDP and TCP on.
    pub listen: Vec<SocketAddr>,
    /// The zones.
    pub zones: Vec<ZoneConfig>,
    /// Answer settings (NSID, identity).
    pub answer: AnswerConfig,
    /// Rate limiting; `None` turns it off.
    pub rrl: Option<RrlConfig>,
    /// UDP worker threads per listen address.
    pub udp_threads: usize,
    /// Where to serve Prometheus metrics.
    pub metrics: Option<SocketAddr>,
    /// The control socket (`globe auth reload`, `status`).
    pub control: Option<PathBuf>,
    /// The TCP idle timeout.
    pub tcp_idle_timeout: Duration,
    /// Geo steering as loaded at start-up (empty when no name is steered).
    pub steering: Arc<Steering>,
    /// Where a reload reads the steering configuration again, if from anywhere.
    pub steering_source: Option<SteeringSource>,
    /// The external state file forcing steering targets up or down, if any.
    pub health_state_file: Option<PathBuf>,
}

/// Where the steering configuration comes from, so a reload can read it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SteeringSource {
    /// The configuration file.
    pub file: PathBuf,
    /// The PoP id given on the command line, which wins over the file's.
    pub pop: Option<String>,
}

/// State shared by every worker.
pub struct Shared {
    zones: ArcSwap<ZoneSet>,
    /// Geo steering, swapped whole on reload.
    steering: ArcSwap<Steering>,
    /// The steering targets' health checks, which write the steering's health table.
    health: health::HealthService,
    responder: Responder,
    metrics: Metrics,
    rrl: Option<Mutex<crate::rrl::Rrl>>,
    config: Mutex<ServerConfig>,
    started: std::time::Instant,
    /// Serializes changes to `zones` and `journals` (reloads and transfers), so none is lost.
    changes: Mutex<()>,
    /// Each zone's recent diffs, for IXFR out.
    journals: Mutex<HashMap<Name, Journal>>,
    /// The NOTIFY task's inbox: a zone's new SOA and whom to tell.
    notify: mpsc::UnboundedSender<notify::Request>,
    /// The secondary zones, by origin: their primaries and their task's inbox.
    secondaries: HashMap<Name, secondary::Link>,
    /// The service switch and the UDP workers' heartbeats.
    liveness: Liveness,
}

impl Shared {
    /// The zones now served.
    pub fn zones(&self) -> Arc<ZoneSet> {
        self.zones.load_full()
    }

    /// The geo steering now in force.
    pub fn steering(&self) -> Arc<Steering> {
        self.steering.load_full()
    }

    /// Reads the steering configuration again; on success serves it (health states carry over for
    /// targets whose check did not change), on error keeps the current one and returns why
    /// (file:line:column first).
    fn reload_steering(&self, source: &SteeringSource) -> Result<(), String> {
        let current = self.steering.load_full();
        let file = crate::config::FileConfig::load(&source.file)?;
        let base = source.file.parent().unwrap_or(std::path::Path::new(""));
        let next = file.steering(base, source.pop.as_deref(), Some(&current))?;
        next.inherit_health(&current);
        tracing::info!(
            names = next.rules().count(),
            targets = next.targets().len(),
            "steering reloaded"
        );
        // Under the change lock, so two reloads cannot publish one steering and check another's.
        let _changing = self.changes.lock();
        self.health.configure_steering(&next);
        self.steering.store(Arc::new(next));
        self.health.watch_state_file(
            file.health_state_file(base).as_deref(),
            health::STATE_FILE_POLL,
        );
        Ok(())
    }

    /// Whether this server is answering: see [`Server::health`].
    fn serving_health(&self) -> Result<(), String> {
        self.liveness.check_workers(std::time::Instant::now())?;
        match self.zones.load().unavailable_count() {
            0 => Ok(()),
            count => Err(format!(
                "{count} zone(s) without data (not transferred or expired)"
            )),
        }
    }

    /// Seconds since start, the clock rate limiting uses.
    fn now_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Reloads every primary zone from its file. A zone that fails keeps its previous version; the
    /// errors are returned (file:line:column first) and logged. A zone whose serial went up gets a diff
    /// in its journal and its secondaries are sent NOTIFY. Secondary zones keep what they transferred.
    pub fn reload(&self) -> Vec<String> {
        let config = match self.config.lock() {
            Ok(config) => config.clone(),
            Err(_) => return vec!["configuration lock poisoned".to_string()],
        };
        // Parse first, without holding up transfers that want to install meanwhile.
        let loaded: Vec<Option<Result<Zone, String>>> = config
            .zones
            .iter()
            .map(|c| c.primaries.is_empty().then(|| load_zone(c)))
            .collect();
        // Steering first: its errors are reported with the zones', and it keeps its old version.
        let steering_error = config
            .steering_source
            .as_ref()
            .and_then(|source| self.reload_steering(source).err());
        let Ok(_changing) = self.changes.lock() else {
            return vec!["zone change lock poisoned".to_string()];
        };
        let old = self.zones.load_full();
        let mut next = ZoneSet::new();
        let mut errors = Vec::new();
        if let Some(error) = steering_error {
            tracing::error!("{error}; keeping the previous steering");
            errors.push(error);
        }
        let mut changed = Vec::new();
        for (zone_config, loaded) in config.zones.iter().zip(loaded) {
            // Origins were filled in at start-up, so the previous version can be found.
            let previous = zone_config.origin.as_ref().and_then(|o| old.get(o));
            match loaded {
                // A secondary zone keeps what it transferred (or stays unavailable).
                None => match (previous, &zone_config.origin) {
                    (Some(previous), _) => next.insert(previous.clone()),
                    (None, Some(origin)) => next.mark_unavailable(origin),
                    (None, None) => {}
                },
                Some(Ok(zone)) => {
                    if let Some(previous) = previous {
                        if self.journal_change(previous, &zone) {
                            changed.push((soa_record(&zone), zone_config.notify.clone()));
                        }
                    }
                    next.insert(Arc::new(zone));
                }
                Some(Err(error)) => {
                    tracing::error!("{error}; keeping the previous version");
                    errors.push(error);
                    if let Some(previous) = previous {
                        next.insert(previous.clone());
                    }
                }
            }
        }
        self.publish(next);
        self.metrics.reload(errors.is_empty());
        for (soa, targets) in changed {
            self.send_notify(soa, targets);
        }
        errors
    }

    /// Serves a new version of one zone (a secondary's transfer), recording the change in its journal
    /// and notifying its own secondaries when the serial went up.
    pub fn install(&self, zone: Arc<Zone>) {
        let Ok(_changing) = self.changes.lock() else {
            tracing::error!("zone change lock poisoned");
            return;
        };
        let current = self.zones.load_full();
        let advanced = match current.get(zone.origin()) {
            Some(previous) => self.journal_change(previous, &zone),
            None => true,
        };
        let targets = self
            .zone_config(zone.origin())
            .map(|c| c.notify)
            .unwrap_or_default();
        let soa = soa_record(&zone);
        let mut next = (*current).clone();
        next.insert(zone);
        self.publish(next);
        if advanced {
            self.send_notify(soa, targets);
        }
    }

    /// Stops serving a zone (an expired secondary): its names answer SERVFAIL from now on.
    pub fn expire(&self, origin: &Name) {
        let Ok(_changing) = self.changes.lock() else {
            tracing::error!("zone change lock poisoned");
            return;
        };
        let mut next = (*self.zones.load_full()).clone();
        next.mark_unavailable(origin);
        self.publish(next);
        if let Ok(mut journals) = self.journals.lock() {
            journals.remove(origin);
        }
        self.metrics.zone_expired();
    }

    /// A copy of a zone's journal, for IXFR out.
    pub fn journal(&self, origin: &Name) -> Option<Journal> {
        self.journals.lock().ok()?.get(origin).cloned()
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn zone_config(&self, origin: &Name) -> Option<ZoneConfig> {
        let config = self.config.lock().ok()?;
        config
            .zones
            .iter()
            .find(|c| c.origin.as_ref() == Some(origin))
            .cloned()
    }

    /// Records the change from `old` to `new` in the zone's journal. Returns whether the serial went up
    /// (and so whether secondaries should hear of it). A change without a serial increment, or a serial
    /// that goes back, cannot be described by IXFR: the journal is emptied.
    fn journal_change(&self, old: &Zone, new: &Zone) -> bool {
        let diff = xfr::diff(old, new);
        let advanced =
            crate::serial::Serial(new.serial()).is_newer_than(crate::serial::Serial(old.serial()));
        if !advanced && diff.changes() == 0 && old.soa() == new.soa() {
            return false;
        }
        if !advanced {
            tracing::warn!(
                zone = %new.origin(),
                old = old.serial(),
                new = new.serial(),
                "zone changed but its serial did not go up; secondaries will not see the change"
            );
        }
        if let Ok(mut journals) = self.journals.lock() {
            journals
                .entry(new.origin().clone())
                .or_default()
                .record(diff);
        }
        advanced
    }

    fn send_notify(&self, soa: Record, targets: Vec<SocketAddr>) {
        if targets.is_empty() {
            return;
        }
        let _ = self.notify.send(notify::Request { soa, targets });
    }

    fn publish(&self, zones: ZoneSet) {
        self.metrics.set_serials(
            zones
                .iter()
                .map(|z| (z.origin().clone(), z.serial()))
                .collect(),
        );
        self.zones.store(Arc::new(zones));
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// A zone's SOA record.
fn soa_record(zone: &Zone) -> Record {
    Record {
        name: zone.origin().clone(),
        class: zone.class(),
        ttl: zone.soa_ttl(),
        data: RData::Soa(zone.soa().clone()),
    }
}

/// Loads one zone from its file.
pub fn load_zone(config: &ZoneConfig) -> Result<Zone, String> {
    let file = config
        .file
        .as_ref()
        .ok_or_else(|| "zone has no file".to_string())?;
    let started = std::time::Instant::now();
    let records =
        globe_dns::zonefile::parse_file(file, config.origin.clone()).map_err(|e| e.to_string())?;
    let parsed = started.elapsed();
    let zone = Zone::from_records(config.origin.as_ref(), records)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    tracing::debug!(file = %file.display(), ?parsed, built = ?(started.elapsed() - parsed), "zone file read");
    Ok(zone)
}

/// Why the server could not start.
#[derive(Debug)]
pub enum ServerError {
    /// A zone failed to load at start-up.
    Zone(String),
    /// A socket could not be opened.
    Io(String, std::io::Error),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Zone(e) => f.write_str(e),
            ServerError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Loads the zones and serves until SIGTERM or SIGINT. SIGHUP reloads. A secondary zone starts from
/// its file if it has one that loads, and otherwise answers SERVFAIL until its first transfer.
pub fn run(config: ServerConfig) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError::Io("starting the runtime".into(), e))?;
    runtime.block_on(async move {
        let server = Server::start(config)?;
        control::wait_for_signals(server.shared.clone()).await;
        server.stop();
        Ok(())
    })
}

/// A running server: its UDP workers (threads), and its TCP, control, metrics, NOTIFY, secondary and
/// health tasks on the tokio runtime it was started in. `globe auth` is [`run`]; `globe node` starts
/// one beside the BGP speaker and reads its [`Server::health`].
pub struct Server {
    shared: Arc<Shared>,
    control: Option<PathBuf>,
}

impl Server {
    /// Loads the zones, binds every socket and starts serving. Must be called inside a tokio runtime.
    pub fn start(mut config: ServerConfig) -> Result<Server, ServerError> {
        let mut zones = ZoneSet::new();
        let mut secondaries = HashMap::new();
        let mut secondary_tasks = Vec::new();
        for zone_config in &mut config.zones {
            if !zone_config.primaries.is_empty() {
                let origin = zone_config.origin.clone().ok_or_else(|| {
                    ServerError::Zone("a secondary zone needs an origin".to_string())
                })?;
                let initial = secondary::load_copy(zone_config).map(Arc::new);
                match &initial {
                    Some(zone) => zones.insert(zone.clone()),
                    None => zones.mark_unavailable(&origin),
                }
                let (link, inbox) = secondary::Link::new(zone_config.primaries.clone());
                secondaries.insert(origin.clone(), link);
                secondary_tasks.push((zone_config.clone(), origin, initial, inbox));
                continue;
            }
            let zone = load_zone(zone_config).map_err(ServerError::Zone)?;
            tracing::info!(zone = %zone.origin(), serial = zone.serial(), records = zone.record_count(), "zone loaded");
            zone_config.origin = Some(zone.origin().clone());
            zones.insert(Arc::new(zone));
        }
        let workers = config.listen.len() * config.udp_threads.max(1);
        let started = std::time::Instant::now();
        let (notify_sender, notify_inbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            zones: ArcSwap::from_pointee(ZoneSet::new()),
            steering: ArcSwap::new(config.steering.clone()),
            health: health::HealthService::new(),
            responder: Responder::new(config.answer.clone()),
            metrics: Metrics::default(),
            rrl: config
                .rrl
                .clone()
                .map(|c| Mutex::new(crate::rrl::Rrl::new(c))),
            config: Mutex::new(config.clone()),
            started,
            changes: Mutex::new(()),
            journals: Mutex::new(HashMap::new()),
            notify: notify_sender,
            secondaries,
            liveness: Liveness::new(workers, started),
        });
        shared.publish(zones);

        let mut udp_sockets = Vec::new();
        for address in &config.listen {
            for _ in 0..config.udp_threads.max(1) {
                let socket = udp::bind(*address, config.udp_threads > 1)
                    .map_err(|e| ServerError::Io(format!("binding UDP {address}"), e))?;
                udp_sockets.push(socket);
            }
        }
        // Every listener is bound before the first UDP worker answers, so a client that got an answer
        // can rely on TCP, metrics and the control socket being there too.
        let mut tcp_listeners = Vec::new();
        for address in &config.listen {
            tcp_listeners.push(
                tcp::bind(*address)
                    .map_err(|e| ServerError::Io(format!("binding TCP {address}"), e))?,
            );
        }
        let metrics_listener = match config.metrics {
            Some(address) => {
                let listener = std::net::TcpListener::bind(address)
                    .and_then(|l| l.set_nonblocking(true).map(|()| l))
                    .and_then(tokio::net::TcpListener::from_std)
                    .map_err(|e| ServerError::Io(format!("binding metrics {address}"), e))?;
                Some(listener)
            }
            None => None,
        };
        let control_listener = match &config.control {
            Some(path) => {
                let _ = std::fs::remove_file(path);
                Some(tokio::net::UnixListener::bind(path).map_err(|e| {
                    ServerError::Io(format!("binding control socket {}", path.display()), e)
                })?)
            }
            None => None,
        };
        for (worker, socket) in udp_sockets.into_iter().enumerate() {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("globe-udp".into())
                .spawn(move || udp::serve(socket, shared, worker))
                .map_err(|e| ServerError::Io("spawning a UDP worker".into(), e))?;
        }
        for listener in tcp_listeners {
            tokio::spawn(tcp::serve(
                listener,
                shared.clone(),
                config.tcp_idle_timeout,
            ));
        }
        if let Some(listener) = metrics_listener {
            tokio::spawn(control::serve_metrics(listener, shared.clone()));
        }
        if let Some(listener) = control_listener {
            tokio::spawn(control::serve_control(listener, shared.clone()));
        }
        tokio::spawn(notify::run(shared.clone(), notify_inbox));
        for (zone_config, origin, initial, inbox) in secondary_tasks {
            tokio::spawn(secondary::run(
                shared.clone(),
                zone_config,
                origin,
                initial,
                inbox,
            ));
        }
        shared.health.configure_steering(&shared.steering());
        shared
            .health
            .watch_state_file(config.health_state_file.as_deref(), health::STATE_FILE_POLL);
        tracing::info!(listen = ?config.listen, "serving");
        Ok(Server {
            shared,
            control: config.control,
        })
    }

    /// Whether the server is answering now, in-process: the service is on, every UDP worker beat
    /// recently ([`HEARTBEAT_STALE`]) and every configured zone has data. The error says what is
    /// wrong. Cheap (atomics and one pointer load): call it as often as a health check runs.
    pub fn health(&self) -> Result<(), String> {
        self.shared.serving_health()
    }

    /// A cheap handle on [`Server::health`] for another task or thread.
    pub fn health_probe(&self) -> impl Fn() -> Result<(), String> + Send + Sync + 'static {
        let server = Server {
            shared: self.shared.clone(),
            control: None,
        };
        move || server.health()
    }

    /// Turns the DNS service on or off (what `dns start` / `dns stop` on the control socket do).
    pub fn set_serving(&self, serving: bool) {
        self.shared.liveness.set_serving(serving);
    }

    /// Reloads the zones and steering (blocking; SIGHUP). Returns the errors, as
    /// [`Shared::reload`].
    pub fn reload(&self) -> Vec<String> {
        self.shared.reload()
    }

    /// Stops answering and removes the control socket. The UDP worker threads end with the process.
    pub fn stop(self) {
        self.shared.liveness.set_serving(false);
        if let Some(path) = &self.control {
            let _ = std::fs::remove_file(path);
        }
    }
}
