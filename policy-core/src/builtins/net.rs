//! IP network builtins over CIDR strings such as `10.0.0.0/8` and `2001:db8::/32`.
//!
//! Parsing is strict, like Go's `net/netip`: IPv4 octets and prefix lengths with leading zeros
//! (`010.0.0.0/8`, `10.0.0.0/08`) are rejected, because `010` reads as octal 8 in some tools and
//! as decimal 10 in others. IPv6 zones (`fe80::1%eth0`) and surrounding whitespace are rejected.
//! Host bits may be set (`10.1.2.3/8`, as Kubernetes accepts); they are cleared before any
//! comparison. Where a function accepts an address "or" a network, a bare IP is a single host
//! (`/32` or `/128`). IPv4 and IPv6 never contain each other.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{Arg, BuiltinError, BuiltinResult, arg, ok, string_arg};
use crate::value::Value;

/// IPv4 ranges that hold no globally routable address (for `cidr_is_public`).
const NON_PUBLIC_V4: [Ipv4Net; 9] = [
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8), // private (RFC 1918)
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12), // private (RFC 1918)
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16), // private (RFC 1918)
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10), // carrier-grade NAT (RFC 6598)
    Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8), // loopback
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16), // link-local
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24), // IETF protocol assignments
    Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15), // benchmarking (RFC 2544)
    Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4), // multicast
];

/// IPv6 ranges that hold no globally routable address (for `cidr_is_public`).
const NON_PUBLIC_V6: [Ipv6Net; 4] = [
    Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128), // loopback
    Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// A CIDR in `address/prefix` form, host bits cleared.
fn parse_cidr(s: &str) -> Option<IpNet> {
    let (addr, prefix) = s.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let canonical = !prefix.is_empty()
        && prefix.len() <= 3
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && (prefix == "0" || !prefix.starts_with('0'));
    if !canonical {
        return None;
    }
    IpNet::new(addr, prefix.parse().ok()?)
        .ok()
        .map(|n| n.trunc())
}

/// A CIDR, or a bare IP as a single-host network.
fn parse_net_or_ip(s: &str) -> Option<IpNet> {
    if s.contains('/') {
        parse_cidr(s)
    } else {
        s.parse::<IpAddr>().ok().map(IpNet::from)
    }
}

/// A CIDR-or-IP argument; malformed text is an error.
fn net_arg(func: &str, param: &str, a: Arg<'_>) -> Result<Option<IpNet>, BuiltinError> {
    let Some(s) = string_arg(func, param, a)? else {
        return Ok(None);
    };
    parse_net_or_ip(s).map(Some).ok_or_else(|| {
        BuiltinError::new(format!(
            "`{func}` cannot parse `{s}` as a CIDR or an IP address"
        ))
    })
}

/// A validator: malformed text and values of other types give `false`.
pub(super) fn cidr_valid(args: &[Arg<'_>]) -> BuiltinResult {
    match arg(args, 0) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => ok(Value::Bool(parse_cidr(s).is_some())),
        Some(_) => ok(Value::Bool(false)),
    }
}

