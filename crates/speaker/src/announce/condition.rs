//! The `condition` and `on_failure` of an `[[originate]]` entry, as written in the configuration, and
//! their compiled form: an auth health [`Probe`] (DNS, HTTP(S), TCP, command) or the in-process
//! check of `globe node`, with interval, timeout and the rise/fall [`Thresholds`].
//!
//! ```toml
//! [[originate]]
//! prefix = "192.0.2.0/24"
//! on_failure = "withdraw"          # or { prepend = 3 }: keep it announced, our AS 3 more times
//! condition = { kind = "dns", address = "192.0.2.53:53", qname = "example.com.", interval = 0.2, fall = 3 }
//! ```

use globe_auth::health::{
    CommandProbe, DnsProbe, HttpProbe, Probe, State, StatusRange, Thresholds, TlsSettings,
};
use globe_dns::{Name, RType, Rcode};
use serde::Deserialize;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Seconds between checks when `interval` is not given.
pub const DEFAULT_INTERVAL_SECONDS: f64 = 1.0;
/// The longest default timeout, in seconds (the default is the interval, at most this).
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 2.0;
/// The longest interval accepted (a day): anything longer is a mistake, not a health check.
pub const MAX_INTERVAL_SECONDS: f64 = 86_400.0;
/// Consecutive successes that bring a prefix back, by default.
pub const DEFAULT_RISE: u32 = 2;
/// Consecutive failures that take a prefix down, by default.
pub const DEFAULT_FALL: u32 = 3;
/// Where a `dns` condition asks by default: a local `globe auth` on loopback.
pub const DEFAULT_DNS_SERVER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 53);

/// What a condition checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionKind {
    /// A DNS query over UDP (default to `127.0.0.1:53`), answered with an accepted RCODE.
    Dns,
    /// An HTTP/1.1 GET with a status in `expect`.
    Http,
    /// The same over TLS.
    Https,
    /// A TCP connection that opens.
    Tcp,
    /// An external command that exits 0 (killed on timeout).
    Command,
    /// The in-process health of the DNS server running beside the speaker (`globe node` only): the
    /// service on, every UDP worker alive, every zone with data.
    Local,
}

/// One `condition = { … }` as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionConfig {
    /// What to check.
    pub kind: ConditionKind,
    /// dns, http, https, tcp: where (dns default `127.0.0.1:53`; required for the others).
    pub address: Option<SocketAddr>,
    /// dns: the name asked (required).
    pub qname: Option<String>,
    /// dns: the type asked (default SOA).
    pub qtype: Option<String>,
    /// dns: the accepted RCODE mnemonics (default `["NOERROR"]`).
    pub rcodes: Option<Vec<String>>,
    /// http, https: the `Host` header and TLS server name (default the address's IP).
    pub host: Option<String>,
    /// http, https: the request target (default `/`).
    pub path: Option<String>,
    /// http, https: the accepted statuses, inclusive (default `[200, 399]`).
    pub expect: Option<[u16; 2]>,
    /// https: skip certificate verification.
    pub insecure: Option<bool>,
    /// command: the program and its arguments (no shell).
    pub command: Option<Vec<String>>,
    /// Seconds between the starts of two checks (default 1; fractions allowed, e.g. 0.2).
    pub interval: Option<f64>,
    /// Seconds one check may take (default the interval, at most 2); at most the interval.
    pub timeout: Option<f64>,
    /// Successes in a row that bring the prefix back (default 2).
    pub rise: Option<u32>,
    /// Failures in a row that take it down (default 3).
    pub fall: Option<u32>,
    /// The state before the first result: `"down"` (default: nothing is announced until the first
    /// check passes, which brings it up at once) or `"up"` (the first failure takes it down at once).
    pub initial: Option<InitialState>,
}

/// `initial = "up" | "down"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitialState {
    /// Announced before the first result.
    Up,
    /// Withdrawn (or drained) before the first result.
    Down,
}

/// What happens to the prefix while its condition is down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum OnFailure {
    /// Withdraw it from every neighbour (`on_failure = "withdraw"`, the default).
    #[default]
    Withdraw,
    /// Keep it announced with our AS prepended this many extra times, so that other PoPs win
    /// where they can (drain; `on_failure = { prepend = 3 }`).
    Prepend(u8),
}

/// What a compiled condition runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionProbe {
    /// A probe of the auth crate's health checker.
    Check(Probe),
    /// The in-process health signal `globe node` supplies.
    Local,
}

