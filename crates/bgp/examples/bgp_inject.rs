//! A fast full-table BGP injector for `bench/bgp-fulltable`: builds a synthetic IPv4 table from the
//! real 2002 RIB, pre-encodes every UPDATE in memory, then opens one or more eBGP sessions to the
//! daemon under test and writes the bytes as fast as the socket takes them.
//!
//! The table: the prefixes of the peer with the most routes in a `TABLE_DUMP` file (by default
//! `../shared/data/mrt/bview.20020722.2337.gz`, 112,986 routes of peer 193.203.0.1), replicated until
//! `--routes` distinct prefixes exist. Replica `k` moves each prefix's first octet `k × 25` places along
//! the list of unicast first octets (1–223 without 127) and keeps its length, so the prefix-length mix is
//! the real one; a prefix that lands on one already taken is skipped. Each route carries the real
//! attributes of its 2002 route (ORIGIN, AS_PATH, MED, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES; no
//! LOCAL_PREF, NEXT_HOP = the session's own address), with the AS path cut to at most 7 ASes (the first
//! 6 and the origin) and the injector's AS prepended: 2–8 hops. In replica `k > 0` the origin AS becomes
//! `origin + k × 100000` (a 4-octet AS), so each replica brings attribute sets of its own as a real
//! table's distinct networks do (about 5.6 prefixes per attribute set, as in 2002); `--same-paths` keeps
//! the 2002 origins instead (≈ 50 prefixes per set).
//!
//! UPDATEs: routes are grouped by attribute set (groups in order of first appearance, prefixes in table
//! order) and packed by `globe_bgp::pack::announcements` as full as 4096 bytes allow; then End-of-RIB.
//!
//! Several sessions (`--sessions N`): session `i` connects from `--source` + i with AS `--local-as` + i
//! and router ID `--router-id` + i and sends the same prefixes; prefix `j` gets the attributes of base
//! route `j + i × ⌊base/10⌋ + i` (mod the base table), so every session has different, still real, paths
//! with the same grouping statistics.
//!
//! Protocol on stdout, one line each, flushed (times are Unix seconds with microseconds, for the
//! orchestrator to compare with its own clock):
//!   `info …`                     statistics about the table and the encoding
//!   `ready routes=R updates=U bytes=B sessions=S`   everything is encoded
//!   `established t=T`            every session is Established (sending starts now)
//!   `sent t=T`                   every session has written all its UPDATEs and End-of-RIB
//!   `error …`                    something failed (then exit status 1)
//! With `--wait-go` it waits for a line `go` on stdin before connecting. After sending it keeps the
//! sessions up (KEEPALIVEs every hold time / 3) until stdin is closed, then sends a Cease NOTIFICATION
//! (Administrative Shutdown) on each and exits; SIGTERM just ends it.
//!
//! `cargo build --release -p globe-bgp --example bgp_inject`, then e.g.
//! `target/release/examples/bgp_inject --connect 127.0.0.1:179 --source 127.0.0.2 --local-as 65001`
//! (`--stats-only` builds the table, prints the statistics and exits).

use globe_bgp::mrt::{MrtReader, RecordBody};
use globe_bgp::pack::{self, NextHops};
use globe_bgp::wire::header::frame_length;
use globe_bgp::wire::{
    AsPath, AsPathSegment, AttributeValue, Capability, CeaseSubcode, DecodeOptions, Message, Open,
    PathAttribute, SegmentType,
};
use globe_bgp::{AddressFamily, Prefix};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::exit;
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Places along the list of first octets that each replica moves a prefix.
const REPLICA_STEP: usize = 25;
/// Added to the origin AS per replica.
const REPLICA_ASN_STEP: u32 = 100_000;
/// At most this many ASes from the real path (the injector's own AS comes on top).
const MAX_REAL_HOPS: usize = 7;

struct Options {
    mrt: String,
    routes: usize,
    sessions: usize,
    connect: SocketAddr,
    source: Option<Ipv4Addr>,
    next_hop: Option<Ipv4Addr>,
    local_as: u32,
    router_id: Ipv4Addr,
    hold_time: u16,
    same_paths: bool,
    wait_go: bool,
    stats_only: bool,
    connect_timeout: Duration,
}

