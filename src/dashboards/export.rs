//! `GET /api/v1/dashboards/monthly/export`: the monthly dashboard as CSV (one table per file)
//! or as an XLSX workbook: a sheet per metric (the units ranked, target against actual,
//! expected, forecast and the months before), and a sheet of the best and weakest salespeople.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::monthly::{compute, MonthlyDashboard, MonthlyQuery, MonthlyUnit};
use super::UnitPlace;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::export::{self, Cell, Currency, ExportFile, ExportFormat, Sheet};
use crate::http::ValidQuery;
use crate::scorecards::export::people_sheet;
use crate::scorecards::model::Scorecard;
use crate::targets::period::Metric;
use crate::AppState;

/// A table of the monthly dashboard's export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyTable {
    /// The units against their sales targets (the main table).
    SalesAmount,
    GrossProfit,
    Collections,
    NewCustomers,
    Visits,
    /// The best and the weakest salespeople of the month.
    Salespeople,
}

const TABLES: [MonthlyTable; 6] = [
    MonthlyTable::SalesAmount,
    MonthlyTable::GrossProfit,
    MonthlyTable::Collections,
    MonthlyTable::NewCustomers,
    MonthlyTable::Visits,
    MonthlyTable::Salespeople,
];

impl MonthlyTable {
    fn metric(self) -> Option<Metric> {
        match self {
            MonthlyTable::SalesAmount => Some(Metric::SalesAmount),
            MonthlyTable::GrossProfit => Some(Metric::GrossProfit),
            MonthlyTable::Collections => Some(Metric::Collections),
            MonthlyTable::NewCustomers => Some(Metric::NewCustomers),
            MonthlyTable::Visits => Some(Metric::Visits),
            MonthlyTable::Salespeople => None,
        }
    }
}

/// `?format=csv|xlsx&table=` of the monthly dashboard's export.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline, example = "xlsx")]
    pub format: ExportFormat,
    /// The one table to export. Without it, a CSV file holds `sales_amount` and an XLSX
    /// workbook holds every table, one sheet each.
    #[param(inline)]
    pub table: Option<MonthlyTable>,
}

/// A metric's name for people (`Gross profit`).
fn metric_label(metric: Metric) -> String {
    export::xlsx::label(metric.as_str())
}

fn title(what: &str, d: &MonthlyDashboard, currency: &Currency) -> Vec<String> {
    let tops: Vec<&str> = d
        .units
        .iter()
        .filter(|u| u.place == UnitPlace::Top)
        .map(|u| u.unit_name.as_str())
        .collect();
    vec![
        format!(
            "{what}: {}, {} ({} to {})",
            tops.join(", "),
            d.month,
            d.from,
            d.to
        ),
        format!(
            "Figures as of {}; expected and forecast at an even pace; money in {}",
            d.day, currency.code
        ),
    ]
}

