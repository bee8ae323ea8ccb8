//! Errors of every codec layer, each carrying the data its NOTIFICATION needs (STYLE.md principle 3).
//!
//! - [`HeaderError`], [`OpenError`], [`RouteRefreshError`] and [`UpdateError`] end the session: each maps
//!   to the NOTIFICATION code, subcode and data of RFC 4271 §6.1–§6.3 (and RFC 7313 §5).
//! - [`AttributeError`] is one path attribute's error classified by RFC 7606 §7 (or §3–§5 for errors of
//!   the attribute list): its [`AttributeAction`] says whether the speaker discards the attribute, treats
//!   the UPDATE as a withdrawal, or resets the session. Only the last travels inside an [`UpdateError`].
//! - [`EncodeError`] is a value too large for its wire field.
//!
//! [`MessageError`] gathers the decode errors of [`Message::decode`](super::Message::decode).

use super::notification::{
    HeaderSubcode, Notification, NotificationCode, OpenSubcode, UpdateSubcode,
};
use crate::family::AddressFamily;
use crate::prefix::PrefixError;
use std::fmt;

/// A message header error (RFC 4271 §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than 19 bytes.
    Truncated,
    /// The marker is not all ones.
    ConnectionNotSynchronized,
    /// The length is below the type's minimum or above the context's maximum.
    BadMessageLength(u16),
    /// An unknown message type.
    BadMessageType(u8),
    /// The buffer given to `Message::decode` is not as long as the header says.
    LengthMismatch {
        /// The header's length field.
        announced: u16,
        /// The buffer's length.
        actual: usize,
    },
}

/// An OPEN message error (RFC 4271 §6.2, RFC 5492, RFC 9072).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The body ends inside a fixed field or the optional parameters.
    Truncated,
    /// A version other than 4.
    UnsupportedVersion(u8),
    /// A BGP Identifier of 0 (RFC 6286 §2.2).
    BadBgpIdentifier,
    /// Hold time 1 or 2 seconds (RFC 4271 §4.2: zero or at least three).
    UnacceptableHoldTime(u16),
    /// An optional parameter type other than Capabilities (2).
    UnsupportedOptionalParameter(u8),
    /// Optional parameter lengths disagree with the Opt Parm Len field.
    MalformedParameters,
    /// A known capability whose value has the wrong length or shape.
    MalformedCapability {
        /// The capability code.
        code: u8,
    },
}

/// A ROUTE-REFRESH message error (RFC 7313 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteRefreshError {
    /// The body is not exactly 4 bytes.
    InvalidLength(usize),
}

/// What RFC 7606 §2 tells the speaker to do about a malformed attribute. Ordered from weakest to
/// strongest, so the action for an UPDATE with several errors is the maximum (RFC 7606 §3(f)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeAction {
    /// "attribute discard": drop the attribute, use the rest of the UPDATE.
    Discard,
    /// "treat-as-withdraw": withdraw every prefix the UPDATE announces or withdraws.
    TreatAsWithdraw,
    /// "session reset" (or, for MP_REACH_NLRI / MP_UNREACH_NLRI of a known family, "AFI/SAFI disable",
    /// RFC 7606 §7.11): send the NOTIFICATION and close.
    SessionReset,
}

/// What is wrong with an attribute; decides the UPDATE Message Error subcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeErrorKind {
    /// The Optional or Transitive flag contradicts the attribute type (RFC 7606 §3(c)).
    FlagsConflict,
    /// The length is wrong for the type.
    Length,
    /// ORIGIN value other than 0, 1, 2.
    InvalidOrigin,
    /// AS_PATH segment type unknown, length zero, or overrunning (RFC 7606 §7.2).
    MalformedAsPath,
    /// NEXT_HOP or an MP_REACH_NLRI next hop of the wrong length.
    InvalidNextHop,
    /// Another structural error in an optional attribute (for example AS4_PATH with confederation
    /// segments, RFC 6793 §6).
    MalformedValue,
    /// The NLRI inside MP_REACH_NLRI / MP_UNREACH_NLRI cannot be parsed.
    InvalidNlri(PrefixError),
    /// A second occurrence of the attribute (RFC 7606 §3(g)).
    Duplicate,
    /// A well-known mandatory attribute is missing while NLRI are present (RFC 7606 §3(d)).
    MissingWellKnown,
    /// A well-known (non-optional) attribute type globe does not know (RFC 4271 §6.3).
    UnrecognizedWellKnown,
    /// The attribute header or value runs past the path attributes field (RFC 7606 §4).
    Overrun,
}

