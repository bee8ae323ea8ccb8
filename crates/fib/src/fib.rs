//! [`Fib`]: the handle the BGP speaker holds on the kernel's forwarding table, with its configuration
//! ([`FibConfig`]) and the route shapes it takes and gives ([`Route`], [`NextHop`]).

use crate::error::{ConfigError, FibError, RouteFailure};
use crate::message::{self, DumpedRoute};
use crate::writer::{Operation, Writer};
use futures_util::StreamExt;
use globe_bgp::Prefix;
use netlink_packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE, NLM_F_REQUEST,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use std::net::IpAddr;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// globe's route protocol number (`rtm_protocol`), shown by `ip route` as `proto 199`.
///
/// Chosen free of every list on this system: the kernel's `RTPROT_*` (0–18, 42 babel, 99 openr, 186–192),
/// iproute2's `/etc/iproute2/rt_protos`, and FRR's `rt_protos.d/frr.conf` (186–197, and 198 `srte` in
/// newer FRR). Add `199 globe` to `/etc/iproute2/rt_protos.d/globe.conf` to see it by name.
pub const GLOBE_PROTOCOL: u8 = 199;

/// Next hops per route at most. `RTA_MULTIPATH`'s 16-bit length bounds it near 2,300 IPv6 next hops; 256
/// is far past any ECMP fan-out in use and keeps one route message under 8 KiB.
pub const MAX_NEXT_HOPS: usize = 256;

/// Which routes are globe's and where they go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FibConfig {
    /// Route protocol number written on every route and used to find them again; [`GLOBE_PROTOCOL`]
    /// unless two globe instances share a table. 0–4 are refused.
    pub protocol: u8,
    /// Routing table: [`FibConfig::MAIN_TABLE`] (254) or any other but 0.
    pub table: u32,
    /// Route metric (`RTA_PRIORITY`); `None` leaves the kernel default (0 for IPv4, 1024 for IPv6).
    ///
    /// The kernel keys a route by (table, prefix, metric), not by protocol: replacing a prefix that an
    /// administrator installed with the same metric replaces the administrator's route. A metric of its
    /// own keeps globe's routes beside others.
    pub metric: Option<u32>,
}

/// A next hop: the gateway, and optionally the interface it is reached through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NextHop {
    /// The gateway address, of the prefix's family, covered by a connected route unless `interface` is
    /// given with a link-local IPv6 gateway.
    pub gateway: IpAddr,
    /// Interface index (`RTA_OIF`); `None` lets the kernel find it from the gateway.
    pub interface: Option<u32>,
}

/// A route: a prefix and its next hops (two or more make an ECMP route).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination.
    pub prefix: Prefix,
    /// The next hops, in the kernel's order when read back.
    pub next_hops: Vec<NextHop>,
}

/// An open rtnetlink connection to the calling thread's network namespace, writing and reading routes of
/// one protocol in one table.
///
/// Open it on the thread (and so in the namespace) whose FIB it should change, inside a tokio runtime;
/// the sockets stay in that namespace afterwards. Methods take `&self` and can be called from several
/// tasks: writes are serialised on one socket, reads use rtnetlink's connection task, which is stopped
/// when the `Fib` is dropped. Dropping it leaves the routes in place; call [`Fib::flush`] on exit.
pub struct Fib {
    config: FibConfig,
    handle: rtnetlink::Handle,
    connection: JoinHandle<()>,
    writer: Mutex<Writer>,
}

impl FibConfig {
    /// The main routing table, `RT_TABLE_MAIN`.
    pub const MAIN_TABLE: u32 = 254;

    /// Checks the protocol and table (see [`ConfigError`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.protocol <= 4 {
            return Err(ConfigError::ReservedProtocol(self.protocol));
        }
        if self.table == 0 {
            return Err(ConfigError::UnspecifiedTable);
        }
        Ok(())
    }
}

impl Default for FibConfig {
    /// [`GLOBE_PROTOCOL`] in the main table, kernel default metric.
    fn default() -> FibConfig {
        FibConfig {
            protocol: GLOBE_PROTOCOL,
            table: FibConfig::MAIN_TABLE,
            metric: None,
        }
    }
}

