//! `globe resolver`: command-line flags for the recursive resolver, turned into its server config.

use clap::Args;
use globe_resolver::hints::RootHints;
use globe_resolver::server::{self, ServerConfig};
use globe_resolver::stub::AccessList;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `globe resolver`.
#[derive(Args)]
pub struct ResolverArgs {
    /// Address to serve clients on (UDP and TCP); repeat for several.
    #[arg(long, required = true)]
    listen: Vec<SocketAddr>,
    /// Root hints file (root.hints format); default: the embedded IANA hints.
    #[arg(long, value_name = "FILE")]
    root_hints: Option<PathBuf>,
    /// Networks allowed to query (CIDR); default loopback only. Repeat for several.
    #[arg(long, value_name = "CIDR")]
    allow: Vec<String>,
    /// Send the client's subnet (/24, /56) to authoritative servers and cache by scope (RFC 7871).
    #[arg(long)]
    ecs: bool,
    /// Cache size in MiB (the rendered-answer cache takes a quarter more).
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    cache_size: usize,
    /// Longest TTL kept, in seconds.
    #[arg(long, default_value_t = 86_400, value_name = "SECONDS")]
    max_ttl: u32,
    /// Answer from expired data when authoritative servers fail (RFC 8767).
    #[arg(long)]
    serve_stale: bool,
    /// Randomise the case of query names (0x20) and require it echoed.
    #[arg(long = "case-randomisation")]
    case_randomisation: bool,
    /// Do not minimise query names (RFC 9156 is on by default).
    #[arg(long)]
    no_qname_minimisation: bool,
    /// Port of authoritative servers (53; another for tests on unprivileged ports).
    #[arg(long, default_value_t = 53, value_name = "PORT")]
    upstream_port: u16,
    /// Do not query authoritative servers over IPv6.
    #[arg(short = '4', long = "ipv4-only")]
    ipv4_only: bool,
    /// Serve Prometheus metrics on this address.
    #[arg(long, value_name = "ADDR:PORT")]
    metrics: Option<SocketAddr>,
}

/// Runs `globe resolver`.
pub fn run(args: ResolverArgs) -> ExitCode {
    let mut config = ServerConfig::new(args.listen);
    if let Some(path) = &args.root_hints {
        match RootHints::parse_file(path) {
            Ok(hints) => config.hints = hints,
            Err(error) => {
                eprintln!("globe resolver: {error}");
                return ExitCode::from(2);
            }
        }
    }
    if !args.allow.is_empty() {
        match AccessList::parse(&args.allow) {
            Ok(access) => config.access = access,
            Err(error) => {
                eprintln!("globe resolver: --allow {error}");
                return ExitCode::from(2);
            }
        }
    }
    let bytes = args.cache_size.saturating_mul(1 << 20);
    config.resolver.cache.max_bytes = bytes;
    config.resolver.cache.max_ttl = args.max_ttl;
    config.resolver.cache.serve_stale = args.serve_stale;
    config.resolver.send_client_subnet = args.ecs;
    config.resolver.case_randomisation = args.case_randomisation;
    config.resolver.qname_minimisation = !args.no_qname_minimisation;
    config.resolver.upstream_port = args.upstream_port;
    config.resolver.ipv6 = !args.ipv4_only;
    config.answer_cache_bytes = bytes / 4;
    config.metrics = args.metrics;
    match server::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("globe resolver: {error}");
            ExitCode::FAILURE
        }
    }
}
