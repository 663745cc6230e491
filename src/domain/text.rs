//! Texts people write: a name or title that must say something, and free text (an outline, a
//! bio, notes) of a bounded length. Both are kept trimmed, and measured in characters as sent,
//! as the document's `maxLength` counts them.

use super::ParseError;
use super::schema::text;

/// Any text PostgreSQL's text can hold: no U+0000.
pub const TEXT_PATTERN: &str = "^[^\\u0000]*$";

/// A name, title or reason: anything but blank, at most `MAX` characters (200 unless a kind
/// of text names another limit, as an alias).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonBlank<const MAX: usize = 200>(String);

impl<const MAX: usize> NonBlank<MAX> {
    pub const MAX_CHARS: usize = MAX;
    /// A character besides white space, and no U+0000 (which PostgreSQL's text cannot hold).
    pub const PATTERN: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        if text.chars().count() > MAX {
            Err(ParseError(format!("must be at most {MAX} characters")))
        } else if trimmed.is_empty() {
            Err(ParseError("must not be empty".into()))
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MAX: usize> utoipa::PartialSchema for NonBlank<MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text(Self::PATTERN, None, MAX).into()
    }
}

impl<const MAX: usize> utoipa::ToSchema for NonBlank<MAX> {}

/// Free text of at most `MAX` characters, possibly empty. Each kind of text names its limit
/// once, as an alias (`type Outline = BoundedText<10_000>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.chars().count() > MAX {
            Err(ParseError(format!("must be at most {MAX} characters")))
        } else {
            Ok(Self(text.trim().to_owned()))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MAX: usize> utoipa::PartialSchema for BoundedText<MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        text(TEXT_PATTERN, None, MAX).into()
    }
}

impl<const MAX: usize> utoipa::ToSchema for BoundedText<MAX> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_blank_text_is_kept_trimmed_and_a_blank_or_long_one_refused() {
        let parse = <NonBlank>::parse;
        assert_eq!(parse("  Mastery ").unwrap().as_str(), "Mastery");
        assert!(parse(" \t").is_err());
        assert!(parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            parse(&"é".repeat(201)).unwrap_err().0,
            "must be at most 200 characters"
        );
        assert!(NonBlank::<500>::parse(&"é".repeat(500)).is_ok());
    }

    #[test]
    fn a_bounded_text_may_be_empty_and_counts_characters_as_sent() {
        assert_eq!(BoundedText::<5>::parse("  ").unwrap().into_inner(), "");
        assert_eq!(BoundedText::<5>::parse(" ab  ").unwrap().into_inner(), "ab");
        assert!(BoundedText::<5>::parse("abcdef").is_err());
        assert!(BoundedText::<5>::parse("ééééé").is_ok());
    }
}
