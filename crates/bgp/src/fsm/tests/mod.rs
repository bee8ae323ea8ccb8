//! Tests of the session machine: two machines back to back through [`network::Network`] with a virtual
//! clock, and single machines fed events by hand.

mod collisions;
mod network;
mod open_checks;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::notification::{code, fsm_subcode};
use super::*;
use crate::family::AddressFamily;
use network::Network;

const AS_A: u32 = 65001;
const AS_B: u32 = 65002;
const ID_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const ID_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn config_a() -> SessionConfig {
    SessionConfig::new(AS_A, ID_A, PeerAsn::Exact(AS_B))
}

fn config_b() -> SessionConfig {
    SessionConfig::new(AS_B, ID_B, PeerAsn::Exact(AS_A))
}

fn seconds(value: u64) -> Duration {
    Duration::from_secs(value)
}

/// The OPEN B would send, for feeding single machines by hand.
fn open_from_b() -> OpenParameters {
    config_b().open_parameters()
}

fn drain(session: &mut Session) -> Vec<Action> {
    std::iter::from_fn(|| session.poll_action()).collect()
}

fn is_keepalive(action: &Action) -> bool {
    matches!(action, Action::SendKeepalive)
}

fn is_established(action: &Action) -> bool {
    matches!(action, Action::SessionEstablished(_))
}

/// A's machine taken to Established by hand at `now`: connect, OPEN both ways, KEEPALIVE.
fn established_a(config: SessionConfig, peer: OpenParameters, now: Instant) -> Session {
    let mut session = Session::new(config).expect("valid configuration");
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    session.handle(Event::BgpOpen(peer), now);
    session.handle(Event::KeepAliveMsg, now);
    assert_eq!(session.state(), State::Established);
    drain(&mut session);
    session
}

fn established_pair(a: SessionConfig, b: SessionConfig) -> (Network, usize, usize) {
    let (mut network, a, b) = Network::pair(a, b);
    network.handle_together(vec![(a, Event::ManualStart), (b, Event::ManualStart)]);
    assert_eq!(network.state(a), State::Established);
    assert_eq!(network.state(b), State::Established);
    (network, a, b)
}

// ---- Reaching Established

#[test]
fn fsm_pair_reaches_established_and_agrees() {
    let (network, a, b) = established_pair(config_a(), config_b());
    let established: Vec<&Negotiated> = network.nodes[a]
        .log
        .iter()
        .filter_map(|(_, action)| match action {
            Action::SessionEstablished(negotiated) => Some(negotiated),
            _ => None,
        })
        .collect();
    assert_eq!(established.len(), 1);
    let negotiated = established[0];
    assert_eq!(negotiated.peer_asn, AS_B);
    assert_eq!(negotiated.peer_router_id, ID_B);
    assert!(!negotiated.internal);
    assert_eq!((negotiated.hold_time, negotiated.keepalive_time), (90, 30));
    assert!(negotiated.four_octet_asn && negotiated.route_refresh);
    assert!(!negotiated.extended_message && !negotiated.enhanced_route_refresh);
    assert_eq!(negotiated.families, vec![AddressFamily::IPV4_UNICAST]);
    assert_eq!(
        network.session(b).negotiated().map(|n| n.peer_asn),
        Some(AS_A)
    );
    // A's attempt reached B first; B's own attempt was abandoned for A's connection.
    assert_eq!(network.session(a).connection(), Some(Direction::Outgoing));
    assert_eq!(network.session(b).connection(), Some(Direction::Incoming));
    // Neither side saw anything but the normal exchange.
    assert!(network.notifications_sent(a).is_empty());
    assert!(network.notifications_sent(b).is_empty());
}

#[test]
fn fsm_passive_side_never_connects_out() {
    let (mut network, a, b) = Network::pair(config_a(), config_b());
    network.handle(b, Event::ManualStartWithPassiveTcpEstablishment);
    assert_eq!(network.state(b), State::Active);
    assert_eq!(network.session(b).poll_timeout(), None);
    network.handle(a, Event::ManualStart);
    assert_eq!(network.state(a), State::Established);
    assert_eq!(network.state(b), State::Established);
    assert!(network
        .times(b, |action| matches!(action, Action::ConnectTcp))
        .is_empty());
}

