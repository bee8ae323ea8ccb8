//! Counters of `globe resolver` and their Prometheus text endpoint (`--metrics ADDR`).

use super::Shared;
use crate::engine::Stats;
use globe_dns::Rcode;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Counters, updated by the workers and the driver, read by the endpoint.
#[derive(Default)]
pub struct Metrics {
    queries_udp: AtomicU64,
    queries_tcp: AtomicU64,
    fast_hits: AtomicU64,
    refused_or_error: AtomicU64,
    answered: [AtomicU64; 16],
    engine_requests: AtomicU64,
    engine_cache_hits: AtomicU64,
    upstream_queries: AtomicU64,
    upstream_timeouts: AtomicU64,
    tcp_fallbacks: AtomicU64,
    servfails: AtomicU64,
    ignored_responses: AtomicU64,
    stale_answers: AtomicU64,
    primings: AtomicU64,
    lame_servers: AtomicU64,
    cache_bytes: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    /// A client query arrived.
    pub fn query(&self, tcp: bool) {
        if tcp {
            self.queries_tcp.fetch_add(1, Relaxed);
        } else {
            self.queries_udp.fetch_add(1, Relaxed);
        }
    }

    /// A query was answered from the rendered-answer cache.
    pub fn fast_hit(&self) {
        self.fast_hits.fetch_add(1, Relaxed);
    }

    /// A query was answered at once with an error (FORMERR, REFUSED, NOTIMP, BADVERS).
    pub fn refused_or_error(&self) {
        self.refused_or_error.fetch_add(1, Relaxed);
    }

    /// The engine finished a client's question with this RCODE.
    pub fn answered(&self, rcode: Rcode) {
        if let Some(counter) = self.answered.get(usize::from(rcode.0 & 0xf)) {
            counter.fetch_add(1, Relaxed);
        }
    }

    /// The engine's own counters, copied after each of its steps.
    pub fn engine(&self, stats: &Stats, cache_bytes: usize, in_flight: usize) {
        self.engine_requests.store(stats.requests, Relaxed);
        self.engine_cache_hits.store(stats.cache_hits, Relaxed);
        self.upstream_queries.store(stats.upstream_queries, Relaxed);
        self.upstream_timeouts.store(stats.timeouts, Relaxed);
        self.tcp_fallbacks.store(stats.tcp_fallbacks, Relaxed);
        self.servfails.store(stats.servfails, Relaxed);
        self.ignored_responses
            .store(stats.ignored_responses, Relaxed);
        self.cache_bytes.store(cache_bytes as u64, Relaxed);
        self.in_flight.store(in_flight as u64, Relaxed);
    }

    /// Upstream queries sent so far.
    pub fn upstream_queries(&self) -> u64 {
        self.upstream_queries.load(Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |name: &str, help: &str, kind: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        line(
            "globe_resolver_queries_udp_total",
            "Client queries over UDP.",
            "counter",
            self.queries_udp.load(Relaxed),
        );
        line(
            "globe_resolver_queries_tcp_total",
            "Client queries over TCP.",
            "counter",
            self.queries_tcp.load(Relaxed),
        );
        line(
            "globe_resolver_answer_cache_hits_total",
            "Queries answered from rendered answers.",
            "counter",
            self.fast_hits.load(Relaxed),
        );
        line(
            "globe_resolver_rejected_total",
            "Queries answered at once with FORMERR, REFUSED, NOTIMP or BADVERS.",
            "counter",
            self.refused_or_error.load(Relaxed),
        );
        line(
            "globe_resolver_engine_requests_total",
            "Questions given to the resolution engine.",
            "counter",
            self.engine_requests.load(Relaxed),
        );
        line(
            "globe_resolver_engine_cache_hits_total",
            "Engine questions answered from its cache.",
            "counter",
            self.engine_cache_hits.load(Relaxed),
        );
        line(
            "globe_resolver_upstream_queries_total",
            "Queries sent to authoritative servers.",
            "counter",
            self.upstream_queries.load(Relaxed),
        );
        line(
            "globe_resolver_upstream_timeouts_total",
            "Upstream queries that timed out.",
            "counter",
            self.upstream_timeouts.load(Relaxed),
        );
        line(
            "globe_resolver_tcp_fallbacks_total",
            "Truncated upstream answers retried over TCP.",
            "counter",
            self.tcp_fallbacks.load(Relaxed),
        );
        line(
            "globe_resolver_servfail_total",
            "Resolutions that ended in SERVFAIL.",
            "counter",
            self.servfails.load(Relaxed),
        );
        line(
            "globe_resolver_ignored_responses_total",
            "Upstream responses ignored (wrong source, ID or question; malformed).",
            "counter",
            self.ignored_responses.load(Relaxed),
        );
        line(
            "globe_resolver_stale_answers_total",
            "Answers served from expired data (RFC 8767).",
            "counter",
            self.stale_answers.load(Relaxed),
        );
        line(
            "globe_resolver_primings_total",
            "Root priming queries (RFC 8109).",
            "counter",
            self.primings.load(Relaxed),
        );
        line(
            "globe_resolver_lame_servers_total",
            "Servers found lame.",
            "counter",
            self.lame_servers.load(Relaxed),
        );
        line(
            "globe_resolver_cache_bytes",
            "Bytes held by the engine's cache.",
            "gauge",
            self.cache_bytes.load(Relaxed),
        );
        line(
            "globe_resolver_upstream_in_flight",
            "Upstream queries waiting for an answer.",
            "gauge",
            self.in_flight.load(Relaxed),
        );
        let _ = writeln!(out, "# HELP globe_resolver_answers_total Answers by RCODE.\n# TYPE globe_resolver_answers_total counter");
        for (code, counter) in self.answered.iter().enumerate() {
            let value = counter.load(Relaxed);
            if value > 0 {
                let _ = writeln!(
                    out,
                    "globe_resolver_answers_total{{rcode=\"{}\"}} {value}",
                    Rcode(code as u16)
                );
            }
        }
        out
    }
}

/// Serves `GET /metrics` (any path) over HTTP/1.1, one response per connection.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let body = shared.metrics.render();
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}
