//! AS_PATH and AS4_PATH values (RFC 4271 §4.3, RFC 5065 §3 confederation segments, RFC 6793 §4.2.3
//! reconstruction of the true path from a 2-octet speaker).
//!
//! ```text
//! Path segment (repeated):
//! +-----------------+-----------------+-----------------------------------------+
//! | Segment type    | Segment length  | AS numbers (length × 2 or 4 octets)     |
//! | (1 octet)       | (1 octet, ASes) |                                         |
//! +-----------------+-----------------+-----------------------------------------+
//! types: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET
//! ```

use super::attribute::Aggregator;
use super::reader::Reader;
use std::fmt;

/// AS_TRANS, the 2-octet stand-in for an AS number above 65535 (RFC 6793 §9).
pub const AS_TRANS: u32 = 23456;

/// An AS path: segments in order, the first nearest the receiver.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AsPath {
    /// The segments.
    pub segments: Vec<AsPathSegment>,
}

/// One path segment.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AsPathSegment {
    /// The segment type.
    pub kind: SegmentType,
    /// The AS numbers, at most 255 (the length octet).
    pub asns: Vec<u32>,
}

/// Path segment types (RFC 4271 §4.3, RFC 5065 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentType {
    /// 1: unordered set, from aggregation.
    Set,
    /// 2: ordered sequence.
    Sequence,
    /// 3: ordered sequence of member ASes inside a confederation.
    ConfedSequence,
    /// 4: unordered set of member ASes inside a confederation.
    ConfedSet,
}

/// Why an AS path value is malformed (RFC 7606 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MalformedAsPath;

impl SegmentType {
    /// The type for a wire value.
    pub fn from_u8(value: u8) -> Option<SegmentType> {
        Some(match value {
            1 => SegmentType::Set,
            2 => SegmentType::Sequence,
            3 => SegmentType::ConfedSequence,
            4 => SegmentType::ConfedSet,
            _ => return None,
        })
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            SegmentType::Set => 1,
            SegmentType::Sequence => 2,
            SegmentType::ConfedSequence => 3,
            SegmentType::ConfedSet => 4,
        }
    }

    /// True for the confederation segment types.
    pub fn is_confed(self) -> bool {
        matches!(self, SegmentType::ConfedSequence | SegmentType::ConfedSet)
    }
}

impl AsPath {
    /// A path of one AS_SEQUENCE (empty when `asns` is).
    pub fn from_sequence(asns: Vec<u32>) -> AsPath {
        if asns.is_empty() {
            return AsPath::default();
        }
        AsPath {
            segments: vec![AsPathSegment {
                kind: SegmentType::Sequence,
                asns,
            }],
        }
    }

    /// The path length for route selection (RFC 4271 §9.1.2.2 (a), RFC 5065 §5.3): each AS in a
    /// sequence counts one, a set counts one, confederation segments count zero.
    pub fn path_length(&self) -> usize {
        self.segments
            .iter()
            .map(|segment| match segment.kind {
                SegmentType::Sequence => segment.asns.len(),
                SegmentType::Set => 1,
                SegmentType::ConfedSequence | SegmentType::ConfedSet => 0,
            })
            .sum()
    }

    /// The neighbouring AS: the first AS of a leading AS_SEQUENCE.
    pub fn first_asn(&self) -> Option<u32> {
        let first = self.segments.first()?;
        (first.kind == SegmentType::Sequence).then(|| first.asns.first().copied())?
    }

    /// The originating AS: the last AS of a trailing AS_SEQUENCE.
    pub fn origin_asn(&self) -> Option<u32> {
        let last = self.segments.last()?;
        (last.kind == SegmentType::Sequence).then(|| last.asns.last().copied())?
    }

    /// True if `asn` appears anywhere in the path (loop detection, RFC 4271 §9.1.2).
    pub fn contains(&self, asn: u32) -> bool {
        self.segments
            .iter()
            .any(|segment| segment.asns.contains(&asn))
    }

