//! The allocation view of a target and the split helper that creates its children.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::Target;
use super::period::{Metric, Period, PeriodType};
use super::rules::{create_checked, Assignee, TargetInput};
use super::split::largest_remainder;
use crate::auth::Caller;
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, ValidJson};
use crate::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_allocation).service(split_target);
}

/// How the children's values compare with the parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationState {
    /// The children sum to less than the parent: part of the target is not assigned.
    Under,
    Exact,
    /// The children sum to more than the parent.
    Over,
}

/// A target's value against the sum of its children.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Allocation {
    pub target_id: Id,
    pub value: i64,
    pub children_sum: i64,
    /// `value - children_sum`: positive when under-allocated, negative when over.
    pub remainder: i64,
    pub state: AllocationState,
    pub children: Vec<Target>,
}

/// What to split a target over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitOver {
    /// Into shorter periods of the same assignee (`into`, optional `profile_pct`).
    Time,
    /// Into assignees inside the target's assignee, same period (`shares`).
    Assignees,
}

/// One assignee of a split over assignees, with its weight.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitShare {
    /// Give exactly one of `unit_id`, `user_id`, `dealer_id`.
    pub unit_id: Option<Id>,
    pub user_id: Option<Id>,
    pub dealer_id: Option<Id>,
    /// Relative weight (default 1: an even split).
    #[validate(range(max = 1_000_000_000u64))]
    pub weight: Option<u64>,
}

/// How to split a target into children.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub over: SplitOver,
    /// For `time`: the period type of the children (a year into `quarter` or `month`, a
    /// quarter into `month`).
    pub into: Option<PeriodType>,
    /// For `time`: percent per child period, in order, summing to 100 (default: even).
    #[validate(length(min = 1, max = 12))]
    pub profile_pct: Option<Vec<u64>>,
    /// For `assignees`: who gets a share, and how much.
    #[validate(length(min = 1, max = 1000), nested)]
    pub shares: Option<Vec<SplitShare>>,
}

/// The children a split created, in order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SplitResult {
    pub parent_id: Id,
    pub children: Vec<Target>,
}

/// A target's allocation: its value, the sum of its children and the remainder.
///
/// `state` is `under`, `exact` or `over`.
#[utoipa::path(tag = "targets", operation_id = "get_target_allocation", params(("id" = Id, Path)),
    responses((status = 200, description = "The allocation", body = Allocation)))]
#[get("/targets/{id}/allocation")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<web::Json<Allocation>> {
    let id = id.into_inner();
    let (target, sum, children) = state
        .db(move |conn| {
            let target = Target::find(conn, &caller, id)?;
            let sum = Target::children_sum(conn, id)?;
            let children = Target::children(conn, id)?;
            Ok((target, sum, children))
        })
        .await?;
    let remainder = target.value - sum;
    let state = match remainder {
        r if r > 0 => AllocationState::Under,
        0 => AllocationState::Exact,
        _ => AllocationState::Over,
    };
    Ok(web::Json(Allocation {
        target_id: target.id,
        value: target.value,
        children_sum: sum,
        remainder,
        state,
        children,
    }))
}

/// The children of a split, before the checks: (period, assignee, weight).
fn plan(parent: &Target, req: &SplitRequest) -> ApiResult<Vec<(Period, Assignee, u64)>> {
    let kind = PeriodType::parse(&parent.period_type)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored period type is unknown")))?;
    let period = Period::new(kind, parent.period_start)?;
    match req.over {
        SplitOver::Time => {
            let into = req
                .into
                .ok_or_else(|| ApiError::invalid("into", "is required to split over time"))?;
            let tiles = period.tiles(into)?;
            let weights = match &req.profile_pct {
                None => vec![1; tiles.len()],
                Some(p) if p.len() != tiles.len() => {
                    return Err(ApiError::invalid(
                        "profile_pct",
                        format!("needs one percentage per child period ({})", tiles.len()),
                    ))
                }
                Some(p) if p.iter().sum::<u64>() != 100 => {
                    return Err(ApiError::invalid(
                        "profile_pct",
                        "the percentages must sum to 100",
                    ))
                }
                Some(p) => p.clone(),
            };
            let who = Assignee::of(parent);
            Ok(tiles
                .into_iter()
                .zip(weights)
                .map(|(t, w)| (t, who, w))
                .collect())
        }
        SplitOver::Assignees => {
            let shares = req.shares.as_ref().ok_or_else(|| {
                ApiError::invalid("shares", "are required to split over assignees")
            })?;
            let mut out = Vec::with_capacity(shares.len());
            for (i, s) in shares.iter().enumerate() {
                let who =
                    Assignee::from_parts(s.unit_id, s.user_id, s.dealer_id).map_err(|_| {
                        ApiError::invalid(
                            &format!("shares[{i}]"),
                            "give exactly one of unit_id, user_id, dealer_id",
                        )
                    })?;
                if out.iter().any(|(_, w, _)| *w == who) {
                    return Err(ApiError::invalid(
                        &format!("shares[{i}]"),
                        "the assignee is listed twice",
                    ));
                }
                out.push((period, who, s.weight.unwrap_or(1)));
            }
            Ok(out)
        }
    }
}

/// Split a target into children, in one transaction.
///
/// Over time (a year into quarters or months, a quarter into months; evenly or by a percentage
/// profile) or over assignees inside the target's (by weights). The children always sum to the
/// parent exactly (largest-remainder rounding). A target that already has children is refused
/// (409).
#[utoipa::path(tag = "targets", operation_id = "split_target", request_body = SplitRequest,
    params(("id" = Id, Path),
        ("If-Match" = String, Header, description = "The target's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried split safe")),
    responses((status = 201, description = "The children", body = SplitResult)))]
#[post("/targets/{id}/split")]
pub async fn split_target(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<SplitRequest>,
) -> ApiResult<HttpResponse> {
    caller.require(&super::rules::WRITERS)?;
    let (id, req) = (id.into_inner(), body.0);
    let now = state.clock.now();
    let result = state
        .write(move |conn| {
            let parent = Target::find(conn, &caller, id)?;
            if_match.check(parent.version)?;
            if Target::has_children(conn, id)? {
                return Err(ApiError::conflict(
                    "the target is already broken down; see its allocation",
                ));
            }
            let planned = plan(&parent, &req)?;
            let weights: Vec<u64> = planned.iter().map(|(_, _, w)| *w).collect();
            let values = largest_remainder(parent.value, &weights)
                .ok_or_else(|| ApiError::invalid("shares", "the weights sum to zero"))?;
            let metric = Metric::parse(&parent.metric)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored metric is unknown")))?;
            let mut children = Vec::with_capacity(planned.len());
            for ((period, who, _), value) in planned.into_iter().zip(values) {
                let input = TargetInput {
                    metric,
                    period,
                    value,
                    who,
                    category: parent.category.clone(),
                    parent: Some(parent.clone()),
                };
                children.push(create_checked(conn, &caller, input, now)?);
            }
            Ok(SplitResult {
                parent_id: id,
                children,
            })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/targets/{}/allocation", result.parent_id),
        ))
        .json(result))
}
