//! Customer rows and the queries on them.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cycle::VisitDay;
use crate::auth::Caller;
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::{Cursor, SinceParams};
use crate::masterdata::store::{in_order, Stored};
use crate::masterdata::CommonQuery;
use crate::schema::customers;

/// Where a customer stands with the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Prospect,
    Active,
    Dormant,
    Lost,
}

impl CustomerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Prospect => "prospect",
            CustomerStatus::Active => "active",
            CustomerStatus::Dormant => "dormant",
            CustomerStatus::Lost => "lost",
        }
    }
}

/// A customer (outlet, account).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: Id,
    /// Unique code.
    pub code: String,
    pub name: String,
    /// Free classification (e.g. `retail`, `wholesale`).
    pub kind: Option<String>,
    /// Where the customer is placed. Whoever reaches this unit reaches the customer, and so does
    /// whoever reaches its owner (through the owner's current unit).
    pub org_unit_id: Id,
    /// The owning salesperson.
    pub owner_id: Id,
    #[schema(value_type = CustomerStatus)]
    pub status: String,
    /// The day it became a customer; "new customers" counts these days. Set to today when the
    /// status first becomes `active` without one.
    pub activated_on: Option<NaiveDate>,
    /// Location for visit check-ins (WGS 84 degrees).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The id of the row in the ERP/CRM, unique among customers.
    pub external_id: Option<String>,
    /// When the customer was archived (absent while live).
    pub archived_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Call cycle: visit every this many weeks (or see `visits_per_month`; at most one).
    pub visit_every_weeks: Option<i32>,
    /// Call cycle: this many visits a month (one every 30 / n days).
    pub visits_per_month: Option<i32>,
    /// The day of the week the customer prefers to be visited.
    #[schema(value_type = Option<VisitDay>)]
    pub preferred_visit_day: Option<String>,
    /// Start of the preferred visiting window (local `HH:MM`).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub preferred_visit_from: Option<String>,
    /// End of the preferred visiting window (local `HH:MM`).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub preferred_visit_to: Option<String>,
}

// A customer's changes reach its owner (and whoever reaches the owner) and its unit.
crate::mirrored!(Customer, "customer", |v| Scope {
    owner: Some(v.owner_id),
    unit: Some(v.org_unit_id),
    ..Default::default()
});

impl Stored for Customer {
    type New = Customer;
    type Changes = CustomerChanges;

    fn insert_rows(conn: &mut DbConnection, rows: &[Customer]) -> ApiResult<Vec<Customer>> {
        let ids = crate::insert_by_external_id!(conn, customers, rows);
        Ok(in_order(&ids, Self::load(conn, &ids)?))
    }

    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &CustomerChanges,
        _now: Timestamp,
    ) -> ApiResult<bool> {
        Ok(Customer::update(conn, id, expected, changes)?)
    }

    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<Customer>> {
        Ok(customers::table
            .filter(customers::id.eq_any(ids.to_vec()))
            .select(Customer::as_select())
            .load(conn)?)
    }

    fn archived_at(&self) -> Option<Timestamp> {
        self.archived_at
    }
}

/// A customer to insert without recording it (demo data).
#[derive(Insertable)]
#[diesel(table_name = customers)]
pub struct NewCustomer {
    pub id: Id,
    pub code: String,
    pub name: String,
    pub kind: Option<String>,
    pub org_unit_id: Id,
    pub owner_id: Id,
    pub status: &'static str,
    pub activated_on: Option<NaiveDate>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub visit_every_weeks: Option<i32>,
    pub visits_per_month: Option<i32>,
}

#[derive(AsChangeset)]
#[diesel(table_name = customers)]
pub struct CustomerChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<Option<String>>,
    pub org_unit_id: Option<Id>,
    pub owner_id: Option<Id>,
    pub status: Option<&'static str>,
    pub activated_on: Option<Option<NaiveDate>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub external_id: Option<Option<String>>,
    pub archived_at: Option<Option<Timestamp>>,
    pub updated_at: Timestamp,
    pub visit_every_weeks: Option<Option<i32>>,
    pub visits_per_month: Option<Option<i32>>,
    pub preferred_visit_day: Option<Option<String>>,
    pub preferred_visit_from: Option<Option<String>>,
    pub preferred_visit_to: Option<Option<String>>,
}

