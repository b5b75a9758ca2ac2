//! A weekly report as CSV (one table per file) or as an XLSX workbook: the summary, target
//! achievement, the salespeople and the abnormal customers, a sheet each.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::abnormal::ItemCounts;
use super::achievement::AchievementWindow;
use super::model::{Row, WeeklyReport};
use super::READERS;
use crate::auth::Caller;
use crate::db::Id;
use crate::error::ApiResult;
use crate::export::{self, Cell, Currency, ExportFile, ExportFormat, Sheet};
use crate::http::ValidQuery;
use crate::settings::model::StoredSettings;
use crate::AppState;

/// A table of the weekly report export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeeklyTable {
    /// The report's figures and narrative (the main table; one row in CSV).
    Summary,
    /// Target achievement per metric for the week, month and quarter to date.
    Targets,
    /// The week of each salesperson.
    People,
    /// The customers that need attention, with their reasons.
    AbnormalCustomers,
    /// The promotions that ran in the week, with their uplift, spend and return.
    Promotions,
}

const TABLES: [WeeklyTable; 5] = [
    WeeklyTable::Summary,
    WeeklyTable::Targets,
    WeeklyTable::People,
    WeeklyTable::AbnormalCustomers,
    WeeklyTable::Promotions,
];

/// `?format=csv|xlsx&table=` of the weekly report export.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline, example = "xlsx")]
    pub format: ExportFormat,
    /// The one table to export. Without it, a CSV file holds `summary` and an XLSX workbook
    /// holds every table, one sheet each.
    #[param(inline)]
    pub table: Option<WeeklyTable>,
}

/// The title lines of every sheet of a report.
fn title(what: &str, r: &WeeklyReport, computed: &str, currency: &Currency) -> Vec<String> {
    vec![
        format!(
            "{what}: {}, week {} ({} to {})",
            r.unit_name, r.week, r.figures.from, r.figures.to
        ),
        format!(
            "Status {}{}; figures of {computed}; money in {}",
            r.status.as_str(),
            if r.late { " (late)" } else { "" },
            currency.code
        ),
    ]
}

fn summary(r: &WeeklyReport) -> Sheet {
    let f = &r.figures;
    let d = &f.daily_reports;
    let mut figures: Vec<(&str, Cell)> = vec![
        ("unit", r.unit_name.clone().into()),
        ("week", r.week.clone().into()),
        ("from", f.from.into()),
        ("to", f.to.into()),
        ("status", r.status.as_str().into()),
        ("late", r.late.into()),
        ("salespeople", f.salespeople.into()),
        ("sales_minor", Cell::Money(f.sales_minor)),
        ("collections_minor", Cell::Money(f.collections_minor)),
        ("new_customers", f.new_customers.into()),
        ("visits", f.visits.into()),
        ("effective_visits", f.effective_visits.into()),
        ("effective_visit_rate", Cell::ratio(f.effective_visit_rate)),
        ("visits_with_order", f.visits_with_order.into()),
        ("transaction_rate", Cell::ratio(f.transaction_rate)),
        (
            "average_weekly_sales_per_salesperson_minor",
            Cell::money(f.average_weekly_sales_per_salesperson_minor),
        ),
        ("daily_reports_expected", d.expected.into()),
        ("daily_reports_on_time", d.on_time.into()),
        ("daily_reports_late", d.late.into()),
        ("daily_reports_missing", d.missing.into()),
        ("customers_due", f.coverage.customers_due.into()),
        ("customers_covered", f.coverage.customers_covered.into()),
        ("coverage_rate", Cell::ratio(f.coverage.coverage_rate)),
        ("customers_overdue", f.coverage.customers_overdue.into()),
    ];
    let items: [(&str, &str, &str, &ItemCounts); 2] = [
        (
            "complaints_opened",
            "complaints_escalated",
            "complaints_still_open",
            &f.complaints,
        ),
        (
            "market_reports_opened",
            "market_reports_escalated",
            "market_reports_still_open",
            &f.market_reports,
        ),
    ];
    for (opened, escalated, still_open, c) in items {
        figures.push((opened, c.opened.into()));
        figures.push((escalated, c.escalated.into()));
        figures.push((still_open, c.still_open.into()));
    }
    let n = &r.narrative;
    figures.extend([
        (
            "abnormal_customers",
            (f.abnormal_customers.len() as i64).into(),
        ),
        ("competitor_dynamics", n.competitor_dynamics.clone().into()),
        (
            "abnormal_customer_handling",
            n.abnormal_customer_handling.clone().into(),
        ),
        ("next_week_goals", n.next_week_goals.clone().into()),
        ("next_week_plans", n.next_week_plans.clone().into()),
    ]);
    Sheet::record("Summary", figures)
}

fn targets(r: &WeeklyReport) -> Sheet {
    let mut s = Sheet::new(
        "Targets",
        &[
            "metric",
            "window",
            "from",
            "to",
            "target",
            "actual",
            "achievement_ratio",
            "expected",
            "status",
        ],
    );
    for a in &r.figures.achievement {
        // Money metrics are money cells (minor units in CSV), the others counts.
        let amount = |n: Option<i64>| {
            if a.metric.is_money() {
                Cell::money(n)
            } else {
                Cell::int(n)
            }
        };
        let windows: [(&str, &AchievementWindow); 3] = [
            ("week", &a.week),
            ("month_to_date", &a.month_to_date),
            ("quarter_to_date", &a.quarter_to_date),
        ];
        for (name, w) in windows {
            let status = w.status.map_or(Cell::Empty, |st| Cell::name(&st));
            s.push(vec![
                Cell::name(&a.metric),
                name.into(),
                w.from.into(),
                w.to.into(),
                amount(w.target),
                amount(Some(w.actual)),
                Cell::ratio(w.achievement_ratio),
                amount(w.expected),
                status,
            ]);
        }
    }
    s
}

