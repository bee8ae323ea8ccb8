//! Fuzzes the zone file parser, `zonefile::parse_str` (STYLE.md principle 4). Zone files are less hostile
//! than packets but come from users and transfers, so they must fail with an error, never a panic.
//! Every record it returns must also survive the wire: its RDATA encodes and decodes back equal, which
//! cross-checks the presentation parser against the wire codec.
//!
//! Inputs with `$INCLUDE` are skipped: `parse_str` reads included files from the file system, and the
//! fuzzer must not open `/dev/zero` or whatever else it dreams up.
#![no_main]

use globe_dns::{Name, RData};
use libfuzzer_sys::fuzz_target;

/// The most RDATA a record can carry on the wire (RDLENGTH is 16 bits).
const MAX_RDATA_LEN: usize = 65535;

fuzz_target!(|data: &[u8]| {
    if data
        .windows(b"$INCLUDE".len())
        .any(|w| w.eq_ignore_ascii_case(b"$INCLUDE"))
    {
        return;
    }
    let origin: Name = "example.com.".parse().expect("valid origin");
    let Ok(records) = globe_dns::zonefile::parse_str(data, Some(origin), "fuzz") else {
        return;
    };
    for record in records {
        let wire = record.data.to_wire();
        if wire.len() > MAX_RDATA_LEN {
            continue;
        }
        match RData::from_bytes(record.rtype(), &wire) {
            Ok(back) => assert_eq!(back, record.data, "RDATA changes through the wire"),
            Err(error) => panic!("{record:?} encodes to RDATA that does not decode: {error:?}"),
        }
    }
});
