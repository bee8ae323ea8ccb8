//! The speaker's routing tables (RFC 4271 §3.2, §9): Adj-RIB-In per peer, the Loc-RIB, and Adj-RIB-Out
//! per peer, with the import and export pipelines between them.
//!
//! Events in, changes out, no I/O:
//! - [`Rib::update`] takes one UPDATE's worth of routes from a peer (announced prefixes with their
//!   attributes, withdrawn prefixes) and returns the Loc-RIB [`Change`]s it caused;
//! - [`Rib::peer_down`] drops a peer's routes and returns the changes; under graceful restart
//!   (RFC 4724 §4.2, helper side) [`Rib::peer_down_graceful`] keeps the routes of the restarting
//!   families marked stale instead (still used), [`Rib::sweep_stale`] later removes the ones the peer
//!   did not re-announce (any route the peer announces or withdraws loses its stale mark);
//! - [`Rib::export`] turns changes into what to send one peer ([`OutgoingUpdates`], grouped by attribute
//!   set so the speaker packs one UPDATE per group), updating that peer's Adj-RIB-Out so only
//!   differences go out; [`Rib::refresh`] re-sends a peer everything (ROUTE-REFRESH, RFC 2918) and
//!   [`Rib::reexport`] sends only what a changed export policy changed.
//!
//! Layout, for a full table: one [`PrefixMap`] from prefix to a `RouteSlot` that holds every peer's
//! route to that prefix (the Adj-RIB-In, after import policy) with the Loc-RIB best (and ECMP) paths
//! first, as BIRD keeps a network's routes in one list. A route is a peer id and an interned
//! `Arc<PathAttributes>`; a slot with one route is 24 bytes and an IPv4 entry 32. The pre-policy
//! Adj-RIB-In (`show route detail`, soft reconfiguration) is kept only for peers that ask
//! ([`PeerConfig::keep_pre_policy`]); an Adj-RIB-Out exists only for routes actually sent.
//!
//! Import (per route, [`Rib::update`]): AS-path loop check (RFC 4271 §9.1.2: a route with our AS is
//! ineligible) → RFC 9234 OTC ingress → LOCAL_PREF from the neighbour's role (eBGP) → ROV / ASPA state
//! (when tables are set; invalid routes dropped if the peer asks) → import policy, or RFC 8212's default.
//! Decision: [`crate::decision::best_of`] with deterministic MED, re-run only for the prefixes an event
//! touched. Export (per peer): not back to the sender, no iBGP→iBGP, valley-free
//! ([`policy::may_export`]), well-known communities, OTC egress, eBGP hygiene (MED from another AS
//! dropped, LOCAL_PREF dropped), export policy or RFC 8212's default, then our AS prepended and the next
//! hop set.

mod attributes;
mod export;
pub mod prefix_map;
mod slot;
#[cfg(test)]
mod tests;

pub use attributes::{AttributeTable, PathAttributes};
pub use export::OutgoingUpdates;
pub use prefix_map::PrefixMap;

use crate::decision::{self, Candidate, DecisionConfig};
use crate::family::AddressFamily;
use crate::policy::aspa::{self, AspaState, AspaTable};
use crate::policy::rov::{RoaTable, RovState};
use crate::policy::{self, otc, LocalPrefByRole, PolicyContext, Relationship, Verdict};
use crate::prefix::Prefix;
use crate::wire::{NextHop, Origin};
use slot::RouteSlot;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

/// Identifies a peer in the RIB. [`PeerId::LOCAL`] is the speaker itself (routes it originates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub u32);

impl PeerId {
    /// The speaker's own routes.
    pub const LOCAL: PeerId = PeerId(0);
}

/// The RIB's configuration.
#[derive(Clone, Debug)]
pub struct RibConfig {
    /// Our AS.
    pub local_as: u32,
    /// Our BGP Identifier.
    pub router_id: Ipv4Addr,
    /// The decision process.
    pub decision: DecisionConfig,
    /// Default LOCAL_PREF by neighbour role.
    pub local_pref: LocalPrefByRole,
}

