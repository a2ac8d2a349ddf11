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
    let forwarded = req
        .headers()
        .get_all(header::X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(limit_key(client_of(peer, &forwarded, trusted)))
}

/// The client behind `peer`: the right-most hop of `x_forwarded_for` (comma-separated) that
/// is not a trusted proxy, if `peer` itself is one.
pub fn client_of(peer: IpAddr, x_forwarded_for: &str, trusted: &[IpNet]) -> IpAddr {
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
}

/// IPv4 addresses as they are; IPv6 ones reduced to their /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
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
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // A direct client's header is ignored.
        assert_eq!(
            client_of(ip("203.0.113.7"), "1.1.1.1", &trusted),
            ip("203.0.113.7")
        );
        // Behind our proxies: the hop the first proxy saw, not what the client wrote.
        assert_eq!(
            client_of(ip("10.0.0.2"), "6.6.6.6, 203.0.113.7, 10.0.0.5", &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(client_of(ip("10.0.0.2"), "", &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_of(ip("10.0.0.2"), "[2001:db8::1]:443", &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_of(ip("10.0.0.2"), "garbage, 10.0.0.9", &trusted),
            ip("10.0.0.9")
        );
        // Without trusted proxies nothing forwarded counts.
        assert_eq!(
            client_of(ip("10.0.0.2"), "203.0.113.7", &[]),
            ip("10.0.0.2")
        );
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
    }
}
