//! Data-driven zone file tests.
//!
//! Every `test-data/zonefiles/NAME.zone` is parsed and compared with `NAME.expected`, which holds either
//! the records in presentation format, one per line as `Record`'s `Display` prints them, or a single
//! `error: file:line:column: message` line. Lines starting with `;` are comments, and `; origin: NAME`
//! gives the parser an origin. Record fixtures are checked both ways: the expected text is parsed back
//! and must give the same records. `$INCLUDE`d files live in `includes/` and are not fixtures.
//!
//! Set `GLOBE_BLESS=1` to rewrite the `.expected` files from the parser's output (then review the diff).
//!
//! The real root zone is loaded too, from the shared data directory beside the repository.

use globe_dns::presentation::parse_rdata_str;
use globe_dns::zonefile::{Location, ZoneFileError, ZoneFileParser};
use globe_dns::{Name, RData, RType, Record};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/zonefiles")
}

/// Parses a fixture through a file source rooted at the fixtures directory, so that locations read
/// `NAME.zone:line:column`.
fn parse_fixture(
    file: &str,
    origin: Option<Name>,
) -> Result<Vec<(Record, Location)>, ZoneFileError> {
    let dir = fixtures_dir();
    ZoneFileParser::with_source(move |path: &Path| std::fs::read(dir.join(path)))
        .with_origin(origin)
        .parse_file_located(Path::new(file))
}

/// What a `.expected` file says.
struct Expected {
    /// Its comment lines, kept when blessing.
    header: Vec<String>,
    origin: Option<Name>,
    /// Record lines, or the error line without `error: `.
    outcome: Result<Vec<String>, String>,
}

fn read_expected(text: &str) -> Expected {
    let mut header = Vec::new();
    let mut origin = None;
    let mut records = Vec::new();
    let mut error = None;
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix(';') {
            if let Some(name) = comment.trim().strip_prefix("origin:") {
                origin = Some(name.trim().parse().expect("valid origin"));
            }
            header.push(line.to_string());
        } else if let Some(message) = line.strip_prefix("error: ") {
            error = Some(message.to_string());
        } else if !line.is_empty() {
            records.push(line.to_string());
        }
    }
    Expected {
        header,
        origin,
        outcome: error.map_or(Ok(records), Err),
    }
}

/// Checks one fixture; returns a description of what differs.
fn check_fixture(stem: &str, bless: bool) -> Result<(), String> {
    let expected_path = fixtures_dir().join(format!("{stem}.expected"));
    let expected = match std::fs::read_to_string(&expected_path) {
        Ok(text) => read_expected(&text),
        Err(_) if bless => read_expected(""),
        Err(error) => return Err(format!("{}: {error}", expected_path.display())),
    };
    let file = format!("{stem}.zone");
    let actual = parse_fixture(&file, expected.origin.clone())
        .map(|records| {
            records
                .iter()
                .map(|(record, _)| record.to_string())
                .collect::<Vec<_>>()
        })
        .map_err(|error| error.to_string());
    if bless {
        let mut text = expected.header.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        match &actual {
            Ok(lines) => lines.iter().for_each(|line| {
                let _ = writeln!(text, "{line}");
            }),
            Err(message) => {
                let _ = writeln!(text, "error: {message}");
            }
        }
        std::fs::write(&expected_path, text).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if actual != expected.outcome {
        return Err(format!(
            "{file}:\n  expected {:#?}\n  got {:#?}",
            expected.outcome, actual
        ));
    }
    if let Ok(lines) = &expected.outcome {
        check_round_trip(&file, &expected_path, lines)?;
    }
    Ok(())
}

/// text → records → text → records: the expected text parses to the records the zone gave, and each
/// record's data survives presentation format and wire format on its own.
fn check_round_trip(file: &str, expected_path: &Path, lines: &[String]) -> Result<(), String> {
    let records: Vec<Record> = parse_fixture(file, read_expected_origin(expected_path))
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(record, _)| record)
        .collect();
    let text = lines.join("\n");
    let reparsed = ZoneFileParser::new()
        .parse_bytes(text.as_bytes(), "expected")
        .map_err(|e| format!("{file}: expected text does not parse: {e}"))?;
    if reparsed != records {
        return Err(format!("{file}: the expected text parses to other records"));
    }
    for record in &records {
        let rtype = record.rtype();
        let shown = record.data.to_string();
        let data = parse_rdata_str(rtype, &shown, None)
            .map_err(|e| format!("{file}: {rtype} {shown}: {e}"))?;
        if data != record.data {
            return Err(format!("{file}: {rtype} {shown} parses to other data"));
        }
        let wire = RData::from_bytes(rtype, &record.data.to_wire())
            .map_err(|e| format!("{file}: {record}: wire: {e}"))?;
        if wire != record.data {
            return Err(format!("{file}: {record}: wire round trip differs"));
        }
    }
    Ok(())
}

fn read_expected_origin(path: &Path) -> Option<Name> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| read_expected(&text).origin)
}