fn usage() -> ! {
    eprintln!(
        "usage: bgp_inject [--mrt FILE.gz] [--routes N] [--sessions N] [--connect ADDR:PORT] \
         [--source ADDR] [--next-hop ADDR] [--local-as ASN] [--router-id ADDR] [--hold-time S] \
         [--same-paths] [--wait-go] [--stats-only] [--connect-timeout S]"
    );
    exit(2)
}

fn parse_options() -> Options {
    let default_mrt = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mrt/bview.20020722.2337.gz"
    );
    let mut options = Options {
        mrt: default_mrt.to_string(),
        routes: 1_000_000,
        sessions: 1,
        connect: SocketAddr::from(([127, 0, 0, 1], 179)),
        source: None,
        next_hop: None,
        local_as: 65001,
        router_id: Ipv4Addr::new(198, 18, 255, 1),
        hold_time: 180,
        same_paths: false,
        wait_go: false,
        stats_only: false,
        connect_timeout: Duration::from_secs(60),
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let mut value = || arguments.next().unwrap_or_else(|| usage());
        fn parsed<T: std::str::FromStr>(text: String) -> T {
            text.parse().unwrap_or_else(|_| usage())
        }
        match flag.as_str() {
            "--mrt" => options.mrt = value(),
            "--routes" => options.routes = parsed(value()),
            "--sessions" => options.sessions = parsed(value()),
            "--connect" => options.connect = parsed(value()),
            "--source" => options.source = Some(parsed(value())),
            "--next-hop" => options.next_hop = Some(parsed(value())),
            "--local-as" => options.local_as = parsed(value()),
            "--router-id" => options.router_id = parsed(value()),
            "--hold-time" => options.hold_time = parsed(value()),
            "--connect-timeout" => {
                options.connect_timeout = Duration::from_secs_f64(parsed(value()))
            }
            "--same-paths" => options.same_paths = true,
            "--wait-go" => options.wait_go = true,
            "--stats-only" => options.stats_only = true,
            _ => usage(),
        }
    }
    if options.sessions == 0 || options.routes == 0 {
        usage();
    }
    if options.sessions > 1 && options.source.is_none() {
        fail("--sessions above 1 needs --source (each session binds its own address)");
    }
    options
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fail(message: &str) -> ! {
    say(&format!("error {message}"));
    eprintln!("bgp_inject: {message}");
    exit(1)
}

fn add(address: Ipv4Addr, offset: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(address).wrapping_add(offset as u32))
}

// ---------------------------------------------------------------------------------------------------
// The table.

/// The 2002 routes: prefix and index of its attribute set.
struct BaseTable {
    routes: Vec<(Ipv4Addr, u8, u32)>,
    sets: Vec<Vec<PathAttribute>>,
}

fn read_base_table(path: &str) -> BaseTable {
    let compressed = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut data = Vec::new();
    if let Err(e) = flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut data) {
        fail(&format!("{path}: {e}"));
    }
    // The peer with the most routes is the full-table one.
    let mut per_peer: HashMap<IpAddr, usize> = HashMap::new();
    for record in MrtReader::new(&data).flatten() {
        if let RecordBody::TableDump(dump) = record.body {
            *per_peer.entry(dump.peer_address).or_default() += 1;
        }
    }
    let Some((&peer, _)) = per_peer.iter().max_by_key(|(_, count)| **count) else {
        fail(&format!("{path}: no TABLE_DUMP records"));
    };
    let mut interned: HashMap<Vec<PathAttribute>, u32> = HashMap::new();
    let mut sets = Vec::new();
    let mut routes = Vec::new();
    let mut seen = HashSet::new();
    for record in MrtReader::new(&data).flatten() {
        let RecordBody::TableDump(dump) = record.body else {
            continue;
        };
        let IpAddr::V4(address) = dump.prefix.address() else {
            continue;
        };
        if dump.peer_address != peer || !seen.insert((address, dump.prefix.length())) {
            continue;
        }
        let Ok(decoded) = dump.decode_attributes() else {
            continue;
        };
        let Some(attributes) = base_attributes(&decoded.attributes) else {
            continue;
        };
        let next = sets.len() as u32;
        let set = *interned.entry(attributes.clone()).or_insert_with(|| {
            sets.push(attributes);
            next
        });
        routes.push((address, dump.prefix.length(), set));
    }
    say(&format!(
        "info base table: {path}, peer {peer}: {} routes, {} attribute sets",
        routes.len(),
        sets.len()
    ));
    BaseTable { routes, sets }
}

