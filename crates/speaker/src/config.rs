//! The `globe bgp` configuration file (TOML). Errors name the file, line and column; unknown keys are
//! errors. The format is documented with an example in `docs/design/speaker.md` and
//! `examples/bgp/*.toml`:
//!
//! ```toml
//! router_id = "192.0.2.1"
//! asn = 4200000001
//! listen = ["0.0.0.0:179", "[::]:179"]      # the default
//! hold_time = 90
//! control = "/run/globe/bgp.sock"
//! metrics = "127.0.0.1:9179"
//!
//! [[neighbor]]
//! address = "192.0.2.2"
//! asn = 4200000002
//! role = "provider"          # the neighbour's relationship to us: we send RFC 9234 role "customer"
//! import = "accept-all"      # or "reject-all" or the name of a [policy.NAME]
//! export = "anycast-out"
//!
//! [[originate]]
//! prefix = "203.0.113.0/24"
//! communities = ["64500:1"]
//! condition = { kind = "dns", address = "127.0.0.1:53", qname = "example.com.", interval = 0.2, fall = 3 }
//! on_failure = "withdraw"    # or { prepend = 3 }
//!
//! [policy.anycast-out]
//! default = "reject"
//! [[policy.anycast-out.term]]
//! match.prefix-list = ["203.0.113.0/24"]
//! action = "accept"
//! ```

use crate::announce::{Condition, ConditionConfig, OnFailure};
use globe_bgp::policy::{Policy, PolicyRef, Relationship};
use globe_bgp::wire::{Community, LargeCommunity};
use globe_bgp::{AddressFamily, Prefix};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::Spanned;

/// The BGP port (RFC 4271 §8.2.1).
pub const BGP_PORT: u16 = 179;
/// The route protocol number globe's routes carry in the kernel FIB (`ip route … proto 199`). Not in
/// iproute2's `rt_protos` (which names 0–18, 42, 99, 186–192), so `ip route flush proto 199` removes only
/// globe's routes; the same default as `globe_fib::GLOBE_PROTOCOL`.
pub const DEFAULT_FIB_PROTOCOL: u8 = 199;
/// How long to wait between connection attempts by default, in seconds. RFC 4271 §10 suggests 120;
/// BIRD and FRR retry sooner, and so does globe.
pub const DEFAULT_CONNECT_RETRY_SECONDS: u64 = 30;

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Our BGP Identifier (RFC 6286): a non-zero IPv4 address.
    pub router_id: Ipv4Addr,
    /// Our AS, 4-octet (RFC 6793).
    pub asn: u32,
    /// Addresses to accept BGP connections on; default `[::]:179` and `0.0.0.0:179`. An empty list
    /// accepts none (every neighbour then connects out).
    #[serde(default = "default_listen")]
    pub listen: Vec<SocketAddr>,
    /// The hold time we propose, in seconds (0 or at least 3); per-neighbour `hold_time` wins.
    #[serde(default = "default_hold_time")]
    pub hold_time: u16,
    /// Seconds between outgoing connection attempts (ConnectRetryTime).
    #[serde(default = "default_connect_retry")]
    pub connect_retry_seconds: u64,
    /// The control socket `globe bgp show …` talks to.
    pub control: Option<PathBuf>,
    /// Serve Prometheus metrics over HTTP on this address.
    pub metrics: Option<SocketAddr>,
    /// On SIGTERM, first re-announce every originated route with the GRACEFUL_SHUTDOWN community
    /// (RFC 8326) and wait this long for peers to move away, then withdraw. 0 (default) skips it.
    #[serde(default)]
    pub graceful_shutdown_seconds: u64,
    /// The shutdown communication (RFC 9003) sent with Cease / Administrative Shutdown on exit.
    #[serde(default = "default_shutdown_message")]
    pub shutdown_message: String,
    /// The neighbours.
    #[serde(default)]
    pub neighbor: Vec<Neighbor>,
    /// Prefixes we announce.
    #[serde(default)]
    pub originate: Vec<Originate>,
    /// Named routing policies (`globe_bgp::policy::Policy`, kebab-case keys).
    #[serde(default)]
    pub policy: BTreeMap<String, Policy>,
    /// MRT dumps.
    pub mrt: Option<MrtConfig>,
    /// Kernel FIB installation.
    #[serde(default)]
    pub fib: FibConfig,
    /// The file's path and text, for messages about what is in it.
    #[serde(skip)]
    source: (PathBuf, String),
}

