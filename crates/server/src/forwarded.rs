//! How the browser reached us: from which address, over HTTPS or not. Behind a proxy the
//! answer is in forwarding headers (`X-Forwarded-For`, `X-Forwarded-Proto`, `Forwarded`), but
//! any client can write those, so they are believed only from the proxies the operator named
//! (`--trusted-proxy CIDR`); from anyone else the connection speaks for itself. The sign-in
//! throttle counts the client's address, and the session cookie's Secure flag and HSTS follow
//! whether the browser used HTTPS.

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From CIDRs (`10.0.0.0/8`, `::1/128`) or single addresses (`127.0.0.1`); the error names
    /// the entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("trusted proxy \"{e}\" is not an address or a CIDR like 10.0.0.0/8")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// How one request reached us, as far as it can be believed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reached {
    /// The client's address: the peer, or behind trusted proxies the first hop they did not
    /// add themselves. Unknown only where no socket exists (tests).
    pub client: Option<IpAddr>,
    /// Whether the browser used HTTPS (as a trusted proxy says; Sherpa itself speaks HTTP).
    pub tls: bool,
}

impl Reached {
    pub fn of(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &TrustedProxies) -> Reached {
        let Some(peer) = peer.map(|p| p.to_canonical()) else {
            return Reached::default();
        };
        if !trusted.trusts(peer) {
            return Reached {
                client: Some(peer),
                tls: false,
            };
        }
        // Hops are appended left to right; the nearest untrusted one is the client.
        let hops: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|h| h.trim().parse::<IpAddr>().ok())
            .collect();
        let client = hops
            .iter()
            .rev()
            .find(|ip| !trusted.trusts(**ip))
            .or(hops.first())
            .copied()
            .unwrap_or(peer);
        Reached {
            client: Some(client),
            tls: says_https(headers),
        }
    }

    /// The client's address as text, for counting sign-in failures.
    pub fn client_text(&self) -> String {
        self.client
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

fn says_https(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

/// Notes how each request reached us, for the handlers and layers inside.
pub async fn note(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    // Tests stand in a peer with `MockConnectInfo`, as axum's own extractor allows.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| {
            request
                .extensions()
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|m| m.0)
        })
        .map(|p| p.ip());
    let reached = Reached::of(request.headers(), peer, &trusted);
    request.extensions_mut().insert(reached);
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for Reached {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Reached>()
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
        let forged = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let none = TrustedProxies::default();
        let r = Reached::of(&forged, ip("203.0.113.9"), &none);
        assert_eq!(r.client, ip("203.0.113.9"));
        assert!(!r.tls);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "127.0.0.1"]).unwrap();
        // The client forged a first hop; the proxy appended the real one.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.2.3"),
            ("x-forwarded-proto", "https"),
        ]);
        let r = Reached::of(&h, ip("127.0.0.1"), &trusted);
        assert_eq!(r.client, ip("198.51.100.7"));
        assert!(r.tls);
        // An IPv4 peer seen as IPv6-mapped is the same peer.
        let r = Reached::of(&h, ip("::ffff:127.0.0.1"), &trusted);
        assert_eq!(r.client, ip("198.51.100.7"));
        // No header: the proxy itself.
        let r = Reached::of(&HeaderMap::new(), ip("10.9.9.9"), &trusted);
        assert_eq!((r.client, r.tls), (ip("10.9.9.9"), false));
    }

    #[test]
    fn a_bad_entry_is_named() {
        let e = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(e.contains("\"proxy.local\""), "{e}");
    }
}
