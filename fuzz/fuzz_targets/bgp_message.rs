//! Fuzzes `globe_bgp::Message::decode` (STYLE.md principle 4: untrusted input never panics) in both a
//! legacy context (2-octet AS, 4096-byte messages) and a modern one (4-octet AS, extended messages).
//! Whatever decodes must encode; when it decoded without attribute errors, the encoding must decode to an
//! equal message and encode again to the same bytes.
#![no_main]

use globe_bgp::wire::{DecodeOptions, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let contexts = [
        DecodeOptions::default(),
        DecodeOptions {
            four_octet_asn: true,
            extended_message: true,
            mrt_rib_family: None,
        },
    ];
    for options in contexts {
        let _ = globe_bgp::wire::header::frame_length(data, &options);
        let Ok(decoded) = Message::decode(data, &options) else {
            continue;
        };
        let _ = decoded.action();
        let wire = match decoded.message.to_bytes(&options) {
            Ok(wire) => wire,
            // A message of ≤ 4096/65535 bytes always re-encodes within the limit, except that an
            // attribute value over 255 bytes with a 1-octet length cannot occur: so any error is a bug.
            Err(error) => panic!("decoded message fails to encode: {error:?}\n{:?}", decoded.message),
        };
        if !decoded.attribute_errors.is_empty() {
            continue;
        }
        let again = match Message::decode(&wire, &options) {
            Ok(again) => again,
            Err(error) => panic!("re-encoded message fails to decode: {error:?}\n{:?}", decoded.message),
        };
        assert_eq!(again.message, decoded.message, "re-encoded message differs");
        assert_eq!(again.message.to_bytes(&options).ok(), Some(wire), "encoding is not stable");
    }
});
