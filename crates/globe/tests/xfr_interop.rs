//! Zone transfers against real peers on loopback: Knot as a primary of globe, NSD as a secondary of
//! globe, globe as both, and the transfer access list. Every server runs as a child process on
//! 127.0.0.1 with random high ports and a folder of its own under /tmp; a guard stops each by PID when
//! the test ends, failed or not, and prints its log if the test failed.
//!
//! The binaries: `globe` is the one Cargo builds for this package (`CARGO_BIN_EXE_globe`); `knotd`,
//! `knotc` and `nsd` come from the PATH (Debian `knot` and `nsd`, installed by scripts/test-all.sh).
//! Every wait polls with a deadline.

use globe_auth::server::{fetch, query_soa, FetchError};
use globe_auth::xfr::{Request, Transfer};
use globe_dns::{
    Class, Header, Message, MessageBuilder, Name, Question, RType, Rcode, Record, Writer,
};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The zone every test transfers.
const ORIGIN: &str = "example.test.";
/// How long any one wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------

/// Knot is the primary, globe the secondary: globe's first transfer is an AXFR whose records are
/// exactly Knot's; after the zone changes on Knot, Knot's NOTIFY makes globe transfer the change by
/// IXFR, and globe serves the new data.
#[test]
fn knot_primary_globe_secondary_axfr_then_ixfr_on_notify() {
    let runtime = runtime();
    let dir = TempDir::new("knot-primary");
    let knot_port = free_port();
    let globe_port = free_port();
    let metrics_port = free_port();
    let knot_address = loopback(knot_port);
    let globe_address = loopback(globe_port);

    std::fs::write(dir.join("example.test.zone"), zone_text(1, Version::First)).expect("write");
    let knot_conf = dir.join("knot.conf");
    std::fs::write(&knot_conf, knot_config(&dir, knot_port, globe_port)).expect("write");
    let knot = Daemon::start(
        "knotd",
        Command::new("knotd").arg("-c").arg(&knot_conf),
        &dir.join("knot.log"),
    );
    wait_for_serial(&runtime, knot_address, 1, "Knot");

    let globe_conf = dir.join("globe.toml");
    std::fs::write(
        &globe_conf,
        format!(
            "listen = [\"{globe_address}\"]\ncontrol = \"{}\"\nmetrics = \"127.0.0.1:{metrics_port}\"\n\
             [rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"secondary.zone\"\nprimaries = [\"{knot_address}\"]\n\
             allow_transfer = [\"127.0.0.1\"]\n",
            dir.join("globe.sock").display()
        ),
    )
    .expect("write");
    let globe = Daemon::globe(&globe_conf, &dir.join("globe.log"));
    wait_for_serial(&runtime, globe_address, 1, "globe");

    // The first transfer: every record as Knot has it.
    assert_same_zone(&runtime, knot_address, globe_address);
    assert_eq!(
        metric(metrics_port, "globe_auth_transfers_in_total{form=\"axfr\"}"),
        1
    );

    // Change the zone on Knot; Knot diffs the file (zonefile-load: difference) and sends NOTIFY.
    std::fs::write(dir.join("example.test.zone"), zone_text(2, Version::Second)).expect("write");
    let reloaded = Command::new("knotc")
        .arg("-c")
        .arg(&knot_conf)
        .args(["zone-reload", "example.test."])
        .output()
        .expect("knotc runs");
    assert!(reloaded.status.success(), "knotc zone-reload: {reloaded:?}");
    wait_for_serial(&runtime, knot_address, 2, "Knot");
    wait_for_serial(&runtime, globe_address, 2, "globe");

    // By IXFR, after a NOTIFY: globe's counters and Knot's log both say so.
    assert_eq!(
        metric(metrics_port, "globe_auth_transfers_in_total{form=\"ixfr\"}"),
        1
    );
    assert_eq!(
        metric(metrics_port, "globe_auth_transfers_in_total{form=\"axfr\"}"),
        1
    );
    assert!(metric(metrics_port, "globe_auth_notify_accepted_total") >= 1);
    let knot_log = knot.log();
    assert!(
        knot_log.contains("IXFR, outgoing"),
        "Knot served no IXFR:\n{knot_log}"
    );
    assert!(
        knot_log.contains(&format!(
            "notify, outgoing, remote 127.0.0.1@{globe_port}, serial 2"
        )),
        "Knot sent no NOTIFY for serial 2:\n{knot_log}"
    );
    let globe_log = globe.log();
    assert!(
        globe_log.contains("transfer installed") && globe_log.contains("form=\"ixfr\""),
        "{globe_log}"
    );

    // The new data is served, the removed data is gone, and the whole zone matches Knot's again.
    assert_eq!(
        query(globe_address, "new.example.test.", RType::A).answers,
        vec![record("new.example.test. 300 IN A 192.0.2.77")]
    );
    assert_eq!(
        query(globe_address, "old.example.test.", RType::A).rcode(),
        Rcode::NXDOMAIN
    );
    assert_same_zone(&runtime, knot_address, globe_address);

    // The copy globe keeps in the zone's file is the new version.
    wait_until("globe writes the zone file", || {
        std::fs::read_to_string(dir.join("secondary.zone"))
            .is_ok_and(|t| t.contains("new.example.test."))
    });
    let copy = globe_dns::zonefile::parse_file(&dir.join("secondary.zone"), Some(name(ORIGIN)))
        .expect("the copy parses");
    assert_eq!(sorted(copy), sorted(axfr(&runtime, knot_address)));
}

