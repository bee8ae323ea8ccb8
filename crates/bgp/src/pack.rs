//! Packing routes into UPDATE messages: as many prefixes per message as fit the negotiated maximum
//! (4096 bytes, or 65535 with RFC 8654 extended messages), IPv4 unicast in the NLRI and Withdrawn
//! Routes fields (RFC 4271 §4.3) and IPv6 unicast in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3, §4),
//! plus End-of-RIB markers (RFC 4724 §2). On a session without 4-octet AS numbers the AS4_PATH and
//! AS4_AGGREGATOR attributes are added when the path holds an AS above 65535 (RFC 6793 §4.2.2).
//!
//! Pure functions from routes to encoded messages; the speaker writes the bytes. Written by the speaker's
//! author (`crates/speaker`), who owns this file.

use crate::family::AddressFamily;
use crate::prefix::Prefix;
use crate::wire::attribute::{type_code, AttributeFlags};
use crate::wire::header::HEADER_LENGTH;
use crate::wire::{
    AttributeValue, EncodeError, EncodeOptions, Message, MessageType, MpNlri, MpReach, MpUnreach,
    NextHop, PathAttribute, Update,
};
use std::net::Ipv4Addr;

/// The Withdrawn Routes Length and Total Path Attribute Length fields (RFC 4271 §4.3).
const UPDATE_FIXED: usize = HEADER_LENGTH + 2 + 2;
/// Flags, type and 2-octet length of an attribute written with the extended-length bit.
const EXTENDED_ATTRIBUTE_HEADER: usize = 4;
/// AFI (2) and SAFI (1) of MP_UNREACH_NLRI.
const MP_UNREACH_FIXED: usize = 3;

/// The next hops to announce a group of routes with, per family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextHops {
    /// NEXT_HOP for IPv4 prefixes.
    pub ipv4: Option<Ipv4Addr>,
    /// The MP_REACH_NLRI next hop for IPv6 prefixes (`NextHop::Ipv6`).
    pub ipv6: Option<NextHop>,
}

/// What went wrong packing one group; the other groups are still packed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackError {
    /// The attributes alone do not fit one message.
    Encode(EncodeError),
    /// Prefixes of this family had no next hop to announce them with, and were left out.
    NoNextHop(AddressFamily),
}

/// UPDATEs withdrawing `prefixes`: IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI; each message
/// as full as `options` allows. Other families are ignored.
pub fn withdrawals(prefixes: &[Prefix], options: &EncodeOptions) -> Vec<Vec<u8>> {
    let max = options.max_length(MessageType::Update);
    let mut out = Vec::new();
    let (ipv4, ipv6): (Vec<Prefix>, Vec<Prefix>) =
        prefixes.iter().partition(|prefix| prefix.is_ipv4());
    for chunk in chunks(&ipv4, max - UPDATE_FIXED) {
        let update = Update {
            withdrawn: chunk.to_vec(),
            attributes: Vec::new(),
            nlri: Vec::new(),
        };
        out.extend(Message::Update(update).to_bytes(options).ok());
    }
    let room = max - UPDATE_FIXED - EXTENDED_ATTRIBUTE_HEADER - MP_UNREACH_FIXED;
    for chunk in chunks(&ipv6, room) {
        let unreach = MpUnreach {
            family: AddressFamily::IPV6_UNICAST,
            withdrawn: MpNlri::Prefixes(chunk.to_vec()),
        };
        let update = Update {
            withdrawn: Vec::new(),
            attributes: vec![mp_attribute(AttributeValue::MpUnreach(unreach))],
            nlri: Vec::new(),
        };
        out.extend(Message::Update(update).to_bytes(options).ok());
    }
    out
}

