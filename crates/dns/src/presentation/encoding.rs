//! The byte encodings that presentation format uses inside RDATA: hexadecimal (RFC 4648 §8), base64
//! (RFC 4648 §4), base32hex without padding (RFC 4648 §7, as NSEC3 uses it, RFC 5155 §3.3), character
//! strings with `\X` and `\DDD` escapes (RFC 1035 §5.1), and RRSIG timestamps (RFC 4034 §3.2).
//!
//! Decoders take the data as several tokens because zone files may split a blob with blanks anywhere.

use std::fmt;

/// The number of characters per chunk when hex or base64 blobs are printed split by spaces, as BIND
/// and dig do for DS digests, DNSKEY keys, RRSIG signatures and ZONEMD digests.
pub(crate) const CHUNK: usize = 56;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE32HEX: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";

/// Why a blob or string could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A character outside the alphabet.
    Character,
    /// The text ends in the middle of a unit (odd hex digits, base64 not a multiple of 4).
    Length,
    /// A `\` escape is cut short or its `\DDD` value is above 255.
    Escape,
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes hexadecimal spread over `parts` (a digit pair may straddle two parts), appending to `out`.
pub(crate) fn decode_hex<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    let mut high: Option<u8> = None;
    for part in parts {
        for &byte in part {
            let nibble = hex_value(byte).ok_or(DecodeError::Character)?;
            match high.take() {
                None => high = Some(nibble),
                Some(h) => out.push(h << 4 | nibble),
            }
        }
    }
    if high.is_some() {
        return Err(DecodeError::Length);
    }
    Ok(())
}

/// Writes `bytes` as upper-case hexadecimal, a space every `chunk` characters when `chunk` is not 0.
pub(crate) fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8], chunk: usize) -> fmt::Result {
    let mut buf = [0u8; 2 * 64];
    let mut written = 0;
    for group in bytes.chunks(64) {
        for (i, &byte) in group.iter().enumerate() {
            buf[2 * i] = HEX_UPPER[usize::from(byte >> 4)];
            buf[2 * i + 1] = HEX_UPPER[usize::from(byte & 0xf)];
        }
        written = write_chunked(f, &buf[..2 * group.len()], chunk, written)?;
    }
    Ok(())
}

/// Writes ASCII `text` inserting a space before each `chunk`-th character counted from `written`,
/// and returns the new count.
fn write_chunked(
    f: &mut fmt::Formatter<'_>,
    text: &[u8],
    chunk: usize,
    mut written: usize,
) -> Result<usize, fmt::Error> {
    let mut rest = text;
    while !rest.is_empty() {
        if chunk != 0 && written != 0 && written.is_multiple_of(chunk) {
            f.write_str(" ")?;
        }
        let room = if chunk == 0 {
            rest.len()
        } else {
            chunk - written % chunk
        };
        let (now, later) = rest.split_at(room.min(rest.len()));
        // The encoders only produce ASCII.
        f.write_str(std::str::from_utf8(now).map_err(|_| fmt::Error)?)?;
        written += now.len();
        rest = later;
    }
    Ok(written)
}

fn base64_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes padded base64 spread over `parts`, appending to `out`. Padding may only end the data.
pub(crate) fn decode_base64<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    let mut quad = [0u8; 4];
    let mut filled = 0;
    let mut padding = 0;
    for part in parts {
        for &byte in part {
            if byte == b'=' {
                // `=` may only fill the last one or two places of the final quad.
                if filled < 2 {
                    return Err(DecodeError::Character);
                }
                padding += 1;
                quad[filled] = 0;
            } else {
                if padding != 0 {
                    return Err(DecodeError::Character);
                }
                quad[filled] = base64_value(byte).ok_or(DecodeError::Character)?;
            }
            filled += 1;
            if filled == 4 {
                let bits = u32::from(quad[0]) << 18
                    | u32::from(quad[1]) << 12
                    | u32::from(quad[2]) << 6
                    | u32::from(quad[3]);
                let bytes = bits.to_be_bytes();
                out.extend_from_slice(&bytes[1..4 - padding.min(2)]);
                filled = 0;
                if padding != 0 {
                    // Nothing may follow a padded quad; mark it so any later byte fails.
                    padding = 3;
                }
            }
        }
    }
    if filled != 0 {
        return Err(DecodeError::Length);
    }
    Ok(())
}

/// Writes `bytes` as padded base64, a space every `chunk` characters when `chunk` is not 0.
pub(crate) fn write_base64(f: &mut fmt::Formatter<'_>, bytes: &[u8], chunk: usize) -> fmt::Result {
    let mut written = 0;
    for group in bytes.chunks(48) {
        let mut buf = [0u8; 64];
        let mut len = 0;
        for triple in group.chunks(3) {
            let b0 = triple[0];
            let b1 = triple.get(1).copied().unwrap_or(0);
            let b2 = triple.get(2).copied().unwrap_or(0);
            let bits = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
            for (i, slot) in buf[len..len + 4].iter_mut().enumerate() {
                *slot = if i <= triple.len() {
                    BASE64[((bits >> (18 - 6 * i)) & 0x3f) as usize]
                } else {
                    b'='
                };
            }
            len += 4;
        }
        written = write_chunked(f, &buf[..len], chunk, written)?;
    }
    Ok(())
}

