//! Prometheus metrics over plain HTTP/1.1 (any path): per neighbour the session state, prefixes
//! received, accepted and advertised, UPDATEs and NOTIFICATIONs in and out; the RIB's size.

use crate::router::{Query, RouterHandle};
use serde_json::Value;
use std::fmt::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Session states as numbers, RFC 4271 order (the BGP4-MIB's `bgpPeerState` values).
fn state_number(state: &str) -> u8 {
    match state {
        "Idle" => 1,
        "Connect" => 2,
        "Active" => 3,
        "OpenSent" => 4,
        "OpenConfirm" => 5,
        "Established" => 6,
        _ => 0,
    }
}

/// Serves metrics until the listener fails.
pub(crate) async fn serve(listener: TcpListener, router: RouterHandle) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let router = router.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 2048];
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut request))
                    .await;
            let body = match router.query(Query::Metrics).await {
                Some(value) => render(&value),
                None => String::new(),
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// The Prometheus text for the router's `Metrics` answer.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    let neighbors = value["neighbors"].as_array().cloned().unwrap_or_default();
    let series: [(&str, &str, &str); 9] = [
        (
            "globe_bgp_session_state",
            "gauge",
            "Session state (1 Idle … 6 Established)",
        ),
        (
            "globe_bgp_prefixes_received",
            "gauge",
            "Prefixes the neighbour announced",
        ),
        (
            "globe_bgp_prefixes_accepted",
            "gauge",
            "Received prefixes import policy accepted",
        ),
        (
            "globe_bgp_prefixes_advertised",
            "gauge",
            "Prefixes we announce to the neighbour",
        ),
        (
            "globe_bgp_updates_received_total",
            "counter",
            "UPDATE messages received",
        ),
        (
            "globe_bgp_updates_sent_total",
            "counter",
            "UPDATE messages sent",
        ),
        (
            "globe_bgp_notifications_received_total",
            "counter",
            "NOTIFICATION messages received",
        ),
        (
            "globe_bgp_notifications_sent_total",
            "counter",
            "NOTIFICATION messages sent",
        ),
        (
            "globe_bgp_established_total",
            "counter",
            "Times the session reached Established",
        ),
    ];
    let fields = [
        "state",
        "prefixes_received",
        "prefixes_accepted",
        "prefixes_advertised",
        "updates_in",
        "updates_out",
        "notifications_in",
        "notifications_out",
        "established_count",
    ];
    for ((name, kind, help), field) in series.iter().zip(fields) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for neighbor in &neighbors {
            let number = if field == "state" {
                u64::from(state_number(neighbor["state"].as_str().unwrap_or("")))
            } else {
                neighbor[field].as_u64().unwrap_or(0)
            };
            let _ = writeln!(
                out,
                "{name}{{neighbor=\"{}\",asn=\"{}\"}} {number}",
                neighbor["address"].as_str().unwrap_or(""),
                neighbor["asn"].as_u64().unwrap_or(0)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP globe_bgp_rib_prefixes Prefixes in the Loc-RIB\n# TYPE globe_bgp_rib_prefixes gauge\nglobe_bgp_rib_prefixes {}",
        value["rib_prefixes"].as_u64().unwrap_or(0)
    );
    let _ = writeln!(
        out,
        "# HELP globe_bgp_attribute_sets Distinct path attribute sets held\n# TYPE globe_bgp_attribute_sets gauge\nglobe_bgp_attribute_sets {}",
        value["attribute_sets"].as_u64().unwrap_or(0)
    );
    out
}
