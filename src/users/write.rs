//! The writes of a user: a single create ([`create`]) or change ([`change`]), a password set
//! ([`set_password`]) and a dealer link ([`link_dealer`]) check what they must and go through
//! the write path of master data ([`store::insert`], [`store::apply`]), as the bulk upsert
//! (`bulk.rs`) does, so that each of them is a `user.created` or `user.updated` change.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{User, UserChanges, UserRecord, UserRow};
use crate::auth::api::normalize_email;
use crate::auth::{sessions, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::date::{opt_day, patch_day};
use crate::http::input::double_option;
use crate::masterdata::known_units;
use crate::masterdata::store::{self, in_order, Stored};
use crate::schema::users;

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique, case-insensitively.
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub role: Role,
    pub org_unit_id: Id,
    #[serde(default, deserialize_with = "opt_day")]
    pub hired_on: Option<NaiveDate>,
    /// The initial password (at least 10 characters); the user should change it.
    #[validate(length(min = 10, max = 200))]
    pub password: String,
    /// The id of the user in the ERP or HR system, unique among users.
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(email, length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// A role change ends the user's sessions.
    pub role: Option<Role>,
    pub org_unit_id: Option<Id>,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub hired_on: Option<Option<NaiveDate>>,
    /// `false` deactivates the user and ends every session; users are never deleted.
    pub active: Option<bool>,
    /// The id of the user in the ERP or HR system, unique among users; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<Option<String>>,
}

impl Stored for User {
    type New = UserRecord;
    type Changes = UserChanges;

    fn insert_rows(conn: &mut DbConnection, rows: &[UserRecord]) -> ApiResult<Vec<User>> {
        let ids = crate::insert_by_external_id!(conn, users, rows);
        Ok(in_order(&ids, Self::load(conn, &ids)?))
    }

    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &UserChanges,
        now: Timestamp,
    ) -> ApiResult<bool> {
        Ok(UserRow::update(conn, id, expected, changes, now)?)
    }

    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<User>> {
        UserRow::by_ids(conn, ids)?
            .into_iter()
            .map(User::try_from)
            .collect()
    }
}

/// 422 naming `org_unit_id` unless the unit exists.
pub fn unit_must_exist(conn: &mut DbConnection, unit: Id) -> ApiResult<()> {
    if known_units(conn, &[unit])?.contains(&unit) {
        Ok(())
    } else {
        Err(ApiError::invalid("org_unit_id", "no such org unit"))
    }
}

/// A duplicate's problem, with a detail that names what is taken.
fn taken(e: ApiError) -> ApiError {
    match e {
        ApiError::Duplicate { field, .. } if field == "email" => {
            ApiError::duplicate("email", "a user with this email already exists")
        }
        ApiError::Duplicate { field, .. } if field == "external_id" => {
            ApiError::duplicate("external_id", "a user with this external_id exists")
        }
        other => other,
    }
}

/// Creates a user (the caller is an admin) with its password hash, and records
/// `user.created`; 409 naming `email` or `external_id` when taken.
pub fn create(
    conn: &mut DbConnection,
    b: CreateUser,
    password_hash: String,
    now: Timestamp,
) -> ApiResult<User> {
    unit_must_exist(conn, b.org_unit_id)?;
    let email = b.email.trim();
    let new = UserRecord {
        id: Id::new(),
        email: email.to_string(),
        email_normalized: normalize_email(email),
        name: b.name.trim().to_string(),
        role: b.role.as_str(),
        org_unit_id: b.org_unit_id,
        hired_on: b.hired_on,
        active: true,
        password_hash,
        external_id: b.external_id,
        created_at: now,
        updated_at: now,
    };
    store::insert::<User>(conn, now, &[new])
        .map_err(taken)?
        .pop()
        .ok_or_else(|| ApiError::duplicate("external_id", "a user with this external_id exists"))
}

/// Whether a change takes a user's admin role away (by deactivating them or changing it).
pub fn loses_admin(current: &User, role: Option<Role>, active: Option<bool>) -> bool {
    current.role == Role::Admin && current.active && ends_sessions(current, role, active)
}

/// Whether a change ends the user's sessions (a role change or a deactivation).
pub fn ends_sessions(current: &User, role: Option<Role>, active: Option<bool>) -> bool {
    role.is_some_and(|r| r != current.role) || (active == Some(false) && current.active)
}

/// The changes to store for an update body.
pub fn changes_of(b: UpdateUser) -> UserChanges {
    let email = b.email.as_deref().map(str::trim);
    UserChanges {
        email: email.map(str::to_string),
        email_normalized: email.map(normalize_email),
        name: b.name.map(|n| n.trim().to_string()),
        role: b.role.map(|r| r.as_str().to_string()),
        org_unit_id: b.org_unit_id,
        hired_on: b.hired_on,
        active: b.active,
        external_id: b.external_id,
    }
}

/// Changes a user (already found, its version checked; the caller is an admin), ends their
/// sessions when the role changes or they are deactivated, and records `user.updated`; 409
/// for the last active admin, or a taken `email` or `external_id`.
pub fn change(
    conn: &mut DbConnection,
    current: &UserRow,
    b: UpdateUser,
    now: Timestamp,
) -> ApiResult<User> {
    if let Some(unit) = b.org_unit_id {
        unit_must_exist(conn, unit)?;
    }
    let before = User::try_from(current.clone())?;
    if loses_admin(&before, b.role, b.active) && UserRow::count_active_admins(conn)? <= 1 {
        return Err(ApiError::conflict(
            "this is the last active admin; make another admin first",
        ));
    }
    let ends = ends_sessions(&before, b.role, b.active);
    let mut changed = store::apply(conn, now, &[(before, changes_of(b))]).map_err(taken)?;
    if ends {
        sessions::revoke_all(conn, current.id, now)?;
    }
    changed.pop().ok_or_else(|| ApiError::not_found("user"))
}

/// Sets a user's password hash and ends all their sessions; the version moves on, so it is a
/// `user.updated` change (the view carries no secret).
pub fn set_password(conn: &mut DbConnection, id: Id, hash: &str, now: Timestamp) -> ApiResult<()> {
    UserRow::set_password(conn, id, hash, now)?;
    sessions::revoke_all(conn, id, now)?;
    let user = User::try_from(UserRow::find(conn, id)?)?;
    events::changed(conn, now, "user.updated", &user)?;
    Ok(())
}

/// Links a `dealer` user to a dealer (the user's version moves on: `user.updated`).
pub fn link_dealer(conn: &mut DbConnection, user: Id, dealer: Id, now: Timestamp) -> ApiResult<()> {
    diesel::update(users::table.find(user))
        .set((
            users::dealer_id.eq(Some(dealer)),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    let user = User::try_from(UserRow::find(conn, user)?)?;
    events::changed(conn, now, "user.updated", &user)?;
    Ok(())
}
