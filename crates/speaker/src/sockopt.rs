//! The two socket options no safe binding offers: TCP-MD5 signatures (RFC 2385, Linux `TCP_MD5SIG`)
//! and the minimum TTL / hop count of GTSM (RFC 5082, `IP_MINTTL`, `IPV6_MINHOPCOUNT`). Neither nix 0.29
//! nor socket2 0.5 exposes them, so this one module calls `libc::setsockopt` directly; it is the only
//! place in the workspace allowed `unsafe` (every other crate root forbids it).
//!
//! The outgoing TTL of 255 that GTSM also needs is set through socket2 by the caller.
#![allow(unsafe_code)]

use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

/// The longest TCP-MD5 key Linux accepts (`TCP_MD5SIG_MAXKEYLEN`).
pub const MD5_MAX_KEY_LENGTH: usize = 80;
/// The lowest TTL (hop limit) GTSM accepts (RFC 5082 §3): the peer sends 255, so 254 allows one
/// router between the two speakers and rejects anything from further away.
pub const GTSM_MIN_TTL: u8 = 254;

/// `struct tcp_md5sig` from `<linux/tcp.h>`:
///
/// ```text
/// struct tcp_md5sig {
///     struct __kernel_sockaddr_storage tcpm_addr;  // 128 bytes
///     __u8  tcpm_flags;
///     __u8  tcpm_prefixlen;
///     __u16 tcpm_keylen;
///     int   tcpm_ifindex;
///     __u8  tcpm_key[80];
/// };
/// ```
#[repr(C)]
struct TcpMd5Sig {
    address: libc::sockaddr_storage,
    flags: u8,
    prefix_length: u8,
    key_length: u16,
    interface_index: libc::c_int,
    key: [u8; MD5_MAX_KEY_LENGTH],
}

/// Installs (or, with an empty key, removes) the TCP-MD5 key for connections with `peer` on `socket`.
/// On a listening socket the key applies to the connections it accepts. `socket_is_ipv6` says which
/// family the socket is: an IPv6 socket takes an IPv4 peer in its IPv4-mapped form.
pub fn set_tcp_md5(
    socket: &impl AsRawFd,
    socket_is_ipv6: bool,
    peer: IpAddr,
    key: &[u8],
) -> io::Result<()> {
    if key.len() > MD5_MAX_KEY_LENGTH {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "TCP-MD5 key longer than 80 bytes",
        ));
    }
    // SAFETY: `sockaddr_storage` and `TcpMd5Sig` are plain C structs of integers and byte arrays, for
    // which all-zero bytes are a valid value.
    let mut request: TcpMd5Sig = unsafe { std::mem::zeroed() };
    let peer = match (peer, socket_is_ipv6) {
        (IpAddr::V4(v4), true) => IpAddr::V6(v4.to_ipv6_mapped()),
        (address, _) => address,
    };
    match peer {
        IpAddr::V4(v4) => {
            let address = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: `sockaddr_storage` is larger than and suitably aligned for `sockaddr_in`
            // (that is its purpose); we write one `sockaddr_in` at its start.
            unsafe {
                std::ptr::write(
                    (&mut request.address as *mut libc::sockaddr_storage)
                        .cast::<libc::sockaddr_in>(),
                    address,
                );
            }
        }
        IpAddr::V6(v6) => {
            let address = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: 0,
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.octets(),
                },
                sin6_scope_id: 0,
            };
            // SAFETY: as above, for `sockaddr_in6`, which also fits `sockaddr_storage`.
            unsafe {
                std::ptr::write(
                    (&mut request.address as *mut libc::sockaddr_storage)
                        .cast::<libc::sockaddr_in6>(),
                    address,
                );
            }
        }
    }
    request.key_length = key.len() as u16;
    request.key[..key.len()].copy_from_slice(key);
    setsockopt(
        socket,
        libc::IPPROTO_TCP,
        libc::TCP_MD5SIG,
        &request,
        "TCP_MD5SIG",
    )
}

/// GTSM receive side (RFC 5082 §3): drop packets that arrive with a TTL (IPv4) or hop limit (IPv6)
/// below `minimum`.
pub fn set_min_ttl(socket: &impl AsRawFd, ipv6: bool, minimum: u8) -> io::Result<()> {
    let value = libc::c_int::from(minimum);
    if ipv6 {
        setsockopt(
            socket,
            libc::IPPROTO_IPV6,
            libc::IPV6_MINHOPCOUNT,
            &value,
            "IPV6_MINHOPCOUNT",
        )
    } else {
        setsockopt(
            socket,
            libc::IPPROTO_IP,
            libc::IP_MINTTL,
            &value,
            "IP_MINTTL",
        )
    }
}

/// `setsockopt(2)` with a value of type `T`, which must be the C type the option expects.
fn setsockopt<T>(
    socket: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
    what: &str,
) -> io::Result<()> {
    let length = std::mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: the file descriptor is open for the duration of the call (borrowed from `socket`), the
    // pointer is to a live `T` of `length` bytes that the kernel only reads, and each caller passes the
    // C type the option documents (`struct tcp_md5sig` for TCP_MD5SIG, `int` for the TTL options).
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (value as *const T).cast::<libc::c_void>(),
            length,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        let error = io::Error::last_os_error();
        Err(io::Error::new(error.kind(), format!("{what}: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_has_the_kernel_layout() {
        assert_eq!(std::mem::size_of::<TcpMd5Sig>(), 216);
    }

    #[test]
    fn options_apply_to_tcp_sockets() {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        set_tcp_md5(&v4, false, "127.0.0.2".parse().expect("address"), b"secret").expect("md5");
        set_min_ttl(&v4, false, GTSM_MIN_TTL).expect("minttl");
        set_tcp_md5(&v4, false, "127.0.0.2".parse().expect("address"), &[0; 81])
            .expect_err("long key");
        if let Ok(v6) = std::net::TcpListener::bind("[::1]:0") {
            set_tcp_md5(&v6, true, "127.0.0.2".parse().expect("address"), b"k").expect("mapped");
            set_tcp_md5(&v6, true, "::2".parse().expect("address"), b"k").expect("md5 v6");
            set_min_ttl(&v6, true, GTSM_MIN_TTL).expect("minhopcount");
        }
    }
}
