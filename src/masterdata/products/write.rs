//! The writes of a product: a single create ([`create`]) or change ([`change`]) goes through
//! the write path of master data ([`store::insert`], [`store::apply`]), as the bulk upsert
//! (`bulk.rs`) does.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Product, ProductChanges};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::input::double_option;
use crate::masterdata::{archive_change, store};

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[validate(length(min = 1, max = 64))]
    pub sku: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The product line.
    #[validate(length(min = 1, max = 100))]
    pub category: String,
    #[validate(range(min = 0i64))]
    pub list_price_minor: Option<i64>,
    #[validate(range(min = 0i64))]
    pub unit_cost_minor: Option<i64>,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// Changes to a product; `archived: true` archives it, `false` restores it.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[validate(length(min = 1, max = 64))]
    pub sku: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub list_price_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub unit_cost_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// Creates a product and records `product.created`; 409 naming `external_id` when a product
/// has it.
pub fn create(conn: &mut DbConnection, b: CreateProduct, now: Timestamp) -> ApiResult<Product> {
    let new = Product {
        id: Id::new(),
        sku: b.sku.trim().to_string(),
        name: b.name.trim().to_string(),
        category: b.category.trim().to_string(),
        list_price_minor: b.list_price_minor,
        unit_cost_minor: b.unit_cost_minor,
        external_id: b.external_id,
        archived_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    store::insert::<Product>(conn, now, &[new])?
        .pop()
        .ok_or_else(|| ApiError::duplicate("external_id", "a product with this external_id exists"))
}

/// Applies a change to `current` (its version checked) and records `product.updated`,
/// `.archived` or `.restored`; 412 when it moved on meanwhile.
pub fn change(
    conn: &mut DbConnection,
    current: &Product,
    b: UpdateProduct,
    now: Timestamp,
) -> ApiResult<Product> {
    for (field, v) in [
        ("list_price_minor", b.list_price_minor),
        ("unit_cost_minor", b.unit_cost_minor),
    ] {
        if matches!(v, Some(Some(x)) if x < 0) {
            return Err(ApiError::invalid(field, "must not be negative"));
        }
    }
    let changes = ProductChanges {
        sku: b.sku.map(|c| c.trim().to_string()),
        name: b.name.map(|n| n.trim().to_string()),
        category: b.category.map(|c| c.trim().to_string()),
        list_price_minor: b.list_price_minor,
        unit_cost_minor: b.unit_cost_minor,
        external_id: b.external_id,
        archived_at: archive_change(b.archived, current.archived_at, now),
        updated_at: now,
    };
    store::apply(conn, now, &[(current.clone(), changes)])?
        .pop()
        .ok_or_else(|| ApiError::not_found("product"))
}