/// UPDATEs announcing `prefixes` with `attributes` (as [`crate::rib::PathAttributes::to_wire`] gives
/// them: no MP_REACH_NLRI; a NEXT_HOP in it is replaced). IPv4 prefixes go in the NLRI field with
/// `next_hops.ipv4`, IPv6 prefixes in MP_REACH_NLRI with `next_hops.ipv6`.
pub fn announcements(
    attributes: &[PathAttribute],
    next_hops: &NextHops,
    prefixes: &[Prefix],
    options: &EncodeOptions,
) -> (Vec<Vec<u8>>, Vec<PackError>) {
    let max = options.max_length(MessageType::Update);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let (ipv4, ipv6): (Vec<Prefix>, Vec<Prefix>) =
        prefixes.iter().partition(|prefix| prefix.is_ipv4());
    let base = session_attributes(attributes, options);

    if !ipv4.is_empty() {
        match next_hops.ipv4 {
            None => errors.push(PackError::NoNextHop(AddressFamily::IPV4_UNICAST)),
            Some(next_hop) => {
                let mut with_next_hop = base.clone();
                with_next_hop.push(PathAttribute::new(AttributeValue::NextHop(next_hop)));
                with_next_hop.sort_by_key(PathAttribute::type_code);
                match encoded_length(&with_next_hop, options) {
                    Err(error) => errors.push(PackError::Encode(error)),
                    Ok(length) if UPDATE_FIXED + length >= max => {
                        errors.push(PackError::Encode(EncodeError::MessageTooLong {
                            length: UPDATE_FIXED + length,
                            max,
                        }))
                    }
                    Ok(length) => {
                        for chunk in chunks(&ipv4, max - UPDATE_FIXED - length) {
                            let update = Update {
                                withdrawn: Vec::new(),
                                attributes: with_next_hop.clone(),
                                nlri: chunk.to_vec(),
                            };
                            match Message::Update(update).to_bytes(options) {
                                Ok(bytes) => out.push(bytes),
                                Err(error) => errors.push(PackError::Encode(error)),
                            }
                        }
                    }
                }
            }
        }
    }

    if !ipv6.is_empty() {
        match &next_hops.ipv6 {
            None => errors.push(PackError::NoNextHop(AddressFamily::IPV6_UNICAST)),
            Some(next_hop) => {
                let reach = |nlri: Vec<Prefix>| {
                    mp_attribute(AttributeValue::MpReach(MpReach {
                        family: AddressFamily::IPV6_UNICAST,
                        next_hop: next_hop.clone(),
                        reserved: 0,
                        nlri: MpNlri::Prefixes(nlri),
                        abbreviated: false,
                    }))
                };
                // RFC 7606 §5.1: MP_REACH_NLRI first, so a receiver finds it before any error.
                let mut empty = vec![reach(Vec::new())];
                empty.extend(base.iter().cloned());
                match encoded_length(&empty, options) {
                    Err(error) => errors.push(PackError::Encode(error)),
                    Ok(length) if UPDATE_FIXED + length >= max => {
                        errors.push(PackError::Encode(EncodeError::MessageTooLong {
                            length: UPDATE_FIXED + length,
                            max,
                        }))
                    }
                    Ok(length) => {
                        for chunk in chunks(&ipv6, max - UPDATE_FIXED - length) {
                            let mut attributes = vec![reach(chunk.to_vec())];
                            attributes.extend(base.iter().cloned());
                            let update = Update {
                                withdrawn: Vec::new(),
                                attributes,
                                nlri: Vec::new(),
                            };
                            match Message::Update(update).to_bytes(options) {
                                Ok(bytes) => out.push(bytes),
                                Err(error) => errors.push(PackError::Encode(error)),
                            }
                        }
                    }
                }
            }
        }
    }
    (out, errors)
}

