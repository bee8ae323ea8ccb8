//! UPDATE (RFC 4271 §4.3): withdrawn routes, path attributes and NLRI, decoded with the error handling
//! of RFC 7606.
//!
//! ```text
//! +-----------------------------------------------------+
//! |   Withdrawn Routes Length (2 octets)                |
//! +-----------------------------------------------------+
//! |   Withdrawn Routes (variable)                       |
//! +-----------------------------------------------------+
//! |   Total Path Attribute Length (2 octets)            |
//! +-----------------------------------------------------+
//! |   Path Attributes (variable)                        |
//! +-----------------------------------------------------+
//! |   Network Layer Reachability Information (variable) |
//! +-----------------------------------------------------+
//! ```
//!
//! [`Update::decode`] returns the prefixes of the message even when an attribute error calls for
//! treat-as-withdraw, so the speaker can withdraw them: the RFC 7606 §5.1 requirement that the NLRI be
//! parseable is why the withdrawn routes and NLRI fields are decoded first and any error in them resets
//! the session.

use super::as_path::{reconstruct_as4_path, AsPath};
use super::attribute::{
    decode_attributes, type_code, Aggregator, AttributeValue, MpReach, MpUnreach, Origin,
    PathAttribute,
};
use super::community::{Community, ExtendedCommunity, LargeCommunity};
use super::error::{AttributeAction, AttributeError, AttributeErrorKind, EncodeError, UpdateError};
use super::reader::Reader;
use super::DecodeOptions;
use crate::family::{AddressFamily, Afi};
use crate::prefix::Prefix;
use std::net::Ipv4Addr;

/// An UPDATE message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Update {
    /// IPv4 unicast prefixes withdrawn.
    pub withdrawn: Vec<Prefix>,
    /// Path attributes in the order received.
    pub attributes: Vec<PathAttribute>,
    /// IPv4 unicast prefixes announced.
    pub nlri: Vec<Prefix>,
}

/// The result of [`Update::decode`]: the UPDATE without its erroneous attributes, and the errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateDecode {
    /// The message.
    pub update: Update,
    /// Attribute errors with action discard or treat-as-withdraw.
    pub errors: Vec<AttributeError>,
}

impl UpdateDecode {
    /// The strongest action among the errors (RFC 7606 §3(f)).
    pub fn action(&self) -> Option<AttributeAction> {
        self.errors.iter().map(|error| error.action).max()
    }
}

impl Update {
    /// Decodes an UPDATE body (the bytes after the header).
    pub fn decode(body: &[u8], options: &DecodeOptions) -> Result<UpdateDecode, UpdateError> {
        let mut reader = Reader::new(body);
        let withdrawn_length = reader.u16().ok_or(UpdateError::WithdrawnRoutesLength)?;
        let withdrawn_field = reader
            .bytes(usize::from(withdrawn_length))
            .ok_or(UpdateError::WithdrawnRoutesLength)?;
        let attributes_length = reader.u16().ok_or(UpdateError::TotalAttributeLength)?;
        let attributes_field = reader
            .bytes(usize::from(attributes_length))
            .ok_or(UpdateError::TotalAttributeLength)?;
        let nlri_field = reader.rest();

        let mut withdrawn = Vec::new();
        Prefix::decode_nlri_list(Afi::IPV4, withdrawn_field, &mut withdrawn)
            .map_err(UpdateError::InvalidWithdrawn)?;
        let mut nlri = Vec::new();
        Prefix::decode_nlri_list(Afi::IPV4, nlri_field, &mut nlri)
            .map_err(UpdateError::InvalidNlri)?;

        let mut decoded =
            decode_attributes(attributes_field, options).map_err(UpdateError::Attribute)?;
        let mut errors = std::mem::take(&mut decoded.errors);
        // RFC 7606 §3(d): missing well-known mandatory attributes when there is something to announce.
        // NEXT_HOP is needed only for the NLRI field (RFC 4760 §3); an attribute that was present but
        // malformed already has its error.
        let announces_mp = decoded
            .attributes
            .iter()
            .any(|attribute| match &attribute.value {
                AttributeValue::MpReach(reach) => !reach.nlri.is_empty(),
                _ => false,
            });
        if !nlri.is_empty() || announces_mp {
            let mut required = vec![type_code::ORIGIN, type_code::AS_PATH];
            if !nlri.is_empty() {
                required.push(type_code::NEXT_HOP);
            }
            for missing in required.into_iter().filter(|&code| !decoded.saw(code)) {
                errors.push(AttributeError {
                    type_code: missing,
                    kind: AttributeErrorKind::MissingWellKnown,
                    action: AttributeAction::TreatAsWithdraw,
                    family: None,
                    data: vec![missing],
                });
            }
        }
        Ok(UpdateDecode {
            update: Update {
                withdrawn,
                attributes: decoded.attributes,
                nlri,
            },
            errors,
        })
    }

    /// Appends the body.
    pub(crate) fn encode_body(
        &self,
        options: &DecodeOptions,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let withdrawn_start = out.len();
        out.extend_from_slice(&[0, 0]);
        for prefix in &self.withdrawn {
            prefix.encode_nlri(out);
        }
        patch_length(out, withdrawn_start)?;
        let attributes_start = out.len();
        out.extend_from_slice(&[0, 0]);
        for attribute in &self.attributes {
            attribute.encode(options, out)?;
        }
        patch_length(out, attributes_start)?;
        for prefix in &self.nlri {
            prefix.encode_nlri(out);
        }
        Ok(())
    }

