//! The router task: owns the RIB (`globe_bgp::rib::Rib`), takes decoded UPDATEs and session events from
//! the session tasks, runs import, decision and export through the RIB, packs what each peer must be
//! sent into UPDATEs (`globe_bgp::pack`), and hands the bytes to the sessions. It also originates the
//! configured prefixes (the health engine drives them through [`RouterHandle`]), installs best routes in
//! the kernel FIB, writes MRT files, and answers `show` queries.
//!
//! One task, one owner: every RIB change happens here, in message order, so there is no locking.

use crate::config::{Config, Neighbor};
use crate::fib::FibHandle;
use crate::mrt::MrtLog;
use crate::session::{Credit, SessionCommand};
use crate::status::StatusTable;
use globe_bgp::decision::{self, Candidate};
use globe_bgp::fsm::Negotiated;
use globe_bgp::pack::{self, NextHops};
use globe_bgp::policy::LocalPrefByRole;
use globe_bgp::restart::RestartHelper;
use globe_bgp::rib::{Change, PathAttributes, PeerConfig, PeerId, Rib, RibConfig, Route};
use globe_bgp::wire::{
    AttributeAction, Community, EncodeOptions, Message, NextHop, Origin, RouteRefresh,
    RouteRefreshSubtype, Update,
};
use globe_bgp::{AddressFamily, Prefix};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};

/// How long shutdown waits for the sessions to write the final withdrawals.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Commands to the router task.
#[derive(Debug)]
pub(crate) enum ToRouter {
    /// A session reached Established.
    Up(Box<SessionUp>),
    /// A well-formed UPDATE (or one RFC 7606 lets us survive) from an established session.
    Update {
        neighbor: usize,
        generation: u64,
        update: Update,
        action: Option<AttributeAction>,
        raw: Vec<u8>,
        /// Holds the UPDATE's bytes against its connection's read budget until it is processed.
        credit: Credit,
    },
    /// A ROUTE-REFRESH from an established session.
    RouteRefresh {
        neighbor: usize,
        generation: u64,
        refresh: RouteRefresh,
    },
    /// The session left Established; `graceful` when without a NOTIFICATION (graceful restart may
    /// apply, RFC 4724 §4.2).
    Down {
        neighbor: usize,
        generation: u64,
        graceful: bool,
    },
    /// Announce an originated prefix (health up).
    Announce(Prefix),
    /// Withdraw an originated prefix (health down).
    Withdraw(Prefix),
    /// Announce an originated prefix with our AS prepended this many extra times (drain).
    SetPrepend(Prefix, u8),
    /// A question from the control socket or the metrics endpoint.
    Query(Query, oneshot::Sender<Value>),
    /// Withdraw everything we originate, wait until the sessions wrote it, then answer.
    Shutdown(oneshot::Sender<()>),
}

/// What a session reports when it comes up.
#[derive(Debug)]
pub(crate) struct SessionUp {
    pub neighbor: usize,
    pub generation: u64,
    pub negotiated: Negotiated,
    pub local: SocketAddr,
    pub remote: SocketAddr,
}

/// Questions the router answers with JSON.
#[derive(Clone, Debug)]
pub enum Query {
    /// Every neighbour, with route counts.
    Neighbors,
    /// Best routes, all or the longest match of a prefix.
    Routes(Option<Prefix>),
    /// Every candidate for one prefix, pre- and post-policy, which is best and why.
    RouteDetail(Prefix),
    /// Numbers for the metrics endpoint.
    Metrics,
}

/// The handle other parts of globe use to drive the speaker's originated prefixes (the health engine)
/// and to query it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RouterHandle {
    sender: mpsc::UnboundedSender<ToRouter>,
}

impl RouterHandle {
    pub(crate) fn new(sender: mpsc::UnboundedSender<ToRouter>) -> Self {
        RouterHandle { sender }
    }

    /// Announces `prefix` (one of the configured `[[originate]]` prefixes) without prepending.
    pub fn announce(&self, prefix: Prefix) {
        let _ = self.sender.send(ToRouter::Announce(prefix));
    }

    /// Withdraws `prefix` from every peer.
    pub fn withdraw(&self, prefix: Prefix) {
        let _ = self.sender.send(ToRouter::Withdraw(prefix));
    }

    /// Announces `prefix` with our AS prepended `count` extra times (0 is a plain announcement).
    pub fn set_prepend(&self, prefix: Prefix, count: u8) {
        let _ = self.sender.send(ToRouter::SetPrepend(prefix, count));
    }

    /// Asks the router a question; `None` when it has stopped.
    pub async fn query(&self, query: Query) -> Option<Value> {
        let (reply, answer) = oneshot::channel();
        self.sender.send(ToRouter::Query(query, reply)).ok()?;
        answer.await.ok()
    }

    pub(crate) fn send(&self, message: ToRouter) {
        let _ = self.sender.send(message);
    }
}

/// One configured prefix we originate and its current announcement.
#[derive(Clone, Debug)]
struct Origination {
    /// Index into `config.originate`.
    entry: usize,
    /// Announced now.
    announced: bool,
    /// Extra prepends now.
    prepend: u8,
}