/// One `[[neighbor]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbor {
    /// The neighbour's address; connections from any other address are refused.
    pub address: IpAddr,
    /// The TCP port to connect to (default 179; tests use others).
    #[serde(default = "default_port")]
    pub port: u16,
    /// The neighbour's AS (4-octet). Equal to ours: iBGP.
    pub asn: u32,
    /// The neighbour's relationship to us (Gao-Rexford; `customer` means the neighbour is our customer).
    /// When set on an eBGP session we send the RFC 9234 BGP Role capability with our matching role.
    pub role: Option<NeighborRole>,
    /// RFC 9234 strict mode: refuse a neighbour that announces no role.
    #[serde(default)]
    pub role_strict: bool,
    /// TCP-MD5 key (RFC 2385), at most 80 bytes.
    pub password: Option<String>,
    /// GTSM (RFC 5082): send with TTL 255 and accept only TTL ≥ 254 (hop limit for IPv6).
    #[serde(default)]
    pub ttl_security: bool,
    /// eBGP multihop: the TTL of our packets (default 1 for eBGP, 64 for iBGP).
    pub multihop: Option<u8>,
    /// Proposed hold time; default the global one.
    pub hold_time: Option<u16>,
    /// Never connect out; wait for the neighbour.
    #[serde(default)]
    pub passive: bool,
    /// Source address of our connections (and the next hop we announce from it).
    pub local_address: Option<IpAddr>,
    /// Maximum prefixes accepted per family (RFC 4486 Cease 1).
    pub max_prefix: Option<MaxPrefix>,
    /// Import policy: `accept-all`, `reject-all`, or a `[policy.NAME]`. Unset: RFC 8212 (eBGP rejects
    /// everything, iBGP accepts).
    pub import: Option<Spanned<PolicyName>>,
    /// Export policy, as `import`.
    pub export: Option<Spanned<PolicyName>>,
    /// Address families to negotiate; default both unicast families.
    #[serde(default = "default_families")]
    pub families: Vec<FamilyName>,
    /// Set ourselves as NEXT_HOP; default true on eBGP, false on iBGP.
    pub next_hop_self: Option<bool>,
    /// The IPv4 next hop we announce (default: the session's local address when IPv4).
    pub next_hop_ipv4: Option<Ipv4Addr>,
    /// The IPv6 next hop we announce (default: the session's local address when IPv6, else the
    /// IPv4-mapped form of the IPv4 next hop).
    pub next_hop_ipv6: Option<Ipv6Addr>,
    /// Announce the extended message capability (RFC 8654); default true.
    #[serde(default = "default_true")]
    pub extended_message: bool,
    /// Announce enhanced route refresh (RFC 7313); default true.
    #[serde(default = "default_true")]
    pub enhanced_route_refresh: bool,
    /// Announce graceful restart (RFC 4724) and act as its helper: routes of a neighbour whose session
    /// drops without a NOTIFICATION stay (stale) for its Restart Time; default true. globe is helper
    /// only: it announces Forwarding State F = 0 (it keeps no forwarding state over its own restart).
    #[serde(default = "default_true")]
    pub graceful_restart: bool,
    /// The Restart Time we announce, in seconds (at most 4095); default 120.
    #[serde(default = "default_restart_time")]
    pub graceful_restart_time: u16,
    /// Seconds between connection attempts; default the global one.
    pub connect_retry_seconds: Option<u64>,
    /// Keep routes as received before import policy (for `show route PREFIX detail`); default true.
    #[serde(default = "default_true")]
    pub keep_pre_policy: bool,
    /// Free text shown by `show neighbors`.
    pub description: Option<String>,
}

/// A neighbour's relationship to us, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeighborRole {
    /// Our customer (we send role Provider).
    Customer,
    /// A lateral peer (role Peer).
    Peer,
    /// Our transit provider (we send role Customer).
    Provider,
    /// A route server; we are its client (role RS-Client).
    #[serde(alias = "route-server")]
    Rs,
    /// A route-server client; we are the route server (role RS).
    #[serde(alias = "route-server-client")]
    RsClient,
    /// iBGP; no role capability.
    Internal,
}

