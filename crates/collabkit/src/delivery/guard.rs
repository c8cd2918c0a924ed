//! The SSRF guard: receivers must be public addresses unless `--allow-private-destinations`.
//!
//! Checked on the resolved addresses, at registration and again on every attempt (through the
//! HTTP client's resolver), so a name that later resolves to an internal address is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;

/// Whether an address is one a webhook must not reach: loopback, private, link-local, CGNAT,
/// multicast, unspecified, broadcast, documentation, benchmarking or reserved ranges, IPv4 or
/// IPv6 (including IPv4 addresses embedded in IPv6).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network", including 0.0.0.0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240 // reserved 240/4
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let seg = ip.segments();
    // NAT64 64:ff9b::/96 embeds an IPv4 address.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        );
        return forbidden_v4(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation 2001:db8::/32
        || seg[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::/96 (deprecated)
}

/// Checks that a URL's host may be reached: every address it resolves to must be allowed.
pub async fn check_destination(url: &url::Url, allow_private: bool) -> Result<(), String> {
    let host = url.host().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("the host `{name}` cannot be resolved: {e}"))?
            .map(|sa| sa.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err("the host resolves to no address".into());
    }
    if !allow_private && let Some(ip) = addrs.iter().find(|ip| is_forbidden(**ip)) {
        return Err(format!(
            "the destination resolves to {ip}, a private or reserved address; \
             start the server with --allow-private-destinations to allow it"
        ));
    }
    Ok(())
}

/// The HTTP client's resolver: resolves, then drops forbidden addresses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl tower::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
                .await?
                .filter(|sa| allow_private || !is_forbidden(sa.ip()))
                .collect();
            if resolved.is_empty() {
                return Err(std::io::Error::other(format!(
                    "destination refused: `{host}` resolves only to private or reserved addresses"
                )));
            }
            Ok(resolved.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        let forbidden = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ];
        for ip in forbidden {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip} should be refused");
        }
        for ip in [
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::101:101",
        ] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[tokio::test]
    async fn refuses_private_literals_and_names() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://[::1]/",
            "http://localhost/",
            "http://169.254.169.254/",
        ] {
            let url = url::Url::parse(url).unwrap();
            assert!(check_destination(&url, false).await.is_err(), "{url}");
            assert!(check_destination(&url, true).await.is_ok(), "{url}");
        }
    }
}