/// globe is the primary, NSD the secondary: NSD pulls the zone at start-up; after the zone file changes
/// and `globe auth reload`, globe's NOTIFY makes NSD pull the new version, by IXFR from the journal.
#[test]
fn nsd_secondary_of_globe_follows_reload_by_notify() {
    let runtime = runtime();
    let dir = TempDir::new("nsd-secondary");
    let globe_port = free_port();
    let nsd_port = free_port();
    let metrics_port = free_port();
    let globe_address = loopback(globe_port);
    let nsd_address = loopback(nsd_port);

    std::fs::write(dir.join("primary.zone"), zone_text(1, Version::First)).expect("write");
    let control = dir.join("globe.sock");
    let globe_conf = dir.join("globe.toml");
    std::fs::write(
        &globe_conf,
        format!(
            "listen = [\"{globe_address}\"]\ncontrol = \"{}\"\nmetrics = \"127.0.0.1:{metrics_port}\"\n\
             [rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"primary.zone\"\n\
             allow_transfer = [\"127.0.0.1\"]\nnotify = [\"{nsd_address}\"]\n",
            control.display()
        ),
    )
    .expect("write");
    let globe = Daemon::globe(&globe_conf, &dir.join("globe.log"));
    wait_for_serial(&runtime, globe_address, 1, "globe");

    let nsd_conf = dir.join("nsd.conf");
    std::fs::write(&nsd_conf, nsd_config(&dir, nsd_port, globe_port)).expect("write");
    let nsd = Daemon::start(
        "nsd",
        Command::new("nsd").arg("-d").arg("-c").arg(&nsd_conf),
        &dir.join("nsd.stderr"),
    )
    .with_log(dir.join("nsd.log"));
    wait_for_serial(&runtime, nsd_address, 1, "NSD");
    assert_same_zone(&runtime, globe_address, nsd_address);

    // A new version on disk, then `globe auth reload`: globe journals the diff and sends NOTIFY.
    std::fs::write(dir.join("primary.zone"), zone_text(2, Version::Second)).expect("write");
    let reload = Command::new(env!("CARGO_BIN_EXE_globe"))
        .args(["auth", "reload", "--control"])
        .arg(&control)
        .output()
        .expect("globe auth reload runs");
    assert!(reload.status.success(), "globe auth reload: {reload:?}");
    wait_for_serial(&runtime, globe_address, 2, "globe");
    wait_for_serial(&runtime, nsd_address, 2, "NSD");

    assert!(metric(metrics_port, "globe_auth_notify_sent_total") >= 1);
    let incremental = metric(
        metrics_port,
        "globe_auth_transfers_out_total{form=\"ixfr\"}",
    );
    assert_eq!(
        incremental,
        1,
        "NSD should have pulled by IXFR:\n{}",
        globe.log()
    );
    assert_eq!(
        query(nsd_address, "new.example.test.", RType::A).answers,
        vec![record("new.example.test. 300 IN A 192.0.2.77")]
    );
    assert_eq!(
        query(nsd_address, "old.example.test.", RType::A).rcode(),
        Rcode::NXDOMAIN
    );
    drop(nsd);
    drop(globe);
}

