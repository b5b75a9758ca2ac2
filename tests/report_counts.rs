//! Each daily report keeps its visit counts and expenses on its row, each visit plan the count
//! of its planned visits, and each visit its report's day and whether it counts (triggers);
//! efficiency reads them from there. A report written, edited, returned, written again and
//! resubmitted, and a planned visit deleted under it, always count exactly what the visits and
//! expenses hold. Each customer keeps its last counted visit and the one before it, which
//! follow its reports forth and back.

mod common;
mod visits_support;

use chrono::NaiveDate;
use common::*;
use diesel::prelude::*;
use serde_json::{json, Value};
use visits_support::*;

/// Reports whose kept counts differ from a count of their visits and expenses.
fn mismatched_reports(app: &TestApp) -> i64 {
    let reports = app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM daily_reports r
          WHERE r.visit_count <> (SELECT COUNT(*) FROM report_visits v WHERE v.report_id = r.id)
             OR r.effective_visit_count <> (SELECT COUNT(*) FROM report_visits v
                                             WHERE v.report_id = r.id AND v.effective)
             OR r.order_visit_count <> (SELECT COUNT(*) FROM report_visits v
                                         WHERE v.report_id = r.id AND v.order_amount_minor > 0)
             OR r.planned_visit_count <> (SELECT COUNT(*) FROM report_visits v
                                           WHERE v.report_id = r.id AND v.planned_visit_id IS NOT NULL)
             OR r.expenses_minor <> (SELECT COALESCE(SUM(e.amount_minor), 0)
                                       FROM report_expenses e WHERE e.report_id = r.id)
             OR EXISTS (SELECT 1 FROM report_visits v WHERE v.report_id = r.id
                           AND (v.report_date IS NULL OR v.report_date <> r.report_date
                                OR v.counted <> (r.status IN ('submitted', 'reviewed'))))",
    );
    let plans = app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM visit_plans p
          WHERE p.visit_count <> (SELECT COUNT(*) FROM planned_visits v WHERE v.plan_id = p.id)",
    );
    reports + plans + mismatched_customers(app)
}

/// Customers whose kept last visit differs from their latest counted visit, or whose kept
/// visit day before it differs from the latest counted visit before that.
fn mismatched_customers(app: &TestApp) -> i64 {
    app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM customers c
          WHERE COALESCE(c.last_visited_on, '0001-01-01')
                <> COALESCE((SELECT MAX(v.report_date) FROM report_visits v
                              WHERE v.customer_id = c.id AND v.counted), '0001-01-01')
             OR COALESCE(c.previous_visited_on, '0001-01-01')
                <> COALESCE((SELECT MAX(v.report_date) FROM report_visits v
                              WHERE v.customer_id = c.id AND v.counted
                                AND v.report_date < c.last_visited_on), '0001-01-01')",
    )
}

/// The kept last visit of a customer.
fn last_visited(app: &TestApp, customer: &str) -> Option<NaiveDate> {
    kept_day(app, customer, "last_visited_on")
}

/// The kept counted visit day of a customer before its last one.
fn previous_visited(app: &TestApp, customer: &str) -> Option<NaiveDate> {
    kept_day(app, customer, "previous_visited_on")
}

fn kept_day(app: &TestApp, customer: &str, column: &str) -> Option<NaiveDate> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Date, Nullable};
    use salestrack::schema::customers;
    let id = salestrack::db::Id(customer.parse().unwrap());
    let mut conn = app.state.pool.get().unwrap();
    customers::table
        .find(id)
        .select(sql::<Nullable<Date>>(column))
        .first(&mut *conn)
        .unwrap()
}

/// (visits, effective, with order, planned done, expenses) of the seller on `d`.
async fn counted(app: &TestApp, f: &Field, d: NaiveDate) -> (i64, i64, i64, i64, i64) {
    let p = figures(app, &f.supervisor, &f.org.north_seller, d, d).await;
    let n = |k: &str| p[k].as_i64().unwrap_or_else(|| panic!("{k}: {p}"));
    (
        n("visits"),
        n("effective_visits"),
        n("visits_with_order"),
        n("planned_visits_done"),
        n("expenses_minor"),
    )
}

fn expenses(amounts: &[i64]) -> Value {
    json!(amounts
        .iter()
        .map(|a| json!({"category": "transport", "amount_minor": a}))
        .collect::<Vec<_>>())
}