/// One peer as the RIB sees it.
#[derive(Clone, Debug)]
pub struct PeerConfig {
    /// The peer's AS; equal to ours for iBGP.
    pub asn: u32,
    /// The peer's BGP Identifier.
    pub router_id: Ipv4Addr,
    /// The peer's address.
    pub address: IpAddr,
    /// The neighbour's relationship for Gao-Rexford and OTC (eBGP); `None` applies neither (iBGP
    /// peers are always [`Relationship::Internal`]).
    pub relationship: Option<Relationship>,
    /// Import policy; `None` applies RFC 8212 (eBGP: reject everything).
    pub import: Option<Arc<policy::Policy>>,
    /// Export policy; `None` applies RFC 8212 (eBGP: send nothing).
    pub export: Option<Arc<policy::Policy>>,
    /// Keep the routes as received, before import policy.
    pub keep_pre_policy: bool,
    /// NEXT_HOP to send on eBGP (our address on the session); `None` keeps the route's.
    pub next_hop_self: Option<NextHop>,
    /// Drop routes whose origin validation is Invalid (needs [`Rib::set_roa_table`]).
    pub reject_rov_invalid: bool,
    /// Drop routes whose ASPA verification is Invalid (needs [`Rib::set_aspa_table`]).
    pub reject_aspa_invalid: bool,
}

impl PeerConfig {
    /// A peer with no policy, role or options.
    pub fn new(asn: u32, router_id: Ipv4Addr, address: IpAddr) -> Self {
        PeerConfig {
            asn,
            router_id,
            address,
            relationship: None,
            import: None,
            export: None,
            keep_pre_policy: false,
            next_hop_self: None,
            reject_rov_invalid: false,
            reject_aspa_invalid: false,
        }
    }
}

/// A route in the Loc-RIB: who it came from and its attributes (after import policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The peer it came from.
    pub peer: PeerId,
    /// Its attributes.
    pub attributes: Arc<PathAttributes>,
}

/// A change of the best route (or of the ECMP set) of one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The prefix.
    pub prefix: Prefix,
    /// The best route before, `None` when there was none.
    pub old: Option<Route>,
    /// The best route now, `None` when the prefix is gone.
    pub new: Option<Route>,
}

/// Why a RIB operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RibError {
    /// No peer with this id.
    UnknownPeer(PeerId),
}

/// Why a received route was not installed (for counters and `show route rejected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Our AS is in the path (RFC 4271 §9.1.2).
    AsPathLoop,
    /// RFC 9234 §5 route leak.
    RouteLeak(otc::RouteLeak),
    /// ROV Invalid and the peer rejects those.
    RovInvalid,
    /// ASPA Invalid and the peer rejects those.
    AspaInvalid,
    /// Import policy (or RFC 8212's default) rejected it.
    Policy,
}

#[derive(Debug)]
struct Peer {
    config: PeerConfig,
    is_ebgp: bool,
    adj_rib_out: PrefixMap<Arc<PathAttributes>>,
    pre_policy: PrefixMap<Arc<PathAttributes>>,
    rejected: u64,
    /// Routes of this peer in `routes` (accepted by import), IPv4 and IPv6.
    accepted: [usize; 2],
    /// Prefixes the peer announces that import rejected (so received = accepted + filtered without a
    /// per-peer set of everything received).
    filtered: PrefixMap<()>,
    /// Routes of this peer kept over a graceful restart (RFC 4724 §4.2) and not re-announced yet.
    stale: PrefixMap<()>,
}

impl Peer {
    fn new(config: PeerConfig, is_ebgp: bool) -> Peer {
        Peer {
            config,
            is_ebgp,
            adj_rib_out: PrefixMap::new(),
            pre_policy: PrefixMap::new(),
            rejected: 0,
            accepted: [0, 0],
            filtered: PrefixMap::new(),
            stale: PrefixMap::new(),
        }
    }
}

/// Index into [`Peer::accepted`].
fn family_index(prefix: &Prefix) -> usize {
    usize::from(!prefix.is_ipv4())
}

/// The RIB: Adj-RIB-In, Loc-RIB and Adj-RIB-Out of every peer. See the module documentation.
#[derive(Debug)]
pub struct Rib {
    config: RibConfig,
    /// Indexed by [`PeerId`]; slot 0 is the speaker itself.
    peers: Vec<Option<Peer>>,
    attributes: AttributeTable,
    routes: PrefixMap<RouteSlot>,
    roas: Option<Arc<RoaTable>>,
    aspas: Option<Arc<AspaTable>>,
}

/// The [`Candidate`] view of one stored route.
struct RibCandidate<'a> {
    peer_id: PeerId,
    peer: &'a Peer,
    attributes: &'a PathAttributes,
    config: &'a RibConfig,
}

