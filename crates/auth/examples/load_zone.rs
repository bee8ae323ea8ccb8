//! Times reading and building a zone: `cargo run --release -p globe-auth --example load_zone -- FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: load_zone FILE");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    let records = match globe_dns::zonefile::parse_file(std::path::Path::new(&path), None) {
        Ok(records) => records,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let parsed = started.elapsed();
    let zone = match globe_auth::Zone::from_records(None, records) {
        Ok(zone) => zone,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    println!(
        "{} records, {} names: parsed in {:?}, built in {:?}",
        zone.record_count(),
        zone.name_count(),
        parsed,
        started.elapsed() - parsed
    );
}
