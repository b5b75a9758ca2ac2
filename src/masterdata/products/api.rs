//! `/api/v1/products`: the catalogue, read by every user; changed by admins, managers and
//! integrations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::bulk::{self, ProductBatch};
use super::model::Product;
use super::write::{self, CreateProduct, UpdateProduct};
use crate::auth::Caller;
use crate::db::Id;
use crate::error::ApiResult;
use crate::facts::BulkResult;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{CommonQuery, EDITORS};
use crate::AppState;

crate::page_type!(ProductPage, Product);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_products)
        .service(create_product)
        .service(upsert_products)
        .service(get_product)
        .service(update_product);
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
    let product = state.write(move |conn| write::create(conn, b, now)).await?;
    Ok(with_etag(StatusCode::CREATED, &product, product.version))
}

/// Upsert up to 1,000 products by `external_id` (admins, managers, integrations).
///
/// A price or cost left out keeps its stored value; `null` clears it. `archived` archives or
/// restores. All or nothing: one invalid row (named as `rows[i].field`) rejects the batch.
/// Sending the same batch again changes nothing; each row's result says created, updated or
/// unchanged, and each created or changed product is a `product.*` event and change.
#[utoipa::path(tag = "products", operation_id = "upsert_products", request_body = ProductBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/products/bulk")]
pub async fn upsert_products(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ProductBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&EDITORS)?;
    let rows = body.0.rows;
    let now = state.clock.now();
    let results = state
        .write(move |conn| bulk::upsert(conn, rows, now))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
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
    let now = state.clock.now();
    let product = state
        .write(move |conn| {
            let current = Product::find(conn, id)?;
            if_match.check(current.version)?;
            write::change(conn, &current, b, now)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &product, product.version))
}
