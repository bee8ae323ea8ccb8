//! `globe dig`: a DNS lookup client with dig's command line and output, and `+trace`, which walks
//! down from the root hints one referral at a time.
//!
//! This file is the shell: it picks the servers, builds the queries, runs the sockets with dig's
//! retries (UDP tries, then TCP when the answer is truncated) and prints. The parts without I/O are
//! the submodules: [`options`] reads the command line, [`format`] writes dig's text, [`trace`] decides
//! each step of `+trace`; [`transport`] is the sockets.
//!
//! Exit codes are dig's: 0 for a response (whatever its RCODE), 1 for a usage error, 9 when no server
//! answered, 10 when `+trace` gave up (query limit).

mod format;
mod options;
mod trace;
mod transport;

use clap::Args;
use format::{Protocol, Stats};
use globe_dns::{Edns, EdnsOption, Header, Message, Name, Question, RType};
use options::{Family, Options, DEFAULT_PORT};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use trace::{Next, Outcome, Reading, RootHints, Trace, TraceError};
use transport::{ExchangeError, Reply};

/// A response (of any RCODE) was printed.
const EXIT_OK: u8 = 0;
/// The command line is wrong.
const EXIT_USAGE: u8 = 1;
/// No server answered.
const EXIT_NO_REPLY: u8 = 9;
/// `+trace` gave up before an answer.
const EXIT_GAVE_UP: u8 = 10;

/// Where the default server is read from.
const RESOLV_CONF: &str = "/etc/resolv.conf";
/// How many glueless name servers `+trace` looks up inside one another before giving up on one
/// (each lookup is a walk of its own, and may meet a glueless server in turn).
const MAX_GLUELESS_DEPTH: usize = 3;

const USAGE: &str = "\
Usage:  globe dig [@server[:port]] [name] [type] [class] [+option...] [-option...]

  -p PORT      port to ask (default 53; +trace uses it for every server)
  -4, -6       use only IPv4 or only IPv6
  -t TYPE      the type (default A, or NS with no name)
  -c CLASS     the class (default IN)
  -q NAME      the name
  -x ADDR      reverse lookup (PTR)
  --root-hints FILE      the hints +trace starts from
  +[no]trace             walk down from the root hints (@server is not used)
  +[no]tcp, +[no]vc      ask over TCP
  +[no]ignore            keep a truncated UDP answer (no TCP retry)
  +[no]recurse           the RD bit (on)
  +[no]adflag, +[no]cdflag  the AD (on) and CD bits
  +[no]edns              send EDNS (on)
  +[no]dnssec            the DO bit
  +[no]nsid              ask for the server's NSID
  +subnet=ADDR[/LEN]     send EDNS Client Subnet
  +bufsize=N             the EDNS UDP payload size (1232)
  +time=N, +tries=N, +retry=N   seconds per try (2), tries (3)
  +root-hints=FILE       the hints +trace starts from
  +[no]all, +[no]cmd, +[no]comments, +[no]question, +[no]answer,
  +[no]authority, +[no]additional, +[no]stats, +[no]short   what to print
";

