//! `/api/v1/customers`: read within reach by everyone but dealers; changed by admins,
//! managers (inside their reach) and integrations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{Customer, CustomerChanges, CustomerFilter, CustomerStatus, NewCustomer};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{write_tx, DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::http::date::{opt_day, patch_day};
use crate::http::input::double_option;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{archive_change, check_unit_in_reach, CommonQuery, EDITORS};
use crate::settings::model::StoredSettings;
use crate::users::model::UserRow;
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
        .service(get_customer)
        .service(update_customer);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[validate(length(min = 1, max = 50))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 50))]
    pub kind: Option<String>,
    pub org_unit_id: Id,
    /// The owning salesperson.
    pub owner_id: Id,
    /// Default `prospect`.
    pub status: Option<CustomerStatus>,
    #[serde(default, deserialize_with = "opt_day")]
    pub activated_on: Option<NaiveDate>,
    #[validate(range(min = -90.0, max = 90.0))]
    pub latitude: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    pub longitude: Option<f64>,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// Changes to a customer; `archived: true` archives it, `false` restores it.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[validate(length(min = 1, max = 50))]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<Option<String>>,
    pub org_unit_id: Option<Id>,
    pub owner_id: Option<Id>,
    pub status: Option<CustomerStatus>,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub activated_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    pub owner_id: Option<Id>,
    /// Customers placed in this unit and its whole subtree.
    pub unit_id: Option<Id>,
    pub status: Option<CustomerStatus>,
}

/// The owner must be an active user the caller reaches, and a customer's owner lives in the
/// org tree like everyone else.
fn check_owner(conn: &mut DbConnection, caller: &Caller, owner: Id) -> ApiResult<()> {
    let row =
        UserRow::find(conn, owner).map_err(|_| ApiError::invalid("owner_id", "no such user"))?;
    if !row.active {
        return Err(ApiError::invalid("owner_id", "the user is deactivated"));
    }
    if !caller.reaches(row.id, row.org_unit_id) {
        return Err(ApiError::invalid(
            "owner_id",
            "the user is outside your reach",
        ));
    }
    Ok(())
}

fn check_location(lat: Option<f64>, lon: Option<f64>) -> ApiResult<()> {
    if lat.is_some() != lon.is_some() {
        return Err(ApiError::invalid(
            "latitude",
            "give latitude and longitude together",
        ));
    }
    Ok(())
}

fn today(conn: &mut DbConnection, state: &AppState) -> ApiResult<NaiveDate> {
    let tz = StoredSettings::load(conn)?.settings.tz();
    Ok(state.clock.now().0.with_timezone(&tz).date_naive())
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                check_unit_in_reach(conn, &caller, b.org_unit_id, "org_unit_id")?;
                check_owner(conn, &caller, b.owner_id)?;
                check_location(b.latitude, b.longitude)?;
                let status = b.status.unwrap_or(CustomerStatus::Prospect);
                let activated_on = match (b.activated_on, status) {
                    (None, CustomerStatus::Active) => Some(today(conn, &st)?),
                    (day, _) => day,
                };
                Ok(Customer::insert(
                    conn,
                    &NewCustomer {
                        id: Id::new(),
                        code: b.code.trim().to_string(),
                        name: b.name.trim().to_string(),
                        kind: b.kind,
                        org_unit_id: b.org_unit_id,
                        owner_id: b.owner_id,
                        status: status.as_str(),
                        activated_on,
                        latitude: b.latitude,
                        longitude: b.longitude,
                        external_id: b.external_id,
                        created_at: now,
                        updated_at: now,
                    },
                )?)
            })
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &customer, customer.version))
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                let current = Customer::find(conn, &caller, id)?;
                if_match.check(current.version)?;
                if let Some(unit) = b.org_unit_id {
                    check_unit_in_reach(conn, &caller, unit, "org_unit_id")?;
                }
                if let Some(owner) = b.owner_id {
                    check_owner(conn, &caller, owner)?;
                }
                let lat = b.latitude.unwrap_or(current.latitude);
                let lon = b.longitude.unwrap_or(current.longitude);
                check_location(lat, lon)?;
                let activated = b.activated_on.unwrap_or(current.activated_on);
                let activated_on = match (b.activated_on, activated, b.status) {
                    (Some(_), _, _) => b.activated_on,
                    (None, None, Some(CustomerStatus::Active)) => Some(Some(today(conn, &st)?)),
                    _ => None,
                };
                let changes = CustomerChanges {
                    code: b.code.map(|c| c.trim().to_string()),
                    name: b.name.map(|n| n.trim().to_string()),
                    kind: b.kind,
                    org_unit_id: b.org_unit_id,
                    owner_id: b.owner_id,
                    status: b.status.map(CustomerStatus::as_str),
                    activated_on,
                    latitude: b.latitude,
                    longitude: b.longitude,
                    external_id: b.external_id,
                    archived_at: archive_change(b.archived, current.archived_at, now),
                    updated_at: now,
                };
                if !Customer::update(conn, id, current.version, &changes)? {
                    return Err(ApiError::PreconditionFailed(
                        "the customer changed meanwhile".into(),
                    ));
                }
                Customer::find(conn, &caller, id)
            })
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &customer, customer.version))
}
