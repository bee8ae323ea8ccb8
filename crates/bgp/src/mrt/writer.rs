//! MRT writer (RFC 6396) for what the speaker dumps: `TABLE_DUMP_V2` RIB snapshots (§4.3) and
//! `BGP4MP_MESSAGE_AS4` records of received messages (§4.4.3), readable by bgpdump and [`MrtReader`].
//!
//! Sans-IO like the rest of the crate: [`MrtWriter`] appends records to a buffer and the caller writes
//! (and compresses) the bytes; timestamps are passed in.
//!
//! [`MrtReader`]: super::MrtReader

use super::{Bgp4mpPeer, PeerIndexTable, BGP4MP, TABLE_DUMP_V2};
use crate::family::AddressFamily;
use crate::prefix::Prefix;
use crate::wire::attribute::{AttributeValue, PathAttribute};
use crate::wire::{EncodeError, Message};
use std::net::IpAddr;

/// One route of a RIB record to write: the peer (an index into the last peer index table written) and
/// its attributes.
#[derive(Clone, Copy, Debug)]
pub struct RibRoute<'a> {
    /// Index into the peer index table.
    pub peer_index: u16,
    /// When the route was received (seconds since the epoch).
    pub originated_time: u32,
    /// The path attributes; an MP_REACH_NLRI is written in the abbreviated form of RFC 6396 §4.3.4.
    pub attributes: &'a [PathAttribute],
}

/// Appends MRT records to a byte buffer.
#[derive(Clone, Debug, Default)]
pub struct MrtWriter {
    buffer: Vec<u8>,
}

impl MrtWriter {
    /// An empty writer.
    pub fn new() -> Self {
        MrtWriter::default()
    }

