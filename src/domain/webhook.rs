//! Webhooks as pure rules: what a partner may register as an endpoint's address, which
//! network addresses the service never sends to, and how a delivery is signed, the Standard
//! Webhooks way (<https://www.standardwebhooks.com>), so that a partner verifies it with any
//! of the published libraries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use utoipa::openapi::schema::SchemaFormat;

use super::ParseError;
use super::schema::text;

/// An endpoint's address as registered: an absolute `https` (or `http`) URL with a host, no
/// user name or password, no fragment, at most 2000 characters. Whether plain `http` and the
/// host's addresses are acceptable is judged where the service's setting is known
/// (`webhooks::target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2000;
    const PATTERN: &str = "^https?://[^\\s/?#@]+(/[^\\s#]*)?$";

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.chars().count() > Self::MAX_CHARS {
            return Err(ParseError(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let url = url::Url::parse(text).map_err(|error| {
            ParseError(format!(
                "must be an absolute URL such as https://partner.example/hooks ({error})"
            ))
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(ParseError("must be an https URL".into()));
        }
        if url.host().is_none() {
            return Err(ParseError("must name a host".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ParseError(
                "must not carry a user name or password: verify deliveries by their signature"
                    .into(),
            ));
        }
        if url.fragment().is_some() {
            return Err(ParseError("must not have a fragment (`#…`)".into()));
        }
        Ok(Self(url))
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl utoipa::PartialSchema for WebhookUrl {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut schema = text(Self::PATTERN, None, Self::MAX_CHARS);
        schema.format = Some(SchemaFormat::Custom("uri".into()));
        schema.examples = vec![serde_json::json!("https://tsh.example/hooks/mathshub")];
        schema.into()
    }
}

impl utoipa::ToSchema for WebhookUrl {}

/// Why an address is not one the service sends to, or `None` for a public unicast address.
/// `loopback_allowed` is for tests and local development only.
pub fn refused_address(address: IpAddr, loopback_allowed: bool) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => refused_v4(v4, loopback_allowed),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4, loopback_allowed),
            None => refused_v6(v6, loopback_allowed),
        },
    }
}

fn refused_v4(address: Ipv4Addr, loopback_allowed: bool) -> Option<&'static str> {
    let [a, b, ..] = address.octets();
    if address.is_loopback() {
        (!loopback_allowed).then_some("loopback")
    } else if address.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("private")
    } else if address.is_link_local() {
        Some("link-local")
    } else if address.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if address.is_multicast() || address.is_broadcast() || a >= 240 {
        Some("not unicast")
    } else if address.is_documentation()
        || (a == 198 && (18..20).contains(&b))
        || a == 192 && b == 0
    {
        Some("reserved")
    } else {
        None
    }
}

fn refused_v6(address: Ipv6Addr, loopback_allowed: bool) -> Option<&'static str> {
    let first = address.segments()[0];
    if address.is_loopback() {
        (!loopback_allowed).then_some("loopback")
    } else if address.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if address.is_multicast() {
        Some("not unicast")
    } else if first == 0x2001 && address.segments()[1] == 0x0db8 {
        Some("reserved")
    } else {
        None
    }
}

/// An endpoint's signing key, shown to the partner as `whsec_` and its base64.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// Bytes in a new key.
    pub const BYTES: usize = 32;
    const PREFIX: &str = "whsec_";

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key as a partner configures it in a Standard Webhooks library.
    pub fn reveal(&self) -> String {
        format!("{}{}", Self::PREFIX, STANDARD.encode(&self.0))
    }

    /// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SigningKey(…)")
    }
}

/// The `webhook-signature` header: a signature by each key in force, space-separated, so a
/// receiver that still knows only the previous key verifies while a rotation settles.
pub fn signature_header(keys: &[&SigningKey], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| key.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_must_be_absolute_web_and_free_of_credentials() {
        assert!(WebhookUrl::parse("https://tsh.example/hooks?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/hooks").is_ok());
        for text in [
            "",
            "tsh.example/hooks",
            "ftp://tsh.example/hooks",
            "https://user:pass@tsh.example/hooks",
            "https://tsh.example/hooks#top",
            "file:///etc/passwd",
        ] {
            assert!(WebhookUrl::parse(text).is_err(), "{text}");
        }
        let long = format!("https://tsh.example/{}", "a".repeat(2000));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn only_public_unicast_addresses_are_sent_to() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
        ] {
            let address: IpAddr = refused.parse().unwrap();
            assert!(refused_address(address, false).is_some(), "{refused}");
        }
        for public in ["81.2.69.160", "8.8.8.8", "2a00:1450:4009:81f::200e"] {
            let address: IpAddr = public.parse().unwrap();
            assert_eq!(refused_address(address, false), None, "{public}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_asked_and_nothing_else_is() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(refused_address(loopback, true), None);
        let private: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(refused_address(private, true), Some("private"));
    }

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let key =
            SigningKey::from_bytes(STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap());
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            key.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(key.reveal(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn a_rotation_signs_with_both_keys() {
        let new = SigningKey::from_bytes(vec![1; 32]);
        let old = SigningKey::from_bytes(vec![2; 32]);
        let header = signature_header(&[&new, &old], "id", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts, [new.sign("id", 1, b"{}"), old.sign("id", 1, b"{}")]);
    }
}