/// globe is both primary and secondary: the secondary starts by AXFR, follows two changes by IXFR
/// from the primary's journal, and after a restart with the primary gone serves the copy it kept.
#[test]
fn globe_primary_globe_secondary_ixfr_from_journal() {
    let runtime = runtime();
    let dir = TempDir::new("globe-globe");
    let primary_port = free_port();
    let secondary_port = free_port();
    let primary_metrics = free_port();
    let secondary_metrics = free_port();
    let primary_address = loopback(primary_port);
    let secondary_address = loopback(secondary_port);

    std::fs::write(dir.join("primary.zone"), zone_text(1, Version::First)).expect("write");
    let control = dir.join("primary.sock");
    let primary_conf = dir.join("primary.toml");
    std::fs::write(
        &primary_conf,
        format!(
            "listen = [\"{primary_address}\"]\ncontrol = \"{}\"\nmetrics = \"127.0.0.1:{primary_metrics}\"\n\
             [rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"primary.zone\"\n\
             allow_transfer = [\"127.0.0.1\"]\nnotify = [\"{secondary_address}\"]\n",
            control.display()
        ),
    )
    .expect("write");
    let secondary_conf = dir.join("secondary.toml");
    std::fs::write(
        &secondary_conf,
        format!(
            "listen = [\"{secondary_address}\"]\ncontrol = \"{}\"\nmetrics = \"127.0.0.1:{secondary_metrics}\"\n\
             [rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"secondary.zone\"\nprimaries = [\"{primary_address}\"]\n\
             allow_transfer = [\"127.0.0.1\"]\n",
            dir.join("secondary.sock").display()
        ),
    )
    .expect("write");
    let primary = Daemon::globe(&primary_conf, &dir.join("primary.log"));
    wait_for_serial(&runtime, primary_address, 1, "primary");
    let secondary = Daemon::globe(&secondary_conf, &dir.join("secondary.log"));
    wait_for_serial(&runtime, secondary_address, 1, "secondary");
    assert_same_zone(&runtime, primary_address, secondary_address);

    for (serial, version) in [(2, Version::Second), (3, Version::Third)] {
        std::fs::write(dir.join("primary.zone"), zone_text(serial, version)).expect("write");
        let reload = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(["auth", "reload", "--control"])
            .arg(&control)
            .output()
            .expect("globe auth reload runs");
        assert!(reload.status.success(), "globe auth reload: {reload:?}");
        wait_for_serial(&runtime, secondary_address, serial, "secondary");
        assert_same_zone(&runtime, primary_address, secondary_address);
    }
    assert_eq!(
        metric(
            secondary_metrics,
            "globe_auth_transfers_in_total{form=\"axfr\"}"
        ),
        1
    );
    assert_eq!(
        metric(
            secondary_metrics,
            "globe_auth_transfers_in_total{form=\"ixfr\"}"
        ),
        2
    );
    assert_eq!(
        metric(
            primary_metrics,
            "globe_auth_transfers_out_total{form=\"ixfr\"}"
        ),
        2
    );

    // A client two versions behind gets both difference sequences; a current one the SOA alone.
    let v1 = soa_of(&zone_text(1, Version::First));
    let Transfer::Incremental(diffs) = runtime
        .block_on(fetch(primary_address, &name(ORIGIN), &Request::Ixfr(v1)))
        .expect("IXFR from serial 1")
    else {
        panic!("an incremental transfer");
    };
    assert_eq!(
        diffs
            .iter()
            .map(|d| (d.from_serial(), d.to_serial()))
            .collect::<Vec<_>>(),
        vec![(1, 2), (2, 3)]
    );
    let v3 = soa_of(&zone_text(3, Version::Third));
    assert!(matches!(
        runtime.block_on(fetch(primary_address, &name(ORIGIN), &Request::Ixfr(v3))),
        Ok(Transfer::UpToDate(_))
    ));

    // Without its primary, a restarted secondary serves the copy it wrote.
    let expected = sorted(axfr(&runtime, primary_address));
    wait_until("the secondary writes serial 3", || {
        std::fs::read_to_string(dir.join("secondary.zone")).is_ok_and(|t| t.contains("serial 3,"))
    });
    drop(primary);
    drop(secondary);
    let _restarted = Daemon::globe(&secondary_conf, &dir.join("secondary-restarted.log"));
    wait_for_serial(&runtime, secondary_address, 3, "restarted secondary");
    assert_eq!(sorted(axfr(&runtime, secondary_address)), expected);
}

