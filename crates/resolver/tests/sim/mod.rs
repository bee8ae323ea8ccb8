//! A simulated network for the resolution engine: authoritative servers built from zone file text, a
//! virtual clock, per-server latency, and misbehaviours (blackhole, REFUSED, no EDNS, forged responses,
//! out-of-bailiwick poison, ECS scopes). The driver feeds the engine's transmits to the servers and
//! their responses back, in time order (a heap, so ten thousand queries in flight stay cheap), and logs
//! every query. Zones may hold a wildcard (`*.zone.`) one label below an existing name, and NS answers
//! carry the addresses of in-zone name servers in the additional section, as real servers do.
#![allow(dead_code)]

pub mod world;

use globe_dns::edns::EdnsOption;
use globe_dns::{
    Class, ClientSubnet, Edns, Header, Message, Name, Question, RData, RType, Rcode, Record,
};
use globe_resolver::engine::{
    Answer, Protocol, Request, RequestId, Resolver, ResolverConfig, TransmitId,
};
use globe_resolver::hints::RootHints;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// How a simulated server behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers from its zones.
    Normal,
    /// Never answers.
    Blackhole,
    /// Answers REFUSED to everything.
    Refused,
    /// Answers FORMERR to queries with EDNS.
    NoEdns,
    /// Before each real answer, three forgeries arrive: a wrong ID, a wrong source, and the question in
    /// other letter case.
    Spoofing,
    /// Answers REFUSED to queries of this type, normally to the rest.
    RefusesType(RType),
}

/// A simulated authoritative server.
#[derive(Clone, Debug)]
pub struct Server {
    /// Zone apexes it serves.
    pub zones: Vec<Name>,
    /// Its behaviour.
    pub behaviour: Behaviour,
    /// One-way latency.
    pub latency: Duration,
    /// Out-of-bailiwick records added to every answer (answer, authority and additional sections).
    pub poison: bool,
    /// The ECS scope it returns, when asked with ECS.
    pub ecs_scope: Option<u8>,
}

/// One query seen on the wire.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The server.
    pub to: IpAddr,
    /// The name asked, in the case sent.
    pub name: Name,
    /// The type asked.
    pub qtype: RType,
    /// UDP or TCP.
    pub protocol: Protocol,
    /// Whether it had EDNS.
    pub edns: bool,
    /// Its client subnet.
    pub ecs: Option<ClientSubnet>,
}

struct Delivery {
    at: Instant,
    transmit: TransmitId,
    from: SocketAddr,
    bytes: Vec<u8>,
}

/// The world: zones, servers, the engine, the clock.
pub struct Sim {
    pub zones: HashMap<Name, Vec<Record>>,
    pub servers: HashMap<IpAddr, Server>,
    pub resolver: Resolver,
    pub now: Instant,
    pub start: Instant,
    pub log: Vec<Sent>,
    /// Datagrams in flight by arrival time, then sending order.
    deliveries: BinaryHeap<Reverse<(Instant, u64)>>,
    in_flight: HashMap<u64, Delivery>,
    next_delivery: u64,
    answers: HashMap<RequestId, Answer>,
    /// When each answer came out of the engine.
    answered_at: HashMap<RequestId, Instant>,
}

/// The standard test world (see `WORLD` in engine_sim.rs for the picture).
impl Sim {
    /// A world from zone texts and servers, with root hints pointing at `root`.
    pub fn new(config: ResolverConfig, seed: u64, zones: &[&str], root: IpAddr) -> Sim {
        let mut zone_map = HashMap::new();
        for text in zones {
            let records = globe_dns::zonefile::parse_str(text, Some(Name::root()), "sim")
                .expect("zone text parses");
            let apex = records
                .iter()
                .find(|r| r.rtype() == RType::SOA)
                .expect("zone has an SOA")
                .name
                .clone();
            zone_map.insert(apex, records);
        }
        let hints =
            RootHints::from_servers(vec![("a.root-servers.net.".parse().expect("name"), root)]);
        let start = Instant::now();
        Sim {
            zones: zone_map,
            servers: HashMap::new(),
            resolver: Resolver::new(config, hints, StdRng::seed_from_u64(seed)),
            now: start,
            start,
            log: Vec::new(),
            deliveries: BinaryHeap::new(),
            in_flight: HashMap::new(),
            next_delivery: 0,
            answers: HashMap::new(),
            answered_at: HashMap::new(),
        }
    }

