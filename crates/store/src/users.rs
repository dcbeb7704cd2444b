//! Team members: creation, lookup by id, email or full name, passwords, and user imports.

use crate::audit::record;
use crate::rows::{USER_COLUMNS, UserRow};
use crate::{Result, Store, StoreError};
use sherpa_core::text::fold;
use sherpa_core::*;
use sqlx::AnyConnection;

fn user_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "email": u.email, "name": u.name, "function": u.function, "role": u.role,
        "manager_id": u.manager_id.map(|m| m.to_string()), "active": u.active,
        "time_zone": u.time_zone,
    })
}

pub(crate) async fn user_by_email(conn: &mut AnyConnection, email: &Email) -> Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(User::try_from).transpose()?)
}

/// How the lookup below says nobody has the name or email.
pub(crate) const NO_TEAM_MEMBER: &str = "no team member ";

/// Finds the one team member a reference names; a full name shared by two people is ambiguous.
pub(crate) async fn resolve_person(
    conn: &mut AnyConnection,
    person: &PersonRef,
) -> Result<UserId, String> {
    let ids: Vec<(i64,)> = match person {
        PersonRef::Id(id) => {
            sqlx::query_as("SELECT id FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_all(conn)
                .await
        }
        PersonRef::Email(e) => {
            sqlx::query_as("SELECT id FROM users WHERE email = $1")
                .bind(e.as_str())
                .fetch_all(conn)
                .await
        }
        PersonRef::Name(n) => {
            sqlx::query_as("SELECT id FROM users WHERE name_key = $1 LIMIT 2")
                .bind(fold(n))
                .fetch_all(conn)
                .await
        }
    }
    .map_err(|e| format!("could not look up {person}: {e}"))?;
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    the_one(person, &ids)
}

/// The member a reference names, from the members it matched: one, nobody, or a name shared.
fn the_one(person: &PersonRef, ids: &[i64]) -> Result<UserId, String> {
    match ids {
        [id] => Ok(UserId(*id)),
        [] => Err(format!(
            "{NO_TEAM_MEMBER}{person}; add them first (sherpa user add or import users)"
        )),
        _ => Err(format!(
            "{person} names more than one team member; use their email instead"
        )),
    }
}

/// The whole team by id, email and folded name, read once: a file of 100,000 rows finds its
/// owners here, by the same rule as [`resolve_person`], not with a statement each.
#[derive(Default)]
pub(crate) struct Team {
    ids: std::collections::HashSet<i64>,
    by_email: std::collections::HashMap<String, i64>,
    by_name: std::collections::HashMap<String, Vec<i64>>,
}

impl Team {
    pub async fn read(conn: &mut AnyConnection) -> Result<Team> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, email, name_key FROM users ORDER BY id")
                .fetch_all(conn)
                .await?;
        let mut team = Team::default();
        for (id, email, name_key) in rows {
            team.ids.insert(id);
            team.by_email.insert(email, id);
            team.by_name.entry(name_key).or_default().push(id);
        }
        Ok(team)
    }

    pub fn resolve(&self, person: &PersonRef) -> Result<UserId, String> {
        let ids: Vec<i64> = match person {
            PersonRef::Id(id) => self.ids.get(&id.0).copied().into_iter().collect(),
            PersonRef::Email(e) => self.by_email.get(e.as_str()).copied().into_iter().collect(),
            PersonRef::Name(n) => self.by_name.get(&fold(n)).cloned().unwrap_or_default(),
        };
        the_one(person, &ids)
    }
}

impl Store {
    /// The team member a form or filter names by id, email or full name.
    pub async fn find_person(&self, person: &PersonRef) -> Result<UserId> {
        let mut conn = self.pool.acquire().await?;
        resolve_person(&mut conn, person)
            .await
            .map_err(|m| StoreError::invalid("person", m))
    }

