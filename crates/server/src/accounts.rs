//! A school's accounts and the one-time sign-in links that let their holders in: an account an
//! import made has no password, so a leader makes a link and hands it over; its holder chooses a
//! password with it and is signed in. The same link resets a forgotten password.

use crate::auth::{Viewer, LOGIN_CSRF_COOKIE};
use crate::error::{AppError, PageError};
use crate::imports::{form_page, hash_off_thread, leader_school, password_problem, signed_in};
use crate::routes::Routes;
use crate::web::{render, CsrfForm, LocalTime, Nav, NoFields, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Form;
use ensemble_domain::access::SystemRole;
use ensemble_domain::*;
use ensemble_store::{actions, Actor};
use serde::Deserialize;

/// How long a sign-in link works.
const LINK_DAYS: i64 = 7;

pub fn router() -> Routes {
    Routes::new()
        .get("/schools/{id}/accounts", accounts)
        .post("/schools/{id}/accounts/{user}/link", make_link)
        .get("/welcome/{link}", welcome_form)
        .post("/welcome/{link}", welcome)
}

struct AccountView {
    id: i64,
    name: String,
    email: String,
    role: String,
    status: &'static str,
    /// When an open sign-in link stops working.
    until: Option<LocalTime>,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    nav: Nav,
    school: i64,
    school_name: String,
    accounts: Vec<AccountView>,
}

async fn accounts(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let school_name = leader_school(&st, &v, id).await?;
    let accounts = st
        .store
        .school_accounts(SchoolId(id))
        .await?
        .into_iter()
        .map(|a| {
            let open = a.link_expires_at.filter(|t| *t > ensemble_store::now_ms());
            AccountView {
                id: a.id.0,
                name: a.name,
                email: a.email,
                role: match (a.role, a.role_type) {
                    (SystemRole::Educator, Some(t)) => t.label().to_owned(),
                    (r, _) => r.label().to_owned(),
                },
                status: match (a.has_password, open) {
                    (_, Some(_)) => "Sign-in link open until",
                    (true, None) => "Signs in with a password",
                    (false, None) => "No password yet",
                },
                until: open.map(LocalTime::of_ms),
            }
        })
        .collect();
    render(&AccountsPage {
        nav: Nav::of(&v),
        school: id,
        school_name,
        accounts,
    })
}

#[derive(Template)]
#[template(path = "link.html")]
struct LinkPage {
    nav: Nav,
    school: i64,
    name: String,
    email: String,
    link: String,
    days: i64,
}

async fn make_link(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath((id, user)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    leader_school(&st, &v, id).await?;
    let missing = || {
        PageError(AppError::NotFound(format!(
            "No account {user} at this school."
        )))
    };
    let made = st
        .store
        .make_sign_in_link_for(
            UserId(user),
            Some(SchoolId(id)),
            LINK_DAYS * 86_400_000,
            |email| {
                Actor::of(&v.principal)
                    .entry(actions::USER_LINK, "user", Some(user))
                    .detail(format!("for {email}, working {LINK_DAYS} days"))
            },
        )
        .await?
        .ok_or_else(missing)?;
    // The address the leader reached Ensemble at is the one to hand on.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if st.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    render(&LinkPage {
        nav: Nav::of(&v),
        school: id,
        name: made.name,
        email: made.email,
        link: format!("{scheme}://{host}/welcome/{}", made.secret),
        days: LINK_DAYS,
    })
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    csrf: String,
    link: String,
    name: String,
    email: String,
    error: Option<String>,
}

/// A link that does not work: a missing page that says what to do.
fn dead_link() -> PageError {
    PageError(AppError::NotFound(
        "This sign-in link does not work: it was used, a newer one replaced it, or it expired. Ask your school leader for a new one.".into(),
    ))
}

/// A link is 64 hexadecimal digits; anything else is not looked up.
fn well_formed(link: &str) -> bool {
    link.len() == 64 && link.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn welcome_form(State(st): State<AppState>, PagePath(link): PagePath<String>) -> PageResult {
    if !well_formed(&link) {
        return Err(dead_link());
    }
    let (_, email, name) = st.store.sign_in_link(&link).await?.ok_or_else(dead_link)?;
    let page = WelcomePage {
        csrf: ensemble_store::auth::new_secret(),
        link,
        name,
        email,
        error: None,
    };
    form_page(StatusCode::OK, &page, &page.csrf, st.config.secure_cookies)
}

#[derive(Deserialize)]
struct WelcomeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

async fn welcome(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(link): PagePath<String>,
    Form(f): Form<WelcomeForm>,
) -> PageResult {
    if !well_formed(&link) {
        return Err(dead_link());
    }
    let (user, email, name) = st.store.sign_in_link(&link).await?.ok_or_else(dead_link)?;
    let again = |status, error: &str| {
        let page = WelcomePage {
            csrf: ensemble_store::auth::new_secret(),
            link: link.clone(),
            name: name.clone(),
            email: email.clone(),
            error: Some(error.to_owned()),
        };
        form_page(status, &page, &page.csrf, st.config.secure_cookies)
    };
    let cookie = crate::auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie.is_empty() || !crate::auth::same_secret(cookie, &f.csrf) {
        return again(StatusCode::FORBIDDEN, "The form expired. Please try again.");
    }
    if let Some(p) = password_problem(&f.password, &f.password2) {
        return again(StatusCode::UNPROCESSABLE_ENTITY, p);
    }
    let hash = hash_off_thread(&f.password).await?;
    let actor = Actor {
        user: Some(user),
        email: email.clone(),
        school: None,
    };
    let entry = actor.entry(actions::USER_PASSWORD, "user", Some(user.0));
    // Two tabs sending the form at once: the link works once, the other is told it is used.
    let Some(user) = st.store.use_sign_in_link(&link, &hash, &entry).await? else {
        return Err(dead_link());
    };
    let login = actor
        .entry(actions::LOGIN, "user", Some(user.0))
        .detail("signed in after choosing a password with a sign-in link".to_owned());
    signed_in(&st, user, &login, "/").await
}
