//! `mathshub serve` as its own operating-system process over a database the test names, as
//! a deployment runs it: to kill it, restart it, or run several behind one database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::TEST_JWT_SECRET;

const BINARY: &str = env!("CARGO_BIN_EXE_mathshub");

/// Longest a process may take to answer `/readyz` (it migrates first).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A running `mathshub serve`, signing tokens with the suite's key (so tokens minted by
/// `TestApp::participants` work here too); killed when dropped.
pub struct ServeProcess {
    child: Child,
    pub address: String,
}

impl ServeProcess {
    /// Starts `mathshub serve` on `database_url` with these extra flags (the status clock
    /// off unless they turn it on) and waits until it is ready.
    pub async fn start(database_url: &str, flags: &[&str]) -> Self {
        let process = Self::spawn(database_url, flags);
        process.wait_until_ready().await;
        process
    }

    /// Starts `mathshub serve` without waiting for it.
    pub fn spawn(database_url: &str, flags: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(BINARY)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--status-clock-secs", "0", "--workers", "2"])
            .args(flags)
            .env("DATABASE_URL", database_url)
            .env("MATHSHUB_JWT_SECRET", TEST_JWT_SECRET)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mathshub serve");
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits, within a bound, for `/readyz` to answer 200.
    pub async fn wait_until_ready(&self) {
        let client = crate::helpers::client();
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            let ready = client
                .get(format!("{}/readyz", self.address))
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mathshub serve at {} was not ready in time", self.address);
    }

    /// The absolute URL of `path` on this process.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Kills the process with SIGKILL, as an out-of-memory killer or a lost machine would:
    /// nothing of it runs after this returns.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port free now (another program could take it before the server binds; the
/// readiness wait would then fail loudly).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
