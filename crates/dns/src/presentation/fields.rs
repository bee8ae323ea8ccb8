//! Reading RDATA from presentation-format tokens: a cursor with one method per kind of field (integers,
//! names, character strings, blobs, type lists), one arm per type, and the RFC 3597 generic form.

use super::encoding::{self, DecodeError};
use super::{parse_name, parse_ttl, svcb, RdataErrorKind, RdataTextError, Token};
use super::{MAX_CHARACTER_STRING, MAX_RDATA_LEN};
use crate::name::Name;
use crate::rdata::{RData, Soa, Svcb, TypeBitmap};
use crate::types::RType;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Parses `\# <length> <hex>...` (RFC 3597 §5) and decodes it as the type's wire format.
pub(super) fn parse_generic(rtype: RType, tokens: &[Token<'_>]) -> Result<RData, RdataTextError> {
    let length = tokens.get(1).ok_or(RdataTextError {
        index: 1,
        kind: RdataErrorKind::Missing("the RDATA length"),
    })?;
    let declared = encoding::parse_decimal(length.text)
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&v| v <= MAX_RDATA_LEN)
        .ok_or_else(|| RdataTextError::invalid(1, "an RDATA length up to 65535", length))?;
    let mut data = Vec::with_capacity(declared);
    let hex = &tokens[2..];
    if let Err(error) = encoding::decode_hex(hex.iter().map(|t| t.text), &mut data) {
        // Point at the first token that is not hex, else at the last one (odd digit count).
        let bad = hex
            .iter()
            .position(|t| !t.text.iter().all(u8::is_ascii_hexdigit))
            .unwrap_or(hex.len().saturating_sub(1));
        let token = hex.get(bad).copied().unwrap_or(Token::plain(b""));
        let expected = match error {
            DecodeError::Length => "an even number of hex digits",
            _ => "hex digits",
        };
        return Err(RdataTextError::invalid(2 + bad, expected, &token));
    }
    if data.len() != declared {
        return Err(RdataTextError {
            index: 1,
            kind: RdataErrorKind::GenericLength {
                declared,
                actual: data.len(),
            },
        });
    }
    RData::from_bytes(rtype, &data).map_err(|error| RdataTextError {
        index: 2,
        kind: RdataErrorKind::Wire(error),
    })
}

/// A cursor over the tokens of one RDATA.
pub(super) struct Fields<'t, 'a> {
    pub(super) tokens: &'t [Token<'a>],
    pub(super) next: usize,
    pub(super) origin: Option<&'t Name>,
}

