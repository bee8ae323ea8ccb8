//! The BGP-4 wire codec (RFC 4271 §4): whole messages in and out of byte slices.
//!
//! [`Message::decode`] takes exactly one message (header included; see [`header::frame_length`] to cut
//! one from a TCP byte stream) and the session context ([`DecodeOptions`]); it returns the message and,
//! for an UPDATE, the RFC 7606 attribute errors it found and survived ([`DecodedMessage`]). Errors that
//! end the session come back as [`MessageError`], which maps to the NOTIFICATION to send
//! ([`MessageError::notification`]). [`Message::encode`] appends the wire form to a buffer; for
//! well-formed input, decode followed by encode gives back the received bytes exactly (attribute order,
//! flags and the extended-length bit are kept).
//!
//! Submodules, one per message part: [`header`], [`open`] (with [`capability`]), [`update`] (with
//! [`attribute`], [`multiprotocol`], [`as_path`], [`community`]), [`notification`], [`route_refresh`], and [`error`] for
//! the error types of every layer.

pub mod as_path;
pub mod attribute;
pub mod capability;
pub mod community;
pub mod error;
pub mod header;
pub mod multiprotocol;
pub mod notification;
pub mod open;
pub(crate) mod reader;
pub mod route_refresh;
pub mod update;

pub use as_path::{reconstruct_as4_path, AsPath, AsPathSegment, SegmentType, AS_TRANS};
pub use attribute::{
    Aggregator, AttributeFlags, AttributeValue, MpNlri, MpReach, MpUnreach, NextHop, Origin,
    PathAttribute,
};
pub use capability::{Capability, GracefulRestart, GracefulRestartFamily, Role};
pub use community::{Community, ExtendedCommunity, LargeCommunity};
pub use error::{
    AttributeAction, AttributeError, AttributeErrorKind, EncodeError, HeaderError, MessageError,
    OpenError, RouteRefreshError, UpdateError,
};
pub use header::{Header, MessageType};
pub use notification::{
    CeaseSubcode, FsmSubcode, HeaderSubcode, Notification, NotificationCode, OpenSubcode,
    UpdateSubcode,
};
pub use open::{Open, OptionalParameter};
pub use route_refresh::{RouteRefresh, RouteRefreshSubtype};
pub use update::Update;

use crate::family::AddressFamily;

/// The session context a message is decoded and encoded in. Encoders take the same value.
///
/// `Default` is the context before capabilities are negotiated (and of MRT `TABLE_DUMP` and old
/// `BGP4MP_MESSAGE` records): 2-octet AS numbers, 4096-byte messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Both ends announced the 4-octet AS capability (RFC 6793 §3): AS_PATH and AGGREGATOR carry 4-octet
    /// AS numbers.
    pub four_octet_asn: bool,
    /// Both ends announced the extended message capability (RFC 8654): UPDATE, NOTIFICATION and
    /// ROUTE-REFRESH may be up to 65535 bytes (OPEN and KEEPALIVE stay at 4096).
    pub extended_message: bool,
    /// The attributes come from an MRT `TABLE_DUMP_V2` RIB entry of this family, where MP_REACH_NLRI may
    /// hold only the next hop (RFC 6396 §4.3.4). `None` on a BGP session.
    pub mrt_rib_family: Option<AddressFamily>,
}

/// Encoders take the same context as decoders.
pub type EncodeOptions = DecodeOptions;

impl DecodeOptions {
    /// A session that negotiated 4-octet AS numbers but not extended messages: the common modern case.
    pub const FOUR_OCTET: DecodeOptions = DecodeOptions {
        four_octet_asn: true,
        extended_message: false,
        mrt_rib_family: None,
    };

    /// The largest message this context allows for a message of `message_type` (RFC 4271 §4.1,
    /// RFC 8654 §4).
    pub fn max_length(&self, message_type: MessageType) -> usize {
        match message_type {
            MessageType::Open | MessageType::Keepalive => header::MAX_MESSAGE_LENGTH,
            _ if self.extended_message => header::MAX_EXTENDED_MESSAGE_LENGTH,
            _ => header::MAX_MESSAGE_LENGTH,
        }
    }