impl Candidate for RibCandidate<'_> {
    fn is_local(&self) -> bool {
        self.peer_id == PeerId::LOCAL
    }
    fn local_pref(&self) -> u32 {
        self.attributes
            .local_pref
            .unwrap_or(self.config.local_pref.unspecified)
    }
    fn as_path_length(&self) -> u32 {
        u32::try_from(self.attributes.as_path.path_length()).unwrap_or(u32::MAX)
    }
    fn origin(&self) -> Origin {
        self.attributes.origin
    }
    fn med(&self) -> Option<u32> {
        self.attributes.med
    }
    fn neighbor_as(&self) -> u32 {
        self.attributes
            .neighbor_as()
            .unwrap_or(self.config.local_as)
    }
    fn is_ebgp(&self) -> bool {
        self.peer.is_ebgp
    }
    fn router_id(&self) -> u32 {
        u32::from(
            self.attributes
                .originator_id
                .unwrap_or(self.peer.config.router_id),
        )
    }
    fn cluster_list_length(&self) -> u32 {
        u32::try_from(self.attributes.cluster_list.len()).unwrap_or(u32::MAX)
    }
    fn peer_address(&self) -> IpAddr {
        self.peer.config.address
    }
    fn peer_asn(&self) -> u32 {
        self.peer.config.asn
    }
}

impl Rib {
    /// An empty RIB with only the speaker itself as [`PeerId::LOCAL`].
    pub fn new(config: RibConfig) -> Rib {
        let mut local = PeerConfig::new(
            config.local_as,
            config.router_id,
            IpAddr::V4(config.router_id),
        );
        local.relationship = None;
        local.import = Some(Arc::new(policy::Policy::accept_all()));
        let local = Peer::new(local, false);
        Rib {
            config,
            peers: vec![Some(local)],
            attributes: AttributeTable::new(),
            routes: PrefixMap::new(),
            roas: None,
            aspas: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RibConfig {
        &self.config
    }

    /// Adds a peer and returns its id. An iBGP peer (same AS) is always [`Relationship::Internal`].
    pub fn add_peer(&mut self, mut config: PeerConfig) -> PeerId {
        let is_ebgp = config.asn != self.config.local_as;
        if !is_ebgp {
            config.relationship = Some(Relationship::Internal);
        }
        let peer = Peer::new(config, is_ebgp);
        match self.peers.iter().skip(1).position(Option::is_none) {
            Some(free) => {
                self.peers[free + 1] = Some(peer);
                PeerId(free as u32 + 1)
            }
            None => {
                self.peers.push(Some(peer));
                PeerId(self.peers.len() as u32 - 1)
            }
        }
    }

    /// Removes a peer and its routes, returning the Loc-RIB changes.
    pub fn remove_peer(&mut self, peer: PeerId) -> Result<Vec<Change>, RibError> {
        let changes = self.peer_down(peer)?;
        if let Some(slot) = self.peers.get_mut(peer.0 as usize) {
            *slot = None;
        }
        Ok(changes)
    }

    /// A peer's configuration.
    pub fn peer(&self, peer: PeerId) -> Option<&PeerConfig> {
        self.peer_state(peer).map(|state| &state.config)
    }

    /// Routes from a peer that import rejected since it was added.
    pub fn rejected_count(&self, peer: PeerId) -> u64 {
        self.peer_state(peer).map_or(0, |state| state.rejected)
    }

    /// Routes from a peer in the RIB now (accepted by import), IPv4 and IPv6 together.
    pub fn accepted_count(&self, peer: PeerId) -> usize {
        self.peer_state(peer)
            .map_or(0, |state| state.accepted.iter().sum())
    }

    /// Prefixes a peer announces now, accepted or not by import, of one family (`ipv6` false: IPv4):
    /// what a maximum-prefix limit counts.
    pub fn received_count(&self, peer: PeerId, ipv6: bool) -> usize {
        self.peer_state(peer).map_or(0, |state| {
            let index = usize::from(ipv6);
            let filtered = if ipv6 {
                state.filtered.ipv6_len()
            } else {
                state.filtered.ipv4_len()
            };
            state.accepted.get(index).copied().unwrap_or(0) + filtered
        })
    }

    /// Every prefix a peer announces now, accepted or not by import, in no particular order (for
    /// marking them stale in an enhanced route refresh, RFC 7313).
    pub fn received_prefixes(&self, peer: PeerId) -> Vec<Prefix> {
        let Some(state) = self.peer_state(peer) else {
            return Vec::new();
        };
        let mut prefixes: Vec<Prefix> = self
            .routes
            .iter()
            .filter(|(_, slot)| slot.find(peer).is_some())
            .map(|(prefix, _)| prefix)
            .collect();
        prefixes.extend(state.filtered.iter().map(|(prefix, _)| prefix));
        prefixes
    }

    /// Every prefix in the Loc-RIB with its best route, IPv4 first, in no particular order within a
    /// family.
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, Route)> + '_ {
        self.routes
            .iter()
            .map(|(prefix, slot)| (prefix, slot.best_route()))
    }

