//! NOTIFICATION (RFC 4271 §4.5) with typed error codes and subcodes (RFC 4271 §4.5 and §6, RFC 4486
//! and RFC 8538 Cease subcodes, RFC 6608 FSM subcodes, RFC 5492/9234 OPEN subcodes, RFC 7313
//! ROUTE-REFRESH errors) and the shutdown communication (RFC 9003, which obsoletes RFC 8203).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Error code    | Error subcode |   Data (variable)             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Every code and subcode has a typed name and a raw fallback (`Unknown`), so any NOTIFICATION decodes
//! and re-encodes to the same bytes. A NOTIFICATION never fails to decode once its header is valid:
//! RFC 4271 §6 forbids answering a NOTIFICATION with one.

use super::error::{EncodeError, HeaderError};
use super::reader::Reader;

/// A NOTIFICATION: what went wrong, and data whose meaning depends on the code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Notification {
    /// Error code and subcode.
    pub code: NotificationCode,
    /// The data field, kept raw (see [`Notification::shutdown_communication`]).
    pub data: Vec<u8>,
}

/// Error code and subcode (RFC 4271 §4.5 and the IANA "BGP Error (Notification) Codes" registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationCode {
    /// 1: Message Header Error (RFC 4271 §6.1).
    MessageHeader(HeaderSubcode),
    /// 2: OPEN Message Error (RFC 4271 §6.2).
    Open(OpenSubcode),
    /// 3: UPDATE Message Error (RFC 4271 §6.3).
    Update(UpdateSubcode),
    /// 4: Hold Timer Expired (RFC 4271 §6.5); the subcode is normally 0 and is kept as received.
    HoldTimerExpired(u8),
    /// 5: Finite State Machine Error (RFC 4271 §6.6, RFC 6608).
    Fsm(FsmSubcode),
    /// 6: Cease (RFC 4271 §6.7, RFC 4486).
    Cease(CeaseSubcode),
    /// 7: ROUTE-REFRESH Message Error (RFC 7313 §5); subcode 1 is Invalid Message Length.
    RouteRefresh(u8),
    /// Any other code.
    Unknown {
        /// The error code.
        code: u8,
        /// The error subcode.
        subcode: u8,
    },
}