    /// The first attribute of a type.
    pub fn attribute(&self, type_code: u8) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .map(|attribute| &attribute.value)
            .find(|value| value.type_code() == type_code)
    }

    /// ORIGIN.
    pub fn origin(&self) -> Option<Origin> {
        match self.attribute(type_code::ORIGIN)? {
            AttributeValue::Origin(origin) => Some(*origin),
            _ => None,
        }
    }

    /// AS_PATH as carried (see [`Update::reconstructed_as_path`] for a 2-octet session).
    pub fn as_path(&self) -> Option<&AsPath> {
        match self.attribute(type_code::AS_PATH)? {
            AttributeValue::AsPath(path) => Some(path),
            _ => None,
        }
    }

    /// NEXT_HOP.
    pub fn next_hop(&self) -> Option<Ipv4Addr> {
        match self.attribute(type_code::NEXT_HOP)? {
            AttributeValue::NextHop(address) => Some(*address),
            _ => None,
        }
    }

    /// MULTI_EXIT_DISC.
    pub fn multi_exit_disc(&self) -> Option<u32> {
        match self.attribute(type_code::MULTI_EXIT_DISC)? {
            AttributeValue::MultiExitDisc(value) => Some(*value),
            _ => None,
        }
    }

    /// LOCAL_PREF.
    pub fn local_pref(&self) -> Option<u32> {
        match self.attribute(type_code::LOCAL_PREF)? {
            AttributeValue::LocalPref(value) => Some(*value),
            _ => None,
        }
    }

    /// COMMUNITIES (empty when absent).
    pub fn communities(&self) -> &[Community] {
        match self.attribute(type_code::COMMUNITIES) {
            Some(AttributeValue::Communities(communities)) => communities,
            _ => &[],
        }
    }

    /// EXTENDED COMMUNITIES (empty when absent).
    pub fn extended_communities(&self) -> &[ExtendedCommunity] {
        match self.attribute(type_code::EXTENDED_COMMUNITIES) {
            Some(AttributeValue::ExtendedCommunities(communities)) => communities,
            _ => &[],
        }
    }

    /// LARGE_COMMUNITY (empty when absent).
    pub fn large_communities(&self) -> &[LargeCommunity] {
        match self.attribute(type_code::LARGE_COMMUNITIES) {
            Some(AttributeValue::LargeCommunities(communities)) => communities,
            _ => &[],
        }
    }

    /// MP_REACH_NLRI.
    pub fn mp_reach(&self) -> Option<&MpReach> {
        match self.attribute(type_code::MP_REACH_NLRI)? {
            AttributeValue::MpReach(reach) => Some(reach),
            _ => None,
        }
    }

    /// MP_UNREACH_NLRI.
    pub fn mp_unreach(&self) -> Option<&MpUnreach> {
        match self.attribute(type_code::MP_UNREACH_NLRI)? {
            AttributeValue::MpUnreach(unreach) => Some(unreach),
            _ => None,
        }
    }

    /// Every announced prefix: the NLRI field, then MP_REACH_NLRI's prefixes.
    pub fn announced(&self) -> impl Iterator<Item = Prefix> + '_ {
        let mp = self
            .mp_reach()
            .map(|reach| reach.nlri.prefixes())
            .unwrap_or_default();
        self.nlri.iter().chain(mp).copied()
    }

    /// Every withdrawn prefix: the withdrawn routes field, then MP_UNREACH_NLRI's prefixes. After a
    /// treat-as-withdraw decision the speaker withdraws these and [`Update::announced`].
    pub fn withdrawals(&self) -> impl Iterator<Item = Prefix> + '_ {
        let mp = self
            .mp_unreach()
            .map(|unreach| unreach.withdrawn.prefixes())
            .unwrap_or_default();
        self.withdrawn.iter().chain(mp).copied()
    }

    /// The family whose End-of-RIB marker this is (RFC 4724 §2): an empty UPDATE for IPv4 unicast, or
    /// an UPDATE holding only an empty MP_UNREACH_NLRI.
    pub fn end_of_rib(&self) -> Option<AddressFamily> {
        if !self.withdrawn.is_empty() || !self.nlri.is_empty() {
            return None;
        }
        match self.attributes.as_slice() {
            [] => Some(AddressFamily::IPV4_UNICAST),
            [attribute] => match &attribute.value {
                AttributeValue::MpUnreach(unreach) if unreach.withdrawn.is_empty() => {
                    Some(unreach.family)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The true AS path and aggregator of an UPDATE from a 2-octet speaker, merging AS4_PATH and
    /// AS4_AGGREGATOR by [`reconstruct_as4_path`] (RFC 6793 §4.2.3). `None` without an AS_PATH.
    pub fn reconstructed_as_path(&self) -> Option<(AsPath, Option<Aggregator>)> {
        let as4_path = match self.attribute(type_code::AS4_PATH) {
            Some(AttributeValue::As4Path(path)) => Some(path),
            _ => None,
        };
        let aggregator = match self.attribute(type_code::AGGREGATOR) {
            Some(AttributeValue::Aggregator(aggregator)) => Some(aggregator),
            _ => None,
        };
        let as4_aggregator = match self.attribute(type_code::AS4_AGGREGATOR) {
            Some(AttributeValue::As4Aggregator(aggregator)) => Some(aggregator),
            _ => None,
        };
        Some(reconstruct_as4_path(
            self.as_path()?,
            as4_path,
            aggregator,
            as4_aggregator,
        ))
    }
}

/// Writes the length of the field that starts with a 2-octet length at `start`.
fn patch_length(out: &mut [u8], start: usize) -> Result<(), EncodeError> {
    let length = out.len() - start - 2;
    let length16 = u16::try_from(length).map_err(|_| EncodeError::FieldTooLong { length })?;
    out[start..start + 2].copy_from_slice(&length16.to_be_bytes());
    Ok(())
}