#[test]
fn fsm_two_passive_sides_wait_forever() {
    let (mut network, a, b) = Network::pair(config_a(), config_b());
    network.handle(a, Event::ManualStartWithPassiveTcpEstablishment);
    network.handle(b, Event::AutomaticStartWithPassiveTcpEstablishment);
    network.run_for(seconds(3600));
    assert_eq!(
        (network.state(a), network.state(b)),
        (State::Active, State::Active)
    );
    assert!(network.nodes.iter().all(|node| node.log.is_empty()));
}

#[test]
fn fsm_delay_open_answers_an_early_open() {
    let mut a = config_a();
    a.delay_open_time = Some(seconds(5));
    let (mut network, a, b) = Network::pair(a, config_b());
    network.handle(b, Event::ManualStartWithPassiveTcpEstablishment);
    network.handle(a, Event::ManualStart);
    // B sent its OPEN at once; A answered it (event 20) without waiting for its DelayOpenTimer.
    assert_eq!(network.state(a), State::Established);
    assert_eq!(network.times(a, is_established), vec![0]);
    assert_eq!(network.session(a).timer(Timer::DelayOpen), None);
}

#[test]
fn fsm_delay_open_on_both_sides_waits_for_the_timer() {
    let mut a = config_a();
    a.delay_open_time = Some(seconds(5));
    let mut b = config_b();
    b.delay_open_time = Some(seconds(7));
    let (mut network, a, b) = Network::pair(a, b);
    network.handle_together(vec![(a, Event::ManualStart), (b, Event::ManualStart)]);
    assert_eq!(network.state(a), State::Connect);
    assert_eq!(network.state(b), State::Connect);
    network.run_for(seconds(10));
    assert_eq!(
        network.times(a, |action| matches!(action, Action::SendOpen(_))),
        vec![5]
    );
    // B's OPEN answered A's before B's own timer fired.
    assert_eq!(
        network.times(b, |action| matches!(action, Action::SendOpen(_))),
        vec![5]
    );
    assert_eq!(network.times(a, is_established), vec![5]);
    assert_eq!(network.state(b), State::Established);
}

// ---- Timers

#[test]
fn fsm_keepalives_every_third_of_the_hold_time() {
    let (mut network, a, b) = established_pair(config_a(), config_b());
    network.run_for(seconds(100));
    // One in OpenConfirm, then every 30 s.
    assert_eq!(network.times(a, is_keepalive), vec![0, 30, 60, 90]);
    assert_eq!(network.times(b, is_keepalive), vec![0, 30, 60, 90]);
    assert_eq!(network.state(a), State::Established);
    assert_eq!(
        network.session(a).timer(Timer::Hold),
        Some(network.at(90 + 90))
    );
}

#[test]
fn fsm_hold_timer_expiry_sends_4_0_and_goes_idle() {
    let (mut network, a, b) = established_pair(config_a(), config_b());
    network.nodes[b].muted = true;
    network.run_for(seconds(89));
    assert_eq!(network.state(a), State::Established);
    network.run_for(seconds(1));
    assert_eq!(network.state(a), State::Idle);
    assert_eq!(
        network.notifications_sent(a),
        vec![Notification::new(4, 0, vec![])]
    );
    let tail: Vec<&Action> = network.nodes[a]
        .log
        .iter()
        .rev()
        .take(2)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        tail,
        vec![
            &Action::SessionDown(DownReason::HoldTimerExpired),
            &Action::DropTcp
        ]
    );
    assert_eq!(network.state(b), State::Idle);
    assert_eq!(
        network.session(b).last_down_reason(),
        Some(&DownReason::NotificationReceived(
            Notification::hold_timer_expired()
        ))
    );
}

#[test]
fn fsm_hold_time_is_the_smaller_proposal() {
    let mut a = config_a();
    a.hold_time = 30;
    let (mut network, a, b) = established_pair(a, config_b());
    for node in [a, b] {
        let negotiated = network.session(node).negotiated().expect("established");
        assert_eq!((negotiated.hold_time, negotiated.keepalive_time), (30, 10));
    }
    network.run_for(seconds(35));
    assert_eq!(network.times(b, is_keepalive), vec![0, 10, 20, 30]);
}

