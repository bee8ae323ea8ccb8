//! Prometheus metrics of the authoritative server: counters updated with relaxed atomics on the query
//! path, rendered in the text exposition format on demand.

use crate::answer::{Summary, Transport};
use crate::xfr::Served;
use globe_dns::{Name, RType};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Query types counted separately; every other type is counted as `other`.
const TRACKED_TYPES: [RType; 16] = [
    RType::A,
    RType::AAAA,
    RType::NS,
    RType::CNAME,
    RType::SOA,
    RType::PTR,
    RType::MX,
    RType::TXT,
    RType::SRV,
    RType::DS,
    RType::DNSKEY,
    RType::SVCB,
    RType::HTTPS,
    RType::CAA,
    RType::ANY,
    RType::AXFR,
];
const TYPE_SLOTS: usize = TRACKED_TYPES.len() + 1;
/// RCODEs 0..=23 are counted by value; anything above as `other`.
const RCODE_SLOTS: usize = 25;

/// The server's counters.
pub struct Metrics {
    queries: Vec<AtomicU64>,
    truncated: AtomicU64,
    rrl_dropped: AtomicU64,
    rrl_slipped: AtomicU64,
    dropped: AtomicU64,
    zone_serials: Mutex<Vec<(Name, u32)>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    /// Transfers out, by [`TRANSFER_OUT_FORMS`].
    transfers_out: [AtomicU64; TRANSFER_OUT_FORMS.len()],
    /// Transfers in that installed a version or found it current, by [`TRANSFER_IN_FORMS`].
    transfers_in: [AtomicU64; TRANSFER_IN_FORMS.len()],
    transfers_in_failed: AtomicU64,
    notify_sent: AtomicU64,
    notify_accepted: AtomicU64,
    notify_refused: AtomicU64,
    zones_expired: AtomicU64,
}

/// The forms a transfer out is counted by.
const TRANSFER_OUT_FORMS: [Served; 5] = [
    Served::Axfr,
    Served::IxfrIncremental,
    Served::IxfrFull,
    Served::IxfrUpToDate,
    Served::Error,
];

/// How a transfer in went: the primary sent the whole zone (`axfr`), the changes (`ixfr`), the whole
/// zone in answer to IXFR (`ixfr-full`), or nothing newer (`current`).
pub const TRANSFER_IN_FORMS: [&str; 4] = ["axfr", "ixfr", "ixfr-full", "current"];

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            queries: (0..2 * TYPE_SLOTS * RCODE_SLOTS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            truncated: AtomicU64::new(0),
            rrl_dropped: AtomicU64::new(0),
            rrl_slipped: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            zone_serials: Mutex::new(Vec::new()),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            transfers_out: Default::default(),
            transfers_in: Default::default(),
            transfers_in_failed: AtomicU64::new(0),
            notify_sent: AtomicU64::new(0),
            notify_accepted: AtomicU64::new(0),
            notify_refused: AtomicU64::new(0),
            zones_expired: AtomicU64::new(0),
        }
    }
}

fn type_slot(rtype: RType) -> usize {
    TRACKED_TYPES
        .iter()
        .position(|t| *t == rtype)
        .unwrap_or(TRACKED_TYPES.len())
}

