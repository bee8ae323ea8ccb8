//! `globe dig`'s command line, read the way dig reads it: `@server`, `+option[=value]`/`+nooption`,
//! short flags (`-p 53`, `-t MX`, `-x ADDR`, `-4`), and positional NAME, TYPE and CLASS in any order.
//! This is pure: the text goes in, [`Options`] or a [`UsageError`] comes out.
//!
//! Plus options may be abbreviated as dig allows (`+norec`, `+nsi`), down to each option's shortest
//! unambiguous prefix in [`PLUS_OPTIONS`].

use globe_dns::{Class, ClientSubnet, Name, NameError, RType};
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The port asked when neither `@SERVER:PORT` nor `-p` gives one.
pub const DEFAULT_PORT: u16 = 53;
/// The UDP payload size advertised by default: 1232 octets fits in any IPv6 path without
/// fragmentation (DNS Flag Day 2020), and is dig 9.18's default too.
pub const DEFAULT_BUFSIZE: u16 = 1232;
/// How long one try waits for an answer (`+time`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times a server is tried over UDP (`+tries`), as dig does.
pub const DEFAULT_TRIES: u32 = 3;

/// Which address families servers may be reached over (`-4`, `-6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Either.
    Any,
    /// IPv4 only (`-4`).
    V4,
    /// IPv6 only (`-6`).
    V6,
}

impl Family {
    /// Whether `address` may be used.
    pub fn allows(self, address: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => address.is_ipv4(),
            Family::V6 => address.is_ipv6(),
        }
    }
}

/// The server given with `@`: an address or a host name, and perhaps a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// The text after `@` without the port, as it is printed in `;; SERVER:`.
    pub host: String,
    /// The address, when `host` is one.
    pub address: Option<IpAddr>,
    /// The port given as `@host:port`, `@[v6]:port` or `@host#port`.
    pub port: Option<u16>,
}

/// Which parts of the output are printed (`+[no]cmd`, `+[no]comments`, ... `+[no]all`, `+short`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Display {
    /// The `; <<>> globe dig <<>>` banner.
    pub cmd: bool,
    /// Comment lines: `;; Got answer:`, the header, the OPT pseudosection, section titles.
    pub comments: bool,
    /// The question section.
    pub question: bool,
    /// The answer section.
    pub answer: bool,
    /// The authority section.
    pub authority: bool,
    /// The additional section.
    pub additional: bool,
    /// `;; Query time`, `;; SERVER`, `;; WHEN`, `;; MSG SIZE`.
    pub stats: bool,
    /// Only the RDATA of the answers, one a line (`+short`).
    pub short: bool,
}

impl Display {
    /// Everything on or off, as `+all`/`+noall` set it (`+short` is left alone).
    fn set_all(&mut self, on: bool) {
        self.cmd = on;
        self.comments = on;
        self.question = on;
        self.answer = on;
        self.authority = on;
        self.additional = on;
        self.stats = on;
    }
}

impl Default for Display {
    fn default() -> Display {
        Display {
            cmd: true,
            comments: true,
            question: true,
            answer: true,
            authority: true,
            additional: true,
            stats: true,
            short: false,
        }
    }
}

