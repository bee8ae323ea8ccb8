//! Black-box tests of `globe dig` against `globe auth` over loopback: its output beside dig's for the
//! same queries (they must agree but for the banner, the ID, the time and the date), `+tcp`, the
//! retry over TCP after truncation, `+subnet` against a steering server that echoes ECS, a server that
//! never answers, usage errors, and `+trace` down a three-level hierarchy on 127.0.0.11-13 (one
//! port for all, as `+trace` uses the same port for every server):
//!
//! ```text
//!   root hints: a.root.test. 127.0.0.11
//!   127.0.0.11  .             NS a.root.test.; test. NS ns.test. (glue 127.0.0.12)
//!   127.0.0.12  test.         example.test. NS ns1.example.test. (glue 127.0.0.13)
//!                             other.test. NS ns.other-host.example.test. (no glue)
//!                             loop.test. NS ns.loop.test. (no glue: cannot be found)
//!   127.0.0.13  example.test. www A 192.0.2.80; ns.other-host A 127.0.0.13
//!               other.test.   www A 192.0.2.99
//! ```

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::{free_port, loopback, Server};

const EXAMPLE: &str = "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster 1 3600 600 86400 60\n\
@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\nalias CNAME www\n\
@ MX 10 mail\nmail A 192.0.2.25\nmail AAAA 2001:db8::25\n\
text TXT \"hello world\" \"two\"\n\
a234567890123456789012345678 A 192.0.2.7\n";

/// `EXAMPLE` with an RRset too large for 1232 octets, to make UDP answers truncated.
fn example_with_big_rrset() -> String {
    let mut zone = EXAMPLE.to_string();
    for i in 0..40 {
        zone.push_str(&format!("big TXT \"{}-{i}\"\n", "x".repeat(60)));
    }
    zone
}

fn globe_dig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_globe"))
        .arg("dig")
        .args(args)
        .output()
        .expect("run globe dig")
}

fn real_dig(args: &[&str]) -> Output {
    Command::new("dig")
        .args(args)
        .output()
        .expect("dig is installed (scripts/test-all.sh installs bind9-dnsutils)")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The output without what differs from run to run or between programs: the banner, the message
/// ID, the query time and the date.
fn normalized(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.starts_with("; <<>> "))
        .map(|line| {
            if let Some((head, _)) = line.split_once(", id: ") {
                format!("{head}, id: ID")
            } else if line.starts_with(";; Query time:") {
                ";; Query time: T".to_string()
            } else if line.starts_with(";; WHEN:") {
                ";; WHEN: T".to_string()
            } else {
                line.to_string()
            }
        })
        .collect()
}