    /// Sets a person's time zone (checked by the caller); none follows the team's.
    pub async fn set_time_zone(
        &self,
        actor: &Actor,
        user: UserId,
        zone: Option<&str>,
    ) -> Result<User> {
        let before = self.user(user).await?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3")
            .bind(zone)
            .bind(&now)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        let after = User {
            time_zone: zone.map(str::to_string),
            ..before.clone()
        };
        record(
            &mut tx,
            &now,
            actor,
            "update",
            "user",
            user.0,
            Some(&user_json(&before)),
            Some(&user_json(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Names of these team members, for the owners shown on a page.
    pub async fn user_names(
        &self,
        ids: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, String>> {
        let mut ids: Vec<UserId> = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut args = crate::sql::Args::default();
        let marks: Vec<String> = ids
            .iter()
            .map(|u| args.push(crate::sql::Arg::Int(u.0)))
            .collect();
        let rows: Vec<(i64, String)> = sqlx::query_as_with(
            &format!(
                "SELECT id, name FROM users WHERE id IN ({})",
                marks.join(", ")
            ),
            args.into_arguments(),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, n)| (UserId(id), n)).collect())
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(User::try_from)
            .transpose()?
            .ok_or_else(|| StoreError::not_found("user", id))
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let mut conn = self.pool.acquire().await?;
        user_by_email(&mut conn, email).await
    }

    /// Every team member, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY name_key, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(User::try_from)
            .collect::<Result<_, _>>()?)
    }

    /// Adds a team member, or updates the one with that email; `password_hash` is an argon2id
    /// PHC string (never a password).
    pub async fn upsert_user(
        &self,
        actor: &Actor,
        input: &UserInput,
        password_hash: Option<&str>,
    ) -> Result<User> {
        let mut tx = self.write_tx().await?;
        let manager = match &input.manager_email {
            Some(m) => Some(
                resolve_person(&mut tx, &PersonRef::Email(m.clone()))
                    .await
                    .map_err(|e| StoreError::invalid("manager", e))?,
            ),
            None => None,
        };
        let patch = UserPatch {
            email: input.email.clone(),
            name: Some(input.name.clone()),
            function: Some(input.function),
            role: Some(input.role),
            manager: Some(manager.map(PersonRef::Id)),
            active: Some(input.active),
        };
        let (user, _) = upsert_user(&mut tx, &self.now(), actor, &patch, manager.map(Some)).await?;
        if let Some(hash) = password_hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user.id.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// The stored argon2 hash of a user's password, for login.
    pub async fn password_hash(&self, email: &Email) -> Result<Option<(UserId, String)>> {
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1 AND active = 1")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(id, h)| h.map(|h| (UserId(id), h))))
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Created,
    Updated,
    Unchanged,
}

/// Creates or updates the user with the patch's email; `manager` is the resolved manager.
pub(crate) async fn upsert_user(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    p: &UserPatch,
    manager: Option<Option<UserId>>,
) -> Result<(User, Change)> {
    let existing = user_by_email(conn, &p.email).await?;
    let next = User {
        time_zone: existing.as_ref().and_then(|u| u.time_zone.clone()),
        id: existing.as_ref().map(|u| u.id).unwrap_or(UserId(0)),
        email: p.email.clone(),
        name: p
            .name
            .clone()
            .or(existing.as_ref().map(|u| u.name.clone()))
            .unwrap_or_else(|| {
                p.email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .replace('.', " ")
            }),
        function: p
            .function
            .or(existing.as_ref().map(|u| u.function))
            .unwrap_or(Function::Csm),
        role: p
            .role
            .or(existing.as_ref().map(|u| u.role))
            .unwrap_or(Role::Viewer),
        manager_id: match manager {
            Some(m) => m,
            None => existing.as_ref().and_then(|u| u.manager_id),
        },
        active: p
            .active
            .or(existing.as_ref().map(|u| u.active))
            .unwrap_or(true),
    };
    match existing {
        Some(old) if old == next => Ok((old, Change::Unchanged)),
        Some(old) => {
            if next.manager_id == Some(old.id) {
                return Err(StoreError::invalid(
                    "manager",
                    "a person cannot be their own manager",
                ));
            }
            sqlx::query(
                "UPDATE users SET name = $1, name_key = $2, function = $3, role = $4, manager_id = $5, active = $6, \
                 updated_at = $7 WHERE id = $8",
            )
            .bind(&next.name)
            .bind(fold(&next.name))
            .bind(next.function.as_str())
            .bind(next.role.as_str())
            .bind(next.manager_id.map(|m| m.0))
            .bind(next.active as i64)
            .bind(now)
            .bind(old.id.0)
            .execute(&mut *conn)
            .await?;
            record(
                conn,
                now,
                actor,
                "update",
                "user",
                old.id,
                Some(&user_json(&old)),
                Some(&user_json(&next)),
            )
            .await?;
            crate::pending_owners::claim(conn, now, actor, &next).await?;
            Ok((next, Change::Updated))
        }
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (email, name, name_key, function, role, manager_id, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(next.email.as_str())
            .bind(&next.name)
            .bind(fold(&next.name))
            .bind(next.function.as_str())
            .bind(next.role.as_str())
            .bind(next.manager_id.map(|m| m.0))
            .bind(next.active as i64)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            let user = User {
                id: UserId(id),
                ..next
            };
            record(
                conn,
                now,
                actor,
                "create",
                "user",
                id,
                None,
                Some(&user_json(&user)),
            )
            .await?;
            crate::pending_owners::claim(conn, now, actor, &user).await?;
            Ok((user, Change::Created))
        }
    }
}