fn base32hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'V' => Some(byte - b'A' + 10),
        b'a'..=b'v' => Some(byte - b'a' + 10),
        _ => None,
    }
}

/// Decodes unpadded base32hex (either case), appending to `out`.
pub(crate) fn decode_base32hex(text: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    // Lengths that leave 1, 3 or 6 characters over cannot come from whole octets.
    if matches!(text.len() % 8, 1 | 3 | 6) {
        return Err(DecodeError::Length);
    }
    let mut bits: u64 = 0;
    let mut count = 0;
    for &byte in text {
        bits = bits << 5 | u64::from(base32hex_value(byte).ok_or(DecodeError::Character)?);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Ok(())
}

/// Writes `bytes` as upper-case base32hex without padding.
pub(crate) fn write_base32hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut out = Vec::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut bits: u64 = 0;
    let mut count = 0;
    for &byte in bytes {
        bits = bits << 8 | u64::from(byte);
        count += 8;
        while count >= 5 {
            count -= 5;
            out.push(BASE32HEX[((bits >> count) & 0x1f) as usize]);
        }
        bits &= (1 << count) - 1;
    }
    if count > 0 {
        out.push(BASE32HEX[((bits << (5 - count)) & 0x1f) as usize]);
    }
    f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
}

/// Decodes a character string's `\X` and `\DDD` escapes (RFC 1035 §5.1), appending to `out`.
pub(crate) fn unescape(text: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if byte != b'\\' {
            out.push(byte);
            i += 1;
            continue;
        }
        let next = *text.get(i + 1).ok_or(DecodeError::Escape)?;
        if next.is_ascii_digit() {
            let digits = text.get(i + 1..i + 4).ok_or(DecodeError::Escape)?;
            let mut value = 0u32;
            for &digit in digits {
                if !digit.is_ascii_digit() {
                    return Err(DecodeError::Escape);
                }
                value = value * 10 + u32::from(digit - b'0');
            }
            out.push(u8::try_from(value).map_err(|_| DecodeError::Escape)?);
            i += 4;
        } else {
            out.push(next);
            i += 2;
        }
    }
    Ok(())
}

/// Writes `bytes` for use between double quotes: `"` and `\` escaped with `\`, bytes outside printable
/// ASCII as `\DDD`, as dig prints TXT data. `extra` lists further bytes to escape with `\`.
pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8], extra: &[u8]) -> fmt::Result {
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let plain = (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\';
        if plain && !extra.contains(&byte) {
            continue;
        }
        write_ascii(f, &bytes[start..i])?;
        if plain || byte == b'"' || byte == b'\\' {
            write!(f, "\\{}", byte as char)?;
        } else {
            write!(f, "\\{byte:03}")?;
        }
        start = i + 1;
    }
    write_ascii(f, &bytes[start..])
}

/// Writes a run of printable ASCII.
fn write_ascii(f: &mut fmt::Formatter<'_>, run: &[u8]) -> fmt::Result {
    f.write_str(std::str::from_utf8(run).map_err(|_| fmt::Error)?)
}