#[test]
fn fsm_hold_time_zero_means_no_keepalives() {
    let mut b = config_b();
    b.hold_time = 0;
    let (mut network, a, b) = established_pair(config_a(), b);
    assert_eq!(
        network.session(a).negotiated().map(|n| n.hold_time),
        Some(0)
    );
    assert_eq!(network.session(a).poll_timeout(), None);
    assert_eq!(network.session(b).poll_timeout(), None);
    network.run_for(seconds(24 * 3600));
    // Only the KEEPALIVE that confirms the OPEN.
    assert_eq!(network.times(a, is_keepalive), vec![0]);
    assert_eq!(
        (network.state(a), network.state(b)),
        (State::Established, State::Established)
    );
}

#[test]
fn fsm_open_sent_waits_four_minutes_for_the_open() {
    let mut session = Session::new(config_a()).expect("valid");
    let now = Instant::now();
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    assert_eq!(session.state(), State::OpenSent);
    assert_eq!(session.timer(Timer::Hold), Some(now + seconds(240)));
    assert_eq!(session.timer(Timer::ConnectRetry), None);
    drain(&mut session);
    session.handle_timeout(now + seconds(240));
    assert_eq!(
        drain(&mut session),
        vec![
            Action::SendNotification(Notification::hold_timer_expired()),
            Action::DropTcp,
        ]
    );
    assert_eq!(session.state(), State::Idle);
}

#[test]
fn fsm_connect_retry_in_connect_and_active() {
    let mut session = Session::new(config_a()).expect("valid");
    let start = Instant::now();
    session.handle(Event::ManualStart, start);
    assert_eq!(drain(&mut session), vec![Action::ConnectTcp]);
    assert_eq!(session.state(), State::Connect);
    assert_eq!(session.poll_timeout(), Some(start + seconds(120)));

    // The attempt hangs: after ConnectRetryTime it is abandoned and a new one started.
    session.handle_timeout(start + seconds(119));
    assert!(drain(&mut session).is_empty());
    session.handle_timeout(start + seconds(120));
    assert_eq!(
        drain(&mut session),
        vec![Action::DropTcp, Action::ConnectTcp]
    );
    assert_eq!(session.state(), State::Connect);

    // The attempt is refused: listen in Active, try again after ConnectRetryTime.
    let refused = start + seconds(121);
    session.handle(Event::TcpConnectionFails, refused);
    assert!(drain(&mut session).is_empty());
    assert_eq!(session.state(), State::Active);
    assert_eq!(
        session.timer(Timer::ConnectRetry),
        Some(refused + seconds(120))
    );
    session.handle_timeout(refused + seconds(120));
    assert_eq!(drain(&mut session), vec![Action::ConnectTcp]);
    assert_eq!(session.state(), State::Connect);
    assert_eq!(session.connect_retry_counter(), 1);
}

#[test]
fn fsm_connect_retry_against_a_peer_that_is_down() {
    let mut a = config_a();
    a.connect_retry_time = seconds(30);
    let (mut network, a, b) = Network::pair(a, config_b());
    network.handle(a, Event::ManualStart);
    network.run_for(seconds(100));
    assert_eq!(
        network.times(a, |action| matches!(action, Action::ConnectTcp)),
        vec![0, 30, 60, 90]
    );
    assert_eq!(network.state(a), State::Active);
    // B comes up passive; A's next retry finds it.
    network.handle(b, Event::ManualStartWithPassiveTcpEstablishment);
    network.run_for(seconds(20));
    assert_eq!(network.times(a, is_established), vec![120]);
}

// ---- Stopping

