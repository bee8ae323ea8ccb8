//! Path attributes (RFC 4271 §4.3 and §5, RFC 4760, RFC 6793, RFC 1997, RFC 4360, RFC 8092, RFC 4456,
//! RFC 9234) and their RFC 7606 error classification.
//!
//! ```text
//!  0                   1
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |O|T|P|E| unused| Attr. Type Code|   flags: Optional, Transitive, Partial, Extended length
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Attr. Length (1 octet, or 2 octets when E is set) | Attribute value ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A [`PathAttribute`] keeps the flags octet as received, extended-length bit and unused bits included,
//! so a decoded attribute encodes back to the same bytes. [`decode_attributes`] walks a path attributes
//! field and sorts what it finds into attributes and [`AttributeError`]s, with the action of RFC 7606 §7
//! for each (see `docs/design/bgp.md` for the table).

use super::as_path::AsPath;
use super::community::{Community, ExtendedCommunity, LargeCommunity};
use super::error::{AttributeAction, AttributeError, AttributeErrorKind, EncodeError};
use super::reader::Reader;
use super::DecodeOptions;
use std::net::Ipv4Addr;

use super::multiprotocol::read_family;
pub use super::multiprotocol::{MpNlri, MpReach, MpUnreach, NextHop};

/// Attribute type codes (IANA "BGP Path Attributes").
pub mod type_code {
    /// ORIGIN (RFC 4271 §5.1.1).
    pub const ORIGIN: u8 = 1;
    /// AS_PATH (RFC 4271 §5.1.2).
    pub const AS_PATH: u8 = 2;
    /// NEXT_HOP (RFC 4271 §5.1.3).
    pub const NEXT_HOP: u8 = 3;
    /// MULTI_EXIT_DISC (RFC 4271 §5.1.4).
    pub const MULTI_EXIT_DISC: u8 = 4;
    /// LOCAL_PREF (RFC 4271 §5.1.5).
    pub const LOCAL_PREF: u8 = 5;
    /// ATOMIC_AGGREGATE (RFC 4271 §5.1.6).
    pub const ATOMIC_AGGREGATE: u8 = 6;
    /// AGGREGATOR (RFC 4271 §5.1.7, RFC 6793).
    pub const AGGREGATOR: u8 = 7;
    /// COMMUNITIES (RFC 1997).
    pub const COMMUNITIES: u8 = 8;
    /// ORIGINATOR_ID (RFC 4456 §8).
    pub const ORIGINATOR_ID: u8 = 9;
    /// CLUSTER_LIST (RFC 4456 §8).
    pub const CLUSTER_LIST: u8 = 10;
    /// MP_REACH_NLRI (RFC 4760 §3).
    pub const MP_REACH_NLRI: u8 = 14;
    /// MP_UNREACH_NLRI (RFC 4760 §4).
    pub const MP_UNREACH_NLRI: u8 = 15;
    /// EXTENDED COMMUNITIES (RFC 4360).
    pub const EXTENDED_COMMUNITIES: u8 = 16;
    /// AS4_PATH (RFC 6793).
    pub const AS4_PATH: u8 = 17;
    /// AS4_AGGREGATOR (RFC 6793).
    pub const AS4_AGGREGATOR: u8 = 18;
    /// LARGE_COMMUNITY (RFC 8092).
    pub const LARGE_COMMUNITIES: u8 = 32;
    /// Only to Customer, OTC (RFC 9234 §5).
    pub const ONLY_TO_CUSTOMER: u8 = 35;
}

/// The attribute flags octet, kept whole.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttributeFlags(pub u8);

impl AttributeFlags {
    /// O: optional (1) or well-known (0).
    pub const OPTIONAL: u8 = 0x80;
    /// T: transitive.
    pub const TRANSITIVE: u8 = 0x40;
    /// P: partial, some AS along the way did not recognise this optional transitive attribute.
    pub const PARTIAL: u8 = 0x20;
    /// E: the length field is 2 octets.
    pub const EXTENDED_LENGTH: u8 = 0x10;

    /// True when O is set.
    pub const fn is_optional(self) -> bool {
        self.0 & Self::OPTIONAL != 0
    }

    /// True when T is set.
    pub const fn is_transitive(self) -> bool {
        self.0 & Self::TRANSITIVE != 0
    }

