//! SVCB and HTTPS service parameters in presentation format (RFC 9460 §2.1 and Appendix A):
//! `key=value` pairs with the registered key names, and `keyNNNNN` for the rest.
//!
//! A value that does not fit its key's syntax (a `port` of three octets, an empty `alpn`) is printed in
//! the generic `keyNNNNN="..."` form, and `keyNNNNN` always reads its value as opaque octets, so every
//! parameter that the wire decoder accepts prints and parses back to itself.

use super::encoding::{self, DecodeError};
use super::{RdataErrorKind, RdataTextError, Token};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// `mandatory` (RFC 9460 §8): keys a client must understand.
pub(crate) const MANDATORY: u16 = 0;
/// `alpn` (RFC 9460 §7.1.1).
const ALPN: u16 = 1;
/// `no-default-alpn` (RFC 9460 §7.1.1).
const NO_DEFAULT_ALPN: u16 = 2;
/// `port` (RFC 9460 §7.2).
const PORT: u16 = 3;
/// `ipv4hint` (RFC 9460 §7.3).
const IPV4HINT: u16 = 4;
/// `ech` (RFC 9460 §7.3, draft-ietf-tls-svcb-ech).
const ECH: u16 = 5;
/// `ipv6hint` (RFC 9460 §7.3).
const IPV6HINT: u16 = 6;
/// `dohpath` (RFC 9461 §5).
const DOHPATH: u16 = 7;
/// `ohttp` (RFC 9540 §4).
const OHTTP: u16 = 8;

/// The registered key names, by number.
const KEY_NAMES: [(u16, &str); 9] = [
    (MANDATORY, "mandatory"),
    (ALPN, "alpn"),
    (NO_DEFAULT_ALPN, "no-default-alpn"),
    (PORT, "port"),
    (IPV4HINT, "ipv4hint"),
    (ECH, "ech"),
    (IPV6HINT, "ipv6hint"),
    (DOHPATH, "dohpath"),
    (OHTTP, "ohttp"),
];

/// The key's registered name, if it has one.
fn key_name(key: u16) -> Option<&'static str> {
    KEY_NAMES
        .iter()
        .find(|(number, _)| *number == key)
        .map(|(_, name)| *name)
}

/// A key name, or `keyNNNNN` (RFC 9460 §2.1). The flag says whether the generic form was used.
fn parse_key(text: &[u8]) -> Option<(u16, bool)> {
    if let Some((number, _)) = KEY_NAMES
        .iter()
        .find(|(_, name)| name.as_bytes().eq_ignore_ascii_case(text))
    {
        return Some((*number, false));
    }
    let digits = text.strip_prefix(b"key")?;
    // RFC 9460 §2.1: no leading zeros, so each key has one spelling.
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    let value = encoding::parse_decimal(digits)?;
    Some((u16::try_from(value).ok()?, true))
}

struct KeyDisplay(u16);

impl fmt::Display for KeyDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match key_name(self.0) {
            Some(name) => f.write_str(name),
            None => write!(f, "key{}", self.0),
        }
    }
}

/// Splits an `alpn` wire value into its length-prefixed protocol identifiers, if well formed.
fn alpn_ids(mut value: &[u8]) -> Option<Vec<&[u8]>> {
    let mut ids = Vec::new();
    while let Some((&len, rest)) = value.split_first() {
        let len = usize::from(len);
        if len == 0 || rest.len() < len {
            return None;
        }
        let (id, rest) = rest.split_at(len);
        ids.push(id);
        value = rest;
    }
    (!ids.is_empty()).then_some(ids)
}

