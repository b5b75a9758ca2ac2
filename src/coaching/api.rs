//! `/api/v1/coaching-sessions`: supervisors and managers record interviews with their people.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{CoachingSession, Filter, Row, SessionKind};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events;
use crate::http::date::{day, opt_day};
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::{
    coaching_action_items as ai, coaching_participants as cp, coaching_sessions as cs, users,
};
use crate::AppState;

crate::page_type!(CoachingSessionPage, CoachingSession);

/// Roles that coach.
pub const COACHES: [Role; 2] = [Role::Supervisor, Role::Manager];
/// Roles that read sessions (of their reach, or that they took part in). Sessions are notes
/// about people, not results: executives do not read them (they see who needs coaching).
const READERS: [Role; 4] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Admin,
];
/// Roles that complete action items (their own, or as the coach); admins only read.
const DOERS: [Role; 3] = [Role::Salesperson, Role::Supervisor, Role::Manager];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_coaching_sessions)
        .service(super::needed::list_coaching_needed)
        .service(create_coaching_session)
        .service(get_coaching_session)
        .service(update_coaching_session)
        .service(complete_coaching_action_item);
}

#[crate::rules]
#[derive(Debug, serde::Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionItem {
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// Who does it: the coach or one of the salespeople.
    pub owner_id: Id,
    #[serde(deserialize_with = "day")]
    pub due_on: NaiveDate,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCoachingSession {
    /// Default: `individual` for one salesperson, `collective` for several.
    pub kind: Option<SessionKind>,
    #[serde(deserialize_with = "day")]
    pub held_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub topic: String,
    #[validate(length(max = 50000))]
    #[serde(default)]
    pub notes: String,
    /// The salespeople coached; in your reach.
    #[validate(length(min = 1, max = 200))]
    pub salesperson_ids: Vec<Id>,
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub action_items: Vec<NewActionItem>,
    #[serde(default, deserialize_with = "opt_day")]
    pub follow_up_on: Option<NaiveDate>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCoachingSession {
    #[validate(length(min = 1, max = 200))]
    pub topic: Option<String>,
    #[validate(length(max = 50000))]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "opt_day")]
    pub follow_up_on: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoachingQuery {
    pub salesperson_id: Option<Id>,
    pub coach_id: Option<Id>,
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
}

fn check_people(
    conn: &mut DbConnection,
    caller: &Caller,
    body: &CreateCoachingSession,
) -> ApiResult<()> {
    let found: Vec<(Id, Id, String)> = users::table
        .filter(users::id.eq_any(&body.salesperson_ids))
        .filter(users::active.eq(true))
        .select((users::id, users::org_unit_id, users::role))
        .load(conn)?;
    let mut errors: Vec<FieldError> = body
        .salesperson_ids
        .iter()
        .enumerate()
        .filter(|(_, id)| {
            !found.iter().any(|(u, unit, role)| {
                u == *id && role == "salesperson" && caller.reaches(*u, *unit)
            })
        })
        .map(|(i, _)| {
            FieldError::new(
                format!("salesperson_ids[{i}]"),
                "no such salesperson in your reach",
            )
        })
        .collect();
    for (i, item) in body.action_items.iter().enumerate() {
        if item.owner_id != caller.user_id && !body.salesperson_ids.contains(&item.owner_id) {
            errors.push(FieldError::new(
                format!("action_items[{i}].owner_id"),
                "the owner is the coach or one of the salespeople",
            ));
        }
    }
    if body.follow_up_on.is_some_and(|f| f < body.held_on) {
        errors.push(FieldError::new("follow_up_on", "cannot be before held_on"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

/// List coaching sessions you held, took part in, or of people in your reach.
#[utoipa::path(tag = "coaching", operation_id = "list_coaching_sessions", params(PageParams, SinceParams, CoachingQuery),
    responses((status = 200, description = "A page of sessions", body = CoachingSessionPage)))]
#[get("/coaching-sessions")]
pub async fn list_coaching_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<CoachingQuery>,
) -> ApiResult<web::Json<CoachingSessionPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let filter = Filter {
        updated_since: since.0.updated_since,
        salesperson_id: q.salesperson_id,
        coach_id: q.coach_id,
        from: q.from,
        to: q.to,
    };
    let (items, next_cursor) = state
        .db(move |conn| {
            let rows = Row::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((Row::present(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(CoachingSessionPage { items, next_cursor }))
}

/// Record a coaching session (supervisors and managers, for salespeople in their reach).
#[utoipa::path(tag = "coaching", operation_id = "create_coaching_session", request_body = CreateCoachingSession,
    responses((status = 201, description = "Recorded", body = CoachingSession)))]
#[post("/coaching-sessions")]
pub async fn create_coaching_session(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCoachingSession>,
) -> ApiResult<HttpResponse> {
    caller.require(&COACHES)?;
    let body = body.0;
    let now = state.clock.now();
    let session = state
        .write(move |conn| {
            check_people(conn, &caller, &body)?;
            let mut people = body.salesperson_ids.clone();
            people.sort();
            people.dedup();
            let kind = body.kind.unwrap_or(if people.len() > 1 {
                SessionKind::Collective
            } else {
                SessionKind::Individual
            });
            let id = Id::new();
            diesel::insert_into(cs::table)
                .values((
                    cs::id.eq(id),
                    cs::coach_id.eq(caller.user_id),
                    cs::kind.eq(kind.as_str()),
                    cs::held_on.eq(body.held_on),
                    cs::topic.eq(body.topic.trim()),
                    cs::notes.eq(&body.notes),
                    cs::follow_up_on.eq(body.follow_up_on),
                    cs::created_at.eq(now),
                    cs::updated_at.eq(now),
                ))
                .execute(conn)?;
            for user in &people {
                diesel::insert_into(cp::table)
                    .values((cp::session_id.eq(id), cp::user_id.eq(*user)))
                    .execute(conn)?;
            }
            for item in &body.action_items {
                diesel::insert_into(ai::table)
                    .values((
                        ai::id.eq(Id::new()),
                        ai::session_id.eq(id),
                        ai::description.eq(&item.description),
                        ai::owner_id.eq(item.owner_id),
                        ai::due_on.eq(item.due_on),
                    ))
                    .execute(conn)?;
            }
            let session = Row::view(conn, id)?;
            events::changed_and_notify(
                conn,
                now,
                "coaching_session.created",
                &session,
                &format!("Coaching: {}", session.topic),
                &people,
            )?;
            Ok(session)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &session, session.version))
}

/// Get a coaching session.
#[utoipa::path(tag = "coaching", operation_id = "get_coaching_session", params(("id" = Id, Path)),
    responses((status = 200, description = "The session", body = CoachingSession)))]
#[get("/coaching-sessions/{id}")]
pub async fn get_coaching_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let session = state
        .db(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            Row::view(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &session, session.version))
}

/// Change a session's topic, notes or follow-up date (its coach; `If-Match`).
#[utoipa::path(tag = "coaching", operation_id = "update_coaching_session", request_body = UpdateCoachingSession,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The session's ETag")),
    responses((status = 200, description = "The changed session", body = CoachingSession)))]
