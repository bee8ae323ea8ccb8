//! Health of steering targets, without I/O: the per-target up/down state machine, the monitor that
//! keeps one per target across reloads and publishes their states to the table the query path reads.
//!
//! The checks themselves (HTTP, HTTPS, TCP connect, DNS, an external command) are run by the tokio shell in
//! `server::health`, which feeds each result in here with the time it was taken. Nothing here opens a
//! socket or reads the clock.
//!
//! # The state machine
//!
//! A target with a check is in one of three measured states:
//!
//! ```text
//!            first result decides
//!   Unknown ─────────────────────────> Up ──── `fall` failures in a row ────> Down
//!   (counts as `initial`)              ^                                        │
//!                                      └──────── `rise` successes in a row ─────┘
//! ```
//!
//! **Start-up** (and a target that is new, or whose check changed, on reload): a target counts as
//! `initial` (default **up**, like gdnsd) until its first check completes, and that first result
//! decides at once, whichever way (like HAProxy, whose servers start at the lowest "up" health, so the
//! first failure takes them down). Starting up avoids blackholing a whole pool for the first interval
//! after a restart, when nothing has been measured; letting the first result decide bounds the cost of
//! that optimism to one check (jitter + timeout) instead of `interval × fall`. An initial
//! [`State::Down`] ([`Thresholds::initial`]) is there for targets that must prove themselves before
//! taking traffic.
//!
//! A target without a check is always up.
//!
//! **Forced state**: an external state file (see [`state_file`]) can force a target `UP` or `DOWN`, so
//! a central monitor can drive every PoP; `NONE`, or no line, leaves the checks in charge. Checks go on
//! while a target is forced, so lifting the force gives the current measurement at once.
//!
//! # Reloads
//!
//! [`HealthMonitor::configure`] takes the new list of targets and returns a [`Plan`]: which checkers to
//! stop and which to start. A target whose id and check are unchanged keeps its state, counters and
//! running checker; one whose check changed starts afresh; removed targets' checkers are stopped. Each
//! checker holds a [`Ticket`], and results from a ticket no longer current are ignored, so a checker
//! that was being stopped while its result was on the way cannot touch the new configuration.
//!
//! # Publishing
//!
//! The answer path does not read the monitor: it reads the steering configuration's table of target
//! states (one atomic per target, indexed by the target's position, read without a lock by the UDP
//! workers). The monitor writes that table through [`HealthSink`] on every change of a target's
//! effective state, and writes every target's state into a new table when it is configured with one
//! (a reload), so kept targets keep their state in the new configuration from its first query.
//! [`crate::steering::HealthTable`] is such a sink: `Up` and `Down` become its `Health::Up` and
//! `Health::Down`, and its [`HealthView`](crate::steering::HealthView) is what selection reads.

pub mod check;
pub mod state_file;

pub use check::{CheckSpec, CommandProbe, DnsProbe, HttpProbe, Probe, StatusRange, TlsSettings};
pub use state_file::{ForcedStates, StateFileError};

use globe_dns::Rcode;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A target's state, as steering sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// The target may be given out.
    Up,
    /// The target is left out of answers.
    Down,
}

impl State {
    /// `up` or `down`.
    pub fn label(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Down => "down",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How many results in a row change a target's state, and its state before the first result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Thresholds {
    /// Consecutive successes that bring a down target up (at least 1).
    pub rise: u32,
    /// Consecutive failures that take an up target down (at least 1).
    pub fall: u32,
    /// The state before the first result.
    pub initial: State,
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The target answered as expected.
    Success,
    /// It did not.
    Failure(Failure),
}

/// Why a check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer within the check's timeout.
    Timeout,
    /// The connection was refused (or, for DNS over UDP, the port was unreachable).
    Refused,
    /// Another socket error.
    Io(std::io::ErrorKind),
    /// The connection closed before a whole HTTP status line came.
    Closed,
    /// The HTTP status was outside the expected range.
    Status(u16),
    /// The DNS response code was not one of those expected.
    Rcode(Rcode),
    /// The response could not be read (not HTTP, not a DNS message for our query).
    Malformed,
    /// The server's certificate did not verify.
    Certificate,
    /// The TLS handshake failed otherwise.
    Handshake,
    /// The TLS client could not be set up (for example an unreadable `ca_file`).
    TlsSetup,
    /// The command exited with a non-zero status (`None`: killed by a signal).
    Exit(Option<i32>),
    /// An in-process check found the service not serving (stopped, a worker stuck or dead, a zone
    /// expired); the text says which.
    NotServing(String),
}

