//! Record data (RDATA) for the types globe knows, with their wire formats, and RFC 3597 opaque data for
//! every other type. Names inside RDATA are compressed on output only for the RFC 1035 types
//! (RFC 3597 §4) and accepted compressed on input for those and the few later types that real servers
//! compress (SRV, DNAME, RP-like legacy), as Knot and BIND do.

use crate::name::Name;
use crate::types::RType;
use crate::wire::{Reader, WireError, Writer};
use std::net::{Ipv4Addr, Ipv6Addr};

/// An SOA record's data (RFC 1035 §3.3.13).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Soa {
    /// The primary server.
    pub mname: Name,
    /// The mailbox of the person responsible.
    pub rname: Name,
    /// The zone's version.
    pub serial: u32,
    /// Seconds between secondary refreshes.
    pub refresh: u32,
    /// Seconds before a failed refresh is retried.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// The negative caching TTL (RFC 2308 §4).
    pub minimum: u32,
}

/// SVCB and HTTPS data (RFC 9460 §2.2); parameters kept as (key, value) in wire form, keys ascending.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Svcb {
    /// 0 for alias mode, otherwise the priority of this service endpoint.
    pub priority: u16,
    /// The target name (uncompressed on the wire).
    pub target: Name,
    /// SvcParams as (key, wire value).
    pub params: Vec<(u16, Vec<u8>)>,
}

/// The data of one resource record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RData {
    /// An IPv4 address (RFC 1035 §3.4.1).
    A(Ipv4Addr),
    /// An IPv6 address (RFC 3596).
    Aaaa(Ipv6Addr),
    /// An authoritative server (RFC 1035 §3.3.11).
    Ns(Name),
    /// The canonical name of an alias (RFC 1035 §3.3.1).
    Cname(Name),
    /// A subtree redirection (RFC 6672).
    Dname(Name),
    /// A pointer (RFC 1035 §3.3.12).
    Ptr(Name),
    /// Start of authority.
    Soa(Soa),
    /// A mail exchanger (RFC 1035 §3.3.9).
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The exchanger.
        exchange: Name,
    },
    /// Character strings (RFC 1035 §3.3.14), each at most 255 octets.
    Txt(Vec<Vec<u8>>),
    /// A service location (RFC 2782).
    Srv {
        /// Lower is preferred.
        priority: u16,
        /// Relative weight among equal priorities.
        weight: u16,
        /// The port.
        port: u16,
        /// The host.
        target: Name,
    },
    /// A naming authority pointer (RFC 3403 §4.1).
    Naptr {
        /// Processing order.
        order: u16,
        /// Preference among equal orders.
        preference: u16,
        /// Flags character string.
        flags: Vec<u8>,
        /// Services character string.
        services: Vec<u8>,
        /// Regular expression character string.
        regexp: Vec<u8>,
        /// The replacement name.
        replacement: Name,
    },
    /// A certification authority authorisation (RFC 8659).
    Caa {
        /// Flags (bit 0 is issuer-critical).
        flags: u8,
        /// The property tag.
        tag: Vec<u8>,
        /// The property value.
        value: Vec<u8>,
    },
    /// A service binding (RFC 9460).
    Svcb(Svcb),
    /// An HTTPS service binding (RFC 9460).
    Https(Svcb),
    /// A delegation signer (RFC 4034 §5).
    Ds {
        /// The key tag of the DNSKEY.
        key_tag: u16,
        /// The key's algorithm.
        algorithm: u8,
        /// The digest algorithm.
        digest_type: u8,
        /// The digest.
        digest: Vec<u8>,
    },
    /// A public key (RFC 4034 §2).
    Dnskey {
        /// Flags (zone key, SEP).
        flags: u16,
        /// Always 3.
        protocol: u8,
        /// The algorithm.
        algorithm: u8,
        /// The key.
        public_key: Vec<u8>,
    },
    /// A signature (RFC 4034 §3).
    Rrsig {
        /// The type of the RRset signed.
        type_covered: RType,
        /// The algorithm.
        algorithm: u8,
        /// Labels in the original owner name.
        labels: u8,
        /// The RRset's TTL as signed.
        original_ttl: u32,
        /// End of validity (seconds since the epoch, serial arithmetic).
        expiration: u32,
        /// Start of validity.
        inception: u32,
        /// The key tag of the signing key.
        key_tag: u16,
        /// The signer's zone (uncompressed).
        signer: Name,
        /// The signature.
        signature: Vec<u8>,
    },
    /// Authenticated denial (RFC 4034 §4).
    Nsec {
        /// The next owner name (uncompressed).
        next: Name,
        /// The types present at the owner, as the wire type bitmap.
        types: TypeBitmap,
    },
    /// Hashed authenticated denial (RFC 5155 §3).
    Nsec3 {
        /// The hash algorithm.
        hash_algorithm: u8,
        /// Flags (opt-out).
        flags: u8,
        /// Extra hash iterations.
        iterations: u16,
        /// The salt.
        salt: Vec<u8>,
        /// The next hashed owner, raw.
        next_hashed: Vec<u8>,
        /// The types present.
        types: TypeBitmap,
    },
    /// NSEC3 parameters (RFC 5155 §4).
    Nsec3param {
        /// The hash algorithm.
        hash_algorithm: u8,
        /// Flags.
        flags: u8,
        /// Extra hash iterations.
        iterations: u16,
        /// The salt.
        salt: Vec<u8>,
    },
    /// A zone message digest (RFC 8976).
    Zonemd {
        /// The SOA serial the digest is for.
        serial: u32,
        /// The scheme.
        scheme: u8,
        /// The hash algorithm.
        hash_algorithm: u8,
        /// The digest.
        digest: Vec<u8>,
    },
    /// Any other type, kept as opaque bytes (RFC 3597).
    Unknown {
        /// The record type.
        rtype: RType,
        /// The RDATA.
        data: Vec<u8>,
    },
}

