//! Master data: customers, dealers, products (with their category) and competitors.
//!
//! Every kind has an optional `external_id`, unique per kind, so that an ERP finds its rows
//! again; rows are archived, never deleted, because targets, facts and reports refer to them.
//! Admins, managers (inside their reach) and integrations edit master data, one row at a time
//! or in bulk by `external_id` (`bulk`); every write of a row, and of a user, goes through one
//! write path (`store`), which makes it a change feed entry and a webhook event.

pub mod bulk;
pub mod competitors;
pub mod customers;
pub mod dealers;
pub mod products;
pub mod store;

use std::collections::HashSet;

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::{org_units, users};

/// Roles that create and change master data.
pub const EDITORS: [Role; 3] = [Role::Admin, Role::Manager, Role::Integration];

/// Filters every master-data list understands.
#[crate::rules]
#[derive(Debug, Default, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommonQuery {
    /// Part of the name or code (case-insensitive).
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// The row with this `external_id`.
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
    /// Include archived rows (default false, or true with `updated_since`).
    pub include_archived: Option<bool>,
}

impl CommonQuery {
    /// `q` as a LIKE pattern on lower-cased text.
    pub fn pattern(&self) -> Option<String> {
        self.q
            .as_ref()
            .map(|t| format!("%{}%", t.to_lowercase().replace(['%', '_'], "")))
    }
}

/// The new `archived_at` for an `archived` flag of a PATCH: set it when archiving a live row,
/// clear it when restoring, keep it otherwise.
pub fn archive_change(
    archived: Option<bool>,
    current: Option<Timestamp>,
    now: Timestamp,
) -> Option<Option<Timestamp>> {
    match (archived, current) {
        (Some(true), None) => Some(Some(now)),
        (Some(false), Some(_)) => Some(None),
        _ => None,
    }
}

/// The dealer a user acts for (dealer users only).
pub fn dealer_of(conn: &mut DbConnection, user: Id) -> QueryResult<Option<Id>> {
    users::table
        .find(user)
        .select(users::dealer_id)
        .first::<Option<Id>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Why the caller may not place master data in a unit (`exists`: whether it is an org unit);
/// `None` when they may: any unit for company-wide roles, otherwise one inside their reach.
pub fn unit_problem(caller: &Caller, unit: Id, exists: bool) -> Option<&'static str> {
    if !exists {
        Some("no such org unit")
    } else if !caller.reach.covers_unit(unit) {
        Some("the org unit is outside your reach")
    } else {
        None
    }
}

/// A unit the caller may place master data in ([`unit_problem`]; 422 naming `field` else).
pub fn check_unit_in_reach(
    conn: &mut DbConnection,
    caller: &Caller,
    unit: Id,
    field: &str,
) -> ApiResult<()> {
    let exists = known_units(conn, &[unit])?.contains(&unit);
    match unit_problem(caller, unit, exists) {
        Some(why) => Err(ApiError::invalid(field, why)),
        None => Ok(()),
    }
}

/// Which of `ids` are org units.
pub fn known_units(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<HashSet<Id>> {
    let mut known = HashSet::new();
    for chunk in ids.chunks(500) {
        known.extend(
            org_units::table
                .filter(org_units::id.eq_any(chunk.to_vec()))
                .select(org_units::id)
                .load::<Id>(conn)?,
        );
    }
    Ok(known)
}
