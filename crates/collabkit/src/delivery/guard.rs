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
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    let seg = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation 2001:db8::/32
        || (seg[0] == 0x2001 && seg[1] < 0x0200) // IETF protocol assignments 2001::/23 (Teredo…)
        || (seg[0] == 0x0064 && seg[1] == 0xff9b && seg[2] == 1) // local-use NAT64 64:ff9b:1::/48
        || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0]) // discard-only 100::/64
        || seg[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::/96 (deprecated)
}

/// The IPv4 address an IPv6 address stands for, in every form that embeds or translates one:
/// IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`,
/// 6to4 `2002:aabb:ccdd::/48` and ISATAP interface ids `…:0:5efe:a.b.c.d`. Each is judged by the
/// IPv4 rules (`::ffff:0:7f00:1` and `2002:7f00:1::1` are 127.0.0.1).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return Some(mapped);
    }
    if seg[..4] == [0, 0, 0, 0] && seg[4] == 0xffff && seg[5] == 0 {
        return Some(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        return Some(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        return Some(v4(seg[1], seg[2]));
    }
    if seg[4] & 0xfdff == 0 && seg[5] == 0x5efe {
        return Some(v4(seg[6], seg[7]));
    }
    None
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
            .map_err(|_| format!("the host `{name}` cannot be resolved"))?
            .map(|sa| sa.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err("the host resolves to no address".into());
    }
    // The message names no resolved address: API clients must not learn what internal names
    // resolve to.
    if !allow_private && addrs.iter().any(|ip| is_forbidden(*ip)) {
        return Err("the destination is not a public address; \
             start the server with --allow-private-destinations to allow private ones"
            .into());
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
            "::ffff:0:7f00:1",
            "2002:7f00:1::1",
            "2002:a00:1::1",
            "64:ff9b:1::7f00:1",
            "64:ff9b:1:0101:0101::",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2606:4700::5efe:7f00:1",
            "2606:4700::200:5efe:a00:1",
            "100::1",
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
            "2002:101:101::1",
            "::ffff:0:101:101",
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
