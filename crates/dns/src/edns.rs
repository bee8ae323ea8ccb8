//! EDNS(0) (RFC 6891): the OPT pseudo-record's fields and its options — NSID (RFC 5001), Client Subnet
//! (RFC 7871) with the validation its §7.1.2 asks of a server, and Cookie (RFC 7873) — in and out of
//! wire form.

use crate::wire::{Reader, WireError, Writer};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Option code of NSID (RFC 5001).
pub const OPTION_NSID: u16 = 3;
/// Option code of Client Subnet (RFC 7871).
pub const OPTION_CLIENT_SUBNET: u16 = 8;
/// Option code of Cookie (RFC 7873).
pub const OPTION_COOKIE: u16 = 10;
/// The smallest UDP payload size a requester may advertise; smaller values are treated as 512
/// (RFC 6891 §6.2.3).
pub const MIN_UDP_PAYLOAD: u16 = 512;

/// The EDNS fields of a message (the OPT record, RFC 6891 §6.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edns {
    /// The requester's (or responder's) UDP payload size.
    pub udp_payload: u16,
    /// The upper eight bits of the 12-bit RCODE.
    pub extended_rcode: u8,
    /// The EDNS version (0 is the only one defined).
    pub version: u8,
    /// DNSSEC OK (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 flag bits, which must be zero and ignored.
    pub z: u16,
    /// The options, in order.
    pub options: Vec<EdnsOption>,
}

/// One EDNS option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdnsOption {
    /// Name server identifier: empty in a query, the server's identity in a response.
    Nsid(Vec<u8>),
    /// The client's subnet.
    ClientSubnet(ClientSubnet),
    /// DNS cookies.
    Cookie(Cookie),
    /// Any other option, kept as it came.
    Unknown {
        /// The option code.
        code: u16,
        /// The option data.
        data: Vec<u8>,
    },
}

/// An EDNS Client Subnet option (RFC 7871 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSubnet {
    /// Bits of `address` that are significant.
    pub source_prefix: u8,
    /// In a response, the prefix length the answer is valid for; 0 in queries.
    pub scope_prefix: u8,
    /// The address (family 1 = IPv4, 2 = IPv6), bits past `source_prefix` zero.
    pub address: IpAddr,
}

/// A DNS Cookie option (RFC 7873 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    /// The client cookie, always 8 octets.
    pub client: [u8; 8],
    /// The server cookie, 8 to 32 octets when present.
    pub server: Option<Vec<u8>>,
}

impl Default for Edns {
    fn default() -> Edns {
        Edns {
            udp_payload: 1232,
            extended_rcode: 0,
            version: 0,
            dnssec_ok: false,
            z: 0,
            options: Vec::new(),
        }
    }
}

impl Edns {
    /// Decodes the OPT record's CLASS, TTL and RDATA.
    pub fn from_opt(class: u16, ttl: u32, rdata: &[u8]) -> Result<Edns, WireError> {
        let mut options = Vec::new();
        let mut r = Reader::new(rdata);
        while r.remaining() > 0 {
            let code = r
                .u16()
                .map_err(|_| WireError::BadEdnsOption("truncated option header"))?;
            let len = r
                .u16()
                .map_err(|_| WireError::BadEdnsOption("truncated option header"))?;
            let data = r
                .bytes(len as usize)
                .map_err(|_| WireError::BadEdnsOption("option longer than the OPT RDATA"))?;
            options.push(EdnsOption::parse(code, data)?);
        }
        Ok(Edns {
            udp_payload: class,
            extended_rcode: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            z: (ttl & 0x7fff) as u16,
            options,
        })
    }

    /// The UDP payload size to honour: at least 512 (RFC 6891 §6.2.3).
    pub fn effective_udp_payload(&self) -> u16 {
        self.udp_payload.max(MIN_UDP_PAYLOAD)
    }

    /// The OPT record's TTL field.
    pub fn ttl_field(&self) -> u32 {
        (u32::from(self.extended_rcode) << 24)
            | (u32::from(self.version) << 16)
            | if self.dnssec_ok { 0x8000 } else { 0 }
            | u32::from(self.z & 0x7fff)
    }

