//! Promotion cost facts: what was spent on a promotion on a day, from the visits of daily
//! reports (`report`) or booked by the ERP for dealers and others (`erp`), upserted by
//! `external_id` like the other facts. They are read with their promotion (its spend and its
//! results), so the list of this kind is `promotions::costs`.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{fact_table, FactRow, FactSource, Known, RowErrors, RowResult};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::day;
use crate::schema::{promotion_cost_facts, promotion_cost_facts as pcf, promotions};

/// One promotion cost fact to upsert.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionCostFactInput {
    /// The row's id in the ERP; a second upload with the same id updates the row.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    /// The promotion the money was spent on.
    pub promotion_id: Id,
    #[serde(deserialize_with = "day")]
    pub spent_on: NaiveDate,
    /// Spent in minor units (negative for a refund or a credit note).
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    pub amount_minor: i64,
    /// The salesperson who spent it, if any.
    pub salesperson_id: Option<Id>,
    /// The dealer it was paid to or spent by (a dealer incentive), if any.
    pub dealer_id: Option<Id>,
    /// The customer it was spent at (a display, samples), if any.
    pub customer_id: Option<Id>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// Default `erp`.
    pub source: Option<FactSource>,
}

/// A batch of promotion cost facts.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionCostFactBatch {
    /// 1 to 1,000 rows.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<PromotionCostFactInput>,
}

/// A stored promotion cost fact.
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
#[diesel(table_name = pcf, treat_none_as_null = true)]
#[schema(as = PromotionCostFact)]
pub struct PromotionCostFactRow {
    pub id: Id,
    pub external_id: Option<String>,
    pub promotion_id: Id,
    /// The promotion's unit (a promotion never changes its unit).
    pub org_unit_id: Id,
    pub spent_on: NaiveDate,
    pub salesperson_id: Option<Id>,
    pub dealer_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub amount_minor: i64,
    pub note: Option<String>,
    #[schema(value_type = FactSource)]
    pub source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Starts at 1 and grows with every change.
    pub version: i64,
}

impl FactRow for PromotionCostFactRow {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &PromotionCostFactRow) -> bool {
        self.promotion_id == other.promotion_id
            && self.spent_on == other.spent_on
            && self.salesperson_id == other.salesperson_id
            && self.dealer_id == other.dealer_id
            && self.customer_id == other.customer_id
            && self.amount_minor == other.amount_minor
            && self.note == other.note
            && self.source == other.source
    }
}

