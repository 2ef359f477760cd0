//! SSRF guard: tools may not reach loopback, private, link-local or cloud-metadata addresses
//! unless their host is explicitly allow-listed. Checked before connecting (literal IPs), at
//! DNS resolution (names, including those reached by redirects), and on every redirect.

use std::{
    collections::HashSet,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Addresses a tool must not reach unless allow-listed: everything that is not plainly a
/// public unicast address, including IPv6 forms that carry (or translate to) an IPv4 address.
pub fn is_internal_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // includes 169.254.169.254, the cloud metadata service
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast() // 224.0.0.0/4
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // 192.0.0.0/24 protocol assignments
        || (a == 192 && b == 0 && c == 2) // 192.0.2.0/24 documentation
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || (a == 198 && b == 51 && c == 100) // 198.51.100.0/24 documentation
        || (a == 203 && b == 0 && c == 113) // 203.0.113.0/24 documentation
        || a >= 240 // 240.0.0.0/4 reserved, and the broadcast address
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let [first, second, ..] = segments;
    // The IPv4 address in bits 16..48, as 6to4 (2002::/16) embeds it.
    let six_to_four = || {
        let [_, _, a, b, c, d, ..] = ip.octets();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d reaches a.b.c.d.
        return is_internal_v4(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast() // ff00::/8
        || segments[..6] == [0; 6] // ::a.b.c.d, IPv4-compatible (deprecated)
        || segments[..5] == [0, 0, 0, 0, 0xffff] && segments[5] == 0 // ::ffff:0:a.b.c.d, translated
        || (first == 0x0064 && second == 0xff9b && segments[2..6] == [0; 4]) // 64:ff9b::/96 NAT64
        || (first == 0x0064 && second == 0xff9b && segments[2] == 1) // 64:ff9b:1::/48 local NAT64
        || (first == 0x0100 && segments[1..4] == [0; 3]) // 100::/64 discard
        || (first == 0x2001 && second == 0) // 2001::/32 Teredo
        || (first == 0x2001 && second == 0x0002 && segments[2] == 0) // 2001:2::/48 benchmarking
        || (first == 0x2001 && matches!(second & 0xfff0, 0x0010 | 0x0020)) // ORCHID, ORCHIDv2
        || (first == 0x2001 && second == 0x0db8) // 2001:db8::/32 documentation
        || (first == 0x3fff && (second & 0xf000) == 0) // 3fff::/20 documentation
        || (first == 0x2002 && is_internal_v4(six_to_four())) // 6to4 of an internal address
        || (first & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (first & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (first & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
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
    fn every_internal_range_is_recognised_at_its_edges() {
        // (range, first address, last address)
        let internal = [
            ("0.0.0.0/8 this network", "0.0.0.0", "0.255.255.255"),
            ("10.0.0.0/8 private", "10.0.0.0", "10.255.255.255"),
            (
                "100.64.0.0/10 carrier-grade NAT",
                "100.64.0.0",
                "100.127.255.255",
            ),
            ("127.0.0.0/8 loopback", "127.0.0.0", "127.255.255.255"),
            (
                "169.254.0.0/16 link-local",
                "169.254.0.0",
                "169.254.255.255",
            ),
            ("172.16.0.0/12 private", "172.16.0.0", "172.31.255.255"),
            (
                "192.0.0.0/24 protocol assignments",
                "192.0.0.0",
                "192.0.0.255",
            ),
            ("192.0.2.0/24 documentation", "192.0.2.0", "192.0.2.255"),
            ("192.168.0.0/16 private", "192.168.0.0", "192.168.255.255"),
            ("198.18.0.0/15 benchmarking", "198.18.0.0", "198.19.255.255"),
            (
                "198.51.100.0/24 documentation",
                "198.51.100.0",
                "198.51.100.255",
            ),
            (
                "203.0.113.0/24 documentation",
                "203.0.113.0",
                "203.0.113.255",
            ),
            ("224.0.0.0/4 multicast", "224.0.0.0", "239.255.255.255"),
            ("240.0.0.0/4 reserved", "240.0.0.0", "255.255.255.254"),
            ("broadcast", "255.255.255.255", "255.255.255.255"),
            ("::/128 unspecified", "::", "::"),
            ("::1/128 loopback", "::1", "::1"),
            ("::/96 IPv4-compatible", "::0.0.0.2", "::255.255.255.255"),
            ("::/96 IPv4-compatible, public v4", "::8.8.8.8", "::8.8.8.8"),
            (
                "::ffff:0:0/96 mapped",
                "::ffff:10.0.0.1",
                "::ffff:127.0.0.1",
            ),
            (
                "::ffff:0:0/96 mapped, other ranges",
                "::ffff:198.18.0.1",
                "::ffff:240.0.0.1",
            ),
            (
                "::ffff:0:0:0/96 translated",
                "::ffff:0:8.8.8.8",
                "::ffff:0:10.0.0.1",
            ),
            ("64:ff9b::/96 NAT64", "64:ff9b::", "64:ff9b::ffff:ffff"),
            (
                "64:ff9b::/96 NAT64, public v4",
                "64:ff9b::8.8.8.8",
                "64:ff9b::8.8.8.8",
            ),
            (
                "64:ff9b:1::/48 local NAT64",
                "64:ff9b:1::",
                "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
            ),
            ("100::/64 discard", "100::", "100::ffff:ffff:ffff:ffff"),
            (
                "2001::/32 Teredo",
                "2001::",
                "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2001:2::/48 benchmarking",
                "2001:2::",
                "2001:2:0:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2001:10::/28 ORCHID",
                "2001:10::",
                "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2001:20::/28 ORCHIDv2",
                "2001:20::",
                "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2001:db8::/32 documentation",
                "2001:db8::",
                "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "3fff::/20 documentation",
                "3fff::",
                "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "2002::/16 6to4 of loopback",
                "2002:7f00:1::",
                "2002:7f00:1::1",
            ),
            (
                "2002::/16 6to4 of private",
                "2002:a00:1::",
                "2002:c0a8:101::1",
            ),
            (
                "2002::/16 6to4 of metadata",
                "2002:a9fe:a9fe::",
                "2002:a9fe:a9fe::1",
            ),
            (
                "2002::/16 6to4 of benchmarking",
                "2002:c612::",
                "2002:c613:ffff::",
            ),
            (
                "fc00::/7 unique local",
                "fc00::",
                "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "fe80::/10 link-local",
                "fe80::",
                "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "fec0::/10 site-local",
                "fec0::",
                "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "ff00::/8 multicast",
                "ff00::",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ];
        for (range, first, last) in internal {
            for address in [first, last] {
                let ip: IpAddr = address.parse().unwrap();
                assert!(is_internal_address(ip), "{range}: {address}");
            }
        }
        // Just outside those ranges, and plain public addresses.
        let public = [
            "1.1.1.1",
            "8.8.8.8",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "203.0.112.255",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2001:1:ffff::",
            "2001:30::",
            "2001:db9::",
            "2002:808:808::",
            "64:ff9b:2::",
            "::ffff:8.8.8.8",
            "4000::",
        ];
        for address in public {
            let ip: IpAddr = address.parse().unwrap();
            assert!(!is_internal_address(ip), "{address}");
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
