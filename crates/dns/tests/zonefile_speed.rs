//! Load speed of the zone file parser on a 1,000,000-name zone of A records, with NSD's
//! `nsd-checkzone` as the anchor when it is installed.
//!
//! Ignored by default; run it in release mode:
//! `cargo test --release -p globe-dns --test zonefile_speed -- --ignored --nocapture`

use globe_dns::zonefile::ZoneFileParser;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const NAMES: usize = 1_000_000;
/// The load time the parser must stay under for this zone, in release mode.
const BUDGET: Duration = Duration::from_secs(2);

fn zone_text() -> String {
    let mut text = String::with_capacity(NAMES * 40);
    text.push_str(
        "$ORIGIN example.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 3600\n",
    );
    text.push_str("@ IN NS ns1\nns1 IN A 192.0.2.1\n");
    for i in 0..NAMES {
        let _ = writeln!(
            text,
            "host{i} 3600 IN A 10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        );
    }
    text
}

/// The best of three runs.
fn best_of_three(mut run: impl FnMut() -> Duration) -> Duration {
    (0..3).map(|_| run()).min().unwrap_or_default()
}

#[test]
#[ignore = "a benchmark; run with --release --ignored"]
fn million_names_load_fast() {
    let text = zone_text();
    let path = std::env::temp_dir().join(format!("globe-speed-{}.zone", std::process::id()));
    std::fs::write(&path, &text).expect("temporary zone file");

    let mut count = 0;
    let globe = best_of_three(|| {
        let start = Instant::now();
        let records = ZoneFileParser::new()
            .parse_file(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        count = records.len();
        let elapsed = start.elapsed();
        drop(records);
        elapsed
    });
    assert_eq!(count, NAMES + 3);
    let rate = count as f64 / globe.as_secs_f64();
    println!(
        "globe: {count} records loaded into a Vec in {:.3} s ({:.2} M records/s)",
        globe.as_secs_f64(),
        rate / 1e6
    );

    let streamed = best_of_three(|| {
        let start = Instant::now();
        let mut n = 0usize;
        ZoneFileParser::new()
            .read_bytes(text.as_bytes(), "memory", |_, _| n += 1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, count);
        start.elapsed()
    });
    println!(
        "globe: {count} records streamed from memory in {:.3} s ({:.2} M records/s)",
        streamed.as_secs_f64(),
        count as f64 / streamed.as_secs_f64() / 1e6
    );

    if let Some(nsd) = nsd_checkzone(&path) {
        println!(
            "nsd-checkzone: {:.3} s; globe takes {:.2}x NSD's time",
            nsd.as_secs_f64(),
            globe.as_secs_f64() / nsd.as_secs_f64()
        );
    } else {
        println!("nsd-checkzone not found: no anchor in this run");
    }
    let _ = std::fs::remove_file(&path);
    if !cfg!(debug_assertions) {
        assert!(globe < BUDGET, "{globe:?} is over the {BUDGET:?} budget");
    }
}

/// Times `nsd-checkzone` on the same file, if it is installed and accepts it.
fn nsd_checkzone(path: &Path) -> Option<Duration> {
    let mut ok = true;
    let time = best_of_three(|| {
        let start = Instant::now();
        let status = Command::new("nsd-checkzone")
            .arg("example.")
            .arg(path)
            .output();
        ok &= status.is_ok_and(|out| out.status.success());
        start.elapsed()
    });
    ok.then_some(time)
}
