//! A real server the tests talk to over TCP, run as a Python script on a port of its own:
//! it prints "ready" once it listens, records what it receives as JSON lines in a file of
//! its own, and stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub struct HelperProcess {
    pub port: u16,
    /// Where it records, one JSON object a line.
    pub out: PathBuf,
    child: Child,
}

/// A port nothing listens on just now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

impl HelperProcess {
    /// Runs `tests/{script}` on `port`; `needs` says what to install when it cannot start.
    pub fn start(script: &str, port: u16, needs: &str) -> Self {
        let out = std::env::temp_dir().join(format!("mathshub-{}.jsonl", uuid::Uuid::now_v7()));
        let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new("python3")
            .args([&path, "--port", &port.to_string(), "--out"])
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("python3 runs {path} ({needs}): {error}"));
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut ready)
            .expect("the helper says when it listens");
        assert_eq!(ready.trim(), "ready", "{path} did not start ({needs})");
        Self { port, out, child }
    }

    /// Everything recorded so far, in order.
    pub fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// Stops it listening, as a server going down.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HelperProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.out);
    }
}
