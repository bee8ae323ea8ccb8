//! OPEN (RFC 4271 §4.2) with optional parameters (RFC 5492 §4) and the extended optional parameters
//! length (RFC 9072 §2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+
//! |    Version    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     My Autonomous System      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Hold Time           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         BGP Identifier                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Opt Parm Len  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |             Optional Parameters (variable)                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! Optional parameter:            RFC 9072 extended form (Opt Parm Len = 255,
//! +-+-+-+-+-+-+-+-+-+-+-+-+        first octet 255, then a 2-octet length;
//! | Parm. Type | Parm. Len |       each parameter then has a 2-octet length):
//! +-+-+-+-+-+-+-+-+-+-+-+-+      +-------+-------+---------------+
//! | Parameter Value ...    |      |  255  |  255  | Ext. Length   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+      +-------+-------+---------------+
//! ```
//!
//! The only optional parameter type in use is Capabilities (2, RFC 5492); any other type is the OPEN
//! error Unsupported Optional Parameter (RFC 4271 §6.2).

use super::as_path::AS_TRANS;
use super::capability::Capability;
use super::error::{EncodeError, OpenError};
use super::reader::Reader;
use crate::family::AddressFamily;
use std::net::Ipv4Addr;

/// The BGP version globe speaks.
pub const BGP_VERSION: u8 = 4;
/// Optional parameter type Capabilities (RFC 5492 §4).
pub const PARAMETER_CAPABILITIES: u8 = 2;
/// The Opt Parm Len and parameter type that announce the RFC 9072 extended form.
pub const EXTENDED_PARAMETERS_MARKER: u8 = 255;

/// An OPEN message. The version is always 4 (anything else fails to decode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Open {
    /// My Autonomous System: the sender's AS, or [`AS_TRANS`] when it does not fit 2 octets
    /// (RFC 6793 §4.1); see [`Open::asn`].
    pub my_as: u16,
    /// Proposed hold time in seconds: 0 or at least 3.
    pub hold_time: u16,
    /// The sender's BGP Identifier.
    pub bgp_identifier: Ipv4Addr,
    /// The optional parameters in order, as received.
    pub parameters: Vec<OptionalParameter>,
    /// The parameters use the RFC 9072 extended length form. The encoder also switches to it by itself
    /// when the parameters exceed 255 bytes.
    pub extended_parameters: bool,
}

/// One optional parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionalParameter {
    /// Type 2: one or more capabilities (RFC 5492 §4 allows several per parameter).
    Capabilities(Vec<Capability>),
}

impl Open {
    /// An OPEN for `asn` (put in My AS, or [`AS_TRANS`] with the real AS in a 4-octet AS capability the
    /// caller includes) with all `capabilities` in one optional parameter.
    pub fn new(
        asn: u32,
        hold_time: u16,
        bgp_identifier: Ipv4Addr,
        capabilities: Vec<Capability>,
    ) -> Open {
        let my_as = u16::try_from(asn).unwrap_or(AS_TRANS as u16);
        let parameters = if capabilities.is_empty() {
            Vec::new()
        } else {
            vec![OptionalParameter::Capabilities(capabilities)]
        };
        Open {
            my_as,
            hold_time,
            bgp_identifier,
            parameters,
            extended_parameters: false,
        }
    }

    /// Every capability, in order, across all parameters.
    pub fn capabilities(&self) -> impl Iterator<Item = &Capability> {
        self.parameters
            .iter()
            .flat_map(|parameter| match parameter {
                OptionalParameter::Capabilities(capabilities) => capabilities.iter(),
            })
    }

    /// The sender's AS: the 4-octet AS capability if present (RFC 6793 §4.1), else My AS.
    pub fn asn(&self) -> u32 {
        self.four_octet_asn().unwrap_or(u32::from(self.my_as))
    }

    /// The AS in the 4-octet AS capability, if the sender supports 4-octet AS numbers.
    pub fn four_octet_asn(&self) -> Option<u32> {
        self.capabilities().find_map(|capability| match capability {
            Capability::FourOctetAsn(asn) => Some(*asn),
            _ => None,
        })
    }

    /// True when the sender announced the extended message capability (RFC 8654).
    pub fn extended_message(&self) -> bool {
        self.capabilities()
            .any(|capability| *capability == Capability::ExtendedMessage)
    }

