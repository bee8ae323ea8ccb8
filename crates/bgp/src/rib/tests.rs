//! RIB tests: add, replace, withdraw, peer down, RFC 8212, export deltas, and a 3-AS valley-free
//! scenario across three RIBs.

use super::*;
use crate::policy::rov::{Roa, RoaTable};
use crate::policy::Policy;
use crate::wire::{AsPath, Community};
use std::net::Ipv4Addr;

const LOCAL_AS: u32 = 65000;

fn prefix(text: &str) -> Prefix {
    text.parse().expect("prefix")
}

fn rib(local_as: u32) -> Rib {
    Rib::new(RibConfig {
        local_as,
        router_id: Ipv4Addr::new(10, 0, 0, local_as as u8),
        decision: DecisionConfig::default(),
        local_pref: LocalPrefByRole::default(),
    })
}

fn peer(rib: &mut Rib, asn: u32, last_octet: u8, relationship: Option<Relationship>) -> PeerId {
    let mut config = PeerConfig::new(
        asn,
        Ipv4Addr::new(10, 1, 0, last_octet),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last_octet)),
    );
    config.relationship = relationship;
    config.import = Some(Arc::new(Policy::accept_all()));
    config.export = Some(Arc::new(Policy::accept_all()));
    config.next_hop_self = Some(NextHop::Ipv4(Ipv4Addr::new(192, 0, 2, 254)));
    rib.add_peer(config)
}

fn path(asns: &[u32]) -> PathAttributes {
    PathAttributes {
        as_path: AsPath::from_sequence(asns.to_vec()),
        next_hop: Some(NextHop::Ipv4(Ipv4Addr::new(192, 0, 2, 99))),
        ..PathAttributes::default()
    }
}

fn best_peer(changes: &[Change]) -> Vec<(Prefix, Option<PeerId>, Option<PeerId>)> {
    changes
        .iter()
        .map(|change| {
            (
                change.prefix,
                change.old.as_ref().map(|route| route.peer),
                change.new.as_ref().map(|route| route.peer),
            )
        })
        .collect()
}

#[test]
fn add_replace_withdraw_and_peer_down() {
    let mut rib = rib(LOCAL_AS);
    let customer = peer(&mut rib, 65001, 1, Some(Relationship::Customer));
    let provider = peer(&mut rib, 65002, 2, Some(Relationship::Provider));
    let p = prefix("198.51.100.0/24");

    let changes = rib
        .update(customer, &[p], &path(&[65001, 64500, 64501]), &[])
        .expect("peer");
    assert_eq!(best_peer(&changes), vec![(p, None, Some(customer))]);
    let best = rib.best(&p).expect("installed");
    assert_eq!(best.attributes.local_pref, Some(200), "customer preference");

    // The provider's shorter path loses on LOCAL_PREF: no Loc-RIB change.
    let changes = rib
        .update(provider, &[p], &path(&[65002, 64501]), &[])
        .expect("peer");
    assert!(changes.is_empty());
    assert_eq!(rib.routes(&p).len(), 2);
    assert_eq!(rib.routes(&p)[1].attributes.local_pref, Some(50));

    // The same attributes again: nothing; new attributes: a change with the same peer.
    assert!(rib
        .update(customer, &[p], &path(&[65001, 64500, 64501]), &[])
        .expect("peer")
        .is_empty());
    let changes = rib
        .update(customer, &[p], &path(&[65001, 64501]), &[])
        .expect("peer");
    assert_eq!(
        best_peer(&changes),
        vec![(p, Some(customer), Some(customer))]
    );

    // Withdraw the customer's: the provider's takes over.
    let changes = rib.update(customer, &[], &path(&[]), &[p]).expect("peer");
    assert_eq!(
        best_peer(&changes),
        vec![(p, Some(customer), Some(provider))]
    );

    // Provider down: the prefix is gone.
    let changes = rib.peer_down(provider).expect("peer");
    assert_eq!(best_peer(&changes), vec![(p, Some(provider), None)]);
    assert!(rib.is_empty());
    assert!(rib.update(PeerId(99), &[p], &path(&[1]), &[]).is_err());
}

