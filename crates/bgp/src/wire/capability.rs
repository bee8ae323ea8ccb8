//! Capabilities advertised in OPEN (RFC 5492 §4) and the ones globe understands.
//!
//! ```text
//! +------------------------------+
//! | Capability Code (1 octet)    |
//! +------------------------------+
//! | Capability Length (1 octet)  |
//! +------------------------------+
//! | Capability Value (variable)  |
//! +------------------------------+
//! ```
//!
//! Known: multiprotocol (1, RFC 4760 §8), route refresh (2, RFC 2918 §2), extended message (6,
//! RFC 8654 §3), BGP role (9, RFC 9234 §4.1), graceful restart (64, RFC 4724 §3), 4-octet AS (65,
//! RFC 6793 §3), enhanced route refresh (70, RFC 7313 §3). Everything else (ADD-PATH, extended next
//! hop, FQDN, long-lived graceful restart, …) is kept raw in [`Capability::Unknown`] and written back as
//! received.

use super::error::{EncodeError, OpenError};
use super::reader::Reader;
use crate::family::{AddressFamily, Afi, Safi};

/// One capability.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// 1: multiprotocol extensions for one AFI/SAFI (RFC 4760 §8).
    ///
    /// ```text
    /// 0       7      15      23      31
    /// +-------+-------+-------+-------+
    /// |      AFI      | Res.  | SAFI  |
    /// +-------+-------+-------+-------+
    /// ```
    Multiprotocol(AddressFamily),
    /// 2: route refresh (RFC 2918 §2); empty.
    RouteRefresh,
    /// 6: extended message (RFC 8654 §3); empty.
    ExtendedMessage,
    /// 9: BGP role (RFC 9234 §4.1); one octet.
    Role(Role),
    /// 64: graceful restart (RFC 4724 §3).
    GracefulRestart(GracefulRestart),
    /// 65: support for 4-octet AS numbers, with the speaker's AS (RFC 6793 §3).
    FourOctetAsn(u32),
    /// 70: enhanced route refresh (RFC 7313 §3); empty.
    EnhancedRouteRefresh,
    /// Any other capability, value kept raw.
    Unknown {
        /// The capability code.
        code: u8,
        /// The value.
        data: Vec<u8>,
    },
}

/// The BGP role of the sender (RFC 9234 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// 0: the sender is the provider.
    Provider,
    /// 1: the sender is a route server.
    RouteServer,
    /// 2: the sender is a route server client.
    RouteServerClient,
    /// 3: the sender is the customer.
    Customer,
    /// 4: lateral peer.
    Peer,
    /// An unassigned value, kept as received.
    Unknown(u8),
}

/// The graceful restart capability (RFC 4724 §3).
///
/// ```text
/// +--------------------------------------------------+
/// | Restart Flags (4 bits)                           |
/// +--------------------------------------------------+
/// | Restart Time in seconds (12 bits)                |
/// +--------------------------------------------------+
/// | Address Family Identifier (16 bits)              |
/// +--------------------------------------------------+
/// | Subsequent Address Family Identifier (8 bits)    |
/// +--------------------------------------------------+
/// | Flags for Address Family (8 bits)                |
/// +--------------------------------------------------+
/// | ...  (AFI, SAFI, flags repeated)                 |
/// +--------------------------------------------------+
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GracefulRestart {
    /// The four restart flags, in the low four bits (see [`GracefulRestart::RESTART_STATE`]).
    pub flags: u8,
    /// Restart time in seconds, at most 4095.
    pub restart_time: u16,
    /// The families whose forwarding state may be preserved.
    pub families: Vec<GracefulRestartFamily>,
}

/// One address family in a graceful restart capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GracefulRestartFamily {
    /// The family.
    pub family: AddressFamily,
    /// Its flags (see [`GracefulRestartFamily::FORWARDING_STATE`]).
    pub flags: u8,
}

impl GracefulRestart {
    /// The R bit: the sender has restarted (RFC 4724 §3).
    pub const RESTART_STATE: u8 = 0x8;
    /// The N bit: graceful notification support (RFC 8538 §2).
    pub const NOTIFICATION: u8 = 0x4;
    /// True when the R bit is set.
    pub fn restarted(&self) -> bool {
        self.flags & Self::RESTART_STATE != 0
    }
}

impl GracefulRestartFamily {
    /// The F bit: forwarding state was preserved across the restart (RFC 4724 §3).
    pub const FORWARDING_STATE: u8 = 0x80;
    /// True when the F bit is set.
    pub fn forwarding_preserved(&self) -> bool {
        self.flags & Self::FORWARDING_STATE != 0
    }
}

