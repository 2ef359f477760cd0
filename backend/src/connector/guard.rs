//! SSRF guard: tools may not reach loopback, private, link-local or cloud-metadata addresses
//! unless their host is explicitly allow-listed. Checked before connecting (literal IPs), at
//! DNS resolution (names, including those reached by redirects), and on every redirect.

use std::{
    collections::HashSet,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Addresses a tool must not reach unless allow-listed.
pub fn is_internal_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80 // link-local
            }
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // includes 169.254.169.254, the cloud metadata service
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (b & 0xc0) == 64) // carrier-grade NAT
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{host} is an internal address; allow-list it in TOOL_ALLOWED_HOSTS to reach it")]
pub struct Refused {
    pub host: String,
}

/// Which hosts may be reached despite resolving to internal addresses.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    allowed: Arc<HashSet<String>>,
}

impl HostPolicy {
    pub fn new(allowed_hosts: impl IntoIterator<Item = String>) -> Self {
        let allowed = allowed_hosts
            .into_iter()
            .map(|host| {
                host.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_lowercase()
            })
            .filter(|host| !host.is_empty())
            .collect();
        Self {
            allowed: Arc::new(allowed),
        }
    }

    pub fn allows_host(&self, host: &str) -> bool {
        self.allowed.contains(
            &host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_lowercase(),
        )
    }

    /// Refuses URLs whose host is a literal internal IP. Names are checked at resolution.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => {
                return Err(Refused {
                    host: url.to_string(),
                });
            }
        };
        if is_internal_address(ip) && !self.allows_host(&ip.to_string()) {
            return Err(Refused {
                host: ip.to_string(),
            });
        }
        Ok(())
    }
}

/// DNS resolution that drops internal addresses for hosts that are not allow-listed, so a
/// public-looking name cannot lead to an internal service (also after redirects).
pub struct GuardedResolver {
    pub policy: HostPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.allows_host(&host) {
                return Ok(Box::new(resolved.into_iter()) as Addrs);
            }
            let public: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| !is_internal_address(addr.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Finds a guard refusal anywhere in an error's source chain.
pub fn refusal_in<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal_address(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "20.50.2.1", "2606:4700::1111", "172.32.0.1"] {
            assert!(!is_internal_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literal_internal_urls_are_refused_unless_allow_listed() {
        let policy = HostPolicy::new(["127.0.0.1".to_owned()]);
        let url = |text: &str| Url::parse(text).unwrap();
        assert!(policy.check_url(&url("http://127.0.0.1:8080/x")).is_ok());
        assert_eq!(
            policy.check_url(&url("http://169.254.169.254/latest/meta-data")),
            Err(Refused {
                host: "169.254.169.254".into()
            })
        );
        assert!(policy.check_url(&url("http://[::1]/")).is_err());
        assert!(
            policy
                .check_url(&url("https://adb-123.azuredatabricks.net/"))
                .is_ok(),
            "names are checked at resolution"
        );
    }
}
