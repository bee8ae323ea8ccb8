//! What the resolver knows about upstream servers, and which of a zone's servers to ask next.
//!
//! Per address: a smoothed RTT and its variance (RFC 6298 §2, the TCP retransmission timer, as Unbound
//! keeps them), the retransmission timeout derived from them and doubled on every timeout (RFC 6298
//! §5.5) up to `max_rto`, and whether the server failed to understand EDNS. Per (address, zone): a lame
//! mark. Entries are forgotten after [`HOST_TTL`], so a server that was slow or broken is tried again.
//!
//! Choice among a zone's servers follows Unbound: servers never heard from count as the initial RTO
//! (376 ms), and one server is drawn at random among those whose RTO is within [`RTT_BAND`] of the best.
//! Unknown servers are thereby explored next to known fast ones, and servers that keep timing out drop
//! out of the band until their entry expires.
//!
//! No messages here, no clock: the engine tells this table what happened and when.

use globe_dns::Name;
use rand::Rng;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Servers whose RTO is within this much of the best server's are chosen among at random (Unbound's
/// `RTT_BAND`, 400 ms).
pub const RTT_BAND: Duration = Duration::from_millis(400);
/// The RTO of a server never heard from (Unbound's `UNKNOWN_SERVER_NICENESS`, 376 ms).
pub const INITIAL_RTO: Duration = Duration::from_millis(376);
/// The smallest RTO, however fast a server answers (Unbound's `RTT_MIN_TIMEOUT`, 50 ms).
pub const MIN_RTO: Duration = Duration::from_millis(50);
/// The largest RTO after back-off.
pub const MAX_RTO: Duration = Duration::from_secs(3);
/// How long what we learnt about a server is kept (Unbound's `infra-host-ttl`, 900 s).
pub const HOST_TTL: Duration = Duration::from_secs(900);
/// How long a server stays marked lame for a zone (Unbound's `infra-lame-ttl` was 900 s).
pub const LAME_TTL: Duration = Duration::from_secs(900);
/// How long a server that rejected EDNS is asked without it.
pub const NO_EDNS_TTL: Duration = Duration::from_secs(900);
/// Servers remembered at most; past this, expired entries and then the stalest are dropped.
pub const MAX_HOSTS: usize = 100_000;
/// Lame marks remembered at most.
pub const MAX_LAME: usize = 100_000;

/// Settings of the server table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfraConfig {
    /// RTO of a server never heard from.
    pub initial_rto: Duration,
    /// Floor of the RTO.
    pub min_rto: Duration,
    /// Ceiling of the RTO after back-off.
    pub max_rto: Duration,
    /// Servers within this of the best are chosen among at random.
    pub rtt_band: Duration,
    /// How long a server's entry lives.
    pub host_ttl: Duration,
    /// How long a lame mark lives.
    pub lame_ttl: Duration,
}

impl Default for InfraConfig {
    fn default() -> InfraConfig {
        InfraConfig {
            initial_rto: INITIAL_RTO,
            min_rto: MIN_RTO,
            max_rto: MAX_RTO,
            rtt_band: RTT_BAND,
            host_ttl: HOST_TTL,
            lame_ttl: LAME_TTL,
        }
    }
}

/// What is known about one server address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// Smoothed RTT (RFC 6298 SRTT), `None` before the first sample.
    pub srtt: Option<Duration>,
    /// RTT variation (RFC 6298 RTTVAR).
    pub rttvar: Duration,
    /// The current retransmission timeout.
    pub rto: Duration,
    /// Timeouts in a row since the last answer.
    pub timeouts: u32,
    /// Until when queries go without EDNS.
    pub no_edns_until: Option<Instant>,
    /// When the entry was last changed; it expires [`HOST_TTL`] later.
    pub updated: Instant,
}

/// The table of servers.
#[derive(Debug)]
pub struct Infra {
    config: InfraConfig,
    hosts: HashMap<IpAddr, ServerInfo>,
    lame: HashMap<(IpAddr, Name), Instant>,
}