    /// The address families of the multiprotocol capabilities.
    pub fn families(&self) -> impl Iterator<Item = AddressFamily> + '_ {
        self.capabilities()
            .filter_map(|capability| match capability {
                Capability::Multiprotocol(family) => Some(*family),
                _ => None,
            })
    }

    /// Decodes an OPEN body (the bytes after the header).
    pub fn decode(body: &[u8]) -> Result<Open, OpenError> {
        let mut reader = Reader::new(body);
        let version = reader.u8().ok_or(OpenError::Truncated)?;
        if version != BGP_VERSION {
            return Err(OpenError::UnsupportedVersion(version));
        }
        let my_as = reader.u16().ok_or(OpenError::Truncated)?;
        let hold_time = reader.u16().ok_or(OpenError::Truncated)?;
        if hold_time == 1 || hold_time == 2 {
            return Err(OpenError::UnacceptableHoldTime(hold_time));
        }
        let bgp_identifier = reader.ipv4().ok_or(OpenError::Truncated)?;
        if bgp_identifier.is_unspecified() {
            return Err(OpenError::BadBgpIdentifier);
        }
        let length = reader.u8().ok_or(OpenError::Truncated)?;
        let rest = reader.rest();
        // RFC 9072 §2: Opt Parm Len 255 followed by a parameter type of 255 announces the extended form.
        let extended = length == EXTENDED_PARAMETERS_MARKER
            && rest.first() == Some(&EXTENDED_PARAMETERS_MARKER);
        let mut params = Reader::new(rest);
        if extended {
            params.u8().ok_or(OpenError::Truncated)?;
            let length = params.u16().ok_or(OpenError::Truncated)?;
            if params.remaining() != usize::from(length) {
                return Err(OpenError::MalformedParameters);
            }
        } else if params.remaining() != usize::from(length) {
            return Err(OpenError::MalformedParameters);
        }
        let mut parameters = Vec::new();
        while !params.is_empty() {
            let kind = params.u8().ok_or(OpenError::MalformedParameters)?;
            let value_length = if extended {
                params.u16().map(usize::from)
            } else {
                params.u8().map(usize::from)
            }
            .ok_or(OpenError::MalformedParameters)?;
            let value = params
                .bytes(value_length)
                .ok_or(OpenError::MalformedParameters)?;
            if kind != PARAMETER_CAPABILITIES {
                return Err(OpenError::UnsupportedOptionalParameter(kind));
            }
            let mut capability_reader = Reader::new(value);
            let mut capabilities = Vec::new();
            while !capability_reader.is_empty() {
                capabilities.push(Capability::decode(&mut capability_reader)?);
            }
            parameters.push(OptionalParameter::Capabilities(capabilities));
        }
        Ok(Open {
            my_as,
            hold_time,
            bgp_identifier,
            parameters,
            extended_parameters: extended,
        })
    }

    /// Appends the body.
    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(BGP_VERSION);
        out.extend_from_slice(&self.my_as.to_be_bytes());
        out.extend_from_slice(&self.hold_time.to_be_bytes());
        out.extend_from_slice(&self.bgp_identifier.octets());
        // Encode the parameter values first to learn whether the short form fits.
        let mut values = Vec::with_capacity(self.parameters.len());
        for parameter in &self.parameters {
            let OptionalParameter::Capabilities(capabilities) = parameter;
            let mut value = Vec::new();
            for capability in capabilities {
                capability.encode(&mut value)?;
            }
            values.push(value);
        }
        let short_total: usize = values.iter().map(|value| 2 + value.len()).sum();
        let short_fits = values.iter().all(|value| value.len() <= 255) && short_total <= 255;
        if self.extended_parameters || !short_fits {
            let total: usize = values.iter().map(|value| 3 + value.len()).sum();
            let total = u16::try_from(total)
                .map_err(|_| EncodeError::ParametersTooLong { length: total })?;
            out.extend_from_slice(&[EXTENDED_PARAMETERS_MARKER, EXTENDED_PARAMETERS_MARKER]);
            out.extend_from_slice(&total.to_be_bytes());
            for value in &values {
                out.push(PARAMETER_CAPABILITIES);
                // Each value is at most `total` long, which fits 2 octets.
                out.extend_from_slice(&(value.len() as u16).to_be_bytes());
                out.extend_from_slice(value);
            }
        } else {
            out.push(short_total as u8);
            for value in &values {
                out.extend_from_slice(&[PARAMETER_CAPABILITIES, value.len() as u8]);
                out.extend_from_slice(value);
            }
        }
        Ok(())
    }
}
