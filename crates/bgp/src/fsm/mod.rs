//! The BGP-4 session finite state machine (RFC 4271 §8), without I/O.
//!
//! One [`Session`] runs one BGP connection attempt-and-session with one peer. It never touches a socket
//! or a clock: the speaker feeds it [`Event`]s (decoded messages, TCP outcomes, operator commands) and
//! the current time, and drains [`Action`]s (connect, send this, drop the connection, the session is
//! up/down) and the next timer deadline. Connection collisions (RFC 4271 §6.8), where the peer's
//! connection and ours are both open, are resolved across two machines by [`collision`].
//!
//! Files: [`event`] (states, events, actions, timers), [`config`], [`negotiate`](mod@negotiate) (the
//! OPEN checks and what both sides agree on), [`notification`] (the NOTIFICATIONs it sends),
//! [`collision`]. The design note is `docs/design/bgp-fsm.md`.
//!
//! Where globe departs from the letter of RFC 4271 §8.2.2, following BIRD and FRR, the transition says so
//! in a comment: a failed connection attempt in Connect goes to Active and retries after
//! ConnectRetryTime instead of dropping to Idle; a passive machine never connects out; a NOTIFICATION
//! received in OpenSent is not answered with another; restarts after errors are always damped by the
//! IdleHold back-off.

pub mod collision;
pub mod config;
pub mod event;
pub mod negotiate;
pub mod notification;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::family::AddressFamily;

pub use config::{
    ConfigError, IdleHoldBackoff, PeerAsn, SessionConfig, ShutdownCommunication,
    ShutdownCommunicationError,
};
pub use event::{Action, Direction, DownReason, Event, State, Timer};
pub use negotiate::{
    negotiate, GracefulRestart, GracefulRestartFamily, Negotiated, NegotiationInput, OpenError,
    OpenParameters, Role,
};
pub use notification::{CeaseSubcode, Notification};

/// The session state machine of one BGP connection with one peer.
///
/// The contract, as in quinn-proto's `Connection`:
/// - input: [`handle`](Session::handle) takes an [`Event`] with the current time, and
///   [`handle_timeout`](Session::handle_timeout) fires the timers that are due at `now`;
///   [`prefix_limit_exceeded`](Session::prefix_limit_exceeded) and
///   [`update_sent`](Session::update_sent) are the two hooks outside RFC 4271's event list;
/// - output: after every input, drain [`poll_action`](Session::poll_action) until `None` and carry the
///   actions out in order, then sleep until [`poll_timeout`](Session::poll_timeout).
///
/// Time only ever comes in through `now`, which must not go backwards.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    actions: VecDeque<Action>,
    timers: Timers,
    /// ConnectRetryCounter (RFC 4271 §8.1.1): failures since the last ManualStart, for operators.
    connect_retry_counter: u32,
    /// The machine was last started passively (events 4 and 5); automatic restarts keep the mode.
    passive: bool,
    /// A ManualStop (or a prefix limit without restart) holds the machine Idle until a ManualStart.
    administratively_down: bool,
    /// The connection the machine runs on, from the moment TCP is up.
    connection: Option<Direction>,
    /// What the peer's OPEN settled, from OpenConfirm on.
    negotiated: Option<Negotiated>,
    /// The next IdleHold back-off.
    backoff: Duration,
    /// When the session last reached Established, while it is.
    established_at: Option<Instant>,
    last_down: Option<DownReason>,
}

/// What happens after the machine falls back to Idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Restart {
    /// Stay Idle until a ManualStart (event 2).
    Never,
    /// Restart after the IdleHold back-off, which then doubles (errors).
    Backoff,
    /// Restart after this long, or never (prefix limit).
    After(Option<Duration>),
}

impl Session {
    /// A machine in Idle with this configuration; it does nothing until a start event.
    pub fn new(config: SessionConfig) -> Result<Session, ConfigError> {
        config.validate()?;
        Ok(Session {
            backoff: config.idle_hold.initial,
            config,
            state: State::Idle,
            actions: VecDeque::new(),
            timers: Timers::default(),
            connect_retry_counter: 0,
            passive: false,
            administratively_down: false,
            connection: None,
            negotiated: None,
            established_at: None,
            last_down: None,
        })
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Which side opened the connection the machine runs on, once TCP is up.
    pub fn connection(&self) -> Option<Direction> {
        self.connection
    }

    /// What the OPEN exchange settled, in OpenConfirm and Established.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// The deadline of one timer, when it runs.
    pub fn timer(&self, timer: Timer) -> Option<Instant> {
        *self.timers.slot(timer)
    }

    /// ConnectRetryCounter: how often the session failed since the last ManualStart.
    pub fn connect_retry_counter(&self) -> u32 {
        self.connect_retry_counter
    }

    /// Why the machine last went to Idle.
    pub fn last_down_reason(&self) -> Option<&DownReason> {
        self.last_down.as_ref()
    }

    /// True after a ManualStop until the next ManualStart: automatic starts are ignored.
    pub fn is_administratively_down(&self) -> bool {
        self.administratively_down
    }

    /// The next action to carry out, oldest first.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The earliest timer deadline; call [`handle_timeout`](Session::handle_timeout) then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        Timer::ALL
            .iter()
            .filter_map(|&timer| *self.timers.slot(timer))
            .min()
    }