#[test]
fn fixtures_parse_as_expected() {
    let bless = std::env::var_os("GLOBE_BLESS").is_some();
    let mut stems: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".zone").map(str::to_string)
        })
        .collect();
    stems.sort();
    assert!(stems.len() >= 30, "fixtures missing: {stems:?}");
    let failures: Vec<String> = stems
        .iter()
        .filter_map(|stem| check_fixture(stem, bless).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        stems.len(),
        failures.join("\n")
    );
}

#[test]
fn record_fixtures_cover_every_type() {
    let mut seen = std::collections::BTreeSet::new();
    for stem in ["types", "syntax"] {
        for (record, _) in parse_fixture(&format!("{stem}.zone"), None).expect("parses") {
            seen.insert(record.rtype());
        }
    }
    let wanted = [
        RType::A,
        RType::AAAA,
        RType::NS,
        RType::CNAME,
        RType::DNAME,
        RType::PTR,
        RType::SOA,
        RType::MX,
        RType::TXT,
        RType::SRV,
        RType::NAPTR,
        RType::CAA,
        RType::SVCB,
        RType::HTTPS,
        RType::DS,
        RType::DNSKEY,
        RType::RRSIG,
        RType::NSEC,
        RType::NSEC3,
        RType::NSEC3PARAM,
        RType::ZONEMD,
        RType::HINFO,
        RType(65280),
    ];
    for rtype in wanted {
        assert!(seen.contains(&rtype), "no {rtype} record in the fixtures");
    }
}

fn root_zone_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dns/root.zone")
}

#[test]
fn root_zone_loads_and_prints_back_line_for_line() {
    let path = root_zone_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared must be beside the project)",
            path.display()
        )
    });
    let records = ZoneFileParser::new()
        .parse_file_located(&path)
        .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(records.len(), lines.len());

    // Counts by type, from the parser and from the text's fourth field (what `awk '{print $4}'` sees).
    let mut parsed: BTreeMap<String, usize> = BTreeMap::new();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for ((record, _), line) in records.iter().zip(&lines) {
        *parsed.entry(record.rtype().to_string()).or_default() += 1;
        let field = line.split_whitespace().nth(3).expect("four fields");
        *counted.entry(field.to_string()).or_default() += 1;
    }
    eprintln!("root zone records by type: {parsed:?}");
    assert_eq!(parsed, counted);
    assert_eq!(parsed.get("SOA"), Some(&1));
    assert!(parsed.get("NS").is_some_and(|&n| n > 1000));

    for (i, ((record, location), line)) in records.iter().zip(&lines).enumerate() {
        // Each record is on its own line, and prints as that line up to blanks.
        assert_eq!(location.line as usize, i + 1);
        let shown = record.to_string();
        assert_eq!(
            shown.split_whitespace().collect::<Vec<_>>(),
            line.split_whitespace().collect::<Vec<_>>(),
            "line {}",
            i + 1
        );
        // And its data reads back from its presentation form.
        let rtype = record.rtype();
        let data = parse_rdata_str(rtype, &record.data.to_string(), Some(&Name::root()))
            .unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        assert_eq!(data, record.data, "line {}", i + 1);
    }

    // A few records checked against what grep finds in the text.
    let soa = lines
        .iter()
        .find(|l| l.contains("\tSOA") || l.contains(" SOA\t"));
    let soa_fields: Vec<&str> = soa.expect("an SOA line").split_whitespace().collect();
    let RData::Soa(parsed_soa) = &records[0].0.data else {
        panic!("the first record is the SOA")
    };
    assert_eq!(parsed_soa.serial.to_string(), soa_fields[6]);
    assert_eq!(parsed_soa.mname.to_string(), soa_fields[4]);
    let ns_of = |owner: &str| -> Vec<String> {
        let owner: Name = owner.parse().expect("valid name");
        records
            .iter()
            .filter(|(r, _)| r.name == owner && r.rtype() == RType::NS)
            .map(|(r, _)| r.data.to_string())
            .collect()
    };
    let grep_ns = |owner: &str| -> Vec<String> {
        lines
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f[0] == owner && f[3] == "NS")
            .map(|f| f[4].to_string())
            .collect()
    };
    for owner in [".", "com.", "org.", "arpa."] {
        assert_eq!(ns_of(owner), grep_ns(owner), "{owner}");
        assert!(!ns_of(owner).is_empty(), "{owner}");
    }
}

#[test]
fn root_zone_records_round_trip_through_text() {
    let path = root_zone_path();
    assert!(
        path.exists(),
        "{} is not there (../shared must be beside the project)",
        path.display()
    );
    let records = ZoneFileParser::new()
        .parse_file(&path)
        .unwrap_or_else(|e| panic!("{e}"));
    // The whole zone printed by `Display` parses back to the same records.
    let mut text = String::new();
    for record in &records {
        let _ = writeln!(text, "{record}");
    }
    let again = ZoneFileParser::new()
        .parse_bytes(text.as_bytes(), "printed root zone")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, records);
}