/// An NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2) in wire form, validated when built.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TypeBitmap(Vec<u8>);

impl TypeBitmap {
    /// Builds a bitmap from types (any order, duplicates allowed).
    pub fn from_types(types: impl IntoIterator<Item = RType>) -> TypeBitmap {
        let mut sorted: Vec<u16> = types.into_iter().map(|t| t.0).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::new();
        let mut i = 0;
        while i < sorted.len() {
            let window = (sorted[i] >> 8) as u8;
            let mut bits = [0u8; 32];
            let mut used = 0;
            while i < sorted.len() && (sorted[i] >> 8) as u8 == window {
                let low = (sorted[i] & 0xff) as usize;
                bits[low / 8] |= 0x80 >> (low % 8);
                used = low / 8 + 1;
                i += 1;
            }
            out.push(window);
            out.push(used as u8);
            out.extend_from_slice(&bits[..used]);
        }
        TypeBitmap(out)
    }

    /// Validates wire bytes: windows ascending, lengths 1..=32.
    pub fn from_wire(bytes: &[u8]) -> Result<TypeBitmap, WireError> {
        let mut pos = 0;
        let mut last_window: Option<u8> = None;
        while pos < bytes.len() {
            let window = bytes[pos];
            let len = *bytes
                .get(pos + 1)
                .ok_or(WireError::BadRdata("type bitmap"))? as usize;
            if len == 0 || len > 32 || last_window.is_some_and(|w| w >= window) {
                return Err(WireError::BadRdata("type bitmap"));
            }
            if bytes.len() < pos + 2 + len {
                return Err(WireError::BadRdata("type bitmap"));
            }
            last_window = Some(window);
            pos += 2 + len;
        }
        Ok(TypeBitmap(bytes.to_vec()))
    }

    /// The wire bytes.
    pub fn as_wire(&self) -> &[u8] {
        &self.0
    }

    /// The types in the bitmap, ascending.
    pub fn types(&self) -> Vec<RType> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 1 < self.0.len() {
            let window = u16::from(self.0[pos]) << 8;
            let len = self.0[pos + 1] as usize;
            for (index, byte) in self.0.iter().skip(pos + 2).take(len).enumerate() {
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        out.push(RType(window | (index * 8 + bit) as u16));
                    }
                }
            }
            pos += 2 + len;
        }
        out
    }
}

