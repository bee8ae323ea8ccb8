//! [`Prefix`]: a compact IPv4 or IPv6 prefix, its text form and its NLRI encoding (RFC 4271 §4.3,
//! RFC 4760 §5).
//!
//! A prefix is an address and a length, 18 bytes, `Copy`, ordered (IPv4 before IPv6, then by address, then
//! by length) and hashable, so tables of a million routes hold prefixes inline.
//!
//! Host bits. A `Prefix` never has bits set past its length. Where the bits come from decides what happens
//! when they are set:
//! - text (`"192.0.2.1/24".parse()`) and [`Prefix::new`] reject them with [`PrefixError::HostBitsSet`]:
//!   a configuration or test that writes host bits almost certainly means something else;
//! - the wire ([`Prefix::decode_nlri`]) clears them: RFC 4271 §4.3 says "the value of trailing bits is
//!   irrelevant", so a peer that sends them is not in error, and masking keeps equal routes equal.
//!   Re-encoding such a prefix writes zero trailing bits.

use crate::family::Afi;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 or IPv6 prefix: an address with every bit past `length` clear, and a length of at most 32 or
/// 128.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    address: IpAddr,
    length: u8,
}

/// Why a prefix could not be built or parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefixError {
    /// The length exceeds 32 (IPv4) or 128 (IPv6).
    LengthTooLong {
        /// The length given.
        length: u8,
        /// The family's maximum.
        max: u8,
    },
    /// Bits past the length are set (only from text or [`Prefix::new`]; see the module docs).
    HostBitsSet,
    /// Text that is not `address/length`.
    Syntax,
    /// An NLRI whose length byte announces more bytes than remain (RFC 4271 §4.3).
    Truncated,
    /// An NLRI of an AFI that has no plain prefixes.
    UnsupportedAfi(Afi),
}

impl Prefix {
    /// The IPv4 default route, `0.0.0.0/0`.
    pub const IPV4_DEFAULT: Prefix = Prefix {
        address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        length: 0,
    };
    /// The IPv6 default route, `::/0`.
    pub const IPV6_DEFAULT: Prefix = Prefix {
        address: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        length: 0,
    };

    /// Builds a prefix, rejecting a length past the family's maximum and set host bits.
    pub fn new(address: IpAddr, length: u8) -> Result<Prefix, PrefixError> {
        let prefix = Prefix::new_truncating(address, length)?;
        if prefix.address != address {
            return Err(PrefixError::HostBitsSet);
        }
        Ok(prefix)
    }

    /// Builds a prefix, clearing any host bits (`192.0.2.1/24` becomes `192.0.2.0/24`).
    pub fn new_truncating(address: IpAddr, length: u8) -> Result<Prefix, PrefixError> {
        let max = max_length(&address);
        if length > max {
            return Err(PrefixError::LengthTooLong { length, max });
        }
        Ok(Prefix {
            address: mask(address, length),
            length,
        })
    }

    /// The network address (host bits clear).
    pub const fn address(&self) -> IpAddr {
        self.address
    }

    /// The prefix length in bits.
    pub const fn length(&self) -> u8 {
        self.length
    }

    /// True for an IPv4 prefix.
    pub const fn is_ipv4(&self) -> bool {
        matches!(self.address, IpAddr::V4(_))
    }

    /// The address family: [`Afi::IPV4`] or [`Afi::IPV6`].
    pub const fn afi(&self) -> Afi {
        match self.address {
            IpAddr::V4(_) => Afi::IPV4,
            IpAddr::V6(_) => Afi::IPV6,
        }
    }

    /// True when `other` is this prefix or a more specific one of the same family.
    pub fn contains(&self, other: &Prefix) -> bool {
        self.afi() == other.afi()
            && other.length >= self.length
            && mask(other.address, self.length) == self.address
    }

    /// Bytes of this prefix in NLRI form: one length byte and `ceil(length / 8)` address bytes.
    pub const fn nlri_len(&self) -> usize {
        1 + (self.length as usize).div_ceil(8)
    }

    /// Appends the NLRI encoding (RFC 4271 §4.3):
    ///
    /// ```text
    /// +---------------------------+
    /// |   Length (1 octet)        |   bits of the prefix
    /// +---------------------------+
    /// |   Prefix (variable)       |   ceil(Length / 8) octets, trailing bits zero
    /// +---------------------------+
    /// ```
    pub fn encode_nlri(&self, out: &mut Vec<u8>) {
        let bytes = self.nlri_len() - 1;
        out.push(self.length);
        match self.address {
            IpAddr::V4(address) => out.extend_from_slice(&address.octets()[..bytes]),
            IpAddr::V6(address) => out.extend_from_slice(&address.octets()[..bytes]),
        }
    }

