//! The sockets of `globe dig`: one query to one server over UDP or TCP (RFC 1035 §4.2, RFC 7766),
//! within a deadline, returning the matching response or why there is none. Retrying and falling
//! back to TCP are decided by the caller.

use super::format::Protocol;
use globe_dns::{Message, WireError};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// The largest DNS message: UDP datagrams and TCP length prefixes are 16 bits.
const MAX_MESSAGE: usize = 65_535;

/// A response that matched the query.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The response as received.
    pub bytes: Vec<u8>,
    /// The response decoded.
    pub message: Message,
    /// From sending the query to receiving the response.
    pub rtt: Duration,
    /// The transport it came over.
    pub protocol: Protocol,
}

/// Why an exchange gave no response.
#[derive(Debug)]
pub enum ExchangeError {
    /// Nothing came before the deadline.
    TimedOut,
    /// The socket failed (refused, unreachable, reset...).
    Io(io::Error),
    /// A response with the query's ID came but does not decode.
    Malformed(WireError),
    /// Over TCP, a response with another ID (a UDP one is skipped: it may be a late answer).
    IdMismatch {
        /// The ID sent.
        expected: u16,
        /// The ID received.
        received: u16,
    },
}

/// Sends `query` (whose ID is `id`) over UDP and waits up to `timeout` for the response with that ID
/// from `server`; datagrams with other IDs are reported in `mismatched` and skipped.
pub fn udp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    timeout: Duration,
    mismatched: &mut Vec<u16>,
) -> Result<Reply, ExchangeError> {
    let local: SocketAddr = if server.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).map_err(ExchangeError::Io)?;
    // Connected, so only the server's datagrams arrive and ICMP errors are reported.
    socket.connect(server).map_err(ExchangeError::Io)?;
    let start = Instant::now();
    let deadline = start + timeout;
    socket.send(query).map_err(ExchangeError::Io)?;
    let mut buffer = vec![0u8; MAX_MESSAGE];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ExchangeError::TimedOut);
        }
        socket
            .set_read_timeout(Some(left))
            .map_err(ExchangeError::Io)?;
        let size = socket.recv(&mut buffer).map_err(io_error)?;
        let rtt = start.elapsed();
        let bytes = buffer.get(..size).unwrap_or_default();
        match message_id(bytes) {
            Some(received) if received == id => {
                return decode(bytes.to_vec(), rtt, Protocol::Udp);
            }
            Some(received) => mismatched.push(received),
            // Shorter than an ID: not a DNS message, keep waiting.
            None => {}
        }
    }
}

/// Sends `query` over a new TCP connection to `server` and reads one response, all within `timeout`.
pub fn tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    timeout: Duration,
) -> Result<Reply, ExchangeError> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut stream = TcpStream::connect_timeout(&server, timeout).map_err(io_error)?;
    let left = || {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(ExchangeError::TimedOut)
        } else {
            Ok(left)
        }
    };
    stream
        .set_write_timeout(Some(left()?))
        .map_err(ExchangeError::Io)?;
    let length = u16::try_from(query.len()).map_err(|_| {
        ExchangeError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "query too long",
        ))
    })?;
    let mut framed = Vec::with_capacity(2 + query.len());
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).map_err(io_error)?;
    stream
        .set_read_timeout(Some(left()?))
        .map_err(ExchangeError::Io)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).map_err(io_error)?;
    let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream
        .set_read_timeout(Some(left()?))
        .map_err(ExchangeError::Io)?;
    stream.read_exact(&mut bytes).map_err(io_error)?;
    let rtt = start.elapsed();
    match message_id(&bytes) {
        Some(received) if received == id => decode(bytes, rtt, Protocol::Tcp),
        Some(received) => Err(ExchangeError::IdMismatch {
            expected: id,
            received,
        }),
        None => Err(ExchangeError::Malformed(WireError::ShortBuffer)),
    }
}

fn message_id(bytes: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

fn decode(bytes: Vec<u8>, rtt: Duration, protocol: Protocol) -> Result<Reply, ExchangeError> {
    let message = Message::parse(&bytes).map_err(ExchangeError::Malformed)?;
    Ok(Reply {
        bytes,
        message,
        rtt,
        protocol,
    })
}

/// Read timeouts show up as `WouldBlock` on Unix and `TimedOut` elsewhere.
fn io_error(error: io::Error) -> ExchangeError {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ExchangeError::TimedOut,
        _ => ExchangeError::Io(error),
    }
}

impl fmt::Display for ExchangeError {
    /// The reason as dig words it after `;; communications error to ADDR#PORT: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::TimedOut => f.write_str("timed out"),
            ExchangeError::Io(error) => match error.kind() {
                io::ErrorKind::ConnectionRefused => f.write_str("connection refused"),
                io::ErrorKind::ConnectionReset => f.write_str("connection reset"),
                io::ErrorKind::NetworkUnreachable => f.write_str("network unreachable"),
                io::ErrorKind::HostUnreachable => f.write_str("host unreachable"),
                io::ErrorKind::UnexpectedEof => f.write_str("end of file"),
                _ => write!(f, "{error}"),
            },
            ExchangeError::Malformed(error) => write!(f, "bad packet: {error}"),
            ExchangeError::IdMismatch { expected, received } => {
                write!(f, "ID mismatch: expected ID {expected}, got {received}")
            }
        }
    }
}
