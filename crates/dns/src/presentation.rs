//! Presentation format of record data (RFC 1035 §5.1 and each type's RFC): text to RDATA and back.
//!
//! [`Display`](fmt::Display) on [`RData`] prints what dig prints (BIND's style: hex and base64 blobs split
//! every 56 characters, RRSIG times as `YYYYMMDDHHmmSS`), and [`parse_rdata`] reads it back from the
//! tokens of one zone file entry, together with the RFC 3597 generic form `\# <length> <hex>` for any
//! type. Data that has no faithful type-specific form (an empty DS digest, a TXT record without strings)
//! is printed in the generic form, so printing and parsing always give back the same data.
//!
//! SVCB and HTTPS parameters use the names of RFC 9460 Appendix A plus `dohpath` (RFC 9461) and `ohttp`
//! (RFC 9540), which newer dig and Knot print; dig 9.18 prints those two as `key7` and `key8`, which
//! parse as well.

mod display;
mod encoding;
mod fields;
mod svcb;

use crate::name::{Name, NameError, MAX_LABEL_LEN, MAX_NAME_LEN};
use crate::rdata::RData;
use crate::types::RType;
use crate::wire::WireError;
pub(crate) use encoding::unescape;
use fields::Fields;
use std::fmt;

/// The longest character string (RFC 1035 §3.3): its length must fit one octet.
pub const MAX_CHARACTER_STRING: usize = 255;
/// The longest RDATA: RDLENGTH is 16 bits (RFC 1035 §3.2.1).
pub const MAX_RDATA_LEN: usize = 65_535;

/// One field of presentation-format text, as the zone file lexer produces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The text, without the quotes of a quoted string; `\X` and `\DDD` escapes are left as written.
    pub text: &'a [u8],
    /// Whether the text was a quoted string. `\#` only introduces generic RDATA when unquoted.
    pub quoted: bool,
}

impl<'a> Token<'a> {
    /// An unquoted token.
    pub fn plain(text: &'a [u8]) -> Token<'a> {
        Token {
            text,
            quoted: false,
        }
    }

    /// A quoted string's contents.
    pub fn quoted(text: &'a [u8]) -> Token<'a> {
        Token { text, quoted: true }
    }

    /// The text for error messages.
    fn lossy(&self) -> String {
        String::from_utf8_lossy(self.text).into_owned()
    }
}

/// Why presentation-format RDATA could not be parsed, and at which token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdataTextError {
    /// The index of the token at fault; the number of tokens when data is missing at the end.
    pub index: usize,
    /// What went wrong.
    pub kind: RdataErrorKind,
}

/// What was wrong with presentation-format RDATA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdataErrorKind {
    /// The data ended where a field was expected.
    Missing(&'static str),
    /// A field does not have the form expected.
    Invalid {
        /// What the field should be, e.g. "an IPv4 address".
        expected: &'static str,
        /// The text found.
        found: String,
    },
    /// Tokens are left after the last field.
    Trailing(String),
    /// A domain name is malformed, or relative with no origin.
    Name {
        /// The text found.
        found: String,
        /// Why it is not a name.
        error: NameError,
    },
    /// A character string is longer than 255 octets (RFC 1035 §3.3).
    StringTooLong(usize),
    /// A `\` escape is cut short, or its `\DDD` value is above 255.
    BadEscape(String),
    /// The RFC 3597 `\#` length does not match the hex data that follows.
    GenericLength {
        /// The length given.
        declared: usize,
        /// The octets of hex data.
        actual: usize,
    },
    /// The RFC 3597 generic data is not valid wire format for the type.
    Wire(WireError),
    /// The RDATA would be longer than 65535 octets.
    TooLong(usize),
    /// An SVCB/HTTPS parameter key appears twice (RFC 9460 §2.2).
    DuplicateKey(u16),
    /// There is no presentation format for the type here; only `\#` generic data can give it.
    Unsupported(RType),
    /// The text could not be split into tokens (see [`parse_rdata_str`]).
    Syntax(&'static str),
}

impl RdataTextError {
    fn invalid(index: usize, expected: &'static str, token: &Token<'_>) -> RdataTextError {
        RdataTextError {
            index,
            kind: RdataErrorKind::Invalid {
                expected,
                found: token.lossy(),
            },
        }
    }
}

impl fmt::Display for RdataErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdataErrorKind::Missing(what) => write!(f, "expected {what}, found end of data"),
            RdataErrorKind::Invalid { expected, found } => {
                write!(f, "expected {expected}, found `{found}`")
            }
            RdataErrorKind::Trailing(found) => {
                write!(f, "expected end of data, found `{found}`")
            }
            RdataErrorKind::Name { found, error } => {
                write!(f, "bad domain name `{found}`: {error}")
            }
            RdataErrorKind::StringTooLong(len) => write!(
                f,
                "character string of {len} octets, expected at most {MAX_CHARACTER_STRING}"
            ),
            RdataErrorKind::BadEscape(found) => write!(f, "bad escape sequence in `{found}`"),
            RdataErrorKind::GenericLength { declared, actual } => write!(
                f,
                "generic RDATA declares {declared} octets but has {actual}"
            ),
            RdataErrorKind::Wire(error) => write!(f, "generic RDATA does not decode: {error}"),
            RdataErrorKind::TooLong(len) => {
                write!(f, "RDATA of {len} octets, expected at most {MAX_RDATA_LEN}")
            }
            RdataErrorKind::DuplicateKey(key) => write!(f, "SvcParam key{key} appears twice"),
            RdataErrorKind::Syntax(what) => f.write_str(what),
            RdataErrorKind::Unsupported(rtype) => write!(
                f,
                "no presentation format for {rtype}, expected generic data (\\# length hex)"
            ),
        }
    }
}

