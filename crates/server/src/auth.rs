//! Signing in: argon2 password hashes, session cookies (HttpOnly, SameSite=Lax), CSRF tokens
//! for every form, bearer tokens for the API, and a limit on failed login attempts.

use crate::error::{ApiError, AppError, PageError};
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ensemble_domain::access::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "ensemble_session";
pub const LOGIN_CSRF_COOKIE: &str = "ensemble_login_csrf";

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

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(AppError::Unauthorized("sign in first".into()).into());
        };
        let Some((user, csrf)) = state.store.session(id).await? else {
            return Err(AppError::Unauthorized("your session has ended".into()).into());
        };
        let principal = state
            .store
            .principal(user)
            .await?
            .ok_or_else(|| AppError::Unauthorized("account removed".into()))?;
        Ok(Viewer { principal, csrf })
    }
}

/// A program calling the API with `Authorization: Bearer TOKEN`.
#[derive(Clone, Debug)]
pub struct ApiCaller(pub Principal);

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
        let user = state
            .store
            .token_user(token)
            .await?
            .ok_or_else(|| AppError::Unauthorized("unknown or revoked API token".into()))?;
        let principal = state
            .store
            .principal(user)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the token's account was removed".into()))?;
        Ok(ApiCaller(principal))
    }
}

/// Failed-login counting: at most [`PER_ACCOUNT`] failures per account and [`PER_ADDRESS`]
/// per client address within [`WINDOW`].
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const PER_ACCOUNT: usize = 5;
pub const PER_ADDRESS: usize = 30;

impl LoginLimiter {
    fn keys(email: &str, ip: &str) -> [(String, usize); 2] {
        [
            (
                format!("email:{}", email.trim().to_ascii_lowercase()),
                PER_ACCOUNT,
            ),
            (format!("ip:{ip}"), PER_ADDRESS),
        ]
    }

    /// `Err(wait)` when this account or address has failed too often lately.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, max) in Self::keys(email, ip) {
            if let Some(list) = map.get_mut(&key) {
                list.retain(|t| now.duration_since(*t) < WINDOW);
                if list.len() >= max {
                    let oldest = list.first().copied().unwrap_or(now);
                    return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, ip: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bounded memory under a flood of distinct keys: start counting afresh.
            map.clear();
        }
        for (key, _) in Self::keys(email, ip) {
            map.entry(key).or_default().push(Instant::now());
        }
    }

    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("email:{}", email.trim().to_ascii_lowercase()));
    }
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
    fn limiter_blocks_after_five_failures_per_account() {
        let l = LoginLimiter::default();
        for _ in 0..PER_ACCOUNT {
            assert!(l.check("a@x", "1.2.3.4").is_ok());
            l.failed("a@x", "1.2.3.4");
        }
        assert!(
            l.check("A@x ", "5.6.7.8").is_err(),
            "the account is locked from any address"
        );
        assert!(
            l.check("b@x", "1.2.3.4").is_ok(),
            "another account from the same address is fine"
        );
        l.succeeded("a@x");
        assert!(l.check("a@x", "9.9.9.9").is_ok());
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
