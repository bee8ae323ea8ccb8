//! The I/O of NOTIFY out: one task for all zones feeds the [`Notifier`] with zone changes and the
//! answers that come back, and sends what it says to send, from an ephemeral UDP port per address
//! family.

use super::{sleep_until, Shared};
use crate::notify::{Notifier, Settled};
use globe_dns::{Message, Record};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// A zone has a new version: tell these secondaries.
#[derive(Debug)]
pub(super) struct Request {
    /// The new SOA record.
    pub soa: Record,
    /// The secondaries (the zone's `notify` list).
    pub targets: Vec<SocketAddr>,
}

/// One wake-up of the task.
enum Wake {
    Request(Request),
    Answer(usize, SocketAddr, bool),
    Timer,
    Closed,
}

/// Sends NOTIFYs until the server stops.
pub(super) async fn run(shared: Arc<Shared>, mut inbox: mpsc::UnboundedReceiver<Request>) {
    let v4 = UdpSocket::bind("0.0.0.0:0").await.ok();
    let v6 = UdpSocket::bind("[::]:0").await.ok();
    let mut notifier = Notifier::new(rand::random());
    let mut buffer_v4 = vec![0u8; 4096];
    let mut buffer_v6 = vec![0u8; 4096];
    loop {
        let (transmits, settled) = notifier.poll_transmit(Instant::now());
        for transmit in transmits {
            let socket = if transmit.target.is_ipv4() {
                v4.as_ref()
            } else {
                v6.as_ref()
            };
            let Some(socket) = socket else {
                tracing::warn!(target = %transmit.target, "no socket of this address family to send NOTIFY from");
                continue;
            };
            match socket.send_to(&transmit.message, transmit.target).await {
                Ok(_) => {
                    shared.metrics.notify_sent();
                    tracing::debug!(target = %transmit.target, "NOTIFY sent");
                }
                Err(error) => {
                    tracing::debug!(target = %transmit.target, %error, "NOTIFY not sent")
                }
            }
        }
        for settled in settled {
            log(&settled);
        }
        let wake = tokio::select! {
            request = inbox.recv() => request.map_or(Wake::Closed, Wake::Request),
            Some((len, source)) = receive(v4.as_ref(), &mut buffer_v4) => Wake::Answer(len, source, true),
            Some((len, source)) = receive(v6.as_ref(), &mut buffer_v6) => Wake::Answer(len, source, false),
            () = sleep_until(notifier.deadline()) => Wake::Timer,
        };
        match wake {
            Wake::Request(request) => {
                tracing::info!(zone = %request.soa.name, targets = ?request.targets, "zone changed; sending NOTIFY");
                notifier.zone_changed(request.soa, &request.targets, Instant::now());
            }
            Wake::Answer(len, source, is_v4) => {
                let buffer = if is_v4 { &buffer_v4 } else { &buffer_v6 };
                let Some(Ok(message)) = buffer.get(..len).map(Message::parse) else {
                    continue;
                };
                if let Some(settled) = notifier.handle_response(source, &message) {
                    log(&settled);
                }
            }
            Wake::Timer => {}
            Wake::Closed => return,
        }
    }
}

/// Receives one datagram, or waits forever without a socket.
async fn receive(socket: Option<&UdpSocket>, buffer: &mut [u8]) -> Option<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buffer).await.ok(),
        None => std::future::pending().await,
    }
}

fn log(settled: &Settled) {
    match settled {
        Settled::Answered {
            zone,
            target,
            rcode,
        } => tracing::info!(%zone, %target, %rcode, "NOTIFY answered"),
        Settled::GaveUp { zone, target } => {
            tracing::warn!(%zone, %target, "NOTIFY not answered; giving up")
        }
    }
}
