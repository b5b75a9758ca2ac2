//! `GET /api/v1/coverage`: how well the customers of a unit's salespeople (or one's own) were
//! visited within their call cycles over a period.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{compute, CoverageFigures, PersonCoverage};
use crate::auth::{Caller, Role};
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::org::model::OrgUnit;
use crate::scorecards::model::Period;
use crate::settings::model::StoredSettings;
use crate::visits::business_day;
use crate::visits::compliance::scope;
use crate::weekly::IsoWeek;
use crate::AppState;

/// Roles that read coverage (salespeople their own).
pub const READERS: [Role; 5] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
];

#[crate::rules]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// The unit whose salespeople (whole subtree) are counted; in your reach. Default: everyone
    /// you reach (a salesperson: oneself).
    pub unit_id: Option<Id>,
    /// A month (`2026-11`), a quarter (`2026-Q4`) or an ISO week (`2026-W47`).
    #[validate(length(min = 7, max = 8))]
    pub period: String,
}

/// The coverage of a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Coverage {
    pub unit_id: Option<Id>,
    #[schema(example = "2026-11")]
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day the figures are taken on: the period's end, or today if earlier.
    pub as_of: NaiveDate,
    /// Everyone's customers together.
    pub total: CoverageFigures,
    /// Per salesperson, by name: the customers they own.
    pub people: Vec<PersonCoverage>,
}

/// The days of a period given as a month, a quarter or an ISO week (422 on `period`).
pub fn period_days(s: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    if s.contains("-W") {
        return IsoWeek::parse(s)
            .map(|w| (w.start(), w.end()))
            .ok_or_else(|| {
                ApiError::invalid(
                    "period",
                    "a month like 2026-11, a quarter like 2026-Q4 or a week like 2026-W47",
                )
            });
    }
    let p = Period::parse(s)?;
    Ok((p.start, p.end))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_coverage);
}

/// Call-cycle coverage of a period: per salesperson and for the unit, the customers due, those
/// visited within their cycle (`coverage_rate`), and those overdue with their days overdue.
#[utoipa::path(tag = "coverage", operation_id = "get_coverage", params(CoverageQuery),
    responses((status = 200, description = "The coverage", body = Coverage),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/coverage")]
pub async fn get_coverage(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<CoverageQuery>,
) -> ApiResult<web::Json<Coverage>> {
    caller.require(&READERS)?;
    let q = query.0;
    let (from, to) = period_days(&q.period)?;
    let now = state.clock.now();
    let coverage = state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let as_of = to.min(business_day(&settings, now));
            let people = scope(conn, &caller, None, q.unit_id)?;
            if let Some(unit) = q.unit_id {
                // A unit nobody can see is unknown alike (404).
                OrgUnit::find(conn, unit)?;
            }
            let (total, people) = compute(conn, &settings, &people, from, as_of)?;
            Ok(Coverage {
                unit_id: q.unit_id,
                period: q.period,
                from,
                to,
                as_of,
                total,
                people,
            })
        })
        .await?;
    Ok(web::Json(coverage))
}
