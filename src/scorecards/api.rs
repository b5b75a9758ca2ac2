//! `/api/v1/scorecards`: the salespeople of a unit for a month or quarter, ranked and flagged;
//! also as CSV or XLSX.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{compute, Period, Scorecard, Scorecards};
use super::supervisors::{self, WeeklyReportScore};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::Id;
use crate::error::ApiResult;
use crate::export::{self, Cell, ExportFile, ExportQuery, Sheet};
use crate::http::ValidQuery;
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
    cfg.service(get_scorecards).service(export_scorecards);
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

async fn load(state: &AppState, caller: Caller, q: ScorecardQuery) -> ApiResult<Scorecards> {
    caller.require(&READERS)?;
    let period = Period::parse(&q.period)?;
    let now = state.clock.now();
    state
        .db(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let today = now.0.with_timezone(&settings.tz()).date_naive();
            let people = scope(conn, &caller, None, Some(q.unit_id))?;
            let (as_of, items) = compute(conn, &settings, people, period, today, now)?;
            let units = subtree_units(conn, &[q.unit_id])?;
            let supervisors = supervisors::compute(conn, &settings, &units, period, now)?;
            Ok(Scorecards {
                unit_id: q.unit_id,
                period: q.period,
                from: period.start,
                to: period.end,
                as_of,
                items,
                supervisors,
            })
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
    Ok(web::Json(load(&state, caller, query.0).await?))
}

fn sheet(cards: &Scorecards) -> Sheet {
    let mut s = Sheet::new(
        &format!("Scorecards {}", cards.period),
        &[
            "rank",
            "name",
            "user_id",
            "sales target",
            "sales actual",
            "sales achievement",
            "status",
            "visits",
            "effective visit rate",
            "transaction rate",
            "sales",
            "sales per visit",
            "collections",
            "new customers",
            "expenses",
            "cost per visit",
            "report timeliness",
            "average quality",
            "plan adherence",
            "flags",
        ],
    );
    for c in &cards.items {
        s.push(row(c));
    }
    s
}

fn row(c: &Scorecard) -> Vec<Cell> {
    let sales = c
        .targets
        .iter()
        .find(|t| t.metric == "sales_amount" && t.category.is_none());
    let f = &c.figures;
    vec![
        Cell::Int(c.rank as i64),
        c.name.clone().into(),
        c.user_id.to_string().into(),
        sales.map(|t| t.value).into(),
        sales.map(|t| t.actual).into(),
        sales.and_then(|t| t.achievement_ratio).into(),
        sales.map_or(Cell::Empty, |t| Cell::name(&t.status)),
        Cell::Int(f.visits),
        f.effective_visit_rate.into(),
        f.transaction_rate.into(),
        Cell::Int(f.sales_minor),
        f.sales_per_visit_minor.into(),
        Cell::Int(f.collections_minor),
        Cell::Int(f.new_customers),
        Cell::Int(f.expenses_minor),
        f.cost_per_visit_minor.into(),
        f.report_timeliness_rate.into(),
        f.average_quality_score.into(),
        f.plan_adherence.into(),
        Cell::names(&c.flags),
    ]
}

fn supervisor_sheet(scores: &[WeeklyReportScore]) -> Sheet {
    let mut s = Sheet::new(
        "Weekly reports",
        &[
            "name",
            "user_id",
            "units",
            "due",
            "on time",
            "late",
            "missing",
            "timeliness",
            "late reporter",
        ],
    );
    for w in scores {
        s.push(vec![
            w.name.clone().into(),
            w.user_id.to_string().into(),
            Cell::Int(w.units),
            Cell::Int(w.due),
            Cell::Int(w.on_time),
            Cell::Int(w.late),
            Cell::Int(w.missing),
            w.timeliness_rate.into(),
            (if w.late_reporter { "yes" } else { "no" }).into(),
        ]);
    }
    s
}

/// Scorecards as a CSV file or an XLSX workbook (money in minor units): the salespeople, then the
/// weekly-report timeliness of the supervisors and managers.
#[utoipa::path(tag = "scorecards", operation_id = "export_scorecards", params(ScorecardQuery, ExportQuery),
    responses((status = 200, description = "The file (CSV or XLSX)", content(
        (ExportFile = "application/octet-stream"),
        (ExportFile = "text/csv"),
        (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/scorecards/export")]
pub async fn export_scorecards(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ScorecardQuery>,
    format: ValidQuery<ExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    let cards = load(&state, caller, query.0).await?;
    let stem = format!("scorecards-{}", cards.period);
    export::respond(
        format.0.format,
        wanted,
        &stem,
        &[sheet(&cards), supervisor_sheet(&cards.supervisors)],
    )
}
