//! Report timeliness (compliance), the missing-report check, and visit efficiency per person
//! and for a subtree.

mod common;
mod visits_support;

use chrono::Duration;
use common::*;
use salestrack::jobs;
use serde_json::{json, Value};
use visits_support::*;

fn statuses(person: &Value) -> Vec<(String, String)> {
    person["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn person<'a>(report: &'a Value, user: &str) -> &'a Value {
    report["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == user)
        .unwrap()
}

#[actix_web::test]
async fn compliance_marks_on_time_late_missing_and_excused_days_and_the_supervisor_hears_of_missing_ones(
) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    let sick_id = app
        .create_user(
            &f.org.admin,
            "sick@test.local",
            "salesperson",
            &f.org.north_office,
        )
        .await;
    let sick = app.login("sick@test.local", PASSWORD).await;

    // North seller: yesterday written late, today on time.
    submitted_report(
        &app,
        &f.seller,
        yesterday,
        json!([visit(&f.shop, yesterday, "service", 0, 0, true)]),
    )
    .await;
    submitted_report(
        &app,
        &f.seller,
        d,
        json!([visit(&f.shop, d, "service", 0, 0, true)]),
    )
    .await;
    // The sick one reports sick yesterday (never submitted): excused. The south seller: nothing.
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&sick)
        .json(json!({"report_date": day(yesterday), "attendance": "sick"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);

    let path = format!(
        "/api/v1/daily-reports/compliance?from={}&to={}",
        day(yesterday),
        day(d)
    );
    let all = app.get(&path).bearer(&f.org.admin).send().await;
    assert_eq!(all.status, 200, "{}", all.text);
    let (y, t) = (day(yesterday), day(d));
    assert_eq!(
        statuses(person(&all.body, &f.org.north_seller)),
        vec![(y.clone(), "late".into()), (t.clone(), "on_time".into())]
    );
    assert_eq!(
        statuses(person(&all.body, &sick_id)),
        vec![(y.clone(), "excused".into()), (t.clone(), "pending".into())]
    );
    assert_eq!(
        statuses(person(&all.body, &f.org.south_seller)),
        vec![(y.clone(), "missing".into()), (t.clone(), "pending".into())]
    );
    assert_eq!(all.body["missing"], 1);
    assert_eq!(all.body["late"], 1);
    assert_eq!(all.body["on_time"], 1);
    assert_eq!(all.body["excused"], 1);
    // Supervisors only see their own people; another unit is 404 for them.
    let north = app.get(&path).bearer(&f.supervisor).send().await;
    assert_eq!(
        north.body["people"].as_array().unwrap().len(),
        2,
        "{}",
        north.text
    );
    app.get(&format!("{path}&unit_id={}", f.org.south))
        .bearer(&f.supervisor)
        .send()
        .await
        .problem(404);
    let south = app
        .get(&format!("{path}&unit_id={}", f.org.south))
        .bearer(&f.org.admin)
        .send()
        .await;
    assert_eq!(south.body["people"].as_array().unwrap().len(), 1);
    let bad = app
        .get(&format!("/api/v1/daily-reports/compliance?from={t}&to={y}"))
        .bearer(&f.org.admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["to"]);

    // The background check tells the south supervisor about yesterday's missing report, once.
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(done.missing_reports, 1);
    assert_eq!(jobs::tick(&app.state).await.unwrap().missing_reports, 0);
    let told = inbox_types(&app, &f.south_supervisor).await;
    assert_eq!(
        told.iter().filter(|t| *t == "daily_report.missing").count(),
        1
    );
    assert!(!inbox_types(&app, &f.supervisor)
        .await
        .contains(&"daily_report.missing".to_string()));

    // After today's cutoff, today's missing ones are told too (the sick one and the south seller).
    app.clock.advance(Duration::days(1));
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(
        done.missing_reports, 2,
        "the new day has not reached its cutoff yet"
    );
}

#[actix_web::test]
async fn efficiency_gives_every_figure_per_person_and_for_the_subtree() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    let second_id = app
        .create_user(
            &f.org.admin,
            "second@test.local",
            "salesperson",
            &f.org.north_office,
        )
        .await;
    let second = app.login("second@test.local", PASSWORD).await;

    // Yesterday: a plan of two, one done; two visits (one with an order); reviewed with a 4; late.
    let plan = approved_plan(
        &app,
        &f,
        yesterday,
        json!([
            {"customer_id": f.shop, "purpose": "ordering"},
            {"customer_id": f.prospect, "purpose": "new_customer_development"}
        ]),
    )
    .await;
    let mut planned = visit(&f.shop, yesterday, "ordering", 10_000, 2_000, true);
    planned["planned_visit_id"] = plan["visits"][0]["id"].clone();
    let r = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(yesterday), "attendance": "present",
            "visits": [planned, visit(&f.prospect, yesterday, "market_research", 0, 0, false)],
            "expenses": [{"category": "transport", "amount_minor": 800}, {"category": "meals", "amount_minor": 400}]}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let s = act(
        &app,
        &f.seller,
        &format!("/api/v1/daily-reports/{}/submit", r.id()),
        &r.etag(),
        None,
    )
    .await;
    assert_eq!(s.body["late"], true);
    let rv = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/review", r.id()),
        &s.etag(),
        Some(json!({"comment": "ok", "quality_score": 4})),
    )
    .await;
    assert_eq!(rv.status, 200, "{}", rv.text);
    // Today: one effective visit winning the prospect, on time, reviewed with a 5.
    let s = submitted_report(
        &app,
        &f.seller,
        d,
        json!([visit(
            &f.prospect,
            d,
            "new_customer_development",
            5_000,
            0,
            true
        )]),
    )
    .await;
    let rv = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/review", s.id()),
        &s.etag(),
        Some(json!({"comment": "ok", "quality_score": 5})),
    )
    .await;
    assert_eq!(rv.status, 200);
    // The second seller: a draft only (does not count), nothing yesterday.
    let own = app
        .post("/api/v1/customers")
        .bearer(&f.org.admin)
        .json(json!({"code": "C-9", "name": "Second's Shop", "org_unit_id": f.org.north_office, "owner_id": second_id, "status": "active"}))
        .send()
        .await;
    report(
        &app,
        &second,
        d,
        json!([visit(&own.id(), d, "service", 99, 0, true)]),
    )
    .await;

    let res = app
        .get(&format!(
            "/api/v1/efficiency?unit_id={}&from={}&to={}",
            f.org.north,
            day(yesterday),
            day(d)
        ))
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let me = person(&res.body, &f.org.north_seller);
    assert_eq!(me["visits"], 3);
    assert_eq!(me["effective_visits"], 2);
    assert_eq!(me["effective_visit_rate"], 0.6667);
    assert_eq!(me["visits_with_order"], 2);
    assert_eq!(me["transaction_rate"], 0.6667);
    assert_eq!(me["sales_minor"], 15_000);
    assert_eq!(me["sales_per_visit_minor"], 5_000);
    assert_eq!(me["collections_minor"], 2_000);
    // The kiosk won today, and the shop, created active today.
    assert_eq!(me["new_customers"], 2);
    assert_eq!(me["expenses_minor"], 1_200);
    assert_eq!(me["cost_per_visit_minor"], 400);
    assert_eq!(me["cost_to_sales"], 0.08);
    assert_eq!(me["planned_visits"], 2);
    assert_eq!(me["planned_visits_done"], 1);
    assert_eq!(me["plan_adherence"], 0.5);
    assert_eq!(me["reports_on_time"], 1);
    assert_eq!(me["reports_late"], 1);
    assert_eq!(me["report_timeliness_rate"], 0.5);
    assert_eq!(me["average_quality_score"], 4.5);
    let other = person(&res.body, &second_id);
    assert_eq!(other["visits"], 0, "a draft does not count");
    assert!(other["effective_visit_rate"].is_null());
    assert_eq!(
        other["reports_missing"], 1,
        "yesterday; today is still pending"
    );
    assert_eq!(res.body["total"]["visits"], 3);
    assert_eq!(res.body["total"]["reports_due"], 3);
    assert_eq!(
        res.body["people"].as_array().unwrap().len(),
        2,
        "the south seller is not in the north subtree"
    );

    // One person; reach and input checks.
    let one = figures(&app, &f.seller, &f.org.north_seller, yesterday, d).await;
    assert_eq!(one["sales_minor"], 15_000);
    app.get(&format!(
        "/api/v1/efficiency?user_id={}&from={}&to={}",
        f.org.north_seller,
        day(d),
        day(d)
    ))
    .bearer(&f.south_supervisor)
    .send()
    .await
    .problem(404);
    // A dealer account never reads the sales force's figures.
    app.create_user(&f.org.admin, "dealer@test.local", "dealer", &f.org.root)
        .await;
    let dealer = app.login("dealer@test.local", PASSWORD).await;
    for path in ["/api/v1/efficiency", "/api/v1/daily-reports/compliance"] {
        app.get(&format!("{path}?from={}&to={}", day(d), day(d)))
            .bearer(&dealer)
            .send()
            .await
            .problem(403);
    }
    let both = app
        .get(&format!(
            "/api/v1/efficiency?user_id={}&unit_id={}&from={}&to={}",
            f.org.north_seller,
            f.org.north,
            day(d),
            day(d)
        ))
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(both.invalid_fields(), vec!["unit_id"]);
    let missing = app
        .get("/api/v1/efficiency?from=2026-01-01")
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(missing.invalid_fields(), vec!["to"]);
}
