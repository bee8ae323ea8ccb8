//! What a health check is: the [`CheckSpec`] the checkers in `server::health` run, and that a
//! reload compares to decide whether a target's check changed. It is built from the steering
//! configuration's `check` table (`crate::steering::config`), addresses resolved and ranges checked.
//!
//! - [`Probe::Http`]: an HTTP/1.1 GET of `path` at `address` with `Host: host`, passing when the
//!   status is in [`StatusRange`]; over TLS when [`TlsSettings`] are given (certificate verified
//!   against Mozilla's roots plus an optional `ca_file`, unless `insecure`).
//! - [`Probe::Tcp`]: a TCP connection that opens.
//! - [`Probe::Dns`]: a query over UDP answered with one of the accepted RCODEs.

use super::{State, Thresholds};
use crate::steering;
use globe_dns::{Name, RType, Rcode};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The default accepted HTTP statuses: success and redirection (RFC 9110 §15).
pub const DEFAULT_STATUS: StatusRange = StatusRange {
    low: 200,
    high: 399,
};

/// A health check: what to probe, how often, and how results count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSpec {
    /// What one check does.
    pub probe: Probe,
    /// Time between the starts of two checks.
    pub interval: Duration,
    /// Time one check may take.
    pub timeout: Duration,
    /// Rise, fall and the initial state.
    pub thresholds: Thresholds,
}

/// What one check does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP or HTTPS GET.
    Http(HttpProbe),
    /// A TCP connection.
    Tcp {
        /// Where to connect.
        address: SocketAddr,
    },
    /// A DNS query.
    Dns(DnsProbe),
}

/// An HTTP(S) GET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpProbe {
    /// Where to connect.
    pub address: SocketAddr,
    /// The `Host` header (the URL's authority).
    pub host: String,
    /// The request target (path and query), starting with `/`.
    pub path: String,
    /// TLS settings, for HTTPS.
    pub tls: Option<TlsSettings>,
    /// The accepted statuses.
    pub status: StatusRange,
}

/// How an HTTPS check sets up TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// The name sent as SNI and verified in the certificate (or an IP address).
    pub server_name: String,
    /// Skip certificate verification.
    pub insecure: bool,
    /// Extra trusted roots (PEM).
    pub ca_file: Option<PathBuf>,
}

/// A DNS query over UDP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsProbe {
    /// The server to ask.
    pub address: SocketAddr,
    /// The name asked for.
    pub qname: Name,
    /// The type asked for.
    pub qtype: RType,
    /// The accepted response codes.
    pub rcodes: Vec<Rcode>,
}

/// An inclusive range of HTTP statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRange {
    /// The lowest accepted status.
    pub low: u16,
    /// The highest accepted status.
    pub high: u16,
}

impl StatusRange {
    /// Whether `status` is accepted.
    pub fn contains(&self, status: u16) -> bool {
        (self.low..=self.high).contains(&status)
    }
}

impl CheckSpec {
    /// The check of a steering target, as the steering configuration compiled it. What that
    /// configuration does not express yet takes its default: certificates verified against Mozilla's
    /// roots, NOERROR the only accepted RCODE, up before the first result.
    pub fn from_steering(check: &steering::CheckSpec) -> CheckSpec {
        let probe = match &check.kind {
            steering::CheckKind::Http {
                tls,
                address,
                host,
                path,
                expect,
            } => Probe::Http(HttpProbe {
                address: *address,
                host: host_header(host, address.port(), *tls),
                path: path.clone(),
                tls: tls.then(|| TlsSettings {
                    server_name: host.clone(),
                    insecure: false,
                    ca_file: None,
                }),
                status: StatusRange {
                    low: *expect.start(),
                    high: *expect.end(),
                },
            }),
            steering::CheckKind::Tcp { address } => Probe::Tcp { address: *address },
            steering::CheckKind::Dns {
                address,
                qname,
                qtype,
            } => Probe::Dns(DnsProbe {
                address: *address,
                qname: qname.clone(),
                qtype: *qtype,
                rcodes: vec![Rcode::NOERROR],
            }),
        };
        CheckSpec {
            probe,
            interval: check.interval,
            timeout: check.timeout,
            thresholds: Thresholds {
                rise: check.rise.max(1),
                fall: check.fall.max(1),
                initial: State::Up,
            },
        }
    }
}