/// A policy reference as written (kept as text so errors can point at it).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct PolicyName(pub String);

/// An address family name: `ipv4-unicast` (or `ipv4`) and `ipv6-unicast` (or `ipv6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FamilyName {
    /// IPv4 unicast.
    #[serde(alias = "ipv4")]
    Ipv4Unicast,
    /// IPv6 unicast.
    #[serde(alias = "ipv6")]
    Ipv6Unicast,
}

/// `max_prefix = { limit = 1000, restart_seconds = 60 }`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPrefix {
    /// More prefixes than this per family closes the session with Cease 1 (RFC 4486 §4).
    pub limit: u32,
    /// Restart after this long; unset: stay down until the speaker restarts.
    pub restart_seconds: Option<u64>,
}

/// One `[[originate]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Originate {
    /// The prefix (host bits must be clear).
    #[serde(deserialize_with = "from_str")]
    pub prefix: Prefix,
    /// The next hop to announce; default ourselves on each session.
    pub next_hop: Option<IpAddr>,
    /// Communities, `ASN:VALUE` or a well-known name (`no-export`, `graceful-shutdown`, …).
    #[serde(default, deserialize_with = "communities")]
    pub communities: Vec<Community>,
    /// Large communities, `GLOBAL:LOCAL1:LOCAL2` (RFC 8092).
    #[serde(default, deserialize_with = "large_communities")]
    pub large_communities: Vec<LargeCommunity>,
    /// MULTI_EXIT_DISC to send.
    pub med: Option<u32>,
    /// LOCAL_PREF (iBGP only).
    pub local_pref: Option<u32>,
    /// Announce at start-up (default true). Ignored with a `condition`, which decides (see
    /// [`crate::announce`]).
    #[serde(default = "default_true")]
    pub announce: bool,
    /// The health condition that gates the announcement: a DNS query, an HTTP(S) GET, a TCP connect,
    /// an external command, or (`globe node`) the local DNS server's in-process health; with
    /// interval, timeout, rise and fall. Run by [`crate::announce::Announcer`].
    pub condition: Option<Spanned<ConditionConfig>>,
    /// While the condition is down: `"withdraw"` (default) or `{ prepend = N }` (announce with our AS
    /// N more times: drain).
    #[serde(default)]
    pub on_failure: OnFailure,
}

impl Originate {
    /// The compiled condition, if any; an error names the file position (checked at load time, so
    /// an `Err` here means the configuration was built without [`Config::parse`]).
    pub fn compiled_condition(&self) -> Option<Result<Condition, String>> {
        self.condition.as_ref().map(|condition| {
            condition
                .get_ref()
                .compile()
                .map_err(|error| format!("{}: condition: {error}", self.prefix))
        })
    }
}

/// `[mrt]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MrtConfig {
    /// Where the periodic TABLE_DUMP_V2 RIB snapshot is written (replaced atomically each time).
    pub rib_dump: Option<PathBuf>,
    /// Seconds between RIB dumps (default 300).
    #[serde(default = "default_rib_interval")]
    pub rib_interval_seconds: u64,
    /// Where every UPDATE received and sent is appended as BGP4MP_MESSAGE_AS4.
    pub updates: Option<PathBuf>,
}

/// `[fib]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FibConfig {
    /// Install best routes into the kernel (default false; `--no-fib` forces it off).
    #[serde(default)]
    pub enabled: bool,
    /// The route protocol number (default 199, see [`DEFAULT_FIB_PROTOCOL`]).
    #[serde(default = "default_fib_protocol")]
    pub protocol: u8,
    /// The routing table (default 254, `main`).
    #[serde(default = "default_fib_table")]
    pub table: u32,
}

