//! A weekly report as CSV or as an XLSX workbook: a summary sheet, target achievement, the
//! salespeople and the abnormal customers.

use actix_web::{get, web, HttpResponse};

use super::abnormal::ItemCounts;
use super::achievement::AchievementWindow;
use super::model::{Row, WeeklyReport};
use super::READERS;
use crate::auth::Caller;
use crate::db::Id;
use crate::error::ApiResult;
use crate::export::{self, Cell, ExportFile, ExportFormat, ExportQuery, Sheet};
use crate::http::ValidQuery;
use crate::AppState;

fn text(s: &Option<String>) -> Cell {
    s.clone().map(Cell::Text).unwrap_or(Cell::Empty)
}

fn summary(r: &WeeklyReport) -> Sheet {
    let f = &r.figures;
    let mut s = Sheet::new("Summary", &["figure", "value"]);
    let mut put = |name: &str, value: Cell| s.push(vec![name.into(), value]);
    put("unit", r.unit_name.clone().into());
    put("week", r.week.clone().into());
    put("from", f.from.to_string().into());
    put("to", f.to.to_string().into());
    put("status", r.status.as_str().into());
    put("late", (if r.late { "yes" } else { "no" }).into());
    put("salespeople", f.salespeople.into());
    put("sales_minor", f.sales_minor.into());
    put("collections_minor", f.collections_minor.into());
    put("new_customers", f.new_customers.into());
    put("visits", f.visits.into());
    put("effective_visits", f.effective_visits.into());
    put("effective_visit_rate", f.effective_visit_rate.into());
    put("visits_with_order", f.visits_with_order.into());
    put("transaction_rate", f.transaction_rate.into());
    put(
        "average_weekly_sales_per_salesperson_minor",
        f.average_weekly_sales_per_salesperson_minor.into(),
    );
    let d = &f.daily_reports;
    put("daily_reports_expected", d.expected.into());
    put("daily_reports_on_time", d.on_time.into());
    put("daily_reports_late", d.late.into());
    put("daily_reports_missing", d.missing.into());
    let items = |put: &mut dyn FnMut(&str, Cell), kind: &str, c: &ItemCounts| {
        put(&format!("{kind}_opened"), c.opened.into());
        put(&format!("{kind}_escalated"), c.escalated.into());
        put(&format!("{kind}_still_open"), c.still_open.into());
    };
    items(&mut put, "complaints", &f.complaints);
    items(&mut put, "market_reports", &f.market_reports);
    put(
        "abnormal_customers",
        (f.abnormal_customers.len() as i64).into(),
    );
    let n = &r.narrative;
    put("competitor_dynamics", text(&n.competitor_dynamics));
    put(
        "abnormal_customer_handling",
        text(&n.abnormal_customer_handling),
    );
    put("next_week_goals", text(&n.next_week_goals));
    put("next_week_plans", text(&n.next_week_plans));
    s
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
                w.from.to_string().into(),
                w.to.to_string().into(),
                w.target.into(),
                w.actual.into(),
                w.achievement_ratio.into(),
                w.expected.into(),
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
        ],
    );
    for p in &r.figures.people {
        s.push(vec![
            p.name.clone().into(),
            p.visits.into(),
            p.effective_visits.into(),
            p.visits_with_order.into(),
            p.sales_minor.into(),
            p.collections_minor.into(),
            p.new_customers.into(),
            p.reports_expected.into(),
            p.reports_on_time.into(),
            p.reports_late.into(),
            p.reports_missing.into(),
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
            c.week_sales_minor.into(),
            c.four_week_average_minor.into(),
            c.open_complaints.into(),
            c.overdue_minor.into(),
        ]);
    }
    s
}

/// The sheets of a weekly report, in order.
pub fn sheets(r: &WeeklyReport) -> Vec<Sheet> {
    vec![summary(r), targets(r), people(r), abnormal(r)]
}

/// The sheets as one table for CSV: each sheet after the first starts with a `# name` row and
/// its header as a row; every row is padded to the widest sheet, so that the file is
/// rectangular.
pub fn one_table(sheets: &[Sheet]) -> Sheet {
    let width = sheets
        .iter()
        .flat_map(|s| std::iter::once(s.header.len()).chain(s.rows.iter().map(Vec::len)))
        .max()
        .unwrap_or(0);
    let pad = |mut row: Vec<Cell>| {
        row.resize(width, Cell::Empty);
        row
    };
    let mut out = Sheet::default();
    for (i, sheet) in sheets.iter().enumerate() {
        if i == 0 {
            out.name = sheet.name.clone();
            out.header = sheet.header.clone();
            out.header.resize(width, String::new());
        } else {
            out.rows.push(pad(Vec::new()));
            out.rows.push(pad(vec![format!("# {}", sheet.name).into()]));
            out.rows.push(pad(sheet
                .header
                .iter()
                .map(|h| h.as_str().into())
                .collect()));
        }
        out.rows.extend(sheet.rows.iter().cloned().map(pad));
    }
    out
}

/// Export a weekly report as CSV (its sheets one after another) or as an XLSX workbook.
#[utoipa::path(tag = "weekly-reports", operation_id = "export_weekly_report",
    params(("id" = Id, Path), ExportQuery),
    responses((status = 200, description = "The file (CSV or XLSX)", content(
        (ExportFile = "application/octet-stream"),
        (ExportFile = "text/csv"),
        (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[get("/weekly-reports/{id}/export")]
pub async fn export_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    query: ValidQuery<ExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let format = query.0.format;
    let report = state
        .db(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            Row::view(conn, id)
        })
        .await?;
    let stem = format!("weekly-report-{}-{}", report.week, report.unit_name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>();
    let sheets = sheets(&report);
    match format {
        ExportFormat::Csv => export::respond(format, wanted, &stem, &[one_table(&sheets)]),
        ExportFormat::Xlsx => export::respond(format, wanted, &stem, &sheets),
    }
}
