//! `/api/v1/products`: the catalogue, read by every user; changed by admins, managers and
//! integrations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{NewProduct, Product, ProductChanges};
use crate::auth::Caller;
use crate::db::{write_tx, Id};
use crate::error::{ApiError, ApiResult};
use crate::http::input::double_option;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{archive_change, CommonQuery, EDITORS};
use crate::AppState;

crate::page_type!(ProductPage, Product);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_products)
        .service(create_product)
        .service(get_product)
        .service(update_product);
}

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
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Products of this category.
    #[validate(length(min = 1, max = 100))]
    pub category: Option<String>,
}

/// List products.
#[utoipa::path(tag = "products", operation_id = "list_products",
    params(PageParams, SinceParams, CommonQuery, ProductQuery),
    responses((status = 200, description = "A page of products", body = ProductPage)))]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    _caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    common: ValidQuery<CommonQuery>,
    query: ValidQuery<ProductQuery>,
) -> ApiResult<web::Json<ProductPage>> {
    let cursor = page.0.cursor()?;
    let (common, category) = (common.0, query.0.category);
    let rows = state
        .db(move |conn| Ok(Product::list(conn, &common, since.0, category, cursor)?))
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |p| p.id);
    Ok(web::Json(ProductPage { items, next_cursor }))
}

/// Create a product (admins, managers, integrations).
#[utoipa::path(tag = "products", operation_id = "create_product", request_body = CreateProduct,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "Created", body = Product)))]
#[post("/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateProduct>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let b = body.0;
    let now = state.clock.now();
    let product = state
        .db(move |conn| {
            Ok(Product::insert(
                conn,
                &NewProduct {
                    id: Id::new(),
                    sku: b.sku.trim().to_string(),
                    name: b.name.trim().to_string(),
                    category: b.category.trim().to_string(),
                    list_price_minor: b.list_price_minor,
                    unit_cost_minor: b.unit_cost_minor,
                    external_id: b.external_id,
                    created_at: now,
                    updated_at: now,
                },
            )?)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &product, product.version))
}

/// Get a product.
#[utoipa::path(tag = "products", operation_id = "get_product", params(("id" = Id, Path)),
    responses((status = 200, description = "The product", body = Product)))]
#[get("/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let product = state.db(move |conn| Product::find(conn, id)).await?;
    Ok(with_etag(StatusCode::OK, &product, product.version))
}

/// Change, archive (`archived: true`) or restore a product (`If-Match` required).
#[utoipa::path(tag = "products", operation_id = "update_product", request_body = UpdateProduct,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The product's ETag")),
    responses((status = 200, description = "The changed product", body = Product)))]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateProduct>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let (id, b) = (id.into_inner(), body.0);
    for (field, v) in [
        ("list_price_minor", b.list_price_minor),
        ("unit_cost_minor", b.unit_cost_minor),
    ] {
        if matches!(v, Some(Some(x)) if x < 0) {
            return Err(ApiError::invalid(field, "must not be negative"));
        }
    }
    let now = state.clock.now();
    let product = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let current = Product::find(conn, id)?;
                if_match.check(current.version)?;
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
                if !Product::update(conn, id, current.version, &changes)? {
                    return Err(ApiError::PreconditionFailed(
                        "the product changed meanwhile".into(),
                    ));
                }
                Product::find(conn, id)
            })
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &product, product.version))
}
