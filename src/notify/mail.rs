//! Handing letters to the mail system: over SMTP (STARTTLS or implicit TLS, with
//! authentication, all from one URL) or, where no mail server is configured, as `.eml` files
//! in a folder, so a newcomer running the embedded demo reads the mail the service would send.
//!
//! Every message carries its outbox id as its `Message-ID`: a message sent again after a
//! crash is the same message, which mail systems and people can tell.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::notify::letters::Letter;

/// How long one SMTP conversation may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where letters go.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `<message id>.eml` file each.
    Folder(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The URL holds the mail server's password: never shown.
            Self::Smtp(_) => f.write_str("Mailer::Smtp"),
            Self::Folder(folder) => write!(f, "Mailer::Folder({})", folder.display()),
        }
    }
}

impl Mailer {
    /// A mailer for an SMTP URL: `smtp://user:password@host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465` (implicit TLS), or `smtp://host:25` (plain, for a
    /// mail catcher on the same machine).
    pub fn smtp(url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| format!("MATHSHUB_SMTP_URL: {error}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self::Smtp(transport))
    }

    /// Sends message `id` from `from` to `to`; the error says why it failed.
    pub async fn send(
        &self,
        id: Uuid,
        from: &Mailbox,
        to: Mailbox,
        letter: Letter,
    ) -> Result<(), String> {
        let domain = from.email.domain().to_owned();
        let message = Message::builder()
            .message_id(Some(format!("<{id}@{domain}>")))
            .from(from.clone())
            .to(to)
            .subject(letter.subject)
            .multipart(MultiPart::alternative_plain_html(letter.text, letter.html))
            .map_err(|error| format!("the message could not be built: {error}"))?;
        match self {
            Self::Smtp(transport) => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|error| format!("SMTP: {error}")),
            Self::Folder(folder) => {
                let file = folder.join(format!("{id}.eml"));
                let failed = |error: std::io::Error| format!("{}: {error}", file.display());
                tokio::fs::create_dir_all(folder).await.map_err(failed)?;
                tokio::fs::write(&file, message.formatted())
                    .await
                    .map_err(failed)?;
                log::info!("mail written to {}", file.display());
                Ok(())
            }
        }
    }
}
