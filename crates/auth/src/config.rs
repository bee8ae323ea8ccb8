//! The `globe auth` configuration file (TOML). Errors name the file, line and column. Command-line flags
//! are merged over it by the binary.
//!
//! ```toml
//! listen = ["127.0.0.1:53", "[::1]:53"]
//! nsid = "fra1"
//! udp_threads = 2
//! metrics = "127.0.0.1:9153"
//! control = "/run/globe/auth.sock"
//! tcp_idle_timeout = 10
//!
//! [rrl]
//! enabled = true
//! responses_per_second = 200
//! slip = 2
//!
//! [[zone]]
//! origin = "example.com."
//! file = "example.com.zone"
//! allow_transfer = ["192.0.2.0/24"]
//! notify = ["192.0.2.53:53"]
//!
//! [[zone]]
//! origin = "example.net."
//! primaries = ["192.0.2.1:53"]
//! file = "example.net.copy"
//! ```
//!
//! A zone with `primaries` is a secondary: it is transferred from the first primary that answers (IXFR
//! when it holds a version, AXFR otherwise), refreshed on the SOA timers and on NOTIFY from a primary's
//! address, and answers SERVFAIL while it has no data or after it expires. Its `file`, if given, is
//! where the transferred copy is written and read back at start-up. `notify` lists the secondaries sent
//! NOTIFY when a zone gets a new serial (after a reload or a transfer); `allow_transfer` the networks
//! that may AXFR or IXFR it.
//!
//! Geo steering adds `pop`, `pop_location`, `[geoip]`, `[[target]]` and `[[steer]]`; their schema is
//! documented in [`crate::steering`].
//!
//! `[health]` `state_file = "health-states"` names the external state file that forces steering
//! targets up or down ([`crate::health::state_file`]); it is watched for changes.

use crate::rrl::RrlConfig;
use crate::server::{Cidr, ZoneConfig};
use crate::steering::config::{FileGeoip, FileSteer, FileTarget, LocationSpec, Section};
use crate::steering::Steering;
use globe_dns::Name;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file's contents, before merging with flags.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Addresses to listen on.
    #[serde(default)]
    pub listen: Vec<SocketAddr>,
    /// NSID text.
    pub nsid: Option<String>,
    /// CHAOS `id.server.` text (defaults to the NSID).
    pub identity: Option<String>,
    /// UDP worker threads per address.
    pub udp_threads: Option<usize>,
    /// Metrics address.
    pub metrics: Option<SocketAddr>,
    /// Control socket path.
    pub control: Option<PathBuf>,
    /// TCP idle timeout in seconds.
    pub tcp_idle_timeout: Option<u64>,
    /// Rate limiting.
    pub rrl: Option<FileRrl>,
    /// Zones.
    #[serde(default)]
    pub zone: Vec<FileZone>,
    /// This instance's PoP id (geo steering).
    pub pop: Option<Spanned<String>>,
    /// This PoP's location, when its id is not an IATA code.
    pub pop_location: Option<Spanned<LocationSpec>>,
    /// Where clients are: MaxMind databases and an inline network table.
    pub geoip: Option<FileGeoip>,
    /// Steering targets.
    #[serde(default)]
    pub target: Vec<FileTarget>,
    /// Steered names.
    #[serde(default)]
    pub steer: Vec<FileSteer>,
    /// Health checks of the steering targets.
    pub health: Option<FileHealth>,
    /// The file's path and text, for messages about what is in it.
    #[serde(skip)]
    source: (PathBuf, String),
}

/// The `[health]` table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHealth {
    /// The external state file (`target-id UP|DOWN|NONE` lines) that forces targets up or down,
    /// relative to the configuration file; see [`crate::health::state_file`].
    pub state_file: Option<PathBuf>,
}

/// The `[rrl]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRrl {
    /// Whether limiting is on (default true).
    pub enabled: Option<bool>,
    /// Responses per second per bucket.
    pub responses_per_second: Option<u32>,
    /// Slip ratio.
    pub slip: Option<u32>,
    /// Buckets tracked.
    pub table_size: Option<usize>,
}

/// A `[[zone]]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileZone {
    /// The origin.
    pub origin: Option<String>,
    /// The zone file, relative to the configuration file's folder.
    pub file: Option<PathBuf>,
    /// Primaries, for a secondary zone.
    #[serde(default)]
    pub primaries: Vec<SocketAddr>,
    /// Secondaries to notify.
    #[serde(default)]
    pub notify: Vec<SocketAddr>,
    /// Networks allowed to transfer.
    #[serde(default)]
    pub allow_transfer: Vec<String>,
}

