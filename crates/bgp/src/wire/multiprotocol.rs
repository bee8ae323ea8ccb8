//! Multiprotocol reachability attributes, MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3–§5), with
//! the IPv6 next hop of RFC 2545 §3 (global, or global and link-local), IPv4 NLRI with an IPv6 next hop
//! (RFC 8950), and the abbreviated MP_REACH_NLRI of MRT RIB entries (RFC 6396 §4.3.4).
//!
//! NLRI of IPv4/IPv6 unicast and multicast decode to [`Prefix`]es; other families are kept raw so they
//! still re-encode byte for byte.

use super::attribute::type_code;
use super::error::{AttributeErrorKind, EncodeError};
use super::reader::Reader;
use super::DecodeOptions;
use crate::family::{AddressFamily, Afi, Safi};
use crate::prefix::Prefix;
use std::net::{Ipv4Addr, Ipv6Addr};

/// MP_REACH_NLRI (RFC 4760 §3).
///
/// ```text
/// +---------------------------------------------------------+
/// | Address Family Identifier (2 octets)                    |
/// +---------------------------------------------------------+
/// | Subsequent Address Family Identifier (1 octet)          |
/// +---------------------------------------------------------+
/// | Length of Next Hop Network Address (1 octet)            |
/// +---------------------------------------------------------+
/// | Network Address of Next Hop (variable)                  |
/// +---------------------------------------------------------+
/// | Reserved (1 octet)                                      |
/// +---------------------------------------------------------+
/// | Network Layer Reachability Information (variable)       |
/// +---------------------------------------------------------+
/// ```
///
/// In an MRT `TABLE_DUMP_V2` RIB entry the attribute may hold only the next-hop length and next hop
/// (RFC 6396 §4.3.4); `abbreviated` records that form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MpReach {
    /// AFI and SAFI (for the abbreviated form: the RIB's family).
    pub family: AddressFamily,
    /// The next hop.
    pub next_hop: NextHop,
    /// The reserved octet (formerly the SNPA count), 0 when well-formed; kept for exact re-encoding.
    pub reserved: u8,
    /// The announced NLRI (empty in the abbreviated form).
    pub nlri: MpNlri,
    /// Written in the RFC 6396 §4.3.4 abbreviated form (next-hop length and next hop only).
    pub abbreviated: bool,
}

/// MP_UNREACH_NLRI (RFC 4760 §4): AFI (2), SAFI (1), withdrawn routes (variable).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MpUnreach {
    /// AFI and SAFI.
    pub family: AddressFamily,
    /// The withdrawn NLRI; empty for an End-of-RIB marker (RFC 4724 §2).
    pub withdrawn: MpNlri,
}

/// A next hop in MP_REACH_NLRI, chosen by its length.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NextHop {
    /// 4 octets.
    Ipv4(Ipv4Addr),
    /// 16 octets (global) or 32 octets (global and link-local, RFC 2545 §3).
    Ipv6 {
        /// The global address.
        global: Ipv6Addr,
        /// The link-local address, when 32 octets were sent.
        link_local: Option<Ipv6Addr>,
    },
    /// Another length (VPN next hops with a route distinguisher, …), kept raw.
    Other(Vec<u8>),
}

/// The NLRI of an MP attribute: prefixes for IPv4/IPv6 unicast and multicast, raw bytes otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MpNlri {
    /// Plain prefixes.
    Prefixes(Vec<Prefix>),
    /// NLRI of a family globe does not parse.
    Raw(Vec<u8>),
}

