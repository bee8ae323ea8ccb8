//! The health check shell: one tokio task per checked target (shared by every name that uses the
//! target), a watcher of the external state file, and the health lines of `globe auth status` and of
//! the metrics. Every decision is made by the pure [`HealthMonitor`]; this module runs the probes
//! (`probe.rs`) and feeds it their results with the time they came.
//!
//! Checkers start at a random point of their first interval, so a thousand targets configured at
//! once do not fire together, and then check every `interval` (start to start; a check that overruns
//! delays the next rather than piling up). Each is bounded by its `timeout`.
//!
//! On reload, [`HealthService::configure`] aborts the checkers of removed and changed targets (by their
//! abort handles, so none is left running) and starts the new ones; unchanged targets keep their
//! checker and state.

mod probe;
#[cfg(test)]
mod tests;

use crate::health::state_file::{self, MAX_STATE_FILE_BYTES};
use crate::health::{
    age, Change, ForcedStates, HealthMonitor, HealthSink, Outcome, Start, State, TargetSpec,
    Ticket, OUTCOME_LABELS,
};
use crate::steering::Steering;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;
use tokio::task::AbortHandle;

pub use probe::Prober;

/// How often the state file is looked at for a change (its size, inode and modification time).
pub const STATE_FILE_POLL: Duration = Duration::from_secs(1);

/// Runs the health checks of the steering targets and the state file watcher.
///
/// Dropping it stops every task it started.
pub struct HealthService {
    monitor: Arc<Mutex<HealthMonitor>>,
    /// The running checkers, by ticket. Held while reconfiguring, so two reloads cannot interleave.
    checkers: Mutex<HashMap<Ticket, AbortHandle>>,
    state_file: Mutex<Option<Watch>>,
    state_file_status: Arc<Mutex<StateFileStatus>>,
    state_file_errors: Arc<AtomicU64>,
}

/// The state file being watched.
struct Watch {
    path: PathBuf,
    task: AbortHandle,
}

/// What the last look at the state file found, for `globe auth status`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StateFileStatus {
    /// None configured.
    Off,
    /// Not looked at yet.
    Pending,
    /// The file does not exist: nothing is forced.
    Missing,
    /// Read: this many targets forced, of which this many are not ours.
    Loaded { forced: usize, unknown: usize },
    /// The last version could not be used (the previous states stay).
    Error(String),
}

impl Default for HealthService {
    fn default() -> HealthService {
        HealthService::new()
    }
}