#[actix_web::test]
async fn a_reports_kept_counts_follow_every_write_to_its_visits_and_expenses() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let plan = approved_plan(
        &app,
        &f,
        d,
        json!([
            {"customer_id": f.shop, "purpose": "ordering"},
            {"customer_id": f.prospect, "purpose": "new_customer_development"}
        ]),
    )
    .await;
    let mut planned = visit(&f.shop, d, "ordering", 5_000, 0, true);
    planned["planned_visit_id"] = plan["visits"][0]["id"].clone();
    let created = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present",
            "visits": [planned, visit(&f.prospect, d, "market_research", 0, 0, true),
                       visit(&f.shop, d, "service", 0, 0, false)],
            "expenses": expenses(&[800, 400])}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(mismatched_reports(&app), 0);
    // A draft counts nowhere.
    assert_eq!(counted(&app, &f, d).await, (0, 0, 0, 0, 0));

    let path = format!("/api/v1/daily-reports/{}", created.id());
    let submitted = act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &created.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(counted(&app, &f, d).await, (3, 2, 1, 1, 1_200));

    // Returned, it counts nowhere; written again with other visits and expenses, and submitted
    // again, it counts what it now holds.
    let returned = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &submitted.etag(),
        Some(json!({"comment": "the afternoon is missing"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(counted(&app, &f, d).await, (0, 0, 0, 0, 0));
    let mut planned = visit(&f.prospect, d, "new_customer_development", 0, 0, true);
    planned["planned_visit_id"] = plan["visits"][1]["id"].clone();
    let mut second = visit(&f.shop, d, "ordering", 7_000, 0, true);
    second["planned_visit_id"] = plan["visits"][0]["id"].clone();
    let edited = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &returned.etag())
        .json(
            json!({"visits": [planned, second, visit(&f.shop, d, "collection", 3_000, 0, true),
                                visit(&f.shop, d, "service", 0, 0, false)],
                     "expenses": expenses(&[250])}),
        )
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(mismatched_reports(&app), 0);
    // Only the expenses change: the visits stay as they are.
    let edited = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &edited.etag())
        .json(json!({"expenses": expenses(&[250, 1_000, 50])}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let resubmitted = act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &edited.etag(),
        None,
    )
    .await;
    assert_eq!(resubmitted.status, 200, "{}", resubmitted.text);
    assert_eq!(counted(&app, &f, d).await, (4, 3, 2, 2, 1_300));
    assert_eq!(mismatched_reports(&app), 0);

    // A planned visit deleted under the report (whatever deletes it) leaves its visit unplanned,
    // and the count follows.
    {
        let mut conn = app.state.pool.get().unwrap();
        let id: uuid::Uuid = plan["visits"][1]["id"].as_str().unwrap().parse().unwrap();
        use salestrack::schema::planned_visits as pv;
        diesel::delete(pv::table.filter(pv::id.eq(salestrack::db::Id(id))))
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(mismatched_reports(&app), 0);
    assert_eq!(counted(&app, &f, d).await, (4, 3, 2, 1, 1_300));
    let p = figures(&app, &f.supervisor, &f.org.north_seller, d, d).await;
    assert_eq!(p["planned_visits"], 1, "{p}");
}

#[actix_web::test]
async fn a_customers_kept_last_visit_follows_its_reports_forth_and_back() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let before = d - chrono::Duration::days(1);
    let report = |on: NaiveDate, visits: Value| {
        let app = &app;
        let seller = f.seller.clone();
        async move {
            let created = app
                .post("/api/v1/daily-reports")
                .bearer(&seller)
                .json(json!({"report_date": day(on), "attendance": "present", "visits": visits}))
                .send()
                .await;
            assert_eq!(created.status, 201, "{}", created.text);
            let path = format!("/api/v1/daily-reports/{}", created.id());
            let submitted = act(
                app,
                &seller,
                &format!("{path}/submit"),
                &created.etag(),
                None,
            )
            .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
            (path, submitted.etag())
        }
    };
    assert_eq!(last_visited(&app, &f.shop), None);

    // The day before: the shop. A draft would count nowhere; submitted, it counts.
    report(
        before,
        json!([visit(&f.shop, before, "ordering", 1_000, 0, true)]),
    )
    .await;
    assert_eq!(last_visited(&app, &f.shop), Some(before));
    assert_eq!(last_visited(&app, &f.prospect), None);
    assert_eq!(mismatched_customers(&app), 0);

    // Today: both.
    let (path, etag) = report(
        d,
        json!([
            visit(&f.shop, d, "service", 0, 0, false),
            visit(&f.prospect, d, "market_research", 0, 0, true)
        ]),
    )
    .await;
    assert_eq!(last_visited(&app, &f.shop), Some(d));
    assert_eq!(previous_visited(&app, &f.shop), Some(before));
    assert_eq!(last_visited(&app, &f.prospect), Some(d));
    assert_eq!(previous_visited(&app, &f.prospect), None);
    assert_eq!(mismatched_customers(&app), 0);

    // Today's report returned: the shop goes back to the day before, the prospect to never.
    let returned = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &etag,
        Some(json!({"comment": "which shop?"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(last_visited(&app, &f.shop), Some(before));
    assert_eq!(previous_visited(&app, &f.shop), None);
    assert_eq!(last_visited(&app, &f.prospect), None);
    assert_eq!(mismatched_customers(&app), 0);

    // Written again without the shop, and resubmitted.
    let edited = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &returned.etag())
        .json(json!({"visits": [visit(&f.prospect, d, "ordering", 2_000, 0, true)]}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let resubmitted = act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &edited.etag(),
        None,
    )
    .await;
    assert_eq!(resubmitted.status, 200, "{}", resubmitted.text);
    assert_eq!(last_visited(&app, &f.shop), Some(before));
    assert_eq!(last_visited(&app, &f.prospect), Some(d));
    assert_eq!(mismatched_customers(&app), 0);
}
