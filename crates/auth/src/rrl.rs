//! Response rate limiting, as Knot's and NSD's RRL do it: responses are counted per client network
//! (/24 for IPv4, /56 for IPv6), response kind and name, in token buckets refilled every second. Past the
//! limit a response is dropped, except every `slip`-th, which is sent truncated (TC, no records) so a real
//! resolver behind a spoofed address can still get through over TCP. Pure: time is passed in.

use crate::answer::ResponseKind;
use globe_dns::Name;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::IpAddr;

/// The default limit per bucket: far above what one resolver asks one zone for (Knot's and NSD's
/// defaults are 200 and 200), so only floods are limited.
pub const DEFAULT_RESPONSES_PER_SECOND: u32 = 200;
/// The default slip: every second limited response is sent truncated.
pub const DEFAULT_SLIP: u32 = 2;
/// The most buckets kept; past it the oldest ones are forgotten (bounded memory under random sources).
pub const DEFAULT_TABLE_SIZE: usize = 65_536;
/// IPv4 clients are grouped by this prefix.
pub const IPV4_PREFIX: u8 = 24;
/// IPv6 clients are grouped by this prefix.
pub const IPV6_PREFIX: u8 = 56;

/// Rate limiting settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrlConfig {
    /// Responses per second allowed per bucket (0 disables limiting).
    pub responses_per_second: u32,
    /// Every `slip`-th limited response is sent truncated; 0 drops them all, 1 truncates them all.
    pub slip: u32,
    /// The most buckets tracked.
    pub table_size: usize,
}

impl Default for RrlConfig {
    fn default() -> RrlConfig {
        RrlConfig {
            responses_per_second: DEFAULT_RESPONSES_PER_SECOND,
            slip: DEFAULT_SLIP,
            table_size: DEFAULT_TABLE_SIZE,
        }
    }
}

/// What to do with a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it.
    Send,
    /// Send it truncated (TC set, sections empty).
    Slip,
    /// Send nothing.
    Drop,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: i64,
    second: u64,
    limited: u32,
}

/// The rate limiter's state.
#[derive(Debug)]
pub struct Rrl {
    config: RrlConfig,
    buckets: HashMap<u64, Bucket>,
    hasher: std::collections::hash_map::RandomState,
}

impl Rrl {
    /// A limiter with these settings.
    pub fn new(config: RrlConfig) -> Rrl {
        Rrl {
            config,
            buckets: HashMap::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Decides for one response to `client`, at `now_seconds` (any monotonic clock in seconds).
    pub fn check(
        &mut self,
        client: IpAddr,
        kind: ResponseKind,
        name: Option<&Name>,
        now_seconds: u64,
    ) -> Verdict {
        if self.config.responses_per_second == 0 {
            return Verdict::Send;
        }
        let key = self.key(client, kind, name);
        if self.buckets.len() >= self.config.table_size && !self.buckets.contains_key(&key) {
            // Forget buckets idle for more than a second; if none are, start over (a flood of sources).
            self.buckets.retain(|_, b| b.second + 1 >= now_seconds);
            if self.buckets.len() >= self.config.table_size {
                self.buckets.clear();
            }
        }
        let rate = i64::from(self.config.responses_per_second);
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            tokens: rate,
            second: now_seconds,
            limited: 0,
        });
        if bucket.second != now_seconds {
            let elapsed = now_seconds.saturating_sub(bucket.second) as i64;
            bucket.tokens = (bucket.tokens + rate * elapsed).min(rate);
            bucket.second = now_seconds;
        }
        if bucket.tokens > 0 {
            bucket.tokens -= 1;
            return Verdict::Send;
        }
        bucket.limited = bucket.limited.wrapping_add(1);
        match self.config.slip {
            0 => Verdict::Drop,
            slip if bucket.limited.is_multiple_of(slip) => Verdict::Slip,
            _ => Verdict::Drop,
        }
    }

    fn key(&self, client: IpAddr, kind: ResponseKind, name: Option<&Name>) -> u64 {
        let mut h = self.hasher.build_hasher();
        match client {
            IpAddr::V4(a) => (u32::from(a) >> (32 - IPV4_PREFIX)).hash(&mut h),
            IpAddr::V6(a) => (u128::from(a) >> (128 - IPV6_PREFIX)).hash(&mut h),
        }
        kind.hash(&mut h);
        if let Some(name) = name {
            name.hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rate: u32, slip: u32) -> Rrl {
        Rrl::new(RrlConfig {
            responses_per_second: rate,
            slip,
            table_size: 16,
        })
    }

    #[test]
    fn allows_the_rate_then_slips_and_drops() {
        let mut rrl = limiter(5, 2);
        let client: IpAddr = "192.0.2.7".parse().expect("ip");
        let verdicts: Vec<Verdict> = (0..9)
            .map(|_| rrl.check(client, ResponseKind::Positive, None, 100))
            .collect();
        assert_eq!(&verdicts[..5], &[Verdict::Send; 5]);
        assert_eq!(
            &verdicts[5..],
            &[Verdict::Drop, Verdict::Slip, Verdict::Drop, Verdict::Slip]
        );
        // The next second refills the bucket.
        assert_eq!(
            rrl.check(client, ResponseKind::Positive, None, 101),
            Verdict::Send
        );
    }

    #[test]
    fn neighbours_in_a_slash_24_share_a_bucket_but_not_other_networks() {
        let mut rrl = limiter(1, 0);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.200".parse().expect("ip");
        let c: IpAddr = "198.51.100.1".parse().expect("ip");
        assert_eq!(rrl.check(a, ResponseKind::NxDomain, None, 5), Verdict::Send);
        assert_eq!(rrl.check(b, ResponseKind::NxDomain, None, 5), Verdict::Drop);
        assert_eq!(rrl.check(c, ResponseKind::NxDomain, None, 5), Verdict::Send);
    }

    #[test]
    fn table_stays_bounded() {
        let mut rrl = limiter(10, 2);
        for i in 0..1000u32 {
            let client = IpAddr::from(std::net::Ipv4Addr::from(i << 8));
            rrl.check(client, ResponseKind::Positive, None, 1);
        }
        assert!(rrl.buckets.len() <= 16);
    }
}