    /// Fires every timer due at `now`, earliest first, each as its RFC 4271 event. A timer re-armed
    /// while handling an earlier one fires on a later call.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due: Vec<(Instant, Timer)> = Timer::ALL
            .iter()
            .filter_map(|&timer| self.timers.slot(timer).map(|deadline| (deadline, timer)))
            .filter(|&(deadline, _)| deadline <= now)
            .collect();
        due.sort_by_key(|&(deadline, _)| deadline);
        for (deadline, timer) in due {
            // An earlier expiry may have stopped or moved this timer.
            if *self.timers.slot(timer) == Some(deadline) {
                self.handle(timer.event(), now);
            }
        }
    }

    /// The hook for the prefix limit (RFC 4486 §4): the RIB counted more than `limit` prefixes of
    /// `family` from the peer. In Established the machine sends Cease / Maximum Number of Prefixes
    /// Reached, drops the session and stays Idle for `prefix_limit_restart` (or until a ManualStart
    /// when that is unset). In any other state it does nothing.
    pub fn prefix_limit_exceeded(&mut self, family: AddressFamily, limit: u32, now: Instant) {
        if self.state != State::Established {
            return;
        }
        let restart = self.config.prefix_limit_restart;
        self.stop(
            now,
            DownReason::PrefixLimit { family, limit },
            Some(Notification::maximum_prefixes(family, limit)),
            Restart::After(restart),
        );
    }

    /// The speaker sent an UPDATE: in Established that restarts the KeepaliveTimer (RFC 4271 §4.4), so
    /// KEEPALIVEs are sent only on an otherwise quiet session.
    pub fn update_sent(&mut self, now: Instant) {
        if self.state == State::Established && self.timers.keepalive.is_some() {
            self.timers.keepalive = self.keepalive_deadline(now);
        }
    }

    /// Takes one event at time `now`. Every transition of RFC 4271 §8.2.2 is in this one `match`, by
    /// state, with the RFC's event numbers.
    pub fn handle(&mut self, event: Event, now: Instant) {
        use Event::*;
        use State::*;

        // A NOTIFICATION with Unsupported Version Number is event 24, whatever the caller called it.
        let event = match event {
            NotifMsg(notification) if notification.is_version_error() => {
                NotifMsgVerErr(notification)
            }
            event => event,
        };
        // A timer's expiry consumes its deadline, whether it came from handle_timeout or the caller.
        if let Some(timer) = event.timer() {
            *self.timers.slot_mut(timer) = None;
        }
        let number = event.number();

        match (self.state, event) {
            // ---- Idle: refuses connections, waits to be started.
            (Idle, ManualStart) => {
                // 1
                self.administratively_down = false;
                self.connect_retry_counter = 0;
                self.start(now, false);
            }
            (Idle, ManualStartWithPassiveTcpEstablishment) => {
                // 4
                self.administratively_down = false;
                self.connect_retry_counter = 0;
                self.start(now, true);
            }
            (Idle, AutomaticStart | AutomaticStartWithPassiveTcpEstablishment) => {
                // 3, 5: damped while the IdleHold back-off runs; never after a ManualStop.
                if !self.administratively_down && self.timers.idle_hold.is_none() {
                    self.start(now, number == 5);
                }
            }
            (Idle, IdleHoldTimerExpires) => {
                // 13: the back-off is over; restart in the mode of the last start.
                if !self.administratively_down {
                    self.start(now, self.passive);
                }
            }
            (Idle, TcpCrAcked | TcpConnectionConfirmed) => {
                // 16, 17: Idle refuses all connections.
                self.actions.push_back(Action::DropTcp);
            }
            (Idle, _) => {
                // 2, 8-12, 18-28: no effect in Idle.
            }

            // ---- Every other state ignores start events.
            (
                _,
                ManualStart
                | AutomaticStart
                | ManualStartWithPassiveTcpEstablishment
                | AutomaticStartWithPassiveTcpEstablishment,
            ) => {
                // 1, 3, 4, 5
            }

            // ---- Connect (waiting for our connection) and Active (listening).
            (Connect | Active, ManualStop(communication)) => {
                // 2: no OPEN sent yet, so no NOTIFICATION.
                self.stop(
                    now,
                    DownReason::ManualStop(communication),
                    None,
                    Restart::Never,
                );
            }
            (Connect | Active, AutomaticStop(subcode)) => {
                // 8
                self.stop(
                    now,
                    DownReason::AutomaticStop(subcode),
                    None,
                    Restart::Backoff,
                );
            }
            (Connect | Active, ConnectRetryTimerExpires) => {
                // 9: abandon the attempt in progress (Connect) and try again.
                if self.state == Connect {
                    self.actions.push_back(Action::DropTcp);
                }
                self.timers.delay_open = None;
                self.connection = None;
                self.connect(now);
            }
            (Connect | Active, DelayOpenTimerExpires) if self.connection.is_some() => {
                // 12
                self.send_open(now);
            }
            (Connect | Active, TcpCrAcked | TcpConnectionConfirmed) => {
                // 16, 17
                if self.connection.is_some() {
                    // A second connection: the speaker runs it in a second machine (see `collision`).
                    return;
                }
                self.connection = Some(if number == 16 {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                });
                self.timers.connect_retry = None;
                match self.config.delay_open_time {
                    Some(delay) => self.timers.delay_open = Some(now + delay),
                    None => self.send_open(now),
                }
            }
            (Connect, TcpConnectionFails) => {
                // 18. RFC 4271 goes to Idle unless DelayOpen runs; like BIRD and FRR, globe keeps
                // listening in Active and retries after ConnectRetryTime.
                self.timers.delay_open = None;
                self.connection = None;
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                self.listen(now);
            }
            (Active, TcpConnectionFails) => {
                // 18
                self.stop(now, DownReason::TcpConnectionFailed, None, Restart::Backoff);
            }
            (Connect | Active, BgpOpen(open)) if self.timers.delay_open.is_some() => {
                // 20: BGPOpen with DelayOpenTimer running: answer with OPEN and KEEPALIVE.
                self.timers.delay_open = None;
                self.timers.connect_retry = None;
                match negotiate::negotiate(&self.config, &open) {
                    Ok(negotiated) => {
                        self.actions
                            .push_back(Action::SendOpen(self.config.open_parameters()));
                        self.open_confirm(negotiated, now);
                    }
                    // Sending a NOTIFICATION before our OPEN is the optional
                    // SendNOTIFICATIONwithoutOPEN; it tells the peer's operator what is wrong.
                    Err(error) => self.reject_open(error, now),
                }
            }
            (Connect | Active, BgpHeaderErr(notification) | BgpOpenMsgErr(notification)) => {
                // 21, 22: SendNOTIFICATIONwithoutOPEN when there is a connection (DelayOpen).
                let send = self.connection.is_some().then(|| notification.clone());
                self.stop(
                    now,
                    DownReason::MessageError(notification),
                    send,
                    Restart::Backoff,
                );
            }
            (Connect | Active, NotifMsgVerErr(notification) | NotifMsg(notification)) => {
                // 24, 25
                let reason = DownReason::NotificationReceived(notification);
                self.stop(now, reason, None, Restart::Backoff);
            }
            (state @ (Connect | Active), _) => {
                // 10-13, 19, 23, 26-28: FSM error; no OPEN was sent, so no NOTIFICATION.
                let reason = DownReason::UnexpectedEvent {
                    state,
                    event: number,
                };
                self.stop(now, reason, None, Restart::Backoff);
            }

            // ---- OpenSent, OpenConfirm, Established: our OPEN is out.
            (OpenSent | OpenConfirm | Established, ManualStop(communication)) => {
                // 2
                let notification = Notification::administrative_shutdown(communication.as_ref());
                let reason = DownReason::ManualStop(communication);
                self.stop(now, reason, Some(notification), Restart::Never);
            }
            (OpenSent | OpenConfirm | Established, AutomaticStop(subcode)) => {
                // 8
                let notification = Notification::cease(subcode);
                self.stop(
                    now,
                    DownReason::AutomaticStop(subcode),
                    Some(notification),
                    Restart::Backoff,
                );
            }
            (OpenSent | OpenConfirm | Established, HoldTimerExpires) => {
                // 10
                let notification = Notification::hold_timer_expired();
                self.stop(
                    now,
                    DownReason::HoldTimerExpired,
                    Some(notification),
                    Restart::Backoff,
                );
            }
            (OpenConfirm | Established, KeepaliveTimerExpires) => {
                // 11
                self.actions.push_back(Action::SendKeepalive);
                self.timers.keepalive = self.keepalive_deadline(now);
            }
            (OpenSent | OpenConfirm | Established, TcpCrAcked | TcpConnectionConfirmed) => {
                // 16, 17: a second connection; the speaker runs it in a second machine and resolves
                // the collision with `collision::resolve` (RFC 4271 §6.8).
            }
            (OpenSent, TcpConnectionFails) => {
                // 18: back to listening; retry unless passive.
                self.timers.hold = None;
                self.connection = None;
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                self.listen(now);
            }
            (OpenConfirm | Established, TcpConnectionFails) => {
                // 18
                self.stop(now, DownReason::TcpConnectionFailed, None, Restart::Backoff);
            }
            (OpenSent, BgpOpen(open)) => {
                // 19: check the OPEN; collision detection is the speaker's (see `collision`).
                self.timers.delay_open = None;
                match negotiate::negotiate(&self.config, &open) {
                    Ok(negotiated) => self.open_confirm(negotiated, now),
                    Err(error) => self.reject_open(error, now),
                }
            }
            (
                OpenSent | OpenConfirm | Established,
                BgpHeaderErr(notification) | BgpOpenMsgErr(notification),
            )
            | (Established, UpdateMsgErr(notification)) => {
                // 21, 22, 28
                let send = Some(notification.clone());
                self.stop(
                    now,
                    DownReason::MessageError(notification),
                    send,
                    Restart::Backoff,
                );
            }
            (OpenSent | OpenConfirm | Established, OpenCollisionDump) => {
                // 23
                let notification = Notification::cease(CeaseSubcode::ConnectionCollisionResolution);
                self.stop(
                    now,
                    DownReason::CollisionDump,
                    Some(notification),
                    Restart::Backoff,
                );
            }
            (
                OpenSent | OpenConfirm | Established,
                NotifMsgVerErr(notification) | NotifMsg(notification),
            ) => {
                // 24, 25. In OpenSent RFC 4271 answers event 25 with an FSM Error; answering a
                // NOTIFICATION with another tells the peer nothing, so globe only closes.
                let reason = DownReason::NotificationReceived(notification);
                self.stop(now, reason, None, Restart::Backoff);
            }
            (OpenConfirm, KeepAliveMsg) => {
                // 26: the session is up.
                self.restart_hold_timer(now);
                self.state = Established;
                self.established_at = Some(now);
                if let Some(negotiated) = &self.negotiated {
                    self.actions
                        .push_back(Action::SessionEstablished(negotiated.clone()));
                }
            }
            (Established, KeepAliveMsg) => {
                // 26
                self.restart_hold_timer(now);
            }
            (Established, UpdateMsg) => {
                // 27
                self.restart_hold_timer(now);
                self.actions.push_back(Action::ProcessUpdate);
            }
            (state @ (OpenSent | OpenConfirm | Established), _) => {
                // 9, 11 (OpenSent), 12, 13, 19 (OpenConfirm, Established), 20, 26 (OpenSent), 27 and
                // 28 (before Established): Finite State Machine Error with the RFC 6608 subcode.
                let subcode = match state {
                    OpenSent => notification::fsm_subcode::OPEN_SENT,
                    OpenConfirm => notification::fsm_subcode::OPEN_CONFIRM,
                    _ => notification::fsm_subcode::ESTABLISHED,
                };
                let reason = DownReason::UnexpectedEvent {
                    state,
                    event: number,
                };
                let notification = Notification::fsm_error(subcode);
                self.stop(now, reason, Some(notification), Restart::Backoff);
            }
        }
    }

    /// Leaves Idle: connect out (Connect) or, when passive, listen (Active).
    fn start(&mut self, now: Instant, passive: bool) {
        self.passive = passive;
        self.timers.idle_hold = None;
        if passive {
            self.listen(now);
        } else {
            self.connect(now);
        }
    }

    /// Starts an outgoing connection attempt, bounded by the ConnectRetryTimer; state Connect.
    fn connect(&mut self, now: Instant) {
        self.timers.connect_retry = Some(now + self.config.connect_retry_time);
        self.actions.push_back(Action::ConnectTcp);
        self.state = State::Connect;
    }

    /// Waits for the peer to connect; state Active. A non-passive machine also connects out again when
    /// the ConnectRetryTimer expires. RFC 4271 runs the timer for passive machines too, and so connects
    /// out from Active; globe keeps a passive machine passive, as BIRD and FRR do.
    fn listen(&mut self, now: Instant) {
        self.timers.connect_retry = if self.passive {
            None
        } else {
            Some(now + self.config.connect_retry_time)
        };
        self.state = State::Active;
    }

    /// Sends our OPEN and waits for the peer's under the large initial hold time; state OpenSent.
    fn send_open(&mut self, now: Instant) {
        self.timers.connect_retry = None;
        self.timers.delay_open = None;
        self.actions
            .push_back(Action::SendOpen(self.config.open_parameters()));
        self.timers.hold = Some(now + self.config.open_hold_time);
        self.state = State::OpenSent;
    }

    /// The peer's OPEN was accepted: KEEPALIVE, negotiated timers; state OpenConfirm.
    fn open_confirm(&mut self, negotiated: Negotiated, now: Instant) {
        self.actions.push_back(Action::SendKeepalive);
        self.negotiated = Some(negotiated);
        self.restart_hold_timer(now);
        self.timers.keepalive = self.keepalive_deadline(now);
        self.state = State::OpenConfirm;
    }

    /// The peer's OPEN failed a check: the matching OPEN Message Error, then Idle.
    fn reject_open(&mut self, error: OpenError, now: Instant) {
        let notification = error.notification();
        self.stop(
            now,
            DownReason::OpenRejected(error),
            Some(notification),
            Restart::Backoff,
        );
    }

    /// Restarts the HoldTimer with the negotiated hold time; a hold time of 0 stops it.
    fn restart_hold_timer(&mut self, now: Instant) {
        self.timers.hold = self
            .negotiated
            .as_ref()
            .filter(|negotiated| negotiated.hold_time > 0)
            .map(|negotiated| now + Duration::from_secs(negotiated.hold_time.into()));
    }

    /// The next KEEPALIVE: a third of the negotiated hold time from `now`, none when it is 0.
    fn keepalive_deadline(&self, now: Instant) -> Option<Instant> {
        self.negotiated
            .as_ref()
            .filter(|negotiated| negotiated.keepalive_time > 0)
            .map(|negotiated| now + Duration::from_secs(negotiated.keepalive_time.into()))
    }

    /// Falls back to Idle: send the NOTIFICATION if any, drop the connection, stop every timer, report
    /// the session down if it was up, and arm the restart.
    fn stop(
        &mut self,
        now: Instant,
        reason: DownReason,
        notification: Option<Notification>,
        restart: Restart,
    ) {
        if let Some(notification) = notification {
            self.actions
                .push_back(Action::SendNotification(notification));
        }
        if self.connection.is_some() || self.state == State::Connect {
            self.actions.push_back(Action::DropTcp);
        }
        if self.state == State::Established {
            self.actions.push_back(Action::SessionDown(reason.clone()));
        }
        if let Some(established_at) = self.established_at.take() {
            if now.saturating_duration_since(established_at) >= self.config.idle_hold.forget_after {
                self.backoff = self.config.idle_hold.initial;
            }
        }
        self.timers = Timers::default();
        self.connection = None;
        self.negotiated = None;
        self.state = State::Idle;
        self.last_down = Some(reason);

        match restart {
            Restart::Never => {
                self.connect_retry_counter = 0;
                self.administratively_down = true;
            }
            Restart::Backoff => {
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                if self.config.automatic_restart && !self.administratively_down {
                    self.timers.idle_hold = Some(now + self.backoff);
                    self.backoff = self
                        .backoff
                        .saturating_mul(2)
                        .min(self.config.idle_hold.max);
                }
            }
            Restart::After(Some(delay)) => {
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                self.timers.idle_hold = Some(now + delay);
            }
            Restart::After(None) => {
                self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
                self.administratively_down = true;
            }
        }
    }
}

/// The deadlines of the running timers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Timers {
    connect_retry: Option<Instant>,
    hold: Option<Instant>,
    keepalive: Option<Instant>,
    delay_open: Option<Instant>,
    idle_hold: Option<Instant>,
}

impl Timers {
    fn slot(&self, timer: Timer) -> &Option<Instant> {
        match timer {
            Timer::ConnectRetry => &self.connect_retry,
            Timer::Hold => &self.hold,
            Timer::Keepalive => &self.keepalive,
            Timer::DelayOpen => &self.delay_open,
            Timer::IdleHold => &self.idle_hold,
        }
    }

    fn slot_mut(&mut self, timer: Timer) -> &mut Option<Instant> {
        match timer {
            Timer::ConnectRetry => &mut self.connect_retry,
            Timer::Hold => &mut self.hold,
            Timer::Keepalive => &mut self.keepalive,
            Timer::DelayOpen => &mut self.delay_open,
            Timer::IdleHold => &mut self.idle_hold,
        }
    }
}