/// dig's arguments, read by globe dig itself since they are not clap-like.
#[derive(Args)]
#[command(disable_help_flag = true)]
pub struct DigArgs {
    /// [@SERVER[:PORT]] NAME [TYPE] [CLASS] [+OPTION...] [-p PORT] [-4|-6] (`globe dig -h` for more).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `globe dig`.
pub fn run(args: DigArgs) -> ExitCode {
    let options = match options::parse(&args.args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("globe dig: {error}");
            eprint!("{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if options.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mut out = io::stdout().lock();
    let code = if options.trace {
        walk(&options, &args.args, &mut out)
    } else {
        lookup(&options, &args.args, &mut out)
    };
    let _ = out.flush();
    ExitCode::from(code)
}

/// A server to ask and how `;; SERVER:` names it.
struct Server {
    address: SocketAddr,
    label: String,
}

/// One query to the servers of the command line, printed as dig prints it.
fn lookup(options: &Options, args: &[String], out: &mut impl Write) -> u8 {
    let (servers, found) = match servers(options) {
        Ok(servers) => servers,
        Err(error) => {
            eprintln!("globe dig: {error}");
            return EXIT_USAGE;
        }
    };
    let id = random_id();
    let query = build_query(options, question(options), id, options.recurse).to_wire();
    let reply = servers.iter().find_map(|server| {
        exchange(options, server.address, &query, id, true, out).map(|reply| (server, reply))
    });
    let display = &options.display;
    let Some((server, reply)) = reply else {
        if display.cmd {
            let _ = write!(out, "{}", format::banner(args, found));
        }
        let _ = writeln!(out, ";; no servers could be reached");
        return EXIT_NO_REPLY;
    };
    let mut text = String::new();
    if display.short {
        text.push_str(&format::short(&reply.message));
    } else {
        if display.cmd {
            text.push_str(&format::banner(args, found));
        }
        text.push_str(&format::message(&reply.message, display));
        if display.stats {
            text.push_str(&format::stats(&Stats {
                rtt: reply.rtt,
                server: server.address,
                label: &server.label,
                protocol: reply.protocol,
                when: unix_now(),
                size: reply.bytes.len(),
            }));
        }
    }
    let _ = write!(out, "{text}");
    EXIT_OK
}

/// `+trace`: the hints, then one block per server asked, down to the answer.
fn walk(options: &Options, args: &[String], out: &mut impl Write) -> u8 {
    let (text, source) = match &options.root_hints {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (text, path.display().to_string()),
            Err(error) => {
                eprintln!("globe dig: {}: {error}", path.display());
                return EXIT_USAGE;
            }
        },
        None => (
            trace::EMBEDDED_HINTS.to_string(),
            "the built-in hints".to_string(),
        ),
    };
    let hints = match RootHints::parse(&text, &source) {
        Ok(hints) => hints,
        Err(error) => {
            eprintln!("globe dig: root hints {source}: {error}");
            return EXIT_USAGE;
        }
    };
    if options.display.cmd {
        let _ = write!(out, "{}", format::banner(args, None));
    }
    for record in &hints.records {
        let _ = writeln!(out, "{}", format::record_line(record));
    }
    let servers = hints.servers.len();
    let _ = writeln!(
        out,
        ";; {servers} root server{} from {source}\n",
        if servers == 1 { "" } else { "s" }
    );
    let mut trace = Trace::new(
        question(options),
        &hints,
        options.family,
        trace::MAX_QUERIES,
    );
    let mut walker = Walker {
        options,
        hints: &hints,
        port: options.port.unwrap_or(DEFAULT_PORT),
        looking_up: Vec::new(),
    };
    let (outcome, _) = walker.walk(&mut trace, Some(out));
    match outcome {
        Outcome::Answer => EXIT_OK,
        Outcome::NxDomain => {
            let _ = writeln!(out, ";; NXDOMAIN: {} does not exist", options.name);
            EXIT_OK
        }
        Outcome::NoData => {
            let _ = writeln!(
                out,
                ";; NODATA: {} has no {} records",
                options.name, options.qtype
            );
            EXIT_OK
        }
        Outcome::Failed(error) => {
            let _ = writeln!(out, ";; {error}");
            match error {
                TraceError::Unreachable { .. } => EXIT_NO_REPLY,
                TraceError::QueryLimit(_) => EXIT_GAVE_UP,
            }
        }
    }
}

/// Runs [`Trace`]s: the one printed, and the silent ones that find glueless name servers.
struct Walker<'a> {
    options: &'a Options,
    hints: &'a RootHints,
    port: u16,
    /// The name servers being looked up, innermost last: one met again would loop.
    looking_up: Vec<Name>,
}

impl Walker<'_> {
    /// Drives `trace` to its end, printing each step to `out` if given; returns how it ended and the
    /// last response.
    fn walk(
        &mut self,
        trace: &mut Trace,
        mut out: Option<&mut dyn Write>,
    ) -> (Outcome, Option<Message>) {
        let mut last = None;
        loop {
            match trace.next() {
                Next::Finished(outcome) => return (outcome, last),
                Next::Query {
                    zone: _,
                    server,
                    address,
                } => {
                    let target = SocketAddr::new(address, self.port);
                    let id = random_id();
                    let query =
                        build_query(self.options, trace.question().clone(), id, false).to_wire();
                    let reply = match out.as_deref_mut() {
                        Some(out) => exchange(self.options, target, &query, id, true, out),
                        None => exchange(self.options, target, &query, id, false, &mut io::sink()),
                    };
                    let Some(reply) = reply else {
                        trace.failure();
                        continue;
                    };
                    let reading = trace.response(&reply.message);
                    if let Some(out) = out.as_deref_mut() {
                        let _ = write!(out, "{}", self.step(&server, target, &reply, &reading));
                    }
                    last = Some(reply.message);
                }
                Next::Resolve { server } => {
                    let (addresses, queries) = self.look_up(&server, trace.remaining());
                    if let (true, Some(out)) = (addresses.is_empty(), out.as_deref_mut()) {
                        let _ = writeln!(out, ";; couldn't get address for '{server}'");
                    }
                    trace.addresses(addresses, queries);
                }
            }
        }
    }

