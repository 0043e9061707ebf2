//! Pathways in the store: a district's pathways (its own, or the defaults), and where each
//! educator stood on each pathway in each school year — recorded as the year goes (the latest
//! observation of a year stands) — for the district's chart of how educators moved.

use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_domain::pathway::{default_pathways, Pathway};
use ensemble_domain::EducatorId;
use sqlx::Row;

/// How many educators stood on one step of one pathway in one school year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingCount {
    /// The year the school year starts (2026 for 2026–27).
    pub school_year: i64,
    pub pathway: String,
    /// The step's index; `None` for educators not on the pathway.
    pub step: Option<usize>,
    pub educators: i64,
}

/// One educator's standing on one pathway, to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingRow {
    pub educator: EducatorId,
    pub pathway: String,
    pub step: Option<usize>,
}

impl Store {
    /// The district's pathways: its own when it has set them, else the defaults.
    pub async fn pathways(&self, district: i64) -> Result<Vec<Pathway>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM district_pathways WHERE district_id = $1")
                .bind(district)
                .fetch_optional(&self.pool)
                .await?;
        match body {
            Some(b) => parse_col("district pathways", serde_json::from_str(&b)),
            None => Ok(default_pathways()),
        }
    }

    /// Records where educators stand in a school year, replacing what was recorded for them
    /// in that year before (one transaction).
    pub async fn record_standings(&self, school_year: i64, rows: &[StandingRow]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        for r in rows {
            let step = r
                .step
                .map(i64::try_from)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("a pathway step: {e}")))?;
            sqlx::query(
                "INSERT INTO pathway_standings (educator_id, school_year, pathway, step, recorded_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (educator_id, school_year, pathway)
                 DO UPDATE SET step = excluded.step, recorded_at = excluded.recorded_at",
            )
            .bind(r.educator.0)
            .bind(school_year)
            .bind(&r.pathway)
            .bind(step)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many of the district's educators stood on each step, year by year.
    pub async fn standing_counts(&self, district: i64) -> Result<Vec<StandingCount>> {
        let rows = sqlx::query(
            "SELECT p.school_year, p.pathway, p.step, COUNT(*) AS n FROM pathway_standings p
             JOIN educators e ON e.id = p.educator_id JOIN schools s ON s.id = e.school_id
             WHERE s.district_id = $1
             GROUP BY p.school_year, p.pathway, p.step ORDER BY p.school_year, p.pathway, p.step",
        )
        .bind(district)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let step: Option<i64> = r.try_get("step")?;
                Ok(StandingCount {
                    school_year: r.try_get("school_year")?,
                    pathway: r.try_get("pathway")?,
                    step: step
                        .map(usize::try_from)
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("a pathway step: {e}")))?,
                    educators: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Records standings of past years given by sourcedId (the demo's history); unknown
    /// educators are skipped.
    pub async fn record_history(
        &self,
        rows: &[(String, i64, String, Option<usize>)],
    ) -> Result<()> {
        let ids: std::collections::HashMap<String, i64> =
            sqlx::query("SELECT sourced_id, id FROM educators")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("sourced_id")?, r.try_get("id")?)))
                .collect::<Result<_>>()?;
        let mut by_year: std::collections::BTreeMap<i64, Vec<StandingRow>> = Default::default();
        for (sid, year, pathway, step) in rows {
            if let Some(id) = ids.get(sid) {
                by_year.entry(*year).or_default().push(StandingRow {
                    educator: EducatorId(*id),
                    pathway: pathway.clone(),
                    step: *step,
                });
            }
        }
        for (year, rows) in by_year {
            self.record_standings(year, &rows).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Per school year, how many of the district's educators stood higher on a pathway than the
    /// year before (newcomers to the pathway are not counted).
    pub async fn moves_up(&self, district: i64, pathway: &str) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT a.school_year, COUNT(*) AS n FROM pathway_standings a
             JOIN pathway_standings b ON b.educator_id = a.educator_id AND b.pathway = a.pathway
                  AND b.school_year = a.school_year - 1
             JOIN educators e ON e.id = a.educator_id JOIN schools s ON s.id = e.school_id
             WHERE s.district_id = $1 AND a.pathway = $2 AND a.step IS NOT NULL
                   AND b.step IS NOT NULL AND a.step > b.step
             GROUP BY a.school_year ORDER BY a.school_year",
        )
        .bind(district)
        .bind(pathway)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("school_year")?, r.try_get("n")?)))
            .collect()
    }
}