impl<'t, 'a> Fields<'t, 'a> {
    pub(super) fn rdata(&mut self, rtype: RType) -> Result<RData, RdataTextError> {
        Ok(match rtype {
            RType::A => RData::A(self.address::<Ipv4Addr>("an IPv4 address")?),
            RType::AAAA => RData::Aaaa(self.address::<Ipv6Addr>("an IPv6 address")?),
            RType::NS => RData::Ns(self.name("a name server")?),
            RType::CNAME => RData::Cname(self.name("a canonical name")?),
            RType::DNAME => RData::Dname(self.name("a target name")?),
            RType::PTR => RData::Ptr(self.name("a domain name")?),
            RType::SOA => RData::Soa(Soa {
                mname: self.name("the primary server name (MNAME)")?,
                rname: self.name("the mailbox name (RNAME)")?,
                serial: self.integer("a 32-bit serial number")?,
                refresh: self.period("a refresh time")?,
                retry: self.period("a retry time")?,
                expire: self.period("an expire time")?,
                minimum: self.period("a minimum TTL")?,
            }),
            RType::MX => RData::Mx {
                preference: self.integer("a 16-bit preference")?,
                exchange: self.name("a mail exchanger name")?,
            },
            RType::TXT => {
                let mut strings = vec![self.character_string("a character string")?];
                while self.next < self.tokens.len() {
                    strings.push(self.character_string("a character string")?);
                }
                RData::Txt(strings)
            }
            RType::SRV => RData::Srv {
                priority: self.integer("a 16-bit priority")?,
                weight: self.integer("a 16-bit weight")?,
                port: self.integer("a port number")?,
                target: self.name("a target name")?,
            },
            RType::NAPTR => RData::Naptr {
                order: self.integer("a 16-bit order")?,
                preference: self.integer("a 16-bit preference")?,
                flags: self.character_string("a flags string")?,
                services: self.character_string("a services string")?,
                regexp: self.character_string("a regular expression string")?,
                replacement: self.name("a replacement name")?,
            },
            RType::CAA => {
                let flags = self.integer("an 8-bit flags value")?;
                let tag = self.character_string("a property tag")?;
                if tag.is_empty() {
                    return Err(self.invalid_last("a non-empty property tag"));
                }
                let value = self.unescaped("a property value", usize::MAX)?;
                RData::Caa { flags, tag, value }
            }
            RType::SVCB => RData::Svcb(self.svcb()?),
            RType::HTTPS => RData::Https(self.svcb()?),
            // CDS and CDNSKEY (RFC 7344) have the formats of DS and DNSKEY; they are kept as opaque
            // data of their own type, which is all an authoritative server does with them.
            RType::CDS | RType::CDNSKEY => {
                let model = if rtype == RType::CDS {
                    RType::DS
                } else {
                    RType::DNSKEY
                };
                RData::Unknown {
                    rtype,
                    data: self.rdata(model)?.to_wire(),
                }
            }
            RType::DS => RData::Ds {
                key_tag: self.integer("a 16-bit key tag")?,
                algorithm: self.algorithm()?,
                digest_type: self.integer("an 8-bit digest type")?,
                digest: self.hex_rest("a digest in hex")?,
            },
            RType::DNSKEY => RData::Dnskey {
                flags: self.integer("16-bit flags")?,
                protocol: self.integer("an 8-bit protocol")?,
                algorithm: self.algorithm()?,
                public_key: self.base64_rest("a public key in base64")?,
            },
            RType::RRSIG => RData::Rrsig {
                type_covered: self.rtype("the type covered")?,
                algorithm: self.algorithm()?,
                labels: self.integer("an 8-bit label count")?,
                original_ttl: self.integer("a 32-bit original TTL")?,
                expiration: self.timestamp("an expiration time (YYYYMMDDHHmmSS)")?,
                inception: self.timestamp("an inception time (YYYYMMDDHHmmSS)")?,
                key_tag: self.integer("a 16-bit key tag")?,
                signer: self.name("the signer's name")?,
                signature: self.base64_rest("a signature in base64")?,
            },
            RType::NSEC => RData::Nsec {
                next: self.name("the next owner name")?,
                types: self.type_bitmap()?,
            },
            RType::NSEC3 => {
                let hash_algorithm = self.integer("an 8-bit hash algorithm")?;
                let flags = self.integer("8-bit flags")?;
                let iterations = self.integer("a 16-bit iteration count")?;
                let salt = self.salt()?;
                let token = self.token("the next hashed owner name in base32hex")?;
                let mut next_hashed = Vec::with_capacity(32);
                let decoded = encoding::decode_base32hex(token.text, &mut next_hashed);
                if decoded.is_err()
                    || next_hashed.is_empty()
                    || next_hashed.len() > MAX_CHARACTER_STRING
                {
                    return Err(self.invalid_last("a next hashed owner name in base32hex"));
                }
                RData::Nsec3 {
                    hash_algorithm,
                    flags,
                    iterations,
                    salt,
                    next_hashed,
                    types: self.type_bitmap()?,
                }
            }
            RType::NSEC3PARAM => RData::Nsec3param {
                hash_algorithm: self.integer("an 8-bit hash algorithm")?,
                flags: self.integer("8-bit flags")?,
                iterations: self.integer("a 16-bit iteration count")?,
                salt: self.salt()?,
            },
            RType::ZONEMD => {
                let serial = self.integer("a 32-bit serial number")?;
                let scheme = self.integer("an 8-bit scheme")?;
                let hash_algorithm = self.integer("an 8-bit hash algorithm")?;
                let digest = self.hex_rest("a digest in hex")?;
                // RFC 8976 §2.2.4: the wire decoder refuses shorter digests too.
                if digest.len() < 12 {
                    return Err(self.invalid_last("a digest of at least 12 octets"));
                }
                RData::Zonemd {
                    serial,
                    scheme,
                    hash_algorithm,
                    digest,
                }
            }
            RType::HINFO => {
                // No RData variant: kept as opaque wire data, printed as the two strings.
                let mut data = Vec::new();
                for what in ["a CPU string", "an OS string"] {
                    let string = self.character_string(what)?;
                    data.push(string.len() as u8);
                    data.extend_from_slice(&string);
                }
                RData::Unknown { rtype, data }
            }
            other => {
                return Err(RdataTextError {
                    index: 0,
                    kind: RdataErrorKind::Unsupported(other),
                })
            }
        })
    }

