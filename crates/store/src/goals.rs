//! Team goals in the store: a core team's goals (each as JSON), added and closed with their
//! audit entry in the same transaction. Progress is measured by the caller from the team's
//! formative data, read through the grouping board's grant.

use crate::audit::{self, AuditEntry};
use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_domain::goal::TeamGoal;
use ensemble_domain::{TeamId, UserId};
use sqlx::Row;

/// A goal of a team, open or closed.
#[derive(Clone, Debug)]
pub struct GoalRow {
    pub id: i64,
    pub team: TeamId,
    pub goal: TeamGoal,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

impl Store {
    /// A team's goals, open ones first, oldest first.
    pub async fn team_goals(&self, team: TeamId) -> Result<Vec<GoalRow>> {
        let rows = sqlx::query(
            "SELECT id, team_id, body, created_at, closed_at FROM team_goals WHERE team_id = $1
             ORDER BY CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, created_at, id",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                Ok(GoalRow {
                    id: r.try_get("id")?,
                    team: TeamId(r.try_get("team_id")?),
                    goal: parse_col("team goal", serde_json::from_str(&body))?,
                    created_at: r.try_get("created_at")?,
                    closed_at: r.try_get("closed_at")?,
                })
            })
            .collect()
    }

    /// Adds a goal to a team (at most 12 open at once).
    pub async fn add_team_goal(
        &self,
        team: TeamId,
        goal: &TeamGoal,
        by: Option<UserId>,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM team_goals WHERE team_id = $1 AND closed_at IS NULL",
        )
        .bind(team.0)
        .fetch_one(&mut *tx)
        .await?;
        if open >= 12 {
            return Err(StoreError::Conflict(
                "the team already has 12 open goals: close one first".into(),
            ));
        }
        let body = serde_json::to_string(goal).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO team_goals (team_id, body, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(team.0)
        .bind(&body)
        .bind(now_ms())
        .bind(by.map(|u| u.0))
        .fetch_one(&mut *tx)
        .await?;
        let mut e = entry.clone();
        e.target_id = Some(id);
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Closes an open goal of a team; `false` when there is no such open goal.
    pub async fn close_team_goal(
        &self,
        team: TeamId,
        goal: i64,
        entry: &AuditEntry,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE team_goals SET closed_at = $1 WHERE id = $2 AND team_id = $3 AND closed_at IS NULL",
        )
        .bind(now_ms())
        .bind(goal)
        .bind(team.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Store {
    /// Writes goals given by team sourcedId (the demo's), each audited as the pages do.
    pub async fn write_team_goals(
        &self,
        goals: &[(String, ensemble_domain::goal::TeamGoal)],
    ) -> Result<()> {
        let actor = crate::Actor::command_line("demo");
        for (team, goal) in goals {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE sourced_id = $1")
                .bind(team)
                .fetch_optional(&self.pool)
                .await?;
            let id = id.ok_or_else(|| StoreError::Corrupt(format!("no team {team}")))?;
            let e = actor.entry(crate::actions::TEAM_GOAL, "team", Some(id));
            self.add_team_goal(TeamId(id), goal, None, &e).await?;
        }
        Ok(())
    }
}