impl Default for FibConfig {
    fn default() -> Self {
        FibConfig {
            enabled: false,
            protocol: DEFAULT_FIB_PROTOCOL,
            table: default_fib_table(),
        }
    }
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses and checks configuration text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let mut config: Config = globe_auth::config::parse_toml(text, path)?;
        config.source = (path.to_path_buf(), text.to_string());
        config.check()?;
        Ok(config)
    }

    /// Parses the `[bgp]` table of a `globe node` file (whose other tables are not read here), with
    /// positions in messages counted in the whole file.
    pub fn parse_node_section(text: &str, path: &Path) -> Result<Config, String> {
        #[derive(Deserialize)]
        struct Node {
            bgp: Config,
        }
        let node: Node = globe_auth::config::parse_toml(text, path)?;
        let mut config = node.bgp;
        config.source = (path.to_path_buf(), text.to_string());
        config.check()?;
        Ok(config)
    }

    /// A message about the value at `span`, with file, line and column.
    fn error_at(&self, span: std::ops::Range<usize>, message: &str) -> String {
        let (line, column) = globe_auth::config::line_column(&self.source.1, span.start);
        format!("{}:{line}:{column}: {message}", self.source.0.display())
    }

    /// Checks what serde cannot: policy names exist, values are in range, no duplicate neighbours.
    fn check(&self) -> Result<(), String> {
        let file = self.source.0.display();
        if self.router_id.is_unspecified() {
            return Err(format!(
                "{file}: router_id 0.0.0.0 is not a valid BGP Identifier"
            ));
        }
        if self.hold_time == 1 || self.hold_time == 2 {
            return Err(format!("{file}: hold_time must be 0 or at least 3"));
        }
        if globe_bgp::fsm::ShutdownCommunication::new(self.shutdown_message.clone()).is_err() {
            return Err(format!("{file}: shutdown_message is longer than 255 bytes"));
        }
        let mut seen = std::collections::HashSet::new();
        for neighbor in &self.neighbor {
            if !seen.insert(neighbor.address) {
                return Err(format!(
                    "{file}: neighbor {} is listed twice",
                    neighbor.address
                ));
            }
            if matches!(neighbor.hold_time, Some(1 | 2)) {
                return Err(format!(
                    "{file}: neighbor {}: hold_time must be 0 or at least 3",
                    neighbor.address
                ));
            }
            if neighbor.graceful_restart_time > 4095 {
                return Err(format!(
                    "{file}: neighbor {}: graceful_restart_time must be at most 4095 (12 bits)",
                    neighbor.address
                ));
            }
            if neighbor.password.as_ref().is_some_and(|p| p.len() > 80) {
                return Err(format!(
                    "{file}: neighbor {}: TCP-MD5 password longer than 80 bytes",
                    neighbor.address
                ));
            }
            if neighbor.families.is_empty() {
                return Err(format!(
                    "{file}: neighbor {}: no families",
                    neighbor.address
                ));
            }
            for name in [&neighbor.import, &neighbor.export].into_iter().flatten() {
                if let PolicyRef::Named(policy) = PolicyRef::from(name.get_ref().0.clone()) {
                    if !self.policy.contains_key(&policy) {
                        return Err(
                            self.error_at(name.span(), &format!("no policy named {policy:?}"))
                        );
                    }
                }
            }
            if neighbor.role == Some(NeighborRole::Internal) && neighbor.asn != self.asn {
                return Err(format!(
                    "{file}: neighbor {}: role internal but AS {} is not ours",
                    neighbor.address, neighbor.asn
                ));
            }
        }
        let mut prefixes = std::collections::HashSet::new();
        for originate in &self.originate {
            if !prefixes.insert(originate.prefix) {
                return Err(format!(
                    "{file}: [[originate]] {} is listed twice",
                    originate.prefix
                ));
            }
            if let Some(condition) = &originate.condition {
                if let Err(error) = condition.get_ref().compile() {
                    return Err(self.error_at(condition.span(), &format!("condition: {error}")));
                }
            }
        }
        Ok(())
    }

    /// The policy a neighbour's `import`/`export` names: `None` for unset (RFC 8212's default).
    pub fn resolve_policy(
        &self,
        name: Option<&Spanned<PolicyName>>,
    ) -> Option<std::sync::Arc<Policy>> {
        let name = name?;
        Some(std::sync::Arc::new(
            match PolicyRef::from(name.get_ref().0.clone()) {
                PolicyRef::AcceptAll => Policy::accept_all(),
                PolicyRef::RejectAll => Policy::reject_all(),
                // `check` made sure it exists.
                PolicyRef::Named(name) => self.policy.get(&name).cloned().unwrap_or_default(),
            },
        ))
    }
}

