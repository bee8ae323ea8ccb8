//! `globe auth`: runs the authoritative server, or talks to a running one (`reload`, `status`).

use clap::{Args, Subcommand};
use globe_auth::answer::AnswerConfig;
use globe_auth::config::FileConfig;
use globe_auth::server::{
    self, ServerConfig, SteeringSource, ZoneConfig, DEFAULT_TCP_IDLE_TIMEOUT,
};
use globe_dns::Name;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The control socket used when none is given.
pub const DEFAULT_CONTROL: &str = "/run/globe/auth.sock";

#[derive(Args, Default)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuthArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// Address to serve on (UDP and TCP); repeat for more.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Vec<SocketAddr>,
    /// Zone file to serve, `FILE` (origin from $ORIGIN/SOA) or `ORIGIN=FILE`; repeat for more.
    #[arg(long, value_name = "FILE")]
    zone: Vec<String>,
    /// The NSID returned to queries that ask (RFC 5001); also answers CHAOS `id.server.`.
    #[arg(long)]
    nsid: Option<String>,
    /// Configuration file (TOML); flags add to it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// UDP worker threads per listen address.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Turn response rate limiting off.
    #[arg(long)]
    no_rrl: bool,
    /// Responses per second per client network and name before limiting.
    #[arg(long, value_name = "N")]
    rrl_rate: Option<u32>,
    /// Serve Prometheus metrics on this address.
    #[arg(long, value_name = "ADDR:PORT")]
    metrics: Option<SocketAddr>,
    /// Control socket path.
    #[arg(long, value_name = "PATH")]
    control: Option<PathBuf>,
    /// This instance's PoP id for geo steering (wins over the file's `pop`).
    #[arg(long, value_name = "ID")]
    pop: Option<String>,
}

#[derive(Subcommand)]
enum Action {
    /// Reload the zones of a running server (previous versions stay on error).
    Reload {
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
    /// Show the zones a running server serves.
    Status {
        /// Control socket path.
        #[arg(long, default_value = DEFAULT_CONTROL)]
        control: PathBuf,
    },
}

pub fn run(args: AuthArgs) -> ExitCode {
    match args.action {
        Some(Action::Reload { ref control }) => return command(control, "reload"),
        Some(Action::Status { ref control }) => return command(control, "status"),
        None => {}
    }
    let config = match build_config(&args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("globe auth: {error}");
            return ExitCode::from(2);
        }
    };
    match server::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("globe auth: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Sends one line to a running server's control socket and prints the reply.
pub fn command(control: &Path, command: &str) -> ExitCode {
    match server::send_command(control, command) {
        Ok(reply) => {
            print!("{reply}");
            if reply.starts_with("ok") {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("globe auth {command}: {}: {error}", control.display());
            ExitCode::FAILURE
        }
    }
}

fn build_config(args: &AuthArgs) -> Result<ServerConfig, String> {
    let (file, base) = match &args.config {
        Some(path) => (
            FileConfig::load(path)?,
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None => (FileConfig::default(), PathBuf::new()),
    };
    let steering_source = args.config.clone().map(|file| SteeringSource {
        file,
        pop: args.pop.clone(),
    });
    server_config(&file, &base, args, steering_source)
}

/// The server's configuration from a file (paths relative to `base`) and the flags, which add to it
/// or win over it. `globe node` passes its `[auth]` table and no flags.
pub fn server_config(
    file: &FileConfig,
    base: &Path,
    args: &AuthArgs,
    steering_source: Option<SteeringSource>,
) -> Result<ServerConfig, String> {
    let base = base.to_path_buf();
    let mut zones = file.zones(&base)?;
    let steering = file.steering(&base, args.pop.as_deref(), None)?;
    if !steering.is_empty() {
        tracing::info!(
            names = steering.rules().count(),
            targets = steering.targets().len(),
            pop = steering.pop().map(|p| p.id.as_str()),
            "geo steering configured"
        );
    }
    for spec in &args.zone {
        let (origin, path) = match spec.split_once('=') {
            Some((origin, path)) if !origin.contains('/') => {
                let origin = Name::parse(origin, Some(&Name::root()))
                    .map_err(|e| format!("--zone {spec}: {e}"))?;
                (Some(origin), PathBuf::from(path))
            }
            _ => (None, PathBuf::from(spec)),
        };
        zones.push(ZoneConfig {
            origin,
            file: Some(path),
            primaries: Vec::new(),
            notify: Vec::new(),
            allow_transfer: Vec::new(),
        });
    }
    if zones.is_empty() {
        return Err("no zones: give --zone FILE or a configuration file with [[zone]]".into());
    }
    let mut listen = file.listen.clone();
    listen.extend(args.listen.iter().copied());
    if listen.is_empty() {
        listen.push(SocketAddr::from(([127, 0, 0, 1], 53)));
    }
    let nsid = args.nsid.clone().or(file.nsid.clone());
    let identity = file.identity.clone().or(nsid.clone()).or_else(hostname);
    let answer = AnswerConfig {
        nsid: nsid.map(String::into_bytes),
        identity: identity.map(String::into_bytes),
        ..AnswerConfig::default()
    };
    let mut rrl = if args.no_rrl { None } else { file.rrl() };
    if let (Some(rrl), Some(rate)) = (rrl.as_mut(), args.rrl_rate) {
        rrl.responses_per_second = rate;
    }
    let control = args.control.clone().or(file.control.clone()).or_else(|| {
        let default = PathBuf::from(DEFAULT_CONTROL);
        default
            .parent()
            .and_then(|dir| std::fs::create_dir_all(dir).ok())
            .map(|_| default)
    });
    Ok(ServerConfig {
        listen,
        zones,
        answer,
        rrl,
        udp_threads: args.threads.or(file.udp_threads).unwrap_or(1),
        metrics: args.metrics.or(file.metrics),
        control,
        tcp_idle_timeout: file
            .tcp_idle_timeout
            .map_or(DEFAULT_TCP_IDLE_TIMEOUT, Duration::from_secs),
        steering: Arc::new(steering),
        steering_source,
        health_state_file: file.health_state_file(&base),
    })
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
}
