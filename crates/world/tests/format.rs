//! The world format both ways: every rule's error at its file position, defaults, airport resolution,
//! and `to_toml` reading back to the same model.

use globe_world::{
    in_documentation_range, Coordinates, Kind, Location, Problem, Relationship, Service, World,
    WorldError,
};
use std::path::Path;

const BASE: &str = r#"name = "demo"

[[as]]
asn = 64496
kind = "tier1"
location = "fra"

[[as]]
asn = 64497
name = "TRANSIT"
lat = 52.3
lon = 4.76
country = "NL"
addresses = 1024

[[as]]
asn = 64498
services = ["users", "resolver"]

[[link]]
provider = 64496
customer = 64497
latency_ms = 3.5

[[link]]
provider = 64497
customer = 64498

[anycast]
prefix = "192.0.2.0/24"
prefix6 = "2001:db8::/48"
origins = [64498]

[[anycast.pop]]
name = "FRA"
location = "FRA"
upstreams = [64496]
prepend = 2
no_export = true
"#;

fn parse(text: &str) -> Result<World, WorldError> {
    World::parse(text, Path::new("w.toml"), None)
}

/// The `file:line:column` prefix and problem of a rejected text.
fn rejected(text: &str) -> (String, Problem) {
    match parse(text) {
        Err(WorldError::Invalid {
            path,
            line,
            column,
            problem,
            ..
        }) => (format!("{}:{line}:{column}", path.display()), problem),
        Err(other) => panic!("unexpected error {other}"),
        Ok(world) => panic!("accepted: {world:?}"),
    }
}

/// `BASE` with `old` replaced by `new` (which must occur).
fn edited(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old:?} not in BASE");
    BASE.replacen(old, new, 1)
}

#[test]
fn the_base_world_reads_with_defaults() {
    let world = parse(BASE).expect("valid");
    assert_eq!(world.name.as_deref(), Some("demo"));
    assert_eq!(world.ases.len(), 3);
    assert_eq!(
        world.ases[0].location,
        Some(Location::Airport {
            code: "FRA".into(),
            coordinates: None
        })
    );
    // No kind: transit with customers, stub without.
    assert_eq!(world.ases[1].kind, Kind::Transit);
    assert_eq!(world.ases[2].kind, Kind::Stub);
    assert_eq!(
        world.ases[2].services,
        vec![Service::Users, Service::Resolver]
    );
    assert_eq!(world.ases[1].addresses, Some(1024));
    assert_eq!(world.links[0].latency_ms, Some(3.5));
    assert_eq!(world.links[1].latency_ms, None);
    let anycast = world.anycast.as_ref().expect("anycast");
    assert_eq!(anycast.asn, 64500);
    assert_eq!(anycast.pops[0].prepend, 2);
    assert!(anycast.pops[0].no_export);
    assert_eq!(anycast.origins, vec![64498]);
    assert_eq!(anycast.prefixes().count(), 2);
    assert!(anycast
        .prefixes()
        .all(|prefix| in_documentation_range(&prefix)));
}

#[test]
fn to_toml_reads_back_to_the_same_world() {
    let world = parse(BASE).expect("valid");
    let text = world.to_toml();
    let again = World::parse(&text, Path::new("again.toml"), None).expect(&text);
    assert_eq!(again, world);
    assert_eq!(again.to_toml(), text, "writing is stable");
    // Names with quotes, backslashes and control characters survive.
    let mut odd = world.clone();
    odd.name = Some("a \"quoted\" \\ name\twith\u{1}".into());
    odd.ases[0].name = Some("Société \"X\", Inc.".into());
    let again = parse(&odd.to_toml()).expect("escaped");
    assert_eq!(again, odd);
}

#[test]
fn airports_resolve_when_a_table_is_given() {
    let table = |code: &str| {
        (code == "FRA").then_some(Coordinates {
            lat: 50.03,
            lon: 8.57,
        })
    };
    let world = World::parse(BASE, Path::new("w.toml"), Some(&table)).expect("FRA is known");
    let fra = Coordinates {
        lat: 50.03,
        lon: 8.57,
    };
    assert_eq!(
        world.ases[0]
            .location
            .as_ref()
            .and_then(Location::coordinates),
        Some(fra)
    );
    let pops = &world.anycast.as_ref().expect("anycast").pops;
    assert_eq!(
        pops[0].location.as_ref().and_then(Location::coordinates),
        Some(fra)
    );
    let text = edited(
        "location = \"FRA\"\nupstreams",
        "location = \"XYZ\"\nupstreams",
    );
    let error = World::parse(&text, Path::new("w.toml"), Some(&table)).expect_err("XYZ unknown");
    assert_eq!(
        error.to_string(),
        "w.toml:36:12: unknown IATA airport code \"XYZ\""
    );
}