pub(super) fn cidr_contains(args: &[Arg<'_>]) -> BuiltinResult {
    let net = net_arg("cidr_contains", "net", arg(args, 0))?;
    let addr = net_arg("cidr_contains", "addr", arg(args, 1))?;
    Ok(net.zip(addr).map(|(n, a)| Value::Bool(n.contains(&a))))
}

pub(super) fn cidr_is_public(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(net_arg("cidr_is_public", "s", arg(args, 0))?.map(|n| Value::Bool(is_public(n))))
}

pub(super) fn cidr_prefix_len(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(net_arg("cidr_prefix_len", "s", arg(args, 0))?
        .map(|n| Value::Int(i64::from(n.prefix_len()))))
}

/// Whether a bare IP address (not a CIDR, not a host name) is globally routable, as
/// `cidr_is_public` judges it; `None` for text that is not an IP address.
pub(crate) fn address_is_public(s: &str) -> Option<bool> {
    s.parse::<IpAddr>().ok().map(|a| is_public(IpNet::from(a)))
}

/// Whether a (truncated) network includes any address outside the non-public ranges.
///
/// IPv4-mapped IPv6 networks (`::ffff:10.0.0.0/104`) are judged as the IPv4 network they map.
fn is_public(net: IpNet) -> bool {
    match net {
        IpNet::V4(n) => !NON_PUBLIC_V4.iter().any(|p| p.contains(&n)),
        IpNet::V6(n) => {
            let mapped = n.network().to_ipv4_mapped().and_then(|v4| {
                let len = n.prefix_len().checked_sub(96)?;
                Ipv4Net::new(v4, len).ok()
            });
            match mapped {
                Some(v4) => is_public(IpNet::V4(v4)),
                None => !NON_PUBLIC_V6.iter().any(|p| p.contains(&n)),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;

    fn t(b: bool) -> Value {
        Value::Bool(b)
    }

    #[test]
    fn validity() {
        for good in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "10.1.2.3/8",
            "192.168.1.1/32",
            "::/0",
            "2001:db8::/32",
            "::ffff:10.0.0.0/104",
        ] {
            assert_eq!(val("cidr_valid", &[s(good)]), t(true), "{good}");
        }
        for bad in [
            "",
            "10.0.0.0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "010.0.0.0/8",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.0.0.0/",
            "/8",
            " 10.0.0.0/8",
            "10.0.0.0/8 ",
            "fe80::1%eth0/64",
            "300.0.0.0/8",
            "10.0.0.0/8/8",
            "example.com/8",
        ] {
            assert_eq!(val("cidr_valid", &[s(bad)]), t(false), "{bad}");
        }
        assert_eq!(val("cidr_valid", &[Value::Int(10)]), t(false));
        assert_eq!(call("cidr_valid", &[Value::Null]), Ok(None));
        assert_eq!(call_args("cidr_valid", &[None]), Ok(None));
    }

    #[test]
    fn containment() {
        let c = |a: &str, b: &str| val("cidr_contains", &[s(a), s(b)]);
        assert_eq!(c("10.0.0.0/8", "10.1.2.3"), t(true));
        assert_eq!(c("10.0.0.0/8", "11.0.0.0"), t(false));
        assert_eq!(c("10.0.0.0/8", "10.128.0.0/9"), t(true));
        assert_eq!(c("10.0.0.0/8", "10.0.0.0/8"), t(true));
        assert_eq!(c("10.0.0.0/8", "10.0.0.0/7"), t(false));
        assert_eq!(
            c("10.1.2.3/8", "10.200.0.1"),
            t(true),
            "host bits are cleared"
        );
        assert_eq!(c("10.0.0.1", "10.0.0.1"), t(true));
        assert_eq!(c("10.0.0.1", "10.0.0.2"), t(false));
        assert_eq!(c("0.0.0.0/0", "203.0.113.9"), t(true));
        assert_eq!(c("2001:db8::/32", "2001:db8:1::1"), t(true));
        assert_eq!(c("::/0", "10.0.0.1"), t(false), "families never mix");
        assert_eq!(c("0.0.0.0/0", "::1"), t(false));
        assert_eq!(
            err("cidr_contains", &[s("10.0.0.0/33"), s("10.0.0.1")]),
            "`cidr_contains` cannot parse `10.0.0.0/33` as a CIDR or an IP address"
        );
        assert!(err("cidr_contains", &[s("10.0.0.0/8"), s("nope")]).contains("`nope`"));
        assert!(err("cidr_contains", &[s("10.0.0.0/8"), Value::Int(1)]).contains("`addr`"));
        assert_eq!(
            call_args("cidr_contains", &[Some(&s("10.0.0.0/8")), None]),
            Ok(None)
        );
    }

    #[test]
    fn public_ranges() {
        let p = |x: &str| val("cidr_is_public", &[s(x)]);
        assert_eq!(p("0.0.0.0/0"), t(true));
        assert_eq!(p("10.0.0.0/8"), t(false));
        assert_eq!(
            p("10.0.0.0/7"),
            t(true),
            "10.0.0.0/7 also covers 11.0.0.0/8"
        );
        assert_eq!(p("10.20.0.0/16"), t(false));
        assert_eq!(p("172.16.0.0/12"), t(false));
        assert_eq!(p("172.16.0.0/11"), t(true));
        assert_eq!(p("172.31.255.255"), t(false));
        assert_eq!(p("172.32.0.1"), t(true));
        assert_eq!(p("192.168.1.0/24"), t(false));
        assert_eq!(p("100.64.0.0/10"), t(false));
        assert_eq!(p("127.0.0.1"), t(false));
        assert_eq!(p("169.254.169.254/32"), t(false));
        assert_eq!(p("192.0.0.8"), t(false));
        assert_eq!(p("198.19.0.1"), t(false));
        assert_eq!(p("239.1.1.1"), t(false));
        assert_eq!(p("8.8.8.8"), t(true));
        assert_eq!(p("8.8.8.8/32"), t(true));
        assert_eq!(p("::/0"), t(true));
        assert_eq!(p("::1"), t(false));
        assert_eq!(p("::1/128"), t(false));
        assert_eq!(p("fd00::/8"), t(false));
        assert_eq!(p("fc00::/7"), t(false));
        assert_eq!(p("fc00::/6"), t(true));
        assert_eq!(p("fe80::1"), t(false));
        assert_eq!(p("ff02::1"), t(false));
        assert_eq!(p("2001:4860:4860::8888"), t(true));
        assert_eq!(p("::ffff:10.0.0.1"), t(false), "IPv4-mapped");
        assert_eq!(p("::ffff:8.8.8.8"), t(true));
        assert_eq!(p("::ffff:0.0.0.0/96"), t(true));
        assert!(err("cidr_is_public", &[s("10.0.0.0/99")]).starts_with("`cidr_is_public` cannot"));
        assert_eq!(call("cidr_is_public", &[Value::Null]), Ok(None));
    }

    #[test]
    fn prefix_lengths() {
        let l = |x: &str| val("cidr_prefix_len", &[s(x)]);
        assert_eq!(l("10.0.0.0/8"), Value::Int(8));
        assert_eq!(l("0.0.0.0/0"), Value::Int(0));
        assert_eq!(l("10.0.0.1"), Value::Int(32));
        assert_eq!(l("2001:db8::/48"), Value::Int(48));
        assert_eq!(l("::1"), Value::Int(128));
        assert!(call("cidr_prefix_len", &[s("bad")]).is_err());
        assert!(call("cidr_prefix_len", &[Value::Bool(false)]).is_err());
    }
}
