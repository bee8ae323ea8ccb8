//! MRT output (RFC 6396) through `globe_bgp::mrt::MrtWriter`: a periodic `TABLE_DUMP_V2` snapshot of
//! every route held (written to a temporary file and renamed, so readers never see half a dump), and a
//! `BGP4MP_MESSAGE_AS4` log of every UPDATE received, appended as it arrives. Both are readable by
//! `bgpdump -m`.

use crate::config::MrtConfig;
use globe_bgp::mrt::writer::RibRoute;
use globe_bgp::mrt::{Bgp4mpPeer, MrtWriter, Peer, PeerIndexTable};
use globe_bgp::rib::{PeerId, Route};
use globe_bgp::wire::{AttributeFlags, AttributeValue, MpNlri, MpReach, NextHop, PathAttribute};
use globe_bgp::wire::{Message, Update};
use globe_bgp::{AddressFamily, Prefix};
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// The update log is flushed when this much is buffered (and once a second).
const UPDATE_BUFFER: usize = 1 << 16;

/// The MRT files of one speaker; does nothing when none is configured.
#[derive(Debug, Default)]
pub(crate) struct MrtLog {
    rib_dump: Option<PathBuf>,
    interval: Option<Duration>,
    updates: Option<(PathBuf, Vec<u8>)>,
    /// Per neighbour index: the peering, for BGP4MP records.
    peers: HashMap<usize, Bgp4mpPeer>,
    local_as: u32,
}

impl MrtLog {
    /// The files `config` names; `local_as` goes into every record.
    pub(crate) fn new(config: Option<&MrtConfig>, local_as: u32) -> Self {
        let Some(config) = config else {
            return MrtLog::default();
        };
        MrtLog {
            rib_dump: config.rib_dump.clone(),
            interval: config
                .rib_dump
                .as_ref()
                .map(|_| Duration::from_secs(config.rib_interval_seconds.max(1))),
            updates: config.updates.clone().map(|path| (path, Vec::new())),
            peers: HashMap::new(),
            local_as,
        }
    }

    /// How often to dump the RIB, when configured.
    pub(crate) fn dump_interval(&self) -> Option<Duration> {
        self.interval
    }

    /// A session came up.
    pub(crate) fn peer_up(
        &mut self,
        neighbor: usize,
        peer_address: IpAddr,
        local_address: IpAddr,
        peer_as: u32,
        _peer: PeerId,
    ) {
        let unmap = |address: IpAddr| match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            other => other,
        };
        self.peers.insert(
            neighbor,
            Bgp4mpPeer {
                peer_as,
                local_as: self.local_as,
                interface_index: 0,
                peer_address: unmap(peer_address),
                local_address: unmap(local_address),
            },
        );
    }

    /// A session went down.
    pub(crate) fn peer_down(&mut self, neighbor: usize) {
        self.peers.remove(&neighbor);
    }

    /// Logs a received UPDATE: its bytes as received on a 4-octet session, re-encoded with 4-octet AS
    /// numbers otherwise (BGP4MP_MESSAGE_AS4 carries 4-octet AS paths).
    pub(crate) fn update_received(
        &mut self,
        neighbor: usize,
        four_octet_asn: bool,
        raw: &[u8],
        update: &Update,
    ) {
        let Some((_, buffer)) = self.updates.as_mut() else {
            return;
        };
        let Some(peer) = self.peers.get(&neighbor) else {
            return;
        };
        let mut writer = MrtWriter::new();
        let timestamp = unix_time();
        let result = if four_octet_asn {
            writer.bgp4mp_message_as4(timestamp, peer, raw)
        } else {
            writer.bgp4mp_encode_as4(timestamp, peer, &Message::Update(update.clone()))
        };
        if result.is_ok() {
            buffer.extend_from_slice(writer.bytes());
        }
        if buffer.len() >= UPDATE_BUFFER {
            self.flush();
        }
    }

    /// Appends the buffered update records to the file.
    pub(crate) fn flush(&mut self) {
        let Some((path, buffer)) = self.updates.as_mut() else {
            return;
        };
        if buffer.is_empty() {
            return;
        }
        let result = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&*path)
            .and_then(|mut file| file.write_all(buffer));
        if let Err(error) = result {
            tracing::warn!(path = %path.display(), %error, "MRT update log not written");
        }
        buffer.clear();
    }

    /// Writes a TABLE_DUMP_V2 snapshot: the peer index table (ourselves first, for our own routes), then
    /// one RIB record per prefix with every peer's route.
    pub(crate) fn dump_rib(
        &mut self,
        router_id: Ipv4Addr,
        local_as: u32,
        peers: &[(PeerId, IpAddr, u32, Ipv4Addr)],
        routes: impl Iterator<Item = (Prefix, Vec<Route>)>,
    ) {
        let Some(path) = self.rib_dump.clone() else {
            return;
        };
        let timestamp = unix_time();
        let mut table = PeerIndexTable {
            collector_id: router_id,
            view_name: Vec::new(),
            peers: vec![Peer {
                bgp_id: router_id,
                address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                asn: local_as,
                four_octet_asn: true,
            }],
        };
        let mut index: HashMap<PeerId, u16> = HashMap::new();
        index.insert(PeerId::LOCAL, 0);
        for (peer, address, asn, bgp_id) in peers {
            let Ok(position) = u16::try_from(table.peers.len()) else {
                break;
            };
            index.insert(*peer, position);
            table.peers.push(Peer {
                bgp_id: *bgp_id,
                address: *address,
                asn: *asn,
                four_octet_asn: true,
            });
        }
        let mut writer = MrtWriter::new();
        if let Err(error) = writer.peer_index_table(timestamp, &table) {
            tracing::warn!(?error, "MRT peer index table not written");
            return;
        }
        let mut sequence = 0u32;
        for (prefix, routes) in routes {
            let attribute_lists: Vec<(u16, Vec<PathAttribute>)> = routes
                .iter()
                .filter_map(|route| {
                    let peer_index = *index.get(&route.peer)?;
                    let mut attributes = route.attributes.to_wire();
                    if !prefix.is_ipv4() {
                        if let Some(next_hop @ NextHop::Ipv6 { .. }) = &route.attributes.next_hop {
                            attributes.insert(
                                0,
                                PathAttribute {
                                    flags: AttributeFlags(AttributeFlags::OPTIONAL),
                                    value: AttributeValue::MpReach(MpReach {
                                        family: AddressFamily::IPV6_UNICAST,
                                        next_hop: next_hop.clone(),
                                        reserved: 0,
                                        nlri: MpNlri::Prefixes(Vec::new()),
                                        abbreviated: true,
                                    }),
                                },
                            );
                        }
                    }
                    Some((peer_index, attributes))
                })
                .collect();
            let entries: Vec<RibRoute<'_>> = attribute_lists
                .iter()
                .map(|(peer_index, attributes)| RibRoute {
                    peer_index: *peer_index,
                    originated_time: timestamp,
                    attributes,
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            if writer.rib(timestamp, sequence, prefix, &entries).is_ok() {
                sequence = sequence.wrapping_add(1);
            }
        }
        let temporary = path.with_extension("tmp");
        let result = std::fs::write(&temporary, writer.bytes())
            .and_then(|()| std::fs::rename(&temporary, &path));
        match result {
            Ok(()) => {
                tracing::debug!(path = %path.display(), prefixes = sequence, "MRT RIB dump written")
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "MRT RIB dump not written")
            }
        }
    }
}

fn unix_time() -> u32 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| u32::try_from(elapsed.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}