#[test]
fn rfc_8212_loops_leaks_and_rov() {
    let mut rib = rib(LOCAL_AS);
    let mut config = PeerConfig::new(
        65001,
        Ipv4Addr::new(10, 1, 0, 1),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    );
    config.relationship = Some(Relationship::Customer);
    let no_policy = rib.add_peer(config);
    let p = prefix("198.51.100.0/24");
    // eBGP without import policy: nothing accepted.
    assert!(rib
        .update(no_policy, &[p], &path(&[65001]), &[])
        .expect("peer")
        .is_empty());
    assert_eq!(rib.rejected_count(no_policy), 1);
    // iBGP without policy: accepted.
    let internal = rib.add_peer(PeerConfig::new(
        LOCAL_AS,
        Ipv4Addr::new(10, 1, 0, 9),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)),
    ));
    assert_eq!(
        rib.update(internal, &[p], &path(&[]), &[])
            .expect("peer")
            .len(),
        1
    );

    let customer = peer(&mut rib, 65002, 2, Some(Relationship::Customer));
    let q = prefix("203.0.113.0/24");
    // Our own AS in the path: ineligible.
    assert!(rib
        .update(customer, &[q], &path(&[65002, LOCAL_AS, 1]), &[])
        .expect("peer")
        .is_empty());
    // OTC from a customer: a leak.
    let mut leaked = path(&[65002, 64500]);
    leaked.only_to_customer = Some(64999);
    assert!(rib
        .update(customer, &[q], &leaked, &[])
        .expect("peer")
        .is_empty());

    // ROV: 203.0.113.0/24 may be originated only by AS 64500.
    let mut roas = RoaTable::new();
    roas.insert(Roa {
        prefix: q,
        max_length: 24,
        asn: 64500,
    })
    .expect("roa");
    rib.set_roa_table(Some(Arc::new(roas)));
    let mut strict = PeerConfig::new(
        65003,
        Ipv4Addr::new(10, 1, 0, 3),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
    );
    strict.import = Some(Arc::new(Policy::accept_all()));
    strict.reject_rov_invalid = true;
    let strict = rib.add_peer(strict);
    assert!(rib
        .update(strict, &[q], &path(&[65003, 64666]), &[])
        .expect("peer")
        .is_empty());
    assert_eq!(
        rib.update(strict, &[q], &path(&[65003, 64500]), &[])
            .expect("peer")
            .len(),
        1
    );
}

#[test]
fn export_sends_only_deltas_grouped_by_attributes() {
    let mut rib = rib(LOCAL_AS);
    let customer = peer(&mut rib, 65001, 1, Some(Relationship::Customer));
    let provider = peer(&mut rib, 65002, 2, Some(Relationship::Provider));
    let lateral = peer(&mut rib, 65003, 3, Some(Relationship::Peer));
    let (p, q, r) = (
        prefix("198.51.100.0/24"),
        prefix("198.51.101.0/24"),
        prefix("203.0.113.0/24"),
    );
    let mut from_customer = path(&[65001]);
    from_customer.med = Some(7);
    let changes = rib
        .update(customer, &[p, q], &from_customer, &[])
        .expect("peer");
    let out = rib.export(lateral, &changes).expect("peer");
    assert!(out.withdrawn.is_empty());
    assert_eq!(out.announced.len(), 1, "one attribute set");
    let (sent, prefixes) = &out.announced[0];
    assert_eq!(prefixes, &vec![p, q]);
    assert_eq!(sent.as_path.to_string(), "65000 65001");
    assert_eq!(sent.local_pref, None);
    assert_eq!(sent.med, None, "MED from another AS is not passed on");
    assert_eq!(
        sent.only_to_customer,
        Some(LOCAL_AS),
        "OTC added towards a peer"
    );
    assert_eq!(
        sent.next_hop,
        Some(NextHop::Ipv4(Ipv4Addr::new(192, 0, 2, 254)))
    );
    // Not back to the customer itself.
    assert!(rib.export(customer, &changes).expect("peer").is_empty());
    // The same changes again: nothing new to send.
    assert!(rib.export(lateral, &changes).expect("peer").is_empty());
    assert_eq!(rib.advertised_count(lateral), 2);

    // A provider's route goes to customers only.
    let changes = rib
        .update(provider, &[r], &path(&[65002, 64510]), &[])
        .expect("peer");
    assert!(rib.export(lateral, &changes).expect("peer").is_empty());
    let to_customer = rib.export(customer, &changes).expect("peer");
    assert_eq!(to_customer.announced_count(), 1);
    assert_eq!(
        to_customer.announced[0].0.only_to_customer,
        Some(65002),
        "OTC set on ingress from the provider is kept"
    );

    // Withdrawal reaches the peer that had the route.
    let changes = rib.update(customer, &[], &path(&[]), &[p]).expect("peer");
    let out = rib.export(lateral, &changes).expect("peer");
    assert_eq!(out.withdrawn, vec![p]);
    assert_eq!(rib.advertised_count(lateral), 1);

    // Route refresh: everything again; reexport after a policy change: only the difference.
    let refreshed = rib.refresh(lateral).expect("peer");
    assert_eq!(refreshed.announced_count(), 1);
    rib.set_export_policy(lateral, None).expect("peer");
    let out = rib.reexport(lateral).expect("peer");
    assert_eq!(out.withdrawn, vec![q], "RFC 8212: no policy, nothing sent");
    assert_eq!(rib.advertised_count(lateral), 0);
}

