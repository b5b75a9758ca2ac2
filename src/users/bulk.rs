//! `POST /users/bulk`: users upserted by `external_id` (from an HR system or the ERP), up to
//! 1,000 at a time, with the rules of a single create or change checked for every row at once.
//! A user created in bulk has no usable password until an admin sets one.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{User, UserChanges, UserRecord, UserRow};
use super::write::{ends_sessions, loses_admin};
use crate::auth::api::normalize_email;
use crate::auth::{sessions, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::{FactRow, RowErrors, RowOutcome, RowResult};
use crate::http::date::patch_day;
use crate::masterdata::bulk::{self, differs, reject, Bulk, Keyed};
use crate::masterdata::known_units;

/// One user to upsert. `hired_on` or `active` left out keep their stored value (none and
/// `true` for a new user); `hired_on: null` clears the day.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBulkRow {
    /// The user's id in the HR system or ERP: a later upload with the same id updates them.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    /// Unique, case-insensitively.
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// A role change ends the user's sessions.
    pub role: Role,
    pub org_unit_id: Id,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub hired_on: Option<Option<NaiveDate>>,
    /// `false` deactivates the user and ends every session.
    pub active: Option<bool>,
}

impl Keyed for UserBulkRow {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// A batch of users to upsert by `external_id`.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBatch {
    /// 1 to 1,000 users.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<UserBulkRow>,
}

impl FactRow for User {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &User) -> bool {
        self.email == other.email
            && self.name == other.name
            && self.role == other.role
            && self.org_unit_id == other.org_unit_id
            && self.hired_on == other.hired_on
            && self.active == other.active
            && self.external_id == other.external_id
    }
}

impl Bulk for User {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> ApiResult<HashMap<String, User>> {
        UserRow::by_external_ids(conn, ext_ids)?
            .into_iter()
            .map(|(ext, row)| Ok((ext, User::try_from(row)?)))
            .collect()
    }

    fn changes(stored: &User, wanted: &User, _now: Timestamp) -> UserChanges {
        let email = differs(&stored.email, &wanted.email);
        UserChanges {
            email_normalized: email.as_deref().map(normalize_email),
            email,
            name: differs(&stored.name, &wanted.name),
            role: (stored.role != wanted.role).then(|| wanted.role.as_str().to_string()),
            org_unit_id: differs(&stored.org_unit_id, &wanted.org_unit_id),
            hired_on: differs(&stored.hired_on, &wanted.hired_on),
            active: differs(&stored.active, &wanted.active),
            external_id: differs(&stored.external_id, &wanted.external_id),
        }
    }
}

/// Adds an error for each stored user an integration may not change: admins are changed by
/// admins only.
fn check_stored(caller: &Caller, found: &[(usize, &User)], errors: &mut RowErrors) {
    if caller.is(Role::Admin) {
        return;
    }
    for (i, user) in found {
        if user.role == Role::Admin {
            errors.add(
                *i,
                "external_id",
                "belongs to an admin; only admins change admins",
            );
        }
    }
}

/// Checks every row as a single create or change would be checked; every problem at once.
fn check(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: &[UserBulkRow],
    stored: &HashMap<String, User>,
) -> ApiResult<()> {
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    let units: Vec<Id> = rows.iter().map(|r| r.org_unit_id).collect();
    let units = known_units(conn, &units)?;
    let emails: Vec<String> = rows.iter().map(|r| normalize_email(&r.email)).collect();
    let holders = UserRow::external_ids_by_email(conn, &emails)?;
    let mut seen = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let email = &emails[i];
        // A holder with this row's external id is this user (perhaps just inserted by a
        // concurrent batch).
        let holder = holders.get(email);
        if !seen.insert(email.as_str()) {
            errors.add(i, "email", "appears twice in the batch");
        } else if holder.is_some_and(|h| h.as_deref() != Some(r.external_id.as_str())) {
            errors.add(i, "email", "another user has this email");
        }
        if !units.contains(&r.org_unit_id) {
            errors.add(i, "org_unit_id", "no such org unit");
        }
        if r.role == Role::Admin && !caller.is(Role::Admin) {
            errors.add(i, "role", "only admins make admins");
        }
    }
    let found: Vec<(usize, &User)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| stored.get(&r.external_id).map(|u| (i, u)))
        .collect();
    check_stored(caller, &found, &mut errors);
    // The company keeps an active admin who can log in (a new admin of a batch has no
    // password yet, so it does not count).
    let losing: Vec<(usize, &UserBulkRow)> = found
        .iter()
        .filter(|(i, u)| loses_admin(u, Some(rows[*i].role), rows[*i].active))
        .map(|(i, _)| (*i, &rows[*i]))
        .collect();
    if !losing.is_empty() && UserRow::count_active_admins(conn)? <= losing.len() as i64 {
        for (i, r) in losing {
            let field = if r.active == Some(false) {
                "active"
            } else {
                "role"
            };
            errors.add(
                i,
                field,
                "this is the last active admin; make another admin first",
            );
        }
    }
    reject(errors)
}

fn build(r: UserBulkRow, existing: Option<&User>, now: Timestamp) -> User {
    User {
        id: existing.map(|u| u.id).unwrap_or_default(),
        email: r.email.trim().to_string(),
        name: r.name.trim().to_string(),
        role: r.role,
        org_unit_id: r.org_unit_id,
        hired_on: r
            .hired_on
            .unwrap_or_else(|| existing.and_then(|u| u.hired_on)),
        active: r
            .active
            .unwrap_or_else(|| existing.is_none_or(|u| u.active)),
        external_id: Some(r.external_id),
        version: existing.map_or(1, |u| u.version),
        created_at: existing.map_or(now, |u| u.created_at),
        updated_at: now,
    }
}

/// Upserts a batch of users by `external_id`, all or nothing (run it inside a transaction):
/// every created or changed user is recorded through the write path, and a role change or a
/// deactivation ends the user's sessions. New users get `unusable_hash` (a hash of random
/// bytes nobody knows) as their password hash, so they cannot log in until an admin sets a
/// password.
pub fn upsert(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: Vec<UserBulkRow>,
    unusable_hash: &str,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let stored = bulk::stored_rows::<User>(conn, &ext_ids)?;
    check(conn, caller, &rows, &stored)?;
    let ending: HashSet<Id> = rows
        .iter()
        .filter_map(|r| {
            stored
                .get(&r.external_id)
                .filter(|u| ends_sessions(u, Some(r.role), r.active))
                .map(|u| u.id)
        })
        .collect();
    let results = bulk::upsert(
        conn,
        now,
        rows,
        stored,
        |_, found| {
            let mut errors = RowErrors::default();
            check_stored(caller, found, &mut errors);
            reject(errors)
        },
        |r, existing| build(r, existing, now),
        |u| UserRecord {
            id: u.id,
            email: u.email.clone(),
            email_normalized: normalize_email(&u.email),
            name: u.name.clone(),
            role: u.role.as_str(),
            org_unit_id: u.org_unit_id,
            hired_on: u.hired_on,
            active: u.active,
            password_hash: unusable_hash.to_string(),
            external_id: u.external_id.clone(),
            created_at: now,
            updated_at: now,
        },
    )?;
    for r in &results {
        if r.outcome == RowOutcome::Updated && ending.contains(&r.id) {
            sessions::revoke_all(conn, r.id, now)?;
        }
    }
    Ok(results)
}