    /// The addresses of a glueless name server, by walks of their own (A, then AAAA if none or if
    /// only IPv6 is allowed), and the queries they took.
    fn look_up(&mut self, server: &Name, budget: usize) -> (Vec<IpAddr>, usize) {
        if self.looking_up.len() >= MAX_GLUELESS_DEPTH || self.looking_up.contains(server) {
            return (Vec::new(), 0);
        }
        self.looking_up.push(server.clone());
        let mut addresses = Vec::new();
        let mut queries = 0;
        for qtype in [RType::A, RType::AAAA] {
            let wanted = match (qtype, self.options.family) {
                (RType::A, Family::V6) | (RType::AAAA, Family::V4) => false,
                (RType::AAAA, Family::Any) => addresses.is_empty(),
                _ => true,
            };
            if !wanted {
                continue;
            }
            let question = Question {
                name: server.clone(),
                qtype,
                qclass: globe_dns::Class::IN,
            };
            let mut side = Trace::new(
                question,
                self.hints,
                self.options.family,
                budget.saturating_sub(queries),
            );
            let (outcome, last) = self.walk(&mut side, None);
            queries += side.queries();
            if let (Outcome::Answer, Some(message)) = (outcome, last) {
                addresses.extend(trace::answer_addresses(&message));
            }
        }
        self.looking_up.pop();
        (addresses, queries)
    }

    /// One step of the printed walk: the answer and authority records, the NSID if asked, and
    /// `;; Received`; a note when the server was lame.
    fn step(&self, server: &Name, target: SocketAddr, reply: &Reply, reading: &Reading) -> String {
        let mut text = String::new();
        for record in reply.message.answers.iter().chain(&reply.message.authority) {
            text.push_str(&format::record_line(record));
            text.push('\n');
        }
        if self.options.nsid {
            text.push_str(&format::identity_lines(&reply.message));
        }
        let name = server.to_string();
        let name = name
            .strip_suffix('.')
            .filter(|n| !n.is_empty())
            .unwrap_or(&name);
        text.push_str(&format::received(
            reply.bytes.len(),
            target,
            name,
            reply.rtt,
        ));
        text.push('\n');
        if let Reading::Lame(why) = reading {
            text.push_str(&format!(
                ";; {name} is lame ({why}), trying the next server\n"
            ));
        }
        text.push('\n');
        text
    }
}

/// Asks one server with dig's retries: `tries` over UDP (or TCP with `+tcp`), then over TCP when the
/// UDP answer is truncated, unless `+ignore`. Failures are printed as dig does if `report`.
fn exchange(
    options: &Options,
    server: SocketAddr,
    query: &[u8],
    id: u16,
    report: bool,
    out: &mut dyn Write,
) -> Option<Reply> {
    let protocol = if options.tcp {
        Protocol::Tcp
    } else {
        Protocol::Udp
    };
    let reply = with_retries(options, protocol, server, query, id, report, out)?;
    if reply.protocol == Protocol::Udp && reply.message.header.tc && !options.ignore_truncation {
        if report {
            let _ = writeln!(out, ";; Truncated, retrying in TCP mode.");
        }
        return with_retries(options, Protocol::Tcp, server, query, id, report, out);
    }
    Some(reply)
}

fn with_retries(
    options: &Options,
    protocol: Protocol,
    server: SocketAddr,
    query: &[u8],
    id: u16,
    report: bool,
    out: &mut dyn Write,
) -> Option<Reply> {
    for _ in 0..options.tries {
        let mut mismatched = Vec::new();
        let result = match protocol {
            Protocol::Udp => transport::udp(server, query, id, options.timeout, &mut mismatched),
            Protocol::Tcp => transport::tcp(server, query, id, options.timeout),
        };
        if report {
            for received in mismatched {
                let _ = writeln!(
                    out,
                    ";; Warning: ID mismatch: expected ID {id}, got {received}"
                );
            }
        }
        match result {
            Ok(reply) => return Some(reply),
            Err(error) if report => {
                let _ = match error {
                    ExchangeError::Malformed(error) => {
                        writeln!(out, ";; Got bad packet: {error}")
                    }
                    error => writeln!(
                        out,
                        ";; communications error to {}#{}: {error}",
                        server.ip(),
                        server.port()
                    ),
                };
            }
            Err(_) => {}
        }
    }
    None
}