    /// Adds a normal server with 10 ms latency.
    pub fn server(&mut self, address: &str, zones: &[&str]) -> &mut Server {
        let address: IpAddr = address.parse().expect("ip");
        self.servers.insert(
            address,
            Server {
                zones: zones.iter().map(|z| z.parse().expect("zone")).collect(),
                behaviour: Behaviour::Normal,
                latency: Duration::from_millis(10),
                poison: false,
                ecs_scope: None,
            },
        );
        self.servers.get_mut(&address).expect("just inserted")
    }

    /// Asks `name` `qtype` and runs the network until the answer is there.
    pub fn resolve(&mut self, name: &str, qtype: RType) -> Answer {
        self.resolve_from(name, qtype, None)
    }

    /// As `resolve`, for a client in `subnet`.
    pub fn resolve_from(
        &mut self,
        name: &str,
        qtype: RType,
        subnet: Option<ClientSubnet>,
    ) -> Answer {
        let id = self.start_request(name, qtype, subnet);
        self.run();
        self.answers.remove(&id).expect("an answer")
    }

    /// Starts a request without running the network.
    pub fn start_request(
        &mut self,
        name: &str,
        qtype: RType,
        subnet: Option<ClientSubnet>,
    ) -> RequestId {
        let request = Request {
            question: Question {
                name: name.parse().expect("name"),
                qtype,
                qclass: Class::IN,
            },
            client_subnet: subnet,
        };
        let id = self.resolver.resolve(request, self.now);
        self.pump();
        id
    }

    /// The answer to a request started with `start_request`, once `run` has finished.
    pub fn take_answer(&mut self, id: RequestId) -> Option<Answer> {
        self.answers.remove(&id)
    }

    /// Runs until nothing is in flight and no timer is armed.
    pub fn run(&mut self) {
        self.run_steps(100_000);
    }

    /// As `run`, allowing up to `steps` deliveries and timeouts (many requests need many).
    pub fn run_steps(&mut self, steps: usize) {
        for _ in 0..steps {
            if !self.step() {
                return;
            }
        }
        panic!("the simulation did not settle");
    }

    /// Runs the network until the clock would pass `until` (virtual time since the start); the clock
    /// is then `until`.
    pub fn run_until(&mut self, until: Duration) {
        let until = self.start + until;
        for _ in 0..100_000 {
            if !self.step_before(Some(until)) {
                break;
            }
        }
        self.now = self.now.max(until);
    }

    /// Delivers the next datagram or fires the next timer, whichever is first; `false` when there is
    /// neither.
    fn step(&mut self) -> bool {
        self.step_before(None)
    }

    /// `step`, unless the next event comes after `until`.
    fn step_before(&mut self, until: Option<Instant>) -> bool {
        self.pump();
        let next_delivery = self.deliveries.peek().map(|Reverse(next)| *next);
        let timeout = self.resolver.poll_timeout();
        let next = match (next_delivery.map(|(at, _)| at), timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
            None => return false,
            Some(next) if until.is_some_and(|until| next > until) => return false,
            Some(_) => {}
        }
        match (next_delivery, timeout) {
            (Some((at, key)), timeout) if timeout.is_none_or(|t| at <= t) => {
                self.deliveries.pop();
                let delivery = self.in_flight.remove(&key).expect("in flight");
                self.now = self.now.max(delivery.at);
                self.resolver.handle_response(
                    delivery.transmit,
                    delivery.from,
                    &delivery.bytes,
                    self.now,
                );
            }
            (_, Some(timeout)) => {
                self.now = self.now.max(timeout);
                self.resolver.handle_timeout(self.now);
            }
            (_, None) => unreachable!("an event is due"),
        }
        self.pump();
        true
    }

    /// When the answer to `id` came, as virtual time since the start.
    pub fn answered_after(&self, id: RequestId) -> Option<Duration> {
        self.answered_at.get(&id).map(|at| *at - self.start)
    }

    /// The number of answers in for requests started with `start_request` and not taken yet.
    pub fn answers_in(&self) -> usize {
        self.answers.len()
    }

