//! Export: from Loc-RIB changes to what one peer is sent, through that peer's Adj-RIB-Out.

use super::{Change, Peer, PeerId, Rib, RibError, Route};
use crate::policy::{self, otc, PolicyContext, Verdict};
use crate::prefix::Prefix;
use crate::rib::PathAttributes;
use std::collections::HashMap;
use std::sync::Arc;

/// What to send one peer: withdrawals, and announcements grouped by attribute set (one UPDATE, or a few
/// if the prefixes do not fit, per group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutgoingUpdates {
    /// Prefixes to withdraw.
    pub withdrawn: Vec<Prefix>,
    /// Attribute sets and the prefixes to announce with each, in first-seen order.
    pub announced: Vec<(Arc<PathAttributes>, Vec<Prefix>)>,
}

impl OutgoingUpdates {
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.withdrawn.is_empty() && self.announced.is_empty()
    }

    /// Number of prefixes announced.
    pub fn announced_count(&self) -> usize {
        self.announced
            .iter()
            .map(|(_, prefixes)| prefixes.len())
            .sum()
    }
}

impl Rib {
    /// Turns Loc-RIB changes into the UPDATE contents for `peer`, and records them in its Adj-RIB-Out:
    /// a prefix whose exported form is unchanged is not sent again; one that is no longer exported (best
    /// gone, or now refused by export rules) is withdrawn if it had been sent.
    pub fn export(
        &mut self,
        peer: PeerId,
        changes: &[Change],
    ) -> Result<OutgoingUpdates, RibError> {
        let state = self.peer_state(peer).ok_or(RibError::UnknownPeer(peer))?;
        if state.adj_rib_out.is_empty() && exports_nothing(state) {
            // Nothing was sent and nothing will be (`reject-all`, or RFC 8212 on eBGP).
            return Ok(OutgoingUpdates::default());
        }
        let items: Vec<(Prefix, Option<Route>)> = changes
            .iter()
            .map(|change| (change.prefix, change.new.clone()))
            .collect();
        self.export_items(peer, items, false)
    }

    /// Everything `peer` should have, re-sent in full: the answer to a ROUTE-REFRESH (RFC 2918), or the
    /// initial table when a session comes up.
    pub fn refresh(&mut self, peer: PeerId) -> Result<OutgoingUpdates, RibError> {
        let items = self.all_items(peer)?;
        self.export_items(peer, items, true)
    }

    /// Re-evaluates export to `peer` for every prefix after its export policy (or role) changed, and
    /// returns only the differences.
    pub fn reexport(&mut self, peer: PeerId) -> Result<OutgoingUpdates, RibError> {
        let items = self.all_items(peer)?;
        self.export_items(peer, items, false)
    }

    /// Replaces a peer's export policy; follow with [`Rib::reexport`].
    pub fn set_export_policy(
        &mut self,
        peer: PeerId,
        policy: Option<Arc<policy::Policy>>,
    ) -> Result<(), RibError> {
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        state.config.export = policy;
        Ok(())
    }

    /// Every Loc-RIB best, plus every prefix in the peer's Adj-RIB-Out (so stale ones get withdrawn).
    fn all_items(&self, peer: PeerId) -> Result<Vec<(Prefix, Option<Route>)>, RibError> {
        let state = self.peer_state(peer).ok_or(RibError::UnknownPeer(peer))?;
        let mut items: Vec<(Prefix, Option<Route>)> = self
            .routes
            .iter()
            .map(|(prefix, slot)| (prefix, Some(slot.best_route())))
            .collect();
        items.extend(
            state
                .adj_rib_out
                .iter()
                .filter(|(prefix, _)| self.routes.get(prefix).is_none())
                .map(|(prefix, _)| (prefix, None)),
        );
        Ok(items)
    }

