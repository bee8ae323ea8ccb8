//! dig's output, as text: the banner, the header and flags, the OPT pseudosection, the sections with
//! records lined up in dig's columns, the statistics, `+short`, and the `;; Received` line of
//! `+trace`. Pure: everything it shows (round-trip time, the clock) is passed in.
//!
//! Records are lined up as BIND's default style for dig does: TTL at column 24, class at 32, type at
//! 40, RDATA at 48, reached with tabs of width 8, or with one space when the text before has already
//! passed the column (`masterdump.c`, `indent()`).

use super::options::Display;
use globe_dns::edns::OPTION_NSID;
use globe_dns::{Edns, EdnsOption, Message, Question, Record};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

/// The column the TTL starts at.
const TTL_COLUMN: usize = 24;
/// The column the class starts at.
const CLASS_COLUMN: usize = 32;
/// The column the type starts at.
const TYPE_COLUMN: usize = 40;
/// The column the RDATA starts at.
const RDATA_COLUMN: usize = 48;
/// The tab width dig's columns assume.
const TAB_WIDTH: usize = 8;
/// The option code of Extended DNS Errors (RFC 8914).
const OPTION_EXTENDED_ERROR: u16 = 15;

/// The transport an answer came over, as `;; SERVER:` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
}

impl Protocol {
    /// `UDP` or `TCP`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
        }
    }
}

/// What the statistics lines report about one exchange.
#[derive(Clone, Copy, Debug)]
pub struct Stats<'a> {
    /// The time from sending the query to receiving the answer.
    pub rtt: Duration,
    /// The server's address.
    pub server: SocketAddr,
    /// The server as given (`@name`), or its address.
    pub label: &'a str,
    /// The transport of the answer.
    pub protocol: Protocol,
    /// When the answer came, in seconds since the Unix epoch.
    pub when: u64,
    /// The answer's size in octets.
    pub size: usize,
}

/// `\n; <<>> globe dig <<>> ARGS\n`, the server count when `@SERVER` was given, and the global options
/// line, as dig starts its output.
pub fn banner(args: &[String], servers_found: Option<usize>) -> String {
    let mut out = format!("\n; <<>> globe dig <<>> {}\n", args.join(" "));
    match servers_found {
        Some(1) => out.push_str("; (1 server found)\n"),
        Some(count) => {
            let _ = writeln!(out, "; ({count} servers found)");
        }
        None => {}
    }
    out.push_str(";; global options: +cmd\n");
    out
}

/// A response as dig prints it after the banner: `;; Got answer:`, header, pseudosection and the
/// sections `display` asks for. Section titles and the blank lines after sections are comments.
pub fn message(message: &Message, display: &Display) -> String {
    let mut out = String::new();
    if display.comments {
        out.push_str(";; Got answer:\n");
        out.push_str(&header(message));
        out.push('\n');
        if let Some(edns) = &message.edns {
            out.push_str(";; OPT PSEUDOSECTION:\n");
            out.push_str(&pseudosection(edns));
        }
    }
    if display.question && !message.questions.is_empty() {
        if display.comments {
            out.push_str(";; QUESTION SECTION:\n");
        }
        for question in &message.questions {
            out.push_str(&question_line(question));
            out.push('\n');
        }
        if display.comments {
            out.push('\n');
        }
    }
    for (shown, title, records) in [
        (display.answer, "ANSWER", &message.answers),
        (display.authority, "AUTHORITY", &message.authority),
        (display.additional, "ADDITIONAL", &message.additional),
    ] {
        if !shown || records.is_empty() {
            continue;
        }
        if display.comments {
            let _ = writeln!(out, ";; {title} SECTION:");
        }
        for record in records {
            out.push_str(&record_line(record));
            out.push('\n');
        }
        if display.comments {
            out.push('\n');
        }
    }
    out
}

/// The `->>HEADER<<-` and `flags:` lines, and dig's warning when recursion was asked but is not
/// available.
pub fn header(message: &Message) -> String {
    let h = &message.header;
    let mut out = format!(
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}\n;; flags:",
        h.opcode(),
        message.rcode(),
        h.id
    );
    for (set, flag) in [
        (h.qr, "qr"),
        (h.aa, "aa"),
        (h.tc, "tc"),
        (h.rd, "rd"),
        (h.ra, "ra"),
        (h.ad, "ad"),
        (h.cd, "cd"),
    ] {
        if set {
            out.push(' ');
            out.push_str(flag);
        }
    }
    // The OPT record is counted in ADDITIONAL, as on the wire.
    let _ = writeln!(
        out,
        "; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        message.questions.len(),
        message.answers.len(),
        message.authority.len(),
        message.additional.len() + usize::from(message.edns.is_some())
    );
    if h.rd && !h.ra {
        out.push_str(";; WARNING: recursion requested but not available\n");
    }
    out
}

