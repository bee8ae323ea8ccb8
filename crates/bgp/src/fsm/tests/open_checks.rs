//! The OPEN checks of RFC 4271 §6.2, RFC 6286 and RFC 9234, through a machine and through `negotiate`.

use std::net::Ipv4Addr;
use std::time::Instant;

use super::*;
use crate::family::AddressFamily;
use crate::fsm::notification::{code, open_subcode};

/// Feeds `peer` to a fresh machine of A in OpenSent and returns what it sent.
fn open_rejection(config: SessionConfig, peer: OpenParameters) -> (Session, Vec<Action>) {
    let mut session = Session::new(config).expect("valid");
    let now = Instant::now();
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    drain(&mut session);
    session.handle(Event::BgpOpen(peer), now);
    let actions = drain(&mut session);
    assert_eq!(session.state(), State::Idle);
    (session, actions)
}

#[test]
fn fsm_bad_peer_as_is_refused_with_2_2() {
    let mut b = config_b();
    b.peer_asn = PeerAsn::Exact(65099);
    let (mut network, a, b) = Network::pair(config_a(), b);
    network.handle(a, Event::ManualStart);
    network.handle(b, Event::ManualStart);
    assert_eq!(
        network.notifications_sent(b),
        vec![Notification::new(
            code::OPEN_MESSAGE,
            open_subcode::BAD_PEER_AS,
            vec![]
        )]
    );
    assert_eq!(
        network.session(b).last_down_reason(),
        Some(&DownReason::OpenRejected(OpenError::BadPeerAs {
            received: AS_A
        }))
    );
    assert_eq!(
        (network.state(a), network.state(b)),
        (State::Idle, State::Idle)
    );
    assert!(network.times(a, is_established).is_empty());
}

#[test]
fn fsm_any_peer_as_accepts_whatever_is_announced() {
    let mut b = config_b();
    b.peer_asn = PeerAsn::Any;
    let (network, _, b) = established_pair(config_a(), b);
    assert_eq!(
        network.session(b).negotiated().map(|n| n.peer_asn),
        Some(AS_A)
    );
}

#[test]
fn fsm_hold_time_one_or_two_is_refused_with_2_6() {
    for hold_time in [1, 2] {
        let peer = OpenParameters {
            hold_time,
            ..open_from_b()
        };
        let (session, actions) = open_rejection(config_a(), peer);
        assert_eq!(
            actions,
            vec![
                Action::SendNotification(Notification::new(2, 6, vec![])),
                Action::DropTcp,
            ]
        );
        assert_eq!(
            session.last_down_reason(),
            Some(&DownReason::OpenRejected(OpenError::UnacceptableHoldTime(
                hold_time
            )))
        );
    }
    let mut config = config_a();
    config.hold_time = 2;
    assert_eq!(Session::new(config).err(), Some(ConfigError::HoldTime(2)));
}

#[test]
fn fsm_version_mismatch_is_refused_with_2_1_and_our_version() {
    let peer = OpenParameters {
        version: 3,
        ..open_from_b()
    };
    let (_, actions) = open_rejection(config_a(), peer);
    assert_eq!(
        actions[0],
        Action::SendNotification(Notification::new(2, 1, vec![0, 4]))
    );

    // A version NOTIFICATION received is event 24 however it is passed in.
    let mut session = Session::new(config_a()).expect("valid");
    let now = Instant::now();
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    drain(&mut session);
    session.handle(Event::NotifMsg(Notification::new(2, 1, vec![0, 4])), now);
    assert_eq!(drain(&mut session), vec![Action::DropTcp]);
    assert_eq!(session.state(), State::Idle);
}

#[test]
fn fsm_bgp_identifier_rules() {
    let zero = OpenParameters {
        router_id: Ipv4Addr::UNSPECIFIED,
        ..open_from_b()
    };
    let (_, actions) = open_rejection(config_a(), zero);
    assert_eq!(
        actions[0],
        Action::SendNotification(Notification::new(2, 3, vec![]))
    );

    // iBGP: the identifier must differ from ours (RFC 6286 §2.2).
    let mut internal = config_a();
    internal.peer_asn = PeerAsn::Exact(AS_A);
    let same = OpenParameters {
        asn: AS_A,
        router_id: ID_A,
        ..open_from_b()
    };
    assert_eq!(
        negotiate(&internal, &same),
        Err(OpenError::BadBgpIdentifier(ID_A))
    );
    // eBGP: the same identifier is allowed.
    let same_external = OpenParameters {
        router_id: ID_A,
        ..open_from_b()
    };
    assert!(negotiate(&config_a(), &same_external).is_ok());
}

