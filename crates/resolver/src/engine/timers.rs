//! The engine's timers: a min-heap of `(deadline, timer)` with lazy deletion.
//!
//! Arming a timer is a push; nothing is removed when a query is answered or a resolution ends. Instead
//! the engine checks each timer against its state when it comes to the top (is the query still
//! waiting with that deadline? is the resolution still running?) and drops it if not. Every input
//! ends by dropping dead timers from the top, so [`Timers::next`] is a peek, and the heap is rebuilt
//! from the live timers when dead ones outnumber them by [`COMPACTION_FACTOR`], so its size stays
//! proportional to what is in flight. Ten thousand concurrent resolutions cost O(log n) per timer,
//! not a scan of every query on every `poll_timeout`.

use super::TransmitId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// The heap is rebuilt when it holds more than this many times the live timers (plus
/// [`COMPACTION_SLACK`]).
pub(super) const COMPACTION_FACTOR: usize = 4;
/// Dead timers tolerated on top of the factor, so small heaps are never rebuilt.
pub(super) const COMPACTION_SLACK: usize = 1024;

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Timer {
    /// A query's RTO: retransmit or move on.
    Transmit(TransmitId),
    /// A client's (or priming) resolution's deadline: SERVFAIL.
    Deadline(u64),
    /// The serve-stale client response timer of a client resolution (RFC 8767 §5).
    StaleAnswer(u64),
}

/// A min-heap of timers; see the module documentation.
#[derive(Debug, Default)]
pub(super) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, Timer)>>,
}

impl Timers {
    /// Arms `timer` for `at`.
    pub fn arm(&mut self, at: Instant, timer: Timer) {
        self.heap.push(Reverse((at, timer)));
    }

    /// The earliest timer, live or not.
    pub fn peek(&self) -> Option<(Instant, Timer)> {
        self.heap.peek().map(|Reverse(entry)| *entry)
    }

    /// Drops the earliest timer.
    pub fn pop(&mut self) -> Option<(Instant, Timer)> {
        self.heap.pop().map(|Reverse(entry)| entry)
    }

    /// The earliest timer if it is due at `now`, taken off the heap.
    pub fn pop_due(&mut self, now: Instant) -> Option<(Instant, Timer)> {
        match self.peek() {
            Some((at, _)) if at <= now => self.pop(),
            _ => None,
        }
    }

    /// When the earliest timer is due.
    pub fn next(&self) -> Option<Instant> {
        self.peek().map(|(at, _)| at)
    }

    /// Whether dead timers so outnumber the `live` ones that the heap should be rebuilt.
    pub fn needs_compaction(&self, live: usize) -> bool {
        self.heap.len() > live.saturating_mul(COMPACTION_FACTOR) + COMPACTION_SLACK
    }

    /// Keeps only the timers `keep` says are live.
    pub fn retain(&mut self, mut keep: impl FnMut(Instant, Timer) -> bool) {
        self.heap.retain(|Reverse((at, timer))| keep(*at, *timer));
    }

    /// Timers held, dead ones included.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_first_and_only_when_due() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        timers.arm(t0 + Duration::from_secs(3), Timer::Deadline(1));
        timers.arm(t0 + Duration::from_secs(1), Timer::Transmit(TransmitId(7)));
        timers.arm(t0 + Duration::from_secs(2), Timer::StaleAnswer(1));
        assert_eq!(timers.next(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(timers.pop_due(t0), None);
        let due: Vec<Timer> = std::iter::from_fn(|| timers.pop_due(t0 + Duration::from_secs(2)))
            .map(|(_, timer)| timer)
            .collect();
        assert_eq!(
            due,
            vec![Timer::Transmit(TransmitId(7)), Timer::StaleAnswer(1)]
        );
        assert_eq!(timers.len(), 1);
        timers.retain(|_, _| false);
        assert_eq!(timers.next(), None);
    }

    #[test]
    fn compaction_threshold() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        for id in 0..(COMPACTION_SLACK as u64 + 5) {
            timers.arm(t0, Timer::Deadline(id));
        }
        assert!(timers.needs_compaction(1));
        assert!(!timers.needs_compaction(COMPACTION_SLACK));
    }
}
