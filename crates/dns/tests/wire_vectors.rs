//! Wire vectors as data, checked both ways (STYLE.md principle 5).
//!
//! `test-data/wire/*.txt` hold messages encoded by dnspython (see `test-data/wire/generate.py`, which also
//! documents the format) or written by hand, each with the structure dnspython decoded from the same bytes.
//! For every vector this test decodes the bytes with globe and compares the rendering line by line with
//! the expectation, then encodes the decoded message again: a `canonical: yes` vector must come back byte
//! for byte, a `canonical: no` one must decode to the same message. The rendering shows every field of a
//! message (RDATA is matched exhaustively below, so a new field cannot be left out silently), which makes
//! "decodes to the expectation" and "encodes to the bytes" together a check that the expectation encodes
//! to the bytes.
//!
//! `test-data/malformed/*.hex` hold one broken message each, with a first `#` line saying what is wrong
//! and a `# expect: <WireError variant>` line; each must fail `Message::parse` with that variant.

use globe_dns::edns::{ClientSubnet, Cookie};
use globe_dns::rdata::{Soa, Svcb};
use globe_dns::{EdnsOption, Message, RData, RType, Rcode, Record, TypeBitmap};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[test]
fn vectors_decode_to_their_expectation_and_encode_back() {
    let vectors = load_vectors();
    assert!(vectors.len() >= 20, "only {} wire vectors", vectors.len());
    let mut failures = Vec::new();
    for vector in &vectors {
        if let Err(why) = check_vector(vector) {
            failures.push(format!("{}:\n{why}", vector.path.display()));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn vectors_cover_every_type_and_edns_feature() {
    let mut types = BTreeSet::new();
    let mut features = BTreeSet::new();
    for vector in load_vectors() {
        let message = Message::parse(&vector.bytes).expect("vector decodes");
        for record in message
            .answers
            .iter()
            .chain(&message.authority)
            .chain(&message.additional)
        {
            match &record.data {
                RData::Unknown { .. } => features.insert("unknown type"),
                data => types.insert(data.rtype().to_string()),
            };
        }
        if message.rcode() == Rcode::BADVERS {
            features.insert("BADVERS");
        }
        let Some(edns) = &message.edns else { continue };
        if edns.dnssec_ok {
            features.insert("DO");
        }
        for option in &edns.options {
            features.insert(match option {
                EdnsOption::Nsid(_) => "NSID",
                EdnsOption::ClientSubnet(ClientSubnet {
                    address: IpAddr::V4(_),
                    ..
                }) => "ECS v4",
                EdnsOption::ClientSubnet(_) => "ECS v6",
                EdnsOption::Cookie(_) => "cookie",
                EdnsOption::Unknown { .. } => "unknown option",
            });
        }
    }
    let wanted_types = [
        "A",
        "AAAA",
        "NS",
        "CNAME",
        "DNAME",
        "PTR",
        "SOA",
        "MX",
        "TXT",
        "SRV",
        "NAPTR",
        "CAA",
        "SVCB",
        "HTTPS",
        "DS",
        "DNSKEY",
        "RRSIG",
        "NSEC",
        "NSEC3",
        "NSEC3PARAM",
        "ZONEMD",
    ];
    for wanted in wanted_types {
        assert!(types.contains(wanted), "no vector has a {wanted} record");
    }
    for wanted in [
        "unknown type",
        "BADVERS",
        "DO",
        "NSID",
        "ECS v4",
        "ECS v6",
        "cookie",
        "unknown option",
    ] {
        assert!(features.contains(wanted), "no vector has {wanted}");
    }
}

#[test]
fn malformed_messages_fail_with_the_expected_error() {
    let paths = files(&test_data("malformed"), "hex");
    assert!(paths.len() >= 20, "only {} malformed messages", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let text = fs::read_to_string(path).expect("readable");
        let outcome =
            malformed_case(&text).and_then(|(expected, bytes)| match Message::parse(&bytes) {
                Ok(message) => Err(format!("parsed, expected {expected}: {message:?}")),
                Err(error) if variant_name(&error) == expected => Ok(()),
                Err(error) => Err(format!("failed with {error:?}, expected {expected}")),
            });
        if let Err(why) = outcome {
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn pointer_chains_are_bounded() {
    // Answer 1 holds a chain of pointers in its RDATA, each pointing at the one before and the first at
    // the root owner; answer 2's owner points at the top of the chain.
    let message = |hops: usize| {
        let mut m = vec![0, 1, 0x84, 0, 0, 0, 0, 2, 0, 0, 0, 0];
        m.push(0); // offset 12: the root, answer 1's owner
        m.extend_from_slice(&[0xff, 0, 0, 1, 0, 0, 0, 0]);
        let chain_len = u16::try_from(2 * (hops - 1)).expect("short chain");
        m.extend_from_slice(&chain_len.to_be_bytes());
        let mut previous = 12usize;
        for _ in 1..hops {
            let at = m.len();
            m.extend_from_slice(&(0xc000 | previous as u16).to_be_bytes());
            previous = at;
        }
        m.extend_from_slice(&(0xc000 | previous as u16).to_be_bytes());
        m.extend_from_slice(&[0xff, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        m
    };
    let limit = globe_dns::wire::MAX_POINTERS;
    assert!(Message::parse(&message(limit)).is_ok());
    assert_eq!(
        Message::parse(&message(limit + 1)),
        Err(globe_dns::WireError::BadPointer)
    );
}

/// One wire vector file.
struct Vector {
    path: PathBuf,
    canonical: bool,
    bytes: Vec<u8>,
    expect: Vec<String>,
}

fn check_vector(vector: &Vector) -> Result<(), String> {
    let message = Message::parse(&vector.bytes).map_err(|e| format!("does not decode: {e:?}"))?;
    let rendered = render(&message);
    if rendered != vector.expect {
        return Err(line_diff(&vector.expect, &rendered));
    }
    let encoded = message.to_wire();
    if vector.canonical {
        if encoded != vector.bytes {
            return Err(bytes_diff(&vector.bytes, &encoded));
        }
    } else {
        let again = Message::parse(&encoded).map_err(|e| format!("re-encoding fails: {e:?}"))?;
        if again != message {
            return Err(format!("re-encoding decodes to {again:?}"));
        }
        if again.to_wire() != encoded {
            return Err("the encoding is not stable".to_string());
        }
    }
    Ok(())
}

/// Where two encodings part, with 16 octets of context from there.
fn bytes_diff(expected: &[u8], encoded: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(encoded)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(encoded.len()));
    let window = |bytes: &[u8]| hex(&bytes[at.saturating_sub(8)..bytes.len().min(at + 16)]);
    format!(
        "encodes differently from offset {at} (0x{at:04x}); {} octets expected, {} encoded\n  \
         expected ...{}\n  encoded  ...{}",
        expected.len(),
        encoded.len(),
        window(expected),
        window(encoded)
    )
}

fn line_diff(expected: &[String], actual: &[String]) -> String {
    let mut out = String::new();
    for i in 0..expected.len().max(actual.len()) {
        let (e, a) = (expected.get(i), actual.get(i));
        if e != a {
            let _ = writeln!(
                out,
                "  line {}\n    expected {}\n    decoded  {}",
                i + 1,
                e.map_or("(nothing)", String::as_str),
                a.map_or("(nothing)", String::as_str)
            );
        }
    }
    out
}

// ---- rendering: the same format as `render` in test-data/wire/generate.py -----------------------

fn render(message: &Message) -> Vec<String> {
    let h = &message.header;
    let flags: Vec<&str> = [
        ("qr", h.qr),
        ("aa", h.aa),
        ("tc", h.tc),
        ("rd", h.rd),
        ("ra", h.ra),
        ("z", h.z),
        ("ad", h.ad),
        ("cd", h.cd),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    let mut lines = vec![
        format!(
            "header id=0x{:04x} opcode={} rcode={} flags={}",
            h.id,
            h.opcode,
            h.rcode,
            if flags.is_empty() {
                "-".to_string()
            } else {
                flags.join(",")
            }
        ),
        format!("rcode {}", message.rcode()),
    ];
    for q in &message.questions {
        lines.push(format!("question {} {} {}", q.name, q.qclass, q.qtype));
    }
    for (section, records) in [
        ("answer", &message.answers),
        ("authority", &message.authority),
        ("additional", &message.additional),
    ] {
        lines.extend(records.iter().map(|r| render_record(section, r)));
    }
    if let Some(edns) = &message.edns {
        lines.push(format!(
            "edns udp={} ext_rcode={} version={} do={} z=0x{:04x}",
            edns.udp_payload,
            edns.extended_rcode,
            edns.version,
            u8::from(edns.dnssec_ok),
            edns.z
        ));
        for option in &edns.options {
            lines.push(match option {
                EdnsOption::Nsid(data) => format!("option NSID {}", hex_or_dash(data)),
                EdnsOption::ClientSubnet(ClientSubnet {
                    source_prefix,
                    scope_prefix,
                    address,
                }) => format!(
                    "option ECS source={source_prefix} scope={scope_prefix} address={address}"
                ),
                EdnsOption::Cookie(Cookie { client, server }) => format!(
                    "option COOKIE client={} server={}",
                    hex(client),
                    server.as_deref().map_or("-".to_string(), hex)
                ),
                EdnsOption::Unknown { code, data } => {
                    format!("option {code} {}", hex_or_dash(data))
                }
            });
        }
    }
    lines
}

fn render_record(section: &str, record: &Record) -> String {
    format!(
        "{section} {} {} {} {} {}",
        record.name,
        record.ttl,
        record.class,
        record.rtype(),
        render_rdata(&record.data)
    )
}

/// Every field of the RDATA; no `..` patterns, so a field added to `RData` must be rendered here.
fn render_rdata(data: &RData) -> String {
    match data {
        RData::A(address) => address.to_string(),
        RData::Aaaa(address) => address.to_string(),
        RData::Ns(name) | RData::Cname(name) | RData::Dname(name) | RData::Ptr(name) => {
            name.to_string()
        }
        RData::Soa(Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        }) => format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}"),
        RData::Mx {
            preference,
            exchange,
        } => format!("{preference} {exchange}"),
        RData::Txt(strings) => strings
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        RData::Srv {
            priority,
            weight,
            port,
            target,
        } => format!("{priority} {weight} {port} {target}"),
        RData::Naptr {
            order,
            preference,
            flags,
            services,
            regexp,
            replacement,
        } => format!(
            "{order} {preference} {} {} {} {replacement}",
            quoted(flags),
            quoted(services),
            quoted(regexp)
        ),
        RData::Caa { flags, tag, value } => format!("{flags} {} {}", quoted(tag), quoted(value)),
        RData::Svcb(Svcb {
            priority,
            target,
            params,
        })
        | RData::Https(Svcb {
            priority,
            target,
            params,
        }) => {
            let mut out = format!("{priority} {target}");
            for (key, value) in params {
                let _ = write!(out, " key{key}={}", hex_or_dash(value));
            }
            out
        }
        RData::Ds {
            key_tag,
            algorithm,
            digest_type,
            digest,
        } => format!(
            "{key_tag} {algorithm} {digest_type} {}",
            hex_or_dash(digest)
        ),
        RData::Dnskey {
            flags,
            protocol,
            algorithm,
            public_key,
        } => format!("{flags} {protocol} {algorithm} {}", hex_or_dash(public_key)),
        RData::Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag,
            signer,
            signature,
        } => format!(
            "{type_covered} {algorithm} {labels} {original_ttl} {expiration} {inception} {key_tag} \
             {signer} {}",
            hex_or_dash(signature)
        ),
        RData::Nsec { next, types } => format!("{next}{}", render_types(types)),
        RData::Nsec3 {
            hash_algorithm,
            flags,
            iterations,
            salt,
            next_hashed,
            types,
        } => format!(
            "{hash_algorithm} {flags} {iterations} {} {}{}",
            hex_or_dash(salt),
            hex_or_dash(next_hashed),
            render_types(types)
        ),
        RData::Nsec3param {
            hash_algorithm,
            flags,
            iterations,
            salt,
        } => format!(
            "{hash_algorithm} {flags} {iterations} {}",
            hex_or_dash(salt)
        ),
        RData::Zonemd {
            serial,
            scheme,
            hash_algorithm,
            digest,
        } => format!("{serial} {scheme} {hash_algorithm} {}", hex_or_dash(digest)),
        RData::Unknown { rtype: _, data } => format!("\\# {} {}", data.len(), hex_or_dash(data)),
    }
}

fn render_types(types: &TypeBitmap) -> String {
    types
        .types()
        .iter()
        .map(|t: &RType| format!(" {t}"))
        .collect()
}

/// A character string in quotes, escaping `"`, `\` and bytes outside printable ASCII as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(byte as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out.push('"');
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn hex_or_dash(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "-".to_string()
    } else {
        hex(bytes)
    }
}

// ---- reading the files --------------------------------------------------------------------------

fn test_data(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-data")
        .join(dir)
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    paths.sort();
    paths
}

fn load_vectors() -> Vec<Vector> {
    files(&test_data("wire"), "txt")
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("readable");
            parse_vector(path.clone(), &text)
                .unwrap_or_else(|why| panic!("{}: {why}", path.display()))
        })
        .collect()
}

/// Parses the vector format described in `test-data/wire/generate.py`.
fn parse_vector(path: PathBuf, text: &str) -> Result<Vector, String> {
    enum Part {
        Preamble,
        Hex,
        Expect,
    }
    let mut part = Part::Preamble;
    let mut canonical = None;
    let mut hex_text = String::new();
    let mut expect = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(value) = trimmed.strip_prefix("canonical:") {
            canonical = Some(match value.trim() {
                "yes" => true,
                "no" => false,
                other => return Err(format!("canonical: {other}? (yes or no)")),
            });
        } else if trimmed == "hex:" {
            part = Part::Hex;
        } else if trimmed == "expect:" {
            part = Part::Expect;
        } else {
            match part {
                Part::Preamble => return Err(format!("unexpected line {trimmed:?}")),
                Part::Hex => {
                    hex_text.push_str(trimmed);
                    hex_text.push('\n');
                }
                Part::Expect => expect.push(trimmed.to_string()),
            }
        }
    }
    Ok(Vector {
        path,
        canonical: canonical.ok_or("no `canonical:` line")?,
        bytes: decode_hex(&hex_text)?,
        expect,
    })
}

/// Hex digits with any whitespace between them; `#` starts a comment to the end of the line.
fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .lines()
        .flat_map(|line| line.split('#').next().unwrap_or("").bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".to_string());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            u8::from_str_radix(text, 16).map_err(|_| format!("bad hex {text:?}"))
        })
        .collect()
}

/// The expected variant and the bytes of a malformed-corpus file.
fn malformed_case(text: &str) -> Result<(String, Vec<u8>), String> {
    if !text.starts_with('#') {
        return Err("the first line must be a `#` comment describing the message".to_string());
    }
    let expected = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("# expect:"))
        .ok_or("no `# expect: <WireError variant>` line")?
        .trim()
        .to_string();
    Ok((expected, decode_hex(text)?))
}

fn variant_name(error: &globe_dns::WireError) -> String {
    let debug = format!("{error:?}");
    debug.split('(').next().unwrap_or("").to_string()
}
