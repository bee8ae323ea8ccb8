//! Domain names (RFC 1035 §3.1): an owned, uncompressed wire-format name, compared case-insensitively
//! (RFC 4343), ordered canonically (RFC 4034 §6.1), and written and read in presentation format with
//! `\X` and `\DDD` escapes.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The longest name in wire format, the root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;
/// The longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// A domain name, held as its uncompressed wire form (length-prefixed labels ending with the root label).
///
/// Equality and hashing ignore ASCII case; `Ord` is the canonical DNSSEC order.
#[derive(Clone)]
pub struct Name {
    wire: Box<[u8]>,
}

/// Why a name could not be built or parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    /// A label is longer than 63 octets.
    LabelTooLong,
    /// The name is longer than 255 octets.
    NameTooLong,
    /// An empty label appears in the middle of a name (`a..b`).
    EmptyLabel,
    /// A `\` escape is cut short or its `\DDD` value is above 255.
    BadEscape,
    /// The name is relative and no origin was given.
    Relative,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::LabelTooLong => "label longer than 63 octets",
            NameError::NameTooLong => "name longer than 255 octets",
            NameError::EmptyLabel => "empty label",
            NameError::BadEscape => "bad escape sequence",
            NameError::Relative => "relative name without an origin",
        })
    }
}

impl std::error::Error for NameError {}

impl Name {
    /// The root name `.`.
    pub fn root() -> Name {
        Name {
            wire: Box::new([0]),
        }
    }

    /// Builds a name from uncompressed wire bytes, checking their structure.
    pub fn from_wire(wire: &[u8]) -> Result<Name, NameError> {
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut pos = 0;
        loop {
            let len = *wire.get(pos).ok_or(NameError::EmptyLabel)? as usize;
            if len > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            if len == 0 {
                if pos + 1 != wire.len() {
                    return Err(NameError::EmptyLabel);
                }
                return Ok(Name { wire: wire.into() });
            }
            pos += 1 + len;
        }
    }

    /// Builds a name from labels (without the root label), most specific first.
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = &'a [u8]>) -> Result<Name, NameError> {
        let mut wire = Vec::with_capacity(32);
        for label in labels {
            if label.is_empty() {
                return Err(NameError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire.push(label.len() as u8);
            wire.extend_from_slice(label);
        }
        wire.push(0);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name { wire: wire.into() })
    }

    /// Parses presentation format. A name not ending in `.` is relative and gets `origin` appended;
    /// `@` is left to the zone file reader.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        Self::parse_bytes(text.as_bytes(), origin)
    }

    /// Parses presentation format from raw bytes (zone files need not be UTF-8).
    pub fn parse_bytes(text: &[u8], origin: Option<&Name>) -> Result<Name, NameError> {
        if text == b"." {
            return Ok(Name::root());
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label = Vec::with_capacity(MAX_LABEL_LEN);
        let mut absolute = false;
        let mut i = 0;
        while i < text.len() {
            let byte = text[i];
            match byte {
                b'.' => {
                    if label.is_empty() {
                        return Err(NameError::EmptyLabel);
                    }
                    push_label(&mut wire, &label)?;
                    label.clear();
                    if i + 1 == text.len() {
                        absolute = true;
                    }
                    i += 1;
                }
                b'\\' => {
                    let next = *text.get(i + 1).ok_or(NameError::BadEscape)?;
                    if next.is_ascii_digit() {
                        let digits = text.get(i + 1..i + 4).ok_or(NameError::BadEscape)?;
                        if !digits.iter().all(u8::is_ascii_digit) {
                            return Err(NameError::BadEscape);
                        }
                        let value = digits
                            .iter()
                            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
                        if value > 255 {
                            return Err(NameError::BadEscape);
                        }
                        label.push(value as u8);
                        i += 4;
                    } else {
                        label.push(next);
                        i += 2;
                    }
                }
                _ => {
                    label.push(byte);
                    i += 1;
                }
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
        }
        if !label.is_empty() {
            push_label(&mut wire, &label)?;
        }
        if absolute {
            wire.push(0);
        } else {
            let origin = origin.ok_or(NameError::Relative)?;
            wire.extend_from_slice(&origin.wire);
        }
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name { wire: wire.into() })
    }

    /// The uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// Gives up the wire form.
    pub fn into_wire(self) -> Box<[u8]> {
        self.wire
    }

    /// The length of the wire form.
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// Whether this is the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The labels, most specific first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels {
            wire: &self.wire,
            pos: 0,
        }
    }

    /// The number of labels, not counting the root label (so `.` has 0).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// Whether the first label is `*` (RFC 4592).
    pub fn is_wildcard(&self) -> bool {
        self.wire.len() >= 2 && self.wire[0] == 1 && self.wire[1] == b'*'
    }

    /// The same name in ASCII lower case.
    pub fn to_lowercase(&self) -> Name {
        Name {
            wire: self.wire.to_ascii_lowercase().into(),
        }
    }

    /// Whether this name is `other` or below it.
    pub fn is_subdomain_of(&self, other: &Name) -> bool {
        if other.wire.len() > self.wire.len() {
            return false;
        }
        let offset = self.wire.len() - other.wire.len();
        // The suffix must start on a label boundary.
        let mut pos = 0;
        while pos < offset {
            pos += 1 + self.wire[pos] as usize;
        }
        pos == offset && self.wire[offset..].eq_ignore_ascii_case(&other.wire)
    }

    /// The name with its first label removed, or `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = 1 + self.wire[0] as usize;
        Some(Name {
            wire: self.wire[skip..].into(),
        })
    }

    /// The suffix made of the last `count` labels (`count` ≤ the label count).
    pub fn suffix(&self, count: usize) -> Name {
        let total = self.label_count();
        let mut pos = 0;
        for _ in 0..total.saturating_sub(count) {
            pos += 1 + self.wire[pos] as usize;
        }
        Name {
            wire: self.wire[pos..].into(),
        }
    }

    /// `label.self`.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        if self.wire.len() + 1 + label.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut wire = Vec::with_capacity(self.wire.len() + 1 + label.len());
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
        wire.extend_from_slice(&self.wire);
        Ok(Name { wire: wire.into() })
    }

    /// `*.self`, the wildcard that may cover names below this one.
    pub fn wildcard(&self) -> Result<Name, NameError> {
        self.prepend(b"*")
    }

    /// Replaces the suffix `old` (which this name must be below) with `new`, as DNAME substitution does
    /// (RFC 6672 §2.2). Fails with `NameTooLong` (YXDOMAIN) when the result is too long.
    pub fn replace_suffix(&self, old: &Name, new: &Name) -> Result<Name, NameError> {
        let keep = self.wire.len() - old.wire.len();
        let len = keep + new.wire.len();
        if len > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut wire = Vec::with_capacity(len);
        wire.extend_from_slice(&self.wire[..keep]);
        wire.extend_from_slice(&new.wire);
        Ok(Name { wire: wire.into() })
    }

    /// Appends `origin` to a name given by its relative labels (the root label of `self` is dropped).
    pub fn concat(&self, origin: &Name) -> Result<Name, NameError> {
        let len = self.wire.len() - 1 + origin.wire.len();
        if len > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut wire = Vec::with_capacity(len);
        wire.extend_from_slice(&self.wire[..self.wire.len() - 1]);
        wire.extend_from_slice(&origin.wire);
        Ok(Name { wire: wire.into() })
    }
}

