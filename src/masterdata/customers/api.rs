//! `/api/v1/customers`: read within reach by everyone but dealers; changed by admins,
//! managers (inside their reach) and integrations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::bulk::{self, CustomerBatch};
use super::model::{Customer, CustomerFilter, CustomerStatus};
use super::write::{self, CreateCustomer, UpdateCustomer};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::facts::BulkResult;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{CommonQuery, EDITORS};
use crate::AppState;

crate::page_type!(CustomerPage, Customer);

const READERS: [Role; 6] = [
    Role::Admin,
    Role::Executive,
    Role::Manager,
    Role::Supervisor,
    Role::Salesperson,
    Role::Integration,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_customers)
        .service(create_customer)
        .service(upsert_customers)
        .service(get_customer)
        .service(update_customer);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    pub owner_id: Option<Id>,
    /// Customers placed in this unit and its whole subtree.
    pub unit_id: Option<Id>,
    pub status: Option<CustomerStatus>,
}

/// List the customers in your reach.
#[utoipa::path(tag = "customers", operation_id = "list_customers",
    params(PageParams, SinceParams, CommonQuery, CustomerQuery),
    responses((status = 200, description = "A page of customers", body = CustomerPage)))]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    common: ValidQuery<CommonQuery>,
    query: ValidQuery<CustomerQuery>,
) -> ApiResult<web::Json<CustomerPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let (common, query) = (common.0, query.0);
    let rows = state
        .db(move |conn| {
            let org_unit_ids = match query.unit_id {
                Some(unit) => Some(subtree_units(conn, &[unit])?),
                None => None,
            };
            let filter = CustomerFilter {
                common,
                since: since.0,
                owner_id: query.owner_id,
                org_unit_ids,
                status: query.status,
            };
            Ok(Customer::list(conn, &caller, &filter, cursor)?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |c| c.id);
    Ok(web::Json(CustomerPage { items, next_cursor }))
}

/// Create a customer (admins, managers inside their reach, integrations).
#[utoipa::path(tag = "customers", operation_id = "create_customer", request_body = CreateCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "Created", body = Customer)))]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCustomer>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let b = body.0;
    let now = state.clock.now();
    let st = state.clone();
    let customer = state
        .write(move |conn| {
            write::create(conn, &st, &caller, b, now)?.ok_or_else(|| {
                ApiError::duplicate("external_id", "a customer with this external_id exists")
            })
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &customer, customer.version))
}

/// Upsert up to 1,000 customers by `external_id` (admins, managers inside their reach,
/// integrations).
///
/// A row refers to its owner by `owner_id` or by the owner's `external_id`
/// (`owner_external_id`). A field left out keeps its stored value; `archived` archives or
/// restores. All or nothing: one invalid row (named as `rows[i].field`) rejects the batch.
/// Sending the same batch again changes nothing; each row's result says created, updated or
/// unchanged, and each created or changed customer is a `customer.*` event and change.
#[utoipa::path(tag = "customers", operation_id = "upsert_customers", request_body = CustomerBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/customers/bulk")]
pub async fn upsert_customers(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CustomerBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&EDITORS)?;
    let rows = body.0.rows;
    let now = state.clock.now();
    let st = state.clone();
    let results = state
        .write(move |conn| bulk::upsert(conn, &st, &caller, rows, now))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// Get a customer in your reach.
#[utoipa::path(tag = "customers", operation_id = "get_customer", params(("id" = Id, Path)),
    responses((status = 200, description = "The customer", body = Customer)))]
#[get("/customers/{id}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let customer = state
        .db(move |conn| Customer::find(conn, &caller, id))
        .await?;
    Ok(with_etag(StatusCode::OK, &customer, customer.version))
}

/// Change, archive (`archived: true`) or restore a customer (`If-Match` required).
#[utoipa::path(tag = "customers", operation_id = "update_customer", request_body = UpdateCustomer,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The customer's ETag")),
    responses((status = 200, description = "The changed customer", body = Customer)))]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateCustomer>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let (id, b) = (id.into_inner(), body.0);
    let now = state.clock.now();
    let st = state.clone();
    let customer = state
        .write(move |conn| {
            let current = Customer::find(conn, &caller, id)?;
            if_match.check(current.version)?;
            write::change(conn, &st, &caller, &current, b, now)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &customer, customer.version))
}
