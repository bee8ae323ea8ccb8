//! A test network in the style of quinn-proto's `Pair`: session machines wired to each other through an
//! in-memory "TCP" that delivers messages in order, driven by a virtual clock.
//!
//! Each node is one machine. `ConnectTcp` from a node reaches its `target` node, which accepts when it
//! is in Connect or Active and has no connection; otherwise the attempt fails. Messages become the
//! peer's events (`SendOpen` → `BgpOpen`, …); `DropTcp` becomes `TcpConnectionFails` at the peer after
//! the messages already sent. Every action is logged with the time it was taken.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::fsm::collision;
use crate::fsm::{Action, Event, Notification, Session, SessionConfig, State};

/// One machine and its end of the in-memory transport.
pub struct Node {
    pub session: Session,
    /// The node a `ConnectTcp` reaches.
    pub target: Option<usize>,
    /// The node at the other end of the current connection.
    pub peer: Option<usize>,
    pub inbox: VecDeque<Event>,
    /// Every action the machine asked for, with the virtual time.
    pub log: Vec<(Instant, Action)>,
    /// Everything this node sends is lost (a black hole), to let the peer's hold timer run out.
    pub muted: bool,
}

/// The virtual world.
pub struct Network {
    pub nodes: Vec<Node>,
    pub epoch: Instant,
    pub now: Instant,
    /// Pairs of machines of one speaker for the same peer, resolved with `collision::resolve` after
    /// every event, as a speaker would.
    pub collision_pairs: Vec<(usize, usize)>,
}

impl Network {
    pub fn new() -> Self {
        // The only clock read: the origin of virtual time, outside the code under test.
        let epoch = Instant::now();
        Network {
            nodes: Vec::new(),
            epoch,
            now: epoch,
            collision_pairs: Vec::new(),
        }
    }

    /// Two machines connecting to each other; returns their indexes.
    pub fn pair(a: SessionConfig, b: SessionConfig) -> (Self, usize, usize) {
        let mut network = Network::new();
        let a = network.add(a, None);
        let b = network.add(b, Some(a));
        network.nodes[a].target = Some(b);
        (network, a, b)
    }

    pub fn add(&mut self, config: SessionConfig, target: Option<usize>) -> usize {
        let session = Session::new(config).expect("valid test configuration");
        self.nodes.push(Node {
            session,
            target,
            peer: None,
            inbox: VecDeque::new(),
            log: Vec::new(),
            muted: false,
        });
        self.nodes.len() - 1
    }

    pub fn session(&self, node: usize) -> &Session {
        &self.nodes[node].session
    }

    pub fn state(&self, node: usize) -> State {
        self.nodes[node].session.state()
    }

    /// Seconds since the epoch.
    pub fn at(&self, seconds: u64) -> Instant {
        self.epoch + Duration::from_secs(seconds)
    }

    /// Feeds one event to a node now and delivers everything that follows.
    pub fn handle(&mut self, node: usize, event: Event) {
        let now = self.now;
        self.nodes[node].session.handle(event, now);
        self.drive();
    }

    /// Feeds several events at the same instant before delivering anything: "at the same time".
    pub fn handle_together(&mut self, events: Vec<(usize, Event)>) {
        let now = self.now;
        for (node, event) in events {
            self.nodes[node].session.handle(event, now);
        }
        self.drive();
    }

    /// Carries out actions and delivers queued events until nothing moves, without advancing time.
    pub fn drive(&mut self) {
        for _ in 0..100_000 {
            for node in 0..self.nodes.len() {
                self.carry_out(node);
            }
            let Some(node) = (0..self.nodes.len()).find(|&n| !self.nodes[n].inbox.is_empty())
            else {
                return;
            };
            if let Some(event) = self.nodes[node].inbox.pop_front() {
                let now = self.now;
                self.nodes[node].session.handle(event, now);
                self.resolve_collisions();
            }
        }
        panic!("network did not settle");
    }

