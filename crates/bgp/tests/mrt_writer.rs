//! The MRT writer: a `TABLE_DUMP_V2` dump and a `BGP4MP_MESSAGE_AS4` record read back by globe's reader,
//! and the dump read by bgpdump (when `/usr/bin/bgpdump` is installed), which must print every route.

use globe_bgp::mrt::{
    Bgp4mpPeer, MrtReader, MrtWriter, Peer, PeerIndexTable, RecordBody, RibEntry, RibRoute,
};
use globe_bgp::wire::attribute::{AttributeValue, MpNlri, MpReach, NextHop, Origin};
use globe_bgp::wire::{AsPath, Community, DecodeOptions, Message, PathAttribute, Update};
use globe_bgp::{AddressFamily, Prefix};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;

const TIMESTAMP: u32 = 1_700_000_000;

fn peers() -> PeerIndexTable {
    PeerIndexTable {
        collector_id: Ipv4Addr::new(192, 0, 2, 254),
        view_name: Vec::new(),
        peers: vec![
            Peer {
                bgp_id: Ipv4Addr::new(192, 0, 2, 1),
                address: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                asn: 64500,
                four_octet_asn: true,
            },
            Peer {
                bgp_id: Ipv4Addr::new(192, 0, 2, 2),
                address: "2001:db8::2".parse().expect("address"),
                asn: 4_200_000_001,
                four_octet_asn: true,
            },
        ],
    }
}

fn ipv4_attributes(path: Vec<u32>, next_hop: Ipv4Addr) -> Vec<PathAttribute> {
    vec![
        PathAttribute::new(AttributeValue::Origin(Origin::Igp)),
        PathAttribute::new(AttributeValue::AsPath(AsPath::from_sequence(path))),
        PathAttribute::new(AttributeValue::NextHop(next_hop)),
        PathAttribute::new(AttributeValue::Communities(vec![
            Community::new(64500, 100),
            Community::NO_EXPORT,
        ])),
    ]
}

fn ipv6_attributes() -> Vec<PathAttribute> {
    vec![
        PathAttribute::new(AttributeValue::Origin(Origin::Incomplete)),
        PathAttribute::new(AttributeValue::AsPath(AsPath::from_sequence(vec![
            4_200_000_001,
            3356,
        ]))),
        PathAttribute::new(AttributeValue::MpReach(MpReach {
            family: AddressFamily::IPV6_UNICAST,
            next_hop: NextHop::Ipv6 {
                global: "2001:db8::2".parse().expect("address"),
                link_local: None,
            },
            reserved: 0,
            nlri: MpNlri::Prefixes(Vec::new()),
            abbreviated: false,
        })),
    ]
}

/// A dump of three prefixes: two IPv4 with routes from peer 0, one IPv6 from peer 1.
fn dump() -> Vec<u8> {
    let mut writer = MrtWriter::new();
    writer
        .peer_index_table(TIMESTAMP, &peers())
        .expect("writes");
    let first = ipv4_attributes(vec![64500, 3356, 15169], Ipv4Addr::new(192, 0, 2, 1));
    let second = ipv4_attributes(vec![64500, 174], Ipv4Addr::new(192, 0, 2, 1));
    let ipv6 = ipv6_attributes();
    let route = |peer_index, attributes| RibRoute {
        peer_index,
        originated_time: TIMESTAMP - 60,
        attributes,
    };
    let prefix = |text: &str| text.parse::<Prefix>().expect("prefix");
    writer
        .rib(TIMESTAMP, 0, prefix("8.8.8.0/24"), &[route(0, &first)])
        .expect("writes");
    writer
        .rib(TIMESTAMP, 1, prefix("203.0.113.0/24"), &[route(0, &second)])
        .expect("writes");
    writer
        .rib(
            TIMESTAMP,
            2,
            prefix("2001:db8:100::/40"),
            &[route(1, &ipv6)],
        )
        .expect("writes");
    writer.take()
}

