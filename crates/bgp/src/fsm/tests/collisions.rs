//! Connection collisions (RFC 4271 §6.8): two speakers connecting to each other at once, each resolving
//! with `collision::resolve`, and where an incoming connection goes.

use std::net::Ipv4Addr;
use std::time::Instant;

use super::*;
use crate::fsm::collision::{self, IncomingConnection};

/// Speakers A and B connect to each other at the same time. Each has a machine for its own connection
/// (`out`) and one for the peer's (`in`); after both OPENs, each speaker resolves the collision.
/// Returns the network and the indexes (a_out, a_in, b_out, b_in).
fn collide(id_a: Ipv4Addr, id_b: Ipv4Addr) -> (Network, [usize; 4]) {
    let mut network = Network::new();
    let a = SessionConfig::new(AS_A, id_a, PeerAsn::Exact(AS_B));
    let b = SessionConfig::new(AS_B, id_b, PeerAsn::Exact(AS_A));
    let a_in = network.add(a.clone(), None);
    let b_in = network.add(b.clone(), None);
    let a_out = network.add(a, Some(b_in));
    let b_out = network.add(b, Some(a_in));
    network.collision_pairs = vec![(a_out, a_in), (b_out, b_in)];
    network.handle_together(vec![
        (a_in, Event::ManualStartWithPassiveTcpEstablishment),
        (b_in, Event::ManualStartWithPassiveTcpEstablishment),
        (a_out, Event::ManualStart),
        (b_out, Event::ManualStart),
    ]);
    // Both connections reached OpenSent before either was resolved: a real collision.
    for node in 0..4 {
        assert!(
            network
                .times(node, |action| matches!(action, Action::SendOpen(_)))
                .len()
                == 1
        );
    }
    (network, [a_out, a_in, b_out, b_in])
}

/// Both machines on the losing connection are down: each speaker dumped its end (Cease / Connection
/// Collision Resolution), or heard the other's Cease first. Nothing else was sent.
fn assert_connection_dumped(network: &Network, ends: [usize; 2]) {
    let cease = Notification::cease(CeaseSubcode::ConnectionCollisionResolution);
    let mut dumped = 0;
    for node in ends {
        assert_eq!(network.state(node), State::Idle);
        match network.session(node).last_down_reason() {
            Some(DownReason::CollisionDump) => {
                assert_eq!(network.notifications_sent(node), vec![cease.clone()]);
                dumped += 1;
            }
            Some(DownReason::NotificationReceived(received)) => assert_eq!(received, &cease),
            other => panic!("unexpected down reason {other:?}"),
        }
    }
    assert!(dumped >= 1);
}

#[test]
fn fsm_collision_keeps_the_connection_of_the_higher_identifier() {
    // B has the higher identifier: B's connection (b_out ↔ a_in) survives.
    let (network, [a_out, a_in, b_out, b_in]) = collide(ID_A, ID_B);
    assert_eq!(network.state(a_in), State::Established);
    assert_eq!(network.state(b_out), State::Established);
    assert_connection_dumped(&network, [a_out, b_in]);
    assert!(network.notifications_sent(a_in).is_empty());
    assert!(network.notifications_sent(b_out).is_empty());
}

#[test]
fn fsm_collision_the_other_way_round() {
    // Now A has the higher identifier: A's connection (a_out ↔ b_in) survives.
    let (network, [a_out, a_in, b_out, b_in]) = collide(ID_B, ID_A);
    assert_eq!(network.state(a_out), State::Established);
    assert_eq!(network.state(b_in), State::Established);
    assert_connection_dumped(&network, [a_in, b_out]);
    assert!(network.notifications_sent(a_out).is_empty());
    assert!(network.notifications_sent(b_in).is_empty());
}

#[test]
fn fsm_collision_with_equal_identifiers_keeps_the_higher_as() {
    // RFC 6286 §2.3: same identifier (eBGP), the speaker with the larger AS (B) keeps its connection.
    let (network, [a_out, a_in, b_out, b_in]) = collide(ID_A, ID_A);
    assert_eq!(network.state(a_in), State::Established);
    assert_eq!(network.state(b_out), State::Established);
    assert_connection_dumped(&network, [a_out, b_in]);
}

#[test]
fn fsm_incoming_connection_routing() {
    let now = Instant::now();
    let mut session = Session::new(config_a()).expect("valid");
    assert_eq!(collision::on_incoming(&session), IncomingConnection::Refuse);
    session.handle(Event::ManualStart, now);
    assert_eq!(
        collision::on_incoming(&session),
        IncomingConnection::Deliver {
            abandon_connect: true
        }
    );
    session.handle(Event::TcpConnectionFails, now);
    assert_eq!(
        collision::on_incoming(&session),
        IncomingConnection::Deliver {
            abandon_connect: false
        }
    );
    session.handle(Event::TcpConnectionConfirmed, now);
    assert_eq!(session.state(), State::OpenSent);
    assert_eq!(session.connection(), Some(Direction::Incoming));
    assert_eq!(
        collision::on_incoming(&session),
        IncomingConnection::SecondMachine
    );
    let established = established_a(config_a(), open_from_b(), now);
    assert_eq!(
        collision::on_incoming(&established),
        IncomingConnection::Refuse
    );
    // An Established machine (on our connection) beats one still opening (on the peer's).
    assert_eq!(
        collision::resolve(&established, &session),
        Some(collision::Loser::Second)
    );
    assert_eq!(collision::resolve(&session, &session), None);
}