    pub(super) fn finish(&self) -> Result<(), RdataTextError> {
        match self.tokens.get(self.next) {
            None => Ok(()),
            Some(token) => Err(RdataTextError {
                index: self.next,
                kind: RdataErrorKind::Trailing(token.lossy()),
            }),
        }
    }

    fn token(&mut self, what: &'static str) -> Result<Token<'a>, RdataTextError> {
        let token = self.tokens.get(self.next).copied().ok_or(RdataTextError {
            index: self.next,
            kind: RdataErrorKind::Missing(what),
        })?;
        self.next += 1;
        Ok(token)
    }

    /// An error about the token just read.
    fn invalid_last(&self, expected: &'static str) -> RdataTextError {
        let index = self.next.saturating_sub(1);
        let token = self.tokens.get(index).copied().unwrap_or(Token::plain(b""));
        RdataTextError::invalid(index, expected, &token)
    }

    fn integer<T: TryFrom<u64>>(&mut self, what: &'static str) -> Result<T, RdataTextError> {
        let token = self.token(what)?;
        encoding::parse_decimal(token.text)
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| self.invalid_last(what))
    }

    /// An SOA timer: seconds, or a TTL with units as BIND accepts there.
    fn period(&mut self, what: &'static str) -> Result<u32, RdataTextError> {
        let token = self.token(what)?;
        parse_ttl(token.text).ok_or_else(|| self.invalid_last(what))
    }

