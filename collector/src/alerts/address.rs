//! Where a webhook may point: by default only public addresses, so a site's admin key cannot
//! make the collector call into its own network (a cloud metadata endpoint, a database's HTTP
//! port, `/metrics` on localhost). Checked when the address is resolved for each connection —
//! so a name that resolves to a public address when added and a private one later (DNS
//! rebinding) is refused too — and for addresses written in the URL itself.
//! `webhook_allow_private_networks` lifts it (a receiver inside the same network, tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address is globally routable, per the IANA special-purpose address registries
/// (IPv4: RFC 6890 and its updates; IPv6: the same for IPv6): every special-purpose block whose
/// addresses are not "globally reachable" is refused, and so is anything outside IPv6's global
/// unicast space (2000::/3). An IPv4 address carried inside an IPv6 one — mapped
/// (`::ffff:a.b.c.d`), translated (`::ffff:0:a.b.c.d`), or behind the well-known NAT64 prefix
/// (`64:ff9b::a.b.c.d`) — is decoded and judged as IPv4. Tunnels whose inner address is not
/// checkable here (Teredo, 6to4) and the deprecated IPv4-compatible form (`::a.b.c.d`) are
/// refused whole.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

/// The IPv4 address an IPv6 one carries in a form the network delivers to that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 2765)
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] => Some(tail),
        // 64:ff9b::a.b.c.d, the well-known NAT64 prefix (RFC 6052)
        [0x0064, 0xff9b, 0, 0, 0, 0, ..] => Some(tail),
        _ => None,
    }
}

/// The IPv4 special-purpose blocks that are not globally reachable, as (network, prefix).
const SPECIAL_V4: [([u8; 4], u8); 16] = [
    ([0, 0, 0, 0], 8),          // "this network"
    ([10, 0, 0, 0], 8),         // private
    ([100, 64, 0, 0], 10),      // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),        // loopback
    ([169, 254, 0, 0], 16),     // link-local (cloud metadata at 169.254.169.254)
    ([172, 16, 0, 0], 12),      // private
    ([192, 0, 0, 0], 24), // IETF protocol assignments (a cloud metadata address at 192.0.0.192)
    ([192, 0, 2, 0], 24), // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24), // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16), // private
    ([198, 18, 0, 0], 15), // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24), // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),  // multicast
    ([240, 0, 0, 0], 4),  // reserved
    ([255, 255, 255, 255], 32), // limited broadcast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    !SPECIAL_V4.iter().any(|&(network, prefix)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
        ip & mask == u32::from(Ipv4Addr::from(network)) & mask
    })
}

/// Blocks inside 2000::/3 that are not globally reachable, as (network, prefix); a block in
/// `GLOBAL_V6_EXCEPTIONS` inside one of them is.
const SPECIAL_V6: [(u128, u8); 5] = [
    (0x2001_0000 << 96, 23), // IETF protocol assignments (Teredo at 2001::/32, benchmarking, ORCHID)
    (0x2001_0db8 << 96, 32), // documentation
    (0x2002 << 112, 16),     // 6to4: an IPv4 address inside, relayed anywhere
    (0x3fff << 112, 20),     // documentation (RFC 9637)
    (0x5f00 << 112, 16),     // SRv6 SIDs (RFC 9602)
];

/// The globally reachable blocks inside 2001::/23, per the IPv6 special-purpose registry.
const GLOBAL_V6_EXCEPTIONS: [(u128, u8); 7] = [
    (0x2001_0001_0000_0000_0000_0000_0000_0001, 128), // port control protocol anycast
    (0x2001_0001_0000_0000_0000_0000_0000_0002, 128), // TURN anycast
    (0x2001_0001_0000_0000_0000_0000_0000_0003, 128), // DNS-SD SRP anycast
    (0x2001_0003 << 96, 32),                          // AMT
    (0x2001_0004_0112 << 80, 48),                     // AS112-v6
    (0x2001_0020 << 96, 28),                          // ORCHIDv2
    (0x2001_0030 << 96, 28),                          // drone remote ID
];

fn in_block(ip: u128, (network, prefix): (u128, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    ip & mask == network & mask
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // Only global unicast (2000::/3) is routed on the internet: loopback, unspecified, the
    // IPv4-compatible ::/96, discard-only 100::/64, unique and link-local, multicast all fall
    // outside it.
    if !in_block(bits, (0x2000 << 112, 3)) {
        return false;
    }
    if GLOBAL_V6_EXCEPTIONS.iter().any(|&b| in_block(bits, b)) {
        return true;
    }
    !SPECIAL_V6.iter().any(|&b| in_block(bits, b))
}

/// Why a URL's own address is refused, if it is an address and not public.
pub fn refused_literal(url: &url::Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| {
        format!(
            "{ip} is a private or local address; webhooks call public addresses only \
             (set webhook_allow_private_networks for a receiver inside your network)"
        )
    })
}