/// Everything the command line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `@SERVER`, if given.
    pub server: Option<ServerSpec>,
    /// `-p PORT`.
    pub port: Option<u16>,
    /// The name to ask about (`.` when none is given).
    pub name: Name,
    /// The type (A for a name, NS when no name is given, PTR with `-x`).
    pub qtype: RType,
    /// The class (IN unless given).
    pub qclass: Class,
    /// `-4`/`-6`.
    pub family: Family,
    /// `+trace`: walk down from the root.
    pub trace: bool,
    /// `+tcp` (`+vc`): ask over TCP from the start.
    pub tcp: bool,
    /// `+ignore`: keep a truncated UDP answer instead of retrying over TCP.
    pub ignore_truncation: bool,
    /// `+[no]recurse`: the RD bit (on by default).
    pub recurse: bool,
    /// `+[no]adflag`: the AD bit in the query (on by default, as in dig; RFC 6840 §5.7).
    pub ad_flag: bool,
    /// `+[no]cdflag`: the CD bit.
    pub cd_flag: bool,
    /// `+[no]edns`: send an OPT record (on by default).
    pub edns: bool,
    /// `+dnssec`: the DO bit (RFC 3225).
    pub dnssec: bool,
    /// `+nsid`: ask for the server's identifier (RFC 5001).
    pub nsid: bool,
    /// `+subnet=CIDR`: an EDNS Client Subnet option (RFC 7871).
    pub subnet: Option<ClientSubnet>,
    /// `+bufsize=N`: the UDP payload size advertised.
    pub bufsize: u16,
    /// `+time=N`: how long one try waits.
    pub timeout: Duration,
    /// `+tries=N` (or `+retry=N-1`): tries per server over UDP.
    pub tries: u32,
    /// `+root-hints=FILE` / `--root-hints FILE`: the hints `+trace` starts from.
    pub root_hints: Option<PathBuf>,
    /// What to print.
    pub display: Display,
    /// `-h`: print the usage and stop.
    pub help: bool,
}

/// What is wrong with the command line. Each maps to dig's exit code 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// A `+option` dig-style parsing does not know, or an ambiguous abbreviation.
    InvalidOption(String),
    /// A `-x` flag that is not known.
    InvalidFlag(String),
    /// A flag or option that needs a value was given none.
    MissingValue(String),
    /// A value that does not have the form expected.
    BadValue {
        /// The option or flag.
        option: String,
        /// The value given.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// `+nooption` for an option that takes a value, or `+option=value` for one that does not.
    BadNegation(String),
    /// The name to ask about is not a domain name.
    BadName {
        /// The text given.
        text: String,
        /// Why it is not a name.
        error: NameError,
    },
    /// More than one name: globe dig does one lookup per run.
    SecondName(String),
    /// A zone transfer, which needs a multi-message TCP exchange globe dig does not do.
    Transfer(RType),
    /// `@SERVER` is an address of the family `-4`/`-6` excludes.
    FamilyMismatch(IpAddr),
}

/// How a plus option takes its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `+name` or `+noname`.
    Switch,
    /// `+name=value`.
    Value,
}

/// The plus options: full name and the shortest prefix accepted for it.
pub const PLUS_OPTIONS: &[(&str, usize)] = &[
    ("trace", 4),
    ("tcp", 3),
    ("vc", 2),
    ("ignore", 3),
    ("recurse", 3),
    ("adflag", 2),
    ("cdflag", 2),
    ("edns", 3),
    ("dnssec", 3),
    ("nsid", 3),
    ("subnet", 3),
    ("bufsize", 3),
    ("time", 3),
    ("tries", 4),
    ("retry", 3),
    ("root-hints", 4),
    ("all", 3),
    ("cmd", 3),
    ("comments", 4),
    ("question", 4),
    ("answer", 3),
    ("authority", 4),
    ("additional", 3),
    ("stats", 3),
    ("short", 3),
];

fn kind(option: &str) -> Kind {
    match option {
        "subnet" | "bufsize" | "time" | "tries" | "retry" | "root-hints" => Kind::Value,
        _ => Kind::Switch,
    }
}

/// Reads dig's command line (without the program and subcommand names).
pub fn parse(args: &[String]) -> Result<Options, UsageError> {
    let mut parser = Parser::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(server) = arg.strip_prefix('@') {
            parser.server = Some(parse_server(server)?);
        } else if let Some(option) = arg.strip_prefix('+') {
            parser.plus(arg, option)?;
        } else if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some(("root-hints", file)) => parser.root_hints = Some(PathBuf::from(file)),
                None if long == "root-hints" => {
                    let file = args
                        .next()
                        .ok_or_else(|| UsageError::MissingValue(arg.clone()))?;
                    parser.root_hints = Some(PathBuf::from(file));
                }
                None if long == "help" => parser.help = true,
                _ => return Err(UsageError::InvalidFlag(arg.clone())),
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            parser.flag(arg, &mut args)?;
        } else {
            parser.positional(arg)?;
        }
    }
    parser.finish()
}

