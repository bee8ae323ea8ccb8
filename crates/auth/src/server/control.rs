//! The control plane: signals (SIGHUP reloads, SIGTERM/SIGINT stop), the control socket that
//! `globe auth reload` and `globe auth status` talk to (one line in, text out; also `dns stop`,
//! `dns start` and `dns health`, which `globe node dns …` sends), the Prometheus endpoint,
//! and replies to NOTIFY.

use super::Shared;
use globe_dns::{Header, Message, MessageBuilder, Rcode, Writer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::signal::unix::{signal, SignalKind};

/// Waits for SIGTERM or SIGINT, reloading on every SIGHUP meanwhile.
pub async fn wait_for_signals(shared: Arc<Shared>) {
    let (Ok(mut hangup), Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                let shared = shared.clone();
                let errors = tokio::task::spawn_blocking(move || shared.reload()).await.unwrap_or_default();
                tracing::info!(errors = errors.len(), "reloaded on SIGHUP");
            }
            _ = terminate.recv() => return,
            _ = interrupt.recv() => return,
        }
    }
}

/// Serves the control socket.
pub async fn serve_control(listener: UnixListener, shared: Arc<Shared>) {
    while let Ok((stream, _)) = listener.accept().await {
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = control_connection(stream, shared).await;
        });
    }
}

async fn control_connection(stream: UnixStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line).await?;
    let reply = match line.trim() {
        "reload" => {
            let shared = shared.clone();
            let errors = tokio::task::spawn_blocking(move || shared.reload())
                .await
                .unwrap_or_default();
            if errors.is_empty() {
                "ok: reloaded\n".to_string()
            } else {
                let mut text = String::from(
                    "error: kept the previous version of the zones (or steering) that failed:\n",
                );
                for error in errors {
                    text.push_str(&error);
                    text.push('\n');
                }
                text
            }
        }
        "status" => {
            let zones = shared.zones();
            let mut origins: Vec<_> = zones.iter().collect();
            origins.sort_by(|a, b| a.origin().cmp(b.origin()));
            let mut text = String::from("ok\n");
            for zone in origins {
                text.push_str(&format!(
                    "zone {} serial {} records {}\n",
                    zone.origin(),
                    zone.serial(),
                    zone.record_count()
                ));
            }
            let mut waiting: Vec<_> = shared
                .secondaries
                .keys()
                .filter(|origin| zones.get(origin).is_none())
                .collect();
            waiting.sort();
            for origin in waiting {
                text.push_str(&format!(
                    "zone {origin} secondary without data (SERVFAIL)\n"
                ));
            }
            // The health service writes the target lines, with their checks' details.
            for line in shared.steering().describe() {
                if !line.starts_with("target ") {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            text.push_str(&shared.health.status());
            text
        }
        "dns stop" => {
            shared.liveness.set_serving(false);
            tracing::warn!("DNS service stopped from the control socket: queries go unanswered");
            "ok: DNS stopped\n".to_string()
        }
        "dns start" => {
            shared.liveness.set_serving(true);
            tracing::info!("DNS service started from the control socket");
            "ok: DNS started\n".to_string()
        }
        "dns health" => match shared.serving_health() {
            Ok(()) => "ok: serving\n".to_string(),
            Err(why) => format!("error: not serving: {why}\n"),
        },
        other => format!(
            "error: unknown command {other:?} (reload, status, dns stop, dns start, dns health)\n"
        ),
    };
    writer.write_all(reply.as_bytes()).await?;
    writer.shutdown().await
}

/// Sends one command to a running server's control socket and returns its reply.
pub fn send_command(path: &Path, command: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

/// Serves `GET /metrics` (any path) in the Prometheus text format over plain HTTP/1.1.
pub async fn serve_metrics(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 2048];
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut request))
                    .await;
            let mut body = shared.metrics.render();
            shared.health.render_metrics(&mut body);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// The reply to a NOTIFY (RFC 1996 §4.7). For a secondary zone, a NOTIFY from one of its primaries is
/// answered NOERROR with AA and starts a refresh; one from any other address is REFUSED (RFC 1996 §3.10:
/// only the primaries may trigger a refresh). A zone we are primary for answers NOERROR (there is
/// nothing to refresh), and any other zone NOTAUTH.
pub fn notify_response(shared: &Shared, message: &Message, peer: SocketAddr) -> Vec<u8> {
    let rcode = match message.question() {
        None => Rcode::FORMERR,
        Some(question) => match shared.secondaries.get(&question.name) {
            Some(link) if link.accepts_notify_from(peer.ip()) => {
                // The SOA in the answer section, if any, is a hint of the new serial (RFC 1996 §3.7).
                let serial = message
                    .answers
                    .iter()
                    .filter(|r| r.name == question.name)
                    .find_map(crate::xfr::journal::soa_serial);
                link.notify(serial);
                shared.metrics.notify_received(true);
                tracing::info!(%peer, zone = %question.name, ?serial, "NOTIFY accepted");
                Rcode::NOERROR
            }
            Some(_) => {
                shared.metrics.notify_received(false);
                tracing::info!(%peer, zone = %question.name, "NOTIFY refused: not from a primary of the zone");
                Rcode::REFUSED
            }
            None if shared.zones().get(&question.name).is_some() => Rcode::NOERROR,
            None => {
                tracing::info!(%peer, zone = %question.name, "NOTIFY for a zone we do not serve");
                Rcode::NOTAUTH
            }
        },
    };
    let header = Header {
        id: message.header.id,
        qr: true,
        opcode: message.header.opcode,
        aa: rcode == Rcode::NOERROR,
        rcode: rcode.header_bits(),
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    if let Some(q) = message.question() {
        builder.question(q);
    }
    builder.finish()
}