#[test]
fn fsm_manual_stop_sends_administrative_shutdown_with_communication() {
    let (mut network, a, b) = established_pair(config_a(), config_b());
    let text = "maintenance until 14:00 UTC — ticket 4711";
    let communication = ShutdownCommunication::new(text).expect("short enough");
    network.handle(a, Event::ManualStop(Some(communication.clone())));
    let mut data = vec![u8::try_from(text.len()).expect("short")];
    data.extend_from_slice(text.as_bytes());
    let cease = Notification::new(code::CEASE, 2, data);
    assert_eq!(network.notifications_sent(a), vec![cease.clone()]);
    let tail: Vec<Action> = network.nodes[a]
        .log
        .iter()
        .rev()
        .take(3)
        .map(|(_, a)| a.clone())
        .collect();
    assert_eq!(
        tail,
        vec![
            Action::SessionDown(DownReason::ManualStop(Some(communication))),
            Action::DropTcp,
            Action::SendNotification(cease.clone()),
        ]
    );
    assert_eq!(network.state(a), State::Idle);
    assert!(network.session(a).is_administratively_down());
    assert_eq!(network.session(a).poll_timeout(), None);
    assert_eq!(
        network.session(b).last_down_reason(),
        Some(&DownReason::NotificationReceived(cease))
    );
    // B keeps trying; A stays down, even when the speaker asks for an automatic start.
    network.handle(a, Event::AutomaticStart);
    network.run_for(seconds(600));
    assert_eq!(network.state(a), State::Idle);
    assert!(
        network
            .times(b, |action| matches!(action, Action::ConnectTcp))
            .len()
            > 2
    );
    // Until an operator starts it again.
    network.handle(a, Event::ManualStartWithPassiveTcpEstablishment);
    network.run_for(seconds(300));
    assert_eq!(network.state(a), State::Established);
}

#[test]
fn fsm_shutdown_communication_is_at_most_255_octets() {
    assert!(ShutdownCommunication::new("é".repeat(127)).is_ok()); // 254 octets
    assert_eq!(
        ShutdownCommunication::new("é".repeat(128)),
        Err(ShutdownCommunicationError::TooLong(256))
    );
    assert_eq!(
        Notification::administrative_shutdown(None),
        Notification::new(6, 2, vec![])
    );
}