/// The result labels, in the order [`Outcome::slot`] numbers them (for per-result counters).
pub const OUTCOME_LABELS: [&str; 13] = [
    "success",
    "timeout",
    "refused",
    "io",
    "closed",
    "status",
    "rcode",
    "malformed",
    "certificate",
    "handshake",
    "tls_setup",
    "exit",
    "not_serving",
];

impl Outcome {
    /// Whether the check succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success)
    }

    /// The index of this result's label in [`OUTCOME_LABELS`].
    pub fn slot(&self) -> usize {
        match self {
            Outcome::Success => 0,
            Outcome::Failure(failure) => match failure {
                Failure::Timeout => 1,
                Failure::Refused => 2,
                Failure::Io(_) => 3,
                Failure::Closed => 4,
                Failure::Status(_) => 5,
                Failure::Rcode(_) => 6,
                Failure::Malformed => 7,
                Failure::Certificate => 8,
                Failure::Handshake => 9,
                Failure::TlsSetup => 10,
                Failure::Exit(_) => 11,
                Failure::NotServing(_) => 12,
            },
        }
    }

    /// A short fixed label (`success`, `timeout`, `status`...).
    pub fn label(&self) -> &'static str {
        OUTCOME_LABELS[self.slot()]
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("ok"),
            Outcome::Failure(failure) => write!(f, "{failure}"),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout => f.write_str("timed out"),
            Failure::Refused => f.write_str("connection refused"),
            Failure::Io(kind) => write!(f, "socket error: {kind}"),
            Failure::Closed => f.write_str("closed before the status line"),
            Failure::Status(status) => write!(f, "HTTP status {status}"),
            Failure::Rcode(rcode) => write!(f, "rcode {rcode}"),
            Failure::Malformed => f.write_str("malformed response"),
            Failure::Certificate => f.write_str("certificate not verified"),
            Failure::Handshake => f.write_str("TLS handshake failed"),
            Failure::TlsSetup => f.write_str("TLS client setup failed"),
            Failure::Exit(Some(code)) => write!(f, "exit status {code}"),
            Failure::Exit(None) => f.write_str("killed by a signal"),
            Failure::NotServing(why) => write!(f, "not serving: {why}"),
        }
    }
}

/// An input to a target's state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A check finished.
    Checked(Outcome),
    /// The state file forces the target up or down, or (`None`) stops forcing it.
    Forced(Option<State>),
}

/// A change of a target's effective state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state before.
    pub from: State,
    /// The state after.
    pub to: State,
}

/// What a target's checks have measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Measured {
    /// No result yet: the target counts as its `initial` state.
    Unknown,
    /// Up: `fall` failures in a row take it down.
    Up,
    /// Down: `rise` successes in a row bring it up.
    Down,
}

/// One target's health: its measured state, consecutive counts, forced state and last result.
///
/// Time is an input: every [`handle`](TargetHealth::handle) is given `now`, which is only recorded
/// (for "last result" and "last change" ages), never read.
#[derive(Clone, Debug)]
pub struct TargetHealth {
    /// `None` for a target without a check: always up unless forced.
    thresholds: Option<Thresholds>,
    measured: Measured,
    successes: u32,
    failures: u32,
    forced: Option<State>,
    state: State,
    last: Option<(Outcome, Instant)>,
    changed: Instant,
}

impl TargetHealth {
    /// A checked target, before its first result.
    pub fn checked(thresholds: Thresholds, now: Instant) -> TargetHealth {
        TargetHealth {
            thresholds: Some(thresholds),
            measured: Measured::Unknown,
            successes: 0,
            failures: 0,
            forced: None,
            state: thresholds.initial,
            last: None,
            changed: now,
        }
    }

    /// A target without a check.
    pub fn unchecked(now: Instant) -> TargetHealth {
        TargetHealth {
            thresholds: None,
            measured: Measured::Unknown,
            successes: 0,
            failures: 0,
            forced: None,
            state: State::Up,
            last: None,
            changed: now,
        }
    }

