//! [`NetNs`]: a named Linux network namespace for tests, deleted on drop (also when a test panics), with
//! veth pairs, addresses, `ip` commands inside it, and code run on a thread entered into it.
//!
//! Network safety: everything a test does through this module happens inside namespaces it created, so
//! the host's interfaces and routing tables are never touched. Needs root (`CAP_SYS_ADMIN` for
//! `ip netns add` and `setns`) and iproute2's `ip`.
//!
//! ```no_run
//! use globe_fib::netns::NetNs;
//! # fn main() -> Result<(), globe_fib::netns::NetNsError> {
//! let namespace = NetNs::create_unique("globe-example")?; // "globe-example-<pid>"
//! namespace.add_veth("veth0", &namespace, "veth1")?;      // both ends inside it, up
//! namespace.add_address("veth0", "192.0.2.1/24")?;
//! namespace.block_on(|| async {
//!     // A tokio current-thread runtime on a thread inside the namespace: sockets opened here
//!     // (a `globe_fib::Fib`, a TCP listener) live in it.
//! })?;
//! println!("{}", namespace.ip(&["route", "show"])?);
//! # Ok(()) }
//! ```
//!
//! How code gets inside: [`NetNs::run_in`] starts a thread, calls `setns(2)` with `CLONE_NEWNET` on
//! `/run/netns/NAME`, runs the closure and joins. Only that thread moves; the test's other threads and
//! the host stay where they were, and the thread ends with the closure.

use nix::sched::{setns, CloneFlags};
use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::process::Command;

/// A network namespace created by [`NetNs::create`] and deleted (`ip netns delete`) on drop, which also
/// destroys the veth ends inside it.
#[derive(Debug)]
pub struct NetNs {
    name: String,
}

/// Why a namespace operation failed.
#[derive(Debug)]
pub enum NetNsError {
    /// `ip` could not be started (not installed?).
    Spawn(io::ErrorKind),
    /// An `ip` command exited unsuccessfully.
    Command {
        /// The arguments given to `ip`.
        arguments: Vec<String>,
        /// Its exit code, if it exited.
        status: Option<i32>,
        /// What it wrote to standard error.
        stderr: String,
    },
    /// `/run/netns/NAME` could not be opened.
    Open(io::ErrorKind),
    /// `setns(2)` failed.
    Enter(nix::errno::Errno),
    /// The thread could not be started, or the runtime built.
    Thread(io::ErrorKind),
}

impl NetNs {
    /// Creates the namespace `name` (`ip netns add`) and brings its loopback up. Fails if it exists.
    pub fn create(name: &str) -> Result<NetNs, NetNsError> {
        run_ip(&["netns", "add", name])?;
        let namespace = NetNs {
            name: name.to_owned(),
        };
        namespace.ip(&["link", "set", "lo", "up"])?;
        Ok(namespace)
    }

    /// Creates a namespace named `<prefix>-<pid>`, unique among concurrently running test binaries;
    /// use a prefix per test (`globe-fib-replace`) for uniqueness within one.
    pub fn create_unique(prefix: &str) -> Result<NetNs, NetNsError> {
        NetNs::create(&format!("{prefix}-{}", std::process::id()))
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace's bind mount, `/run/netns/NAME`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// Runs `ip -n NAME arguments...` and returns its standard output.
    pub fn ip(&self, arguments: &[&str]) -> Result<String, NetNsError> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(arguments);
        run_ip(&all)
    }

    /// Creates a veth pair, `name` here and `peer_name` in `peer` (which may be `self`), and sets both
    /// up. Interface names are at most 15 bytes.
    pub fn add_veth(&self, name: &str, peer: &NetNs, peer_name: &str) -> Result<(), NetNsError> {
        self.ip(&[
            "link", "add", name, "type", "veth", "peer", "name", peer_name, "netns", &peer.name,
        ])?;
        self.ip(&["link", "set", name, "up"])?;
        peer.ip(&["link", "set", peer_name, "up"])?;
        Ok(())
    }

    /// Adds `address` (`192.0.2.1/24`, `2001:db8::1/64`) to `interface`; IPv6 addresses skip duplicate
    /// address detection (`nodad`) so they are usable at once.
    pub fn add_address(&self, interface: &str, address: &str) -> Result<(), NetNsError> {
        let mut arguments = vec!["address", "add", address, "dev", interface];
        if address.contains(':') {
            arguments.push("nodad");
        }
        self.ip(&arguments)?;
        Ok(())
    }

    /// The interface index of `interface`, read from `ip -o link show`.
    pub fn interface_index(&self, interface: &str) -> Result<u32, NetNsError> {
        let output = self.ip(&["-o", "link", "show", "dev", interface])?;
        output
            .split(':')
            .next()
            .and_then(|index| index.trim().parse().ok())
            .ok_or_else(|| NetNsError::Command {
                arguments: vec!["link".into(), "show".into(), interface.into()],
                status: Some(0),
                stderr: format!("unexpected output: {output}"),
            })
    }

    /// Runs `work` on a new thread entered into this namespace and returns its result. A panic in
    /// `work` is resumed on the calling thread, so a failed assertion fails the test with its message.
    pub fn run_in<F, T>(&self, work: F) -> Result<T, NetNsError>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        let file = File::open(self.path()).map_err(|error| NetNsError::Open(error.kind()))?;
        std::thread::scope(|scope| {
            let thread = std::thread::Builder::new()
                .name(format!("netns-{}", self.name))
                .spawn_scoped(scope, move || {
                    setns(&file, CloneFlags::CLONE_NEWNET).map_err(NetNsError::Enter)?;
                    Ok(work())
                })
                .map_err(|error| NetNsError::Thread(error.kind()))?;
            match thread.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// Runs the future `work()` makes on a current-thread tokio runtime (I/O and timers enabled) on a
    /// thread entered into this namespace; see [`NetNs::run_in`].
    pub fn block_on<F, Fut>(&self, work: F) -> Result<Fut::Output, NetNsError>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future,
        Fut::Output: Send,
    {
        self.run_in(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| NetNsError::Thread(error.kind()))?;
            Ok(runtime.block_on(work()))
        })?
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // Nothing to do on failure: the name carries the pid, so a leftover does not collide.
        let _ = run_ip(&["netns", "delete", &self.name]);
    }
}

/// Runs `ip arguments...`, returning standard output or a [`NetNsError::Command`].
fn run_ip(arguments: &[&str]) -> Result<String, NetNsError> {
    let output = Command::new("ip")
        .args(arguments)
        .output()
        .map_err(|error| NetNsError::Spawn(error.kind()))?;
    if !output.status.success() {
        return Err(NetNsError::Command {
            arguments: arguments
                .iter()
                .map(|argument| argument.to_string())
                .collect(),
            status: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl fmt::Display for NetNsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetNsError::Spawn(kind) => write!(f, "cannot run ip: {kind}"),
            NetNsError::Command {
                arguments,
                status,
                stderr,
            } => write!(
                f,
                "ip {} failed ({}): {stderr}",
                arguments.join(" "),
                status.map_or_else(|| "killed".to_owned(), |code| format!("exit {code}"))
            ),
            NetNsError::Open(kind) => write!(f, "cannot open the namespace: {kind}"),
            NetNsError::Enter(errno) => write!(f, "setns: {errno}"),
            NetNsError::Thread(kind) => write!(f, "cannot start the namespace thread: {kind}"),
        }
    }
}

impl std::error::Error for NetNsError {}
