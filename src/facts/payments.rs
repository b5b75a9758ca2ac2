//! Payment facts: what a salesperson collected from a customer or dealer on a day.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{fact_table, FactRow, FactSource, Known, RowErrors, RowResult};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::day;
use crate::schema::payment_facts;

/// One payment fact to upsert.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentFactInput {
    /// The row's id in the ERP; a second upload with the same id updates the row.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    #[serde(deserialize_with = "day")]
    pub paid_on: NaiveDate,
    pub salesperson_id: Id,
    pub dealer_id: Option<Id>,
    pub customer_id: Option<Id>,
    /// Amount collected in minor units (negative for a refund).
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    pub amount_minor: i64,
    /// Default `erp`.
    pub source: Option<FactSource>,
}

/// A batch of payment facts.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentFactBatch {
    /// 1 to 1,000 rows.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<PaymentFactInput>,
}

/// A stored payment fact.
#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    PartialEq,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[diesel(table_name = payment_facts, treat_none_as_null = true)]
#[schema(as = PaymentFact)]
pub struct PaymentFactRow {
    pub id: Id,
    pub external_id: Option<String>,
    pub paid_on: NaiveDate,
    pub salesperson_id: Id,
    pub dealer_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub amount_minor: i64,
    #[schema(value_type = FactSource)]
    pub source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Starts at 1 and grows with every change.
    pub version: i64,
}

impl FactRow for PaymentFactRow {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &PaymentFactRow) -> bool {
        self.paid_on == other.paid_on
            && self.salesperson_id == other.salesperson_id
            && self.dealer_id == other.dealer_id
            && self.customer_id == other.customer_id
            && self.amount_minor == other.amount_minor
            && self.source == other.source
    }
}

/// Checks every row against the stored master data; all problems at once (422).
fn check(conn: &mut DbConnection, rows: &[PaymentFactInput]) -> ApiResult<Known> {
    let known = Known::load(
        conn,
        rows.iter().map(|r| r.salesperson_id).collect(),
        rows.iter().filter_map(|r| r.dealer_id).collect(),
        rows.iter().filter_map(|r| r.customer_id).collect(),
        Vec::new(),
    )?;
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    for (i, r) in rows.iter().enumerate() {
        known.check_refs(
            &mut errors,
            i,
            Some(r.salesperson_id),
            r.dealer_id,
            r.customer_id,
        );
    }
    if errors.0.is_empty() {
        Ok(known)
    } else {
        Err(ApiError::invalid_fields(errors.0))
    }
}

/// Upserts a batch by `external_id`, all or nothing (run it inside a transaction).
pub fn upsert(
    conn: &mut DbConnection,
    rows: Vec<PaymentFactInput>,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    check(conn, &rows)?;
    upsert_rows(
        conn,
        now,
        rows,
        |r| r.external_id.clone(),
        |r, existing| PaymentFactRow {
            id: existing.map(|e| e.id).unwrap_or_default(),
            external_id: Some(r.external_id),
            paid_on: r.paid_on,
            salesperson_id: r.salesperson_id,
            dealer_id: r.dealer_id,
            customer_id: r.customer_id,
            amount_minor: r.amount_minor,
            source: r.source.unwrap_or(FactSource::Erp).as_str().to_string(),
            created_at: existing.map(|e| e.created_at).unwrap_or(now),
            updated_at: now,
            version: existing.map_or(1, |e| e.version + 1),
        },
    )
}

crate::mirrored!(PaymentFactRow, "payment_fact", |f| crate::events::Scope {
    owner: Some(f.salesperson_id),
    dealer: f.dealer_id,
    ..Default::default()
});

fact_table!(
    payment_facts,
    PaymentFactRow,
    paid_on,
    [
        paid_on,
        salesperson_id,
        dealer_id,
        customer_id,
        amount_minor,
        source,
        updated_at,
        version,
    ]
);
