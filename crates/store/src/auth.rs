//! Accounts, sessions and API tokens. Secrets (session ids, tokens) are stored as SHA-256
//! digests; passwords as the PHC string the caller hashed.

use crate::audit::{self, AuditEntry};
use crate::cache::{Fresh, Slot, Value};
use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_domain::access::{Principal, SystemRole};
use ensemble_domain::*;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh random secret: 32 bytes, hex.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// An account as its school's leaders see it.
#[derive(Clone, Debug)]
pub struct AccountRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: SystemRole,
    /// The role type of the educator the account belongs to, if any.
    pub role_type: Option<RoleType>,
    pub has_password: bool,
    /// When the account's last sign-in link stops working (ms since the epoch), if one is open.
    pub link_expires_at: Option<i64>,
}

/// A sign-in link just made: its secret, and the account it opens.
#[derive(Clone, Debug)]
pub struct SignInLink {
    pub secret: String,
    pub email: String,
    pub name: String,
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

    /// Creates an account, with its audit entry; refuses an e-mail address already in use.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        role: SystemRole,
        school: Option<SchoolId>,
        educator: Option<EducatorId>,
        password_hash: Option<&str>,
        entry: &AuditEntry,
    ) -> Result<UserId> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("INSERT INTO users (email, display_name, password_hash, system_role, school_id, educator_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(email.trim().to_ascii_lowercase())
            .bind(display_name)
            .bind(password_hash.map(str::to_owned))
            .bind(role.as_str())
            .bind(school.map(|s| s.0))
            .bind(educator.map(|e| e.0))
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await;
        match r {
            Ok(row) => {
                let id: i64 = row.try_get("id")?;
                let mut entry = entry.clone();
                entry.target_id = Some(id);
                audit::write(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(UserId(id))
            }
            Err(e) if crate::is_unique_violation(&e) => Err(StoreError::Conflict(format!(
                "an account for {email} already exists"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// A school's accounts: its leaders and its educators', with whether each has a password.
    pub async fn school_accounts(&self, school: SchoolId) -> Result<Vec<AccountRow>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.system_role, e.role_type,
                    CAST(CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_password, u.link_expires_at
             FROM users u LEFT JOIN educators e ON e.id = u.educator_id
             WHERE u.school_id = $1 OR e.school_id = $1
             ORDER BY u.system_role DESC, u.display_name, u.id",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("system_role")?;
                Ok(AccountRow {
                    id: UserId(r.try_get("id")?),
                    email: r.try_get("email")?,
                    name: r.try_get("display_name")?,
                    role: SystemRole::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("system role {role:?}")))?,
                    role_type: r
                        .try_get::<Option<String>, _>("role_type")?
                        .as_deref()
                        .and_then(|t| RoleType::parse(t).ok()),
                    has_password: r.try_get::<i64, _>("has_password")? == 1,
                    link_expires_at: r.try_get("link_expires_at")?,
                })
            })
            .collect()
    }

    /// Makes a one-time sign-in link for an account (of `school`, when given; a new link
    /// replaces the account's last): returns its secret, which is kept only as a digest. `None`
    /// when there is no such account (of the school). Audited in the same transaction.
    pub async fn make_sign_in_link(
        &self,
        user: UserId,
        school: Option<SchoolId>,
        valid_ms: i64,
        entry: &AuditEntry,
    ) -> Result<Option<String>> {
        Ok(self
            .make_sign_in_link_for(user, school, valid_ms, |_| entry.clone())
            .await?
            .map(|l| l.secret))
    }

    /// As [`Store::make_sign_in_link`], and returns the account the link opens too, read in
    /// the same statement; the audit entry is made from the account's e-mail address.
    pub async fn make_sign_in_link_for(
        &self,
        user: UserId,
        school: Option<SchoolId>,
        valid_ms: i64,
        entry: impl FnOnce(&str) -> AuditEntry,
    ) -> Result<Option<SignInLink>> {
        let mut tx = self.begin_write().await?;
        let secret = new_secret();
        let of_school = if school.is_some() {
            " AND (school_id = $4 OR educator_id IN (SELECT id FROM educators WHERE school_id = $4))"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE users SET link_hash = $1, link_expires_at = $2 WHERE id = $3{of_school}
             RETURNING email, display_name"
        );
        let mut q = sqlx::query(&sql)
            .bind(digest(&secret))
            .bind(now_ms().saturating_add(valid_ms))
            .bind(user.0);
        if let Some(s) = school {
            q = q.bind(s.0);
        }
        let Some(r) = q.fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let link = SignInLink {
            secret,
            email: r.try_get("email")?,
            name: r.try_get("display_name")?,
        };
        let mut e = entry(&link.email);
        e.target_id = Some(user.0);
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(Some(link))
    }

    /// The account a sign-in link opens (its e-mail address and name), while the link works.
    pub async fn sign_in_link(&self, secret: &str) -> Result<Option<(UserId, String, String)>> {
        let r = sqlx::query(
            "SELECT id, email, display_name FROM users WHERE link_hash = $1 AND link_expires_at > $2",
        )
        .bind(digest(secret))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok((
                UserId(r.try_get("id")?),
                r.try_get("email")?,
                r.try_get("display_name")?,
            ))
        })
        .transpose()
    }

    /// Uses a sign-in link: the account's password becomes `password_hash`, the link stops
    /// working, and the account's other sessions end (a changed password signs everyone else
    /// out). `None` when the link does not work (used, replaced or expired). Audited.
    pub async fn use_sign_in_link(
        &self,
        secret: &str,
        password_hash: &str,
        entry: &AuditEntry,
    ) -> Result<Option<UserId>> {
        let mut tx = self.begin_write().await?;
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET password_hash = $1, link_hash = NULL, link_expires_at = NULL
             WHERE link_hash = $2 AND link_expires_at > $3 RETURNING id",
        )
        .bind(password_hash)
        .bind(digest(secret))
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let mut e = entry.clone();
        e.user = Some(UserId(user));
        e.target_id = Some(user);
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(Some(UserId(user)))
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
                    // Specials teachers see students in the schedule, not through a roster.
                    TeamKind::Specials => {}
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

    /// Starts a session, with its audit entry (the sign-in); returns the session id (to put
    /// in the cookie) and its CSRF token. The session ends `absolute_ms` from now at the latest.
    pub async fn create_session(
        &self,
        user: UserId,
        absolute_ms: i64,
        entry: &AuditEntry,
    ) -> Result<(String, String)> {
        let (id, csrf) = (new_secret(), new_secret());
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)")
            .bind(digest(&id))
            .bind(user.0)
            .bind(&csrf)
            .bind(now)
            .bind(now.saturating_add(absolute_ms))
            .execute(&mut *tx)
            .await?;
        audit::write(&mut tx, entry).await?;
        // Forget ended sessions now and then.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((id, csrf))
    }

    /// The user and CSRF token of a live session: not past its absolute end, and used within
    /// the last `idle_ms`. Marks it used (at most once a minute, so that reading pages does not
    /// write on every request).
    pub async fn session(&self, id: &str, idle_ms: i64) -> Result<Option<(UserId, String)>> {
        Ok(self
            .live_session(id, idle_ms)
            .await?
            .map(|(user, csrf, _)| (user, csrf)))
    }

    /// A live session's user and CSRF token, and the data version read in the same statement.
    async fn live_session(
        &self,
        id: &str,
        idle_ms: i64,
    ) -> Result<Option<(UserId, String, Fresh)>> {
        let now = now_ms();
        let hash = digest(id);
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.last_seen_at, v.version FROM sessions s, data_versions v
             WHERE v.name = 'school' AND s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
        )
        .bind(&hash)
        .bind(now)
        .bind(now.saturating_sub(idle_ms))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        if now - r.try_get::<i64, _>("last_seen_at")? > 60_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some((
            UserId(r.try_get("user_id")?),
            r.try_get("csrf_token")?,
            Fresh(r.try_get("version")?),
        )))
    }

    /// The reader behind a live session (see [`Store::session`]), with its CSRF token and the
    /// data version read in the same statement.
    pub async fn session_principal(
        &self,
        id: &str,
        idle_ms: i64,
    ) -> Result<Option<(Principal, String, Fresh)>> {
        let Some((user, csrf, fresh)) = self.live_session(id, idle_ms).await? else {
            return Ok(None);
        };
        Ok(self
            .principal_at(fresh, user)
            .await?
            .map(|p| (p, csrf, fresh)))
    }

    /// The reader behind a live API token, with the data version read in the same statement.
    pub async fn token_principal(&self, token: &str) -> Result<Option<(Principal, Fresh)>> {
        let Some((user, fresh)) = self.live_token(token).await? else {
            return Ok(None);
        };
        Ok(self.principal_at(fresh, user).await?.map(|p| (p, fresh)))
    }

    /// A live token's user (not expired, not revoked), and the data version read in the same
    /// statement.
    async fn live_token(&self, token: &str) -> Result<Option<(UserId, Fresh)>> {
        let hash = digest(token);
        let now = now_ms();
        let Some(row) = sqlx::query(
            "SELECT t.user_id, t.last_used_at, v.version FROM api_tokens t, data_versions v
             WHERE v.name = 'school' AND t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        // Record use at minute resolution: a write per request would serialise readers on SQLite.
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
        Ok(Some((
            UserId(row.try_get("user_id")?),
            Fresh(row.try_get("version")?),
        )))
    }

    /// [`Store::principal`], from memory when read at this version.
    pub async fn principal_at(&self, fresh: Fresh, user: UserId) -> Result<Option<Principal>> {
        if let Some(Value::Principal(p)) = self.cache.get(fresh, &Slot::Principal(user)) {
            return Ok(Some(p));
        }
        let p = self.principal(user).await?;
        if let Some(p) = &p {
            self.cache
                .put(fresh, Slot::Principal(user), Value::Principal(p.clone()));
        }
        Ok(p)
    }

    /// Ends a session on the server, with its audit entry when given (a sign-out; an old
    /// session replaced at sign-in has none).
    pub async fn delete_session(&self, id: &str, entry: Option<&AuditEntry>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(digest(id))
            .execute(&mut *tx)
            .await?;
        if let Some(e) = entry {
            audit::write(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates an API token for the account with this e-mail address, valid for `days` days,
    /// with its audit entry; returns the token (shown once, stored only as a digest) and its
    /// record.
    pub async fn create_token(
        &self,
        email: &str,
        name: &str,
        days: u32,
        entry: &AuditEntry,
    ) -> Result<(String, TokenRow)> {
        let Some((user, _)) = self.login_lookup(email).await? else {
            return Err(StoreError::Conflict(format!(
                "no account has the e-mail address {email}"
            )));
        };
        let token = format!("ens_{}", new_secret());
        let now = now_ms();
        let expires = now.saturating_add(i64::from(days).saturating_mul(DAY_MS));
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user.0)
            .bind(digest(&token))
            .bind(name)
            .bind(now)
            .bind(expires)
            .fetch_one(&mut *tx)
            .await?;
        let mut entry = entry.clone();
        entry.target_id = Some(id);
        entry.detail = format!("token {id} ({name}) for {email}, valid {days} days");
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        let row = TokenRow {
            id,
            email: email.trim().to_ascii_lowercase(),
            name: name.to_owned(),
            created_at: now,
            last_used_at: None,
            expires_at: expires,
            revoked_at: None,
        };
        Ok((token, row))
    }

    /// The account a live bearer token belongs to (not expired, not revoked).
    pub async fn token_user(&self, token: &str) -> Result<Option<UserId>> {
        Ok(self.live_token(token).await?.map(|(user, _)| user))
    }

    /// The tokens of one account (every account's for `None`), newest first.
    pub async fn tokens(&self, email: Option<&str>) -> Result<Vec<TokenRow>> {
        let rows = sqlx::query(
            "SELECT t.id, u.email, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ($1 = '' OR u.email = $1) ORDER BY t.id DESC",
        )
        .bind(email.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    expires_at: r.try_get::<Option<i64>, _>("expires_at")?.unwrap_or(0),
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes a token at once, with its audit entry. Revoking twice is refused.
    pub async fn revoke_token(&self, id: i64, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "live API token",
                id,
            });
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Failed sign-ins counted under each key (digests of the keys are stored): the number of
    /// failures and the time of the last one, for keys that have any.
    pub async fn throttle_counts(&self, keys: &[String]) -> Result<Vec<(u32, i64)>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let row = sqlx::query(
                "SELECT failures, last_failure_at FROM login_throttle WHERE key_hash = $1",
            )
            .bind(digest(k))
            .fetch_optional(&self.pool)
            .await?;
            out.push(match row {
                Some(r) => (
                    u32::try_from(r.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
                    r.try_get("last_failure_at")?,
                ),
                None => (0, 0),
            });
        }
        Ok(out)
    }

    /// Counts a failed sign-in under each key, with its audit entry. A count whose last
    /// failure is older than `forget_ms` starts again from one.
    pub async fn throttle_failed(
        &self,
        keys: &[String],
        forget_ms: i64,
        entry: &AuditEntry,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        for k in keys {
            sqlx::query(
                "INSERT INTO login_throttle (key_hash, failures, last_failure_at) VALUES ($1, 1, $2)
                 ON CONFLICT (key_hash) DO UPDATE SET
                   failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 ELSE login_throttle.failures + 1 END,
                   last_failure_at = excluded.last_failure_at",
            )
            .bind(digest(k))
            .bind(now)
            .bind(now.saturating_sub(forget_ms))
            .execute(&mut *tx)
            .await?;
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failures counted under these keys (after a successful sign-in).
    pub async fn throttle_clear(&self, keys: &[String]) -> Result<()> {
        for k in keys {
            sqlx::query("DELETE FROM login_throttle WHERE key_hash = $1")
                .bind(digest(k))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Remembers a device that signed in to an account; returns the device cookie's value.
    pub async fn remember_device(&self, user: UserId, ttl_ms: i64) -> Result<String> {
        let id = new_secret();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO login_devices (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(digest(&id))
        .bind(user.0)
        .bind(now)
        .bind(now.saturating_add(ttl_ms))
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM login_devices WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// The account a device cookie was given to, if it is still valid.
    pub async fn device_user(&self, id: &str) -> Result<Option<UserId>> {
        let user: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM login_devices WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(digest(id))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(user.map(UserId))
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// An API token as listed (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}
