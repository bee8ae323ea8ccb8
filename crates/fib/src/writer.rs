//! The batched route writer: packs route messages into netlink datagrams and matches the kernel's replies
//! back to prefixes by sequence number.
//!
//! rtnetlink's own handle sends one request per task wake-up and waits for each acknowledgement, about
//! one route per round trip; a full table wants better. The kernel processes every message of a datagram
//! in order, synchronously inside `sendmsg`, and answers a message only when it fails or carries
//! `NLM_F_ACK`. So each batch is one datagram of up to [`BATCH_ROUTES`] messages, only the last asking for
//! an ACK: the replies are one ACK (or NACK) for the last message plus one NACK per failed route, and the
//! batch is over when the last message's reply arrives.
//!
//! Bounded in flight: one batch at a time, so the socket's receive buffer holds at most [`BATCH_ROUTES`]
//! replies. With `NETLINK_CAP_ACK` a reply is a 36-byte message in a ~768-byte socket buffer, and the
//! buffer is asked to be [`RECEIVE_BUFFER`] bytes (the kernel caps it at `net.core.rmem_max`, 208 KiB by
//! default, doubled): 256 × 768 B = 192 KiB fits even the uncapped default. If replies are lost anyway the
//! kernel reports `ENOBUFS` and the batch ends in [`FibError::Overrun`] rather than waiting forever.

use crate::error::{FibError, RouteFailure};
use globe_bgp::Prefix;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST};
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::sys::protocols::NETLINK_ROUTE;
use rtnetlink::sys::{AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket};

/// Route messages per netlink datagram. Bounded by the receive buffer (see the module docs); measured in
/// the `install_100k` test, larger batches gain little past this.
pub const BATCH_ROUTES: usize = 256;

/// Bytes per datagram at most: far below the socket send buffer (`net.core.wmem_default`, 208 KiB), which
/// bounds a netlink datagram. 256 single-hop routes take about 20 KiB; wide ECMP routes end a batch early.
const BATCH_BYTES: usize = 128 * 1024;

/// The largest route message this crate builds: headers (28 bytes), destination, table and metric
/// (36) and [`crate::MAX_NEXT_HOPS`] IPv6 next hops of 28 bytes each (7,168), rounded up.
const MAX_MESSAGE: usize = 8 * 1024;

/// Receive buffer asked for, in bytes (capped by the kernel at `net.core.rmem_max`).
const RECEIVE_BUFFER: i32 = 4 * 1024 * 1024;

/// Netlink messages are aligned to 4 bytes within a datagram (`NLMSG_ALIGN`).
const fn aligned(length: usize) -> usize {
    (length + 3) & !3
}

/// One route change: the prefix it concerns (for reporting), the message or the reason it could not be
/// built, and its `nlmsg_flags` besides `NLM_F_REQUEST`.
pub(crate) struct Operation {
    pub prefix: Prefix,
    pub message: Result<RouteNetlinkMessage, FibError>,
    pub flags: u16,
}

/// A netlink socket used only for batched route changes.
pub(crate) struct Writer {
    socket: TokioSocket,
    next_sequence: u32,
    buffer: Vec<u8>,
    batch: Vec<Prefix>,
}

impl Writer {
    /// Opens the socket in the calling thread's network namespace; needs a tokio runtime.
    pub fn open() -> Result<Writer, FibError> {
        let mut socket = TokioSocket::new(NETLINK_ROUTE)?;
        let inner = socket.socket_mut();
        inner.bind_auto()?;
        // Failures are NACKed with only the offending message's header echoed, not the whole request.
        inner.set_cap_ack(true)?;
        // Best effort: the kernel clamps it, and the batch size is chosen to fit the default anyway.
        let _ = inner.set_rx_buf_sz(RECEIVE_BUFFER);
        inner.connect(&SocketAddr::new(0, 0))?;
        Ok(Writer {
            socket,
            next_sequence: 1,
            buffer: Vec::with_capacity(BATCH_BYTES),
            batch: Vec::with_capacity(BATCH_ROUTES),
        })
    }

