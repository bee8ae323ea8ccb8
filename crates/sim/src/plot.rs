//! An SVG plot of a sweep: attacker success (share of ASes) against adoption (percent), one line per
//! defence (the mean) over a band from the lowest to the highest trial. Hand-written SVG: axes, ticks,
//! grid, legend; no plotting dependency.

use crate::sweep::{SweepPoint, SweepReport};
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// The plot of `report` as an SVG document.
pub fn svg(report: &SweepReport) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |adoption: f64| LEFT + adoption.clamp(0.0, 100.0) / 100.0 * plot_w;
    let y = |share: f64| TOP + (1.0 - share.clamp(0.0, 1.0)) * plot_h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let title = format!(
        "{:?}: attacker success vs adoption ({} trials per point)",
        report.spec.attack, report.spec.trials
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        LEFT + plot_w / 2.0,
        escape(&title)
    );
    for tick in 0..=10 {
        let value = f64::from(tick) * 10.0;
        let (tx, ty) = (x(value), y(value / 100.0));
        let _ = writeln!(
            out,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{:.1}" stroke="#eee"/><line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#eee"/>"##,
            TOP + plot_h,
            LEFT + plot_w
        );
        let _ = writeln!(
            out,
            r#"<text x="{tx:.1}" y="{:.1}" text-anchor="middle">{value}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{:.1}</text>"#,
            TOP + plot_h + 16.0,
            LEFT - 6.0,
            ty + 4.0,
            value / 100.0
        );
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="black"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{0:.1}" stroke="black"/>"#,
        TOP + plot_h,
        LEFT + plot_w
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">adoption (% of ASes)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 18.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(20 {:.1}) rotate(-90)" text-anchor="middle">attacker success (share of ASes)</text>"#,
        TOP + plot_h / 2.0
    );
    for (number, defence) in report.spec.defences.iter().enumerate() {
        let colour = COLOURS[number % COLOURS.len()];
        let points: Vec<&SweepPoint> = report
            .points
            .iter()
            .filter(|p| p.defence == *defence)
            .collect();
        if points.is_empty() {
            continue;
        }
        let upper = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.adoption), y(p.max)));
        let lower = points
            .iter()
            .rev()
            .map(|p| format!("{:.1},{:.1}", x(p.adoption), y(p.min)));
        let band: Vec<String> = upper.chain(lower).collect();
        let _ = writeln!(
            out,
            r#"<polygon points="{}" fill="{colour}" fill-opacity="0.18" stroke="none"/>"#,
            band.join(" ")
        );
        let line: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.adoption), y(p.mean)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            line.join(" ")
        );
        for p in &points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(p.adoption),
                y(p.mean)
            );
        }
        let ly = TOP + 10.0 + number as f64 * 20.0;
        let lx = LEFT + plot_w + 15.0;
        let _ = writeln!(
            out,
            r#"<rect x="{lx:.1}" y="{:.1}" width="18" height="10" fill="{colour}" fill-opacity="0.5"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            ly - 5.0,
            lx + 24.0,
            ly + 4.0,
            defence.name().to_uppercase()
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
