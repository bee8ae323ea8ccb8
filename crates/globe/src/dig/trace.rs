//! `+trace`: the walk from the root hints down to the answer, as a state machine without I/O.
//!
//! [`Trace`] says what to do next ([`Next`]): ask a server of the zone reached so far, find the
//! address of a name server that came without glue, or stop. The caller does it and feeds back the
//! response ([`Trace::response`]), the failure ([`Trace::failure`]) or the addresses found
//! ([`Trace::addresses`]). [`read_response`] is the one decision: is this response a referral one
//! zone further down, the answer, a negative answer, or useless ("lame"), in which case the next
//! server of the same zone is asked.
//!
//! As dig does, the walk asks for the name and type itself at every level, with RD clear, and does
//! not follow CNAMEs. Unlike dig it starts from root hints (not from a recursive resolver's answer
//! to `. NS`) and asks servers in the order they are listed, glued ones first, so output is
//! reproducible.

use super::options::Family;
use globe_dns::zonefile::{self, ZoneFileError};
use globe_dns::{Message, Name, Question, RData, RType, Rcode, Record};
use std::fmt;
use std::net::IpAddr;

/// The root hints compiled in: the resolver crate's copy of IANA's `named.root`.
pub const EMBEDDED_HINTS: &str = include_str!("../../../resolver/data/root.hints");

/// The most queries one walk sends, its glueless side walks included: a real walk takes 3 to 6, and
/// a referral loop or a chain of glueless delegations must end.
pub const MAX_QUERIES: usize = 30;

/// A name server of the zone being walked, with the addresses known for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameServer {
    /// Its name.
    pub name: Name,
    /// Its addresses (from glue, hints, or a side walk), of the families allowed.
    pub addresses: Vec<IpAddr>,
    /// Whether its addresses have been looked up (or came as glue): it is not looked up again.
    pub looked_up: bool,
}

/// Root hints: the root's NS records and the servers with their addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootHints {
    /// The `. NS` records, printed as the first step.
    pub records: Vec<Record>,
    /// The servers, in the order of the file.
    pub servers: Vec<NameServer>,
}

/// Why root hints could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HintsError {
    /// The file is not a valid zone file.
    Syntax(ZoneFileError),
    /// It has no NS records for the root.
    NoServers,
}

/// What the walk needs done next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Ask `address`, a server of `zone` named `server`, the question (RD clear).
    Query {
        /// The zone the server is asked as a server of.
        zone: Name,
        /// The server's name.
        server: Name,
        /// Where to send the query.
        address: IpAddr,
    },
    /// Find the addresses of `server`, which came without glue, then call [`Trace::addresses`].
    Resolve {
        /// The name server's name.
        server: Name,
    },
    /// The walk is over.
    Finished(Outcome),
}

/// How a walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A server answered with records (perhaps a CNAME, not followed).
    Answer,
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no data of the type.
    NoData,
    /// The walk could not go on.
    Failed(TraceError),
}

/// Why a walk could not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceError {
    /// No server of `zone` gave a usable response.
    Unreachable {
        /// The zone whose servers all failed.
        zone: Name,
    },
    /// [`MAX_QUERIES`] (or the budget given) was spent.
    QueryLimit(usize),
}

/// What one response says, for the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// A delegation to a zone below the one asked, on the way to the name.
    Referral(Referral),
    /// Records for the question.
    Answer,
    /// NXDOMAIN.
    NxDomain,
    /// No records, and no delegation: the type does not exist at the name.
    NoData,
    /// Not usable; the next server is asked.
    Lame(Lameness),
}

/// A delegation read from a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    /// The zone delegated to.
    pub zone: Name,
    /// Its servers, with the in-bailiwick glue that came with them.
    pub servers: Vec<NameServer>,
}

/// Why a response is not usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lameness {
    /// An error RCODE (SERVFAIL, REFUSED, ...).
    Rcode(Rcode),
    /// NS records for a zone that is not below the one asked, or not above the name.
    NotDownward(Name),
    /// No records and nothing saying why: not authoritative, no SOA, no delegation.
    Empty,
    /// The response is to another question.
    OtherQuestion,
}

/// The walk (see the module documentation for the contract).
#[derive(Clone, Debug)]
pub struct Trace {
    question: Question,
    family: Family,
    zone: Name,
    servers: Vec<NameServer>,
    server_index: usize,
    address_index: usize,
    queries: usize,
    limit: usize,
    outcome: Option<Outcome>,
}