/// The `Host` header for a URL's host (RFC 9110 §7.2: the port only when not the scheme's default,
/// an IPv6 literal in brackets).
fn host_header(host: &str, port: u16, tls: bool) -> String {
    let host = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host.to_string(),
    };
    let default = if tls { 443 } else { 80 };
    if port == default {
        host
    } else {
        format!("{host}:{port}")
    }
}

impl fmt::Display for StatusRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
    }
}

/// Reads the status code from an HTTP/1.x status line (RFC 9112 §4: `HTTP-version SP status-code SP
/// [reason-phrase]`), with or without its line ending. `None` if it is not one.
pub fn parse_status_line(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/")?;
    let space = rest.iter().position(|b| *b == b' ')?;
    let version = rest.get(..space)?;
    if version.is_empty() || !version.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let code = rest.get(space + 1..space + 4)?;
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match rest.get(space + 4) {
        None | Some(b' ' | b'\r' | b'\n') => {}
        Some(_) => return None,
    }
    code.iter()
        .try_fold(0u16, |n, d| Some(n * 10 + u16::from(d - b'0')))
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Http(http) => {
                let scheme = if http.tls.is_some() { "https" } else { "http" };
                write!(f, "{scheme} {}{} at {}", http.host, http.path, http.address)
            }
            Probe::Tcp { address } => write!(f, "tcp {address}"),
            Probe::Dns(dns) => write!(f, "dns {} {} at {}", dns.qname, dns.qtype, dns.address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steering_checks_convert() {
        let check = steering::CheckSpec {
            kind: steering::CheckKind::Http {
                tls: true,
                address: "[2001:db8::1]:8443".parse().expect("addr"),
                host: "2001:db8::1".into(),
                path: "/health".into(),
                expect: 200..=204,
            },
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(2),
            rise: 2,
            fall: 3,
        };
        let spec = CheckSpec::from_steering(&check);
        let Probe::Http(http) = &spec.probe else {
            panic!("{spec:?}");
        };
        assert_eq!(http.host, "[2001:db8::1]:8443");
        assert_eq!(
            http.status,
            StatusRange {
                low: 200,
                high: 204
            }
        );
        let tls = http.tls.as_ref().expect("https");
        assert_eq!(
            (tls.server_name.as_str(), tls.insecure),
            ("2001:db8::1", false)
        );
        assert_eq!(spec.thresholds.fall, 3);
        assert_eq!(host_header("www.example.com", 80, false), "www.example.com");
        assert_eq!(
            host_header("www.example.com", 8080, false),
            "www.example.com:8080"
        );
        let dns = steering::CheckSpec {
            kind: steering::CheckKind::Dns {
                address: "192.0.2.53:53".parse().expect("addr"),
                qname: Name::parse("example.com.", None).expect("name"),
                qtype: RType::SOA,
            },
            ..check
        };
        let Probe::Dns(dns) = CheckSpec::from_steering(&dns).probe else {
            panic!("dns");
        };
        assert_eq!(dns.rcodes, [Rcode::NOERROR]);
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(
            parse_status_line(b"HTTP/1.0 503 Service Unavailable"),
            Some(503)
        );
        assert_eq!(parse_status_line(b"HTTP/1.1 204\r\n"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/2 404 \r\n"), Some(404));
        for bad in [
            &b""[..],
            b"HTTP/1.1",
            b"HTTP/1.1 20",
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 2x0 OK",
            b"HTTP/ 200 OK",
            b"SSH-2.0-OpenSSH",
            b"http/1.1 200 OK",
        ] {
            assert_eq!(
                parse_status_line(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