    /// True when P is set.
    pub const fn is_partial(self) -> bool {
        self.0 & Self::PARTIAL != 0
    }

    /// True when E is set.
    pub const fn is_extended_length(self) -> bool {
        self.0 & Self::EXTENDED_LENGTH != 0
    }
}

impl std::fmt::Debug for AttributeFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AttributeFlags({:#04x})", self.0)
    }
}

/// One path attribute: its flags as received and its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathAttribute {
    /// The flags octet.
    pub flags: AttributeFlags,
    /// The value.
    pub value: AttributeValue,
}

/// A decoded attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    /// ORIGIN: one octet.
    Origin(Origin),
    /// AS_PATH, with AS numbers of the session's size.
    AsPath(AsPath),
    /// NEXT_HOP: an IPv4 address.
    NextHop(Ipv4Addr),
    /// MULTI_EXIT_DISC: 4 octets.
    MultiExitDisc(u32),
    /// LOCAL_PREF: 4 octets.
    LocalPref(u32),
    /// ATOMIC_AGGREGATE: empty.
    AtomicAggregate,
    /// AGGREGATOR: AS (2 or 4 octets per session) and IPv4 address.
    Aggregator(Aggregator),
    /// COMMUNITIES: a list of 4-octet communities.
    Communities(Vec<Community>),
    /// ORIGINATOR_ID: the originator's router ID.
    OriginatorId(Ipv4Addr),
    /// CLUSTER_LIST: cluster IDs, 4 octets each.
    ClusterList(Vec<Ipv4Addr>),
    /// MP_REACH_NLRI.
    MpReach(MpReach),
    /// MP_UNREACH_NLRI.
    MpUnreach(MpUnreach),
    /// EXTENDED COMMUNITIES: 8-octet values.
    ExtendedCommunities(Vec<ExtendedCommunity>),
    /// AS4_PATH: always 4-octet AS numbers.
    As4Path(AsPath),
    /// AS4_AGGREGATOR: always a 4-octet AS.
    As4Aggregator(Aggregator),
    /// LARGE_COMMUNITY: 12-octet values.
    LargeCommunities(Vec<LargeCommunity>),
    /// OTC: the AS that marked the route "only to customers" (RFC 9234 §5).
    OnlyToCustomer(u32),
    /// An attribute type globe does not know, value kept raw.
    Unknown {
        /// The type code.
        type_code: u8,
        /// The value.
        data: Vec<u8>,
    },
}

/// ORIGIN values (RFC 4271 §5.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// 0: IGP.
    Igp,
    /// 1: EGP.
    Egp,
    /// 2: INCOMPLETE.
    Incomplete,
}

/// AGGREGATOR and AS4_AGGREGATOR: the AS and router that aggregated the route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Aggregator {
    /// The aggregating AS.
    pub asn: u32,
    /// The aggregating router's IP address.
    pub address: Ipv4Addr,
}

/// The result of [`decode_attributes`]: the well-formed attributes in order, and the errors RFC 7606
/// lets the session survive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodedAttributes {
    /// Attributes that decoded.
    pub attributes: Vec<PathAttribute>,
    /// Errors with action discard or treat-as-withdraw.
    pub errors: Vec<AttributeError>,
    seen: [u64; 4],
}

impl DecodedAttributes {
    /// True when an attribute of this type was present, well-formed or not.
    pub fn saw(&self, type_code: u8) -> bool {
        let word = self
            .seen
            .get(usize::from(type_code / 64))
            .copied()
            .unwrap_or(0);
        word & (1 << (type_code % 64)) != 0
    }

    fn mark(&mut self, type_code: u8) {
        if let Some(word) = self.seen.get_mut(usize::from(type_code / 64)) {
            *word |= 1 << (type_code % 64);
        }
    }
}

impl Origin {
    /// The origin for a wire value.
    pub fn from_u8(value: u8) -> Option<Origin> {
        Some(match value {
            0 => Origin::Igp,
            1 => Origin::Egp,
            2 => Origin::Incomplete,
            _ => return None,
        })
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        self as u8
    }
}

