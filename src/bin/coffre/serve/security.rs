//! What every request goes through: the `Host` check (DNS rebinding), the strict
//! response headers, the `Origin` and CSRF checks of forms, the session cookie,
//! login throttling, and the request log (method, route template, status and
//! duration only: never a path with ids, a query, a form or a cookie).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;

/// The session cookie's name. The `__Host-` prefix (RFC 6265bis §4.1.3.2) makes
/// browsers refuse it unless it is `Secure`, has `Path=/` and no `Domain`.
pub const COOKIE: &str = "__Host-coffre";
/// The cookie binding the login form's CSRF token to this browser.
pub const LOGIN_COOKIE: &str = "__Host-coffre-login";

/// Content-Security-Policy of every response: nothing inline, nothing from
/// elsewhere, no framing (W3C CSP Level 3).
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The client's address: the peer's, or, when the peer is a trusted reverse
/// proxy, the last address its `X-Forwarded-For` names (the one the proxy
/// itself appended; earlier ones are the client's say and are not trusted).
pub fn client_ip(trusted: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .last()
        .unwrap_or(peer)
}

/// Headers a reverse proxy adds: a request carrying one came through a proxy
/// (declared or not), so from a browser that may be on another machine.
const PROXY_HEADERS: [&str; 5] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

/// Whether the request says it came through a reverse proxy. Decides no
/// address (anyone may send these headers): only that `required-remote`
/// treats the login as remote, which fails closed.
pub fn came_through_proxy(headers: &HeaderMap) -> bool {
    PROXY_HEADERS.iter().any(|h| headers.contains_key(*h))
}

/// Largest request body read (a note's fields and more; axum's own default).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Time allowed to send a request's body once its headers are in.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads a request's whole body before any handler runs, within
/// [`BODY_READ_TIMEOUT`] and [`BODY_LIMIT`]: a client that declares a body and
/// sends it slowly, or never, holds nothing for long. Errors: 408 or 413.
async fn whole_body(req: Request) -> Result<Request, StatusCode> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, axum::body::Body::from(bytes))),
        Ok(Err(_)) => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::REQUEST_TIMEOUT),
    }
}

/// Refuses a request naming a host the server was not told it is reached by,
/// then adds the strict headers to whatever the handlers answer.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let mut resp = match host {
        // A document's upload is streamed into the vault by its handler
        // (origin and CSRF checked before the file is read, an idle limit on
        // every block, the policy's size limit while it is read).
        Some(h)
            if app.hosts.contains(&h)
                && req.method() == Method::POST
                && super::documents::is_upload(req.uri().path()) =>
        {
            next.run(req).await
        }
        Some(h) if app.hosts.contains(&h) => match whole_body(req).await {
            Ok(req) => next.run(req).await,
            Err(status) => {
                log_line(&Method::POST, "(body refused)", status, Instant::now());
                (status, "request body refused\n").into_response()
            }
        },
        _ => {
            log_line(
                req.method(),
                "(host refused)",
                StatusCode::MISDIRECTED_REQUEST,
                Instant::now(),
            );
            (StatusCode::MISDIRECTED_REQUEST, "unknown host\n").into_response()
        }
    };
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if app.tls {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    resp
}

/// Logs method, route template, status and duration of a routed request.
pub async fn log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "-".to_string());
    let resp = next.run(req).await;
    log_line(&method, &route, resp.status(), start);
    resp
}

fn log_line(method: &Method, route: &str, status: StatusCode, start: Instant) {
    eprintln!(
        "coffre: {method} {route} {} {}ms",
        status.as_u16(),
        start.elapsed().as_millis()
    );
}

/// The value of cookie `name` in the request, if any (RFC 6265 §5.4).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure. `Secure`
/// is sent over plain HTTP too: the `__Host-` prefix requires it, and browsers
/// accept it from `http://localhost` and `http://127.0.0.1` (secure contexts);
/// plain HTTP is refused beyond the loopback unless `--insecure-http`.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Secure");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}

/// Whether a POST comes from our own pages. Its `Origin` must be this
/// server's origin for the `Host` it named. Under `Referrer-Policy: no-referrer`
/// browsers send `Origin: null` for form posts (Fetch standard, "serializing a
/// request origin"); then the Fetch Metadata header `Sec-Fetch-Site` (which no
/// page script can set) must say `same-origin`, or else the `Referer` must be
/// ours. Anything else is refused.
pub fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    origin_is_ours(app.tls, headers)
}

