//! Fuzzes `globe_bgp::mrt::MrtReader` and the decoders it hands out to (BGP4MP messages, TABLE_DUMP and
//! TABLE_DUMP_V2 attribute blocks): nothing may panic, and attribute blocks that decode cleanly must
//! re-encode.
#![no_main]

use globe_bgp::mrt::{MrtReader, RecordBody, RibEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for record in MrtReader::new(data).take(64) {
        let Ok(record) = record else { continue };
        match record.body {
            RecordBody::Bgp4mpMessage(message) => {
                if let Ok(decoded) = message.decode() {
                    let _ = decoded.message.to_bytes(&message.decode_options());
                }
            }
            RecordBody::TableDump(entry) => {
                if let Ok(decoded) = entry.decode_attributes() {
                    let mut out = Vec::new();
                    for attribute in &decoded.attributes {
                        let _ = attribute.encode(&entry.decode_options(), &mut out);
                    }
                }
            }
            RecordBody::Rib(rib) => {
                for entry in &rib.entries {
                    if let Ok(decoded) = entry.decode_attributes(rib.family) {
                        let mut out = Vec::new();
                        for attribute in &decoded.attributes {
                            let _ = attribute.encode(&RibEntry::decode_options(rib.family), &mut out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
});