impl AttributeValue {
    /// The type code.
    pub fn type_code(&self) -> u8 {
        use type_code::*;
        match self {
            AttributeValue::Origin(_) => ORIGIN,
            AttributeValue::AsPath(_) => AS_PATH,
            AttributeValue::NextHop(_) => NEXT_HOP,
            AttributeValue::MultiExitDisc(_) => MULTI_EXIT_DISC,
            AttributeValue::LocalPref(_) => LOCAL_PREF,
            AttributeValue::AtomicAggregate => ATOMIC_AGGREGATE,
            AttributeValue::Aggregator(_) => AGGREGATOR,
            AttributeValue::Communities(_) => COMMUNITIES,
            AttributeValue::OriginatorId(_) => ORIGINATOR_ID,
            AttributeValue::ClusterList(_) => CLUSTER_LIST,
            AttributeValue::MpReach(_) => MP_REACH_NLRI,
            AttributeValue::MpUnreach(_) => MP_UNREACH_NLRI,
            AttributeValue::ExtendedCommunities(_) => EXTENDED_COMMUNITIES,
            AttributeValue::As4Path(_) => AS4_PATH,
            AttributeValue::As4Aggregator(_) => AS4_AGGREGATOR,
            AttributeValue::LargeCommunities(_) => LARGE_COMMUNITIES,
            AttributeValue::OnlyToCustomer(_) => ONLY_TO_CUSTOMER,
            AttributeValue::Unknown { type_code, .. } => *type_code,
        }
    }
}

/// The Optional and Transitive flags RFC 4271 §5 and each attribute's RFC prescribe, as a flags
/// octet; `None` for types globe does not know.
pub fn standard_flags(type_code: u8) -> Option<u8> {
    use type_code::*;
    const WELL_KNOWN: u8 = AttributeFlags::TRANSITIVE;
    const OPTIONAL_TRANSITIVE: u8 = AttributeFlags::OPTIONAL | AttributeFlags::TRANSITIVE;
    const OPTIONAL: u8 = AttributeFlags::OPTIONAL;
    Some(match type_code {
        ORIGIN | AS_PATH | NEXT_HOP | LOCAL_PREF | ATOMIC_AGGREGATE => WELL_KNOWN,
        MULTI_EXIT_DISC | ORIGINATOR_ID | CLUSTER_LIST | MP_REACH_NLRI | MP_UNREACH_NLRI => {
            OPTIONAL
        }
        AGGREGATOR | COMMUNITIES | EXTENDED_COMMUNITIES | AS4_PATH | AS4_AGGREGATOR
        | LARGE_COMMUNITIES | ONLY_TO_CUSTOMER => OPTIONAL_TRANSITIVE,
        _ => return None,
    })
}

/// The RFC 7606 action for a malformed attribute of this type: §7.1–§7.14, RFC 6793 §6 (AS4_*),
/// RFC 8092 §6 (large communities), RFC 9234 §5 (OTC).
pub fn malformed_action(type_code: u8) -> AttributeAction {
    use type_code::*;
    match type_code {
        ATOMIC_AGGREGATE | AGGREGATOR | AS4_PATH | AS4_AGGREGATOR => AttributeAction::Discard,
        MP_REACH_NLRI | MP_UNREACH_NLRI => AttributeAction::SessionReset,
        _ => AttributeAction::TreatAsWithdraw,
    }
}

impl PathAttribute {
    /// An attribute with the standard flags for its type (optional transitive for unknown types).
    pub fn new(value: AttributeValue) -> PathAttribute {
        let flags = standard_flags(value.type_code())
            .unwrap_or(AttributeFlags::OPTIONAL | AttributeFlags::TRANSITIVE);
        PathAttribute {
            flags: AttributeFlags(flags),
            value,
        }
    }

    /// The type code.
    pub fn type_code(&self) -> u8 {
        self.value.type_code()
    }

    /// The attribute as it is to be passed to another peer (RFC 4271 §5 and §9.1.4): an unrecognised
    /// optional transitive attribute gets the Partial bit; an unrecognised optional non-transitive one
    /// is not passed on (`None`); anything else is passed unchanged.
    pub fn for_propagation(&self) -> Option<PathAttribute> {
        if !matches!(self.value, AttributeValue::Unknown { .. }) {
            return Some(self.clone());
        }
        if !self.flags.is_transitive() {
            return None;
        }
        Some(PathAttribute {
            flags: AttributeFlags(self.flags.0 | AttributeFlags::PARTIAL),
            value: self.value.clone(),
        })
    }