/// Writes one parameter: its registered syntax when the value fits it, else the generic form.
pub(crate) fn write_param(f: &mut fmt::Formatter<'_>, key: u16, value: &[u8]) -> fmt::Result {
    match key {
        MANDATORY if !value.is_empty() && value.len().is_multiple_of(2) => {
            f.write_str("mandatory=")?;
            for (i, pair) in value.chunks_exact(2).enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{}", KeyDisplay(u16::from_be_bytes([pair[0], pair[1]])))?;
            }
            Ok(())
        }
        ALPN => match alpn_ids(value) {
            Some(ids) => {
                // Appendix A.1: commas and backslashes inside an identifier are escaped for the
                // value-list, and that backslash is escaped again for the character string.
                f.write_str("alpn=\"")?;
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    for chunk in id.split_inclusive(|&b| b == b',' || b == b'\\') {
                        match chunk.split_last() {
                            Some((&b',', head)) => {
                                encoding::write_escaped(f, head, &[])?;
                                f.write_str("\\\\,")?;
                            }
                            Some((&b'\\', head)) => {
                                encoding::write_escaped(f, head, &[])?;
                                f.write_str("\\\\\\\\")?;
                            }
                            _ => encoding::write_escaped(f, chunk, &[])?,
                        }
                    }
                }
                f.write_str("\"")
            }
            None => write_generic(f, key, value),
        },
        NO_DEFAULT_ALPN | OHTTP if value.is_empty() => write!(f, "{}", KeyDisplay(key)),
        PORT if value.len() == 2 => write!(f, "port={}", u16::from_be_bytes([value[0], value[1]])),
        IPV4HINT if !value.is_empty() && value.len().is_multiple_of(4) => {
            f.write_str("ipv4hint=")?;
            for (i, octets) in value.chunks_exact(4).enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(
                    f,
                    "{}",
                    Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3])
                )?;
            }
            Ok(())
        }
        ECH if !value.is_empty() => {
            f.write_str("ech=")?;
            encoding::write_base64(f, value, 0)
        }
        IPV6HINT if !value.is_empty() && value.len().is_multiple_of(16) => {
            f.write_str("ipv6hint=")?;
            for (i, octets) in value.chunks_exact(16).enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                let mut address = [0u8; 16];
                address.copy_from_slice(octets);
                write!(f, "{}", Ipv6Addr::from(address))?;
            }
            Ok(())
        }
        DOHPATH => {
            f.write_str("dohpath=")?;
            encoding::write_quoted(f, value)
        }
        _ => write_generic(f, key, value),
    }
}

/// `keyNNNNN` alone, or `keyNNNNN="value"`.
fn write_generic(f: &mut fmt::Formatter<'_>, key: u16, value: &[u8]) -> fmt::Result {
    write!(f, "key{key}")?;
    if value.is_empty() {
        return Ok(());
    }
    f.write_str("=")?;
    encoding::write_quoted(f, value)
}

/// Parses the parameters that follow the target name, starting at token `first`, sorted by key.
///
/// A parameter is `key`, `key=value`, or `key=` followed by a quoted value (the lexer splits
/// `alpn="h2,h3"` into `alpn=` and `"h2,h3"`).
pub(crate) fn parse_params(
    tokens: &[Token<'_>],
    first: usize,
) -> Result<Vec<(u16, Vec<u8>)>, RdataTextError> {
    let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut index = first;
    while let Some(token) = tokens.get(index) {
        let key_index = index;
        index += 1;
        let invalid = |expected: &'static str| RdataTextError::invalid(key_index, expected, token);
        if token.quoted {
            return Err(invalid("a SvcParam key"));
        }
        let (key_text, raw_value) = match token.text.iter().position(|&b| b == b'=') {
            None => (token.text, &b""[..]),
            Some(equals) => {
                let value = &token.text[equals + 1..];
                match tokens.get(index) {
                    Some(next) if value.is_empty() && next.quoted => {
                        index += 1;
                        (&token.text[..equals], next.text)
                    }
                    _ => (&token.text[..equals], value),
                }
            }
        };
        let (key, generic) = parse_key(key_text).ok_or_else(|| invalid("a SvcParam key"))?;
        let mut unescaped = Vec::with_capacity(raw_value.len());
        encoding::unescape(raw_value, &mut unescaped).map_err(|_| RdataTextError {
            index: key_index,
            kind: RdataErrorKind::BadEscape(token.lossy()),
        })?;
        let value = if generic {
            unescaped
        } else {
            parse_value(key, &unescaped).map_err(invalid)?
        };
        if value.len() > usize::from(u16::MAX) {
            return Err(RdataTextError {
                index: key_index,
                kind: RdataErrorKind::TooLong(value.len()),
            });
        }
        match params.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(_) => {
                return Err(RdataTextError {
                    index: key_index,
                    kind: RdataErrorKind::DuplicateKey(key),
                })
            }
            Err(at) => params.insert(at, (key, value)),
        }
    }
    Ok(params)
}