/// Transfers are refused to addresses outside `allow_transfer`, AXFR and IXFR alike.
#[test]
fn transfer_refused_outside_allow_transfer() {
    let runtime = runtime();
    let dir = TempDir::new("acl");
    let port = free_port();
    let address = loopback(port);
    std::fs::write(dir.join("primary.zone"), zone_text(1, Version::First)).expect("write");
    let conf = dir.join("globe.toml");
    std::fs::write(
        &conf,
        format!(
            "listen = [\"{address}\"]\ncontrol = \"{}\"\n[rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"primary.zone\"\nallow_transfer = [\"192.0.2.0/24\", \"::1\"]\n",
            dir.join("globe.sock").display()
        ),
    )
    .expect("write");
    let _globe = Daemon::globe(&conf, &dir.join("globe.log"));
    wait_for_serial(&runtime, address, 1, "globe");
    let origin = name(ORIGIN);
    let v0 = soa_of(&zone_text(0, Version::First));
    for request in [Request::Axfr, Request::Ixfr(v0)] {
        match runtime.block_on(fetch(address, &origin, &request)) {
            Err(FetchError::Rcode(rcode)) => assert_eq!(rcode, Rcode::REFUSED),
            other => panic!("{:?} should be refused, got {other:?}", request.qtype()),
        }
    }
    // kdig agrees (a second, independent client).
    let kdig = Command::new("kdig")
        .arg("@127.0.0.1")
        .arg("-p")
        .arg(port.to_string())
        .args(["+tcp", "AXFR", ORIGIN])
        .output()
        .expect("kdig runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&kdig.stdout),
        String::from_utf8_lossy(&kdig.stderr)
    );
    assert!(!kdig.status.success(), "kdig: {text}");
    assert!(text.contains("REFUSED"), "kdig: {text}");
}

/// A secondary zone that has never been transferred answers SERVFAIL (as Knot does), not REFUSED, and
/// takes NOTIFY only from its primaries' addresses.
#[test]
fn secondary_without_data_servfails_and_takes_notify_only_from_primaries() {
    let runtime = runtime();
    let dir = TempDir::new("no-data");
    let port = free_port();
    let address = loopback(port);
    // A primary that is not there: nothing listens on this port.
    let nowhere = loopback(free_port());
    let conf = dir.join("globe.toml");
    std::fs::write(
        &conf,
        format!(
            "listen = [\"{address}\"]\ncontrol = \"{}\"\n[rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nprimaries = [\"{nowhere}\"]\n",
            dir.join("globe.sock").display()
        ),
    )
    .expect("write");
    let _globe = Daemon::globe(&conf, &dir.join("globe.log"));
    wait_until("globe answers", || {
        try_query(address, "www.example.test.", RType::A).is_some()
    });
    assert_eq!(
        query(address, "www.example.test.", RType::A).rcode(),
        Rcode::SERVFAIL
    );
    assert!(matches!(
        runtime.block_on(query_soa(address, &name(ORIGIN))),
        Err(FetchError::Rcode(Rcode::SERVFAIL))
    ));
    let status = Command::new(env!("CARGO_BIN_EXE_globe"))
        .args(["auth", "status", "--control"])
        .arg(dir.join("globe.sock"))
        .output()
        .expect("globe auth status runs");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("zone example.test. secondary without data"),
        "{text}"
    );

    // NOTIFY from 127.0.0.1 (the primary's address; the port does not matter) is accepted with AA;
    // from 127.0.0.2 it is refused.
    let soa = soa_of(&zone_text(5, Version::First));
    for (source, rcode) in [
        ("127.0.0.1:0", Rcode::NOERROR),
        ("127.0.0.2:0", Rcode::REFUSED),
    ] {
        let socket = UdpSocket::bind(source).expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        socket
            .send_to(&globe_auth::notify::notify_message(&soa, 77), address)
            .expect("send");
        let mut buffer = [0u8; 512];
        let (len, _) = socket.recv_from(&mut buffer).expect("an answer to NOTIFY");
        let answer = Message::parse(&buffer[..len]).expect("valid");
        assert_eq!(
            (answer.header.id, answer.rcode()),
            (77, rcode),
            "from {source}"
        );
        assert_eq!(answer.header.aa, rcode == Rcode::NOERROR);
    }
}

