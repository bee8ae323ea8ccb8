//! BGP wire vectors as data, checked both ways (STYLE.md principle 5).
//!
//! `test-data/wire/*.txt` hold messages written field by field from the RFC layouts by
//! `test-data/wire/generate.py` (independently of globe's encoder; the script documents the format), each
//! with the structure globe must decode: the `{:#?}` rendering of the `DecodedMessage`, or the error and
//! the NOTIFICATION it maps to. For every vector the test decodes the hex and compares the rendering with
//! the expectation; for a `canonical: yes` vector it then encodes the decoded message and compares with
//! the hex. The rendering shows every field of every type (all `Debug` impls print all fields), so the
//! two checks together mean the expectation encodes to the bytes.
//!
//! `BGP_BLESS=1 cargo test -p globe-bgp --test wire_vectors` writes the current rendering into the files;
//! a blessed expectation must be read against the hex comments by a person before it is committed.

use globe_bgp::wire::{DecodeOptions, Message};
use std::fs;
use std::path::{Path, PathBuf};

struct Vector {
    path: PathBuf,
    options: DecodeOptions,
    canonical: bool,
    bytes: Vec<u8>,
    header: String,
    expect: String,
}

fn parse_vector(path: &Path) -> Vector {
    let text = fs::read_to_string(path).expect("readable vector");
    let (head, expect) = text.split_once("\nexpect:\n").expect("an expect: section");
    let mut options = DecodeOptions::default();
    let mut canonical = None;
    let mut bytes = Vec::new();
    let mut in_hex = false;
    for line in head.lines() {
        if let Some(flags) = line.strip_prefix("options: ") {
            for flag in flags.split_whitespace() {
                match flag {
                    "four-octet-asn" => options.four_octet_asn = true,
                    "extended-message" => options.extended_message = true,
                    "-" => {}
                    other => panic!("{}: unknown option {other}", path.display()),
                }
            }
        } else if let Some(value) = line.strip_prefix("canonical: ") {
            canonical = Some(value == "yes");
        } else if line == "hex:" {
            in_hex = true;
        } else if in_hex {
            let hex: String = line
                .split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            assert!(
                hex.len().is_multiple_of(2),
                "{}: odd hex in {line:?}",
                path.display()
            );
            for index in (0..hex.len()).step_by(2) {
                bytes.push(u8::from_str_radix(&hex[index..index + 2], 16).expect("hex digits"));
            }
        }
    }
    Vector {
        path: path.to_path_buf(),
        options,
        canonical: canonical.expect("a canonical: line"),
        bytes,
        header: head.to_string(),
        expect: expect
            .lines()
            .map(|line| line.strip_prefix("  ").unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn load_vectors() -> Vec<Vector> {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-data/wire");
    let mut paths: Vec<PathBuf> = fs::read_dir(&directory)
        .expect("test-data/wire exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|path| parse_vector(path)).collect()
}

/// The `{:#?}` rendering with runs of numbers (byte vectors) on one line, followed by what the helper
/// methods derive from the message, so the vectors check those too.
fn render(vector: &Vector) -> String {
    let decoded = match Message::decode(&vector.bytes, &vector.options) {
        Ok(decoded) => decoded,
        Err(error) => return format!("error: {error:?}\nnotification: {:?}", error.notification()),
    };
    let mut out = collapse_numbers(&format!("{decoded:#?}"));
    match &decoded.message {
        Message::Update(update) => {
            let announced: Vec<String> = update
                .announced()
                .map(|prefix| prefix.to_string())
                .collect();
            let withdrawals: Vec<String> = update
                .withdrawals()
                .map(|prefix| prefix.to_string())
                .collect();
            out += &format!("\naction: {:?}", decoded.action());
            out += &format!("\nannounced: {}", announced.join(" "));
            out += &format!("\nwithdrawals: {}", withdrawals.join(" "));
            out += &format!("\nend of RIB: {:?}", update.end_of_rib());
            if let Some((path, aggregator)) = update.reconstructed_as_path() {
                out += &format!("\nreconstructed AS path: {path}; aggregator {aggregator:?}");
            }
        }
        Message::Open(open) => {
            out += &format!(
                "\nAS: {}; extended message: {}",
                open.asn(),
                open.extended_message()
            );
        }
        Message::Notification(notification) => {
            out += &format!(
                "\nshutdown communication: {:?}",
                notification.shutdown_communication()
            );
        }
        _ => {}
    }
    out
}

fn collapse_numbers(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut numbers: Option<Vec<String>> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(run) = numbers.as_mut() {
            if let Some(number) = trimmed
                .strip_suffix(',')
                .filter(|n| n.parse::<u64>().is_ok())
            {
                run.push(number.to_string());
                continue;
            }
            if run.is_empty() && !trimmed.starts_with(']') {
                numbers = None;
                out.push(line.to_string());
                if trimmed.ends_with('[') {
                    numbers = Some(Vec::new());
                }
                continue;
            }
            let open = out.pop().unwrap_or_default();
            let close = trimmed.trim_start_matches(']');
            out.push(format!("{open}{}]{close}", run.join(", ")));
            numbers = None;
            if trimmed.starts_with(']') {
                continue;
            }
        }
        out.push(line.to_string());
        if trimmed.ends_with('[') {
            numbers = Some(Vec::new());
        }
    }
    out.join("\n")
}

#[test]
fn vectors_decode_to_their_expectation_and_encode_back() {
    let vectors = load_vectors();
    assert!(vectors.len() >= 25, "only {} vectors", vectors.len());
    let bless = std::env::var_os("BGP_BLESS").is_some();
    let mut failures = Vec::new();
    for vector in &vectors {
        let rendered = render(vector);
        if bless {
            let indented: Vec<String> = rendered.lines().map(|line| format!("  {line}")).collect();
            fs::write(
                &vector.path,
                format!("{}\nexpect:\n{}\n", vector.header, indented.join("\n")),
            )
            .expect("writable");
            continue;
        }
        if rendered != vector.expect {
            failures.push(format!(
                "{}: decodes to\n{rendered}\nexpected\n{}",
                vector.path.display(),
                vector.expect
            ));
            continue;
        }
        if vector.canonical {
            let decoded =
                Message::decode(&vector.bytes, &vector.options).expect("canonical vectors decode");
            assert!(
                decoded.attribute_errors.is_empty(),
                "{}: canonical with errors",
                vector.path.display()
            );
            let encoded = decoded.message.to_bytes(&vector.options).expect("encodes");
            if encoded != vector.bytes {
                failures.push(format!(
                    "{}: encodes to\n{encoded:02x?}\nexpected\n{:02x?}",
                    vector.path.display(),
                    vector.bytes
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
