//! The differences between versions of a zone (RFC 1995 §2, the "incremental" part of IXFR): how to
//! compute one from two versions, and a bounded journal of the latest ones that IXFR out answers from.
//!
//! A [`Diff`] is what one version's records lack and gain compared with the previous version, between
//! the two SOA records. A [`Journal`] keeps an unbroken chain of diffs ending at the served version;
//! anything that breaks the chain (a serial that goes backwards, a change without a serial increment)
//! empties it, and clients older than its first diff get the whole zone instead.

use crate::serial::Serial;
use crate::zone::Zone;
use globe_dns::{RData, Record};
use std::collections::HashSet;
use std::sync::Arc;

/// The most diffs kept per zone; clients further behind get a full transfer.
pub const MAX_JOURNAL_DIFFS: usize = 100;
/// The most removed plus added records kept per zone (a memory bound: about 100 bytes each).
pub const MAX_JOURNAL_CHANGES: usize = 100_000;

/// The change from one version of a zone to the next (one "difference sequence" of RFC 1995 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// The SOA record of the older version.
    pub from: Record,
    /// The SOA record of the newer version.
    pub to: Record,
    /// Records of the older version that the newer one lacks (SOA excluded).
    pub removed: Vec<Record>,
    /// Records of the newer version that the older one lacks (SOA excluded).
    pub added: Vec<Record>,
}

impl Diff {
    /// The older version's serial.
    pub fn from_serial(&self) -> u32 {
        soa_serial(&self.from).unwrap_or(0)
    }

    /// The newer version's serial.
    pub fn to_serial(&self) -> u32 {
        soa_serial(&self.to).unwrap_or(0)
    }

    /// The number of records removed and added.
    pub fn changes(&self) -> usize {
        self.removed.len() + self.added.len()
    }
}

/// The serial of an SOA record, `None` for any other record.
pub fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RData::Soa(soa) => Some(soa.serial),
        _ => None,
    }
}

/// The difference between two versions of a zone. Records are compared whole, TTL included, so a TTL
/// change is a removal and an addition, as IXFR carries it.
pub fn diff(old: &Zone, new: &Zone) -> Diff {
    let old_records = old.records();
    let new_records = new.records();
    let (Some(from), Some(to)) = (old_records.first().cloned(), new_records.first().cloned())
    else {
        // `Zone::records` always starts with the SOA; an empty list cannot happen.
        return Diff {
            from: soa_record(old),
            to: soa_record(new),
            removed: Vec::new(),
            added: Vec::new(),
        };
    };
    let old_set: HashSet<&Record> = old_records.iter().skip(1).collect();
    let new_set: HashSet<&Record> = new_records.iter().skip(1).collect();
    let removed = old_records
        .iter()
        .skip(1)
        .filter(|r| !new_set.contains(r))
        .cloned()
        .collect();
    let added = new_records
        .iter()
        .skip(1)
        .filter(|r| !old_set.contains(r))
        .cloned()
        .collect();
    Diff {
        from,
        to,
        removed,
        added,
    }
}

fn soa_record(zone: &Zone) -> Record {
    Record {
        name: zone.origin().clone(),
        class: zone.class(),
        ttl: zone.soa_ttl(),
        data: RData::Soa(zone.soa().clone()),
    }
}

/// A bounded, unbroken chain of diffs, oldest first. Cloning is cheap (the diffs are shared).
#[derive(Clone, Debug, Default)]
pub struct Journal {
    diffs: Vec<Arc<Diff>>,
    changes: usize,
}

impl Journal {
    /// An empty journal.
    pub fn new() -> Journal {
        Journal::default()
    }

    /// Appends the diff that made a new version. A diff that does not continue the chain (its `from`
    /// is not the last `to`) or whose serial does not increase starts a new chain; the oldest diffs are
    /// dropped to stay within [`MAX_JOURNAL_DIFFS`] and [`MAX_JOURNAL_CHANGES`].
    pub fn record(&mut self, diff: Diff) {
        let continues = self
            .diffs
            .last()
            .is_none_or(|last| last.to_serial() == diff.from_serial());
        if !continues || !Serial(diff.to_serial()).is_newer_than(Serial(diff.from_serial())) {
            self.clear();
            if !Serial(diff.to_serial()).is_newer_than(Serial(diff.from_serial())) {
                return;
            }
        }
        self.changes += diff.changes();
        self.diffs.push(Arc::new(diff));
        while self.diffs.len() > MAX_JOURNAL_DIFFS || self.changes > MAX_JOURNAL_CHANGES {
            let oldest = self.diffs.remove(0);
            self.changes -= oldest.changes();
        }
    }

