//! The audit log: who read or changed what student data, when, and whether it was allowed.

use crate::{now_ms, Result, Store};
use ensemble_domain::*;
use serde::Serialize;
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Allowed,
    Denied,
    /// The record does not exist (kept apart from `Denied` only here, never in answers).
    NotFound,
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::NotFound => "not_found",
            Self::Failed => "failed",
        }
    }
}

/// One entry to write.
#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    pub user: Option<UserId>,
    pub actor: &'a str,
    pub school: Option<SchoolId>,
    /// `student.read`, `roster.read`, `roster.add`, `student.update` …
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: Option<i64>,
    pub outcome: AuditOutcome,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub user: Option<UserId>,
    pub actor: String,
    pub school: Option<SchoolId>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub outcome: String,
    pub detail: String,
}

impl Store {
    pub async fn audit(&self, e: AuditEntry<'_>) -> Result<()> {
        sqlx::query("INSERT INTO audit_log (at, user_id, actor, school_id, action, target_kind, target_id, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(now_ms())
            .bind(e.user.map(|u| u.0))
            .bind(e.actor)
            .bind(e.school.map(|s| s.0))
            .bind(e.action)
            .bind(e.target_kind)
            .bind(e.target_id)
            .bind(e.outcome.as_str())
            .bind(e.detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest entries, for one school (`Some`) or all (`None`), optionally before an id
    /// (for paging).
    pub async fn audit_log(
        &self,
        school: Option<SchoolId>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT id, at, user_id, actor, school_id, action, target_kind, target_id, outcome, detail FROM audit_log
             WHERE ($1 < 0 OR school_id = $1) AND ($2 < 0 OR id < $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(school.map(|s| s.0).unwrap_or(-1))
        .bind(before.unwrap_or(-1))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    id: r.try_get("id")?,
                    at_ms: r.try_get("at")?,
                    user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    actor: r.try_get("actor")?,
                    school: r.try_get::<Option<i64>, _>("school_id")?.map(SchoolId),
                    action: r.try_get("action")?,
                    target_kind: r.try_get("target_kind")?,
                    target_id: r.try_get("target_id")?,
                    outcome: r.try_get("outcome")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
