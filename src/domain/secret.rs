//! What the API only hashes or compares and never stores as sent: passwords signed in with,
//! refresh tokens, client secrets, and the client ids and scopes beside them.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use super::ParseError;
use super::schema::text;
use super::text::TEXT_PATTERN;

fn within_bounds(text: &str) -> Result<(), ParseError> {
    if text.chars().count() > Secret::MAX_CHARS {
        Err(ParseError(format!(
            "must be at most {} characters",
            Secret::MAX_CHARS
        )))
    } else {
        Ok(())
    }
}

/// A secret as sent: any text of at most `MAX_CHARS` characters (one with U+0000 is simply
/// not the secret), never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The longest secret looked at: far more than any the API issues or takes, short of a
    /// denial of service. Longer ones are refused before any work, as the document says.
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        within_bounds(text).map(|()| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Written as a password, which tools hide as it is typed.
impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .max_length(Some(Self::MAX_CHARS))
            .into()
    }
}

impl utoipa::ToSchema for Secret {}

/// A client id or scope as sent: a secret's length, and text PostgreSQL can hold (no U+0000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialText(String);

impl CredentialText {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.contains('\0') {
            return Err(ParseError("must not hold U+0000".into()));
        }
        within_bounds(text).map(|()| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl utoipa::PartialSchema for CredentialText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text(TEXT_PATTERN, None, Secret::MAX_CHARS).into()
    }
}

impl utoipa::ToSchema for CredentialText {}

/// The OAuth 2.0 grant a partner's integration asks for: client credentials, the only one
/// offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCredentialsGrant;

impl ClientCredentialsGrant {
    const NAME: &str = "client_credentials";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text == Self::NAME {
            Ok(Self)
        } else {
            Err(ParseError(format!(
                "must be {} (the only grant this endpoint offers)",
                Self::NAME
            )))
        }
    }
}

impl utoipa::PartialSchema for ClientCredentialsGrant {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([Self::NAME]))
            .into()
    }
}

impl utoipa::ToSchema for ClientCredentialsGrant {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_any_text_up_to_its_bound_and_never_prints() {
        assert!(Secret::parse(&"x".repeat(Secret::MAX_CHARS)).is_ok());
        assert!(Secret::parse(&"x".repeat(Secret::MAX_CHARS + 1)).is_err());
        assert!(Secret::parse("a\0b").is_ok());
        assert!(!format!("{:?}", Secret::parse("hunter2").unwrap()).contains("hunter2"));
    }

    #[test]
    fn a_credential_text_holds_no_nul() {
        assert_eq!(
            CredentialText::parse("a\0b").unwrap_err().0,
            "must not hold U+0000"
        );
        assert!(CredentialText::parse("mhp_3q2").is_ok());
    }

    #[test]
    fn only_the_client_credentials_grant_is_offered() {
        assert!(ClientCredentialsGrant::parse("client_credentials").is_ok());
        assert!(ClientCredentialsGrant::parse("password").is_err());
    }
}
