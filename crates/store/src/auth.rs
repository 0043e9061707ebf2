//! Accounts, sessions and API tokens. Secrets (session ids, tokens) are stored as SHA-256
//! digests; passwords as the PHC string the caller hashed.

use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_domain::access::{Principal, SystemRole};
use ensemble_domain::*;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh random secret: 32 bytes, hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// The account for an e-mail address: its id and password hash (if one is set).
    pub async fn login_lookup(&self, email: &str) -> Result<Option<(UserId, Option<String>)>> {
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email.trim().to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((UserId(r.try_get("id")?), r.try_get("password_hash")?)))
            .transpose()
    }

    /// Creates an account; refuses an e-mail address already in use.
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        role: SystemRole,
        school: Option<SchoolId>,
        educator: Option<EducatorId>,
        password_hash: Option<&str>,
    ) -> Result<UserId> {
        let r = sqlx::query("INSERT INTO users (email, display_name, password_hash, system_role, school_id, educator_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(email.trim().to_ascii_lowercase())
            .bind(display_name)
            .bind(password_hash.map(str::to_owned))
            .bind(role.as_str())
            .bind(school.map(|s| s.0))
            .bind(educator.map(|e| e.0))
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await;
        match r {
            Ok(row) => Ok(UserId(row.try_get("id")?)),
            Err(e) if crate::is_unique_violation(&e) => Err(StoreError::Conflict(format!(
                "an account for {email} already exists"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_password(&self, user: UserId, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The signed-in reader with the memberships that grant access (current terms only).
    pub async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        let Some(r) = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.system_role, u.school_id, u.educator_id, e.role_type, e.school_id AS educator_school
             FROM users u LEFT JOIN educators e ON e.id = u.educator_id WHERE u.id = $1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let educator: Option<i64> = r.try_get("educator_id")?;
        let role = r.try_get::<String, _>("system_role")?;
        let system_role = SystemRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("system role {role:?}")))?;
        let role_type = match r.try_get::<Option<String>, _>("role_type")? {
            Some(s) => Some(parse_col("role type", RoleType::parse(&s))?),
            None => None,
        };
        let school = r
            .try_get::<Option<i64>, _>("school_id")?
            .or(r.try_get::<Option<i64>, _>("educator_school")?);
        let (mut core_teams, mut extended_teams) = (Vec::new(), Vec::new());
        if let Some(e) = educator {
            let rows = sqlx::query(
                "SELECT t.id, t.kind FROM team_members m JOIN teams t ON t.id = m.team_id JOIN schools s ON s.id = t.school_id
                 WHERE m.educator_id = $1 AND t.term_id = s.current_term_id",
            )
            .bind(e)
            .fetch_all(&self.pool)
            .await?;
            for t in rows {
                let id = TeamId(t.try_get("id")?);
                match parse_col(
                    "team kind",
                    TeamKind::parse(&t.try_get::<String, _>("kind")?),
                )? {
                    TeamKind::Core => core_teams.push(id),
                    TeamKind::Extended => extended_teams.push(id),
                }
            }
        }
        Ok(Some(Principal {
            user,
            email: r.try_get("email")?,
            display_name: r.try_get("display_name")?,
            system_role,
            school: school.map(SchoolId),
            educator: educator.map(EducatorId),
            role_type,
            core_teams,
            extended_teams,
        }))
    }

    /// Starts a session; returns the session id (to put in the cookie) and its CSRF token.
    pub async fn create_session(&self, user: UserId, ttl_ms: i64) -> Result<(String, String)> {
        let (id, csrf) = (new_secret(), new_secret());
        let now = now_ms();
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(digest(&id))
            .bind(user.0)
            .bind(&csrf)
            .bind(now)
            .bind(now + ttl_ms)
            .execute(&self.pool)
            .await?;
        // Forget expired sessions now and then.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok((id, csrf))
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, id: &str) -> Result<Option<(UserId, String)>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(digest(id))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((UserId(r.try_get("user_id")?), r.try_get("csrf_token")?)))
            .transpose()
    }

    pub async fn delete_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(digest(id))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token for the account with this e-mail address; returns the token, shown
    /// once and stored only as a digest.
    pub async fn create_token(&self, email: &str, name: &str) -> Result<String> {
        let Some((user, _)) = self.login_lookup(email).await? else {
            return Err(StoreError::Conflict(format!(
                "no account has the e-mail address {email}"
            )));
        };
        let token = format!("ens_{}", new_secret());
        sqlx::query("INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user.0)
            .bind(digest(&token))
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    /// The account a bearer token belongs to.
    pub async fn token_user(&self, token: &str) -> Result<Option<UserId>> {
        let hash = digest(token);
        let Some(row) =
            sqlx::query("SELECT user_id, last_used_at FROM api_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        // Record use at minute resolution: a write per request would serialise readers on SQLite.
        let now = now_ms();
        if row
            .try_get::<Option<i64>, _>("last_used_at")?
            .is_none_or(|t| now - t > 60_000)
        {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(UserId(row.try_get("user_id")?)))
    }
}