/// Without NOTIFY, a secondary follows its primary on the SOA REFRESH timer; when the primary is gone
/// for longer than EXPIRE, the zone stops being served (SERVFAIL).
#[test]
fn globe_secondary_refreshes_on_timer_and_expires() {
    let runtime = runtime();
    let dir = TempDir::new("timers");
    let primary_address = loopback(free_port());
    let secondary_address = loopback(free_port());
    let secondary_metrics = free_port();
    // REFRESH 2 s, RETRY 2 s, EXPIRE 5 s: the shortest the secondary honours are 2, 2 and 3.
    let timers = "2 2 5 300";
    std::fs::write(
        dir.join("primary.zone"),
        zone_text_with_timers(1, Version::First, timers),
    )
    .expect("write");
    let control = dir.join("primary.sock");
    let primary_conf = dir.join("primary.toml");
    std::fs::write(
        &primary_conf,
        format!(
            "listen = [\"{primary_address}\"]\ncontrol = \"{}\"\n[rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nfile = \"primary.zone\"\nallow_transfer = [\"127.0.0.1\"]\n",
            control.display()
        ),
    )
    .expect("write");
    let secondary_conf = dir.join("secondary.toml");
    std::fs::write(
        &secondary_conf,
        format!(
            "listen = [\"{secondary_address}\"]\ncontrol = \"{}\"\nmetrics = \"127.0.0.1:{secondary_metrics}\"\n\
             [rrl]\nenabled = false\n\
             [[zone]]\norigin = \"{ORIGIN}\"\nprimaries = [\"{primary_address}\"]\n",
            dir.join("secondary.sock").display()
        ),
    )
    .expect("write");
    let primary = Daemon::globe(&primary_conf, &dir.join("primary.log"));
    wait_for_serial(&runtime, primary_address, 1, "primary");
    let secondary = Daemon::globe(&secondary_conf, &dir.join("secondary.log"));
    wait_for_serial(&runtime, secondary_address, 1, "secondary");

    std::fs::write(
        dir.join("primary.zone"),
        zone_text_with_timers(2, Version::Second, timers),
    )
    .expect("write");
    let reload = Command::new(env!("CARGO_BIN_EXE_globe"))
        .args(["auth", "reload", "--control"])
        .arg(&control)
        .output()
        .expect("globe auth reload runs");
    assert!(reload.status.success(), "globe auth reload: {reload:?}");
    wait_for_serial(&runtime, secondary_address, 2, "secondary");
    assert_eq!(
        metric(secondary_metrics, "globe_auth_notify_accepted_total"),
        0
    );
    assert_eq!(
        metric(
            secondary_metrics,
            "globe_auth_transfers_in_total{form=\"ixfr\"}"
        ),
        1
    );

    drop(primary);
    wait_until("the zone expires", || {
        try_query(secondary_address, "www.example.test.", RType::A)
            .is_some_and(|m| m.rcode() == Rcode::SERVFAIL)
    });
    assert_eq!(
        metric(secondary_metrics, "globe_auth_zones_expired_total"),
        1
    );
    assert!(secondary.log().contains("zone expired"));
}

// ---------------------------------------------------------------------------------------------------
// Zone data
// ---------------------------------------------------------------------------------------------------

/// The versions of the test zone.
#[derive(Clone, Copy)]
enum Version {
    First,
    /// `old` removed, `new` and a TXT added, `www`'s TTL changed.
    Second,
    /// `mail` changes address, an SRV is added.
    Third,
}

/// The test zone with long SOA timers (refresh 1 h, retry 10 min, expire 1 day).
fn zone_text(serial: u32, version: Version) -> String {
    zone_text_with_timers(serial, version, "3600 600 86400 300")
}

