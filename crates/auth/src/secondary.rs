//! Secondary zones, with no I/O: when to ask a primary for its SOA, when to transfer and how, when to
//! install what was transferred, and when to give up serving the zone (RFC 1034 §4.3.5, RFC 1035
//! §3.3.13 for the SOA timers, RFC 1982 for serials, RFC 1995 for IXFR, RFC 1996 for NOTIFY).
//!
//! One [`Secondary`] per zone. The contract, after quinn-proto's `Connection`:
//!
//! - feed it an [`Event`] with [`Secondary::handle`] and the current time: a timer that fired, a NOTIFY
//!   that arrived, the answer to an SOA query, the end of a transfer;
//! - it returns the [`Action`]s to perform now: query a primary's SOA, start a transfer, install the
//!   version just transferred, stop serving an expired zone. Each query or transfer it asks for must
//!   end in exactly one `SoaAnswer` or `TransferDone` event (the shell enforces network timeouts);
//! - [`Secondary::deadline`] says when to feed it the next [`Event::Timer`].
//!
//! ```text
//!            Timer (refresh/retry due) or NOTIFY
//!   Idle ───────────────────────────────────────> QueryingSoa(primary i)
//!    ^ ^                                            │ serial newer      │ not newer: refreshed
//!    │ │ all primaries failed: retry timer          v                   v
//!    │ └──────────────────────────────────── Transferring(i, IXFR|AXFR) ──> Idle
//!    │     IXFR refused/bad: AXFR from i; AXFR failed or i unreachable: QueryingSoa(i+1)
//!    └── TransferDone(new version): Install, refresh after REFRESH, expire after EXPIRE
//! ```
//!
//! A zone without data (never transferred, or expired) is transferred with AXFR and retried with a
//! backoff from [`FIRST_BOOTSTRAP_RETRY`], since there is no SOA to take a retry interval from.

use crate::serial::Serial;
use globe_dns::{Rcode, Soa};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// The shortest refresh or retry interval honoured, whatever the SOA says (Knot's
/// `refresh-min-interval` and `retry-min-interval` default to 2 s as well): a zone with REFRESH 0 would
/// otherwise be polled in a busy loop.
pub const MIN_INTERVAL: Duration = Duration::from_secs(2);
/// The longest refresh or retry interval honoured (one day, Knot's default maximum).
pub const MAX_INTERVAL: Duration = Duration::from_secs(86_400);
/// The shortest expiry honoured (Knot's `expire-min-interval` default is 3 s).
pub const MIN_EXPIRE: Duration = Duration::from_secs(3);
/// The first retry for a zone that has no data yet; it doubles up to [`MAX_BOOTSTRAP_RETRY`].
pub const FIRST_BOOTSTRAP_RETRY: Duration = Duration::from_secs(5);
/// The longest retry for a zone that has no data yet.
pub const MAX_BOOTSTRAP_RETRY: Duration = Duration::from_secs(900);

/// Something that happened to the zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The time given by [`Secondary::deadline`] has come.
    Timer,
    /// A NOTIFY from one of the zone's primaries (RFC 1996 §3.7), with the serial of its SOA if it
    /// carried one. The shell checks the source first.
    Notify {
        /// The serial announced, a hint only (RFC 1996 §3.7).
        serial: Option<u32>,
    },
    /// The answer to [`Action::QuerySoa`]: the primary's serial, or why there is none.
    SoaAnswer(Result<u32, Failure>),
    /// The end of [`Action::Transfer`].
    TransferDone(Result<Transferred, Failure>),
}

/// What a transfer produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transferred {
    /// A new version was built and is ready to install; its SOA.
    NewVersion(Soa),
    /// The primary has nothing newer (an IXFR answered with the SOA alone).
    UpToDate,
}

