//! Product rows and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::{Cursor, SinceParams};
use crate::masterdata::store::{in_order, Stored};
use crate::masterdata::CommonQuery;
use crate::schema::products;

/// A product.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: Id,
    /// Unique stock keeping unit.
    pub sku: String,
    pub name: String,
    /// The product line; targets may be narrowed to one.
    pub category: String,
    /// List price in minor units of the company currency.
    pub list_price_minor: Option<i64>,
    /// Unit cost in minor units (gross profit = revenue - cost).
    pub unit_cost_minor: Option<i64>,
    /// The id of the row in the ERP/CRM, unique among products.
    pub external_id: Option<String>,
    /// When the product was archived (absent while live).
    pub archived_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// The catalogue is company-wide: every product change reaches everyone who reads products.
crate::mirrored!(Product, "product", |v| Scope::default());

impl Stored for Product {
    type New = Product;
    type Changes = ProductChanges;

    fn insert_rows(conn: &mut DbConnection, rows: &[Product]) -> ApiResult<Vec<Product>> {
        let ids = crate::insert_by_external_id!(conn, products, rows);
        Ok(in_order(&ids, Self::load(conn, &ids)?))
    }

    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &ProductChanges,
        _now: Timestamp,
    ) -> ApiResult<bool> {
        Ok(Product::update(conn, id, expected, changes)?)
    }

    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<Product>> {
        Ok(products::table
            .filter(products::id.eq_any(ids.to_vec()))
            .select(Product::as_select())
            .load(conn)?)
    }

    fn archived_at(&self) -> Option<Timestamp> {
        self.archived_at
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductChanges {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub list_price_minor: Option<Option<i64>>,
    pub unit_cost_minor: Option<Option<i64>>,
    pub external_id: Option<Option<String>>,
    pub archived_at: Option<Option<Timestamp>>,
    pub updated_at: Timestamp,
}

impl Product {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Product> {
        products::table
            .find(id)
            .select(Product::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("product"))
    }

    pub fn list(
        conn: &mut DbConnection,
        f: &CommonQuery,
        since: SinceParams,
        category: Option<String>,
        page: Cursor,
    ) -> QueryResult<Vec<Product>> {
        let mut q = products::table.into_boxed();
        if !since.include_archived(f.include_archived) {
            q = q.filter(products::archived_at.is_null());
        }
        if let Some(pattern) = f.pattern() {
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(LOWER(products.name) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern.clone())
                    .sql(" OR LOWER(products.sku) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern)
                    .sql(")"),
            );
        }
        if let Some(ext) = &f.external_id {
            q = q.filter(products::external_id.eq(ext.clone()));
        }
        crate::filter_updated_since!(q, products::updated_at, since.updated_since);
        if let Some(category) = category {
            q = q.filter(products::category.eq(category));
        }
        if let Some(after) = page.after {
            q = q.filter(products::id.gt(after));
        }
        q.order(products::id)
            .limit(page.fetch())
            .select(Product::as_select())
            .load(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &ProductChanges,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            products::table
                .filter(products::id.eq(id))
                .filter(products::version.eq(expected)),
        )
        .set((changes, products::version.eq(products::version + 1)))
        .execute(conn)?;
        Ok(n == 1)
    }
}