/// Writes `bytes` as a quoted character string.
pub(crate) fn write_quoted(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    write_escaped(f, bytes, &[])?;
    f.write_str("\"")
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes an RRSIG time as `YYYYMMDDHHmmSS` in UTC (RFC 4034 §3.2), reading the 32-bit value as seconds
/// since 1970 (so up to 2106; RFC 4034 §3.1.5's serial arithmetic is the validator's business).
pub(crate) fn write_timestamp(f: &mut fmt::Formatter<'_>, seconds: u32) -> fmt::Result {
    let seconds = i64::from(seconds);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    write!(
        f,
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Parses an RRSIG time: fourteen digits `YYYYMMDDHHmmSS` in UTC, or else a decimal count of seconds
/// (RFC 4034 §3.2). `None` when malformed or outside 1970-01-01..2106-02-07T06:28:15.
pub(crate) fn parse_timestamp(text: &[u8]) -> Option<u32> {
    if !text.iter().all(u8::is_ascii_digit) || text.is_empty() {
        return None;
    }
    if text.len() != 14 {
        return parse_decimal(text).and_then(|value| u32::try_from(value).ok());
    }
    let field = |range: std::ops::Range<usize>| -> i64 {
        text[range]
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
    };
    let (year, month, day) = (field(0..4), field(4..6), field(6..8));
    let (hour, minute, second) = (field(8..10), field(10..12), field(12..14));
    if !(1..=12).contains(&month) || day < 1 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // Reject 31 February and the like: the date must survive the round trip.
    if civil_from_days(days) != (year, month, day) {
        return None;
    }
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    u32::try_from(seconds).ok()
}

/// Parses a decimal number of at most 20 digits.
pub(crate) fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in text {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a formatting function into a string.
    struct Show<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);
    impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Show<F> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(f)
        }
    }

    fn hex(text: &str) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        decode_hex(text.split(' ').map(str::as_bytes), &mut out).map(|()| out)
    }

    fn base64(text: &str) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        decode_base64(text.split(' ').map(str::as_bytes), &mut out).map(|()| out)
    }

    fn base32hex(text: &str) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        decode_base32hex(text.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn hex_both_ways() {
        assert_eq!(hex("0aFf 1"), Err(DecodeError::Length));
        assert_eq!(hex("0aF f01"), Ok(vec![0x0a, 0xff, 0x1]));
        assert_eq!(hex("0g"), Err(DecodeError::Character));
        let shown = Show(|f| write_hex(f, &[0xde, 0xad, 0xbe, 0xef], 4)).to_string();
        assert_eq!(shown, "DEAD BEEF");
        let long: Vec<u8> = (0..=255).collect();
        let shown = Show(|f| write_hex(f, &long, CHUNK)).to_string();
        assert!(shown.split(' ').all(|chunk| chunk.len() <= CHUNK));
        assert_eq!(hex(&shown), Ok(long));
    }

    #[test]
    fn base64_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(encoded), Ok(plain.as_bytes().to_vec()), "{encoded}");
            let shown = Show(|f| write_base64(f, plain.as_bytes(), 0)).to_string();
            assert_eq!(shown, encoded);
        }
        assert_eq!(base64("Zm9 vYg= ="), Ok(b"foob".to_vec()));
        assert_eq!(base64("Zg==Zg=="), Err(DecodeError::Character));
        assert_eq!(base64("Z==="), Err(DecodeError::Character));
        assert_eq!(base64("Zm9"), Err(DecodeError::Length));
        assert_eq!(base64("Zm9*"), Err(DecodeError::Character));
        let long: Vec<u8> = (0..=255).collect();
        let shown = Show(|f| write_base64(f, &long, CHUNK)).to_string();
        assert!(shown
            .split(' ')
            .all(|chunk| chunk.len() == CHUNK || chunk.ends_with('=')));
        assert_eq!(base64(&shown), Ok(long));
    }

    #[test]
    fn base32hex_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "CO"),
            ("fo", "CPNG"),
            ("foo", "CPNMU"),
            ("foob", "CPNMUOG"),
            ("fooba", "CPNMUOJ1"),
            ("foobar", "CPNMUOJ1E8"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(
                base32hex(encoded),
                Ok(plain.as_bytes().to_vec()),
                "{encoded}"
            );
            assert_eq!(
                base32hex(&encoded.to_ascii_lowercase()),
                Ok(plain.as_bytes().to_vec())
            );
            let shown = Show(|f| write_base32hex(f, plain.as_bytes())).to_string();
            assert_eq!(shown, encoded);
        }
        assert_eq!(base32hex("C"), Err(DecodeError::Length));
        assert_eq!(base32hex("CW"), Err(DecodeError::Character));
    }

    #[test]
    fn escapes() {
        let mut out = Vec::new();
        assert_eq!(unescape(br#"a\"b\\c\032\255"#, &mut out), Ok(()));
        assert_eq!(out, b"a\"b\\c \xff");
        for bad in [&b"a\\"[..], b"\\25", b"\\256", b"\\2a5"] {
            assert_eq!(unescape(bad, &mut Vec::new()), Err(DecodeError::Escape));
        }
        let shown = Show(|f| write_quoted(f, b"say \"hi\"\\ \x00\xff;")).to_string();
        assert_eq!(shown, r#""say \"hi\"\\ \000\255;""#);
    }

    #[test]
    fn timestamps() {
        let cases = [
            (0, "19700101000000"),
            (951_782_400, "20000229000000"),
            (1_787_936_400, "20260828170000"),
            (u32::MAX, "21060207062815"),
        ];
        for (seconds, text) in cases {
            assert_eq!(Show(|f| write_timestamp(f, seconds)).to_string(), text);
            assert_eq!(parse_timestamp(text.as_bytes()), Some(seconds));
        }
        assert_eq!(parse_timestamp(b"1234"), Some(1234));
        assert_eq!(parse_timestamp(b"20260230000000"), None);
        assert_eq!(parse_timestamp(b"21060207062816"), None);
        assert_eq!(parse_timestamp(b"19691231235959"), None);
        assert_eq!(parse_timestamp(b"4294967296"), None);
    }
}
