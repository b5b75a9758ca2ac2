//! `/api/v1/webhooks`: admins register endpoints and watch their deliveries.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel::prelude::*;
use rand::RngCore;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{CreatedWebhook, Delivery, Row, Webhook};
use crate::auth::{Caller, Role};
use crate::db::Id;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events::EVENT_TYPES;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::{webhook_deliveries as wd, webhooks as wh};
use crate::AppState;

crate::page_type!(WebhookPage, Webhook);
crate::page_type!(DeliveryPage, Delivery);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook_delivery);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed (http or https).
    #[validate(url, length(max = 2000))]
    pub url: String,
    /// The signing secret (16 to 200 characters); generated when absent.
    #[validate(length(min = 16, max = 200))]
    pub secret: Option<String>,
    /// Event types to deliver, or `["*"]` for all.
    #[validate(length(min = 1, max = 100))]
    pub event_types: Vec<String>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[validate(url, length(max = 2000))]
    pub url: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub event_types: Option<Vec<String>>,
    /// Inactive webhooks get no new deliveries.
    pub active: Option<bool>,
}

fn check_types(types: &[String]) -> ApiResult<()> {
    let errors: Vec<FieldError> = types
        .iter()
        .enumerate()
        .filter(|(_, t)| *t != "*" && !EVENT_TYPES.contains(&t.as_str()))
        .map(|(i, t)| {
            FieldError::new(
                format!("event_types[{i}]"),
                format!("unknown event type {t:?}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

fn check_scheme(url: &str) -> ApiResult<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ApiError::invalid("url", "must be an http or https URL"))
    }
}

/// List webhooks (admins).
#[utoipa::path(tag = "webhooks", operation_id = "list_webhooks", params(PageParams, SinceParams),
    responses((status = 200, description = "A page of webhooks", body = WebhookPage)))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
) -> ApiResult<web::Json<WebhookPage>> {
    caller.require(&[Role::Admin])?;
    let cursor = page.0.cursor()?;
    let rows = state
        .db(move |conn| {
            let mut q = wh::table.select(Row::as_select()).into_boxed();
            crate::filter_updated_since!(q, wh::updated_at, since.0.updated_since);
            if let Some(after) = cursor.after {
                q = q.filter(wh::id.gt(after));
            }
            Ok(q.order(wh::id).limit(cursor.fetch()).load(conn)?)
        })
        .await?;
    let (rows, next_cursor) = cursor.finish(rows, |r| r.id);
    Ok(web::Json(WebhookPage {
        items: rows.iter().map(Row::present).collect(),
        next_cursor,
    }))
}

/// Register a webhook (admins). The answer shows the signing secret this once.
#[utoipa::path(tag = "webhooks", operation_id = "create_webhook", request_body = CreateWebhook,
    responses((status = 201, description = "Registered", body = CreatedWebhook)))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let body = body.0;
    check_scheme(&body.url)?;
    check_types(&body.event_types)?;
    let secret = body.secret.clone().unwrap_or_else(|| {
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        format!("whsec_{}", hex::encode(raw))
    });
    let now = state.clock.now();
    let row = state
        .db(move |conn| {
            let id = Id::new();
            diesel::insert_into(wh::table)
                .values((
                    wh::id.eq(id),
                    wh::url.eq(&body.url),
                    wh::secret.eq(&secret),
                    wh::event_types
                        .eq(serde_json::to_string(&body.event_types).unwrap_or_default()),
                    wh::active.eq(true),
                    wh::created_by.eq(caller.user_id),
                    wh::created_at.eq(now),
                    wh::updated_at.eq(now),
                ))
                .execute(conn)?;
            Row::find(conn, id)
        })
        .await?;
    let created = CreatedWebhook {
        webhook: row.present(),
        secret: row.secret.clone(),
    };
    Ok(with_etag(StatusCode::CREATED, &created, row.version))
}