#[test]
fn no_export_and_local_routes() {
    let mut rib = rib(LOCAL_AS);
    let customer = peer(&mut rib, 65001, 1, Some(Relationship::Customer));
    let provider = peer(&mut rib, 65002, 2, Some(Relationship::Provider));
    let internal = rib.add_peer(PeerConfig::new(
        LOCAL_AS,
        Ipv4Addr::new(10, 1, 0, 9),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)),
    ));
    let p = prefix("198.51.100.0/24");
    let mut tagged = path(&[65001]);
    tagged.communities.push(Community::NO_EXPORT);
    let changes = rib.update(customer, &[p], &tagged, &[]).expect("peer");
    assert!(rib.export(provider, &changes).expect("peer").is_empty());
    let inside = rib.export(internal, &changes).expect("peer");
    assert_eq!(inside.announced_count(), 1);
    assert_eq!(
        inside.announced[0].0.local_pref,
        Some(200),
        "iBGP carries LOCAL_PREF"
    );
    assert_eq!(inside.announced[0].0.as_path.to_string(), "65001");

    // A locally originated route beats learned ones and goes to providers.
    let mine = prefix("192.0.2.0/24");
    rib.update(provider, &[mine], &path(&[65002]), &[])
        .expect("peer");
    let changes = rib.originate(&[mine], &PathAttributes::default());
    assert_eq!(
        best_peer(&changes),
        vec![(mine, Some(provider), Some(PeerId::LOCAL))]
    );
    let out = rib.export(provider, &changes).expect("peer");
    assert_eq!(out.announced[0].0.as_path.to_string(), "65000");
    assert_eq!(out.announced[0].0.only_to_customer, None);
    let changes = rib.withdraw_local(&[mine]);
    assert_eq!(
        best_peer(&changes),
        vec![(mine, Some(PeerId::LOCAL), Some(provider))]
    );
}

#[test]
fn keep_pre_policy_and_ecmp() {
    let mut rib = Rib::new(RibConfig {
        local_as: LOCAL_AS,
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        decision: DecisionConfig {
            max_paths: 4,
            ecmp_same_neighbor_as: false,
            ..DecisionConfig::default()
        },
        local_pref: LocalPrefByRole::default(),
    });
    let mut config = PeerConfig::new(
        65001,
        Ipv4Addr::new(10, 1, 0, 1),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    );
    config.keep_pre_policy = true;
    config.relationship = Some(Relationship::Peer);
    config.import = Some(Arc::new(
        toml::from_str::<Policy>("default = \"accept\"\n[[term]]\nset.local-pref = 120")
            .expect("policy"),
    ));
    let first = rib.add_peer(config);
    let second = peer(&mut rib, 65002, 2, Some(Relationship::Peer));
    let p = prefix("198.51.100.0/24");
    rib.update(first, &[p], &path(&[65001, 64500]), &[])
        .expect("peer");
    assert_eq!(
        rib.pre_policy(first, &p)
            .map(|attributes| attributes.local_pref),
        Some(None)
    );
    assert_eq!(
        rib.best(&p).map(|route| route.attributes.local_pref),
        Some(Some(120))
    );
    // A second equal-length path with equal preference joins the ECMP set.
    let changes = rib
        .update(second, &[p], &path(&[65002, 64500]), &[])
        .expect("peer");
    assert!(changes.is_empty(), "local-pref 100 < 120: best unchanged");
    let mut config = PeerConfig::new(
        65003,
        Ipv4Addr::new(10, 1, 0, 3),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
    );
    config.import = rib.peer(first).and_then(|peer| peer.import.clone());
    config.relationship = Some(Relationship::Peer);
    let third = rib.add_peer(config);
    let changes = rib
        .update(third, &[p], &path(&[65003, 64500]), &[])
        .expect("peer");
    assert_eq!(changes.len(), 1, "the ECMP set changed");
    let set: Vec<PeerId> = rib.ecmp(&p).iter().map(|route| route.peer).collect();
    assert_eq!(set, vec![first, third]);
}

