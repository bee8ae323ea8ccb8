//! [`FibError`]: why a FIB operation failed, with the kernel's errno mapped to the cases the speaker acts
//! on; [`ConfigError`] for a rejected [`crate::FibConfig`]; [`RouteFailure`] for one route of a batch.

use globe_bgp::Prefix;
use nix::errno::Errno;
use std::fmt;
use std::io;
use std::net::IpAddr;

/// Why a FIB operation failed.
///
/// Per-route errors ([`FibError::is_per_route`]) leave the table and the connection usable: a batch
/// reports them in [`RouteFailure`]s and goes on. The others end the operation; after
/// [`FibError::Overrun`] or [`FibError::Io`] the kernel may hold some of the batch, and the caller should
/// reconcile against [`crate::Fib::routes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FibError {
    /// The configuration given to [`crate::Fib::open`] was rejected.
    Config(ConfigError),
    /// [`crate::Fib::open`] was called outside a tokio runtime.
    NoRuntime,
    /// A route was given no next hops.
    NoNextHops,
    /// A route was given more than [`crate::MAX_NEXT_HOPS`] next hops.
    TooManyNextHops {
        /// How many were given.
        count: usize,
    },
    /// A next hop's address family differs from the prefix's (IPv4 routes via IPv6 next hops, RFC 5549,
    /// are not supported).
    FamilyMismatch {
        /// The offending gateway.
        gateway: IpAddr,
    },
    /// The kernel refused for lack of privilege (`EPERM`, `EACCES`): the process needs `CAP_NET_ADMIN`.
    Permission,
    /// No connected route covers a gateway (`ENETUNREACH` for IPv4, `EHOSTUNREACH` for IPv6).
    Unreachable,
    /// A next hop names an interface index that does not exist (`ENODEV`; IPv6 only: IPv4 looks the
    /// gateway up through the missing interface and answers [`FibError::Unreachable`]).
    NoSuchInterface,
    /// The route to remove is not in the table, or not with globe's protocol (`ESRCH`).
    NotFound,
    /// The kernel found the request malformed (`EINVAL`).
    Invalid,
    /// Any other errno the kernel answered with.
    Netlink {
        /// The positive errno value.
        errno: i32,
    },
    /// The socket's receive buffer overflowed (`ENOBUFS`) and replies were lost.
    Overrun,
    /// Sending or receiving on the netlink socket failed, or the connection task has gone.
    Io(io::ErrorKind),
    /// A reply from the kernel could not be decoded.
    Decode,
}

/// Why a [`crate::FibConfig`] was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Protocols 0 to 4 (unspec, redirect, kernel, boot, static) belong to the kernel and the
    /// administrator; flushing by one of them would delete routes that are not globe's.
    ReservedProtocol(u8),
    /// Table 0 is `RT_TABLE_UNSPEC`, not a table.
    UnspecifiedTable,
}

/// One route of a batch that the kernel refused, or that could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteFailure {
    /// The route's prefix.
    pub prefix: Prefix,
    /// Why it failed; always a per-route error ([`FibError::is_per_route`]).
    pub error: FibError,
}

impl FibError {
    /// Maps a positive errno from a netlink NACK.
    pub fn from_errno(errno: i32) -> FibError {
        match Errno::from_raw(errno) {
            Errno::EPERM | Errno::EACCES => FibError::Permission,
            Errno::ENETUNREACH | Errno::EHOSTUNREACH => FibError::Unreachable,
            Errno::ENODEV => FibError::NoSuchInterface,
            Errno::ESRCH => FibError::NotFound,
            Errno::EINVAL => FibError::Invalid,
            Errno::ENOBUFS => FibError::Overrun,
            _ => FibError::Netlink { errno },
        }
    }

    /// True for an error about one route that leaves the connection usable; false for one that ends a
    /// batch (permission, overrun, I/O, decoding, configuration).
    pub fn is_per_route(&self) -> bool {
        match self {
            FibError::NoNextHops
            | FibError::TooManyNextHops { .. }
            | FibError::FamilyMismatch { .. }
            | FibError::Unreachable
            | FibError::NoSuchInterface
            | FibError::NotFound
            | FibError::Invalid
            | FibError::Netlink { .. } => true,
            FibError::Config(_)
            | FibError::NoRuntime
            | FibError::Permission
            | FibError::Overrun
            | FibError::Io(_)
            | FibError::Decode => false,
        }
    }
}

impl From<io::Error> for FibError {
    fn from(error: io::Error) -> FibError {
        match error.raw_os_error() {
            Some(errno) if errno == Errno::ENOBUFS as i32 => FibError::Overrun,
            Some(errno) if errno == Errno::EPERM as i32 || errno == Errno::EACCES as i32 => {
                FibError::Permission
            }
            _ => FibError::Io(error.kind()),
        }
    }
}

impl From<ConfigError> for FibError {
    fn from(error: ConfigError) -> FibError {
        FibError::Config(error)
    }
}

impl fmt::Display for FibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FibError::Config(error) => write!(f, "invalid FIB configuration: {error}"),
            FibError::NoRuntime => f.write_str("the FIB needs a tokio runtime"),
            FibError::NoNextHops => f.write_str("route has no next hops"),
            FibError::TooManyNextHops { count } => write!(
                f,
                "route has {count} next hops, more than {}",
                crate::MAX_NEXT_HOPS
            ),
            FibError::FamilyMismatch { gateway } => {
                write!(
                    f,
                    "next hop {gateway} is not of the prefix's address family"
                )
            }
            FibError::Permission => f.write_str("permission denied (CAP_NET_ADMIN needed)"),
            FibError::Unreachable => {
                f.write_str("next hop unreachable: no connected route covers it")
            }
            FibError::NoSuchInterface => f.write_str("no such interface"),
            FibError::NotFound => f.write_str("no such route with globe's protocol"),
            FibError::Invalid => f.write_str("kernel rejected the route as invalid (EINVAL)"),
            FibError::Netlink { errno } => {
                write!(f, "kernel answered {}", Errno::from_raw(*errno))
            }
            FibError::Overrun => f.write_str("netlink receive buffer overrun; replies lost"),
            FibError::Io(kind) => write!(f, "netlink socket: {kind}"),
            FibError::Decode => f.write_str("undecodable netlink reply"),
        }
    }
}

impl std::error::Error for FibError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ReservedProtocol(protocol) => write!(
                f,
                "route protocol {protocol} is reserved (0-4: unspec, redirect, kernel, boot, static)"
            ),
            ConfigError::UnspecifiedTable => f.write_str("table 0 (RT_TABLE_UNSPEC) is not a table"),
        }
    }
}

impl fmt::Display for RouteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.prefix, self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_mapping() {
        assert_eq!(FibError::from_errno(101), FibError::Unreachable); // ENETUNREACH
        assert_eq!(FibError::from_errno(113), FibError::Unreachable); // EHOSTUNREACH
        assert_eq!(FibError::from_errno(1), FibError::Permission);
        assert_eq!(FibError::from_errno(3), FibError::NotFound);
        assert_eq!(FibError::from_errno(17), FibError::Netlink { errno: 17 });
        assert!(FibError::NotFound.is_per_route());
        assert!(!FibError::Overrun.is_per_route());
    }
}