/// Parses the text after `@`.
pub fn parse_server(text: &str) -> Result<ServerSpec, UsageError> {
    let bad = || UsageError::BadValue {
        option: format!("@{text}"),
        value: text.to_string(),
        expected: "a server address or name, with an optional :PORT",
    };
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(ServerSpec {
            host: address.to_string(),
            address: Some(address),
            port: None,
        });
    }
    if let Ok(socket) = text.parse::<std::net::SocketAddr>() {
        return Ok(ServerSpec {
            host: socket.ip().to_string(),
            address: Some(socket.ip()),
            port: Some(socket.port()),
        });
    }
    let (host, port) = match text.rsplit_once('#').or_else(|| text.rsplit_once(':')) {
        Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| bad())?)),
        None => (text, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(':') && host.parse::<IpAddr>().is_err() {
        return Err(bad());
    }
    Ok(ServerSpec {
        host: host.to_string(),
        address: host.parse().ok(),
        port,
    })
}

/// The name `-x` asks about: `in-addr.arpa.` or `ip6.arpa.` (RFC 1035 §3.5, RFC 3596 §2.5).
pub fn reverse_name(address: IpAddr) -> Name {
    let text = match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa.")
        }
        IpAddr::V6(v6) => {
            let mut text = String::with_capacity(73);
            for byte in v6.octets().iter().rev() {
                text.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            text.push_str("ip6.arpa.");
            text
        }
    };
    // Built from digits and fixed labels: always a valid name.
    Name::parse(&text, None).unwrap_or_else(|_| Name::root())
}

/// The options as they are being read; positional fields stay unset until `finish`.
#[derive(Default)]
struct Parser {
    server: Option<ServerSpec>,
    port: Option<u16>,
    name: Option<Name>,
    qtype: Option<RType>,
    qclass: Option<Class>,
    reverse: bool,
    family: Option<Family>,
    trace: bool,
    tcp: bool,
    ignore_truncation: bool,
    no_recurse: bool,
    no_ad_flag: bool,
    cd_flag: bool,
    no_edns: bool,
    dnssec: bool,
    nsid: bool,
    subnet: Option<ClientSubnet>,
    bufsize: Option<u16>,
    timeout: Option<Duration>,
    tries: Option<u32>,
    root_hints: Option<PathBuf>,
    display: Option<Display>,
    help: bool,
}

impl Parser {
    /// `+[no]option[=value]`; `arg` is the whole argument for messages.
    fn plus(&mut self, arg: &str, option: &str) -> Result<(), UsageError> {
        let (word, value) = match option.split_once('=') {
            Some((word, value)) => (word, Some(value)),
            None => (option, None),
        };
        let (negated, word) = match word.strip_prefix("no") {
            // `+notrace`, but not `+nsid` read as `+no` + `sid`.
            Some(rest) if lookup(rest).is_some() => (true, rest),
            _ => (false, word),
        };
        let name = lookup(word).ok_or_else(|| UsageError::InvalidOption(arg.to_string()))?;
        let on = !negated;
        match (kind(name), value, negated) {
            (Kind::Switch, Some(_), _) | (Kind::Value, _, true) => {
                return Err(UsageError::BadNegation(arg.to_string()))
            }
            (Kind::Value, None, false) => return Err(UsageError::MissingValue(arg.to_string())),
            _ => {}
        }
        let value = value.unwrap_or_default();
        let display = self.display.get_or_insert_with(Display::default);
        match name {
            "trace" => self.trace = on,
            "tcp" | "vc" => self.tcp = on,
            "ignore" => self.ignore_truncation = on,
            "recurse" => self.no_recurse = !on,
            "adflag" => self.no_ad_flag = !on,
            "cdflag" => self.cd_flag = on,
            "edns" => self.no_edns = !on,
            "dnssec" => self.dnssec = on,
            "nsid" => self.nsid = on,
            "subnet" => self.subnet = Some(parse_subnet(arg, value)?),
            "bufsize" => self.bufsize = Some(number(arg, value, "a size from 0 to 65535")?),
            "time" => {
                let seconds: u64 = number(arg, value, "a number of seconds")?;
                self.timeout = Some(Duration::from_secs(seconds.max(1)));
            }
            "tries" => self.tries = Some(number::<u32>(arg, value, "a count")?.max(1)),
            "retry" => {
                let retries: u32 = number(arg, value, "a count")?;
                self.tries = Some(retries.saturating_add(1));
            }
            "root-hints" => self.root_hints = Some(PathBuf::from(value)),
            "all" => display.set_all(on),
            "cmd" => display.cmd = on,
            "comments" => display.comments = on,
            "question" => display.question = on,
            "answer" => display.answer = on,
            "authority" => display.authority = on,
            "additional" => display.additional = on,
            "stats" => display.stats = on,
            "short" => display.short = on,
            _ => return Err(UsageError::InvalidOption(arg.to_string())),
        }
        Ok(())
    }

