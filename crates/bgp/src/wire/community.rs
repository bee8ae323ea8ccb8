//! Communities: standard (RFC 1997), extended (RFC 4360) and large (RFC 8092). All are plain values
//! (`Copy`, no allocation) so a route's community list is one `Vec`.
//!
//! ```text
//! COMMUNITIES value (RFC 1997):     EXTENDED_COMMUNITIES value (RFC 4360 §2):
//! +--------------+--------------+   +------+---------+------------------------------+
//! | AS (2 octets)| value (2)    |   | Type | Subtype |  Value (6 octets)            |
//! +--------------+--------------+   +------+---------+------------------------------+
//!   repeated                           repeated (Type bit 0x40 set = non-transitive)
//!
//! LARGE_COMMUNITY value (RFC 8092 §3):
//! +------------------------+------------------------+------------------------+
//! | Global Administrator   | Local Data Part 1      | Local Data Part 2      |
//! +------------------------+------------------------+------------------------+
//!   each 4 octets, repeated
//! ```

use std::fmt;
use std::str::FromStr;

/// A standard community: 2-octet AS and 2-octet value in one 32-bit number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Community(pub u32);

impl Community {
    /// NO_EXPORT: do not advertise outside the AS or confederation (RFC 1997).
    pub const NO_EXPORT: Community = Community(0xFFFF_FF01);
    /// NO_ADVERTISE: do not advertise to any peer (RFC 1997).
    pub const NO_ADVERTISE: Community = Community(0xFFFF_FF02);
    /// NO_EXPORT_SUBCONFED: do not advertise to external peers, confederation peers included (RFC 1997).
    pub const NO_EXPORT_SUBCONFED: Community = Community(0xFFFF_FF03);
    /// NOPEER: do not advertise to bilateral peers (RFC 3765).
    pub const NO_PEER: Community = Community(0xFFFF_FF04);
    /// GRACEFUL_SHUTDOWN: the path is about to go away; lower its preference (RFC 8326).
    pub const GRACEFUL_SHUTDOWN: Community = Community(0xFFFF_0000);
    /// BLACKHOLE: drop traffic to this prefix (RFC 7999).
    pub const BLACKHOLE: Community = Community(0xFFFF_029A);

    /// A community from its AS and value halves.
    pub const fn new(asn: u16, value: u16) -> Community {
        Community(((asn as u32) << 16) | value as u32)
    }

    /// The high 16 bits (by convention an AS number).
    pub const fn asn(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The low 16 bits.
    pub const fn value(self) -> u16 {
        self.0 as u16
    }

    /// The name of a well-known community, if this is one.
    pub fn well_known_name(self) -> Option<&'static str> {
        Some(match self {
            Community::NO_EXPORT => "NO_EXPORT",
            Community::NO_ADVERTISE => "NO_ADVERTISE",
            Community::NO_EXPORT_SUBCONFED => "NO_EXPORT_SUBCONFED",
            Community::NO_PEER => "NO_PEER",
            Community::GRACEFUL_SHUTDOWN => "GRACEFUL_SHUTDOWN",
            Community::BLACKHOLE => "BLACKHOLE",
            _ => return None,
        })
    }
}

impl fmt::Display for Community {
    /// `asn:value`, the form bgpdump and most configurations use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.asn(), self.value())
    }
}

impl fmt::Debug for Community {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.well_known_name() {
            Some(name) => f.write_str(name),
            None => fmt::Display::fmt(self, f),
        }
    }
}

impl FromStr for Community {
    type Err = std::num::ParseIntError;

    /// Parses `asn:value`.
    fn from_str(text: &str) -> Result<Community, Self::Err> {
        let (asn, value) = text.split_once(':').unwrap_or((text, ""));
        Ok(Community::new(asn.parse()?, value.parse()?))
    }
}

/// An extended community: eight octets, the first one or two naming the type (RFC 4360 §2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtendedCommunity(pub [u8; 8]);

impl ExtendedCommunity {
    /// The type-field bit that marks a community as non-transitive across ASes (RFC 4360 §2).
    pub const NON_TRANSITIVE: u8 = 0x40;
    /// The type-field bit that marks IANA authority (0) or first-come-first-served (1).
    pub const IANA_AUTHORITY: u8 = 0x80;

    /// The high type octet.
    pub const fn type_high(self) -> u8 {
        self.0[0]
    }

    /// The low type octet (sub-type) of an extended-type community.
    pub const fn subtype(self) -> u8 {
        self.0[1]
    }

    /// True unless the non-transitive bit is set.
    pub const fn is_transitive(self) -> bool {
        self.0[0] & Self::NON_TRANSITIVE == 0
    }

    /// The six value octets after type and sub-type.
    pub fn value(&self) -> &[u8] {
        &self.0[2..]
    }

    /// A two-octet-AS-specific route target (type 0x00, sub-type 0x02; RFC 4360 §4).
    pub fn route_target(asn: u16, local: u32) -> ExtendedCommunity {
        let [a, b] = asn.to_be_bytes();
        let [c, d, e, g] = local.to_be_bytes();
        ExtendedCommunity([0x00, 0x02, a, b, c, d, e, g])
    }
}

impl fmt::Debug for ExtendedCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtendedCommunity(")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

/// A large community (RFC 8092 §3): three 4-octet numbers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LargeCommunity {
    /// Global Administrator (by convention the AS).
    pub global_admin: u32,
    /// Local Data Part 1.
    pub local_data_1: u32,
    /// Local Data Part 2.
    pub local_data_2: u32,
}

impl LargeCommunity {
    /// A large community from its three parts.
    pub const fn new(global_admin: u32, local_data_1: u32, local_data_2: u32) -> Self {
        LargeCommunity {
            global_admin,
            local_data_1,
            local_data_2,
        }
    }
}

impl fmt::Display for LargeCommunity {
    /// `global:local1:local2` (RFC 8195 §2).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.global_admin, self.local_data_1, self.local_data_2
        )
    }
}

impl fmt::Debug for LargeCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_extended_accessors() {
        assert_eq!(Community::NO_EXPORT.to_string(), "65535:65281");
        assert_eq!("65535:666".parse::<Community>(), Ok(Community::BLACKHOLE));
        assert!("65536:1".parse::<Community>().is_err());
        assert_eq!(Community::new(64500, 7).asn(), 64500);
        let target = ExtendedCommunity::route_target(64500, 100);
        assert_eq!(
            (target.type_high(), target.subtype(), target.is_transitive()),
            (0, 2, true)
        );
        assert_eq!(target.value(), &[0xfb, 0xf4, 0, 0, 0, 100]);
        assert_eq!(LargeCommunity::new(64500, 1, 2).to_string(), "64500:1:2");
    }
}
