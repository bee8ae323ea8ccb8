//! The control socket (a Unix stream socket): one command line in, the answer out, then close.
//!
//! Commands: `show neighbors`, `show routes [PREFIX]` (PREFIX: longest match; an address is a host
//! prefix), `show route PREFIX detail`, each with a trailing `json` for JSON instead of a text table;
//! `refresh ADDRESS` (send the neighbour a ROUTE-REFRESH, RFC 2918); and `announce PREFIX`,
//! `withdraw PREFIX`, `prepend PREFIX N` for a configured `[[originate]]` prefix (a manual drain; the
//! health engine does the same through [`RouterHandle`]). [`send_command`] is the client.

use crate::router::{Query, RouterHandle};
use crate::session::SessionCommand;
use globe_bgp::Prefix;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

/// Serves the control socket.
pub(crate) async fn serve(
    listener: UnixListener,
    router: RouterHandle,
    sessions: Arc<HashMap<IpAddr, (usize, mpsc::UnboundedSender<SessionCommand>)>>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let router = router.clone();
        let sessions = sessions.clone();
        tokio::spawn(async move {
            let _ = connection(stream, router, sessions).await;
        });
    }
}

async fn connection(
    stream: UnixStream,
    router: RouterHandle,
    sessions: Arc<HashMap<IpAddr, (usize, mpsc::UnboundedSender<SessionCommand>)>>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line).await?;
    let reply = answer(line.trim(), &router, &sessions).await;
    writer.write_all(reply.as_bytes()).await?;
    writer.shutdown().await
}

/// Parses `text` as a prefix, or an address as its host prefix.
pub fn parse_prefix(text: &str) -> Option<Prefix> {
    text.parse::<Prefix>().ok().or_else(|| {
        let address: IpAddr = text.parse().ok()?;
        Prefix::new(address, if address.is_ipv4() { 32 } else { 128 }).ok()
    })
}

async fn answer(
    line: &str,
    router: &RouterHandle,
    sessions: &HashMap<IpAddr, (usize, mpsc::UnboundedSender<SessionCommand>)>,
) -> String {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let json = words.last() == Some(&"json");
    if json {
        words.pop();
    }
    let query = match words.as_slice() {
        ["show", "neighbors"] | ["show", "neighbours"] => Query::Neighbors,
        ["show", "routes"] => Query::Routes(None),
        ["show", "routes", prefix] => match parse_prefix(prefix) {
            Some(prefix) => Query::Routes(Some(prefix)),
            None => return format!("error: {prefix:?} is not a prefix\n"),
        },
        ["show", "route", prefix, "detail"] => match parse_prefix(prefix) {
            Some(prefix) => Query::RouteDetail(prefix),
            None => return format!("error: {prefix:?} is not a prefix\n"),
        },
        ["announce", prefix] | ["withdraw", prefix] | ["prepend", prefix, _] => {
            let Some(parsed) = parse_prefix(prefix) else {
                return format!("error: {prefix:?} is not a prefix\n");
            };
            match words.as_slice() {
                ["announce", _] => router.announce(parsed),
                ["withdraw", _] => router.withdraw(parsed),
                [_, _, count] => match count.parse::<u8>() {
                    Ok(count) => router.set_prepend(parsed, count),
                    Err(_) => return format!("error: {count:?} is not a count (0-255)\n"),
                },
                _ => {}
            }
            return "ok\n".to_string();
        }
        ["refresh", address] => {
            let Ok(address) = address.parse::<IpAddr>() else {
                return format!("error: {address:?} is not an address\n");
            };
            return match sessions.get(&address) {
                Some((_, session)) => {
                    let _ = session.send(SessionCommand::RequestRefresh);
                    "ok\n".to_string()
                }
                None => format!("error: {address} is not a neighbor\n"),
            };
        }
        _ => {
            return format!(
                "error: unknown command {line:?} (show neighbors | show routes [PREFIX] | show route PREFIX detail, [json]; refresh ADDRESS; announce|withdraw PREFIX; prepend PREFIX N)\n"
            )
        }
    };
    let Some(value) = router.query(query.clone()).await else {
        return "error: the router has stopped\n".to_string();
    };
    if json {
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        return text;
    }
    match query {
        Query::Neighbors | Query::Metrics => neighbors_table(&value),
        Query::Routes(_) => routes_table(&value),
        Query::RouteDetail(_) => detail_text(&value),
    }
}