/// The lines under `;; OPT PSEUDOSECTION:`: the EDNS version, flags and payload size, then one line
/// per option.
pub fn pseudosection(edns: &Edns) -> String {
    let mut out = format!("; EDNS: version: {}, flags:", edns.version);
    if edns.dnssec_ok {
        out.push_str(" do");
    }
    if edns.z != 0 {
        let _ = write!(out, "; MBZ: 0x{:04x}, udp: {}", edns.z, edns.udp_payload);
    } else {
        let _ = write!(out, "; udp: {}", edns.udp_payload);
    }
    out.push('\n');
    for option in &edns.options {
        out.push_str(&option_line(option));
        out.push('\n');
    }
    out
}

/// One EDNS option as dig prints it: `; NSID: 70 6f 70 31 ("pop1")`, `; CLIENT-SUBNET:
/// 192.0.2.0/24/20`, `; COOKIE: <hex>`, `; EDE: 18 (Prohibited)`, else `; OPT=<code>: <hex> ("text")`.
pub fn option_line(option: &EdnsOption) -> String {
    match option {
        EdnsOption::Nsid(data) => format!("; NSID: {}", hex_and_text(data)),
        EdnsOption::ClientSubnet(subnet) => format!(
            "; CLIENT-SUBNET: {}/{}/{}",
            subnet.address, subnet.source_prefix, subnet.scope_prefix
        ),
        EdnsOption::Cookie(cookie) => {
            let mut out = String::from("; COOKIE: ");
            for byte in cookie.client.iter().chain(cookie.server.iter().flatten()) {
                let _ = write!(out, "{byte:02x}");
            }
            out
        }
        EdnsOption::Unknown { code, data } if *code == OPTION_EXTENDED_ERROR && data.len() >= 2 => {
            let info = u16::from_be_bytes([data[0], data[1]]);
            let mut out = format!("; EDE: {info}");
            if let Some(name) = extended_error_name(info) {
                let _ = write!(out, " ({name})");
            }
            if data.len() > 2 {
                let _ = write!(out, ": ({})", printable(&data[2..]));
            }
            out
        }
        EdnsOption::Unknown { code, data } => format!("; OPT={code}: {}", hex_and_text(data)),
    }
}

/// The question line: `;name`, class at column 32, type at 40 (a question has no TTL column).
pub fn question_line(question: &Question) -> String {
    let mut line = Line::new(format!(";{}", question.name));
    line.indent_to(CLASS_COLUMN);
    line.push(&question.qclass.to_string());
    line.indent_to(TYPE_COLUMN);
    line.push(&question.qtype.to_string());
    line.text
}

/// A record in zone-file form, lined up in dig's columns.
pub fn record_line(record: &Record) -> String {
    let mut line = Line::new(record.name.to_string());
    line.indent_to(TTL_COLUMN);
    line.push(&record.ttl.to_string());
    line.indent_to(CLASS_COLUMN);
    line.push(&record.class.to_string());
    line.indent_to(TYPE_COLUMN);
    line.push(&record.rtype().to_string());
    line.indent_to(RDATA_COLUMN);
    line.push(&record.data.to_string());
    line.text
}

/// `+short`: the RDATA of each answer, one a line.
pub fn short(message: &Message) -> String {
    let mut out = String::new();
    for record in &message.answers {
        let _ = writeln!(out, "{}", record.data);
    }
    out
}

/// The statistics block, with the blank line dig ends its output with.
pub fn stats(stats: &Stats<'_>) -> String {
    format!(
        ";; Query time: {} msec\n;; SERVER: {}#{}({}) ({})\n;; WHEN: {}\n;; MSG SIZE  rcvd: {}\n\n",
        stats.rtt.as_millis(),
        stats.server.ip(),
        stats.server.port(),
        stats.label,
        stats.protocol.name(),
        when(stats.when),
        stats.size
    )
}

/// `+trace`'s line after each step: `;; Received 78 bytes from 127.0.0.11#53(a.root.test) in 0 ms`.
pub fn received(size: usize, server: SocketAddr, name: &str, rtt: Duration) -> String {
    format!(
        ";; Received {size} bytes from {}#{}({name}) in {} ms",
        server.ip(),
        server.port(),
        rtt.as_millis()
    )
}

/// The options that identify a server in `+trace` output (NSID), one line each.
pub fn identity_lines(message: &Message) -> String {
    let mut out = String::new();
    for option in message.edns.iter().flat_map(|e| &e.options) {
        if option.code() == OPTION_NSID {
            out.push_str(&option_line(option));
            out.push('\n');
        }
    }
    out
}