fn push_label(wire: &mut Vec<u8>, label: &[u8]) -> Result<(), NameError> {
    if label.len() > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong);
    }
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    if wire.len() >= MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    Ok(())
}

/// Iterator over a name's labels, most specific first.
pub struct Labels<'a> {
    wire: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.wire.get(self.pos)? as usize;
        if len == 0 {
            return None;
        }
        let label = self.wire.get(self.pos + 1..self.pos + 1 + len)?;
        self.pos += 1 + len;
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // Length octets are at most 63, below 'A', so folding the whole wire form is safe.
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.wire.len());
        for byte in self.wire.iter() {
            state.write_u8(byte.to_ascii_lowercase());
        }
    }
}

impl Ord for Name {
    /// Canonical order (RFC 4034 §6.1): compare labels from the root, each as lower-cased octets.
    fn cmp(&self, other: &Name) -> Ordering {
        let mine: Vec<&[u8]> = self.labels().collect();
        let theirs: Vec<&[u8]> = other.labels().collect();
        for (a, b) in mine.iter().rev().zip(theirs.iter().rev()) {
            let ordering = a
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(b.iter().map(u8::to_ascii_lowercase));
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        mine.len().cmp(&theirs.len())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            for &byte in label {
                match byte {
                    b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                        write!(f, "\\{}", byte as char)?
                    }
                    0x21..=0x7e => write!(f, "{}", byte as char)?,
                    _ => write!(f, "\\{byte:03}")?,
                }
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;
    /// Parses an absolute name; a name without the final dot is taken as relative to the root.
    fn from_str(text: &str) -> Result<Name, NameError> {
        Name::parse(text, Some(&Name::root()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        text.parse().expect("valid name")
    }

    #[test]
    fn parses_and_displays_escapes() {
        let n = Name::parse("a\\.b\\032c.example.", None).expect("valid");
        assert_eq!(n.label_count(), 2);
        assert_eq!(n.labels().next(), Some(&b"a.b c"[..]));
        assert_eq!(n.to_string(), "a\\.b\\032c.example.");
    }

    #[test]
    fn relative_names_take_the_origin() {
        let origin = name("example.com.");
        assert_eq!(
            Name::parse("www", Some(&origin)).expect("valid"),
            name("www.example.com.")
        );
        assert_eq!(Name::parse("www", None), Err(NameError::Relative));
    }

    #[test]
    fn limits() {
        let long_label = "a".repeat(64);
        assert_eq!(
            Name::parse(&format!("{long_label}."), None),
            Err(NameError::LabelTooLong)
        );
        let long_name = format!("{}.", vec!["a".repeat(63); 4].join("."));
        assert_eq!(Name::parse(&long_name, None), Err(NameError::NameTooLong));
        assert_eq!(Name::parse("a..b.", None), Err(NameError::EmptyLabel));
        assert_eq!(Name::parse("a\\256.", None), Err(NameError::BadEscape));
    }

    #[test]
    fn case_insensitive_equality_and_subdomains() {
        assert_eq!(name("WWW.Example.COM."), name("www.example.com."));
        assert!(name("www.example.com.").is_subdomain_of(&name("EXAMPLE.com.")));
        assert!(!name("www.xexample.com.").is_subdomain_of(&name("example.com.")));
        assert!(name("a.").is_subdomain_of(&Name::root()));
    }

    #[test]
    fn canonical_order_matches_rfc4034() {
        let ordered = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        let names: Vec<Name> = ordered.iter().map(|t| name(t)).collect();
        for pair in names.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn suffix_replacement() {
        let n = name("a.b.example.com.");
        let r = n
            .replace_suffix(&name("example.com."), &name("example.net."))
            .expect("fits");
        assert_eq!(r, name("a.b.example.net."));
        assert_eq!(n.suffix(2), name("example.com."));
        assert_eq!(n.parent(), Some(name("b.example.com.")));
    }
}
