//! Helpers for the BGP black-box tests: network namespaces named `globe-<test>-<pid>` joined by veth
//! pairs (documentation and benchmarking addresses only, no route to the host), `globe bgp` and BIRD
//! processes inside them. Everything is torn down on drop, even when the test panics: processes are
//! killed by their PID, namespaces deleted by name.
#![allow(dead_code)]

pub mod peers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// True when the tests can create namespaces (root on Linux with `ip`).
pub fn can_run() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false);
    let ok = root && (Path::new("/usr/sbin/ip").exists() || Path::new("/sbin/ip").exists());
    fail_in_ci_unless(ok, "root and iproute2");
    ok
}

/// In CI (`CI` set) every real peer is installed and the runner is root: a missing requirement is a
/// broken setup, so the test fails instead of skipping.
pub fn fail_in_ci_unless(ok: bool, needs: &str) {
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI must run this test: it needs {needs} (scripts/test-all.sh installs them)"
    );
}

fn run(program: &str, arguments: &[&str]) -> Output {
    let output = Command::new(program)
        .args(arguments)
        .output()
        .unwrap_or_else(|error| panic!("{program} {arguments:?}: {error}"));
    output
}

fn run_ok(program: &str, arguments: &[&str]) {
    let output = run(program, arguments);
    assert!(
        output.status.success(),
        "{program} {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A network namespace, deleted on drop.
pub struct Netns {
    /// Its name.
    pub name: String,
}

impl Netns {
    /// Creates `globe-<label>-<pid>` with loopback up.
    pub fn new(label: &str) -> Netns {
        let name = format!("globe-{label}-{}", std::process::id());
        let _ = run("ip", &["netns", "del", &name]);
        run_ok("ip", &["netns", "add", &name]);
        let netns = Netns { name };
        netns.ip(&["link", "set", "lo", "up"]);
        netns
    }

    /// Runs `ip ARGS` inside the namespace; panics on failure.
    pub fn ip(&self, arguments: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(arguments);
        run_ok("ip", &all);
    }

    /// Runs a command inside the namespace and returns its output.
    pub fn exec(&self, arguments: &[&str]) -> Output {
        let mut all = vec!["netns", "exec", self.name.as_str()];
        all.extend_from_slice(arguments);
        run("ip", &all)
    }

    /// Starts a process inside the namespace.
    pub fn spawn(&self, arguments: &[&str], log: &Path) -> Child {
        self.spawn_with_env(arguments, log, &[])
    }

    /// Starts a process inside the namespace with extra environment variables.
    pub fn spawn_with_env(&self, arguments: &[&str], log: &Path, env: &[(&str, &str)]) -> Child {
        let file = std::fs::File::create(log).expect("log file");
        let error = file.try_clone().expect("log file");
        Command::new("ip")
            .args(["netns", "exec", self.name.as_str()])
            .args(arguments)
            .env("GLOBE_LOG", "info,globe_speaker=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(error)
            .spawn()
            .expect("spawn")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.name]);
    }
}

/// Joins `a` and `b` with a veth pair (`a_if` in `a`, `b_if` in `b`) and gives each end its addresses.
pub fn link(
    a: &Netns,
    a_if: &str,
    a_addresses: &[&str],
    b: &Netns,
    b_if: &str,
    b_addresses: &[&str],
) {
    run_ok(
        "ip",
        &[
            "link", "add", a_if, "netns", &a.name, "type", "veth", "peer", "name", b_if, "netns",
            &b.name,
        ],
    );
    for (netns, interface, addresses) in [(a, a_if, a_addresses), (b, b_if, b_addresses)] {
        for address in addresses {
            netns.ip(&["address", "add", address, "dev", interface, "nodad"]);
        }
        netns.ip(&["link", "set", interface, "up"]);
    }
}

/// Two namespaces `<label>-a` and `<label>-b` joined by `veth-a`/`veth-b` with 198.51.100.1–2/24 and
/// 2001:db8:1::1–2/64, and a temporary folder; `None` (the test skips) where namespaces cannot be made
/// outside CI.
pub fn veth_pair(label: &str) -> Option<(Netns, Netns, TempDir)> {
    if !can_run() {
        eprintln!("skipped: needs root and iproute2 for network namespaces");
        return None;
    }
    let a = Netns::new(&format!("{label}-a"));
    let b = Netns::new(&format!("{label}-b"));
    link(
        &a,
        "veth-a",
        &["198.51.100.1/24", "2001:db8:1::1/64"],
        &b,
        "veth-b",
        &["198.51.100.2/24", "2001:db8:1::2/64"],
    );
    Some((a, b, TempDir::new(label)))
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh folder for `label`.
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("globe-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("GLOBE_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A process in a namespace, killed by PID on drop.
pub struct Process {
    /// The child (`ip netns exec` execs the program, so this is the program's PID).
    pub child: Child,
    /// Its log file.
    pub log: PathBuf,
}

impl Process {
    /// Sends a signal by PID.
    pub fn signal(&self, signal: &str) {
        run_ok(
            "kill",
            &[&format!("-{signal}"), &self.child.id().to_string()],
        );
    }

    /// Waits for the process to exit, up to `timeout`; true if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // SIGCONT first in case a test stopped it; then kill.
        let _ = run("kill", &["-CONT", &self.child.id().to_string()]);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `globe` binary under test.
pub fn globe() -> &'static str {
    env!("CARGO_BIN_EXE_globe")
}

/// A `globe bgp` in `netns` with `config` (TOML) written to `dir/NAME.toml`; control socket
/// `dir/NAME.sock`.
pub fn start_globe(netns: &Netns, dir: &Path, name: &str, config: &str) -> Globe {
    let control = dir.join(format!("{name}.sock"));
    let config = format!("control = \"{}\"\n{config}", control.display());
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).expect("config");
    let log = dir.join(format!("{name}.log"));
    let child = netns.spawn(
        &[globe(), "bgp", "--config", path.to_str().expect("path")],
        &log,
    );
    Globe {
        process: Process { child, log },
        control,
    }
}

/// A running `globe bgp`.
pub struct Globe {
    /// The process.
    pub process: Process,
    /// Its control socket.
    pub control: PathBuf,
}

impl Globe {
    /// Runs `globe bgp ARGS --control SOCKET` and returns stdout.
    pub fn ask(&self, arguments: &[&str]) -> String {
        let output = Command::new(globe())
            .arg("bgp")
            .args(arguments)
            .arg("--control")
            .arg(&self.control)
            .output()
            .expect("globe bgp");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `show neighbors --json`, parsed.
    pub fn neighbors(&self) -> serde_json::Value {
        serde_json::from_str(&self.ask(&["show", "neighbors", "--json"])).unwrap_or_default()
    }

    /// The state of neighbour `address`.
    pub fn state(&self, address: &str) -> String {
        self.neighbors()["neighbors"]
            .as_array()
            .and_then(|list| list.iter().find(|n| n["address"] == address))
            .and_then(|n| n["state"].as_str())
            .unwrap_or("")
            .to_string()
    }

    /// Neighbour `address`'s JSON entry.
    pub fn neighbor(&self, address: &str) -> serde_json::Value {
        self.neighbors()["neighbors"]
            .as_array()
            .and_then(|list| list.iter().find(|n| n["address"] == address).cloned())
            .unwrap_or_default()
    }

    /// `show routes --json`, parsed.
    pub fn routes(&self) -> Vec<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(&self.ask(&["show", "routes", "--json"]))
            .ok()
            .and_then(|value| value["routes"].as_array().cloned())
            .unwrap_or_default()
    }

    /// The best route to exactly `prefix`, if any.
    pub fn route(&self, prefix: &str) -> Option<serde_json::Value> {
        self.routes()
            .into_iter()
            .find(|route| route["prefix"] == prefix)
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_for(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