/// Resolves names as the system does, keeping only public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!(
                    "{host} resolves only to private or local addresses; webhooks call public \
                     addresses only (see webhook_allow_private_networks)"
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    /// One address inside every refused block (and at its edges where a neighbour is public),
    /// each with what it is.
    const REFUSED: &[(&str, &str)] = &[
        ("0.1.2.3", "this network"),
        ("10.1.2.3", "private"),
        ("100.64.0.1", "shared address space"),
        ("100.127.255.254", "shared address space, last"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local metadata"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private, last"),
        (
            "192.0.0.192",
            "IETF protocol assignments: a cloud metadata address",
        ),
        ("192.0.0.1", "IETF protocol assignments"),
        ("192.0.2.1", "documentation"),
        ("192.88.99.1", "6to4 relay anycast"),
        ("192.168.1.1", "private"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.254", "benchmarking, last"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.1", "documentation"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::127.0.0.1", "IPv4-compatible (deprecated)"),
        (
            "::8.8.8.8",
            "IPv4-compatible (deprecated), even of a public address",
        ),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:a9fe:a9fe", "IPv4-mapped link-local"),
        (
            "::ffff:0:a9fe:a9fe",
            "IPv4-translated link-local (non-canonical mapped form)",
        ),
        ("::ffff:0:7f00:1", "IPv4-translated loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64 of link-local"),
        ("64:ff9b::c000:c0", "NAT64 of 192.0.0.192"),
        ("64:ff9b:1::1", "local-use NAT64"),
        ("100::1", "discard-only"),
        ("2001::1", "Teredo"),
        (
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "Teredo with a public server",
        ),
        ("2001:2::1", "benchmarking"),
        ("2001:10::1", "ORCHID (deprecated)"),
        ("2001:db8::1", "documentation"),
        ("2002:7f00:1::", "6to4 of loopback"),
        ("2002:a00:1::", "6to4 of a private address"),
        ("2002:808:808::", "6to4 even of a public address"),
        ("3fff::1", "documentation (RFC 9637)"),
        ("5f00::1", "SRv6 SIDs"),
        ("fc00::1", "unique local"),
        ("fd00::1", "unique local"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local (deprecated)"),
        ("ff02::1", "multicast"),
    ];

    const PUBLIC: &[&str] = &[
        "8.8.8.8",
        "151.101.1.69",
        "192.0.1.1",
        "192.31.196.1",
        "192.52.193.1",
        "192.175.48.1",
        "100.128.0.1",
        "172.32.0.1",
        "198.20.0.1",
        "223.255.255.254",
        "2606:4700::1111",
        "2001:4860:4860::8888",
        "2001:1::1",
        "2001:3::1",
        "2001:4:112::1",
        "2001:20::1",
        "2620:4f:8000::1",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ];

    #[test]
    fn only_globally_routable_addresses_pass_when_a_webhook_is_added() {
        for (address, what) in REFUSED {
            let ip: IpAddr = address.parse().unwrap();
            assert!(!is_public(ip), "{address} ({what}) must be refused");
            let host = match ip {
                IpAddr::V4(_) => address.to_string(),
                IpAddr::V6(_) => format!("[{address}]"),
            };
            let url = url::Url::parse(&format!("https://{host}/hook")).unwrap();
            assert!(
                refused_literal(&url).is_some(),
                "{address} ({what}) in a URL"
            );
        }
        for address in PUBLIC {
            assert!(is_public(address.parse().unwrap()), "{address} must pass");
        }
        let url = url::Url::parse("https://hooks.slack.com/services/x").unwrap();
        assert!(refused_literal(&url).is_none());
    }

    #[tokio::test]
    async fn only_globally_routable_addresses_pass_when_a_webhook_is_called() {
        // The resolver used at connect time, given each address as the name to resolve (a
        // literal resolves to itself without DNS, so nothing leaves this machine).
        for (address, what) in REFUSED {
            let name = Name::from_str(address).unwrap();
            assert!(
                PublicOnly.resolve(name).await.is_err(),
                "{address} ({what}) must not be connected to"
            );
        }
        for address in PUBLIC {
            let name = Name::from_str(address).unwrap();
            let found: Vec<SocketAddr> = PublicOnly.resolve(name).await.unwrap().collect();
            assert_eq!(found.len(), 1, "{address}");
        }
    }
}
