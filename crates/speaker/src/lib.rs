//! globe's BGP speaker: the tokio shell of `globe bgp` around `globe-bgp`'s sans-IO core.
//!
//! The shell does I/O and nothing else: TCP sessions with their timers ([`session`], one task per
//! neighbour driving `globe_bgp::fsm::Session`), listening sockets (`listener`), the router task that
//! owns the RIB and turns its changes into UPDATEs ([`router`]), the kernel FIB (`fib`, over
//! `globe-fib`), the control socket ([`control`]), Prometheus metrics ([`metrics`]) and MRT files
//! (`mrt`). Decisions (decoding, the session state machine, import/decision/export, UPDATE packing)
//! are `globe-bgp`'s. See `docs/design/speaker.md`.
//!
//! [`Speaker::start`] runs everything in the current tokio runtime and returns a handle; [`run`] is
//! `globe bgp`: start, run the announcement conditions ([`announce`]), wait for SIGTERM or SIGINT, shut down gracefully (withdraw what we originate,
//! wait until the UPDATEs are written, Cease / Administrative Shutdown, remove our FIB routes).
#![deny(missing_docs)]

pub mod announce;
pub mod config;
pub mod control;
mod fib;
mod glue;
mod listener;
pub mod metrics;
mod mrt;
pub mod router;
pub mod session;
pub mod sockopt;
pub mod status;

pub use config::Config;
pub use router::{Query, RouterHandle};

use globe_bgp::fsm::ShutdownCommunication;
use router::{Router, ToRouter};
use session::{NeighborTask, SessionCommand};
use status::{NeighborStatus, StatusTable};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long shutdown waits for the sessions to send their Cease and close.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Options that are not in the configuration file.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Never touch the kernel FIB, whatever `[fib]` says (`--no-fib`).
    pub no_fib: bool,
}

/// A running speaker.
pub struct Speaker {
    router: RouterHandle,
    sessions: Vec<mpsc::UnboundedSender<SessionCommand>>,
    session_tasks: Vec<JoinHandle<()>>,
    router_task: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
    config: Arc<Config>,
}

impl Speaker {
    /// Binds the sockets and starts every task in the current tokio runtime.
    pub async fn start(config: Config, options: RunOptions) -> Result<Speaker, String> {
        let config = Arc::new(config);
        let status = StatusTable::new(
            config
                .neighbor
                .iter()
                .map(|n| NeighborStatus::new(n.address, n.asn, n.description.clone()))
                .collect(),
        );
        let listeners = listener::bind(&config)?;
        let control_listener = match &config.control {
            Some(path) => {
                let _ = std::fs::remove_file(path);
                Some(
                    tokio::net::UnixListener::bind(path)
                        .map_err(|e| format!("control socket {}: {e}", path.display()))?,
                )
            }
            None => None,
        };
        let metrics_listener = match config.metrics {
            Some(address) => Some(
                tokio::net::TcpListener::bind(address)
                    .await
                    .map_err(|e| format!("metrics {address}: {e}"))?,
            ),
            None => None,
        };
        let fib = if config.fib.enabled && !options.no_fib {
            Some(fib::FibHandle::start(&config.fib).await?)
        } else {
            None
        };

        let (router_sender, router_receiver) = mpsc::unbounded_channel::<ToRouter>();
        let router = RouterHandle::new(router_sender);
        let mut sessions = Vec::new();
        let mut session_receivers = Vec::new();
        for _ in &config.neighbor {
            let (sender, receiver) = mpsc::unbounded_channel();
            sessions.push(sender);
            session_receivers.push(receiver);
        }
        let by_address: Arc<HashMap<IpAddr, (usize, mpsc::UnboundedSender<SessionCommand>)>> =
            Arc::new(
                config
                    .neighbor
                    .iter()
                    .zip(&sessions)
                    .enumerate()
                    .map(|(index, (neighbor, sender))| (neighbor.address, (index, sender.clone())))
                    .collect(),
            );

        let mut tasks = Vec::new();
        for (index, (neighbor, receiver)) in
            config.neighbor.iter().zip(session_receivers).enumerate()
        {
            let session_config = glue::session_config(&config, neighbor);
            let task = NeighborTask::new(
                index,
                neighbor.clone(),
                config.asn,
                session_config,
                router.clone(),
                status.clone(),
            )?;
            tasks.push((task, receiver));
        }
        let mrt = mrt::MrtLog::new(config.mrt.as_ref(), config.asn);
        let router_state = Router::new(config.clone(), sessions.clone(), status, fib, mrt);
        let router_task = tokio::spawn(router_state.run(router_receiver));
        let session_tasks: Vec<JoinHandle<()>> = tasks
            .into_iter()
            .map(|(task, receiver)| tokio::spawn(task.run(receiver)))
            .collect();
        let mut background = Vec::new();
        for listener in listeners {
            background.push(tokio::spawn(listener::accept(
                listener,
                config.clone(),
                by_address.clone(),
            )));
        }
        if let Some(listener) = control_listener {
            background.push(tokio::spawn(control::serve(
                listener,
                router.clone(),
                by_address.clone(),
            )));
        }
        if let Some(listener) = metrics_listener {
            background.push(tokio::spawn(metrics::serve(listener, router.clone())));
        }
        Ok(Speaker {
            router,
            sessions,
            session_tasks,
            router_task,
            background,
            config,
        })
    }

    /// The handle for the health engine and queries.
    pub fn router(&self) -> RouterHandle {
        self.router.clone()
    }

    /// Graceful shutdown: optional RFC 8326 GRACEFUL_SHUTDOWN period, withdraw every originated prefix
    /// and wait until the UPDATEs are written, then Cease / Administrative Shutdown with the configured
    /// communication on every session, remove our FIB routes, stop.
    pub async fn shutdown(self) {
        let (done, wait) = oneshot::channel();
        self.router.send(ToRouter::Shutdown(done));
        let _ = wait.await;
        let communication = ShutdownCommunication::new(self.config.shutdown_message.clone()).ok();
        let mut stops = Vec::new();
        for session in &self.sessions {
            let (done, wait) = oneshot::channel();
            if session
                .send(SessionCommand::Stop {
                    communication: communication.clone(),
                    done,
                })
                .is_ok()
            {
                stops.push(wait);
            }
        }
        let all = async {
            for stop in stops {
                let _ = stop.await;
            }
        };
        let _ = tokio::time::timeout(STOP_TIMEOUT, all).await;
        // Give the closing connections a moment to deliver the Cease before the process exits.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for task in self.background {
            task.abort();
        }
        for task in self.session_tasks {
            task.abort();
        }
        self.router_task.abort();
        if let Some(path) = &self.config.control {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `globe bgp --config FILE`: starts the speaker, waits for SIGTERM or SIGINT, shuts down gracefully.
pub async fn run(config: Config, options: RunOptions) -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return Err("cannot install signal handlers".to_string());
    };
    let speaker = Speaker::start(config.clone(), options).await?;
    let mut announcer = announce::Announcer::start(&config, speaker.router(), None)?;
    tracing::info!(conditions = announcer.len(), "globe bgp running");
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
    }
    // No condition may re-announce what the shutdown withdraws.
    announcer.stop();
    speaker.shutdown().await;
    Ok(())
}
