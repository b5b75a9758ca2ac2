//! The lifecycle of a complaint: acknowledge, start, resolve, close, reopen; each step checked
//! against the state, the caller's place above the reporter, and `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::api::is_superior_of;
use super::model::{Complaint, ComplaintStatus, Row};
use crate::auth::Caller;
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch};
use crate::market_reports::api::FILERS;
use crate::schema::complaints as c;
use crate::AppState;

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintAction {
    /// What was done (required to resolve).
    #[validate(length(min = 1, max = 10000))]
    pub resolution: Option<String>,
}

/// A workflow step on a complaint.
#[derive(Clone, Copy)]
enum Step {
    Acknowledge,
    Start,
    Resolve,
    Close,
    Reopen,
}

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    action: ComplaintAction,
    step: Step,
) -> ApiResult<HttpResponse> {
    caller.require(&FILERS)?;
    let now = state.clock.now();
    let complaint = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            let superior = is_superior_of(conn, &caller, &row)?;
            let may = match step {
                Step::Acknowledge => superior,
                Step::Start | Step::Resolve => superior || caller.user_id == row.assignee_id,
                Step::Close | Step::Reopen => superior || caller.user_id == row.reporter_id,
            };
            if !may {
                return Err(ApiError::Forbidden(
                    match step {
                        Step::Acknowledge => {
                            "a complaint is acknowledged by a superior of its reporter"
                        }
                        Step::Start | Step::Resolve => {
                            "only the assignee or a superior works a complaint"
                        }
                        Step::Close | Step::Reopen => {
                            "only the reporter or a superior closes or reopens a complaint"
                        }
                    }
                    .into(),
                ));
            }
            if_match.check(row.version)?;
            let status = ComplaintStatus::parse(&row.status);
            use ComplaintStatus as S;
            let next = match (step, status) {
                (Step::Acknowledge, s) if s.is_pending() && row.acknowledged_at.is_none() => status,
                (Step::Start, S::Open | S::Reopened) => S::InProgress,
                (Step::Resolve, S::Open | S::InProgress | S::Reopened) => S::Resolved,
                (Step::Close, S::Resolved) => S::Closed,
                (Step::Reopen, S::Resolved | S::Closed) => S::Reopened,
                _ => {
                    return Err(ApiError::illegal_state(
                        format!("this step is not possible on a {} complaint", row.status),
                        row.status,
                    ))
                }
            };
            let resolution = match step {
                Step::Resolve => Some(action.resolution.clone().ok_or_else(|| {
                    ApiError::invalid("resolution", "say what was done to resolve it")
                })?),
                _ => row.resolution.clone(),
            };
            // Any action by a superior or the assignee shows someone is on it.
            let acknowledged = row.acknowledged_at.is_some()
                || matches!(step, Step::Acknowledge | Step::Start | Step::Resolve);
            let n = diesel::update(
                c::table
                    .filter(c::id.eq(id))
                    .filter(c::version.eq(row.version)),
            )
            .set((
                c::status.eq(next.as_str()),
                c::resolution.eq(resolution),
                c::acknowledged_by.eq(row
                    .acknowledged_by
                    .or(acknowledged.then_some(caller.user_id))),
                c::acknowledged_at.eq(row.acknowledged_at.or(acknowledged.then_some(now))),
                c::next_escalation_at.eq(if acknowledged {
                    None
                } else {
                    row.next_escalation_at
                }),
                c::resolved_at.eq(match next {
                    S::Resolved => Some(now),
                    S::Reopened => None,
                    _ => row.resolved_at,
                }),
                c::closed_at.eq(match next {
                    S::Closed => Some(now),
                    S::Reopened => None,
                    _ => row.closed_at,
                }),
                c::version.eq(c::version + 1),
                c::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the complaint changed meanwhile".into(),
                ));
            }
            let complaint = Row::find(conn, id)?.present(now);
            let title = format!(
                "Complaint {}: {}",
                next.as_str().replace('_', " "),
                complaint.title
            );
            let mut told = vec![complaint.reporter_id, complaint.assignee_id];
            told.retain(|u| *u != caller.user_id);
            events::changed_and_notify(conn, now, "complaint.updated", &complaint, &title, &told)?;
            Ok(complaint)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &complaint, complaint.version))
}

crate::step_handlers!("complaints", ComplaintAction, Complaint, "The complaint's ETag", "The complaint after the step";
    (acknowledge_complaint, "/complaints/{id}/acknowledge", "acknowledge_complaint", Step::Acknowledge, "Acknowledge a complaint (a superior of the reporter; `If-Match`). Stops its escalation."),
    (start_complaint, "/complaints/{id}/start", "start_complaint", Step::Start, "Start work on a complaint (the assignee or a superior; `If-Match`): `open`/`reopened` -> `in_progress`."),
    (resolve_complaint, "/complaints/{id}/resolve", "resolve_complaint", Step::Resolve, "Resolve a complaint with a `resolution` (the assignee or a superior; `If-Match`)."),
    (close_complaint, "/complaints/{id}/close", "close_complaint", Step::Close, "Close a resolved complaint (the reporter or a superior; `If-Match`)."),
    (reopen_complaint, "/complaints/{id}/reopen", "reopen_complaint", Step::Reopen, "Reopen a resolved or closed complaint (the reporter or a superior; `If-Match`)."),
);
