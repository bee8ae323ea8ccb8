//! Unit tests of presentation format: each type both ways, the generic form, the fallbacks, errors with
//! their token index, and property tests of the round trip.

use super::*;
use crate::message::Record;
use crate::rdata::{Svcb, TypeBitmap};
use crate::types::Class;
use proptest::prelude::*;
use std::net::Ipv4Addr;

fn origin() -> Name {
    "example.".parse().expect("valid name")
}

fn parse(rtype: RType, text: &str) -> Result<RData, RdataTextError> {
    parse_rdata_str(rtype, text, Some(&origin()))
}

/// Parses `text`, checks it prints as `shown`, and that the printed form parses to the same data.
fn both_ways(rtype: RType, text: &str, shown: &str) -> RData {
    let data = parse(rtype, text).unwrap_or_else(|e| panic!("{rtype} {text}: {e}"));
    assert_eq!(data.rtype(), rtype);
    assert_eq!(data.to_string(), shown, "{rtype} {text}");
    assert_eq!(parse(rtype, shown), Ok(data.clone()), "{rtype} {shown}");
    // And the same through the wire format.
    assert_eq!(RData::from_bytes(rtype, &data.to_wire()), Ok(data.clone()));
    data
}

#[test]
fn every_type_both_ways() {
    let cases: &[(RType, &str, &str)] = &[
        (RType::A, "192.0.2.1", "192.0.2.1"),
        (RType::AAAA, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        (RType::AAAA, "::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        (RType::NS, "ns1", "ns1.example."),
        (RType::CNAME, "@", "example."),
        (RType::DNAME, "example.net.", "example.net."),
        (RType::PTR, "a\\.b.c", "a\\.b.c.example."),
        (
            RType::SOA,
            "ns1 hostmaster ( 2024010101 2h 1H 2w 300 )",
            "ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300",
        ),
        (RType::MX, "10 mail", "10 mail.example."),
        (RType::MX, "0 .", "0 ."),
        (
            RType::TXT,
            r#""hello world" unquoted "a\"b\\c" "\000\255" "" x\059y"#,
            r#""hello world" "unquoted" "a\"b\\c" "\000\255" "" "x;y""#,
        ),
        (RType::SRV, "10 20 443 sip", "10 20 443 sip.example."),
        (
            RType::NAPTR,
            r#"100 10 S SIP+D2U "!^.*$!sip:info@example.com!" _sip._udp"#,
            r#"100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp.example."#,
        ),
        (RType::NAPTR, r#"1 2 "" "" "" ."#, r#"1 2 "" "" "" ."#),
        (
            RType::CAA,
            r#"0 issue "ca.example.net; account=230123""#,
            r#"0 issue "ca.example.net; account=230123""#,
        ),
        (RType::CAA, "128 tbs Unknown", r#"128 tbs "Unknown""#),
        (RType::CAA, r#"0 issue """#, r#"0 issue """#),
        (
            RType::DS,
            "60485 5 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )",
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (
            RType::DS,
            "20326 RSASHA256 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d",
            "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237 C7F8EC8D",
        ),
        (
            RType::DNSKEY,
            "256 3 ECDSAP256SHA256 ( oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXX \
             FJkqmVfRvMGPmM1x8fGAa2XhSA== )",
            "256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8 KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==",
        ),
        (
            RType::RRSIG,
            "A 13 2 3600 20240101000000 1700000000 12345 example. ( oJMRESz5E4gYzS/q6XDrvU1qMPYI \
             jCWzJaOau8XNEZeqCYKD5ar0IRd8KqXX )",
            "A 13 2 3600 20240101000000 20231114221320 12345 example. oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8 KqXX",
        ),
        (
            RType::RRSIG,
            "TYPE65534 8 0 0 20260904170000 20260822160000 1 . AAAA",
            "TYPE65534 8 0 0 20260904170000 20260822160000 1 . AAAA",
        ),
        (
            RType::NSEC,
            "host.example. A MX RRSIG NSEC TYPE1234",
            "host.example. A MX RRSIG NSEC TYPE1234",
        ),
        (RType::NSEC, "next", "next.example."),
        (
            RType::NSEC3,
            "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG",
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
        ),
        (
            RType::NSEC3,
            "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR",
            "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR",
        ),
        (RType::NSEC3PARAM, "1 0 10 ABCD", "1 0 10 ABCD"),
        (RType::NSEC3PARAM, "1 0 0 -", "1 0 0 -"),
        (
            RType::ZONEMD,
            "2018031500 1 1 ( FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE \
             7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE )",
            "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B6 \
             41A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
        ),
        (RType::HINFO, r#""PC Intel" Linux"#, r#""PC Intel" "Linux""#),
        (RType(65280), r"\# 4 0A000001", r"\# 4 0A000001"),
        (RType(65280), r"\# 0", r"\# 0"),
        (RType(65280), r"\# 3 ( 01 0203 )", r"\# 3 010203"),
    ];
    for (rtype, text, shown) in cases {
        both_ways(*rtype, text, shown);
    }
}

#[test]
fn svcb_parameters_rfc9460_appendix_d() {
    let cases: &[(RType, &str, &str)] = &[
        // D.1 alias form.
        (RType::HTTPS, "0 foo.example.com.", "0 foo.example.com."),
        // D.2 service form.
        (RType::SVCB, "1 .", "1 ."),
        (RType::SVCB, "16 foo.example.com. port=53", "16 foo.example.com. port=53"),
        (
            RType::SVCB,
            "1 foo.example.com. key667=hello",
            r#"1 foo.example.com. key667="hello""#,
        ),
        (
            RType::SVCB,
            r#"1 foo.example.com. key667="hello\210qoo""#,
            r#"1 foo.example.com. key667="hello\210qoo""#,
        ),
        (
            RType::SVCB,
            r#"1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1""#,
            "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1",
        ),
        (
            RType::SVCB,
            "1 example.com. ipv6hint=2001:db8:122:344::192.0.2.33",
            "1 example.com. ipv6hint=2001:db8:122:344::c000:221",
        ),
        (
            RType::SVCB,
            r#"16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1"#,
            r#"16 foo.example.org. mandatory=alpn,ipv4hint alpn="h2,h3-19" ipv4hint=192.0.2.1"#,
        ),
        (
            RType::SVCB,
            r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
            r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
        ),
        (
            RType::SVCB,
            r"16 foo.example.org. alpn=f\\\092oo\092,bar,h2",
            r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
        ),
        (
            RType::HTTPS,
            "1 . no-default-alpn alpn=h3 dohpath=/q{?dns} ohttp key8",
            "",
        ),
        (
            RType::HTTPS,
            "1 . ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA",
            "1 . ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA",
        ),
        (RType::HTTPS, "1 . key3=\\001\\187", "1 . port=443"),
        (RType::HTTPS, "1 . key3=\\001", r#"1 . key3="\001""#),
        (RType::HTTPS, "1 . key65535", "1 . key65535"),
    ];
    for (rtype, text, shown) in cases {
        if shown.is_empty() {
            // Duplicate `ohttp`/`key8`: the same key twice.
            let error = parse(*rtype, text).expect_err("duplicate key");
            assert_eq!(error.kind, RdataErrorKind::DuplicateKey(8));
            assert_eq!(error.index, 6);
            continue;
        }
        both_ways(*rtype, text, shown);
    }
    let data = both_ways(
        RType::HTTPS,
        "1 . alpn=h3 no-default-alpn dohpath=/q{?dns} ohttp",
        r#"1 . alpn="h3" no-default-alpn dohpath="/q{?dns}" ohttp"#,
    );
    let RData::Https(svcb) = data else {
        panic!("HTTPS data")
    };
    assert_eq!(svcb.params[0], (1, b"\x02h3".to_vec()));
}

#[test]
fn svcb_values_that_do_not_fit_their_key_print_generically() {
    let params = vec![
        (0, vec![0]),
        (1, vec![]),
        (1, vec![3, b'h', b'2']),
        (2, vec![1]),
        (4, vec![1, 2, 3]),
        (5, vec![]),
        (6, vec![0; 4]),
        (8, vec![1]),
    ];
    for (key, value) in params {
        let data = RData::Svcb(Svcb {
            priority: 1,
            target: Name::root(),
            params: vec![(key, value)],
        });
        let shown = data.to_string();
        assert!(shown.starts_with(&format!("1 . key{key}")), "{shown}");
        assert_eq!(parse(RType::SVCB, &shown), Ok(data));
    }
}

#[test]
fn svcb_errors() {
    let error = |text: &str| parse(RType::SVCB, text).expect_err(text);
    assert_eq!(error("1 . port=99999").index, 2);
    assert_eq!(error("1 . alpn=h2,,h3").index, 2);
    assert_eq!(error("1 . mandatory=mandatory").index, 2);
    assert_eq!(error("1 . mandatory=alpn,alpn").index, 2);
    assert_eq!(error("1 . foo=bar").index, 2);
    assert_eq!(error("1 . key012=bar").index, 2);
    assert_eq!(error("1 . key65536").index, 2);
    assert_eq!(error("1 . ipv4hint=1.2.3").index, 2);
    assert_eq!(error("1 . no-default-alpn=x").index, 2);
    assert_eq!(error("1 . port=1 \"x\"").index, 3);
    assert_eq!(
        error("1 . port=1 key3=\\000\\001").kind,
        RdataErrorKind::DuplicateKey(3)
    );
}

#[test]
fn generic_form_for_any_type() {
    assert_eq!(
        parse(RType::A, r"\# 4 C0000201"),
        Ok(RData::A(Ipv4Addr::new(192, 0, 2, 1)))
    );
    assert_eq!(
        parse(RType::MX, r"\# 8 000A 04 6D61696C 00"),
        parse(RType::MX, "10 mail.")
    );
    // A quoted `\#` is just text.
    assert_eq!(
        parse(RType::TXT, r#""\#""#),
        Ok(RData::Txt(vec![b"#".to_vec()]))
    );
    let error = |rtype: RType, text: &str| parse(rtype, text).expect_err(text);
    assert_eq!(
        error(RType::A, r"\# 3 C00002").kind,
        RdataErrorKind::Wire(WireError::BadRdata("A needs 4 octets"))
    );
    assert_eq!(
        error(RType::A, r"\# 5 C0000201").kind,
        RdataErrorKind::GenericLength {
            declared: 5,
            actual: 4
        }
    );
    assert_eq!(error(RType::A, r"\# 4 C00002 1").index, 3);
    assert_eq!(error(RType::A, r"\# 4 C000020X").index, 2);
    assert_eq!(error(RType::A, r"\#").index, 1);
    assert_eq!(error(RType::A, r"\# 70000").index, 1);
    assert_eq!(
        error(RType::OPT, r"\# 0").kind,
        RdataErrorKind::Wire(WireError::MisplacedOpt)
    );
}

#[test]
fn data_without_a_faithful_text_form_prints_generically() {
    let cases = [
        RData::Txt(vec![]),
        RData::Txt(vec![vec![b'x'; 256]]),
        RData::Ds {
            key_tag: 1,
            algorithm: 8,
            digest_type: 2,
            digest: vec![],
        },
        RData::Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 8,
            public_key: vec![],
        },
        RData::Caa {
            flags: 0,
            tag: vec![],
            value: b"x".to_vec(),
        },
        RData::Zonemd {
            serial: 1,
            scheme: 1,
            hash_algorithm: 1,
            digest: vec![1; 4],
        },
        RData::Unknown {
            rtype: RType::HINFO,
            data: vec![1, b'x'],
        },
    ];
    for data in cases {
        let shown = data.to_string();
        assert!(shown.starts_with("\\# "), "{shown}");
        let wire = data.to_wire();
        assert_eq!(
            shown,
            format!(
                "\\# {} {}",
                wire.len(),
                wire.iter().map(|b| format!("{b:02X}")).collect::<String>()
            )
            .trim_end()
        );
    }
    // Those the wire decoder accepts come back unchanged.
    let ds = RData::Ds {
        key_tag: 1,
        algorithm: 8,
        digest_type: 2,
        digest: vec![],
    };
    assert_eq!(parse(RType::DS, &ds.to_string()), Ok(ds));
}

#[test]
fn errors_name_the_token_and_what_was_expected() {
    let error = |rtype: RType, text: &str| parse(rtype, text).expect_err(text);
    let cases: &[(RType, &str, usize, &str)] = &[
        (
            RType::A,
            "",
            0,
            "expected an IPv4 address, found end of data",
        ),
        (
            RType::A,
            "192.0.2",
            0,
            "expected an IPv4 address, found `192.0.2`",
        ),
        (
            RType::A,
            "192.0.2.1 x",
            1,
            "expected end of data, found `x`",
        ),
        (
            RType::AAAA,
            "2001:db8::g",
            0,
            "expected an IPv6 address, found `2001:db8::g`",
        ),
        (
            RType::MX,
            "mail 10",
            0,
            "expected a 16-bit preference, found `mail`",
        ),
        (
            RType::MX,
            "65536 mail",
            0,
            "expected a 16-bit preference, found `65536`",
        ),
        (
            RType::MX,
            "10",
            1,
            "expected a mail exchanger name, found end of data",
        ),
        (RType::NS, "a..b", 0, "bad domain name `a..b`: empty label"),
        (
            RType::SOA,
            "ns host 1 2 3 4",
            6,
            "expected a minimum TTL, found end of data",
        ),
        (
            RType::TXT,
            "",
            0,
            "expected a character string, found end of data",
        ),
        (
            RType::TXT,
            r#""ok" "bad\25""#,
            1,
            r"bad escape sequence in `bad\25`",
        ),
        (
            RType::DS,
            "1 8 2 ABC",
            3,
            "expected a digest in hex, found `ABC`",
        ),
        (
            RType::DS,
            "1 8 2 AB XY",
            4,
            "expected a digest in hex, found `XY`",
        ),
        (
            RType::DS,
            "1 FOO 2 AB",
            1,
            "expected an algorithm number or mnemonic, found `FOO`",
        ),
        (
            RType::DNSKEY,
            "256 3 8 AwE",
            3,
            "expected a public key in base64, found `AwE`",
        ),
        (
            RType::RRSIG,
            "A 8 2 3600 20240230000000 20240101000000 1 . AAAA",
            4,
            "expected an expiration time (YYYYMMDDHHmmSS), found `20240230000000`",
        ),
        (
            RType::RRSIG,
            "BOGUS 8",
            0,
            "expected a record type, found `BOGUS`",
        ),
        (
            RType::NSEC,
            "next A BOGUS",
            2,
            "expected a record type, found `BOGUS`",
        ),
        (
            RType::NSEC3,
            "1 0 0 XYZ AAAA",
            3,
            "expected a salt in hex or `-`, found `XYZ`",
        ),
        (
            RType::NSEC3,
            "1 0 0 - W",
            4,
            "expected a next hashed owner name in base32hex, found `W`",
        ),
        (
            RType::CAA,
            r#"0 "" x"#,
            1,
            "expected a non-empty property tag, found ``",
        ),
        (
            RType::ZONEMD,
            "1 1 1 ABCD",
            3,
            "expected a digest of at least 12 octets, found `ABCD`",
        ),
        (
            RType(99),
            "anything",
            0,
            r"no presentation format for TYPE99, expected generic data (\# length hex)",
        ),
    ];
    for (rtype, text, index, message) in cases {
        let e = error(*rtype, text);
        assert_eq!(
            (e.index, e.kind.to_string()),
            (*index, message.to_string()),
            "{rtype} {text}"
        );
    }
    let long = format!("\"{}\"", "x".repeat(256));
    assert_eq!(
        error(RType::TXT, &long).kind,
        RdataErrorKind::StringTooLong(256)
    );
    assert_eq!(
        parse_rdata_str(RType::NS, "ns1", None)
            .expect_err("no origin")
            .kind,
        RdataErrorKind::Name {
            found: "ns1".into(),
            error: NameError::Relative
        }
    );
    let many = format!("\"{}\" ", "x".repeat(255)).repeat(260);
    assert!(matches!(
        error(RType::TXT, &many).kind,
        RdataErrorKind::TooLong(66_560)
    ));
}

#[test]
fn ttl_syntax() {
    let cases: &[(&str, Option<u32>)] = &[
        ("0", Some(0)),
        ("3600", Some(3600)),
        ("1h30m", Some(5400)),
        ("1H30M", Some(5400)),
        ("2D", Some(172_800)),
        ("1w", Some(604_800)),
        ("1w2d3h4m5s", Some(788_645)),
        ("1h30", Some(3630)),
        ("4294967295", Some(u32::MAX)),
        ("4294967296", None),
        ("7102w", None),
        ("", None),
        ("h", None),
        ("1x", None),
        ("1hh", None),
        ("-1", None),
    ];
    for (text, ttl) in cases {
        assert_eq!(parse_ttl(text.as_bytes()), *ttl, "{text}");
    }
}

#[test]
fn names_agree_with_name_parse() {
    let origin = origin();
    let long_label = "a".repeat(63);
    let too_long_label = "a".repeat(64);
    let just_fits = format!("{0}.{0}.{0}.{1}.", long_label, "a".repeat(61));
    let too_long = format!("{0}.{0}.{0}.{1}.", long_label, "a".repeat(62));
    let relative_too_long = format!("{0}.{0}.{0}.{1}", long_label, "a".repeat(53));
    let inputs = [
        "www",
        "www.example.com.",
        "a\\.b",
        "\\065\\.",
        "a\\",
        "a\\25",
        "a\\256",
        "a..b",
        ".a",
        "..",
        "",
        long_label.as_str(),
        too_long_label.as_str(),
        just_fits.as_str(),
        too_long.as_str(),
        relative_too_long.as_str(),
    ];
    for text in inputs {
        for origin in [Some(&origin), None] {
            let mine = parse_name(text.as_bytes(), origin);
            let theirs = Name::parse_bytes(text.as_bytes(), origin);
            match (&mine, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a.as_wire(), b.as_wire(), "{text}"),
                // `Name::parse_bytes` takes the empty string as the origin itself.
                _ if text.is_empty() => assert_eq!(mine, Err(NameError::EmptyLabel)),
                _ => assert_eq!(
                    mine.is_err(),
                    theirs.is_err(),
                    "{text}: {mine:?} {theirs:?}"
                ),
            }
        }
    }
    assert_eq!(parse_name(b"@", Some(&origin)), Ok(origin.clone()));
    assert_eq!(parse_name(b"@", None), Err(NameError::Relative));
    assert_eq!(parse_name(b".", None), Ok(Name::root()));
}

#[test]
fn record_display_is_tab_separated() {
    let record = Record {
        name: "www.example.".parse().expect("valid name"),
        class: Class::IN,
        ttl: 300,
        data: RData::Mx {
            preference: 10,
            exchange: "mail.example.".parse().expect("valid name"),
        },
    };
    assert_eq!(
        record.to_string(),
        "www.example.\t300\tIN\tMX\t10 mail.example."
    );
    let chaos = Record {
        class: Class(42),
        data: RData::Unknown {
            rtype: RType(4321),
            data: vec![],
        },
        ..record
    };
    assert_eq!(
        chaos.to_string(),
        "www.example.\t300\tCLASS42\tTYPE4321\t\\# 0"
    );
    let bitmap = TypeBitmap::from_types([RType::NS, RType::A, RType(1234)]);
    assert_eq!(bitmap.to_string(), "A NS TYPE1234");
}

fn arb_name() -> impl Strategy<Value = Name> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..12), 0..4).prop_map(
        |labels| Name::from_labels(labels.iter().map(Vec::as_slice)).expect("short labels"),
    )
}

fn arb_bitmap() -> impl Strategy<Value = TypeBitmap> {
    proptest::collection::vec(any::<u16>(), 0..8)
        .prop_map(|types| TypeBitmap::from_types(types.into_iter().map(RType)))
}

fn arb_rdata() -> impl Strategy<Value = RData> {
    let string = || proptest::collection::vec(any::<u8>(), 0..40);
    let blob = || proptest::collection::vec(any::<u8>(), 1..100);
    let param = (any::<u16>(), string());
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| RData::A(o.into())),
        any::<[u8; 16]>().prop_map(|o| RData::Aaaa(o.into())),
        (any::<u16>(), arb_name()).prop_map(|(preference, exchange)| RData::Mx {
            preference,
            exchange
        }),
        proptest::collection::vec(string(), 1..4).prop_map(RData::Txt),
        (
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 1..10),
            string()
        )
            .prop_map(|(flags, tag, value)| RData::Caa { flags, tag, value }),
        (any::<u16>(), any::<u8>(), any::<u8>(), blob()).prop_map(
            |(key_tag, algorithm, digest_type, digest)| RData::Ds {
                key_tag,
                algorithm,
                digest_type,
                digest
            }
        ),
        (
            any::<u16>(),
            (any::<u8>(), any::<u8>(), any::<u32>()),
            (any::<u32>(), any::<u32>(), any::<u16>()),
            arb_name(),
            blob()
        )
            .prop_map(
                |(
                    t,
                    (algorithm, labels, original_ttl),
                    (expiration, inception, key_tag),
                    signer,
                    signature,
                )| {
                    RData::Rrsig {
                        type_covered: RType(t),
                        algorithm,
                        labels,
                        original_ttl,
                        expiration,
                        inception,
                        key_tag,
                        signer,
                        signature,
                    }
                }
            ),
        (arb_name(), arb_bitmap()).prop_map(|(next, types)| RData::Nsec { next, types }),
        (
            (any::<u8>(), any::<u8>(), any::<u16>()),
            string(),
            proptest::collection::vec(any::<u8>(), 1..33),
            arb_bitmap()
        )
            .prop_map(
                |((hash_algorithm, flags, iterations), salt, next_hashed, types)| {
                    RData::Nsec3 {
                        hash_algorithm,
                        flags,
                        iterations,
                        salt,
                        next_hashed,
                        types,
                    }
                }
            ),
        (
            any::<u16>(),
            arb_name(),
            proptest::collection::btree_map(any::<u16>(), string(), 0..6),
            any::<bool>()
        )
            .prop_map(|(priority, target, params, https)| {
                let svcb = Svcb {
                    priority,
                    target,
                    params: params.into_iter().collect(),
                };
                if https {
                    RData::Https(svcb)
                } else {
                    RData::Svcb(svcb)
                }
            }),
        (any::<u16>(), param).prop_map(|(rtype, (_, data))| RData::Unknown {
            rtype: RType(rtype | 0x8000),
            data
        }),
    ]
}

proptest! {
    #[test]
    fn display_then_parse_gives_the_same_data(data in arb_rdata()) {
        let shown = data.to_string();
        let parsed = parse_rdata_str(data.rtype(), &shown, None);
        prop_assert_eq!(parsed, Ok(data), "{}", shown);
    }

    #[test]
    fn svcb_values_round_trip_through_their_key_syntax(
        alpn in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..8), 1..4),
        port in any::<u16>(),
        hints in proptest::collection::vec(any::<[u8; 4]>(), 1..4),
    ) {
        let mut alpn_wire = Vec::new();
        for id in &alpn {
            alpn_wire.push(id.len() as u8);
            alpn_wire.extend_from_slice(id);
        }
        let data = RData::Https(Svcb {
            priority: 1,
            target: Name::root(),
            params: vec![
                (1, alpn_wire),
                (3, port.to_be_bytes().to_vec()),
                (4, hints.concat()),
            ],
        });
        let shown = data.to_string();
        prop_assert!(shown.contains("alpn=") && shown.contains("port=") && shown.contains("ipv4hint="));
        prop_assert_eq!(parse_rdata_str(RType::HTTPS, &shown, None), Ok(data), "{}", shown);
    }
}

#[test]
fn cds_and_cdnskey_read_and_print_like_ds_and_dnskey() {
    let origin: crate::Name = "example.".parse().expect("name");
    for (rtype, text) in [
        (
            RType::CDS,
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (RType::CDNSKEY, "257 3 8 AwEAAag="),
        (RType::CDS, "0 0 0 00"),
    ] {
        let data = parse_rdata_str(rtype, text, Some(&origin)).expect("parses");
        assert_eq!(data.rtype(), rtype);
        assert_eq!(data.to_string(), text);
    }
}