/// A condition ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// What one check does.
    pub probe: ConditionProbe,
    /// Time between the starts of two checks.
    pub interval: Duration,
    /// Time one check may take.
    pub timeout: Duration,
    /// Rise, fall and the initial state.
    pub thresholds: Thresholds,
}

impl ConditionConfig {
    /// Checks the fields against the kind, fills the defaults and compiles the probe. The error says
    /// what is wrong (the caller adds the file position).
    pub fn compile(&self) -> Result<Condition, String> {
        let kind = self.kind;
        let only = |present: bool, field: &str, kinds: &[ConditionKind], name: &str| {
            if present && !kinds.contains(&kind) {
                Err(format!("`{field}` is for {name} conditions"))
            } else {
                Ok(())
            }
        };
        use ConditionKind::{Command, Dns, Http, Https, Local, Tcp};
        only(
            self.address.is_some(),
            "address",
            &[Dns, Http, Https, Tcp],
            "dns, http, https and tcp",
        )?;
        only(self.qname.is_some(), "qname", &[Dns], "dns")?;
        only(self.qtype.is_some(), "qtype", &[Dns], "dns")?;
        only(self.rcodes.is_some(), "rcodes", &[Dns], "dns")?;
        only(
            self.host.is_some(),
            "host",
            &[Http, Https],
            "http and https",
        )?;
        only(
            self.path.is_some(),
            "path",
            &[Http, Https],
            "http and https",
        )?;
        only(
            self.expect.is_some(),
            "expect",
            &[Http, Https],
            "http and https",
        )?;
        only(self.insecure.is_some(), "insecure", &[Https], "https")?;
        only(self.command.is_some(), "command", &[Command], "command")?;
        let address = |what: &str| {
            self.address
                .ok_or_else(|| format!("a {what} condition needs an `address`"))
        };
        let probe = match kind {
            Dns => {
                let qname = self
                    .qname
                    .as_deref()
                    .ok_or("a dns condition needs a `qname`")?;
                let qname = Name::parse(qname, Some(&Name::root()))
                    .map_err(|e| format!("qname {qname:?}: {e}"))?;
                let qtype = match self.qtype.as_deref() {
                    Some(text) => RType::from_mnemonic(text)
                        .ok_or_else(|| format!("unknown qtype {text:?}"))?,
                    None => RType::SOA,
                };
                let rcodes = match &self.rcodes {
                    Some(list) if list.is_empty() => {
                        return Err("rcodes must name at least one RCODE".into())
                    }
                    Some(list) => list
                        .iter()
                        .map(|text| {
                            parse_rcode(text).ok_or_else(|| format!("unknown rcode {text:?}"))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    None => vec![Rcode::NOERROR],
                };
                ConditionProbe::Check(Probe::Dns(DnsProbe {
                    address: self.address.unwrap_or(DEFAULT_DNS_SERVER),
                    qname,
                    qtype,
                    rcodes,
                }))
            }
            Http | Https => {
                let address = address(if kind == Http { "http" } else { "https" })?;
                let host = self
                    .host
                    .clone()
                    .unwrap_or_else(|| address.ip().to_string());
                let path = self.path.clone().unwrap_or_else(|| "/".to_string());
                if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace()) {
                    return Err(format!(
                        "path {path:?} must start with / and hold no spaces"
                    ));
                }
                let status = match self.expect {
                    Some([low, high]) if low <= high => StatusRange { low, high },
                    Some(_) => return Err("expect is [LOW, HIGH] with LOW ≤ HIGH".into()),
                    None => globe_auth::health::check::DEFAULT_STATUS,
                };
                let tls = (kind == Https).then(|| TlsSettings {
                    server_name: host.clone(),
                    insecure: self.insecure.unwrap_or(false),
                    ca_file: None,
                });
                ConditionProbe::Check(Probe::Http(HttpProbe {
                    address,
                    host,
                    path,
                    tls,
                    status,
                }))
            }
            Tcp => ConditionProbe::Check(Probe::Tcp {
                address: address("tcp")?,
            }),
            Command => {
                let argv = self
                    .command
                    .clone()
                    .filter(|argv| argv.first().is_some_and(|program| !program.is_empty()))
                    .ok_or("a command condition needs `command = [PROGRAM, ARGUMENTS…]`")?;
                ConditionProbe::Check(Probe::Command(CommandProbe { argv }))
            }
            Local => ConditionProbe::Local,
        };
        let interval = self.interval.unwrap_or(DEFAULT_INTERVAL_SECONDS);
        if !(interval.is_finite() && interval > 0.0 && interval <= MAX_INTERVAL_SECONDS) {
            return Err(format!(
                "interval must be more than 0 and at most {MAX_INTERVAL_SECONDS} seconds"
            ));
        }
        let timeout = self
            .timeout
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS.min(interval));
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= interval) {
            return Err("timeout must be more than 0 and at most the interval".into());
        }
        let rise = self.rise.unwrap_or(DEFAULT_RISE);
        let fall = self.fall.unwrap_or(DEFAULT_FALL);
        if rise == 0 || fall == 0 {
            return Err("rise and fall must be at least 1".into());
        }
        Ok(Condition {
            probe,
            interval: Duration::from_secs_f64(interval),
            timeout: Duration::from_secs_f64(timeout),
            thresholds: Thresholds {
                rise,
                fall,
                initial: match self.initial.unwrap_or(InitialState::Down) {
                    InitialState::Up => State::Up,
                    InitialState::Down => State::Down,
                },
            },
        })
    }
}

