//! Persistence for Ensemble: one [`Store`] API over SQLite (the embedded default) and
//! PostgreSQL (production), chosen by the database URL's scheme. Each backend has its own
//! migrations folder; queries are written once, in SQL both backends accept (`$n`
//! placeholders, integers for flags, unix milliseconds for times).
//!
//! Only this crate knows SQL. A student's record is only read for a
//! [`ensemble_domain::StudentGrant`], which only the access policy makes.

mod audit;
pub mod auth;
mod cache;
mod credentials;
pub use auth::{AccountRow, SignInLink, TokenRow};
mod goals;
mod grouping;
mod import;
mod oneroster;
mod pathways;
mod schedule;
mod school;
mod staffing;
mod students;
mod teams;
pub mod testing;

pub use audit::{actions, Actor, AuditEntry, AuditFilter, AuditOutcome, AuditRow};
pub use cache::Fresh;
pub use credentials::{CatalogRow, Decision, IssuedRow, SubmissionRow};
pub use goals::GoalRow;
pub use grouping::{GroupingRow, History, NewAssessment, NewGrouping, PeriodGroupRow};
pub use import::ImportProgress;
pub use oneroster::{
    describe as describe_import, Confirmed, ImportSummary, Known, ProposalRow, Tally, UploadRow,
    KINDS as IMPORT_KINDS,
};
pub use pathways::{StandingCount, StandingRow};
pub use schedule::{AbsenceRow, FactEducator, FactSpace, FactTeam, ScheduleFacts, ScheduleRow};
pub use school::{
    BookingRow, EducatorDetail, EducatorTeam, SchoolRow, SlotUse, SpaceRow, TeamDetail,
    TeamMemberRow, TeamSummary, TermRow,
};
pub use staffing::{
    ApplyOutcome, ApplyPlan, GradeNeeds, LeftBehind, Move, PlanRow, PlanTeamInput, PoolEducator,
    TeamChange, TermChoice,
};
pub use students::StudentRecord;
pub use teams::{NewBooking, NewTeamInput};

use ensemble_domain::dataset::DatasetError;
use ensemble_domain::RuleViolation;
use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::query::Query;
use sqlx::{Any, AnyPool, Executor};
use std::str::FromStr;

/// What can go wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    #[error("import refused, nothing was written: {0}")]
    Dataset(#[from] DatasetError),
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: i64 },
    #[error("{0}")]
    Conflict(String),
    /// Another writer held the database for too long, or PostgreSQL chose this transaction to
    /// give way; nothing was written and the request can be repeated.
    #[error("the database is busy with another change; nothing was written, please try again")]
    Busy(#[source] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    BadUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::classify(e)
    }
}

impl StoreError {
    /// A database error, classed: lock time-outs and serialization failures are
    /// [`StoreError::Busy`] (the caller may try again), everything else [`StoreError::Db`].
    fn classify(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            // SQLite: SQLITE_BUSY (5) and its extended codes (BUSY_RECOVERY 261,
            // BUSY_SNAPSHOT 517, BUSY_TIMEOUT 773), SQLITE_LOCKED (6). PostgreSQL:
            // serialization_failure, deadlock_detected, lock_not_available.
            let busy = matches!(
                d.code().as_deref(),
                Some("5" | "6" | "261" | "517" | "773" | "40001" | "40P01" | "55P03")
            );
            if busy {
                return Self::Busy(e);
            }
        }
        if matches!(e, sqlx::Error::PoolTimedOut) {
            return Self::Busy(e);
        }
        Self::Db(e)
    }
}

/// Rows read from the store, and the ones that could not be read back: those are left out and
/// named, so that one bad record never takes a page down for everyone.
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    pub rows: Vec<T>,
    pub unreadable: Vec<Unreadable>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