    /// `-4`, `-6`, `-h`, and `-p`, `-t`, `-c`, `-q`, `-x` with their value attached or next.
    fn flag<'a>(
        &mut self,
        arg: &str,
        rest: &mut impl Iterator<Item = &'a String>,
    ) -> Result<(), UsageError> {
        let mut chars = arg.chars().skip(1);
        let letter = chars.next().unwrap_or('-');
        let attached: String = chars.collect();
        match letter {
            '4' | '6' | 'h' if !attached.is_empty() => {
                return Err(UsageError::InvalidFlag(arg.to_string()))
            }
            '4' => self.family = Some(Family::V4),
            '6' => self.family = Some(Family::V6),
            'h' => self.help = true,
            'p' | 't' | 'c' | 'q' | 'x' => {
                let value = if attached.is_empty() {
                    rest.next()
                        .cloned()
                        .ok_or_else(|| UsageError::MissingValue(arg.to_string()))?
                } else {
                    attached
                };
                match letter {
                    'p' => self.port = Some(number(arg, &value, "a port number")?),
                    't' => {
                        self.qtype = Some(RType::from_mnemonic(&value).ok_or_else(|| {
                            UsageError::BadValue {
                                option: arg.to_string(),
                                value: value.clone(),
                                expected: "a record type",
                            }
                        })?)
                    }
                    'c' => {
                        self.qclass = Some(Class::from_mnemonic(&value).ok_or_else(|| {
                            UsageError::BadValue {
                                option: arg.to_string(),
                                value: value.clone(),
                                expected: "a class",
                            }
                        })?)
                    }
                    'q' => self.set_name(parse_name(&value)?, &value)?,
                    _ => {
                        let address: IpAddr = value.parse().map_err(|_| UsageError::BadValue {
                            option: arg.to_string(),
                            value: value.clone(),
                            expected: "an IPv4 or IPv6 address",
                        })?;
                        self.set_name(reverse_name(address), &value)?;
                        self.reverse = true;
                    }
                }
            }
            _ => return Err(UsageError::InvalidFlag(arg.to_string())),
        }
        Ok(())
    }

    /// A bare word: a type if none is set yet and it is one, else a class likewise, else the name
    /// (dig's rule, so `dig ns` asks `. NS`).
    fn positional(&mut self, word: &str) -> Result<(), UsageError> {
        if self.qtype.is_none() {
            if let Some(rtype) = RType::from_mnemonic(word) {
                self.qtype = Some(rtype);
                return Ok(());
            }
        }
        if self.qclass.is_none() {
            if let Some(class) = Class::from_mnemonic(word) {
                self.qclass = Some(class);
                return Ok(());
            }
        }
        self.set_name(parse_name(word)?, word)
    }

    fn set_name(&mut self, name: Name, text: &str) -> Result<(), UsageError> {
        if self.name.is_some() {
            return Err(UsageError::SecondName(text.to_string()));
        }
        self.name = Some(name);
        Ok(())
    }

    fn finish(self) -> Result<Options, UsageError> {
        let qtype = match (self.qtype, &self.name) {
            (Some(qtype), _) => qtype,
            (None, _) if self.reverse => RType::PTR,
            (None, Some(_)) => RType::A,
            (None, None) => RType::NS,
        };
        if qtype == RType::AXFR || qtype == RType::IXFR {
            return Err(UsageError::Transfer(qtype));
        }
        let family = self.family.unwrap_or(Family::Any);
        if let Some(address) = self.server.as_ref().and_then(|s| s.address) {
            if !family.allows(&address) {
                return Err(UsageError::FamilyMismatch(address));
            }
        }
        Ok(Options {
            server: self.server,
            port: self.port,
            name: self.name.unwrap_or_else(Name::root),
            qtype,
            qclass: self.qclass.unwrap_or(Class::IN),
            family,
            trace: self.trace,
            tcp: self.tcp,
            ignore_truncation: self.ignore_truncation,
            recurse: !self.no_recurse,
            ad_flag: !self.no_ad_flag,
            cd_flag: self.cd_flag,
            edns: !self.no_edns,
            dnssec: self.dnssec,
            nsid: self.nsid,
            subnet: self.subnet,
            bufsize: self.bufsize.unwrap_or(DEFAULT_BUFSIZE),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            tries: self.tries.unwrap_or(DEFAULT_TRIES),
            root_hints: self.root_hints,
            display: self.display.unwrap_or_default(),
            help: self.help,
        })
    }
}

