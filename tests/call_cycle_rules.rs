//! Call cycles as master data (one by one, in bulk, in the change feed), the anomalies of
//! customers overdue for a visit, and who may read coverage and suggestions (403, 404).

mod common;
mod visits_support;

use chrono::Duration;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

async fn bulk(app: &TestApp, admin: &str, rows: Value) -> Resp {
    app.post("/api/v1/customers/bulk")
        .bearer(admin)
        .json(json!({ "rows": rows }))
        .send()
        .await
}

#[actix_web::test]
async fn a_call_cycle_is_set_one_by_one_or_in_bulk_and_reaches_the_change_feed() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let head = app
        .get("/api/v1/changes/head")
        .bearer(&o.admin)
        .send()
        .await
        .body["position"]
        .as_i64()
        .unwrap();
    let current = app
        .get(&format!("/api/v1/customers/{}", f.shop))
        .bearer(&o.admin)
        .send()
        .await;
    let changed = app
        .patch(&format!("/api/v1/customers/{}", f.shop))
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(
            json!({ "visit_every_weeks": 2, "preferred_visit_day": "thu",
                      "preferred_visit_from": "08:30", "preferred_visit_to": "11:00" }),
        )
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["visit_every_weeks"], 2);
    assert_eq!(changed.body["preferred_visit_day"], "thu");
    // Both frequencies at once, or a window that ends before it starts, are refused.
    let both = app
        .patch(&format!("/api/v1/customers/{}", f.shop))
        .bearer(&o.admin)
        .header("if-match", &changed.etag())
        .json(json!({ "visits_per_month": 2, "preferred_visit_to": "08:00" }))
        .send()
        .await;
    let mut fields = both.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["preferred_visit_to", "visits_per_month"]);
    let switched = app
        .patch(&format!("/api/v1/customers/{}", f.shop))
        .bearer(&o.admin)
        .header("if-match", &changed.etag())
        .json(json!({ "visit_every_weeks": null, "visits_per_month": 2 }))
        .send()
        .await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert!(switched.body["visit_every_weeks"].is_null());

    // In bulk, by external id: a new customer and an update; bad rows are named.
    let row = |ext: &str, cycle: Value| {
        let mut r = json!({ "external_id": ext, "code": ext, "name": ext,
            "org_unit_id": o.north_office, "owner_id": o.north_seller, "status": "active" });
        for (k, v) in cycle.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let bad = bulk(
        &app,
        &o.admin,
        json!([
            row(
                "K-1",
                json!({ "visit_every_weeks": 1, "visits_per_month": 4 })
            ),
            row("K-2", json!({ "preferred_visit_from": "25:00" })),
            row(
                "K-3",
                json!({ "preferred_visit_from": "10:00", "preferred_visit_to": "10:00" })
            )
        ]),
    )
    .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "rows[0].visits_per_month",
            "rows[1].preferred_visit_from",
            "rows[2].preferred_visit_to"
        ]
    );
    let out_of_range = bulk(
        &app,
        &o.admin,
        json!([row(
            "K-3",
            json!({ "visit_every_weeks": 0, "preferred_visit_day": "mon" })
        )]),
    )
    .await;
    assert_eq!(out_of_range.invalid_fields(), ["rows[0].visit_every_weeks"]);
    let made = bulk(
        &app,
        &o.admin,
        json!([row("K-1", json!({ "visits_per_month": 4 }))]),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let again = bulk(
        &app,
        &o.admin,
        json!([row("K-1", json!({ "preferred_visit_day": "fri" }))]),
    )
    .await;
    assert_eq!(again.body["rows"][0]["outcome"], "updated");
    let k1 = app
        .get(&format!(
            "/api/v1/customers/{}",
            again.body["rows"][0]["id"].as_str().unwrap()
        ))
        .bearer(&o.admin)
        .send()
        .await;
    // A field left out keeps its value.
    assert_eq!(k1.body["visits_per_month"], 4);
    assert_eq!(k1.body["preferred_visit_day"], "fri");
    let same = bulk(&app, &o.admin, json!([row("K-1", json!({}))])).await;
    assert_eq!(same.body["rows"][0]["outcome"], "unchanged");

    let feed = app
        .get(&format!("/api/v1/changes?after={head}&limit=100"))
        .bearer(&o.admin)
        .send()
        .await;
    let customers: Vec<&Value> = feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_type"] == "customer")
        .collect();
    assert_eq!(
        customers.len(),
        4,
        "two changes of the shop, K-1 made and changed"
    );
    assert_eq!(customers[0]["resource"]["preferred_visit_from"], "08:30");
    assert_eq!(customers[3]["resource"]["preferred_visit_day"], "fri");
}

