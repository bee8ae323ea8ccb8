//! MRT routing information export format (RFC 6396): a reader over a byte slice and, in [`writer`], a
//! writer for `TABLE_DUMP_V2` and `BGP4MP_MESSAGE_AS4` records.
//!
//! The caller reads and decompresses the file (archives are usually gzip or bzip2); this module only
//! sees bytes. [`MrtReader`] yields one [`Record`] per MRT record, borrowing from the input: BGP
//! messages and attribute blocks are handed out as slices, and decoded only when the caller asks
//! ([`Bgp4mpMessage::decode`], [`TableDump::decode_attributes`], [`RibEntry::decode_attributes`]), so a
//! pass that only counts or filters does no BGP decoding.
//!
//! ```text
//! Common header (RFC 6396 §2); the _ET types (§3) add a microsecond field counted in Length:
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           Timestamp                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |             Type              |            Subtype            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                             Length                            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Message... (variable)                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Supported: `TABLE_DUMP` (12, §4.2), `TABLE_DUMP_V2` (13, §4.3: `PEER_INDEX_TABLE` and the
//! `RIB_IPV4_*`/`RIB_IPV6_*` subtypes), `BGP4MP` (16) and `BGP4MP_ET` (17) (§4.4: `STATE_CHANGE`,
//! `MESSAGE`, `MESSAGE_AS4`, `STATE_CHANGE_AS4`, `MESSAGE_LOCAL`, `MESSAGE_AS4_LOCAL`). Other types
//! and subtypes (ADD-PATH RIBs, `RIB_GENERIC`, OSPF, …) come back as [`RecordBody::Unknown`].

pub mod writer;

use crate::family::{AddressFamily, Afi, Safi};
use crate::prefix::{Prefix, PrefixError};
use crate::wire::attribute::{decode_attributes, DecodedAttributes};
use crate::wire::reader::Reader;
use crate::wire::{AttributeError, DecodeOptions, DecodedMessage, Message, MessageError};
use std::net::{IpAddr, Ipv4Addr};

pub use writer::{MrtWriter, RibRoute};

/// MRT type `TABLE_DUMP` (RFC 6396 §4.2).
pub const TABLE_DUMP: u16 = 12;
/// MRT type `TABLE_DUMP_V2` (RFC 6396 §4.3).
pub const TABLE_DUMP_V2: u16 = 13;
/// MRT type `BGP4MP` (RFC 6396 §4.4).
pub const BGP4MP: u16 = 16;
/// MRT type `BGP4MP_ET`: `BGP4MP` with microsecond timestamps (RFC 6396 §3).
pub const BGP4MP_ET: u16 = 17;

/// `TABLE_DUMP_V2` subtypes (RFC 6396 §4.3).
pub mod table_dump_v2 {
    /// PEER_INDEX_TABLE.
    pub const PEER_INDEX_TABLE: u16 = 1;
    /// RIB_IPV4_UNICAST.
    pub const RIB_IPV4_UNICAST: u16 = 2;
    /// RIB_IPV4_MULTICAST.
    pub const RIB_IPV4_MULTICAST: u16 = 3;
    /// RIB_IPV6_UNICAST.
    pub const RIB_IPV6_UNICAST: u16 = 4;
    /// RIB_IPV6_MULTICAST.
    pub const RIB_IPV6_MULTICAST: u16 = 5;
}

/// `BGP4MP` subtypes (RFC 6396 §4.4).
pub mod bgp4mp {
    /// BGP4MP_STATE_CHANGE: 2-octet AS numbers.
    pub const STATE_CHANGE: u16 = 0;
    /// BGP4MP_MESSAGE: 2-octet AS numbers, in the header and in the message.
    pub const MESSAGE: u16 = 1;
    /// BGP4MP_MESSAGE_AS4.
    pub const MESSAGE_AS4: u16 = 4;
    /// BGP4MP_STATE_CHANGE_AS4.
    pub const STATE_CHANGE_AS4: u16 = 5;
    /// BGP4MP_MESSAGE_LOCAL: a message the collector sent.
    pub const MESSAGE_LOCAL: u16 = 6;
    /// BGP4MP_MESSAGE_AS4_LOCAL.
    pub const MESSAGE_AS4_LOCAL: u16 = 7;
}

/// One MRT record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Seconds since the Unix epoch.
    pub timestamp: u32,
    /// Microseconds, for the `_ET` types.
    pub microseconds: Option<u32>,
    /// The record.
    pub body: RecordBody<'a>,
}