    /// Feeds one event in; returns the change of effective state, if any.
    pub fn handle(&mut self, event: Event, now: Instant) -> Option<Transition> {
        match event {
            Event::Forced(forced) => self.forced = forced,
            Event::Checked(outcome) => {
                let Some(thresholds) = self.thresholds else {
                    // A result for a target without a check is a caller's mistake; it changes nothing.
                    return None;
                };
                let success = outcome.is_success();
                if success {
                    self.successes = self.successes.saturating_add(1);
                    self.failures = 0;
                } else {
                    self.failures = self.failures.saturating_add(1);
                    self.successes = 0;
                }
                self.measured = match (self.measured, success) {
                    // The first result decides at once (see the module documentation).
                    (Measured::Unknown, true) => Measured::Up,
                    (Measured::Unknown, false) => Measured::Down,
                    (Measured::Up, true) => Measured::Up,
                    (Measured::Up, false) if self.failures >= thresholds.fall => Measured::Down,
                    (Measured::Up, false) => Measured::Up,
                    (Measured::Down, false) => Measured::Down,
                    (Measured::Down, true) if self.successes >= thresholds.rise => Measured::Up,
                    (Measured::Down, true) => Measured::Down,
                };
                self.last = Some((outcome, now));
            }
        }
        let state = self.effective();
        if state == self.state {
            return None;
        }
        let transition = Transition {
            from: self.state,
            to: state,
        };
        self.state = state;
        self.changed = now;
        Some(transition)
    }

    /// The state steering uses: the forced state if any, else the measured one.
    pub fn state(&self) -> State {
        self.state
    }

    /// What the checks measured: `None` before the first result and for a target without a check.
    pub fn measured(&self) -> Option<State> {
        match self.measured {
            Measured::Unknown => None,
            Measured::Up => Some(State::Up),
            Measured::Down => Some(State::Down),
        }
    }

    /// The state the state file forces, if any.
    pub fn forced(&self) -> Option<State> {
        self.forced
    }

    /// Whether the target has a check.
    pub fn is_checked(&self) -> bool {
        self.thresholds.is_some()
    }

    /// Successes in a row (0 after a failure).
    pub fn consecutive_successes(&self) -> u32 {
        self.successes
    }

    /// Failures in a row (0 after a success).
    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// The last result and when it came.
    pub fn last(&self) -> Option<(&Outcome, Instant)> {
        self.last.as_ref().map(|(outcome, at)| (outcome, *at))
    }

    /// When the effective state last changed (or the target was set up).
    pub fn changed(&self) -> Instant {
        self.changed
    }

    fn effective(&self) -> State {
        if let Some(forced) = self.forced {
            return forced;
        }
        match (self.measured, self.thresholds) {
            (_, None) => State::Up,
            (Measured::Unknown, Some(thresholds)) => thresholds.initial,
            (Measured::Up, Some(_)) => State::Up,
            (Measured::Down, Some(_)) => State::Down,
        }
    }
}

/// Where the monitor publishes effective states for the answer path: the steering configuration's
/// table of target states, indexed by the target's position in the list the monitor was configured
/// with. Implementations must be cheap and must not block (a relaxed atomic store).
pub trait HealthSink: Send + Sync {
    /// Publishes the state of the target at `index`; an index beyond the table is ignored.
    fn publish(&self, index: usize, state: State);
}

/// The answer path's table: the monitor's verdicts become [`Health::Up`](crate::steering::Health)
/// and `Down`.
impl HealthSink for crate::steering::HealthTable {
    fn publish(&self, index: usize, state: State) {
        let Ok(index) = u16::try_from(index) else {
            return;
        };
        let health = match state {
            State::Up => crate::steering::Health::Up,
            State::Down => crate::steering::Health::Down,
        };
        self.set(crate::steering::TargetId(index), health);
    }
}

/// A sink that drops everything, for a monitor not yet configured.
#[derive(Debug)]
struct NoSink;

impl HealthSink for NoSink {
    fn publish(&self, _index: usize, _state: State) {}
}

/// One target as the monitor is configured with it.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetSpec {
    /// The target's id, unique in the configuration.
    pub id: Arc<str>,
    /// Its check, if any.
    pub check: Option<CheckSpec>,
}