    /// Runs virtual time forward to `until`, firing timers as they fall due.
    pub fn run_until(&mut self, until: Instant) {
        self.drive();
        loop {
            let next = self
                .nodes
                .iter()
                .filter_map(|node| node.session.poll_timeout())
                .min();
            match next {
                Some(deadline) if deadline <= until => {
                    self.now = self.now.max(deadline);
                    let now = self.now;
                    for node in &mut self.nodes {
                        node.session.handle_timeout(now);
                    }
                    self.drive();
                }
                _ => break,
            }
        }
        self.now = until;
    }

    pub fn run_for(&mut self, duration: Duration) {
        let until = self.now + duration;
        self.run_until(until);
    }

    /// The actions of one node matching `select`, with their times in seconds since the epoch.
    pub fn times<F: Fn(&Action) -> bool>(&self, node: usize, select: F) -> Vec<u64> {
        self.nodes[node]
            .log
            .iter()
            .filter(|(_, action)| select(action))
            .map(|(time, _)| time.duration_since(self.epoch).as_secs())
            .collect()
    }

    /// The NOTIFICATIONs a node sent.
    pub fn notifications_sent(&self, node: usize) -> Vec<Notification> {
        self.nodes[node]
            .log
            .iter()
            .filter_map(|(_, action)| match action {
                Action::SendNotification(notification) => Some(notification.clone()),
                _ => None,
            })
            .collect()
    }

    fn carry_out(&mut self, node: usize) {
        while let Some(action) = self.nodes[node].session.poll_action() {
            self.nodes[node].log.push((self.now, action.clone()));
            match action {
                Action::ConnectTcp => self.connect(node),
                Action::DropTcp => {
                    if let Some(peer) = self.nodes[node].peer.take() {
                        self.nodes[peer].peer = None;
                        self.nodes[peer].inbox.push_back(Event::TcpConnectionFails);
                    }
                }
                Action::SendOpen(open) => self.send(node, Event::BgpOpen(open)),
                Action::SendKeepalive => self.send(node, Event::KeepAliveMsg),
                Action::SendNotification(notification) => {
                    self.send(node, Event::NotifMsg(notification))
                }
                Action::ProcessUpdate | Action::SessionEstablished(_) | Action::SessionDown(_) => {}
            }
        }
    }

    fn connect(&mut self, node: usize) {
        if self.nodes[node].peer.is_some() {
            // The peer's connection came in first and this machine took it: the attempt is abandoned
            // (`collision::on_incoming` said `Deliver { abandon_connect: true }`).
            return;
        }
        let accepted = self.nodes[node].target.filter(|&target| {
            let target = &self.nodes[target];
            target.peer.is_none()
                && matches!(target.session.state(), State::Connect | State::Active)
        });
        match accepted {
            Some(target) => {
                self.nodes[node].peer = Some(target);
                self.nodes[target].peer = Some(node);
                self.nodes[node].inbox.push_back(Event::TcpCrAcked);
                self.nodes[target]
                    .inbox
                    .push_back(Event::TcpConnectionConfirmed);
            }
            None => self.nodes[node].inbox.push_back(Event::TcpConnectionFails),
        }
    }

    fn send(&mut self, node: usize, event: Event) {
        if self.nodes[node].muted {
            return;
        }
        if let Some(peer) = self.nodes[node].peer {
            self.nodes[peer].inbox.push_back(event);
        }
    }

    fn resolve_collisions(&mut self) {
        for index in 0..self.collision_pairs.len() {
            let (first, second) = self.collision_pairs[index];
            let loser = collision::resolve(&self.nodes[first].session, &self.nodes[second].session);
            let loser = match loser {
                Some(collision::Loser::First) => first,
                Some(collision::Loser::Second) => second,
                None => continue,
            };
            let now = self.now;
            self.nodes[loser]
                .session
                .handle(Event::OpenCollisionDump, now);
        }
    }
}