/// An error in one path attribute, with its RFC 7606 action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeError {
    /// The attribute type code.
    pub type_code: u8,
    /// What is wrong.
    pub kind: AttributeErrorKind,
    /// What to do about it.
    pub action: AttributeAction,
    /// For MP_REACH_NLRI / MP_UNREACH_NLRI whose AFI/SAFI could be read: the family the speaker may
    /// disable instead of resetting the session (RFC 7606 §7.11, RFC 4760 §7).
    pub family: Option<AddressFamily>,
    /// The erroneous attribute as received (flags, type, length, value), the data of the NOTIFICATION
    /// (RFC 4271 §6.3); for [`AttributeErrorKind::MissingWellKnown`] the type code alone.
    pub data: Vec<u8>,
}

/// An UPDATE error that resets the session (RFC 4271 §6.3, RFC 7606 §5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateError {
    /// The Withdrawn Routes Length overruns the message (RFC 4271 §6.3, Malformed Attribute List).
    WithdrawnRoutesLength,
    /// The Total Path Attribute Length overruns the message.
    TotalAttributeLength,
    /// The Withdrawn Routes field cannot be parsed (RFC 7606 §5.3).
    InvalidWithdrawn(PrefixError),
    /// The NLRI field cannot be parsed (RFC 7606 §5.3).
    InvalidNlri(PrefixError),
    /// An attribute error whose action is session reset.
    Attribute(AttributeError),
}

/// Any error of [`Message::decode`](super::Message::decode); all of them end the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageError {
    /// The header.
    Header(HeaderError),
    /// An OPEN.
    Open(OpenError),
    /// An UPDATE.
    Update(UpdateError),
    /// A ROUTE-REFRESH.
    RouteRefresh(RouteRefreshError),
}

/// A value that does not fit its wire field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The message exceeds 4096 bytes (65535 with extended messages).
    MessageTooLong {
        /// The encoded length.
        length: usize,
        /// The limit in force.
        max: usize,
    },
    /// An attribute value exceeds 65535 bytes.
    AttributeTooLong {
        /// The attribute type code.
        type_code: u8,
        /// The value length.
        length: usize,
    },
    /// The withdrawn routes or path attributes field exceeds 65535 bytes.
    FieldTooLong {
        /// The field length.
        length: usize,
    },
    /// A capability value exceeds 255 bytes.
    CapabilityTooLong {
        /// The capability code.
        code: u8,
        /// The value length.
        length: usize,
    },
    /// The optional parameters exceed 65535 bytes (RFC 9072).
    ParametersTooLong {
        /// Their length.
        length: usize,
    },
    /// A shutdown communication exceeds 255 bytes (RFC 9003 §2).
    ShutdownCommunicationTooLong {
        /// Its length.
        length: usize,
    },
    /// An MRT field that does not fit (for example more than 65535 peers or RIB entries).
    MrtFieldTooLong,
    /// A BGP4MP peering whose peer and local addresses are of different families (RFC 6396 §4.4 has one
    /// Address Family field for both).
    MrtMixedAddressFamilies,
}

impl HeaderError {
    /// The NOTIFICATION to send (RFC 4271 §6.1).
    pub fn notification(&self) -> Notification {
        let (subcode, data) = match *self {
            HeaderError::ConnectionNotSynchronized => {
                (HeaderSubcode::ConnectionNotSynchronized, Vec::new())
            }
            HeaderError::BadMessageLength(length) => (
                HeaderSubcode::BadMessageLength,
                length.to_be_bytes().to_vec(),
            ),
            HeaderError::LengthMismatch { announced, .. } => (
                HeaderSubcode::BadMessageLength,
                announced.to_be_bytes().to_vec(),
            ),
            HeaderError::Truncated => (HeaderSubcode::BadMessageLength, Vec::new()),
            HeaderError::BadMessageType(code) => (HeaderSubcode::BadMessageType, vec![code]),
        };
        Notification::new(NotificationCode::MessageHeader(subcode), data)
    }
}

