//! The thin I/O shell of `globe resolver`: stub-facing UDP workers and TCP connections, the driver that
//! owns the resolution engine and does its upstream I/O, and the metrics endpoint.
//!
//! Threads: one blocking UDP worker per listening socket answers cache hits itself from the
//! [`AnswerCache`] (the fast path) and hands misses to the driver; the driver runs on a single-threaded
//! tokio runtime with the TCP listeners, upstream sockets and timers, and is the only owner of the
//! [`Resolver`](crate::engine::Resolver), so the engine needs no lock.

mod driver;
mod metrics;
mod tcp;
mod udp;

use crate::answer_cache::AnswerCache;
use crate::cache::CacheConfig;
use crate::engine::ResolverConfig;
use crate::hints::RootHints;
use crate::stub::AccessList;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use metrics::Metrics;

/// Everything `globe resolver` is started with.
pub struct ServerConfig {
    /// Addresses to serve clients on (UDP and TCP).
    pub listen: Vec<SocketAddr>,
    /// Where resolution starts.
    pub hints: RootHints,
    /// Who may ask.
    pub access: AccessList,
    /// The engine's settings (cache size, ECS, 0x20, limits).
    pub resolver: ResolverConfig,
    /// Bytes for the rendered-answer fast path.
    pub answer_cache_bytes: usize,
    /// Where to serve Prometheus metrics, if anywhere.
    pub metrics: Option<SocketAddr>,
}

impl ServerConfig {
    /// Defaults for everything but where to listen.
    pub fn new(listen: Vec<SocketAddr>) -> ServerConfig {
        ServerConfig {
            listen,
            hints: RootHints::embedded(),
            access: AccessList::loopback(),
            resolver: ResolverConfig::default(),
            answer_cache_bytes: CacheConfig::default().max_bytes / 4,
            metrics: None,
        }
    }
}

/// A failure to start.
#[derive(Debug)]
pub struct ServerError(pub String, pub std::io::Error);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

impl std::error::Error for ServerError {}

/// State shared by the UDP workers, the TCP connections and the driver.
pub(crate) struct Shared {
    pub access: AccessList,
    pub answers: Mutex<AnswerCache>,
    pub metrics: Metrics,
    pub send_client_subnet: bool,
}

/// Runs the resolver until SIGINT or SIGTERM.
pub fn run(config: ServerConfig) -> Result<(), ServerError> {
    let shared = Arc::new(Shared {
        access: config.access.clone(),
        answers: Mutex::new(AnswerCache::new(config.answer_cache_bytes)),
        metrics: Metrics::default(),
        send_client_subnet: config.resolver.send_client_subnet,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError("starting the runtime".into(), e))?;
    let guard = runtime.enter();
    let (jobs, inbox) = tokio::sync::mpsc::unbounded_channel();
    let mut udp_sockets = Vec::new();
    let mut tcp_listeners = Vec::new();
    for address in &config.listen {
        udp_sockets.push(
            udp::bind(*address).map_err(|e| ServerError(format!("binding UDP {address}"), e))?,
        );
        tcp_listeners.push(
            tcp::bind(*address).map_err(|e| ServerError(format!("binding TCP {address}"), e))?,
        );
    }
    let metrics_listener = match config.metrics {
        Some(address) => Some(
            std::net::TcpListener::bind(address)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .and_then(tokio::net::TcpListener::from_std)
                .map_err(|e| ServerError(format!("binding metrics {address}"), e))?,
        ),
        None => None,
    };
    drop(guard);
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let engine = crate::engine::Resolver::new(
        config.resolver,
        config.hints,
        rand::SeedableRng::from_seed(seed),
    );
    for socket in udp_sockets {
        let socket = Arc::new(socket);
        let shared = shared.clone();
        let jobs = jobs.clone();
        std::thread::Builder::new()
            .name("globe-resolver-udp".into())
            .spawn(move || udp::serve(socket, shared, jobs))
            .map_err(|e| ServerError("spawning a UDP worker".into(), e))?;
    }
    runtime.block_on(async move {
        for listener in tcp_listeners {
            tokio::spawn(tcp::serve(listener, shared.clone(), jobs.clone()));
        }
        if let Some(listener) = metrics_listener {
            tokio::spawn(metrics::serve(listener, shared.clone()));
        }
        tracing::info!(listen = ?config.listen, "resolving");
        tokio::select! {
            () = driver::run(engine, inbox, shared.clone()) => {}
            () = signals() => {}
        }
    });
    Ok(())
}

async fn signals() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
