//! Where the service may send a webhook: an `https` URL whose host resolves only to public
//! addresses. Judged when an endpoint is registered and again at every delivery, where the
//! connection goes to the very addresses judged (`CheckedResolver`), so a name that resolves
//! elsewhere later (DNS rebinding) cannot turn a delivery towards the service's own network.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::domain::webhook::refused_address;

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the service sends webhooks to.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetPolicy {
    /// Plain `http` and loopback addresses too: for tests and local development only.
    pub plain_http_and_loopback: bool,
}

impl TargetPolicy {
    /// Whether the service may send to `url`: its scheme, and every address its host
    /// resolves to now. The refusal says why, to the partner registering it.
    pub async fn check(&self, url: &Url) -> Result<(), String> {
        match self.check_literal(url)? {
            Some(_) => Ok(()),
            None => {
                let host = url.host_str().unwrap_or_default();
                self.resolve(host, url.port_or_known_default().unwrap_or(443))
                    .await
                    .map(drop)
            }
        }
    }

    /// The scheme's rule, and an address written in the URL itself (which no resolver sees):
    /// `Some` when the host is such an address.
    pub fn check_literal(&self, url: &Url) -> Result<Option<IpAddr>, String> {
        if url.scheme() != "https" && !self.plain_http_and_loopback {
            return Err("must be an https URL".into());
        }
        let address = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(Host::Domain(_)) => return Ok(None),
            None => return Err("must name a host".into()),
        };
        self.judge(address)?;
        Ok(Some(address))
    }

    /// The addresses `host` resolves to, all of them public (or the refusal).
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| format!("{host} did not resolve within {RESOLVE_TIMEOUT:?}"))?
            .map_err(|error| format!("{host} does not resolve ({error})"))?;
        let addresses: Vec<SocketAddr> = found.collect();
        if addresses.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        for address in &addresses {
            self.judge(address.ip())
                .map_err(|why| format!("{host} resolves to {}: {why}", address.ip()))?;
        }
        Ok(addresses)
    }

    fn judge(&self, address: IpAddr) -> Result<(), String> {
        match refused_address(address, self.plain_http_and_loopback) {
            None => Ok(()),
            Some(why) => Err(format!(
                "{address} is a {why} address, which webhooks are never sent to"
            )),
        }
    }
}

/// The HTTP client's resolver: a name resolves only when every address it has is one the
/// policy allows, and the client then connects to those addresses.
#[derive(Debug, Clone)]
pub struct CheckedResolver(pub TargetPolicy);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let addresses = policy.resolve(name.as_str(), 0).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[tokio::test]
    async fn https_to_a_public_address_is_allowed_and_little_else() {
        let strict = TargetPolicy::default();
        assert!(
            strict
                .check(&url("https://81.2.69.160/hooks"))
                .await
                .is_ok()
        );
        for refused in [
            "http://81.2.69.160/hooks",
            "https://127.0.0.1/hooks",
            "https://[::1]/hooks",
            "https://10.0.0.8/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/hooks",
        ] {
            assert!(strict.check(&url(refused)).await.is_err(), "{refused}");
        }
    }

    #[tokio::test]
    async fn the_test_setting_allows_plain_http_to_loopback_only() {
        let loose = TargetPolicy {
            plain_http_and_loopback: true,
        };
        assert!(loose.check(&url("http://127.0.0.1:9/hooks")).await.is_ok());
        assert!(loose.check(&url("http://localhost:9/hooks")).await.is_ok());
        assert!(loose.check(&url("http://192.168.0.1/hooks")).await.is_err());
    }
}
