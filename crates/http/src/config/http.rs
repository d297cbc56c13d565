//! The HTTP server: where it listens, request limits, where the client address comes from, the
//! API-wide rate limit and the browser origins allowed to open sockets.

use super::env::{Env, list, rate, secs};
use std::{net::SocketAddr, str::FromStr, time::Duration};
use whoosh_cache::Rate;

/// Where the client address of a request comes from, for rate limits and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The socket peer. Under Lambda, where there is no socket, the rightmost `X-Forwarded-For`
    /// entry, which the ALB itself appends.
    Peer,
    /// The `n`-th `X-Forwarded-For` entry from the right: use when `n` trusted proxies (that
    /// append to the header) stand in front. Client-sent entries further left are ignored.
    ForwardedFor(u8),
}

impl FromStr for ClientIpSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "peer" => Ok(Self::Peer),
            Some(("x-forwarded-for", n)) => match n.parse::<u8>() {
                Ok(n) if n >= 1 => Ok(Self::ForwardedFor(n)),
                _ => Err("the number of trusted proxies must be 1–255".into()),
            },
            _ => Err("expected `peer` or `x-forwarded-for:<trusted proxies>`".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub bind: SocketAddr,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Time a connection has to deliver a request's headers (WebSocket upgrades included).
    pub header_timeout: Duration,
    /// Time a connection may leave bytes unread before it is dropped (a stuck client).
    pub write_stall_timeout: Duration,
    pub client_ip: ClientIpSource,
    /// Requests per client (user when authenticated, else address) across the whole API.
    pub rate_limit: Rate,
    /// Browser origins allowed to open edge sockets (checked against `Origin` on upgrade).
    pub allowed_origins: Vec<String>,
}

impl HttpConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        let http = Self {
            bind: env.get("WHOOSH_BIND", SocketAddr::from(([127, 0, 0, 1], 8080))),
            body_limit_bytes: env.get("HTTP_BODY_LIMIT_BYTES", 65_536),
            request_timeout: env.get("HTTP_REQUEST_TIMEOUT", secs(15)).0,
            header_timeout: env.get("HTTP_HEADER_TIMEOUT", secs(10)).0,
            write_stall_timeout: env.get("HTTP_WRITE_STALL_TIMEOUT", secs(30)).0,
            client_ip: env.get("CLIENT_IP_SOURCE", ClientIpSource::Peer),
            rate_limit: env.get("RATE_LIMIT_PER_CLIENT", rate(600, 60)).0,
            allowed_origins: list(
                &env.get(
                    "ALLOWED_ORIGINS",
                    "http://localhost:8080,http://127.0.0.1:8080".to_owned(),
                ),
                |origin| origin.trim_end_matches('/'),
            ),
        };
        env.positive("HTTP_BODY_LIMIT_BYTES", http.body_limit_bytes);
        http
    }
}
