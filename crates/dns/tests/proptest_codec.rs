//! Property tests of the wire codec: names of any bytes within the RFC 1035 limits round trip, messages
//! built from arbitrary records of every type round trip through `to_wire` and `parse`, `parse` never
//! panics on arbitrary or mutated bytes (and what it accepts re-encodes to an equal message), and Client
//! Subnet options round trip and are canonical whenever they decode.

use globe_dns::edns::{ClientSubnet, Cookie};
use globe_dns::name::{MAX_LABEL_LEN, MAX_NAME_LEN};
use globe_dns::rdata::{Soa, Svcb};
use globe_dns::{
    Class, Edns, EdnsOption, Header, Message, Name, Question, RData, RType, Reader, Record,
    TypeBitmap, Writer,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

// ---- names --------------------------------------------------------------------------------------

/// A label: usually from a small pool in mixed case, so names share suffixes and compress against each
/// other; otherwise any bytes, up to the 63-octet limit.
fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec!["com", "COM", "example", "Example", "www", "a", "b", "ns1", "*"])
            .prop_map(|s| s.as_bytes().to_vec()),
        2 => vec(any::<u8>(), 1..=8),
        1 => vec(any::<u8>(), 1..=MAX_LABEL_LEN),
    ]
}

/// Any name that fits in 255 octets: labels are dropped from the front until it does.
fn name() -> impl Strategy<Value = Name> {
    vec(label(), 0..8).prop_map(|mut labels| {
        while labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1 > MAX_NAME_LEN {
            labels.remove(0);
        }
        Name::from_labels(labels.iter().map(Vec::as_slice)).expect("fits by construction")
    })
}

proptest! {
    #[test]
    fn names_round_trip_through_wire(names in vec(name(), 1..8)) {
        // Uncompressed, each name comes back with its exact bytes (case included).
        for n in &names {
            let mut w = Writer::with_capacity(256);
            w.name_uncompressed(n);
            let bytes = w.into_bytes();
            prop_assert_eq!(&bytes[..], n.as_wire());
            let back = Reader::new(&bytes).name().expect("decodes");
            prop_assert_eq!(back.as_wire(), n.as_wire());
        }
        // Compressed one after another, each comes back equal and the reader ends at the end.
        let mut w = Writer::with_capacity(1024);
        for n in &names {
            w.name_compressed(n);
        }
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        for n in &names {
            prop_assert_eq!(&r.name().expect("decodes"), n);
        }
        prop_assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn name_limits_are_enforced(labels in vec(vec(any::<u8>(), 0..=70), 0..10)) {
        let fits = labels.iter().all(|l| (1..=MAX_LABEL_LEN).contains(&l.len()))
            && labels.iter().map(|l| l.len() + 1).sum::<usize>() < MAX_NAME_LEN;
        match Name::from_labels(labels.iter().map(Vec::as_slice)) {
            Ok(n) => {
                prop_assert!(fits);
                prop_assert!(n.wire_len() <= MAX_NAME_LEN);
                prop_assert_eq!(n.labels().map(<[u8]>::to_vec).collect::<Vec<_>>(), labels);
                prop_assert_eq!(Name::from_wire(n.as_wire()).expect("valid wire"), n);
            }
            Err(_) => prop_assert!(!fits),
        }
    }

    #[test]
    fn name_wire_decoding_never_panics(bytes in vec(any::<u8>(), 0..300)) {
        let _ = Name::from_wire(&bytes);
        let mut r = Reader::new(&bytes);
        if let Ok(n) = r.name() {
            prop_assert!(n.wire_len() <= MAX_NAME_LEN);
        }
        let _ = Reader::new(&bytes).uncompressed_name();
    }

    #[test]
    fn names_round_trip_through_presentation_format(n in name()) {
        let text = n.to_string();
        let back = Name::parse(&text, None).expect("parses what it prints");
        prop_assert_eq!(back.as_wire(), n.as_wire());
    }
}

// ---- record data --------------------------------------------------------------------------------

/// The types `RData::parse` decodes into fields, and OPT; an `RData::Unknown` must use none of these.
const DECODED_TYPES: [RType; 22] = [
    RType::A,
    RType::NS,
    RType::CNAME,
    RType::SOA,
    RType::PTR,
    RType::MX,
    RType::TXT,
    RType::AAAA,
    RType::SRV,
    RType::NAPTR,
    RType::DNAME,
    RType::OPT,
    RType::DS,
    RType::RRSIG,
    RType::NSEC,
    RType::DNSKEY,
    RType::NSEC3,
    RType::NSEC3PARAM,
    RType::ZONEMD,
    RType::SVCB,
    RType::HTTPS,
    RType::CAA,
];

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

/// A character string: at most 255 octets (RFC 1035 §3.3).
fn character_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![4 => bytes(16), 1 => bytes(255)]
}

