//! The workflow steps of a promotion: approve and cancel (each with `If-Match`). The moves in
//! time (running, completed) are the background pass's, in [`super::lifecycle`].

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{self, Promotion, Row};
use super::{PromotionStatus, PLANNERS};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch};
use crate::schema::promotions as pr;
use crate::settings::model::StoredSettings;
use crate::visits::business_day;
use crate::AppState;

/// A decision on a promotion; cancelling needs a `reason`.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionDecision {
    #[validate(length(min = 1, max = 5000))]
    pub reason: Option<String>,
}

#[derive(Clone, Copy)]
enum Step {
    Approve,
    Cancel,
}

/// Whether the caller is a manager whose reach covers the promotion's unit.
fn manages(caller: &Caller, row: &Row) -> bool {
    caller.is(Role::Manager) && caller.reach.covers_unit(row.org_unit_id)
}

/// Who may take the step: approving is a manager above the unit who did not plan it;
/// cancelling a draft is its planners', an approved or running one a manager's above the unit.
fn check_role(caller: &Caller, row: &Row, step: Step) -> ApiResult<()> {
    let allowed = match step {
        Step::Approve => manages(caller, row) && row.created_by != caller.user_id,
        Step::Cancel if row.status() == PromotionStatus::Draft => {
            PLANNERS.contains(&caller.role) && caller.reach.covers_unit(row.org_unit_id)
        }
        Step::Cancel => manages(caller, row),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(match step {
            Step::Approve => {
                "a promotion is approved by a manager above its unit, never by its planner".into()
            }
            Step::Cancel => "a promotion is cancelled by a manager above its unit".into(),
        }))
    }
}

fn apply(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &Row,
    step: Step,
    reason: Option<String>,
    now: Timestamp,
) -> ApiResult<&'static str> {
    let today = business_day(&StoredSettings::load(conn)?.settings, now);
    let next = match (step, row.status()) {
        (Step::Approve, PromotionStatus::Draft) if row.ends_on < today => {
            return Err(ApiError::illegal_state(
                format!(
                    "the promotion's period ended on {}; plan it again",
                    row.ends_on
                ),
                row.status.clone(),
            ))
        }
        (Step::Approve, PromotionStatus::Draft) if row.starts_on <= today => {
            PromotionStatus::Running
        }
        (Step::Approve, PromotionStatus::Draft) => PromotionStatus::Approved,
        (
            Step::Cancel,
            PromotionStatus::Draft | PromotionStatus::Approved | PromotionStatus::Running,
        ) => PromotionStatus::Cancelled,
        _ => {
            return Err(ApiError::illegal_state(
                format!("this step is not possible on a {} promotion", row.status),
                row.status.clone(),
            ))
        }
    };
    let reason = match step {
        Step::Cancel => {
            Some(reason.ok_or_else(|| ApiError::invalid("reason", "say why it is cancelled"))?)
        }
        Step::Approve => None,
    };
    let approving = matches!(step, Step::Approve);
    let n = diesel::update(
        pr::table
            .filter(pr::id.eq(row.id))
            .filter(pr::version.eq(row.version)),
    )
    .set((
        pr::status.eq(next.as_str()),
        pr::approved_by.eq(if approving {
            Some(caller.user_id)
        } else {
            row.approved_by
        }),
        pr::approved_at.eq(if approving {
            Some(now)
        } else {
            row.approved_at
        }),
        pr::started_at.eq(if next == PromotionStatus::Running {
            Some(now)
        } else {
            row.started_at
        }),
        pr::cancelled_by.eq((!approving).then_some(caller.user_id)),
        pr::cancelled_at.eq((!approving).then_some(now)),
        pr::cancel_reason.eq(reason),
        pr::version.eq(pr::version + 1),
        pr::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ApiError::PreconditionFailed(
            "the promotion changed meanwhile".into(),
        ));
    }
    Ok(match step {
        Step::Approve => "promotion.approved",
        Step::Cancel => "promotion.cancelled",
    })
}

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    decision: PromotionDecision,
    step: Step,
) -> ApiResult<HttpResponse> {
    // Approving is a manager's, cancelling a planner's: other roles never take a step (403).
    caller.require(match step {
        Step::Approve => &[Role::Manager],
        Step::Cancel => &PLANNERS,
    })?;
    let now = state.clock.now();
    let promotion: Promotion = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            check_role(&caller, &row, step)?;
            if_match.check(row.version)?;
            let event = apply(conn, &caller, &row, step, decision.reason, now)?;
            let promotion = model::load(conn, id)?;
            let title = match step {
                Step::Approve => format!("Your promotion \"{}\" is approved", row.name),
                Step::Cancel => format!("The promotion \"{}\" was cancelled", row.name),
            };
            let told: Vec<Id> = Some(row.created_by)
                .filter(|p| *p != caller.user_id)
                .into_iter()
                .collect();
            events::changed_and_notify(conn, now, event, &promotion, &title, &told)?;
            Ok(promotion)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &promotion, promotion.version))
}

crate::step_handlers!("promotions", PromotionDecision, Promotion, "The promotion's ETag", "The promotion after the step";
    (approve_promotion, "/promotions/{id}/approve", "approve_promotion", Step::Approve, "Approve a draft (a manager above its unit who did not plan it; `If-Match`). From its first day on it is `running` (at once, when that day has come); a draft whose period is over is 409. Its planner is notified."),
    (cancel_promotion, "/promotions/{id}/cancel", "cancel_promotion", Step::Cancel, "Cancel a draft (its planners), or an approved or running promotion (a manager above its unit), with a `reason` (`If-Match`). Completed and cancelled ones are 409. Costs booked stay booked."),
);
