//! Property tests: prefixes and generated UPDATEs survive encode → decode unchanged, and decoding
//! arbitrary bytes never panics.

use globe_bgp::wire::attribute::{
    standard_flags, AttributeValue, MpNlri, MpReach, MpUnreach, NextHop, Origin,
};
use globe_bgp::wire::{
    Aggregator, AsPath, AsPathSegment, AttributeFlags, Community, DecodeOptions, ExtendedCommunity,
    LargeCommunity, Message, PathAttribute, SegmentType, Update,
};
use globe_bgp::{AddressFamily, Prefix};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn ipv4_prefix() -> impl Strategy<Value = Prefix> {
    (any::<u32>(), 0u8..=32).prop_map(|(bits, length)| {
        Prefix::new_truncating(IpAddr::V4(Ipv4Addr::from(bits)), length).expect("length ok")
    })
}

fn ipv6_prefix() -> impl Strategy<Value = Prefix> {
    (any::<u128>(), 0u8..=128).prop_map(|(bits, length)| {
        Prefix::new_truncating(IpAddr::V6(Ipv6Addr::from(bits)), length).expect("length ok")
    })
}

fn as_path(asn: impl Strategy<Value = u32> + Clone) -> impl Strategy<Value = AsPath> {
    let kind = prop_oneof![
        Just(SegmentType::Sequence),
        Just(SegmentType::Set),
        Just(SegmentType::ConfedSequence),
        Just(SegmentType::ConfedSet)
    ];
    prop::collection::vec((kind, prop::collection::vec(asn, 1..8)), 0..4).prop_map(|segments| {
        AsPath {
            segments: segments
                .into_iter()
                .map(|(kind, asns)| AsPathSegment { kind, asns })
                .collect(),
        }
    })
}

/// Optional attributes with values valid for the session (`four_octet` bounds the AS numbers).
fn optional_attribute(four_octet: bool) -> impl Strategy<Value = AttributeValue> {
    let asn = if four_octet {
        0..=u32::MAX
    } else {
        0..=u32::from(u16::MAX)
    };
    let address = any::<u32>().prop_map(Ipv4Addr::from);
    prop_oneof![
        any::<u32>().prop_map(AttributeValue::MultiExitDisc),
        any::<u32>().prop_map(AttributeValue::LocalPref),
        Just(AttributeValue::AtomicAggregate),
        (asn.clone(), address.clone())
            .prop_map(|(asn, address)| AttributeValue::Aggregator(Aggregator { asn, address })),
        prop::collection::vec(any::<u32>().prop_map(Community), 1..20)
            .prop_map(AttributeValue::Communities),
        address.clone().prop_map(AttributeValue::OriginatorId),
        prop::collection::vec(address.clone(), 1..5).prop_map(AttributeValue::ClusterList),
        prop::collection::vec(any::<[u8; 8]>().prop_map(ExtendedCommunity), 1..6)
            .prop_map(AttributeValue::ExtendedCommunities),
        as_path(any::<u32>()).prop_map(AttributeValue::As4Path),
        (any::<u32>(), address)
            .prop_map(|(asn, address)| AttributeValue::As4Aggregator(Aggregator { asn, address })),
        prop::collection::vec(
            any::<(u32, u32, u32)>().prop_map(|(a, b, c)| LargeCommunity::new(a, b, c)),
            1..5
        )
        .prop_map(AttributeValue::LargeCommunities),
        any::<u32>().prop_map(AttributeValue::OnlyToCustomer),
        (
            prop::collection::vec(ipv6_prefix(), 0..10),
            any::<u128>(),
            prop::option::of(any::<u128>())
        )
            .prop_map(
                |(nlri, global, link_local)| AttributeValue::MpReach(MpReach {
                    family: AddressFamily::IPV6_UNICAST,
                    next_hop: NextHop::Ipv6 {
                        global: Ipv6Addr::from(global),
                        link_local: link_local.map(Ipv6Addr::from),
                    },
                    reserved: 0,
                    nlri: MpNlri::Prefixes(nlri),
                    abbreviated: false,
                })
            ),
        prop::collection::vec(ipv6_prefix(), 0..10).prop_map(
            |withdrawn| AttributeValue::MpUnreach(MpUnreach {
                family: AddressFamily::IPV6_UNICAST,
                withdrawn: MpNlri::Prefixes(withdrawn),
            })
        ),
        (100u8..=255, prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(type_code, data)| AttributeValue::Unknown { type_code, data }),
    ]
}