impl RData {
    /// The record type this data belongs to.
    pub fn rtype(&self) -> RType {
        match self {
            RData::A(_) => RType::A,
            RData::Aaaa(_) => RType::AAAA,
            RData::Ns(_) => RType::NS,
            RData::Cname(_) => RType::CNAME,
            RData::Dname(_) => RType::DNAME,
            RData::Ptr(_) => RType::PTR,
            RData::Soa(_) => RType::SOA,
            RData::Mx { .. } => RType::MX,
            RData::Txt(_) => RType::TXT,
            RData::Srv { .. } => RType::SRV,
            RData::Naptr { .. } => RType::NAPTR,
            RData::Caa { .. } => RType::CAA,
            RData::Svcb(_) => RType::SVCB,
            RData::Https(_) => RType::HTTPS,
            RData::Ds { .. } => RType::DS,
            RData::Dnskey { .. } => RType::DNSKEY,
            RData::Rrsig { .. } => RType::RRSIG,
            RData::Nsec { .. } => RType::NSEC,
            RData::Nsec3 { .. } => RType::NSEC3,
            RData::Nsec3param { .. } => RType::NSEC3PARAM,
            RData::Zonemd { .. } => RType::ZONEMD,
            RData::Unknown { rtype, .. } => *rtype,
        }
    }

    /// Decodes `len` bytes of RDATA of type `rtype` at the reader's position.
    pub fn parse(rtype: RType, reader: &mut Reader<'_>, len: usize) -> Result<RData, WireError> {
        let mut r = reader.sub(len)?;
        let data = parse_fields(rtype, &mut r, len)?;
        if r.remaining() != 0 {
            return Err(WireError::BadRdata("RDLENGTH longer than the data"));
        }
        Ok(data)
    }

    /// Decodes RDATA from a standalone byte slice (no compression pointers possible), as RFC 3597's
    /// `\#` generic form gives it.
    pub fn from_bytes(rtype: RType, bytes: &[u8]) -> Result<RData, WireError> {
        let mut reader = Reader::new(bytes);
        RData::parse(rtype, &mut reader, bytes.len())
    }