/// Identifies one running checker: results are accepted only from the ticket the target holds now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub u64);

/// One checker to start.
#[derive(Clone, Debug)]
pub struct Start {
    /// The ticket it reports with.
    pub ticket: Ticket,
    /// The target's id (for logs).
    pub id: Arc<str>,
    /// What to check, and how often.
    pub check: CheckSpec,
}

/// What a reconfiguration asks of the shell.
#[derive(Debug, Default)]
pub struct Plan {
    /// Checkers to stop (removed targets, changed checks).
    pub stop: Vec<Ticket>,
    /// Checkers to start (new targets, changed checks).
    pub start: Vec<Start>,
}

/// Counters of one target, kept across reloads while its check is unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Check results, by [`OUTCOME_LABELS`] slot.
    pub results: [u64; OUTCOME_LABELS.len()],
    /// Transitions to up.
    pub ups: u64,
    /// Transitions to down.
    pub downs: u64,
}

/// A target's health as reported by [`HealthMonitor::targets`].
#[derive(Clone, Debug)]
pub struct TargetReport<'a> {
    /// The id.
    pub id: &'a str,
    /// Its health.
    pub health: &'a TargetHealth,
    /// Its counters.
    pub counts: &'a Counts,
}

/// A transition of a target, for logs and metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The target's position in the configuration.
    pub index: usize,
    /// The target.
    pub id: Arc<str>,
    /// What changed.
    pub transition: Transition,
    /// Why: the check result, or `None` when the state file decided.
    pub cause: Option<Outcome>,
}

#[derive(Clone, Debug)]
struct Entry {
    id: Arc<str>,
    check: Option<CheckSpec>,
    ticket: Option<Ticket>,
    health: TargetHealth,
    counts: Counts,
}

/// Every target's health, across reloads and state file changes.
pub struct HealthMonitor {
    entries: Vec<Entry>,
    by_ticket: HashMap<Ticket, usize>,
    sink: Arc<dyn HealthSink>,
    forced: ForcedStates,
    next_ticket: u64,
}

impl fmt::Debug for HealthMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthMonitor")
            .field("entries", &self.entries)
            .field("forced", &self.forced)
            .finish_non_exhaustive()
    }
}

impl Default for HealthMonitor {
    fn default() -> HealthMonitor {
        HealthMonitor::new()
    }
}

impl HealthMonitor {
    /// A monitor with no targets.
    pub fn new() -> HealthMonitor {
        HealthMonitor {
            entries: Vec::new(),
            by_ticket: HashMap::new(),
            sink: Arc::new(NoSink),
            forced: ForcedStates::default(),
            next_ticket: 1,
        }
    }

