//! Facts: the stored actuals that progress is computed from (never the children's targets).
//! Sales facts (revenue and cost) and payment facts (collections) come from daily reports
//! (`report`) or are imported from the ERP (`erp`) in bulk, upserted by `external_id`.

pub mod api;
pub mod customer_sums;
pub mod payments;
pub mod promotion_costs;
pub mod reconcile;
pub mod sales;
mod table;

pub(crate) use table::fact_table;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id};
use crate::error::{ApiResult, FieldError};
use crate::http::date::opt_day;
use crate::masterdata::dealer_of;
use crate::schema::{customers, dealers, products, users};

/// Rows per bulk request.
pub const MAX_ROWS: usize = 1000;

/// Where a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// Recorded in a daily visit report.
    Report,
    /// Imported from the ERP.
    Erp,
}

impl FactSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FactSource::Report => "report",
            FactSource::Erp => "erp",
        }
    }
}

/// What a bulk upsert did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    /// The stored row already had these values.
    Unchanged,
}

/// The result for one row of a bulk upsert, in request order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RowResult {
    pub index: usize,
    pub external_id: String,
    pub id: Id,
    pub outcome: RowOutcome,
}

/// The result of a bulk upsert.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rows: Vec<RowResult>,
}

impl BulkResult {
    pub fn from_rows(rows: Vec<RowResult>) -> BulkResult {
        let count = |o| rows.iter().filter(|r| r.outcome == o).count();
        BulkResult {
            created: count(RowOutcome::Created),
            updated: count(RowOutcome::Updated),
            unchanged: count(RowOutcome::Unchanged),
            rows,
        }
    }
}

/// Runs the same diesel body on the concrete connection of either backend (for multi-row
/// inserts, which the multi-backend connection cannot express).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// A stored fact, as a bulk upsert compares it.
pub trait FactRow {
    fn id(&self) -> Id;
    /// The same fact values (ids and timestamps aside).
    fn same_values(&self, other: &Self) -> bool;
}

/// Decides for each row of a batch whether it creates, updates or leaves alone the stored row
/// with its `external_id`; `build` makes the row to store from the input and the stored row.
pub fn classify<I, R: FactRow>(
    inputs: Vec<I>,
    external_id: impl Fn(&I) -> String,
    stored: &HashMap<String, R>,
    build: impl Fn(I, Option<&R>) -> R,
) -> (Vec<RowResult>, Vec<(RowOutcome, R)>) {
    let mut results = Vec::with_capacity(inputs.len());
    let mut writes = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let ext = external_id(&input);
        let existing = stored.get(&ext);
        let row = build(input, existing);
        let outcome = match existing {
            None => RowOutcome::Created,
            Some(e) if e.same_values(&row) => RowOutcome::Unchanged,
            Some(_) => RowOutcome::Updated,
        };
        results.push(RowResult {
            index,
            external_id: ext,
            id: row.id(),
            outcome,
        });
        if outcome != RowOutcome::Unchanged {
            writes.push((outcome, row));
        }
    }
    (results, writes)
}

/// Which of `ids` exist in a table, in one query per table.
pub struct Known {
    pub users: HashSet<Id>,
    pub dealers: HashSet<Id>,
    pub customers: HashSet<Id>,
    /// Product id -> category.
    pub products: HashMap<Id, String>,
}

impl Known {
    pub fn load(
        conn: &mut DbConnection,
        user_ids: Vec<Id>,
        dealer_ids: Vec<Id>,
        customer_ids: Vec<Id>,
        product_ids: Vec<Id>,
    ) -> QueryResult<Known> {
        let users = users::table
            .filter(users::id.eq_any(user_ids))
            .select(users::id)
            .load::<Id>(conn)?;
        let dealers = dealers::table
            .filter(dealers::id.eq_any(dealer_ids))
            .select(dealers::id)
            .load::<Id>(conn)?;
        let customers = customers::table
            .filter(customers::id.eq_any(customer_ids))
            .select(customers::id)
            .load::<Id>(conn)?;
        let products = products::table
            .filter(products::id.eq_any(product_ids))
            .select((products::id, products::category))
            .load::<(Id, String)>(conn)?;
        Ok(Known {
            users: users.into_iter().collect(),
            dealers: dealers.into_iter().collect(),
            customers: customers.into_iter().collect(),
            products: products.into_iter().collect(),
        })
    }

    /// Adds an error for each of row `i`'s references that names nothing stored.
    pub fn check_refs(
        &self,
        errors: &mut RowErrors,
        i: usize,
        salesperson: Option<Id>,
        dealer: Option<Id>,
        customer: Option<Id>,
    ) {
        if salesperson.is_some_and(|u| !self.users.contains(&u)) {
            errors.add(i, "salesperson_id", "no such user");
        }
        if dealer.is_some_and(|d| !self.dealers.contains(&d)) {
            errors.add(i, "dealer_id", "no such dealer");
        }
        if customer.is_some_and(|c| !self.customers.contains(&c)) {
            errors.add(i, "customer_id", "no such customer");
        }
    }
}

/// Collects the problems of a batch, naming each field as `rows[i].field`.
#[derive(Default)]
pub struct RowErrors(pub Vec<FieldError>);

impl RowErrors {
    pub fn add(&mut self, index: usize, field: &str, message: &str) {
        // Enough to fix a batch; a thousand copies of one mistake help nobody.
        if self.0.len() < 100 {
            self.0
                .push(FieldError::new(format!("rows[{index}].{field}"), message));
        }
    }

    /// Rejects a duplicated external id within one batch.
    pub fn unique_external_ids<'a>(&mut self, ids: impl Iterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for (i, ext) in ids.enumerate() {
            if !seen.insert(ext) {
                self.add(i, "external_id", "appears twice in the batch");
            }
        }
    }
}

/// Filters of the fact lists.
#[crate::rules]
#[derive(Debug, Default, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FactFilter {
    /// Facts on or after this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    /// Facts on or before this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
    pub salesperson_id: Option<Id>,
    pub dealer_id: Option<Id>,
    /// The fact with this `external_id`.
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// Whose facts a caller reads.
pub enum FactScope {
    All,
    /// A dealer user: its dealer's (none when not linked).
    Dealer(Option<Id>),
    /// These salespeople's: one's own, plus everyone in the subtrees one manages.
    People(Vec<Id>),
}

impl FactScope {
    pub fn of(conn: &mut DbConnection, caller: &Caller) -> ApiResult<FactScope> {
        if caller.reach.all {
            return Ok(FactScope::All);
        }
        if caller.is(Role::Dealer) {
            return Ok(FactScope::Dealer(dealer_of(conn, caller.user_id)?));
        }
        let mut people: Vec<Id> = users::table
            .filter(users::org_unit_id.eq_any(caller.reach.unit_ids.clone()))
            .select(users::id)
            .load(conn)?;
        people.push(caller.user_id);
        Ok(FactScope::People(people))
    }
}
