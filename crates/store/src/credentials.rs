//! Micro-credentials in the store: the district's catalog, submissions of evidence, the
//! assessor's decision — which, on acceptance, raises the educator's competency (where the
//! staffing readiness tables and validator read it) and issues an Open Badges 3.0 credential
//! signed with the district's key — all in one transaction with its audit entry.

use crate::audit::{self, AuditEntry};
use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_credentials::{Badge, IssuerKey};
use ensemble_domain::credential::{
    raised, CredentialStory, Judgement, MicroCredential, SubmissionStatus,
};
use ensemble_domain::{EducatorId, Level, SchoolId, UserId};
use sqlx::{AnyConnection, Row};

/// A catalog entry with its id.
#[derive(Clone, Debug)]
pub struct CatalogRow {
    pub id: i64,
    pub credential: MicroCredential,
}

/// A submission as its educator and assessors see it.
#[derive(Clone, Debug)]
pub struct SubmissionRow {
    pub id: i64,
    pub micro_credential: i64,
    pub name: String,
    pub educator: EducatorId,
    /// The educator's school.
    pub school: SchoolId,
    pub educator_name: String,
    pub status: SubmissionStatus,
    pub evidence: String,
    pub links: Vec<String>,
    pub submitted_at: i64,
    pub scores: Vec<Level>,
    pub feedback: Option<String>,
    pub decided_at: Option<i64>,
}

/// What an assessor decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Accepted: the competency now stands at this level, and this credential was issued.
    Accepted { level: Level, credential: i64 },
    /// Returned with feedback.
    Returned,
}

/// An issued credential: the signed JSON.
#[derive(Clone, Debug)]
pub struct IssuedRow {
    pub id: i64,
    pub educator: EducatorId,
    pub name: String,
    pub issued_at: i64,
    pub credential: serde_json::Value,
}

/// The district's signing key, made on first use (in the caller's transaction; when two
/// transactions make one at once, the first to commit wins and both sign with it).
async fn district_key(c: &mut AnyConnection, district: i64) -> Result<IssuerKey> {
    let made = IssuerKey::generate();
    sqlx::query(
        "INSERT INTO district_keys (district_id, seed, did, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (district_id) DO NOTHING",
    )
    .bind(district)
    .bind(hex::encode(made.seed()))
    .bind(made.did())
    .bind(now_ms())
    .execute(&mut *c)
    .await?;
    let seed: String = sqlx::query_scalar("SELECT seed FROM district_keys WHERE district_id = $1")
        .bind(district)
        .fetch_one(&mut *c)
        .await?;
    <[u8; 32] as hex::FromHex>::from_hex(&seed)
        .ok()
        .map(IssuerKey::from_seed)
        .ok_or_else(|| StoreError::Corrupt(format!("the signing key of district {district}")))
}

fn catalog_row(r: &sqlx::any::AnyRow) -> Result<CatalogRow> {
    let body: String = r.try_get("body")?;
    Ok(CatalogRow {
        id: r.try_get("id")?,
        credential: parse_col("micro-credential", serde_json::from_str(&body))?,
    })
}

const SUBMISSION_COLS: &str = "s.id, s.micro_credential_id, m.body, s.educator_id, e.school_id,
    e.given_name || ' ' || e.family_name AS educator_name, s.status, s.evidence, s.links,
    s.submitted_at, s.scores, s.feedback, s.decided_at";

fn submission_row(r: &sqlx::any::AnyRow) -> Result<SubmissionRow> {
    let body: String = r.try_get("body")?;
    let mc: MicroCredential = parse_col("micro-credential", serde_json::from_str(&body))?;
    let links: String = r.try_get("links")?;
    let scores: Option<String> = r.try_get("scores")?;
    Ok(SubmissionRow {
        id: r.try_get("id")?,
        micro_credential: r.try_get("micro_credential_id")?,
        name: mc.name,
        educator: EducatorId(r.try_get("educator_id")?),
        school: SchoolId(r.try_get("school_id")?),
        educator_name: r.try_get("educator_name")?,
        status: parse_col(
            "submission status",
            SubmissionStatus::parse(&r.try_get::<String, _>("status")?),
        )?,
        evidence: r.try_get("evidence")?,
        links: parse_col("links", serde_json::from_str(&links))?,
        submitted_at: r.try_get("submitted_at")?,
        scores: match scores {
            Some(s) => parse_col("scores", serde_json::from_str(&s))?,
            None => Vec::new(),
        },
        feedback: r.try_get("feedback")?,
        decided_at: r.try_get("decided_at")?,
    })
}

