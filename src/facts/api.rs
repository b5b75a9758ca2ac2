//! `/api/v1/sales-facts` and `/api/v1/payment-facts`: bulk upserts for integrations and admins.

use actix_web::{get, post, web};

use super::payments::{self, PaymentFactBatch, PaymentFactRow};
use super::sales::{self, SalesFactBatch, SalesFactRow};
use super::{BulkResult, FactFilter, FactScope};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::ApiResult;
use crate::http::{PageParams, SinceParams, ValidJson, ValidQuery};
use crate::AppState;

/// Roles that import facts.
const IMPORTERS: [Role; 2] = [Role::Integration, Role::Admin];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_sales_facts)
        .service(upsert_sales_facts)
        .service(list_payment_facts)
        .service(upsert_payment_facts);
}

crate::page_type!(SalesFactPage, SalesFactRow);
crate::page_type!(PaymentFactPage, PaymentFactRow);

/// List sales facts: your own, your subtree's, your dealer's, or all for company-wide roles.
#[utoipa::path(tag = "facts", operation_id = "list_sales_facts", params(PageParams, SinceParams, FactFilter),
    responses((status = 200, description = "A page of sales facts", body = SalesFactPage)))]
#[get("/sales-facts")]
pub async fn list_sales_facts(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    filter: ValidQuery<FactFilter>,
) -> ApiResult<web::Json<SalesFactPage>> {
    let cursor = page.0.cursor()?;
    let filter = filter.0;
    let rows = state
        .analytic(move |conn| {
            let scope = FactScope::of(conn, &caller)?;
            Ok(sales::list(conn, &scope, &filter, since.0, cursor)?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |f| f.id);
    Ok(web::Json(SalesFactPage { items, next_cursor }))
}

/// List payment facts: your own, your subtree's, your dealer's, or all for company-wide roles.
#[utoipa::path(tag = "facts", operation_id = "list_payment_facts", params(PageParams, SinceParams, FactFilter),
    responses((status = 200, description = "A page of payment facts", body = PaymentFactPage)))]
#[get("/payment-facts")]
pub async fn list_payment_facts(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    filter: ValidQuery<FactFilter>,
) -> ApiResult<web::Json<PaymentFactPage>> {
    let cursor = page.0.cursor()?;
    let filter = filter.0;
    let rows = state
        .analytic(move |conn| {
            let scope = FactScope::of(conn, &caller)?;
            Ok(payments::list(conn, &scope, &filter, since.0, cursor)?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |f| f.id);
    Ok(web::Json(PaymentFactPage { items, next_cursor }))
}

/// Upsert up to 1,000 sales facts by `external_id` (integrations, admins).
///
/// All or nothing: one invalid row (named as `rows[i].field`) rejects the batch. Sending the
/// same batch again changes nothing; each row's result says created, updated or unchanged.
/// A row's `order_ref` reconciles it with the report orders of that reference, and
/// `complete_through` declares the ERP's sales complete through a day (docs/reconciliation.md);
/// the report facts whose state that changes are changed too (`sales_fact.upserted`).
#[utoipa::path(tag = "facts", operation_id = "upsert_sales_facts", request_body = SalesFactBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/sales-facts")]
pub async fn upsert_sales_facts(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<SalesFactBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&IMPORTERS)?;
    let batch = body.0;
    let now = state.clock.now();
    let results = state
        .write(move |conn| db::analytic(conn, |conn| sales::upsert(conn, batch, now)))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// Upsert up to 1,000 payment facts by `external_id` (integrations, admins).
///
/// All or nothing, like the sales facts.
#[utoipa::path(tag = "facts", operation_id = "upsert_payment_facts", request_body = PaymentFactBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/payment-facts")]
pub async fn upsert_payment_facts(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PaymentFactBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&IMPORTERS)?;
    let rows = body.0.rows;
    let now = state.clock.now();
    let results = state
        .write(move |conn| db::analytic(conn, |conn| payments::upsert(conn, rows, now)))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}