    /// Every prefix in the Loc-RIB, IPv4 first, in no particular order within a family.
    pub fn prefixes(&self) -> impl Iterator<Item = Prefix> + '_ {
        self.routes.iter().map(|(prefix, _)| prefix)
    }

    /// Sets the table that origin validation uses (`None`: no ROV).
    pub fn set_roa_table(&mut self, table: Option<Arc<RoaTable>>) {
        self.roas = table;
    }

    /// Sets the table that ASPA verification uses (`None`: no ASPA).
    pub fn set_aspa_table(&mut self, table: Option<Arc<AspaTable>>) {
        self.aspas = table;
    }

    /// Prefixes in the Loc-RIB.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when the Loc-RIB is empty.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Distinct attribute sets held.
    pub fn attribute_sets(&self) -> usize {
        self.attributes.len()
    }

    /// The Loc-RIB best route to `prefix`.
    pub fn best(&self, prefix: &Prefix) -> Option<Route> {
        self.routes.get(prefix).map(|slot| slot.route(0))
    }

    /// The ECMP set of `prefix`, best first (just the best without ECMP).
    pub fn ecmp(&self, prefix: &Prefix) -> Vec<Route> {
        let Some(slot) = self.routes.get(prefix) else {
            return Vec::new();
        };
        (0..slot.ecmp_count())
            .map(|index| slot.route(index))
            .collect()
    }

    /// Every route to `prefix` (the Adj-RIB-In of every peer, after import policy), best first.
    pub fn routes(&self, prefix: &Prefix) -> Vec<Route> {
        let Some(slot) = self.routes.get(prefix) else {
            return Vec::new();
        };
        (0..slot.len()).map(|index| slot.route(index)).collect()
    }

    /// A peer's route to `prefix` as received, before import policy (kept only with
    /// [`PeerConfig::keep_pre_policy`]).
    pub fn pre_policy(&self, peer: PeerId, prefix: &Prefix) -> Option<Arc<PathAttributes>> {
        self.peer_state(peer)?.pre_policy.get(prefix).cloned()
    }

    /// The attributes last sent to `peer` for `prefix` (its Adj-RIB-Out).
    pub fn advertised(&self, peer: PeerId, prefix: &Prefix) -> Option<Arc<PathAttributes>> {
        self.peer_state(peer)?.adj_rib_out.get(prefix).cloned()
    }

    /// Number of prefixes in a peer's Adj-RIB-Out.
    pub fn advertised_count(&self, peer: PeerId) -> usize {
        self.peer_state(peer)
            .map_or(0, |state| state.adj_rib_out.len())
    }

    /// Applies one UPDATE from `peer`: `withdrawn` prefixes are removed, `announced` prefixes get
    /// `attributes` (as received; import processing runs here). Returns the Loc-RIB changes, one per
    /// prefix whose best route (or ECMP set) changed, in the order the prefixes were given.
    pub fn update(
        &mut self,
        peer: PeerId,
        announced: &[Prefix],
        attributes: &PathAttributes,
        withdrawn: &[Prefix],
    ) -> Result<Vec<Change>, RibError> {
        self.update_cow(peer, announced, Cow::Borrowed(attributes), withdrawn)
    }

    /// [`Rib::update`] with the attributes by value: a speaker that decoded them for this call saves
    /// the copies import would otherwise make.
    pub fn update_owned(
        &mut self,
        peer: PeerId,
        announced: &[Prefix],
        attributes: PathAttributes,
        withdrawn: &[Prefix],
    ) -> Result<Vec<Change>, RibError> {
        self.update_cow(peer, announced, Cow::Owned(attributes), withdrawn)
    }

    fn update_cow(
        &mut self,
        peer: PeerId,
        announced: &[Prefix],
        attributes: Cow<'_, PathAttributes>,
        withdrawn: &[Prefix],
    ) -> Result<Vec<Change>, RibError> {
        let peer_state = self.peer_state(peer).ok_or(RibError::UnknownPeer(peer))?;
        let keep_pre_policy = peer_state.config.keep_pre_policy;
        let mut changes = Vec::with_capacity(announced.len() + withdrawn.len());
        for prefix in withdrawn {
            if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
                if keep_pre_policy {
                    state.pre_policy.remove(prefix);
                }
                if !state.filtered.is_empty() {
                    state.filtered.remove(prefix);
                }
            }
            self.remove_path(peer, prefix, &mut changes);
        }
        if announced.is_empty() {
            return Ok(changes);
        }
        let received = keep_pre_policy.then(|| self.attributes.intern(attributes.as_ref().clone()));
        let prepared = self.prepare_import(peer, attributes);
        let policy_per_prefix = self.policy_per_prefix(peer);
        // Without prefix-dependent policy, import gives every prefix the same result: computed once,
        // with the prepared attributes moved into the table rather than copied.
        let (prepared, shared) = match (policy_per_prefix, prepared, announced.first()) {
            (false, Ok((prepared, aspa_state)), Some(first)) => (
                None,
                Some(self.finish_import_owned(peer, first, prepared, aspa_state)),
            ),
            (_, Err(rejection), _) => (None, Some(Err(rejection))),
            (_, Ok(prepared), _) => (Some(prepared), None),
        };
        for prefix in announced {
            if let Some(received) = &received {
                if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
                    state.pre_policy.insert(prefix, Arc::clone(received));
                }
            }
            // `shared` is the one outcome for every prefix; otherwise policy runs per prefix.
            let outcome = match (&shared, &prepared) {
                (Some(outcome), _) => outcome.clone(),
                (None, Some((prepared, aspa_state))) => {
                    self.finish_import(peer, prefix, prepared, *aspa_state)
                }
                (None, None) => Err(Rejection::Policy),
            };
            match outcome {
                Ok(attributes) => {
                    if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
                        if !state.filtered.is_empty() {
                            state.filtered.remove(prefix);
                        }
                    }
                    self.insert_path(peer, prefix, attributes, &mut changes)
                }
                Err(_) => {
                    if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
                        state.rejected += 1;
                        state.filtered.insert(prefix, ());
                    }
                    self.remove_path(peer, prefix, &mut changes);
                }
            }
        }
        Ok(changes)
    }

    /// Originates `prefixes` with `attributes` (a route of [`PeerId::LOCAL`]; no import policy).
    pub fn originate(&mut self, prefixes: &[Prefix], attributes: &PathAttributes) -> Vec<Change> {
        self.update(PeerId::LOCAL, prefixes, attributes, &[])
            .unwrap_or_default()
    }

    /// Stops originating `prefixes`.
    pub fn withdraw_local(&mut self, prefixes: &[Prefix]) -> Vec<Change> {
        self.update(PeerId::LOCAL, &[], &PathAttributes::default(), prefixes)
            .unwrap_or_default()
    }

    /// The session with `peer` went down: its routes leave the Adj-RIB-In (and the Loc-RIB), its
    /// Adj-RIB-Out is forgotten (a new session starts from nothing). Returns the Loc-RIB changes.
    pub fn peer_down(&mut self, peer: PeerId) -> Result<Vec<Change>, RibError> {
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        state.adj_rib_out.clear();
        state.pre_policy.clear();
        state.filtered.clear();
        state.stale.clear();
        state.accepted = [0, 0];
        let mut changes = Vec::new();
        let (peers, config) = (&self.peers, &self.config);
        self.routes.retain(|prefix, slot| {
            let Some(index) = slot.find(peer) else {
                return true;
            };
            let old = slot.best_route();
            if !slot.remove(index) {
                changes.push(Change {
                    prefix,
                    old: Some(old),
                    new: None,
                });
                return false;
            }
            if let Some(change) = decide(slot, peers, config, prefix, Some(old)) {
                changes.push(change);
            }
            true
        });
        self.attributes.purge();
        Ok(changes)
    }

    /// The session with `peer` went down and the peer restarts gracefully (RFC 4724 §4.2): its routes
    /// of `families` stay in the RIB marked stale (used as before), the others leave as with
    /// [`Rib::peer_down`]; its Adj-RIB-Out is forgotten. Routes already stale stay stale. Returns the
    /// Loc-RIB changes.
    pub fn peer_down_graceful(
        &mut self,
        peer: PeerId,
        families: &[AddressFamily],
    ) -> Result<Vec<Change>, RibError> {
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        state.adj_rib_out.clear();
        state.pre_policy.clear();
        state.filtered.clear();
        let kept = |prefix: &Prefix| families.iter().any(|family| family.afi == prefix.afi());
        let mut dropped = Vec::new();
        let mut stale = Vec::new();
        for (prefix, slot) in self.routes.iter() {
            if slot.find(peer).is_some() {
                if kept(&prefix) {
                    stale.push(prefix);
                } else {
                    dropped.push(prefix);
                }
            }
        }
        if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
            for prefix in &stale {
                state.stale.insert(prefix, ());
            }
        }
        let mut changes = Vec::new();
        for prefix in &dropped {
            self.remove_path(peer, prefix, &mut changes);
        }
        self.attributes.purge();
        Ok(changes)
    }

    /// Marks every route of `peer` of `family` stale (RFC 4724 §4.2); returns how many are stale now.
    pub fn mark_stale(&mut self, peer: PeerId, family: AddressFamily) -> Result<usize, RibError> {
        let prefixes: Vec<Prefix> = self
            .routes
            .iter()
            .filter(|(prefix, slot)| prefix.afi() == family.afi && slot.find(peer).is_some())
            .map(|(prefix, _)| prefix)
            .collect();
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        for prefix in &prefixes {
            state.stale.insert(prefix, ());
        }
        Ok(state.stale.len())
    }

    /// Removes the routes of `peer` of `family` still stale (End-of-RIB received, or a restart or
    /// stale-path timer expired). Returns the Loc-RIB changes.
    pub fn sweep_stale(
        &mut self,
        peer: PeerId,
        family: AddressFamily,
    ) -> Result<Vec<Change>, RibError> {
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        let prefixes: Vec<Prefix> = state
            .stale
            .iter()
            .map(|(prefix, _)| prefix)
            .filter(|prefix| prefix.afi() == family.afi)
            .collect();
        for prefix in &prefixes {
            state.stale.remove(prefix);
        }
        let mut changes = Vec::new();
        for prefix in &prefixes {
            self.remove_path(peer, prefix, &mut changes);
        }
        self.attributes.purge();
        Ok(changes)
    }

    /// True when the route of `peer` to `prefix` is stale (kept over a graceful restart).
    pub fn is_stale(&self, peer: PeerId, prefix: &Prefix) -> bool {
        self.peer_state(peer)
            .is_some_and(|state| state.stale.get(prefix).is_some())
    }

    /// Number of stale routes of `peer`.
    pub fn stale_count(&self, peer: PeerId) -> usize {
        self.peer_state(peer).map_or(0, |state| state.stale.len())
    }

    /// Replaces a peer's configuration (a gracefully restarted peer keeps its id and routes).
    pub fn set_peer_config(
        &mut self,
        peer: PeerId,
        mut config: PeerConfig,
    ) -> Result<(), RibError> {
        let local_as = self.config.local_as;
        let state = self
            .peers
            .get_mut(peer.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(RibError::UnknownPeer(peer))?;
        state.is_ebgp = config.asn != local_as;
        if !state.is_ebgp {
            config.relationship = Some(Relationship::Internal);
        }
        state.config = config;
        Ok(())
    }

    fn peer_state(&self, peer: PeerId) -> Option<&Peer> {
        self.peers.get(peer.0 as usize)?.as_ref()
    }

    /// True when import policy must run once per prefix rather than once per UPDATE.
    fn policy_per_prefix(&self, peer: PeerId) -> bool {
        let Some(state) = self.peer_state(peer) else {
            return false;
        };
        let rov_needed = self.roas.is_some() && state.config.reject_rov_invalid;
        rov_needed
            || state
                .config
                .import
                .as_ref()
                .is_some_and(|policy| policy.depends_on_prefix())
    }

    /// The prefix-independent import steps: loop check, OTC ingress, LOCAL_PREF by role, ASPA.
    fn prepare_import(
        &self,
        peer: PeerId,
        received: Cow<'_, PathAttributes>,
    ) -> Result<(PathAttributes, Option<AspaState>), Rejection> {
        let state = self.peer_state(peer).ok_or(Rejection::Policy)?;
        if peer != PeerId::LOCAL
            && received
                .as_path
                .segments
                .iter()
                .any(|segment| segment.asns.contains(&self.config.local_as))
        {
            return Err(Rejection::AsPathLoop);
        }
        let mut attributes = received.into_owned();
        if peer != PeerId::LOCAL
            && attributes
                .as_path
                .segments
                .iter()
                .any(|segment| segment.asns.contains(&self.config.local_as))
        {
            return Err(Rejection::AsPathLoop);
        }
        let relationship = state.config.relationship;
        if state.is_ebgp {
            if let Some(from) = relationship {
                attributes.only_to_customer =
                    otc::ingress(from, state.config.asn, attributes.only_to_customer)
                        .map_err(Rejection::RouteLeak)?;
            }
            attributes.local_pref = Some(self.config.local_pref.for_relationship(relationship));
        }
        let aspa_state = match (&self.aspas, relationship) {
            (Some(table), Some(from)) if state.is_ebgp => aspa::Direction::for_relationship(from)
                .map(|direction| {
                    let neighbor = (from != Relationship::RouteServer).then_some(state.config.asn);
                    match aspa::path_sequence(&attributes.as_path) {
                        Some(path) => aspa::verify(&**table, &path, direction, neighbor),
                        None => AspaState::Invalid,
                    }
                }),
            _ => None,
        };
        if state.config.reject_aspa_invalid && aspa_state == Some(AspaState::Invalid) {
            return Err(Rejection::AspaInvalid);
        }
        Ok((attributes, aspa_state))
    }

    /// [`Rib::finish_import`] taking the prepared attributes by value, interned without a copy when
    /// the policy leaves them unchanged.
    fn finish_import_owned(
        &mut self,
        peer: PeerId,
        prefix: &Prefix,
        prepared: PathAttributes,
        aspa_state: Option<AspaState>,
    ) -> Result<Arc<PathAttributes>, Rejection> {
        let changed = match self.import_verdict(peer, prefix, &prepared, aspa_state)? {
            Verdict::Accept(Cow::Owned(changed)) => Some(changed),
            Verdict::Accept(Cow::Borrowed(_)) => None,
            Verdict::Reject => return Err(Rejection::Policy),
        };
        Ok(self.attributes.intern(changed.unwrap_or(prepared)))
    }

    /// The per-prefix import steps: ROV, import policy; interns the result.
    fn finish_import(
        &mut self,
        peer: PeerId,
        prefix: &Prefix,
        prepared: &PathAttributes,
        aspa_state: Option<AspaState>,
    ) -> Result<Arc<PathAttributes>, Rejection> {
        match self.import_verdict(peer, prefix, prepared, aspa_state)? {
            Verdict::Accept(attributes) => {
                let attributes = attributes.into_owned();
                Ok(self.attributes.intern(attributes))
            }
            Verdict::Reject => Err(Rejection::Policy),
        }
    }

    /// ROV and the import policy (or RFC 8212's default) for one prefix.
    fn import_verdict<'a>(
        &self,
        peer: PeerId,
        prefix: &Prefix,
        prepared: &'a PathAttributes,
        aspa_state: Option<AspaState>,
    ) -> Result<Verdict<'a>, Rejection> {
        let state = self.peer_state(peer).ok_or(Rejection::Policy)?;
        let rov_state: Option<RovState> = self
            .roas
            .as_ref()
            .map(|table| table.validate(prefix, prepared.origin_as()));
        if state.config.reject_rov_invalid && rov_state == Some(RovState::Invalid) {
            return Err(Rejection::RovInvalid);
        }
        let context = PolicyContext {
            prefix: *prefix,
            local_as: self.config.local_as,
            relationship: state.config.relationship,
            rov: rov_state,
            aspa: aspa_state,
        };
        Ok(match &state.config.import {
            Some(policy) => policy.evaluate(&context, prepared),
            None => match policy::default_action(state.is_ebgp) {
                policy::Action::Accept => Verdict::Accept(Cow::Borrowed(prepared)),
                policy::Action::Reject => Verdict::Reject,
            },
        })
    }

    fn insert_path(
        &mut self,
        peer: PeerId,
        prefix: &Prefix,
        attributes: Arc<PathAttributes>,
        changes: &mut Vec<Change>,
    ) {
        if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
            if !state.stale.is_empty() {
                state.stale.remove(prefix);
            }
        }
        let (peers, config) = (&mut self.peers, &self.config);
        let count = |peers: &mut Vec<Option<Peer>>| {
            if let Some(Some(state)) = peers.get_mut(peer.0 as usize) {
                if let Some(accepted) = state.accepted.get_mut(family_index(prefix)) {
                    *accepted += 1;
                }
            }
        };
        let mut entry = self.routes.entry(prefix);
        let Some(slot) = entry.get_mut() else {
            let slot = entry.insert(RouteSlot::new(peer, attributes));
            changes.push(Change {
                prefix: *prefix,
                old: None,
                new: Some(slot.best_route()),
            });
            count(peers);
            return;
        };
        let old = slot.best_route();
        match slot.find(peer) {
            Some(index) => {
                if Arc::ptr_eq(slot.path(index).1, &attributes) {
                    return;
                }
                slot.replace(index, attributes);
            }
            None => {
                slot.push(peer, attributes);
                count(peers);
            }
        }
        if let Some(change) = decide(slot, peers, config, *prefix, Some(old)) {
            changes.push(change);
        }
    }

    fn remove_path(&mut self, peer: PeerId, prefix: &Prefix, changes: &mut Vec<Change>) {
        let Some(slot) = self.routes.get_mut(prefix) else {
            return;
        };
        let Some(index) = slot.find(peer) else {
            return;
        };
        if let Some(Some(state)) = self.peers.get_mut(peer.0 as usize) {
            if let Some(accepted) = state.accepted.get_mut(family_index(prefix)) {
                *accepted = accepted.saturating_sub(1);
            }
            if !state.stale.is_empty() {
                state.stale.remove(prefix);
            }
        }
        let old = slot.best_route();
        if !slot.remove(index) {
            self.routes.remove(prefix);
            changes.push(Change {
                prefix: *prefix,
                old: Some(old),
                new: None,
            });
            return;
        }
        if let Some(change) = decide(slot, &self.peers, &self.config, *prefix, Some(old)) {
            changes.push(change);
        }
    }
}

