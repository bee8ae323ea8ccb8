//! Writing a world back to TOML ([`World::to_toml`]), in a layout meant to be read and diffed: one line
//! per AS and per link (inline tables in the `as` and `link` arrays, which TOML makes the same data as
//! `[[as]]` and `[[link]]` tables), then `[anycast]` and its PoPs as tables. Only fields that are set are
//! written; floats are written in Rust's shortest round-trip form, so parsing the text gives back the
//! same model.

use crate::model::{Anycast, As, Link, Location, Pop, Relationship, World};
use std::fmt::Write;

impl World {
    /// The world as TOML that [`World::parse`] reads back to an equal model (airport coordinates come
    /// back only when the same airport table is given).
    pub fn to_toml(&self) -> String {
        let mut out =
            String::from("# A globe lab world; the format is described in docs/lab.md.\n");
        if let Some(name) = &self.name {
            let _ = writeln!(out, "name = {}", string(name));
        }
        if !self.ases.is_empty() {
            out.push_str(
                "\n# ASes: kind is tier1, transit, stub or ixp; location is an IATA code or lat/lon;\n\
                 # addresses counts the IPv4 addresses the AS holds.\nas = [\n",
            );
            for entry in &self.ases {
                let _ = writeln!(out, "  {},", inline_as(entry));
            }
            out.push_str("]\n");
        }
        if !self.links.is_empty() {
            out.push_str(
                "\n# Links: provider/customer or peers; latency_ms is the one-way delay.\nlink = [\n",
            );
            for link in &self.links {
                let _ = writeln!(out, "  {},", inline_link(link));
            }
            out.push_str("]\n");
        }
        if let Some(anycast) = &self.anycast {
            write_anycast(&mut out, anycast);
        }
        out
    }
}

fn inline_as(entry: &As) -> String {
    let mut fields = vec![format!("asn = {}", entry.asn)];
    if let Some(name) = &entry.name {
        fields.push(format!("name = {}", string(name)));
    }
    fields.push(format!("kind = \"{}\"", entry.kind.name()));
    fields.extend(location_fields(entry.location.as_ref()));
    if let Some(country) = &entry.country {
        fields.push(format!("country = {}", string(country)));
    }
    if let Some(addresses) = entry.addresses {
        fields.push(format!("addresses = {addresses}"));
    }
    if !entry.services.is_empty() {
        let names: Vec<String> = entry
            .services
            .iter()
            .map(|service| format!("\"{}\"", service.name()))
            .collect();
        fields.push(format!("services = [{}]", names.join(", ")));
    }
    format!("{{ {} }}", fields.join(", "))
}

fn inline_link(link: &Link) -> String {
    let mut text = match link.relationship {
        Relationship::ProviderCustomer { provider, customer } => {
            format!("{{ provider = {provider}, customer = {customer}")
        }
        Relationship::Peers(a, b) => format!("{{ peers = [{a}, {b}]"),
    };
    if let Some(latency) = link.latency_ms {
        let _ = write!(text, ", latency_ms = {}", float(latency));
    }
    text.push_str(" }");
    text
}

fn write_anycast(out: &mut String, anycast: &Anycast) {
    out.push_str("\n[anycast]\n");
    if let Some(prefix) = anycast.prefix {
        let _ = writeln!(out, "prefix = \"{prefix}\"");
    }
    if let Some(prefix) = anycast.prefix6 {
        let _ = writeln!(out, "prefix6 = \"{prefix}\"");
    }
    let _ = writeln!(out, "asn = {}", anycast.asn);
    if !anycast.origins.is_empty() {
        let _ = writeln!(out, "origins = {}", asn_list(&anycast.origins));
    }
    for pop in &anycast.pops {
        write_pop(out, pop);
    }
}

fn write_pop(out: &mut String, pop: &Pop) {
    out.push_str("\n[[anycast.pop]]\n");
    let _ = writeln!(out, "name = {}", string(&pop.name));
    for field in location_fields(pop.location.as_ref()) {
        let _ = writeln!(out, "{field}");
    }
    let _ = writeln!(out, "upstreams = {}", asn_list(&pop.upstreams));
    if pop.no_export {
        let _ = writeln!(out, "no_export = true");
    }
    if pop.prepend > 0 {
        let _ = writeln!(out, "prepend = {}", pop.prepend);
    }
}

/// `location = "FRA"`, or `lat = …` and `lon = …`.
fn location_fields(location: Option<&Location>) -> Vec<String> {
    match location {
        None => Vec::new(),
        Some(Location::Airport { code, .. }) => vec![format!("location = {}", string(code))],
        Some(Location::Coordinates(point)) => vec![
            format!("lat = {}", float(point.lat)),
            format!("lon = {}", float(point.lon)),
        ],
    }
}

fn asn_list(asns: &[u32]) -> String {
    let items: Vec<String> = asns.iter().map(u32::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            control if control.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// A TOML float: the shortest text that reads back as the same `f64`, always with a `.` or exponent.
fn float(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{value:?}")
    }
}
