//! Container image references, parsed like `github.com/distribution/reference`
//! (`ParseNormalizedNamed`, the parser behind `docker pull` and the kubelet).
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ registry "/" ] path
//! registry   := host [ ":" port ]            host: DNS name, IPv4, or [IPv6]
//! path       := component ( "/" component )*  component: [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex             sha256 (64), sha384 (96), sha512 (128) lowercase hex
//! ```
//!
//! Docker Hub normalization: the first path segment is a registry when it contains `.` or `:`,
//! is `localhost`, or has an uppercase letter (as in `distribution/reference`, so in
//! `Example/app` the registry is `Example`). Otherwise the registry
//! is `docker.io`, and a single-segment Docker Hub repository gets the `library/` prefix
//! (`nginx` is `docker.io/library/nginx`); `index.docker.io` is normalized to `docker.io`.
//!
//! No tag is implied: `image_tag("nginx")` is undefined, not `latest` (the runtime pulls
//! `latest`, and a rule about unpinned images should say so explicitly).

use std::net::Ipv6Addr;

use super::{Arg, BuiltinError, BuiltinResult, arg, string_arg};
use crate::value::{MapBuilder, Node, Value};

const DEFAULT_REGISTRY: &str = "docker.io";
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
const NAME_MAX: usize = 255;

/// A parsed, normalized image reference.
struct ImageRef<'a> {
    registry: &'a str,
    repository: String,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// Parses a reference; the error is the reason, for the message.
fn parse_image(s: &str) -> Result<ImageRef<'_>, &'static str> {
    if s.is_empty() {
        return Err("the reference is empty");
    }
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("a 64-character hexadecimal string is an image ID, not a reference");
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        check_digest(d)?;
    }
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rsplit_once(':') {
        Some((n, t)) if last_slash.is_none_or(|slash| n.len() > slash) => (n, Some(t)),
        _ => (rest, None),
    };
    if let Some(t) = tag {
        check_tag(t)?;
    }
    if name.is_empty() {
        return Err("the repository name is empty");
    }
    if name.len() > NAME_MAX {
        return Err("the repository name is longer than 255 characters");
    }

    let (registry, path) = match name.split_once('/') {
        Some((first, path))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            check_registry(first)?;
            (first, path)
        }
        _ => (DEFAULT_REGISTRY, name),
    };
    check_path(path)?;
    let registry = if registry == LEGACY_DEFAULT_REGISTRY {
        DEFAULT_REGISTRY
    } else {
        registry
    };
    let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    Ok(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

fn check_digest(d: &str) -> Result<(), &'static str> {
    let (algorithm, hex) = d.split_once(':').ok_or("the digest has no `:`")?;
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("the digest algorithm is not sha256, sha384 or sha512"),
    };
    if hex.len() != len || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("the digest is not the right number of lowercase hex digits");
    }
    Ok(())
}

fn check_tag(t: &str) -> Result<(), &'static str> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = t.len() <= 128
        && t.bytes().next().is_some_and(word)
        && t.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("the tag is invalid")
    }
}

/// `host[:port]`: a DNS name or IPv4 address, or a bracketed IPv6 address.
fn check_registry(r: &str) -> Result<(), &'static str> {
    const BAD: &str = "the registry host is invalid";
    let (host_ok, port) = if let Some(rest) = r.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or(BAD)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(BAD)?),
        };
        (v6.parse::<Ipv6Addr>().is_ok(), port)
    } else {
        let (host, port) = match r.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (r, None),
        };
        let component = |c: &str| {
            let b = c.as_bytes();
            b.first().is_some_and(u8::is_ascii_alphanumeric)
                && b.last().is_some_and(u8::is_ascii_alphanumeric)
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        };
        (host.split('.').all(component), port)
    };
    if !host_ok {
        return Err(BAD);
    }
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err("the registry port is invalid");
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), &'static str> {
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("the repository name must be lowercase");
    }
    if path.split('/').all(valid_component) {
        Ok(())
    } else {
        Err("the repository name is invalid")
    }
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
fn valid_component(c: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut rest = c.as_bytes();
    loop {
        let run = rest.iter().take_while(|b| alnum(b)).count();
        if run == 0 {
            return false;
        }
        rest = rest.get(run..).unwrap_or_default();
        let sep = match rest.first() {
            None => return true,
            Some(b'.') => 1,
            Some(b'_') => {
                if rest.get(1) == Some(&b'_') {
                    2
                } else {
                    1
                }
            }
            Some(b'-') => rest.iter().take_while(|&&b| b == b'-').count(),
            Some(_) => return false,
        };
        rest = rest.get(sep..).unwrap_or_default();
    }
}

