//! `globe zone check`: what named-checkzone checks, with file:line for each problem — syntax (from the
//! zone file reader), exactly one SOA and some NS at the apex, CNAME beside other data, data outside the
//! zone, delegations and apex NS names inside the zone without address records (missing glue), and data
//! hidden below a zone cut or a DNAME (a warning).

use globe_dns::zonefile::{Location, ZoneFileParser};
use globe_dns::{Name, RData, RType, Record};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The zone would be rejected.
    Error,
    /// The zone loads, but probably not as meant.
    Warning,
}

/// One problem and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// `file:line` (and column when known).
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {label}: {}", self.location, self.message)
    }
}

/// What checking one file found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The zone's origin, when it could be determined.
    pub origin: Option<Name>,
    /// The SOA serial (0 if none).
    pub serial: u32,
    /// Records read.
    pub records: usize,
    /// Problems, in file order.
    pub problems: Vec<Problem>,
}

impl Report {
    /// The origin for messages.
    pub fn origin_text(&self) -> String {
        self.origin
            .as_ref()
            .map_or("?".to_string(), Name::to_string)
    }
}

/// Reads and checks one zone file.
pub fn check_file(path: &Path, origin: Option<Name>) -> Report {
    let mut report = Report::default();
    let records = match ZoneFileParser::new()
        .with_origin(origin.clone())
        .parse_file_located(path)
    {
        Ok(records) => records,
        Err(error) => {
            report.problems.push(Problem {
                severity: Severity::Error,
                location: format!("{}:{}:{}", error.file, error.line, error.column),
                message: error.kind.to_string(),
            });
            return report;
        }
    };
    report.records = records.len();
    check_records(&records, origin, path, &mut report);
    report
}

fn at(location: &Location) -> String {
    format!("{}:{}", location.file, location.line)
}

