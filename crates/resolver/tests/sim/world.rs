//! The standard test world:
//!
//! ```text
//!                         . (10.0.0.1)
//!               ┌──────────┴───────────┐
//!         com (10.1.0.1)          net (10.2.0.1)
//!   ┌───────┬────┴───┬──────┬─────┐          │
//! example outside glueless lame  slow...   example.net (10.4.0.1, also serves outside.com)
//! 10.3.0.1/2  NS in   NS in   .1 REFUSED .1 blackhole
//!          example.net dnshost .2 good    .2 good
//! ```

use super::{Behaviour, Sim};
use globe_resolver::engine::ResolverConfig;

pub const ROOT: &str = "
. 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
. 86400 NS a.root-servers.net.
a.root-servers.net. 86400 A 10.0.0.1
com. 172800 NS ns1.nic.com.
ns1.nic.com. 172800 A 10.1.0.1
net. 172800 NS ns1.nic.net.
ns1.nic.net. 172800 A 10.2.0.1
";

pub const COM: &str = "
$ORIGIN com.
$TTL 3600
@ SOA ns1.nic.com. hostmaster.nic.com. 1 1800 900 604800 300
@ NS ns1.nic.com.
ns1.nic A 10.1.0.1
example NS ns1.example.com.
example NS ns2.example.com.
ns1.example A 10.3.0.1
ns2.example A 10.3.0.2
outside NS ns1.example.net.
ns1.example.net. A 6.6.6.6
glueless NS ns.dnshost.com.
dnshost NS ns1.dnshost.com.
ns1.dnshost A 10.6.0.1
lame NS ns1.lame.com.
lame NS ns2.lame.com.
ns1.lame A 10.5.0.1
ns2.lame A 10.5.0.2
slow NS ns1.slow.com.
slow NS ns2.slow.com.
ns1.slow A 10.10.0.1
ns2.slow A 10.10.0.2
loopa NS ns.loopb.com.
loopb NS ns.loopa.com.
spoofed NS ns1.spoofed.com.
ns1.spoofed A 10.7.0.1
oldserver NS ns1.oldserver.com.
ns1.oldserver A 10.8.0.1
ecs NS ns1.ecs.com.
ns1.ecs A 10.9.0.1
";

pub const NET: &str = "
$ORIGIN net.
$TTL 3600
@ SOA ns1.nic.net. hostmaster.nic.net. 1 1800 900 604800 300
@ NS ns1.nic.net.
ns1.nic A 10.2.0.1
example NS ns1.example.net.
ns1.example A 10.4.0.1
";

pub const EXAMPLE_NET: &str = "
$ORIGIN example.net.
$TTL 300
@ SOA ns1 hostmaster 1 1800 900 604800 300
@ NS ns1
ns1 A 10.4.0.1
www A 192.0.2.80
foo A 192.0.2.82
";

pub const EXAMPLE_COM: &str = "
$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 1 1800 900 604800 300
@ NS ns1
@ NS ns2
ns1 A 10.3.0.1
ns2 A 10.3.0.2
www A 192.0.2.1
mail A 192.0.2.25
alias CNAME www.example.net.
inzone CNAME www
loop1 CNAME loop2
loop2 CNAME loop1
old DNAME example.net.
x.y.z A 192.0.2.9
";

pub const OUTSIDE_COM: &str = "
$ORIGIN outside.com.
$TTL 300
@ SOA ns1.example.net. hostmaster 1 1800 900 604800 300
@ NS ns1.example.net.
www A 192.0.2.50
";

pub const DNSHOST_COM: &str = "
$ORIGIN dnshost.com.
$TTL 300
@ SOA ns1 hostmaster 1 1800 900 604800 300
@ NS ns1
ns1 A 10.6.0.1
ns A 10.6.0.1
";

pub const GLUELESS_COM: &str = "
$ORIGIN glueless.com.
$TTL 300
@ SOA ns.dnshost.com. hostmaster 1 1800 900 604800 300
@ NS ns.dnshost.com.
www A 192.0.2.60
";

pub fn small_zone(apex: &str, servers: &[(&str, &str)], extra: &str) -> String {
    let mut text =
        format!("$ORIGIN {apex}\n$TTL 300\n@ SOA ns1 hostmaster 1 1800 900 604800 300\n");
    for (name, address) in servers {
        text.push_str(&format!("@ NS {name}\n{name} A {address}\n"));
    }
    text.push_str(extra);
    text
}

/// The world in the picture, with every server normal.
pub fn world(config: ResolverConfig, seed: u64) -> Sim {
    let lame = small_zone(
        "lame.com.",
        &[("ns1", "10.5.0.1"), ("ns2", "10.5.0.2")],
        "www A 192.0.2.70\nwww2 A 192.0.2.71\n",
    );
    let slow = small_zone(
        "slow.com.",
        &[("ns1", "10.10.0.1"), ("ns2", "10.10.0.2")],
        "a A 192.0.2.11\nb A 192.0.2.12\nc A 192.0.2.13\nd A 192.0.2.14\n",
    );
    let spoofed = small_zone("spoofed.com.", &[("ns1", "10.7.0.1")], "www A 192.0.2.90\n");
    let old = small_zone(
        "oldserver.com.",
        &[("ns1", "10.8.0.1")],
        "www A 192.0.2.100\n",
    );
    let ecs = small_zone("ecs.com.", &[("ns1", "10.9.0.1")], "www A 192.0.2.110\n");
    let big_txt = format!(
        "big TXT {}\n",
        (0..6)
            .map(|_| format!("\"{}\"", "x".repeat(250)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let example_com = format!("{EXAMPLE_COM}{big_txt}");
    let zones: Vec<&str> = vec![
        ROOT,
        COM,
        NET,
        EXAMPLE_NET,
        &example_com,
        OUTSIDE_COM,
        DNSHOST_COM,
        GLUELESS_COM,
        &lame,
        &slow,
        &spoofed,
        &old,
        &ecs,
    ];
    let mut sim = Sim::new(config, seed, &zones, "10.0.0.1".parse().expect("ip"));
    sim.server("10.0.0.1", &["."]);
    sim.server("10.1.0.1", &["com."]);
    sim.server("10.2.0.1", &["net."]);
    sim.server("10.3.0.1", &["example.com."]);
    sim.server("10.3.0.2", &["example.com."]);
    sim.server("10.4.0.1", &["example.net.", "outside.com."]);
    sim.server("10.6.0.1", &["dnshost.com.", "glueless.com."]);
    sim.server("10.5.0.1", &["lame.com."]).behaviour = Behaviour::Refused;
    sim.server("10.5.0.2", &["lame.com."]);
    sim.server("10.10.0.1", &["slow.com."]).behaviour = Behaviour::Blackhole;
    sim.server("10.10.0.2", &["slow.com."]);
    sim.server("10.7.0.1", &["spoofed.com."]).behaviour = Behaviour::Spoofing;
    sim.server("10.8.0.1", &["oldserver.com."]).behaviour = Behaviour::NoEdns;
    sim.server("10.9.0.1", &["ecs.com."]).ecs_scope = Some(24);
    sim
}