/// An RCODE from its mnemonic, in any case (`NOERROR`, `nxdomain`, …).
fn parse_rcode(text: &str) -> Option<Rcode> {
    (0..=23)
        .map(Rcode)
        .find(|rcode| rcode.to_string().eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Condition, String> {
        let config: ConditionConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.compile()
    }

    #[test]
    fn kinds_compile_with_defaults() {
        let dns = parse("kind = \"dns\"\nqname = \"example.com.\"\ninterval = 0.2\nfall = 3")
            .expect("dns");
        assert_eq!(dns.interval, Duration::from_millis(200));
        assert_eq!(dns.timeout, Duration::from_millis(200));
        assert_eq!(dns.thresholds.fall, 3);
        assert_eq!(dns.thresholds.rise, DEFAULT_RISE);
        assert_eq!(dns.thresholds.initial, State::Down);
        let ConditionProbe::Check(Probe::Dns(probe)) = dns.probe else {
            panic!("dns probe")
        };
        assert_eq!(probe.address, DEFAULT_DNS_SERVER);
        assert_eq!(probe.qtype, RType::SOA);
        assert_eq!(probe.rcodes, [Rcode::NOERROR]);
        let command =
            parse("kind = \"command\"\ncommand = [\"/bin/true\"]\ntimeout = 0.5").expect("command");
        assert_eq!(
            command.probe,
            ConditionProbe::Check(Probe::Command(CommandProbe {
                argv: vec!["/bin/true".into()]
            }))
        );
        let http = parse("kind = \"http\"\naddress = \"127.0.0.1:8080\"\nexpect = [200, 204]")
            .expect("http");
        let ConditionProbe::Check(Probe::Http(probe)) = http.probe else {
            panic!("http probe")
        };
        assert_eq!((probe.status.low, probe.status.high), (200, 204));
        assert_eq!(probe.path, "/");
        assert!(parse("kind = \"local\"\ninterval = 0.1").is_ok());
        assert!(parse("kind = \"tcp\"\naddress = \"127.0.0.1:1\"").is_ok());
    }

    #[test]
    fn mistakes_are_refused() {
        for (text, expected) in [
            ("kind = \"dns\"", "qname"),
            ("kind = \"tcp\"", "address"),
            ("kind = \"command\"", "command"),
            ("kind = \"command\"\ncommand = []", "command"),
            (
                "kind = \"tcp\"\naddress = \"127.0.0.1:1\"\nqname = \"a.\"",
                "qname",
            ),
            ("kind = \"local\"\ninterval = 0.1\ntimeout = 0.2", "timeout"),
            ("kind = \"local\"\ninterval = 0", "interval"),
            ("kind = \"local\"\nfall = 0", "fall"),
            (
                "kind = \"dns\"\nqname = \"a.\"\nrcodes = [\"NOPE\"]",
                "rcode",
            ),
            ("kind = \"smtp\"", "unknown variant"),
            ("kind = \"local\"\nbogus = 1", "unknown field"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn on_failure_spellings() {
        #[derive(Deserialize)]
        struct Wrapper {
            on_failure: OnFailure,
        }
        let parse = |text: &str| toml::from_str::<Wrapper>(text).map(|w| w.on_failure);
        assert_eq!(
            parse("on_failure = \"withdraw\"").ok(),
            Some(OnFailure::Withdraw)
        );
        assert_eq!(
            parse("on_failure = { prepend = 3 }").ok(),
            Some(OnFailure::Prepend(3))
        );
        assert!(parse("on_failure = \"drain\"").is_err());
    }
}
