//! Who a request comes from, for rate limits: the peer address, or — when the peer is one of
//! `trusted_proxies` — the right-most `X-Forwarded-For` hop that is not a trusted proxy. The
//! left-most entries are whatever the client wrote and are never believed. IPv6 clients are
//! limited per /64, the block one subscriber gets: a bucket per /128 would give each
//! client 2^64 buckets.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

/// The key a client is limited under.
pub fn client_key(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    // Read as bytes, hop by hop: a client's garbage (non-ASCII bytes) in the left part of the
    // header must not make the hops our proxies appended unreadable.
    let forwarded = req
        .headers()
        .get_all(header::X_FORWARDED_FOR)
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|hop| std::str::from_utf8(hop).unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(",");
    Some(limit_key(client_of(peer, &forwarded, trusted)))
}

/// The client behind `peer`: the right-most hop of `x_forwarded_for` (comma-separated) that
/// is not a trusted proxy, if `peer` itself is one.
pub fn client_of(peer: IpAddr, x_forwarded_for: &str, trusted: &[IpNet]) -> IpAddr {
    // IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`: compared and keyed as
    // the IPv4 addresses they are.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in x_forwarded_for.rsplit(',').map(str::trim) {
        let Some(ip) = parse_hop(hop) else {
            // An unreadable hop ends the chain: nothing left of it can be vouched for.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// A hop as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .map(|ip| ip.to_canonical())
}

/// IPv4 addresses as they are; IPv6 ones reduced to their /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        v4 @ IpAddr::V4(_) => v4,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // (peer, X-Forwarded-For, trusted proxies, client, why)
        let cases: [(&str, &str, &[IpNet], &str, &str); 8] = [
            (
                "203.0.113.7",
                "1.1.1.1",
                &proxies,
                "203.0.113.7",
                "a direct client's header is ignored",
            ),
            (
                "10.0.0.2",
                "6.6.6.6, 203.0.113.7, 10.0.0.5",
                &proxies,
                "203.0.113.7",
                "the hop the first proxy saw",
            ),
            (
                "10.0.0.2",
                "",
                &proxies,
                "10.0.0.2",
                "no header: the proxy itself",
            ),
            (
                "10.0.0.2",
                "[2001:db8::1]:443",
                &proxies,
                "2001:db8::1",
                "bracketed IPv6 with port",
            ),
            (
                "10.0.0.2",
                "garbage, 10.0.0.9",
                &proxies,
                "10.0.0.9",
                "all trusted after garbage",
            ),
            (
                "::ffff:10.0.0.2",
                "203.0.113.7",
                &proxies,
                "203.0.113.7",
                "a mapped IPv4 proxy is trusted",
            ),
            (
                "10.0.0.2",
                "?, 203.0.113.7",
                &proxies,
                "203.0.113.7",
                "client garbage on the left",
            ),
            (
                "10.0.0.2",
                "203.0.113.7",
                &[],
                "10.0.0.2",
                "no trusted proxies: nothing forwarded counts",
            ),
        ];
        for (peer, header, trusted, client, why) in cases {
            assert_eq!(client_of(ip(peer), header, trusted), ip(client), "{why}");
        }
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            limit_key(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:3::1")),
            limit_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
        // A dual-stack listener's IPv4 client keeps its own key.
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_ne!(
            limit_key(ip("::ffff:192.0.2.1")),
            limit_key(ip("::ffff:192.0.2.2"))
        );
    }
}
