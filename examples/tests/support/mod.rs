//! What the process tests share: the built demo servers, a free port, polling, and a demo
//! server running as a child process with its stdout drained.
#![allow(dead_code)] // each test file uses a different subset

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The built example `name`.
pub fn example(name: &str) -> PathBuf {
    // tests run from target/<profile>/deps; examples are built into target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} missing: build the examples (cargo test --workspace --all-features builds them)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `cond` every 20 ms for at most 60 s.
pub fn poll(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("gave up waiting for {what}");
}

/// A demo server as a child process, killed when dropped.
pub struct Process {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<String>>,
}

impl Process {
    /// Starts example `name` listening on `port` on 127.0.0.1 (`cmd` sets the rest of its
    /// environment), and waits until it accepts connections.
    pub fn start(name: &str, port: u16, configure: impl FnOnce(&mut Command)) -> Process {
        let mut cmd = Command::new(example(name));
        cmd.env("PORT", port.to_string())
            .env("BIND", "127.0.0.1")
            .env_remove("SENTRY_DSN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        // Drained, so that a full pipe never blocks the server.
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stdout.take().unwrap();
        let sink = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let process = Process {
            child,
            port,
            stdout,
        };
        poll("the server to listen", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        process
    }

    /// What it printed so far.
    pub fn output(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for it to exit; its exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
        let mut status = None;
        poll("the server to exit", || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        status.unwrap()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