/// The test zone with these SOA REFRESH, RETRY, EXPIRE and MINIMUM.
fn zone_text_with_timers(serial: u32, version: Version, timers: &str) -> String {
    let mut text = format!(
        "$ORIGIN {ORIGIN}\n$TTL 300\n\
         @ 3600 IN SOA ns1 hostmaster {serial} {timers}\n\
         @ 3600 IN NS ns1\n@ 3600 IN NS ns2.example.net.\n\
         @ IN MX 10 mail\n@ IN TXT \"v=spf1 -all\"\n\
         ns1 IN A 192.0.2.1\nns1 IN AAAA 2001:db8::1\n\
         sub IN NS ns.sub\nns.sub IN A 192.0.2.53\n\
         alias IN CNAME www\n*.wild IN A 192.0.2.99\n"
    );
    let rest = match version {
        Version::First => {
            "www IN A 192.0.2.10\nwww IN A 192.0.2.11\nold IN A 192.0.2.66\nmail IN A 192.0.2.25\n"
        }
        Version::Second => {
            "www 600 IN A 192.0.2.10\nwww 600 IN A 192.0.2.11\nnew IN A 192.0.2.77\n\
             new IN TXT \"added in 2\"\nmail IN A 192.0.2.25\n"
        }
        Version::Third => {
            "www 600 IN A 192.0.2.10\nwww 600 IN A 192.0.2.11\nnew IN A 192.0.2.77\n\
             new IN TXT \"added in 2\"\nmail IN A 192.0.2.26\n_imap._tcp IN SRV 0 1 143 mail\n"
        }
    };
    text.push_str(rest);
    text
}

fn name(text: &str) -> Name {
    text.parse().expect("a valid name")
}

fn record(text: &str) -> Record {
    let mut records = globe_dns::zonefile::parse_str(text, None, "test").expect("valid record");
    records.remove(0)
}

fn soa_of(zone: &str) -> Record {
    globe_dns::zonefile::parse_str(zone, None, "test")
        .expect("valid zone")
        .into_iter()
        .find(|r| r.rtype() == RType::SOA)
        .expect("an SOA")
}

fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by(|a, b| {
        (a.name.clone(), a.rtype(), a.data.to_wire(), a.ttl).cmp(&(
            b.name.clone(),
            b.rtype(),
            b.data.to_wire(),
            b.ttl,
        ))
    });
    records.dedup();
    records
}

// ---------------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The whole zone by AXFR, with globe's client.
fn axfr(runtime: &tokio::runtime::Runtime, server: SocketAddr) -> Vec<Record> {
    match runtime.block_on(fetch(server, &name(ORIGIN), &Request::Axfr)) {
        Ok(Transfer::Full(records)) => records,
        other => panic!("AXFR from {server}: {other:?}"),
    }
}

/// Both servers hold the same records (compared as sets: RRset order is not significant).
fn assert_same_zone(runtime: &tokio::runtime::Runtime, a: SocketAddr, b: SocketAddr) {
    let (left, right) = (sorted(axfr(runtime, a)), sorted(axfr(runtime, b)));
    assert!(left.len() > 10, "{left:?}");
    if left != right {
        let mut report = String::new();
        for r in left.iter().filter(|r| !right.contains(r)) {
            let _ = writeln!(report, "only at {a}: {r}");
        }
        for r in right.iter().filter(|r| !left.contains(r)) {
            let _ = writeln!(report, "only at {b}: {r}");
        }
        panic!("zones differ:\n{report}");
    }
}

