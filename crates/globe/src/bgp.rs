//! `globe bgp`: runs the BGP speaker (`--config FILE`), or asks a running one over its control socket
//! (`show neighbors`, `show routes [PREFIX]`, `show route PREFIX detail`, `refresh ADDRESS`).

use clap::{Args, Subcommand};
use globe_speaker::{control, Config, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// The control socket used when neither the flag nor the configuration names one.
pub const DEFAULT_CONTROL: &str = "/run/globe/bgp.sock";

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BgpArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// Configuration file (TOML); see docs/design/speaker.md.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Never install routes in the kernel FIB, whatever `[fib]` says.
    #[arg(long)]
    no_fib: bool,
    /// Control socket path (overrides the file's `control`).
    #[arg(long, value_name = "PATH")]
    control: Option<PathBuf>,
    /// Check the configuration and exit.
    #[arg(long)]
    check: bool,
}

#[derive(Subcommand)]
enum Action {
    /// Ask a running speaker.
    Show {
        #[command(subcommand)]
        what: Show,
        /// Control socket path.
        #[arg(long, global = true, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
        /// JSON instead of a text table.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Announce a configured `[[originate]]` prefix (undoes `withdraw` and `prepend`).
    Announce {
        /// The prefix.
        prefix: String,
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
    /// Withdraw a configured `[[originate]]` prefix from every neighbour.
    Withdraw {
        /// The prefix.
        prefix: String,
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
    /// Announce a configured prefix with our AS prepended COUNT extra times (drain).
    Prepend {
        /// The prefix.
        prefix: String,
        /// Extra copies of our AS.
        count: u8,
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
    /// Send a neighbour a ROUTE-REFRESH (RFC 2918).
    Refresh {
        /// The neighbour's address.
        neighbor: String,
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
}

#[derive(Subcommand)]
enum Show {
    /// Every neighbour: state, uptime, prefixes received, accepted and advertised, last error.
    Neighbors,
    /// Best routes; with PREFIX, the longest match.
    Routes {
        /// A prefix or an address.
        prefix: Option<String>,
    },
    /// Every candidate route for PREFIX, pre- and post-policy, which is best and why.
    Route {
        /// A prefix or an address.
        prefix: String,
        /// Must be `detail`.
        #[arg(value_parser = ["detail"])]
        detail: String,
    },
}

pub fn run(args: BgpArgs) -> ExitCode {
    match args.action {
        Some(Action::Show {
            what,
            control,
            json,
        }) => {
            let mut command = match what {
                Show::Neighbors => "show neighbors".to_string(),
                Show::Routes { prefix: None } => "show routes".to_string(),
                Show::Routes {
                    prefix: Some(prefix),
                } => format!("show routes {prefix}"),
                Show::Route { prefix, .. } => format!("show route {prefix} detail"),
            };
            if json {
                command.push_str(" json");
            }
            return ask(&control, &command);
        }
        Some(Action::Announce { prefix, control }) => {
            return ask(&control, &format!("announce {prefix}"))
        }
        Some(Action::Withdraw { prefix, control }) => {
            return ask(&control, &format!("withdraw {prefix}"))
        }
        Some(Action::Prepend {
            prefix,
            count,
            control,
        }) => return ask(&control, &format!("prepend {prefix} {count}")),
        Some(Action::Refresh { neighbor, control }) => {
            return ask(&control, &format!("refresh {neighbor}"))
        }
        None => {}
    }
    let Some(path) = args.config else {
        eprintln!("globe bgp: --config FILE is required");
        return ExitCode::from(2);
    };
    let mut config = match Config::load(&path) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("globe bgp: {error}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        println!(
            "ok: {} neighbors, {} originated prefixes",
            config.neighbor.len(),
            config.originate.len()
        );
        return ExitCode::SUCCESS;
    }
    if let Some(control) = args.control {
        config.control = Some(control);
    }
    let options = RunOptions {
        no_fib: args.no_fib,
    };
    run_daemon("globe bgp", globe_speaker::run(config, options))
}

/// Runs a daemon's future on a two-worker tokio runtime (shared by `globe bgp` and `globe node`):
/// success, or `NAME: error` on standard error and failure.
pub fn run_daemon<E: std::fmt::Display>(
    name: &str,
    daemon: impl std::future::Future<Output = Result<(), E>>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(daemon) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn ask(control: &std::path::Path, command: &str) -> ExitCode {
    match control::send_command(control, command) {
        Ok(reply) => {
            print!("{reply}");
            if reply.starts_with("error") {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("globe bgp: {}: {error}", control.display());
            ExitCode::FAILURE
        }
    }
}