/// The attributes worth keeping from a received eBGP route, AS path cut to `MAX_REAL_HOPS`; `None`
/// without an AS path.
fn base_attributes(received: &[PathAttribute]) -> Option<Vec<PathAttribute>> {
    let mut out = Vec::new();
    let mut has_path = false;
    for attribute in received {
        match &attribute.value {
            AttributeValue::Origin(_)
            | AttributeValue::MultiExitDisc(_)
            | AttributeValue::AtomicAggregate
            | AttributeValue::Aggregator(_)
            | AttributeValue::Communities(_) => {
                out.push(PathAttribute::new(attribute.value.clone()))
            }
            AttributeValue::AsPath(path) => {
                has_path = true;
                out.push(PathAttribute::new(AttributeValue::AsPath(cut_path(path))));
            }
            _ => {}
        }
    }
    has_path.then_some(out)
}

fn cut_path(path: &AsPath) -> AsPath {
    if path.path_length() <= MAX_REAL_HOPS {
        return path.clone();
    }
    let sequence: Vec<u32> = path
        .segments
        .iter()
        .filter(|segment| segment.kind == SegmentType::Sequence)
        .flat_map(|segment| segment.asns.iter().copied())
        .collect();
    let mut asns: Vec<u32> = sequence.iter().take(MAX_REAL_HOPS - 1).copied().collect();
    asns.extend(sequence.last());
    AsPath::from_sequence(asns)
}

/// The first octets a replica may use: unicast, not 0 or 127.
fn first_octets() -> Vec<u8> {
    (1..=223u8).filter(|&octet| octet != 127).collect()
}

/// `routes` distinct prefixes: (address, length, base route index, replica).
fn replicate(base: &BaseTable, routes: usize) -> Vec<(Ipv4Addr, u8, u32, u32)> {
    let octets = first_octets();
    let position: HashMap<u8, usize> = octets.iter().enumerate().map(|(i, &o)| (o, i)).collect();
    let mut seen: HashSet<(u32, u8)> = HashSet::with_capacity(routes);
    let mut out = Vec::with_capacity(routes);
    let mut replica = 0usize;
    while out.len() < routes {
        if replica > octets.len() * 4 {
            fail(&format!(
                "could not make {routes} distinct prefixes (got {})",
                out.len()
            ));
        }
        for (index, &(address, length, _)) in base.routes.iter().enumerate() {
            if out.len() == routes {
                break;
            }
            let [first, b, c, d] = address.octets();
            let Some(&at) = position.get(&first) else {
                continue;
            };
            let moved = octets[(at + replica * REPLICA_STEP) % octets.len()];
            let address = Ipv4Addr::new(moved, b, c, d);
            if seen.insert((u32::from(address), length)) {
                out.push((address, length, index as u32, replica as u32));
            }
        }
        replica += 1;
    }
    out
}

/// The attributes of one group: the base set, origin moved for the replica, our AS in front.
fn group_attributes(base: &[PathAttribute], replica: u32, local_as: u32) -> Vec<PathAttribute> {
    base.iter()
        .map(|attribute| match &attribute.value {
            AttributeValue::AsPath(path) => {
                let mut path = path.clone();
                if replica > 0 {
                    move_origin(&mut path, replica.wrapping_mul(REPLICA_ASN_STEP));
                }
                match path.segments.first_mut() {
                    Some(first)
                        if first.kind == SegmentType::Sequence && first.asns.len() < 255 =>
                    {
                        first.asns.insert(0, local_as)
                    }
                    _ => path.segments.insert(
                        0,
                        AsPathSegment {
                            kind: SegmentType::Sequence,
                            asns: vec![local_as],
                        },
                    ),
                }
                PathAttribute::new(AttributeValue::AsPath(path))
            }
            _ => attribute.clone(),
        })
        .collect()
}

fn move_origin(path: &mut AsPath, offset: u32) {
    let Some(last) = path.segments.last() else {
        return;
    };
    let moved: Vec<u32> = if last.kind == SegmentType::Sequence {
        last.asns.last().copied().into_iter().collect()
    } else {
        last.asns.clone()
    };
    for segment in &mut path.segments {
        for asn in &mut segment.asns {
            if moved.contains(asn) {
                *asn = asn.wrapping_add(offset);
            }
        }
    }
}

struct Encoded {
    bytes: Vec<u8>,
    updates: usize,
    groups: usize,
}

