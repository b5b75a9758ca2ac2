//! `GET /api/v1/scorecards/export`: the scorecards as CSV (one table per file) or as an XLSX
//! workbook (a sheet per table, formatted to be read and printed).

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::api::{load, Heading, ScorecardQuery};
use super::model::{Scorecard, Scorecards};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::export::{self, Cell, ExportFile, ExportFormat, Sheet};
use crate::http::ValidQuery;
use crate::AppState;

/// A table of the scorecards export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScorecardTable {
    /// The salespeople, best first (the main table).
    Salespeople,
    /// The weekly-report timeliness of the unit's supervisors and managers.
    Supervisors,
}

const TABLES: [ScorecardTable; 2] = [ScorecardTable::Salespeople, ScorecardTable::Supervisors];

/// `?format=csv|xlsx&table=` of the scorecards export.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline, example = "xlsx")]
    pub format: ExportFormat,
    /// The one table to export. Without it, a CSV file holds `salespeople` and an XLSX
    /// workbook holds every table, one sheet each.
    #[param(inline)]
    pub table: Option<ScorecardTable>,
}

fn title(what: &str, cards: &Scorecards, h: &Heading) -> Vec<String> {
    vec![
        format!(
            "{what}: {}, {} ({} to {})",
            h.unit_name, cards.period, cards.from, cards.to
        ),
        format!("As of {}; money in {}", cards.as_of, h.currency.code),
    ]
}

fn salespeople(cards: &Scorecards, h: &Heading) -> Sheet {
    let mut s = Sheet::new(
        &format!("Scorecards {}", cards.period),
        &[
            "rank",
            "name",
            "sales_target_minor",
            "sales_actual_minor",
            "sales_achievement_ratio",
            "sales_status",
            "visits",
            "effective_visit_rate",
            "transaction_rate",
            "sales_minor",
            "sales_per_visit_minor",
            "collections_minor",
            "new_customers",
            "expenses_minor",
            "cost_per_visit_minor",
            "report_timeliness_rate",
            "average_quality_score",
            "plan_adherence",
            "coverage_rate",
            "customers_overdue",
            "flags",
            "user_id",
        ],
    )
    .titled(title("Scorecards", cards, h));
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
        Cell::money(sales.map(|t| t.value)),
        Cell::money(sales.map(|t| t.actual)),
        Cell::ratio(sales.and_then(|t| t.achievement_ratio)),
        sales.map_or(Cell::Empty, |t| Cell::name(&t.status)),
        Cell::Int(f.visits),
        Cell::ratio(f.effective_visit_rate),
        Cell::ratio(f.transaction_rate),
        Cell::Money(f.sales_minor),
        Cell::money(f.sales_per_visit_minor),
        Cell::Money(f.collections_minor),
        Cell::Int(f.new_customers),
        Cell::Money(f.expenses_minor),
        Cell::money(f.cost_per_visit_minor),
        Cell::ratio(f.report_timeliness_rate),
        Cell::number(f.average_quality_score),
        Cell::ratio(f.plan_adherence),
        Cell::ratio(c.coverage.coverage_rate),
        Cell::Int(c.coverage.customers_overdue),
        Cell::names(&c.flags),
        c.user_id.to_string().into(),
    ]
}

fn supervisors(cards: &Scorecards, h: &Heading) -> Sheet {
    let mut s = Sheet::new(
        "Weekly reports",
        &[
            "name",
            "units",
            "due",
            "on_time",
            "late",
            "missing",
            "timeliness_rate",
            "late_reporter",
            "user_id",
        ],
    )
    .titled(title("Weekly-report timeliness", cards, h));
    for w in &cards.supervisors {
        s.push(vec![
            w.name.clone().into(),
            Cell::Int(w.units),
            Cell::Int(w.due),
            Cell::Int(w.on_time),
            Cell::Int(w.late),
            Cell::Int(w.missing),
            Cell::ratio(w.timeliness_rate),
            w.late_reporter.into(),
            w.user_id.to_string().into(),
        ]);
    }
    s
}

/// Scorecards as a CSV file (one table) or an XLSX workbook (every table, one sheet each).
///
/// CSV is for machines: one table per file, snake_case headers, CRLF line
/// ends, money in minor units (`_minor` columns), ratios as decimals, dates ISO 8601; `table`
/// picks the table (`salespeople`, the default, or `supervisors`). XLSX is for people: every
/// table as its own sheet (or only `table`), money in major units with the company currency's
/// format, ratios as percentages, a title with the unit and period, the header frozen and
/// filtered, printed landscape one page wide.
#[utoipa::path(tag = "scorecards", operation_id = "export_scorecards", params(ScorecardQuery, ScorecardExportQuery),
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
    file: ValidQuery<ScorecardExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    let (cards, heading) = load(&state, caller, query.0).await?;
    let format = file.0.format;
    let tables = export::chosen(format, file.0.table, &TABLES);
    let sheets: Vec<Sheet> = tables
        .iter()
        .map(|t| match t {
            ScorecardTable::Salespeople => salespeople(&cards, &heading),
            ScorecardTable::Supervisors => supervisors(&cards, &heading),
        })
        .collect();
    let mut stem = format!("scorecards-{}", cards.period);
    if let [ScorecardTable::Supervisors] = tables.as_slice() {
        stem.push_str("-supervisors");
    }
    export::respond(format, wanted, &stem, &heading.currency, &sheets)
}