/// The parsed reference of the single argument; undefined for undefined or null.
fn image_arg<'a>(func: &str, args: &[Arg<'a>]) -> Result<Option<ImageRef<'a>>, BuiltinError> {
    let Some(s) = string_arg(func, "ref", arg(args, 0))? else {
        return Ok(None);
    };
    parse_image(s).map(Some).map_err(|reason| {
        BuiltinError::new(format!(
            "`{func}` cannot parse `{s}` as an image reference: {reason}"
        ))
    })
}

/// `{registry, repository, tag?, digest?}`: `tag` and `digest` are absent when not given.
pub(super) fn image(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(image_arg("image", args)?.map(|r| {
        let mut m = MapBuilder::with_capacity(4);
        let mut put = |k: &str, v: &str| {
            m.insert(k.into(), Node::computed(Value::string(v)));
        };
        put("registry", r.registry);
        put("repository", &r.repository);
        if let Some(t) = r.tag {
            put("tag", t);
        }
        if let Some(d) = r.digest {
            put("digest", d);
        }
        Value::Map(m.finish())
    }))
}

pub(super) fn image_registry(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(image_arg("image_registry", args)?.map(|r| Value::string(r.registry)))
}

pub(super) fn image_tag(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(image_arg("image_tag", args)?.and_then(|r| r.tag.map(Value::string)))
}

