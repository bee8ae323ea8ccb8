//! DNS over TCP (RFC 7766) below the DNS layer: opening a listener, accepting connections under a limit
//! ([`serve`]), and the two-octet length framing of messages (RFC 1035 §4.2.2) with an idle timeout,
//! several messages per connection in either direction (pipelining, RFC 7766 §6.2.1.1).
//!
//! ```text
//!  0                   1
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     message length (octets)   |  big-endian, not counting itself
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! /          DNS message          /
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Answering a message, and whether a connection stays open after one that could not be answered, is
//! the server's business.

use socket2::{Protocol, Type};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// Connections the kernel queues for [`serve`] to accept (`listen(2)` backlog).
pub const BACKLOG: i32 = 1024;
/// The largest message the two-octet length can carry.
pub const MAX_MESSAGE: usize = u16::MAX as usize;

/// Opens a listening TCP socket (`SO_REUSEADDR`; IPv6-only for IPv6 addresses), non-blocking for tokio.
/// Needs a tokio runtime to be entered.
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = crate::server_socket(address, Type::STREAM, Protocol::TCP)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    TcpListener::from_std(socket.into())
}

/// Accepts connections forever, at most `max_connections` open at once (more wait in the accept
/// queue), and runs `handle(stream, peer)`'s future for each on its own task. The connection's slot is
/// freed when that future ends; a failed accept is logged and skipped.
pub async fn serve<Handle, Connected>(
    listener: TcpListener,
    max_connections: usize,
    mut handle: Handle,
) where
    Handle: FnMut(TcpStream, SocketAddr) -> Connected,
    Connected: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "TCP accept failed");
                continue;
            }
        };
        let connected = handle(stream, peer);
        tokio::spawn(async move {
            connected.await;
            drop(permit);
        });
    }
}

/// One DNS-over-TCP connection: a buffered reader of length-prefixed messages, with an idle timeout, and
/// a writer of them. `TCP_NODELAY` is set so each response leaves at once.
pub struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    idle: Duration,
    /// The framed form of the message being written, reused across messages.
    framed: Vec<u8>,
}

impl Connection {
    /// Wraps an accepted stream; a read waits at most `idle` for each part of a message.
    pub fn new(stream: TcpStream, idle: Duration) -> Connection {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
        let (reader, writer) = stream.into_split();
        Connection {
            reader: BufReader::new(reader),
            writer,
            idle,
            framed: Vec::with_capacity(512),
        }
    }

    /// Reads the next message into `message` (see [`read_message`]). Any error means the connection is
    /// done: closed by the peer, idle too long, or broken.
    pub async fn read(&mut self, message: &mut Vec<u8>) -> io::Result<()> {
        read_message(&mut self.reader, message, self.idle).await
    }

    /// Writes one message with its length prefix, in one write. A message longer than [`MAX_MESSAGE`]
    /// is an `InvalidInput` error and nothing is written.
    pub async fn write(&mut self, message: &[u8]) -> io::Result<()> {
        frame(message, &mut self.framed)?;
        self.writer.write_all(&self.framed).await
    }
}

/// Reads one length-prefixed message into `message`, resized to the message's length. Each of the two
/// reads (the length, then the message) may wait at most `idle`; a timeout is a `TimedOut` error, a
/// stream that ends first (also in the middle of a message) an `UnexpectedEof` error.
pub async fn read_message<Reader>(
    reader: &mut Reader,
    message: &mut Vec<u8>,
    idle: Duration,
) -> io::Result<()>
where
    Reader: AsyncRead + Unpin,
{
    let length = within(idle, reader.read_u16()).await?;
    message.resize(usize::from(length), 0);
    within(idle, reader.read_exact(message)).await?;
    Ok(())
}

/// Writes `message` with its two-octet length prefix into `framed` (emptied first). A message longer
/// than [`MAX_MESSAGE`] is an `InvalidInput` error.
pub fn frame(message: &[u8], framed: &mut Vec<u8>) -> io::Result<()> {
    let length = u16::try_from(message.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "DNS message longer than 65535 octets",
        )
    })?;
    framed.clear();
    framed.reserve(message.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(message);
    Ok(())
}

/// Runs `operation`, giving up after `idle` with a `TimedOut` error.
async fn within<T>(
    idle: Duration,
    operation: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    tokio::time::timeout(idle, operation)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TCP connection idle"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    const IDLE: Duration = Duration::from_secs(5);

    fn framed(message: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        frame(message, &mut out)?;
        Ok(out)
    }

    #[tokio::test]
    async fn two_pipelined_messages_then_a_short_read() -> io::Result<()> {
        let mut stream = framed(b"first")?;
        stream.extend(framed(b"")?);
        stream.extend(framed(&[9u8; 300])?);
        // A third message announced as 10 octets, of which only 4 arrive.
        stream.extend_from_slice(&[0, 10, 1, 2, 3, 4]);
        let mut reader = &stream[..];
        let mut message = Vec::new();

        read_message(&mut reader, &mut message, IDLE).await?;
        assert_eq!(message, b"first");
        read_message(&mut reader, &mut message, IDLE).await?;
        assert!(message.is_empty());
        read_message(&mut reader, &mut message, IDLE).await?;
        assert_eq!(message, [9u8; 300]);
        let short = read_message(&mut reader, &mut message, IDLE).await;
        assert!(matches!(short, Err(e) if e.kind() == io::ErrorKind::UnexpectedEof));
        // And a lone octet of a length prefix.
        let short = read_message(&mut &[0u8][..], &mut message, IDLE).await;
        assert!(matches!(short, Err(e) if e.kind() == io::ErrorKind::UnexpectedEof));
        Ok(())
    }

    #[tokio::test]
    async fn a_silent_peer_times_out_mid_message() -> io::Result<()> {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(&[0, 5, b'a']).await?;
        let mut message = Vec::new();
        let idle = Duration::from_millis(30);
        let result = read_message(&mut server, &mut message, idle).await;
        assert!(matches!(result, Err(e) if e.kind() == io::ErrorKind::TimedOut));
        drop(client);
        Ok(())
    }

    #[test]
    fn frame_refuses_what_the_length_cannot_carry() -> io::Result<()> {
        assert_eq!(framed(b"ab")?, [0, 2, b'a', b'b']);
        assert_eq!(framed(&vec![0u8; MAX_MESSAGE])?.len(), MAX_MESSAGE + 2);
        let mut out = Vec::new();
        let error = frame(&vec![0u8; MAX_MESSAGE + 1], &mut out);
        assert!(matches!(error, Err(e) if e.kind() == io::ErrorKind::InvalidInput));
        Ok(())
    }

    #[tokio::test]
    async fn pipelined_queries_answered_in_order_over_loopback() -> io::Result<()> {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let address = listener.local_addr()?;
        tokio::spawn(serve(listener, 4, |stream, _peer| async move {
            let mut connection = Connection::new(stream, IDLE);
            let mut query = Vec::new();
            while connection.read(&mut query).await.is_ok() {
                query.reverse();
                if connection.write(&query).await.is_err() {
                    return;
                }
            }
        }));

        let mut client = TcpStream::connect(address).await?;
        let mut queries = framed(b"abc")?;
        queries.extend(framed(b"12345")?);
        client.write_all(&queries).await?;
        let mut answer = Vec::new();
        read_message(&mut client, &mut answer, IDLE).await?;
        assert_eq!(answer, b"cba");
        read_message(&mut client, &mut answer, IDLE).await?;
        assert_eq!(answer, b"54321");
        Ok(())
    }
}