    /// The records written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buffer
    }

    /// Takes the records written so far, leaving the writer empty (to stream a dump out in pieces).
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buffer)
    }

    /// Writes a `PEER_INDEX_TABLE` (RFC 6396 §4.3.1). Every peer is written with the AS size it
    /// records (`four_octet_asn`).
    pub fn peer_index_table(
        &mut self,
        timestamp: u32,
        table: &PeerIndexTable,
    ) -> Result<(), EncodeError> {
        let start = self.begin(
            timestamp,
            TABLE_DUMP_V2,
            super::table_dump_v2::PEER_INDEX_TABLE,
        );
        let out = &mut self.buffer;
        out.extend_from_slice(&table.collector_id.octets());
        let name_length =
            u16::try_from(table.view_name.len()).map_err(|_| EncodeError::MrtFieldTooLong);
        let count = u16::try_from(table.peers.len()).map_err(|_| EncodeError::MrtFieldTooLong);
        let (name_length, count) = match (name_length, count) {
            (Ok(name_length), Ok(count)) => (name_length, count),
            _ => {
                out.truncate(start);
                return Err(EncodeError::MrtFieldTooLong);
            }
        };
        out.extend_from_slice(&name_length.to_be_bytes());
        out.extend_from_slice(&table.view_name);
        out.extend_from_slice(&count.to_be_bytes());
        for peer in &table.peers {
            let ipv6 = matches!(peer.address, IpAddr::V6(_));
            out.push(u8::from(ipv6) | (u8::from(peer.four_octet_asn) << 1));
            out.extend_from_slice(&peer.bgp_id.octets());
            push_address(out, peer.address);
            if peer.four_octet_asn {
                out.extend_from_slice(&peer.asn.to_be_bytes());
            } else {
                let asn = u16::try_from(peer.asn).unwrap_or(crate::wire::AS_TRANS as u16);
                out.extend_from_slice(&asn.to_be_bytes());
            }
        }
        self.finish(start)
    }

    /// Writes a `RIB_IPV4_UNICAST` or `RIB_IPV6_UNICAST` record (RFC 6396 §4.3.2) for `prefix`.
    pub fn rib(
        &mut self,
        timestamp: u32,
        sequence: u32,
        prefix: Prefix,
        routes: &[RibRoute<'_>],
    ) -> Result<(), EncodeError> {
        let (subtype, family) = if prefix.is_ipv4() {
            (
                super::table_dump_v2::RIB_IPV4_UNICAST,
                AddressFamily::IPV4_UNICAST,
            )
        } else {
            (
                super::table_dump_v2::RIB_IPV6_UNICAST,
                AddressFamily::IPV6_UNICAST,
            )
        };
        let options = super::RibEntry::decode_options(family);
        let start = self.begin(timestamp, TABLE_DUMP_V2, subtype);
        let result = (|| {
            let out = &mut self.buffer;
            out.extend_from_slice(&sequence.to_be_bytes());
            prefix.encode_nlri(out);
            let count = u16::try_from(routes.len()).map_err(|_| EncodeError::MrtFieldTooLong)?;
            out.extend_from_slice(&count.to_be_bytes());
            for route in routes {
                out.extend_from_slice(&route.peer_index.to_be_bytes());
                out.extend_from_slice(&route.originated_time.to_be_bytes());
                let length_at = out.len();
                out.extend_from_slice(&[0, 0]);
                for attribute in route.attributes {
                    match &attribute.value {
                        AttributeValue::MpReach(reach) if !reach.abbreviated => {
                            let mut reach = reach.clone();
                            reach.abbreviated = true;
                            PathAttribute {
                                flags: attribute.flags,
                                value: AttributeValue::MpReach(reach),
                            }
                            .encode(&options, out)?
                        }
                        _ => attribute.encode(&options, out)?,
                    }
                }
                let length = u16::try_from(out.len() - length_at - 2)
                    .map_err(|_| EncodeError::MrtFieldTooLong)?;
                out[length_at..length_at + 2].copy_from_slice(&length.to_be_bytes());
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.finish(start),
            Err(error) => {
                self.buffer.truncate(start);
                Err(error)
            }
        }
    }

    /// Writes a `BGP4MP_MESSAGE_AS4` record (RFC 6396 §4.4.3) holding `message`, a whole BGP message
    /// (header included) as exchanged on a session with 4-octet AS numbers.
    pub fn bgp4mp_message_as4(
        &mut self,
        timestamp: u32,
        peer: &Bgp4mpPeer,
        message: &[u8],
    ) -> Result<(), EncodeError> {
        let afi: u16 = match (peer.peer_address, peer.local_address) {
            (IpAddr::V4(_), IpAddr::V4(_)) => 1,
            (IpAddr::V6(_), IpAddr::V6(_)) => 2,
            _ => return Err(EncodeError::MrtMixedAddressFamilies),
        };
        let start = self.begin(timestamp, BGP4MP, super::bgp4mp::MESSAGE_AS4);
        let out = &mut self.buffer;
        out.extend_from_slice(&peer.peer_as.to_be_bytes());
        out.extend_from_slice(&peer.local_as.to_be_bytes());
        out.extend_from_slice(&peer.interface_index.to_be_bytes());
        out.extend_from_slice(&afi.to_be_bytes());
        push_address(out, peer.peer_address);
        push_address(out, peer.local_address);
        out.extend_from_slice(message);
        self.finish(start)
    }

    /// Encodes `message` for a 4-octet AS session and writes it as a `BGP4MP_MESSAGE_AS4` record.
    pub fn bgp4mp_encode_as4(
        &mut self,
        timestamp: u32,
        peer: &Bgp4mpPeer,
        message: &Message,
    ) -> Result<(), EncodeError> {
        let options = crate::wire::DecodeOptions {
            four_octet_asn: true,
            extended_message: true,
            mrt_rib_family: None,
        };
        let bytes = message.to_bytes(&options)?;
        self.bgp4mp_message_as4(timestamp, peer, &bytes)
    }

    /// Starts a record: the common header with a zero length, patched by [`MrtWriter::finish`].
    fn begin(&mut self, timestamp: u32, record_type: u16, subtype: u16) -> usize {
        let start = self.buffer.len();
        self.buffer.extend_from_slice(&timestamp.to_be_bytes());
        self.buffer.extend_from_slice(&record_type.to_be_bytes());
        self.buffer.extend_from_slice(&subtype.to_be_bytes());
        self.buffer.extend_from_slice(&[0; 4]);
        start
    }

    fn finish(&mut self, start: usize) -> Result<(), EncodeError> {
        let Ok(length) = u32::try_from(self.buffer.len() - start - 12) else {
            self.buffer.truncate(start);
            return Err(EncodeError::MrtFieldTooLong);
        };
        self.buffer[start + 8..start + 12].copy_from_slice(&length.to_be_bytes());
        Ok(())
    }
}

fn push_address(out: &mut Vec<u8>, address: IpAddr) {
    match address {
        IpAddr::V4(address) => out.extend_from_slice(&address.octets()),
        IpAddr::V6(address) => out.extend_from_slice(&address.octets()),
    }
}
