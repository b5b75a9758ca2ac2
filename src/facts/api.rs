//! `/api/v1/sales-facts` and `/api/v1/payment-facts`: bulk upserts for integrations and admins.

use actix_web::{post, web};

use super::payments::{self, PaymentFactBatch};
use super::sales::{self, SalesFactBatch};
use super::BulkResult;
use crate::auth::{Caller, Role};
use crate::db::write_tx;
use crate::error::ApiResult;
use crate::http::ValidJson;
use crate::AppState;

/// Roles that import facts.
const IMPORTERS: [Role; 2] = [Role::Integration, Role::Admin];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upsert_sales_facts)
        .service(upsert_payment_facts);
}

/// Upsert up to 1,000 sales facts by `external_id`, all or nothing: one invalid row (named as
/// `rows[i].field`) rejects the batch. Sending the same batch again changes nothing.
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
    let rows = body.0.rows;
    let now = state.clock.now();
    let results = state
        .db(move |conn| write_tx(conn, |conn| sales::upsert(conn, rows, now)))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// Upsert up to 1,000 payment facts by `external_id`, all or nothing.
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
        .db(move |conn| write_tx(conn, |conn| payments::upsert(conn, rows, now)))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}
