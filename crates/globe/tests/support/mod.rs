//! Shared helpers of the black-box tests: `globe auth` processes on loopback addresses, killed by PID
//! when dropped, free ports, temporary folders.
#![allow(dead_code)]

use globe_dns::{Class, Header, Message, Question, RType};
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `globe auth`, killed (by its PID) when dropped, even if the test fails.
pub struct Server {
    child: Child,
    /// The server's own temporary folder.
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    /// Serves `zones` (origin, text) on `address` with `extra` flags; `probe` is a name whose SOA
    /// query tells that the server is up.
    pub fn start(
        label: &str,
        address: SocketAddr,
        zones: &[(&str, &str)],
        extra: &[&str],
        probe: &str,
    ) -> Server {
        let dir = temp_dir(label);
        let mut args: Vec<String> = vec![
            "auth".into(),
            "--listen".into(),
            address.to_string(),
            "--no-rrl".into(),
            "--control".into(),
            dir.join("control.sock").display().to_string(),
        ];
        for (index, (origin, text)) in zones.iter().enumerate() {
            let file = dir.join(format!("zone{index}"));
            std::fs::write(&file, text).expect("zone file");
            args.push("--zone".into());
            args.push(format!("{origin}={}", file.display()));
        }
        args.extend(
            extra
                .iter()
                .map(|s| s.replace("{dir}", &dir.display().to_string())),
        );
        Server::spawn(args, address, dir, probe)
    }

    /// Runs `globe auth --config FILE` (written into the server's folder with `files` beside it).
    pub fn with_config(
        label: &str,
        address: SocketAddr,
        config: &str,
        files: &[(&str, &str)],
        probe: &str,
    ) -> Server {
        let dir = temp_dir(label);
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("file");
        }
        std::fs::write(dir.join("auth.toml"), config).expect("config");
        let args = vec![
            "auth".into(),
            "--config".into(),
            dir.join("auth.toml").display().to_string(),
            "--listen".into(),
            address.to_string(),
            "--no-rrl".into(),
            "--control".into(),
            dir.join("control.sock").display().to_string(),
        ];
        Server::spawn(args, address, dir, probe)
    }

    pub fn spawn(args: Vec<String>, address: SocketAddr, dir: PathBuf, probe: &str) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_globe"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start globe auth");
        let server = Server { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if answers(address, probe) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("globe auth on {address} did not start");
    }
}

pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("globe-test-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Whether `address` answers an SOA query for `name`.
pub fn answers(address: SocketAddr, name: &str) -> bool {
    let query = Message {
        header: Header {
            id: 4242,
            ..Header::default()
        },
        questions: vec![Question {
            name: name.parse().expect("name"),
            qtype: RType::SOA,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    if socket.send_to(&query.to_wire(), address).is_err() {
        return false;
    }
    let mut buffer = [0u8; 4096];
    socket.recv(&mut buffer).is_ok()
}

/// A port free for UDP and TCP on every one of `addresses`.
pub fn free_port(addresses: &[IpAddr]) -> u16 {
    loop {
        let first = UdpSocket::bind((addresses[0], 0)).expect("bind");
        let port = first.local_addr().expect("address").port();
        let free = addresses.iter().all(|&address| {
            TcpListener::bind((address, port)).is_ok()
                && (address == addresses[0] || UdpSocket::bind((address, port)).is_ok())
        });
        if free {
            return port;
        }
    }
}

pub fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}