impl Infra {
    /// An empty table.
    pub fn new(config: InfraConfig) -> Infra {
        Infra {
            config,
            hosts: HashMap::new(),
            lame: HashMap::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &InfraConfig {
        &self.config
    }

    /// What is known about `address`, if its entry has not expired.
    pub fn server(&self, address: IpAddr, now: Instant) -> Option<&ServerInfo> {
        self.hosts
            .get(&address)
            .filter(|info| now.saturating_duration_since(info.updated) < self.config.host_ttl)
    }

    /// The timeout for the next query to `address`.
    pub fn rto(&self, address: IpAddr, now: Instant) -> Duration {
        self.server(address, now)
            .map_or(self.config.initial_rto, |info| info.rto)
    }

    /// Records an RTT sample from a query that was not retransmitted (Karn's algorithm, RFC 6298 §3).
    pub fn record_rtt(&mut self, address: IpAddr, rtt: Duration, now: Instant) {
        let config = self.config.clone();
        let info = self.entry(address, now);
        // RFC 6298 §2.2 for the first sample, §2.3 after: alpha = 1/8, beta = 1/4, K = 4.
        let (srtt, rttvar) = match info.srtt {
            None => (rtt, rtt / 2),
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                (srtt * 7 / 8 + rtt / 8, info.rttvar * 3 / 4 + delta / 4)
            }
        };
        info.srtt = Some(srtt);
        info.rttvar = rttvar;
        info.rto = (srtt + rttvar * 4).clamp(config.min_rto, config.max_rto);
        info.timeouts = 0;
        info.updated = now;
    }

    /// Records that a query to `address` timed out (or could not be sent): the RTO doubles, up to
    /// `max_rto` (RFC 6298 §5.5).
    pub fn record_timeout(&mut self, address: IpAddr, now: Instant) {
        let max = self.config.max_rto;
        let info = self.entry(address, now);
        info.rto = (info.rto * 2).min(max);
        info.timeouts = info.timeouts.saturating_add(1);
        info.updated = now;
    }

    /// Marks `address` lame for `zone`: it answered without authority, refused, failed, or referred
    /// upwards. It is not chosen for that zone until the mark expires.
    pub fn mark_lame(&mut self, address: IpAddr, zone: &Name, now: Instant) {
        if self.lame.len() >= MAX_LAME {
            self.lame.retain(|_, until| *until > now);
            if self.lame.len() >= MAX_LAME {
                self.lame.clear();
            }
        }
        self.lame
            .insert((address, zone.to_lowercase()), now + self.config.lame_ttl);
    }

    /// Whether `address` is marked lame for `zone`.
    pub fn is_lame(&self, address: IpAddr, zone: &Name, now: Instant) -> bool {
        self.lame
            .get(&(address, zone.to_lowercase()))
            .is_some_and(|until| *until > now)
    }

    /// Remembers that `address` answered FORMERR or NOTIMP to a query with EDNS (RFC 6891 §7).
    pub fn disable_edns(&mut self, address: IpAddr, now: Instant) {
        let info = self.entry(address, now);
        info.no_edns_until = Some(now + NO_EDNS_TTL);
    }

    /// Whether queries to `address` should carry EDNS.
    pub fn edns_enabled(&self, address: IpAddr, now: Instant) -> bool {
        self.server(address, now)
            .and_then(|info| info.no_edns_until)
            .is_none_or(|until| until <= now)
    }

    /// Forgets that `address` is lame for `zone`: it has just answered for it properly.
    pub fn clear_lame(&mut self, address: IpAddr, zone: &Name) {
        if !self.lame.is_empty() {
            self.lame.remove(&(address, zone.to_lowercase()));
        }
    }

    /// Chooses among `candidates` (a zone's server addresses not yet tried in this resolution): not lame
    /// for `zone`, and at random among those whose RTO is within the band of the best. `None` when all
    /// are lame or there are none.
    pub fn select(
        &self,
        candidates: &[IpAddr],
        zone: &Name,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Option<IpAddr> {
        let usable = candidates
            .iter()
            .filter(|address| !self.is_lame(**address, zone, now));
        self.choose(usable, now, rng)
    }

    /// As [`Infra::select`], lame marks ignored: the last resort when every server of a zone is
    /// marked lame (Unbound too keeps lame servers for when nothing else is left).
    pub fn select_any(
        &self,
        candidates: &[IpAddr],
        now: Instant,
        rng: &mut impl Rng,
    ) -> Option<IpAddr> {
        self.choose(candidates.iter(), now, rng)
    }

    /// At random among `candidates` whose RTO is within the band of the best.
    fn choose<'a>(
        &self,
        candidates: impl Iterator<Item = &'a IpAddr>,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Option<IpAddr> {
        let usable: Vec<(IpAddr, Duration)> = candidates
            .map(|address| (*address, self.rto(*address, now)))
            .collect();
        let best = usable.iter().map(|(_, rto)| *rto).min()?;
        let band: Vec<IpAddr> = usable
            .iter()
            .filter(|(_, rto)| *rto <= best + self.config.rtt_band)
            .map(|(address, _)| *address)
            .collect();
        band.get(rng.gen_range(0..band.len())).copied()
    }

    /// The number of servers with an entry (expired ones included until they are dropped).
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    fn entry(&mut self, address: IpAddr, now: Instant) -> &mut ServerInfo {
        let ttl = self.config.host_ttl;
        if !self.hosts.contains_key(&address) && self.hosts.len() >= MAX_HOSTS {
            self.hosts
                .retain(|_, info| now.saturating_duration_since(info.updated) < ttl);
            if self.hosts.len() >= MAX_HOSTS {
                let stalest = self
                    .hosts
                    .iter()
                    .min_by_key(|(_, info)| info.updated)
                    .map(|(address, _)| *address);
                if let Some(stalest) = stalest {
                    self.hosts.remove(&stalest);
                }
            }
        }
        let fresh = ServerInfo {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: self.config.initial_rto,
            timeouts: 0,
            no_edns_until: None,
            updated: now,
        };
        let info = self.hosts.entry(address).or_insert(fresh);
        if now.saturating_duration_since(info.updated) >= ttl {
            *info = fresh;
        }
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn zone() -> Name {
        "example.com.".parse().expect("name")
    }

    #[test]
    fn rto_follows_rfc6298_and_backs_off() {
        let now = Instant::now();
        let mut infra = Infra::new(InfraConfig::default());
        let a = ip("192.0.2.1");
        assert_eq!(infra.rto(a, now), INITIAL_RTO);
        infra.record_rtt(a, Duration::from_millis(100), now);
        // SRTT 100, RTTVAR 50: RTO = 100 + 4 * 50.
        assert_eq!(infra.rto(a, now), Duration::from_millis(300));
        infra.record_timeout(a, now);
        assert_eq!(infra.rto(a, now), Duration::from_millis(600));
        for _ in 0..5 {
            infra.record_timeout(a, now);
        }
        assert_eq!(infra.rto(a, now), MAX_RTO);
        // Fast answers bring it down to the floor.
        for _ in 0..50 {
            infra.record_rtt(a, Duration::from_millis(5), now);
        }
        assert_eq!(infra.rto(a, now), MIN_RTO);
        // Forgotten after the host TTL.
        assert_eq!(infra.rto(a, now + HOST_TTL), INITIAL_RTO);
    }

    #[test]
    fn prefers_fast_servers_but_explores_the_band() {
        let now = Instant::now();
        let mut infra = Infra::new(InfraConfig::default());
        let mut rng = StdRng::seed_from_u64(7);
        let (fast, medium, slow, unknown) = (
            ip("192.0.2.1"),
            ip("192.0.2.2"),
            ip("192.0.2.3"),
            ip("192.0.2.4"),
        );
        for _ in 0..20 {
            infra.record_rtt(fast, Duration::from_millis(10), now);
            infra.record_rtt(medium, Duration::from_millis(200), now);
            infra.record_rtt(slow, Duration::from_millis(900), now);
        }
        let candidates = [fast, medium, slow, unknown];
        let mut counts: HashMap<IpAddr, usize> = HashMap::new();
        for _ in 0..1000 {
            let chosen = infra
                .select(&candidates, &zone(), now, &mut rng)
                .expect("a server");
            *counts.entry(chosen).or_default() += 1;
        }
        // fast (RTO 50 ms), medium (~200 ms) and the unknown (376 ms) are within 400 ms of the best:
        // explored; the slow one (~900 ms) is not chosen.
        assert_eq!(counts.get(&slow), None);
        for server in [fast, medium, unknown] {
            let n = counts.get(&server).copied().unwrap_or(0);
            assert!(n > 250, "{server} chosen {n} times");
        }
        // Once its entry expires, the slow server is explored again.
        let later = now + HOST_TTL;
        let chosen: Vec<IpAddr> = (0..100)
            .filter_map(|_| infra.select(&[slow, fast], &zone(), later, &mut rng))
            .collect();
        assert!(chosen.contains(&slow));
    }

    #[test]
    fn timeouts_push_a_server_out_of_the_band() {
        let now = Instant::now();
        let mut infra = Infra::new(InfraConfig::default());
        let mut rng = StdRng::seed_from_u64(1);
        let (good, dead) = (ip("192.0.2.1"), ip("192.0.2.2"));
        infra.record_rtt(good, Duration::from_millis(20), now);
        infra.record_timeout(dead, now);
        infra.record_timeout(dead, now);
        for _ in 0..100 {
            assert_eq!(
                infra.select(&[good, dead], &zone(), now, &mut rng),
                Some(good)
            );
        }
    }

    #[test]
    fn lame_marks_are_per_zone_and_expire() {
        let now = Instant::now();
        let mut infra = Infra::new(InfraConfig::default());
        let mut rng = StdRng::seed_from_u64(1);
        let a = ip("192.0.2.1");
        infra.mark_lame(a, &zone(), now);
        assert!(infra.is_lame(a, &"EXAMPLE.com.".parse().expect("name"), now));
        assert!(!infra.is_lame(a, &"example.net.".parse().expect("name"), now));
        assert_eq!(infra.select(&[a], &zone(), now, &mut rng), None);
        assert!(!infra.is_lame(a, &zone(), now + LAME_TTL));
        // The last resort ignores the mark; an answer clears it.
        assert_eq!(infra.select_any(&[a], now, &mut rng), Some(a));
        infra.clear_lame(a, &zone());
        assert!(!infra.is_lame(a, &zone(), now));
    }

    #[test]
    fn edns_can_be_turned_off_for_a_while() {
        let now = Instant::now();
        let mut infra = Infra::new(InfraConfig::default());
        let a = ip("192.0.2.1");
        assert!(infra.edns_enabled(a, now));
        infra.disable_edns(a, now);
        assert!(!infra.edns_enabled(a, now));
        assert!(infra.edns_enabled(a, now + NO_EDNS_TTL));
    }
}