/// A Unix time as dig's `;; WHEN:` prints it (`Thu Nov 26 07:45:51 UTC 2026`), always in UTC.
pub fn when(unix_seconds: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds / 86_400;
    let seconds = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize % 12],
        day,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        year
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// `70 6f 70 31 ("pop1")`: each octet in hex, then the text with unprintable octets as `.`.
fn hex_and_text(data: &[u8]) -> String {
    let mut out = String::new();
    for byte in data {
        let _ = write!(out, "{byte:02x} ");
    }
    let _ = write!(out, "(\"{}\")", printable(data));
    out
}

fn printable(data: &[u8]) -> String {
    data.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// The names of Extended DNS Error codes (RFC 8914 §4).
fn extended_error_name(code: u16) -> Option<&'static str> {
    const NAMES: [&str; 25] = [
        "Other",
        "Unsupported DNSKEY Algorithm",
        "Unsupported DS Digest Type",
        "Stale Answer",
        "Forged Answer",
        "DNSSEC Indeterminate",
        "DNSSEC Bogus",
        "Signature Expired",
        "Signature Not Yet Valid",
        "DNSKEY Missing",
        "RRSIGs Missing",
        "No Zone Key Bit Set",
        "NSEC Missing",
        "Cached Error",
        "Not Ready",
        "Blocked",
        "Censored",
        "Filtered",
        "Prohibited",
        "Stale NXDomain Answer",
        "Not Authoritative",
        "Not Supported",
        "No Reachable Authority",
        "Network Error",
        "Invalid Data",
    ];
    NAMES.get(usize::from(code)).copied()
}

/// A line being written, with the column its end is at (all text here is ASCII: names and RDATA are
/// printed with `\DDD` escapes).
struct Line {
    text: String,
    column: usize,
}

impl Line {
    fn new(text: String) -> Line {
        let column = text.chars().count();
        Line { text, column }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.column += text.chars().count();
    }

    /// Moves to column `to` with tabs, or by one space when already there or past it.
    fn indent_to(&mut self, to: usize) {
        let to = to.max(self.column + 1);
        let tabs = to / TAB_WIDTH - self.column / TAB_WIDTH;
        let mut from = self.column;
        if tabs > 0 {
            self.text.extend(std::iter::repeat_n('\t', tabs));
            from = to / TAB_WIDTH * TAB_WIDTH;
        }
        self.text.extend(std::iter::repeat_n(' ', to - from));
        self.column = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globe_dns::{Class, ClientSubnet, Cookie, Header, RData, RType};

    fn record(owner: &str, ttl: u32, data: RData) -> Record {
        Record {
            name: owner.parse().expect("name"),
            class: Class::IN,
            ttl,
            data,
        }
    }

    fn a(text: &str) -> RData {
        RData::A(text.parse().expect("ip"))
    }

    /// Lines as dig 9.18 printed them for the same records (`cat -A`, `^I` being a tab).
    #[test]
    fn records_line_up_like_dig() {
        let cases = [
            (
                record("www.example.test.", 300, a("192.0.2.80")),
                "www.example.test.\t300\tIN\tA\t192.0.2.80",
            ),
            (
                record("a23456.example.test.", 3_600_000, a("192.0.2.1")),
                "a23456.example.test.\t3600000\tIN\tA\t192.0.2.1",
            ),
            (
                record("a23456789012345.example.test.", 1_234_567, a("192.0.2.1")),
                "a23456789012345.example.test. 1234567 IN A\t192.0.2.1",
            ),
            (
                record(
                    "a234567890123456789012345678.example.test.",
                    1_234_567_890,
                    RData::Aaaa("2001:db8::1".parse().expect("ip")),
                ),
                "a234567890123456789012345678.example.test. 1234567890 IN AAAA 2001:db8::1",
            ),
            (
                record(
                    "example.test.",
                    60,
                    RData::Ns("ns1.example.test.".parse().expect("name")),
                ),
                "example.test.\t\t60\tIN\tNS\tns1.example.test.",
            ),
        ];
        for (record, expected) in cases {
            assert_eq!(record_line(&record), expected);
        }
        let question = |name: &str, qtype| Question {
            name: name.parse().expect("name"),
            qtype,
            qclass: Class::IN,
        };
        assert_eq!(
            question_line(&question("www.example.test.", RType::A)),
            ";www.example.test.\t\tIN\tA"
        );
        assert_eq!(
            question_line(&question("a23456789012345.example.test.", RType::ANY)),
            ";a23456789012345.example.test.\tIN\tANY"
        );
        assert_eq!(
            question_line(&question(
                "a234567890123456789012345678.example.test.",
                RType::ANY
            )),
            ";a234567890123456789012345678.example.test. IN ANY"
        );
        assert_eq!(question_line(&question(".", RType::NS)), ";.\t\t\t\tIN\tNS");
    }

    fn response() -> Message {
        Message {
            header: Header {
                id: 2215,
                qr: true,
                aa: true,
                rd: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: "www.example.test.".parse().expect("name"),
                qtype: RType::A,
                qclass: Class::IN,
            }],
            answers: vec![record("www.example.test.", 300, a("192.0.2.80"))],
            edns: Some(Edns {
                options: vec![EdnsOption::Nsid(b"pop1".to_vec())],
                ..Edns::default()
            }),
            ..Message::default()
        }
    }

