//! Facts: the stored actuals that progress is computed from (never the children's targets).
//! Sales facts (revenue and cost) and payment facts (collections) come from daily reports
//! (`report`) or are imported from the ERP (`erp`) in bulk, upserted by `external_id`.

pub mod api;
pub mod payments;
pub mod sales;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id};
use crate::error::FieldError;
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
