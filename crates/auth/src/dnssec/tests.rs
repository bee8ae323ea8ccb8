//! NSEC3 hashing against RFC 5155 Appendix A, the canonical-order keys against `Name`'s order, and
//! the proofs each kind of answer carries, for the example zones of RFC 4035 Appendix A (NSEC) and
//! RFC 5155 Appendix A (NSEC3), checked against the responses of their Appendix B.

use super::*;
use crate::answer::{Context, Outcome, Responder, Transport};
use crate::zone::ZoneSet;
use globe_dns::{Class, Edns, Header, Message, Question, Record, TypeBitmap};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Arc;

fn name(text: &str) -> Name {
    text.parse().expect("valid name")
}

/// The hashed owners of RFC 5155 Appendix A (salt aabbccdd, 12 iterations).
const APPENDIX_A_HASHES: &[(&str, &str)] = &[
    ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
    ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
    ("ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"),
    ("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"),
    ("ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"),
    ("w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"),
    ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
    ("x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"),
    ("y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"),
    ("x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"),
    ("xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"),
    (
        "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.",
        "kohar7mbb8dc2ce8a9qvl8hon4k53uhi",
    ),
];

const SALT: [u8; 4] = [0xaa, 0xbb, 0xcc, 0xdd];

fn base32hex(hash: &Nsec3Hash) -> String {
    let mut out = Vec::new();
    encode_base32hex_hash(hash, &mut out);
    String::from_utf8(out).expect("ascii")
}