impl Neighbor {
    /// True when the session is iBGP.
    pub fn is_internal(&self, local_asn: u32) -> bool {
        self.asn == local_asn
    }

    /// The neighbour's relationship for the RIB (`None` when unset on eBGP).
    pub fn relationship(&self, local_asn: u32) -> Option<Relationship> {
        if self.is_internal(local_asn) {
            return Some(Relationship::Internal);
        }
        self.role.map(|role| match role {
            NeighborRole::Customer => Relationship::Customer,
            NeighborRole::Peer => Relationship::Peer,
            NeighborRole::Provider => Relationship::Provider,
            NeighborRole::Rs => Relationship::RouteServer,
            NeighborRole::RsClient => Relationship::RouteServerClient,
            NeighborRole::Internal => Relationship::Internal,
        })
    }

    /// The families as `AddressFamily` values.
    pub fn address_families(&self) -> Vec<AddressFamily> {
        let mut families: Vec<AddressFamily> = self
            .families
            .iter()
            .map(|family| match family {
                FamilyName::Ipv4Unicast => AddressFamily::IPV4_UNICAST,
                FamilyName::Ipv6Unicast => AddressFamily::IPV6_UNICAST,
            })
            .collect();
        families.dedup();
        families
    }

    /// The socket address to connect to.
    pub fn socket_address(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port)
    }
}

fn from_str<'de, D: Deserializer<'de>, T: FromStr>(deserializer: D) -> Result<T, D::Error>
where
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn communities<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Community>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| {
            parse_community(text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{text:?}: a community is ASN:VALUE (two 16-bit numbers) or a well-known name \
                     (no-export, no-advertise, no-export-subconfed, no-peer, graceful-shutdown, blackhole)"
                ))
            })
        })
        .collect()
}

/// Parses `ASN:VALUE` or a well-known community name (RFC 1997, RFC 3765, RFC 8326, RFC 7999).
pub fn parse_community(text: &str) -> Option<Community> {
    let named = match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "no-export" => Some(Community::NO_EXPORT),
        "no-advertise" => Some(Community::NO_ADVERTISE),
        "no-export-subconfed" => Some(Community::NO_EXPORT_SUBCONFED),
        "no-peer" => Some(Community::NO_PEER),
        "graceful-shutdown" => Some(Community::GRACEFUL_SHUTDOWN),
        "blackhole" => Some(Community::BLACKHOLE),
        _ => None,
    };
    named.or_else(|| {
        let (asn, value) = text.split_once(':')?;
        Some(Community::new(
            asn.trim().parse().ok()?,
            value.trim().parse().ok()?,
        ))
    })
}

fn large_communities<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<LargeCommunity>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| {
            parse_large_community(text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{text:?}: a large community is GLOBAL:LOCAL1:LOCAL2 (three 32-bit numbers)"
                ))
            })
        })
        .collect()
}

/// Parses `GLOBAL:LOCAL1:LOCAL2`.
pub fn parse_large_community(text: &str) -> Option<LargeCommunity> {
    let mut parts = text.split(':').map(|part| part.trim().parse::<u32>().ok());
    let (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some(LargeCommunity::new(a, b, c))
}

fn default_listen() -> Vec<SocketAddr> {
    vec![
        SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), BGP_PORT),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), BGP_PORT),
    ]
}
fn default_hold_time() -> u16 {
    globe_bgp::fsm::config::DEFAULT_HOLD_TIME
}
fn default_connect_retry() -> u64 {
    DEFAULT_CONNECT_RETRY_SECONDS
}
fn default_shutdown_message() -> String {
    "globe bgp shutting down".to_string()
}
fn default_port() -> u16 {
    BGP_PORT
}
fn default_restart_time() -> u16 {
    120
}