    /// Forgets every diff (the zone changed in a way IXFR cannot describe).
    pub fn clear(&mut self) {
        self.diffs.clear();
        self.changes = 0;
    }

    /// The diffs that take a client at `serial` to the latest version, or `None` when the journal does
    /// not reach back that far.
    pub fn since(&self, serial: u32) -> Option<&[Arc<Diff>]> {
        let start = self.diffs.iter().position(|d| d.from_serial() == serial)?;
        Some(&self.diffs[start..])
    }

    /// The serial the chain ends at, if any.
    pub fn latest_serial(&self) -> Option<u32> {
        self.diffs.last().map(|d| d.to_serial())
    }

    /// The number of diffs kept.
    pub fn len(&self) -> usize {
        self.diffs.len()
    }

    /// Whether no diff is kept.
    pub fn is_empty(&self) -> bool {
        self.diffs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xfr::test_support::{record, zone};

    #[test]
    fn diff_lists_removed_and_added_records() {
        let old = zone(1, &["www 300 IN A 192.0.2.1", "old 300 IN A 192.0.2.2"]);
        let new = zone(
            2,
            &[
                "www 300 IN A 192.0.2.1",
                "new 300 IN A 192.0.2.3",
                "www 300 IN TXT \"x\"",
            ],
        );
        let d = diff(&old, &new);
        assert_eq!((d.from_serial(), d.to_serial()), (1, 2));
        assert_eq!(d.removed, vec![record("old 300 IN A 192.0.2.2")]);
        let mut added = d.added.clone();
        added.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            added,
            vec![
                record("new 300 IN A 192.0.2.3"),
                record("www 300 IN TXT \"x\"")
            ]
        );
    }

    #[test]
    fn ttl_change_is_remove_and_add() {
        let old = zone(1, &["www 300 IN A 192.0.2.1"]);
        let new = zone(2, &["www 600 IN A 192.0.2.1"]);
        let d = diff(&old, &new);
        assert_eq!(d.removed, vec![record("www 300 IN A 192.0.2.1")]);
        assert_eq!(d.added, vec![record("www 600 IN A 192.0.2.1")]);
    }

    #[test]
    fn journal_answers_from_any_serial_in_the_chain() {
        let v1 = zone(1, &["a 300 IN A 192.0.2.1"]);
        let v2 = zone(2, &["a 300 IN A 192.0.2.2"]);
        let v3 = zone(3, &["a 300 IN A 192.0.2.3"]);
        let mut journal = Journal::new();
        journal.record(diff(&v1, &v2));
        journal.record(diff(&v2, &v3));
        assert_eq!(journal.latest_serial(), Some(3));
        assert_eq!(journal.since(1).map(<[_]>::len), Some(2));
        assert_eq!(journal.since(2).map(<[_]>::len), Some(1));
        assert!(journal.since(3).is_none());
        assert!(journal.since(0).is_none());
    }

    #[test]
    fn a_break_in_the_chain_restarts_it() {
        let v1 = zone(1, &["a 300 IN A 192.0.2.1"]);
        let v2 = zone(2, &["a 300 IN A 192.0.2.2"]);
        let v5 = zone(5, &["a 300 IN A 192.0.2.5"]);
        let v6 = zone(6, &["a 300 IN A 192.0.2.6"]);
        let mut journal = Journal::new();
        journal.record(diff(&v1, &v2));
        journal.record(diff(&v5, &v6));
        assert_eq!(journal.len(), 1);
        assert!(journal.since(1).is_none());
        // A serial going backwards empties the journal.
        journal.record(diff(&v6, &v1));
        assert!(journal.is_empty());
    }

    #[test]
    fn journal_is_bounded() {
        let mut journal = Journal::new();
        let mut previous = zone(1, &["a 300 IN A 192.0.2.1"]);
        for serial in 2..(MAX_JOURNAL_DIFFS as u32 + 10) {
            let next = zone(serial, &[&format!("a 300 IN A 192.0.2.{}", serial % 250)]);
            journal.record(diff(&previous, &next));
            previous = next;
        }
        assert_eq!(journal.len(), MAX_JOURNAL_DIFFS);
        assert!(journal.since(1).is_none());
        assert!(journal.since(10).is_some());
    }
}