/// ```text
///      AS 1        AS 3          (AS 2 is a customer of both; it must not give one
///         \        /              provider's routes to the other)
///          \      /
///            AS 2
/// ```
#[test]
fn three_as_valley_free() {
    let mut as1 = rib(1);
    let mut as2 = rib(2);
    let mut as3 = rib(3);
    let as1_to_2 = peer(&mut as1, 2, 2, Some(Relationship::Customer));
    let as3_to_2 = peer(&mut as3, 2, 2, Some(Relationship::Customer));
    let as2_to_1 = peer(&mut as2, 1, 1, Some(Relationship::Provider));
    let as2_to_3 = peer(&mut as2, 3, 3, Some(Relationship::Provider));
    let (p1, p2, p3) = (
        prefix("10.1.0.0/16"),
        prefix("10.2.0.0/16"),
        prefix("10.3.0.0/16"),
    );

    // Each AS originates its prefix and sends it to its neighbours.
    let deliver =
        |from: &mut Rib, to: &mut Rib, from_peer: PeerId, to_peer: PeerId, changes: &[Change]| {
            let out = from.export(from_peer, changes).expect("peer");
            let mut received = Vec::new();
            for (attributes, prefixes) in &out.announced {
                received.extend(to.update(to_peer, prefixes, attributes, &[]).expect("peer"));
            }
            received
        };
    let c1 = as1.originate(&[p1], &PathAttributes::default());
    let c3 = as3.originate(&[p3], &PathAttributes::default());
    let c2 = as2.originate(&[p2], &PathAttributes::default());
    let learned_from_1 = deliver(&mut as1, &mut as2, as1_to_2, as2_to_1, &c1);
    let learned_from_3 = deliver(&mut as3, &mut as2, as3_to_2, as2_to_3, &c3);
    assert_eq!(learned_from_1.len(), 1);
    assert_eq!(learned_from_3.len(), 1);
    // AS 2's own prefix reaches both providers.
    assert_eq!(
        deliver(&mut as2, &mut as1, as2_to_1, as1_to_2, &c2).len(),
        1
    );
    assert_eq!(
        deliver(&mut as2, &mut as3, as2_to_3, as3_to_2, &c2).len(),
        1
    );
    // AS 1's prefix does not go from AS 2 to AS 3, nor AS 3's to AS 1.
    assert!(deliver(&mut as2, &mut as3, as2_to_3, as3_to_2, &learned_from_1).is_empty());
    assert!(deliver(&mut as2, &mut as1, as2_to_1, as1_to_2, &learned_from_3).is_empty());
    assert!(as3.best(&p1).is_none() && as1.best(&p3).is_none());
    assert_eq!(
        as1.best(&p2)
            .map(|route| route.attributes.as_path.to_string()),
        Some("2".to_string())
    );
}

#[test]
fn per_peer_counts_iteration_and_owned_updates() {
    let mut rib = rib(LOCAL_AS);
    let a = peer(&mut rib, 65001, 1, Some(Relationship::Customer));
    let mut config = PeerConfig::new(
        65002,
        Ipv4Addr::new(10, 1, 0, 2),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
    );
    config.import = Some(Arc::new(Policy::reject_all()));
    let b = rib.add_peer(config);
    let (p1, p2, p6) = (
        prefix("198.51.100.0/24"),
        prefix("203.0.113.0/24"),
        prefix("2001:db8::/32"),
    );
    rib.update_owned(a, &[p1, p2, p6], path(&[65001]), &[])
        .expect("peer");
    // Announcing again (new attributes, implicit withdraw) does not count twice.
    rib.update_owned(a, &[p1], path(&[65001, 64500]), &[])
        .expect("peer");
    assert_eq!(rib.accepted_count(a), 3);
    assert_eq!(rib.received_count(a, false), 2);
    assert_eq!(rib.received_count(a, true), 1);
    // Rejected by import: received, not accepted; a withdrawal forgets it.
    rib.update(b, &[p1, p2], &path(&[65002]), &[])
        .expect("peer");
    assert_eq!(rib.accepted_count(b), 0);
    assert_eq!(rib.received_count(b, false), 2);
    let mut received = rib.received_prefixes(b);
    received.sort();
    assert_eq!(received, vec![p1, p2]);
    rib.update(b, &[], &PathAttributes::default(), &[p2])
        .expect("peer");
    assert_eq!(rib.received_count(b, false), 1);
    // Iteration: every Loc-RIB prefix once, with its best.
    let mut all: Vec<(Prefix, PeerId)> = rib.iter().map(|(p, route)| (p, route.peer)).collect();
    all.sort();
    assert_eq!(all, vec![(p1, a), (p2, a), (p6, a)]);
    assert_eq!(rib.prefixes().count(), 3);
    assert_eq!(
        rib.best(&p1).map(|route| route.attributes.as_path.clone()),
        Some(AsPath::from_sequence(vec![65001, 64500]))
    );
    // Withdraw and peer down bring the counts back.
    rib.update(a, &[], &PathAttributes::default(), &[p2])
        .expect("peer");
    assert_eq!(rib.accepted_count(a), 2);
    rib.peer_down(a).expect("peer");
    rib.peer_down(b).expect("peer");
    assert_eq!(rib.accepted_count(a), 0);
    assert_eq!(rib.received_count(a, true), 0);
    assert_eq!(rib.received_count(b, false), 0);
    assert!(rib.is_empty());
}