    /// Appends flags, type, length and value. The length is 2 octets when the extended-length flag is
    /// set, or when the value exceeds 255 bytes (the flag is then set in the output).
    pub fn encode(&self, options: &DecodeOptions, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let extended = self.flags.is_extended_length();
        out.push(self.flags.0);
        out.push(self.type_code());
        out.extend_from_slice(if extended { &[0, 0] } else { &[0] });
        let value_start = out.len();
        if let Err(error) = self.value.encode(options, out) {
            out.truncate(start);
            return Err(error);
        }
        let length = out.len() - value_start;
        let Ok(length16) = u16::try_from(length) else {
            out.truncate(start);
            return Err(EncodeError::AttributeTooLong {
                type_code: self.type_code(),
                length,
            });
        };
        if extended {
            out[start + 2..start + 4].copy_from_slice(&length16.to_be_bytes());
        } else if let Ok(length8) = u8::try_from(length) {
            out[start + 2] = length8;
        } else {
            out[start] |= AttributeFlags::EXTENDED_LENGTH;
            out[start + 2] = (length16 >> 8) as u8;
            out.insert(start + 3, length16 as u8);
        }
        Ok(())
    }
}

impl AttributeValue {
    fn encode(&self, options: &DecodeOptions, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            AttributeValue::Origin(origin) => out.push(origin.to_u8()),
            AttributeValue::AsPath(path) => path.encode(options.asn_size(), out),
            AttributeValue::NextHop(address) | AttributeValue::OriginatorId(address) => {
                out.extend_from_slice(&address.octets())
            }
            AttributeValue::MultiExitDisc(value)
            | AttributeValue::LocalPref(value)
            | AttributeValue::OnlyToCustomer(value) => out.extend_from_slice(&value.to_be_bytes()),
            AttributeValue::AtomicAggregate => {}
            AttributeValue::Aggregator(aggregator) => {
                if options.four_octet_asn {
                    out.extend_from_slice(&aggregator.asn.to_be_bytes());
                } else {
                    let asn = u16::try_from(aggregator.asn).unwrap_or(super::AS_TRANS as u16);
                    out.extend_from_slice(&asn.to_be_bytes());
                }
                out.extend_from_slice(&aggregator.address.octets());
            }
            AttributeValue::As4Aggregator(aggregator) => {
                out.extend_from_slice(&aggregator.asn.to_be_bytes());
                out.extend_from_slice(&aggregator.address.octets());
            }
            AttributeValue::Communities(communities) => {
                out.reserve(communities.len() * 4);
                for community in communities {
                    out.extend_from_slice(&community.0.to_be_bytes());
                }
            }
            AttributeValue::ClusterList(ids) => {
                for id in ids {
                    out.extend_from_slice(&id.octets());
                }
            }
            AttributeValue::MpReach(reach) => reach.encode(out)?,
            AttributeValue::MpUnreach(unreach) => {
                out.extend_from_slice(&unreach.family.afi.0.to_be_bytes());
                out.push(unreach.family.safi.0);
                unreach.withdrawn.encode(out);
            }
            AttributeValue::ExtendedCommunities(communities) => {
                for community in communities {
                    out.extend_from_slice(&community.0);
                }
            }
            AttributeValue::As4Path(path) => path.encode(4, out),
            AttributeValue::LargeCommunities(communities) => {
                for community in communities {
                    out.extend_from_slice(&community.global_admin.to_be_bytes());
                    out.extend_from_slice(&community.local_data_1.to_be_bytes());
                    out.extend_from_slice(&community.local_data_2.to_be_bytes());
                }
            }
            AttributeValue::Unknown { data, .. } => out.extend_from_slice(data),
        }
        Ok(())
    }

    /// Decodes the value of an attribute whose flags were already checked.
    fn decode(
        type_code: u8,
        value: &[u8],
        options: &DecodeOptions,
    ) -> Result<AttributeValue, AttributeErrorKind> {
        use type_code::*;
        use AttributeErrorKind::Length;
        let mut reader = Reader::new(value);
        let exact = |wanted: usize| {
            if value.len() == wanted {
                Ok(())
            } else {
                Err(Length)
            }
        };
        let multiple = |unit: usize| {
            if !value.is_empty() && value.len().is_multiple_of(unit) {
                Ok(())
            } else {
                Err(Length)
            }
        };
        Ok(match type_code {
            ORIGIN => {
                exact(1)?;
                let origin = reader.u8().and_then(Origin::from_u8);
                AttributeValue::Origin(origin.ok_or(AttributeErrorKind::InvalidOrigin)?)
            }
            AS_PATH => AttributeValue::AsPath(
                AsPath::decode(value, options.asn_size())
                    .map_err(|_| AttributeErrorKind::MalformedAsPath)?,
            ),
            NEXT_HOP => {
                exact(4)?;
                AttributeValue::NextHop(reader.ipv4().ok_or(Length)?)
            }
            MULTI_EXIT_DISC | LOCAL_PREF | ONLY_TO_CUSTOMER => {
                exact(4)?;
                let number = reader.u32().ok_or(Length)?;
                match type_code {
                    MULTI_EXIT_DISC => AttributeValue::MultiExitDisc(number),
                    LOCAL_PREF => AttributeValue::LocalPref(number),
                    _ => AttributeValue::OnlyToCustomer(number),
                }
            }
            ATOMIC_AGGREGATE => {
                exact(0)?;
                AttributeValue::AtomicAggregate
            }
            AGGREGATOR => {
                exact(options.asn_size() + 4)?;
                let asn = reader.asn(options.asn_size()).ok_or(Length)?;
                let address = reader.ipv4().ok_or(Length)?;
                AttributeValue::Aggregator(Aggregator { asn, address })
            }
            AS4_AGGREGATOR => {
                exact(8)?;
                let asn = reader.u32().ok_or(Length)?;
                let address = reader.ipv4().ok_or(Length)?;
                AttributeValue::As4Aggregator(Aggregator { asn, address })
            }
            COMMUNITIES => {
                multiple(4)?;
                AttributeValue::Communities(
                    value
                        .chunks_exact(4)
                        .map(|chunk| Community(u32::from_be_bytes(array(chunk))))
                        .collect(),
                )
            }
            ORIGINATOR_ID => {
                exact(4)?;
                AttributeValue::OriginatorId(reader.ipv4().ok_or(Length)?)
            }
            CLUSTER_LIST => {
                multiple(4)?;
                AttributeValue::ClusterList(
                    value
                        .chunks_exact(4)
                        .map(|chunk| Ipv4Addr::from(array(chunk)))
                        .collect(),
                )
            }
            EXTENDED_COMMUNITIES => {
                multiple(8)?;
                AttributeValue::ExtendedCommunities(
                    value
                        .chunks_exact(8)
                        .map(|chunk| ExtendedCommunity(array(chunk)))
                        .collect(),
                )
            }
            LARGE_COMMUNITIES => {
                multiple(12)?;
                AttributeValue::LargeCommunities(
                    value
                        .chunks_exact(12)
                        .map(|chunk| {
                            let mut part = Reader::new(chunk);
                            LargeCommunity::new(
                                part.u32().unwrap_or_default(),
                                part.u32().unwrap_or_default(),
                                part.u32().unwrap_or_default(),
                            )
                        })
                        .collect(),
                )
            }
            AS4_PATH => AttributeValue::As4Path(
                AsPath::decode(value, 4).map_err(|_| AttributeErrorKind::MalformedValue)?,
            ),
            MP_REACH_NLRI => AttributeValue::MpReach(MpReach::decode(value, options)?),
            MP_UNREACH_NLRI => {
                let family = read_family(&mut reader).ok_or(Length)?;
                let withdrawn = MpNlri::decode(family, reader.rest())?;
                AttributeValue::MpUnreach(MpUnreach { family, withdrawn })
            }
            _ => AttributeValue::Unknown {
                type_code,
                data: value.to_vec(),
            },
        })
    }
}