/// The full name of the plus option `word` abbreviates, if exactly one.
fn lookup(word: &str) -> Option<&'static str> {
    let mut found = PLUS_OPTIONS
        .iter()
        .filter(|(name, shortest)| word.len() >= *shortest && name.starts_with(word))
        .map(|(name, _)| *name);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

fn parse_name(text: &str) -> Result<Name, UsageError> {
    Name::parse(text, Some(&Name::root())).map_err(|error| UsageError::BadName {
        text: text.to_string(),
        error,
    })
}

fn number<T: std::str::FromStr>(
    option: &str,
    value: &str,
    expected: &'static str,
) -> Result<T, UsageError> {
    value.parse().map_err(|_| UsageError::BadValue {
        option: option.to_string(),
        value: value.to_string(),
        expected,
    })
}

/// `ADDRESS[/PREFIX]`, or `0` for "no client information" (RFC 7871 §7.1.2: 0.0.0.0/0).
fn parse_subnet(option: &str, value: &str) -> Result<ClientSubnet, UsageError> {
    let bad = || UsageError::BadValue {
        option: option.to_string(),
        value: value.to_string(),
        expected: "ADDRESS/PREFIX, e.g. 192.0.2.0/24",
    };
    if value == "0" {
        return Ok(ClientSubnet::new(IpAddr::from([0, 0, 0, 0]), 0));
    }
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let address: IpAddr = address.parse().map_err(|_| bad())?;
    let longest = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(prefix) => prefix.parse::<u8>().map_err(|_| bad())?,
        None => longest,
    };
    if prefix > longest {
        return Err(bad());
    }
    Ok(ClientSubnet::new(address, prefix))
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::InvalidOption(option) => write!(f, "Invalid option: {option}"),
            UsageError::InvalidFlag(flag) => write!(f, "Invalid option: {flag}"),
            UsageError::MissingValue(option) => write!(f, "{option} needs a value"),
            UsageError::BadValue {
                option,
                value,
                expected,
            } => write!(f, "{option}: `{value}` is not {expected}"),
            UsageError::BadNegation(option) => write!(f, "Invalid option: {option}"),
            UsageError::BadName { text, error } => {
                write!(f, "'{text}' is not a legal name ({error})")
            }
            UsageError::SecondName(text) => write!(
                f,
                "a second name `{text}`: globe dig asks one question per run"
            ),
            UsageError::Transfer(rtype) => {
                write!(f, "{rtype} is a zone transfer, which globe dig does not do")
            }
            UsageError::FamilyMismatch(address) => {
                write!(f, "{address} is not of the address family -4/-6 asks for")
            }
        }
    }
}

