//! Signing in and out (pages), and who the caller is (API). A sign-in gets a new session id;
//! signing out ends the session on the server; a deep link survives the sign-in, and only a
//! same-origin path is followed after it.

use crate::api::{ApiResult, ErrorBody};
use crate::auth::{self, ApiCaller, DEVICE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::routes::Routes;
use crate::web::{CsrfForm, NoFields, PageForm, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::Json;
use ensemble_store::{actions, Actor, AuditOutcome};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new()
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
}

pub fn api() -> Routes {
    Routes::new().get("/me", me)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Whether a path may be followed after sign-in: a same-origin absolute path, printable ASCII
/// only (browsers drop tabs and newlines, which would turn `/\t/evil.example` into
/// `//evil.example`), no backslash, not protocol-relative — also once percent-decoded.
fn same_origin_path(p: &str) -> bool {
    let plain = |s: &str| {
        s.starts_with('/')
            && !s.starts_with("//")
            && s.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
    };
    let decoded = percent_decode(p);
    p.len() < 500
        && plain(p)
        && decoded.as_deref().is_some_and(|d| {
            // Decoded, it may hold any text but must still be a path on this site.
            d.starts_with('/')
                && !d.starts_with("//")
                && !d.contains('\\')
                && !d.chars().any(char::is_control)
        })
}

/// `%XX` decoded once; `None` when the result is not UTF-8 or an escape is malformed.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path to go to after sign-in: `next` when it is safe, the home page otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if same_origin_path(n) && !n.starts_with("/login") => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_page(
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
    secure: bool,
) -> PageResult {
    let csrf = ensemble_store::auth::new_secret();
    let cookie = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        Some(Duration::from_secs(3600)),
        secure,
    );
    let html = LoginPage {
        csrf,
        email,
        next,
        error,
    }
    .render()?;
    Ok((status, [(header::SET_COOKIE, cookie)], Html(html)).into_response())
}

async fn login_form(State(st): State<AppState>, Query(q): Query<NextQuery>) -> PageResult {
    // A fresh install has nobody to sign in: it is set up first.
    if !st.store.has_accounts().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    login_page(
        StatusCode::OK,
        String::new(),
        safe_next(q.next.as_deref()),
        None,
        st.config.secure_cookies,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

fn cookie_header(value: String) -> Result<HeaderValue, AppError> {
    HeaderValue::from_str(&value).map_err(|e| AppError::internal("setting a cookie", e))
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> PageResult {
    let secure = st.config.secure_cookies;
    let next = safe_next(Some(&f.next));
    let cookie_token = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_secret(cookie_token, &f.csrf) {
        return login_page(
            StatusCode::FORBIDDEN,
            f.email,
            next,
            Some("The sign-in form expired. Please try again.".into()),
            secure,
        );
    }
    let email = f.email.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > 254 || f.password.is_empty() || f.password.len() > 1024 {
        return login_page(
            StatusCode::BAD_REQUEST,
            f.email,
            next,
            Some("Enter your e-mail address and password.".into()),
            secure,
        );
    }
    let addr = auth::client_addr(peer.ip(), &headers, &st.config.trusted_proxies);
    let found = st.store.login_lookup(&email).await?;
    let user = found.as_ref().map(|(u, _)| *u);
    let principal = match user {
        Some(u) => st.store.principal(u).await?,
        None => None,
    };
    let actor = Actor {
        user,
        email: email.clone(),
        school: principal.as_ref().and_then(|p| p.school),
    };
    // A device that signed in to this account before is throttled on its own key only.
    let device = match auth::cookie(&headers, DEVICE_COOKIE) {
        Some(d) if !d.is_empty() && d.len() <= 100 => match st.store.device_user(d).await? {
            Some(u) if Some(u) == user => Some(ensemble_store::auth::digest(d)),
            _ => None,
        },
        _ => None,
    };
    let keys = auth::throttle_keys(&email, addr, device.as_deref());
    let names: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
    let counts = st.store.throttle_counts(&names).await?;
    let entry = actor
        .entry(actions::LOGIN, "user", user.map(|u| u.0))
        .detail(format!(
            "from {addr}{}",
            if device.is_some() {
                " on a remembered device"
            } else {
                ""
            }
        ));
    if let Some(wait) = auth::wait(&keys, &counts, ensemble_store::now_ms()) {
        st.store
            .audit(
                &entry
                    .clone()
                    .outcome(AuditOutcome::Denied)
                    .detail(format!("{}; throttled after failed sign-ins", entry.detail)),
            )
            .await?;
        let secs = wait.as_secs().max(1);
        let mut resp = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            f.email,
            next,
            Some(format!(
                "Too many failed sign-ins. Try again in {}.",
                if secs < 120 {
                    format!("{secs} seconds")
                } else {
                    format!("{} minutes", secs.div_ceil(60))
                }
            )),
            secure,
        )?;
        resp.headers_mut()
            .insert(header::RETRY_AFTER, cookie_header(secs.to_string())?);
        return Ok(resp);
    }
    // Verify against a real hash even for unknown accounts, so timing does not tell them apart.
    let phc = found
        .as_ref()
        .and_then(|(_, h)| h.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc)).await?;
    match found {
        Some((user, Some(_))) if ok => {
            // A sign-in always starts a new session; one presented with it ends.
            if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
                st.store.delete_session(old, None).await?;
            }
            let absolute = st.config.session_absolute;
            let (sid, _) = st
                .store
                .create_session(
                    user,
                    i64::try_from(absolute.as_millis()).unwrap_or(i64::MAX),
                    &entry,
                )
                .await?;
            st.store.throttle_clear(&names).await?;
            let mut resp = Redirect::to(&next).into_response();
            let h = resp.headers_mut();
            h.append(
                header::SET_COOKIE,
                cookie_header(auth::set_cookie(
                    SESSION_COOKIE,
                    &sid,
                    Some(absolute),
                    secure,
                ))?,
            );
            h.append(
                header::SET_COOKIE,
                cookie_header(auth::set_cookie(LOGIN_CSRF_COOKIE, "", None, secure))?,
            );
            if device.is_none() {
                let year = Duration::from_secs(365 * 24 * 3600);
                let d = st
                    .store
                    .remember_device(user, i64::try_from(year.as_millis()).unwrap_or(i64::MAX))
                    .await?;
                h.append(
                    header::SET_COOKIE,
                    cookie_header(auth::set_cookie(DEVICE_COOKIE, &d, Some(year), secure))?,
                );
            }
            tracing::info!(%email, "signed in");
            Ok(resp)
        }
        _ => {
            st.store
                .throttle_failed(
                    &names,
                    auth::forget_ms(),
                    &entry.clone().outcome(AuditOutcome::Denied).detail(format!(
                        "{}; {}",
                        entry.detail,
                        if user.is_some() {
                            "wrong password"
                        } else {
                            "no such account"
                        }
                    )),
                )
                .await?;
            tracing::info!(%email, %addr, "failed sign-in");
            login_page(
                StatusCode::UNAUTHORIZED,
                f.email,
                next,
                Some("That e-mail address and password do not match an account.".into()),
                secure,
            )
        }
    }
}