    fn export_items(
        &mut self,
        peer: PeerId,
        items: Vec<(Prefix, Option<Route>)>,
        full: bool,
    ) -> Result<OutgoingUpdates, RibError> {
        if self.peer_state(peer).is_none() {
            return Err(RibError::UnknownPeer(peer));
        }
        let per_prefix = self
            .peer_state(peer)
            .and_then(|state| state.config.export.as_ref())
            .is_some_and(|policy| policy.depends_on_prefix());
        // Export depends on the source route and the target only (unless the policy looks at the
        // prefix): memoise by source attribute pointer. The routes in `items` keep those alive.
        let mut memo: HashMap<(PeerId, *const PathAttributes), Option<Arc<PathAttributes>>> =
            HashMap::new();
        let mut out = OutgoingUpdates::default();
        let mut groups: HashMap<*const PathAttributes, usize> = HashMap::new();
        for (prefix, route) in &items {
            let exported = match route {
                None => None,
                Some(route) if per_prefix => self.export_route(peer, prefix, route),
                Some(route) => {
                    let key = (route.peer, Arc::as_ptr(&route.attributes));
                    match memo.get(&key) {
                        Some(cached) => cached.clone(),
                        None => {
                            let exported = self.export_route(peer, prefix, route);
                            memo.insert(key, exported.clone());
                            exported
                        }
                    }
                }
            };
            let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) else {
                break;
            };
            match exported {
                None => {
                    if state.adj_rib_out.remove(prefix).is_some() {
                        out.withdrawn.push(*prefix);
                    }
                }
                Some(attributes) => {
                    let previous = state.adj_rib_out.insert(prefix, Arc::clone(&attributes));
                    if !full && previous.is_some_and(|previous| Arc::ptr_eq(&previous, &attributes))
                    {
                        continue;
                    }
                    let index = *groups.entry(Arc::as_ptr(&attributes)).or_insert_with(|| {
                        out.announced.push((Arc::clone(&attributes), Vec::new()));
                        out.announced.len() - 1
                    });
                    if let Some((_, prefixes)) = out.announced.get_mut(index) {
                        prefixes.push(*prefix);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The attributes `route` is sent to `peer` with, or `None` when it is not sent.
    fn export_route(
        &mut self,
        peer: PeerId,
        prefix: &Prefix,
        route: &Route,
    ) -> Option<Arc<PathAttributes>> {
        let target = self.peer_state(peer)?;
        if route.peer == peer {
            return None;
        }
        if exports_nothing(target) {
            return None;
        }
        let source: &Peer = self.peer_state(route.peer)?;
        let to = target.config.relationship;
        // iBGP split horizon (RFC 4271 §9.2), independent of roles.
        if !source.is_ebgp && !target.is_ebgp && route.peer != PeerId::LOCAL {
            return None;
        }
        // Valley-free when both ends have a relationship; a role-less eBGP session is left to policy.
        if let Some(to) = to {
            let learned_from = if route.peer == PeerId::LOCAL {
                Some(None)
            } else {
                source.config.relationship.map(Some)
            };
            if learned_from.is_some_and(|from| !policy::may_export(from, to)) {
                return None;
            }
        }
        let attributes = &route.attributes;
        if !policy::communities_allow_export(&attributes.communities, to, target.is_ebgp) {
            return None;
        }
        let mut exported: PathAttributes = (**attributes).clone();
        if target.is_ebgp {
            if let Some(to) = to {
                match otc::egress(to, self.config.local_as, exported.only_to_customer) {
                    otc::Egress::Suppress => return None,
                    otc::Egress::Send(value) => exported.only_to_customer = value,
                }
            }
            // RFC 4271 §5.1.4: a MED learned from another AS is not passed to a third; §5.1.5:
            // LOCAL_PREF is not sent on eBGP.
            if source.is_ebgp {
                exported.med = None;
            }
            exported.local_pref = None;
            // RFC 4456 attributes are internal to the AS.
            exported.originator_id = None;
            exported.cluster_list.clear();
        } else if exported.local_pref.is_none() {
            exported.local_pref = Some(self.config.local_pref.unspecified);
        }
        let context = PolicyContext {
            prefix: *prefix,
            local_as: self.config.local_as,
            relationship: to,
            rov: None,
            aspa: None,
        };
        let exported = match &target.config.export {
            Some(policy) => match policy.evaluate(&context, &exported) {
                Verdict::Accept(changed) => changed.into_owned(),
                Verdict::Reject => return None,
            },
            None => match policy::default_action(target.is_ebgp) {
                policy::Action::Accept => exported,
                policy::Action::Reject => return None,
            },
        };
        let mut exported = exported;
        if target.is_ebgp {
            exported.prepend(self.config.local_as, 1);
            if let Some(next_hop) = &target.config.next_hop_self {
                exported.next_hop = Some(next_hop.clone());
            }
        }
        Some(self.attributes.intern(exported))
    }
}

/// True when a peer's export policy (or RFC 8212's default without one) refuses every route.
fn exports_nothing(target: &Peer) -> bool {
    match &target.config.export {
        Some(policy) => policy.term.is_empty() && policy.default == policy::Action::Reject,
        None => policy::default_action(target.is_ebgp) == policy::Action::Reject,
    }
}
