//! Fresh, throwaway databases for tests: a SQLite file in a temporary directory, or a new
//! database on the PostgreSQL server named by `ENSEMBLE_TEST_POSTGRES_URL` (the test command
//! starts one). Used by this crate's and the server's tests.

use crate::{Backend, Store};
use ensemble_domain::dataset::Dataset;

/// The backends the test suite must cover. PostgreSQL is required: the README's test command
/// starts a server and sets `ENSEMBLE_TEST_POSTGRES_URL`; without it the PostgreSQL half fails
/// loudly rather than being skipped.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A database that lives as long as this value (SQLite) or the test server (PostgreSQL).
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile_dir::TempDir>,
}

mod tempfile_dir {
    /// A temporary directory removed on drop (kept dependency-free for non-test builds).
    #[derive(Debug)]
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl TestDb {
    /// Creates an empty database on `backend`.
    pub async fn new(backend: Backend) -> Self {
        let unique = format!(
            "{}_{}_{}",
            std::process::id(),
            crate::now_ms(),
            rand::random::<u32>()
        );
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("ensemble-test-{unique}"));
                std::fs::create_dir_all(&dir).expect("create a temporary directory");
                let url = format!("sqlite://{}", dir.join("test.db").display());
                Self {
                    url,
                    _dir: Some(tempfile_dir::TempDir(dir)),
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("ENSEMBLE_TEST_POSTGRES_URL").expect(
                    "ENSEMBLE_TEST_POSTGRES_URL is not set: run the tests with `cargo xtask test`, which starts a PostgreSQL server",
                );
                let name = format!("ensemble_test_{unique}");
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("connect to the test PostgreSQL server");
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create a test database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                Self {
                    url: format!("{base}/{name}"),
                    _dir: None,
                }
            }
        }
    }

    /// Runs a statement on the database directly, as something outside Ensemble would (to
    /// test what Ensemble does with data it did not write); returns the rows changed.
    pub async fn execute(&self, sql: &str, args: &[i64]) -> u64 {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(*a);
        }
        let mut conn = self.connection().await;
        q.execute(&mut conn)
            .await
            .expect("run a statement on the test database")
            .rows_affected()
    }

    /// The first column of a query's rows, as text, read directly.
    pub async fn strings(&self, sql: &str, args: &[&str]) -> Vec<String> {
        let mut q = sqlx::query_scalar::<_, String>(sql);
        for a in args {
            q = q.bind(*a);
        }
        let mut conn = self.connection().await;
        q.fetch_all(&mut conn)
            .await
            .expect("query the test database")
    }

    async fn connection(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

/// A fresh database on `backend` holding `ds`, every account's password hash a dummy that no
/// password matches (the demo school, as a test starts from it: `ensemble_demo::demo_school`).
pub async fn store_with(backend: Backend, ds: &Dataset) -> (TestDb, Store) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    store
        .import(ds, Some("$argon2id$dummy"), &|_, _, _| {})
        .await
        .expect("import the dataset");
    (db, store)
}

/// Runs a test body once on each backend in [`BACKENDS`].
pub async fn each_backend<F, Fut>(f: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for b in BACKENDS {
        f(b).await;
    }
}