/// An established session as the router sees it.
#[derive(Debug)]
struct Established {
    generation: u64,
    peer: PeerId,
    options: EncodeOptions,
    negotiated: Negotiated,
    local: SocketAddr,
    remote: SocketAddr,
    /// During an enhanced route refresh (RFC 7313 §4): the routes not re-announced yet.
    stale: Option<HashSet<Prefix>>,
    /// Our own next hops on this session.
    self_next_hops: NextHops,
    /// Rewrite the next hop to ourselves.
    next_hop_self: bool,
}

/// A neighbour restarting gracefully (RFC 4724 §4.2, helper side): its RIB peer, kept with its stale
/// routes across the sessions, and the timers.
#[derive(Debug)]
struct Restart {
    peer: PeerId,
    helper: RestartHelper,
}

/// The router task's state.
pub(crate) struct Router {
    config: Arc<Config>,
    rib: Rib,
    sessions: Vec<mpsc::UnboundedSender<SessionCommand>>,
    established: Vec<Option<Established>>,
    /// Per neighbour, the graceful restart in progress.
    restarts: Vec<Option<Restart>>,
    originated: BTreeMap<Prefix, Origination>,
    status: StatusTable,
    fib: Option<FibHandle>,
    mrt: MrtLog,
}

impl Router {
    /// A router for `config`, talking to the session tasks through `sessions` (indexed like
    /// `config.neighbor`).
    pub(crate) fn new(
        config: Arc<Config>,
        sessions: Vec<mpsc::UnboundedSender<SessionCommand>>,
        status: StatusTable,
        fib: Option<FibHandle>,
        mrt: MrtLog,
    ) -> Self {
        let rib = Rib::new(RibConfig {
            local_as: config.asn,
            router_id: config.router_id,
            decision: decision::DecisionConfig::default(),
            local_pref: LocalPrefByRole::default(),
        });
        let mut originated = BTreeMap::new();
        for (entry, originate) in config.originate.iter().enumerate() {
            originated.insert(
                originate.prefix,
                Origination {
                    entry,
                    announced: false,
                    prepend: 0,
                },
            );
        }
        let established = sessions.iter().map(|_| None).collect();
        let restarts = sessions.iter().map(|_| None).collect();
        Router {
            config,
            rib,
            sessions,
            established,
            restarts,
            originated,
            status,
            fib,
            mrt,
        }
    }

