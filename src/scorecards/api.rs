//! `/api/v1/scorecards`: the salespeople of a unit for a month or quarter, ranked and flagged
//! (the CSV and XLSX export is in `export.rs`).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{compute, Period, Scorecards};
use super::supervisors;
use crate::auth::{subtree_units, Caller, Role};
use crate::db::Id;
use crate::error::ApiResult;
use crate::export::Currency;
use crate::http::ValidQuery;
use crate::org::model::OrgUnit;
use crate::settings::model::StoredSettings;
use crate::visits::compliance::scope;
use crate::AppState;

const READERS: [Role; 4] = [
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_scorecards)
        .service(super::export::export_scorecards);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// The unit whose salespeople (whole subtree) are scored; in your reach.
    pub unit_id: Id,
    /// A month (`2026-11`) or a quarter (`2026-Q4`).
    #[validate(length(min = 7, max = 7))]
    pub period: String,
}

/// What an export shows beside the scorecards: the unit's name and the company currency.
pub struct Heading {
    pub unit_name: String,
    pub currency: Currency,
}

/// The scorecards of the query, within the caller's reach, with their heading.
pub async fn load(
    state: &AppState,
    caller: Caller,
    q: ScorecardQuery,
) -> ApiResult<(Scorecards, Heading)> {
    caller.require(&READERS)?;
    let period = Period::parse(&q.period)?;
    let now = state.clock.now();
    state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let today = now.0.with_timezone(&settings.tz()).date_naive();
            let people = scope(conn, &caller, None, Some(q.unit_id))?;
            let (as_of, items) = compute(conn, &settings, people, period, today, now)?;
            let units = subtree_units(conn, &[q.unit_id])?;
            let supervisors = supervisors::compute(conn, &settings, &units, period, now)?;
            let heading = Heading {
                unit_name: OrgUnit::find(conn, q.unit_id)?.name,
                currency: Currency {
                    code: settings.currency.clone(),
                    minor_digits: settings.currency_minor_digits,
                },
            };
            let cards = Scorecards {
                unit_id: q.unit_id,
                period: q.period,
                from: period.start,
                to: period.end,
                as_of,
                items,
                supervisors,
            };
            Ok((cards, heading))
        })
        .await
}

/// Scorecards of a unit's salespeople for a month or quarter, best first.
#[utoipa::path(tag = "scorecards", operation_id = "get_scorecards", params(ScorecardQuery),
    responses((status = 200, description = "The scorecards", body = Scorecards),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/scorecards")]
pub async fn get_scorecards(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ScorecardQuery>,
) -> ApiResult<web::Json<Scorecards>> {
    Ok(web::Json(load(&state, caller, query.0).await?.0))
}
