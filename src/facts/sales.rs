//! Sales facts: revenue and cost of what a salesperson sold on a day.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::reconcile::{self, Ledger, Reconciliation};
use super::{fact_table, FactRow, FactSource, Known, RowErrors, RowResult};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::{day, opt_day};
use crate::schema::sales_facts;

/// One sales fact to upsert.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesFactInput {
    /// The row's id in the ERP; a second upload with the same id updates the row.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    #[serde(deserialize_with = "day")]
    pub sold_on: NaiveDate,
    pub salesperson_id: Id,
    pub dealer_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub product_id: Option<Id>,
    /// The product category; taken from the product when absent.
    #[validate(length(min = 1, max = 100))]
    pub category: Option<String>,
    /// Revenue in minor units (negative for a return).
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    pub revenue_minor: i64,
    /// Cost in minor units (gross profit = revenue - cost); default 0.
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    pub cost_minor: Option<i64>,
    /// Default `erp`.
    pub source: Option<FactSource>,
    /// The order this sale belongs to, as the salesperson's report names it: an ERP fact with
    /// the reference of a report order confirms (supersedes) the report's facts of that order.
    #[validate(length(min = 1, max = 100))]
    pub order_ref: Option<String>,
    /// Units sold.
    #[validate(range(min = -1_000_000_000i64, max = 1_000_000_000i64))]
    pub quantity: Option<i64>,
}

/// A batch of sales facts.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesFactBatch {
    /// 1 to 1,000 rows.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<SalesFactInput>,
    /// The ERP declares that every sale on or before this day is in (this batch or an earlier
    /// one): report orders of those days that no ERP fact confirmed stop counting under
    /// `money_facts_source: both` (they become `not_invoiced`). May move back to correct it.
    #[serde(default, deserialize_with = "opt_day")]
    pub complete_through: Option<NaiveDate>,
}

/// A stored sales fact.
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
#[diesel(table_name = sales_facts, treat_none_as_null = true)]
#[schema(as = SalesFact)]
pub struct SalesFactRow {
    pub id: Id,
    pub external_id: Option<String>,
    pub sold_on: NaiveDate,
    pub salesperson_id: Id,
    pub dealer_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub product_id: Option<Id>,
    pub category: Option<String>,
    pub revenue_minor: i64,
    pub cost_minor: i64,
    #[schema(value_type = FactSource)]
    pub source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Starts at 1 and grows with every change.
    pub version: i64,
    /// The order this sale belongs to; it reconciles report orders with ERP sales.
    pub order_ref: Option<String>,
    /// Units sold, when known.
    pub quantity: Option<i64>,
    /// Where the fact stands against the other source; which states count for money depends
    /// on `money_facts_source` (docs/reconciliation.md).
    #[schema(value_type = Reconciliation)]
    pub reconciliation: String,
    /// For a `confirmed` report fact: the ERP fact that supersedes it.
    pub superseded_by: Option<Id>,
}

impl FactRow for SalesFactRow {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &SalesFactRow) -> bool {
        self.sold_on == other.sold_on
            && self.salesperson_id == other.salesperson_id
            && self.dealer_id == other.dealer_id
            && self.customer_id == other.customer_id
            && self.product_id == other.product_id
            && self.category == other.category
            && self.revenue_minor == other.revenue_minor
            && self.cost_minor == other.cost_minor
            && self.source == other.source
            && self.order_ref == other.order_ref
            && self.quantity == other.quantity
            && self.reconciliation == other.reconciliation
            && self.superseded_by == other.superseded_by
    }
}

/// Checks every row against the stored master data; all problems at once (422).
fn check(conn: &mut DbConnection, rows: &[SalesFactInput]) -> ApiResult<Known> {
    let known = Known::load(
        conn,
        rows.iter().map(|r| r.salesperson_id).collect(),
        rows.iter().filter_map(|r| r.dealer_id).collect(),
        rows.iter().filter_map(|r| r.customer_id).collect(),
        rows.iter().filter_map(|r| r.product_id).collect(),
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
        if r.product_id
            .is_some_and(|p| !known.products.contains_key(&p))
        {
            errors.add(i, "product_id", "no such product");
        }
    }
    if errors.0.is_empty() {
        Ok(known)
    } else {
        Err(ApiError::invalid_fields(errors.0))
    }
}

/// The order references stored for these external ids (what an upload may move away from).
fn stored_refs(conn: &mut DbConnection, ext_ids: &[String]) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ext_ids.chunks(500) {
        let keys: Vec<Option<String>> = chunk.iter().cloned().map(Some).collect();
        out.extend(
            sales_facts::table
                .filter(sales_facts::external_id.eq_any(keys))
                .filter(sales_facts::order_ref.is_not_null())
                .select(sales_facts::order_ref)
                .load::<Option<String>>(conn)?
                .into_iter()
                .flatten(),
        );
    }
    Ok(out)
}

/// Upserts a batch by `external_id`, all or nothing (run it inside a transaction); records
/// the ERP's completeness when the batch declares it, and reconciles the facts of every order
/// reference the batch touches.
pub fn upsert(
    conn: &mut DbConnection,
    batch: SalesFactBatch,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    let rows = batch.rows;
    let known = check(conn, &rows)?;
    if let Some(day) = batch.complete_through {
        reconcile::declare_complete(conn, now, day)?;
    }
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let mut refs: Vec<String> = rows.iter().filter_map(|r| r.order_ref.clone()).collect();
    let mut ledger = Ledger::load(conn, &refs)?;
    for r in rows.iter().filter(|r| r.source == Some(FactSource::Report)) {
        ledger.reporting(r.order_ref.as_ref());
    }
    refs.extend(stored_refs(conn, &ext_ids)?);
    let results = upsert_rows(
        conn,
        now,
        rows,
        |r| r.external_id.clone(),
        |r, existing| {
            let source = r.source.unwrap_or(FactSource::Erp).as_str();
            let (state, superseded_by) = ledger.decide(source, r.order_ref.as_ref(), r.sold_on);
            SalesFactRow {
                id: existing.map(|e| e.id).unwrap_or_default(),
                external_id: Some(r.external_id),
                sold_on: r.sold_on,
                salesperson_id: r.salesperson_id,
                dealer_id: r.dealer_id,
                customer_id: r.customer_id,
                product_id: r.product_id,
                // The product's category unless the row names one.
                category: r
                    .category
                    .or_else(|| r.product_id.and_then(|p| known.products.get(&p).cloned())),
                revenue_minor: r.revenue_minor,
                cost_minor: r.cost_minor.unwrap_or(0),
                source: source.to_string(),
                created_at: existing.map(|e| e.created_at).unwrap_or(now),
                updated_at: now,
                version: existing.map_or(1, |e| e.version + 1),
                order_ref: r.order_ref,
                quantity: r.quantity,
                reconciliation: state.as_str().to_string(),
                superseded_by,
            }
        },
    )?;
    reconcile::settle(conn, now, refs, None)?;
    Ok(results)
}

crate::mirrored!(SalesFactRow, "sales_fact", |f| crate::events::Scope {
    owner: Some(f.salesperson_id),
    dealer: f.dealer_id,
    ..Default::default()
});

fact_table!(
    sales_facts,
    SalesFactRow,
    sold_on,
    [
        sold_on,
        salesperson_id,
        dealer_id,
        customer_id,
        product_id,
        category,
        revenue_minor,
        cost_minor,
        source,
        updated_at,
        version,
        order_ref,
        quantity,
        reconciliation,
        superseded_by,
    ]
);