impl MpReach {
    pub(crate) fn decode(
        value: &[u8],
        options: &DecodeOptions,
    ) -> Result<MpReach, AttributeErrorKind> {
        let mut reader = Reader::new(value);
        // RFC 6396 §4.3.4: in a RIB entry only the next-hop length and next hop may be present. A full
        // attribute starts with a 2-octet AFI whose first octet (0) can never equal `length - 1`.
        if let Some(family) = options.mrt_rib_family {
            if value.first().map(|&length| usize::from(length) + 1) == Some(value.len()) {
                reader.u8();
                let next_hop = NextHop::decode(family, reader.rest())?;
                return Ok(MpReach {
                    family,
                    next_hop,
                    reserved: 0,
                    nlri: MpNlri::Prefixes(Vec::new()),
                    abbreviated: true,
                });
            }
        }
        let family = read_family(&mut reader).ok_or(AttributeErrorKind::Length)?;
        let next_hop_length = reader.u8().ok_or(AttributeErrorKind::Length)?;
        let next_hop = reader
            .bytes(usize::from(next_hop_length))
            .ok_or(AttributeErrorKind::Length)?;
        let next_hop = NextHop::decode(family, next_hop)?;
        let reserved = reader.u8().ok_or(AttributeErrorKind::Length)?;
        let nlri = MpNlri::decode(family, reader.rest())?;
        Ok(MpReach {
            family,
            next_hop,
            reserved,
            nlri,
            abbreviated: false,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut next_hop = [0u8; 32];
        let next_hop: &[u8] = match &self.next_hop {
            NextHop::Ipv4(address) => {
                next_hop[..4].copy_from_slice(&address.octets());
                &next_hop[..4]
            }
            NextHop::Ipv6 { global, link_local } => {
                next_hop[..16].copy_from_slice(&global.octets());
                match link_local {
                    Some(link_local) => {
                        next_hop[16..].copy_from_slice(&link_local.octets());
                        &next_hop[..]
                    }
                    None => &next_hop[..16],
                }
            }
            NextHop::Other(bytes) => bytes,
        };
        let next_hop_length =
            u8::try_from(next_hop.len()).map_err(|_| EncodeError::AttributeTooLong {
                type_code: type_code::MP_REACH_NLRI,
                length: next_hop.len(),
            })?;
        if !self.abbreviated {
            out.extend_from_slice(&self.family.afi.0.to_be_bytes());
            out.push(self.family.safi.0);
        }
        out.push(next_hop_length);
        out.extend_from_slice(next_hop);
        if !self.abbreviated {
            out.push(self.reserved);
            self.nlri.encode(out);
        }
        Ok(())
    }
}

impl NextHop {
    /// Decodes a next hop by its length; for IPv4/IPv6 unicast and multicast only the lengths RFC 4760,
    /// RFC 2545 and RFC 8950 allow are accepted (4, 16 or 32 for IPv4; 16 or 32 for IPv6).
    fn decode(family: AddressFamily, bytes: &[u8]) -> Result<NextHop, AttributeErrorKind> {
        let mut reader = Reader::new(bytes);
        let next_hop = match bytes.len() {
            4 => reader.ipv4().map(NextHop::Ipv4),
            16 => reader.ipv6().map(|global| NextHop::Ipv6 {
                global,
                link_local: None,
            }),
            32 => reader
                .ipv6()
                .zip(reader.ipv6())
                .map(|(global, link_local)| NextHop::Ipv6 {
                    global,
                    link_local: Some(link_local),
                }),
            _ => None,
        };
        let valid_for_family = match (family.afi, bytes.len()) {
            _ if !family.has_prefix_nlri() => true,
            (Afi::IPV4, 4 | 16 | 32) | (Afi::IPV6, 16 | 32) => true,
            _ => false,
        };
        if !valid_for_family {
            return Err(AttributeErrorKind::InvalidNextHop);
        }
        Ok(next_hop.unwrap_or_else(|| NextHop::Other(bytes.to_vec())))
    }
}

impl MpNlri {
    pub(crate) fn decode(
        family: AddressFamily,
        bytes: &[u8],
    ) -> Result<MpNlri, AttributeErrorKind> {
        if !family.has_prefix_nlri() {
            return Ok(MpNlri::Raw(bytes.to_vec()));
        }
        let mut prefixes = Vec::new();
        Prefix::decode_nlri_list(family.afi, bytes, &mut prefixes)
            .map_err(AttributeErrorKind::InvalidNlri)?;
        Ok(MpNlri::Prefixes(prefixes))
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            MpNlri::Prefixes(prefixes) => {
                prefixes.iter().for_each(|prefix| prefix.encode_nlri(out))
            }
            MpNlri::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// The prefixes, empty for raw NLRI.
    pub fn prefixes(&self) -> &[Prefix] {
        match self {
            MpNlri::Prefixes(prefixes) => prefixes,
            MpNlri::Raw(_) => &[],
        }
    }

    /// True when there is no NLRI at all.
    pub fn is_empty(&self) -> bool {
        match self {
            MpNlri::Prefixes(prefixes) => prefixes.is_empty(),
            MpNlri::Raw(bytes) => bytes.is_empty(),
        }
    }
}

pub(crate) fn read_family(reader: &mut Reader<'_>) -> Option<AddressFamily> {
    let afi = reader.u16()?;
    let safi = reader.u8()?;
    Some(AddressFamily::new(Afi(afi), Safi(safi)))
}