#[test]
fn table_dump_v2_reads_back() {
    let bytes = dump();
    let records: Vec<_> = MrtReader::new(&bytes)
        .collect::<Result<_, _>>()
        .expect("reads");
    assert_eq!(records.len(), 4);
    let RecordBody::PeerIndexTable(table) = &records[0].body else {
        panic!("first record is {:?}", records[0].body)
    };
    assert_eq!(*table, peers());
    let RecordBody::Rib(rib) = &records[3].body else {
        panic!("last record is {:?}", records[3].body)
    };
    assert_eq!(rib.prefix.to_string(), "2001:db8:100::/40");
    let decoded = rib.entries[0]
        .decode_attributes(rib.family)
        .expect("decodes");
    assert!(decoded.errors.is_empty());
    let AttributeValue::MpReach(reach) = &decoded.attributes[2].value else {
        panic!("{:?}", decoded.attributes)
    };
    // RFC 6396 §4.3.4: written abbreviated, read back as the RIB's family with the next hop only.
    assert!(reach.abbreviated);
    assert_eq!(reach.family, AddressFamily::IPV6_UNICAST);
    let mut encoded = Vec::new();
    for attribute in &decoded.attributes {
        attribute
            .encode(&RibEntry::decode_options(rib.family), &mut encoded)
            .expect("encodes");
    }
    assert_eq!(encoded, rib.entries[0].attributes);
}

#[test]
fn bgp4mp_message_as4_reads_back() {
    let peer = Bgp4mpPeer {
        peer_as: 4_200_000_001,
        local_as: 64500,
        interface_index: 0,
        peer_address: "2001:db8::2".parse().expect("address"),
        local_address: "2001:db8::1".parse().expect("address"),
    };
    let update = Message::Update(Update {
        withdrawn: vec!["192.0.2.0/24".parse().expect("prefix")],
        ..Update::default()
    });
    let mut writer = MrtWriter::new();
    writer
        .bgp4mp_encode_as4(TIMESTAMP, &peer, &update)
        .expect("writes");
    let bytes = writer.take();
    let record = MrtReader::new(&bytes)
        .next()
        .expect("one record")
        .expect("reads");
    let RecordBody::Bgp4mpMessage(message) = record.body else {
        panic!("{:?}", record.body)
    };
    assert_eq!((message.peer, message.four_octet_asn), (peer, true));
    assert_eq!(message.decode().expect("decodes").message, update);
    assert_eq!(
        message.decode_options(),
        DecodeOptions {
            extended_message: true,
            ..DecodeOptions::FOUR_OCTET
        }
    );
}

#[test]
fn bgpdump_prints_every_route_of_the_dump() {
    let bgpdump = std::path::Path::new("/usr/bin/bgpdump");
    assert!(
        bgpdump.exists(),
        "/usr/bin/bgpdump is missing: scripts/test-all.sh installs it (apt-get install bgpdump)"
    );
    let path = std::env::temp_dir().join(format!("globe-bgp-dump-{}.mrt", std::process::id()));
    std::fs::write(&path, dump()).expect("temp file");
    let output = Command::new(bgpdump)
        .arg("-m")
        .arg(&path)
        .output()
        .expect("bgpdump runs");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let expected = [
        "TABLE_DUMP2|1700000000|B|192.0.2.1|64500|8.8.8.0/24|64500 3356 15169|IGP|192.0.2.1|0|0|64500:100 no-export|NAG||",
        "TABLE_DUMP2|1700000000|B|192.0.2.1|64500|203.0.113.0/24|64500 174|IGP|192.0.2.1|0|0|64500:100 no-export|NAG||",
        "TABLE_DUMP2|1700000000|B|2001:db8::2|4200000001|2001:db8:100::/40|4200000001 3356|INCOMPLETE|2001:db8::2|0|0||NAG||",
    ];
    assert_eq!(lines, expected, "bgpdump printed:\n{stdout}");
}

#[test]
fn writer_checks_address_families() {
    let peer = Bgp4mpPeer {
        peer_as: 1,
        local_as: 2,
        interface_index: 0,
        peer_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        local_address: IpAddr::V6(Ipv6Addr::LOCALHOST),
    };
    let mut writer = MrtWriter::new();
    assert_eq!(
        writer.bgp4mp_message_as4(0, &peer, &[]),
        Err(globe_bgp::EncodeError::MrtMixedAddressFamilies)
    );
    assert!(writer.bytes().is_empty());
}