/// Filters of the customer list besides the common ones.
#[derive(Debug, Default)]
pub struct CustomerFilter {
    pub common: CommonQuery,
    pub since: SinceParams,
    pub owner_id: Option<Id>,
    pub org_unit_ids: Option<Vec<Id>>,
    pub status: Option<CustomerStatus>,
}

type Boxed = customers::BoxedQuery<'static, MultiBackend>;

impl Customer {
    /// The customers a caller reaches: their own, those placed in a unit in reach, and those
    /// owned by someone whose current unit is in reach (wherever the customer is placed).
    fn in_reach(caller: &Caller) -> Boxed {
        let q = customers::table.into_boxed();
        if caller.reach.all {
            return q;
        }
        q.filter(
            customers::owner_id
                .eq(caller.user_id)
                .or(customers::org_unit_id.eq_any(caller.reach.unit_ids.clone()))
                .or(customers::owner_id.eq_any(caller.reach.people())),
        )
    }

    /// Which of `ids` are customers the caller reaches; the check of every customer referenced
    /// in a body (an id missing from the answer is unknown or outside reach, alike).
    pub fn reached(
        conn: &mut DbConnection,
        caller: &Caller,
        ids: &[Id],
    ) -> QueryResult<HashSet<Id>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(Self::in_reach(caller)
            .filter(customers::id.eq_any(ids.to_vec()))
            .select(customers::id)
            .load::<Id>(conn)?
            .into_iter()
            .collect())
    }

    /// Inserts a customer unless one already has its `external_id` (`None` then), in one
    /// statement, so that concurrent writers of one new external id make one customer. Records
    /// no event: outside demo data, customers are created through `write`.
    pub fn insert(conn: &mut DbConnection, new: &NewCustomer) -> QueryResult<Option<Customer>> {
        let ids = crate::insert_by_external_id!(conn, customers, std::slice::from_ref(new));
        customers::table
            .filter(customers::id.eq_any(ids))
            .select(Customer::as_select())
            .first(conn)
            .optional()
    }

    /// A customer within the caller's reach (404 otherwise).
    pub fn find(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Customer> {
        Self::in_reach(caller)
            .filter(customers::id.eq(id))
            .select(Customer::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("customer"))
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &CustomerFilter,
        page: Cursor,
    ) -> QueryResult<Vec<Customer>> {
        let mut q = Self::in_reach(caller);
        if !f.since.include_archived(f.common.include_archived) {
            q = q.filter(customers::archived_at.is_null());
        }
        if let Some(pattern) = f.common.pattern() {
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(LOWER(customers.name) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern.clone())
                    .sql(" OR LOWER(customers.code) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern)
                    .sql(")"),
            );
        }
        if let Some(ext) = &f.common.external_id {
            q = q.filter(customers::external_id.eq(ext.clone()));
        }
        crate::filter_updated_since!(q, customers::updated_at, f.since.updated_since);
        if let Some(owner) = f.owner_id {
            q = q.filter(customers::owner_id.eq(owner));
        }
        if let Some(units) = &f.org_unit_ids {
            q = q.filter(customers::org_unit_id.eq_any(units.clone()));
        }
        if let Some(status) = f.status {
            q = q.filter(customers::status.eq(status.as_str()));
        }
        if let Some(after) = page.after {
            q = q.filter(customers::id.gt(after));
        }
        q.order(customers::id)
            .limit(page.fetch())
            .select(Customer::as_select())
            .load(conn)
    }

    /// Applies changes if the stored version is `expected`; false when it moved on.
    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &CustomerChanges,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            customers::table
                .filter(customers::id.eq(id))
                .filter(customers::version.eq(expected)),
        )
        .set((changes, customers::version.eq(customers::version + 1)))
        .execute(conn)?;
        Ok(n == 1)
    }
}
