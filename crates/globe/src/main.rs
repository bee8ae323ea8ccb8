//! The `globe` binary: clap subcommands that call the library crates, nothing more.
#![forbid(unsafe_code)]

mod auth;
mod bgp;
mod dig;
mod node;
mod resolver;
mod sim;
mod zone;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// globe: anycast DNS and BGP, from one authoritative server to the whole internet.
#[derive(Parser)]
#[command(name = "globe", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Authoritative DNS server (and `reload`, `status` for a running one).
    Auth(auth::AuthArgs),
    /// Zone file tools.
    Zone(zone::ZoneArgs),
    /// DNS lookups with dig's arguments and output, and `+trace` from the root hints.
    Dig(dig::DigArgs),
    /// Caching recursive resolver that iterates from the root.
    Resolver(resolver::ResolverArgs),
    /// BGP speaker (and `show`, `refresh` for a running one).
    Bgp(bgp::BgpArgs),
    /// One anycast PoP: `globe auth` and the BGP speaker, the announcement gated by the DNS health.
    Node(node::NodeArgs),
    /// Internet-scale simulation on a CAIDA AS graph: catchments, what-ifs, hijacks, leaks, sweeps.
    Sim(sim::SimArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GLOBE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Auth(args) => auth::run(args),
        Command::Zone(args) => zone::run(args),
        Command::Dig(args) => dig::run(args),
        Command::Resolver(args) => resolver::run(args),
        Command::Bgp(args) => bgp::run(args),
        Command::Node(args) => node::run(args),
        Command::Sim(args) => sim::run(args),
    }
}