impl Metrics {
    /// Counts one answered query.
    pub fn record(&self, transport: Transport, summary: &Summary) {
        let proto = usize::from(transport == Transport::Tcp);
        let rcode = (summary.rcode.0 as usize).min(RCODE_SLOTS - 1);
        let index = (proto * TYPE_SLOTS + type_slot(summary.qtype)) * RCODE_SLOTS + rcode;
        self.queries[index].fetch_add(1, Ordering::Relaxed);
        if summary.truncated {
            self.truncated.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a response dropped by rate limiting.
    pub fn rrl_drop(&self) {
        self.rrl_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a response sent truncated by rate limiting.
    pub fn rrl_slip(&self) {
        self.rrl_slipped.fetch_add(1, Ordering::Relaxed);
        self.truncated.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request that got no response (not a query, or unreadable).
    pub fn drop_request(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a reload.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reloads_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a transfer request answered.
    pub fn transfer_out(&self, served: Served) {
        if let Some(i) = TRANSFER_OUT_FORMS.iter().position(|f| *f == served) {
            self.transfers_out[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a transfer in that succeeded, by one of [`TRANSFER_IN_FORMS`].
    pub fn transfer_in(&self, form: &str) {
        if let Some(i) = TRANSFER_IN_FORMS.iter().position(|f| *f == form) {
            self.transfers_in[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a transfer in (or SOA query) that failed.
    pub fn transfer_in_failed(&self) {
        self.transfers_in_failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a NOTIFY sent (retransmissions included).
    pub fn notify_sent(&self) {
        self.notify_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a NOTIFY received for a secondary zone, accepted or refused by source address.
    pub fn notify_received(&self, accepted: bool) {
        let counter = if accepted {
            &self.notify_accepted
        } else {
            &self.notify_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a secondary zone that expired.
    pub fn zone_expired(&self) {
        self.zones_expired.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of successful transfers in of one of the [`TRANSFER_IN_FORMS`] (for tests).
    pub fn transfers_in(&self, form: &str) -> u64 {
        TRANSFER_IN_FORMS
            .iter()
            .position(|f| *f == form)
            .map_or(0, |i| self.transfers_in[i].load(Ordering::Relaxed))
    }

    /// Records the zones' current serials.
    pub fn set_serials(&self, serials: Vec<(Name, u32)>) {
        if let Ok(mut guard) = self.zone_serials.lock() {
            *guard = serials;
        }
    }

    /// The number of queries answered with this transport, type and RCODE (for tests).
    pub fn queries(&self, transport: Transport, qtype: RType, rcode: u16) -> u64 {
        let proto = usize::from(transport == Transport::Tcp);
        let index = (proto * TYPE_SLOTS + type_slot(qtype)) * RCODE_SLOTS
            + (rcode as usize).min(RCODE_SLOTS - 1);
        self.queries[index].load(Ordering::Relaxed)
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP globe_auth_queries_total Queries answered, by transport, query type and response code.\n");
        out.push_str("# TYPE globe_auth_queries_total counter\n");
        for proto in 0..2 {
            for slot in 0..TYPE_SLOTS {
                for rcode in 0..RCODE_SLOTS {
                    let value = self.queries[(proto * TYPE_SLOTS + slot) * RCODE_SLOTS + rcode]
                        .load(Ordering::Relaxed);
                    if value == 0 {
                        continue;
                    }
                    let qtype = TRACKED_TYPES
                        .get(slot)
                        .map_or("other".to_string(), |t| t.to_string());
                    let rcode_name = if rcode == RCODE_SLOTS - 1 {
                        "other".to_string()
                    } else {
                        globe_dns::Rcode(rcode as u16).to_string()
                    };
                    let proto = if proto == 0 { "udp" } else { "tcp" };
                    let _ = writeln!(
                        out,
                        "globe_auth_queries_total{{protocol=\"{proto}\",qtype=\"{qtype}\",rcode=\"{rcode_name}\"}} {value}"
                    );
                }
            }
        }
        for (name, help, counter) in [
            (
                "globe_auth_responses_truncated_total",
                "Responses sent with TC set.",
                &self.truncated,
            ),
            (
                "globe_auth_rrl_dropped_total",
                "Responses dropped by rate limiting.",
                &self.rrl_dropped,
            ),
            (
                "globe_auth_rrl_slipped_total",
                "Responses sent truncated by rate limiting.",
                &self.rrl_slipped,
            ),
            (
                "globe_auth_requests_dropped_total",
                "Requests that got no response.",
                &self.dropped,
            ),
            (
                "globe_auth_reloads_ok_total",
                "Successful reloads.",
                &self.reloads_ok,
            ),
            (
                "globe_auth_reloads_failed_total",
                "Reloads that kept some previous data.",
                &self.reloads_failed,
            ),
            (
                "globe_auth_transfers_in_failed_total",
                "SOA queries and transfers from primaries that failed.",
                &self.transfers_in_failed,
            ),
            (
                "globe_auth_notify_sent_total",
                "NOTIFY messages sent to secondaries, retransmissions included.",
                &self.notify_sent,
            ),
            (
                "globe_auth_notify_accepted_total",
                "NOTIFY messages accepted from a secondary zone's primaries.",
                &self.notify_accepted,
            ),
            (
                "globe_auth_notify_refused_total",
                "NOTIFY messages refused (not from a primary of the zone).",
                &self.notify_refused,
            ),
            (
                "globe_auth_zones_expired_total",
                "Secondary zones that expired (no refresh within EXPIRE).",
                &self.zones_expired,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP globe_auth_transfers_out_total Zone transfer requests answered, by form.\n# TYPE globe_auth_transfers_out_total counter\n");
        for (form, counter) in TRANSFER_OUT_FORMS.iter().zip(&self.transfers_out) {
            let _ = writeln!(
                out,
                "globe_auth_transfers_out_total{{form=\"{}\"}} {}",
                form.label(),
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP globe_auth_transfers_in_total Zone transfers from primaries that succeeded, by form.\n# TYPE globe_auth_transfers_in_total counter\n");
        for (form, counter) in TRANSFER_IN_FORMS.iter().zip(&self.transfers_in) {
            let _ = writeln!(
                out,
                "globe_auth_transfers_in_total{{form=\"{form}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP globe_auth_zone_serial The SOA serial served, per zone.\n# TYPE globe_auth_zone_serial gauge\n");
        if let Ok(serials) = self.zone_serials.lock() {
            for (zone, serial) in serials.iter() {
                let _ = writeln!(out, "globe_auth_zone_serial{{zone=\"{zone}\"}} {serial}");
            }
        }
        out
    }
}