#[test]
fn nsec3_hashes_match_rfc5155_appendix_a() {
    for (owner, hashed) in APPENDIX_A_HASHES {
        let wire = name(owner).to_lowercase();
        let hash = nsec3_hash(wire.as_wire(), &SALT, 12);
        assert_eq!(base32hex(&hash), *hashed, "{owner}");
        assert_eq!(decode_base32hex_hash(hashed.as_bytes()), Some(hash));
        assert_eq!(
            decode_base32hex_hash(hashed.to_ascii_uppercase().as_bytes()),
            Some(hash)
        );
    }
    // The name is hashed in canonical (lower-case) form: the caller lower-cases it.
    let upper = nsec3_hash(name("EXAMPLE.").as_wire(), &SALT, 12);
    assert_ne!(base32hex(&upper), "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
    assert_eq!(
        decode_base32hex_hash(b"0p9mhaveqvm6t7vbl5lop2u3t2rp3to"),
        None
    );
    assert_eq!(
        decode_base32hex_hash(b"0p9mhaveqvm6t7vbl5lop2u3t2rp3toz"),
        None
    );
}

#[test]
fn canonical_keys_sort_as_rfc4034_order() {
    // RFC 4034 §6.1's example, shuffled, with labels holding octets 0, 1 and 2 added.
    let mut names: Vec<Name> = [
        "z.example.",
        "\\001.z.example.",
        "*.z.example.",
        "\\200.z.example.",
        "example.",
        "a.example.",
        "yljkjljk.a.example.",
        "Z.a.example.",
        "zABC.a.EXAMPLE.",
        "\\000.a.example.",
        "\\000\\001.a.example.",
        "\\001\\000.a.example.",
        "\\002.a.example.",
        "a\\000.example.",
        "a.",
        ".",
    ]
    .iter()
    .map(|text| name(text).to_lowercase())
    .collect();
    let index = NsecIndex::build(names.iter().map(Name::as_wire));
    names.sort();
    let keyed: Vec<Name> = index
        .order
        .iter()
        .map(|&offset| wire_from_key(index.key(offset)))
        .collect();
    assert_eq!(keyed, names);
    // previous() is the greatest owner strictly before the name; none before the first.
    assert_eq!(index.previous(name(".").as_wire()), None);
    // "a\000" sorts after "a" and all of a.example's children.
    assert_eq!(
        index.previous(name("b.example.").as_wire()),
        Some(name("a\\000.example."))
    );
    assert_eq!(
        index.previous(name("a\\000.example.").as_wire()),
        Some(name("zabc.a.example."))
    );
    assert_eq!(
        index.previous(name("a.example.").as_wire()),
        Some(name("example."))
    );
    assert_eq!(
        index.matching_or_previous(name("a.example.").as_wire()),
        Some(name("a.example."))
    );
}

/// Adds an RRSIG for every authoritative RRset, as a signer does: not for the NS RRset at a cut nor
/// for glue (the signature bytes are not checked by anyone here).
fn signed(text: &str) -> Arc<Zone> {
    let mut records = globe_dns::zonefile::parse_str(text, None, "test").expect("valid zone");
    let cuts: Vec<Name> = records
        .iter()
        .filter(|r| r.rtype() == RType::NS && r.name != name("example."))
        .map(|r| r.name.clone())
        .collect();
    let mut sets: Vec<(Name, RType, u32)> = Vec::new();
    for record in &records {
        let at_cut = cuts.contains(&record.name);
        let below_cut = cuts
            .iter()
            .any(|cut| record.name != *cut && record.name.is_subdomain_of(cut));
        if below_cut || (at_cut && record.rtype() != RType::DS && record.rtype() != RType::NSEC) {
            continue;
        }
        let key = (record.name.clone(), record.rtype(), record.ttl);
        if !sets.iter().any(|(n, t, _)| *n == key.0 && *t == key.1) {
            sets.push(key);
        }
    }
    for (owner, rtype, ttl) in sets {
        let labels = owner.label_count() - usize::from(owner.is_wildcard());
        records.push(Record {
            name: owner.clone(),
            class: Class::IN,
            ttl,
            data: RData::Rrsig {
                type_covered: rtype,
                algorithm: 13,
                labels: labels as u8,
                original_ttl: ttl,
                expiration: 1_900_000_000,
                inception: 1_800_000_000,
                key_tag: 1,
                signer: name("example."),
                signature: owner.as_wire().to_vec(),
            },
        });
    }
    Arc::new(Zone::from_records(None, records).expect("valid zone"))
}

/// RFC 4035 Appendix A, without keys: a secure delegation `a`, an insecure one `b`, a wildcard.
const NSEC_ZONE: &str = "\
$ORIGIN example.
$TTL 3600
@ SOA ns1 bugs.x.w 1081539377 3600 300 3600000 3600
@ NS ns1
@ NS ns2
@ MX 1 xx
@ DNSKEY 257 3 13 AQID
@ NSEC a NS SOA MX RRSIG NSEC DNSKEY
a NS ns1.a
a NS ns2.a
a DS 57855 5 1 B6DCD485719ADCA18E5F3D48A2331627FDD3636B
a NSEC ai NS DS RRSIG NSEC
ns1.a A 192.0.2.5
ns2.a A 192.0.2.6
ai A 192.0.2.9
ai AAAA 2001:db8::f00:baa9
ai NSEC b A AAAA RRSIG NSEC
b NS ns1.b
b NS ns2.b
b NSEC ns1 NS RRSIG NSEC
ns1.b A 192.0.2.7
ns2.b A 192.0.2.8
ns1 A 192.0.2.1
ns1 NSEC ns2 A RRSIG NSEC
ns2 A 192.0.2.2
ns2 NSEC *.w A RRSIG NSEC
*.w MX 1 ai
*.w NSEC x.w MX RRSIG NSEC
x.w MX 1 xx
x.w NSEC x.y.w MX RRSIG NSEC
x.y.w MX 1 xx
x.y.w NSEC xx MX RRSIG NSEC
xx A 192.0.2.10
xx AAAA 2001:db8::f00:baaa
xx NSEC example. A AAAA RRSIG NSEC
";

/// RFC 5155 Appendix A, without keys: opt-out NSEC3 (salt aabbccdd, 12 iterations), a secure
/// delegation `a`, an insecure `c` without NSEC3, the empty non-terminals `w` and `y.w`.
const NSEC3_NAMES: &str = "\
$ORIGIN example.
$TTL 3600
@ SOA ns1 bugs.x.w 1 3600 300 3600000 3600
@ NS ns1
@ NS ns2
@ MX 1 xx
@ DNSKEY 257 3 13 AQID
@ NSEC3PARAM 1 0 12 aabbccdd
2t7b4g4vsa5smi47k61mv5bv1a22bojr A 192.0.2.127
a NS ns1.a
a NS ns2.a
a DS 58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C
ns1.a A 192.0.2.5
ns2.a A 192.0.2.6
ai A 192.0.2.9
ai AAAA 2001:db8::f00:baa9
c NS ns1.c
c NS ns2.c
ns1.c A 192.0.2.7
ns2.c A 192.0.2.8
ns1 A 192.0.2.1
ns2 A 192.0.2.2
*.w MX 1 ai
x.w MX 1 xx
x.y.w MX 1 xx
xx A 192.0.2.10
xx AAAA 2001:db8::f00:baaa
";

/// The NSEC3 zone with its chain: one NSEC3 per name of Appendix A's list, next hashes in order.
fn nsec3_zone() -> Arc<Zone> {
    let mut hashes: Vec<&str> = APPENDIX_A_HASHES.iter().map(|(_, hash)| *hash).collect();
    hashes.sort_unstable();
    let mut text = NSEC3_NAMES.to_string();
    for (i, hash) in hashes.iter().enumerate() {
        let next = hashes[(i + 1) % hashes.len()];
        text.push_str(&format!(
            "{hash} 3600 NSEC3 1 1 12 aabbccdd {next} A RRSIG\n"
        ));
    }
    signed(&text)
}

fn ask(zone: &Arc<Zone>, qname: &str, qtype: RType) -> Message {
    let mut zones = ZoneSet::new();
    zones.insert(zone.clone());
    let query = Message {
        header: Header {
            id: 7,
            ..Header::default()
        },
        questions: vec![Question {
            name: name(qname),
            qtype,
            qclass: Class::IN,
        }],
        edns: Some(Edns {
            udp_payload: 1232,
            extended_rcode: 0,
            version: 0,
            dnssec_ok: true,
            z: 0,
            options: Vec::new(),
        }),
        ..Message::default()
    };
    let responder = Responder::default();
    let context = Context::new(Ipv4Addr::LOCALHOST.into());
    match responder.respond(
        &zones,
        &query.to_wire(),
        Transport::Tcp,
        context,
        Vec::new(),
    ) {
        Outcome::Respond(bytes, _) => Message::parse(&bytes).expect("a valid response"),
        other => panic!("no response: {other:?}"),
    }
}

/// A section as "owner TYPE" lines, RRSIGs as "owner RRSIG(TYPE)".
fn shown(records: &[Record]) -> BTreeSet<String> {
    records
        .iter()
        .map(|record| match &record.data {
            RData::Rrsig { type_covered, .. } => {
                format!("{} RRSIG({type_covered})", record.name.to_lowercase())
            }
            data => format!("{} {}", record.name.to_lowercase(), data.rtype()),
        })
        .collect()
}

fn set(lines: &[&str]) -> BTreeSet<String> {
    lines.iter().map(|line| line.to_string()).collect()
}

#[test]
fn nsec_answers_follow_rfc4035_appendix_b() {
    let zone = signed(NSEC_ZONE);
    assert!(zone.is_signed());
    assert!(matches!(zone.denial(), Some(Denial::Nsec(index)) if index.len() == 10));

    // B.1 an answer: the RRset and its RRSIG; the additional addresses with theirs.
    let response = ask(&zone, "x.w.example.", RType::MX);
    assert_eq!(
        shown(&response.answers),
        set(&["x.w.example. MX", "x.w.example. RRSIG(MX)"])
    );
    assert!(shown(&response.additional).contains("xx.example. RRSIG(A)"));

    // B.2 name error: the NSEC covering the name and the one covering *.example.
    let response = ask(&zone, "ml.example.", RType::A);
    assert_eq!(response.header.rcode, 3);
    assert_eq!(
        shown(&response.authority),
        set(&[
            "example. SOA",
            "example. RRSIG(SOA)",
            "b.example. NSEC",
            "b.example. RRSIG(NSEC)",
            "example. NSEC",
            "example. RRSIG(NSEC)",
        ])
    );
    // The two proofs are the same NSEC: sent once.
    let response = ask(&zone, "ab.example.", RType::A);
    let nsecs = response
        .authority
        .iter()
        .filter(|r| r.rtype() == RType::NSEC);
    assert_eq!(
        nsecs.count(),
        2,
        "a.example covers ab.example, example. covers *.example"
    );
    let response = ask(&zone, "a.x.w.example.", RType::A);
    assert_eq!(
        shown(&response.authority),
        set(&[
            "example. SOA",
            "example. RRSIG(SOA)",
            "x.w.example. NSEC",
            "x.w.example. RRSIG(NSEC)",
        ])
    );

    // B.3 no data: the NSEC at the name.
    let response = ask(&zone, "ns1.example.", RType::MX);
    assert_eq!(
        shown(&response.authority),
        set(&[
            "example. SOA",
            "example. RRSIG(SOA)",
            "ns1.example. NSEC",
            "ns1.example. RRSIG(NSEC)",
        ])
    );
    // An empty non-terminal has no NSEC: the one covering it.
    let response = ask(&zone, "y.w.example.", RType::A);
    assert!(shown(&response.authority).contains("x.w.example. NSEC"));

    // B.4 referral to a signed zone: NS, DS and the DS's RRSIG.
    let response = ask(&zone, "mc.a.example.", RType::MX);
    assert_eq!(
        shown(&response.authority),
        set(&["a.example. NS", "a.example. DS", "a.example. RRSIG(DS)"])
    );

    // B.5 referral to an unsigned zone: the NSEC at the cut proves there is no DS.
    let response = ask(&zone, "mc.b.example.", RType::MX);
    assert_eq!(
        shown(&response.authority),
        set(&["b.example. NS", "b.example. NSEC", "b.example. RRSIG(NSEC)"])
    );

    // B.6 wildcard expansion: the RRSIG owned by the query name, the NSEC covering it.
    let response = ask(&zone, "a.z.w.example.", RType::MX);
    assert_eq!(
        shown(&response.answers),
        set(&["a.z.w.example. MX", "a.z.w.example. RRSIG(MX)"])
    );
    assert_eq!(
        shown(&response.authority),
        set(&["x.y.w.example. NSEC", "x.y.w.example. RRSIG(NSEC)"])
    );

    // B.7 wildcard no data: the NSEC at the wildcard and the one covering the name.
    let response = ask(&zone, "a.z.w.example.", RType::AAAA);
    assert_eq!(
        shown(&response.authority),
        set(&[
            "example. SOA",
            "example. RRSIG(SOA)",
            "*.w.example. NSEC",
            "*.w.example. RRSIG(NSEC)",
            "x.y.w.example. NSEC",
            "x.y.w.example. RRSIG(NSEC)",
        ])
    );

    // B.8 DS at the apex, no data: the apex NSEC.
    let response = ask(&zone, "example.", RType::DS);
    assert!(shown(&response.authority).contains("example. NSEC"));
    // DS at a cut is answered from this side of it.
    let response = ask(&zone, "a.example.", RType::DS);
    assert_eq!(
        shown(&response.answers),
        set(&["a.example. DS", "a.example. RRSIG(DS)"])
    );
}

#[test]
fn nsec3_answers_follow_rfc5155_appendix_b() {
    let zone = nsec3_zone();
    let Some(Denial::Nsec3(chain)) = zone.denial() else {
        panic!("an NSEC3 zone");
    };
    assert_eq!(chain.len(), APPENDIX_A_HASHES.len());
    let nsec3 = |hash: &str| format!("{hash}.example. NSEC3");
    let rrsig = |hash: &str| format!("{hash}.example. RRSIG(NSEC3)");
    let with_soa = |hashes: &[&str]| {
        let mut lines = set(&["example. SOA", "example. RRSIG(SOA)"]);
        for hash in hashes {
            lines.insert(nsec3(hash));
            lines.insert(rrsig(hash));
        }
        lines
    };

    // B.1 name error: closest encloser x.w, next closer c.x.w covered, *.x.w covered.
    let response = ask(&zone, "a.c.x.w.example.", RType::A);
    assert_eq!(response.header.rcode, 3);
    assert_eq!(
        shown(&response.authority),
        with_soa(&[
            "b4um86eghhds6nea196smvmlo4ors995",
            "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
            "35mthgpgcu1qg68fab165klnsnk3dpvl",
        ])
    );

    // B.2 no data: the NSEC3 matching the name.
    let response = ask(&zone, "ns1.example.", RType::MX);
    assert_eq!(
        shown(&response.authority),
        with_soa(&["2t7b4g4vsa5smi47k61mv5bv1a22bojr"])
    );
    // B.2.1 no data at an empty non-terminal: its NSEC3.
    let response = ask(&zone, "y.w.example.", RType::A);
    assert_eq!(
        shown(&response.authority),
        with_soa(&["ji6neoaepv8b5o6k4ev33abha8ht9fgc"])
    );

    // B.3 referral to an opt-out unsigned zone: the closest provable encloser (the apex) and the
    // NSEC3 covering the next closer name c.example.
    let response = ask(&zone, "mc.c.example.", RType::MX);
    let mut expected = set(&["c.example. NS"]);
    for hash in [
        "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
        "35mthgpgcu1qg68fab165klnsnk3dpvl",
    ] {
        expected.insert(nsec3(hash));
        expected.insert(rrsig(hash));
    }
    assert_eq!(shown(&response.authority), expected);

    // B.4 wildcard expansion: the NSEC3 covering the next closer name z.w.example.
    let response = ask(&zone, "a.z.w.example.", RType::MX);
    assert_eq!(
        shown(&response.answers),
        set(&["a.z.w.example. MX", "a.z.w.example. RRSIG(MX)"])
    );
    assert_eq!(
        shown(&response.authority),
        set(&[
            &nsec3("q04jkcevqvmu85r014c7dkba38o0ji5r"),
            &rrsig("q04jkcevqvmu85r014c7dkba38o0ji5r"),
        ])
    );

    // B.5 wildcard no data: the wildcard's NSEC3, the closest encloser's, the next closer cover.
    let response = ask(&zone, "a.z.w.example.", RType::AAAA);
    assert_eq!(
        shown(&response.authority),
        with_soa(&[
            "r53bq7cc2uvmubfu5ocmm6pers9tk9en",
            "k8udemvp1j2f7eg6jebps17vp3n8i58h",
            "q04jkcevqvmu85r014c7dkba38o0ji5r",
        ])
    );

    // B.6 DS at the apex, no data: the apex NSEC3.
    let response = ask(&zone, "example.", RType::DS);
    assert_eq!(
        shown(&response.authority),
        with_soa(&["0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"])
    );
    // DS at the opt-out cut: the closest encloser proof, next closer c.example.
    let response = ask(&zone, "c.example.", RType::DS);
    assert_eq!(
        shown(&response.authority),
        with_soa(&[
            "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
            "35mthgpgcu1qg68fab165klnsnk3dpvl",
        ])
    );

    // A hashed owner is not a name of the zone (RFC 5155 §7.2.8); a name that merely looks like
    // one is.
    let response = ask(
        &zone,
        "b4um86eghhds6nea196smvmlo4ors995.example.",
        RType::NSEC3,
    );
    assert_eq!(response.header.rcode, 3);
    let response = ask(&zone, "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", RType::A);
    assert_eq!(response.answers.len(), 2);
}

#[test]
fn without_do_or_signatures_nothing_is_added() {
    let zone = signed(NSEC_ZONE);
    let mut zones = ZoneSet::new();
    zones.insert(zone.clone());
    let query = Message {
        questions: vec![Question {
            name: name("ml.example."),
            qtype: RType::A,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let context = Context::new(Ipv4Addr::LOCALHOST.into());
    let Outcome::Respond(bytes, _) = Responder::default().respond(
        &zones,
        &query.to_wire(),
        Transport::Udp,
        context,
        Vec::new(),
    ) else {
        panic!("no response");
    };
    let response = Message::parse(&bytes).expect("valid");
    assert_eq!(shown(&response.authority), set(&["example. SOA"]));

    // An unsigned zone (no RRSIG over the apex SOA) builds no index and adds nothing with DO.
    let unsigned = Arc::new(
        Zone::from_records(
            None,
            globe_dns::zonefile::parse_str(NSEC_ZONE, None, "test").expect("valid"),
        )
        .expect("valid"),
    );
    assert!(!unsigned.is_signed());
    assert!(unsigned.denial().is_none());
    let response = ask(&unsigned, "ml.example.", RType::A);
    assert_eq!(shown(&response.authority), set(&["example. SOA"]));
}

#[test]
fn signatures_come_in_runs_of_one_type_and_ttl() {
    let rrsig = |covered: RType, ttl: u32| RData::Rrsig {
        type_covered: covered,
        algorithm: 13,
        labels: 1,
        original_ttl: ttl,
        expiration: 0,
        inception: 0,
        key_tag: ttl as u16,
        signer: name("example."),
        signature: vec![1],
    };
    let set = RRset {
        rtype: RType::RRSIG,
        ttl: 60,
        data: vec![
            rrsig(RType::A, 60),
            rrsig(RType::A, 60),
            rrsig(RType::MX, 60),
            rrsig(RType::MX, 120),
        ],
    };
    let runs: Vec<(u32, usize)> = signatures(&set, Some(RType::A))
        .map(|(ttl, data)| (ttl, data.len()))
        .collect();
    assert_eq!(runs, [(60, 2)]);
    let runs: Vec<(u32, usize)> = signatures(&set, Some(RType::MX))
        .map(|(ttl, data)| (ttl, data.len()))
        .collect();
    assert_eq!(runs, [(60, 1), (120, 1)]);
    assert_eq!(signatures(&set, None).count(), 3);
    assert_eq!(signatures(&set, Some(RType::AAAA)).count(), 0);
    // Type bitmaps are irrelevant to the choice of proofs, but must survive the zone build.
    assert!(!TypeBitmap::from_types([RType::A]).as_wire().is_empty());
}

#[test]
fn chain_search_agrees_with_binary_search() {
    // Evenly spread hashes, plus a run that shares its first 8 octets and a skewed cluster, so the
    // interpolated start is sometimes far off.
    let mut hashes: Vec<Nsec3Hash> = (0u32..2000)
        .map(|i| nsec3_hash(&i.to_be_bytes(), b"", 0))
        .collect();
    for tail in 0..5u8 {
        let mut twin = hashes[7];
        twin[19] = tail;
        hashes.push(twin);
    }
    for low in 0..50u8 {
        let mut clustered = [0u8; SHA1_LENGTH];
        clustered[7] = low;
        hashes.push(clustered);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let chain = Nsec3Chain {
        params: Nsec3Params {
            iterations: 0,
            salt: Vec::new(),
        },
        origin: name("example."),
        prefixes: hashes.iter().map(prefix).collect(),
        hashes: hashes.clone(),
    };
    let mut probes: Vec<Nsec3Hash> = hashes.clone();
    probes.extend((5000u32..7000).map(|i| nsec3_hash(&i.to_be_bytes(), b"", 0)));
    for hash in &hashes {
        let mut near = *hash;
        near[19] = near[19].wrapping_add(1);
        probes.push(near);
    }
    probes.push([0; SHA1_LENGTH]);
    probes.push([0xff; SHA1_LENGTH]);
    for probe in &probes {
        assert_eq!(
            chain.position(probe),
            hashes.binary_search(probe),
            "{probe:?}"
        );
    }
    let empty = Nsec3Chain {
        hashes: Vec::new(),
        prefixes: Vec::new(),
        ..chain
    };
    assert_eq!(empty.position(&[7; SHA1_LENGTH]), Err(0));
    assert_eq!(empty.covering(b"\x07example\x00"), None);
}