/// Sends one command to a running speaker's control socket and returns its reply.
pub fn send_command(path: &Path, command: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Left-aligned columns, two spaces apart.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
    out
}

fn uptime(seconds: &Value) -> String {
    let Some(seconds) = seconds.as_u64() else {
        return "-".to_string();
    };
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, minutes, seconds) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if days > 0 {
        format!("{days}d{hours:02}h{minutes:02}m")
    } else {
        format!("{hours:02}:{minutes:02}:{seconds:02}")
    }
}

fn neighbors_table(value: &Value) -> String {
    let rows: Vec<Vec<String>> = value["neighbors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|n| {
            vec![
                text(&n["address"]),
                text(&n["asn"]),
                text(&n["state"]),
                uptime(&n["uptime_seconds"]),
                text(&n["prefixes_received"]),
                text(&n["prefixes_accepted"]),
                text(&n["prefixes_advertised"]),
                text(&n["last_error"]),
            ]
        })
        .collect();
    table(
        &[
            "NEIGHBOR",
            "ASN",
            "STATE",
            "UPTIME",
            "RECEIVED",
            "ACCEPTED",
            "ADVERTISED",
            "LAST ERROR",
        ],
        &rows,
    )
}

fn list(value: &Value) -> String {
    let items: Vec<String> = value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(text)
        .collect();
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(" ")
    }
}

fn route_row(route: &Value) -> Vec<String> {
    let path = text(&route["as_path_text"]);
    vec![
        text(&route["prefix"]),
        text(&route["next_hop"]),
        text(&route["from"]),
        if path.is_empty() {
            "-".to_string()
        } else {
            path
        },
        text(&route["origin"]),
        text(&route["local_pref"]),
        text(&route["med"]),
        format!(
            "{} {}",
            list(&route["communities"]),
            list(&route["large_communities"])
        )
        .replace("- -", "-")
        .trim_end_matches(" -")
        .trim_start_matches("- ")
        .to_string(),
    ]
}

const ROUTE_HEADER: [&str; 8] = [
    "PREFIX",
    "NEXT HOP",
    "FROM",
    "AS PATH",
    "ORIGIN",
    "LOCAL PREF",
    "MED",
    "COMMUNITIES",
];

fn routes_table(value: &Value) -> String {
    let rows: Vec<Vec<String>> = value["routes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(route_row)
        .collect();
    table(&ROUTE_HEADER, &rows)
}

fn detail_text(value: &Value) -> String {
    let candidates = value["candidates"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if candidates.is_empty() {
        return format!("{}: no routes\n", text(&value["prefix"]));
    }
    let mut out = String::new();
    for candidate in candidates {
        let _ = writeln!(
            out,
            "{} from {} (AS {}){}{}",
            text(&candidate["prefix"]),
            text(&candidate["from"]),
            text(&candidate["from_asn"]),
            if candidate["best"].as_bool() == Some(true) {
                " *best*"
            } else {
                ""
            },
            // Kept over the neighbour's graceful restart (RFC 4724).
            if candidate["stale"].as_bool() == Some(true) {
                " (stale)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "  why:          {}", text(&candidate["why"]));
        for (label, route) in [
            ("post-policy", candidate),
            ("pre-policy", &candidate["pre_policy"]),
        ] {
            if route.is_null() {
                continue;
            }
            let row = route_row(route);
            let _ = writeln!(
                out,
                "  {label:<12}  next hop {}  path {}  origin {}  local pref {}  med {}  communities {}",
                row[1], row[3], row[4], row[5], row[6], row[7]
            );
        }
    }
    out
}