/// The body of an MRT record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordBody<'a> {
    /// A `TABLE_DUMP` entry: one route of one peer.
    TableDump(TableDump<'a>),
    /// A `TABLE_DUMP_V2` peer index table.
    PeerIndexTable(PeerIndexTable),
    /// A `TABLE_DUMP_V2` RIB record: one prefix, one entry per peer.
    Rib(Rib<'a>),
    /// A `BGP4MP` message record.
    Bgp4mpMessage(Bgp4mpMessage<'a>),
    /// A `BGP4MP` state change.
    Bgp4mpStateChange(Bgp4mpStateChange),
    /// A type or subtype this reader does not decode.
    Unknown {
        /// The MRT type.
        record_type: u16,
        /// The subtype.
        subtype: u16,
        /// The message bytes.
        data: &'a [u8],
    },
}

/// A `TABLE_DUMP` record (RFC 6396 §4.2). Its attributes use 2-octet AS numbers.
///
/// ```text
/// View Number (2) | Sequence Number (2) | Prefix (4 or 16) | Prefix Length (1) | Status (1) |
/// Originated Time (4) | Peer IP Address (4 or 16) | Peer AS (2) | Attribute Length (2) | Attributes
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDump<'a> {
    /// View number, normally 0.
    pub view: u16,
    /// Sequence number, wrapping at 65535.
    pub sequence: u16,
    /// The route's prefix.
    pub prefix: Prefix,
    /// Status octet (unused, 1).
    pub status: u8,
    /// When the route was received.
    pub originated_time: u32,
    /// The peer's address.
    pub peer_address: IpAddr,
    /// The peer's AS.
    pub peer_as: u16,
    /// The path attributes field, undecoded.
    pub attributes: &'a [u8],
}

/// A `TABLE_DUMP_V2` `PEER_INDEX_TABLE` (RFC 6396 §4.3.1).
///
/// ```text
/// Collector BGP ID (4) | View Name Length (2) | View Name | Peer Count (2) | Peer Entries
/// Peer entry: Peer Type (1: bit 0 IPv6, bit 1 AS4) | Peer BGP ID (4) | Peer IP (4/16) | Peer AS (2/4)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerIndexTable {
    /// The collector's BGP identifier.
    pub collector_id: Ipv4Addr,
    /// The view name (normally empty), bytes as stored.
    pub view_name: Vec<u8>,
    /// The peers; RIB entries refer to them by index.
    pub peers: Vec<Peer>,
}

/// One peer of a [`PeerIndexTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The peer's BGP identifier.
    pub bgp_id: Ipv4Addr,
    /// The peer's address.
    pub address: IpAddr,
    /// The peer's AS.
    pub asn: u32,
    /// The AS was stored in 4 octets (peer type bit 1).
    pub four_octet_asn: bool,
}

/// A `TABLE_DUMP_V2` RIB record (RFC 6396 §4.3.2).
///
/// ```text
/// Sequence Number (4) | Prefix Length (1) | Prefix (variable) | Entry Count (2) | RIB Entries
/// RIB entry: Peer Index (2) | Originated Time (4) | Attribute Length (2) | Attributes
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rib<'a> {
    /// Sequence number.
    pub sequence: u32,
    /// The family of the subtype.
    pub family: AddressFamily,
    /// The prefix.
    pub prefix: Prefix,
    /// One entry per peer that has a route.
    pub entries: Vec<RibEntry<'a>>,
}

/// One route of a [`Rib`] record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RibEntry<'a> {
    /// Index into the peer index table.
    pub peer_index: u16,
    /// When the route was received.
    pub originated_time: u32,
    /// The path attributes, undecoded; 4-octet AS numbers, MP_REACH_NLRI possibly abbreviated.
    pub attributes: &'a [u8],
}

/// The peering of a `BGP4MP` record.
///
/// ```text
/// Peer AS (2/4) | Local AS (2/4) | Interface Index (2) | Address Family (2) |
/// Peer IP (4/16) | Local IP (4/16)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bgp4mpPeer {
    /// The peer's AS.
    pub peer_as: u32,
    /// The collector's AS.
    pub local_as: u32,
    /// Interface index, normally 0.
    pub interface_index: u16,
    /// The peer's address.
    pub peer_address: IpAddr,
    /// The collector's address (same family).
    pub local_address: IpAddr,
}