impl Fib {
    /// Validates `config` and opens two netlink sockets in the calling thread's network namespace: one
    /// for batched writes, one (rtnetlink's connection task, spawned here) for dumps.
    pub fn open(config: FibConfig) -> Result<Fib, FibError> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| FibError::NoRuntime)?;
        let writer = Writer::open()?;
        // Strict checking lets the kernel filter dumps by table and protocol (Linux 4.20+); older
        // kernels refuse the option, and message::parse_route filters anyway.
        let (connection, handle, _) = match rtnetlink::new_connection_with_strict_check() {
            Ok(parts) => parts,
            Err(_) => rtnetlink::new_connection()?,
        };
        let connection = runtime.spawn(connection);
        Ok(Fib {
            config,
            handle,
            connection,
            writer: Mutex::new(writer),
        })
    }

    /// The configuration this FIB was opened with.
    pub fn config(&self) -> &FibConfig {
        &self.config
    }

    /// Installs `prefix` via `next_hops`, replacing any route of the same table, prefix and metric
    /// (`NLM_F_CREATE | NLM_F_REPLACE`). Two or more next hops make an ECMP route (`RTA_MULTIPATH`).
    pub async fn replace(&self, prefix: Prefix, next_hops: &[NextHop]) -> Result<(), FibError> {
        let operation = self.replace_operation(prefix, next_hops);
        first_failure(self.writer.lock().await.apply([operation]).await?)
    }

    /// Installs or replaces many routes, pipelined ([`crate::BATCH_ROUTES`] to a netlink datagram), and
    /// returns those that failed. Stops early only on an error that is not about one route
    /// ([`FibError::is_per_route`]).
    pub async fn replace_many(&self, routes: &[Route]) -> Result<Vec<RouteFailure>, FibError> {
        let operations = routes
            .iter()
            .map(|route| self.replace_operation(route.prefix, &route.next_hops));
        self.writer.lock().await.apply(operations).await
    }

    /// Removes globe's route for `prefix` (whatever its next hops). [`FibError::NotFound`] when there is
    /// none with globe's protocol, table and metric.
    pub async fn remove(&self, prefix: Prefix) -> Result<(), FibError> {
        let operation = self.remove_operation(prefix, self.config.metric);
        first_failure(self.writer.lock().await.apply([operation]).await?)
    }

    /// Removes many routes, pipelined like [`Fib::replace_many`], and returns those that failed.
    pub async fn remove_many(&self, prefixes: &[Prefix]) -> Result<Vec<RouteFailure>, FibError> {
        let metric = self.config.metric;
        let operations = prefixes
            .iter()
            .map(|&prefix| self.remove_operation(prefix, metric));
        self.writer.lock().await.apply(operations).await
    }

    /// Every unicast route in the table with globe's protocol, IPv4 then IPv6, as the kernel holds them.
    pub async fn routes(&self) -> Result<Vec<Route>, FibError> {
        Ok(self
            .dump()
            .await?
            .into_iter()
            .filter(|dumped| dumped.unicast)
            .map(|dumped| dumped.route)
            .collect())
    }

    /// Removes every route in the table with globe's protocol, whatever its metric or type, and returns
    /// how many were removed. For start-up after a crash and for exit.
    pub async fn flush(&self) -> Result<usize, FibError> {
        let dumped = self.dump().await?;
        let count = dumped.len();
        let operations = dumped
            .into_iter()
            .map(|dumped| self.remove_operation(dumped.route.prefix, dumped.metric));
        let failures = self.writer.lock().await.apply(operations).await?;
        let mut removed = count;
        for failure in failures {
            // Gone already: an IPv6 ECMP route some kernels dump once per next hop, or a concurrent
            // remove.
            if failure.error != FibError::NotFound {
                return Err(failure.error);
            }
            removed -= 1;
        }
        Ok(removed)
    }

    fn replace_operation(&self, prefix: Prefix, next_hops: &[NextHop]) -> Operation {
        Operation {
            prefix,
            message: message::replace_message(&self.config, prefix, next_hops)
                .map(RouteNetlinkMessage::NewRoute),
            flags: NLM_F_CREATE | NLM_F_REPLACE,
        }
    }

    fn remove_operation(&self, prefix: Prefix, metric: Option<u32>) -> Operation {
        Operation {
            prefix,
            message: Ok(RouteNetlinkMessage::DelRoute(message::delete_message(
                &self.config,
                prefix,
                metric,
            ))),
            flags: 0,
        }
    }

    /// Every route of globe's protocol and table, of any type.
    async fn dump(&self) -> Result<Vec<DumpedRoute>, FibError> {
        let mut routes = Vec::new();
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let request = message::dump_message(&self.config, family);
            let mut request = NetlinkMessage::from(RouteNetlinkMessage::GetRoute(request));
            request.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
            let mut replies = self
                .handle
                .clone()
                .request(request)
                .map_err(|_| FibError::Io(std::io::ErrorKind::BrokenPipe))?;
            while let Some(reply) = replies.next().await {
                match reply.payload {
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(route)) => {
                        routes.extend(message::parse_route(&self.config, &route));
                    }
                    NetlinkPayload::Error(error) => {
                        if let Some(code) = error.code {
                            return Err(FibError::from_errno(code.get().wrapping_neg()));
                        }
                    }
                    NetlinkPayload::Overrun(_) => return Err(FibError::Overrun),
                    _ => {}
                }
            }
        }
        Ok(routes)
    }
}

impl Drop for Fib {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

/// The single operation's outcome.
fn first_failure(failures: Vec<RouteFailure>) -> Result<(), FibError> {
    match failures.into_iter().next() {
        Some(failure) => Err(failure.error),
        None => Ok(()),
    }
}
