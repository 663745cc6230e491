//! What an account is made of: an email address to sign in with and a password chosen by
//! a person.

use utoipa::openapi::schema::{KnownFormat, SchemaFormat};

use super::ParseError;
use super::schema::text;

/// An email address as accounts use it: trimmed, one `@` with something either side, no
/// spaces, at most 254 characters (RFC 5321). Compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    const MAX_CHARS: usize = 254;
    /// One `@` between non-empty parts, no spaces or control characters inside.
    pub const PATTERN: &str =
        "^\\s*[^@\\s\\u0000-\\u001f\\u007f-\\u009f]+@[^@\\s\\u0000-\\u001f\\u007f-\\u009f]+\\s*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let email = text.trim();
        // 254 characters as sent, spaces around included, as the document counts them.
        let well_formed = text.chars().count() <= Self::MAX_CHARS
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            });
        if well_formed {
            Ok(Self(email.to_owned()))
        } else {
            Err(ParseError(
                "must be an email address such as name@school.example".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Email {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text(Self::PATTERN, None, Self::MAX_CHARS).into()
    }
}

impl utoipa::ToSchema for Email {}

/// A new password: 12 to 128 characters (NIST SP 800-63B asks for at least 8 and for long
/// passphrases to be allowed), not just spaces.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;
    /// Not only spaces.
    pub const PATTERN: &str = "[^\\s]";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let chars = text.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(ParseError(format!(
                "must be {} to {} characters long",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            )));
        }
        if text.trim().is_empty() {
            return Err(ParseError("must not be only spaces".into()));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Written as a password, which tools hide as it is typed.
impl utoipa::PartialSchema for NewPassword {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut schema = text(Self::PATTERN, Some(Self::MIN_CHARS), Self::MAX_CHARS);
        schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::Password));
        schema.into()
    }
}

impl utoipa::ToSchema for NewPassword {}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_addresses_and_trims_them() {
        let email = Email::parse("  Head.Of.Maths@school.example ").unwrap();
        assert_eq!(email.as_str(), "Head.Of.Maths@school.example");
    }

    #[test]
    fn email_rejects_missing_parts_spaces_and_excess_length() {
        for bad in [
            "",
            "no-at-sign",
            "@school.example",
            "name@",
            "a b@c.d",
            "a@b@c",
            &format!("{}@x.y", "a".repeat(251)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_password_needs_twelve_to_128_characters() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&" ".repeat(20)).is_err());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
        // Characters, not bytes: twelve accented letters are enough.
        assert!(NewPassword::parse(&"é".repeat(12)).is_ok());
    }

    #[test]
    fn new_password_never_prints() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