/// The units against one metric: the top units first, then the units below them by rank.
fn metric_sheet(d: &MonthlyDashboard, metric: Metric, currency: &Currency) -> Sheet {
    let money = metric.is_money();
    let m = |name: &str| -> String {
        if money {
            format!("{name}_minor")
        } else {
            name.to_string()
        }
    };
    let months: Vec<String> = d
        .units
        .first()
        .and_then(|u| u.trend.iter().find(|t| t.metric == metric))
        .map(|t| t.previous_months.iter().map(|p| p.month.clone()).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = vec!["rank".into(), "unit".into()];
    for name in ["target", "actual", "expected", "gap", "forecast"] {
        header.push(m(name));
    }
    header.extend(["achievement_ratio", "forecast_ratio", "status"].map(String::from));
    for month in &months {
        header.push(m(&format!("actual_{}", month.replace('-', "_"))));
    }
    header.extend(["forecast_vs_previous_average", "unit_id"].map(String::from));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut s = Sheet::new(&metric_label(metric), &header).titled(title(
        &format!("{} by unit", metric_label(metric)),
        d,
        currency,
    ));
    let value = |n: Option<i64>| if money { Cell::money(n) } else { Cell::int(n) };
    let mut order: Vec<&MonthlyUnit> = d.units.iter().collect();
    order.sort_by_key(|u| (u.place == UnitPlace::Below, u.rank.unwrap_or(0)));
    for u in order {
        let Some(f) = u.metrics.iter().find(|f| f.metric == metric) else {
            continue;
        };
        let trend = u.trend.iter().find(|t| t.metric == metric);
        let mut row = vec![
            Cell::int(u.rank),
            u.unit_name.clone().into(),
            value(f.target),
            value(Some(f.actual)),
            value(f.expected),
            value(f.gap),
            value(Some(f.forecast)),
            Cell::ratio(f.achievement_ratio),
            Cell::ratio(f.forecast_ratio),
            f.status.as_ref().map_or(Cell::Empty, Cell::name),
        ];
        for i in 0..months.len() {
            row.push(value(
                trend
                    .and_then(|t| t.previous_months.get(i))
                    .map(|p| p.actual),
            ));
        }
        row.push(Cell::ratio(
            trend.and_then(|t| t.forecast_vs_previous_average),
        ));
        row.push(u.unit_id.to_string().into());
        s.push(row);
    }
    s
}

fn people(d: &MonthlyDashboard, currency: &Currency) -> Sheet {
    // The best, then the weakest from the weakest up, each person once.
    let mut cards: Vec<&Scorecard> = d.best.iter().collect();
    for c in d.weakest.iter().rev() {
        if !cards.iter().any(|b| b.user_id == c.user_id) {
            cards.push(c);
        }
    }
    let mut lines = title("Best and weakest salespeople", d, currency);
    lines[1] = format!(
        "{} of {} salespeople ranked by sales-target achievement; money in {}",
        cards.len(),
        d.salespeople,
        currency.code
    );
    people_sheet("Salespeople", lines, &cards)
}

/// The monthly dashboard as a CSV file (one table) or an XLSX workbook (every table, one sheet
/// each).
///
/// Same query as the dashboard. CSV is for machines: one table per file, snake_case headers,
/// CRLF line ends, money in minor units (`_minor` columns), ratios as decimals; `table` picks
/// the table (`sales_amount`, the default, `gross_profit`, `collections`, `new_customers`,
/// `visits` or `salespeople`). XLSX is for people: a sheet per metric with the units ranked and
/// a sheet of the best and weakest salespeople, money in major units with the company
/// currency's format, ratios as percentages, a title with the units and the month, the header
/// frozen and filtered, printed landscape one page wide.
#[utoipa::path(tag = "dashboards", operation_id = "export_monthly_dashboard", params(MonthlyQuery, MonthlyExportQuery),
    responses((status = 200, description = "The file (CSV or XLSX)", content(
        (ExportFile = "application/octet-stream"),
        (ExportFile = "text/csv"),
        (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/dashboards/monthly/export")]
pub async fn export_monthly_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<MonthlyQuery>,
    file: ValidQuery<MonthlyExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let now = state.clock.now();
    let (dashboard, settings) = state
        .analytic(move |conn| compute(conn, &caller, &q, now))
        .await?;
    let currency = Currency {
        code: settings.currency.clone(),
        minor_digits: settings.currency_minor_digits,
    };
    let format = file.0.format;
    let tables = export::chosen(format, file.0.table, &TABLES);
    let sheets: Vec<Sheet> = tables
        .iter()
        .map(|t| match t.metric() {
            Some(metric) => metric_sheet(&dashboard, metric, &currency),
            None => people(&dashboard, &currency),
        })
        .collect();
    let mut stem = format!("monthly-{}", dashboard.month);
    if let [one] = tables.as_slice() {
        if let (true, Cell::Text(name)) = (*one != MonthlyTable::SalesAmount, Cell::name(one)) {
            stem = format!("{stem}-{name}");
        }
    }
    export::respond(format, wanted, &stem, &currency, &sheets)
}