/// The query: the question, RD as asked, AD and CD as the options say, and EDNS (RFC 6891) with the
/// payload size, DO (RFC 3225), NSID (RFC 5001) and Client Subnet (RFC 7871) when asked. Asking for
/// an EDNS option turns EDNS on even with `+noedns`.
fn build_query(options: &Options, question: Question, id: u16, recurse: bool) -> Message {
    let mut edns_options = Vec::new();
    if options.nsid {
        edns_options.push(EdnsOption::Nsid(Vec::new()));
    }
    if let Some(subnet) = options.subnet {
        edns_options.push(EdnsOption::ClientSubnet(subnet));
    }
    let edns = (options.edns || options.dnssec || !edns_options.is_empty()).then(|| Edns {
        udp_payload: options.bufsize,
        dnssec_ok: options.dnssec,
        options: edns_options,
        ..Edns::default()
    });
    Message {
        header: Header {
            id,
            rd: recurse,
            ad: options.ad_flag,
            cd: options.cd_flag,
            ..Header::default()
        },
        questions: vec![question],
        edns,
        ..Message::default()
    }
}

/// The question of the command line.
fn question(options: &Options) -> Question {
    Question {
        name: options.name.clone(),
        qtype: options.qtype,
        qclass: options.qclass,
    }
}

/// The servers to ask, and how many `@SERVER` gave (for `; (N servers found)`): its addresses, or
/// the first name server in `/etc/resolv.conf`, or the local host.
fn servers(options: &Options) -> Result<(Vec<Server>, Option<usize>), String> {
    let Some(spec) = &options.server else {
        let text = std::fs::read_to_string(RESOLV_CONF).unwrap_or_default();
        let address = first_nameserver(&text, options.family).unwrap_or(match options.family {
            Family::V6 => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            _ => IpAddr::from([127, 0, 0, 1]),
        });
        let port = options.port.unwrap_or(DEFAULT_PORT);
        let server = Server {
            address: SocketAddr::new(address, port),
            label: address.to_string(),
        };
        return Ok((vec![server], None));
    };
    let port = spec.port.or(options.port).unwrap_or(DEFAULT_PORT);
    let addresses: Vec<SocketAddr> = match spec.address {
        Some(address) => vec![SocketAddr::new(address, port)],
        None => (spec.host.as_str(), port)
            .to_socket_addrs()
            .map_err(|error| format!("couldn't get address for '{}': {error}", spec.host))?
            .filter(|a| options.family.allows(&a.ip()))
            .collect(),
    };
    if addresses.is_empty() {
        return Err(format!(
            "couldn't get address for '{}': not found",
            spec.host
        ));
    }
    let found = addresses.len();
    let servers = addresses
        .into_iter()
        .map(|address| Server {
            address,
            label: spec.host.clone(),
        })
        .collect();
    Ok((servers, Some(found)))
}

/// The first `nameserver` of resolv.conf text that `family` allows (a `%zone` suffix is dropped).
fn first_nameserver(text: &str, family: Family) -> Option<IpAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            let word = words.next()?;
            word.split('%').next()?.parse::<IpAddr>().ok()
        })
        .find(|address| family.allows(address))
}

/// A query ID from the standard library's per-process random hash keys and the clock (RFC 5452 §4.3:
/// IDs should be unpredictable).
fn random_id() -> u16 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos();
    hasher.write_u128(nanos);
    hasher.finish() as u16
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(line: &str) -> Options {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        options::parse(&args).expect("valid options")
    }

    #[test]
    fn queries_carry_the_options() {
        let query = build_query(
            &options("www.example.test +nsid +subnet=192.0.2.1/24 +dnssec +bufsize=4000 +cd"),
            question(&options("www.example.test")),
            7,
            true,
        );
        assert_eq!(query.header.id, 7);
        assert!(query.header.rd && query.header.ad && query.header.cd);
        let edns = query.edns.expect("EDNS");
        assert_eq!((edns.udp_payload, edns.dnssec_ok), (4000, true));
        assert!(edns.has_nsid());
        assert_eq!(edns.client_subnet().map(|s| s.source_prefix), Some(24));
        // The query survives the wire.
        let o = options("www.example.test +nsid");
        let wire = build_query(&o, question(&o), 9, false).to_wire();
        let back = Message::parse(&wire).expect("valid");
        assert!(!back.header.rd);
        assert_eq!(back.question().map(|q| q.qtype), Some(RType::A));
        let plain = options("x +noedns");
        assert!(build_query(&plain, question(&plain), 1, true)
            .edns
            .is_none());
        let nsid = options("x +noedns +nsid");
        assert!(build_query(&nsid, question(&nsid), 1, true).edns.is_some());
    }

    #[test]
    fn resolv_conf() {
        let text =
            "# comment\nsearch example.test\nnameserver fe80::1%eth0\nnameserver 10.0.0.53\n";
        assert_eq!(
            first_nameserver(text, Family::Any),
            Some("fe80::1".parse().expect("ip"))
        );
        assert_eq!(
            first_nameserver(text, Family::V4),
            Some("10.0.0.53".parse().expect("ip"))
        );
        assert_eq!(
            first_nameserver("nameserver\nnameserver bogus\n", Family::Any),
            None
        );
    }
}