impl FileConfig {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses configuration text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, String> {
        let mut config: FileConfig = parse_toml(text, path)?;
        config.source = (path.to_path_buf(), text.to_string());
        Ok(config)
    }

    /// Parses the `[auth]` table of a `globe node` file (whose other tables are not read here), with
    /// positions in messages counted in the whole file.
    pub fn parse_node_section(text: &str, path: &Path) -> Result<FileConfig, String> {
        #[derive(Deserialize)]
        struct Node {
            auth: FileConfig,
        }
        let node: Node = parse_toml(text, path)?;
        let mut config = node.auth;
        config.source = (path.to_path_buf(), text.to_string());
        Ok(config)
    }

    /// The geo steering (empty when no name is steered), with database paths resolved against `base`.
    /// `pop` (the `--pop` flag) overrides the file's; `previous` lends its databases when their
    /// files are unchanged. Errors name the file, line and column.
    pub fn steering(
        &self,
        base: &Path,
        pop: Option<&str>,
        previous: Option<&Steering>,
    ) -> Result<Steering, String> {
        Section {
            path: &self.source.0,
            text: &self.source.1,
            base,
            pop: self.pop.as_ref(),
            pop_location: self.pop_location.as_ref(),
            geoip: self.geoip.as_ref(),
            targets: &self.target,
            steer: &self.steer,
        }
        .compile(pop, previous)
    }

    /// The health state file, resolved against `base`.
    pub fn health_state_file(&self, base: &Path) -> Option<PathBuf> {
        let file = self.health.as_ref()?.state_file.as_ref()?;
        Some(base.join(file))
    }

    /// The zones, with paths resolved against `base` and names and networks checked.
    pub fn zones(&self, base: &Path) -> Result<Vec<ZoneConfig>, String> {
        self.zone
            .iter()
            .map(|z| {
                let origin = z
                    .origin
                    .as_deref()
                    .map(|o| {
                        Name::parse(o, Some(&Name::root()))
                            .map_err(|e| format!("zone origin {o:?}: {e}"))
                    })
                    .transpose()?;
                let allow_transfer = z
                    .allow_transfer
                    .iter()
                    .map(|c| c.parse::<Cidr>())
                    .collect::<Result<Vec<_>, _>>()?;
                if z.file.is_none() && z.primaries.is_empty() {
                    return Err(format!(
                        "zone {:?} needs a file or primaries",
                        z.origin.as_deref().unwrap_or("?")
                    ));
                }
                if !z.primaries.is_empty() && origin.is_none() {
                    return Err("a secondary zone needs an origin".to_string());
                }
                Ok(ZoneConfig {
                    origin,
                    file: z.file.as_ref().map(|f| base.join(f)),
                    primaries: z.primaries.clone(),
                    notify: z.notify.clone(),
                    allow_transfer,
                })
            })
            .collect()
    }

    /// The rate limiting settings: on with defaults unless disabled.
    pub fn rrl(&self) -> Option<RrlConfig> {
        let mut config = RrlConfig::default();
        if let Some(rrl) = &self.rrl {
            if rrl.enabled == Some(false) {
                return None;
            }
            if let Some(rate) = rrl.responses_per_second {
                config.responses_per_second = rate;
            }
            if let Some(slip) = rrl.slip {
                config.slip = slip;
            }
            if let Some(size) = rrl.table_size {
                config.table_size = size;
            }
        }
        Some(config)
    }
}

/// The 1-based line and column of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len() + 1, |newline| before.len() - newline);
    (line, column)
}

/// Deserialises TOML `text`, reporting an error as `path:line:column: message` (shared by every globe
/// configuration file: auth, bgp, node).
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        format!("{}:{line}:{column}: {}", path.display(), e.message())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_file_line_and_column() {
        let text = "listen = [\"127.0.0.1:53\"]\nnsid = 5\n";
        let error =
            FileConfig::parse(text, Path::new("auth.toml")).expect_err("nsid must be a string");
        assert!(error.starts_with("auth.toml:2:8:"), "{error}");
    }

    #[test]
    fn zones_resolve_paths_and_acls() {
        let text = "[[zone]]\norigin = \"example.\"\nfile = \"example.zone\"\nallow_transfer = [\"192.0.2.0/24\"]\n";
        let config = FileConfig::parse(text, Path::new("auth.toml")).expect("valid");
        let zones = config.zones(Path::new("/etc/globe")).expect("valid");
        assert_eq!(
            zones[0].file.as_deref(),
            Some(Path::new("/etc/globe/example.zone"))
        );
        assert!(zones[0].allow_transfer[0].contains("192.0.2.9".parse().expect("ip")));
        assert!(config.rrl().is_some());
    }
}
