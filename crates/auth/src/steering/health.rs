//! Target health as the answer path sees it: the [`HealthView`] selection asks, the [`HealthTable`]
//! the health shell writes. What a check is ([`CheckSpec`](crate::health::CheckSpec)) belongs to
//! `crate::health`; each target's configuration compiles straight to one.
//!
//! The contract with health checking (`crate::health`, pure, and `server/health.rs`, tokio):
//!
//! - each [`Target`](super::Target) of a [`Steering`](super::Steering) may carry a
//!   [`CheckSpec`](crate::health::CheckSpec);
//!   one checker runs per target (not per name: every name using the target shares it), and its
//!   rise/fall state machine decides the target's state;
//! - the state is written into the steering's [`HealthTable`] (one relaxed atomic per target, by
//!   [`TargetId`]), through `crate::health::HealthSink`, before a new steering is served on reload;
//!   [`Steering::inherit_health`](super::Steering::inherit_health) carries states over for targets
//!   whose id and check did not change;
//! - a forced state (the external state file) is written the same way.
//!
//! The answer path reads the table through [`HealthView`]: a target is up unless its state is
//! [`Health::Down`], so targets without checks and targets not yet checked are answered.

use super::TargetId;
use std::sync::atomic::{AtomicU8, Ordering};

/// What the selection needs to know about health: whether a target may be answered.
pub trait HealthView {
    /// Whether `target` is up (or not known to be down).
    fn is_up(&self, target: TargetId) -> bool;
}

/// A target's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Health {
    /// Not checked (no check configured, or no verdict yet): answered.
    Unknown,
    /// Passed `rise` checks in a row (or forced up).
    Up,
    /// Failed `fall` checks in a row (or forced down): not answered while another target is up.
    Down,
}

/// The live state of every target of one [`Steering`](super::Steering): one atomic per target,
/// written by the health shell and read lock-free by every query.
#[derive(Debug)]
pub struct HealthTable {
    states: Box<[AtomicU8]>,
}

impl HealthTable {
    /// A table for `targets` targets, all [`Health::Unknown`].
    pub fn new(targets: usize) -> HealthTable {
        HealthTable {
            states: (0..targets).map(|_| AtomicU8::new(0)).collect(),
        }
    }

    /// The state of a target (unknown for an id outside the table).
    pub fn get(&self, target: TargetId) -> Health {
        match self
            .states
            .get(target.index())
            .map(|s| s.load(Ordering::Relaxed))
        {
            Some(1) => Health::Up,
            Some(2) => Health::Down,
            _ => Health::Unknown,
        }
    }

    /// Sets the state of a target (ignored for an id outside the table).
    pub fn set(&self, target: TargetId, health: Health) {
        let value = match health {
            Health::Unknown => 0,
            Health::Up => 1,
            Health::Down => 2,
        };
        if let Some(state) = self.states.get(target.index()) {
            state.store(value, Ordering::Relaxed);
        }
    }

    /// The number of targets.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether the table has no targets.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

impl HealthView for HealthTable {
    fn is_up(&self, target: TargetId) -> bool {
        self.get(target) != Health::Down
    }
}

impl HealthView for [bool] {
    fn is_up(&self, target: TargetId) -> bool {
        self.get(target.index()).copied().unwrap_or(true)
    }
}

impl<T: HealthView + ?Sized> HealthView for &T {
    fn is_up(&self, target: TargetId) -> bool {
        (**self).is_up(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_reads_what_was_written() {
        let table = HealthTable::new(2);
        assert!(table.is_up(TargetId(0)));
        table.set(TargetId(1), Health::Down);
        assert!(!table.is_up(TargetId(1)));
        assert_eq!(table.get(TargetId(1)), Health::Down);
        table.set(TargetId(9), Health::Down);
        assert!(table.is_up(TargetId(9)));
        assert_eq!(table.len(), 2);
        let flags = [true, false];
        assert!(!flags[..].is_up(TargetId(1)));
    }
}
