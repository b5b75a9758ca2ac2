//! The workflow steps of a visit plan: submit, approve, return (each with `If-Match`).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::api::load;
use super::model::{PlanRow, PlanStatus, VisitPlan};
use crate::alerts;
use crate::auth::Caller;
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch};
use crate::schema::visit_plans as vp;
use crate::visits::{signs_for, READERS};
use crate::AppState;

/// A superior's decision; returning needs a `comment`.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDecision {
    #[validate(length(min = 1, max = 5000))]
    pub comment: Option<String>,
}

#[derive(Clone, Copy)]
enum Step {
    Submit,
    Approve,
    Return,
}

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    decision: PlanDecision,
    step: Step,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let now = state.clock.now();
    let plan = state
        .write(move |conn| {
            let row = PlanRow::find_in_reach(conn, &caller, id)?;
            match step {
                Step::Submit if row.owner_id != caller.user_id => {
                    return Err(ApiError::Forbidden("only the owner submits a plan".into()))
                }
                Step::Approve | Step::Return if !signs_for(conn, &caller, row.owner_id)? => {
                    return Err(ApiError::Forbidden(
                        "a plan is signed by a supervisor or manager above its owner".into(),
                    ))
                }
                _ => {}
            }
            if_match.check(row.version)?;
            let status = row.status();
            let next = match (step, status) {
                (Step::Submit, s) if s.editable() => PlanStatus::Submitted,
                (Step::Approve, PlanStatus::Submitted) => PlanStatus::Approved,
                (Step::Return, PlanStatus::Submitted) => PlanStatus::Returned,
                _ => {
                    return Err(ApiError::illegal_state(
                        format!("this step is not possible on a {} plan", row.status),
                        row.status,
                    ))
                }
            };
            let comment =
                match step {
                    Step::Return => Some(decision.comment.clone().ok_or_else(|| {
                        ApiError::invalid("comment", "say why the plan is returned")
                    })?),
                    _ => row.return_comment.clone(),
                };
            let n = diesel::update(
                vp::table
                    .filter(vp::id.eq(id))
                    .filter(vp::version.eq(row.version)),
            )
            .set((
                vp::status.eq(next.as_str()),
                vp::submitted_at.eq(if matches!(step, Step::Submit) {
                    Some(now)
                } else {
                    row.submitted_at
                }),
                vp::approved_by.eq(if matches!(step, Step::Approve) {
                    Some(caller.user_id)
                } else {
                    None
                }),
                vp::approved_at.eq(if matches!(step, Step::Approve) {
                    Some(now)
                } else {
                    None
                }),
                vp::returned_by.eq(if matches!(step, Step::Return) {
                    Some(caller.user_id)
                } else {
                    row.returned_by
                }),
                vp::returned_at.eq(if matches!(step, Step::Return) {
                    Some(now)
                } else {
                    row.returned_at
                }),
                vp::return_comment.eq(comment),
                vp::version.eq(vp::version + 1),
                vp::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the plan changed meanwhile".into(),
                ));
            }
            let plan = load(conn, id)?;
            let (event, title, told) = match step {
                Step::Submit => {
                    let chain = alerts::chain_of_person(conn, row.owner_id)?;
                    (
                        "visit_plan.submitted",
                        format!("Visit plan for {} waits for your approval", plan.plan_date),
                        chain.into_iter().take(1).collect::<Vec<_>>(),
                    )
                }
                Step::Approve => (
                    "visit_plan.approved",
                    format!("Your visit plan for {} is approved", plan.plan_date),
                    vec![row.owner_id],
                ),
                Step::Return => (
                    "visit_plan.returned",
                    format!("Your visit plan for {} was returned", plan.plan_date),
                    vec![row.owner_id],
                ),
            };
            events::changed_and_notify(conn, now, event, &plan, &title, &told)?;
            Ok(plan)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &plan, plan.version))
}

crate::step_handlers!("visit-plans", PlanDecision, VisitPlan, "The plan's ETag", "The plan after the step";
    (submit_visit_plan, "/visit-plans/{id}/submit", "submit_visit_plan", Step::Submit, "Submit your draft or returned plan for approval (`If-Match`); your nearest superior is notified."),
    (approve_visit_plan, "/visit-plans/{id}/approve", "approve_visit_plan", Step::Approve, "Approve a submitted plan (a supervisor or manager above the owner; `If-Match`). Records who and when, and locks the plan."),
    (return_visit_plan, "/visit-plans/{id}/return", "return_visit_plan", Step::Return, "Return a submitted plan with a `comment` (a supervisor or manager above the owner; `If-Match`); the owner edits and submits again."),
);
