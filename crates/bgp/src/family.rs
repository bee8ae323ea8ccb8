//! Address Family Identifier and Subsequent Address Family Identifier (RFC 4760 §3, IANA registries).
//!
//! Both are open newtypes rather than closed enums: a value globe does not know still decodes, is carried
//! and is written back unchanged.

use std::fmt;

/// Address Family Identifier (IANA "Address Family Numbers"; RFC 4760 §3).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Afi(pub u16);

impl Afi {
    /// IP version 4.
    pub const IPV4: Afi = Afi(1);
    /// IP version 6.
    pub const IPV6: Afi = Afi(2);
}

/// Subsequent Address Family Identifier (IANA "SAFI Values"; RFC 4760 §6).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Safi(pub u8);

impl Safi {
    /// Unicast forwarding.
    pub const UNICAST: Safi = Safi(1);
    /// Multicast forwarding (RPF).
    pub const MULTICAST: Safi = Safi(2);
}

/// An AFI/SAFI pair: what a multiprotocol capability, MP_REACH_NLRI or ROUTE-REFRESH is about.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressFamily {
    /// The address family.
    pub afi: Afi,
    /// The subsequent address family.
    pub safi: Safi,
}

impl AddressFamily {
    /// IPv4 unicast, the family of the plain UPDATE NLRI and withdrawn-routes fields.
    pub const IPV4_UNICAST: AddressFamily = AddressFamily::new(Afi::IPV4, Safi::UNICAST);
    /// IPv6 unicast.
    pub const IPV6_UNICAST: AddressFamily = AddressFamily::new(Afi::IPV6, Safi::UNICAST);

    /// Pairs an AFI and a SAFI.
    pub const fn new(afi: Afi, safi: Safi) -> Self {
        AddressFamily { afi, safi }
    }

    /// True when NLRI of this family are plain IP prefixes (`length byte + address bits`, RFC 4271 §4.3
    /// and RFC 4760 §5): IPv4 or IPv6 with SAFI unicast or multicast. Other families (VPN, labelled,
    /// flowspec, …) are carried as raw bytes.
    pub const fn has_prefix_nlri(self) -> bool {
        (self.afi.0 == Afi::IPV4.0 || self.afi.0 == Afi::IPV6.0)
            && (self.safi.0 == Safi::UNICAST.0 || self.safi.0 == Safi::MULTICAST.0)
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.afi, self.safi) {
            (Afi::IPV4, Safi::UNICAST) => f.write_str("ipv4-unicast"),
            (Afi::IPV6, Safi::UNICAST) => f.write_str("ipv6-unicast"),
            (Afi::IPV4, Safi::MULTICAST) => f.write_str("ipv4-multicast"),
            (Afi::IPV6, Safi::MULTICAST) => f.write_str("ipv6-multicast"),
            (afi, safi) => write!(f, "afi{}-safi{}", afi.0, safi.0),
        }
    }
}

// One-line Debug forms keep the test-vector expectations (`{:#?}` renderings) readable.
impl fmt::Debug for Afi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Afi({})", self.0)
    }
}

impl fmt::Debug for Safi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Safi({})", self.0)
    }
}

impl fmt::Debug for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AddressFamily({self})")
    }
}
