//! Numeric DNS registries as newtypes: record type, class, opcode and response code (RFC 1035 §3.2,
//! RFC 6895), with their mnemonics for presentation format.

use std::fmt;

/// A resource record TYPE (RFC 1035 §3.2.2), any 16-bit value (RFC 3597 for unknown ones).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RType(pub u16);

macro_rules! rtypes {
    ($($name:ident = $value:expr),* $(,)?) => {
        impl RType {
            $(
                #[doc = concat!("The `", stringify!($name), "` record type.")]
                pub const $name: RType = RType($value);
            )*
            /// The mnemonic of a known type, if any.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
            /// Looks up a type by mnemonic (case-insensitive) or `TYPEnnn` (RFC 3597 §5).
            pub fn from_mnemonic(text: &str) -> Option<RType> {
                $(if text.eq_ignore_ascii_case(stringify!($name)) { return Some(RType($value)); })*
                let upper = text.get(..4)?;
                if upper.eq_ignore_ascii_case("TYPE") {
                    return text[4..].parse::<u16>().ok().map(RType);
                }
                None
            }
        }
    };
}

rtypes! {
    A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16, AAAA = 28, SRV = 33,
    NAPTR = 35, DNAME = 39, OPT = 41, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, NSEC3 = 50,
    NSEC3PARAM = 51, CDS = 59, CDNSKEY = 60, ZONEMD = 63, SVCB = 64, HTTPS = 65, IXFR = 251, AXFR = 252, ANY = 255, CAA = 257,
}

impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(name) => f.write_str(name),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

impl RType {
    /// Meta-types and QTYPEs that can't be stored in a zone (RFC 6895 §3.1).
    pub fn is_meta(self) -> bool {
        self.0 == 41 || (128..=255).contains(&self.0)
    }
}

/// A CLASS (RFC 1035 §3.2.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Class(pub u16);

impl Class {
    /// The Internet.
    pub const IN: Class = Class(1);
    /// Chaosnet, used for server identification (`id.server.`).
    pub const CH: Class = Class(3);
    /// Hesiod.
    pub const HS: Class = Class(4);
    /// RFC 2136 NONE.
    pub const NONE: Class = Class(254);
    /// The QCLASS `*`.
    pub const ANY: Class = Class(255);

    /// Looks up a class by mnemonic or `CLASSnnn`.
    pub fn from_mnemonic(text: &str) -> Option<Class> {
        match text.to_ascii_uppercase().as_str() {
            "IN" => Some(Class::IN),
            "CH" | "CHAOS" => Some(Class::CH),
            "HS" => Some(Class::HS),
            "NONE" => Some(Class::NONE),
            "ANY" => Some(Class::ANY),
            upper => upper.strip_prefix("CLASS")?.parse::<u16>().ok().map(Class),
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("IN"),
            3 => f.write_str("CH"),
            4 => f.write_str("HS"),
            254 => f.write_str("NONE"),
            255 => f.write_str("ANY"),
            n => write!(f, "CLASS{n}"),
        }
    }
}

/// A header OPCODE (RFC 1035 §4.1.1, RFC 1996, RFC 2136).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Opcode(pub u8);

impl Opcode {
    /// A standard query.
    pub const QUERY: Opcode = Opcode(0);
    /// An inverse query (obsolete, RFC 3425).
    pub const IQUERY: Opcode = Opcode(1);
    /// A server status request.
    pub const STATUS: Opcode = Opcode(2);
    /// A zone change notification (RFC 1996).
    pub const NOTIFY: Opcode = Opcode(4);
    /// A dynamic update (RFC 2136).
    pub const UPDATE: Opcode = Opcode(5);
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("QUERY"),
            1 => f.write_str("IQUERY"),
            2 => f.write_str("STATUS"),
            4 => f.write_str("NOTIFY"),
            5 => f.write_str("UPDATE"),
            n => write!(f, "OPCODE{n}"),
        }
    }
}

/// A response code, 12 bits when EDNS extends the header's 4 (RFC 6891 §6.1.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Rcode(pub u16);

impl Rcode {
    /// No error.
    pub const NOERROR: Rcode = Rcode(0);
    /// The query could not be interpreted.
    pub const FORMERR: Rcode = Rcode(1);
    /// The server failed.
    pub const SERVFAIL: Rcode = Rcode(2);
    /// The name does not exist.
    pub const NXDOMAIN: Rcode = Rcode(3);
    /// The kind of query is not implemented.
    pub const NOTIMP: Rcode = Rcode(4);
    /// The server refuses.
    pub const REFUSED: Rcode = Rcode(5);
    /// A name exists when it should not (RFC 2136).
    pub const YXDOMAIN: Rcode = Rcode(6);
    /// An RRset exists when it should not (RFC 2136).
    pub const YXRRSET: Rcode = Rcode(7);
    /// An RRset that should exist does not (RFC 2136).
    pub const NXRRSET: Rcode = Rcode(8);
    /// Not authoritative (RFC 2136) / not authorized (RFC 8945).
    pub const NOTAUTH: Rcode = Rcode(9);
    /// A name is not in the zone (RFC 2136).
    pub const NOTZONE: Rcode = Rcode(10);
    /// DSO type not implemented (RFC 8490).
    pub const DSOTYPENI: Rcode = Rcode(11);
    /// Bad OPT version (RFC 6891); needs EDNS.
    pub const BADVERS: Rcode = Rcode(16);
    /// Bad or missing server cookie (RFC 7873); needs EDNS.
    pub const BADCOOKIE: Rcode = Rcode(23);

    /// The low four bits, which go in the header.
    pub fn header_bits(self) -> u8 {
        (self.0 & 0xf) as u8
    }
    /// The high eight bits, which go in the OPT record's TTL.
    pub fn extended_bits(self) -> u8 {
        (self.0 >> 4) as u8
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            11 => "DSOTYPENI",
            16 => "BADVERS",
            17 => "BADKEY",
            18 => "BADTIME",
            19 => "BADMODE",
            20 => "BADNAME",
            21 => "BADALG",
            22 => "BADTRUNC",
            23 => "BADCOOKIE",
            n => return write!(f, "RCODE{n}"),
        };
        f.write_str(name)
    }
}
