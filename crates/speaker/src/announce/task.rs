//! The tokio shell of the announcement conditions: one task per conditioned `[[originate]]` prefix,
//! running its probe every interval (bounded by the timeout; a command is killed when it runs over),
//! feeding the result to its [`Announcement`] with the time it came, and applying the resulting
//! [`Action`] through the [`RouterHandle`] at once.

use super::{Action, Announcement, ConditionProbe};
use crate::config::Config;
use crate::RouterHandle;
use globe_auth::health::{Failure, Outcome};
use globe_auth::server::health::Prober;
use globe_bgp::Prefix;
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinHandle;

/// The in-process health signal for `kind = "local"` conditions: `Ok` while the local service serves,
/// `Err(why)` otherwise. Called once per check on a runtime thread, so it must be cheap and must not
/// block (`globe node` passes the auth server's `Server::health`).
pub type LocalHealth = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The running condition tasks. Dropping it (or [`stop`](Announcer::stop)) stops them; what they
/// last announced stays as it is.
#[derive(Debug, Default)]
pub struct Announcer {
    tasks: Vec<JoinHandle<()>>,
}

impl Announcer {
    /// Starts one task per `[[originate]]` entry with a condition, in the current tokio runtime.
    /// `local` serves `kind = "local"` conditions; without it (`globe bgp`) they are refused.
    pub fn start(
        config: &Config,
        router: RouterHandle,
        local: Option<LocalHealth>,
    ) -> Result<Announcer, String> {
        let mut tasks = Vec::new();
        for originate in &config.originate {
            let Some(condition) = originate.compiled_condition() else {
                continue;
            };
            let condition = condition?;
            let local = match (&condition.probe, &local) {
                (ConditionProbe::Local, None) => {
                    return Err(format!(
                    "{}: a `local` condition needs the DNS server in the same process (globe node)",
                    originate.prefix
                ))
                }
                (ConditionProbe::Local, Some(local)) => Some(local.clone()),
                (ConditionProbe::Check(_), _) => None,
            };
            let announcement = Announcement::new(&condition, originate.on_failure, Instant::now());
            tasks.push(tokio::spawn(run(
                originate.prefix,
                condition,
                announcement,
                router.clone(),
                local,
            )));
        }
        Ok(Announcer { tasks })
    }

    /// How many conditions are being checked.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no prefix has a condition.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Stops every condition task (before a shutdown withdraws everything, so none re-announces).
    pub fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Checks one prefix's condition until aborted.
async fn run(
    prefix: Prefix,
    condition: super::Condition,
    mut announcement: Announcement,
    router: RouterHandle,
    local: Option<LocalHealth>,
) {
    let prober = match &condition.probe {
        ConditionProbe::Check(probe) => Some(Prober::new(probe)),
        ConditionProbe::Local => None,
    };
    tracing::info!(%prefix, probe = ?condition.probe, interval = ?condition.interval, "announcement condition started");
    apply(&router, prefix, announcement.action());
    loop {
        tokio::time::sleep_until(announcement.poll_timeout().into()).await;
        announcement.start_check(Instant::now());
        let outcome = match (&prober, &local) {
            (Some(prober), _) => tokio::time::timeout(condition.timeout, prober.check())
                .await
                .unwrap_or(Outcome::Failure(Failure::Timeout)),
            (None, Some(local)) => match local() {
                Ok(()) => Outcome::Success,
                Err(why) => Outcome::Failure(Failure::NotServing(why)),
            },
            (None, None) => Outcome::Failure(Failure::NotServing("no local service".into())),
        };
        tracing::trace!(%prefix, %outcome, "announcement check");
        if let Some(action) = announcement.handle_result(outcome.clone(), Instant::now()) {
            match action {
                Action::Announce => {
                    tracing::info!(%prefix, %outcome, "condition up: announcing")
                }
                Action::Withdraw => {
                    tracing::warn!(%prefix, %outcome, "condition down: withdrawing")
                }
                Action::Prepend(count) => {
                    tracing::warn!(%prefix, %outcome, count, "condition down: draining (prepend)")
                }
            }
            apply(&router, prefix, action);
        }
    }
}

fn apply(router: &RouterHandle, prefix: Prefix, action: Action) {
    match action {
        Action::Announce => router.announce(prefix),
        Action::Withdraw => router.withdraw(prefix),
        Action::Prepend(count) => router.set_prepend(prefix, count),
    }
}