/// Get a webhook (admins).
#[utoipa::path(tag = "webhooks", operation_id = "get_webhook", params(("id" = Id, Path)),
    responses((status = 200, description = "The webhook", body = Webhook)))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let row = state.db(move |conn| Row::find(conn, id)).await?;
    Ok(with_etag(StatusCode::OK, &row.present(), row.version))
}

/// Change a webhook (admins; `If-Match`).
#[utoipa::path(tag = "webhooks", operation_id = "update_webhook", request_body = UpdateWebhook,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The webhook's ETag")),
    responses((status = 200, description = "The changed webhook", body = Webhook)))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let body = body.0;
    if let Some(url) = &body.url {
        check_scheme(url)?;
    }
    if let Some(types) = &body.event_types {
        check_types(types)?;
    }
    let now = state.clock.now();
    let row = state
        .write(move |conn| {
            let row = Row::find(conn, id)?;
            if_match.check(row.version)?;
            let types = body
                .event_types
                .map(|t| serde_json::to_string(&t).unwrap_or_default())
                .unwrap_or(row.event_types.clone());
            let n = diesel::update(
                wh::table
                    .filter(wh::id.eq(id))
                    .filter(wh::version.eq(row.version)),
            )
            .set((
                wh::url.eq(body.url.unwrap_or(row.url.clone())),
                wh::event_types.eq(types),
                wh::active.eq(body.active.unwrap_or(row.active)),
                wh::version.eq(wh::version + 1),
                wh::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the webhook changed meanwhile".into(),
                ));
            }
            Row::find(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &row.present(), row.version))
}

/// Delete a webhook and its delivery log (admins).
#[utoipa::path(tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The webhook's ETag")),
    responses((status = 204, description = "Deleted")))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    state
        .write(move |conn| {
            if_match.check(Row::find(conn, id)?.version)?;
            diesel::delete(wd::table.filter(wd::webhook_id.eq(id))).execute(conn)?;
            diesel::delete(wh::table.find(id)).execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of a webhook, oldest first (admins).
#[utoipa::path(tag = "webhooks", operation_id = "list_webhook_deliveries", params(("id" = Id, Path), PageParams, SinceParams),
    responses((status = 200, description = "A page of deliveries", body = DeliveryPage)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
) -> ApiResult<web::Json<DeliveryPage>> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let cursor = page.0.cursor()?;
    let rows = state
        .db(move |conn| {
            Row::find(conn, id)?;
            let mut q = wd::table
                .filter(wd::webhook_id.eq(id))
                .select(Delivery::as_select())
                .into_boxed();
            crate::filter_updated_since!(q, wd::updated_at, since.0.updated_since);
            if let Some(after) = cursor.after {
                q = q.filter(wd::id.gt(after));
            }
            Ok(q.order(wd::id).limit(cursor.fetch()).load(conn)?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |d| d.id);
    Ok(web::Json(DeliveryPage { items, next_cursor }))
}

/// Send a delivery again, now (admins): for a failed one, or to replay an event.
#[utoipa::path(tag = "webhooks", operation_id = "redeliver_webhook_delivery",
    params(("id" = Id, Path), ("delivery_id" = Id, Path)),
    responses((status = 200, description = "Queued again", body = Delivery)))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Id, Id)>,
) -> ApiResult<web::Json<Delivery>> {
    caller.require(&[Role::Admin])?;
    let (id, delivery) = path.into_inner();
    let now = state.clock.now();
    let item = state
        .db(move |conn| {
            let n = diesel::update(
                wd::table
                    .filter(wd::id.eq(delivery))
                    .filter(wd::webhook_id.eq(id)),
            )
            .set((
                wd::status.eq("pending"),
                wd::attempts.eq(0),
                wd::next_attempt_at.eq(now),
                wd::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::not_found("delivery"));
            }
            Ok(wd::table
                .find(delivery)
                .select(Delivery::as_select())
                .first(conn)?)
        })
        .await?;
    Ok(web::Json(item))
}