/// An Argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    auth::hash_password(&ensemble_store::auth::new_secret()).unwrap_or_default()
});

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    if let Some(id) = auth::cookie(&headers, SESSION_COOKIE) {
        let entry =
            Actor::of(&v.principal).entry(actions::LOGOUT, "user", Some(v.principal.user.0));
        st.store.delete_session(id, Some(&entry)).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(auth::set_cookie(
            SESSION_COOKIE,
            "",
            None,
            st.config.secure_cookies,
        ))?,
    );
    Ok(resp)
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    user_id: i64,
    email: String,
    display_name: String,
    /// `system_admin`, `school_leader` or `educator`.
    system_role: String,
    school_id: Option<i64>,
    educator_id: Option<i64>,
    role_type: Option<String>,
    core_team_ids: Vec<i64>,
    extended_team_ids: Vec<i64>,
}

/// Who the token belongs to, with the teams that grant access.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(ApiCaller(p, _): ApiCaller) -> ApiResult<MeDto> {
    Ok(Json(MeDto {
        user_id: p.user.0,
        email: p.email.clone(),
        display_name: p.display_name.clone(),
        system_role: p.system_role.as_str().into(),
        school_id: p.school.map(|s| s.0),
        educator_id: p.educator.map(|e| e.0),
        role_type: p.role_type.map(|r| r.as_str().into()),
        core_team_ids: p.core_teams.iter().map(|t| t.0).collect(),
        extended_team_ids: p.extended_teams.iter().map(|t| t.0).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_origin_paths_are_followed() {
        for ok in [
            "/teams/3",
            "/teams/3?g=4&msg=Saved",
            "/students/12#profile",
            "/audit?student=%2C12",
        ] {
            assert_eq!(safe_next(Some(ok)), ok, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%0B",
            "/%7F",
            "/\u{7f}",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%5C%5Cevil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/a b",
            "/é",
            "/%E9",
            "/%zz",
            "/login?next=/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), "/");
    }
}