impl RootHints {
    /// Reads hints in zone-file form (`. NS name` and the names' A/AAAA records); `label` names the
    /// file in errors.
    pub fn parse(text: &str, label: &str) -> Result<RootHints, HintsError> {
        let records =
            zonefile::parse_str(text, Some(Name::root()), label).map_err(HintsError::Syntax)?;
        let ns_records: Vec<Record> = records
            .iter()
            .filter(|r| r.name.is_root() && r.rtype() == RType::NS)
            .cloned()
            .collect();
        let servers: Vec<NameServer> = ns_records
            .iter()
            .filter_map(|r| match &r.data {
                RData::Ns(name) => Some(NameServer {
                    name: name.clone(),
                    addresses: glue_for(name, &records, &Name::root()),
                    looked_up: true,
                }),
                _ => None,
            })
            .collect();
        if servers.is_empty() {
            return Err(HintsError::NoServers);
        }
        Ok(RootHints {
            records: ns_records,
            servers,
        })
    }
}

impl Trace {
    /// A walk for `question` from `hints`, using addresses of `family`, sending at most `limit`
    /// queries.
    pub fn new(question: Question, hints: &RootHints, family: Family, limit: usize) -> Trace {
        Trace {
            question,
            family,
            zone: Name::root(),
            servers: order(hints.servers.clone(), family),
            server_index: 0,
            address_index: 0,
            queries: 0,
            limit,
            outcome: None,
        }
    }

    /// The question asked at every step.
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// The queries sent (or charged) so far.
    pub fn queries(&self) -> usize {
        self.queries
    }

    /// The queries left before the limit.
    pub fn remaining(&self) -> usize {
        self.limit.saturating_sub(self.queries)
    }

    /// What to do next.
    pub fn next(&mut self) -> Next {
        if let Some(outcome) = &self.outcome {
            return Next::Finished(outcome.clone());
        }
        while let Some(server) = self.servers.get_mut(self.server_index) {
            if let Some(&address) = server.addresses.get(self.address_index) {
                if self.queries >= self.limit {
                    return self.finish(Outcome::Failed(TraceError::QueryLimit(self.limit)));
                }
                self.queries += 1;
                return Next::Query {
                    zone: self.zone.clone(),
                    server: server.name.clone(),
                    address,
                };
            }
            if !server.looked_up {
                server.looked_up = true;
                return Next::Resolve {
                    server: server.name.clone(),
                };
            }
            self.server_index += 1;
            self.address_index = 0;
        }
        let zone = self.zone.clone();
        self.finish(Outcome::Failed(TraceError::Unreachable { zone }))
    }

    /// The response to the last [`Next::Query`]: moves down a zone, finishes, or moves on to the next
    /// server. Returns what the response was read as.
    pub fn response(&mut self, response: &Message) -> Reading {
        let reading = read_response(&self.question, &self.zone, response);
        match &reading {
            Reading::Referral(referral) => {
                self.zone = referral.zone.clone();
                self.servers = order(referral.servers.clone(), self.family);
                self.server_index = 0;
                self.address_index = 0;
            }
            Reading::Answer => self.outcome = Some(Outcome::Answer),
            Reading::NxDomain => self.outcome = Some(Outcome::NxDomain),
            Reading::NoData => self.outcome = Some(Outcome::NoData),
            Reading::Lame(_) => self.address_index += 1,
        }
        reading
    }

    /// The last [`Next::Query`] got no response (timeout, refused, malformed): the next address is
    /// tried.
    pub fn failure(&mut self) {
        self.address_index += 1;
    }

    /// The addresses found for the server of the last [`Next::Resolve`] (empty if none), and the
    /// queries the side walk took, which count against this walk's limit.
    pub fn addresses(&mut self, addresses: Vec<IpAddr>, queries: usize) {
        self.queries += queries;
        if let Some(server) = self.servers.get_mut(self.server_index) {
            server.addresses = sorted(addresses, self.family);
            self.address_index = 0;
        }
    }

    fn finish(&mut self, outcome: Outcome) -> Next {
        self.outcome = Some(outcome.clone());
        Next::Finished(outcome)
    }
}