/// A fixed-size array from a chunk of exactly that size (as `chunks_exact` yields).
fn array<const N: usize>(chunk: &[u8]) -> [u8; N] {
    chunk.try_into().unwrap_or([0; N])
}

/// Decodes a path attributes field (RFC 4271 §4.3) and classifies every error by RFC 7606:
///
/// - an attribute header or value that runs past the field: treat-as-withdraw (§4), session reset if
///   the overrunning attribute is MP_REACH_NLRI or MP_UNREACH_NLRI (their NLRI would be lost, §5.3);
/// - a second MP_REACH_NLRI or MP_UNREACH_NLRI: session reset; any other repeated attribute: the
///   repeats are discarded (§3(g));
/// - Optional or Transitive flags in conflict with the type: treat-as-withdraw, or session reset for
///   the MP attributes (§3(c));
/// - an unrecognised well-known attribute: session reset (RFC 4271 §6.3; RFC 7606 leaves it);
/// - a malformed value: the attribute's own action ([`malformed_action`], §7).
///
/// Errors that reset the session are returned as `Err`; the others are collected and decoding goes on,
/// so that the prefixes of a treat-as-withdraw UPDATE are still known.
pub fn decode_attributes(
    data: &[u8],
    options: &DecodeOptions,
) -> Result<DecodedAttributes, AttributeError> {
    use type_code::{MP_REACH_NLRI, MP_UNREACH_NLRI};
    let mut decoded = DecodedAttributes {
        attributes: Vec::with_capacity(8),
        ..DecodedAttributes::default()
    };
    let mut reader = Reader::new(data);
    while !reader.is_empty() {
        let offset = data.len() - reader.remaining();
        let flags = reader.u8().unwrap_or_default();
        let type_code = reader.u8();
        let length = match type_code {
            None => None,
            Some(_) if flags & AttributeFlags::EXTENDED_LENGTH != 0 => {
                reader.u16().map(usize::from)
            }
            Some(_) => reader.u8().map(usize::from),
        };
        let value = length.and_then(|length| reader.bytes(length));
        let whole = data
            .get(offset..data.len() - reader.remaining())
            .unwrap_or_default();
        let error = |kind, action| AttributeError {
            type_code: type_code.unwrap_or_default(),
            kind,
            action,
            family: None,
            data: whole.to_vec(),
        };
        let (Some(type_code), Some(value)) = (type_code, value) else {
            let action = match type_code {
                Some(MP_REACH_NLRI | MP_UNREACH_NLRI) => AttributeAction::SessionReset,
                _ => AttributeAction::TreatAsWithdraw,
            };
            let overrun = AttributeError {
                data: data.get(offset..).unwrap_or_default().to_vec(),
                ..error(AttributeErrorKind::Overrun, action)
            };
            if action == AttributeAction::SessionReset {
                return Err(overrun);
            }
            decoded.errors.push(overrun);
            break;
        };
        let is_mp = type_code == MP_REACH_NLRI || type_code == MP_UNREACH_NLRI;
        if decoded.saw(type_code) {
            if is_mp {
                return Err(error(
                    AttributeErrorKind::Duplicate,
                    AttributeAction::SessionReset,
                ));
            }
            decoded.errors.push(error(
                AttributeErrorKind::Duplicate,
                AttributeAction::Discard,
            ));
            continue;
        }
        decoded.mark(type_code);
        let family = if is_mp {
            read_family(&mut Reader::new(value)).or(options.mrt_rib_family)
        } else {
            None
        };
        let failure = match standard_flags(type_code) {
            None if flags & AttributeFlags::OPTIONAL == 0 => Some((
                AttributeErrorKind::UnrecognizedWellKnown,
                AttributeAction::SessionReset,
            )),
            Some(expected)
                if (flags ^ expected) & (AttributeFlags::OPTIONAL | AttributeFlags::TRANSITIVE)
                    != 0 =>
            {
                let action = malformed_action(type_code).max(AttributeAction::TreatAsWithdraw);
                Some((AttributeErrorKind::FlagsConflict, action))
            }
            _ => match AttributeValue::decode(type_code, value, options) {
                Ok(value) => {
                    decoded.attributes.push(PathAttribute {
                        flags: AttributeFlags(flags),
                        value,
                    });
                    None
                }
                Err(kind) => Some((kind, malformed_action(type_code))),
            },
        };
        if let Some((kind, action)) = failure {
            let failure = AttributeError {
                family,
                ..error(kind, action)
            };
            if action == AttributeAction::SessionReset {
                return Err(failure);
            }
            decoded.errors.push(failure);
        }
    }
    Ok(decoded)
}