    /// Decodes a value with AS numbers of `asn_size` octets.
    pub(crate) fn decode(value: &[u8], asn_size: usize) -> Result<AsPath, MalformedAsPath> {
        let mut reader = Reader::new(value);
        let mut segments = Vec::with_capacity(1);
        while !reader.is_empty() {
            let kind = reader
                .u8()
                .and_then(SegmentType::from_u8)
                .ok_or(MalformedAsPath)?;
            let count = reader.u8().ok_or(MalformedAsPath)?;
            if count == 0 {
                return Err(MalformedAsPath);
            }
            let raw = reader
                .bytes(usize::from(count) * asn_size)
                .ok_or(MalformedAsPath)?;
            let asns = if asn_size == 4 {
                raw.chunks_exact(4)
                    .map(|chunk| u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
                    .collect()
            } else {
                raw.chunks_exact(2)
                    .map(|chunk| u32::from(u16::from_be_bytes([chunk[0], chunk[1]])))
                    .collect()
            };
            segments.push(AsPathSegment { kind, asns });
        }
        Ok(AsPath { segments })
    }

    /// Appends the value with AS numbers of `asn_size` octets. With 2 octets an AS above 65535 is
    /// written as [`AS_TRANS`] (RFC 6793 §4.2.2; the speaker adds the AS4_PATH). Segments longer than
    /// 255 ASes are split.
    pub(crate) fn encode(&self, asn_size: usize, out: &mut Vec<u8>) {
        for segment in &self.segments {
            for chunk in segment.asns.chunks(255) {
                out.push(segment.kind.to_u8());
                out.push(chunk.len() as u8);
                for &asn in chunk {
                    if asn_size == 4 {
                        out.extend_from_slice(&asn.to_be_bytes());
                    } else {
                        let two = u16::try_from(asn).unwrap_or(AS_TRANS as u16);
                        out.extend_from_slice(&two.to_be_bytes());
                    }
                }
            }
        }
    }
}

/// Reconstructs the true AS path and aggregator of a route received from a 2-octet ("OLD") speaker
/// (RFC 6793 §4.2.3), from the AS_PATH, AS4_PATH, AGGREGATOR and AS4_AGGREGATOR it carried:
///
/// 1. If AGGREGATOR holds a real AS (not [`AS_TRANS`]), an OLD speaker aggregated after the AS4_*
///    attributes were made: both AS4_AGGREGATOR and AS4_PATH are ignored.
/// 2. Otherwise AS4_AGGREGATOR (if present) replaces AGGREGATOR.
/// 3. If the AS_PATH is shorter than the AS4_PATH (counted as for route selection, confederation
///    segments excluded), the AS4_PATH is ignored.
/// 4. Otherwise the path is the leading ASes of AS_PATH (as many as it has more than AS4_PATH, with
///    their segment types, and any confederation segments among them) followed by the AS4_PATH.
///    Confederation segments in an AS4_PATH are dropped (RFC 6793 §6 forbids them there).
pub fn reconstruct_as4_path(
    as_path: &AsPath,
    as4_path: Option<&AsPath>,
    aggregator: Option<&Aggregator>,
    as4_aggregator: Option<&Aggregator>,
) -> (AsPath, Option<Aggregator>) {
    if let Some(aggregator) = aggregator {
        if aggregator.asn != AS_TRANS {
            return (as_path.clone(), Some(*aggregator));
        }
    }
    let aggregator = as4_aggregator.or(aggregator).copied();
    let Some(as4_path) = as4_path else {
        return (as_path.clone(), aggregator);
    };
    let as4_segments: Vec<AsPathSegment> = as4_path
        .segments
        .iter()
        .filter(|segment| !segment.kind.is_confed())
        .cloned()
        .collect();
    let as4_path = AsPath {
        segments: as4_segments,
    };
    let old_length = as_path.path_length();
    let new_length = as4_path.path_length();
    if old_length < new_length {
        return (as_path.clone(), aggregator);
    }
    let mut keep = old_length - new_length;
    let mut segments = Vec::with_capacity(as_path.segments.len() + as4_path.segments.len());
    for segment in &as_path.segments {
        // Leading confederation segments are kept (they are never in AS4_PATH); past the first
        // counted segment they are kept only while ASes are still being taken.
        let leading = segments
            .iter()
            .all(|kept: &AsPathSegment| kept.kind.is_confed());
        match segment.kind {
            SegmentType::ConfedSequence | SegmentType::ConfedSet if leading || keep > 0 => {
                segments.push(segment.clone())
            }
            _ if keep == 0 => break,
            SegmentType::ConfedSequence | SegmentType::ConfedSet => segments.push(segment.clone()),
            SegmentType::Set => {
                segments.push(segment.clone());
                keep -= 1;
            }
            SegmentType::Sequence => {
                let take = keep.min(segment.asns.len());
                segments.push(AsPathSegment {
                    kind: SegmentType::Sequence,
                    asns: segment.asns.get(..take).unwrap_or_default().to_vec(),
                });
                keep -= take;
            }
        }
    }
    // Join a trailing partial sequence with a leading AS4 sequence, as one path would be written.
    let mut as4_segments = as4_path.segments.into_iter();
    if let (Some(last), Some(first)) = (segments.last_mut(), as4_segments.as_slice().first()) {
        if last.kind == SegmentType::Sequence && first.kind == SegmentType::Sequence {
            last.asns.extend_from_slice(&first.asns);
            as4_segments.next();
        }
    }
    segments.extend(as4_segments);
    (AsPath { segments }, aggregator)
}

impl fmt::Display for AsPath {
    /// The usual text form: sequences space-separated, sets in braces, confederation sequences in
    /// parentheses and confederation sets in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.segments.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            fmt::Display::fmt(segment, f)?;
        }
        Ok(())
    }
}