#[test]
fn interned_attributes_are_shared_and_purged() {
    let mut table = AttributeTable::new();
    let first = table.intern(path(&[65001, 1]));
    let again = table.intern(path(&[65001, 1]));
    assert!(Arc::ptr_eq(&first, &again));
    let other = table.intern(path(&[65001, 2]));
    assert!(!Arc::ptr_eq(&first, &other));
    assert!(Arc::ptr_eq(&table.intern_arc(&other), &other));
    assert_eq!(table.len(), 2);
    drop((first, again));
    table.purge();
    assert_eq!(table.len(), 1);
}

#[test]
fn graceful_restart_keeps_stale_routes_until_swept() {
    let mut rib = rib(LOCAL_AS);
    let restarting = peer(&mut rib, 65001, 1, Some(Relationship::Customer));
    let other = peer(&mut rib, 65002, 2, Some(Relationship::Customer));
    let (a, b, c) = (
        prefix("198.51.100.0/24"),
        prefix("203.0.113.0/24"),
        prefix("192.0.2.0/24"),
    );
    let v6 = prefix("2001:db8::/32");
    rib.update(restarting, &[a, b, c, v6], &path(&[65001]), &[])
        .expect("peer");
    rib.update(other, &[c], &path(&[65002, 64500]), &[])
        .expect("peer");
    let export = rib.export(restarting, &[]).expect("peer");
    assert!(export.is_empty());

    // Down, restarting for IPv4 only: IPv4 routes stay (stale, still best), IPv6 goes.
    let changes = rib
        .peer_down_graceful(restarting, &[AddressFamily::IPV4_UNICAST])
        .expect("peer");
    assert_eq!(best_peer(&changes), vec![(v6, Some(restarting), None)]);
    for p in [a, b, c] {
        assert!(rib.is_stale(restarting, &p), "{p} stale");
    }
    assert_eq!(rib.stale_count(restarting), 3);
    assert_eq!(rib.best(&a).map(|route| route.peer), Some(restarting));
    assert!(!rib.is_stale(other, &c));

    // Back: `a` re-announced (same attributes) and `b` withdrawn lose the stale mark.
    let changes = rib
        .update(restarting, &[a], &path(&[65001]), &[b])
        .expect("peer");
    assert_eq!(best_peer(&changes), vec![(b, Some(restarting), None)]);
    assert!(!rib.is_stale(restarting, &a));
    assert_eq!(rib.stale_count(restarting), 1);

    // End-of-RIB: `c`, not re-announced, goes; the other peer's route takes over.
    let changes = rib
        .sweep_stale(restarting, AddressFamily::IPV6_UNICAST)
        .expect("peer");
    assert!(changes.is_empty(), "nothing stale in IPv6");
    let changes = rib
        .sweep_stale(restarting, AddressFamily::IPV4_UNICAST)
        .expect("peer");
    assert_eq!(
        best_peer(&changes),
        vec![(c, Some(restarting), Some(other))]
    );
    assert_eq!(rib.stale_count(restarting), 0);
    assert_eq!(rib.accepted_count(restarting), 1);
    assert_eq!(rib.best(&a).map(|route| route.peer), Some(restarting));

    // mark_stale on a live session (and peer_down clears the marks).
    assert_eq!(
        rib.mark_stale(restarting, AddressFamily::IPV4_UNICAST),
        Ok(1)
    );
    rib.peer_down(restarting).expect("peer");
    assert_eq!(rib.stale_count(restarting), 0);
    assert_eq!(
        rib.sweep_stale(PeerId(99), AddressFamily::IPV4_UNICAST),
        Err(RibError::UnknownPeer(PeerId(99)))
    );
}