    /// Runs until the channel closes or a shutdown completes.
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<ToRouter>) {
        let initial: Vec<(Prefix, bool)> = self
            .config
            .originate
            .iter()
            // A prefix with a condition is the announcer's to announce (after its first check).
            .map(|originate| {
                (
                    originate.prefix,
                    originate.announce && originate.condition.is_none(),
                )
            })
            .collect();
        for (prefix, announce) in initial {
            if announce {
                self.set_origination(prefix, true, 0);
            }
        }
        let mut dump_timer = self.mrt.dump_interval().map(tokio::time::interval);
        let mut flush_timer = tokio::time::interval(Duration::from_secs(1));
        loop {
            let restart_deadline = self.restart_deadline();
            let command = tokio::select! {
                command = commands.recv() => command,
                _ = async { match restart_deadline { Some(deadline) => tokio::time::sleep_until(deadline.into()).await, None => std::future::pending().await } } => {
                    self.restart_timers(std::time::Instant::now());
                    continue;
                }
                _ = async { match dump_timer.as_mut() { Some(timer) => { timer.tick().await; } None => std::future::pending().await } } => {
                    self.dump_rib();
                    continue;
                }
                _ = flush_timer.tick() => {
                    self.mrt.flush();
                    continue;
                }
            };
            let Some(command) = command else { break };
            match command {
                ToRouter::Up(up) => self.session_up(*up),
                ToRouter::Update {
                    neighbor,
                    generation,
                    update,
                    action,
                    raw,
                    credit: _credit,
                } => self.receive_update(neighbor, generation, update, action, &raw),
                ToRouter::RouteRefresh {
                    neighbor,
                    generation,
                    refresh,
                } => self.receive_refresh(neighbor, generation, refresh),
                ToRouter::Down {
                    neighbor,
                    generation,
                    graceful,
                } => self.session_down(neighbor, generation, graceful),
                ToRouter::Announce(prefix) => self.set_origination(prefix, true, 0),
                ToRouter::Withdraw(prefix) => self.set_origination(prefix, false, 0),
                ToRouter::SetPrepend(prefix, count) => self.set_origination(prefix, true, count),
                ToRouter::Query(query, reply) => {
                    let _ = reply.send(self.answer(&query));
                }
                ToRouter::Shutdown(done) => {
                    self.shutdown().await;
                    let _ = done.send(());
                    break;
                }
            }
        }
        self.mrt.flush();
    }

    // ---- Sessions.

    fn session_up(&mut self, up: SessionUp) {
        let Some(neighbor) = self.config.neighbor.get(up.neighbor).cloned() else {
            return;
        };
        // A Down for the previous generation may not have arrived (the session task sends them in order,
        // so this is only defensive).
        if self
            .established
            .get(up.neighbor)
            .is_some_and(Option::is_some)
        {
            self.session_down(up.neighbor, u64::MAX, false);
        }
        let mut peer_config = PeerConfig::new(
            up.negotiated.peer_asn,
            up.negotiated.peer_router_id,
            up.remote.ip(),
        );
        peer_config.relationship = neighbor.relationship(self.config.asn);
        peer_config.import = self.config.resolve_policy(neighbor.import.as_ref());
        peer_config.export = self.config.resolve_policy(neighbor.export.as_ref());
        peer_config.keep_pre_policy = neighbor.keep_pre_policy;
        // A gracefully restarting neighbour keeps its RIB peer (and stale routes); families it no
        // longer preserves are swept now (RFC 4724 §4.2).
        let restart = self.restarts.get_mut(up.neighbor).and_then(Option::take);
        let peer = match restart {
            Some(mut restart) => {
                let sweep = restart.helper.session_up(
                    up.negotiated.peer_graceful_restart.as_ref(),
                    std::time::Instant::now(),
                );
                let peer = restart.peer;
                if self.rib.set_peer_config(peer, peer_config.clone()).is_ok() {
                    tracing::info!(
                        neighbor = %neighbor.address,
                        swept = ?sweep,
                        waiting = ?restart.helper.families(),
                        "graceful restart: neighbour back"
                    );
                    for family in sweep {
                        if let Ok(changes) = self.rib.sweep_stale(peer, family) {
                            self.distribute(&changes);
                        }
                    }
                    if !restart.helper.is_done() {
                        if let Some(slot) = self.restarts.get_mut(up.neighbor) {
                            *slot = Some(restart);
                        }
                    }
                    peer
                } else {
                    self.rib.add_peer(peer_config)
                }
            }
            None => self.rib.add_peer(peer_config),
        };
        let options = EncodeOptions {
            four_octet_asn: up.negotiated.four_octet_asn,
            extended_message: up.negotiated.extended_message,
            mrt_rib_family: None,
        };
        let self_next_hops = self_next_hops(&neighbor, up.local.ip());
        let next_hop_self = neighbor
            .next_hop_self
            .unwrap_or(!neighbor.is_internal(self.config.asn));
        let families = up.negotiated.families.clone();
        if let Some(slot) = self.established.get_mut(up.neighbor) {
            *slot = Some(Established {
                generation: up.generation,
                peer,
                options,
                negotiated: up.negotiated,
                local: up.local,
                remote: up.remote,
                stale: None,
                self_next_hops,
                next_hop_self,
            });
        }
        self.mrt.peer_up(
            up.neighbor,
            up.remote.ip(),
            up.local.ip(),
            neighbor.asn,
            peer,
        );
        // The initial table, then End-of-RIB per family (RFC 4724 §2).
        if let Ok(outgoing) = self.rib.refresh(peer) {
            self.send_outgoing(up.neighbor, outgoing);
        }
        let markers: Vec<Vec<u8>> = families
            .iter()
            .filter_map(|family| {
                Message::Update(pack::end_of_rib(*family))
                    .to_bytes(&options)
                    .ok()
            })
            .collect();
        self.send(up.neighbor, markers, false);
    }

    fn session_down(&mut self, neighbor: usize, generation: u64, graceful: bool) {
        let Some(slot) = self.established.get_mut(neighbor) else {
            return;
        };
        match slot {
            Some(established) if generation == u64::MAX || established.generation == generation => {
            }
            _ => return,
        }
        let Some(established) = slot.take() else {
            return;
        };
        let helper = RestartHelper::session_down(
            established.negotiated.peer_graceful_restart.as_ref(),
            &established.negotiated.families,
            !graceful,
            std::time::Instant::now(),
        );
        // A restart already in progress (down again before End-of-RIB) is replaced by this one.
        if let Some(slot) = self.restarts.get_mut(neighbor) {
            *slot = None;
        }
        match helper {
            Some(helper) => {
                let families = helper.families();
                tracing::info!(
                    neighbor = neighbor,
                    families = ?families,
                    "graceful restart: keeping the neighbour's routes as stale"
                );
                if let Ok(changes) = self.rib.peer_down_graceful(established.peer, &families) {
                    self.distribute(&changes);
                }
                if let Some(slot) = self.restarts.get_mut(neighbor) {
                    *slot = Some(Restart {
                        peer: established.peer,
                        helper,
                    });
                }
            }
            None => {
                if let Ok(changes) = self.rib.remove_peer(established.peer) {
                    self.distribute(&changes);
                }
            }
        }
        self.mrt.peer_down(neighbor);
    }

    /// The earliest graceful restart deadline (restart or stale-path timer).
    fn restart_deadline(&self) -> Option<std::time::Instant> {
        self.restarts
            .iter()
            .flatten()
            .filter_map(|restart| restart.helper.next_deadline())
            .min()
    }

    /// Fires the graceful restart timers due at `now`: stale routes of the expired families go; a
    /// neighbour still down with nothing stale left leaves the RIB.
    fn restart_timers(&mut self, now: std::time::Instant) {
        for neighbor in 0..self.restarts.len() {
            let Some(Some(restart)) = self.restarts.get_mut(neighbor) else {
                continue;
            };
            let sweep = restart.helper.poll(now);
            if sweep.is_empty() {
                continue;
            }
            let peer = restart.peer;
            let done = restart.helper.is_done();
            tracing::info!(neighbor, families = ?sweep, "graceful restart: timer expired, stale routes removed");
            for family in sweep {
                if let Ok(changes) = self.rib.sweep_stale(peer, family) {
                    self.distribute(&changes);
                }
            }
            if done {
                if let Some(slot) = self.restarts.get_mut(neighbor) {
                    *slot = None;
                }
                let up = self
                    .established
                    .get(neighbor)
                    .and_then(Option::as_ref)
                    .is_some_and(|established| established.peer == peer);
                if !up {
                    if let Ok(changes) = self.rib.remove_peer(peer) {
                        self.distribute(&changes);
                    }
                }
            }
        }
    }

    /// End-of-RIB for `family` from `neighbor`'s session: a graceful restart waiting for it removes the
    /// routes still stale.
    fn end_of_rib(&mut self, neighbor: usize, peer: PeerId, family: AddressFamily) {
        let Some(Some(restart)) = self.restarts.get_mut(neighbor) else {
            return;
        };
        if restart.peer != peer || !restart.helper.end_of_rib(family) {
            return;
        }
        if restart.helper.is_done() {
            if let Some(slot) = self.restarts.get_mut(neighbor) {
                *slot = None;
            }
        }
        tracing::info!(neighbor, %family, "graceful restart: End-of-RIB, stale routes removed");
        if let Ok(changes) = self.rib.sweep_stale(peer, family) {
            self.distribute(&changes);
        }
    }

    fn receive_update(
        &mut self,
        neighbor: usize,
        generation: u64,
        update: Update,
        action: Option<AttributeAction>,
        raw: &[u8],
    ) {
        let Some(Some(established)) = self.established.get_mut(neighbor) else {
            return;
        };
        if established.generation != generation {
            return;
        }
        self.mrt
            .update_received(neighbor, established.options.four_octet_asn, raw, &update);
        if let Some(family) = update.end_of_rib() {
            let peer = established.peer;
            self.end_of_rib(neighbor, peer, family);
            return;
        }
        let families = &established.negotiated.families;
        let ipv4 = families.contains(&AddressFamily::IPV4_UNICAST);
        let ipv6 = families.contains(&AddressFamily::IPV6_UNICAST);
        let wanted = |prefix: &Prefix| if prefix.is_ipv4() { ipv4 } else { ipv6 };
        let mut update = update;
        // The NLRI field (IPv4) is taken as decoded; MP_REACH_NLRI's prefixes are added.
        let mut announced = std::mem::take(&mut update.nlri);
        announced.retain(|prefix| wanted(prefix));
        if let Some(reach) = update.mp_reach() {
            announced.extend(reach.nlri.prefixes().iter().filter(|p| wanted(p)));
        }
        let mut withdrawn: Vec<Prefix> = update.withdrawals().filter(|p| wanted(p)).collect();
        if action == Some(AttributeAction::TreatAsWithdraw) {
            // RFC 7606 §2: every prefix of the UPDATE is withdrawn, the session stays up.
            withdrawn.append(&mut announced);
        }
        if let Some(stale) = established.stale.as_mut() {
            for prefix in withdrawn.iter().chain(&announced) {
                stale.remove(prefix);
            }
        }
        let peer = established.peer;
        let changes = if announced.is_empty() {
            self.rib
                .update(peer, &[], &PathAttributes::default(), &withdrawn)
        } else {
            let attributes =
                PathAttributes::from_wire_owned(std::mem::take(&mut update.attributes));
            self.rib
                .update_owned(peer, &announced, attributes, &withdrawn)
        };
        if let Ok(changes) = changes {
            self.distribute(&changes);
        }
        // Maximum prefixes (RFC 4486 §4), counted before import policy: the session machine sends the
        // Cease and closes.
        if let Some(limit) = self
            .config
            .neighbor
            .get(neighbor)
            .and_then(|n| n.max_prefix)
        {
            let over = [
                (
                    AddressFamily::IPV4_UNICAST,
                    self.rib.received_count(peer, false),
                ),
                (
                    AddressFamily::IPV6_UNICAST,
                    self.rib.received_count(peer, true),
                ),
            ]
            .into_iter()
            .find(|&(_, count)| count > limit.limit as usize);
            if let Some((family, _)) = over {
                if let Some(session) = self.sessions.get(neighbor) {
                    let _ = session.send(SessionCommand::PrefixLimit {
                        generation,
                        family,
                        limit: limit.limit,
                    });
                }
            }
        }
    }

    fn receive_refresh(&mut self, neighbor: usize, generation: u64, refresh: RouteRefresh) {
        let Some(Some(established)) = self.established.get_mut(neighbor) else {
            return;
        };
        if established.generation != generation {
            return;
        }
        match refresh.subtype {
            RouteRefreshSubtype::Request => {
                let enhanced = established.negotiated.enhanced_route_refresh;
                let options = established.options;
                let peer = established.peer;
                let family = refresh.family;
                let marker = |subtype| {
                    Message::RouteRefresh(RouteRefresh { family, subtype })
                        .to_bytes(&options)
                        .ok()
                };
                if enhanced {
                    // RFC 7313 §4: BoRR, the whole Adj-RIB-Out, EoRR.
                    let begin = marker(RouteRefreshSubtype::BeginningOfRefresh);
                    self.send(neighbor, begin.into_iter().collect(), false);
                }
                if let Ok(mut outgoing) = self.rib.refresh(peer) {
                    let of_family = |prefix: &Prefix| {
                        family
                            == if prefix.is_ipv4() {
                                AddressFamily::IPV4_UNICAST
                            } else {
                                AddressFamily::IPV6_UNICAST
                            }
                    };
                    outgoing.withdrawn.retain(|prefix| of_family(prefix));
                    for (_, prefixes) in outgoing.announced.iter_mut() {
                        prefixes.retain(|prefix| of_family(prefix));
                    }
                    outgoing
                        .announced
                        .retain(|(_, prefixes)| !prefixes.is_empty());
                    self.send_outgoing(neighbor, outgoing);
                }
                if enhanced {
                    let end = marker(RouteRefreshSubtype::EndOfRefresh);
                    self.send(neighbor, end.into_iter().collect(), false);
                }
            }
            RouteRefreshSubtype::BeginningOfRefresh => {
                // RFC 7313 §4: every route of the family is stale until re-announced or EoRR.
                let family = refresh.family;
                let stale: HashSet<Prefix> = self
                    .rib
                    .received_prefixes(established.peer)
                    .into_iter()
                    .filter(|prefix| prefix.afi() == family.afi)
                    .collect();
                established.stale = Some(stale);
            }
            RouteRefreshSubtype::EndOfRefresh => {
                let Some(stale) = established.stale.take() else {
                    return;
                };
                let stale: Vec<Prefix> = stale.into_iter().collect();
                let peer = established.peer;
                if let Ok(changes) = self
                    .rib
                    .update(peer, &[], &PathAttributes::default(), &stale)
                {
                    self.distribute(&changes);
                }
            }
            RouteRefreshSubtype::Unknown(_) => {}
        }
    }

    // ---- Origination.

    /// Sets one originated prefix's announcement; unknown prefixes are ignored with a log line.
    fn set_origination(&mut self, prefix: Prefix, announced: bool, prepend: u8) {
        let Some(origination) = self.originated.get_mut(&prefix) else {
            tracing::warn!(%prefix, "not a configured [[originate]] prefix; ignored");
            return;
        };
        if origination.announced == announced && origination.prepend == prepend && announced {
            return;
        }
        origination.announced = announced;
        origination.prepend = prepend;
        let entry = origination.entry;
        let changes = if announced {
            let attributes = self.local_attributes(entry, prepend, false);
            self.rib.originate(&[prefix], &attributes)
        } else {
            self.rib.withdraw_local(&[prefix])
        };
        tracing::info!(%prefix, announced, prepend, "origination changed");
        self.distribute(&changes);
    }

    /// The attributes of an originated prefix.
    fn local_attributes(
        &self,
        entry: usize,
        prepend: u8,
        graceful_shutdown: bool,
    ) -> PathAttributes {
        let mut attributes = PathAttributes::default();
        let Some(originate) = self.config.originate.get(entry) else {
            return attributes;
        };
        attributes.origin = Origin::Igp;
        attributes.next_hop = originate.next_hop.map(|address| match address {
            IpAddr::V4(v4) => NextHop::Ipv4(v4),
            IpAddr::V6(v6) => NextHop::Ipv6 {
                global: v6,
                link_local: None,
            },
        });
        attributes.med = originate.med;
        attributes.local_pref = originate.local_pref;
        attributes.communities = originate.communities.clone();
        attributes.large_communities = originate.large_communities.clone();
        if prepend > 0 {
            attributes.prepend(self.config.asn, usize::from(prepend));
        }
        if graceful_shutdown {
            // RFC 8326 §4: the community, and LOCAL_PREF 0 inside our AS.
            if !attributes
                .communities
                .contains(&Community::GRACEFUL_SHUTDOWN)
            {
                attributes.communities.push(Community::GRACEFUL_SHUTDOWN);
            }
            attributes.local_pref = Some(0);
        }
        attributes
    }

    // ---- Export.

    /// Sends every established peer what `changes` mean for it, and updates the FIB.
    fn distribute(&mut self, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        for change in changes {
            match &change.new {
                Some(route) => {
                    if let Some(fib) = &self.fib {
                        match kernel_next_hop(change.prefix, route) {
                            Some(gateway) => fib.replace(change.prefix, gateway),
                            None if change.old.is_some() => fib.remove(change.prefix),
                            None => {}
                        }
                    }
                }
                None => {
                    if let Some(fib) = &self.fib {
                        if change
                            .old
                            .as_ref()
                            .is_some_and(|old| old.peer != PeerId::LOCAL)
                        {
                            fib.remove(change.prefix);
                        }
                    }
                }
            }
        }
        for neighbor in 0..self.established.len() {
            let Some(Some(established)) = self.established.get(neighbor) else {
                continue;
            };
            let peer = established.peer;
            if let Ok(outgoing) = self.rib.export(peer, changes) {
                self.send_outgoing(neighbor, outgoing);
            }
        }
    }

    /// Packs and sends one peer's share of a change.
    fn send_outgoing(&mut self, neighbor: usize, outgoing: globe_bgp::rib::OutgoingUpdates) {
        if outgoing.is_empty() {
            return;
        }
        let Some(Some(established)) = self.established.get(neighbor) else {
            return;
        };
        let options = established.options;
        let mut messages = pack::withdrawals(&outgoing.withdrawn, &options);
        for (attributes, prefixes) in &outgoing.announced {
            let next_hops = if established.next_hop_self {
                established.self_next_hops.clone()
            } else {
                route_next_hops(attributes.next_hop.as_ref(), &established.self_next_hops)
            };
            let (packed, errors) =
                pack::announcements(&attributes.to_wire(), &next_hops, prefixes, &options);
            for error in errors {
                tracing::warn!(neighbor = %established.remote, ?error, "routes not sent");
            }
            messages.extend(packed);
        }
        self.send(neighbor, messages, true);
    }

    /// Hands encoded messages to a session; `updates` counts them as UPDATEs.
    fn send(&self, neighbor: usize, messages: Vec<Vec<u8>>, _updates: bool) {
        if messages.is_empty() {
            return;
        }
        let Some(Some(established)) = self.established.get(neighbor) else {
            return;
        };
        if let Some(session) = self.sessions.get(neighbor) {
            let _ = session.send(SessionCommand::Send {
                generation: established.generation,
                messages,
            });
        }
    }

    // ---- Shutdown.

    async fn shutdown(&mut self) {
        let announced: Vec<(Prefix, usize, u8)> = self
            .originated
            .iter()
            .filter(|(_, origination)| origination.announced)
            .map(|(prefix, origination)| (*prefix, origination.entry, origination.prepend))
            .collect();
        let grace = self.config.graceful_shutdown_seconds;
        if grace > 0 && !announced.is_empty() {
            // RFC 8326: re-announce with GRACEFUL_SHUTDOWN so peers move traffic away first.
            for (prefix, entry, prepend) in &announced {
                let attributes = self.local_attributes(*entry, *prepend, true);
                let changes = self.rib.originate(&[*prefix], &attributes);
                self.distribute(&changes);
            }
            tracing::info!(
                seconds = grace,
                "graceful shutdown: GRACEFUL_SHUTDOWN announced"
            );
            self.flush_sessions().await;
            tokio::time::sleep(Duration::from_secs(grace)).await;
        }
        let prefixes: Vec<Prefix> = announced.iter().map(|(prefix, _, _)| *prefix).collect();
        for origination in self.originated.values_mut() {
            origination.announced = false;
        }
        let changes = self.rib.withdraw_local(&prefixes);
        self.distribute(&changes);
        tracing::info!(prefixes = prefixes.len(), "withdrawn for shutdown");
        self.flush_sessions().await;
        if let Some(fib) = &self.fib {
            fib.flush().await;
        }
        self.mrt.flush();
    }

    /// Waits until every established session has written what it was given.
    async fn flush_sessions(&self) {
        let mut waits = Vec::new();
        for (neighbor, established) in self.established.iter().enumerate() {
            if established.is_none() {
                continue;
            }
            if let Some(session) = self.sessions.get(neighbor) {
                let (done, wait) = oneshot::channel();
                if session.send(SessionCommand::Flush(done)).is_ok() {
                    waits.push(wait);
                }
            }
        }
        let all = async {
            for wait in waits {
                let _ = wait.await;
            }
        };
        if tokio::time::timeout(FLUSH_TIMEOUT, all).await.is_err() {
            tracing::warn!("some sessions did not write the withdrawals in time");
        }
    }

    // ---- MRT.

    fn dump_rib(&mut self) {
        let peers: Vec<(PeerId, IpAddr, u32, Ipv4Addr)> = self
            .established
            .iter()
            .flatten()
            .map(|established| {
                (
                    established.peer,
                    established.remote.ip(),
                    established.negotiated.peer_asn,
                    established.negotiated.peer_router_id,
                )
            })
            .collect();
        let routes = self
            .sorted_prefixes()
            .into_iter()
            .map(|prefix| (prefix, self.rib.routes(&prefix)));
        self.mrt
            .dump_rib(self.config.router_id, self.config.asn, &peers, routes);
    }

    // ---- Queries.

    fn answer(&self, query: &Query) -> Value {
        match query {
            Query::Neighbors => self.neighbors_json(),
            Query::Routes(prefix) => {
                let prefixes: Vec<Prefix> = match prefix {
                    None => self.sorted_prefixes(),
                    Some(prefix) => self.longest_match(prefix).into_iter().collect(),
                };
                let routes: Vec<Value> = prefixes
                    .iter()
                    .filter_map(|prefix| {
                        let best = self.rib.best(prefix)?;
                        Some(self.route_json(prefix, &best.peer, &best.attributes))
                    })
                    .collect();
                json!({ "routes": routes })
            }
            Query::RouteDetail(prefix) => self.detail_json(prefix),
            Query::Metrics => {
                let mut value = self.neighbors_json();
                if let Some(object) = value.as_object_mut() {
                    object.insert("rib_prefixes".into(), json!(self.rib.len()));
                    object.insert("attribute_sets".into(), json!(self.rib.attribute_sets()));
                }
                value
            }
        }
    }

    /// Every prefix in the Loc-RIB, in order.
    fn sorted_prefixes(&self) -> Vec<Prefix> {
        let mut prefixes: Vec<Prefix> = self.rib.prefixes().collect();
        prefixes.sort_unstable();
        prefixes
    }

    fn longest_match(&self, prefix: &Prefix) -> Option<Prefix> {
        (0..=prefix.length()).rev().find_map(|length| {
            let candidate = Prefix::new_truncating(prefix.address(), length).ok()?;
            self.rib.best(&candidate).map(|_| candidate)
        })
    }

    fn neighbors_json(&self) -> Value {
        let status = self.status.snapshot();
        let now = std::time::Instant::now();
        let neighbors: Vec<Value> = status
            .iter()
            .enumerate()
            .map(|(index, status)| {
                let established = self.established.get(index).and_then(Option::as_ref);
                let (received, accepted, advertised) = match established {
                    Some(established) => {
                        let peer = established.peer;
                        (
                            self.rib.received_count(peer, false)
                                + self.rib.received_count(peer, true),
                            self.rib.accepted_count(peer),
                            self.rib.advertised_count(peer),
                        )
                    }
                    None => (0, 0, 0),
                };
                let uptime = status
                    .established_at
                    .map(|(since, _)| now.saturating_duration_since(since).as_secs());
                json!({
                    "address": status.address.to_string(),
                    "asn": status.asn,
                    "description": status.description,
                    "state": status.state.to_string(),
                    "uptime_seconds": uptime,
                    "established_since": status.established_at.map(|(_, wall)| wall
                        .duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)),
                    "router_id": established.map(|e| e.negotiated.peer_router_id.to_string()),
                    "local_address": established.map(|e| e.local.to_string()),
                    "hold_time": established.map(|e| e.negotiated.hold_time),
                    "four_octet_asn": established.map(|e| e.negotiated.four_octet_asn),
                    "families": established.map(|e| e.negotiated.families.iter().map(ToString::to_string).collect::<Vec<_>>()),
                    "prefixes_received": received,
                    "prefixes_accepted": accepted,
                    "prefixes_advertised": advertised,
                    "updates_in": status.updates_in,
                    "updates_out": status.updates_out,
                    "notifications_in": status.notifications_in,
                    "notifications_out": status.notifications_out,
                    "refreshes_in": status.refreshes_in,
                    "attribute_errors": status.attribute_errors,
                    "established_count": status.established_count,
                    "last_error": status.last_error,
                    "graceful_restart": self.restarts.get(index).and_then(Option::as_ref).map(|restart| json!({
                        "stale_routes": self.rib.stale_count(restart.peer),
                        "families": restart.helper.families().iter().map(ToString::to_string).collect::<Vec<_>>(),
                    })),
                })
            })
            .collect();
        json!({ "neighbors": neighbors })
    }

    fn peer_label(&self, peer: &PeerId) -> (String, Option<u32>) {
        if *peer == PeerId::LOCAL {
            return ("local".to_string(), None);
        }
        match self.rib.peer(*peer) {
            Some(config) => (config.address.to_string(), Some(config.asn)),
            None => ("?".to_string(), None),
        }
    }

    fn route_json(&self, prefix: &Prefix, peer: &PeerId, attributes: &PathAttributes) -> Value {
        let (from, from_asn) = self.peer_label(peer);
        json!({
            "prefix": prefix.to_string(),
            "from": from,
            "from_asn": from_asn,
            "next_hop": attributes.next_hop.as_ref().map(next_hop_text),
            "as_path": attributes.as_path.segments.iter().flat_map(|segment| segment.asns.iter().copied()).collect::<Vec<u32>>(),
            "as_path_text": as_path_text(attributes),
            "origin": format!("{:?}", attributes.origin),
            "local_pref": attributes.local_pref,
            "med": attributes.med,
            "communities": attributes.communities.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "large_communities": attributes.large_communities.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "otc": attributes.only_to_customer,
            "stale": *peer != PeerId::LOCAL && self.rib.is_stale(*peer, prefix),
        })
    }

    fn detail_json(&self, prefix: &Prefix) -> Value {
        let routes = self.rib.routes(prefix);
        let decision_config = self.rib.config().decision;
        let best = routes.first().map(|route| self.candidate(route));
        let candidates: Vec<Value> = routes
            .iter()
            .enumerate()
            .map(|(index, route)| {
                let mut value = self.route_json(prefix, &route.peer, &route.attributes);
                let pre_policy = (route.peer != PeerId::LOCAL)
                    .then(|| self.rib.pre_policy(route.peer, prefix))
                    .flatten()
                    .map(|attributes| self.route_json(prefix, &route.peer, &attributes));
                let why = match (&best, index) {
                    (_, 0) => Some("best".to_string()),
                    (Some(best), _) => {
                        let (_, step) = decision::compare_explained(
                            best,
                            &self.candidate(route),
                            &decision_config,
                        );
                        Some(format!("lost to the best at step {step:?}"))
                    }
                    (None, _) => None,
                };
                if let Some(object) = value.as_object_mut() {
                    object.insert("best".into(), json!(index == 0));
                    object.insert("why".into(), json!(why));
                    object.insert("pre_policy".into(), pre_policy.unwrap_or(Value::Null));
                }
                value
            })
            .collect();
        json!({ "prefix": prefix.to_string(), "candidates": candidates })
    }

    fn candidate(&self, route: &Route) -> ShowCandidate {
        let peer = self.rib.peer(route.peer);
        ShowCandidate {
            attributes: Arc::clone(&route.attributes),
            local: route.peer == PeerId::LOCAL,
            local_as: self.config.asn,
            peer_asn: peer.map_or(self.config.asn, |peer| peer.asn),
            peer_router_id: peer.map_or(self.config.router_id, |peer| peer.router_id),
            peer_address: peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.address),
        }
    }
}