impl Role {
    /// The role for a wire value.
    pub fn from_u8(value: u8) -> Role {
        match value {
            0 => Role::Provider,
            1 => Role::RouteServer,
            2 => Role::RouteServerClient,
            3 => Role::Customer,
            4 => Role::Peer,
            other => Role::Unknown(other),
        }
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Role::Provider => 0,
            Role::RouteServer => 1,
            Role::RouteServerClient => 2,
            Role::Customer => 3,
            Role::Peer => 4,
            Role::Unknown(other) => other,
        }
    }
}

impl Capability {
    /// The capability code.
    pub fn code(&self) -> u8 {
        match self {
            Capability::Multiprotocol(_) => 1,
            Capability::RouteRefresh => 2,
            Capability::ExtendedMessage => 6,
            Capability::Role(_) => 9,
            Capability::GracefulRestart(_) => 64,
            Capability::FourOctetAsn(_) => 65,
            Capability::EnhancedRouteRefresh => 70,
            Capability::Unknown { code, .. } => *code,
        }
    }

    /// Decodes one capability from the front of `reader`.
    pub(crate) fn decode(reader: &mut Reader<'_>) -> Result<Capability, OpenError> {
        let code = reader.u8().ok_or(OpenError::MalformedParameters)?;
        let length = reader.u8().ok_or(OpenError::MalformedParameters)?;
        let value = reader
            .bytes(usize::from(length))
            .ok_or(OpenError::MalformedParameters)?;
        let malformed = OpenError::MalformedCapability { code };
        let mut value_reader = Reader::new(value);
        let capability = match code {
            1 => {
                let [afi_high, afi_low, _reserved, safi] =
                    value_reader.array::<4>().ok_or(malformed)?;
                Capability::Multiprotocol(AddressFamily::new(
                    Afi(u16::from_be_bytes([afi_high, afi_low])),
                    Safi(safi),
                ))
            }
            2 => Capability::RouteRefresh,
            6 => Capability::ExtendedMessage,
            9 => Capability::Role(Role::from_u8(value_reader.u8().ok_or(malformed)?)),
            64 => {
                let word = value_reader.u16().ok_or(malformed)?;
                let mut families = Vec::with_capacity(value_reader.remaining() / 4);
                while !value_reader.is_empty() {
                    let afi = value_reader.u16().ok_or(malformed)?;
                    let safi = value_reader.u8().ok_or(malformed)?;
                    let flags = value_reader.u8().ok_or(malformed)?;
                    families.push(GracefulRestartFamily {
                        family: AddressFamily::new(Afi(afi), Safi(safi)),
                        flags,
                    });
                }
                Capability::GracefulRestart(GracefulRestart {
                    flags: (word >> 12) as u8,
                    restart_time: word & 0x0fff,
                    families,
                })
            }
            65 => Capability::FourOctetAsn(value_reader.u32().ok_or(malformed)?),
            70 => Capability::EnhancedRouteRefresh,
            _ => {
                return Ok(Capability::Unknown {
                    code,
                    data: value.to_vec(),
                })
            }
        };
        if !value_reader.is_empty() {
            return Err(malformed);
        }
        Ok(capability)
    }

    /// Appends code, length and value.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&[self.code(), 0]);
        match self {
            Capability::Multiprotocol(family) => {
                out.extend_from_slice(&family.afi.0.to_be_bytes());
                out.extend_from_slice(&[0, family.safi.0]);
            }
            Capability::RouteRefresh
            | Capability::ExtendedMessage
            | Capability::EnhancedRouteRefresh => {}
            Capability::Role(role) => out.push(role.to_u8()),
            Capability::GracefulRestart(restart) => {
                let word =
                    (u16::from(restart.flags & 0x0f) << 12) | (restart.restart_time & 0x0fff);
                out.extend_from_slice(&word.to_be_bytes());
                for family in &restart.families {
                    out.extend_from_slice(&family.family.afi.0.to_be_bytes());
                    out.extend_from_slice(&[family.family.safi.0, family.flags]);
                }
            }
            Capability::FourOctetAsn(asn) => out.extend_from_slice(&asn.to_be_bytes()),
            Capability::Unknown { data, .. } => out.extend_from_slice(data),
        }
        let length = out.len() - start - 2;
        let Ok(length_byte) = u8::try_from(length) else {
            out.truncate(start);
            return Err(EncodeError::CapabilityTooLong {
                code: self.code(),
                length,
            });
        };
        if let Some(slot) = out.get_mut(start + 1) {
            *slot = length_byte;
        }
        Ok(())
    }
}