    /// Sends every operation, [`BATCH_ROUTES`] to a datagram, and returns the routes that failed. Stops at
    /// the first error that is not about one route (see [`FibError::is_per_route`]).
    pub async fn apply(
        &mut self,
        operations: impl IntoIterator<Item = Operation>,
    ) -> Result<Vec<RouteFailure>, FibError> {
        let mut failures = Vec::new();
        let mut operations = operations.into_iter().peekable();
        while operations.peek().is_some() {
            self.buffer.clear();
            self.batch.clear();
            let first_sequence = self.next_sequence;
            let mut last_offset = 0;
            // Stop before a message that might not fit: no route message exceeds MAX_MESSAGE.
            while self.batch.len() < BATCH_ROUTES && self.buffer.len() + MAX_MESSAGE <= BATCH_BYTES
            {
                let Some(operation) = operations.next() else {
                    break;
                };
                let message = match operation.message {
                    Ok(message) => message,
                    Err(error) => {
                        failures.push(RouteFailure {
                            prefix: operation.prefix,
                            error,
                        });
                        continue;
                    }
                };
                let mut message = NetlinkMessage::from(message);
                message.header.flags = NLM_F_REQUEST | operation.flags;
                message.header.sequence_number =
                    first_sequence.wrapping_add(self.batch.len() as u32);
                message.finalize();
                let length = message.buffer_len();
                last_offset = self.buffer.len();
                self.buffer.resize(last_offset + aligned(length), 0);
                message.serialize(&mut self.buffer[last_offset..last_offset + length]);
                self.batch.push(operation.prefix);
            }
            if self.batch.is_empty() {
                break;
            }
            // Only the batch's last message asks for an ACK. nlmsg_flags sits at bytes 6..8 of the header.
            let flags = last_offset + 6..last_offset + 8;
            let mut value = [0; 2];
            value.copy_from_slice(&self.buffer[flags.clone()]);
            let value = u16::from_ne_bytes(value) | NLM_F_ACK;
            self.buffer[flags].copy_from_slice(&value.to_ne_bytes());

            self.next_sequence = first_sequence.wrapping_add(self.batch.len() as u32);
            self.socket.send(&self.buffer).await?;
            self.collect_replies(first_sequence, &mut failures).await?;
        }
        Ok(failures)
    }

    /// Reads replies until the batch's last message is answered, recording NACKs as failures.
    async fn collect_replies(
        &mut self,
        first_sequence: u32,
        failures: &mut Vec<RouteFailure>,
    ) -> Result<(), FibError> {
        let last = self.batch.len() - 1;
        loop {
            let (datagram, _) = self.socket.recv_from_full().await?;
            let mut rest = &datagram[..];
            let mut finished = false;
            while !rest.is_empty() {
                let message = NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest)
                    .map_err(|_| FibError::Decode)?;
                let length = aligned(message.header.length as usize);
                rest = rest.get(length..).unwrap_or_default();
                if length == 0 {
                    return Err(FibError::Decode);
                }
                let index = message.header.sequence_number.wrapping_sub(first_sequence) as usize;
                // A reply to an earlier batch that was abandoned (a fatal error or a cancelled future).
                let Some(&prefix) = self.batch.get(index) else {
                    continue;
                };
                match message.payload {
                    NetlinkPayload::Error(error) => {
                        if let Some(code) = error.code {
                            let error = FibError::from_errno(code.get().wrapping_neg());
                            if !error.is_per_route() {
                                return Err(error);
                            }
                            failures.push(RouteFailure { prefix, error });
                        }
                        finished |= index == last;
                    }
                    NetlinkPayload::Overrun(_) => return Err(FibError::Overrun),
                    _ => {}
                }
            }
            if finished {
                return Ok(());
            }
        }
    }
}