/// Checks records read from a zone file (with where each was) against the zone rules.
pub fn check_records(
    records: &[(Record, Location)],
    origin: Option<Name>,
    path: &Path,
    report: &mut Report,
) {
    let soas: Vec<&(Record, Location)> = records
        .iter()
        .filter(|(r, _)| r.rtype() == RType::SOA)
        .collect();
    let origin = match origin.or_else(|| soas.first().map(|(r, _)| r.name.clone())) {
        Some(origin) => origin.to_lowercase(),
        None => {
            report.problems.push(Problem {
                severity: Severity::Error,
                location: format!("{}:1", path.display()),
                message: "no SOA record, so no zone origin".to_string(),
            });
            return;
        }
    };
    report.origin = Some(origin.clone());
    let mut error = |location: String, message: String| {
        report.problems.push(Problem {
            severity: Severity::Error,
            location,
            message,
        });
    };
    let file_start = format!("{}:1", path.display());
    let apex_soas: Vec<_> = soas
        .iter()
        .filter(|(r, _)| r.name.to_lowercase() == origin)
        .collect();
    match apex_soas.len() {
        0 => error(
            file_start.clone(),
            format!("no SOA record at the apex {origin}"),
        ),
        1 => {}
        _ => error(
            at(&apex_soas[1].1),
            "more than one SOA record at the apex".to_string(),
        ),
    }
    for (record, location) in &soas {
        if record.name.to_lowercase() != origin {
            error(
                at(location),
                format!("SOA record at {} is not at the apex {origin}", record.name),
            );
        }
    }
    if let Some((record, _)) = apex_soas.first() {
        if let RData::Soa(soa) = &record.data {
            report.serial = soa.serial;
        }
    }

    // Index: owner → types, and where each owner/type first appears.
    let mut types: HashMap<Name, HashSet<RType>> = HashMap::new();
    let mut first_seen: HashMap<(Name, RType), &Location> = HashMap::new();
    for (record, location) in records {
        let owner = record.name.to_lowercase();
        if !owner.is_subdomain_of(&origin) {
            error(
                at(location),
                format!("{} is outside the zone {origin}", record.name),
            );
            continue;
        }
        types
            .entry(owner.clone())
            .or_default()
            .insert(record.rtype());
        first_seen
            .entry((owner, record.rtype()))
            .or_insert(location);
    }
    if !types.get(&origin).is_some_and(|t| t.contains(&RType::NS)) {
        error(file_start, format!("no NS records at the apex {origin}"));
    }
    // CNAME and other data (RFC 1034 §3.6.2; RRSIG and NSEC may sit beside it, RFC 4035 §2.5).
    let mut cname_owners: Vec<&Name> = types
        .iter()
        .filter(|(_, t)| {
            t.contains(&RType::CNAME)
                && t.iter()
                    .any(|x| ![RType::CNAME, RType::RRSIG, RType::NSEC].contains(x))
        })
        .map(|(owner, _)| owner)
        .collect();
    cname_owners.sort();
    for owner in cname_owners {
        if let Some(location) = first_seen.get(&(owner.clone(), RType::CNAME)) {
            error(at(location), format!("{owner} has a CNAME and other data"));
        }
    }
    let mut cname_counts: HashMap<&Name, usize> = HashMap::new();
    for (record, location) in records {
        if record.rtype() == RType::CNAME {
            let count = cname_counts.entry(&record.name).or_default();
            *count += 1;
            if *count == 2 {
                error(
                    at(location),
                    format!("{} has more than one CNAME", record.name),
                );
            }
        }
    }
    // Zone cuts (NS below the apex) and DNAMEs hide what is below them.
    let cuts: HashSet<&Name> = types
        .iter()
        .filter(|(owner, t)| **owner != origin && t.contains(&RType::NS))
        .map(|(owner, _)| owner)
        .collect();
    let dnames: HashSet<&Name> = types
        .iter()
        .filter(|(_, t)| t.contains(&RType::DNAME))
        .map(|(o, _)| o)
        .collect();
    let below = |owner: &Name, set: &HashSet<&Name>, strict: bool| -> Option<Name> {
        let mut name = if strict {
            owner.parent()?
        } else {
            owner.clone()
        };
        while name.is_subdomain_of(&origin) && name != origin {
            if set.contains(&name) {
                return Some(name);
            }
            name = name.parent()?;
        }
        None
    };
    // Missing glue: an NS target inside the zone with no address records.
    let mut reported_glue = HashSet::new();
    for (record, location) in records {
        let RData::Ns(target) = &record.data else {
            continue;
        };
        let target = target.to_lowercase();
        if !target.is_subdomain_of(&origin) {
            continue;
        }
        let owner = record.name.to_lowercase();
        let has_address = types
            .get(&target)
            .is_some_and(|t| t.contains(&RType::A) || t.contains(&RType::AAAA));
        if !has_address && reported_glue.insert((owner.clone(), target.clone())) {
            let what = if owner == origin {
                "apex NS"
            } else {
                "delegation"
            };
            error(
                at(location),
                format!(
                    "{what} {owner} NS {target}: no A or AAAA record for {target} (missing glue)"
                ),
            );
        }
    }
    let mut warnings = Vec::new();
    for (record, location) in records {
        let owner = record.name.to_lowercase();
        let is_glue = matches!(record.rtype(), RType::A | RType::AAAA);
        if let Some(cut) = below(&owner, &cuts, true) {
            if !is_glue {
                warnings.push(Problem {
                    severity: Severity::Warning,
                    location: at(location),
                    message: format!(
                        "{} {} is below the zone cut at {cut} and will not be served",
                        record.name,
                        record.rtype()
                    ),
                });
            }
        } else if let Some(dname) = below(&owner, &dnames, true) {
            warnings.push(Problem {
                severity: Severity::Warning,
                location: at(location),
                message: format!(
                    "{} is below the DNAME at {dname} and will not be served",
                    record.name
                ),
            });
        }
    }
    report.problems.extend(warnings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(text: &str) -> Report {
        let dir =
            std::env::temp_dir().join(format!("globe-check-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("zone");
        std::fs::write(&path, text).expect("write");
        let report = check_file(&path, None);
        let _ = std::fs::remove_dir_all(&dir);
        report
    }

    #[test]
    fn a_good_zone_has_no_errors() {
        let report = check_text(
            "$ORIGIN example.\n$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nsub NS ns.sub\nns.sub A 192.0.2.2\n",
        );
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.serial, 1);
    }

    #[test]
    fn finds_each_problem_with_its_line() {
        let report = check_text(concat!(
            "$ORIGIN example.\n$TTL 60\n",
            "@ SOA ns hostmaster 1 2 3 4 5\n", // 3
            "@ NS ns\n",                       // 4: missing glue for ns
            "www CNAME @\n",                   // 5
            "www A 192.0.2.1\n",               // 6
            "other.test. A 192.0.2.9\n",       // 7: out of zone
            "sub NS ns.sub\n",                 // 8: missing glue
        ));
        let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        let has = |needle: &str| text.iter().any(|t| t.contains(needle));
        assert!(has(":4: error: apex NS"), "{text:?}");
        assert!(
            has(":5: error: www.example. has a CNAME and other data"),
            "{text:?}"
        );
        assert!(
            has(":7: error: other.test. is outside the zone"),
            "{text:?}"
        );
        assert!(has(":8: error: delegation sub.example."), "{text:?}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let report =
            check_text("$ORIGIN example.\n@ 60 SOA ns hostmaster 1 2 3 4 5\n@ 60 A 192.0.2.300\n");
        assert_eq!(report.problems.len(), 1);
        assert!(
            report.problems[0].location.ends_with(":3:8"),
            "{}",
            report.problems[0]
        );
    }
}