impl std::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    fn options(line: &str) -> Options {
        parse(&args(line)).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn name(text: &str) -> Name {
        text.parse().expect("name")
    }

    #[test]
    fn defaults() {
        let o = options("example.test");
        assert_eq!(o.name, name("example.test."));
        assert_eq!((o.qtype, o.qclass), (RType::A, Class::IN));
        assert!(o.recurse && o.edns && o.ad_flag && !o.dnssec && !o.trace && !o.tcp);
        assert_eq!(o.bufsize, DEFAULT_BUFSIZE);
        assert_eq!((o.timeout, o.tries), (DEFAULT_TIMEOUT, DEFAULT_TRIES));
        assert_eq!(o.display, Display::default());
        assert_eq!(o.server, None);
        // No name: the root's name servers, as dig asks.
        let o = options("");
        assert_eq!((o.name, o.qtype), (Name::root(), RType::NS));
    }

    #[test]
    fn positional_words_in_any_order() {
        let o = options("MX example.test CH");
        assert_eq!(o.name, name("example.test."));
        assert_eq!((o.qtype, o.qclass), (RType::MX, Class::CH));
        let o = options("example.test in aaaa");
        assert_eq!((o.qtype, o.qclass), (RType::AAAA, Class::IN));
        // A word that is a type, once the type is set, is a name (dig's rule).
        let o = options("ns ns");
        assert_eq!((o.name, o.qtype), (name("ns."), RType::NS));
        let o = options("TYPE65534 example.test");
        assert_eq!(o.qtype, RType(65534));
    }

    #[test]
    fn servers() {
        let at = |text: &str| parse_server(text).expect(text);
        let v4 = at("192.0.2.1");
        assert_eq!(
            (v4.address, v4.port),
            (Some("192.0.2.1".parse().expect("ip")), None)
        );
        assert_eq!(at("192.0.2.1:5353").port, Some(5353));
        assert_eq!(at("192.0.2.1#5353").port, Some(5353));
        let v6 = at("2001:db8::1");
        assert_eq!((v6.host.as_str(), v6.port), ("2001:db8::1", None));
        let v6 = at("[2001:db8::1]:5353");
        assert_eq!((v6.host.as_str(), v6.port), ("2001:db8::1", Some(5353)));
        let named = at("ns1.example.test:5353");
        assert_eq!(
            (named.host.as_str(), named.address, named.port),
            ("ns1.example.test", None, Some(5353))
        );
        assert!(parse_server("ns1:notaport").is_err());
        assert!(parse_server("").is_err());
        let o = options("@127.0.0.1 -p 5353 www.example.test");
        assert_eq!(o.port, Some(5353));
        assert_eq!(
            o.server.and_then(|s| s.address),
            Some("127.0.0.1".parse().expect("ip"))
        );
    }

    #[test]
    fn plus_options_and_abbreviations() {
        let o =
            options("x.test +trace +tcp +nsid +subnet=192.0.2.77/24 +norec +dnssec +bufsize=4096");
        assert!(o.trace && o.tcp && o.nsid && o.dnssec && !o.recurse);
        assert_eq!(o.bufsize, 4096);
        let subnet = o.subnet.expect("subnet");
        assert_eq!(subnet.address, "192.0.2.0".parse::<IpAddr>().expect("ip"));
        assert_eq!((subnet.source_prefix, subnet.scope_prefix), (24, 0));
        let o = options("x.test +norecurse +vc +nsi +time=5 +tries=1 +ign +noedns +cd +noad");
        assert!(!o.recurse && o.tcp && o.nsid && o.ignore_truncation && !o.edns);
        assert!(o.cd_flag && !o.ad_flag);
        assert_eq!((o.timeout, o.tries), (Duration::from_secs(5), 1));
        assert_eq!(options("x +retry=4").tries, 5);
        assert_eq!(options("x +time=0").timeout, Duration::from_secs(1));
        let o = options("x +subnet=2001:db8:1:2::/48");
        assert_eq!(o.subnet.map(|s| s.source_prefix), Some(48));
        assert_eq!(
            options("x +subnet=192.0.2.1")
                .subnet
                .map(|s| s.source_prefix),
            Some(32)
        );
        assert_eq!(
            options("x +subnet=0").subnet.map(|s| s.source_prefix),
            Some(0)
        );
    }

