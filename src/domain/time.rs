//! Instants shown as England sees them: stored as UTC `timestamptz`, written in JSON with the
//! Europe/London offset of that instant (+00:00 in winter, +01:00 in summer).

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Europe::London;
use utoipa::openapi::{KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LondonTime(pub DateTime<Utc>);

impl LondonTime {
    pub fn to_rfc3339(self) -> String {
        self.0
            .with_timezone(&London)
            .to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
}

impl From<DateTime<Utc>> for LondonTime {
    fn from(instant: DateTime<Utc>) -> Self {
        Self(instant)
    }
}

impl serde::Serialize for LondonTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

/// Reads any RFC 3339 instant, as the database writes them into JSON.
impl<'de> serde::Deserialize<'de> for LondonTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(deserializer).map(Self)
    }
}

impl utoipa::PartialSchema for LondonTime {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An RFC 3339 instant shown with the Europe/London offset.",
            ))
            .examples(["2021-11-17T09:30:00+00:00"])
            .into()
    }
}

impl utoipa::ToSchema for LondonTime {}

/// The longest RFC 3339 time taken: `2021-11-17T09:30:00.123456789+00:00` is 35 characters,
/// and RFC 3339 bounds neither the fraction's digits nor the document's `format`.
pub const MAX_INSTANT_CHARS: usize = 64;

/// Parses an RFC 3339 date-time with an offset (`Z` or `±hh:mm`) into an instant.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, super::ParseError> {
    if text.chars().count() > MAX_INSTANT_CHARS {
        return Err(super::ParseError(format!(
            "must be an RFC 3339 date-time of at most {MAX_INSTANT_CHARS} characters"
        )));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|_| {
            super::ParseError(
                "must be an RFC 3339 date-time with an offset, such as 2021-11-17T09:30:00+00:00"
                    .into(),
            )
        })
}

/// An instant a request names: RFC 3339 with an offset (`parse_instant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Self, super::ParseError> {
        parse_instant(text).map(Self)
    }

    pub fn get(self) -> DateTime<Utc> {
        self.0
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .max_length(Some(MAX_INSTANT_CHARS))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(utc: &str) -> String {
        LondonTime(utc.parse().unwrap()).to_rfc3339()
    }

    #[test]
    fn winter_instants_show_gmt() {
        assert_eq!(shown("2021-11-17T09:30:00Z"), "2021-11-17T09:30:00+00:00");
    }

    #[test]
    fn summer_instants_show_bst() {
        assert_eq!(shown("2022-05-25T08:30:00Z"), "2022-05-25T09:30:00+01:00");
    }

    #[test]
    fn the_clock_change_is_followed_to_the_second() {
        // British Summer Time began at 01:00 UTC on 27 March 2022.
        assert_eq!(shown("2022-03-27T00:59:59Z"), "2022-03-27T00:59:59+00:00");
        assert_eq!(shown("2022-03-27T01:00:00Z"), "2022-03-27T02:00:00+01:00");
    }

    #[test]
    fn instants_need_an_offset() {
        assert_eq!(
            parse_instant("2022-05-25T09:30:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2022-05-25T08:30:00+00:00"
        );
        for text in ["2022-05-25T09:30:00", "2022-05-25", "tomorrow", ""] {
            assert!(parse_instant(text).is_err(), "{text}");
        }
    }
}