impl HealthService {
    /// A service with no targets. Its tasks run on the tokio runtime of whoever configures it (a
    /// reload's blocking thread belongs to the runtime too).
    pub fn new() -> HealthService {
        HealthService {
            monitor: Arc::new(Mutex::new(HealthMonitor::new())),
            checkers: Mutex::new(HashMap::new()),
            state_file: Mutex::new(None),
            state_file_status: Arc::new(Mutex::new(StateFileStatus::Off)),
            state_file_errors: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Takes a new steering configuration: its targets, in [`TargetId`](crate::steering::TargetId)
    /// order, checked as it says, with their states published to its health table.
    pub fn configure_steering(&self, steering: &Steering) {
        let targets: Vec<TargetSpec> = steering
            .targets()
            .iter()
            .map(|target| TargetSpec {
                id: target.name.as_str().into(),
                check: target.check.clone(),
            })
            .collect();
        self.configure(&targets, steering.health().clone());
    }

    /// Takes the targets of a new steering configuration and the table its answers read: checkers of
    /// removed and changed targets are aborted, new ones started, and every target's state is
    /// written to `sink` before this returns. Callable from any thread (a reload runs on a blocking
    /// thread).
    pub fn configure(&self, targets: &[TargetSpec], sink: Arc<dyn HealthSink>) {
        let mut checkers = lock(&self.checkers);
        let plan = lock(&self.monitor).configure(targets, sink, Instant::now());
        for ticket in &plan.stop {
            if let Some(checker) = checkers.remove(ticket) {
                checker.abort();
            }
        }
        let (stopped, started) = (plan.stop.len(), plan.start.len());
        for start in plan.start {
            let ticket = start.ticket;
            if let Some(task) = spawn(run_checker(start, self.monitor.clone())) {
                checkers.insert(ticket, task);
            }
        }
        if started + stopped > 0 {
            tracing::info!(
                targets = targets.len(),
                checkers = checkers.len(),
                started,
                stopped,
                "health checks configured"
            );
        }
    }

    /// Watches `path` (or nothing) as the external state file, looking for changes every `poll`
    /// ([`STATE_FILE_POLL`] in the server). Watching the same path again changes nothing; a new path
    /// is read at once.
    pub fn watch_state_file(&self, path: Option<&Path>, poll: Duration) {
        let mut watch = lock(&self.state_file);
        if watch.as_ref().map(|w| w.path.as_path()) == path {
            return;
        }
        if let Some(old) = watch.take() {
            old.task.abort();
        }
        let Some(path) = path else {
            *lock(&self.state_file_status) = StateFileStatus::Off;
            let (changes, _) = lock(&self.monitor).force(ForcedStates::default(), Instant::now());
            log_changes(&changes);
            return;
        };
        *lock(&self.state_file_status) = StateFileStatus::Pending;
        let task = spawn(watch_state_file(
            path.to_path_buf(),
            poll,
            self.monitor.clone(),
            self.state_file_status.clone(),
            self.state_file_errors.clone(),
        ));
        if let Some(task) = task {
            *watch = Some(Watch {
                path: path.to_path_buf(),
                task,
            });
        }
    }

    /// How many checkers are running (aborted ones that have not yet stopped count until they have).
    pub fn running_checkers(&self) -> usize {
        lock(&self.checkers)
            .values()
            .filter(|task| !task.is_finished())
            .count()
    }

    /// The effective state of the target called `id`, if there is one.
    pub fn state(&self, id: &str) -> Option<State> {
        lock(&self.monitor)
            .targets()
            .find(|target| target.id == id)
            .map(|target| target.health.state())
    }

    /// The health lines of `globe auth status`: the state file, then one line per target.
    pub fn status(&self) -> String {
        let now = Instant::now();
        let mut text = String::new();
        if let Some(watch) = &*lock(&self.state_file) {
            let status = match &*lock(&self.state_file_status) {
                StateFileStatus::Off | StateFileStatus::Pending => "not read yet".to_string(),
                StateFileStatus::Missing => "missing (nothing forced)".to_string(),
                StateFileStatus::Loaded { forced, unknown } => {
                    format!("{forced} forced ({unknown} not ours)")
                }
                StateFileStatus::Error(error) => format!("error: {error} (previous states kept)"),
            };
            let _ = writeln!(text, "state-file {} {status}", watch.path.display());
        }
        for target in lock(&self.monitor).targets() {
            let health = target.health;
            let forced = health.forced().map_or("no", State::label);
            let _ = write!(
                text,
                "target {} {} forced={forced}",
                target.id,
                health.state()
            );
            if health.is_checked() {
                let last = match health.last() {
                    Some((outcome, at)) => format!(
                        "({outcome}, {} ago)",
                        age(now.saturating_duration_since(at))
                    ),
                    None => "none".to_string(),
                };
                let _ = write!(
                    text,
                    " last={last} successes={} failures={}",
                    health.consecutive_successes(),
                    health.consecutive_failures(),
                );
            } else {
                text.push_str(" check=none");
            }
            let _ = writeln!(
                text,
                " changed={} ago",
                age(now.saturating_duration_since(health.changed()))
            );
        }
        text
    }

    /// Appends the health metrics in the Prometheus text format: `globe_auth_target_up`,
    /// `globe_auth_target_forced`, `globe_auth_health_checks_total` by result,
    /// `globe_auth_target_transitions_total` and `globe_auth_health_state_file_errors_total`.
    pub fn render_metrics(&self, out: &mut String) {
        let monitor = lock(&self.monitor);
        out.push_str("# HELP globe_auth_target_up Whether a steering target is given out (1) or left out (0).\n# TYPE globe_auth_target_up gauge\n");
        for target in monitor.targets() {
            let up = u8::from(target.health.state() == State::Up);
            let _ = writeln!(
                out,
                "globe_auth_target_up{{target=\"{}\"}} {up}",
                escape(target.id)
            );
        }
        out.push_str("# HELP globe_auth_target_forced Whether the state file forces a target's state.\n# TYPE globe_auth_target_forced gauge\n");
        for target in monitor.targets() {
            let forced = u8::from(target.health.forced().is_some());
            let _ = writeln!(
                out,
                "globe_auth_target_forced{{target=\"{}\"}} {forced}",
                escape(target.id)
            );
        }
        out.push_str("# HELP globe_auth_health_checks_total Health checks done, by target and result.\n# TYPE globe_auth_health_checks_total counter\n");
        for target in monitor.targets() {
            for (label, count) in OUTCOME_LABELS.iter().zip(target.counts.results) {
                // Every target shows its successes, even at 0; failure kinds once they happen.
                if count > 0 || *label == "success" {
                    let _ = writeln!(
                        out,
                        "globe_auth_health_checks_total{{target=\"{}\",result=\"{label}\"}} {count}",
                        escape(target.id)
                    );
                }
            }
        }
        out.push_str("# HELP globe_auth_target_transitions_total Changes of a target's state, by the state entered.\n# TYPE globe_auth_target_transitions_total counter\n");
        for target in monitor.targets() {
            for (to, count) in [("up", target.counts.ups), ("down", target.counts.downs)] {
                let _ = writeln!(
                    out,
                    "globe_auth_target_transitions_total{{target=\"{}\",to=\"{to}\"}} {count}",
                    escape(target.id)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP globe_auth_health_state_file_errors_total State file versions rejected.\n# TYPE globe_auth_health_state_file_errors_total counter\nglobe_auth_health_state_file_errors_total {}",
            self.state_file_errors.load(Ordering::Relaxed)
        );
    }
}

impl Drop for HealthService {
    fn drop(&mut self) {
        for (_, checker) in lock(&self.checkers).drain() {
            checker.abort();
        }
        if let Some(watch) = lock(&self.state_file).take() {
            watch.task.abort();
        }
    }
}

/// Spawns a task on the current runtime; without one (a caller outside tokio), logs and does nothing.
fn spawn<F>(task: F) -> Option<AbortHandle>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    match Handle::try_current() {
        Ok(runtime) => Some(runtime.spawn(task).abort_handle()),
        Err(error) => {
            tracing::error!(%error, "health checks need the tokio runtime");
            None
        }
    }
}

/// Checks one target every `interval` until aborted.
async fn run_checker(start: Start, monitor: Arc<Mutex<HealthMonitor>>) {
    let Start { ticket, id, check } = start;
    let prober = Prober::new(&check.probe);
    tracing::debug!(target_id = %id, check = %check.probe, interval = ?check.interval, "health checker started");
    tokio::time::sleep(check.interval.mul_f64(rand::random::<f64>())).await;
    let mut ticks = tokio::time::interval(check.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let outcome = tokio::time::timeout(check.timeout, prober.check())
            .await
            .unwrap_or(Outcome::Failure(crate::health::Failure::Timeout));
        tracing::trace!(target_id = %id, %outcome, "health check");
        let change = lock(&monitor).record(ticket, outcome, Instant::now());
        if let Some(change) = change {
            log_changes(&[change]);
        }
    }
}

/// What the state file looked like: a change in any of these means it is read again.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stamp {
    Missing,
    Unreadable(std::io::ErrorKind),
    Present {
        inode: u64,
        size: u64,
        modified: (i64, i64),
        changed: (i64, i64),
    },
}

async fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    match tokio::fs::metadata(path).await {
        Ok(meta) => Stamp::Present {
            inode: meta.ino(),
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Stamp::Missing,
        Err(error) => Stamp::Unreadable(error.kind()),
    }
}

/// Reads the state file whenever it changes. A file that does not parse (or cannot be read) is
/// reported with its line and the previous states stay; a missing file forces nothing.
async fn watch_state_file(
    path: PathBuf,
    poll: Duration,
    monitor: Arc<Mutex<HealthMonitor>>,
    status: Arc<Mutex<StateFileStatus>>,
    errors: Arc<AtomicU64>,
) {
    let mut seen = None;
    loop {
        let now = stamp(&path).await;
        if seen.as_ref() != Some(&now) {
            let loaded = match &now {
                Stamp::Missing => Ok(ForcedStates::default()),
                Stamp::Unreadable(kind) => Err(format!("{}: {kind}", path.display())),
                Stamp::Present { size, .. } if *size > MAX_STATE_FILE_BYTES => Err(format!(
                    "{}: larger than {MAX_STATE_FILE_BYTES} bytes",
                    path.display()
                )),
                Stamp::Present { .. } => match tokio::fs::read_to_string(&path).await {
                    Ok(text) => state_file::parse(&text)
                        .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.kind)),
                    Err(error) => Err(format!("{}: {error}", path.display())),
                },
            };
            let next = match loaded {
                Ok(forced) => {
                    let count = forced.len();
                    let (changes, unknown) = lock(&monitor).force(forced, Instant::now());
                    log_changes(&changes);
                    tracing::info!(path = %path.display(), forced = count, "state file read");
                    if now == Stamp::Missing {
                        StateFileStatus::Missing
                    } else {
                        StateFileStatus::Loaded {
                            forced: count,
                            unknown: unknown.len(),
                        }
                    }
                }
                Err(error) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    tracing::error!("state file {error}; keeping the previous states");
                    StateFileStatus::Error(error)
                }
            };
            *lock(&status) = next;
            seen = Some(now);
        }
        tokio::time::sleep(poll).await;
    }
}

fn log_changes(changes: &[Change]) {
    for change in changes {
        let id = &change.id;
        match (&change.cause, change.transition.to) {
            (Some(cause), State::Down) => {
                tracing::warn!(target_id = %id, %cause, "target down: left out of answers")
            }
            (Some(cause), State::Up) => {
                tracing::info!(target_id = %id, %cause, "target up: back in answers")
            }
            (None, to) => {
                tracing::warn!(target_id = %id, state = %to, "target state set by the state file")
            }
        }
    }
}

/// A label value in the Prometheus text format (backslash, quote and newline escaped).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Locks a mutex; a panic elsewhere while holding it leaves data that is still usable here.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
