//! Anycast announcements tied to health: an `[[originate]]` prefix with a `condition` is announced
//! while the condition is up and withdrawn — or, with `on_failure = { prepend = N }`, announced with
//! our AS prepended N more times (drain) — while it is down.
//!
//! This file is the sans-IO core: [`Announcement`] schedules the checks of one prefix and turns their
//! results into [`Action`]s. The rise/fall state machine is the auth crate's
//! [`TargetHealth`](globe_auth::health::TargetHealth), the same one that gates steering targets, and
//! the probes are the auth crate's too ([`globe_auth::server::health::Prober`], which also runs the
//! `command` kind); `task` is the tokio shell that runs them and drives the router. Time is an input:
//! nothing here reads the clock.
//!
//! ```text
//!            first result decides (initial state: down unless `initial = "up"`)
//!   Unknown ────────────────────────────> Up ──── `fall` failures in a row ────> Down
//!                                          ^                                       │
//!   Up: announce (plain AS path)           └──────── `rise` successes in a row ────┘
//!   Down: withdraw, or prepend N (drain)
//! ```
//!
//! A failed DNS server leaves the peers' tables after at most `interval × fall` plus one `timeout`
//! (when the failure is a timeout rather than a refusal) plus the UPDATE's trip: the router sends the
//! withdrawal the moment the action arrives, with no advertisement interval on withdrawals
//! (RFC 4271 §9.2.1.1 applies MinRouteAdvertisementIntervalTimer to announcements only).

pub mod condition;
mod task;

pub use condition::{Condition, ConditionConfig, ConditionKind, ConditionProbe, OnFailure};
pub use task::{Announcer, LocalHealth};

use globe_auth::health::{Event, Outcome, State, TargetHealth};
use std::time::{Duration, Instant};

/// What the router should do with the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Announce it with the plain AS path.
    Announce,
    /// Withdraw it from every neighbour.
    Withdraw,
    /// Announce it with our AS this many extra times.
    Prepend(u8),
}

/// One prefix's condition: when the next check is due and what the results mean for the announcement.
///
/// The shell asks [`poll_timeout`](Announcement::poll_timeout) when to check, calls
/// [`start_check`](Announcement::start_check) as it starts one, and feeds the result to
/// [`handle_result`](Announcement::handle_result), which returns the [`Action`] to apply when the
/// condition's state changed. [`action`](Announcement::action) is the action for the current state,
/// applied once at start-up.
#[derive(Clone, Debug)]
pub struct Announcement {
    health: TargetHealth,
    on_failure: OnFailure,
    interval: Duration,
    next_check: Instant,
}

impl Announcement {
    /// A condition before its first check, which is due at `now`.
    pub fn new(condition: &Condition, on_failure: OnFailure, now: Instant) -> Announcement {
        Announcement {
            health: TargetHealth::checked(condition.thresholds, now),
            on_failure,
            interval: condition.interval,
            next_check: now,
        }
    }

    /// When the next check should start.
    pub fn poll_timeout(&self) -> Instant {
        self.next_check
    }

    /// A check starts at `now`: the next is due one interval after this one was due (start to
    /// start), or one interval from now if checks fell behind (an overrunning check delays the next
    /// rather than piling up).
    pub fn start_check(&mut self, now: Instant) {
        let next = self.next_check + self.interval;
        self.next_check = if next < now {
            now + self.interval
        } else {
            next
        };
    }

    /// Takes one check's result, taken at `now`; returns the action when the state changed.
    pub fn handle_result(&mut self, outcome: Outcome, now: Instant) -> Option<Action> {
        self.health
            .handle(Event::Checked(outcome), now)
            .map(|_| self.action())
    }

    /// The action for the current state.
    pub fn action(&self) -> Action {
        match (self.health.state(), self.on_failure) {
            (State::Up, _) => Action::Announce,
            (State::Down, OnFailure::Withdraw) => Action::Withdraw,
            (State::Down, OnFailure::Prepend(count)) => Action::Prepend(count),
        }
    }

    /// The condition's state.
    pub fn state(&self) -> State {
        self.health.state()
    }

    /// The underlying rise/fall machine (counts, last result), for status and logs.
    pub fn health(&self) -> &TargetHealth {
        &self.health
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_auth::health::{Failure, Thresholds};

    fn condition(rise: u32, fall: u32, interval_ms: u64) -> Condition {
        Condition {
            probe: ConditionProbe::Local,
            interval: Duration::from_millis(interval_ms),
            timeout: Duration::from_millis(interval_ms / 2),
            thresholds: Thresholds {
                rise,
                fall,
                initial: State::Down,
            },
        }
    }

    /// Drives an announcement with a virtual clock: checks take `latency`, the service is healthy
    /// whenever `healthy(t)` says so. Returns every action with the time it was taken.
    fn drive(
        announcement: &mut Announcement,
        start: Instant,
        until: Duration,
        latency: Duration,
        healthy: impl Fn(Duration) -> bool,
    ) -> Vec<(Duration, Action)> {
        let mut actions = Vec::new();
        loop {
            let now = announcement.poll_timeout();
            if now > start + until {
                return actions;
            }
            announcement.start_check(now);
            let done = now + latency;
            let outcome = if healthy(done - start) {
                Outcome::Success
            } else {
                Outcome::Failure(Failure::Refused)
            };
            if let Some(action) = announcement.handle_result(outcome, done) {
                actions.push((done - start, action));
            }
        }
    }

    #[test]
    fn withdrawn_within_interval_times_fall_and_back_after_rise() {
        let start = Instant::now();
        let mut announcement = Announcement::new(&condition(2, 3, 200), OnFailure::Withdraw, start);
        assert_eq!(
            announcement.action(),
            Action::Withdraw,
            "down until checked"
        );
        let ms = Duration::from_millis;
        // Healthy, stopped at 1.05 s, started again at 3.01 s.
        let actions = drive(&mut announcement, start, ms(5000), ms(1), |t| {
            t < ms(1050) || t >= ms(3010)
        });
        assert_eq!(actions.len(), 3, "{actions:?}");
        assert_eq!(
            actions[0],
            (ms(1), Action::Announce),
            "first success decides"
        );
        // Failing checks at 1.2, 1.4, 1.6 s: the third withdraws.
        assert_eq!(actions[1], (ms(1601), Action::Withdraw));
        assert!(actions[1].0 - ms(1050) < ms(1000), "the 1 s target");
        // Successes at 3.2 and 3.4 s: rise 2.
        assert_eq!(actions[2], (ms(3401), Action::Announce));
    }

    #[test]
    fn drain_prepends_instead_of_withdrawing() {
        let start = Instant::now();
        let mut announcement =
            Announcement::new(&condition(1, 1, 100), OnFailure::Prepend(3), start);
        assert_eq!(announcement.action(), Action::Prepend(3));
        let ms = Duration::from_millis;
        let actions = drive(&mut announcement, start, ms(450), ms(0), |t| {
            t < ms(150) || t >= ms(300)
        });
        assert_eq!(
            actions,
            [
                (ms(0), Action::Announce),
                (ms(200), Action::Prepend(3)),
                (ms(300), Action::Announce)
            ]
        );
    }

    #[test]
    fn an_overrunning_check_delays_the_next_instead_of_piling_up() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut announcement = Announcement::new(&condition(1, 1, 100), OnFailure::Withdraw, start);
        announcement.start_check(start);
        assert_eq!(announcement.poll_timeout(), start + ms(100));
        // That check took 350 ms: the next starts at once, then every 100 ms from there.
        announcement.start_check(start + ms(350));
        assert_eq!(announcement.poll_timeout(), start + ms(450));
    }
}