/// A `BGP4MP_MESSAGE*` record (RFC 6396 §4.4.2–§4.4.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bgp4mpMessage<'a> {
    /// The peering.
    pub peer: Bgp4mpPeer,
    /// An `_AS4` subtype: the message uses 4-octet AS numbers.
    pub four_octet_asn: bool,
    /// A `_LOCAL` subtype: the collector sent the message.
    pub local: bool,
    /// The BGP message, header included.
    pub message: &'a [u8],
}

/// A `BGP4MP_STATE_CHANGE*` record (RFC 6396 §4.4.1, §4.4.4): FSM states by RFC 4271 number
/// (1 Idle … 6 Established).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bgp4mpStateChange {
    /// The peering.
    pub peer: Bgp4mpPeer,
    /// An `_AS4` subtype.
    pub four_octet_asn: bool,
    /// The state left.
    pub old_state: u16,
    /// The state entered.
    pub new_state: u16,
}

/// Why an MRT record could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MrtError {
    /// The input ends inside a common header or before the record's announced length; reading stops.
    Truncated {
        /// Offset of the record in the input.
        offset: usize,
    },
    /// A record body shorter than its fields or with an unknown address family; reading goes on with
    /// the next record.
    Malformed {
        /// Offset of the record in the input.
        offset: usize,
        /// The MRT type.
        record_type: u16,
        /// The subtype.
        subtype: u16,
    },
    /// A prefix in a RIB or TABLE_DUMP record that is too long.
    InvalidPrefix {
        /// Offset of the record in the input.
        offset: usize,
        /// What is wrong.
        error: PrefixError,
    },
}

/// Iterates over the records of an MRT byte stream.
#[derive(Clone, Debug)]
pub struct MrtReader<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> MrtReader<'a> {
    /// A reader over `data` (already decompressed).
    pub fn new(data: &'a [u8]) -> Self {
        MrtReader { data, offset: 0 }
    }
}

impl<'a> Iterator for MrtReader<'a> {
    type Item = Result<Record<'a>, MrtError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.offset..)?;
        if rest.is_empty() {
            return None;
        }
        let offset = self.offset;
        let mut reader = Reader::new(rest);
        let header = (|| Some((reader.u32()?, reader.u16()?, reader.u16()?, reader.u32()?)))();
        let Some((timestamp, record_type, subtype, length)) = header else {
            self.offset = self.data.len();
            return Some(Err(MrtError::Truncated { offset }));
        };
        let Some(body) = usize::try_from(length)
            .ok()
            .and_then(|length| reader.bytes(length))
        else {
            self.offset = self.data.len();
            return Some(Err(MrtError::Truncated { offset }));
        };
        self.offset = self.data.len() - reader.remaining();
        let malformed = MrtError::Malformed {
            offset,
            record_type,
            subtype,
        };
        Some(
            decode_record(timestamp, record_type, subtype, body).map_err(|error| match error {
                BodyError::Malformed => malformed,
                BodyError::Prefix(error) => MrtError::InvalidPrefix { offset, error },
            }),
        )
    }
}

enum BodyError {
    Malformed,
    Prefix(PrefixError),
}

impl From<PrefixError> for BodyError {
    fn from(error: PrefixError) -> Self {
        BodyError::Prefix(error)
    }
}