/// A stored route as the decision process sees it, for `show route … detail`'s "why".
struct ShowCandidate {
    attributes: Arc<PathAttributes>,
    local: bool,
    local_as: u32,
    peer_asn: u32,
    peer_router_id: Ipv4Addr,
    peer_address: IpAddr,
}

impl Candidate for ShowCandidate {
    fn is_local(&self) -> bool {
        self.local
    }
    fn local_pref(&self) -> u32 {
        self.attributes.local_pref.unwrap_or(100)
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
        self.attributes.neighbor_as().unwrap_or(self.local_as)
    }
    fn is_ebgp(&self) -> bool {
        !self.local && self.peer_asn != self.local_as
    }
    fn router_id(&self) -> u32 {
        u32::from(self.attributes.originator_id.unwrap_or(self.peer_router_id))
    }
    fn cluster_list_length(&self) -> u32 {
        u32::try_from(self.attributes.cluster_list.len()).unwrap_or(u32::MAX)
    }
    fn peer_address(&self) -> IpAddr {
        self.peer_address
    }
    fn peer_asn(&self) -> u32 {
        self.peer_asn
    }
}

/// Our next hops on a session whose local address is `local`, with the neighbour's overrides.
fn self_next_hops(neighbor: &Neighbor, local: IpAddr) -> NextHops {
    let local = match local {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        other => other,
    };
    let ipv4 = neighbor.next_hop_ipv4.or(match local {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(_) => None,
    });
    let ipv6: Option<Ipv6Addr> = neighbor.next_hop_ipv6.or(match local {
        IpAddr::V6(v6) => Some(v6),
        IpAddr::V4(v4) => Some(v4.to_ipv6_mapped()),
    });
    NextHops {
        ipv4,
        ipv6: ipv6.map(|global| NextHop::Ipv6 {
            global,
            link_local: None,
        }),
    }
}

