//! Whether this server is answering, as an in-process signal: `globe node` gates its anycast
//! announcement on it without querying itself over the network.
//!
//! Three things make a server "serving":
//! - the DNS service is on (`dns stop` on the control socket turns it off: queries go unanswered);
//! - every UDP worker has beaten its heartbeat within [`HEARTBEAT_STALE`] (an idle worker wakes every
//!   [`HEARTBEAT_INTERVAL`] from its socket's receive timeout, so silence means stuck or dead);
//! - no configured zone is without data (a secondary not yet transferred, or expired, answers
//!   SERVFAIL: better to let another PoP answer).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often an idle UDP worker wakes to beat its heartbeat (its socket's receive timeout).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(100);
/// A worker whose last heartbeat is older than this is taken as stuck or dead: five missed wake-ups,
/// so a busy moment or a slow reload on a loaded machine does not count.
pub const HEARTBEAT_STALE: Duration = Duration::from_millis(500);

/// The server's liveness state: the service switch and one heartbeat per UDP worker.
#[derive(Debug)]
pub struct Liveness {
    serving: AtomicBool,
    /// Milliseconds since `started` of each worker's last heartbeat, plus one (0: never beaten).
    heartbeats: Vec<AtomicU64>,
    started: Instant,
}

impl Liveness {
    /// `workers` UDP workers, none beaten yet, service on.
    pub fn new(workers: usize, started: Instant) -> Liveness {
        Liveness {
            serving: AtomicBool::new(true),
            heartbeats: (0..workers).map(|_| AtomicU64::new(0)).collect(),
            started,
        }
    }

    /// Worker `worker` is alive now.
    pub fn beat(&self, worker: usize) {
        if let Some(heartbeat) = self.heartbeats.get(worker) {
            let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            heartbeat.store(millis.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Whether the service is on (queries are answered).
    pub fn is_serving(&self) -> bool {
        self.serving.load(Ordering::Relaxed)
    }

    /// Turns the service on or off (`dns start` / `dns stop`).
    pub fn set_serving(&self, serving: bool) {
        self.serving.store(serving, Ordering::Relaxed);
    }

    /// Whether the service is on and every worker beat within [`HEARTBEAT_STALE`] of `now`; the error
    /// says what is wrong. (Zones are the server's to check: see [`super::Server::health`].)
    pub fn check_workers(&self, now: Instant) -> Result<(), String> {
        if !self.is_serving() {
            return Err("DNS service stopped".to_string());
        }
        let now = u64::try_from(now.saturating_duration_since(self.started).as_millis())
            .unwrap_or(u64::MAX);
        let stale = u64::try_from(HEARTBEAT_STALE.as_millis()).unwrap_or(u64::MAX);
        for (worker, heartbeat) in self.heartbeats.iter().enumerate() {
            match heartbeat.load(Ordering::Relaxed) {
                0 => return Err(format!("UDP worker {worker} has not started")),
                beat if now.saturating_sub(beat - 1) > stale => {
                    return Err(format!(
                        "UDP worker {worker} silent for {} ms",
                        now.saturating_sub(beat - 1)
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopped_silent_or_unstarted_workers_are_not_serving() {
        let start = Instant::now();
        let liveness = Liveness::new(2, start);
        assert!(liveness.check_workers(start).is_err(), "never beaten");
        liveness.beat(0);
        liveness.beat(1);
        assert_eq!(liveness.check_workers(Instant::now()), Ok(()));
        liveness.set_serving(false);
        assert!(liveness.check_workers(Instant::now()).is_err());
        liveness.set_serving(true);
        let later = Instant::now() + HEARTBEAT_STALE + Duration::from_millis(50);
        let error = liveness.check_workers(later).expect_err("stale");
        assert!(error.contains("silent"), "{error}");
    }
}