fn decode_record(
    timestamp: u32,
    record_type: u16,
    subtype: u16,
    body: &[u8],
) -> Result<Record<'_>, BodyError> {
    let mut reader = Reader::new(body);
    let microseconds = if record_type == BGP4MP_ET {
        Some(reader.u32().ok_or(BodyError::Malformed)?)
    } else {
        None
    };
    let unknown = |data| RecordBody::Unknown {
        record_type,
        subtype,
        data,
    };
    let body = match (record_type, subtype) {
        (TABLE_DUMP, 1 | 2) => RecordBody::TableDump(decode_table_dump(subtype, &mut reader)?),
        (TABLE_DUMP_V2, table_dump_v2::PEER_INDEX_TABLE) => {
            RecordBody::PeerIndexTable(decode_peer_index_table(&mut reader)?)
        }
        (TABLE_DUMP_V2, 2..=5) => RecordBody::Rib(decode_rib(subtype, &mut reader)?),
        (
            BGP4MP | BGP4MP_ET,
            bgp4mp::MESSAGE
            | bgp4mp::MESSAGE_AS4
            | bgp4mp::MESSAGE_LOCAL
            | bgp4mp::MESSAGE_AS4_LOCAL,
        ) => {
            let four_octet_asn = matches!(subtype, bgp4mp::MESSAGE_AS4 | bgp4mp::MESSAGE_AS4_LOCAL);
            let peer = decode_bgp4mp_peer(four_octet_asn, &mut reader)?;
            RecordBody::Bgp4mpMessage(Bgp4mpMessage {
                peer,
                four_octet_asn,
                local: matches!(subtype, bgp4mp::MESSAGE_LOCAL | bgp4mp::MESSAGE_AS4_LOCAL),
                message: reader.rest(),
            })
        }
        (BGP4MP | BGP4MP_ET, bgp4mp::STATE_CHANGE | bgp4mp::STATE_CHANGE_AS4) => {
            let four_octet_asn = subtype == bgp4mp::STATE_CHANGE_AS4;
            let peer = decode_bgp4mp_peer(four_octet_asn, &mut reader)?;
            let old_state = reader.u16().ok_or(BodyError::Malformed)?;
            let new_state = reader.u16().ok_or(BodyError::Malformed)?;
            RecordBody::Bgp4mpStateChange(Bgp4mpStateChange {
                peer,
                four_octet_asn,
                old_state,
                new_state,
            })
        }
        _ => unknown(reader.rest()),
    };
    Ok(Record {
        timestamp,
        microseconds,
        body,
    })
}

fn read_address(afi: Afi, reader: &mut Reader<'_>) -> Result<IpAddr, BodyError> {
    match afi {
        Afi::IPV4 => reader.ipv4().map(IpAddr::V4),
        Afi::IPV6 => reader.ipv6().map(IpAddr::V6),
        _ => None,
    }
    .ok_or(BodyError::Malformed)
}

fn decode_table_dump<'a>(
    subtype: u16,
    reader: &mut Reader<'a>,
) -> Result<TableDump<'a>, BodyError> {
    let afi = Afi(subtype);
    let view = reader.u16().ok_or(BodyError::Malformed)?;
    let sequence = reader.u16().ok_or(BodyError::Malformed)?;
    let address = read_address(afi, reader)?;
    let length = reader.u8().ok_or(BodyError::Malformed)?;
    let prefix = Prefix::new_truncating(address, length)?;
    let status = reader.u8().ok_or(BodyError::Malformed)?;
    let originated_time = reader.u32().ok_or(BodyError::Malformed)?;
    let peer_address = read_address(afi, reader)?;
    let peer_as = reader.u16().ok_or(BodyError::Malformed)?;
    let attributes_length = reader.u16().ok_or(BodyError::Malformed)?;
    let attributes = reader
        .bytes(usize::from(attributes_length))
        .ok_or(BodyError::Malformed)?;
    Ok(TableDump {
        view,
        sequence,
        prefix,
        status,
        originated_time,
        peer_address,
        peer_as,
        attributes,
    })
}

fn decode_peer_index_table(reader: &mut Reader<'_>) -> Result<PeerIndexTable, BodyError> {
    let collector_id = reader.ipv4().ok_or(BodyError::Malformed)?;
    let name_length = reader.u16().ok_or(BodyError::Malformed)?;
    let view_name = reader
        .bytes(usize::from(name_length))
        .ok_or(BodyError::Malformed)?
        .to_vec();
    let count = reader.u16().ok_or(BodyError::Malformed)?;
    let mut peers = Vec::with_capacity(usize::from(count).min(reader.remaining() / 7));
    for _ in 0..count {
        let peer_type = reader.u8().ok_or(BodyError::Malformed)?;
        let bgp_id = reader.ipv4().ok_or(BodyError::Malformed)?;
        let afi = if peer_type & 0x01 != 0 {
            Afi::IPV6
        } else {
            Afi::IPV4
        };
        let address = read_address(afi, reader)?;
        let four_octet_asn = peer_type & 0x02 != 0;
        let asn = reader
            .asn(if four_octet_asn { 4 } else { 2 })
            .ok_or(BodyError::Malformed)?;
        peers.push(Peer {
            bgp_id,
            address,
            asn,
            four_octet_asn,
        });
    }
    Ok(PeerIndexTable {
        collector_id,
        view_name,
        peers,
    })
}

