//! Product rows and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::{Cursor, SinceParams};
use crate::masterdata::CommonQuery;
use crate::schema::products;

/// A product.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
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

#[derive(Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    pub id: Id,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub list_price_minor: Option<i64>,
    pub unit_cost_minor: Option<i64>,
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
    pub fn insert(conn: &mut DbConnection, new: &NewProduct) -> QueryResult<Product> {
        diesel::insert_into(products::table)
            .values(new)
            .returning(products::all_columns)
            .get_result(conn)
    }

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
