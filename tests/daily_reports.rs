//! Daily visit reports: the whole day as a story, facts that never double, returns that take
//! facts back, reach, and input problems that name the field.

mod common;
mod visits_support;

use chrono::Duration;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

async fn target(app: &TestApp, f: &Field, metric: &str, value: i64) -> String {
    let month = first_of_month(today(app));
    let res = app
        .post("/api/v1/targets")
        .bearer(&f.manager)
        .json(json!({"metric": metric, "period_type": "month", "period_start": day(month), "value": value, "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

async fn actual(app: &TestApp, f: &Field, target: &str) -> i64 {
    let res = app
        .get(&format!(
            "/api/v1/targets/{target}/progress?as_of={}",
            day(today(app))
        ))
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["actual"].as_i64().unwrap()
}

fn line<'a>(report: &'a Value, metric: &str) -> &'a Value {
    report["achievement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["metric"] == metric)
        .unwrap()
}

#[actix_web::test]
async fn the_whole_day_from_plan_to_review_moves_progress_by_exactly_the_orders() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let sales_t = target(&app, &f, "sales_amount", 1_000_000).await;
    let paid_t = target(&app, &f, "collections", 200_000).await;

    // Morning: plan three visits, the supervisor signs.
    let plan = approved_plan(
        &app,
        &f,
        d,
        json!([
            {"customer_id": f.shop, "purpose": "ordering"},
            {"customer_id": f.prospect, "purpose": "new_customer_development"},
            {"prospect_name": "Bakery Nord", "purpose": "market_research"}
        ]),
    )
    .await;
    let planned: Vec<String> = plan["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(plan["status"], "approved");

    // Evening: two planned visits made, one unplanned; one check-in at the shop, one far off.
    let mut v1 = visit(&f.shop, d, "ordering", 12_345, 5_000, true);
    v1["planned_visit_id"] = json!(planned[0]);
    v1["checkin_lat"] = json!(SHOP_LAT + 0.0005);
    v1["checkin_lon"] = json!(SHOP_LON);
    v1["checkin_accuracy_m"] = json!(12.0);
    v1["opinions"] = json!("Happy with delivery times");
    let mut v2 = visit(&f.prospect, d, "new_customer_development", 50_000, 0, true);
    v2["planned_visit_id"] = json!(planned[1]);
    let mut v3 = visit(&f.shop, d, "service", 0, 0, false);
    v3["checkin_lat"] = json!(SHOP_LAT + 0.01);
    v3["checkin_lon"] = json!(SHOP_LON);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({
            "report_date": day(d), "attendance": "present", "visits": [v1, v2, v3],
            "expenses": [{"category": "transport", "amount_minor": 1_500, "note": "Fuel"}],
            "competitor_info": [{"competitor_id": f.competitor, "customer_id": f.shop, "observation": "Two-for-one on crates"}],
            "experience_notes": "Bring samples to prospects", "tomorrow_focus": "Collections in the harbour"
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let r = &res.body;
    assert_eq!(r["status"], "draft");
    assert_eq!(r["plan_vs_actual"]["planned"], 3);
    assert_eq!(r["plan_vs_actual"]["done"], 2);
    assert_eq!(r["plan_vs_actual"]["missed"], 1);
    assert_eq!(r["plan_vs_actual"]["unplanned"], 1);
    assert_eq!(
        r["plan_vs_actual"]["missed_planned_visit_ids"],
        json!([planned[2]])
    );
    let d1 = r["visits"][0]["checkin_distance_m"].as_f64().unwrap();
    assert!((50.0..60.0).contains(&d1), "about 55 m: {d1}");
    assert_eq!(r["visits"][0]["checkin_out_of_range"], false);
    assert_eq!(r["visits"][2]["checkin_out_of_range"], true);
    assert!(r["visits"][1]["checkin_distance_m"].is_null());
    assert_eq!(r["totals"]["order_amount_minor"], 62_345);
    assert_eq!(r["totals"]["expenses_minor"], 1_500);
    assert_eq!(
        r["competitor_info"][0]["competitor_id"],
        json!(f.competitor)
    );
    // Nothing counts before the report is submitted.
    assert_eq!(actual(&app, &f, &sales_t).await, 0);
    // A draft's texts can be cleared with null; what is not named stays.
    let edited = app
        .patch(&format!("/api/v1/daily-reports/{}", res.id()))
        .bearer(&f.seller)
        .header("if-match", &res.etag())
        .json(json!({"experience_notes": null}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert!(edited.body["experience_notes"].is_null());
    assert_eq!(edited.body["tomorrow_focus"], "Collections in the harbour");

    let submitted = act(
        &app,
        &f.seller,
        &format!("/api/v1/daily-reports/{}/submit", res.id()),
        &edited.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["late"], false);
    assert!(inbox_types(&app, &f.supervisor)
        .await
        .contains(&"daily_report.submitted".to_string()));

    // Progress moves by exactly the orders and collections.
    assert_eq!(actual(&app, &f, &sales_t).await, 62_345);
    assert_eq!(actual(&app, &f, &paid_t).await, 5_000);
    let sales = line(&submitted.body, "sales_amount");
    assert_eq!(sales["month_target"], 1_000_000);
    assert_eq!(sales["day_actual"], 62_345);
    assert_eq!(sales["month_to_date_actual"], 62_345);
    assert_eq!(line(&submitted.body, "visits")["day_actual"], 2);
    // The prospect won with an order is a customer from today.
    let kiosk = app
        .get(&format!("/api/v1/customers/{}", f.prospect))
        .bearer(&f.org.admin)
        .send()
        .await;
    assert_eq!(kiosk.body["status"], "active");
    assert_eq!(kiosk.body["activated_on"], day(d));

    // Yesterday's report, written only now: late.
    let yesterday = d - Duration::days(1);
    let late = submitted_report(
        &app,
        &f.seller,
        yesterday,
        json!([visit(&f.shop, yesterday, "collection", 0, 700, true)]),
    )
    .await;
    assert_eq!(late.body["late"], true);
    let fig = figures(&app, &f.supervisor, &f.org.north_seller, yesterday, d).await;
    assert_eq!(fig["sales_minor"], 62_345);
    assert_eq!(fig["collections_minor"], 5_700);

    // The supervisor reviews: a score is required.
    let path = format!("/api/v1/daily-reports/{}", res.id());
    let no_score = act(
        &app,
        &f.supervisor,
        &format!("{path}/review"),
        &submitted.etag(),
        Some(json!({"comment": "Good"})),
    )
    .await;
    assert_eq!(no_score.invalid_fields(), vec!["quality_score"]);
    let bad_score = act(
        &app,
        &f.supervisor,
        &format!("{path}/review"),
        &submitted.etag(),
        Some(json!({"comment": "Good", "quality_score": 6})),
    )
    .await;
    assert_eq!(bad_score.invalid_fields(), vec!["quality_score"]);
    let reviewed = act(
        &app,
        &f.supervisor,
        &format!("{path}/review"),
        &submitted.etag(),
        Some(json!({"comment": "Good day", "quality_score": 4})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert_eq!(reviewed.body["status"], "reviewed");
    assert_eq!(reviewed.body["quality_score"], 4);
    assert_eq!(reviewed.body["reviewed_by"], json!(f.org.north_supervisor));
    assert!(inbox_types(&app, &f.seller)
        .await
        .contains(&"daily_report.reviewed".to_string()));
    // Reviewed: not edited, not returned; the facts stay exactly as they were.
    let edit = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &reviewed.etag())
        .json(json!({"tomorrow_focus": "x"}))
        .send()
        .await;
    assert_eq!(edit.problem(409)["current_state"], "reviewed");
    act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &reviewed.etag(),
        Some(json!({"comment": "x"})),
    )
    .await
    .problem(409);
    assert_eq!(actual(&app, &f, &sales_t).await, 62_345);

    // The list shows the figures, and filters late ones.
    let list = app
        .get("/api/v1/daily-reports?late=true")
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.text
    );
    assert_eq!(list.body["items"][0]["report_date"], day(yesterday));
    assert_eq!(
        list.body["items"][0]["totals"]["collected_amount_minor"],
        700
    );
}

#[actix_web::test]
async fn a_retried_submit_with_the_same_key_makes_one_report_and_one_set_of_facts() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let body = json!({"report_date": day(d), "attendance": "present", "visits": [visit(&f.shop, d, "ordering", 9_999, 1_111, true)]});
    let mut created = Vec::new();
    for _ in 0..2 {
        let res = app
            .post("/api/v1/daily-reports")
            .bearer(&f.seller)
            .header("idempotency-key", "report-1")
            .json(body.clone())
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        created.push(res);
    }
    assert_eq!(created[0].id(), created[1].id());
    let path = format!("/api/v1/daily-reports/{}/submit", created[0].id());
    let mut submits = Vec::new();
    for _ in 0..3 {
        let res = app
            .post(&path)
            .bearer(&f.seller)
            .header("if-match", &created[0].etag())
            .header("idempotency-key", "submit-1")
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
        submits.push(res);
    }
    assert_eq!(submits[0].body, submits[2].body);
    // Without the key, a second submit is a conflict, not a second set of facts.
    let again = app
        .post(&path)
        .bearer(&f.seller)
        .header("if-match", &submits[0].etag())
        .send()
        .await;
    assert_eq!(again.problem(409)["current_state"], "submitted");
    let list = app
        .get("/api/v1/daily-reports")
        .bearer(&f.seller)
        .send()
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let fig = figures(&app, &f.supervisor, &f.org.north_seller, d, d).await;
    assert_eq!(fig["sales_minor"], 9_999);
    assert_eq!(fig["collections_minor"], 1_111);
    assert_eq!(fig["visits"], 1);
}

#[actix_web::test]
async fn returning_a_report_removes_its_facts_until_it_is_submitted_again() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let s = submitted_report(
        &app,
        &f.seller,
        d,
        json!([
            visit(&f.shop, d, "ordering", 4_000, 300, true),
            visit(&f.prospect, d, "new_customer_development", 2_500, 0, true)
        ]),
    )
    .await;
    assert_eq!(
        figures(&app, &f.supervisor, &f.org.north_seller, d, d).await["sales_minor"],
        6_500
    );
    let path = format!("/api/v1/daily-reports/{}", s.id());
    let no_comment = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &s.etag(),
        None,
    )
    .await;
    assert_eq!(no_comment.invalid_fields(), vec!["comment"]);
    let returned = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &s.etag(),
        Some(json!({"comment": "Split the kiosk order"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.body["status"], "returned");
    assert!(inbox_types(&app, &f.seller)
        .await
        .contains(&"daily_report.returned".to_string()));
    let fig = figures(&app, &f.supervisor, &f.org.north_seller, d, d).await;
    assert_eq!(fig["sales_minor"], 0);
    assert_eq!(fig["collections_minor"], 0);
    assert_eq!(fig["visits"], 0, "a returned report's visits do not count");
    let kiosk = app
        .get(&format!("/api/v1/customers/{}", f.prospect))
        .bearer(&f.org.admin)
        .send()
        .await;
    assert_eq!(kiosk.body["status"], "prospect", "the activation is undone");

    // Fixed and submitted again: counted once, with the new figures.
    let fixed = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &returned.etag())
        .json(json!({"visits": [visit(&f.shop, d, "ordering", 4_000, 300, true), visit(&f.prospect, d, "new_customer_development", 3_000, 0, true)]}))
        .send()
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let again = act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &fixed.etag(),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(
        again.body["late"], false,
        "timeliness is decided by the first submission"
    );
    let fig = figures(&app, &f.supervisor, &f.org.north_seller, d, d).await;
    assert_eq!(fig["sales_minor"], 7_000);
    assert_eq!(fig["collections_minor"], 300);
    let kiosk = app
        .get(&format!("/api/v1/customers/{}", f.prospect))
        .bearer(&f.org.admin)
        .send()
        .await;
    assert_eq!(kiosk.body["status"], "active");
}

#[actix_web::test]
async fn reach_decides_who_reads_and_reviews_a_report() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let s = submitted_report(
        &app,
        &f.seller,
        d,
        json!([visit(&f.shop, d, "service", 0, 0, true)]),
    )
    .await;
    let path = format!("/api/v1/daily-reports/{}", s.id());
    app.get(&path)
        .bearer(&f.south_supervisor)
        .send()
        .await
        .problem(404);
    act(
        &app,
        &f.south_supervisor,
        &format!("{path}/review"),
        &s.etag(),
        Some(json!({"comment": "x", "quality_score": 3})),
    )
    .await
    .problem(404);
    app.get(&path)
        .bearer(&f.south_seller)
        .send()
        .await
        .problem(404);
    // The owner does not review their own report.
    act(
        &app,
        &f.seller,
        &format!("{path}/review"),
        &s.etag(),
        Some(json!({"comment": "x", "quality_score": 5})),
    )
    .await
    .problem(403);
    // The manager above may.
    let waiting = app
        .get("/api/v1/daily-reports?awaiting_me=true")
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(waiting.body["items"].as_array().unwrap().len(), 1);
    act(
        &app,
        &f.manager,
        &format!("{path}/review"),
        "\"999\"",
        Some(json!({"comment": "x", "quality_score": 3})),
    )
    .await
    .problem(412);
    let ok = act(
        &app,
        &f.manager,
        &format!("{path}/review"),
        &s.etag(),
        Some(json!({"comment": "Fine", "quality_score": 3})),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[actix_web::test]
async fn bad_reports_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let mut bad_purpose = visit(&f.shop, d, "service", 0, 0, true);
    bad_purpose["purpose"] = json!("coffee");
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present", "visits": [visit(&f.shop, d, "service", 0, 0, true), bad_purpose]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[1].purpose"]);

    let mut backwards = visit(&f.shop, d, "service", 0, 0, true);
    backwards["ended_at"] = json!(at(d, 8, 0));
    let mut foreign_plan = visit(&f.shop, d, "service", 0, 0, true);
    foreign_plan["planned_visit_id"] = json!(f.shop);
    let mut negative = visit(&f.shop, d, "ordering", 0, 0, true);
    negative["order_amount_minor"] = json!(-5);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present", "visits": [backwards, foreign_plan],
            "expenses": [{"category": "transport", "amount_minor": 10}, {"category": "yacht", "amount_minor": 10}]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["expenses[1].category"]);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present", "visits": [negative]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[0].order_amount_minor"]);
    let mut backwards = visit(&f.shop, d, "service", 0, 0, true);
    backwards["ended_at"] = json!(at(d, 8, 0));
    let mut foreign_plan = visit(&f.shop, d, "service", 0, 0, true);
    foreign_plan["planned_visit_id"] = json!(f.shop);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present", "visits": [backwards, foreign_plan],
            "competitor_info": [{"competitor_id": f.shop, "observation": "?"}]}))
        .send()
        .await;
    assert_eq!(
        res.invalid_fields(),
        vec![
            "visits[0].ended_at",
            "visits[1].planned_visit_id",
            "competitor_info[0].competitor_id"
        ]
    );
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d + Duration::days(1)), "attendance": "present"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["report_date"]);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"attendance": "holidays"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["attendance"]);
    // One report per day.
    report(&app, &f.seller, d, json!([])).await;
    let second = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present"}))
        .send()
        .await;
    second.problem(409);
}