    /// The size of an AS number in AS_PATH and AGGREGATOR: 4 or 2 octets.
    pub(crate) fn asn_size(&self) -> usize {
        if self.four_octet_asn {
            4
        } else {
            2
        }
    }
}

/// A BGP message (RFC 4271 §4.2–§4.5, RFC 2918 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// OPEN (type 1).
    Open(Open),
    /// UPDATE (type 2).
    Update(Update),
    /// NOTIFICATION (type 3).
    Notification(Notification),
    /// KEEPALIVE (type 4): a header alone.
    Keepalive,
    /// ROUTE-REFRESH (type 5).
    RouteRefresh(RouteRefresh),
}

/// What [`Message::decode`] returns: the message, and for an UPDATE the attribute errors that RFC 7606
/// lets the session survive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedMessage {
    /// The message. For an UPDATE, attributes with errors are left out of it.
    pub message: Message,
    /// Attribute errors with action discard or treat-as-withdraw; empty for other messages. Errors that
    /// reset the session are returned as [`MessageError`] instead.
    pub attribute_errors: Vec<AttributeError>,
}

impl DecodedMessage {
    /// The strongest action among the attribute errors (RFC 7606 §3(f)), `None` when there are none.
    /// [`AttributeAction::TreatAsWithdraw`] means: withdraw every prefix the UPDATE names, announced
    /// or withdrawn, and use nothing else from it.
    pub fn action(&self) -> Option<AttributeAction> {
        self.attribute_errors.iter().map(|error| error.action).max()
    }
}

impl Message {
    /// Decodes one whole message: `bytes` must be exactly the length the header announces.
    pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<DecodedMessage, MessageError> {
        let header = Header::decode(bytes, options)?;
        if bytes.len() != usize::from(header.length) {
            return Err(MessageError::Header(HeaderError::LengthMismatch {
                announced: header.length,
                actual: bytes.len(),
            }));
        }
        let body = bytes.get(header::HEADER_LENGTH..).unwrap_or_default();
        let mut attribute_errors = Vec::new();
        let message = match header.message_type {
            MessageType::Open => Message::Open(Open::decode(body)?),
            MessageType::Update => {
                let decoded = Update::decode(body, options)?;
                attribute_errors = decoded.errors;
                Message::Update(decoded.update)
            }
            MessageType::Notification => Message::Notification(Notification::decode(body)?),
            MessageType::Keepalive => Message::Keepalive,
            MessageType::RouteRefresh => Message::RouteRefresh(RouteRefresh::decode(body)?),
        };
        Ok(DecodedMessage {
            message,
            attribute_errors,
        })
    }

    /// The message type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Open(_) => MessageType::Open,
            Message::Update(_) => MessageType::Update,
            Message::Notification(_) => MessageType::Notification,
            Message::Keepalive => MessageType::Keepalive,
            Message::RouteRefresh(_) => MessageType::RouteRefresh,
        }
    }

    /// Appends the message, header included, to `out`. On error `out` is left as it was.
    pub fn encode(&self, options: &EncodeOptions, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&header::MARKER);
        out.extend_from_slice(&[0, 0, self.message_type() as u8]);
        let result = match self {
            Message::Open(open) => open.encode_body(out),
            Message::Update(update) => update.encode_body(options, out),
            Message::Notification(notification) => {
                notification.encode_body(out);
                Ok(())
            }
            Message::Keepalive => Ok(()),
            Message::RouteRefresh(refresh) => {
                refresh.encode_body(out);
                Ok(())
            }
        };
        let length = out.len() - start;
        let max = options.max_length(self.message_type());
        let result = match result {
            Ok(()) if length > max => Err(EncodeError::MessageTooLong { length, max }),
            other => other,
        };
        match result {
            Ok(()) => {
                // `length <= max <= 65535` was checked just above.
                let length = u16::try_from(length).unwrap_or(u16::MAX).to_be_bytes();
                out[start + 16..start + 18].copy_from_slice(&length);
                Ok(())
            }
            Err(error) => {
                out.truncate(start);
                Err(error)
            }
        }
    }

    /// Encodes the message into a new buffer.
    pub fn to_bytes(&self, options: &EncodeOptions) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(options, &mut out)?;
        Ok(out)
    }
}