/// The unit of each of these promotions that exists.
pub fn units_of(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<HashMap<Id, Id>> {
    Ok(promotions::table
        .filter(promotions::id.eq_any(ids))
        .select((promotions::id, promotions::org_unit_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect())
}

/// Checks every row against the stored promotions and master data; all problems at once.
fn check(conn: &mut DbConnection, rows: &[PromotionCostFactInput]) -> ApiResult<HashMap<Id, Id>> {
    let known = Known::load(
        conn,
        rows.iter().filter_map(|r| r.salesperson_id).collect(),
        rows.iter().filter_map(|r| r.dealer_id).collect(),
        rows.iter().filter_map(|r| r.customer_id).collect(),
        Vec::new(),
    )?;
    let ids: Vec<Id> = rows.iter().map(|r| r.promotion_id).collect();
    let units = units_of(conn, &ids)?;
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    for (i, r) in rows.iter().enumerate() {
        if !units.contains_key(&r.promotion_id) {
            errors.add(i, "promotion_id", "no such promotion");
        }
        known.check_refs(&mut errors, i, r.salesperson_id, r.dealer_id, r.customer_id);
    }
    if errors.0.is_empty() {
        Ok(units)
    } else {
        Err(ApiError::invalid_fields(errors.0))
    }
}

/// The promotions the stored facts with these external ids belong to now.
fn stored_promotions(conn: &mut DbConnection, ext_ids: &[String]) -> QueryResult<Vec<Id>> {
    let mut out = Vec::new();
    for chunk in ext_ids.chunks(500) {
        let keys: Vec<Option<String>> = chunk.iter().cloned().map(Some).collect();
        out.extend(
            pcf::table
                .filter(pcf::external_id.eq_any(keys))
                .select(pcf::promotion_id)
                .load::<Id>(conn)?,
        );
    }
    Ok(out)
}

/// Upserts a batch by `external_id`, all or nothing (run it inside a transaction). Returns
/// the result of each row and every promotion whose spend this may change (the rows' and,
/// for a row moved to another promotion, the one it left).
pub fn upsert(
    conn: &mut DbConnection,
    rows: Vec<PromotionCostFactInput>,
    now: Timestamp,
) -> ApiResult<(Vec<RowResult>, Vec<Id>)> {
    let units = check(conn, &rows)?;
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let mut touched = stored_promotions(conn, &ext_ids)?;
    touched.extend(rows.iter().map(|r| r.promotion_id));
    let results = upsert_rows(
        conn,
        now,
        rows,
        |r| r.external_id.clone(),
        |r, existing| PromotionCostFactRow {
            id: existing.map(|e| e.id).unwrap_or_default(),
            external_id: Some(r.external_id),
            promotion_id: r.promotion_id,
            org_unit_id: units.get(&r.promotion_id).copied().unwrap_or_default(),
            spent_on: r.spent_on,
            salesperson_id: r.salesperson_id,
            dealer_id: r.dealer_id,
            customer_id: r.customer_id,
            amount_minor: r.amount_minor,
            note: r.note,
            source: r.source.unwrap_or(FactSource::Erp).as_str().to_string(),
            created_at: existing.map(|e| e.created_at).unwrap_or(now),
            updated_at: now,
            version: existing.map_or(1, |e| e.version + 1),
        },
    )?;
    touched.sort();
    touched.dedup();
    Ok((results, touched))
}

/// What was spent on each of `promotions` (up to `up_to`, inclusive, if given), in one grouped
/// query per 500; promotions without costs are left out.
pub fn spend_of(
    conn: &mut DbConnection,
    promotions: &[Id],
    up_to: Option<NaiveDate>,
) -> QueryResult<HashMap<Id, i64>> {
    // Without a day: up to the last day a date column holds on both backends.
    let up_to = up_to
        .or_else(|| NaiveDate::from_ymd_opt(9999, 12, 31))
        .unwrap_or(NaiveDate::MAX);
    let mut out = HashMap::new();
    for chunk in promotions.chunks(500) {
        out.extend(
            pcf::table
                .filter(pcf::promotion_id.eq_any(chunk))
                .filter(pcf::spent_on.le(up_to))
                .group_by(pcf::promotion_id)
                .select((
                    pcf::promotion_id,
                    sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
                ))
                .load::<(Id, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// The costs of one promotion up to `up_to`, summed by who they are attributed to:
/// (salesperson, dealer, customer, amount).
pub type CostSums = Vec<(Option<Id>, Option<Id>, Option<Id>, i64)>;

pub fn costs_by_party(
    conn: &mut DbConnection,
    promotion: Id,
    up_to: NaiveDate,
) -> QueryResult<CostSums> {
    pcf::table
        .filter(pcf::promotion_id.eq(promotion))
        .filter(pcf::spent_on.le(up_to))
        .group_by((pcf::salesperson_id, pcf::dealer_id, pcf::customer_id))
        .select((
            pcf::salesperson_id,
            pcf::dealer_id,
            pcf::customer_id,
            sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
        ))
        .load(conn)
}

crate::mirrored!(PromotionCostFactRow, "promotion_cost_fact", |f| {
    crate::events::Scope {
        owner: f.salesperson_id,
        unit: Some(f.org_unit_id),
        dealer: f.dealer_id,
        ..Default::default()
    }
});

fact_table!(
    @core
    promotion_cost_facts,
    PromotionCostFactRow,
    spent_on,
    [
        promotion_id,
        org_unit_id,
        spent_on,
        salesperson_id,
        dealer_id,
        customer_id,
        amount_minor,
        note,
        source,
        updated_at,
        version,
    ]
);