impl OpenError {
    /// The NOTIFICATION to send (RFC 4271 §6.2).
    pub fn notification(&self) -> Notification {
        let (subcode, data) = match *self {
            // Data: the largest version this speaker supports, 2 octets.
            OpenError::UnsupportedVersion(_) => (OpenSubcode::UnsupportedVersionNumber, vec![0, 4]),
            OpenError::BadBgpIdentifier => (OpenSubcode::BadBgpIdentifier, Vec::new()),
            OpenError::UnacceptableHoldTime(_) => (OpenSubcode::UnacceptableHoldTime, Vec::new()),
            OpenError::UnsupportedOptionalParameter(_) => {
                (OpenSubcode::UnsupportedOptionalParameter, Vec::new())
            }
            OpenError::Truncated
            | OpenError::MalformedParameters
            | OpenError::MalformedCapability { .. } => (OpenSubcode::Unspecific, Vec::new()),
        };
        Notification::new(NotificationCode::Open(subcode), data)
    }
}

impl RouteRefreshError {
    /// The NOTIFICATION to send: ROUTE-REFRESH Message Error, Invalid Message Length (RFC 7313 §5).
    pub fn notification(&self) -> Notification {
        Notification::new(NotificationCode::RouteRefresh(1), Vec::new())
    }
}

impl AttributeErrorKind {
    /// The UPDATE Message Error subcode for this kind (RFC 4271 §6.3).
    pub fn subcode(&self) -> UpdateSubcode {
        match self {
            AttributeErrorKind::FlagsConflict => UpdateSubcode::AttributeFlagsError,
            AttributeErrorKind::Length => UpdateSubcode::AttributeLengthError,
            AttributeErrorKind::InvalidOrigin => UpdateSubcode::InvalidOriginAttribute,
            AttributeErrorKind::MalformedAsPath => UpdateSubcode::MalformedAsPath,
            AttributeErrorKind::InvalidNextHop => UpdateSubcode::InvalidNextHopAttribute,
            AttributeErrorKind::MalformedValue => UpdateSubcode::OptionalAttributeError,
            AttributeErrorKind::InvalidNlri(_) => UpdateSubcode::InvalidNetworkField,
            AttributeErrorKind::Duplicate | AttributeErrorKind::Overrun => {
                UpdateSubcode::MalformedAttributeList
            }
            AttributeErrorKind::MissingWellKnown => UpdateSubcode::MissingWellKnownAttribute,
            AttributeErrorKind::UnrecognizedWellKnown => {
                UpdateSubcode::UnrecognizedWellKnownAttribute
            }
        }
    }
}

impl AttributeError {
    /// The NOTIFICATION to send if the speaker resets the session over this error.
    pub fn notification(&self) -> Notification {
        Notification::new(
            NotificationCode::Update(self.kind.subcode()),
            self.data.clone(),
        )
    }
}

impl UpdateError {
    /// The NOTIFICATION to send (RFC 4271 §6.3).
    pub fn notification(&self) -> Notification {
        let subcode = match self {
            UpdateError::WithdrawnRoutesLength | UpdateError::TotalAttributeLength => {
                UpdateSubcode::MalformedAttributeList
            }
            UpdateError::InvalidWithdrawn(_) | UpdateError::InvalidNlri(_) => {
                UpdateSubcode::InvalidNetworkField
            }
            UpdateError::Attribute(error) => return error.notification(),
        };
        Notification::new(NotificationCode::Update(subcode), Vec::new())
    }
}

impl MessageError {
    /// The NOTIFICATION to send before closing the session.
    pub fn notification(&self) -> Notification {
        match self {
            MessageError::Header(error) => error.notification(),
            MessageError::Open(error) => error.notification(),
            MessageError::Update(error) => error.notification(),
            MessageError::RouteRefresh(error) => error.notification(),
        }
    }
}

impl From<HeaderError> for MessageError {
    fn from(error: HeaderError) -> Self {
        MessageError::Header(error)
    }
}

impl From<OpenError> for MessageError {
    fn from(error: OpenError) -> Self {
        MessageError::Open(error)
    }
}

impl From<UpdateError> for MessageError {
    fn from(error: UpdateError) -> Self {
        MessageError::Update(error)
    }
}

impl From<RouteRefreshError> for MessageError {
    fn from(error: RouteRefreshError) -> Self {
        MessageError::RouteRefresh(error)
    }
}

macro_rules! display_as_debug {
    ($($name:ident),*) => {
        $(
            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Debug::fmt(self, f)
                }
            }

            impl std::error::Error for $name {}
        )*
    };
}

// The Debug forms name the variant and its data, which is what a log line needs.
display_as_debug!(
    HeaderError,
    OpenError,
    RouteRefreshError,
    AttributeError,
    UpdateError,
    MessageError,
    EncodeError
);