/// Session `session`'s UPDATEs, End-of-RIB last.
fn encode_session(
    base: &BaseTable,
    table: &[(Ipv4Addr, u8, u32, u32)],
    session: usize,
    local_as: u32,
    next_hop: Ipv4Addr,
    same_paths: bool,
    histogram: Option<&mut BTreeMap<usize, usize>>,
) -> Encoded {
    let count = base.routes.len();
    let shift = if session == 0 {
        0
    } else {
        (session * (count / 10) + session) % count
    };
    let mut group_of: HashMap<(u32, u32), usize> = HashMap::new();
    let mut groups: Vec<((u32, u32), Vec<Prefix>)> = Vec::new();
    for &(address, length, index, replica) in table {
        let source = (index as usize + shift) % count;
        let set = base.routes[source].2;
        let key = (set, if same_paths { 0 } else { replica });
        let next = groups.len();
        let at = *group_of.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            next
        });
        match Prefix::new(IpAddr::V4(address), length) {
            Ok(prefix) => groups[at].1.push(prefix),
            Err(e) => fail(&format!("{address}/{length}: {e:?}")),
        }
    }
    let options = DecodeOptions::FOUR_OCTET;
    let next_hops = NextHops {
        ipv4: Some(next_hop),
        ipv6: None,
    };
    let mut bytes = Vec::new();
    let mut updates = 0;
    let mut hops = BTreeMap::new();
    for ((set, replica), prefixes) in &groups {
        let attributes = group_attributes(&base.sets[*set as usize], *replica, local_as);
        for attribute in &attributes {
            if let AttributeValue::AsPath(path) = &attribute.value {
                *hops.entry(path.path_length()).or_insert(0usize) += prefixes.len();
            }
        }
        let (messages, errors) = pack::announcements(&attributes, &next_hops, prefixes, &options);
        if let Some(error) = errors.first() {
            fail(&format!("packing an UPDATE: {error:?}"));
        }
        updates += messages.len();
        for message in messages {
            bytes.extend_from_slice(&message);
        }
    }
    let end = Message::Update(pack::end_of_rib(AddressFamily::IPV4_UNICAST));
    if let Err(e) = end.encode(&options, &mut bytes) {
        fail(&format!("End-of-RIB: {e:?}"));
    }
    if let Some(histogram) = histogram {
        *histogram = hops;
    }
    Encoded {
        bytes,
        updates,
        groups: groups.len(),
    }
}

fn print_statistics(table: &[(Ipv4Addr, u8, u32, u32)], hops: &BTreeMap<usize, usize>) {
    let mut lengths: BTreeMap<u8, usize> = BTreeMap::new();
    for &(_, length, _, _) in table {
        *lengths.entry(length).or_default() += 1;
    }
    let total = table.len() as f64;
    let mix: Vec<String> = lengths
        .iter()
        .filter(|(_, &count)| count as f64 / total >= 0.005)
        .map(|(length, count)| format!("/{length} {:.1}%", *count as f64 * 100.0 / total))
        .collect();
    say(&format!(
        "info prefix lengths (≥0.5%): {} ({} lengths in all)",
        mix.join(", "),
        lengths.len()
    ));
    let paths: Vec<String> = hops
        .iter()
        .map(|(length, count)| format!("{length}: {:.1}%", *count as f64 * 100.0 / total))
        .collect();
    say(&format!(
        "info AS path hops (session 0, with the injector's AS): {}",
        paths.join(", ")
    ));
}

// ---------------------------------------------------------------------------------------------------
// Sessions.

/// Reads whole messages from a stream.
struct MessageReader {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl MessageReader {
    fn next(&mut self, options: &DecodeOptions) -> Result<Message, String> {
        loop {
            match frame_length(&self.buffer, options) {
                Err(e) => return Err(format!("bad message header: {e:?}")),
                Ok(Some(length)) if self.buffer.len() >= length => {
                    let decoded = Message::decode(&self.buffer[..length], options)
                        .map_err(|e| format!("bad message: {e:?}"));
                    self.buffer.drain(..length);
                    return decoded.map(|decoded| decoded.message);
                }
                Ok(_) => {}
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("the peer closed the connection".to_string()),
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading: {e}")),
            }
        }
    }
}

fn connect(options: &Options, source: Option<Ipv4Addr>) -> Result<TcpStream, String> {
    let deadline = Instant::now() + options.connect_timeout;
    loop {
        let attempt = (|| -> std::io::Result<TcpStream> {
            let socket = socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::STREAM,
                Some(socket2::Protocol::TCP),
            )?;
            if let Some(source) = source {
                socket.bind(&SocketAddr::from((source, 0)).into())?;
            }
            socket.connect(&options.connect.into())?;
            Ok(socket.into())
        })();
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(format!("connecting to {}: {e}", options.connect)),
        }
    }
}

