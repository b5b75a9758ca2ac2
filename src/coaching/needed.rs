//! Who needs coaching: flagged salespeople of a subtree without a session in the last 30 days.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::{Duration, NaiveDate};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::api::COACHES;
use crate::auth::{Caller, Role};
use crate::db::Id;
use crate::error::ApiResult;
use crate::http::ValidQuery;
use crate::schema::{coaching_participants as cp, coaching_sessions as cs};
use crate::scorecards::model::{self as scorecards, Period, ScoreFlag};
use crate::settings::model::StoredSettings;
use crate::visits::compliance::scope;
use crate::AppState;

/// Flagged people without a session in this many days are listed.
pub const COACHING_GAP_DAYS: i64 = 30;

/// A salesperson who needs coaching.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoachingNeed {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    /// The flags of their scorecard for the current month.
    pub flags: Vec<ScoreFlag>,
    /// Their last coaching session, if any.
    pub last_session_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CoachingNeeds {
    pub as_of: NaiveDate,
    pub items: Vec<CoachingNeed>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeededQuery {
    /// Salespeople of this unit's subtree (default: your whole reach).
    pub unit_id: Option<Id>,
}

/// Salespeople whose scorecard of the current month is flagged (`behind_pace`, `new_hire`,
/// `late_reporter`, `low_effectiveness`) and who have had no coaching session in the last 30
/// days (supervisors, managers, executives).
#[utoipa::path(tag = "coaching", operation_id = "list_coaching_needed", params(NeededQuery),
    responses((status = 200, description = "Who needs coaching", body = CoachingNeeds),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/coaching-sessions/needed")]
pub async fn list_coaching_needed(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<NeededQuery>,
) -> ApiResult<web::Json<CoachingNeeds>> {
    let mut roles = COACHES.to_vec();
    roles.push(Role::Executive);
    caller.require(&roles)?;
    let now = state.clock.now();
    let unit = query.0.unit_id;
    let needs = state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let today = now.0.with_timezone(&settings.tz()).date_naive();
            let mut people = scope(conn, &caller, None, unit)?;
            // A coach who runs no unit is not their own coaching case.
            people.retain(|p| p.id != caller.user_id);
            let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
            let last: HashMap<Id, NaiveDate> = cp::table
                .inner_join(cs::table)
                .filter(cp::user_id.eq_any(&ids))
                .group_by(cp::user_id)
                .select((cp::user_id, max(cs::held_on).assume_not_null()))
                .load::<(Id, NaiveDate)>(conn)?
                .into_iter()
                .collect();
            let period = Period::month_of(today);
            let (_, mut cards) = scorecards::compute(conn, &settings, people, period, today, now)?;
            cards.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
            let items = cards
                .into_iter()
                .filter_map(|c| {
                    let last_session_on = last.get(&c.user_id).copied();
                    let coached_lately = last_session_on
                        .is_some_and(|d| d > today - Duration::days(COACHING_GAP_DAYS));
                    (!c.flags.is_empty() && !coached_lately).then_some(CoachingNeed {
                        user_id: c.user_id,
                        name: c.name,
                        org_unit_id: c.org_unit_id,
                        hired_on: c.hired_on,
                        flags: c.flags,
                        last_session_on,
                    })
                })
                .collect();
            Ok(CoachingNeeds {
                as_of: today,
                items,
            })
        })
        .await?;
    Ok(web::Json(needs))
}
