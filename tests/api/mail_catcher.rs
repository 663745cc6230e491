//! A real SMTP server for the tests: `tests/mail/catcher.py` (aiosmtpd) on a free port,
//! recording each message it accepts, decoded, for the test to read back.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mathshub::domain::retry::RetryPolicy;
use mathshub::notify::Notifier;
use mathshub::notify::letters::Letters;
use mathshub::notify::mail::Mailer;
use mathshub::observability::Metrics;
use serde_json::Value;

use crate::helpers::TestApp;

/// Where the test apps' messages link to.
pub const FRONT_END: &str = "https://front.mathshub.test";

pub struct MailCatcher {
    pub port: u16,
    out: PathBuf,
    child: Child,
}

impl MailCatcher {
    /// A catcher listening on a free port.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Self::start_on(port)
    }

    /// A catcher listening on `port` (again, after `stop`, to play a mail server coming back).
    pub fn start_on(port: u16) -> Self {
        let out =
            std::env::temp_dir().join(format!("mathshub-mail-{}.jsonl", uuid::Uuid::now_v7()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mail/catcher.py");
        let mut child = Command::new("python3")
            .args([script, "--port", &port.to_string(), "--out"])
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/mail/catcher.py (pip install aiosmtpd)");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut ready)
            .expect("the catcher says when it listens");
        assert_eq!(ready.trim(), "ready", "the mail catcher did not start");
        Self { port, out, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// The messages accepted for `address`.
    pub fn to(&self, address: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|message| {
                message["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|to| to == address)
            })
            .collect()
    }

    /// Stops listening, as a mail server going down.
    pub fn stop(mut self) -> u16 {
        self.kill();
        self.port
    }

    fn kill(&mut self) {
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

impl Drop for MailCatcher {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.out);
    }
}

/// A delivery worker for the app, mailing to `url`, as every server process runs one.
pub fn notifier(app: &TestApp, url: &str) -> Notifier {
    notifier_with(
        app,
        Mailer::smtp(url).expect("a valid SMTP URL"),
        RetryPolicy::default(),
    )
}

pub fn notifier_with(app: &TestApp, mailer: Mailer, retry: RetryPolicy) -> Notifier {
    Notifier {
        pool: app.pool.clone(),
        mailer,
        from: "Maths Hubs <no-reply@mathshub.test>".parse().unwrap(),
        letters: Letters {
            front_end: mathshub::config::PublicUrl::parse(FRONT_END).unwrap(),
        },
        retry,
        reminder_lead: Duration::from_secs(48 * 60 * 60),
        metrics: Arc::new(Metrics::new()),
    }
}