fn default_true() -> bool {
    true
}
fn default_families() -> Vec<FamilyName> {
    vec![FamilyName::Ipv4Unicast, FamilyName::Ipv6Unicast]
}
fn default_rib_interval() -> u64 {
    300
}
fn default_fib_protocol() -> u8 {
    DEFAULT_FIB_PROTOCOL
}
fn default_fib_table() -> u32 {
    254
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
router_id = "192.0.2.1"
asn = 4200000001

[[neighbor]]
address = "192.0.2.2"
asn = 4200000002
role = "rs-client"
export = "out"
password = "secret"
max_prefix = { limit = 10, restart_seconds = 30 }

[[originate]]
prefix = "203.0.113.0/24"
communities = ["64500:1", "no-export"]
large_communities = ["4200000001:1:2"]
condition = { kind = "dns", qname = "example.com.", interval = 0.2, fall = 3 }
on_failure = { prepend = 2 }

[policy.out]
default = "reject"
[[policy.out.term]]
match.prefix-list = ["203.0.113.0/24"]
action = "accept"
"#;

    #[test]
    fn example_parses() {
        let config = Config::parse(EXAMPLE, Path::new("bgp.toml")).expect("parses");
        assert_eq!(config.asn, 4_200_000_001);
        assert_eq!(config.listen.len(), 2);
        let neighbor = &config.neighbor[0];
        assert_eq!(neighbor.role, Some(NeighborRole::RsClient));
        assert_eq!(neighbor.address_families().len(), 2);
        assert_eq!(config.originate[0].communities.len(), 2);
        assert_eq!(
            config.originate[0].large_communities,
            vec![LargeCommunity::new(4_200_000_001, 1, 2)]
        );
        assert!(matches!(
            config.originate[0].compiled_condition(),
            Some(Ok(Condition { interval, .. })) if interval == std::time::Duration::from_millis(200)
        ));
        assert_eq!(config.originate[0].on_failure, OnFailure::Prepend(2));
        assert!(config.resolve_policy(neighbor.export.as_ref()).is_some());
        assert!(config.resolve_policy(neighbor.import.as_ref()).is_none());
    }

    #[test]
    fn the_examples_parse() {
        for (name, text) in [
            (
                "anycast-pop.toml",
                include_str!("../../../examples/bgp/anycast-pop.toml"),
            ),
            (
                "router.toml",
                include_str!("../../../examples/bgp/router.toml"),
            ),
        ] {
            Config::parse(text, Path::new(name)).expect("example parses");
        }
    }

    #[test]
    fn errors_carry_file_line_and_column() {
        let text = "router_id = \"192.0.2.1\"\nasn = 1\n[[neighbor]]\naddress = \"192.0.2.2\"\nasn = 2\nbogus = 1\n";
        let error = Config::parse(text, Path::new("bgp.toml")).expect_err("unknown key");
        assert!(error.starts_with("bgp.toml:6:1:"), "{error}");
        let text = "router_id = \"192.0.2.1\"\nasn = 1\n[[neighbor]]\naddress = \"192.0.2.2\"\nasn = 2\nimport = \"nope\"\n";
        let error = Config::parse(text, Path::new("bgp.toml")).expect_err("unknown policy");
        assert!(error.starts_with("bgp.toml:6:10:"), "{error}");
        let text = "router_id = \"192.0.2.1\"\nasn = 1\n[[originate]]\nprefix = \"192.0.2.1/24\"\n";
        let error = Config::parse(text, Path::new("bgp.toml")).expect_err("host bits");
        assert!(error.starts_with("bgp.toml:4:"), "{error}");
        let text = "router_id = \"192.0.2.1\"\nasn = 1\n[[originate]]\nprefix = \"192.0.2.0/24\"\ncondition = { kind = \"tcp\" }\n";
        let error = Config::parse(text, Path::new("bgp.toml")).expect_err("no address");
        assert!(error.starts_with("bgp.toml:5:13:"), "{error}");
        assert!(error.contains("address"), "{error}");
        let text = "router_id = \"192.0.2.1\"\nasn = 1\n[[originate]]\nprefix = \"192.0.2.0/24\"\ncondition = { kind = \"tcp\", port = 1 }\n";
        let error = Config::parse(text, Path::new("bgp.toml")).expect_err("unknown field");
        assert!(error.starts_with("bgp.toml:5:"), "{error}");
    }
}