/// Re-runs the decision process on one slot, reorders it best (and ECMP) first, and reports a change
/// when the best route or the ECMP set moved.
fn decide(
    slot: &mut RouteSlot,
    peers: &[Option<Peer>],
    config: &RibConfig,
    prefix: Prefix,
    old: Option<Route>,
) -> Option<Change> {
    let old_ecmp = slot.ecmp_signature();
    let candidate = |index: usize| {
        let (peer_id, attributes) = slot.path(index);
        let peer = peers
            .get(peer_id.0 as usize)
            .and_then(Option::as_ref)
            .or_else(|| peers.first().and_then(Option::as_ref));
        peer.map(|peer| RibCandidate {
            peer_id,
            peer,
            attributes,
            config,
        })
    };
    let (ecmp, best);
    let order: &[usize] = if slot.len() == 1 {
        &[0]
    } else if config.decision.max_paths > 1 {
        ecmp = decision::ecmp_of(
            slot.len(),
            |index| Fallible(candidate(index)),
            &config.decision,
        );
        &ecmp
    } else {
        best = decision::best_of(
            slot.len(),
            |index| Fallible(candidate(index)),
            &config.decision,
        );
        best.as_slice()
    };
    slot.promote(order);
    let new = slot.best_route();
    let same_best = old
        .as_ref()
        .is_some_and(|old| old.peer == new.peer && Arc::ptr_eq(&old.attributes, &new.attributes));
    if same_best && slot.ecmp_signature() == old_ecmp {
        return None;
    }
    Some(Change {
        prefix,
        old,
        new: Some(new),
    })
}

