//! Org unit rows and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{org_units, users};

/// A unit of the org tree.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = org_units)]
pub struct OrgUnit {
    pub id: Id,
    pub name: String,
    /// Optional short code, unique.
    pub code: Option<String>,
    /// The parent unit; absent only for the company (the root).
    pub parent_id: Option<Id>,
    /// The user who manages this unit (and so reaches its whole subtree).
    pub manager_id: Option<Id>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Insertable)]
#[diesel(table_name = org_units)]
pub struct NewOrgUnit<'a> {
    pub id: Id,
    pub name: &'a str,
    pub code: Option<&'a str>,
    pub parent_id: Option<Id>,
    pub manager_id: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = org_units)]
pub struct OrgUnitChanges {
    pub name: Option<String>,
    pub code: Option<Option<String>>,
    pub parent_id: Option<Option<Id>>,
    pub manager_id: Option<Option<Id>>,
}

/// Filters of the unit list.
#[derive(Debug, Default)]
pub struct UnitFilter {
    pub parent_id: Option<Id>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl OrgUnit {
    pub fn insert(conn: &mut DbConnection, new: NewOrgUnit<'_>) -> QueryResult<OrgUnit> {
        diesel::insert_into(org_units::table)
            .values(&new)
            .returning(org_units::all_columns)
            .get_result(conn)
    }

    /// A unit the caller may see: their own unit and the units in their reach.
    pub fn find_visible(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<OrgUnit> {
        if !(caller.reach.covers_unit(id) || caller.org_unit_id == id) {
            return Err(ApiError::not_found("org unit"));
        }
        Self::find(conn, id)
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<OrgUnit> {
        org_units::table
            .find(id)
            .select(OrgUnit::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("org unit"))
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        filter: &UnitFilter,
        page: Cursor,
    ) -> QueryResult<Vec<OrgUnit>> {
        let mut q = org_units::table.select(OrgUnit::as_select()).into_boxed();
        if !caller.reach.all {
            let mut visible = caller.reach.unit_ids.clone();
            visible.push(caller.org_unit_id);
            q = q.filter(org_units::id.eq_any(visible));
        }
        if let Some(parent) = filter.parent_id {
            q = q.filter(org_units::parent_id.eq(parent));
        }
        crate::filter_updated_since!(q, org_units::updated_at, filter.updated_since);
        if let Some(after) = page.after {
            q = q.filter(org_units::id.gt(after));
        }
        q.order(org_units::id).limit(page.fetch()).load(conn)
    }

    /// The ids of a unit and all its ancestors, nearest first.
    pub fn ancestors(conn: &mut DbConnection, id: Id) -> QueryResult<Vec<Id>> {
        let mut chain = vec![id];
        let mut current = id;
        while let Some(parent) = org_units::table
            .find(current)
            .select(org_units::parent_id)
            .first::<Option<Id>>(conn)
            .optional()?
            .flatten()
        {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        Ok(chain)
    }

    pub fn root(conn: &mut DbConnection) -> QueryResult<Option<OrgUnit>> {
        org_units::table
            .filter(org_units::parent_id.is_null())
            .select(OrgUnit::as_select())
            .first(conn)
            .optional()
    }

    /// Applies changes if the stored version is `expected`; false when it moved on.
    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &OrgUnitChanges,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let target = org_units::table
            .filter(org_units::id.eq(id))
            .filter(org_units::version.eq(expected));
        let n = if changes.name.is_none()
            && changes.code.is_none()
            && changes.parent_id.is_none()
            && changes.manager_id.is_none()
        {
            diesel::update(target)
                .set((
                    org_units::version.eq(org_units::version + 1),
                    org_units::updated_at.eq(now),
                ))
                .execute(conn)?
        } else {
            diesel::update(target)
                .set((
                    changes,
                    org_units::version.eq(org_units::version + 1),
                    org_units::updated_at.eq(now),
                ))
                .execute(conn)?
        };
        Ok(n == 1)
    }

    pub fn has_children(conn: &mut DbConnection, id: Id) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            org_units::table.filter(org_units::parent_id.eq(id)),
        ))
        .get_result(conn)
    }

    pub fn has_members(conn: &mut DbConnection, id: Id) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            users::table.filter(users::org_unit_id.eq(id)),
        ))
        .get_result(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: Id) -> QueryResult<usize> {
        diesel::delete(org_units::table.find(id)).execute(conn)
    }
}

crate::mirrored!(OrgUnit, "org_unit", |u| crate::events::Scope {
    // The unit's manager, and whoever reaches its parent (so that a deletion reaches them).
    owner: u.manager_id,
    unit: u.parent_id.or(Some(u.id)),
    ..Default::default()
});