    /// The whole answer as dig 9.18 printed it for `dig @127.0.0.1 -p 15353 www.example.test A +nsid`.
    #[test]
    fn a_response_reads_like_dig() {
        let args: Vec<String> = [
            "@127.0.0.1",
            "-p",
            "15353",
            "www.example.test",
            "A",
            "+nsid",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut out = banner(&args, Some(1));
        out.push_str(&message(&response(), &Display::default()));
        out.push_str(&stats(&Stats {
            rtt: Duration::from_micros(450),
            server: "127.0.0.1:15353".parse().expect("addr"),
            label: "127.0.0.1",
            protocol: Protocol::Udp,
            when: 1_795_679_151,
            size: 69,
        }));
        let expected = "
; <<>> globe dig <<>> @127.0.0.1 -p 15353 www.example.test A +nsid
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 2215
;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1
;; WARNING: recursion requested but not available

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
; NSID: 70 6f 70 31 (\"pop1\")
;; QUESTION SECTION:
;www.example.test.\t\tIN\tA

;; ANSWER SECTION:
www.example.test.\t300\tIN\tA\t192.0.2.80

;; Query time: 0 msec
;; SERVER: 127.0.0.1#15353(127.0.0.1) (UDP)
;; WHEN: Thu Nov 26 07:45:51 UTC 2026
;; MSG SIZE  rcvd: 69

";
        assert_eq!(out, expected);
    }

    #[test]
    fn display_options_drop_parts() {
        let display = Display {
            cmd: false,
            comments: false,
            question: false,
            authority: false,
            additional: false,
            stats: false,
            ..Display::default()
        };
        assert_eq!(
            message(&response(), &display),
            "www.example.test.\t300\tIN\tA\t192.0.2.80\n"
        );
        assert_eq!(short(&response()), "192.0.2.80\n");
    }

    #[test]
    fn pseudosection_options() {
        let edns = Edns {
            udp_payload: 4096,
            dnssec_ok: true,
            options: vec![
                EdnsOption::ClientSubnet(ClientSubnet {
                    scope_prefix: 20,
                    ..ClientSubnet::new("1.2.3.4".parse().expect("ip"), 24)
                }),
                EdnsOption::Cookie(Cookie {
                    client: [1, 2, 3, 4, 5, 6, 7, 8],
                    server: Some(vec![0xab; 8]),
                }),
                EdnsOption::Unknown {
                    code: 15,
                    data: b"\x00\x12no".to_vec(),
                },
                EdnsOption::Unknown {
                    code: 65001,
                    data: vec![9, b'x'],
                },
            ],
            ..Edns::default()
        };
        assert_eq!(
            pseudosection(&edns),
            "; EDNS: version: 0, flags: do; udp: 4096\n\
             ; CLIENT-SUBNET: 1.2.3.0/24/20\n\
             ; COOKIE: 0102030405060708abababababababab\n\
             ; EDE: 18 (Prohibited): (no)\n\
             ; OPT=65001: 09 78 (\".x\")\n"
        );
        let odd = Edns {
            z: 1,
            ..Edns::default()
        };
        assert_eq!(
            pseudosection(&odd),
            "; EDNS: version: 0, flags:; MBZ: 0x0001, udp: 1232\n"
        );
    }

    #[test]
    fn header_counts_and_rcode() {
        let mut nx = response();
        nx.header.rd = false;
        nx.header.tc = true;
        nx.answers.clear();
        nx.set_rcode(globe_dns::Rcode::NXDOMAIN);
        assert_eq!(
            header(&nx),
            ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 2215\n\
             ;; flags: qr aa tc; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1\n"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(when(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(when(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(when(1_795_679_151), "Thu Nov 26 07:45:51 UTC 2026");
        assert_eq!(when(4_102_444_799), "Thu Dec 31 23:59:59 UTC 2099");
    }

    #[test]
    fn received_line() {
        assert_eq!(
            received(
                78,
                "127.0.0.11:53".parse().expect("addr"),
                "a.root.test",
                Duration::from_millis(3)
            ),
            ";; Received 78 bytes from 127.0.0.11#53(a.root.test) in 3 ms"
        );
    }
}