/// Why a query or transfer failed. The kind matters: a primary that cannot be reached is skipped, one
/// that answers badly to IXFR is asked for AXFR instead (RFC 1995 §4, "the client should retry with AXFR").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer in time, or the connection failed.
    Unreachable,
    /// The primary answered with this RCODE (REFUSED, NOTAUTH, NOTIMP, SERVFAIL...).
    Rcode(Rcode),
    /// The answer or stream was malformed, or not for our question.
    BadResponse,
    /// The transferred data did not make a valid zone, or did not apply to the version held.
    BadData,
}

/// How to transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferKind {
    /// The whole zone (RFC 5936).
    Axfr,
    /// The changes since the version held (RFC 1995), whose serial this is.
    Ixfr {
        /// Our serial, to put in the request's SOA.
        serial: u32,
    },
}

/// Something the shell must do now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Ask `primary` for the zone's SOA over UDP (RFC 1034 §4.3.5); answer with [`Event::SoaAnswer`].
    QuerySoa {
        /// Whom to ask.
        primary: SocketAddr,
    },
    /// Transfer the zone from `primary` over TCP; answer with [`Event::TransferDone`].
    Transfer {
        /// From whom.
        primary: SocketAddr,
        /// How.
        kind: TransferKind,
    },
    /// Serve the version the last transfer built (and tell our own secondaries, RFC 1996).
    Install,
    /// Stop serving the zone: EXPIRE seconds passed without a successful refresh (RFC 1035 §3.3.13).
    Expire,
}

/// The SOA timers, clamped to [`MIN_INTERVAL`]..[`MAX_INTERVAL`] and at least [`MIN_EXPIRE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timers {
    /// How long a version is trusted before asking again.
    pub refresh: Duration,
    /// How long to wait after a failed refresh.
    pub retry: Duration,
    /// How long without a successful refresh before the zone stops being served.
    pub expire: Duration,
}

impl Timers {
    /// The timers of an SOA record.
    pub fn from_soa(soa: &Soa) -> Timers {
        let clamp = |seconds: u32| {
            Duration::from_secs(u64::from(seconds)).clamp(MIN_INTERVAL, MAX_INTERVAL)
        };
        Timers {
            refresh: clamp(soa.refresh),
            retry: clamp(soa.retry),
            expire: Duration::from_secs(u64::from(soa.expire)).max(MIN_EXPIRE),
        }
    }
}

/// What the secondary is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the refresh (or retry) time.
    Idle,
    /// An SOA query to `primaries[primary]` is out.
    QueryingSoa { primary: usize },
    /// A transfer from `primaries[primary]` is running.
    Transferring { primary: usize, kind: TransferKind },
}

/// The version held: its serial and timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Held {
    serial: u32,
    timers: Timers,
}

/// One secondary zone's refresh state machine. See the module documentation for the contract.
#[derive(Clone, Debug)]
pub struct Secondary {
    primaries: Vec<SocketAddr>,
    phase: Phase,
    /// The version served, if any.
    held: Option<Held>,
    /// When to refresh next, while idle.
    refresh_at: Instant,
    /// When the version held expires.
    expire_at: Option<Instant>,
    /// The next retry interval while there is no data.
    bootstrap_retry: Duration,
    /// A NOTIFY arrived while busy: refresh again once done (RFC 1996 §4.4).
    notified: bool,
}

impl Secondary {
    /// A secondary for a zone transferred from `primaries` (tried in order), holding the version with
    /// SOA `held` if one was loaded from disk. The first refresh is due at once, as BIND and Knot do at
    /// start-up, and the version loaded expires EXPIRE from `now` unless refreshed.
    pub fn new(primaries: Vec<SocketAddr>, held: Option<&Soa>, now: Instant) -> Secondary {
        let held = held.map(|soa| Held {
            serial: soa.serial,
            timers: Timers::from_soa(soa),
        });
        Secondary {
            primaries,
            phase: Phase::Idle,
            expire_at: held.map(|h| now + h.timers.expire),
            held,
            refresh_at: now,
            bootstrap_retry: FIRST_BOOTSTRAP_RETRY,
            notified: false,
        }
    }