fn type_bitmap() -> impl Strategy<Value = TypeBitmap> {
    vec(any::<u16>().prop_map(RType), 0..6).prop_map(TypeBitmap::from_types)
}

fn svcb() -> impl Strategy<Value = Svcb> {
    (
        any::<u16>(),
        name(),
        btree_map(any::<u16>(), bytes(24), 0..4),
    )
        .prop_map(|(priority, target, params)| Svcb {
            priority,
            target,
            params: params.into_iter().collect(),
        })
}

fn soa() -> impl Strategy<Value = Soa> {
    (name(), name(), any::<[u32; 5]>()).prop_map(|(mname, rname, [a, b, c, d, e])| Soa {
        mname,
        rname,
        serial: a,
        refresh: b,
        retry: c,
        expire: d,
        minimum: e,
    })
}

/// RDATA of every type, within each type's wire constraints.
fn rdata() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<u32>().prop_map(|a| RData::A(Ipv4Addr::from(a))),
        any::<u128>().prop_map(|a| RData::Aaaa(Ipv6Addr::from(a))),
        name().prop_map(RData::Ns),
        name().prop_map(RData::Cname),
        name().prop_map(RData::Dname),
        name().prop_map(RData::Ptr),
        soa().prop_map(RData::Soa),
        (any::<u16>(), name()).prop_map(|(preference, exchange)| RData::Mx {
            preference,
            exchange
        }),
        vec(character_string(), 1..4).prop_map(RData::Txt),
        (any::<[u16; 3]>(), name()).prop_map(|([priority, weight, port], target)| RData::Srv {
            priority,
            weight,
            port,
            target
        }),
        (
            any::<[u16; 2]>(),
            character_string(),
            character_string(),
            character_string(),
            name()
        )
            .prop_map(
                |([order, preference], flags, services, regexp, replacement)| RData::Naptr {
                    order,
                    preference,
                    flags,
                    services,
                    regexp,
                    replacement
                }
            ),
        (any::<u8>(), vec(any::<u8>(), 1..=15), bytes(40))
            .prop_map(|(flags, tag, value)| RData::Caa { flags, tag, value }),
        svcb().prop_map(RData::Svcb),
        svcb().prop_map(RData::Https),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(48)).prop_map(
            |(key_tag, algorithm, digest_type, digest)| RData::Ds {
                key_tag,
                algorithm,
                digest_type,
                digest
            }
        ),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(64)).prop_map(
            |(flags, protocol, algorithm, public_key)| RData::Dnskey {
                flags,
                protocol,
                algorithm,
                public_key
            }
        ),
        (
            any::<u16>(),
            any::<[u8; 2]>(),
            any::<[u32; 3]>(),
            any::<u16>(),
            name(),
            bytes(64)
        )
            .prop_map(
                |(
                    covered,
                    [algorithm, labels],
                    [original_ttl, expiration, inception],
                    key_tag,
                    signer,
                    signature,
                )| {
                    RData::Rrsig {
                        type_covered: RType(covered),
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
        (name(), type_bitmap()).prop_map(|(next, types)| RData::Nsec { next, types }),
        (
            any::<[u8; 2]>(),
            any::<u16>(),
            bytes(32),
            vec(any::<u8>(), 1..=32),
            type_bitmap()
        )
            .prop_map(
                |([hash_algorithm, flags], iterations, salt, next_hashed, types)| RData::Nsec3 {
                    hash_algorithm,
                    flags,
                    iterations,
                    salt,
                    next_hashed,
                    types
                }
            ),
        (any::<[u8; 2]>(), any::<u16>(), bytes(32)).prop_map(
            |([hash_algorithm, flags], iterations, salt)| RData::Nsec3param {
                hash_algorithm,
                flags,
                iterations,
                salt
            }
        ),
        (any::<u32>(), any::<[u8; 2]>(), vec(any::<u8>(), 12..=64)).prop_map(
            |(serial, [scheme, hash_algorithm], digest)| RData::Zonemd {
                serial,
                scheme,
                hash_algorithm,
                digest
            }
        ),
        (
            any::<u16>().prop_filter("a type globe decodes", |t| !DECODED_TYPES
                .contains(&RType(*t))),
            bytes(40)
        )
            .prop_map(|(rtype, data)| RData::Unknown {
                rtype: RType(rtype),
                data
            }),
    ]
}

// ---- EDNS ---------------------------------------------------------------------------------------

/// A valid Client Subnet option: any address and prefixes within its family's length.
fn client_subnet() -> impl Strategy<Value = ClientSubnet> {
    prop_oneof![
        (any::<u32>(), 0..=32u8, 0..=32u8).prop_map(|(a, source, scope)| (
            IpAddr::V4(Ipv4Addr::from(a)),
            source,
            scope
        )),
        (any::<u128>(), 0..=128u8, 0..=128u8).prop_map(|(a, source, scope)| (
            IpAddr::V6(Ipv6Addr::from(a)),
            source,
            scope
        )),
    ]
    .prop_map(|(address, source, scope)| ClientSubnet {
        scope_prefix: scope,
        ..ClientSubnet::new(address, source)
    })
}

fn edns_option() -> impl Strategy<Value = EdnsOption> {
    prop_oneof![
        bytes(16).prop_map(EdnsOption::Nsid),
        client_subnet().prop_map(EdnsOption::ClientSubnet),
        (any::<[u8; 8]>(), prop::option::of(vec(any::<u8>(), 8..=32)))
            .prop_map(|(client, server)| EdnsOption::Cookie(Cookie { client, server })),
        (
            any::<u16>().prop_filter("a code globe decodes", |c| ![3, 8, 10].contains(c)),
            bytes(16)
        )
            .prop_map(|(code, data)| EdnsOption::Unknown { code, data }),
    ]
}

fn edns() -> impl Strategy<Value = Edns> {
    (
        any::<u16>(),
        any::<[u8; 2]>(),
        any::<bool>(),
        0..0x8000u16,
        vec(edns_option(), 0..4),
    )
        .prop_map(
            |(udp_payload, [extended_rcode, version], dnssec_ok, z, options)| Edns {
                udp_payload,
                extended_rcode,
                version,
                dnssec_ok,
                z,
                options,
            },
        )
}

// ---- messages -----------------------------------------------------------------------------------

fn header() -> impl Strategy<Value = Header> {
    (any::<u16>(), any::<[bool; 8]>(), 0..16u8, 0..16u8).prop_map(
        |(id, [qr, aa, tc, rd, ra, z, ad, cd], opcode, rcode)| Header {
            id,
            qr,
            opcode,
            aa,
            tc,
            rd,
            ra,
            z,
            ad,
            cd,
            rcode,
        },
    )
}

fn question() -> impl Strategy<Value = Question> {
    (name(), any::<u16>(), any::<u16>()).prop_map(|(name, qtype, qclass)| Question {
        name,
        qtype: RType(qtype),
        qclass: Class(qclass),
    })
}

fn record() -> impl Strategy<Value = Record> {
    (
        name(),
        prop_oneof![3 => Just(1u16), 1 => any::<u16>()],
        any::<u32>(),
        rdata(),
    )
        .prop_map(|(name, class, ttl, data)| Record {
            name,
            class: Class(class),
            ttl,
            data,
        })
}

fn message() -> impl Strategy<Value = Message> {
    (
        header(),
        vec(question(), 0..3),
        vec(record(), 0..6),
        vec(record(), 0..4),
        vec(record(), 0..4),
        prop::option::of(edns()),
    )
        .prop_map(
            |(header, questions, answers, authority, additional, edns)| Message {
                header,
                questions,
                answers,
                authority,
                additional,
                edns,
            },
        )
}

/// Ways to damage a valid message: overwrite, insert or delete a byte, or cut it short.
#[derive(Clone, Debug)]
enum Damage {
    Overwrite(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Overwrite(at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Insert(at, b)),
        any::<usize>().prop_map(Damage::Delete),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let len = bytes.len().max(1);
    match *damage {
        Damage::Overwrite(at, b) => {
            if let Some(slot) = bytes.get_mut(at % len) {
                *slot = b;
            }
        }
        Damage::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
        Damage::Delete(at) => {
            if !bytes.is_empty() {
                bytes.remove(at % len);
            }
        }
        Damage::Truncate(at) => bytes.truncate(at % len),
    }
}

/// What the fuzz target asserts too: anything `parse` accepts encodes to bytes that decode to the same
/// message, and encoding that again changes nothing.
fn assert_reencodes(message: &Message) -> Result<(), TestCaseError> {
    let wire = message.to_wire();
    let again = Message::parse(&wire)
        .map_err(|e| TestCaseError::fail(format!("re-encoding does not decode: {e:?}")))?;
    prop_assert_eq!(&again, message);
    prop_assert_eq!(again.to_wire(), wire);
    Ok(())
}

proptest! {
    // At least 512 cases; PROPTEST_CASES can ask for more.
    #![proptest_config(ProptestConfig {
        cases: ProptestConfig::default().cases.max(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn messages_round_trip(message in message()) {
        let wire = message.to_wire();
        let back = Message::parse(&wire);
        prop_assert_eq!(back.as_ref(), Ok(&message), "wire {:02x?}", wire);
        // Decoding keeps the case of earlier names where a pointer was used; the bytes stay the same.
        prop_assert_eq!(back.expect("checked").to_wire(), wire);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..600)) {
        if let Ok(message) = Message::parse(&bytes) {
            assert_reencodes(&message)?;
        }
    }

    #[test]
    fn parse_never_panics_on_damaged_messages(message in message(), damages in vec(damage(), 1..4)) {
        let mut bytes = message.to_wire();
        for d in &damages {
            apply(&mut bytes, d);
        }
        if let Ok(message) = Message::parse(&bytes) {
            assert_reencodes(&message)?;
        }
    }

    #[test]
    fn client_subnet_round_trips(ecs in client_subnet()) {
        let option = EdnsOption::ClientSubnet(ecs);
        let mut w = Writer::with_capacity(32);
        option.emit(&mut w);
        let bytes = w.into_bytes();
        let data = &bytes[4..];
        prop_assert_eq!(usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), data.len());
        prop_assert_eq!(EdnsOption::parse(8, data), Ok(option));
        // Address octets are exactly those the prefix covers (RFC 7871 §6).
        let source = usize::from(ecs.source_prefix);
        prop_assert_eq!(data.len(), 4 + source.div_ceil(8));
    }

    #[test]
    fn client_subnet_decoding_is_canonical(data in vec(any::<u8>(), 0..24)) {
        // Whatever decodes is valid, so it encodes back to the very same bytes.
        if let Ok(ecs) = ClientSubnet::parse(&data) {
            let mut w = Writer::with_capacity(32);
            EdnsOption::ClientSubnet(ecs).emit(&mut w);
            prop_assert_eq!(&w.as_bytes()[4..], &data[..]);
        }
    }

    #[test]
    fn client_subnet_new_clears_bits_past_the_prefix(address in any::<u128>(), prefix in any::<u8>()) {
        let ecs = ClientSubnet::new(IpAddr::V6(Ipv6Addr::from(address)), prefix);
        prop_assert!(ecs.source_prefix <= 128);
        let IpAddr::V6(kept) = ecs.address else { unreachable!("family kept") };
        let kept = u128::from(kept);
        let bits = u32::from(ecs.source_prefix);
        prop_assert_eq!(kept.checked_shl(bits).unwrap_or(0), 0);
    }

    #[test]
    fn opt_rdata_decoding_never_panics(
        class in any::<u16>(),
        ttl in any::<u32>(),
        rdata in vec(any::<u8>(), 0..64),
    ) {
        if let Ok(edns) = Edns::from_opt(class, ttl, &rdata) {
            let mut w = Writer::with_capacity(80);
            edns.emit(&mut w);
            prop_assert_eq!(&w.as_bytes()[11..], &rdata[..]);
        }
    }
}
