//! `POST /products/bulk`: products upserted by `external_id`, up to 1,000 at a time.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Product, ProductChanges};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::{FactRow, RowErrors, RowResult};
use crate::http::input::double_option;
use crate::masterdata::archive_change;
use crate::masterdata::bulk::{self, differs, reject, Bulk, Keyed};
use crate::schema::products;

/// One product to upsert. A price or cost left out keeps its stored value (none for a new
/// product); `null` clears it.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBulkRow {
    /// The product's id in the ERP: a later upload with the same id updates it.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    #[validate(length(min = 1, max = 64))]
    pub sku: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The product line.
    #[validate(length(min = 1, max = 100))]
    pub category: String,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    #[validate(range(min = 0i64))]
    pub list_price_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    #[validate(range(min = 0i64))]
    pub unit_cost_minor: Option<Option<i64>>,
    /// `true` archives the product, `false` restores it; left out, it keeps its state.
    pub archived: Option<bool>,
}

impl Keyed for ProductBulkRow {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// A batch of products to upsert by `external_id`.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBatch {
    /// 1 to 1,000 products.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<ProductBulkRow>,
}

impl FactRow for Product {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &Product) -> bool {
        self.sku == other.sku
            && self.name == other.name
            && self.category == other.category
            && self.list_price_minor == other.list_price_minor
            && self.unit_cost_minor == other.unit_cost_minor
            && self.external_id == other.external_id
            && self.archived_at == other.archived_at
    }
}

impl Bulk for Product {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> ApiResult<HashMap<String, Product>> {
        let found: Vec<Product> = products::table
            .filter(
                products::external_id
                    .eq_any(ext_ids.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
            )
            .select(Product::as_select())
            .load(conn)?;
        Ok(found
            .into_iter()
            .filter_map(|p| p.external_id.clone().map(|e| (e, p)))
            .collect())
    }

    fn changes(stored: &Product, wanted: &Product, now: Timestamp) -> ProductChanges {
        ProductChanges {
            sku: differs(&stored.sku, &wanted.sku),
            name: differs(&stored.name, &wanted.name),
            category: differs(&stored.category, &wanted.category),
            list_price_minor: differs(&stored.list_price_minor, &wanted.list_price_minor),
            unit_cost_minor: differs(&stored.unit_cost_minor, &wanted.unit_cost_minor),
            external_id: differs(&stored.external_id, &wanted.external_id),
            archived_at: differs(&stored.archived_at, &wanted.archived_at),
            updated_at: now,
        }
    }
}

/// Checks every row; every problem at once.
fn check(conn: &mut DbConnection, rows: &[ProductBulkRow]) -> ApiResult<()> {
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    let mut skus = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        if !skus.insert(r.sku.trim()) {
            errors.add(i, "sku", "appears twice in the batch");
        }
    }
    let wanted: Vec<String> = rows.iter().map(|r| r.sku.trim().to_string()).collect();
    let mut holders: HashMap<String, Option<String>> = HashMap::new();
    for chunk in wanted.chunks(500) {
        holders.extend(
            products::table
                .filter(products::sku.eq_any(chunk.to_vec()))
                .select((products::sku, products::external_id))
                .load::<(String, Option<String>)>(conn)?,
        );
    }
    for (i, r) in rows.iter().enumerate() {
        // A holder with this row's external id is this row (perhaps just inserted by a
        // concurrent batch).
        let holder = holders.get(r.sku.trim());
        if holder.is_some_and(|h| h.as_deref() != Some(r.external_id.as_str())) {
            errors.add(i, "sku", "another product has this sku");
        }
    }
    reject(errors)
}

fn build(r: ProductBulkRow, existing: Option<&Product>, now: Timestamp) -> Product {
    let current_archive = existing.and_then(|p| p.archived_at);
    Product {
        id: existing.map(|p| p.id).unwrap_or_default(),
        sku: r.sku.trim().to_string(),
        name: r.name.trim().to_string(),
        category: r.category.trim().to_string(),
        list_price_minor: r
            .list_price_minor
            .unwrap_or_else(|| existing.and_then(|p| p.list_price_minor)),
        unit_cost_minor: r
            .unit_cost_minor
            .unwrap_or_else(|| existing.and_then(|p| p.unit_cost_minor)),
        external_id: Some(r.external_id),
        archived_at: archive_change(r.archived, current_archive, now).unwrap_or(current_archive),
        version: existing.map_or(1, |p| p.version),
        created_at: existing.map_or(now, |p| p.created_at),
        updated_at: now,
    }
}

/// Upserts a batch of products by `external_id`, all or nothing (run it inside a
/// transaction): every created or changed product is recorded through the write path.
pub fn upsert(
    conn: &mut DbConnection,
    rows: Vec<ProductBulkRow>,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let stored = bulk::stored_rows::<Product>(conn, &ext_ids)?;
    check(conn, &rows)?;
    bulk::upsert(
        conn,
        now,
        rows,
        stored,
        |_, _| Ok(()),
        |r, existing| build(r, existing, now),
        Product::clone,
    )
}
