//! Signing in: argon2 password hashes, session cookies (HttpOnly, SameSite=Lax) that end after
//! idle time and at an absolute limit, CSRF tokens for every form, bearer tokens for the API,
//! the client's address behind trusted proxies, and the sign-in throttle.
//!
//! The throttle follows OWASP's authentication guidance: failures are counted in the database
//! (they survive restarts and are shared by every instance) and answered with growing delays,
//! never a lockout. Keys are chosen so that nobody can lock someone else out: a device that
//! signed in to an account before (it holds a device cookie) is throttled on its own key only;
//! other attempts are throttled per account *and* address, per address across accounts, and
//! per account across addresses (which an attacker can slow, for untrusted devices only).

use crate::error::{ApiError, AppError, PageError};
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use ensemble_domain::access::Principal;
use ensemble_store::Fresh;
use std::net::IpAddr;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "ensemble_session";
pub const LOGIN_CSRF_COOKIE: &str = "ensemble_login_csrf";
pub const DEVICE_COOKIE: &str = "ensemble_device";

/// Hashes a password into a PHC string (Argon2id, a random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Reads one cookie from the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for an HttpOnly, SameSite=Lax cookie.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    match max_age {
        Some(d) => c.push_str(&format!("; Max-Age={}", d.as_secs())),
        None => c.push_str("; Max-Age=0"),
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// A signed-in person using the pages: who they are, and their session's CSRF token.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub principal: Principal,
    pub csrf: String,
    /// The data version read with the session.
    pub fresh: Fresh,
}

impl Viewer {
    /// The gate to student data for this request.
    pub fn gate<'a>(&'a self, store: &'a ensemble_store::Store) -> crate::gate::Gate<'a> {
        crate::gate::Gate::at(store, &self.principal, self.fresh)
    }
}

impl Viewer {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if same_secret(&self.csrf, token) {
            Ok(())
        } else {
            Err(AppError::Forbidden("The form has expired or did not come from Ensemble (CSRF check failed). Reload the page and try again.".into()))
        }
    }
}

/// The answer to a page request without a live session: the sign-in page, which brings the
/// reader back to the page they asked for.
#[derive(Debug)]
pub enum SignIn {
    Redirect(String),
    Error(PageError),
}

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        match self {
            Self::Redirect(to) => Redirect::to(&to).into_response(),
            Self::Error(e) => e.into_response(),
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sign_in_for(parts: &Parts) -> SignIn {
    if parts.method == Method::GET {
        if let Some(pq) = parts.uri.path_and_query() {
            if pq.as_str() != "/" {
                return SignIn::Redirect(format!(
                    "/login?next={}",
                    encode_query_value(pq.as_str())
                ));
            }
        }
    }
    SignIn::Redirect("/login".into())
}

impl Viewer {
    /// The signed-in person a request's session cookie names, if any (and the session is live).
    pub(crate) async fn of(
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<Option<Viewer>, AppError> {
        let Some(id) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let idle = i64::try_from(state.config.session_idle.as_millis()).unwrap_or(i64::MAX);
        let found = state.store.session_principal(id, idle).await?;
        Ok(found.map(|(principal, csrf, fresh)| Viewer {
            principal,
            csrf,
            fresh,
        }))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = SignIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Viewer::of(state, &parts.headers).await {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(sign_in_for(parts)),
            Err(e) => Err(SignIn::Error(PageError(e))),
        }
    }
}

/// A program calling the API with `Authorization: Bearer TOKEN`, and the data version read
/// with the token.
#[derive(Clone, Debug)]
pub struct ApiCaller(pub Principal, pub Fresh);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(AppError::Unauthorized("send an API token as `Authorization: Bearer TOKEN` (create one with `ensemble token create --email EMAIL`)".into()).into());
        };
        let token = value.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
        if token.is_empty() || token.len() > 200 {
            return Err(AppError::Unauthorized(
                "the Authorization header must be `Bearer TOKEN`".into(),
            )
            .into());
        }
        let (principal, fresh) = state.store.token_principal(token).await?.ok_or_else(|| {
            AppError::Unauthorized("unknown, expired or revoked API token".into())
        })?;
        Ok(ApiCaller(principal, fresh))
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the right-most
/// address in `X-Forwarded-For` that is not a trusted proxy itself.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// One throttle key and the failures it allows before delays start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub free: u32,
}