    /// Decodes one NLRI prefix of `afi` from the front of `data`, returning it and the bytes it used.
    /// Trailing bits are cleared (see the module docs).
    pub fn decode_nlri(afi: Afi, data: &[u8]) -> Result<(Prefix, usize), PrefixError> {
        let (&length, rest) = data.split_first().ok_or(PrefixError::Truncated)?;
        let bytes = (length as usize).div_ceil(8);
        match afi {
            Afi::IPV4 => {
                if length > 32 {
                    return Err(PrefixError::LengthTooLong { length, max: 32 });
                }
                let mut octets = [0u8; 4];
                let source = rest.get(..bytes).ok_or(PrefixError::Truncated)?;
                octets[..bytes].copy_from_slice(source);
                let address = mask(IpAddr::V4(Ipv4Addr::from(octets)), length);
                Ok((Prefix { address, length }, 1 + bytes))
            }
            Afi::IPV6 => {
                if length > 128 {
                    return Err(PrefixError::LengthTooLong { length, max: 128 });
                }
                let mut octets = [0u8; 16];
                let source = rest.get(..bytes).ok_or(PrefixError::Truncated)?;
                octets[..bytes].copy_from_slice(source);
                let address = mask(IpAddr::V6(Ipv6Addr::from(octets)), length);
                Ok((Prefix { address, length }, 1 + bytes))
            }
            other => Err(PrefixError::UnsupportedAfi(other)),
        }
    }

    /// Decodes a whole NLRI field (a run of prefixes of one family) into `out`.
    pub fn decode_nlri_list(
        afi: Afi,
        mut data: &[u8],
        out: &mut Vec<Prefix>,
    ) -> Result<(), PrefixError> {
        // The shortest prefix is one byte (`/0`), a common one is four (`/24`): reserve for the common case.
        out.reserve(data.len() / 4);
        while !data.is_empty() {
            let (prefix, used) = Prefix::decode_nlri(afi, data)?;
            out.push(prefix);
            data = data.get(used..).unwrap_or_default();
        }
        Ok(())
    }
}

fn max_length(address: &IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask(address: IpAddr, length: u8) -> IpAddr {
    match address {
        IpAddr::V4(address) => {
            let bits = u32::from(address);
            let mask = u32::MAX
                .checked_shl(32 - u32::from(length.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & mask))
        }
        IpAddr::V6(address) => {
            let bits = u128::from(address);
            let mask = u128::MAX
                .checked_shl(128 - u32::from(length.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & mask))
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;

    /// Parses `address/length` strictly: host bits set are an error.
    fn from_str(text: &str) -> Result<Prefix, PrefixError> {
        let (address, length) = text.split_once('/').ok_or(PrefixError::Syntax)?;
        let address: IpAddr = address.parse().map_err(|_| PrefixError::Syntax)?;
        if length.is_empty() || length.len() > 3 || !length.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PrefixError::Syntax);
        }
        let length: u8 = length.parse().map_err(|_| PrefixError::Syntax)?;
        Prefix::new(address, length)
    }
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrefixError::LengthTooLong { length, max } => {
                write!(f, "prefix length {length} exceeds {max}")
            }
            PrefixError::HostBitsSet => f.write_str("bits set past the prefix length"),
            PrefixError::Syntax => f.write_str("not address/length"),
            PrefixError::Truncated => f.write_str("NLRI prefix runs past its field"),
            PrefixError::UnsupportedAfi(afi) => write!(f, "AFI {} has no plain prefixes", afi.0),
        }
    }
}

impl std::error::Error for PrefixError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_and_errors() {
        let prefix: Prefix = "192.0.2.0/24".parse().expect("valid");
        assert_eq!(prefix.to_string(), "192.0.2.0/24");
        assert_eq!(
            "2001:db8::/32".parse::<Prefix>().expect("valid").length(),
            32
        );
        assert_eq!(
            "192.0.2.1/24".parse::<Prefix>(),
            Err(PrefixError::HostBitsSet)
        );
        assert_eq!(
            "192.0.2.0/33".parse::<Prefix>(),
            Err(PrefixError::LengthTooLong {
                length: 33,
                max: 32
            })
        );
        assert_eq!(
            "::/129".parse::<Prefix>().map(|_| ()),
            Err(PrefixError::LengthTooLong {
                length: 129,
                max: 128
            })
        );
        assert_eq!("192.0.2.0".parse::<Prefix>(), Err(PrefixError::Syntax));
        assert_eq!("192.0.2.0/+4".parse::<Prefix>(), Err(PrefixError::Syntax));
        assert_eq!(Prefix::IPV4_DEFAULT.to_string(), "0.0.0.0/0");
        assert_eq!(std::mem::size_of::<Prefix>(), 18);
    }

    #[test]
    fn nlri_masks_trailing_bits_and_rejects_overlong() {
        let (prefix, used) = Prefix::decode_nlri(Afi::IPV4, &[23, 192, 0, 3, 99]).expect("decodes");
        assert_eq!((prefix.to_string().as_str(), used), ("192.0.2.0/23", 4));
        assert_eq!(
            Prefix::decode_nlri(Afi::IPV4, &[24, 192, 0]),
            Err(PrefixError::Truncated)
        );
        assert_eq!(
            Prefix::decode_nlri(Afi::IPV4, &[33, 1, 2, 3, 4, 5]),
            Err(PrefixError::LengthTooLong {
                length: 33,
                max: 32
            })
        );
        let mut out = Vec::new();
        prefix.encode_nlri(&mut out);
        assert_eq!(out, [23, 192, 0, 2]);
    }

    #[test]
    fn contains_and_order() {
        let wide: Prefix = "10.0.0.0/8".parse().expect("valid");
        let narrow: Prefix = "10.1.0.0/16".parse().expect("valid");
        assert!(wide.contains(&narrow) && !narrow.contains(&wide));
        assert!(wide < narrow && narrow < Prefix::IPV6_DEFAULT);
    }
}