    /// Takes a new list of targets (a reload) and the table they are published to: unchanged targets
    /// (same id, same check) keep their state and checker; changed and new ones start afresh; the
    /// checkers of removed and changed targets are to be stopped. Every target's state is written to
    /// `sink` before this returns, and every later change goes there.
    pub fn configure(
        &mut self,
        targets: &[TargetSpec],
        sink: Arc<dyn HealthSink>,
        now: Instant,
    ) -> Plan {
        let mut old: HashMap<Arc<str>, Entry> = self
            .entries
            .drain(..)
            .map(|entry| (entry.id.clone(), entry))
            .collect();
        let mut plan = Plan::default();
        for target in targets {
            let kept = match old.remove(&target.id) {
                Some(entry) if entry.check == target.check => Some(entry),
                Some(entry) => {
                    plan.stop.extend(entry.ticket);
                    None
                }
                None => None,
            };
            let entry = match kept {
                Some(entry) => entry,
                None => {
                    let mut health = match &target.check {
                        Some(check) => TargetHealth::checked(check.thresholds, now),
                        None => TargetHealth::unchecked(now),
                    };
                    health.handle(Event::Forced(self.forced.get(&target.id)), now);
                    let ticket = target.check.as_ref().map(|check| {
                        let ticket = Ticket(self.next_ticket);
                        self.next_ticket += 1;
                        plan.start.push(Start {
                            ticket,
                            id: target.id.clone(),
                            check: check.clone(),
                        });
                        ticket
                    });
                    Entry {
                        id: target.id.clone(),
                        check: target.check.clone(),
                        ticket,
                        health,
                        counts: Counts::default(),
                    }
                }
            };
            self.entries.push(entry);
        }
        // Removed targets (and duplicates of an id, which the steering configuration rejects).
        plan.stop
            .extend(old.into_values().filter_map(|entry| entry.ticket));
        self.by_ticket = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| Some((entry.ticket?, index)))
            .collect();
        for (index, entry) in self.entries.iter().enumerate() {
            sink.publish(index, entry.health.state());
        }
        self.sink = sink;
        plan
    }

    /// Takes one check result. A result from a ticket that is no longer current is ignored.
    pub fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) -> Option<Change> {
        let index = *self.by_ticket.get(&ticket)?;
        let entry = self.entries.get_mut(index)?;
        entry.counts.results[outcome.slot()] += 1;
        let transition = entry.health.handle(Event::Checked(outcome.clone()), now)?;
        Self::count(&mut entry.counts, transition);
        self.sink.publish(index, transition.to);
        Some(Change {
            index,
            id: entry.id.clone(),
            transition,
            cause: Some(outcome),
        })
    }

    /// Takes the state file's new contents: every target it names is forced as it says, every other
    /// target is not forced. Returns the transitions, and the ids in the file that name no target
    /// (not an error: one file may drive PoPs with different targets).
    pub fn force(&mut self, forced: ForcedStates, now: Instant) -> (Vec<Change>, Vec<String>) {
        let mut changes = Vec::new();
        for (index, entry) in self.entries.iter_mut().enumerate() {
            if let Some(transition) = entry
                .health
                .handle(Event::Forced(forced.get(&entry.id)), now)
            {
                Self::count(&mut entry.counts, transition);
                self.sink.publish(index, transition.to);
                changes.push(Change {
                    index,
                    id: entry.id.clone(),
                    transition,
                    cause: None,
                });
            }
        }
        let unknown = forced
            .ids()
            .filter(|id| !self.entries.iter().any(|entry| &*entry.id == *id))
            .map(str::to_string)
            .collect();
        self.forced = forced;
        (changes, unknown)
    }

    /// Every target, in configuration order.
    pub fn targets(&self) -> impl Iterator<Item = TargetReport<'_>> {
        self.entries.iter().map(|entry| TargetReport {
            id: &entry.id,
            health: &entry.health,
            counts: &entry.counts,
        })
    }

    /// The tickets of the checkers that should be running.
    pub fn tickets(&self) -> impl Iterator<Item = Ticket> + '_ {
        self.entries.iter().filter_map(|entry| entry.ticket)
    }

    fn count(counts: &mut Counts, transition: Transition) {
        match transition.to {
            State::Up => counts.ups += 1,
            State::Down => counts.downs += 1,
        }
    }
}