/// Converts a registered key's unescaped value to wire form, or says what was expected.
fn parse_value(key: u16, value: &[u8]) -> Result<Vec<u8>, &'static str> {
    match key {
        MANDATORY => {
            let mut keys = Vec::new();
            for item in value.split(|&b| b == b',') {
                match parse_key(item) {
                    Some((k, _)) if k != MANDATORY => keys.push(k),
                    _ => {
                        return Err("a comma-separated list of SvcParam keys other than mandatory")
                    }
                }
            }
            keys.sort_unstable();
            if keys.windows(2).any(|pair| pair[0] == pair[1]) {
                return Err("mandatory keys without duplicates");
            }
            Ok(keys.iter().flat_map(|k| k.to_be_bytes()).collect())
        }
        ALPN => {
            const EXPECTED: &str = "a comma-separated list of ALPN identifiers of 1 to 255 octets";
            let mut wire = Vec::with_capacity(value.len() + 1);
            let mut length_at = wire.len();
            wire.push(0);
            let mut bytes = value.iter();
            while let Some(&byte) = bytes.next() {
                match byte {
                    // Appendix A.1 value-list: `\` quotes the next octet, `,` separates.
                    b'\\' => wire.push(*bytes.next().ok_or(EXPECTED)?),
                    b',' => {
                        close_alpn_id(&mut wire, length_at).ok_or(EXPECTED)?;
                        length_at = wire.len();
                        wire.push(0);
                    }
                    _ => wire.push(byte),
                }
            }
            close_alpn_id(&mut wire, length_at).ok_or(EXPECTED)?;
            Ok(wire)
        }
        NO_DEFAULT_ALPN | OHTTP => {
            if value.is_empty() {
                Ok(Vec::new())
            } else {
                Err("no value")
            }
        }
        PORT => encoding::parse_decimal(value)
            .and_then(|port| u16::try_from(port).ok())
            .map(|port| port.to_be_bytes().to_vec())
            .ok_or("a port number"),
        IPV4HINT => {
            let mut wire = Vec::new();
            for item in value.split(|&b| b == b',') {
                let address = std::str::from_utf8(item)
                    .ok()
                    .and_then(|text| text.parse::<Ipv4Addr>().ok())
                    .ok_or("a comma-separated list of IPv4 addresses")?;
                wire.extend_from_slice(&address.octets());
            }
            Ok(wire)
        }
        ECH => {
            let mut wire = Vec::new();
            encoding::decode_base64([value], &mut wire)
                .map_err(|_: DecodeError| "an ECHConfigList in base64")?;
            Ok(wire)
        }
        IPV6HINT => {
            let mut wire = Vec::new();
            for item in value.split(|&b| b == b',') {
                let address = std::str::from_utf8(item)
                    .ok()
                    .and_then(|text| text.parse::<Ipv6Addr>().ok())
                    .ok_or("a comma-separated list of IPv6 addresses")?;
                wire.extend_from_slice(&address.octets());
            }
            Ok(wire)
        }
        _ => Ok(value.to_vec()),
    }
}

/// Writes the length octet of the ALPN identifier that starts at `length_at`; `None` if it is empty or
/// longer than 255 octets.
fn close_alpn_id(wire: &mut [u8], length_at: usize) -> Option<()> {
    let len = wire.len() - length_at - 1;
    if len == 0 {
        return None;
    }
    *wire.get_mut(length_at)? = u8::try_from(len).ok()?;
    Some(())
}
