//! ROUTE-REFRESH (RFC 2918 §3) with the enhanced route refresh subtypes (RFC 7313 §3.2).
//!
//! ```text
//!  0       7      15      23      31
//! +-------+-------+-------+-------+
//! |      AFI      | Subtype | SAFI |
//! +-------+-------+-------+-------+
//! ```
//!
//! RFC 2918 calls the third octet Reserved; RFC 7313 makes it the message subtype.

use super::error::RouteRefreshError;
use super::reader::Reader;
use crate::family::{AddressFamily, Afi, Safi};

/// A ROUTE-REFRESH message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteRefresh {
    /// The family to refresh.
    pub family: AddressFamily,
    /// Normal request, or the start or end of an enhanced refresh.
    pub subtype: RouteRefreshSubtype,
}

/// The ROUTE-REFRESH message subtype (RFC 7313 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteRefreshSubtype {
    /// 0: a request (RFC 2918).
    Request,
    /// 1: Beginning of Route Refresh (BoRR).
    BeginningOfRefresh,
    /// 2: End of Route Refresh (EoRR).
    EndOfRefresh,
    /// Another value (255 is reserved); RFC 7313 §5 says to ignore such messages.
    Unknown(u8),
}

/// The ROUTE-REFRESH body length (RFC 7313 §5).
pub const ROUTE_REFRESH_BODY_LENGTH: usize = 4;

impl RouteRefreshSubtype {
    /// The subtype for a wire value.
    pub fn from_u8(value: u8) -> Self {
        match value {
            0 => RouteRefreshSubtype::Request,
            1 => RouteRefreshSubtype::BeginningOfRefresh,
            2 => RouteRefreshSubtype::EndOfRefresh,
            other => RouteRefreshSubtype::Unknown(other),
        }
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            RouteRefreshSubtype::Request => 0,
            RouteRefreshSubtype::BeginningOfRefresh => 1,
            RouteRefreshSubtype::EndOfRefresh => 2,
            RouteRefreshSubtype::Unknown(other) => other,
        }
    }
}

impl RouteRefresh {
    /// A plain refresh request for `family`.
    pub fn request(family: AddressFamily) -> Self {
        RouteRefresh {
            family,
            subtype: RouteRefreshSubtype::Request,
        }
    }

    /// Decodes a body, which must be exactly 4 bytes (RFC 7313 §5).
    pub fn decode(body: &[u8]) -> Result<RouteRefresh, RouteRefreshError> {
        let invalid = RouteRefreshError::InvalidLength(body.len());
        if body.len() != ROUTE_REFRESH_BODY_LENGTH {
            return Err(invalid);
        }
        let mut reader = Reader::new(body);
        let afi = reader.u16().ok_or(invalid)?;
        let subtype = reader.u8().ok_or(invalid)?;
        let safi = reader.u8().ok_or(invalid)?;
        Ok(RouteRefresh {
            family: AddressFamily::new(Afi(afi), Safi(safi)),
            subtype: RouteRefreshSubtype::from_u8(subtype),
        })
    }

    /// Appends the body.
    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.family.afi.0.to_be_bytes());
        out.extend_from_slice(&[self.subtype.to_u8(), self.family.safi.0]);
    }
}