impl fmt::Display for AsPathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (open, separator, close) = match self.kind {
            SegmentType::Sequence => ("", " ", ""),
            SegmentType::Set => ("{", ",", "}"),
            SegmentType::ConfedSequence => ("(", " ", ")"),
            SegmentType::ConfedSet => ("[", ",", "]"),
        };
        f.write_str(open)?;
        for (index, asn) in self.asns.iter().enumerate() {
            if index > 0 {
                f.write_str(separator)?;
            }
            write!(f, "{asn}")?;
        }
        f.write_str(close)
    }
}

impl fmt::Debug for AsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AsPath({self})")
    }
}

impl fmt::Debug for AsPathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn path(segments: &[(SegmentType, &[u32])]) -> AsPath {
        AsPath {
            segments: segments
                .iter()
                .map(|(kind, asns)| AsPathSegment {
                    kind: *kind,
                    asns: asns.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn reconstruction_follows_rfc_6793() {
        use SegmentType::*;
        let old = path(&[(Sequence, &[701, 23456, 23456, 1239])]);
        let new = path(&[(Sequence, &[196608, 131072, 1239])]);
        let (merged, _) = reconstruct_as4_path(&old, Some(&new), None, None);
        assert_eq!(merged.to_string(), "701 196608 131072 1239");
        // AS4_PATH longer than AS_PATH: ignored.
        let longer = path(&[(Sequence, &[1, 2, 3, 4, 5])]);
        assert_eq!(reconstruct_as4_path(&old, Some(&longer), None, None).0, old);
        // A real AS in AGGREGATOR: AS4_* ignored.
        let aggregator = Aggregator {
            asn: 65001,
            address: Ipv4Addr::new(192, 0, 2, 1),
        };
        let as4_aggregator = Aggregator {
            asn: 4200000000,
            address: Ipv4Addr::new(192, 0, 2, 2),
        };
        let (kept, chosen) =
            reconstruct_as4_path(&old, Some(&new), Some(&aggregator), Some(&as4_aggregator));
        assert_eq!((kept, chosen), (old.clone(), Some(aggregator)));
        let trans = Aggregator {
            asn: AS_TRANS,
            ..aggregator
        };
        let (merged, chosen) =
            reconstruct_as4_path(&old, Some(&new), Some(&trans), Some(&as4_aggregator));
        assert_eq!(
            (merged.to_string(), chosen),
            ("701 196608 131072 1239".into(), Some(as4_aggregator))
        );
        // Confederation segments at the front of AS_PATH stay; a set counts one.
        let confed = path(&[
            (ConfedSequence, &[65001]),
            (Sequence, &[701, 23456]),
            (Set, &[23456, 7]),
        ]);
        let new = path(&[(Sequence, &[200000]), (Set, &[300000, 7])]);
        assert_eq!(
            reconstruct_as4_path(&confed, Some(&new), None, None)
                .0
                .to_string(),
            "(65001) 701 200000 {300000,7}"
        );
    }

    #[test]
    fn decode_rejects_rfc_7606_malformations() {
        assert_eq!(AsPath::decode(&[2, 0], 2), Err(MalformedAsPath));
        assert_eq!(AsPath::decode(&[5, 1, 0, 1], 2), Err(MalformedAsPath));
        assert_eq!(AsPath::decode(&[2, 2, 0, 1], 2), Err(MalformedAsPath));
        assert_eq!(AsPath::decode(&[2, 1, 0, 1, 2], 2), Err(MalformedAsPath));
        let path = AsPath::decode(&[2, 2, 0, 1, 0, 2, 1, 1, 0, 3], 2).expect("valid");
        assert_eq!(
            (path.to_string().as_str(), path.path_length()),
            ("1 2 {3}", 3)
        );
        assert_eq!((path.first_asn(), path.origin_asn()), (Some(1), None));
    }
}