    /// The serial of the version served, if any.
    pub fn serial(&self) -> Option<u32> {
        self.held.map(|h| h.serial)
    }

    /// Whether a version is being served (transferred and not expired).
    pub fn is_serving(&self) -> bool {
        self.held.is_some()
    }

    /// When to feed the next [`Event::Timer`]: the refresh or retry time while idle, and the expiry of
    /// the version held.
    pub fn deadline(&self) -> Option<Instant> {
        let refresh = (self.phase == Phase::Idle).then_some(self.refresh_at);
        match (refresh, self.expire_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles one event at time `now`, returning what to do.
    pub fn handle(&mut self, event: Event, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        match (event, self.phase) {
            (Event::Timer, phase) => {
                if self.expire_at.is_some_and(|at| at <= now) {
                    // RFC 1035 §3.3.13: EXPIRE passed without a refresh; the data is no longer
                    // authoritative. What comes next is a transfer from scratch.
                    self.held = None;
                    self.expire_at = None;
                    actions.push(Action::Expire);
                }
                if phase == Phase::Idle && self.refresh_at <= now {
                    actions.extend(self.start_refresh());
                }
            }
            (Event::Notify { serial }, Phase::Idle) => {
                let known = match (serial, self.held) {
                    (Some(serial), Some(held)) => {
                        !Serial(serial).is_newer_than(Serial(held.serial))
                    }
                    _ => false,
                };
                // RFC 1996 §4.7: a NOTIFY is a hint to refresh now rather than at REFRESH; one for a
                // version we already hold needs nothing.
                if !known {
                    actions.extend(self.start_refresh());
                }
            }
            (Event::Notify { .. }, _) => self.notified = true,
            (Event::SoaAnswer(Ok(serial)), Phase::QueryingSoa { primary }) => {
                let newer = self
                    .held
                    .is_none_or(|held| Serial(serial).is_newer_than(Serial(held.serial)));
                if newer {
                    let kind = match self.held {
                        Some(held) => TransferKind::Ixfr {
                            serial: held.serial,
                        },
                        None => TransferKind::Axfr,
                    };
                    actions.extend(self.transfer(primary, kind));
                } else {
                    actions.extend(self.refreshed(now));
                }
            }
            (Event::SoaAnswer(Err(_)), Phase::QueryingSoa { primary }) => {
                actions.extend(self.next_primary(primary, now));
            }
            (Event::TransferDone(Ok(transferred)), Phase::Transferring { .. }) => {
                if let Transferred::NewVersion(soa) = transferred {
                    let newer = self
                        .held
                        .is_none_or(|held| Serial(soa.serial).is_newer_than(Serial(held.serial)));
                    if newer {
                        self.held = Some(Held {
                            serial: soa.serial,
                            timers: Timers::from_soa(&soa),
                        });
                        actions.push(Action::Install);
                    }
                }
                actions.extend(self.refreshed(now));
            }
            (Event::TransferDone(Err(failure)), Phase::Transferring { primary, kind }) => {
                let protocol_failure = !matches!(failure, Failure::Unreachable);
                if matches!(kind, TransferKind::Ixfr { .. }) && protocol_failure {
                    // RFC 1995 §4: a primary that cannot do IXFR (or whose diffs do not apply)
                    // is asked for the whole zone.
                    actions.extend(self.transfer(primary, TransferKind::Axfr));
                } else {
                    actions.extend(self.next_primary(primary, now));
                }
            }
            // An answer for an operation no longer running: nothing to do.
            (Event::SoaAnswer(_), _) | (Event::TransferDone(_), _) => {}
        }
        actions
    }

    fn start_refresh(&mut self) -> Option<Action> {
        let primary = *self.primaries.first()?;
        self.notified = false;
        self.phase = Phase::QueryingSoa { primary: 0 };
        Some(Action::QuerySoa { primary })
    }

    fn transfer(&mut self, primary: usize, kind: TransferKind) -> Option<Action> {
        let address = *self.primaries.get(primary)?;
        self.phase = Phase::Transferring { primary, kind };
        Some(Action::Transfer {
            primary: address,
            kind,
        })
    }

    /// The refresh succeeded: the version held is current as of `now`.
    fn refreshed(&mut self, now: Instant) -> Option<Action> {
        self.phase = Phase::Idle;
        self.bootstrap_retry = FIRST_BOOTSTRAP_RETRY;
        match self.held {
            Some(held) => {
                self.refresh_at = now + held.timers.refresh;
                self.expire_at = Some(now + held.timers.expire);
            }
            // The primary says "nothing newer" but we hold nothing: try again later.
            None => self.refresh_at = now + FIRST_BOOTSTRAP_RETRY,
        }
        if self.notified {
            // A NOTIFY came in during this refresh and may announce a later version.
            return self.start_refresh();
        }
        None
    }

    /// `primaries[failed]` did not work: try the next one, or wait RETRY.
    fn next_primary(&mut self, failed: usize, now: Instant) -> Option<Action> {
        if let Some(&primary) = self.primaries.get(failed + 1) {
            self.phase = Phase::QueryingSoa {
                primary: failed + 1,
            };
            return Some(Action::QuerySoa { primary });
        }
        self.phase = Phase::Idle;
        self.notified = false;
        match self.held {
            Some(held) => self.refresh_at = now + held.timers.retry,
            None => {
                self.refresh_at = now + self.bootstrap_retry;
                self.bootstrap_retry = (self.bootstrap_retry * 2).min(MAX_BOOTSTRAP_RETRY);
            }
        }
        None
    }
}

/// Whether a NOTIFY from `source` may trigger a refresh: it must come from one of the zone's primaries
/// (RFC 1996 §3.10; the port is the sender's choice, so only the address counts).
pub fn notify_allowed(primaries: &[SocketAddr], source: IpAddr) -> bool {
    let canonical = |address: IpAddr| match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    primaries
        .iter()
        .any(|primary| canonical(primary.ip()) == canonical(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soa(serial: u32, refresh: u32, retry: u32, expire: u32) -> Soa {
        Soa {
            mname: "ns.example.".parse().expect("valid"),
            rname: "host.example.".parse().expect("valid"),
            serial,
            refresh,
            retry,
            expire,
            minimum: 300,
        }
    }

    fn primaries() -> Vec<SocketAddr> {
        vec![
            "192.0.2.1:53".parse().expect("valid"),
            "192.0.2.2:53".parse().expect("valid"),
        ]
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn bootstrap_is_soa_then_axfr_then_install() {
        let t0 = Instant::now();
        let [p1, _] = primaries()[..] else { panic!() };
        let mut s = Secondary::new(primaries(), None, t0);
        assert_eq!(s.deadline(), Some(t0));
        assert_eq!(
            s.handle(Event::Timer, t0),
            vec![Action::QuerySoa { primary: p1 }]
        );
        assert_eq!(s.deadline(), None, "no timer while querying and no data");
        assert_eq!(
            s.handle(Event::SoaAnswer(Ok(10)), t0),
            vec![Action::Transfer {
                primary: p1,
                kind: TransferKind::Axfr
            }]
        );
        let done = Event::TransferDone(Ok(Transferred::NewVersion(soa(10, 3600, 600, 7200))));
        assert_eq!(s.handle(done, t0 + secs(1)), vec![Action::Install]);
        assert_eq!(s.serial(), Some(10));
        // Refresh after REFRESH; the expiry (later) is not the next deadline.
        assert_eq!(s.deadline(), Some(t0 + secs(3601)));
    }

    #[test]
    fn refresh_with_newer_serial_uses_ixfr_and_same_serial_does_nothing() {
        let t0 = Instant::now();
        let p1 = primaries()[0];
        let mut s = Secondary::new(primaries(), Some(&soa(10, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        assert_eq!(s.handle(Event::SoaAnswer(Ok(10)), t0), vec![]);
        assert_eq!(s.deadline(), Some(t0 + secs(3600)));
        let t1 = t0 + secs(3600);
        assert_eq!(
            s.handle(Event::Timer, t1),
            vec![Action::QuerySoa { primary: p1 }]
        );
        assert_eq!(
            s.handle(Event::SoaAnswer(Ok(11)), t1),
            vec![Action::Transfer {
                primary: p1,
                kind: TransferKind::Ixfr { serial: 10 }
            }]
        );
        assert_eq!(
            s.handle(Event::TransferDone(Ok(Transferred::UpToDate)), t1),
            vec![]
        );
        assert_eq!(s.serial(), Some(10));
    }

    #[test]
    fn serial_arithmetic_wraps_when_comparing() {
        let t0 = Instant::now();
        let mut s = Secondary::new(primaries(), Some(&soa(u32::MAX, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        // 0 is newer than 4294967295 (RFC 1982 §5.2).
        assert!(matches!(
            s.handle(Event::SoaAnswer(Ok(0)), t0).as_slice(),
            [Action::Transfer { .. }]
        ));
        let mut s = Secondary::new(primaries(), Some(&soa(5, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        // An older serial at the primary is not transferred.
        assert_eq!(s.handle(Event::SoaAnswer(Ok(4)), t0), vec![]);
    }

    #[test]
    fn failures_try_the_next_primary_then_retry() {
        let t0 = Instant::now();
        let [p1, p2] = primaries()[..] else { panic!() };
        let mut s = Secondary::new(primaries(), Some(&soa(10, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        assert_eq!(
            s.handle(Event::SoaAnswer(Err(Failure::Unreachable)), t0),
            vec![Action::QuerySoa { primary: p2 }]
        );
        assert_eq!(
            s.handle(Event::SoaAnswer(Err(Failure::Unreachable)), t0),
            vec![]
        );
        assert_eq!(s.deadline(), Some(t0 + secs(600)), "RETRY");
        assert_eq!(
            s.handle(Event::Timer, t0 + secs(600)),
            vec![Action::QuerySoa { primary: p1 }]
        );
    }

    #[test]
    fn ixfr_failure_falls_back_to_axfr_from_the_same_primary() {
        let t0 = Instant::now();
        let [p1, p2] = primaries()[..] else { panic!() };
        let mut s = Secondary::new(primaries(), Some(&soa(10, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        s.handle(Event::SoaAnswer(Ok(11)), t0);
        assert_eq!(
            s.handle(Event::TransferDone(Err(Failure::Rcode(Rcode::NOTIMP))), t0),
            vec![Action::Transfer {
                primary: p1,
                kind: TransferKind::Axfr
            }]
        );
        assert_eq!(
            s.handle(Event::TransferDone(Err(Failure::BadResponse)), t0),
            vec![Action::QuerySoa { primary: p2 }]
        );
    }

    #[test]
    fn unreachable_during_ixfr_moves_on() {
        let t0 = Instant::now();
        let p2 = primaries()[1];
        let mut s = Secondary::new(primaries(), Some(&soa(10, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        s.handle(Event::SoaAnswer(Ok(11)), t0);
        assert_eq!(
            s.handle(Event::TransferDone(Err(Failure::Unreachable)), t0),
            vec![Action::QuerySoa { primary: p2 }]
        );
    }

    #[test]
    fn zone_expires_without_refresh_and_is_transferred_again() {
        let t0 = Instant::now();
        let p1 = primaries()[0];
        let mut s = Secondary::new(vec![p1], Some(&soa(10, 60, 30, 100)), t0);
        s.handle(Event::Timer, t0);
        s.handle(Event::SoaAnswer(Ok(10)), t0);
        // Every refresh fails from here on.
        let now = loop {
            let Some(now) = s.deadline() else {
                panic!("a timer is always armed while idle");
            };
            let actions = s.handle(Event::Timer, now);
            if actions.contains(&Action::Expire) {
                break now;
            }
            assert_eq!(actions, vec![Action::QuerySoa { primary: p1 }]);
            assert_eq!(
                s.handle(Event::SoaAnswer(Err(Failure::Unreachable)), now),
                vec![]
            );
        };
        assert_eq!(now, t0 + secs(100), "EXPIRE after the last good refresh");
        assert!(!s.is_serving());
        // Once the primary is back, the zone comes back by AXFR.
        let now = s.deadline().expect("a retry");
        assert_eq!(
            s.handle(Event::Timer, now),
            vec![Action::QuerySoa { primary: p1 }]
        );
        assert_eq!(
            s.handle(Event::SoaAnswer(Ok(10)), now),
            vec![Action::Transfer {
                primary: p1,
                kind: TransferKind::Axfr
            }]
        );
    }

    #[test]
    fn notify_refreshes_now_and_during_a_refresh_queues_one_more() {
        let t0 = Instant::now();
        let p1 = primaries()[0];
        let mut s = Secondary::new(primaries(), Some(&soa(10, 3600, 600, 7200)), t0);
        s.handle(Event::Timer, t0);
        s.handle(Event::SoaAnswer(Ok(10)), t0);
        let t1 = t0 + secs(5);
        // A NOTIFY for the serial we hold is ignored.
        assert_eq!(s.handle(Event::Notify { serial: Some(10) }, t1), vec![]);
        assert_eq!(
            s.handle(Event::Notify { serial: Some(11) }, t1),
            vec![Action::QuerySoa { primary: p1 }]
        );
        // Another NOTIFY while querying: remembered.
        assert_eq!(s.handle(Event::Notify { serial: None }, t1), vec![]);
        s.handle(Event::SoaAnswer(Ok(11)), t1);
        let done = Event::TransferDone(Ok(Transferred::NewVersion(soa(11, 3600, 600, 7200))));
        assert_eq!(
            s.handle(done, t1),
            vec![Action::Install, Action::QuerySoa { primary: p1 }]
        );
    }

    #[test]
    fn bootstrap_retries_back_off() {
        let t0 = Instant::now();
        let p1 = primaries()[0];
        let mut s = Secondary::new(vec![p1], None, t0);
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..4 {
            s.handle(Event::Timer, now);
            s.handle(Event::SoaAnswer(Err(Failure::Unreachable)), now);
            let next = s.deadline().expect("a retry");
            waits.push(next - now);
            now = next;
        }
        assert_eq!(waits, vec![secs(5), secs(10), secs(20), secs(40)]);
    }

    #[test]
    fn stale_answers_are_ignored() {
        let t0 = Instant::now();
        let mut s = Secondary::new(primaries(), None, t0);
        assert_eq!(s.handle(Event::SoaAnswer(Ok(3)), t0), vec![]);
        assert_eq!(
            s.handle(Event::TransferDone(Ok(Transferred::UpToDate)), t0),
            vec![]
        );
        assert_eq!(s.deadline(), Some(t0));
    }

    #[test]
    fn timers_are_clamped() {
        let timers = Timers::from_soa(&soa(1, 0, 0, 0));
        assert_eq!(timers.refresh, MIN_INTERVAL);
        assert_eq!(timers.retry, MIN_INTERVAL);
        assert_eq!(timers.expire, MIN_EXPIRE);
        let timers = Timers::from_soa(&soa(1, u32::MAX, u32::MAX, u32::MAX));
        assert_eq!(timers.refresh, MAX_INTERVAL);
    }

    #[test]
    fn notify_source_must_be_a_primary() {
        let list = primaries();
        assert!(notify_allowed(&list, "192.0.2.1".parse().expect("ip")));
        assert!(notify_allowed(
            &list,
            "::ffff:192.0.2.2".parse().expect("ip")
        ));
        assert!(!notify_allowed(&list, "192.0.2.3".parse().expect("ip")));
    }
}
