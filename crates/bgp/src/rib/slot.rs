//! [`RouteSlot`]: every peer's route to one prefix, best first, in 24 bytes when there is one route.
//!
//! The first route lives inline; the others (a prefix heard from several peers) in a boxed vector, so
//! the common single-route prefix costs no allocation besides its shared attributes. Index 0 is the
//! Loc-RIB best, indices below [`RouteSlot::ecmp_count`] the ECMP set.

use super::{PathAttributes, PeerId, Route};
use std::sync::Arc;

/// The routes after the first.
type OtherRoutes = Vec<(PeerId, Arc<PathAttributes>)>;

/// The routes to one prefix. Never empty.
#[derive(Clone, Debug)]
pub(super) struct RouteSlot {
    first: Arc<PathAttributes>,
    rest: Option<Box<OtherRoutes>>,
    first_peer: PeerId,
    ecmp: u16,
}

impl RouteSlot {
    pub(super) fn new(peer: PeerId, attributes: Arc<PathAttributes>) -> Self {
        RouteSlot {
            first: attributes,
            rest: None,
            first_peer: peer,
            ecmp: 1,
        }
    }

    pub(super) fn len(&self) -> usize {
        1 + self.rest.as_ref().map_or(0, |rest| rest.len())
    }

    pub(super) fn ecmp_count(&self) -> usize {
        usize::from(self.ecmp).clamp(1, self.len())
    }

    /// The route at `index` (clamped to the last one).
    pub(super) fn path(&self, index: usize) -> (PeerId, &Arc<PathAttributes>) {
        match (index, &self.rest) {
            (0, _) | (_, None) => (self.first_peer, &self.first),
            (index, Some(rest)) => match rest.get(index - 1).or(rest.last()) {
                Some((peer, attributes)) => (*peer, attributes),
                None => (self.first_peer, &self.first),
            },
        }
    }

    /// The route at `index` as a [`Route`] (clamped like [`Slot::path`]).
    pub(super) fn route(&self, index: usize) -> Route {
        let (peer, attributes) = self.path(index);
        Route {
            peer,
            attributes: Arc::clone(attributes),
        }
    }

    pub(super) fn best_route(&self) -> Route {
        Route {
            peer: self.first_peer,
            attributes: Arc::clone(&self.first),
        }
    }

    /// The ECMP set as (peer, attribute pointer) pairs, to detect a change.
    pub(super) fn ecmp_signature(&self) -> Vec<(PeerId, *const PathAttributes)> {
        if self.ecmp <= 1 {
            return Vec::new();
        }
        (0..self.ecmp_count())
            .map(|index| {
                let (peer, attributes) = self.path(index);
                (peer, Arc::as_ptr(attributes))
            })
            .collect()
    }

    pub(super) fn find(&self, peer: PeerId) -> Option<usize> {
        if self.first_peer == peer {
            return Some(0);
        }
        self.rest
            .as_ref()?
            .iter()
            .position(|(other, _)| *other == peer)
            .map(|index| index + 1)
    }

    pub(super) fn replace(&mut self, index: usize, attributes: Arc<PathAttributes>) {
        if index == 0 {
            self.first = attributes;
        } else if let Some(slot) = self.rest.as_mut().and_then(|rest| rest.get_mut(index - 1)) {
            slot.1 = attributes;
        }
    }

    pub(super) fn push(&mut self, peer: PeerId, attributes: Arc<PathAttributes>) {
        self.rest
            .get_or_insert_with(|| Box::new(Vec::with_capacity(2)))
            .push((peer, attributes));
    }

    /// Removes the route at `index`; false when it was the last one (the slot is then stale and must
    /// be dropped).
    pub(super) fn remove(&mut self, index: usize) -> bool {
        let Some(rest) = self.rest.as_mut() else {
            return false;
        };
        if index == 0 {
            let (peer, attributes) = rest.remove(0);
            self.first_peer = peer;
            self.first = attributes;
        } else if index - 1 < rest.len() {
            rest.remove(index - 1);
        }
        if rest.is_empty() {
            self.rest = None;
        }
        self.ecmp = 1;
        true
    }

    /// Reorders so the routes at `order` come first, in that order; the ECMP set is `order.len()`.
    pub(super) fn promote(&mut self, order: &[usize]) {
        let count = self.len();
        if count == 1 {
            self.ecmp = 1;
            return;
        }
        // The usual case, one best route: moved to the front with the others in their order, without
        // rebuilding the list.
        if let [index] = *order {
            self.ecmp = 1;
            if index == 0 || index >= count {
                return;
            }
            if let Some(rest) = self.rest.as_mut() {
                let (peer, attributes) = rest.remove(index - 1);
                let old_peer = std::mem::replace(&mut self.first_peer, peer);
                let old_first = std::mem::replace(&mut self.first, attributes);
                rest.insert(0, (old_peer, old_first));
            }
            return;
        }
        let mut all: Vec<(PeerId, Arc<PathAttributes>)> = Vec::with_capacity(count);
        all.push((self.first_peer, Arc::clone(&self.first)));
        if let Some(rest) = self.rest.take() {
            all.extend(*rest);
        }
        let mut taken = vec![false; count];
        let mut sorted = Vec::with_capacity(count);
        for &index in order {
            if let Some(flag) = taken.get_mut(index) {
                if !*flag {
                    *flag = true;
                    sorted.push(all[index].clone());
                }
            }
        }
        let promoted = sorted.len();
        for (index, route) in all.into_iter().enumerate() {
            if !taken[index] {
                sorted.push(route);
            }
        }
        let mut routes = sorted.into_iter();
        if let Some((peer, attributes)) = routes.next() {
            self.first_peer = peer;
            self.first = attributes;
        }
        let rest: Vec<_> = routes.collect();
        self.rest = (!rest.is_empty()).then(|| Box::new(rest));
        self.ecmp = u16::try_from(promoted.max(1)).unwrap_or(u16::MAX);
    }
}