#[test]
fn fsm_role_mismatch_is_refused_with_2_11() {
    let mut a = config_a();
    a.capabilities.role = Some(Role::Provider);
    let mut b = config_b();
    b.capabilities.role = Some(Role::Provider);
    let (mut network, a, b) = Network::pair(a, b);
    network.handle_together(vec![(a, Event::ManualStart), (b, Event::ManualStart)]);
    let mismatch = Notification::new(code::OPEN_MESSAGE, open_subcode::ROLE_MISMATCH, vec![]);
    // Both OPENs cross on the wire, so each side refuses the other's.
    assert_eq!(network.notifications_sent(a), vec![mismatch.clone()]);
    assert_eq!(network.notifications_sent(b), vec![mismatch]);
    assert!(network.times(a, is_established).is_empty());
    assert_eq!(
        (network.state(a), network.state(b)),
        (State::Idle, State::Idle)
    );
}

#[test]
fn fsm_role_pairs_and_strict_mode() {
    use Role::*;
    let all = [Provider, RouteServer, RouteServerClient, Customer, Peer];
    let compatible = [
        (Provider, Customer),
        (Customer, Provider),
        (RouteServer, RouteServerClient),
        (RouteServerClient, RouteServer),
        (Peer, Peer),
    ];
    for local in all {
        for remote in all {
            let mut config = config_a();
            config.capabilities.role = Some(local);
            let mut peer = open_from_b();
            peer.capabilities.role = Some(remote);
            let result = negotiate(&config, &peer);
            if compatible.contains(&(local, remote)) {
                let negotiated = result.expect("compatible roles");
                assert_eq!(
                    (negotiated.local_role, negotiated.peer_role),
                    (Some(local), Some(remote))
                );
            } else {
                assert_eq!(
                    result,
                    Err(OpenError::RoleMismatch {
                        local,
                        peer: Some(remote)
                    })
                );
            }
        }
        assert_eq!(Role::from_code(local.code()), Some(local));
    }
    // A peer without a role: fine, unless strict.
    let mut config = config_a();
    config.capabilities.role = Some(Customer);
    assert!(negotiate(&config, &open_from_b()).is_ok());
    config.role_strict = true;
    let (_, actions) = open_rejection(config, open_from_b());
    assert_eq!(
        actions[0],
        Action::SendNotification(Notification::new(2, 11, vec![]))
    );
}

#[test]
fn fsm_capabilities_are_intersected() {
    let v4 = AddressFamily::IPV4_UNICAST;
    let v6 = AddressFamily::IPV6_UNICAST;
    let mut config = config_a();
    config.capabilities.multiprotocol = vec![v6, v4];
    config.capabilities.extended_message = true;
    config.capabilities.graceful_restart = Some(GracefulRestart::default());
    let peer_restart = GracefulRestart {
        restarting: true,
        notification: true,
        restart_time: 120,
        families: vec![GracefulRestartFamily {
            family: v6,
            forwarding_preserved: true,
        }],
    };
    let mut peer = open_from_b();
    peer.capabilities.multiprotocol = vec![v6];
    peer.capabilities.extended_message = true;
    peer.capabilities.four_octet_asn = false;
    peer.capabilities.graceful_restart = Some(peer_restart.clone());
    let negotiated = negotiate(&config, &peer).expect("acceptable");
    assert_eq!(negotiated.families, vec![v6]);
    assert!(negotiated.extended_message);
    assert!(!negotiated.four_octet_asn);
    assert_eq!(negotiated.peer_graceful_restart, Some(peer_restart));

    // Nobody announces multiprotocol: IPv4 unicast is implied (RFC 4760 §8); a peer announcing only
    // IPv6 then shares nothing with us.
    assert_eq!(
        negotiate(&config_a(), &open_from_b()).map(|n| n.families),
        Ok(vec![v4])
    );
    assert_eq!(
        negotiate(&config_a(), &peer).map(|n| n.families),
        Ok(vec![])
    );
    // We did not announce graceful restart: the peer's is not used.
    assert_eq!(
        negotiate(&config_a(), &peer).map(|n| n.peer_graceful_restart),
        Ok(None)
    );
}