fn rib_family(subtype: u16) -> AddressFamily {
    match subtype {
        table_dump_v2::RIB_IPV4_UNICAST => AddressFamily::IPV4_UNICAST,
        table_dump_v2::RIB_IPV4_MULTICAST => AddressFamily::new(Afi::IPV4, Safi::MULTICAST),
        table_dump_v2::RIB_IPV6_UNICAST => AddressFamily::IPV6_UNICAST,
        _ => AddressFamily::new(Afi::IPV6, Safi::MULTICAST),
    }
}

fn decode_rib<'a>(subtype: u16, reader: &mut Reader<'a>) -> Result<Rib<'a>, BodyError> {
    let family = rib_family(subtype);
    let sequence = reader.u32().ok_or(BodyError::Malformed)?;
    let rest = reader.rest();
    let (prefix, used) = Prefix::decode_nlri(family.afi, rest).map_err(|error| match error {
        PrefixError::Truncated => BodyError::Malformed,
        other => BodyError::Prefix(other),
    })?;
    *reader = Reader::new(rest.get(used..).unwrap_or_default());
    let count = reader.u16().ok_or(BodyError::Malformed)?;
    let mut entries = Vec::with_capacity(usize::from(count).min(reader.remaining() / 8));
    for _ in 0..count {
        let peer_index = reader.u16().ok_or(BodyError::Malformed)?;
        let originated_time = reader.u32().ok_or(BodyError::Malformed)?;
        let length = reader.u16().ok_or(BodyError::Malformed)?;
        let attributes = reader
            .bytes(usize::from(length))
            .ok_or(BodyError::Malformed)?;
        entries.push(RibEntry {
            peer_index,
            originated_time,
            attributes,
        });
    }
    Ok(Rib {
        sequence,
        family,
        prefix,
        entries,
    })
}

fn decode_bgp4mp_peer(
    four_octet_asn: bool,
    reader: &mut Reader<'_>,
) -> Result<Bgp4mpPeer, BodyError> {
    let size = if four_octet_asn { 4 } else { 2 };
    let peer_as = reader.asn(size).ok_or(BodyError::Malformed)?;
    let local_as = reader.asn(size).ok_or(BodyError::Malformed)?;
    let interface_index = reader.u16().ok_or(BodyError::Malformed)?;
    let afi = Afi(reader.u16().ok_or(BodyError::Malformed)?);
    let peer_address = read_address(afi, reader)?;
    let local_address = read_address(afi, reader)?;
    Ok(Bgp4mpPeer {
        peer_as,
        local_as,
        interface_index,
        peer_address,
        local_address,
    })
}

impl TableDump<'_> {
    /// The options its attributes decode with: 2-octet AS numbers (RFC 6396 §4.2).
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            four_octet_asn: false,
            extended_message: true,
            mrt_rib_family: (!self.prefix.is_ipv4()).then_some(AddressFamily::IPV6_UNICAST),
        }
    }

    /// Decodes the attributes.
    pub fn decode_attributes(&self) -> Result<DecodedAttributes, AttributeError> {
        decode_attributes(self.attributes, &self.decode_options())
    }
}

impl RibEntry<'_> {
    /// The options a RIB entry of `family` decodes with: 4-octet AS numbers and the abbreviated
    /// MP_REACH_NLRI (RFC 6396 §4.3.4).
    pub fn decode_options(family: AddressFamily) -> DecodeOptions {
        DecodeOptions {
            four_octet_asn: true,
            extended_message: true,
            mrt_rib_family: Some(family),
        }
    }

    /// Decodes the attributes of an entry of a RIB record of `family`.
    pub fn decode_attributes(
        &self,
        family: AddressFamily,
    ) -> Result<DecodedAttributes, AttributeError> {
        decode_attributes(self.attributes, &RibEntry::decode_options(family))
    }
}

impl Bgp4mpMessage<'_> {
    /// The options the message decodes with: 4-octet AS numbers for the `_AS4` subtypes, and messages
    /// up to 65535 bytes (a collector may have negotiated RFC 8654).
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            four_octet_asn: self.four_octet_asn,
            extended_message: true,
            mrt_rib_family: None,
        }
    }

    /// Decodes the BGP message.
    pub fn decode(&self) -> Result<DecodedMessage, MessageError> {
        Message::decode(self.message, &self.decode_options())
    }
}