/// Reads a response to `question` from a server of `zone` (RFC 1034 §4.3.2, §5.3.3): NXDOMAIN; an
/// answer if there are answer records; a referral if the authority section has NS records for a
/// zone below `zone` that contains the name; NODATA if the server is authoritative or sent an SOA;
/// otherwise, or on an error RCODE, lame.
pub fn read_response(question: &Question, zone: &Name, response: &Message) -> Reading {
    if response.question() != Some(question) {
        return Reading::Lame(Lameness::OtherQuestion);
    }
    let rcode = response.rcode();
    if rcode == Rcode::NXDOMAIN {
        return Reading::NxDomain;
    }
    if rcode != Rcode::NOERROR {
        return Reading::Lame(Lameness::Rcode(rcode));
    }
    if !response.answers.is_empty() {
        return Reading::Answer;
    }
    let delegation = response.authority.iter().find_map(|r| match &r.data {
        RData::Ns(_) => Some(&r.name),
        _ => None,
    });
    if let Some(cut) = delegation {
        let downward =
            cut != zone && cut.is_subdomain_of(zone) && question.name.is_subdomain_of(cut);
        if downward {
            let servers = response
                .authority
                .iter()
                .filter(|r| &r.name == cut)
                .filter_map(|r| match &r.data {
                    RData::Ns(name) => Some(name),
                    _ => None,
                })
                .map(|name| {
                    let addresses = glue_for(name, &response.additional, zone);
                    NameServer {
                        name: name.clone(),
                        looked_up: !addresses.is_empty(),
                        addresses,
                    }
                })
                .collect();
            return Reading::Referral(Referral {
                zone: cut.clone(),
                servers,
            });
        }
        if !response.header.aa {
            return Reading::Lame(Lameness::NotDownward(cut.clone()));
        }
    }
    let has_soa = response.authority.iter().any(|r| r.rtype() == RType::SOA);
    if response.header.aa || has_soa {
        return Reading::NoData;
    }
    Reading::Lame(Lameness::Empty)
}

/// The A and AAAA records of an answer, for a side walk that looked up a name server.
pub fn answer_addresses(response: &Message) -> Vec<IpAddr> {
    response
        .answers
        .iter()
        .filter_map(|r| match r.data {
            RData::A(address) => Some(IpAddr::V4(address)),
            RData::Aaaa(address) => Some(IpAddr::V6(address)),
            _ => None,
        })
        .collect()
}

/// The addresses of `name` among `records`, if `name` is within `bailiwick` (the zone of the server
/// that sent them, which may speak for names under it and no others).
fn glue_for(name: &Name, records: &[Record], bailiwick: &Name) -> Vec<IpAddr> {
    if !name.is_subdomain_of(bailiwick) {
        return Vec::new();
    }
    records
        .iter()
        .filter(|r| &r.name == name)
        .filter_map(|r| match r.data {
            RData::A(address) => Some(IpAddr::V4(address)),
            RData::Aaaa(address) => Some(IpAddr::V6(address)),
            _ => None,
        })
        .collect()
}

/// Drops addresses of a family not allowed; IPv4 first, as most hosts reach it.
fn sorted(addresses: Vec<IpAddr>, family: Family) -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = addresses.into_iter().filter(|a| family.allows(a)).collect();
    addresses.sort_by_key(IpAddr::is_ipv6);
    addresses.dedup();
    addresses
}

/// The servers with usable addresses first, keeping the given order otherwise; a server whose glue
/// is all of an excluded family is looked up.
fn order(servers: Vec<NameServer>, family: Family) -> Vec<NameServer> {
    let mut servers: Vec<NameServer> = servers
        .into_iter()
        .map(|mut server| {
            server.addresses = sorted(server.addresses, family);
            if server.addresses.is_empty() {
                server.looked_up = false;
            }
            server
        })
        .collect();
    servers.sort_by_key(|s| s.addresses.is_empty());
    servers
}

impl fmt::Display for HintsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HintsError::Syntax(error) => write!(f, "{error}"),
            HintsError::NoServers => f.write_str("no NS records for the root"),
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Unreachable { zone } => {
                write!(f, "no server of {zone} gave a usable response")
            }
            TraceError::QueryLimit(limit) => write!(f, "gave up after {limit} queries"),
        }
    }
}