#[patch("/coaching-sessions/{id}")]
pub async fn update_coaching_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateCoachingSession>,
) -> ApiResult<HttpResponse> {
    caller.require(&COACHES)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let session = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            if row.coach_id != caller.user_id {
                return Err(ApiError::Forbidden(
                    "only the coach changes a session".into(),
                ));
            }
            if_match.check(row.version)?;
            let follow_up_on = body.follow_up_on.or(row.follow_up_on);
            if follow_up_on.is_some_and(|f| f < row.held_on) {
                return Err(ApiError::invalid(
                    "follow_up_on",
                    "cannot be before held_on",
                ));
            }
            let n = diesel::update(
                cs::table
                    .filter(cs::id.eq(id))
                    .filter(cs::version.eq(row.version)),
            )
            .set((
                cs::topic.eq(body.topic.unwrap_or(row.topic)),
                cs::notes.eq(body.notes.unwrap_or(row.notes)),
                cs::follow_up_on.eq(follow_up_on),
                cs::version.eq(cs::version + 1),
                cs::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the session changed meanwhile".into(),
                ));
            }
            let session = Row::view(conn, id)?;
            events::changed(conn, now, "coaching_session.updated", &session)?;
            Ok(session)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &session, session.version))
}

/// Mark an action item done (its owner or the coach).
#[utoipa::path(tag = "coaching", operation_id = "complete_coaching_action_item",
    params(("id" = Id, Path), ("item_id" = Id, Path),
        ("If-Match" = String, Header, description = "The session's ETag")),
    responses((status = 200, description = "The session", body = CoachingSession)))]
#[post("/coaching-sessions/{id}/action-items/{item_id}/done")]
pub async fn complete_coaching_action_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Id, Id)>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&DOERS)?;
    let (id, item) = path.into_inner();
    let now = state.clock.now();
    let session = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            if_match.check(row.version)?;
            let owner: Id = ai::table
                .filter(ai::id.eq(item))
                .filter(ai::session_id.eq(id))
                .select(ai::owner_id)
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("action item"))?;
            if owner != caller.user_id && row.coach_id != caller.user_id {
                return Err(ApiError::Forbidden(
                    "only the owner or the coach completes an action item".into(),
                ));
            }
            diesel::update(ai::table.find(item).filter(ai::done_at.is_null()))
                .set(ai::done_at.eq(Some(now)))
                .execute(conn)?;
            diesel::update(cs::table.find(id))
                .set((cs::version.eq(cs::version + 1), cs::updated_at.eq(now)))
                .execute(conn)?;
            let session = Row::view(conn, id)?;
            events::changed(conn, now, "coaching_session.updated", &session)?;
            Ok(session)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &session, session.version))
}
