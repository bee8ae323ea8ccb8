//! Fuzzes `Message::parse` (STYLE.md principle 4: untrusted input never panics). Whatever parses must
//! encode to bytes that parse to an equal message, and encoding that message again must give the same
//! bytes, so the decoder accepts nothing the encoder cannot represent.
#![no_main]

use globe_dns::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::parse(data) else {
        return;
    };
    let wire = message.to_wire();
    let again = match Message::parse(&wire) {
        Ok(again) => again,
        Err(error) => {
            panic!("re-encoded message fails to parse: {error:?}\n{message:?}\n{wire:02x?}")
        }
    };
    assert_eq!(again, message, "re-encoded message differs");
    assert_eq!(again.to_wire(), wire, "encoding is not stable");
});
