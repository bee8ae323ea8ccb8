//! What a health check is: the [`CheckSpec`] the checkers in `server::health` run, and that a
//! reload compares to decide whether a target's check changed. The steering configuration's `check`
//! table (`crate::steering::config`) compiles straight to it, addresses resolved, ranges checked and
//! defaults filled, and each [`Target`](crate::steering::Target) carries it.
//!
//! - [`Probe::Http`]: an HTTP/1.1 GET of `path` at `address` with `Host: host`, passing when the
//!   status is in [`StatusRange`]; over TLS when [`TlsSettings`] are given (certificate verified
//!   against Mozilla's roots plus an optional `ca_file`, unless `insecure`).
//! - [`Probe::Tcp`]: a TCP connection that opens.
//! - [`Probe::Dns`]: a query over UDP answered with one of the accepted RCODEs.
//! - [`Probe::Command`]: an external program that exits 0 (killed when the check times out). Not
//!   offered by the steering configuration; the BGP speaker's announcement conditions use it.

use super::Thresholds;
use globe_dns::{Name, RType, Rcode};
use std::fmt;
use std::net::SocketAddr;
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
    /// An external command: exit status 0 is a success.
    Command(CommandProbe),
}

/// An external command run as a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandProbe {
    /// The program and its arguments (no shell; use `["/bin/sh", "-c", "..."]` for one).
    pub argv: Vec<String>,
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
            Probe::Command(command) => write!(f, "command {:?}", command.argv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
