//! The daily and weekly dashboards: hand-counted figures of a salesperson's day and of a team,
//! the week of units as their weekly reports have it, and who may read which (403, 404).

mod common;
mod dashboards_support;
mod sales;
mod visits_support;

use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use dashboards_support::mul_div;
use sales::{sale, upload};
use serde_json::{json, Value};
use visits_support::*;

/// Changes settings (a JSON merge).
async fn tune(app: &TestApp, admin: &str, values: Value) {
    let current = app.get("/api/v1/settings").bearer(admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(values)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

fn days_in_month(d: NaiveDate) -> i64 {
    let first = first_of_month(d);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
    (next - first).num_days()
}

async fn dashboard(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path).bearer(token).send().await;
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.body
}

fn person<'a>(d: &'a Value, user: &str) -> &'a Value {
    d["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == user)
        .unwrap_or_else(|| panic!("{user} not on the dashboard: {d}"))
}

#[actix_web::test]
async fn a_salesperson_sees_their_day_and_a_supervisor_the_team_and_what_waits() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(
        &app,
        &f.org.admin,
        json!({"anomalies": {"report_lookback_days": 2}}),
    )
    .await;
    let d = today(&app);

    // Today's plan: two planned visits, submitted for approval.
    let p = plan(
        &app,
        &f.seller,
        d,
        json!([
            {"customer_id": f.shop, "purpose": "ordering"},
            {"customer_id": f.prospect, "purpose": "new_customer_development"}
        ]),
    )
    .await;
    let planned = p.body["visits"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/visit-plans/{}", p.id());
    let submitted = act(&app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    // Today's report, a draft: three visits, one of them the first planned, two effective,
    // orders 1,000 + 2,500, 500 collected.
    let mut v1 = visit(&f.shop, d, "ordering", 1_000, 500, true);
    v1["planned_visit_id"] = json!(planned);
    let v2 = visit(&f.shop, d, "ordering", 2_500, 0, true);
    let v3 = visit(&f.prospect, d, "market_research", 0, 0, false);
    let today_report = report(&app, &f.seller, d, json!([v1, v2, v3])).await;
    // Yesterday's report, submitted: it waits for review; the day before has none (missing).
    let yesterday = d - Duration::days(1);
    let waiting = submitted_report(
        &app,
        &f.seller,
        yesterday,
        json!([visit(&f.shop, yesterday, "ordering", 0, 0, true)]),
    )
    .await;
    // A monthly sales target of 100,000 with 30,000 sold today.
    let target = app
        .post("/api/v1/targets")
        .bearer(&f.org.admin)
        .json(json!({"metric": "sales_amount", "period_type": "month",
            "period_start": day(first_of_month(d)), "value": 100_000, "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![sale("s1", &day(d), &f.org.north_seller, 30_000, 0)],
    )
    .await;
    // An open complaint the seller filed.
    let complaint = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.shop, "title": "Dented crates",
            "description": "Three crates dented.", "severity": "medium"}))
        .send()
        .await;
    assert_eq!(complaint.status, 201, "{}", complaint.text);

    let mine = dashboard(&app, &f.seller, "/api/v1/dashboards/daily").await;
    assert_eq!(mine["view"], "own");
    assert_eq!(mine["day"], day(d));
    assert!(mine["as_of"].is_string());
    assert!(mine["team"].is_null());
    assert_eq!(mine["people"].as_array().unwrap().len(), 1);
    let me = person(&mine, &f.org.north_seller);
    assert_eq!(me["plan"]["plan_id"], json!(p.id()));
    assert_eq!(me["plan"]["status"], "submitted");
    assert_eq!(me["plan"]["planned_visits"], 2);
    assert_eq!(me["plan"]["planned_visits_done"], 1);
    assert_eq!(me["report"]["report_id"], json!(today_report.id()));
    assert_eq!(me["report"]["status"], "draft");
    assert_eq!(me["report"]["visits"], 3);
    assert_eq!(me["report"]["effective_visits"], 2);
    assert_eq!(me["report"]["orders_minor"], 3_500);
    assert_eq!(me["report"]["collected_minor"], 500);
    let targets = me["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{targets:?}");
    let t = &targets[0];
    assert_eq!(t["target"]["id"], json!(target.id()));
    assert_eq!(t["actual"], 30_000);
    let (elapsed, total) = (i64::from(d.day()), days_in_month(d));
    assert_eq!(t["expected"], mul_div(100_000, elapsed, total));
    assert_eq!(t["forecast"], mul_div(30_000, total, elapsed));
    assert_eq!(t["achievement_ratio"], 0.3);
    let complaints = me["open_complaints"].as_array().unwrap();
    assert_eq!(complaints.len(), 1);
    assert_eq!(complaints[0]["complaint_id"], json!(complaint.id()));
    assert_eq!(complaints[0]["status"], "open");
    assert_eq!(complaints[0]["overdue"], false);

    // The supervisor: the same per person of the office, and what waits.
    let team = dashboard(&app, &f.supervisor, "/api/v1/dashboards/daily").await;
    assert_eq!(team["view"], "team");
    let ids: Vec<&str> = team["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![f.org.north_seller.as_str()], "only the office");
    assert_eq!(person(&team, &f.org.north_seller)["report"]["visits"], 3);
    let queue = &team["team"];
    let plans = queue["plans_awaiting_approval"].as_array().unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["plan_id"], json!(p.id()));
    assert_eq!(plans[0]["planned_visits"], 2);
    let reports = queue["reports_awaiting_review"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["report_id"], json!(waiting.id()));
    assert_eq!(reports[0]["report_date"], day(yesterday));
    assert_eq!(reports[0]["visits"], 1);
    let missing: Vec<&str> = queue["missing_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["figures"]["report_date"].as_str().unwrap())
        .collect();
    assert_eq!(missing, vec![day(d - Duration::days(2))]);

    // Approving and reviewing empties the queue.
    let approved = act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &submitted.etag(),
        None,
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    let reviewed = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/review", waiting.id()),
        &waiting.etag(),
        Some(json!({"comment": "Good", "quality_score": 4})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    let team = dashboard(&app, &f.supervisor, "/api/v1/dashboards/daily").await;
    assert_eq!(team["team"]["plans_awaiting_approval"], json!([]));
    assert_eq!(team["team"]["reports_awaiting_review"], json!([]));
    assert_eq!(
        person(&team, &f.org.north_seller)["plan"]["status"],
        "approved"
    );

    // The north manager reaches the office through the region: the same person.
    let region = dashboard(
        &app,
        &f.manager,
        &format!("/api/v1/dashboards/daily?unit_id={}", f.org.north_office),
    )
    .await;
    assert_eq!(region["unit_id"], json!(f.org.north_office));
    assert_eq!(region["people"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_daily_dashboard_is_refused_to_results_readers_and_kept_within_reach() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    app.create_user(&f.org.admin, "ex@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("ex@test.local", PASSWORD).await;
    app.get("/api/v1/dashboards/daily")
        .bearer(&exec)
        .send()
        .await
        .problem(403);
    let office = format!("/api/v1/dashboards/daily?unit_id={}", f.org.north_office);
    app.get(&office)
        .bearer(&f.south_supervisor)
        .send()
        .await
        .problem(404);
    app.get(&office).bearer(&f.seller).send().await.problem(404);
    let south = dashboard(&app, &f.south_supervisor, "/api/v1/dashboards/daily").await;
    let ids: Vec<&str> = south["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![f.org.south_seller.as_str()]);
    let bad = app
        .get("/api/v1/dashboards/daily?unit_id=nope")
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["unit_id"]);
}

#[actix_web::test]
async fn the_weekly_dashboard_shows_each_unit_as_its_weekly_report_would_with_its_anomalies() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(
        &app,
        &f.org.admin,
        json!({"anomalies": {"target_min_elapsed_days": 1}}),
    )
    .await;
    let d = today(&app);
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let w = d.iso_week();
    let week = format!("{:04}-W{:02}", w.year(), w.week());
    // This week: 10,000 + 5,000 sold by the north seller, 7,000 by the south seller.
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![
            sale("n1", &day(monday), &f.org.north_seller, 10_000, 4_000),
            sale("n2", &day(d), &f.org.north_seller, 5_000, 2_000),
            sale("s1", &day(d), &f.org.south_seller, 7_000, 3_000),
        ],
    )
    .await;
    // A yearly target far behind: at risk.
    let target = app
        .post("/api/v1/targets")
        .bearer(&f.org.admin)
        .json(json!({"metric": "sales_amount", "period_type": "year",
            "period_start": format!("{}-01-01", d.year()), "value": 36_500_000,
            "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);

    let path = format!("/api/v1/dashboards/weekly?week={week}");
    let dash = dashboard(&app, &f.manager, &path).await;
    assert_eq!(dash["week"], week);
    assert_eq!(dash["week_start"], day(monday));
    let units = dash["units"].as_array().unwrap();
    let names: Vec<(&str, &str)> = units
        .iter()
        .map(|u| {
            (
                u["unit_name"].as_str().unwrap(),
                u["place"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, vec![("North", "top"), ("North Office", "below")]);
    for u in units {
        let figures = &u["figures"];
        assert_eq!(figures["sales_minor"], 15_000, "{}", u["unit_name"]);
        assert_eq!(figures["salespeople"], 1);
        assert_eq!(u["weekly_report"]["status"], "pending");
        let top = u["top_anomalies"].as_array().unwrap();
        assert!(
            top.iter()
                .any(|a| a["kind"] == "target_at_risk" && a["target_id"] == json!(target.id())),
            "{top:?}"
        );
        assert!(u["anomalies_total"].as_i64().unwrap() >= top.len() as i64);
    }
    // The figures are those the office's weekly report is made with.
    let created = app
        .post("/api/v1/weekly-reports")
        .bearer(&f.supervisor)
        .json(json!({"unit_id": f.org.north_office, "week": week}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let dash = dashboard(&app, &f.manager, &path).await;
    let office = &dash["units"][1];
    let mut live = office["figures"].clone();
    let mut stored = created.body["figures"].clone();
    for v in [&mut live, &mut stored] {
        v["computed_at"] = Value::Null;
    }
    assert_eq!(live, stored);
    assert_eq!(office["weekly_report"]["report_id"], json!(created.id()));
    assert_eq!(office["weekly_report"]["report_status"], "draft");

    // The company: an executive gets every region, and no anomalies of the daily process.
    app.create_user(&f.org.admin, "ex@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("ex@test.local", PASSWORD).await;
    let company = dashboard(&app, &exec, &path).await;
    let sales: Vec<(&str, i64)> = company["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit_name"].as_str().unwrap(),
                u["figures"]["sales_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sales,
        vec![("Company", 22_000), ("North", 15_000), ("South", 7_000)]
    );
    assert!(company["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["top_anomalies"].as_array().unwrap())
        .all(|a| !a["kind"].as_str().unwrap().starts_with("daily_report")));

    // Reach and roles.
    app.get(&path).bearer(&f.seller).send().await.problem(403);
    app.get(&format!("{path}&unit_id={}", f.org.north))
        .bearer(&f.south_supervisor)
        .send()
        .await
        .problem(404);
    let bad = app
        .get("/api/v1/dashboards/weekly?week=2026-47")
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["week"]);
}
