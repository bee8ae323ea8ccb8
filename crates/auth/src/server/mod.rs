//! The I/O shell of `globe auth`: loads zones, serves UDP on blocking worker threads (one per socket,
//! `SO_REUSEPORT` for more), serves TCP (RFC 7766) and the control socket and metrics on tokio, and swaps
//! in new zone data atomically on reload. All DNS decisions are made by [`crate::answer`].

mod control;
pub mod metrics;
mod tcp;
mod udp;

use crate::answer::{AnswerConfig, Responder};
use crate::rrl::RrlConfig;
use crate::zone::{Zone, ZoneSet};
use arc_swap::ArcSwap;
use globe_dns::Name;
use metrics::Metrics;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use control::send_command;

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
}

/// State shared by every worker.
pub struct Shared {
    zones: ArcSwap<ZoneSet>,
    responder: Responder,
    metrics: Metrics,
    rrl: Option<Mutex<crate::rrl::Rrl>>,
    config: Mutex<ServerConfig>,
    started: std::time::Instant,
}

impl Shared {
    /// The zones now served.
    pub fn zones(&self) -> Arc<ZoneSet> {
        self.zones.load_full()
    }

    /// Seconds since start, the clock rate limiting uses.
    fn now_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Reloads every zone from its file. A zone that fails keeps its previous version; the errors are
    /// returned (file:line:column first) and logged.
    pub fn reload(&self) -> Vec<String> {
        let config = match self.config.lock() {
            Ok(config) => config.clone(),
            Err(_) => return vec!["configuration lock poisoned".to_string()],
        };
        let old = self.zones.load_full();
        let mut next = ZoneSet::new();
        let mut errors = Vec::new();
        for zone_config in &config.zones {
            match load_zone(zone_config) {
                Ok(zone) => next.insert(Arc::new(zone)),
                Err(error) => {
                    tracing::error!("{error}; keeping the previous version");
                    errors.push(error);
                    // Origins were filled in at start-up, so the previous version can be found.
                    if let Some(previous) = zone_config.origin.as_ref().and_then(|o| old.get(o)) {
                        next.insert(previous.clone());
                    }
                }
            }
        }
        self.publish(next);
        self.metrics.reload(errors.is_empty());
        errors
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

/// Loads one zone from its file.
pub fn load_zone(config: &ZoneConfig) -> Result<Zone, String> {
    let file = config
        .file
        .as_ref()
        .ok_or_else(|| "zone has no file".to_string())?;
    let records =
        globe_dns::zonefile::parse_file(file, config.origin.clone()).map_err(|e| e.to_string())?;
    Zone::from_records(config.origin.as_ref(), records)
        .map_err(|e| format!("{}: {e}", file.display()))
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

/// Loads the zones and serves until SIGTERM or SIGINT. SIGHUP reloads.
pub fn run(mut config: ServerConfig) -> Result<(), ServerError> {
    let mut zones = ZoneSet::new();
    for zone_config in &mut config.zones {
        let zone = load_zone(zone_config).map_err(ServerError::Zone)?;
        tracing::info!(zone = %zone.origin(), serial = zone.serial(), records = zone.record_count(), "zone loaded");
        zone_config.origin = Some(zone.origin().clone());
        zones.insert(Arc::new(zone));
    }
    let shared = Arc::new(Shared {
        zones: ArcSwap::from_pointee(ZoneSet::new()),
        responder: Responder::new(config.answer.clone()),
        metrics: Metrics::default(),
        rrl: config
            .rrl
            .clone()
            .map(|c| Mutex::new(crate::rrl::Rrl::new(c))),
        config: Mutex::new(config.clone()),
        started: std::time::Instant::now(),
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
    for socket in udp_sockets {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("globe-udp".into())
            .spawn(move || udp::serve(socket, shared))
            .map_err(|e| ServerError::Io("spawning a UDP worker".into(), e))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError::Io("starting the runtime".into(), e))?;
    runtime.block_on(async move {
        for address in &config.listen {
            let listener = tcp::bind(*address)
                .map_err(|e| ServerError::Io(format!("binding TCP {address}"), e))?;
            tokio::spawn(tcp::serve(
                listener,
                shared.clone(),
                config.tcp_idle_timeout,
            ));
        }
        if let Some(address) = config.metrics {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| ServerError::Io(format!("binding metrics {address}"), e))?;
            tokio::spawn(control::serve_metrics(listener, shared.clone()));
        }
        if let Some(path) = &config.control {
            let _ = std::fs::remove_file(path);
            let listener = tokio::net::UnixListener::bind(path).map_err(|e| {
                ServerError::Io(format!("binding control socket {}", path.display()), e)
            })?;
            tokio::spawn(control::serve_control(listener, shared.clone()));
        }
        tracing::info!(listen = ?config.listen, "serving");
        control::wait_for_signals(shared).await;
        if let Some(path) = &config.control {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    })
}