fn describe(message: &Message) -> String {
    match message {
        Message::Notification(notification) => format!(
            "NOTIFICATION {:?} ({}/{}){}",
            notification.code,
            notification.code.code(),
            notification.code.subcode(),
            notification
                .shutdown_communication()
                .and_then(Result::ok)
                .map(|text| format!(": {text}"))
                .unwrap_or_default()
        ),
        other => format!("unexpected {:?}", other.message_type()),
    }
}

/// Connects, exchanges OPENs and KEEPALIVEs; returns the writer, the reader and the keepalive interval.
fn establish(
    options: &Options,
    session: usize,
) -> Result<(TcpStream, MessageReader, Option<Duration>), String> {
    let source = options.source.map(|source| add(source, session));
    let local_as = options.local_as + session as u32;
    let stream = connect(options, source)?;
    let _ = stream.set_nodelay(true);
    let mut writer = stream
        .try_clone()
        .map_err(|e| format!("cloning the socket: {e}"))?;
    let mut reader = MessageReader {
        stream,
        buffer: Vec::new(),
    };
    let open = Open::new(
        local_as,
        options.hold_time,
        add(options.router_id, session),
        vec![
            Capability::Multiprotocol(AddressFamily::IPV4_UNICAST),
            Capability::RouteRefresh,
            Capability::FourOctetAsn(local_as),
        ],
    );
    let handshake = DecodeOptions::default();
    let bytes = Message::Open(open)
        .to_bytes(&handshake)
        .map_err(|e| format!("{e:?}"))?;
    writer
        .write_all(&bytes)
        .map_err(|e| format!("sending OPEN: {e}"))?;
    let peer = match reader.next(&handshake)? {
        Message::Open(open) => open,
        other => return Err(format!("expected OPEN, got {}", describe(&other))),
    };
    if peer.four_octet_asn().is_none() {
        return Err("the peer does not support 4-octet AS numbers".to_string());
    }
    let keepalive = Message::Keepalive
        .to_bytes(&handshake)
        .map_err(|e| format!("{e:?}"))?;
    writer
        .write_all(&keepalive)
        .map_err(|e| format!("sending KEEPALIVE: {e}"))?;
    match reader.next(&DecodeOptions::FOUR_OCTET)? {
        Message::Keepalive => {}
        other => return Err(format!("expected KEEPALIVE, got {}", describe(&other))),
    }
    let hold = options.hold_time.min(peer.hold_time);
    let interval = (hold > 0).then(|| Duration::from_secs(u64::from(hold / 3).max(1)));
    Ok((writer, reader, interval))
}

enum Event {
    Established,
    Sent,
    Failed(usize, String),
}

fn run_session(
    options: Arc<Options>,
    session: usize,
    bytes: Arc<Vec<u8>>,
    barrier: Arc<Barrier>,
    events: mpsc::Sender<Event>,
    writers: Arc<Mutex<Vec<Option<TcpStream>>>>,
) {
    let (mut writer, mut reader, interval) = match establish(&options, session) {
        Ok(parts) => parts,
        Err(e) => {
            let _ = events.send(Event::Failed(session, e));
            return;
        }
    };
    let _ = events.send(Event::Established);
    // Drain what the peer sends (KEEPALIVEs); a NOTIFICATION or a closed connection ends the run.
    let failed = events.clone();
    std::thread::spawn(move || loop {
        match reader.next(&DecodeOptions::FOUR_OCTET) {
            Ok(Message::Keepalive | Message::Update(_) | Message::RouteRefresh(_)) => {}
            Ok(other) => {
                let _ = failed.send(Event::Failed(session, describe(&other)));
                return;
            }
            Err(e) => {
                let _ = failed.send(Event::Failed(session, e));
                return;
            }
        }
    });
    barrier.wait();
    if let Err(e) = writer.write_all(&bytes) {
        let _ = events.send(Event::Failed(session, format!("sending UPDATEs: {e}")));
        return;
    }
    let _ = events.send(Event::Sent);
    let keepalive = Message::Keepalive
        .to_bytes(&DecodeOptions::FOUR_OCTET)
        .unwrap_or_default();
    if let Ok(clone) = writer.try_clone() {
        if let Ok(mut writers) = writers.lock() {
            writers[session] = Some(clone);
        }
    }
    let Some(interval) = interval else {
        return;
    };
    loop {
        std::thread::sleep(interval);
        let Ok(_writers) = writers.lock() else {
            return;
        };
        if writer.write_all(&keepalive).is_err() {
            return;
        }
    }
}