impl<T> Loaded<T> {
    /// Adds a row, or names it when it could not be read.
    fn push(&mut self, what: &'static str, id: i64, row: Result<T>) {
        match row {
            Ok(r) => self.rows.push(r),
            Err(e) => {
                tracing::warn!(what, id, error = %e, "a stored record cannot be read");
                self.unreadable.push(Unreadable {
                    what,
                    id,
                    problem: e.to_string(),
                });
            }
        }
    }
}

/// A stored record that could not be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub what: &'static str,
    pub id: i64,
    pub problem: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.what, self.id, self.problem)
    }
}

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    cache: std::sync::Arc<cache::Cache>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if missing,
    /// and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_owned()
        };
        // Validate the URL before handing it to the pool, for a clear error.
        sqlx::any::AnyConnectOptions::from_str(&url)
            .map_err(|_| StoreError::BadUrl(url.clone()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Self {
            pool,
            backend,
            cache: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
    /// locked" when another connection committed in between, whereas an immediate one waits
    /// for its turn (up to the busy timeout).
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Reads the data version, for reads that may be answered from memory (see [`Fresh`]).
    pub async fn fresh(&self) -> Result<Fresh> {
        let v: i64 = sqlx::query_scalar("SELECT version FROM data_versions WHERE name = 'school'")
            .fetch_one(&self.pool)
            .await?;
        Ok(Fresh(v))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when the database holds no district yet (a fresh install).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `$start, $start+1, …` for `n` values.
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds every id of a list to a query built with [`placeholders`].
fn bind_ids<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    ids: &[i64],
) -> Query<'q, Any, AnyArguments<'q>> {
    for id in ids {
        q = q.bind(*id);
    }
    q
}

/// Binds every id of a list to a scalar query built with [`placeholders`].
fn bind_ids_scalar<'q, O>(
    mut q: sqlx::query::QueryScalar<'q, Any, O, AnyArguments<'q>>,
    ids: &[i64],
) -> sqlx::query::QueryScalar<'q, Any, O, AnyArguments<'q>> {
    for id in ids {
        q = q.bind(*id);
    }
    q
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn json_list(raw: &str) -> Result<Vec<String>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("list {raw:?}: {e}")))
}

/// "Given Family" from a row's `given_name` and `family_name`.
pub(crate) fn full_name(r: &sqlx::any::AnyRow) -> Result<String> {
    use sqlx::Row;
    Ok(format!(
        "{} {}",
        r.try_get::<String, _>("given_name")?,
        r.try_get::<String, _>("family_name")?
    ))
}

/// A competency from a row with `code`, `level`, `evidence` and `source`.
pub(crate) fn competency_row(r: &sqlx::any::AnyRow) -> Result<ensemble_domain::Competency> {
    use sqlx::Row;
    Ok(ensemble_domain::Competency {
        code: r.try_get("code")?,
        level: parse_col("level", ensemble_domain::Level::new(r.try_get("level")?))?,
        evidence: parse_col(
            "evidence",
            ensemble_domain::Evidence::parse(&r.try_get::<String, _>("evidence")?),
        )?,
        source: r.try_get("source")?,
    })
}

/// A row's `role_type`.
pub(crate) fn role_of(r: &sqlx::any::AnyRow) -> Result<ensemble_domain::RoleType> {
    use sqlx::Row;
    parse_col(
        "role type",
        ensemble_domain::RoleType::parse(&r.try_get::<String, _>("role_type")?),
    )
}

/// A unix-millisecond time as an XML Schema dateTimeStamp in UTC, to the second
/// (`2026-12-01T09:30:00Z`).
/// The school year a moment (milliseconds since 1970, UTC) falls in, named by the year it
/// starts: from August onwards that year, before it the year before (2026 for 2026–27).
pub fn school_year(ms: i64) -> i64 {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let y = i64::from(t.year());
    if u8::from(t.month()) >= 8 {
        y
    } else {
        y - 1
    }
}

pub(crate) fn rfc3339_seconds(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

fn parse_col<T, E: std::fmt::Display>(what: &str, r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