#[test]
fn fsm_manual_stop_before_open_sends_nothing() {
    let mut session = Session::new(config_a()).expect("valid");
    let now = Instant::now();
    session.handle(Event::ManualStart, now);
    drain(&mut session);
    session.handle(Event::ManualStop(None), now);
    assert_eq!(drain(&mut session), vec![Action::DropTcp]);
    assert_eq!(session.state(), State::Idle);
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn fsm_automatic_stop_sends_cease_and_restarts() {
    let now = Instant::now();
    let mut session = established_a(config_a(), open_from_b(), now);
    session.handle(Event::AutomaticStop(CeaseSubcode::AdministrativeReset), now);
    assert_eq!(
        drain(&mut session),
        vec![
            Action::SendNotification(Notification::new(6, 4, vec![])),
            Action::DropTcp,
            Action::SessionDown(DownReason::AutomaticStop(CeaseSubcode::AdministrativeReset)),
        ]
    );
    assert_eq!(session.timer(Timer::IdleHold), Some(now + seconds(5)));
}

// ---- Restarts and limits

#[test]
fn fsm_automatic_restart_backs_off_exponentially() {
    let mut config = config_a();
    config.idle_hold = IdleHoldBackoff {
        initial: seconds(5),
        max: seconds(20),
        forget_after: seconds(300),
    };
    let mut session = Session::new(config).expect("valid");
    let mut now = Instant::now();
    session.handle(Event::ManualStart, now);
    let mut waits = Vec::new();
    for _ in 0..5 {
        session.handle(Event::TcpCrAcked, now);
        session.handle(
            Event::NotifMsg(Notification::cease(CeaseSubcode::OutOfResources)),
            now,
        );
        assert_eq!(session.state(), State::Idle);
        let restart = session.timer(Timer::IdleHold).expect("restart armed");
        waits.push(restart.duration_since(now).as_secs());
        // Automatic starts are damped while the back-off runs.
        session.handle(Event::AutomaticStart, now);
        assert_eq!(session.state(), State::Idle);
        drain(&mut session);
        now = restart;
        session.handle_timeout(now);
        assert_eq!(drain(&mut session), vec![Action::ConnectTcp]);
        assert_eq!(session.state(), State::Connect);
    }
    assert_eq!(waits, vec![5, 10, 20, 20, 20]);
    assert_eq!(session.connect_retry_counter(), 5);

    // A session that stayed up for the forget time starts again from the initial wait.
    session.handle(Event::TcpCrAcked, now);
    let quiet_peer = OpenParameters {
        hold_time: 0,
        ..open_from_b()
    };
    session.handle(Event::BgpOpen(quiet_peer), now);
    session.handle(Event::KeepAliveMsg, now);
    assert_eq!(session.state(), State::Established);
    now += seconds(300);
    session.handle(Event::TcpConnectionFails, now);
    assert_eq!(session.timer(Timer::IdleHold), Some(now + seconds(5)));
}

#[test]
fn fsm_no_automatic_restart_when_disabled() {
    let mut config = config_a();
    config.automatic_restart = false;
    let now = Instant::now();
    let mut session = established_a(config, open_from_b(), now);
    session.handle(Event::TcpConnectionFails, now);
    assert_eq!(session.state(), State::Idle);
    assert_eq!(session.poll_timeout(), None);
    // The speaker may still start it.
    session.handle(Event::AutomaticStart, now);
    assert_eq!(session.state(), State::Connect);
}

#[test]
fn fsm_prefix_limit_sends_cease_1_and_restarts_after_the_configured_time() {
    let mut a = config_a();
    a.prefix_limit_restart = Some(seconds(60));
    let (mut network, a, b) = established_pair(a, config_b());
    network.run_for(seconds(10));
    let now = network.now;
    network.nodes[a]
        .session
        .prefix_limit_exceeded(AddressFamily::IPV4_UNICAST, 1000, now);
    network.drive();
    let cease = Notification::new(code::CEASE, 1, vec![0, 1, 1, 0, 0, 0x03, 0xe8]);
    assert_eq!(network.notifications_sent(a), vec![cease.clone()]);
    assert!(network.nodes[a].log.iter().any(|(_, action)| {
        *action
            == Action::SessionDown(DownReason::PrefixLimit {
                family: AddressFamily::IPV4_UNICAST,
                limit: 1000,
            })
    }));
    assert_eq!(
        network.session(a).timer(Timer::IdleHold),
        Some(network.at(70))
    );
    assert_eq!(
        network.session(b).last_down_reason(),
        Some(&DownReason::NotificationReceived(cease))
    );
    // B retries after its own back-off and is refused; A comes back after 60 s and connects.
    network.run_until(network.at(69));
    assert_eq!(network.state(a), State::Idle);
    network.run_until(network.at(71));
    assert_eq!(network.times(a, is_established), vec![0, 70]);
    assert_eq!(network.state(b), State::Established);
}

#[test]
fn fsm_prefix_limit_without_restart_stays_down() {
    let now = Instant::now();
    let mut session = established_a(config_a(), open_from_b(), now);
    session.prefix_limit_exceeded(AddressFamily::IPV6_UNICAST, 10, now);
    assert_eq!(session.state(), State::Idle);
    assert_eq!(session.poll_timeout(), None);
    assert!(session.is_administratively_down());
    // Notification, drop, session down; outside Established the hook then does nothing.
    assert_eq!(drain(&mut session).len(), 3);
    session.prefix_limit_exceeded(AddressFamily::IPV6_UNICAST, 10, now);
    assert!(drain(&mut session).is_empty());
}

// ---- Messages in each state

#[test]
fn fsm_update_in_established_is_processed_and_restarts_the_hold_timer() {
    let start = Instant::now();
    let mut session = established_a(config_a(), open_from_b(), start);
    let later = start + seconds(50);
    session.handle(Event::UpdateMsg, later);
    assert_eq!(drain(&mut session), vec![Action::ProcessUpdate]);
    assert_eq!(session.timer(Timer::Hold), Some(later + seconds(90)));
    // Sending an UPDATE postpones the next KEEPALIVE.
    assert_eq!(session.timer(Timer::Keepalive), Some(start + seconds(30)));
    session.update_sent(start + seconds(20));
    assert_eq!(session.timer(Timer::Keepalive), Some(start + seconds(50)));
}

#[test]
fn fsm_unexpected_messages_are_fsm_errors_with_the_rfc_6608_subcode() {
    let now = Instant::now();
    // KEEPALIVE in OpenSent.
    let mut session = Session::new(config_a()).expect("valid");
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    drain(&mut session);
    session.handle(Event::KeepAliveMsg, now);
    assert_eq!(
        drain(&mut session),
        vec![
            Action::SendNotification(Notification::fsm_error(fsm_subcode::OPEN_SENT)),
            Action::DropTcp,
        ]
    );
    assert_eq!(
        session.last_down_reason(),
        Some(&DownReason::UnexpectedEvent {
            state: State::OpenSent,
            event: 26
        })
    );
    // UPDATE in OpenConfirm.
    let mut session = Session::new(config_a()).expect("valid");
    session.handle(Event::ManualStart, now);
    session.handle(Event::TcpCrAcked, now);
    session.handle(Event::BgpOpen(open_from_b()), now);
    assert_eq!(session.state(), State::OpenConfirm);
    drain(&mut session);
    session.handle(Event::UpdateMsg, now);
    assert_eq!(
        drain(&mut session)[0],
        Action::SendNotification(Notification::new(5, 2, vec![]))
    );
    // A second OPEN in Established.
    let mut session = established_a(config_a(), open_from_b(), now);
    session.handle(Event::BgpOpen(open_from_b()), now);
    let actions = drain(&mut session);
    assert_eq!(
        actions[0],
        Action::SendNotification(Notification::new(5, 3, vec![]))
    );
    assert!(matches!(
        actions[2],
        Action::SessionDown(DownReason::UnexpectedEvent { .. })
    ));
}

#[test]
fn fsm_decode_errors_send_the_given_notification() {
    let now = Instant::now();
    let mut session = established_a(config_a(), open_from_b(), now);
    let malformed = Notification::new(code::UPDATE_MESSAGE, 1, vec![]);
    session.handle(Event::UpdateMsgErr(malformed.clone()), now);
    assert_eq!(
        drain(&mut session),
        vec![
            Action::SendNotification(malformed.clone()),
            Action::DropTcp,
            Action::SessionDown(DownReason::MessageError(malformed)),
        ]
    );
}

#[test]
fn fsm_idle_refuses_connections_and_ignores_messages() {
    let now = Instant::now();
    let mut session = Session::new(config_a()).expect("valid");
    session.handle(Event::TcpConnectionConfirmed, now);
    assert_eq!(drain(&mut session), vec![Action::DropTcp]);
    session.handle(Event::KeepAliveMsg, now);
    session.handle(Event::HoldTimerExpires, now);
    assert!(drain(&mut session).is_empty());
    assert_eq!(session.state(), State::Idle);
    assert_eq!(
        Session::new(SessionConfig::new(
            AS_A,
            Ipv4Addr::UNSPECIFIED,
            PeerAsn::Any
        ))
        .err(),
        Some(ConfigError::RouterId)
    );
}

#[test]
fn fsm_event_numbers_follow_rfc_4271() {
    let numbers: Vec<u8> = [
        Event::ManualStart,
        Event::ManualStop(None),
        Event::AutomaticStart,
        Event::ManualStartWithPassiveTcpEstablishment,
        Event::AutomaticStartWithPassiveTcpEstablishment,
        Event::AutomaticStop(CeaseSubcode::PeerDeconfigured),
        Event::ConnectRetryTimerExpires,
        Event::HoldTimerExpires,
        Event::KeepaliveTimerExpires,
        Event::DelayOpenTimerExpires,
        Event::IdleHoldTimerExpires,
        Event::TcpCrAcked,
        Event::TcpConnectionConfirmed,
        Event::TcpConnectionFails,
        Event::BgpOpen(open_from_b()),
        Event::BgpHeaderErr(Notification::new(1, 2, vec![])),
        Event::BgpOpenMsgErr(Notification::new(2, 4, vec![])),
        Event::OpenCollisionDump,
        Event::NotifMsgVerErr(Notification::new(2, 1, vec![])),
        Event::NotifMsg(Notification::new(6, 2, vec![])),
        Event::KeepAliveMsg,
        Event::UpdateMsg,
        Event::UpdateMsgErr(Notification::new(3, 1, vec![])),
    ]
    .iter()
    .map(Event::number)
    .collect();
    assert_eq!(
        numbers,
        vec![1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 28]
    );
}