fn main() {
    let options = parse_options();
    let started = Instant::now();
    let base = read_base_table(&options.mrt);
    let table = replicate(&base, options.routes);
    let mut encoded = Vec::new();
    let mut hops = BTreeMap::new();
    for session in 0..options.sessions {
        let next_hop = options
            .next_hop
            .map(|hop| add(hop, session))
            .or(options.source.map(|source| add(source, session)))
            .unwrap_or(Ipv4Addr::LOCALHOST);
        encoded.push(encode_session(
            &base,
            &table,
            session,
            options.local_as + session as u32,
            next_hop,
            options.same_paths,
            (session == 0).then_some(&mut hops),
        ));
    }
    print_statistics(&table, &hops);
    let updates: usize = encoded.iter().map(|e| e.updates).sum();
    let bytes: usize = encoded.iter().map(|e| e.bytes.len()).sum();
    let first = &encoded[0];
    say(&format!(
        "info session 0: {} routes in {} attribute groups, {} UPDATEs ({:.1} prefixes per UPDATE), \
         {:.1} MB; built in {:.1} s",
        table.len(),
        first.groups,
        first.updates,
        table.len() as f64 / first.updates.max(1) as f64,
        first.bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    ));
    say(&format!(
        "ready routes={} updates={updates} bytes={bytes} sessions={}",
        table.len(),
        options.sessions
    ));
    if options.stats_only {
        return;
    }
    if options.wait_go {
        loop {
            let mut line = String::new();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => return, // stdin closed before "go": nothing to do
                Ok(_) if line.trim() == "go" => break,
                Ok(_) => {}
            }
        }
    }

    let options = Arc::new(options);
    let sessions = options.sessions;
    let barrier = Arc::new(Barrier::new(sessions));
    let writers = Arc::new(Mutex::new((0..sessions).map(|_| None).collect::<Vec<_>>()));
    let (events, received) = mpsc::channel();
    for (session, encoded) in encoded.into_iter().enumerate() {
        let (options, barrier, events, writers) = (
            options.clone(),
            barrier.clone(),
            events.clone(),
            writers.clone(),
        );
        let bytes = Arc::new(encoded.bytes);
        std::thread::spawn(move || run_session(options, session, bytes, barrier, events, writers));
    }
    drop(events);
    // stdin closing ends the run, from its own thread.
    let (closed_tx, closed) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut line = String::new();
        while matches!(std::io::stdin().read_line(&mut line), Ok(1..)) {
            line.clear();
        }
        let _ = closed_tx.send(());
    });
    let (mut established, mut sent) = (0, 0);
    loop {
        if closed.try_recv().is_ok() {
            break;
        }
        match received.recv_timeout(Duration::from_millis(50)) {
            Ok(Event::Established) => {
                established += 1;
                if established == sessions {
                    say(&format!("established t={:.6}", now()));
                }
            }
            Ok(Event::Sent) => {
                sent += 1;
                if sent == sessions {
                    say(&format!("sent t={:.6}", now()));
                }
            }
            Ok(Event::Failed(session, e)) => fail(&format!("session {session}: {e}")),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // every session thread ended (no keepalives needed): wait for stdin to close
                let _ = closed.recv();
                break;
            }
        }
    }
    // Stop: Cease / Administrative Shutdown on each session we finished sending on.
    let cease =
        globe_bgp::wire::Notification::shutdown(CeaseSubcode::AdministrativeShutdown, "bench done")
            .ok()
            .and_then(|n| {
                Message::Notification(n)
                    .to_bytes(&DecodeOptions::FOUR_OCTET)
                    .ok()
            })
            .unwrap_or_default();
    if let Ok(mut writers) = writers.lock() {
        for writer in writers.iter_mut().flatten() {
            let _ = writer.write_all(&cease);
            let _ = writer.shutdown(std::net::Shutdown::Both);
        }
    }
    exit(0)
}