    /// Puts a datagram on the wire.
    fn send(&mut self, delivery: Delivery) {
        self.next_delivery += 1;
        self.deliveries
            .push(Reverse((delivery.at, self.next_delivery)));
        self.in_flight.insert(self.next_delivery, delivery);
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Moves the clock on.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// The queries sent since `from` (an index into the log) to `server`.
    pub fn sent_to(&self, server: &str, from: usize) -> Vec<&Sent> {
        let server: IpAddr = server.parse().expect("ip");
        self.log[from..].iter().filter(|s| s.to == server).collect()
    }

    fn pump(&mut self) {
        while let Some(transmit) = self.resolver.poll_transmit() {
            let query = Message::parse(&transmit.payload).expect("the engine sends valid queries");
            let question = query.question().expect("one question").clone();
            self.log.push(Sent {
                to: transmit.to.ip(),
                name: question.name.clone(),
                qtype: question.qtype,
                protocol: transmit.protocol,
                edns: query.edns.is_some(),
                ecs: query.edns.as_ref().and_then(|e| e.client_subnet()).copied(),
            });
            assert_eq!(transmit.to.port(), 53);
            let Some(server) = self.servers.get(&transmit.to.ip()).cloned() else {
                continue; // nobody there: a timeout
            };
            let tcp = transmit.protocol == Protocol::Tcp;
            let Some(response) = self.respond(&server, &query, tcp) else {
                continue;
            };
            let at = self.now + server.latency * 2;
            if server.behaviour == Behaviour::Spoofing {
                self.forge(&transmit.to, transmit.id, &response, at);
            }
            self.send(Delivery {
                at,
                transmit: transmit.id,
                from: transmit.to,
                bytes: response,
            });
        }
        while let Some((id, answer)) = self.resolver.poll_answer() {
            self.answers.insert(id, answer);
            self.answered_at.insert(id, self.now);
        }
    }

    /// Three forged copies of `response`, with the answer changed to 6.6.6.6, arriving before it.
    fn forge(&mut self, to: &SocketAddr, transmit: TransmitId, response: &[u8], real_at: Instant) {
        let mut forged = Message::parse(response).expect("own response");
        for record in &mut forged.answers {
            if let RData::A(_) = record.data {
                record.data = RData::A("6.6.6.6".parse().expect("ip"));
            }
        }
        let early = real_at - Duration::from_millis(5);
        let mut wrong_id = forged.clone();
        wrong_id.header.id = wrong_id.header.id.wrapping_add(1);
        let wrong_source = forged.clone();
        let mut wrong_case = forged.clone();
        if let Some(question) = wrong_case.questions.first_mut() {
            let flipped: Vec<u8> = question
                .name
                .as_wire()
                .iter()
                .map(|b| {
                    if b.is_ascii_alphabetic() {
                        b ^ 0x20
                    } else {
                        *b
                    }
                })
                .collect();
            question.name = Name::from_wire(&flipped).expect("same structure");
        }
        let elsewhere = SocketAddr::new("203.0.113.66".parse().expect("ip"), 53);
        for (message, from) in [
            (wrong_id, *to),
            (wrong_source, elsewhere),
            (wrong_case, *to),
        ] {
            self.send(Delivery {
                at: early,
                transmit,
                from,
                bytes: message.to_wire(),
            });
        }
    }

    /// The server's response bytes, or nothing.
    fn respond(&self, server: &Server, query: &Message, tcp: bool) -> Option<Vec<u8>> {
        let question = query.question()?.clone();
        let mut response = Message {
            header: Header {
                id: query.header.id,
                qr: true,
                ..Header::default()
            },
            questions: vec![question.clone()],
            ..Message::default()
        };
        match server.behaviour {
            Behaviour::Blackhole => return None,
            Behaviour::Refused => {
                response.set_rcode(Rcode::REFUSED);
                return Some(response.to_wire());
            }
            Behaviour::RefusesType(rtype) if question.qtype == rtype => {
                response.set_rcode(Rcode::REFUSED);
                return Some(response.to_wire());
            }
            Behaviour::NoEdns if query.edns.is_some() => {
                response.questions.clear();
                response.set_rcode(Rcode::FORMERR);
                return Some(response.to_wire());
            }
            _ => {}
        }
        let zone = server
            .zones
            .iter()
            .filter(|apex| question.name.is_subdomain_of(apex))
            .max_by_key(|apex| apex.label_count());
        let Some(zone) = zone else {
            response.set_rcode(Rcode::REFUSED);
            return Some(response.to_wire());
        };
        let records = self.zones.get(zone).expect("server's zone exists");
        authoritative(&mut response, zone, records, &question);
        if server.poison {
            let poison: Vec<Record> = globe_dns::zonefile::parse_str(
                "www.victim.net. 300 A 6.6.6.6\nvictim.net. 300 NS ns.evil.example.\n",
                Some(Name::root()),
                "poison",
            )
            .expect("poison");
            response.answers.push(poison[0].clone());
            response.authority.push(poison[1].clone());
            response.additional.push(poison[0].clone());
        }
        if let Some(edns) = &query.edns {
            let mut options = Vec::new();
            if let (Some(scope), Some(ecs)) = (server.ecs_scope, edns.client_subnet()) {
                options.push(EdnsOption::ClientSubnet(ClientSubnet {
                    scope_prefix: scope,
                    ..*ecs
                }));
            }
            response.edns = Some(Edns {
                udp_payload: 1232,
                options,
                ..Edns::default()
            });
        }
        let bytes = response.to_wire();
        let limit = query
            .edns
            .as_ref()
            .map_or(512, |e| usize::from(e.udp_payload.max(512)));
        if !tcp && bytes.len() > limit {
            response.header.tc = true;
            response.answers.clear();
            response.authority.clear();
            response.additional.clear();
            return Some(response.to_wire());
        }
        Some(bytes)
    }
}

/// RFC 1034 §4.3.2, simplified: referral, DNAME, answer (chasing CNAMEs in the zone), NODATA or
/// NXDOMAIN, from one zone's records.
fn authoritative(response: &mut Message, apex: &Name, records: &[Record], question: &Question) {
    let at = |name: &Name| {
        let name = name.clone();
        records.iter().filter(move |r| r.name == name)
    };
    let soa = || at(apex).find(|r| r.rtype() == RType::SOA).cloned();
    let qname = &question.name;
    // A delegation between the apex and the name.
    for labels in apex.label_count() + 1..=qname.label_count() {
        let cut = qname.suffix(labels);
        let ns: Vec<Record> = at(&cut)
            .filter(|r| r.rtype() == RType::NS)
            .cloned()
            .collect();
        if ns.is_empty() {
            continue;
        }
        for record in &ns {
            if let RData::Ns(target) = &record.data {
                response.additional.extend(
                    at(target)
                        .filter(|r| matches!(r.rtype(), RType::A | RType::AAAA))
                        .cloned(),
                );
            }
        }
        response.authority = ns;
        return;
    }
    response.header.aa = true;
    // A DNAME above the name.
    for labels in apex.label_count()..qname.label_count() {
        let owner = qname.suffix(labels);
        if let Some(dname) = at(&owner).find(|r| r.rtype() == RType::DNAME) {
            let RData::Dname(target) = &dname.data else {
                continue;
            };
            response.answers.push(dname.clone());
            if let Ok(synthesised) = qname.replace_suffix(&owner, target) {
                response.answers.push(Record {
                    name: qname.clone(),
                    class: Class::IN,
                    ttl: dname.ttl,
                    data: RData::Cname(synthesised),
                });
            }
            return;
        }
    }
    let mut name = qname.clone();
    for _ in 0..8 {
        let data: Vec<Record> = at(&name)
            .filter(|r| r.rtype() == question.qtype)
            .cloned()
            .collect();
        if !data.is_empty() {
            // The addresses of in-zone name servers go along with an NS answer.
            for record in &data {
                if let RData::Ns(target) = &record.data {
                    response.additional.extend(
                        at(target)
                            .filter(|r| matches!(r.rtype(), RType::A | RType::AAAA))
                            .cloned(),
                    );
                }
            }
            response.answers.extend(data.into_iter().map(|mut r| {
                r.name = name.clone();
                r
            }));
            return;
        }
        if let Some(cname) = at(&name).find(|r| r.rtype() == RType::CNAME) {
            let RData::Cname(target) = &cname.data else {
                return;
            };
            let mut cname = cname.clone();
            cname.name = name.clone();
            response.answers.push(cname);
            if !target.is_subdomain_of(apex) {
                return;
            }
            name = target.clone();
            continue;
        }
        break;
    }
    let exists = records.iter().any(|r| r.name.is_subdomain_of(&name));
    // A wildcard one label above (RFC 4592, simplified: the closest encloser is the parent).
    if !exists {
        if let Some(parent) = name.parent() {
            let star: Name = format!("*.{parent}").parse().expect("wildcard name");
            let synthesised: Vec<Record> = at(&star)
                .filter(|r| r.rtype() == question.qtype)
                .map(|r| Record {
                    name: name.clone(),
                    ..r.clone()
                })
                .collect();
            if !synthesised.is_empty() {
                response.answers.extend(synthesised);
                return;
            }
        }
    }
    if !exists {
        response.set_rcode(Rcode::NXDOMAIN);
    }
    response.authority.extend(soa());
}
