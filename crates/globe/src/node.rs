//! `globe node --config pop.toml`: one anycast PoP in one process — the authoritative server
//! (`[auth]`, the `globe auth` file format) and the BGP speaker (`[bgp]`, the `globe bgp` format) —
//! with the announcement of the anycast prefix gated by the local DNS server's in-process health
//! (`condition = { kind = "local" }`) or any other condition. `globe node dns stop|start|health`
//! talks to a running node's DNS control socket. See docs/design/node.md.

use crate::auth::{self, AuthArgs};
use clap::{Args, Subcommand};
use globe_auth::config::FileConfig;
use globe_auth::server::Server;
use globe_speaker::announce::{Announcer, LocalHealth};
use globe_speaker::{Config, RunOptions, Speaker};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NodeArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// The PoP's configuration (TOML with `[auth]` and `[bgp]`); see docs/design/node.md.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Never install routes in the kernel FIB, whatever `[bgp.fib]` says.
    #[arg(long)]
    no_fib: bool,
    /// Check the configuration and exit.
    #[arg(long)]
    check: bool,
}

#[derive(Subcommand)]
enum Action {
    /// Stop, start or ask about a running node's DNS service; `local` conditions follow it.
    Dns {
        /// `stop` (queries go unanswered), `start`, or `health`.
        #[arg(value_parser = ["stop", "start", "health"])]
        what: String,
        /// The node's DNS control socket (`[auth] control`).
        #[arg(long, default_value = auth::DEFAULT_CONTROL)]
        control: PathBuf,
    },
}

/// The top level of the file: only these two tables (each is checked by its own parser).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    #[allow(dead_code)]
    auth: IgnoredAny,
    #[allow(dead_code)]
    bgp: IgnoredAny,
}

pub fn run(args: NodeArgs) -> ExitCode {
    if let Some(Action::Dns { what, control }) = &args.action {
        return auth::command(control, &format!("dns {what}"));
    }
    let Some(path) = args.config.clone() else {
        eprintln!("globe node: --config FILE is required");
        return ExitCode::from(2);
    };
    let (server_config, bgp) = match load(&path) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("globe node: {error}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        println!(
            "ok: {} zones, {} neighbors, {} originated prefixes",
            server_config.zones.len(),
            bgp.neighbor.len(),
            bgp.originate.len()
        );
        return ExitCode::SUCCESS;
    }
    let options = RunOptions {
        no_fib: args.no_fib,
    };
    crate::bgp::run_daemon("globe node", serve(server_config, bgp, options))
}

/// Reads the file: `[auth]` as `globe auth --config` would (paths relative to the file), `[bgp]` as
/// `globe bgp --config` would; errors carry file:line:column.
fn load(path: &Path) -> Result<(globe_auth::server::ServerConfig, Config), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    globe_auth::config::parse_toml::<NodeFile>(&text, path)?;
    let auth_file = FileConfig::parse_node_section(&text, path)?;
    let bgp = Config::parse_node_section(&text, path)?;
    let base = path.parent().unwrap_or(Path::new(""));
    let server_config = auth::server_config(&auth_file, base, &AuthArgs::default(), None)?;
    Ok((server_config, bgp))
}

/// Runs the PoP until SIGTERM or SIGINT (SIGHUP reloads the zones), then: stop the conditions,
/// withdraw every originated prefix and wait until the UPDATEs are written, Cease, and only then
/// stop answering DNS.
async fn serve(
    server_config: globe_auth::server::ServerConfig,
    bgp: Config,
    options: RunOptions,
) -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        return Err("cannot install signal handlers".to_string());
    };
    let server = Arc::new(Server::start(server_config).map_err(|e| e.to_string())?);
    let speaker = Speaker::start(bgp.clone(), options).await?;
    let local: LocalHealth = Arc::new(server.health_probe());
    let mut announcer = Announcer::start(&bgp, speaker.router(), Some(local))?;
    tracing::info!(conditions = announcer.len(), "globe node running");
    loop {
        tokio::select! {
            _ = terminate.recv() => { tracing::info!("SIGTERM: withdrawing, then stopping"); break }
            _ = interrupt.recv() => { tracing::info!("SIGINT: withdrawing, then stopping"); break }
            _ = hangup.recv() => {
                let server = server.clone();
                let errors = tokio::task::spawn_blocking(move || server.reload()).await.unwrap_or_default();
                tracing::info!(errors = errors.len(), "reloaded on SIGHUP");
            }
        }
    }
    announcer.stop();
    speaker.shutdown().await;
    match Arc::try_unwrap(server) {
        Ok(server) => server.stop(),
        Err(server) => server.set_serving(false),
    }
    tracing::info!("globe node stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_loads() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/node/pop.toml"
        ));
        let (server, bgp) = load(path).expect("example loads");
        assert_eq!(server.zones.len(), 1);
        assert_eq!(server.answer.nsid.as_deref(), Some(&b"pop1"[..]));
        assert!(bgp.originate[0].condition.is_some());
    }

    #[test]
    fn errors_carry_file_line_and_column() {
        let dir = std::env::temp_dir().join(format!("globe-node-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("pop.toml");
        for (text, prefix) in [
            ("[auth]\n[bgp]\nrouter_id = \"192.0.2.1\"\nasn = 1\n[extra]\n", "pop.toml:5:"),
            ("[auth]\nbogus = 1\n[bgp]\nrouter_id = \"192.0.2.1\"\nasn = 1\n", "pop.toml:2:"),
            (
                "[auth]\n[bgp]\nrouter_id = \"192.0.2.1\"\nasn = 1\n[[bgp.originate]]\nprefix = \"192.0.2.0/24\"\ncondition = { kind = \"dns\" }\n",
                "pop.toml:7:13:",
            ),
        ] {
            std::fs::write(&path, text).expect("write");
            let error = load(&path).expect_err("an error");
            assert!(error.contains(prefix), "{text}: {error}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
