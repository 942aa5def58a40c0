//! The address players are told to use.
//!
//! With `--public-url`, that base is used as given. Otherwise a host bound to a specific
//! address advertises that address with the real port (also when the port was 0), and a host
//! bound to all interfaces advertises its first non-loopback IPv4 address, so that phones on the
//! same network can reach it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use url::Url;

use super::HostError;

/// Returns the base URL for a server listening on `addr`.
pub fn public_base(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        first_lan_ipv4().unwrap_or_else(|| {
            tracing::warn!("no non-loopback IPv4 address found; advertising 127.0.0.1");
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        })
    } else {
        addr.ip()
    };
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{}", addr.port()),
        IpAddr::V6(v6) => format!("http://[{v6}]:{}", addr.port()),
    }
}

fn first_lan_ipv4() -> Option<IpAddr> {
    let interfaces = if_addrs::get_if_addrs().ok()?;
    interfaces
        .into_iter()
        .map(|i| i.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

/// Validates `--public-url` and returns it without a trailing slash or path.
pub fn check_public_url(raw: &str) -> Result<String, HostError> {
    let invalid = |why: &str| HostError::PublicUrl {
        url: raw.to_string(),
        why: why.to_string(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    let host = url.host_str().ok_or_else(|| invalid("it has no host"))?;
    if url.path() != "/" || url.query().is_some() {
        return Err(invalid("it must not have a path or query"));
    }
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_bind_advertises_itself_with_real_port() {
        let addr: SocketAddr = "127.0.0.1:40123".parse().unwrap();
        assert_eq!(public_base(addr), "http://127.0.0.1:40123");
    }

    #[test]
    fn unspecified_bind_never_advertises_unspecified() {
        let addr: SocketAddr = "0.0.0.0:7878".parse().unwrap();
        let base = public_base(addr);
        assert!(!base.contains("0.0.0.0"), "{base}");
        assert!(base.ends_with(":7878"), "{base}");
    }

    #[test]
    fn public_url_normalized() {
        assert_eq!(
            check_public_url("http://quiz.example.org:8080/").unwrap(),
            "http://quiz.example.org:8080"
        );
        assert!(check_public_url("quiz.example.org").is_err());
        assert!(check_public_url("http://quiz.example.org/sub").is_err());
    }
}