#[test]
fn syntax_and_type_errors_carry_positions() {
    let (at, problem) = rejected(&edited("asn = 64497", "asn = \"64497\""));
    assert_eq!(at, "w.toml:9:7");
    assert!(matches!(problem, Problem::Syntax(_)), "{problem:?}");
    let (at, _) = rejected(&edited("asn = 64497", "asn = -1"));
    assert_eq!(at, "w.toml:9:7");
    let (at, problem) = rejected(&edited("kind = \"tier1\"", "kind = \"tier2\""));
    assert_eq!(at, "w.toml:5:8");
    assert!(
        matches!(problem, Problem::Syntax(ref m) if m.contains("tier2")),
        "{problem:?}"
    );
    let (at, problem) = rejected(&edited("country = \"NL\"", "county = \"NL\""));
    assert_eq!(at, "w.toml:13:1");
    assert!(
        matches!(problem, Problem::Syntax(ref m) if m.contains("county")),
        "{problem:?}"
    );
    let (at, _) = rejected(&edited("prepend = 2", "prepend = 300"));
    assert_eq!(at, "w.toml:38:11");
    let (at, _) = rejected("[[as]\nasn = 1\n");
    assert_eq!(at, "w.toml:1:5");
}

#[test]
fn rules_are_reported_at_the_offending_key() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (old, new, position, message)
        (
            "asn = 64498",
            "asn = 64497",
            "w.toml:17:7",
            "AS64497 is declared twice (first at line 9)",
        ),
        (
            "asn = 64498",
            "asn = 23456",
            "w.toml:17:7",
            "AS23456 is reserved",
        ),
        (
            "customer = 64498",
            "customer = 64499",
            "w.toml:27:12",
            "AS64499 is not declared as an [[as]]",
        ),
        (
            "customer = 64498",
            "customer = 64497",
            "w.toml:27:12",
            "AS64497 is linked to itself",
        ),
        (
            "provider = 64497\ncustomer = 64498",
            "peers = [64497, 64496]",
            "w.toml:25:1",
            "AS64497 and AS64496 are already linked (one link per pair) (first at line 20)",
        ),
        (
            "provider = 64497\ncustomer = 64498",
            "peers = [64497]",
            "w.toml:26:9",
            "peers lists 1 ASNs, not 2",
        ),
        (
            "provider = 64497\ncustomer = 64498",
            "provider = 64497",
            "w.toml:25:1",
            "a link is `provider = A, customer = B` or `peers = [A, B]` (exactly one form)",
        ),
        (
            "latency_ms = 3.5",
            "latency_ms = -1.0",
            "w.toml:23:14",
            "latency -1 ms",
        ),
        (
            "latency_ms = 3.5",
            "latency_ms = nan",
            "w.toml:23:14",
            "latency NaN ms",
        ),
        ("lat = 52.3", "lat = 95.0", "w.toml:11:7", "latitude 95"),
        ("lon = 4.76\n", "", "w.toml:11:7", "lat and lon go together"),
        (
            "lat = 52.3",
            "location = \"AMS\"\nlat = 52.3",
            "w.toml:11:12",
            "give location (IATA) or lat/lon, not both",
        ),
        (
            "location = \"fra\"",
            "location = \"FRAN\"",
            "w.toml:6:12",
            "not a three-character",
        ),
        (
            "country = \"NL\"",
            "country = \"nl\"",
            "w.toml:13:11",
            "country \"nl\"",
        ),
        (
            "services = [\"users\", \"resolver\"]",
            "services = [\"users\", \"users\"]",
            "w.toml:18:12",
            "service \"users\" listed twice",
        ),
        (
            "provider = 64496\ncustomer = 64497",
            "provider = 64497\ncustomer = 64496",
            "w.toml:22:12",
            "AS64496 is tier1, so it cannot have a provider",
        ),
        (
            "prefix = \"192.0.2.0/24\"",
            "prefix = \"192.0.2.1/24\"",
            "w.toml:30:10",
            "bits set past the prefix length",
        ),
        (
            "prefix = \"192.0.2.0/24\"",
            "prefix = \"2001:db8:1::/48\"",
            "w.toml:30:10",
            "is IPv6: it belongs in prefix6",
        ),
        (
            "prefix = \"192.0.2.0/24\"\nprefix6 = \"2001:db8::/48\"\n",
            "",
            "w.toml:29:1",
            "[anycast] needs prefix or prefix6",
        ),
        (
            "origins = [64498]",
            "origins = [64498]\nasn = 64497",
            "w.toml:33:7",
            "the operator AS64497 is also an [[as]]",
        ),
        (
            "origins = [64498]",
            "origins = [64498, 64498]",
            "w.toml:32:11",
            "origin AS64498 listed twice",
        ),
        (
            "upstreams = [64496]",
            "upstreams = []",
            "w.toml:37:13",
            "has no upstreams",
        ),
        (
            "upstreams = [64496]",
            "upstreams = [64496, 64496]",
            "w.toml:37:13",
            "upstream AS64496 listed twice",
        ),
        (
            "prepend = 2",
            "prepend = 17",
            "w.toml:38:11",
            "prepend 17 exceeds 16",
        ),
    ];
    for (old, new, position, message) in cases {
        let text = edited(old, new);
        let error = parse(&text).expect_err(new).to_string();
        assert!(
            error.starts_with(&format!("{position}: ")),
            "{new:?}: {error}"
        );
        assert!(error.contains(message), "{new:?}: {error}");
    }
}