/// The next hops to announce a route with when we do not rewrite it: the route's own for its family,
/// ours for the other (and when it has none).
fn route_next_hops(next_hop: Option<&NextHop>, ours: &NextHops) -> NextHops {
    match next_hop {
        Some(NextHop::Ipv4(v4)) => NextHops {
            ipv4: Some(*v4),
            ipv6: ours.ipv6.clone(),
        },
        Some(hop @ NextHop::Ipv6 { .. }) => NextHops {
            ipv4: ours.ipv4,
            ipv6: Some(hop.clone()),
        },
        _ => ours.clone(),
    }
}

/// The gateway to install for a best route: its next hop when of the prefix's family; `None` for our
/// own routes and next hops of the other family.
fn kernel_next_hop(prefix: Prefix, route: &Route) -> Option<IpAddr> {
    if route.peer == PeerId::LOCAL {
        return None;
    }
    match (route.attributes.next_hop.as_ref()?, prefix.is_ipv4()) {
        (NextHop::Ipv4(v4), true) => Some(IpAddr::V4(*v4)),
        (NextHop::Ipv6 { global, .. }, false) => Some(IpAddr::V6(*global)),
        _ => None,
    }
}

/// A next hop as text.
fn next_hop_text(next_hop: &NextHop) -> String {
    match next_hop {
        NextHop::Ipv4(v4) => v4.to_string(),
        NextHop::Ipv6 {
            global,
            link_local: Some(link_local),
        } => format!("{global} ({link_local})"),
        NextHop::Ipv6 { global, .. } => global.to_string(),
        NextHop::Other(bytes) => format!("{} raw bytes", bytes.len()),
    }
}

/// An AS path as text: sequences space-separated, sets in braces.
fn as_path_text(attributes: &PathAttributes) -> String {
    use globe_bgp::wire::SegmentType;
    let mut parts = Vec::new();
    for segment in &attributes.as_path.segments {
        let asns: Vec<String> = segment.asns.iter().map(ToString::to_string).collect();
        match segment.kind {
            SegmentType::Sequence => parts.push(asns.join(" ")),
            SegmentType::Set => parts.push(format!("{{{}}}", asns.join(","))),
            SegmentType::ConfedSequence => parts.push(format!("({})", asns.join(" "))),
            SegmentType::ConfedSet => parts.push(format!("[{}]", asns.join(","))),
        }
    }
    parts.join(" ")
}
