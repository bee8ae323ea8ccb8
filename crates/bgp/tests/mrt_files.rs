//! The real MRT archives in `../shared/data/mrt` (RouteViews/RIS): every record parses, every BGP4MP
//! message and every TABLE_DUMP attribute block re-encodes to the bytes it came from.
//!
//! The files live outside the repository; a missing file fails the test rather than skipping it.

use flate2::read::GzDecoder;
use globe_bgp::mrt::{MrtReader, RecordBody};
use globe_bgp::wire::attribute::decode_attributes;
use globe_bgp::wire::{AttributeAction, Message};
use std::io::Read;
use std::path::PathBuf;

fn mrt_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/mrt")
        .join(name);
    let file =
        std::fs::File::open(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut bytes = Vec::new();
    GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    bytes
}

#[derive(Debug, Default)]
struct Counts {
    records: usize,
    messages: usize,
    updates: usize,
    announced: usize,
    withdrawn: usize,
    state_changes: usize,
    attribute_errors: usize,
    treat_as_withdraw: usize,
    decode_errors: usize,
    mismatches: usize,
}

fn check_bgp4mp(name: &str) -> Counts {
    let data = mrt_file(name);
    let mut counts = Counts::default();
    for record in MrtReader::new(&data) {
        let record = record.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        counts.records += 1;
        match record.body {
            RecordBody::Bgp4mpMessage(message) => {
                counts.messages += 1;
                let options = message.decode_options();
                let decoded = match Message::decode(message.message, &options) {
                    Ok(decoded) => decoded,
                    Err(error) => {
                        counts.decode_errors += 1;
                        eprintln!("{name}: decode error {error:?} in {:02x?}", message.message);
                        continue;
                    }
                };
                if let Message::Update(update) = &decoded.message {
                    counts.updates += 1;
                    counts.announced += update.announced().count();
                    counts.withdrawn += update.withdrawals().count();
                }
                if !decoded.attribute_errors.is_empty() {
                    counts.attribute_errors += 1;
                    if decoded.action() == Some(AttributeAction::TreatAsWithdraw) {
                        counts.treat_as_withdraw += 1;
                    }
                    eprintln!("{name}: attribute errors {:?}", decoded.attribute_errors);
                    continue;
                }
                let encoded = decoded.message.to_bytes(&options).expect("re-encodes");
                if encoded != message.message {
                    counts.mismatches += 1;
                    if counts.mismatches <= 5 {
                        eprintln!(
                            "{name}: mismatch\n got  {encoded:02x?}\n want {:02x?}",
                            message.message
                        );
                    }
                }
            }
            RecordBody::Bgp4mpStateChange(_) => counts.state_changes += 1,
            other => panic!("{name}: unexpected record {other:?}"),
        }
    }
    eprintln!("{name}: {counts:?}");
    counts
}

#[test]
fn updates_2016_reencode_byte_identically() {
    let counts = check_bgp4mp("updates.20160811.1600.gz");
    assert!(counts.updates > 10_000, "{counts:?}");
    assert_eq!(
        (counts.decode_errors, counts.mismatches),
        (0, 0),
        "{counts:?}"
    );
}

#[test]
fn updates_2010_reencode_byte_identically() {
    let counts = check_bgp4mp("updates.20100227.1600.gz");
    assert!(counts.updates > 1_000, "{counts:?}");
    assert_eq!(
        (counts.decode_errors, counts.mismatches),
        (0, 0),
        "{counts:?}"
    );
}

#[test]
fn table_dump_2002_has_every_prefix_and_reencodes() {
    let name = "bview.20020722.2337.gz";
    let data = mrt_file(name);
    let mut routes = 0usize;
    let mut prefixes = std::collections::HashSet::new();
    let mut attribute_errors = 0usize;
    let mut mismatches = 0usize;
    for record in MrtReader::new(&data) {
        let record = record.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        let RecordBody::TableDump(entry) = record.body else {
            panic!("{name}: unexpected record {:?}", record.body);
        };
        routes += 1;
        prefixes.insert(entry.prefix);
        let options = entry.decode_options();
        let decoded =
            decode_attributes(entry.attributes, &options).expect("no session-reset error");
        if !decoded.errors.is_empty() {
            attribute_errors += 1;
            eprintln!("{name}: {:?}", decoded.errors);
            continue;
        }
        let mut encoded = Vec::with_capacity(entry.attributes.len());
        for attribute in &decoded.attributes {
            attribute.encode(&options, &mut encoded).expect("encodes");
        }
        if encoded != entry.attributes {
            mismatches += 1;
            if mismatches <= 5 {
                eprintln!(
                    "{name}: mismatch\n got  {encoded:02x?}\n want {:02x?}",
                    entry.attributes
                );
            }
        }
    }
    eprintln!("{name}: {routes} routes, {} prefixes, {attribute_errors} with attribute errors, {mismatches} mismatches", prefixes.len());
    assert_eq!(prefixes.len(), 112_988);
    assert_eq!((attribute_errors, mismatches), (0, 0));
}
