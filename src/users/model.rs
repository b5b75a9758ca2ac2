//! User rows and the queries on them.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::Cursor;
use crate::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub role: String,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    pub active: bool,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub org_unit_id: Id,
    /// The day the user joined (drives `new_hire` flags).
    pub hired_on: Option<NaiveDate>,
    /// Deactivated users cannot log in; users are never deleted.
    pub active: bool,
    /// The id of the user in the ERP or HR system, unique among users.
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<UserRow> for User {
    type Error = ApiError;
    fn try_from(r: UserRow) -> ApiResult<User> {
        Ok(User {
            id: r.id,
            role: r.role.parse().map_err(|e: String| anyhow::anyhow!(e))?,
            email: r.email,
            name: r.name,
            org_unit_id: r.org_unit_id,
            hired_on: r.hired_on,
            active: r.active,
            external_id: r.external_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

// A user's changes reach the user and whoever reaches them (through their current unit).
crate::mirrored!(User, "user", |v| Scope {
    owner: Some(v.id),
    ..Default::default()
});

/// A user to insert without recording it (the first admin, demo data); the write path inserts
/// [`UserRecord`]s.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Id,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    pub active: bool,
    pub password_hash: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user to insert through the write path (`users::write`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct UserRecord {
    pub id: Id,
    pub email: String,
    pub email_normalized: String,
    pub name: String,
    pub role: &'static str,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    pub active: bool,
    pub password_hash: String,
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub org_unit_id: Option<Id>,
    pub hired_on: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
    pub external_id: Option<Option<String>>,
}

/// Filters of the user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub org_unit_ids: Option<Vec<Id>>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub external_id: Option<String>,
    pub updated_since: Option<Timestamp>,
}

impl UserRow {
    pub fn insert(conn: &mut DbConnection, new: NewUser<'_>) -> QueryResult<UserRow> {
        diesel::insert_into(users::table)
            .values(&new)
            .execute(conn)?;
        users::table
            .find(new.id)
            .select(UserRow::as_select())
            .first(conn)
    }

    /// The users with these ids (any order).
    pub fn by_ids(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<Vec<UserRow>> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(500) {
            rows.extend(
                users::table
                    .filter(users::id.eq_any(chunk.to_vec()))
                    .select(UserRow::as_select())
                    .load(conn)?,
            );
        }
        Ok(rows)
    }

    /// The users with these external ids, by external id.
    pub fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> QueryResult<HashMap<String, UserRow>> {
        let mut found = HashMap::new();
        for chunk in ext_ids.chunks(500) {
            let rows: Vec<UserRow> = users::table
                .filter(
                    users::external_id
                        .eq_any(chunk.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
                )
                .select(UserRow::as_select())
                .load(conn)?;
            found.extend(
                rows.into_iter()
                    .filter_map(|r| r.external_id.clone().map(|e| (e, r))),
            );
        }
        Ok(found)
    }

    /// The external ids of the users with these normalised emails, by normalised email.
    pub fn external_ids_by_email(
        conn: &mut DbConnection,
        emails: &[String],
    ) -> QueryResult<HashMap<String, Option<String>>> {
        let mut found = HashMap::new();
        for chunk in emails.chunks(500) {
            found.extend(
                users::table
                    .filter(users::email_normalized.eq_any(chunk.to_vec()))
                    .select((users::email_normalized, users::external_id))
                    .load::<(String, Option<String>)>(conn)?,
            );
        }
        Ok(found)
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<UserRow> {
        users::table
            .find(id)
            .select(UserRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("user"))
    }

    /// A user within the caller's reach (404 otherwise).
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<UserRow> {
        let row = Self::find(conn, id)?;
        if caller.reaches(row.id, row.org_unit_id) {
            Ok(row)
        } else {
            Err(ApiError::not_found("user"))
        }
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        filter: &UserFilter,
        page: Cursor,
    ) -> QueryResult<Vec<UserRow>> {
        let mut q = users::table.select(UserRow::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                users::id
                    .eq(caller.user_id)
                    .or(users::org_unit_id.eq_any(caller.reach.unit_ids.clone())),
            );
        }
        if let Some(role) = filter.role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        if let Some(units) = &filter.org_unit_ids {
            q = q.filter(users::org_unit_id.eq_any(units.clone()));
        }
        if let Some(active) = filter.active {
            q = q.filter(users::active.eq(active));
        }
        if let Some(text) = &filter.q {
            let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
            q = q.filter(
                users::email_normalized
                    .like(pattern.clone())
                    .or(
                        diesel::dsl::sql::<diesel::sql_types::Bool>("LOWER(name) LIKE ")
                            .bind::<diesel::sql_types::Text, _>(pattern),
                    ),
            );
        }
        if let Some(ext) = &filter.external_id {
            q = q.filter(users::external_id.eq(ext.clone()));
        }
        crate::filter_updated_since!(q, users::updated_at, filter.updated_since);
        if let Some(after) = page.after {
            q = q.filter(users::id.gt(after));
        }
        q.order(users::id).limit(page.fetch()).load(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &UserChanges,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            users::table
                .filter(users::id.eq(id))
                .filter(users::version.eq(expected)),
        )
        .set((
            changes,
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn set_password(
        conn: &mut DbConnection,
        id: Id,
        hash: &str,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::version.eq(users::version + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn count_active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
        users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::active.eq(true))
            .count()
            .get_result(conn)
    }

    pub fn any(conn: &mut DbConnection) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)
    }
}