impl fmt::Display for RdataTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token {}: {}", self.index + 1, self.kind)
    }
}

impl std::error::Error for RdataTextError {}

/// Parses the RDATA of type `rtype` from its presentation-format tokens (RFC 1035 §5.1 and the type's
/// RFC), or from the RFC 3597 §5 generic form `\# <length> <hex>...` for any type. Relative names get
/// `origin` appended (`@` is the origin itself); with no origin they are an error.
pub fn parse_rdata(
    rtype: RType,
    tokens: &[Token<'_>],
    origin: Option<&Name>,
) -> Result<RData, RdataTextError> {
    if tokens
        .first()
        .is_some_and(|t| !t.quoted && t.text == b"\\#")
    {
        return fields::parse_generic(rtype, tokens);
    }
    let mut fields = Fields {
        tokens,
        next: 0,
        origin,
    };
    let data = fields.rdata(rtype)?;
    fields.finish()?;
    // Only the types with blobs or lists can outgrow RDLENGTH.
    if !matches!(
        data,
        RData::A(_)
            | RData::Aaaa(_)
            | RData::Ns(_)
            | RData::Cname(_)
            | RData::Dname(_)
            | RData::Ptr(_)
            | RData::Mx { .. }
            | RData::Soa(_)
            | RData::Srv { .. }
    ) {
        let len = data.to_wire().len();
        if len > MAX_RDATA_LEN {
            return Err(RdataTextError {
                index: 0,
                kind: RdataErrorKind::TooLong(len),
            });
        }
    }
    Ok(data)
}

/// Parses RDATA from a string, as [`parse_rdata`] does once the text is split into tokens by the zone
/// file lexer (quotes, escapes, parentheses and comments work as in a zone file).
pub fn parse_rdata_str(
    rtype: RType,
    text: &str,
    origin: Option<&Name>,
) -> Result<RData, RdataTextError> {
    let mut lexer = crate::zonefile::lexer::Lexer::new(text.as_bytes());
    let mut all = Vec::new();
    let mut tokens = Vec::new();
    let mut positions = Vec::new();
    loop {
        match lexer.next_entry(&mut tokens, &mut positions) {
            Ok(Some(_)) => all.extend_from_slice(&tokens),
            Ok(None) => break,
            Err(error) => {
                return Err(RdataTextError {
                    index: all.len(),
                    kind: RdataErrorKind::Syntax(error.kind.message()),
                })
            }
        }
    }
    parse_rdata(rtype, &all, origin)
}

/// Parses a TTL (RFC 1035 §5.1, extended as BIND and Knot do): seconds, or numbers with units `s`, `m`,
/// `h`, `d`, `w` in either case, as in `1h30m`, `2D` or `1w`; a final number without a unit is seconds.
/// `None` when malformed or above `u32::MAX`.
pub fn parse_ttl(text: &[u8]) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    if text.iter().all(u8::is_ascii_digit) {
        return encoding::parse_decimal(text).and_then(|v| u32::try_from(v).ok());
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for &byte in text {
        if byte.is_ascii_digit() {
            let value = number.unwrap_or(0) * 10 + u64::from(byte - b'0');
            if value > u64::from(u32::MAX) {
                return None;
            }
            number = Some(value);
            continue;
        }
        let unit: u64 = match byte.to_ascii_lowercase() {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'w' => 604_800,
            _ => return None,
        };
        total += number.take()? * unit;
        if total > u64::from(u32::MAX) {
            return None;
        }
    }
    total += number.unwrap_or(0);
    u32::try_from(total).ok()
}

/// Parses a domain name in presentation format: `@` is `origin`, a name without a final `.` is relative
/// to `origin`. Builds the wire form on the stack, so a name costs one allocation.
pub(crate) fn parse_name(text: &[u8], origin: Option<&Name>) -> Result<Name, NameError> {
    match text {
        b"@" => return origin.cloned().ok_or(NameError::Relative),
        b"." => return Ok(Name::root()),
        _ => {}
    }
    let mut wire = [0u8; MAX_NAME_LEN + 1];
    // `wire[label_at]` is the length octet of the label being read; `len` is the bytes written.
    let mut label_at = 0;
    let mut len = 1;
    let mut absolute = false;
    let mut i = 0;
    while i < text.len() {
        let mut byte = text[i];
        i += 1;
        if byte == b'.' {
            let label_len = len - label_at - 1;
            if label_len == 0 {
                return Err(NameError::EmptyLabel);
            }
            wire[label_at] = label_len as u8;
            if i == text.len() {
                absolute = true;
                break;
            }
            label_at = len;
            len += 1;
            if len > MAX_NAME_LEN {
                return Err(NameError::NameTooLong);
            }
            continue;
        }
        if byte == b'\\' {
            let next = *text.get(i).ok_or(NameError::BadEscape)?;
            if next.is_ascii_digit() {
                let digits = text.get(i..i + 3).ok_or(NameError::BadEscape)?;
                let mut value = 0u32;
                for &digit in digits {
                    if !digit.is_ascii_digit() {
                        return Err(NameError::BadEscape);
                    }
                    value = value * 10 + u32::from(digit - b'0');
                }
                byte = u8::try_from(value).map_err(|_| NameError::BadEscape)?;
                i += 3;
            } else {
                byte = next;
                i += 1;
            }
        }
        if len - label_at > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        if len >= MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        wire[len] = byte;
        len += 1;
    }
    if absolute {
        // The root label.
        wire[len] = 0;
        len += 1;
        return Name::from_wire(&wire[..len]);
    }
    let label_len = len - label_at - 1;
    if label_len == 0 {
        return Err(NameError::EmptyLabel);
    }
    wire[label_at] = label_len as u8;
    let origin = origin.ok_or(NameError::Relative)?.as_wire();
    if len + origin.len() > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    wire[len..len + origin.len()].copy_from_slice(origin);
    Name::from_wire(&wire[..len + origin.len()])
}

#[cfg(test)]
mod tests;