impl Store {
    /// A district's micro-credential catalog, by name.
    pub async fn catalog(&self, district: i64) -> Result<Vec<CatalogRow>> {
        let rows = sqlx::query(
            "SELECT id, body FROM micro_credentials WHERE district_id = $1 ORDER BY code",
        )
        .bind(district)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows.iter().map(catalog_row).collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| a.credential.name.cmp(&b.credential.name));
        Ok(out)
    }

    /// Adds a catalog entry, or replaces the one with its code; audited.
    pub async fn save_micro_credential(
        &self,
        district: i64,
        mc: &MicroCredential,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let body = serde_json::to_string(mc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let had: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM micro_credentials WHERE district_id = $1 AND code = $2",
        )
        .bind(district)
        .bind(&mc.code)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match had {
            Some(id) => {
                sqlx::query("UPDATE micro_credentials SET body = $1 WHERE id = $2")
                    .bind(&body)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO micro_credentials (district_id, code, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(district)
            .bind(&mc.code)
            .bind(&body)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await?,
        };
        let mut e = entry.clone();
        e.target_id = Some(id);
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An educator submits evidence for a micro-credential of their district. Refused while
    /// one of theirs for it waits for review, and once it is earned.
    pub async fn submit_evidence(
        &self,
        micro_credential: i64,
        educator: EducatorId,
        evidence: &str,
        links: &[String],
        entry: &AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let same_district: Option<i64> = sqlx::query_scalar(
            "SELECT m.id FROM micro_credentials m JOIN schools s ON s.district_id = m.district_id
             JOIN educators e ON e.school_id = s.id WHERE m.id = $1 AND e.id = $2",
        )
        .bind(micro_credential)
        .bind(educator.0)
        .fetch_optional(&mut *tx)
        .await?;
        if same_district.is_none() {
            return Err(StoreError::NotFound {
                what: "micro-credential",
                id: micro_credential,
            });
        }
        let open: Vec<String> = sqlx::query_scalar(
            "SELECT status FROM credential_submissions WHERE micro_credential_id = $1 AND educator_id = $2 AND status <> 'returned'",
        )
        .bind(micro_credential)
        .bind(educator.0)
        .fetch_all(&mut *tx)
        .await?;
        if open.iter().any(|s| s == "accepted") {
            return Err(StoreError::Conflict(
                "this micro-credential is already earned".into(),
            ));
        }
        if !open.is_empty() {
            return Err(StoreError::Conflict(
                "evidence for this micro-credential is already waiting for review".into(),
            ));
        }
        let links_json =
            serde_json::to_string(links).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // One waiting submission per educator and credential, even for two clicks at once.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credential_submissions (micro_credential_id, educator_id, status, evidence, links, submitted_at)
             VALUES ($1, $2, 'submitted', $3, $4, $5) RETURNING id",
        )
        .bind(micro_credential)
        .bind(educator.0)
        .bind(evidence)
        .bind(&links_json)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::is_unique_violation(&e) {
                StoreError::Conflict(
                    "evidence for this micro-credential is already waiting for review".into(),
                )
            } else {
                e.into()
            }
        })?;
        let mut e = entry.clone();
        e.target_id = Some(id);
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Submissions: one educator's, or (with `None`) every one in a district, newest first.
    pub async fn submissions(
        &self,
        district: i64,
        educator: Option<EducatorId>,
    ) -> Result<Vec<SubmissionRow>> {
        let filter = if educator.is_some() {
            " AND s.educator_id = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {SUBMISSION_COLS} FROM credential_submissions s
             JOIN micro_credentials m ON m.id = s.micro_credential_id
             JOIN educators e ON e.id = s.educator_id
             WHERE m.district_id = $1{filter} ORDER BY s.submitted_at DESC, s.id DESC"
        );
        let mut q = sqlx::query(&sql).bind(district);
        if let Some(e) = educator {
            q = q.bind(e.0);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(submission_row)
            .collect()
    }

    /// An assessor's decision on a submission waiting for review, with a score per criterion.
    /// Accepting needs every criterion at the credential's level; it raises the educator's
    /// competency to that level (never lowers it) and issues the credential, signed with the
    /// district's key. A decision already taken, or an assessor deciding their own submission,
    /// is refused. One transaction, with its audit entry.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_submission(
        &self,
        submission: i64,
        assessor: UserId,
        assessor_educator: Option<EducatorId>,
        scores: &[Level],
        accept: bool,
        feedback: &str,
        entry: &AuditEntry,
    ) -> Result<Decision> {
        let mut tx = self.begin_write().await?;
        let Some(r) = sqlx::query(&format!(
            "SELECT {SUBMISSION_COLS}, m.district_id, d.name AS district_name, d.sourced_id AS district_sid,
                    u.email FROM credential_submissions s
             JOIN micro_credentials m ON m.id = s.micro_credential_id
             JOIN educators e ON e.id = s.educator_id
             JOIN districts d ON d.id = m.district_id
             LEFT JOIN users u ON u.educator_id = e.id
             WHERE s.id = $1"
        ))
        .bind(submission)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(StoreError::NotFound {
                what: "submission",
                id: submission,
            });
        };
        let sub = submission_row(&r)?;
        let body: String = r.try_get("body")?;
        let mc: MicroCredential = parse_col("micro-credential", serde_json::from_str(&body))?;
        if assessor_educator == Some(sub.educator) {
            return Err(StoreError::Conflict(
                "nobody assesses their own evidence".into(),
            ));
        }
        if sub.status != SubmissionStatus::Submitted {
            return Err(StoreError::Conflict(format!(
                "this submission was already decided ({})",
                sub.status.label().to_lowercase()
            )));
        }
        let judgement = mc
            .judge(scores)
            .map_err(|e| StoreError::Conflict(format!("{}: {}", e.field, e.problem)))?;
        if accept {
            if let Judgement::Short(short) = &judgement {
                return Err(StoreError::Conflict(format!(
                    "it cannot be accepted: {} fall short of {}",
                    short.join(", "),
                    mc.level.label().to_lowercase()
                )));
            }
        } else if feedback.trim().is_empty() {
            return Err(StoreError::Conflict(
                "a returned submission needs feedback".into(),
            ));
        }
        let now = now_ms();
        let scores_json =
            serde_json::to_string(scores).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Two assessors at once: the second waits for the first and finds it decided.
        let changed = sqlx::query(
            "UPDATE credential_submissions SET status = $1, scores = $2, feedback = $3, decided_at = $4, decided_by = $5
             WHERE id = $6 AND status = 'submitted'",
        )
        .bind(if accept { "accepted" } else { "returned" })
        .bind(&scores_json)
        .bind(feedback.trim())
        .bind(now)
        .bind(assessor.0)
        .bind(submission)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict(
                "this submission was already decided".into(),
            ));
        }
        let decision = if accept {
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT level FROM educator_competencies WHERE educator_id = $1 AND code = $2",
            )
            .bind(sub.educator.0)
            .bind(&mc.competency)
            .fetch_optional(&mut *tx)
            .await?;
            let held = held
                .map(Level::new)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("competency level: {}", e.problem)))?;
            let level = raised(held, mc.level);
            let source = format!("Micro-credential: {}", mc.name);
            // The competency's record changes only when the credential raises it: a level held
            // higher already keeps its own evidence.
            let written = match held {
                Some(h) if h >= mc.level => None,
                Some(_) => Some("UPDATE educator_competencies SET level = $1, evidence = 'micro_credential', source = $2 WHERE educator_id = $3 AND code = $4"),
                None => Some("INSERT INTO educator_competencies (level, evidence, source, educator_id, code) VALUES ($1, 'micro_credential', $2, $3, $4)"),
            };
            if let Some(sql) = written {
                sqlx::query(sql)
                    .bind(i64::from(level))
                    .bind(&source)
                    .bind(sub.educator.0)
                    .bind(&mc.competency)
                    .execute(&mut *tx)
                    .await?;
            }
            let district: i64 = r.try_get("district_id")?;
            let key = district_key(&mut tx, district).await?;
            let issued_at = crate::rfc3339_seconds(now);
            let district_sid: String = r.try_get("district_sid")?;
            let salt = hex::encode(rand::random::<[u8; 8]>());
            let email: Option<String> = r.try_get("email")?;
            let unsigned = ensemble_credentials::open_badge(
                &Badge {
                    id: &ensemble_credentials::new_urn_uuid(),
                    issuer_name: &r.try_get::<String, _>("district_name")?,
                    valid_from: &issued_at,
                    achievement_id: &format!(
                        "urn:ensemble:micro-credential:{district_sid}:{}",
                        mc.code
                    ),
                    name: &mc.name,
                    description: &mc.badge_description(),
                    criteria: &mc.badge_criteria(),
                    competency: (
                        &mc.competency,
                        &ensemble_domain::labels::competency(&mc.competency),
                    ),
                    email: email.as_deref().unwrap_or(&sub.educator_name),
                    salt: &salt,
                },
                &key,
            );
            let signed = ensemble_credentials::sign(&unsigned, &key, &issued_at)
                .map_err(|e| StoreError::Corrupt(format!("signing a credential: {e}")))?;
            let credential: i64 = sqlx::query_scalar(
                "INSERT INTO issued_credentials (submission_id, educator_id, credential, issued_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(submission)
            .bind(sub.educator.0)
            .bind(signed.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Decision::Accepted { level, credential }
        } else {
            Decision::Returned
        };
        let mut e = entry.clone();
        e.target_id = Some(submission);
        e.detail = format!(
            "{} for {}: {}",
            mc.name,
            sub.educator_name,
            match &decision {
                Decision::Accepted { level, .. } => format!(
                    "accepted; {} now {}",
                    ensemble_domain::labels::competency(&mc.competency),
                    level.label().to_lowercase()
                ),
                Decision::Returned => "returned with feedback".into(),
            }
        );
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(decision)
    }

    /// The credentials issued to an educator, newest first.
    pub async fn issued_credentials(&self, educator: EducatorId) -> Result<Vec<IssuedRow>> {
        let rows = sqlx::query(
            "SELECT id, educator_id, credential, issued_at FROM issued_credentials WHERE educator_id = $1 ORDER BY issued_at DESC, id DESC",
        )
        .bind(educator.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get("credential")?;
                let credential: serde_json::Value =
                    parse_col("issued credential", serde_json::from_str(&text))?;
                Ok(IssuedRow {
                    id: r.try_get("id")?,
                    educator: EducatorId(r.try_get("educator_id")?),
                    name: credential["name"].as_str().unwrap_or_default().to_owned(),
                    issued_at: r.try_get("issued_at")?,
                    credential,
                })
            })
            .collect()
    }

    /// The district of a school, or for a reader of no school (a district leader) the
    /// installation's district: its id and name.
    pub async fn district_for(&self, school: Option<SchoolId>) -> Result<Option<(i64, String)>> {
        let row = match school {
            Some(s) => sqlx::query(
                "SELECT d.id, d.name FROM districts d JOIN schools s ON s.district_id = d.id WHERE s.id = $1",
            )
            .bind(s.0)
            .fetch_optional(&self.pool)
            .await?,
            None => sqlx::query("SELECT id, name FROM districts ORDER BY id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        };
        row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .transpose()
    }

    /// One submission of a district.
    pub async fn submission(&self, district: i64, id: i64) -> Result<Option<SubmissionRow>> {
        let sql = format!(
            "SELECT {SUBMISSION_COLS} FROM credential_submissions s
             JOIN micro_credentials m ON m.id = s.micro_credential_id
             JOIN educators e ON e.id = s.educator_id
             WHERE m.district_id = $1 AND s.id = $2"
        );
        sqlx::query(&sql)
            .bind(district)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(submission_row)
            .transpose()
    }

    /// Writes a catalog and its story (the demo's): each entry saved, each step's evidence
    /// submitted and, where the story says, decided by a leader of the educator's school — the
    /// same audited steps the pages take, so earned credentials are signed as any other.
    pub async fn write_credential_story(
        &self,
        district_sourced_id: &str,
        story: &CredentialStory,
    ) -> Result<()> {
        let actor = crate::Actor::command_line("demo");
        let district: i64 = sqlx::query_scalar("SELECT id FROM districts WHERE sourced_id = $1")
            .bind(district_sourced_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no district {district_sourced_id}")))?;
        let mut ids = Vec::new();
        for mc in &story.catalog {
            let e = actor.entry(crate::actions::CREDENTIAL_CATALOG, "micro_credential", None);
            ids.push((
                mc.code.clone(),
                self.save_micro_credential(district, mc, &e).await?,
            ));
        }
        for s in &story.steps {
            let mc = ids
                .iter()
                .find(|(c, _)| *c == s.credential)
                .map(|(_, id)| *id)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("no micro-credential {}", s.credential))
                })?;
            let r = sqlx::query(
                "SELECT e.id, (SELECT MIN(u.id) FROM users u WHERE u.school_id = e.school_id AND u.system_role = 'school_leader') AS leader
                 FROM educators e WHERE e.sourced_id = $1",
            )
            .bind(&s.educator)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no educator {}", s.educator)))?;
            let educator = EducatorId(r.try_get("id")?);
            let e = actor.entry(
                crate::actions::CREDENTIAL_SUBMIT,
                "credential_submission",
                None,
            );
            let sub = self
                .submit_evidence(mc, educator, &s.evidence, &s.links, &e)
                .await?;
            if let Some(d) = &s.decision {
                let leader: Option<i64> = r.try_get("leader")?;
                let leader = leader.ok_or_else(|| {
                    StoreError::Corrupt(format!("no leader for {}'s school", s.educator))
                })?;
                let e = actor.entry(
                    crate::actions::CREDENTIAL_DECIDE,
                    "credential_submission",
                    Some(sub),
                );
                self.decide_submission(
                    sub,
                    UserId(leader),
                    None,
                    &d.scores,
                    d.accept,
                    &d.feedback,
                    &e,
                )
                .await?;
            }
        }
        Ok(())
    }
}
