//! The id of one request: the client's `X-Request-Id` when it is sane, else a UUID v7 made
//! here, so a client, a proxy and these logs can name the same request.

use actix_web::http::header::{HeaderName, HeaderValue};

/// The header that carries the id both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client id taken: enough for any UUID, ULID or trace id, too short to flood logs.
const MAX_CHARS: usize = 128;

/// Visible ASCII by construction, so it is safe in a header, a log line and a JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The id a client sent, if it is 1 to 128 visible ASCII characters; anything else (spaces,
    /// control characters that could forge log lines, non-ASCII, overlong) is ignored.
    pub fn from_client(value: &HeaderValue) -> Option<Self> {
        let bytes = value.as_bytes();
        let sane =
            !bytes.is_empty() && bytes.len() <= MAX_CHARS && bytes.iter().all(u8::is_ascii_graphic);
        sane.then(|| Self(value.clone()))
    }

    /// A new UUID v7 (time-ordered, so ids sort by when requests came). Built from the
    /// thread's own random generator: `Uuid::now_v7` would take a process-wide lock per request.
    pub fn generate() -> Self {
        use rand::RngExt;
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as u64);
        let random: [u8; 10] = rand::rng().random();
        let id = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        Self(
            HeaderValue::from_bytes(id.hyphenated().encode_lower(&mut text).as_bytes())
                .expect("a UUID is visible ASCII"),
        )
    }

    pub fn as_str(&self) -> &str {
        // Only visible ASCII is ever stored, which `to_str` always accepts.
        self.0.to_str().unwrap_or_default()
    }

    pub fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_client(text: &[u8]) -> Option<RequestId> {
        RequestId::from_client(&HeaderValue::from_bytes(text).unwrap())
    }

    #[test]
    fn sane_client_ids_are_taken_as_sent() {
        for id in [
            &b"abc-123"[..],
            b"00-4bf92f3577b34da6-00f067aa0ba902b7-01",
            &[b'x'; 128],
        ] {
            assert_eq!(from_client(id).unwrap().as_str().as_bytes(), id);
        }
    }

    #[test]
    fn blank_overlong_spaced_or_non_ascii_client_ids_are_ignored() {
        for id in [
            &b""[..],
            &[b'x'; 129],
            b"two words",
            b"tab\there",
            "caf\u{e9}".as_bytes(),
        ] {
            assert!(from_client(id).is_none(), "{id:?}");
        }
    }

    #[test]
    fn generated_ids_are_distinct_uuid_v7() {
        let first = RequestId::generate();
        let second = RequestId::generate();
        assert_ne!(first, second);
        let parsed = uuid::Uuid::parse_str(first.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert!(RequestId::from_client(&first.header_value()).is_some());
    }
}