/// A candidate whose peer may be missing (never, for a consistent RIB); a missing one ranks last.
struct Fallible<'a>(Option<RibCandidate<'a>>);

impl Candidate for Fallible<'_> {
    fn is_local(&self) -> bool {
        self.0.as_ref().is_some_and(Candidate::is_local)
    }
    fn local_pref(&self) -> u32 {
        self.0.as_ref().map_or(0, Candidate::local_pref)
    }
    fn as_path_length(&self) -> u32 {
        self.0.as_ref().map_or(u32::MAX, Candidate::as_path_length)
    }
    fn origin(&self) -> Origin {
        self.0
            .as_ref()
            .map_or(Origin::Incomplete, Candidate::origin)
    }
    fn med(&self) -> Option<u32> {
        self.0.as_ref().and_then(Candidate::med)
    }
    fn neighbor_as(&self) -> u32 {
        self.0.as_ref().map_or(0, Candidate::neighbor_as)
    }
    fn is_ebgp(&self) -> bool {
        self.0.as_ref().is_some_and(Candidate::is_ebgp)
    }
    fn router_id(&self) -> u32 {
        self.0.as_ref().map_or(u32::MAX, Candidate::router_id)
    }
    fn cluster_list_length(&self) -> u32 {
        self.0
            .as_ref()
            .map_or(u32::MAX, Candidate::cluster_list_length)
    }
    fn peer_address(&self) -> IpAddr {
        self.0.as_ref().map_or(
            IpAddr::V6(std::net::Ipv6Addr::from(u128::MAX)),
            Candidate::peer_address,
        )
    }
    fn peer_asn(&self) -> u32 {
        self.0.as_ref().map_or(u32::MAX, Candidate::peer_asn)
    }
}