fn contains_in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn a_query_prints_what_dig_prints() {
    let port = free_port(&[loopback(1)]);
    let address = SocketAddr::new(loopback(1), port);
    let _server = Server::start(
        "plain",
        address,
        &[("example.test.", EXAMPLE)],
        &["--nsid", "pop1"],
        "example.test.",
    );
    let port = port.to_string();
    let output = globe_dig(&["@127.0.0.1", "-p", &port, "www.example.test", "A", "+nsid"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        contains_in_order(
            &text,
            &[
                &format!("\n; <<>> globe dig <<>> @127.0.0.1 -p {port} www.example.test A +nsid\n"),
                ";; Got answer:\n",
                ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ",
                "\n;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n",
                "\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n",
                "; NSID: 70 6f 70 31 (\"pop1\")\n",
                ";; QUESTION SECTION:\n;www.example.test.\t\tIN\tA\n\n",
                ";; ANSWER SECTION:\nwww.example.test.\t300\tIN\tA\t192.0.2.80\n\n",
                ";; Query time: ",
                &format!(" msec\n;; SERVER: 127.0.0.1#{port}(127.0.0.1) (UDP)\n;; WHEN: "),
                " UTC ",
                "\n;; MSG SIZE  rcvd: 69\n\n",
            ]
        ),
        "{text}"
    );
    // The same queries through dig: everything but the banner, ID, time and date agrees.
    let cases: [&[&str]; 8] = [
        &["www.example.test", "A", "+nsid"],
        &["nope.example.test", "+norecurse"],
        &["example.test", "NS"],
        &["example.test", "MX", "+dnssec", "+bufsize=4000"],
        &["alias.example.test"],
        &["text.example.test", "TXT", "+noall", "+answer"],
        &[
            "a234567890123456789012345678.example.test",
            "+nocmd",
            "+nostats",
        ],
        &["mail.example.test", "AAAA", "+short"],
    ];
    for case in cases {
        let mut args = vec!["@127.0.0.1", "-p", &port];
        args.extend_from_slice(case);
        let ours = stdout(&globe_dig(&args));
        let theirs = stdout(&real_dig(&args));
        assert_eq!(
            normalized(&ours),
            normalized(&theirs),
            "globe dig {args:?}:\n{ours}\ndig:\n{theirs}"
        );
    }
}

#[test]
fn tcp_and_the_retry_after_truncation() {
    let port = free_port(&[loopback(1)]);
    let address = SocketAddr::new(loopback(1), port);
    let zone = example_with_big_rrset();
    let _server = Server::start(
        "tcp",
        address,
        &[("example.test.", &zone)],
        &[],
        "example.test.",
    );
    let port = port.to_string();
    let text = stdout(&globe_dig(&[
        "@127.0.0.1",
        "-p",
        &port,
        "www.example.test",
        "+tcp",
    ]));
    assert!(
        text.contains("www.example.test.\t300\tIN\tA\t192.0.2.80\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(";; SERVER: 127.0.0.1#{port}(127.0.0.1) (TCP)\n")),
        "{text}"
    );
    // 40 TXT records do not fit 1232 octets: TC over UDP, then the whole RRset over TCP.
    let output = globe_dig(&["@127.0.0.1", "-p", &port, "big.example.test", "TXT"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text.starts_with(";; Truncated, retrying in TCP mode.\n"),
        "{text}"
    );
    assert!(text.contains("ANSWER: 40,"), "{text}");
    assert!(text.contains("(TCP)\n"), "{text}");
    let theirs = stdout(&real_dig(&[
        "@127.0.0.1",
        "-p",
        &port,
        "big.example.test",
        "TXT",
    ]));
    assert_eq!(normalized(&text), normalized(&theirs));
    // +ignore keeps the truncated answer.
    let text = stdout(&globe_dig(&[
        "@127.0.0.1",
        "-p",
        &port,
        "big.example.test",
        "TXT",
        "+ignore",
    ]));
    assert!(!text.contains("Truncated"), "{text}");
    assert!(text.contains(";; flags: qr aa tc rd;"), "{text}");
    assert!(text.contains("(UDP)\n"), "{text}");
}

#[test]
fn subnet_is_sent_and_the_echo_shown() {
    const CONFIG: &str = "pop = \"FRA\"\n\n[geoip]\nnetworks = [\n\
        { prefix = \"1.2.3.0/24\", location = \"NRT\" },\n]\n\n\
        [[target]]\nid = \"fra\"\nlocation = \"FRA\"\naddresses = [\"192.0.2.10\"]\n\n\
        [[target]]\nid = \"nrt\"\nlocation = \"NRT\"\naddresses = [\"192.0.2.14\"]\n\n\
        [[steer]]\nname = \"geo.example.test.\"\ntargets = [\"fra\", \"nrt\"]\n\
        policy = [\"nearest\"]\nfirst = 1\n\n\
        [[zone]]\norigin = \"example.test.\"\nfile = \"example.test.zone\"\n";
    let port = free_port(&[loopback(1)]);
    let address = SocketAddr::new(loopback(1), port);
    let _server = Server::with_config(
        "subnet",
        address,
        CONFIG,
        &[("example.test.zone", EXAMPLE)],
        "example.test.",
    );
    let port = port.to_string();
    for (subnet, expected_line, answer) in [
        // Tokyo's subnet is steered to NRT, with the table's /24 as scope.
        (
            "+subnet=1.2.3.4/24",
            "; CLIENT-SUBNET: 1.2.3.0/24/24\n",
            "192.0.2.14",
        ),
        // An unknown subnet falls back to the PoP (FRA); the scope is that of the lookup.
        (
            "+subnet=198.51.100.0/24",
            "; CLIENT-SUBNET: 198.51.100.0/24/",
            "192.0.2.10",
        ),
    ] {
        let args = ["@127.0.0.1", "-p", &port, "geo.example.test", subnet];
        let ours = stdout(&globe_dig(&args));
        assert!(ours.contains(expected_line), "{ours}");
        assert!(
            ours.contains(&format!("geo.example.test.\t30\tIN\tA\t{answer}\n")),
            "{ours}"
        );
        let theirs = stdout(&real_dig(&args));
        assert_eq!(normalized(&ours), normalized(&theirs));
    }
    let text = stdout(&globe_dig(&[
        "@127.0.0.1",
        "-p",
        &port,
        "geo.example.test",
        "+subnet=1.2.3.4/24",
        "+tcp",
    ]));
    assert!(text.contains("; CLIENT-SUBNET: 1.2.3.0/24/24\n"), "{text}");
    assert!(text.contains("(TCP)\n"), "{text}");
}

#[test]
fn no_answer_is_exit_code_9_and_bad_usage_exit_code_1() {
    // A socket that takes queries and never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port().to_string();
    let started = Instant::now();
    let output = globe_dig(&[
        "@127.0.0.1",
        "-p",
        &port,
        "www.example.test",
        "+time=1",
        "+tries=2",
    ]);
    assert_eq!(output.status.code(), Some(9));
    assert!(started.elapsed() >= Duration::from_secs(2));
    let text = stdout(&output);
    let timed_out = format!(";; communications error to 127.0.0.1#{port}: timed out\n");
    assert_eq!(text.matches(&timed_out).count(), 2, "{text}");
    assert!(text.ends_with(";; no servers could be reached\n"), "{text}");

    for args in [
        &["+bogus"][..],
        &["www.example.test", "+time=soon"],
        &["foo..bar"],
        &["-p"],
    ] {
        let output = globe_dig(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.starts_with("globe dig: "), "{error}");
        assert!(error.contains("Usage:"), "{error}");
    }
    let error = String::from_utf8_lossy(&globe_dig(&["+bogus"]).stderr).into_owned();
    assert!(error.contains("Invalid option: +bogus"), "{error}");
}

const ROOT: &str = "$ORIGIN .\n$TTL 86400\n\
. SOA a.root.test. hostmaster.root.test. 1 1800 900 604800 86400\n\
. NS a.root.test.\na.root.test. A 127.0.0.11\n\
test. NS ns.test.\nns.test. A 127.0.0.12\n";

const TEST: &str = "$ORIGIN test.\n$TTL 86400\n\
@ SOA ns hostmaster 1 1800 900 604800 86400\n@ NS ns\nns A 127.0.0.12\n\
a.root A 127.0.0.11\n\
example NS ns1.example\nns1.example A 127.0.0.13\n\
other NS ns.other-host.example.test.\n\
loop NS ns.loop.test.\n";

const HIERARCHY_EXAMPLE: &str = "$ORIGIN example.test.\n$TTL 300\n\
@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.13\n\
www A 192.0.2.80\nns.other-host A 127.0.0.13\n";

const OTHER: &str = "$ORIGIN other.test.\n$TTL 300\n\
@ SOA ns.other-host.example.test. hostmaster 1 3600 600 86400 60\n\
@ NS ns.other-host.example.test.\nwww A 192.0.2.99\n";

/// The three servers of the hierarchy and the hints file.
struct Hierarchy {
    _servers: Vec<Server>,
    port: String,
    hints: PathBuf,
}

impl Hierarchy {
    fn start(label: &str) -> Hierarchy {
        let addresses = [loopback(11), loopback(12), loopback(13)];
        let port = free_port(&addresses);
        let at = |index: usize| SocketAddr::new(addresses[index], port);
        let servers = vec![
            Server::start(
                &format!("{label}-root"),
                at(0),
                &[(".", ROOT)],
                &["--nsid", "root-1"],
                ".",
            ),
            Server::start(
                &format!("{label}-test"),
                at(1),
                &[("test.", TEST)],
                &["--nsid", "test-1"],
                "test.",
            ),
            Server::start(
                &format!("{label}-example"),
                at(2),
                &[("example.test.", HIERARCHY_EXAMPLE), ("other.test.", OTHER)],
                &["--nsid", "example-1"],
                "example.test.",
            ),
        ];
        let hints = servers[0].dir.join("root.hints");
        std::fs::write(
            &hints,
            ".\t3600000\tNS\ta.root.test.\na.root.test.\t3600000\tA\t127.0.0.11\n",
        )
        .expect("hints");
        Hierarchy {
            _servers: servers,
            port: port.to_string(),
            hints,
        }
    }

    fn hints_option(&self) -> String {
        format!("+root-hints={}", self.hints.display())
    }
}

#[test]
fn trace_walks_root_test_example() {
    let hierarchy = Hierarchy::start("trace");
    let port = &hierarchy.port;
    let hints = hierarchy.hints_option();
    let output = globe_dig(&["+trace", "-p", port, &hints, "www.example.test", "+nsid"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        contains_in_order(
            &text,
            &[
                &format!("; <<>> globe dig <<>> +trace -p {port} {hints} www.example.test +nsid\n"),
                ".\t\t\t3600000\tIN\tNS\ta.root.test.\n",
                ";; 1 root server from ",
                "\n\ntest.\t\t\t86400\tIN\tNS\tns.test.\n",
                "; NSID: 72 6f 6f 74 2d 31 (\"root-1\")\n",
                ";; Received ",
                &format!(" bytes from 127.0.0.11#{port}(a.root.test) in "),
                " ms\n\nexample.test.\t\t86400\tIN\tNS\tns1.example.test.\n",
                "; NSID: 74 65 73 74 2d 31 (\"test-1\")\n",
                ";; Received ",
                &format!(" bytes from 127.0.0.12#{port}(ns.test) in "),
                " ms\n\nwww.example.test.\t300\tIN\tA\t192.0.2.80\n",
                "; NSID: 65 78 61 6d 70 6c 65 2d 31 (\"example-1\")\n",
                ";; Received ",
                &format!(" bytes from 127.0.0.13#{port}(ns1.example.test) in "),
                " ms\n\n",
            ]
        ),
        "{text}"
    );
    assert_eq!(text.matches(";; Received").count(), 3, "{text}");
    // The referrals' glue is not printed, as dig +trace does not.
    assert!(!text.contains("\tA\t127.0.0.1"), "{text}");
}

#[test]
fn trace_looks_up_glueless_servers_and_reports_nxdomain() {
    let hierarchy = Hierarchy::start("glueless");
    let port = &hierarchy.port;
    let hints = hierarchy.hints.display().to_string();
    // `globe dig +trace NAME` from the hierarchy's hints: the exit code and the output.
    let trace = |name: &str| {
        let output = globe_dig(&["+trace", "-p", port, "--root-hints", &hints, name]);
        (output.status.code(), stdout(&output))
    };
    // other.test. is delegated to ns.other-host.example.test. without glue: its address comes from a
    // silent walk of its own (root, test., example.test.).
    let (code, text) = trace("www.other.test");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        contains_in_order(
            &text,
            &[
                &format!("from 127.0.0.11#{port}(a.root.test)"),
                "other.test.\t\t86400\tIN\tNS\tns.other-host.example.test.\n",
                &format!("from 127.0.0.12#{port}(ns.test)"),
                "www.other.test.\t\t300\tIN\tA\t192.0.2.99\n",
                &format!("from 127.0.0.13#{port}(ns.other-host.example.test)"),
            ]
        ),
        "{text}"
    );
    assert_eq!(text.matches(";; Received").count(), 3, "{text}");

    let (code, text) = trace("nope.example.test");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        contains_in_order(
            &text,
            &[
                "example.test.\t\t60\tIN\tSOA\tns1.example.test. hostmaster.example.test. 1 3600 600 86400 60\n",
                &format!("from 127.0.0.13#{port}(ns1.example.test)"),
                ";; NXDOMAIN: nope.example.test. does not exist\n",
            ]
        ),
        "{text}"
    );

    // A server whose address is only inside its own zone: its lookup meets itself and stops.
    let (code, text) = trace("www.loop.test");
    assert_eq!(code, Some(9), "{text}");
    assert!(
        contains_in_order(
            &text,
            &[
                "loop.test.\t\t86400\tIN\tNS\tns.loop.test.\n",
                ";; couldn't get address for 'ns.loop.test.'\n",
                ";; no server of loop.test. gave a usable response\n",
            ]
        ),
        "{text}"
    );

    // No server on the port: the root is unreachable, exit code 9.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let dead = silent.local_addr().expect("address").port().to_string();
    let hints_file = Path::new(&hints);
    let output = globe_dig(&[
        "+trace",
        "-p",
        &dead,
        &format!("+root-hints={}", hints_file.display()),
        "www.example.test",
        "+tries=1",
        "+time=1",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(9), "{text}");
    assert!(
        text.contains(";; no server of . gave a usable response\n"),
        "{text}"
    );
}
