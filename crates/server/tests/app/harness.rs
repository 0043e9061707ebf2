//! The test application: a fresh demo district on either backend, the real server on a random
//! port, and clients that sign in as browsers do or call the API with a token.

use ensemble_domain::access::{authorize_grouping_board, Principal, RosterGrant};
use ensemble_domain::TeamId;
use ensemble_store::testing::TestDb;
use ensemble_store::{actions, Actor, Backend, Store};
use reqwest::{Client, StatusCode};
use serde_json::Value;

pub struct App {
    pub base: String,
    pub store: Store,
    pub logins: Vec<ensemble_demo::DemoLogin>,
    pub db: TestDb,
}

impl App {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, ensemble_server::Config::default()).await
    }

    pub async fn spawn_with(backend: Backend, config: ensemble_server::Config) -> Self {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let (ds, logins) = ensemble_demo::demo_school(11);
        let hash = ensemble_server::hash_password(ensemble_demo::DEMO_PASSWORD).expect("hash");
        store
            .import(&ds, Some(&hash), &|_, _, _| {})
            .await
            .expect("demo");
        let f = ensemble_demo::formative(&ds, 11);
        store
            .import_results("demo formative data", &f.results)
            .await
            .expect("formative data");
        store.import_choices(&f.choices).await.expect("choices");
        store
            .write_credential_story(
                ds.districts[0].sourced_id.as_str(),
                &ensemble_demo::credential_story(&ds),
            )
            .await
            .expect("micro-credentials");
        store
            .record_history(&ensemble_demo::pathway_history(
                &ds,
                ensemble_store::school_year(ensemble_store::now_ms()),
            ))
            .await
            .expect("pathway history");
        store
            .write_team_goals(&ensemble_demo::team_goals(&ds))
            .await
            .expect("team goals");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = ensemble_server::AppState::new(store.clone(), config);
        tokio::spawn(ensemble_server::serve(listener, state));
        Self {
            base,
            store,
            logins,
            db,
        }
    }

    pub fn email(&self, role: &str) -> String {
        self.logins
            .iter()
            .find(|l| l.role == role)
            .map(|l| l.email.clone())
            .unwrap_or_else(|| panic!("no demo login for {role}"))
    }

    pub async fn token(&self, role: &str) -> String {
        self.token_for(&self.email(role)).await
    }

    pub async fn token_for(&self, email: &str) -> String {
        self.store
            .create_token(
                email,
                "test",
                30,
                &Actor::command_line("test").entry(actions::TOKEN_CREATE, "api_token", None),
            )
            .await
            .expect("token")
            .0
    }

    pub async fn principal(&self, email: &str) -> Principal {
        let (user, _) = self
            .store
            .login_lookup(email)
            .await
            .expect("lookup")
            .expect("account");
        self.store
            .principal(user)
            .await
            .expect("principal")
            .expect("principal")
    }

    /// The grouping-board grant of a team, as the system leader holds it (for reading what the
    /// board stored).
    pub async fn board_grant(&self, team: i64) -> RosterGrant {
        let admin = self
            .principal(&self.email("System (district) leader"))
            .await;
        let t = self
            .store
            .team(TeamId(team))
            .await
            .expect("team")
            .expect("exists");
        let facts = self
            .store
            .roster_facts(TeamId(team), None)
            .await
            .expect("facts");
        authorize_grouping_board(&admin, &t.facts(), &facts).expect("a leader's grant")
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, Value::Null)
            .await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut r = Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if !body.is_null() {
            r = r.json(&body);
        }
        let r = r.send().await.expect("request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A browser-like client (cookies kept, redirects not followed), signed in.
    pub async fn browser(&self, email: &str) -> Client {
        let c = browser_client();
        let csrf = csrf_of(&page_text(&c, format!("{}/login", self.base)).await);
        let r = c
            .post(format!("{}/login", self.base))
            .form(&[
                ("email", email),
                ("password", ensemble_demo::DEMO_PASSWORD),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        c
    }
}

/// A client that keeps cookies and does not follow redirects.
pub fn browser_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Builds a staffing plan through the page's form: the redirect and the new plan's id.
pub async fn build_plan(c: &Client, url: &str, csrf: &str) -> (String, i64) {
    let r = c
        .post(url)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .expect("build");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let id = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("plan="))
        .and_then(|n| n.parse().ok())
        .expect("a plan id");
    (location, id)
}

/// A page's HTML, fetched with a browser-like client.
pub async fn page_text(c: &Client, url: impl reqwest::IntoUrl) -> String {
    c.get(url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body")
}

pub fn csrf_of(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().expect("token").to_owned()
}

/// The text of the element with this id (its first text node), from a page's HTML.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(rest[start..end].trim().to_owned())
}