/// [`same_origin`] for a server reached over TLS or not.
fn origin_is_ours(tls: bool, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let ours = [
        format!("{}://{host}", if tls { "https" } else { "http" }),
        // Behind a TLS proxy (`--insecure-http`), browsers see https.
        format!("https://{host}"),
    ];
    let text = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    match text("origin") {
        Some(o) if o != "null" => return ours.iter().any(|x| o.eq_ignore_ascii_case(x)),
        _ => {}
    }
    if let Some(site) = text("sec-fetch-site") {
        return site == "same-origin";
    }
    match text("referer") {
        Some(r) => {
            let r = r.to_ascii_lowercase();
            ours.iter()
                .any(|x| r == *x || r.starts_with(&format!("{x}/")))
        }
        None => false,
    }
}

/// Whether `given` is the CSRF token `expected`. The SHA-256 digests of both
/// are compared, so the time taken tells nothing about the token's bytes.
pub fn csrf_ok(expected: &str, given: &str) -> bool {
    use ring::digest::{digest, SHA256};
    !expected.is_empty()
        && digest(&SHA256, expected.as_bytes()).as_ref()
            == digest(&SHA256, given.as_bytes()).as_ref()
}

/// The login form's CSRF token for the login cookie's value `nonce`.
pub fn login_token(app: &App, nonce: &str) -> String {
    let tag = ring::hmac::sign(&app.csrf_key, format!("login\0{nonce}").as_bytes());
    hex::encode(tag.as_ref())
}

/// Attempts allowed at once from one client for one account, then one more
/// per [`REFILL_SECS`].
pub const BURST: f64 = 5.0;
/// Attempts allowed at once for one account, whatever the client (guesses
/// spread over many addresses).
pub const ACCOUNT_BURST: f64 = 20.0;
/// Attempts allowed at once from one client, whatever the account (one host
/// trying many accounts). A shared workstation's team stays well under it.
pub const CLIENT_BURST: f64 = 50.0;
/// Seconds for one more attempt, in each bucket.
pub const REFILL_SECS: f64 = 60.0;