/// The End-of-RIB marker of `family` (RFC 4724 §2): an empty UPDATE for IPv4 unicast, an UPDATE with
/// an empty MP_UNREACH_NLRI otherwise.
pub fn end_of_rib(family: AddressFamily) -> Update {
    let attributes = if family == AddressFamily::IPV4_UNICAST {
        Vec::new()
    } else {
        vec![PathAttribute::new(AttributeValue::MpUnreach(MpUnreach {
            family,
            withdrawn: MpNlri::Prefixes(Vec::new()),
        }))]
    };
    Update {
        withdrawn: Vec::new(),
        attributes,
        nlri: Vec::new(),
    }
}

/// The attributes for this session: NEXT_HOP, MP_* and AS4_* removed, then AS4_PATH / AS4_AGGREGATOR
/// added on a 2-octet session when an AS does not fit (RFC 6793 §4.2.2).
fn session_attributes(attributes: &[PathAttribute], options: &EncodeOptions) -> Vec<PathAttribute> {
    let mut out: Vec<PathAttribute> = attributes
        .iter()
        .filter(|attribute| {
            !matches!(
                attribute.type_code(),
                type_code::NEXT_HOP
                    | type_code::MP_REACH_NLRI
                    | type_code::MP_UNREACH_NLRI
                    | type_code::AS4_PATH
                    | type_code::AS4_AGGREGATOR
            )
        })
        .cloned()
        .collect();
    if options.four_octet_asn {
        return out;
    }
    let mut extra = Vec::new();
    for attribute in &out {
        match &attribute.value {
            AttributeValue::AsPath(path)
                if path
                    .segments
                    .iter()
                    .any(|segment| segment.asns.iter().any(|&asn| asn > 0xffff)) =>
            {
                // RFC 6793 §4.2.2: confederation segments are not sent in AS4_PATH.
                let mut as4_path = path.clone();
                as4_path
                    .segments
                    .retain(|segment| !segment.kind.is_confed());
                extra.push(PathAttribute::new(AttributeValue::As4Path(as4_path)));
            }
            AttributeValue::Aggregator(aggregator) if aggregator.asn > 0xffff => {
                extra.push(PathAttribute::new(AttributeValue::As4Aggregator(
                    *aggregator,
                )));
            }
            _ => {}
        }
    }
    out.extend(extra);
    out.sort_by_key(PathAttribute::type_code);
    out
}

/// An MP_REACH/MP_UNREACH attribute, always with a 2-octet length so its size is known up front.
fn mp_attribute(value: AttributeValue) -> PathAttribute {
    let mut attribute = PathAttribute::new(value);
    attribute.flags = AttributeFlags(attribute.flags.0 | AttributeFlags::EXTENDED_LENGTH);
    attribute
}

/// The encoded length of an attribute list.
fn encoded_length(
    attributes: &[PathAttribute],
    options: &EncodeOptions,
) -> Result<usize, EncodeError> {
    let mut buffer = Vec::new();
    for attribute in attributes {
        attribute.encode(options, &mut buffer)?;
    }
    Ok(buffer.len())
}