/// Waits until `server` serves serial `serial` for the test zone.
fn wait_for_serial(runtime: &tokio::runtime::Runtime, server: SocketAddr, serial: u32, who: &str) {
    let origin = name(ORIGIN);
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    while Instant::now() < deadline {
        match runtime.block_on(query_soa(server, &origin)) {
            Ok(soa) if soa.serial == serial => return,
            other => last = Some(format!("{other:?}")),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{who} at {server} did not reach serial {serial}; last answer {last:?}");
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting until {what}");
}

fn try_query(server: SocketAddr, qname: &str, qtype: RType) -> Option<Message> {
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    let header = Header {
        id: 0x5eed,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    builder.question(&Question {
        name: name(qname),
        qtype,
        qclass: Class::IN,
    });
    socket.send_to(&builder.finish(), server).ok()?;
    let mut buffer = vec![0u8; 65_535];
    let (len, _) = socket.recv_from(&mut buffer).ok()?;
    Message::parse(buffer.get(..len)?).ok()
}

fn query(server: SocketAddr, qname: &str, qtype: RType) -> Message {
    try_query(server, qname, qtype).unwrap_or_else(|| panic!("no answer from {server} for {qname}"))
}

/// The value of one metric line (name with labels) from globe's Prometheus endpoint.
fn metric(port: u16, series: &str) -> u64 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("metrics endpoint");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("response");
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{body}"))
}

// ---------------------------------------------------------------------------------------------------
// Processes, ports and folders
// ---------------------------------------------------------------------------------------------------

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A port free for both TCP and UDP on 127.0.0.1, from the kernel's ephemeral range.
fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = tcp.local_addr().expect("address").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A folder under /tmp, removed when dropped (kept if `GLOBE_KEEP_TEST_DIRS` is set).
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("globe-xfr-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create the test folder");
        TempDir(path)
    }

    fn join(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("GLOBE_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A child process, stopped by PID (SIGTERM, then SIGKILL) when dropped; its logs are printed if the
/// test is failing.
struct Daemon {
    name: String,
    child: Child,
    logs: Vec<PathBuf>,
}

impl Daemon {
    fn start(name: &str, command: &mut Command, log: &Path) -> Daemon {
        let file = std::fs::File::create(log).expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} (is it installed?): {e}"));
        Daemon {
            name: name.to_string(),
            child,
            logs: vec![log.to_path_buf()],
        }
    }

    fn globe(config: &Path, log: &Path) -> Daemon {
        Daemon::start(
            "globe",
            Command::new(env!("CARGO_BIN_EXE_globe"))
                .args(["auth", "--config"])
                .arg(config)
                .env("GLOBE_LOG", "info,globe_auth=debug"),
            log,
        )
    }

    /// Another log file of the process, to read and to print on failure.
    fn with_log(mut self, log: PathBuf) -> Daemon {
        self.logs.push(log);
        self
    }

    /// The process's logs, without terminal colour sequences.
    fn log(&self) -> String {
        let text: String = self
            .logs
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        let mut plain = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find('\x1b') {
            plain.push_str(&rest[..start]);
            rest = &rest[start..];
            rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
        }
        plain.push_str(rest);
        plain
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- {} log ----\n{}", self.name, self.log());
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Peer configurations
// ---------------------------------------------------------------------------------------------------

/// Knot as the primary: transfers allowed to loopback, NOTIFY to globe, and the zone file diffed on
/// reload (`zonefile-load: difference`) into the journal, so IXFR can be served; Knot never rewrites
/// the file (`zonefile-sync: -1`).
fn knot_config(dir: &Path, port: u16, globe_port: u16) -> String {
    let dir = dir.display();
    format!(
        "server:\n    rundir: \"{dir}\"\n    listen: 127.0.0.1@{port}\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n\
         control:\n    listen: \"{dir}/knot.sock\"\n\
         database:\n    storage: \"{dir}\"\n\
         log:\n  - target: stderr\n    any: info\n\
         remote:\n  - id: globe\n    address: 127.0.0.1@{globe_port}\n\
         acl:\n  - id: loopback\n    address: 127.0.0.1\n    action: transfer\n\
         zone:\n  - domain: {ORIGIN}\n    storage: \"{dir}\"\n    file: \"example.test.zone\"\n\
         \x20   zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n\
         \x20   semantic-checks: off\n    notify: globe\n    acl: loopback\n"
    )
}

/// NSD as a secondary of globe: it requests the zone from globe, accepts NOTIFY from loopback, and
/// allows AXFR to loopback so the test can compare.
fn nsd_config(dir: &Path, port: u16, globe_port: u16) -> String {
    let dir = dir.display();
    format!(
        "server:\n    server-count: 1\n    ip-address: 127.0.0.1@{port}\n    username: \"\"\n    chroot: \"\"\n\
         \x20   zonesdir: \"{dir}\"\n    database: \"\"\n    pidfile: \"{dir}/nsd.pid\"\n\
         \x20   xfrdfile: \"{dir}/xfrd.state\"\n    zonelistfile: \"{dir}/zone.list\"\n\
         \x20   xfrdir: \"{dir}\"\n    logfile: \"{dir}/nsd.log\"\n    verbosity: 2\n\
         \x20   rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n\
         remote-control:\n    control-enable: no\n\
         zone:\n    name: {ORIGIN}\n    zonefile: \"example.test.zone\"\n\
         \x20   request-xfr: 127.0.0.1@{globe_port} NOKEY\n    allow-notify: 127.0.0.1 NOKEY\n\
         \x20   provide-xfr: 127.0.0.1 NOKEY\n"
    )
}
