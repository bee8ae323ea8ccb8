//! The fixed 19-byte message header (RFC 4271 §4.1), length limits (RFC 8654) and stream framing.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                                                               +
//! |                           Marker (all ones)                   |
//! +                                                               +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Length               |      Type     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::error::HeaderError;
use super::reader::Reader;
use super::DecodeOptions;

/// The marker: sixteen octets of all ones (RFC 4271 §4.1).
pub const MARKER: [u8; 16] = [0xff; 16];
/// Length of the header: marker, length and type.
pub const HEADER_LENGTH: usize = 19;
/// The largest message without the extended message capability (RFC 4271 §4.1).
pub const MAX_MESSAGE_LENGTH: usize = 4096;
/// The largest message with the extended message capability (RFC 8654 §4).
pub const MAX_EXTENDED_MESSAGE_LENGTH: usize = 65535;

/// Smallest OPEN: header + version, My AS, Hold Time, BGP Identifier, Opt Parm Len (RFC 4271 §4.2).
pub const MIN_OPEN_LENGTH: usize = 29;
/// Smallest UPDATE: header + the two 2-octet length fields (RFC 4271 §4.3).
pub const MIN_UPDATE_LENGTH: usize = 23;
/// Smallest NOTIFICATION: header + error code and subcode (RFC 4271 §4.5).
pub const MIN_NOTIFICATION_LENGTH: usize = 21;
/// A KEEPALIVE is the header alone (RFC 4271 §4.4).
pub const KEEPALIVE_LENGTH: usize = 19;
/// Smallest ROUTE-REFRESH: header + AFI, subtype/reserved, SAFI (RFC 2918 §3).
pub const MIN_ROUTE_REFRESH_LENGTH: usize = 23;

/// Message type codes (RFC 4271 §4.1, RFC 2918 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// OPEN.
    Open = 1,
    /// UPDATE.
    Update = 2,
    /// NOTIFICATION.
    Notification = 3,
    /// KEEPALIVE.
    Keepalive = 4,
    /// ROUTE-REFRESH (RFC 2918).
    RouteRefresh = 5,
}

impl MessageType {
    /// The type for a code, `None` for codes globe does not know.
    pub fn from_code(code: u8) -> Option<MessageType> {
        Some(match code {
            1 => MessageType::Open,
            2 => MessageType::Update,
            3 => MessageType::Notification,
            4 => MessageType::Keepalive,
            5 => MessageType::RouteRefresh,
            _ => return None,
        })
    }

    /// The smallest valid length of a message of this type, header included.
    pub fn min_length(self) -> usize {
        match self {
            MessageType::Open => MIN_OPEN_LENGTH,
            MessageType::Update => MIN_UPDATE_LENGTH,
            MessageType::Notification => MIN_NOTIFICATION_LENGTH,
            MessageType::Keepalive => KEEPALIVE_LENGTH,
            MessageType::RouteRefresh => MIN_ROUTE_REFRESH_LENGTH,
        }
    }
}

/// A checked message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Total message length, header included.
    pub length: u16,
    /// The message type.
    pub message_type: MessageType,
}

impl Header {
    /// Decodes and checks the header at the front of `bytes` (RFC 4271 §6.1): the marker must be all
    /// ones, the type known, and the length within the type's minimum and the context's maximum
    /// (a KEEPALIVE is exactly 19 bytes). Only the first 19 bytes are read.
    pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Header, HeaderError> {
        let mut reader = Reader::new(bytes);
        let marker = reader.array::<16>().ok_or(HeaderError::Truncated)?;
        let length = reader.u16().ok_or(HeaderError::Truncated)?;
        let code = reader.u8().ok_or(HeaderError::Truncated)?;
        if marker != MARKER {
            return Err(HeaderError::ConnectionNotSynchronized);
        }
        let message_type = MessageType::from_code(code).ok_or(HeaderError::BadMessageType(code))?;
        let size = usize::from(length);
        let too_short = size < message_type.min_length();
        let keepalive_wrong = message_type == MessageType::Keepalive && size != KEEPALIVE_LENGTH;
        if too_short || keepalive_wrong || size > options.max_length(message_type) {
            return Err(HeaderError::BadMessageLength(length));
        }
        Ok(Header {
            length,
            message_type,
        })
    }
}

/// Framing for a TCP byte stream: the length of the first message in `buffer` once its header has
/// arrived (`Ok(None)` before that), after checking the header. The caller waits until that many bytes
/// are buffered and passes exactly them to [`Message::decode`](super::Message::decode).
pub fn frame_length(buffer: &[u8], options: &DecodeOptions) -> Result<Option<usize>, HeaderError> {
    if buffer.len() < HEADER_LENGTH {
        return Ok(None);
    }
    Header::decode(buffer, options).map(|header| Some(usize::from(header.length)))
}