    fn address<T: std::str::FromStr>(&mut self, what: &'static str) -> Result<T, RdataTextError> {
        let token = self.token(what)?;
        std::str::from_utf8(token.text)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| self.invalid_last(what))
    }

    fn name(&mut self, what: &'static str) -> Result<Name, RdataTextError> {
        let token = self.token(what)?;
        parse_name(token.text, self.origin).map_err(|error| RdataTextError {
            index: self.next - 1,
            kind: RdataErrorKind::Name {
                found: token.lossy(),
                error,
            },
        })
    }

    fn unescaped(&mut self, what: &'static str, limit: usize) -> Result<Vec<u8>, RdataTextError> {
        let token = self.token(what)?;
        let mut out = Vec::with_capacity(token.text.len());
        encoding::unescape(token.text, &mut out).map_err(|_| RdataTextError {
            index: self.next - 1,
            kind: RdataErrorKind::BadEscape(token.lossy()),
        })?;
        if out.len() > limit {
            return Err(RdataTextError {
                index: self.next - 1,
                kind: RdataErrorKind::StringTooLong(out.len()),
            });
        }
        Ok(out)
    }

    fn character_string(&mut self, what: &'static str) -> Result<Vec<u8>, RdataTextError> {
        self.unescaped(what, MAX_CHARACTER_STRING)
    }

    /// A DNSSEC algorithm number or mnemonic (RFC 4034 Appendix A.1).
    fn algorithm(&mut self) -> Result<u8, RdataTextError> {
        const WHAT: &str = "an algorithm number or mnemonic";
        let token = self.token(WHAT)?;
        if let Some(value) = encoding::parse_decimal(token.text) {
            return u8::try_from(value).map_err(|_| self.invalid_last(WHAT));
        }
        ALGORITHMS
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(token.text))
            .map(|(_, number)| *number)
            .ok_or_else(|| self.invalid_last(WHAT))
    }

    fn rtype(&mut self, what: &'static str) -> Result<RType, RdataTextError> {
        let token = self.token(what)?;
        std::str::from_utf8(token.text)
            .ok()
            .and_then(RType::from_mnemonic)
            .ok_or_else(|| self.invalid_last("a record type"))
    }

    fn timestamp(&mut self, what: &'static str) -> Result<u32, RdataTextError> {
        let token = self.token(what)?;
        encoding::parse_timestamp(token.text).ok_or_else(|| self.invalid_last(what))
    }

    /// The remaining tokens, at least one, as one blob in the encoding that `alphabet` and `decode`
    /// describe (blanks may split it anywhere).
    fn blob_rest(
        &mut self,
        what: &'static str,
        alphabet: fn(&u8) -> bool,
        decode: fn(&[Token<'_>], &mut Vec<u8>) -> Result<(), DecodeError>,
    ) -> Result<Vec<u8>, RdataTextError> {
        self.token(what)?;
        let first = self.next - 1;
        let rest = &self.tokens[first..];
        self.next = self.tokens.len();
        let mut out = Vec::with_capacity(rest.iter().map(|t| t.text.len()).sum());
        if decode(rest, &mut out).is_err() {
            // Point at the first token with a stray character, else at the last (a unit cut short).
            let bad = rest
                .iter()
                .position(|t| !t.text.iter().all(alphabet))
                .unwrap_or(rest.len() - 1);
            return Err(RdataTextError::invalid(first + bad, what, &rest[bad]));
        }
        Ok(out)
    }

    fn hex_rest(&mut self, what: &'static str) -> Result<Vec<u8>, RdataTextError> {
        self.blob_rest(what, u8::is_ascii_hexdigit, |tokens, out| {
            encoding::decode_hex(tokens.iter().map(|t| t.text), out)
        })
    }

    fn base64_rest(&mut self, what: &'static str) -> Result<Vec<u8>, RdataTextError> {
        let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        self.blob_rest(what, alphabet, |tokens, out| {
            encoding::decode_base64(tokens.iter().map(|t| t.text), out)
        })
    }

    /// An NSEC3 salt: hex, or `-` for none (RFC 5155 §3.3).
    fn salt(&mut self) -> Result<Vec<u8>, RdataTextError> {
        const WHAT: &str = "a salt in hex or `-`";
        let token = self.token(WHAT)?;
        if token.text == b"-" {
            return Ok(Vec::new());
        }
        let mut salt = Vec::with_capacity(token.text.len() / 2);
        match encoding::decode_hex([token.text], &mut salt) {
            Ok(()) if !salt.is_empty() && salt.len() <= MAX_CHARACTER_STRING => Ok(salt),
            _ => Err(self.invalid_last(WHAT)),
        }
    }

    /// The remaining tokens as type mnemonics (RFC 4034 §4.2).
    fn type_bitmap(&mut self) -> Result<TypeBitmap, RdataTextError> {
        let mut types = Vec::with_capacity(self.tokens.len() - self.next);
        while self.next < self.tokens.len() {
            types.push(self.rtype("a record type")?);
        }
        Ok(TypeBitmap::from_types(types))
    }

    fn svcb(&mut self) -> Result<Svcb, RdataTextError> {
        let priority = self.integer("a 16-bit priority")?;
        let target = self.name("a target name")?;
        let params = svcb::parse_params(self.tokens, self.next)?;
        self.next = self.tokens.len();
        Ok(Svcb {
            priority,
            target,
            params,
        })
    }
}

/// DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1 and the IANA registry).
const ALGORITHMS: [(&str, u8); 15] = [
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("RSASHA1", 5),
    ("DSA-NSEC3-SHA1", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECC-GOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
];