#[actix_web::test]
async fn customers_overdue_for_a_visit_are_anomalies_judged_by_their_cycle() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let t = today(&app);
    let row = |ext: &str, cycle: Value| {
        let mut r = json!({ "external_id": ext, "code": ext, "name": format!("Outlet {ext}"),
            "org_unit_id": o.north_office, "owner_id": o.north_seller, "status": "active",
            "activated_on": day(t - Duration::days(100)) });
        for (k, v) in cycle.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let made = bulk(
        &app,
        &o.admin,
        json!([
            row("X", json!({ "visit_every_weeks": 1 })),
            row("Y", json!({ "visit_every_weeks": 1 })),
            row("Z", json!({ "visits_per_month": 2 })),
            row("V", json!({ "visit_every_weeks": 8 })),
            row("W", json!({ "visits_per_month": 31 }))
        ]),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let id = |i: usize| made.body["rows"][i]["id"].as_str().unwrap().to_string();
    // Last visits: X 10 days ago (due 3 days ago), Y 20 (13 overdue: more than its interval),
    // Z 5 (due in 10), V 40 (due in 16), W 2 (daily: 30 / 31 days rounds up to one, so due
    // yesterday, a whole interval overdue); the shop, without a cycle, 40 days ago.
    for (ago, who) in [
        (40, vec![id(3), f.shop.clone()]),
        (20, vec![id(1)]),
        (10, vec![id(0)]),
        (5, vec![id(2)]),
        (2, vec![id(4)]),
    ] {
        let d = t - Duration::days(ago);
        let visits: Vec<Value> = who
            .iter()
            .map(|c| visit(c, d, "service", 0, 0, true))
            .collect();
        submitted_report(&app, &f.seller, d, json!(visits)).await;
    }
    let list = |token: String| {
        let app = &app;
        async move {
            app.items("/api/v1/anomalies?limit=500", &token)
                .await
                .into_iter()
                .filter(|a| {
                    a["kind"] == "customer_visit_overdue" || a["kind"] == "customer_not_visited"
                })
                .map(|a| {
                    (
                        a["kind"].as_str().unwrap().to_string(),
                        a["customer_name"].as_str().unwrap().to_string(),
                        a["severity"].as_str().unwrap().to_string(),
                        a["figures"]["days_overdue"].as_i64(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let mut seen = list(f.supervisor.clone()).await;
    seen.sort();
    let want = |k: &str, c: &str, s: &str, d: Option<i64>| {
        (k.to_string(), c.to_string(), s.to_string(), d)
    };
    assert_eq!(
        seen,
        [
            want("customer_not_visited", "Corner Shop", "low", None),
            want("customer_visit_overdue", "Outlet W", "medium", Some(1)),
            want("customer_visit_overdue", "Outlet X", "low", Some(3)),
            want("customer_visit_overdue", "Outlet Y", "medium", Some(13)),
        ]
    );
    let x = app
        .items(
            "/api/v1/anomalies?kind=customer_visit_overdue&severity=low",
            &f.supervisor,
        )
        .await;
    assert_eq!(x[0]["figures"]["due_on"], day(t - Duration::days(3)));
    assert_eq!(x[0]["figures"]["interval_days"], 7);
    assert_eq!(
        x[0]["figures"]["last_visited_on"],
        day(t - Duration::days(10))
    );
    assert!(x[0]["summary"].as_str().unwrap().contains("3 days overdue"));
    assert_eq!(x[0]["person_id"], json!(o.north_seller));
    // Outside the north office's reach, nothing; a grace of 5 days keeps only Y.
    assert!(list(f.south_supervisor.clone()).await.is_empty());
    let settings = app.get("/api/v1/settings").bearer(&o.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&o.admin)
        .header("if-match", &settings.etag())
        .json(json!({ "anomalies": { "visit_overdue_grace_days": 5 } }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let overdue: Vec<_> = list(f.supervisor.clone())
        .await
        .into_iter()
        .filter(|a| a.0 == "customer_visit_overdue")
        .collect();
    assert_eq!(
        overdue,
        [want(
            "customer_visit_overdue",
            "Outlet Y",
            "medium",
            Some(13)
        )]
    );
}

#[actix_web::test]
async fn coverage_and_suggestions_refuse_roles_and_reach() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let login = |email: &'static str, role: &'static str| {
        let app = &app;
        async move {
            app.create_user(&o.admin, email, role, &o.root).await;
            app.login(email, PASSWORD).await
        }
    };
    let dealer = login("dealer@test.local", "dealer").await;
    let erp = login("erp@test.local", "integration").await;
    let exec = login("exec@test.local", "executive").await;
    let period = "period=2026-11";
    for token in [&dealer, &erp] {
        let res = app
            .get(&format!("/api/v1/coverage?{period}"))
            .bearer(token)
            .send()
            .await;
        res.problem(403);
    }
    let res = app
        .get(&format!("/api/v1/coverage?{period}"))
        .bearer(&exec)
        .send()
        .await;
    assert_eq!(res.status, 200, "executives read results");
    let nowhere = "00000000-0000-7000-8000-000000000000".to_string();
    for (token, unit) in [
        (&f.supervisor, &o.south),
        (&f.seller, &o.north_office),
        (&o.admin, &nowhere),
    ] {
        let res = app
            .get(&format!("/api/v1/coverage?unit_id={unit}&{period}"))
            .bearer(token)
            .send()
            .await;
        res.problem(404);
    }
    let res = app
        .get("/api/v1/coverage?period=2026-13")
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["period"]);

    let date = day(today(&app));
    for token in [&exec, &dealer, &erp] {
        let res = app
            .get(&format!("/api/v1/visit-plans/suggestions?date={date}"))
            .bearer(token)
            .send()
            .await;
        res.problem(403);
    }
    for token in [&f.supervisor, &f.seller] {
        let res = app
            .get(&format!(
                "/api/v1/visit-plans/suggestions?date={date}&owner_id={}",
                o.south_seller
            ))
            .bearer(token)
            .send()
            .await;
        res.problem(404);
    }
    let res = app
        .get("/api/v1/visit-plans/suggestions?date=2026-02-30")
        .bearer(&f.seller)
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["date"]);
    for token in [&f.manager, &o.admin, &exec] {
        let res = app
            .post("/api/v1/visit-plans/from-suggestions")
            .bearer(token)
            .json(json!({ "plan_date": date }))
            .send()
            .await;
        res.problem(403);
    }
    // Nothing due: an empty draft plan.
    let res = app
        .post("/api/v1/visit-plans/from-suggestions")
        .bearer(&f.seller)
        .json(json!({ "plan_date": date, "purpose": "service" }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["visits"], json!([]));
}
