//! `globe zone`: zone file tools.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ZoneArgs {
    #[command(subcommand)]
    action: ZoneAction,
}

#[derive(Subcommand)]
enum ZoneAction {
    /// Check zone files like named-checkzone: syntax, SOA/NS at the apex, CNAME and other data,
    /// out-of-zone data, missing glue. Exit status 1 on any error.
    Check {
        /// Origin for files that have no $ORIGIN (applies to all files given).
        #[arg(long)]
        origin: Option<String>,
        /// The zone files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(args: ZoneArgs) -> ExitCode {
    match args.action {
        ZoneAction::Check { origin, files } => check(origin.as_deref(), &files),
    }
}

fn check(origin: Option<&str>, files: &[PathBuf]) -> ExitCode {
    let origin = match origin
        .map(|o| globe_dns::Name::parse(o, Some(&globe_dns::Name::root())))
        .transpose()
    {
        Ok(origin) => origin,
        Err(error) => {
            eprintln!("globe zone check: --origin: {error}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for file in files {
        let report = globe_auth::check::check_file(file, origin.clone());
        for problem in &report.problems {
            println!("{problem}");
        }
        if report.problems.iter().any(|p| p.is_error()) {
            failed = true;
        } else {
            println!(
                "{}: zone {} loaded serial {} ({} records): OK",
                file.display(),
                report.origin_text(),
                report.serial,
                report.records
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
