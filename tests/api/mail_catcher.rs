//! A real SMTP server for the tests: `tests/mail/catcher.py` (aiosmtpd) on a free port,
//! recording each message it accepts, decoded, for the test to read back.

use std::sync::Arc;
use std::time::Duration;

use mathshub::auth::account_tokens::AccountTokens;
use mathshub::config::Secret;
use mathshub::domain::retry::RetryPolicy;
use mathshub::notify::Notifier;
use mathshub::notify::letters::Letters;
use mathshub::notify::mail::Mailer;
use mathshub::observability::Metrics;
use serde_json::Value;

use crate::helper_process::{HelperProcess, free_port};
use crate::helpers::{TEST_JWT_SECRET, TestApp};

/// Where the test apps' messages link to.
pub const FRONT_END: &str = "https://front.mathshub.test";

pub struct MailCatcher(HelperProcess);

impl MailCatcher {
    /// A catcher listening on a free port.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// A catcher listening on `port` (again, after `stop`, to play a mail server coming back).
    pub fn start_on(port: u16) -> Self {
        Self(HelperProcess::start(
            "mail/catcher.py",
            port,
            "pip install aiosmtpd",
        ))
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.0.port)
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        self.0.records()
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
        self.0.stop();
        self.0.port
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
            account_tokens: AccountTokens::new(&Secret::new(TEST_JWT_SECRET)),
        },
        retry,
        reminder_lead: Duration::from_secs(48 * 60 * 60),
        metrics: Arc::new(Metrics::new()),
    }
}