fn people(r: &WeeklyReport) -> Sheet {
    let mut s = Sheet::new(
        "People",
        &[
            "name",
            "visits",
            "effective_visits",
            "visits_with_order",
            "sales_minor",
            "collections_minor",
            "new_customers",
            "reports_expected",
            "reports_on_time",
            "reports_late",
            "reports_missing",
            "coverage_rate",
            "user_id",
        ],
    );
    for p in &r.figures.people {
        s.push(vec![
            p.name.clone().into(),
            p.visits.into(),
            p.effective_visits.into(),
            p.visits_with_order.into(),
            Cell::Money(p.sales_minor),
            Cell::Money(p.collections_minor),
            p.new_customers.into(),
            p.reports_expected.into(),
            p.reports_on_time.into(),
            p.reports_late.into(),
            p.reports_missing.into(),
            Cell::ratio(p.coverage_rate),
            p.user_id.to_string().into(),
        ]);
    }
    s
}

fn abnormal(r: &WeeklyReport) -> Sheet {
    let mut s = Sheet::new(
        "Abnormal customers",
        &[
            "code",
            "name",
            "reasons",
            "week_sales_minor",
            "four_week_average_minor",
            "open_complaints",
            "overdue_minor",
        ],
    );
    for c in &r.figures.abnormal_customers {
        s.push(vec![
            c.code.clone().into(),
            c.name.clone().into(),
            Cell::names(&c.reasons),
            Cell::Money(c.week_sales_minor),
            Cell::Money(c.four_week_average_minor),
            c.open_complaints.into(),
            Cell::Money(c.overdue_minor),
        ]);
    }
    s
}

fn promotions(r: &WeeklyReport) -> Sheet {
    let mut s = Sheet::new(
        "Promotions",
        &[
            "name",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "measured_days",
            "sales_minor",
            "baseline_minor",
            "uplift_minor",
            "uplift_pct",
            "expected_uplift_pct",
            "budget_minor",
            "spend_minor",
            "return_on_spend",
            "promotion_id",
        ],
    );
    let number = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
    for p in &r.figures.promotions {
        s.push(vec![
            p.name.clone().into(),
            Cell::name(&p.kind),
            Cell::name(&p.status),
            p.starts_on.into(),
            p.ends_on.into(),
            p.measured_days.into(),
            Cell::Money(p.sales_minor),
            Cell::Money(p.baseline_minor),
            Cell::Money(p.uplift_minor),
            number(p.uplift_pct),
            Cell::Number(p.expected_uplift_pct),
            Cell::Money(p.budget_minor),
            Cell::Money(p.spend_minor),
            number(p.return_on_spend),
            p.promotion_id.to_string().into(),
        ]);
    }
    s
}

/// One table of a weekly report, titled; `computed` is when its figures were computed.
pub fn sheet(r: &WeeklyReport, table: WeeklyTable, computed: &str, currency: &Currency) -> Sheet {
    let (what, sheet) = match table {
        WeeklyTable::Summary => ("Weekly report", summary(r)),
        WeeklyTable::Targets => ("Target achievement", targets(r)),
        WeeklyTable::People => ("Salespeople", people(r)),
        WeeklyTable::AbnormalCustomers => ("Abnormal customers", abnormal(r)),
        WeeklyTable::Promotions => ("Promotions", promotions(r)),
    };
    sheet.titled(title(what, r, computed, currency))
}

/// Export a weekly report as a CSV file (one table) or an XLSX workbook (every table).
///
/// CSV is for machines: one table per file, snake_case
/// headers, CRLF line ends, money in minor units (`_minor` columns; in `targets`, `target`,
/// `actual` and `expected` are minor units for money metrics and counts otherwise), ratios as
/// decimals, dates ISO 8601; `table` picks the table (`summary`, the default, a single row of
/// named figures; `targets`; `people`; `abnormal_customers`; `promotions`, whose uplift is in
/// points and return on spend a ratio, both as plain numbers). XLSX is for people: every table
/// as its own sheet (or only `table`), money in major units with the company currency's
/// format, ratios as percentages, dates as dates, a title with the unit and week, the header
/// frozen and filtered, printed landscape one page wide.
#[utoipa::path(tag = "weekly-reports", operation_id = "export_weekly_report",
    params(("id" = Id, Path), WeeklyExportQuery),
    responses((status = 200, description = "The file (CSV or XLSX)", content(
        (ExportFile = "application/octet-stream"),
        (ExportFile = "text/csv"),
        (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[get("/weekly-reports/{id}/export")]
pub async fn export_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    query: ValidQuery<WeeklyExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let format = query.0.format;
    let (report, settings) = state
        .analytic(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            let report = Row::view(conn, id)?;
            Ok((report, StoredSettings::load(conn)?.settings))
        })
        .await?;
    let currency = Currency {
        code: settings.currency.clone(),
        minor_digits: settings.currency_minor_digits,
    };
    let computed = report
        .figures
        .computed_at
        .0
        .with_timezone(&settings.tz())
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let tables = export::chosen(format, query.0.table, &TABLES);
    let sheets: Vec<Sheet> = tables
        .iter()
        .map(|t| sheet(&report, *t, &computed, &currency))
        .collect();
    let mut stem = format!("weekly-report-{}-{}", report.week, report.unit_name);
    if let [table] = tables.as_slice() {
        if *table != WeeklyTable::Summary {
            if let Cell::Text(name) = Cell::name(table) {
                stem = format!("{stem}-{name}");
            }
        }
    }
    export::respond(format, wanted, &stem, &currency, &sheets)
}
