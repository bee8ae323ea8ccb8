//! The NOTIFICATION contents the session machine sends and receives (RFC 4271 §4.5 and §6), as plain
//! code/subcode/data values with named constructors for the errors the machine itself raises.
//!
//! The machine does not use the codec's message type here: the speaker's glue converts between the two,
//! so the machine never waits on the codec and the codec never depends on the machine.

use std::fmt;

use crate::family::AddressFamily;

use super::config::ShutdownCommunication;

/// NOTIFICATION error codes (RFC 4271 §4.5, IANA "BGP Error (Notification) Codes").
pub mod code {
    /// Message Header Error.
    pub const MESSAGE_HEADER: u8 = 1;
    /// OPEN Message Error.
    pub const OPEN_MESSAGE: u8 = 2;
    /// UPDATE Message Error.
    pub const UPDATE_MESSAGE: u8 = 3;
    /// Hold Timer Expired.
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    /// Finite State Machine Error (subcodes from RFC 6608).
    pub const FSM: u8 = 5;
    /// Cease (subcodes from RFC 4486).
    pub const CEASE: u8 = 6;
    /// ROUTE-REFRESH Message Error (RFC 7313).
    pub const ROUTE_REFRESH: u8 = 7;
}

/// OPEN Message Error subcodes (RFC 4271 §6.2, RFC 9234 §4.2).
pub mod open_subcode {
    /// Unsupported Version Number; data is the 2-octet version we support.
    pub const UNSUPPORTED_VERSION: u8 = 1;
    /// Bad Peer AS.
    pub const BAD_PEER_AS: u8 = 2;
    /// Bad BGP Identifier.
    pub const BAD_BGP_IDENTIFIER: u8 = 3;
    /// Unsupported Optional Parameter.
    pub const UNSUPPORTED_OPTIONAL_PARAMETER: u8 = 4;
    /// Unacceptable Hold Time.
    pub const UNACCEPTABLE_HOLD_TIME: u8 = 6;
    /// Unsupported Capability (RFC 5492).
    pub const UNSUPPORTED_CAPABILITY: u8 = 7;
    /// Role Mismatch (RFC 9234).
    pub const ROLE_MISMATCH: u8 = 11;
}

/// Finite State Machine Error subcodes (RFC 6608 §3): which state received the unexpected message.
pub mod fsm_subcode {
    /// Unspecified error.
    pub const UNSPECIFIED: u8 = 0;
    /// Receive Unexpected Message in OpenSent State.
    pub const OPEN_SENT: u8 = 1;
    /// Receive Unexpected Message in OpenConfirm State.
    pub const OPEN_CONFIRM: u8 = 2;
    /// Receive Unexpected Message in Established State.
    pub const ESTABLISHED: u8 = 3;
}

/// Cease subcodes (RFC 4486 §4, RFC 8538 for Hard Reset, IANA registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CeaseSubcode {
    /// Maximum Number of Prefixes Reached; data may carry AFI, SAFI and the limit.
    MaximumPrefixes = 1,
    /// Administrative Shutdown; data may carry a shutdown communication (RFC 9003).
    AdministrativeShutdown = 2,
    /// Peer De-configured.
    PeerDeconfigured = 3,
    /// Administrative Reset; data may carry a shutdown communication (RFC 9003).
    AdministrativeReset = 4,
    /// Connection Rejected.
    ConnectionRejected = 5,
    /// Other Configuration Change.
    OtherConfigurationChange = 6,
    /// Connection Collision Resolution (RFC 4271 §6.8).
    ConnectionCollisionResolution = 7,
    /// Out of Resources.
    OutOfResources = 8,
    /// Hard Reset (RFC 8538).
    HardReset = 9,
    /// BFD Down (RFC 9384).
    BfdDown = 10,
}

/// The contents of a NOTIFICATION message: error code, subcode and data (RFC 4271 §4.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Notification {
    /// Error code, see [`code`].
    pub code: u8,
    /// Error subcode; its meaning depends on the code.
    pub subcode: u8,
    /// Diagnostic data; its meaning depends on code and subcode.
    pub data: Vec<u8>,
}

impl Notification {
    /// A NOTIFICATION with the given code, subcode and data.
    pub fn new(code: u8, subcode: u8, data: Vec<u8>) -> Self {
        Notification {
            code,
            subcode,
            data,
        }
    }

    /// Hold Timer Expired (4/0, RFC 4271 §6.5).
    pub fn hold_timer_expired() -> Self {
        Notification::new(code::HOLD_TIMER_EXPIRED, 0, Vec::new())
    }

    /// Finite State Machine Error with the RFC 6608 subcode for `subcode`.
    pub fn fsm_error(subcode: u8) -> Self {
        Notification::new(code::FSM, subcode, Vec::new())
    }

    /// Cease with the given subcode and no data.
    pub fn cease(subcode: CeaseSubcode) -> Self {
        Notification::new(code::CEASE, subcode as u8, Vec::new())
    }

    /// Cease / Administrative Shutdown (6/2) carrying an optional shutdown communication (RFC 9003 §2:
    /// one length octet, then that many octets of UTF-8).
    pub fn administrative_shutdown(communication: Option<&ShutdownCommunication>) -> Self {
        let data = communication
            .map(ShutdownCommunication::to_data)
            .unwrap_or_default();
        Notification::new(
            code::CEASE,
            CeaseSubcode::AdministrativeShutdown as u8,
            data,
        )
    }

    /// Cease / Maximum Number of Prefixes Reached (6/1) with the RFC 4486 §4 data: AFI (2 octets),
    /// SAFI (1 octet) and the prefix upper bound (4 octets).
    pub fn maximum_prefixes(family: AddressFamily, limit: u32) -> Self {
        let mut data = Vec::with_capacity(7);
        data.extend_from_slice(&family.afi.0.to_be_bytes());
        data.push(family.safi.0);
        data.extend_from_slice(&limit.to_be_bytes());
        Notification::new(code::CEASE, CeaseSubcode::MaximumPrefixes as u8, data)
    }

    /// True for OPEN Message Error / Unsupported Version Number, which the machine treats as event 24
    /// (NotifMsgVerErr) rather than 25.
    pub fn is_version_error(&self) -> bool {
        self.code == code::OPEN_MESSAGE && self.subcode == open_subcode::UNSUPPORTED_VERSION
    }
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NOTIFICATION {}/{}", self.code, self.subcode)?;
        if !self.data.is_empty() {
            write!(f, " ({} octets of data)", self.data.len())?;
        }
        Ok(())
    }
}