    /// Encodes the RDATA (without RDLENGTH); names are compressed only where RFC 3597 §4 allows.
    pub fn emit(&self, w: &mut Writer) {
        match self {
            RData::A(addr) => w.bytes(&addr.octets()),
            RData::Aaaa(addr) => w.bytes(&addr.octets()),
            RData::Ns(name) | RData::Cname(name) | RData::Ptr(name) => w.name_compressed(name),
            RData::Dname(name) => w.name_uncompressed(name),
            RData::Soa(soa) => {
                w.name_compressed(&soa.mname);
                w.name_compressed(&soa.rname);
                for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                    w.u32(value);
                }
            }
            RData::Mx {
                preference,
                exchange,
            } => {
                w.u16(*preference);
                w.name_compressed(exchange);
            }
            RData::Txt(strings) => {
                for s in strings {
                    character_string(w, s);
                }
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                w.u16(*priority);
                w.u16(*weight);
                w.u16(*port);
                w.name_uncompressed(target);
            }
            RData::Naptr {
                order,
                preference,
                flags,
                services,
                regexp,
                replacement,
            } => {
                w.u16(*order);
                w.u16(*preference);
                character_string(w, flags);
                character_string(w, services);
                character_string(w, regexp);
                w.name_uncompressed(replacement);
            }
            RData::Caa { flags, tag, value } => {
                w.u8(*flags);
                w.u8(tag.len() as u8);
                w.bytes(tag);
                w.bytes(value);
            }
            RData::Svcb(svcb) | RData::Https(svcb) => {
                w.u16(svcb.priority);
                w.name_uncompressed(&svcb.target);
                for (key, value) in &svcb.params {
                    w.u16(*key);
                    w.u16(value.len() as u16);
                    w.bytes(value);
                }
            }
            RData::Ds {
                key_tag,
                algorithm,
                digest_type,
                digest,
            } => {
                w.u16(*key_tag);
                w.u8(*algorithm);
                w.u8(*digest_type);
                w.bytes(digest);
            }
            RData::Dnskey {
                flags,
                protocol,
                algorithm,
                public_key,
            } => {
                w.u16(*flags);
                w.u8(*protocol);
                w.u8(*algorithm);
                w.bytes(public_key);
            }
            RData::Rrsig {
                type_covered,
                algorithm,
                labels,
                original_ttl,
                expiration,
                inception,
                key_tag,
                signer,
                signature,
            } => {
                w.u16(type_covered.0);
                w.u8(*algorithm);
                w.u8(*labels);
                w.u32(*original_ttl);
                w.u32(*expiration);
                w.u32(*inception);
                w.u16(*key_tag);
                w.name_uncompressed(signer);
                w.bytes(signature);
            }
            RData::Nsec { next, types } => {
                w.name_uncompressed(next);
                w.bytes(types.as_wire());
            }
            RData::Nsec3 {
                hash_algorithm,
                flags,
                iterations,
                salt,
                next_hashed,
                types,
            } => {
                w.u8(*hash_algorithm);
                w.u8(*flags);
                w.u16(*iterations);
                w.u8(salt.len() as u8);
                w.bytes(salt);
                w.u8(next_hashed.len() as u8);
                w.bytes(next_hashed);
                w.bytes(types.as_wire());
            }
            RData::Nsec3param {
                hash_algorithm,
                flags,
                iterations,
                salt,
            } => {
                w.u8(*hash_algorithm);
                w.u8(*flags);
                w.u16(*iterations);
                w.u8(salt.len() as u8);
                w.bytes(salt);
            }
            RData::Zonemd {
                serial,
                scheme,
                hash_algorithm,
                digest,
            } => {
                w.u32(*serial);
                w.u8(*scheme);
                w.u8(*hash_algorithm);
                w.bytes(digest);
            }
            RData::Unknown { data, .. } => w.bytes(data),
        }
    }

    /// The RDATA in uncompressed wire form (for RFC 3597 output, comparisons and digests).
    pub fn to_wire(&self) -> Vec<u8> {
        let mut w = Writer::uncompressed(64);
        self.emit(&mut w);
        w.into_bytes()
    }

    /// The domain name whose address records belong in the additional section when this record is in an
    /// answer (RFC 1035 §3.3: NS, MX; RFC 2782: SRV; RFC 9460 §4: SVCB/HTTPS service targets).
    pub fn additional_target(&self) -> Option<&Name> {
        match self {
            RData::Ns(name) => Some(name),
            RData::Mx { exchange, .. } => Some(exchange),
            RData::Srv { target, .. } => Some(target),
            _ => None,
        }
    }
}

fn character_string(w: &mut Writer, s: &[u8]) {
    w.u8(s.len() as u8);
    w.bytes(s);
}

fn read_character_string(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let len = r.u8()? as usize;
    Ok(r.bytes(len)?.to_vec())
}

fn rest(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let left = r.remaining();
    Ok(r.bytes(left)?.to_vec())
}