/// Splits `prefixes` into runs whose NLRI encoding fits `room` bytes each.
fn chunks(prefixes: &[Prefix], room: usize) -> Vec<&[Prefix]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (index, prefix) in prefixes.iter().enumerate() {
        let length = prefix.nlri_len();
        if used + length > room && index > start {
            out.push(&prefixes[start..index]);
            start = index;
            used = 0;
        }
        used += length;
    }
    if start < prefixes.len() {
        out.push(&prefixes[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{AsPath, DecodeOptions, Origin};
    use std::net::{IpAddr, Ipv6Addr};

    fn v4_prefixes(count: u32) -> Vec<Prefix> {
        (0..count)
            .map(|i| {
                Prefix::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (i << 8))), 24).expect("prefix")
            })
            .collect()
    }

    fn v6_prefixes(count: u32) -> Vec<Prefix> {
        (0..count)
            .map(|i| {
                let address = Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(i) << 64));
                Prefix::new(IpAddr::V6(address), 64).expect("prefix")
            })
            .collect()
    }

    fn attributes(path: Vec<u32>) -> Vec<PathAttribute> {
        vec![
            PathAttribute::new(AttributeValue::Origin(Origin::Igp)),
            PathAttribute::new(AttributeValue::AsPath(AsPath::from_sequence(path))),
        ]
    }

    fn decode_all(messages: &[Vec<u8>], options: &DecodeOptions) -> (Vec<Prefix>, Vec<Prefix>) {
        let mut announced = Vec::new();
        let mut withdrawn = Vec::new();
        for bytes in messages {
            assert!(bytes.len() <= options.max_length(MessageType::Update));
            let decoded = Message::decode(bytes, options).expect("decodes");
            assert!(decoded.attribute_errors.is_empty());
            let Message::Update(update) = decoded.message else {
                panic!("not an UPDATE")
            };
            announced.extend(update.announced());
            withdrawn.extend(update.withdrawals());
        }
        (announced, withdrawn)
    }

    #[test]
    fn many_prefixes_fill_several_messages_of_both_sizes() {
        let prefixes: Vec<Prefix> = v4_prefixes(3000)
            .into_iter()
            .chain(v6_prefixes(3000))
            .collect();
        let next_hops = NextHops {
            ipv4: Some(Ipv4Addr::new(192, 0, 2, 1)),
            ipv6: Some(NextHop::Ipv6 {
                global: "2001:db8::1".parse().expect("address"),
                link_local: None,
            }),
        };
        for extended in [false, true] {
            let options = DecodeOptions {
                four_octet_asn: true,
                extended_message: extended,
                mrt_rib_family: None,
            };
            let (messages, errors) =
                announcements(&attributes(vec![64500]), &next_hops, &prefixes, &options);
            assert!(errors.is_empty());
            let (announced, _) = decode_all(&messages, &options);
            assert_eq!(announced, prefixes);
            // 3000 /24s take 12000 bytes: 3 messages of ~4050 bytes of NLRI; 3000 /64s take 27000: 7
            // messages of ~4030 (MP_REACH_NLRI's header and next hop use the rest). 65535 bytes fit each
            // family in one message.
            assert_eq!(messages.len(), if extended { 2 } else { 10 });
            let withdraw = withdrawals(&prefixes, &options);
            let (_, withdrawn) = decode_all(&withdraw, &options);
            assert_eq!(withdrawn, prefixes);
        }
    }

    #[test]
    fn two_octet_sessions_get_as4_path() {
        let options = DecodeOptions::default();
        let next_hops = NextHops {
            ipv4: Some(Ipv4Addr::new(192, 0, 2, 1)),
            ipv6: None,
        };
        let (messages, errors) = announcements(
            &attributes(vec![4_200_000_001, 64500]),
            &next_hops,
            &v4_prefixes(1),
            &options,
        );
        assert!(errors.is_empty());
        let decoded = Message::decode(&messages[0], &options).expect("decodes");
        let Message::Update(update) = decoded.message else {
            panic!("not an UPDATE")
        };
        let (path, _) = update.reconstructed_as_path().expect("path");
        assert_eq!(path, AsPath::from_sequence(vec![4_200_000_001, 64500]));
    }

    #[test]
    fn missing_next_hop_is_reported() {
        let (messages, errors) = announcements(
            &attributes(vec![64500]),
            &NextHops {
                ipv4: None,
                ipv6: None,
            },
            &v6_prefixes(2),
            &DecodeOptions::FOUR_OCTET,
        );
        assert!(messages.is_empty());
        assert_eq!(
            errors,
            vec![PackError::NoNextHop(AddressFamily::IPV6_UNICAST)]
        );
    }

    #[test]
    fn end_of_rib_markers_are_recognised() {
        for family in [AddressFamily::IPV4_UNICAST, AddressFamily::IPV6_UNICAST] {
            assert_eq!(end_of_rib(family).end_of_rib(), Some(family));
        }
    }
}