fn update() -> impl Strategy<Value = (bool, Update)> {
    any::<bool>().prop_flat_map(|four_octet| {
        let asn = if four_octet {
            0..=u32::MAX
        } else {
            0..=u32::from(u16::MAX)
        };
        (
            prop::collection::vec(ipv4_prefix(), 0..20),
            prop::collection::vec(ipv4_prefix(), 0..20),
            0u8..3,
            as_path(asn),
            any::<u32>(),
            prop::collection::vec(
                (optional_attribute(four_octet), any::<bool>(), any::<bool>()),
                0..10,
            ),
        )
            .prop_map(move |(withdrawn, nlri, origin, path, next_hop, optional)| {
                // The mandatory attributes first (so announcing NLRI is always valid), then the optional
                // ones without repeats; flags are the standard ones, with the extended-length and
                // partial bits chosen at random.
                let mut attributes = vec![
                    PathAttribute::new(AttributeValue::Origin(
                        Origin::from_u8(origin).expect("0..3"),
                    )),
                    PathAttribute::new(AttributeValue::AsPath(path)),
                    PathAttribute::new(AttributeValue::NextHop(Ipv4Addr::from(next_hop))),
                ];
                for (value, extended, partial) in optional {
                    if attributes
                        .iter()
                        .any(|attribute| attribute.type_code() == value.type_code())
                    {
                        continue;
                    }
                    let mut flags = standard_flags(value.type_code())
                        .unwrap_or(AttributeFlags::OPTIONAL | AttributeFlags::TRANSITIVE);
                    if extended {
                        flags |= AttributeFlags::EXTENDED_LENGTH;
                    }
                    if partial
                        && flags & AttributeFlags::TRANSITIVE != 0
                        && flags & AttributeFlags::OPTIONAL != 0
                    {
                        flags |= AttributeFlags::PARTIAL;
                    }
                    attributes.push(PathAttribute {
                        flags: AttributeFlags(flags),
                        value,
                    });
                }
                (
                    four_octet,
                    Update {
                        withdrawn,
                        attributes,
                        nlri,
                    },
                )
            })
    })
}

proptest! {
    #[test]
    fn prefix_text_and_nlri_round_trip(prefix in prop_oneof![ipv4_prefix(), ipv6_prefix()]) {
        prop_assert_eq!(prefix.to_string().parse::<Prefix>(), Ok(prefix));
        let mut wire = Vec::new();
        prefix.encode_nlri(&mut wire);
        prop_assert_eq!(wire.len(), prefix.nlri_len());
        prop_assert_eq!(Prefix::decode_nlri(prefix.afi(), &wire), Ok((prefix, wire.len())));
    }

    #[test]
    fn generated_updates_round_trip((four_octet, update) in update()) {
        let options = DecodeOptions { four_octet_asn: four_octet, extended_message: true, mrt_rib_family: None };
        let message = Message::Update(update);
        let wire = message.to_bytes(&options).expect("fits 65535 bytes");
        let decoded = Message::decode(&wire, &options).expect("decodes");
        prop_assert_eq!(&decoded.attribute_errors, &Vec::new());
        prop_assert_eq!(&decoded.message, &message);
        prop_assert_eq!(decoded.message.to_bytes(&options).expect("encodes"), wire);
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..200), kind in 1u8..=5) {
        let mut wire = vec![0xff; 16];
        wire.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
        wire.push(kind);
        wire.extend_from_slice(&body);
        for options in [DecodeOptions::default(), DecodeOptions::FOUR_OCTET] {
            if let Ok(decoded) = Message::decode(&wire, &options) {
                let _ = decoded.message.to_bytes(&options);
            }
        }
    }
}
