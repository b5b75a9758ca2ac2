//! `/api/v1/me/notifications`: the caller's inbox, unread first.

use actix_web::{get, post, web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Caller;
use crate::db::{Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::{PageParams, ValidQuery};
use crate::schema::notifications as n;
use crate::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_my_notifications)
        .service(mark_all_my_notifications_read)
        .service(mark_my_notification_read);
}

/// One entry of an inbox.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = n)]
pub struct Notification {
    pub id: Id,
    /// The event, also delivered to webhooks under this id.
    pub event_id: Id,
    #[schema(example = "complaint.filed")]
    pub event_type: String,
    pub title: String,
    /// What it is about, e.g. `complaint`, and its id.
    pub resource_type: String,
    pub resource_id: Id,
    pub read_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

crate::page_type!(NotificationPage, Notification);

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    /// How many notifications were marked read.
    pub updated: usize,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread_only: Option<bool>,
}

/// Where a page ends: in the unread part or the read part, after which id (newest first).
fn decode(cursor: &str) -> Option<(bool, Id)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (part, id) = text.split_once(':')?;
    Some((part == "u", id.parse().ok()?))
}

fn encode(unread: bool, id: Id) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", if unread { "u" } else { "r" }))
}

/// My notifications: unread first, then read; newest first within each.
#[utoipa::path(tag = "me", operation_id = "list_my_notifications", params(PageParams, NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationPage)))]
#[get("/me/notifications")]
pub async fn list_my_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    query: ValidQuery<NotificationQuery>,
) -> ApiResult<web::Json<NotificationPage>> {
    let limit = page.0.limit.unwrap_or(50).clamp(1, 500);
    let position = match page.0.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            decode(c).ok_or_else(|| ApiError::invalid("cursor", "not a cursor of this list"))?,
        ),
    };
    let unread_only = query.0.unread_only.unwrap_or(false);
    let user = caller.user_id;
    let page = state
        .db(move |conn| {
            let mut items: Vec<Notification> = Vec::new();
            let fetch = |conn: &mut crate::db::DbConnection,
                         unread: bool,
                         before: Option<Id>,
                         count: i64| {
                let mut q = n::table
                    .filter(n::user_id.eq(user))
                    .select(Notification::as_select())
                    .into_boxed();
                q = if unread {
                    q.filter(n::read_at.is_null())
                } else {
                    q.filter(n::read_at.is_not_null())
                };
                if let Some(b) = before {
                    q = q.filter(n::id.lt(b));
                }
                q.order(n::id.desc())
                    .limit(count)
                    .load::<Notification>(conn)
            };
            let in_unread = position.is_none_or(|(u, _)| u);
            if in_unread {
                items = fetch(conn, true, position.map(|(_, id)| id), limit + 1)?;
            }
            if !unread_only && (items.len() as i64) <= limit {
                let before = position.filter(|(u, _)| !u).map(|(_, id)| id);
                let more = fetch(conn, false, before, limit + 1 - items.len() as i64)?;
                items.extend(more);
            }
            let more = items.len() as i64 > limit;
            items.truncate(limit as usize);
            let next_cursor = if more {
                items.last().map(|l| encode(l.read_at.is_none(), l.id))
            } else {
                None
            };
            Ok(NotificationPage { items, next_cursor })
        })
        .await?;
    Ok(web::Json(page))
}

/// Mark one of my notifications read.
#[utoipa::path(tag = "me", operation_id = "mark_my_notification_read", params(("id" = Id, Path)),
    responses((status = 200, description = "Marked read", body = Notification)))]
#[post("/me/notifications/{id}/read")]
pub async fn mark_my_notification_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Notification>> {
    let id = id.into_inner();
    let now = state.clock.now();
    let user = caller.user_id;
    let item = state
        .db(move |conn| {
            diesel::update(
                n::table
                    .filter(n::id.eq(id))
                    .filter(n::user_id.eq(user))
                    .filter(n::read_at.is_null()),
            )
            .set(n::read_at.eq(Some(now)))
            .execute(conn)?;
            n::table
                .filter(n::id.eq(id))
                .filter(n::user_id.eq(user))
                .select(Notification::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("notification"))
        })
        .await?;
    Ok(web::Json(item))
}

/// Mark all my notifications read.
#[utoipa::path(tag = "me", operation_id = "mark_all_my_notifications_read",
    responses((status = 200, description = "How many were marked", body = MarkedRead)))]
#[post("/me/notifications/read-all")]
pub async fn mark_all_my_notifications_read(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let user = caller.user_id;
    let updated = state
        .db(move |conn| {
            Ok(diesel::update(
                n::table
                    .filter(n::user_id.eq(user))
                    .filter(n::read_at.is_null()),
            )
            .set(n::read_at.eq(Some(now)))
            .execute(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MarkedRead { updated }))
}
