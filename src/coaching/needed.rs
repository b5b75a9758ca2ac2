//! Who needs coaching: flagged salespeople of a subtree without a session in the last 30 days.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::api::COACHES;
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::progress::actuals::actuals;
use crate::progress::model::{Progress, ProgressStatus};
use crate::schema::{coaching_participants as cp, coaching_sessions as cs, targets, users};
use crate::settings::model::StoredSettings;
use crate::targets::model::Target;
use crate::AppState;

/// A salesperson counts as a new hire for this many days.
pub const NEW_HIRE_DAYS: i64 = 90;
/// Flagged people without a session in this many days are listed.
pub const COACHING_GAP_DAYS: i64 = 30;

/// Why someone needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Hired in the last 90 days.
    NewHire,
    /// A current sales target is `behind` or `at_risk`.
    BehindPace,
}

/// A salesperson who needs coaching.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoachingNeed {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    pub flags: Vec<Flag>,
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

type Person = (Id, String, Id, Option<NaiveDate>);

fn behind_pace(conn: &mut DbConnection, people: &[Id], today: NaiveDate) -> ApiResult<Vec<Id>> {
    let settings = StoredSettings::load(conn)?.settings;
    let current: Vec<Target> = targets::table
        .filter(targets::user_id.eq_any(people))
        .filter(targets::metric.eq("sales_amount"))
        .filter(targets::period_start.le(today))
        .filter(targets::period_end.ge(today))
        .select(Target::as_select())
        .load(conn)?;
    let actual = actuals(conn, &current, today, settings.money_facts_source)?;
    Ok(current
        .into_iter()
        .filter_map(|t| {
            let a = actual.get(&t.id).copied().unwrap_or(0);
            let p = Progress::compute(t, a, today, &settings);
            matches!(p.status, ProgressStatus::Behind | ProgressStatus::AtRisk)
                .then_some(p.target.user_id)
                .flatten()
        })
        .collect())
}

/// Flagged salespeople without a coaching session in the last 30 days (supervisors, managers).
#[utoipa::path(tag = "coaching", operation_id = "list_coaching_needed", params(NeededQuery),
    responses((status = 200, description = "Who needs coaching", body = CoachingNeeds)))]
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
        .db(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let today = now.0.with_timezone(&settings.tz()).date_naive();
            let mut q = users::table
                .filter(users::role.eq("salesperson"))
                .filter(users::active.eq(true))
                .select((users::id, users::name, users::org_unit_id, users::hired_on))
                .into_boxed();
            if let Some(u) = unit {
                if !caller.reach.covers_unit(u) {
                    return Err(ApiError::not_found("org unit"));
                }
                q = q.filter(users::org_unit_id.eq_any(subtree_units(conn, &[u])?));
            } else if !caller.reach.all {
                q = q.filter(users::org_unit_id.eq_any(caller.reach.unit_ids.clone()));
            }
            let people: Vec<Person> = q.order(users::id).load(conn)?;
            let ids: Vec<Id> = people.iter().map(|p| p.0).collect();
            let last: HashMap<Id, NaiveDate> = cp::table
                .inner_join(cs::table)
                .filter(cp::user_id.eq_any(&ids))
                .select((cp::user_id, cs::held_on))
                .load::<(Id, NaiveDate)>(conn)?
                .into_iter()
                .fold(HashMap::new(), |mut m, (u, d)| {
                    let e = m.entry(u).or_insert(d);
                    if d > *e {
                        *e = d;
                    }
                    m
                });
            let behind = behind_pace(conn, &ids, today)?;
            let items = people
                .into_iter()
                .filter_map(|(id, name, org_unit_id, hired_on)| {
                    let mut flags = Vec::new();
                    if hired_on.is_some_and(|h| h > today - Duration::days(NEW_HIRE_DAYS)) {
                        flags.push(Flag::NewHire);
                    }
                    if behind.contains(&id) {
                        flags.push(Flag::BehindPace);
                    }
                    let last_session_on = last.get(&id).copied();
                    let coached_lately = last_session_on
                        .is_some_and(|d| d > today - Duration::days(COACHING_GAP_DAYS));
                    (!flags.is_empty() && !coached_lately).then_some(CoachingNeed {
                        user_id: id,
                        name,
                        org_unit_id,
                        hired_on,
                        flags,
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
