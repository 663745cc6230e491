//! Cursors: a list's sort key written as text that the document describes exactly.
//!
//! Each kind of key has a pattern, and every text matching it is a position in the list: the
//! page after it may be empty, but it is a page. So a client holding any well-formed cursor
//! gets an answer, and a text outside the pattern is malformed (400). The parts of a
//! composite key are joined by `.`, which no part's pattern holds.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A sort key that can be a cursor.
pub trait CursorKey: Sized {
    /// The regular expression (ECMA-262, unanchored) that every cursor of this key matches.
    fn pattern() -> String;
    fn encode(&self) -> String;
    /// The key a text names; `None` exactly when the text does not match `pattern()`.
    fn decode(text: &str) -> Option<Self>;
}

/// The anchored pattern of a key's cursors, as the document states it.
pub fn document_pattern<K: CursorKey>() -> String {
    format!("^{}$", K::pattern())
}

/// Longest text key, in UTF-8 bytes: a name of 200 characters of up to 4 bytes each.
const MAX_TEXT_BYTES: usize = 800;

/// Text as lowercase hexadecimal UTF-8: any sequence of byte pairs decodes to a position,
/// bytes that are not UTF-8 becoming U+FFFD and U+0000 (which PostgreSQL's text cannot hold)
/// left out, since a position only has to sort somewhere.
impl CursorKey for String {
    fn pattern() -> String {
        format!("(?:[0-9a-f]{{2}}){{1,{MAX_TEXT_BYTES}}}")
    }

    fn encode(&self) -> String {
        self.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    fn decode(text: &str) -> Option<Self> {
        let digits = text.as_bytes();
        let well_formed = !digits.is_empty()
            && digits.len().is_multiple_of(2)
            && digits.len() <= 2 * MAX_TEXT_BYTES
            && digits
                .iter()
                .all(|digit| matches!(digit, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            return None;
        }
        let bytes: Vec<u8> = digits
            .chunks(2)
            .map(|pair| {
                let pair = std::str::from_utf8(pair).expect("checked: ASCII digits");
                u8::from_str_radix(pair, 16).expect("checked: two hexadecimal digits")
            })
            .collect();
        Some(String::from_utf8_lossy(&bytes).replace('\0', ""))
    }
}

/// A row number: 1 to 18 digits, always within `i64`.
impl CursorKey for i64 {
    fn pattern() -> String {
        "[0-9]{1,18}".into()
    }

    fn encode(&self) -> String {
        self.to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        let well_formed =
            (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        well_formed.then(|| text.parse().expect("checked: at most 18 digits"))
    }
}

/// Lowercase and hyphenated, the form the API writes ids in.
impl CursorKey for Uuid {
    fn pattern() -> String {
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".into()
    }

    fn encode(&self) -> String {
        self.hyphenated().to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        Uuid::try_parse(text)
            .ok()
            .filter(|id| id.hyphenated().to_string() == text)
    }
}

/// Microseconds since 1970, PostgreSQL's own precision. Up to 16 digits either side of zero
/// stays within the years 1653 to 2286, which both chrono and PostgreSQL hold.
impl CursorKey for DateTime<Utc> {
    fn pattern() -> String {
        "-?[0-9]{1,16}".into()
    }

    fn encode(&self) -> String {
        self.timestamp_micros().to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let well_formed =
            (1..=16).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return None;
        }
        DateTime::from_timestamp_micros(text.parse().expect("checked: at most 16 digits"))
    }
}

impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {
    fn pattern() -> String {
        format!("{}\\.{}", A::pattern(), B::pattern())
    }

    fn encode(&self) -> String {
        format!("{}.{}", self.0.encode(), self.1.encode())
    }

    fn decode(text: &str) -> Option<Self> {
        let (first, second) = text.split_once('.')?;
        Some((A::decode(first)?, B::decode(second)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<K: CursorKey + PartialEq + std::fmt::Debug>(key: K) {
        let text = key.encode();
        assert_eq!(K::decode(&text), Some(key), "{text}");
    }

    #[test]
    fn every_kind_of_key_round_trips() {
        round_trips("london-north-east".to_owned());
        round_trips("Zoë O'Brien 数学".to_owned());
        round_trips(i64::MAX / 10);
        round_trips(Uuid::now_v7());
        round_trips(
            DateTime::parse_from_rfc3339("2021-11-17T09:30:00.123456Z")
                .unwrap()
                .to_utc(),
        );
        round_trips(("NCP21-15".to_owned(), Uuid::now_v7()));
    }

    #[test]
    fn any_hexadecimal_text_is_a_position_even_when_it_is_not_utf8() {
        assert_eq!(String::decode("ff00"), Some("\u{fffd}".to_owned()));
        assert_eq!(String::decode("6100"), Some("a".to_owned()));
    }

    #[test]
    fn extreme_timestamps_the_pattern_allows_are_positions() {
        assert!(DateTime::<Utc>::decode("9999999999999999").is_some());
        assert!(DateTime::<Utc>::decode("-9999999999999999").is_some());
    }

    #[test]
    fn text_outside_the_pattern_is_refused() {
        for text in ["", "6", "6G", "AB", "6a 62"] {
            assert_eq!(String::decode(text), None, "{text:?}");
        }
        assert_eq!(String::decode(&"61".repeat(MAX_TEXT_BYTES + 1)), None);
        for text in ["", "-1", "+1", "1234567890123456789", "1.5"] {
            assert_eq!(i64::decode(text), None, "{text:?}");
        }
        let id = Uuid::now_v7();
        for text in [
            id.simple().to_string(),
            id.hyphenated().to_string().to_uppercase(),
            id.braced().to_string(),
        ] {
            assert_eq!(Uuid::decode(&text), None, "{text}");
        }
        for text in ["", "-", "12345678901234567", "1e6", "--1"] {
            assert_eq!(DateTime::<Utc>::decode(text), None, "{text:?}");
        }
        for text in ["61", "61.", ".61", "61.x", "61.62.63"] {
            assert_eq!(<(String, String)>::decode(text), None, "{text:?}");
        }
    }

    #[test]
    fn patterns_join_the_parts_of_a_composite_key() {
        assert_eq!(
            document_pattern::<(i64, i64)>(),
            "^[0-9]{1,18}\\.[0-9]{1,18}$"
        );
    }
}