#[test]
fn kinds_constrain_links() {
    let text = edited("asn = 64498\n", "asn = 64498\nkind = \"stub\"\n").replacen(
        "provider = 64497\ncustomer = 64498",
        "provider = 64498\ncustomer = 64497",
        1,
    );
    assert_eq!(
        parse(&text).expect_err("stub provider").to_string(),
        "w.toml:27:12: AS64498 is a stub, so it cannot be a provider"
    );
}

#[test]
fn pops_need_distinct_names_and_something_must_announce() {
    let text = format!("{BASE}\n[[anycast.pop]]\nname = \"FRA\"\nupstreams = [64497]\n");
    let error = parse(&text).expect_err("two FRA").to_string();
    assert_eq!(
        error,
        "w.toml:42:8: two PoPs are named \"FRA\" (first at line 35)"
    );
    let text = "[[as]]\nasn = 1\n\n[anycast]\nprefix = \"192.0.2.0/24\"\n";
    let error = parse(text).expect_err("nothing announces").to_string();
    assert!(
        error.starts_with("w.toml:4:1: [anycast] needs at least one"),
        "{error}"
    );
    let error = parse("name = \"empty\"\n")
        .expect_err("no ASes")
        .to_string();
    assert_eq!(error, "w.toml:1:1: a world needs at least one [[as]]");
}

#[test]
fn inline_arrays_are_the_same_data_as_tables() {
    let text = r#"
as = [
  { asn = 1, kind = "tier1" },
  { asn = 2, lat = -33.9, lon = 151.2 },
]
link = [{ provider = 1, customer = 2, latency_ms = 7 }]
"#;
    let world = parse(text).expect("valid");
    assert_eq!(
        world.links[0].relationship,
        Relationship::ProviderCustomer {
            provider: 1,
            customer: 2
        }
    );
    // An integer latency reads as a float.
    assert_eq!(world.links[0].latency_ms, Some(7.0));
    let text = "as = [\n  { asn = 1 },\n  { asn = 1 },\n]\n";
    assert_eq!(
        parse(text).expect_err("duplicate").to_string(),
        "w.toml:3:11: AS1 is declared twice (first at line 2)"
    );
}

#[test]
fn validate_checks_worlds_built_in_code() {
    let mut world = parse(BASE).expect("valid");
    world.links[1].latency_ms = Some(2000.0);
    let invalid = world.validate().expect_err("too slow");
    assert_eq!(
        invalid.to_string(),
        "[[link]] #2 latency_ms: latency 2000 ms is outside 0..=1000"
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let error = World::load(Path::new("/nonexistent/world.toml"), None).expect_err("missing");
    assert!(matches!(error, WorldError::Io { .. }), "{error}");
}

#[test]
fn the_example_in_docs_lab_md_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/lab.md");
    let text = std::fs::read_to_string(path).expect("docs/lab.md");
    let start = text.find("```toml\n").expect("a TOML example") + "```toml\n".len();
    let length = text[start..].find("```").expect("closed");
    let world = World::parse(&text[start..start + length], Path::new(path), None)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(world.ases.len(), 3);
    assert_eq!(world.anycast.expect("anycast").pops.len(), 2);
}