/// Failures per account and address before delays start.
pub const PAIR_FREE: u32 = 5;
/// Failures from one address, across accounts, from untrusted devices.
pub const ADDRESS_FREE: u32 = 50;
/// Failures for one account, across addresses, from untrusted devices.
pub const ACCOUNT_FREE: u32 = 20;
/// Failures on one remembered device for its account.
pub const DEVICE_FREE: u32 = 10;
/// The longest delay between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Counts are forgotten a day after their last failure.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The keys a sign-in attempt is counted under. `device` is the device cookie's digest when
/// that device signed in to this account before.
pub fn throttle_keys(email: &str, addr: IpAddr, device: Option<&str>) -> Vec<ThrottleKey> {
    let email = email.trim().to_ascii_lowercase();
    match device {
        Some(d) => vec![ThrottleKey {
            key: format!("device:{d}:{email}"),
            free: DEVICE_FREE,
        }],
        None => vec![
            ThrottleKey {
                key: format!("pair:{email}:{addr}"),
                free: PAIR_FREE,
            },
            ThrottleKey {
                key: format!("address:{addr}"),
                free: ADDRESS_FREE,
            },
            ThrottleKey {
                key: format!("account:{email}"),
                free: ACCOUNT_FREE,
            },
        ],
    }
}

/// The delay after `failures` failures under a key that allows `free`: none, then 1 s, 2 s,
/// 4 s … up to [`MAX_DELAY`].
pub fn delay(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(20);
    Duration::from_secs(1u64 << doublings).min(MAX_DELAY)
}

/// How long the next attempt must still wait, given each key's (failures, last failure in
/// unix ms), or `None` when it may go ahead.
pub fn wait(keys: &[ThrottleKey], counts: &[(u32, i64)], now_ms: i64) -> Option<Duration> {
    keys.iter()
        .zip(counts)
        .filter_map(|(k, (failures, last))| {
            let d = i64::try_from(delay(*failures, k.free).as_millis()).unwrap_or(i64::MAX);
            let left = last.saturating_add(d).saturating_sub(now_ms);
            (left > 0 && now_ms - last < forget_ms())
                .then(|| Duration::from_millis(u64::try_from(left).unwrap_or(0)))
        })
        .max()
}

pub fn forget_ms() -> i64 {
    i64::try_from(FORGET_AFTER.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").expect("hash");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(!verify_password("correct horse", "not a phc string"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay(4, 5), Duration::ZERO);
        assert_eq!(delay(5, 5), Duration::from_secs(1));
        assert_eq!(delay(6, 5), Duration::from_secs(2));
        assert_eq!(delay(9, 5), Duration::from_secs(16));
        assert_eq!(delay(40, 5), MAX_DELAY);
    }

    #[test]
    fn the_wait_is_the_longest_of_the_keys() {
        let keys = throttle_keys("A@x.example ", "10.0.0.1".parse().expect("ip"), None);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0].key, "pair:a@x.example:10.0.0.1");
        let now = 1_000_000;
        assert_eq!(wait(&keys, &[(4, now), (0, 0), (0, 0)], now), None);
        assert_eq!(
            wait(&keys, &[(6, now - 500), (0, 0), (0, 0)], now),
            Some(Duration::from_millis(1500))
        );
        // Old failures are forgotten.
        assert_eq!(
            wait(&keys, &[(60, now - forget_ms()), (0, 0), (0, 0)], now),
            None
        );
        // A remembered device has its own key only.
        let dev = throttle_keys("a@x.example", "10.0.0.1".parse().expect("ip"), Some("d1"));
        assert_eq!(dev.len(), 1);
        assert_eq!(dev[0].free, DEVICE_FREE);
    }

    #[test]
    fn the_client_address_is_read_through_trusted_proxies_only() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.9, 10.0.0.3".parse().expect("header"),
        );
        let trusted = [proxy, "10.0.0.3".parse().expect("ip")];
        assert_eq!(
            client_addr(proxy, &h, &trusted),
            "203.0.113.9".parse::<IpAddr>().expect("ip")
        );
        // An untrusted peer cannot choose its address.
        let peer: IpAddr = "198.51.100.7".parse().expect("ip");
        assert_eq!(client_addr(peer, &h, &trusted), peer);
    }

    #[test]
    fn next_paths_are_percent_encoded() {
        assert_eq!(
            encode_query_value("/teams/3?g=4&x=y"),
            "/teams/3%3Fg%3D4%26x%3Dy"
        );
    }
}