/// Formats a duration for people: `850ms`, `12.3s`, `4m05s`, `2h07m`.
pub fn age(duration: Duration) -> String {
    let millis = duration.as_millis();
    let seconds = duration.as_secs();
    if millis < 1000 {
        format!("{millis}ms")
    } else if seconds < 60 {
        format!("{:.1}s", duration.as_secs_f64())
    } else if seconds < 3600 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// A table of flags for tests, standing in for the steering configuration's.
#[cfg(test)]
pub(crate) struct TestTable(Vec<std::sync::atomic::AtomicBool>);

#[cfg(test)]
impl TestTable {
    /// `len` targets, all up.
    pub(crate) fn new(len: usize) -> Arc<TestTable> {
        Arc::new(TestTable(
            (0..len)
                .map(|_| std::sync::atomic::AtomicBool::new(true))
                .collect(),
        ))
    }

    /// Whether the target at `index` is up.
    pub(crate) fn is_up(&self, index: usize) -> bool {
        self.0
            .get(index)
            .is_none_or(|flag| flag.load(std::sync::atomic::Ordering::Relaxed))
    }
}

#[cfg(test)]
impl HealthSink for TestTable {
    fn publish(&self, index: usize, state: State) {
        if let Some(flag) = self.0.get(index) {
            flag.store(state == State::Up, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAIL: Outcome = Outcome::Failure(Failure::Refused);
    const OK: Outcome = Outcome::Success;

    fn thresholds(rise: u32, fall: u32) -> Thresholds {
        Thresholds {
            rise,
            fall,
            initial: State::Up,
        }
    }

    /// Feeds results one second apart; returns the state after each.
    fn run(health: &mut TargetHealth, start: Instant, results: &[Outcome]) -> Vec<State> {
        results
            .iter()
            .enumerate()
            .map(|(i, outcome)| {
                let now = start + Duration::from_secs(i as u64 + 1);
                health.handle(Event::Checked(outcome.clone()), now);
                health.state()
            })
            .collect()
    }

    #[test]
    fn first_result_decides_then_fall_and_rise_count() {
        use State::{Down, Up};
        let start = Instant::now();
        let mut health = TargetHealth::checked(thresholds(2, 3), start);
        assert_eq!(health.state(), Up, "starts up");
        assert_eq!(health.measured(), None);
        let states = run(
            &mut health,
            start,
            &[OK, FAIL, FAIL, FAIL, OK, FAIL, OK, OK, OK],
        );
        assert_eq!(states, [Up, Up, Up, Down, Down, Down, Down, Up, Up]);
        assert_eq!(health.consecutive_successes(), 3);
        assert_eq!(health.consecutive_failures(), 0);
        assert_eq!(health.changed(), start + Duration::from_secs(8));
    }

    #[test]
    fn a_dead_target_at_start_goes_down_on_the_first_failure() {
        let start = Instant::now();
        let mut health = TargetHealth::checked(thresholds(2, 3), start);
        let transition = health.handle(Event::Checked(FAIL), start);
        assert_eq!(
            transition,
            Some(Transition {
                from: State::Up,
                to: State::Down
            })
        );
        // Once measured, it takes `rise` successes to come back.
        assert_eq!(run(&mut health, start, &[OK, OK]), [State::Down, State::Up]);
    }

    #[test]
    fn initial_down_comes_up_on_the_first_success() {
        let start = Instant::now();
        let mut health = TargetHealth::checked(
            Thresholds {
                initial: State::Down,
                ..thresholds(3, 3)
            },
            start,
        );
        assert_eq!(health.state(), State::Down);
        assert_eq!(run(&mut health, start, &[OK]), [State::Up]);
    }

    #[test]
    fn fall_one_and_rise_one_flip_on_every_change() {
        use State::{Down, Up};
        let start = Instant::now();
        let mut health = TargetHealth::checked(thresholds(1, 1), start);
        let states = run(&mut health, start, &[OK, FAIL, OK, FAIL, FAIL, OK]);
        assert_eq!(states, [Up, Down, Up, Down, Down, Up]);
    }

    #[test]
    fn forced_state_wins_and_checks_go_on_underneath() {
        let start = Instant::now();
        let mut health = TargetHealth::checked(thresholds(2, 2), start);
        run(&mut health, start, &[OK]);
        let down = health.handle(Event::Forced(Some(State::Down)), start);
        assert_eq!(down.map(|t| t.to), Some(State::Down));
        assert_eq!(health.forced(), Some(State::Down));
        // Checks keep measuring while forced...
        assert_eq!(run(&mut health, start, &[FAIL, FAIL]), [State::Down; 2]);
        assert_eq!(health.measured(), Some(State::Down));
        // ...so forcing up and then lifting the force gives the measured state at once.
        health.handle(Event::Forced(Some(State::Up)), start);
        assert_eq!(health.state(), State::Up);
        let lifted = health.handle(Event::Forced(None), start);
        assert_eq!(lifted.map(|t| t.to), Some(State::Down));
    }

    #[test]
    fn unchecked_targets_are_up_unless_forced() {
        let start = Instant::now();
        let mut health = TargetHealth::unchecked(start);
        assert_eq!(health.state(), State::Up);
        assert_eq!(health.handle(Event::Checked(FAIL), start), None);
        assert_eq!(health.state(), State::Up);
        health.handle(Event::Forced(Some(State::Down)), start);
        assert_eq!(health.state(), State::Down);
    }

    fn tcp_target(id: &str, port: u16) -> TargetSpec {
        TargetSpec {
            id: id.into(),
            check: Some(CheckSpec {
                probe: Probe::Tcp {
                    address: ([127, 0, 0, 1], port).into(),
                },
                interval: Duration::from_secs(1),
                timeout: Duration::from_secs(1),
                thresholds: thresholds(2, 2),
            }),
        }
    }

    #[test]
    fn monitor_reconfigure_keeps_unchanged_restarts_changed_stops_removed() {
        let start = Instant::now();
        let mut monitor = HealthMonitor::new();
        let first = TestTable::new(4);
        let plan = monitor.configure(
            &[
                tcp_target("a", 1),
                tcp_target("b", 2),
                tcp_target("c", 3),
                TargetSpec {
                    id: "plain".into(),
                    check: None,
                },
            ],
            first.clone(),
            start,
        );
        assert!(plan.stop.is_empty());
        let tickets: HashMap<String, Ticket> = plan
            .start
            .iter()
            .map(|s| (s.id.to_string(), s.ticket))
            .collect();
        assert_eq!(tickets.len(), 3, "one checker per checked target");
        // b goes down.
        monitor.record(tickets["b"], FAIL, start);
        assert!(!first.is_up(1));

        // Reload: a removed, b unchanged (moved to index 0), c's check changed, d new.
        let mut c = tcp_target("c", 33);
        c.check.as_mut().expect("check").interval = Duration::from_secs(5);
        let table = TestTable::new(3);
        let plan = monitor.configure(
            &[tcp_target("b", 2), c, tcp_target("d", 4)],
            table.clone(),
            start,
        );
        let mut stopped = plan.stop.clone();
        stopped.sort();
        assert_eq!(stopped, [tickets["a"], tickets["c"]]);
        let started: Vec<&str> = plan.start.iter().map(|s| &*s.id).collect();
        assert_eq!(started, ["c", "d"]);
        assert!(!table.is_up(0), "b kept its state, at its new index");
        assert!(table.is_up(1) && table.is_up(2));

        // A late result from a stopped checker changes nothing.
        assert_eq!(monitor.record(tickets["c"], FAIL, start), None);
        assert!(table.is_up(1));
        // b's checker still reports, into the new table.
        monitor.record(tickets["b"], OK, start);
        let change = monitor.record(tickets["b"], OK, start).expect("b comes up");
        assert_eq!(change.transition.to, State::Up);
        assert!(table.is_up(0));
        let b = monitor.targets().next().expect("b");
        assert_eq!(b.counts.results[0], 2);
        assert_eq!(b.counts.results[FAIL.slot()], 1);
        assert_eq!((b.counts.ups, b.counts.downs), (1, 1));

        // Everything removed: every checker stops.
        let remaining: Vec<Ticket> = monitor.tickets().collect();
        let plan = monitor.configure(&[], TestTable::new(0), start);
        let mut stopped = plan.stop;
        stopped.sort();
        assert_eq!(stopped, remaining);
        assert_eq!(monitor.targets().count(), 0);
    }

    #[test]
    fn monitor_applies_the_state_file_to_present_and_future_targets() {
        let start = Instant::now();
        let mut monitor = HealthMonitor::new();
        let table = TestTable::new(2);
        monitor.configure(
            &[tcp_target("a", 1), tcp_target("b", 2)],
            table.clone(),
            start,
        );
        let forced = state_file::parse("a DOWN\nz UP\n").expect("valid");
        let (changes, unknown) = monitor.force(forced, start);
        assert_eq!(changes.len(), 1);
        assert_eq!(&*changes[0].id, "a");
        assert_eq!(unknown, ["z"]);
        assert!(!table.is_up(0));
        // A target added later is forced as soon as it exists.
        let table = TestTable::new(1);
        table.publish(0, State::Down);
        monitor.configure(&[tcp_target("z", 9)], table.clone(), start);
        assert!(table.is_up(0));
        let z = monitor.targets().next().expect("z");
        assert_eq!(z.health.forced(), Some(State::Up));
        // An empty file forces nothing.
        let (changes, _) = monitor.force(ForcedStates::default(), start);
        assert!(changes.is_empty());
        assert_eq!(
            monitor.targets().next().map(|t| t.health.forced()),
            Some(None)
        );
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(age(Duration::from_millis(850)), "850ms");
        assert_eq!(age(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(age(Duration::from_secs(245)), "4m05s");
        assert_eq!(age(Duration::from_secs(7620)), "2h07m");
    }
}
