//! Fuzzes the zone transfer client: `xfr::TransferReader` and `xfr::apply` (STYLE.md principle 4). A
//! primary's response stream is untrusted input; it must end in a transfer or an error, never a panic,
//! and a transfer that applies must give a zone whose serial is the one the stream announced.
//!
//! Input layout: the first byte picks the request (even: AXFR, odd: IXFR from serial 1); the rest is
//! read as TCP-framed messages (RFC 7766: a two-octet length, then the message), each with ID 0.
#![no_main]

use globe_auth::xfr::{apply, Request, TransferReader};
use globe_auth::Zone;
use globe_dns::{Message, Name, RData, Record};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The version the fuzzed secondary holds: `example.` at serial 1.
fn held() -> &'static Zone {
    static HELD: OnceLock<Zone> = OnceLock::new();
    HELD.get_or_init(|| {
        let text = "$ORIGIN example.\n$TTL 300\n@ SOA ns host 1 3600 600 86400 300\n@ NS ns\n\
                    ns A 192.0.2.1\nwww A 192.0.2.2\nwww AAAA 2001:db8::2\n";
        let records = globe_dns::zonefile::parse_str(text, None, "fuzz").expect("a valid zone");
        Zone::from_records(None, records).expect("a valid zone")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let zone = held();
    let origin: &Name = zone.origin();
    let request = if mode & 1 == 0 {
        Request::Axfr
    } else {
        Request::Ixfr(Record {
            name: origin.clone(),
            class: zone.class(),
            ttl: zone.soa_ttl(),
            data: RData::Soa(zone.soa().clone()),
        })
    };
    let mut reader = TransferReader::new(origin, &request, 0);
    while let Some((length, after)) = rest.split_first_chunk::<2>() {
        let length = usize::from(u16::from_be_bytes(*length));
        let Some(bytes) = after.get(..length) else {
            return;
        };
        rest = &after[length..];
        let Ok(message) = Message::parse(bytes) else {
            return;
        };
        match reader.read(&message) {
            Ok(None) => continue,
            Ok(Some(transfer)) => {
                let serial = transfer.serial();
                if let Ok(Some(built)) = apply(Some(zone), transfer) {
                    assert_eq!(
                        Some(built.serial()),
                        serial,
                        "the zone built has another serial"
                    );
                }
                return;
            }
            Err(_) => return,
        }
    }
});
