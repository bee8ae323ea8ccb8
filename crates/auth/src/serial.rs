//! SOA serial numbers and their arithmetic (RFC 1982): serials wrap around at 2^32, so "newer" means
//! "less than half the circle ahead", and two serials exactly half a circle apart are not ordered.

use std::cmp::Ordering;

/// Half of the serial space (RFC 1982 §3.2: 2^(SERIAL_BITS - 1)).
const HALF: u32 = 1 << 31;

/// An SOA serial, ordered by RFC 1982 §3.2 serial number arithmetic (a partial order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Serial(pub u32);

impl Serial {
    /// Whether `self` is a later version than `other` (RFC 1982 §3.2 `s1 > s2`).
    pub fn is_newer_than(self, other: Serial) -> bool {
        self.partial_cmp(&other) == Some(Ordering::Greater)
    }
}

impl PartialOrd for Serial {
    /// `None` for two serials exactly 2^31 apart, whose order RFC 1982 leaves undefined.
    fn partial_cmp(&self, other: &Serial) -> Option<Ordering> {
        let (a, b) = (self.0, other.0);
        if a == b {
            Some(Ordering::Equal)
        } else if (a < b && b - a < HALF) || (a > b && a - b > HALF) {
            Some(Ordering::Less)
        } else if (a < b && b - a > HALF) || (a > b && a - b < HALF) {
            Some(Ordering::Greater)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_wraps_around() {
        assert!(Serial(2).is_newer_than(Serial(1)));
        assert!(!Serial(1).is_newer_than(Serial(2)));
        assert!(!Serial(7).is_newer_than(Serial(7)));
        // RFC 1982 §5.2: after 4294967295 comes 0, and 0 is newer.
        assert!(Serial(0).is_newer_than(Serial(u32::MAX)));
        assert!(Serial(100).is_newer_than(Serial(u32::MAX - 100)));
        assert!(!Serial(u32::MAX).is_newer_than(Serial(0)));
    }

    #[test]
    fn half_circle_apart_is_unordered() {
        assert_eq!(Serial(0).partial_cmp(&Serial(HALF)), None);
        assert!(!Serial(0).is_newer_than(Serial(HALF)));
        assert!(!Serial(HALF).is_newer_than(Serial(0)));
        assert!(Serial(HALF - 1).is_newer_than(Serial(0)));
    }
}