/// Login attempts in token buckets that refill one attempt a minute: per
/// account *and* client (five at once), per account (twenty, whatever the
/// client) and per client (fifty, whatever the account). One person's
/// mistakes on a shared workstation hold their own account there, not a
/// colleague's; guessing one account from many addresses, or many accounts
/// from one, is held by the wider buckets. An attempt takes a token from all
/// three before the passphrase is checked, so attempts sent at once cannot
/// all pass the check together; a successful login gives its tokens back.
/// IPv6 addresses count by their /64 (what one host usually holds). Kept in
/// memory only.
#[derive(Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Throttle {
    fn level(b: &(f64, Instant), burst: f64) -> f64 {
        (b.0 + b.1.elapsed().as_secs_f64() / REFILL_SECS).min(burst)
    }

    /// The buckets an attempt draws on: (key, burst).
    fn keys(user: &str, ip: IpAddr) -> [(String, f64); 3] {
        let addr = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        [
            (format!("p:{addr}\0{user}"), BURST),
            (format!("u:{user}"), ACCOUNT_BURST),
            (format!("a:{addr}"), CLIENT_BURST),
        ]
    }

    /// Takes one attempt from both the account `user` and the address `ip`;
    /// `false` (nothing taken) when either has none left.
    pub fn take(&self, user: &str, ip: IpAddr) -> bool {
        let Ok(mut b) = self.buckets.lock() else {
            return false;
        };
        if b.len() > 100_000 {
            // A flood of invented names: forget the buckets nearly full first.
            b.retain(|_, x| Self::level(x, CLIENT_BURST) < BURST - 1.0);
        }
        let keys = Self::keys(user, ip);
        let levels: Vec<f64> = keys
            .iter()
            .map(|(k, burst)| b.get(k).map_or(*burst, |x| Self::level(x, *burst)))
            .collect();
        if levels.iter().any(|l| *l < 1.0) {
            return false;
        }
        let now = Instant::now();
        for ((k, _), level) in keys.into_iter().zip(levels) {
            b.insert(k, (level - 1.0, now));
        }
        true
    }

    /// Gives back the attempt of a login that succeeded.
    pub fn succeeded(&self, user: &str, ip: IpAddr) {
        let Ok(mut b) = self.buckets.lock() else {
            return;
        };
        let now = Instant::now();
        for (k, burst) in Self::keys(user, ip) {
            if let Some(x) = b.get(&k).copied() {
                b.insert(k, ((Self::level(&x, burst) + 1.0).min(burst), now));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_our_own_origin_may_post() {
        let host = ("host", "127.0.0.1:8080");
        assert!(origin_is_ours(
            false,
            &headers(&[host, ("origin", "http://127.0.0.1:8080")])
        ));
        assert!(!origin_is_ours(
            false,
            &headers(&[host, ("origin", "http://evil.example")])
        ));
        assert!(!origin_is_ours(
            false,
            &headers(&[host, ("origin", "http://127.0.0.1:8081")])
        ));
        // Origin: null (no-referrer) needs Fetch Metadata saying same-origin.
        assert!(origin_is_ours(
            false,
            &headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-origin")])
        ));
        assert!(!origin_is_ours(
            false,
            &headers(&[host, ("origin", "null"), ("sec-fetch-site", "cross-site")])
        ));
        assert!(!origin_is_ours(
            false,
            &headers(&[host, ("origin", "null")])
        ));
        // Without Origin: the Referer, exactly our origin and not a look-alike.
        assert!(origin_is_ours(
            false,
            &headers(&[host, ("referer", "http://127.0.0.1:8080/login")])
        ));
        assert!(!origin_is_ours(
            false,
            &headers(&[host, ("referer", "http://127.0.0.1:8080.evil.example/")])
        ));
        assert!(!origin_is_ours(false, &headers(&[host])));
        assert!(!origin_is_ours(
            false,
            &headers(&[("origin", "http://127.0.0.1:8080")])
        ));
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        assert!(csrf_ok("abc123", "abc123"));
        assert!(!csrf_ok("abc123", "abc124"));
        assert!(!csrf_ok("abc123", ""));
        assert!(!csrf_ok("", ""), "an empty expected token never matches");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; __Host-coffre=xyz; __Host-coffre-login=n")]);
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, LOGIN_COOKIE).as_deref(), Some("n"));
        assert_eq!(cookie(&h, "__Host-other"), None);
        let c = set_cookie(COOKIE, "v", None);
        for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"), "a __Host- cookie has no Domain");
    }

    #[test]
    fn five_attempts_per_account_and_client_and_wider_buckets_beyond() {
        let t = Throttle::default();
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let other_ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        // Taken before the check: five attempts in flight at once, no sixth.
        for _ in 0..5 {
            assert!(t.take("a.user", ip));
        }
        assert!(!t.take("a.user", ip), "the sixth attempt waits");
        // A colleague on the same workstation is not held by those mistakes.
        assert!(t.take("b.user", ip), "another account from the same client");
        // The same account from elsewhere, up to the account's own bucket.
        for i in 0..15u8 {
            let ip = if i < 5 {
                other_ip
            } else {
                IpAddr::V4(Ipv4Addr::new(10, 0, 1, i))
            };
            assert!(t.take("a.user", ip), "attempt {i} from elsewhere");
        }
        let third = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));
        assert!(
            !t.take("a.user", third),
            "twenty attempts on one account, whatever the client"
        );
        // One client trying many accounts: fifty, then it waits.
        let sprayer = IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9));
        for i in 0..50 {
            assert!(t.take(&format!("user{i}"), sprayer), "attempt {i}");
        }
        assert!(!t.take("user99", sprayer), "fifty accounts from one client");
        // A success gives its attempts back.
        t.succeeded("b.user", ip);
        for _ in 0..5 {
            assert!(t.take("b.user", ip));
        }
        assert!(!t.take("b.user", ip));
    }

    #[test]
    fn any_proxy_header_marks_a_request_as_proxied() {
        assert!(!came_through_proxy(&HeaderMap::new()));
        for h in PROXY_HEADERS {
            let mut headers = HeaderMap::new();
            headers.insert(h, "203.0.113.7".parse().unwrap());
            assert!(came_through_proxy(&headers), "{h}");
        }
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_last_forwarded_address() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7")]);
        let from_proxy = client_ip(&[proxy], proxy, &h);
        assert_eq!(from_proxy, "198.51.100.7".parse::<IpAddr>().unwrap());
        let direct: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            client_ip(&[proxy], direct, &h),
            direct,
            "not a proxy: its say is ignored"
        );
        assert_eq!(client_ip(&[], proxy, &h), proxy, "no proxy trusted");
        let none = headers(&[]);
        assert_eq!(client_ip(&[proxy], proxy, &none), proxy);
    }

    #[test]
    fn an_ipv6_host_counts_by_its_64() {
        let t = Throttle::default();
        for i in 0..5u16 {
            let ip: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            assert!(t.take("user", ip));
        }
        let same_64: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert!(!t.take("user", same_64), "another address of the same /64");
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(t.take("user", other_64));
    }
}