    #[test]
    fn display_options() {
        let o = options("x +noall +answer");
        assert!(o.display.answer && !o.display.cmd && !o.display.comments && !o.display.stats);
        assert!(!o.display.question && !o.display.authority && !o.display.additional);
        assert!(options("x +short").display.short);
        let o = options("x +nocmd +nostats");
        assert!(!o.display.cmd && !o.display.stats && o.display.comments);
    }

    #[test]
    fn flags() {
        let o = options("-4 -p 5353 -t mx -c ch -q example.test");
        assert_eq!(o.family, Family::V4);
        assert_eq!(o.port, Some(5353));
        assert_eq!(
            (o.qtype, o.qclass, o.name),
            (RType::MX, Class::CH, name("example.test."))
        );
        assert_eq!(options("-p5353 -6 x").port, Some(5353));
        assert_eq!(options("-6 x").family, Family::V6);
        let o = options("-x 192.0.2.1");
        assert_eq!(
            (o.name, o.qtype),
            (name("1.2.0.192.in-addr.arpa."), RType::PTR)
        );
        let o = options("-x 2001:db8::567:89ab");
        assert_eq!(
            o.name,
            name("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
        );
        assert!(options("-h").help);
        let o = options("x --root-hints /tmp/h");
        assert_eq!(o.root_hints, Some(PathBuf::from("/tmp/h")));
        let o = options("x --root-hints=/tmp/h +trace");
        assert_eq!(o.root_hints, Some(PathBuf::from("/tmp/h")));
        let o = options("x +root-hints=/tmp/h2");
        assert_eq!(o.root_hints, Some(PathBuf::from("/tmp/h2")));
    }

    #[test]
    fn usage_errors() {
        let error = |line: &str| parse(&args(line)).expect_err(line);
        assert_eq!(error("+bogus"), UsageError::InvalidOption("+bogus".into()));
        // `+t` could be +tcp, +time, +tries or +trace.
        assert!(matches!(error("+t"), UsageError::InvalidOption(_)));
        assert!(matches!(error("x +time=soon"), UsageError::BadValue { .. }));
        assert!(matches!(
            error("x +bufsize=70000"),
            UsageError::BadValue { .. }
        ));
        assert!(matches!(
            error("x +subnet=192.0.2.0/33"),
            UsageError::BadValue { .. }
        ));
        assert!(matches!(
            error("x +subnet=nowhere"),
            UsageError::BadValue { .. }
        ));
        assert!(matches!(error("x +time"), UsageError::MissingValue(_)));
        assert!(matches!(error("x +notime=3"), UsageError::BadNegation(_)));
        assert!(matches!(error("x +tcp=yes"), UsageError::BadNegation(_)));
        assert!(matches!(error("-p"), UsageError::MissingValue(_)));
        assert!(matches!(error("-p http"), UsageError::BadValue { .. }));
        assert!(matches!(error("-z"), UsageError::InvalidFlag(_)));
        assert!(matches!(error("-t NOTATYPE"), UsageError::BadValue { .. }));
        assert!(matches!(
            error("-x not-an-address"),
            UsageError::BadValue { .. }
        ));
        assert!(matches!(error("foo..bar"), UsageError::BadName { .. }));
        assert!(matches!(error("a.test b.test"), UsageError::SecondName(_)));
        assert!(matches!(
            error("example.test AXFR"),
            UsageError::Transfer(_)
        ));
        assert!(matches!(
            error("-6 @192.0.2.1 x"),
            UsageError::FamilyMismatch(_)
        ));
        assert!(matches!(error("--root-hints"), UsageError::MissingValue(_)));
        assert!(matches!(error("--frobnicate"), UsageError::InvalidFlag(_)));
    }
}
