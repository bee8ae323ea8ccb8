//! Route origin validation on the real ROA snapshot in `../shared/data/rpki/roas-2017-06-01.txt`.

use globe_bgp::policy::rov::{RoaTable, RovState};
use globe_bgp::Prefix;

fn table() -> RoaTable {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/rpki/roas-2017-06-01.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    RoaTable::parse(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn prefix(text: &str) -> Prefix {
    text.parse().expect("prefix")
}

#[test]
fn known_roas() {
    let table = table();
    assert!(table.len() > 20_000, "{} VRPs", table.len());
    // Google: 104.132.0.0/14-24 AS 15169.
    assert_eq!(
        table.validate(&prefix("104.132.0.0/16"), Some(15169)),
        RovState::Valid
    );
    assert_eq!(
        table.validate(&prefix("104.133.7.0/24"), Some(15169)),
        RovState::Valid
    );
    assert_eq!(
        table.validate(&prefix("104.133.7.0/25"), Some(15169)),
        RovState::Invalid,
        "longer than max length"
    );
    assert_eq!(
        table.validate(&prefix("104.132.0.0/16"), Some(64500)),
        RovState::Invalid,
        "wrong origin"
    );
    assert_eq!(
        table.validate(&prefix("104.132.0.0/16"), None),
        RovState::Invalid,
        "AS_SET origin never matches"
    );
    // 2a00:79e0::/32-48 AS 15169.
    assert_eq!(
        table.validate(&prefix("2a00:79e0:1::/48"), Some(15169)),
        RovState::Valid
    );
    // 80.128.0.0/11 has an AS 0 ROA: nobody may originate it.
    assert_eq!(
        table.validate(&prefix("80.128.0.0/11"), Some(0)),
        RovState::Invalid
    );
    assert_eq!(
        table.validate(&prefix("80.130.0.0/16"), Some(3320)),
        RovState::Invalid
    );
    // Nothing covers documentation space.
    assert_eq!(
        table.validate(&prefix("192.0.2.0/24"), Some(64500)),
        RovState::NotFound
    );
    assert_eq!(
        table.validate(&prefix("2001:db8::/32"), Some(64500)),
        RovState::NotFound
    );
    assert!(table
        .covering(&prefix("104.132.5.0/24"))
        .iter()
        .any(|roa| roa.asn == 15169 && roa.max_length == 24));
}

#[test]
fn parse_errors_carry_the_line() {
    let error = RoaTable::parse("2017-01-01T00:00:00Z 64500 192.0.2.0/24\nx ASx 1.2.3.0/24\n")
        .expect_err("bad ASN");
    assert_eq!(error.to_string(), "line 2: cannot parse \"ASx\"");
    assert!(RoaTable::parse("t 1 192.0.2.0/24-16").is_err());
    assert!(RoaTable::parse("t 1 192.0.2.0/24-33").is_err());
}