fn parse_fields(rtype: RType, r: &mut Reader<'_>, len: usize) -> Result<RData, WireError> {
    Ok(match rtype {
        RType::A => {
            let b = r
                .bytes(4)
                .map_err(|_| WireError::BadRdata("A needs 4 octets"))?;
            RData::A(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
        RType::AAAA => {
            let b = r
                .bytes(16)
                .map_err(|_| WireError::BadRdata("AAAA needs 16 octets"))?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(b);
            RData::Aaaa(Ipv6Addr::from(octets))
        }
        RType::NS => RData::Ns(r.name()?),
        RType::CNAME => RData::Cname(r.name()?),
        RType::PTR => RData::Ptr(r.name()?),
        RType::DNAME => RData::Dname(r.name()?),
        RType::SOA => RData::Soa(Soa {
            mname: r.name()?,
            rname: r.name()?,
            serial: r.u32()?,
            refresh: r.u32()?,
            retry: r.u32()?,
            expire: r.u32()?,
            minimum: r.u32()?,
        }),
        RType::MX => RData::Mx {
            preference: r.u16()?,
            exchange: r.name()?,
        },
        RType::TXT => {
            if len == 0 {
                return Err(WireError::BadRdata("TXT needs at least one string"));
            }
            let mut strings = Vec::new();
            while r.remaining() > 0 {
                strings.push(read_character_string(r)?);
            }
            RData::Txt(strings)
        }
        RType::SRV => RData::Srv {
            priority: r.u16()?,
            weight: r.u16()?,
            port: r.u16()?,
            target: r.name()?,
        },
        RType::NAPTR => RData::Naptr {
            order: r.u16()?,
            preference: r.u16()?,
            flags: read_character_string(r)?,
            services: read_character_string(r)?,
            regexp: read_character_string(r)?,
            // RFC 3597 §4: receivers must decompress NAPTR names (dnspython, for one, compresses them).
            replacement: r.name()?,
        },
        RType::CAA => {
            let flags = r.u8()?;
            let tag_len = r.u8()? as usize;
            if tag_len == 0 {
                return Err(WireError::BadRdata("CAA tag is empty"));
            }
            let tag = r.bytes(tag_len)?.to_vec();
            RData::Caa {
                flags,
                tag,
                value: rest(r)?,
            }
        }
        RType::SVCB | RType::HTTPS => {
            let priority = r.u16()?;
            let target = r.uncompressed_name()?;
            let mut params = Vec::new();
            let mut last: Option<u16> = None;
            while r.remaining() > 0 {
                let key = r.u16()?;
                if last.is_some_and(|k| k >= key) {
                    return Err(WireError::BadRdata("SvcParam keys not strictly ascending"));
                }
                last = Some(key);
                let value_len = r.u16()? as usize;
                params.push((key, r.bytes(value_len)?.to_vec()));
            }
            let svcb = Svcb {
                priority,
                target,
                params,
            };
            if rtype == RType::SVCB {
                RData::Svcb(svcb)
            } else {
                RData::Https(svcb)
            }
        }
        RType::DS => RData::Ds {
            key_tag: r.u16()?,
            algorithm: r.u8()?,
            digest_type: r.u8()?,
            digest: rest(r)?,
        },
        RType::DNSKEY => RData::Dnskey {
            flags: r.u16()?,
            protocol: r.u8()?,
            algorithm: r.u8()?,
            public_key: rest(r)?,
        },
        RType::RRSIG => RData::Rrsig {
            type_covered: RType(r.u16()?),
            algorithm: r.u8()?,
            labels: r.u8()?,
            original_ttl: r.u32()?,
            expiration: r.u32()?,
            inception: r.u32()?,
            key_tag: r.u16()?,
            signer: r.uncompressed_name()?,
            signature: rest(r)?,
        },
        RType::NSEC => {
            let next = r.uncompressed_name()?;
            RData::Nsec {
                next,
                types: TypeBitmap::from_wire(&rest(r)?)?,
            }
        }
        RType::NSEC3 => {
            let hash_algorithm = r.u8()?;
            let flags = r.u8()?;
            let iterations = r.u16()?;
            let salt_len = r.u8()? as usize;
            let salt = r.bytes(salt_len)?.to_vec();
            let hash_len = r.u8()? as usize;
            if hash_len == 0 {
                return Err(WireError::BadRdata("NSEC3 hash is empty"));
            }
            let next_hashed = r.bytes(hash_len)?.to_vec();
            RData::Nsec3 {
                hash_algorithm,
                flags,
                iterations,
                salt,
                next_hashed,
                types: TypeBitmap::from_wire(&rest(r)?)?,
            }
        }
        RType::NSEC3PARAM => {
            let hash_algorithm = r.u8()?;
            let flags = r.u8()?;
            let iterations = r.u16()?;
            let salt_len = r.u8()? as usize;
            RData::Nsec3param {
                hash_algorithm,
                flags,
                iterations,
                salt: r.bytes(salt_len)?.to_vec(),
            }
        }
        RType::ZONEMD => {
            let serial = r.u32()?;
            let scheme = r.u8()?;
            let hash_algorithm = r.u8()?;
            let digest = rest(r)?;
            if digest.len() < 12 {
                return Err(WireError::BadRdata("ZONEMD digest shorter than 12 octets"));
            }
            RData::Zonemd {
                serial,
                scheme,
                hash_algorithm,
                digest,
            }
        }
        RType::OPT => return Err(WireError::MisplacedOpt),
        other => RData::Unknown {
            rtype: other,
            data: rest(r)?,
        },
    })
}
