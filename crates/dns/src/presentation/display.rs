//! Printing RDATA in presentation format as dig prints it, and records as dig prints answers.

use super::encoding::{self, CHUNK};
use super::{svcb, MAX_CHARACTER_STRING};
use crate::message::Record;
use crate::rdata::{RData, TypeBitmap};
use crate::types::RType;
use std::fmt;

impl fmt::Display for TypeBitmap {
    /// The types, space separated (`A NS SOA TYPE65534`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rtype) in self.types().into_iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{rtype}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Record {
    /// `owner TTL CLASS TYPE RDATA`, tab separated as dig prints answers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.name,
            self.ttl,
            self.class,
            self.rtype(),
            self.data
        )
    }
}

impl fmt::Display for RData {
    /// The RDATA in presentation format, as dig prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !has_text_form(self) {
            return write_generic(f, &self.to_wire());
        }
        match self {
            RData::A(address) => write!(f, "{address}"),
            RData::Aaaa(address) => write!(f, "{address}"),
            RData::Ns(name) | RData::Cname(name) | RData::Dname(name) | RData::Ptr(name) => {
                write!(f, "{name}")
            }
            RData::Soa(soa) => write!(
                f,
                "{} {} {} {} {} {} {}",
                soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum
            ),
            RData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {exchange}"),
            RData::Txt(strings) => {
                for (i, string) in strings.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    encoding::write_quoted(f, string)?;
                }
                Ok(())
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Naptr {
                order,
                preference,
                flags,
                services,
                regexp,
                replacement,
            } => {
                write!(f, "{order} {preference} ")?;
                for string in [flags, services, regexp] {
                    encoding::write_quoted(f, string)?;
                    f.write_str(" ")?;
                }
                write!(f, "{replacement}")
            }
            RData::Caa { flags, tag, value } => {
                write!(f, "{flags} ")?;
                encoding::write_escaped(f, tag, b" ;()")?;
                f.write_str(" ")?;
                encoding::write_quoted(f, value)
            }
            RData::Svcb(svcb) | RData::Https(svcb) => {
                write!(f, "{} {}", svcb.priority, svcb.target)?;
                for (key, value) in &svcb.params {
                    f.write_str(" ")?;
                    svcb::write_param(f, *key, value)?;
                }
                Ok(())
            }
            RData::Ds {
                key_tag,
                algorithm,
                digest_type,
                digest,
            } => {
                write!(f, "{key_tag} {algorithm} {digest_type} ")?;
                encoding::write_hex(f, digest, CHUNK)
            }
            RData::Dnskey {
                flags,
                protocol,
                algorithm,
                public_key,
            } => {
                write!(f, "{flags} {protocol} {algorithm} ")?;
                encoding::write_base64(f, public_key, CHUNK)
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
                write!(f, "{type_covered} {algorithm} {labels} {original_ttl} ")?;
                encoding::write_timestamp(f, *expiration)?;
                f.write_str(" ")?;
                encoding::write_timestamp(f, *inception)?;
                write!(f, " {key_tag} {signer} ")?;
                encoding::write_base64(f, signature, CHUNK)
            }
            RData::Nsec { next, types } => {
                write!(f, "{next}")?;
                write_types(f, types)
            }
            RData::Nsec3 {
                hash_algorithm,
                flags,
                iterations,
                salt,
                next_hashed,
                types,
            } => {
                write!(f, "{hash_algorithm} {flags} {iterations} ")?;
                write_salt(f, salt)?;
                f.write_str(" ")?;
                encoding::write_base32hex(f, next_hashed)?;
                write_types(f, types)
            }
            RData::Nsec3param {
                hash_algorithm,
                flags,
                iterations,
                salt,
            } => {
                write!(f, "{hash_algorithm} {flags} {iterations} ")?;
                write_salt(f, salt)
            }
            RData::Zonemd {
                serial,
                scheme,
                hash_algorithm,
                digest,
            } => {
                write!(f, "{serial} {scheme} {hash_algorithm} ")?;
                encoding::write_hex(f, digest, CHUNK)
            }
            RData::Unknown { rtype, data } if *rtype == RType::CDS || *rtype == RType::CDNSKEY => {
                let model = if *rtype == RType::CDS {
                    RType::DS
                } else {
                    RType::DNSKEY
                };
                match RData::from_bytes(model, data) {
                    Ok(decoded) => decoded.fmt(f),
                    Err(_) => write_generic(f, data),
                }
            }
            RData::Unknown { rtype, data } => match hinfo_strings(*rtype, data) {
                Some((cpu, os)) => {
                    encoding::write_quoted(f, cpu)?;
                    f.write_str(" ")?;
                    encoding::write_quoted(f, os)
                }
                None => write_generic(f, data),
            },
        }
    }
}

/// Whether the data prints in its type's own syntax and parses back unchanged; if not it is printed in
/// the generic form. Only data built by hand (or unusual wire data) fails this.
fn has_text_form(data: &RData) -> bool {
    let string_ok = |s: &Vec<u8>| s.len() <= MAX_CHARACTER_STRING;
    match data {
        RData::Txt(strings) => !strings.is_empty() && strings.iter().all(string_ok),
        RData::Naptr {
            flags,
            services,
            regexp,
            ..
        } => [flags, services, regexp].into_iter().all(string_ok),
        RData::Caa { tag, .. } => !tag.is_empty() && string_ok(tag),
        RData::Svcb(svcb) | RData::Https(svcb) => {
            svcb.params.windows(2).all(|pair| pair[0].0 < pair[1].0)
        }
        RData::Ds { digest, .. } => !digest.is_empty(),
        RData::Dnskey { public_key, .. } => !public_key.is_empty(),
        RData::Rrsig { signature, .. } => !signature.is_empty(),
        RData::Nsec3 {
            salt, next_hashed, ..
        } => !next_hashed.is_empty() && next_hashed.len() <= 255 && salt.len() <= 255,
        RData::Nsec3param { salt, .. } => salt.len() <= 255,
        RData::Zonemd { digest, .. } => digest.len() >= 12,
        _ => true,
    }
}

/// The two strings of well-formed HINFO data (RFC 1035 §3.3.2).
fn hinfo_strings(rtype: RType, data: &[u8]) -> Option<(&[u8], &[u8])> {
    if rtype != RType::HINFO {
        return None;
    }
    let (&cpu_len, rest) = data.split_first()?;
    let (cpu, rest) = rest.split_at_checked(usize::from(cpu_len))?;
    let (&os_len, os) = rest.split_first()?;
    (os.len() == usize::from(os_len)).then_some((cpu, os))
}

/// `\# <length> <hex>` (RFC 3597 §5).
fn write_generic(f: &mut fmt::Formatter<'_>, data: &[u8]) -> fmt::Result {
    write!(f, "\\# {}", data.len())?;
    if !data.is_empty() {
        f.write_str(" ")?;
        encoding::write_hex(f, data, 0)?;
    }
    Ok(())
}

/// ` TYPE TYPE...` after the fixed fields of NSEC and NSEC3.
fn write_types(f: &mut fmt::Formatter<'_>, types: &TypeBitmap) -> fmt::Result {
    if types.as_wire().is_empty() {
        return Ok(());
    }
    write!(f, " {types}")
}

fn write_salt(f: &mut fmt::Formatter<'_>, salt: &[u8]) -> fmt::Result {
    if salt.is_empty() {
        f.write_str("-")
    } else {
        encoding::write_hex(f, salt, 0)
    }
}
