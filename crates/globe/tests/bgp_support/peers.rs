//! Third-party BGP speakers for the interop tests, each inside a [`Netns`] and killed by PID on drop:
//! FRR (zebra + bgpd with a path space of their own, run as user `frr`), GoBGP (`gobgpd`, queried with
//! `gobgp -j` inside the namespace, where the default API address is free) and ExaBGP 4.2 (its `process`
//! API bridged to a FIFO for commands and a file of JSON messages received).

use super::{wait_for, Netns, Process};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// True when `program` exists (an absolute path, or a name found on `PATH`).
pub fn installed(program: &str) -> bool {
    if program.starts_with('/') {
        return Path::new(program).exists();
    }
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|folder| folder.join(program).exists())
    })
}

fn text(output: std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

// ---------------------------------------------------------------------------------------------------
// FRR

/// FRR 8.x: zebra and bgpd in one namespace, sockets and PID files in a folder owned by `frr`.
pub struct Frr {
    /// bgpd (dropped first: it talks to zebra).
    pub bgpd: Process,
    /// zebra.
    pub zebra: Process,
    /// The folder with `frr.conf`, the vty sockets and `zserv.api`.
    pub dir: PathBuf,
}

impl Frr {
    /// Writes `config` to `dir/frr.conf` and starts zebra, then bgpd, in `netns`.
    pub fn start(netns: &Netns, dir: &Path, config: &str) -> Frr {
        let dir = dir.join("frr");
        std::fs::create_dir_all(&dir).expect("frr dir");
        let conf = dir.join("frr.conf");
        std::fs::write(&conf, config).expect("frr.conf");
        let status = Command::new("chown")
            .args(["-R", "frr:frr"])
            .arg(&dir)
            .status()
            .expect("chown");
        assert!(status.success(), "chown frr:frr {}", dir.display());
        let path = |name: &str| dir.join(name).to_str().expect("path").to_string();
        let daemon = |name: &str| {
            let log = dir.join(format!("{name}.log"));
            let child = netns.spawn(
                &[
                    &format!("/usr/lib/frr/{name}"),
                    "-N",
                    &netns.name,
                    "-i",
                    &path(&format!("{name}.pid")),
                    "-z",
                    &path("zserv.api"),
                    "--vty_socket",
                    &path(""),
                    "-f",
                    &path("frr.conf"),
                ],
                &log,
            );
            Process { child, log }
        };
        let zebra = daemon("zebra");
        assert!(
            wait_for(Duration::from_secs(10), || dir.join("zserv.api").exists()),
            "zebra did not start: {}",
            zebra.log()
        );
        let bgpd = daemon("bgpd");
        let frr = Frr { bgpd, zebra, dir };
        assert!(
            wait_for(Duration::from_secs(10), || frr
                .vtysh(&["show bgp summary"])
                .contains("BGP router identifier")),
            "bgpd did not start: {}",
            frr.bgpd.log()
        );
        frr
    }

    /// Runs `vtysh -c C1 -c C2 …` against this instance and returns its output.
    pub fn vtysh(&self, commands: &[&str]) -> String {
        let mut command = Command::new("vtysh");
        command.arg("--vty_socket").arg(&self.dir);
        for line in commands {
            command.args(["-c", line]);
        }
        text(command.output().expect("vtysh"))
    }

    /// One `show … json` command, parsed (`Null` when it does not parse).
    pub fn json(&self, show: &str) -> Value {
        serde_json::from_str(&self.vtysh(&[show])).unwrap_or_default()
    }

    /// The BGP state FRR reports for `neighbor`.
    pub fn state(&self, neighbor: &str) -> String {
        self.json(&format!("show bgp neighbors {neighbor} json"))[neighbor]["bgpState"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Configuration lines under `router bgp ASN`.
    pub fn configure(&self, asn: u32, lines: &[&str]) -> String {
        let router = format!("router bgp {asn}");
        let mut all = vec!["configure terminal", router.as_str()];
        all.extend_from_slice(lines);
        self.vtysh(&all)
    }

    /// Both daemons' logs.
    pub fn logs(&self) -> String {
        format!(
            "--- bgpd\n{}\n--- zebra\n{}",
            self.bgpd.log(),
            self.zebra.log()
        )
    }
}

// ---------------------------------------------------------------------------------------------------
// GoBGP

/// `gobgpd` in a namespace; its gRPC API on the namespace's own 127.0.0.1:50051.
pub struct Gobgp {
    /// The daemon.
    pub process: Process,
    /// The namespace's name, for `ip netns exec NS gobgp …`.
    netns: String,
}

impl Gobgp {
    /// Writes `config` (TOML) to `dir/gobgpd.toml` and starts `gobgpd` in `netns`.
    pub fn start(netns: &Netns, dir: &Path, config: &str) -> Gobgp {
        let conf = dir.join("gobgpd.toml");
        std::fs::write(&conf, config).expect("gobgpd.toml");
        let log = dir.join("gobgpd.log");
        let child = netns.spawn(
            &[
                "gobgpd",
                "-f",
                conf.to_str().expect("path"),
                "-t",
                "toml",
                "-l",
                "info",
                "--pprof-disable",
            ],
            &log,
        );
        let gobgp = Gobgp {
            process: Process { child, log },
            netns: netns.name.clone(),
        };
        assert!(
            wait_for(Duration::from_secs(10), || gobgp
                .run(&["global"])
                .contains("AS")),
            "gobgpd did not start: {}",
            gobgp.process.log()
        );
        gobgp
    }

    /// Runs `gobgp ARGS` inside the namespace and returns stdout.
    pub fn run(&self, arguments: &[&str]) -> String {
        text(
            Command::new("ip")
                .args(["netns", "exec", &self.netns, "gobgp"])
                .args(arguments)
                .output()
                .expect("gobgp"),
        )
    }

    /// `gobgp ARGS -j`, parsed (`Null` when it does not parse).
    pub fn json(&self, arguments: &[&str]) -> Value {
        let mut all = arguments.to_vec();
        all.push("-j");
        serde_json::from_str(&self.run(&all)).unwrap_or_default()
    }

    /// The neighbour's JSON entry (`gobgp neighbor ADDRESS -j`).
    pub fn neighbor(&self, address: &str) -> Value {
        self.json(&["neighbor", address])
    }

    /// The session state GoBGP reports (`established`, `active`, …).
    pub fn state(&self, address: &str) -> String {
        self.neighbor(address)["state"]["session_state"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                self.neighbor(address)["state"]["session_state"]
                    .as_u64()
                    .map(|state| state.to_string())
            })
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------------
// ExaBGP

/// The `process` helper: copies ExaBGP's JSON messages (its stdin) to a file, one per line, and
/// relays lines written to a FIFO to its stdout as API commands. Its PID goes to a file so the test
/// can kill it by PID too (it also exits when ExaBGP closes its stdin).
const EXABGP_API: &str = r#"import os, sys, threading
fifo, received, pidfile = sys.argv[1], sys.argv[2], sys.argv[3]
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
def commands():
    # O_RDWR: the open never blocks and reads never see end-of-file between writers.
    with os.fdopen(os.open(fifo, os.O_RDWR)) as source:
        for line in source:
            sys.stdout.write(line)
            sys.stdout.flush()
threading.Thread(target=commands, daemon=True).start()
with open(received, "a", buffering=1) as sink:
    for line in sys.stdin:
        sink.write(line)
"#;

/// ExaBGP 4.2 in a namespace with the [`EXABGP_API`] helper as its `process api`.
pub struct Exabgp {
    /// The daemon.
    pub process: Process,
    fifo: PathBuf,
    received: PathBuf,
    helper_pid: PathBuf,
}

impl Exabgp {
    /// The `process api { … }` block to put in the configuration (reference it from each neighbour
    /// with `api { processes [ api ]; … }`).
    pub fn process_block(dir: &Path) -> String {
        format!(
            "process api {{\n    run /usr/bin/python3 {} {} {} {};\n    encoder json;\n}}\n",
            dir.join("exabgp_api.py").display(),
            dir.join("exabgp.fifo").display(),
            dir.join("exabgp.received").display(),
            dir.join("exabgp_api.pid").display(),
        )
    }

    /// Writes `config` (which must contain [`Exabgp::process_block`]) and starts ExaBGP in `netns`.
    pub fn start(netns: &Netns, dir: &Path, config: &str) -> Exabgp {
        std::fs::write(dir.join("exabgp_api.py"), EXABGP_API).expect("helper");
        let fifo = dir.join("exabgp.fifo");
        let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(status.success(), "mkfifo");
        let conf = dir.join("exabgp.conf");
        std::fs::write(&conf, config).expect("exabgp.conf");
        let log = dir.join("exabgp.log");
        let child = netns.spawn_with_env(
            &["exabgp", conf.to_str().expect("path")],
            &log,
            &[
                ("exabgp.daemon.user", "root"),
                ("exabgp.daemon.daemonize", "false"),
                ("exabgp.log.destination", "stdout"),
                ("exabgp.api.ack", "false"),
                ("exabgp.tcp.delay", "0"),
            ],
        );
        Exabgp {
            process: Process { child, log },
            fifo,
            received: dir.join("exabgp.received"),
            helper_pid: dir.join("exabgp_api.pid"),
        }
    }

    /// Sends one API command (`neighbor 198.51.100.1 announce route …`).
    pub fn send(&self, command: &str) {
        use std::io::Write;
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.fifo)
            .expect("fifo");
        fifo.write_all(format!("{command}\n").as_bytes())
            .expect("fifo write");
    }

    /// Every JSON message ExaBGP has passed to the API so far.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.received)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                // ExaBGP 4.2 quotes the family of a ROUTE-REFRESH twice (`"afi": ""ipv4""`).
                serde_json::from_str(line)
                    .or_else(|_| serde_json::from_str(&line.replace("\"\"", "\"")))
                    .ok()
            })
            .collect()
    }

    /// The messages of `kind` (`update`, `state`, `notification`, `refresh`) from `peer`.
    pub fn messages(&self, kind: &str, peer: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|message| {
                message["type"] == kind && message["neighbor"]["address"]["peer"] == peer
            })
            .collect()
    }

    /// The last session state reported for `peer` (`up`, `down`, `connected`), or "".
    pub fn state(&self, peer: &str) -> String {
        self.messages("state", peer)
            .last()
            .and_then(|message| message["neighbor"]["state"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The routes ExaBGP has received from `peer` and not seen withdrawn since, replayed from the
    /// update messages: prefix → the announcement's attributes.
    pub fn table(&self, peer: &str) -> std::collections::BTreeMap<String, Value> {
        let mut table = std::collections::BTreeMap::new();
        for message in self.received() {
            if message["neighbor"]["address"]["peer"] != peer {
                continue;
            }
            // A session going down clears what it had taught.
            if message["type"] == "state" && message["neighbor"]["state"] == "down" {
                table.clear();
            }
            if message["type"] != "update" {
                continue;
            }
            let update = &message["neighbor"]["message"]["update"];
            if let Some(families) = update["withdraw"].as_object() {
                for prefixes in families.values() {
                    for prefix in prefixes.as_array().into_iter().flatten() {
                        if let Some(prefix) = prefix["nlri"].as_str() {
                            table.remove(prefix);
                        }
                    }
                }
            }
            if let Some(families) = update["announce"].as_object() {
                for next_hops in families.values() {
                    for (next_hop, prefixes) in next_hops.as_object().into_iter().flatten() {
                        for prefix in prefixes.as_array().into_iter().flatten() {
                            if let Some(nlri) = prefix["nlri"].as_str() {
                                let mut entry = update["attribute"].clone();
                                entry["next-hop"] = Value::String(next_hop.clone());
                                table.insert(nlri.to_string(), entry);
                            }
                        }
                    }
                }
            }
        }
        table
    }
}

impl Drop for Exabgp {
    fn drop(&mut self) {
        // SIGCONT in case the test stopped it, then SIGTERM so ExaBGP stops its helper, then the
        // helper by its PID (Process's own drop then kills ExaBGP if it is still there).
        let pid = self.process.child.id().to_string();
        let _ = Command::new("kill").args(["-CONT", &pid]).status();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.process.wait_exit(Duration::from_secs(2));
        if let Ok(helper) = std::fs::read_to_string(&self.helper_pid) {
            let helper = helper.trim();
            let ours = std::fs::read(format!("/proc/{helper}/cmdline"))
                .is_ok_and(|command| String::from_utf8_lossy(&command).contains("exabgp_api.py"));
            if ours && helper.bytes().all(|b| b.is_ascii_digit()) {
                let _ = Command::new("kill").args(["-KILL", helper]).status();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// A raw BGP speaker

/// A minimal BGP speaker in Python for bytes no real implementation will send: it connects from
/// LOCAL to REMOTE:179, sends OPEN (AS_TRANS with the 4-octet AS capability, IPv4 unicast, hold 3 s),
/// answers the peer's OPEN with a KEEPALIVE and sends one every second, writes every message received
/// as a JSON line, and sends `BODY` (hex) from each line of the FIFO as an UPDATE of that body.
const RAW_SPEAKER: &str = r#"import json, os, socket, struct, sys, threading, time
local, remote, asn, fifo, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
sink = open(log, "a", buffering=1)
def note(**fields):
    sink.write(json.dumps(fields) + "\n")
def message(kind, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body
capabilities = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack("!I", asn)
parameters = bytes([2, len(capabilities)]) + capabilities
connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
connection.bind((local, 0))
connection.connect((remote, 179))
lock = threading.Lock()
def send(data):
    with lock:
        connection.sendall(data)
send(message(1, struct.pack("!BHH4sB", 4, 23456, 3, socket.inet_aton(local), len(parameters)) + parameters))
def keepalives():
    while True:
        time.sleep(1)
        send(message(4, b""))
def updates():
    with os.fdopen(os.open(fifo, os.O_RDWR)) as source:
        for line in source:
            send(message(2, bytes.fromhex(line.strip())))
def read(count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            note(type="closed")
            sys.exit(0)
        data += chunk
    return data
while True:
    header = read(19)
    length, kind = struct.unpack("!HB", header[16:19])
    body = read(length - 19)
    if kind == 1:
        note(type="open")
        send(message(4, b""))
        threading.Thread(target=keepalives, daemon=True).start()
        threading.Thread(target=updates, daemon=True).start()
    elif kind == 2:
        note(type="update", body=body.hex())
    elif kind == 3:
        note(type="notification", code=body[0], subcode=body[1], data=body[2:].hex())
    elif kind == 4:
        note(type="keepalive")
"#;

/// The [`RAW_SPEAKER`] script running in a namespace.
pub struct RawSpeaker {
    /// The script's process.
    pub process: Process,
    fifo: PathBuf,
    received: PathBuf,
}

impl RawSpeaker {
    /// Connects from `local` (in `netns`) to `remote`:179 as AS `asn`.
    pub fn start(netns: &Netns, dir: &Path, local: &str, remote: &str, asn: u32) -> RawSpeaker {
        let script = dir.join("raw_speaker.py");
        std::fs::write(&script, RAW_SPEAKER).expect("script");
        let fifo = dir.join("raw.fifo");
        let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(status.success(), "mkfifo");
        let received = dir.join("raw.received");
        let log = dir.join("raw.log");
        let child = netns.spawn(
            &[
                "python3",
                script.to_str().expect("path"),
                local,
                remote,
                &asn.to_string(),
                fifo.to_str().expect("path"),
                received.to_str().expect("path"),
            ],
            &log,
        );
        RawSpeaker {
            process: Process { child, log },
            fifo,
            received,
        }
    }

    /// Sends an UPDATE whose body (after the 19-byte header) is `body`.
    pub fn send_update(&self, body: &[u8]) {
        use std::io::Write;
        let hex: String = body.iter().map(|byte| format!("{byte:02x}")).collect();
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.fifo)
            .expect("fifo");
        fifo.write_all(format!("{hex}\n").as_bytes())
            .expect("fifo write");
    }

    /// Every message received so far, as the script noted it.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.received)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The NOTIFICATIONs received.
    pub fn notifications(&self) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|message| message["type"] == "notification")
            .collect()
    }
}