    /// Writes the whole OPT record (owner, type, class, TTL, RDLENGTH, options).
    pub fn emit(&self, w: &mut Writer) {
        w.u8(0);
        w.u16(41);
        w.u16(self.udp_payload);
        w.u32(self.ttl_field());
        let length_at = w.len();
        w.u16(0);
        for option in &self.options {
            option.emit(w);
        }
        let rdlength = (w.len() - length_at - 2) as u16;
        w.set_u16(length_at, rdlength);
    }

    /// The size of the OPT record on the wire.
    pub fn wire_len(&self) -> usize {
        11 + self.options.iter().map(|o| 4 + o.data_len()).sum::<usize>()
    }

    /// The Client Subnet option, if any.
    pub fn client_subnet(&self) -> Option<&ClientSubnet> {
        self.options.iter().find_map(|o| match o {
            EdnsOption::ClientSubnet(ecs) => Some(ecs),
            _ => None,
        })
    }

    /// The Cookie option, if any.
    pub fn cookie(&self) -> Option<&Cookie> {
        self.options.iter().find_map(|o| match o {
            EdnsOption::Cookie(c) => Some(c),
            _ => None,
        })
    }

    /// Whether the NSID option is present.
    pub fn has_nsid(&self) -> bool {
        self.options
            .iter()
            .any(|o| matches!(o, EdnsOption::Nsid(_)))
    }
}

impl EdnsOption {
    /// Decodes one option's data.
    pub fn parse(code: u16, data: &[u8]) -> Result<EdnsOption, WireError> {
        Ok(match code {
            OPTION_NSID => EdnsOption::Nsid(data.to_vec()),
            OPTION_CLIENT_SUBNET => EdnsOption::ClientSubnet(ClientSubnet::parse(data)?),
            OPTION_COOKIE => EdnsOption::Cookie(Cookie::parse(data)?),
            _ => EdnsOption::Unknown {
                code,
                data: data.to_vec(),
            },
        })
    }

    /// The option code.
    pub fn code(&self) -> u16 {
        match self {
            EdnsOption::Nsid(_) => OPTION_NSID,
            EdnsOption::ClientSubnet(_) => OPTION_CLIENT_SUBNET,
            EdnsOption::Cookie(_) => OPTION_COOKIE,
            EdnsOption::Unknown { code, .. } => *code,
        }
    }

    fn data_len(&self) -> usize {
        match self {
            EdnsOption::Nsid(data) | EdnsOption::Unknown { data, .. } => data.len(),
            EdnsOption::ClientSubnet(ecs) => 4 + ecs.address_len(),
            EdnsOption::Cookie(c) => 8 + c.server.as_ref().map_or(0, Vec::len),
        }
    }

    /// Writes code, length and data.
    pub fn emit(&self, w: &mut Writer) {
        w.u16(self.code());
        w.u16(self.data_len() as u16);
        match self {
            EdnsOption::Nsid(data) | EdnsOption::Unknown { data, .. } => w.bytes(data),
            EdnsOption::ClientSubnet(ecs) => {
                // Without allocating: this is written into every steered response.
                let (family, v4, v6) = match ecs.address {
                    IpAddr::V4(a) => (1u16, a.octets(), [0; 16]),
                    IpAddr::V6(a) => (2u16, [0; 4], a.octets()),
                };
                w.u16(family);
                w.u8(ecs.source_prefix);
                w.u8(ecs.scope_prefix);
                let octets = if family == 1 { &v4[..] } else { &v6[..] };
                w.bytes(&octets[..ecs.address_len().min(octets.len())]);
            }
            EdnsOption::Cookie(c) => {
                w.bytes(&c.client);
                if let Some(server) = &c.server {
                    w.bytes(server);
                }
            }
        }
    }
}