pub(super) fn image_digest(args: &[Arg<'_>]) -> BuiltinResult {
    Ok(image_arg("image_digest", args)?.and_then(|r| r.digest.map(Value::string)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;
    use serde_json::json;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn img(x: &str) -> Value {
        val("image", &[s(x)])
    }

    #[test]
    fn docker_hub_short_names() {
        assert_eq!(
            img("nginx"),
            j(json!({"registry": "docker.io", "repository": "library/nginx"}))
        );
        assert_eq!(
            img("nginx:1.25"),
            j(json!({"registry": "docker.io", "repository": "library/nginx", "tag": "1.25"}))
        );
        assert_eq!(
            img("bitnami/redis:7"),
            j(json!({"registry": "docker.io", "repository": "bitnami/redis", "tag": "7"}))
        );
        assert_eq!(img("docker.io/nginx"), img("nginx"));
        assert_eq!(img("index.docker.io/library/nginx"), img("nginx"));
        assert_eq!(img("docker.io/library/nginx:latest"), img("nginx:latest"));
    }

    #[test]
    fn registries() {
        assert_eq!(
            img("localhost:5000/app:v1"),
            j(json!({"registry": "localhost:5000", "repository": "app", "tag": "v1"}))
        );
        assert_eq!(
            img("localhost/app"),
            j(json!({"registry": "localhost", "repository": "app"}))
        );
        assert_eq!(
            img("registry.k8s.io/kube-apiserver:v1.30.0"),
            j(
                json!({"registry": "registry.k8s.io", "repository": "kube-apiserver", "tag": "v1.30.0"})
            )
        );
        assert_eq!(
            img("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1"),
            j(json!({
                "registry": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "repository": "team/app",
                "tag": "1"
            }))
        );
        assert_eq!(
            val("image_registry", &[s("10.0.0.1:5000/a/b")]),
            s("10.0.0.1:5000")
        );
        assert_eq!(val("image_registry", &[s("[::1]:5000/a")]), s("[::1]:5000"));
        // Uppercase marks a registry, as in distribution/reference.
        assert_eq!(val("image_registry", &[s("Example/app")]), s("Example"));
        // A port-less first segment without a dot is a Docker Hub namespace.
        assert_eq!(val("image_registry", &[s("myorg/app")]), s("docker.io"));
        // `localhost:5000` alone is the repository `localhost` with the tag `5000`.
        assert_eq!(val("image_tag", &[s("localhost:5000")]), s("5000"));
    }

    #[test]
    fn digests() {
        let r = format!("ghcr.io/org/app@{SHA}");
        assert_eq!(
            img(&r),
            j(json!({"registry": "ghcr.io", "repository": "org/app", "digest": SHA}))
        );
        assert_eq!(val("image_digest", &[s(&r)]), s(SHA));
        assert_eq!(call("image_tag", &[s(&r)]), Ok(None));
        let both = format!("nginx:1.25@{SHA}");
        assert_eq!(
            img(&both),
            j(
                json!({"registry": "docker.io", "repository": "library/nginx", "tag": "1.25", "digest": SHA})
            )
        );
        let port = format!("localhost:5000/app@{SHA}");
        assert_eq!(val("image_registry", &[s(&port)]), s("localhost:5000"));
        assert_eq!(call("image_tag", &[s(&port)]), Ok(None));
    }

    #[test]
    fn tags() {
        assert_eq!(call("image_tag", &[s("nginx")]), Ok(None));
        assert_eq!(val("image_tag", &[s("nginx:latest")]), s("latest"));
        assert_eq!(val("image_tag", &[s("a/b/c:V1_x.y-z")]), s("V1_x.y-z"));
        assert_eq!(call("image_digest", &[s("nginx:1")]), Ok(None));
    }

    #[test]
    fn undefined_propagates() {
        assert_eq!(call_args("image", &[None]), Ok(None));
        assert_eq!(call("image_tag", &[Value::Null]), Ok(None));
        assert!(err("image", &[Value::Int(1)]).contains("`ref` to be a string"));
    }

    #[test]
    fn malformed() {
        assert_eq!(
            err("image", &[s("")]),
            "`image` cannot parse `` as an image reference: the reference is empty"
        );
        assert_eq!(
            err("image", &[s("Nginx")]),
            "`image` cannot parse `Nginx` as an image reference: the repository name must be lowercase"
        );
        assert!(err("image_tag", &[s("ghcr.io/Org/app")]).starts_with("`image_tag` cannot parse"));
        for bad in [
            "nginx latest",
            " nginx",
            "nginx:",
            ":1",
            "nginx::1",
            "nginx:-x",
            "nginx@sha256:abc",
            "nginx@md5:0123456789abcdef0123456789abcdef",
            "nginx@",
            "a//b",
            "a/",
            "/a",
            "a..b",
            "a-",
            "-a",
            "a___b",
            "registry.io:/app",
            "registry.io:x/app",
            "-bad.io/app",
            "[::1/app",
            "[zz]:5000/app",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(
                call("image", &[s(bad)]).is_err(),
                "{bad:?} should be rejected"
            );
        }
        let long_tag = format!("nginx:{}", "a".repeat(129));
        assert!(call("image", &[s(&long_tag)]).is_err());
        let long_name = format!("a/{}", "b".repeat(260));
        assert!(call("image", &[s(&long_name)]).is_err());
        // Separators that are allowed.
        for good in ["a.b", "a_b", "a__b", "a---b", "a-b.c_d"] {
            assert!(
                call("image", &[s(good)]).is_ok(),
                "{good:?} should be accepted"
            );
        }
    }
}
