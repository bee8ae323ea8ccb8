//! The FIB task: installs the router's best routes in the kernel through `globe_fib::Fib`, batching what
//! arrives together (a full table comes as a burst) and coalescing changes to one prefix. Routes of a
//! previous run (same protocol number) are flushed at start-up, and all of globe's routes on exit.

use crate::config::FibConfig;
use globe_bgp::Prefix;
use globe_fib::{Fib, FibError, NextHop, Route};
use std::collections::HashMap;
use std::net::IpAddr;
use tokio::sync::{mpsc, oneshot};

/// Route changes taken from the channel before one batch is written.
const MAX_BATCH: usize = 10_000;

/// The metric of globe's routes. The kernel keys routes by (table, prefix, metric): with the default
/// metric (0 for IPv4) a BGP route to a connected subnet (a peer announcing the link between us)
/// would replace the kernel's connected route and take away the way to every next hop on that link.
/// 20, like zebra's eBGP routes, keeps them beside connected (0) and administrators' static routes.
pub(crate) const FIB_METRIC: u32 = 20;

/// A handle to the FIB task; dropping every handle stops it.
#[derive(Clone, Debug)]
pub(crate) struct FibHandle {
    sender: mpsc::UnboundedSender<FibCommand>,
}

#[derive(Debug)]
enum FibCommand {
    Replace(Prefix, IpAddr),
    Remove(Prefix),
    Flush(oneshot::Sender<()>),
}

impl FibHandle {
    /// Opens the kernel FIB in the current network namespace, flushes globe's leftover routes and
    /// starts the task. Must run inside the tokio runtime.
    pub(crate) async fn start(config: &FibConfig) -> Result<FibHandle, String> {
        // `globe_fib::Fib`'s batch futures are not `Send` (a higher-ranked lifetime in its iterator
        // closures), so the FIB runs on a thread of its own with a current-thread runtime. The thread
        // inherits the caller's network namespace.
        let fib_config = globe_fib::FibConfig {
            protocol: config.protocol,
            table: config.table,
            metric: Some(FIB_METRIC),
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        let (opened, result) = oneshot::channel::<Result<(), String>>();
        std::thread::Builder::new()
            .name("globe-fib".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = opened.send(Err(format!("FIB runtime: {error}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let fib = match Fib::open(fib_config) {
                        Ok(fib) => fib,
                        Err(error) => {
                            let _ = opened.send(Err(format!("FIB: {error}")));
                            return;
                        }
                    };
                    match fib.flush().await {
                        Ok(0) => {}
                        Ok(count) => {
                            tracing::info!(count, "FIB: removed routes left by a previous run")
                        }
                        Err(error) => tracing::warn!(%error, "FIB: cannot flush old routes"),
                    }
                    let _ = opened.send(Ok(()));
                    run(fib, receiver).await;
                });
            })
            .map_err(|error| format!("FIB thread: {error}"))?;
        result.await.map_err(|_| "FIB thread ended".to_string())??;
        Ok(FibHandle { sender })
    }

    /// Installs or replaces `prefix` via `gateway`.
    pub(crate) fn replace(&self, prefix: Prefix, gateway: IpAddr) {
        let _ = self.sender.send(FibCommand::Replace(prefix, gateway));
    }

    /// Removes `prefix`.
    pub(crate) fn remove(&self, prefix: Prefix) {
        let _ = self.sender.send(FibCommand::Remove(prefix));
    }

    /// Writes what is pending, removes every route of globe's, and waits for it.
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(FibCommand::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(fib: Fib, mut receiver: mpsc::UnboundedReceiver<FibCommand>) {
    while let Some(first) = receiver.recv().await {
        let mut pending: HashMap<Prefix, Option<IpAddr>> = HashMap::new();
        let mut flush = None;
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                FibCommand::Replace(prefix, gateway) => {
                    pending.insert(prefix, Some(gateway));
                }
                FibCommand::Remove(prefix) => {
                    pending.insert(prefix, None);
                }
                FibCommand::Flush(done) => {
                    flush = Some(done);
                    break;
                }
            }
            if pending.len() < MAX_BATCH {
                next = receiver.try_recv().ok();
            }
        }
        apply(&fib, pending).await;
        if let Some(done) = flush {
            match fib.flush().await {
                Ok(count) => tracing::info!(count, "FIB: removed globe's routes"),
                Err(error) => tracing::warn!(%error, "FIB: flush failed"),
            }
            let _ = done.send(());
        }
    }
}

async fn apply(fib: &Fib, pending: HashMap<Prefix, Option<IpAddr>>) {
    let mut replace = Vec::new();
    let mut remove = Vec::new();
    for (prefix, gateway) in pending {
        match gateway {
            Some(gateway) => replace.push(Route {
                prefix,
                next_hops: vec![NextHop {
                    gateway,
                    interface: None,
                }],
            }),
            None => remove.push(prefix),
        }
    }
    if !replace.is_empty() {
        report("replace", fib.replace_many(&replace).await);
    }
    if !remove.is_empty() {
        report("remove", fib.remove_many(&remove).await);
    }
}

fn report(what: &str, result: Result<Vec<globe_fib::RouteFailure>, FibError>) {
    match result {
        Ok(failures) => {
            for failure in failures
                .iter()
                .filter(|failure| failure.error != FibError::NotFound)
                .take(10)
            {
                tracing::warn!(prefix = %failure.prefix, error = %failure.error, "FIB: {what} failed");
            }
        }
        Err(error) => tracing::warn!(%error, "FIB: {what} failed"),
    }
}