macro_rules! subcode_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A subcode globe has no name for, kept as received.
            Unknown(u8),
        }

        impl $name {
            /// The subcode for a wire value.
            pub fn from_u8(value: u8) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Unknown(other),
                }
            }

            /// The wire value.
            pub fn to_u8(self) -> u8 {
                match self {
                    $($name::$variant => $value,)*
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

subcode_enum! {
    /// Message Header Error subcodes (RFC 4271 §4.5).
    HeaderSubcode {
        /// 1: the marker is not all ones.
        ConnectionNotSynchronized = 1,
        /// 2: the length is out of range for the type; data is the 2-octet length.
        BadMessageLength = 2,
        /// 3: unknown message type; data is the type octet.
        BadMessageType = 3,
    }
}

subcode_enum! {
    /// OPEN Message Error subcodes (RFC 4271 §4.5, RFC 5492 §5, RFC 9234 §4.2).
    OpenSubcode {
        /// 0: no more specific subcode applies (used for malformed optional parameters).
        Unspecific = 0,
        /// 1: data is the largest supported version as 2 octets.
        UnsupportedVersionNumber = 1,
        /// 2.
        BadPeerAs = 2,
        /// 3.
        BadBgpIdentifier = 3,
        /// 4.
        UnsupportedOptionalParameter = 4,
        /// 6: hold time 1 or 2, or unacceptable to local policy.
        UnacceptableHoldTime = 6,
        /// 7 (RFC 5492): data lists the capabilities.
        UnsupportedCapability = 7,
        /// 11 (RFC 9234).
        RoleMismatch = 11,
    }
}

subcode_enum! {
    /// UPDATE Message Error subcodes (RFC 4271 §4.5).
    UpdateSubcode {
        /// 1.
        MalformedAttributeList = 1,
        /// 2: data is the attribute.
        UnrecognizedWellKnownAttribute = 2,
        /// 3: data is the missing type code.
        MissingWellKnownAttribute = 3,
        /// 4: data is the attribute.
        AttributeFlagsError = 4,
        /// 5: data is the attribute.
        AttributeLengthError = 5,
        /// 6: data is the attribute.
        InvalidOriginAttribute = 6,
        /// 8: data is the attribute.
        InvalidNextHopAttribute = 8,
        /// 9: data is the attribute.
        OptionalAttributeError = 9,
        /// 10.
        InvalidNetworkField = 10,
        /// 11.
        MalformedAsPath = 11,
    }
}

subcode_enum! {
    /// Finite State Machine Error subcodes (RFC 6608 §3).
    FsmSubcode {
        /// 0.
        Unspecified = 0,
        /// 1.
        UnexpectedMessageInOpenSent = 1,
        /// 2.
        UnexpectedMessageInOpenConfirm = 2,
        /// 3.
        UnexpectedMessageInEstablished = 3,
    }
}

subcode_enum! {
    /// Cease subcodes (RFC 4486 §4, RFC 8538 §5, RFC 9384 §3).
    CeaseSubcode {
        /// 1: data may hold AFI, SAFI and the upper bound (RFC 4486).
        MaximumPrefixesReached = 1,
        /// 2: data may hold a shutdown communication (RFC 9003).
        AdministrativeShutdown = 2,
        /// 3.
        PeerDeconfigured = 3,
        /// 4: data may hold a shutdown communication (RFC 9003).
        AdministrativeReset = 4,
        /// 5.
        ConnectionRejected = 5,
        /// 6.
        OtherConfigurationChange = 6,
        /// 7.
        ConnectionCollisionResolution = 7,
        /// 8.
        OutOfResources = 8,
        /// 9 (RFC 8538).
        HardReset = 9,
        /// 10 (RFC 9384).
        BfdDown = 10,
    }
}

/// The longest shutdown communication, in bytes of UTF-8 (RFC 9003 §2: one length octet).
pub const MAX_SHUTDOWN_COMMUNICATION: usize = 255;

/// Why the data of an Administrative Shutdown or Reset is not a valid shutdown communication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownCommunicationError {
    /// The length octet announces more bytes than the data holds.
    Truncated,
    /// The text is not UTF-8 (RFC 9003 §2 asks for it to be logged in hex instead).
    InvalidUtf8,
}

impl NotificationCode {
    /// Names a code and subcode.
    pub fn from_codes(code: u8, subcode: u8) -> NotificationCode {
        match code {
            1 => NotificationCode::MessageHeader(HeaderSubcode::from_u8(subcode)),
            2 => NotificationCode::Open(OpenSubcode::from_u8(subcode)),
            3 => NotificationCode::Update(UpdateSubcode::from_u8(subcode)),
            4 => NotificationCode::HoldTimerExpired(subcode),
            5 => NotificationCode::Fsm(FsmSubcode::from_u8(subcode)),
            6 => NotificationCode::Cease(CeaseSubcode::from_u8(subcode)),
            7 => NotificationCode::RouteRefresh(subcode),
            _ => NotificationCode::Unknown { code, subcode },
        }
    }

    /// The error code octet.
    pub fn code(&self) -> u8 {
        match self {
            NotificationCode::MessageHeader(_) => 1,
            NotificationCode::Open(_) => 2,
            NotificationCode::Update(_) => 3,
            NotificationCode::HoldTimerExpired(_) => 4,
            NotificationCode::Fsm(_) => 5,
            NotificationCode::Cease(_) => 6,
            NotificationCode::RouteRefresh(_) => 7,
            NotificationCode::Unknown { code, .. } => *code,
        }
    }

    /// The error subcode octet.
    pub fn subcode(&self) -> u8 {
        match self {
            NotificationCode::MessageHeader(subcode) => subcode.to_u8(),
            NotificationCode::Open(subcode) => subcode.to_u8(),
            NotificationCode::Update(subcode) => subcode.to_u8(),
            NotificationCode::HoldTimerExpired(subcode) => *subcode,
            NotificationCode::Fsm(subcode) => subcode.to_u8(),
            NotificationCode::Cease(subcode) => subcode.to_u8(),
            NotificationCode::RouteRefresh(subcode) => *subcode,
            NotificationCode::Unknown { subcode, .. } => *subcode,
        }
    }
}

impl Notification {
    /// A NOTIFICATION with a code and data.
    pub fn new(code: NotificationCode, data: Vec<u8>) -> Notification {
        Notification { code, data }
    }

    /// A Cease with a shutdown communication (RFC 9003 §2): `subcode` is normally
    /// [`CeaseSubcode::AdministrativeShutdown`] or [`CeaseSubcode::AdministrativeReset`]; the data is a
    /// length octet and the UTF-8 text, at most 255 bytes.
    ///
    /// ```text
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// | Error code 6  |    Subcode    |    Length     |     ...       \
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+               /
    /// \                 ... Shutdown Communication (UTF-8) ...        \
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// ```
    pub fn shutdown(subcode: CeaseSubcode, text: &str) -> Result<Notification, EncodeError> {
        let length = u8::try_from(text.len())
            .map_err(|_| EncodeError::ShutdownCommunicationTooLong { length: text.len() })?;
        let mut data = Vec::with_capacity(1 + text.len());
        data.push(length);
        data.extend_from_slice(text.as_bytes());
        Ok(Notification::new(NotificationCode::Cease(subcode), data))
    }

    /// The shutdown communication of an Administrative Shutdown or Reset (RFC 9003 §2): `None` for other
    /// codes and for empty data (a sender without RFC 9003 support), otherwise the text or why it is
    /// malformed. Bytes after the communication are ignored.
    pub fn shutdown_communication(&self) -> Option<Result<&str, ShutdownCommunicationError>> {
        match self.code {
            NotificationCode::Cease(CeaseSubcode::AdministrativeShutdown)
            | NotificationCode::Cease(CeaseSubcode::AdministrativeReset) => {}
            _ => return None,
        }
        let mut reader = Reader::new(&self.data);
        let length = reader.u8()?;
        Some(
            reader
                .bytes(usize::from(length))
                .ok_or(ShutdownCommunicationError::Truncated)
                .and_then(|text| {
                    std::str::from_utf8(text).map_err(|_| ShutdownCommunicationError::InvalidUtf8)
                }),
        )
    }

    /// Decodes a NOTIFICATION body (the bytes after the header). Fails only when the body is shorter than
    /// the code and subcode, which a checked header already excludes.
    pub fn decode(body: &[u8]) -> Result<Notification, HeaderError> {
        let mut reader = Reader::new(body);
        let code = reader.u8().ok_or(HeaderError::Truncated)?;
        let subcode = reader.u8().ok_or(HeaderError::Truncated)?;
        Ok(Notification {
            code: NotificationCode::from_codes(code, subcode),
            data: reader.rest().to_vec(),
        })
    }

    /// Appends the body.
    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        out.push(self.code.code());
        out.push(self.code.subcode());
        out.extend_from_slice(&self.data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_and_subcode_round_trips() {
        for code in 0..=u8::MAX {
            for subcode in 0..=u8::MAX {
                let named = NotificationCode::from_codes(code, subcode);
                assert_eq!((named.code(), named.subcode()), (code, subcode));
            }
        }
    }

    #[test]
    fn shutdown_communication() {
        let notification = Notification::shutdown(
            CeaseSubcode::AdministrativeShutdown,
            "maintenance, back at 12:00",
        )
        .expect("short");
        assert_eq!(
            notification.shutdown_communication(),
            Some(Ok("maintenance, back at 12:00"))
        );
        let long = "x".repeat(256);
        assert_eq!(
            Notification::shutdown(CeaseSubcode::AdministrativeReset, &long),
            Err(EncodeError::ShutdownCommunicationTooLong { length: 256 })
        );
        let truncated = Notification::new(
            NotificationCode::Cease(CeaseSubcode::AdministrativeShutdown),
            vec![5, b'a'],
        );
        assert_eq!(
            truncated.shutdown_communication(),
            Some(Err(ShutdownCommunicationError::Truncated))
        );
        let bad = Notification::new(
            NotificationCode::Cease(CeaseSubcode::AdministrativeReset),
            vec![1, 0xff],
        );
        assert_eq!(
            bad.shutdown_communication(),
            Some(Err(ShutdownCommunicationError::InvalidUtf8))
        );
        let other = Notification::new(NotificationCode::HoldTimerExpired(0), vec![]);
        assert_eq!(other.shutdown_communication(), None);
    }
}
