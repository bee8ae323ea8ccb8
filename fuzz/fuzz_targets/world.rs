//! Fuzzes `globe_world::World::parse` (the `globe lab` world TOML): nothing may panic; a world that
//! parses must validate, write back to TOML that parses to the same world, and build a simulator graph.
#![no_main]

use globe_world::World;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    let Ok(world) = World::parse(text, path, None) else {
        return;
    };
    assert!(world.validate().is_ok());
    let again = World::parse(&world.to_toml(), path, None).expect("written world parses");
    assert_eq!(again, world);
    let _ = globe_sim::world::graph(&world);
});
