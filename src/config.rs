//! Settings that come from flags or the environment, and a wrapper that keeps secrets out
//! of logs and debug output.

use std::fmt;

/// A secret value: `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(text))
    }
}

/// The address clients reach the API at (`https://api.example.org`, or with a path prefix
/// behind a proxy), for the absolute URLs the API hands out, such as a personal calendar
/// feed's. No trailing slash, query or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Where `cargo run` serves with no settings.
    pub const LOCAL: &'static str = "http://127.0.0.1:8080";

    pub fn parse(text: &str) -> Result<Self, String> {
        let address = crate::domain::WebAddress::parse(text)
            .map_err(|error| error.0)?
            .into_inner();
        if address.contains(['?', '#']) {
            return Err("must have no query or fragment".into());
        }
        Ok(Self(address.trim_end_matches('/').to_owned()))
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// A database URL with its password replaced, for logs.
pub fn redact_database_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[unparsable database URL]".into();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
    }

    #[test]
    fn public_urls_are_web_addresses_without_a_trailing_slash() {
        let url = PublicUrl::parse("https://api.example.org/maths/").unwrap();
        assert_eq!(
            url.join("/api/v1/x.ics"),
            "https://api.example.org/maths/api/v1/x.ics"
        );
        assert!(PublicUrl::parse(PublicUrl::LOCAL).is_ok());
        for bad in [
            "api.example.org",
            "ftp://example.org",
            "https://example.org/?a=1",
            "https://example.org/#top",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redaction_hides_the_password_only() {
        assert_eq!(
            redact_database_url("postgres://app:s3cr%40t@db:5432/mathshub"),
            "postgres://app:***@db:5432/mathshub"
        );
        assert_eq!(
            redact_database_url("postgres://db/mathshub"),
            "postgres://db/mathshub"
        );
    }
}