impl ClientSubnet {
    /// Decodes and validates (RFC 7871 §6, §7.1.2): family 1 or 2, prefix within the address length,
    /// address octets exactly ⌈source/8⌉, and no bits set past the source prefix. Any failure is FORMERR.
    pub fn parse(data: &[u8]) -> Result<ClientSubnet, WireError> {
        let mut r = Reader::new(data);
        let err = |_| WireError::BadEdnsOption("ECS shorter than its header");
        let family = r.u16().map_err(err)?;
        let source_prefix = r.u8().map_err(err)?;
        let scope_prefix = r.u8().map_err(err)?;
        let max_bits = match family {
            1 => 32,
            2 => 128,
            _ => return Err(WireError::BadEdnsOption("ECS family is neither 1 nor 2")),
        };
        if source_prefix > max_bits || scope_prefix > max_bits {
            return Err(WireError::BadEdnsOption(
                "ECS prefix longer than the address",
            ));
        }
        let octets = r.bytes(r.remaining()).map_err(err)?;
        if octets.len() != (source_prefix as usize).div_ceil(8) {
            return Err(WireError::BadEdnsOption(
                "ECS address length does not match its prefix",
            ));
        }
        if source_prefix % 8 != 0 {
            if let Some(&last) = octets.last() {
                if last & (0xffu8 >> (source_prefix % 8)) != 0 {
                    return Err(WireError::BadEdnsOption(
                        "ECS address has bits set past its prefix",
                    ));
                }
            }
        }
        let address = if family == 1 {
            let mut full = [0u8; 4];
            full[..octets.len()].copy_from_slice(octets);
            IpAddr::V4(Ipv4Addr::from(full))
        } else {
            let mut full = [0u8; 16];
            full[..octets.len()].copy_from_slice(octets);
            IpAddr::V6(Ipv6Addr::from(full))
        };
        Ok(ClientSubnet {
            source_prefix,
            scope_prefix,
            address,
        })
    }

    /// Builds an option for `address`/`prefix`, clearing the bits past the prefix.
    pub fn new(address: IpAddr, source_prefix: u8) -> ClientSubnet {
        let (address, source_prefix) = match address {
            IpAddr::V4(a) => {
                let p = source_prefix.min(32);
                let mask = if p == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(p))
                };
                (IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask)), p)
            }
            IpAddr::V6(a) => {
                let p = source_prefix.min(128);
                let mask = if p == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(p))
                };
                (IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask)), p)
            }
        };
        ClientSubnet {
            source_prefix,
            scope_prefix: 0,
            address,
        }
    }

    fn address_len(&self) -> usize {
        (self.source_prefix as usize).div_ceil(8)
    }
}

impl Cookie {
    /// Decodes: 8 octets of client cookie, then nothing or 8 to 32 of server cookie (RFC 7873 §5.2.2).
    pub fn parse(data: &[u8]) -> Result<Cookie, WireError> {
        if data.len() != 8 && !(16..=40).contains(&data.len()) {
            return Err(WireError::BadEdnsOption(
                "cookie length is not 8 or 16 to 40",
            ));
        }
        let mut client = [0u8; 8];
        client.copy_from_slice(&data[..8]);
        let server = (data.len() > 8).then(|| data[8..].to_vec());
        Ok(Cookie { client, server })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ecs_is_rejected() {
        // family 3
        assert!(ClientSubnet::parse(&[0, 3, 24, 0, 192, 0, 2]).is_err());
        // prefix 33 for IPv4
        assert!(ClientSubnet::parse(&[0, 1, 33, 0, 192, 0, 2, 1, 0]).is_err());
        // bits past a /23
        assert!(ClientSubnet::parse(&[0, 1, 23, 0, 192, 0, 3]).is_err());
        // too many address octets
        assert!(ClientSubnet::parse(&[0, 1, 16, 0, 192, 0, 2]).is_err());
        let ok = ClientSubnet::parse(&[0, 1, 24, 0, 192, 0, 2]).expect("valid");
        assert_eq!(ok.address, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)));
    }

    #[test]
    fn options_round_trip() {
        let edns = Edns {
            udp_payload: 1232,
            extended_rcode: 1,
            version: 0,
            dnssec_ok: true,
            z: 0,
            options: vec![
                EdnsOption::Nsid(b"pop1".to_vec()),
                EdnsOption::ClientSubnet(ClientSubnet::new(
                    "2001:db8:1:2::1".parse().expect("ip"),
                    56,
                )),
                EdnsOption::Cookie(Cookie {
                    client: [1; 8],
                    server: Some(vec![2; 16]),
                }),
                EdnsOption::Unknown {
                    code: 65001,
                    data: vec![9, 9],
                },
            ],
        };
        let mut w = Writer::with_capacity(128);
        edns.emit(&mut w);
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), edns.wire_len());
        let ttl = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]);
        let back = Edns::from_opt(1232, ttl, &bytes[11..]).expect("valid");
        assert_eq!(back, edns);
    }
}