impl fmt::Display for Lameness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lameness::Rcode(rcode) => write!(f, "{rcode}"),
            Lameness::NotDownward(cut) => write!(f, "referral to {cut}, which is not further down"),
            Lameness::Empty => f.write_str("neither an answer nor a referral"),
            Lameness::OtherQuestion => f.write_str("a response to another question"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::{Class, Header, Soa};

    const HINTS: &str = ".\t3600000\tNS\ta.root.test.\n\
                         a.root.test.\t3600000\tA\t127.0.0.11\n\
                         a.root.test.\t3600000\tAAAA\t::1\n\
                         .\t3600000\tNS\tb.root.test.\n";

    fn name(text: &str) -> Name {
        text.parse().expect("name")
    }

    fn question(text: &str) -> Question {
        Question {
            name: name(text),
            qtype: RType::A,
            qclass: Class::IN,
        }
    }

    fn record(owner: &str, data: RData) -> Record {
        Record {
            name: name(owner),
            class: Class::IN,
            ttl: 3600,
            data,
        }
    }

    fn ns(owner: &str, target: &str) -> Record {
        record(owner, RData::Ns(name(target)))
    }

    fn a(owner: &str, address: &str) -> Record {
        record(owner, RData::A(address.parse().expect("ip")))
    }

    fn response(q: &Question, aa: bool) -> Message {
        Message {
            header: Header {
                qr: true,
                aa,
                ..Header::default()
            },
            questions: vec![q.clone()],
            ..Message::default()
        }
    }

    fn referral(q: &Question, cut: &str, servers: &[(&str, Option<&str>)]) -> Message {
        let mut message = response(q, false);
        for (server, glue) in servers {
            message.authority.push(ns(cut, server));
            if let Some(address) = glue {
                message.additional.push(a(server, address));
            }
        }
        message
    }

    fn query_to(next: Next) -> (Name, Name, IpAddr) {
        match next {
            Next::Query {
                zone,
                server,
                address,
            } => (zone, server, address),
            other => panic!("expected a query, got {other:?}"),
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn hints_parse() {
        let hints = RootHints::parse(HINTS, "hints").expect("hints");
        assert_eq!(hints.records.len(), 2);
        assert_eq!(
            hints.servers[0].addresses,
            vec![ip("127.0.0.11"), ip("::1")]
        );
        assert!(hints.servers[1].addresses.is_empty());
        let embedded = RootHints::parse(EMBEDDED_HINTS, "root.hints").expect("embedded hints");
        assert_eq!(embedded.servers.len(), 13);
        assert!(embedded.servers.iter().all(|s| s.addresses.len() == 2));
        assert_eq!(
            RootHints::parse("a.test. 60 A 192.0.2.1\n", "x"),
            Err(HintsError::NoServers)
        );
        assert!(matches!(
            RootHints::parse(". NS\n", "x"),
            Err(HintsError::Syntax(_))
        ));
    }

    /// Root → test. → example.test., as the loopback hierarchy of the integration test.
    #[test]
    fn walks_down_three_levels() {
        let hints = RootHints::parse(HINTS, "hints").expect("hints");
        let q = question("www.example.test.");
        let mut trace = Trace::new(q.clone(), &hints, Family::V4, MAX_QUERIES);
        assert_eq!(
            query_to(trace.next()),
            (Name::root(), name("a.root.test."), ip("127.0.0.11"))
        );
        let reading = trace.response(&referral(&q, "test.", &[("ns.test.", Some("127.0.0.12"))]));
        assert!(matches!(&reading, Reading::Referral(r) if r.zone == name("test.")));
        assert_eq!(
            query_to(trace.next()),
            (name("test."), name("ns.test."), ip("127.0.0.12"))
        );
        trace.response(&referral(
            &q,
            "example.test.",
            &[("ns1.example.test.", Some("127.0.0.13"))],
        ));
        assert_eq!(
            query_to(trace.next()),
            (
                name("example.test."),
                name("ns1.example.test."),
                ip("127.0.0.13")
            )
        );
        let mut answer = response(&q, true);
        answer.answers.push(a("www.example.test.", "192.0.2.80"));
        assert_eq!(trace.response(&answer), Reading::Answer);
        assert_eq!(trace.next(), Next::Finished(Outcome::Answer));
        assert_eq!(trace.queries(), 3);
    }

    #[test]
    fn glueless_servers_are_looked_up_after_glued_ones() {
        let hints = RootHints::parse(HINTS, "hints").expect("hints");
        let q = question("www.example.test.");
        let mut trace = Trace::new(q.clone(), &hints, Family::Any, MAX_QUERIES);
        query_to(trace.next());
        trace.response(&referral(
            &q,
            "test.",
            &[("ns.elsewhere.", None), ("ns.test.", Some("127.0.0.12"))],
        ));
        // The glued server comes first even though it is listed second.
        assert_eq!(query_to(trace.next()).1, name("ns.test."));
        trace.failure();
        assert_eq!(
            trace.next(),
            Next::Resolve {
                server: name("ns.elsewhere.")
            }
        );
        trace.addresses(vec![ip("::2"), ip("192.0.2.53")], 4);
        assert_eq!(query_to(trace.next()).2, ip("192.0.2.53"));
        trace.failure();
        assert_eq!(query_to(trace.next()).2, ip("::2"));
        trace.failure();
        assert_eq!(
            trace.next(),
            Next::Finished(Outcome::Failed(TraceError::Unreachable {
                zone: name("test.")
            }))
        );
        assert_eq!(trace.queries(), 1 + 3 + 4);
    }

    #[test]
    fn glue_out_of_bailiwick_is_ignored() {
        let q = question("www.example.test.");
        // A server of test. may not give addresses for names under other.
        let message = referral(&q, "example.test.", &[("ns.other.", Some("192.0.2.66"))]);
        let Reading::Referral(found) = read_response(&q, &name("test."), &message) else {
            panic!("a referral");
        };
        assert!(found.servers[0].addresses.is_empty());
        assert!(!found.servers[0].looked_up);
        // The root may give any.
        let Reading::Referral(found) = read_response(&q, &Name::root(), &message) else {
            panic!("a referral");
        };
        assert_eq!(found.servers[0].addresses, vec![ip("192.0.2.66")]);
    }

    #[test]
    fn lame_and_final_responses() {
        let q = question("www.example.test.");
        let zone = name("test.");
        let mut refused = response(&q, false);
        refused.set_rcode(Rcode::REFUSED);
        assert_eq!(
            read_response(&q, &zone, &refused),
            Reading::Lame(Lameness::Rcode(Rcode::REFUSED))
        );
        // Upward and sideways referrals are lame.
        let up = referral(&q, ".", &[("a.root.test.", None)]);
        assert!(matches!(
            read_response(&q, &zone, &up),
            Reading::Lame(Lameness::NotDownward(_))
        ));
        let sideways = referral(&q, "other.test.", &[("ns.other.test.", None)]);
        assert!(matches!(
            read_response(&q, &zone, &sideways),
            Reading::Lame(Lameness::NotDownward(_))
        ));
        assert_eq!(
            read_response(&q, &zone, &response(&q, false)),
            Reading::Lame(Lameness::Empty)
        );
        assert_eq!(
            read_response(&question("other.test."), &zone, &response(&q, true)),
            Reading::Lame(Lameness::OtherQuestion)
        );
        let mut nx = response(&q, true);
        nx.set_rcode(Rcode::NXDOMAIN);
        assert_eq!(read_response(&q, &zone, &nx), Reading::NxDomain);
        let mut nodata = response(&q, true);
        nodata.authority.push(record(
            "test.",
            RData::Soa(Soa {
                mname: name("ns.test."),
                rname: name("hostmaster.test."),
                serial: 1,
                refresh: 1,
                retry: 1,
                expire: 1,
                minimum: 1,
            }),
        ));
        assert_eq!(read_response(&q, &zone, &nodata), Reading::NoData);
        // A lame server moves the walk to the next address.
        let hints = RootHints::parse(HINTS, "hints").expect("hints");
        let mut trace = Trace::new(q.clone(), &hints, Family::Any, MAX_QUERIES);
        assert_eq!(query_to(trace.next()).2, ip("127.0.0.11"));
        trace.response(&refused);
        assert_eq!(query_to(trace.next()).2, ip("::1"));
    }

    #[test]
    fn the_query_limit_ends_a_loop() {
        let hints = RootHints::parse(HINTS, "hints").expect("hints");
        let q = question("www.example.test.");
        let mut trace = Trace::new(q.clone(), &hints, Family::V4, 2);
        query_to(trace.next());
        trace.response(&response(&q, false));
        // The second hint has no address: it is looked up, and the side walk spends the budget.
        assert!(matches!(trace.next(), Next::Resolve { .. }));
        trace.addresses(vec![ip("127.0.0.99")], 1);
        assert_eq!(
            trace.next(),
            Next::Finished(Outcome::Failed(TraceError::QueryLimit(2)))
        );
        assert_eq!(trace.remaining(), 0);
    }
}
