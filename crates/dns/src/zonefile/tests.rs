//! Unit tests of the master file parser: defaults, directives, includes through an in-memory file
//! source, locations, and error positions.

use super::*;
use std::collections::HashMap;
use std::net::Ipv4Addr;

fn name(text: &str) -> Name {
    text.parse().expect("valid name")
}

fn parse(text: &str, origin: Option<&str>) -> Result<Vec<Record>, ZoneFileError> {
    ZoneFileParser::with_source(|_: &Path| -> io::Result<Vec<u8>> {
        Err(io::ErrorKind::NotFound.into())
    })
    .with_origin(origin.map(name))
    .parse_bytes(text.as_bytes(), "test.zone")
}

fn shown(text: &str, origin: Option<&str>) -> Vec<String> {
    parse(text, origin)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(Record::to_string)
        .collect()
}

fn error(text: &str, origin: Option<&str>) -> String {
    parse(text, origin).expect_err("fails").to_string()
}

/// A file source serving a map of paths, recording what was asked for.
fn memory(files: &[(&str, &str)]) -> impl FnMut(&Path) -> io::Result<Vec<u8>> {
    let files: HashMap<PathBuf, Vec<u8>> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.as_bytes().to_vec()))
        .collect();
    move |path: &Path| {
        files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

#[test]
fn owner_ttl_and_class_defaults() {
    let text = "\
$ORIGIN example.
@ 300 IN SOA ns host 1 2 3 4 5
  NS ns           ; previous owner, previous TTL, previous class
www IN 60 A 192.0.2.1
    A 192.0.2.2
ftp 1h30m CNAME www
$TTL 2D
mail MX 10 @
";
    assert_eq!(
        shown(text, None),
        [
            "example.\t300\tIN\tSOA\tns.example. host.example. 1 2 3 4 5",
            "example.\t300\tIN\tNS\tns.example.",
            "www.example.\t60\tIN\tA\t192.0.2.1",
            "www.example.\t60\tIN\tA\t192.0.2.2",
            "ftp.example.\t5400\tIN\tCNAME\twww.example.",
            "mail.example.\t172800\tIN\tMX\t10 example.",
        ]
    );
}

#[test]
fn dollar_ttl_wins_over_the_previous_record() {
    let text = "$TTL 100\na 5 A 192.0.2.1\nb A 192.0.2.2\n";
    assert_eq!(
        shown(text, Some("example.")),
        [
            "a.example.\t5\tIN\tA\t192.0.2.1",
            "b.example.\t100\tIN\tA\t192.0.2.2"
        ]
    );
}

#[test]
fn soa_minimum_is_the_last_resort_ttl() {
    let text = "@ SOA ns host 1 2 3 4 3600\nwww A 192.0.2.1\n";
    assert_eq!(
        shown(text, Some("example.")),
        [
            "example.\t3600\tIN\tSOA\tns.example. host.example. 1 2 3 4 3600",
            "www.example.\t3600\tIN\tA\t192.0.2.1"
        ]
    );
    assert_eq!(
        error("www A 192.0.2.1\n", Some("example.")),
        "test.zone:1:5: no TTL, expected one on the record, a $TTL before it, or an earlier record's"
    );
}

#[test]
fn classes_and_generic_types() {
    let text = "\
version.bind. 0 CH TXT \"globe\"
id.server. 0 TXT \"ns1\"
a.example. 0 CLASS1 TYPE1 \\# 4 C0000201
b.example. 0 CLASS1 TYPE65280 \\# 2 ABCD
c.example. 0 CLASS1 a 192.0.2.3
";
    assert_eq!(
        shown(text, None),
        [
            "version.bind.\t0\tCH\tTXT\t\"globe\"",
            "id.server.\t0\tCH\tTXT\t\"ns1\"",
            "a.example.\t0\tIN\tA\t192.0.2.1",
            "b.example.\t0\tIN\tTYPE65280\t\\# 2 ABCD",
            "c.example.\t0\tIN\tA\t192.0.2.3",
        ]
    );
}

#[test]
fn origin_comes_from_the_caller_directive_or_absolute_soa() {
    let text = "example. 60 SOA ns host 1 2 3 4 5\nwww A 192.0.2.1\n";
    assert_eq!(shown(text, None)[1], "www.example.\t60\tIN\tA\t192.0.2.1");
    assert_eq!(
        error("@ 60 SOA ns host 1 2 3 4 5\n", None),
        "test.zone:1:1: relative name `@` but no origin is known, expected $ORIGIN or an absolute name"
    );
    assert_eq!(
        error("www.example. 60 A 192.0.2.1\nwww 60 A 192.0.2.1\n", None),
        "test.zone:2:1: relative name `www` but no origin is known, expected $ORIGIN or an absolute name"
    );
    // `$ORIGIN` may itself be relative to the current origin.
    let text = "$ORIGIN example.\n$ORIGIN sub\nwww 60 A 192.0.2.1\n";
    assert_eq!(
        shown(text, None)[0],
        "www.sub.example.\t60\tIN\tA\t192.0.2.1"
    );
}

#[test]
fn records_carry_their_location() {
    let text = "$TTL 60\n\n@ SOA ns host (\n  1 2 3 4 5 )\n\tNS ns\n";
    let located = ZoneFileParser::new()
        .with_origin(Some(name("example.")))
        .parse_bytes_located(text.as_bytes(), "zones/example.zone")
        .expect("parses");
    let places: Vec<String> = located.iter().map(|(_, l)| l.to_string()).collect();
    assert_eq!(places, ["zones/example.zone:3:1", "zones/example.zone:5:2"]);
}

#[test]
fn includes_resolve_relative_paths_and_restore_the_origin() {
    let files = [
        (
            "zones/example.zone",
            "$ORIGIN example.\n$TTL 60\n@ SOA ns host 1 2 3 4 5\n\
             $INCLUDE hosts/www.inc sub\n  NS ns\n$INCLUDE /abs/ns.inc\nlast A 192.0.2.9\n",
        ),
        (
            "zones/hosts/www.inc",
            "www A 192.0.2.1\n$ORIGIN other.\nx A 192.0.2.2\n",
        ),
        ("/abs/ns.inc", "ns A 192.0.2.3\n"),
    ];
    let mut parser = ZoneFileParser::with_source(memory(&files));
    let located = parser
        .parse_file_located(Path::new("zones/example.zone"))
        .expect("parses");
    let shown: Vec<String> = located
        .iter()
        .map(|(record, location)| format!("{location} {record}"))
        .collect();
    assert_eq!(
        shown,
        [
            "zones/example.zone:3:1 example.\t60\tIN\tSOA\tns.example. host.example. 1 2 3 4 5",
            "zones/hosts/www.inc:1:1 www.sub.example.\t60\tIN\tA\t192.0.2.1",
            "zones/hosts/www.inc:3:1 x.other.\t60\tIN\tA\t192.0.2.2",
            // Back in the parent: its origin and its previous owner.
            "zones/example.zone:5:3 example.\t60\tIN\tNS\tns.example.",
            "/abs/ns.inc:1:1 ns.example.\t60\tIN\tA\t192.0.2.3",
            "zones/example.zone:7:1 last.example.\t60\tIN\tA\t192.0.2.9",
        ]
    );
}

#[test]
fn include_errors() {
    let files = [
        ("loop.zone", "$INCLUDE loop.zone\n"),
        ("main.zone", "$TTL 60\n$INCLUDE \"bad file.inc\" example.\n"),
        ("bad file.inc", "ok.example. A 192.0.2.1\n  A 192.0.2.500\n"),
        (
            "owner.zone",
            "a.example. 60 A 192.0.2.1\n$INCLUDE empty.inc\n  A 192.0.2.2\n",
        ),
        ("empty.inc", "  A 192.0.2.3\n"),
    ];
    let error = |path: &str, depth: usize| {
        ZoneFileParser::with_source(memory(&files))
            .with_max_include_depth(depth)
            .parse_file(Path::new(path))
            .expect_err("fails")
            .to_string()
    };
    assert_eq!(
        error("loop.zone", 3),
        "loop.zone:1:1: $INCLUDE nested more than 3 files deep"
    );
    assert_eq!(
        error("loop.zone", 0),
        "loop.zone:1:1: $INCLUDE is not allowed here"
    );
    assert_eq!(
        error("main.zone", 16),
        "bad file.inc:2:5: bad A data: expected an IPv4 address, found `192.0.2.500`"
    );
    // An included file does not inherit the previous owner.
    assert_eq!(
        error("owner.zone", 16),
        "empty.inc:1:3: the line starts with a blank, so the owner is the previous record's, but there is none"
    );
    assert_eq!(
        error("missing.zone", 16),
        "missing.zone: cannot read missing.zone: no such file"
    );
    let files = [("a.zone", "$INCLUDE gone.inc\n")];
    let error = ZoneFileParser::with_source(memory(&files))
        .parse_file(Path::new("a.zone"))
        .expect_err("fails");
    assert_eq!(
        (error.line, error.column, error.to_string()),
        (
            1,
            10,
            "a.zone:1:10: cannot read gone.inc: no such file".to_string()
        )
    );
}

#[test]
fn errors_point_at_the_token() {
    let cases: &[(&str, &str)] = &[
        (
            "a 60 A 192.0.2.1\n  \"unterminated\n",
            "2:3: unterminated quoted string",
        ),
        (
            "a 60 SOA ns host ( 1 2\n 3 4 5\n",
            "1:18: `(` is never closed",
        ),
        ("a 60 A 192.0.2.1 )\n", "1:18: `)` without an opening `(`"),
        ("a 60 ( A ( 192.0.2.1 ) )\n", "1:10: nested `(`"),
        ("  A 192.0.2.1\n", "1:3: the line starts with a blank"),
        (
            "a..b 60 A 192.0.2.1\n",
            "1:1: bad domain name `a..b`: empty label",
        ),
        (
            "a 6x A 192.0.2.1\n",
            "1:3: expected a TTL (seconds, or with units as in 1h30m), found `6x`",
        ),
        (
            "a 2147483648 A 192.0.2.1\n",
            "1:3: TTL 2147483648 is above 2147483647",
        ),
        (
            "a 60 IN BOGUS 1\n",
            "1:9: expected a TTL, class or record type, found `BOGUS`",
        ),
        (
            "a 60 60 A 192.0.2.1\n",
            "1:6: expected a TTL, class or record type, found `60`",
        ),
        (
            "a 60 IN\n",
            "1:8: expected a record type, found end of line",
        ),
        (
            "a 60 ANY \\# 0\n",
            "1:6: type ANY cannot appear in a zone file",
        ),
        (
            "a 60 OPT \\# 0\n",
            "1:6: type OPT cannot appear in a zone file",
        ),
        (
            "a 60 A\n",
            "1:7: bad A data: expected an IPv4 address, found end of data",
        ),
        (
            "a 60 MX 10 ( mail\n  extra )\n",
            "2:3: bad MX data: expected end of data, found `extra`",
        ),
        ("a 60 TXT \"x\" \"y\n", "1:14: unterminated quoted string"),
        (
            "a 60 TXT \"ok\" \"\\256\"\n",
            "1:15: bad TXT data: bad escape sequence in `\\256`",
        ),
        (
            "$GENERATE 1-10 a$ A 192.0.2.$\n",
            "1:1: unknown directive `$GENERATE`",
        ),
        (
            "$ORIGIN\n",
            "1:8: expected a domain name after $ORIGIN, found end of line",
        ),
        (
            "$TTL 1 2\n",
            "1:8: expected end of line after the $TTL arguments, found `2`",
        ),
        ("$TTL x\n", "1:6: expected a TTL"),
        ("$ORIGIN a..b.\n", "1:9: bad domain name `a..b.`"),
        (
            "$INCLUDE\n",
            "1:9: expected a file name after $INCLUDE, found end of line",
        ),
        (
            "$INCLUDE a b c\n",
            "1:14: expected end of line after the $INCLUDE arguments, found `c`",
        ),
        ("$INCLUDE bad\\\n", "1:10: bad file name `bad\\`"),
    ];
    for (text, expected) in cases {
        let message = error(text, Some("example."));
        assert!(
            message.starts_with(&format!("test.zone:{expected}")),
            "{text:?}\n got: {message}\nwant: test.zone:{expected}"
        );
    }
}

#[test]
fn entries_may_span_lines_and_hold_special_characters() {
    let text = "\
$ORIGIN example.
$TTL 1h
@   IN  SOA ns1 hostmaster (
            2024010101 ; serial
            1d         ; refresh
            2h 4w 1h ) ; the rest
txt TXT ( \"a ; b\" \"(c)\"
          \"d\\\"e\" )
sp\\ ace A 192.0.2.1
\\@sign A 192.0.2.2
";
    assert_eq!(
        shown(text, None),
        [
            "example.\t3600\tIN\tSOA\tns1.example. hostmaster.example. 2024010101 86400 7200 2419200 3600",
            "txt.example.\t3600\tIN\tTXT\t\"a ; b\" \"(c)\" \"d\\\"e\"",
            "sp\\032ace.example.\t3600\tIN\tA\t192.0.2.1",
            "\\@sign.example.\t3600\tIN\tA\t192.0.2.2",
        ]
    );
}

#[test]
fn free_functions_and_streaming() {
    let records = parse_str("a. 1 A 192.0.2.1\n", None, "x.zone").expect("parses");
    assert_eq!(records[0].data, RData::A(Ipv4Addr::new(192, 0, 2, 1)));
    let mut count = 0;
    ZoneFileParser::new()
        .read_bytes(b"a. 1 A 192.0.2.1\nb. 1 A 192.0.2.2\n", "x.zone", |_, _| {
            count += 1
        })
        .expect("parses");
    assert_eq!(count, 2);
    let error = parse_file(Path::new("/nonexistent/globe/zone"), None).expect_err("fails");
    assert_eq!((error.line, error.column), (0, 0));
    assert!(error
        .to_string()
        .starts_with("/nonexistent/globe/zone: cannot read"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn parse_bytes(text: &[u8]) -> Result<Vec<Record>, ZoneFileError> {
        ZoneFileParser::with_source(|_: &Path| -> io::Result<Vec<u8>> {
            Err(io::ErrorKind::NotFound.into())
        })
        .with_origin(Some(name("example.")))
        .parse_bytes(text, "fuzz.zone")
    }

    /// Bytes biased towards the ones the lexer treats specially.
    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            3 => prop::sample::select(&b" \t\n\r();\"\\$@.#=,0123456789"[..]),
            2 => b'a'..=b'z',
            1 => any::<u8>(),
        ]
    }

    const TYPES: [&str; 19] = [
        "A",
        "AAAA",
        "NS",
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
        "HINFO",
    ];

    /// Words that make up plausible entries.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "A",
                "AAAA",
                "NS",
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
                "HINFO",
                "TYPE65280",
                "IN",
                "CH",
                "CLASS9",
                "\\#",
                "$TTL",
                "$ORIGIN",
                "$INCLUDE",
                "@",
                "(",
                ")",
                "\n",
                "\"",
                "-",
                "alpn=h2",
                "port=",
                "key7=\"x\"",
                "mandatory=alpn",
                "1h",
                "192.0.2.1",
                "::1",
                "AAAA==",
                "0A0B",
                "20240101000000",
                "www",
                "a.b.",
                ".",
            ])
            .prop_map(str::to_string),
            (0u32..70_000).prop_map(|n| n.to_string()),
        ]
    }

    proptest! {
        #[test]
        fn on_arbitrary_bytes(text in proptest::collection::vec(byte(), 0..300)) {
            let _ = parse_bytes(&text);
        }

        #[test]
        fn on_arbitrary_entries(
            owner in prop::sample::select(vec!["www", "@", "a.b.", "*.w", "x\\.y"]),
            rtype in prop::sample::select(TYPES.to_vec()),
            words in proptest::collection::vec(word(), 0..12),
        ) {
            let text = format!("{owner} 60 {rtype} {}", words.join(" "));
            if let Ok(records) = parse_bytes(text.as_bytes()) {
                // Whatever parses prints and parses back to itself.
                for record in records {
                    let shown = record.to_string();
                    let again = parse_bytes(shown.as_bytes()).map_err(|e| format!("{shown}: {e}"));
                    prop_assert_eq!(again, Ok(vec![record]));
                }
            }
        }
    }
}
