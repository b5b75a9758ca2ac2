//! The anomalies list: each kind appears when its cause is there and disappears when the cause
//! is resolved; filters, order, pages and reach.

mod common;
mod sales;
mod visits_support;

use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use sales::upload;
use salestrack::jobs;
use serde_json::{json, Value};
use visits_support::*;

/// An instant of a body.
fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(
        v.as_str().unwrap_or_else(|| panic!("not an instant: {v}")),
    )
    .unwrap()
    .to_utc()
}

/// `h`:`m` UTC on `d`.
fn utc(d: NaiveDate, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(h, m, 0).unwrap().and_utc()
}

/// The whole list (one page of up to 500) with extra query parameters (`&kind=...`).
async fn list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.items(&format!("/api/v1/anomalies?limit=500{query}"), token)
        .await
}

/// The items of one kind.
async fn of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let items = list(app, token, &format!("&kind={kind}")).await;
    assert!(items
        .iter()
        .all(|a| a["kind"] == kind && a["figures"]["kind"] == kind));
    items
}

/// Changes values of the `anomalies` settings group.
async fn tune(app: &TestApp, admin: &str, values: Value) {
    let current = app.get("/api/v1/settings").bearer(admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "anomalies": values }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// `n` visits to `customer` on `d`, half an hour apart from 06:00, the first `effective` of them
/// effective and the first `ordered` with an order.
fn visits(customer: &str, d: NaiveDate, n: usize, effective: usize, ordered: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let start = d.and_hms_opt(6, 0, 0).unwrap() + Duration::minutes(30 * i as i64);
            let end = start + Duration::minutes(20);
            let order = if i < ordered { 1_000 } else { 0 };
            json!({
                "customer_id": customer,
                "started_at": format!("{}Z", start.format("%Y-%m-%dT%H:%M:%S")),
                "ended_at": format!("{}Z", end.format("%Y-%m-%dT%H:%M:%S")),
                "purpose": "ordering",
                "outcome": if order > 0 { "order_placed" } else { "info_gathered" },
                "effective": i < effective,
                "order_amount_minor": order,
                "collected_amount_minor": 0
            })
        })
        .collect();
    Value::Array(list)
}

/// Creates a customer of `owner` in `unit` and returns its id.
async fn customer_of(app: &TestApp, admin: &str, code: &str, unit: &str, owner: &str) -> String {
    let res = app
        .post("/api/v1/customers")
        .bearer(admin)
        .json(json!({"code": code, "name": format!("Shop {code}"), "org_unit_id": unit, "owner_id": owner, "status": "active"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

#[actix_web::test]
async fn a_target_short_of_its_pace_is_listed_with_gap_and_forecast_until_it_catches_up() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"target_min_elapsed_days": 1})).await;
    let d = today(&app);
    let target = app
        .post("/api/v1/targets")
        .bearer(&f.org.admin)
        .json(json!({"metric": "sales_amount", "period_type": "year",
            "period_start": format!("{}-01-01", d.year()), "value": 36_500_000,
            "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);
    let id = target.id();
    let progress = app
        .get(&format!("/api/v1/targets/{id}/progress"))
        .bearer(&f.org.admin)
        .send()
        .await;
    let expected = progress.body["expected"].as_i64().unwrap();
    assert!(expected > 0);

    // Nothing sold: at risk, high.
    let items = of_kind(&app, &f.supervisor, "target_at_risk").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["severity"], "high");
    assert_eq!(a["target_id"], json!(id));
    assert_eq!(a["person_id"], json!(f.org.north_seller));
    assert_eq!(a["person_name"], "nsp");
    assert_eq!(a["unit_id"], json!(f.org.north_office));
    assert_eq!(a["unit_name"], "North Office");
    assert_eq!(a["link"], format!("/api/v1/targets/{id}/progress"));
    assert_eq!(a["figures"]["actual"], 0);
    assert_eq!(a["figures"]["expected"], expected);
    assert_eq!(a["figures"]["gap"], -expected);
    assert_eq!(a["figures"]["forecast"], 0);
    assert_eq!(a["figures"]["status"], "at_risk");
    assert!(a["summary"].as_str().unwrap().contains("at risk"));
    assert!(of_kind(&app, &f.supervisor, "target_behind")
        .await
        .is_empty());
    // The same problem keeps its id.
    assert_eq!(
        of_kind(&app, &f.supervisor, "target_at_risk").await[0]["id"],
        a["id"]
    );

    // 90 % of the pace: behind, medium.
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![sales::sale(
            "s1",
            &day(d),
            &f.org.north_seller,
            expected * 9 / 10,
            0,
        )],
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "target_at_risk")
        .await
        .is_empty());
    let behind = of_kind(&app, &f.supervisor, "target_behind").await;
    assert_eq!(behind.len(), 1);
    assert_eq!(behind[0]["severity"], "medium");
    assert_eq!(behind[0]["figures"]["actual"], expected * 9 / 10);
    assert!(behind[0]["figures"]["forecast"].as_i64().unwrap() > 0);

    // On pace: gone.
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![sales::sale("s2", &day(d), &f.org.north_seller, expected, 0)],
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "target_behind")
        .await
        .is_empty());
    assert!(of_kind(&app, &f.supervisor, "target_at_risk")
        .await
        .is_empty());
}

#[actix_web::test]
async fn missing_late_and_unreviewed_daily_reports_are_listed_until_the_report_comes_and_is_reviewed(
) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"report_lookback_days": 3})).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);

    // The three days before today are missing (today's cutoff, 23:59, is still ahead).
    let missing = list(
        &app,
        &f.supervisor,
        &format!(
            "&kind=daily_report_missing&person_id={}",
            f.org.north_seller
        ),
    )
    .await;
    let mut days: Vec<String> = missing
        .iter()
        .map(|a| a["figures"]["report_date"].as_str().unwrap().to_string())
        .collect();
    days.sort();
    let want: Vec<String> = (1..=3).rev().map(|n| day(d - Duration::days(n))).collect();
    assert_eq!(days, want);
    let a = missing
        .iter()
        .find(|a| a["figures"]["report_date"] == day(yesterday))
        .unwrap();
    assert_eq!(a["severity"], "medium");
    assert_eq!(instant(&a["since"]), utc(yesterday, 23, 59));
    assert!(a["figures"]["draft_report_id"].is_null());
    assert!(a["link"]
        .as_str()
        .unwrap()
        .starts_with("/api/v1/daily-reports?owner_id="));

    // A draft for yesterday: still missing, the link goes to it.
    let draft = report(
        &app,
        &f.seller,
        yesterday,
        json!([visit(&f.shop, yesterday, "ordering", 0, 0, true)]),
    )
    .await;
    let still = of_kind(&app, &f.supervisor, "daily_report_missing").await;
    let a = still
        .iter()
        .find(|a| {
            a["figures"]["report_date"] == day(yesterday)
                && a["person_id"] == json!(f.org.north_seller)
        })
        .unwrap();
    assert_eq!(a["figures"]["draft_report_id"], json!(draft.id()));
    assert_eq!(a["link"], format!("/api/v1/daily-reports/{}", draft.id()));

    // Submitted (after the cutoff): no longer missing, but late.
    let submitted = act(
        &app,
        &f.seller,
        &format!("/api/v1/daily-reports/{}/submit", draft.id()),
        &draft.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert!(of_kind(&app, &f.supervisor, "daily_report_missing")
        .await
        .iter()
        .all(|a| a["figures"]["report_date"] != day(yesterday)
            || a["person_id"] != json!(f.org.north_seller)));
    let late = of_kind(&app, &f.supervisor, "daily_report_late").await;
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["severity"], "low");
    assert_eq!(late[0]["figures"]["report_id"], json!(draft.id()));
    assert!(late[0]["figures"]["minutes_late"].as_i64().unwrap() >= 0);
    assert!(of_kind(&app, &f.supervisor, "daily_report_unreviewed")
        .await
        .is_empty());

    // A day later it has waited more than a day for review.
    app.clock.advance(Duration::hours(25));
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let waiting = of_kind(&app, &supervisor, "daily_report_unreviewed").await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["figures"]["report_id"], json!(draft.id()));
    assert!(waiting[0]["figures"]["hours_waiting"].as_i64().unwrap() >= 25);
    assert_eq!(waiting[0]["since"], submitted.body["submitted_at"]);
    assert_eq!(
        of_kind(&app, &supervisor, "daily_report_late").await.len(),
        1
    );

    // Reviewed: neither late nor waiting any more.
    let reviewed = act(
        &app,
        &supervisor,
        &format!("/api/v1/daily-reports/{}/review", draft.id()),
        &submitted.etag(),
        Some(json!({"comment": "Come on time", "quality_score": 3})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert!(of_kind(&app, &supervisor, "daily_report_unreviewed")
        .await
        .is_empty());
    assert!(of_kind(&app, &supervisor, "daily_report_late")
        .await
        .is_empty());
}

#[actix_web::test]
async fn a_visit_plan_not_approved_by_the_end_of_its_day_is_listed_until_it_is_approved() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    // Today's plan is not past its day.
    plan(
        &app,
        &f.seller,
        d,
        json!([{"customer_id": f.shop, "purpose": "ordering"}]),
    )
    .await;
    let p = plan(&app, &f.seller, yesterday, json!([{"customer_id": f.shop, "purpose": "ordering"}, {"prospect_name": "Kiosk", "purpose": "new_customer_development"}])).await;
    let items = of_kind(&app, &f.supervisor, "visit_plan_unsigned").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0]["severity"], "low",
        "a draft: the owner never submitted it"
    );
    assert_eq!(items[0]["figures"]["status"], "draft");
    assert_eq!(items[0]["figures"]["planned_visits"], 2);
    assert_eq!(instant(&items[0]["since"]), utc(d, 0, 0));
    assert_eq!(items[0]["link"], format!("/api/v1/visit-plans/{}", p.id()));

    let path = format!("/api/v1/visit-plans/{}", p.id());
    let s = act(&app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;
    assert_eq!(s.status, 200, "{}", s.text);
    let items = of_kind(&app, &f.supervisor, "visit_plan_unsigned").await;
    assert_eq!(items[0]["severity"], "medium", "waiting for a signature");
    assert_eq!(items[0]["figures"]["status"], "submitted");

    let a = act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &s.etag(),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(of_kind(&app, &f.supervisor, "visit_plan_unsigned")
        .await
        .is_empty());
}

#[actix_web::test]
async fn effective_visits_dropping_this_week_are_listed_until_they_pick_up() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    // On a Monday no day of the week has passed yet: move to Tuesday.
    if today(&app).weekday() == chrono::Weekday::Mon {
        app.clock.advance(Duration::days(1));
    }
    let d = today(&app);
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    // Four effective visits on a day of each of the four weeks before.
    for w in 1..=4 {
        let day = monday - Duration::days(7 * w);
        submitted_report(&app, &f.seller, day, visits(&f.shop, day, 4, 4, 0)).await;
    }
    let items = of_kind(&app, &f.supervisor, "visits_dropping").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["person_id"], json!(f.org.north_seller));
    assert_eq!(a["severity"], "medium");
    assert_eq!(a["figures"]["week_start"], day(monday));
    assert_eq!(a["figures"]["effective_visits"], 0);
    assert_eq!(a["figures"]["previous_four_weeks"], 16);
    assert_eq!(a["figures"]["weekly_average"], 4.0);
    let elapsed = (d - monday).num_days();
    assert_eq!(a["figures"]["elapsed_working_days"], elapsed);
    assert_eq!(a["figures"]["working_days_per_week"], 7);
    assert_eq!(a["figures"]["threshold_pct"], 50);
    assert_eq!(instant(&a["since"]), utc(monday, 0, 0));
    assert!(a["link"]
        .as_str()
        .unwrap()
        .starts_with("/api/v1/efficiency?user_id="));

    // Four effective visits yesterday: back at pace.
    let yesterday = d - Duration::days(1);
    submitted_report(
        &app,
        &f.seller,
        yesterday,
        visits(&f.shop, yesterday, 4, 4, 0),
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "visits_dropping")
        .await
        .is_empty());
}

#[actix_web::test]
async fn low_effective_visit_and_transaction_rates_are_listed_until_they_recover() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"activity_min_visits": 5})).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    // Four visits: too few to judge.
    submitted_report(
        &app,
        &f.seller,
        yesterday - Duration::days(1),
        visits(&f.shop, yesterday - Duration::days(1), 4, 0, 0),
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "low_effective_visit_rate")
        .await
        .is_empty());
    // Five more, one effective, none with an order: 1 of 9 effective, none ordered.
    submitted_report(
        &app,
        &f.seller,
        yesterday,
        visits(&f.shop, yesterday, 5, 1, 0),
    )
    .await;
    let eff = of_kind(&app, &f.supervisor, "low_effective_visit_rate").await;
    assert_eq!(eff.len(), 1, "{eff:?}");
    assert_eq!(eff[0]["figures"]["visits"], 9);
    assert_eq!(eff[0]["figures"]["effective_visits"], 1);
    assert_eq!(eff[0]["figures"]["effective_visit_rate"], 0.1111);
    assert_eq!(eff[0]["figures"]["threshold_pct"], 50);
    assert_eq!(eff[0]["figures"]["to"], day(d));
    assert_eq!(eff[0]["figures"]["from"], day(d - Duration::days(27)));
    let tx = of_kind(&app, &f.supervisor, "low_transaction_rate").await;
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0]["figures"]["visits_with_order"], 0);
    assert_eq!(tx[0]["figures"]["transaction_rate"], 0.0);

    // Today ten good visits: 11 of 19 effective (58 %), 5 of 19 with an order (26 %).
    submitted_report(&app, &f.seller, d, visits(&f.shop, d, 10, 10, 5)).await;
    assert!(of_kind(&app, &f.supervisor, "low_effective_visit_rate")
        .await
        .is_empty());
    assert!(of_kind(&app, &f.supervisor, "low_transaction_rate")
        .await
        .is_empty());
}

#[actix_web::test]
async fn expenses_per_visit_far_above_the_units_median_are_listed_until_they_come_down() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"activity_min_visits": 4})).await;
    let d = today(&app) - Duration::days(1);
    let admin = &f.org.admin;
    let mut sellers = vec![(f.seller.clone(), f.shop.clone(), f.org.north_seller.clone())];
    for n in 2..=3 {
        let email = format!("seller{n}@test.local");
        let id = app
            .create_user(admin, &email, "salesperson", &f.org.north_office)
            .await;
        let shop = customer_of(&app, admin, &format!("C-{n}0"), &f.org.north_office, &id).await;
        sellers.push((app.login(&email, PASSWORD).await, shop, id));
    }
    // 100, 120 and 500 per visit: the median is 120, and 500 is far above 150 % of it.
    for ((token, shop, _), spent) in sellers.iter().zip([400, 480, 2_000]) {
        let res = app
            .post("/api/v1/daily-reports")
            .bearer(token)
            .json(json!({"report_date": day(d), "attendance": "present",
                "visits": visits(shop, d, 4, 4, 0),
                "expenses": [{"category": "transport", "amount_minor": spent}]}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let s = act(
            &app,
            token,
            &format!("/api/v1/daily-reports/{}/submit", res.id()),
            &res.etag(),
            None,
        )
        .await;
        assert_eq!(s.status, 200, "{}", s.text);
    }
    let items = of_kind(&app, &f.supervisor, "high_expenses_per_visit").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["person_id"], json!(sellers[2].2));
    assert_eq!(a["figures"]["cost_per_visit_minor"], 500);
    assert_eq!(a["figures"]["team_median_minor"], 120);
    assert_eq!(a["figures"]["team_size"], 3);
    assert_eq!(a["figures"]["expenses_minor"], 2_000);
    // The others see only their own: the spender is told, the frugal are not.
    assert_eq!(
        of_kind(&app, &sellers[2].0, "high_expenses_per_visit")
            .await
            .len(),
        1
    );
    assert!(of_kind(&app, &sellers[0].0, "high_expenses_per_visit")
        .await
        .is_empty());

    // Sixteen visits without expenses today bring the spender to 100 per visit.
    let t = today(&app);
    submitted_report(&app, &sellers[2].0, t, visits(&sellers[2].1, t, 16, 16, 0)).await;
    assert!(of_kind(&app, &f.supervisor, "high_expenses_per_visit")
        .await
        .is_empty());
}

#[actix_web::test]
async fn complaints_overdue_or_escalated_and_serious_market_reports_unacknowledged_are_listed_until_handled(
) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let complaint = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.shop, "title": "Broken cooler",
            "description": "The cooler we delivered leaks.", "severity": "critical"}))
        .send()
        .await;
    assert_eq!(complaint.status, 201, "{}", complaint.text);
    let report = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "pricing", "severity": "high", "title": "Rival cuts prices",
            "description": "Ten percent off at every outlet."}),
        )
        .send()
        .await;
    assert_eq!(report.status, 201, "{}", report.text);
    let medium = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "other", "severity": "medium", "title": "New shop",
            "description": "Opens next week."}),
        )
        .send()
        .await;
    assert_eq!(medium.status, 201);

    // The high market report at once; the medium one is not listed.
    let reports = of_kind(&app, &f.supervisor, "market_report_unacknowledged").await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["severity"], "high");
    assert_eq!(
        reports[0]["figures"]["market_report_id"],
        json!(report.id())
    );
    assert_eq!(reports[0]["figures"]["category"], "pricing");
    assert_eq!(reports[0]["since"], report.body["created_at"]);
    assert_eq!(
        reports[0]["link"],
        format!("/api/v1/market-reports/{}", report.id())
    );
    let ack = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/market-reports/{}/acknowledge", report.id()),
        &report.etag(),
        None,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    assert!(of_kind(&app, &f.supervisor, "market_report_unacknowledged")
        .await
        .is_empty());

    // A fresh complaint is neither overdue nor escalated.
    assert!(of_kind(&app, &f.supervisor, "complaint_escalated")
        .await
        .is_empty());
    assert!(of_kind(&app, &f.supervisor, "complaint_overdue")
        .await
        .is_empty());
    // Unacknowledged past its 2 hours: escalated to the manager.
    app.clock.advance(Duration::hours(3));
    jobs::tick(&app.state).await.unwrap();
    let manager = app.login("nm@test.local", PASSWORD).await;
    let esc = of_kind(&app, &manager, "complaint_escalated").await;
    assert_eq!(esc.len(), 1, "{esc:?}");
    assert_eq!(esc[0]["severity"], "critical");
    assert_eq!(esc[0]["customer_id"], json!(f.shop));
    assert_eq!(esc[0]["customer_name"], "Corner Shop");
    assert_eq!(esc[0]["figures"]["escalation_level"], 2);
    assert_eq!(esc[0]["figures"]["complaint_id"], json!(complaint.id()));
    assert!(of_kind(&app, &manager, "complaint_overdue")
        .await
        .is_empty());
    // Past the 24 hours to resolve it: overdue too, since its due time.
    app.clock.advance(Duration::hours(22));
    let manager = app.login("nm@test.local", PASSWORD).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let overdue = of_kind(&app, &manager, "complaint_overdue").await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["since"], complaint.body["resolution_due_at"]);
    // The assignee (the seller) sees it too.
    assert_eq!(of_kind(&app, &seller, "complaint_overdue").await.len(), 1);

    // Resolved: both gone.
    let current = app
        .get(&format!("/api/v1/complaints/{}", complaint.id()))
        .bearer(&seller)
        .send()
        .await;
    let resolved = act(
        &app,
        &seller,
        &format!("/api/v1/complaints/{}/resolve", complaint.id()),
        &current.etag(),
        Some(json!({"resolution": "Replaced the cooler."})),
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    assert!(of_kind(&app, &manager, "complaint_overdue")
        .await
        .is_empty());
    assert!(of_kind(&app, &manager, "complaint_escalated")
        .await
        .is_empty());
}

#[actix_web::test]
async fn customers_with_overdue_payments_or_without_recent_visits_are_listed_until_paid_and_visited(
) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let sold = d - Duration::days(40);
    let admin = &f.org.admin;
    let mut fact = sales::sale("s1", &day(sold), &f.org.north_seller, 10_000, 0);
    fact["customer_id"] = json!(f.shop);
    let mut recent = sales::sale(
        "s2",
        &day(d - Duration::days(5)),
        &f.org.north_seller,
        7_000,
        0,
    );
    recent["customer_id"] = json!(f.shop);
    upload(&app, admin, "/api/v1/sales-facts", vec![fact, recent]).await;
    let pay = |ext: &str, amount: i64| {
        json!({"external_id": ext, "paid_on": day(d), "salesperson_id": f.org.north_seller,
            "customer_id": f.shop, "amount_minor": amount})
    };
    upload(&app, admin, "/api/v1/payment-facts", vec![pay("p1", 4_000)]).await;

    // 10,000 due 30 days after the sale, 4,000 paid: 6,000 overdue.
    let items = of_kind(&app, &f.supervisor, "payment_overdue").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["customer_id"], json!(f.shop));
    assert_eq!(a["person_id"], json!(f.org.north_seller));
    assert_eq!(a["unit_id"], json!(f.org.north_office));
    assert_eq!(a["figures"]["overdue_minor"], 6_000);
    assert_eq!(a["figures"]["due_minor"], 10_000);
    assert_eq!(a["figures"]["paid_minor"], 4_000);
    assert_eq!(a["figures"]["oldest_unpaid_sale_on"], day(sold));
    assert_eq!(a["figures"]["payment_terms_days"], 30);
    assert_eq!(instant(&a["since"]), utc(sold + Duration::days(30), 0, 0));
    assert_eq!(a["link"], format!("/api/v1/customers/{}", f.shop));
    // Above a threshold of 6,000 it is not listed.
    tune(&app, admin, json!({"overdue_payment_min_minor": 6_000})).await;
    assert!(of_kind(&app, &f.supervisor, "payment_overdue")
        .await
        .is_empty());
    tune(&app, admin, json!({"overdue_payment_min_minor": 0})).await;
    // Paid: gone (the recent sale is not due yet).
    upload(&app, admin, "/api/v1/payment-facts", vec![pay("p2", 6_000)]).await;
    assert!(of_kind(&app, &f.supervisor, "payment_overdue")
        .await
        .is_empty());

    // The active shop was created just now: not yet "not visited"; the prospect never is.
    assert!(of_kind(&app, &f.supervisor, "customer_not_visited")
        .await
        .is_empty());
    tune(&app, admin, json!({"customer_not_visited_days": 2})).await;
    app.clock.advance(Duration::days(3));
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let items = of_kind(&app, &supervisor, "customer_not_visited").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["customer_id"], json!(f.shop));
    assert_eq!(items[0]["severity"], "low");
    assert!(items[0]["figures"]["last_visited_at"].is_null());
    assert_eq!(items[0]["figures"]["days_without_visit"], 3);
    assert_eq!(items[0]["figures"]["threshold_days"], 2);
    // Visited today: gone.
    let t = today(&app);
    submitted_report(
        &app,
        &seller,
        t,
        json!([visit(&f.shop, t, "ordering", 0, 0, true)]),
    )
    .await;
    assert!(of_kind(&app, &supervisor, "customer_not_visited")
        .await
        .is_empty());
}

/// Findings in both regions: missing reports of both sellers, a critical and a high market
/// report from the north, a high one from the south.
async fn two_regions(app: &TestApp) -> Field {
    let f = field(app).await;
    tune(app, &f.org.admin, json!({"report_lookback_days": 2})).await;
    for (token, severity) in [
        (&f.seller, "critical"),
        (&f.seller, "high"),
        (&f.south_seller, "high"),
    ] {
        let res = app
            .post("/api/v1/market-reports")
            .bearer(token)
            .json(
                json!({"category": "supply", "severity": severity, "title": "Shortage",
                "description": "No stock of the best seller."}),
            )
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    f
}

fn people(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|a| a["person_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[actix_web::test]
async fn the_list_is_filtered_sorted_and_paged() {
    let app = TestApp::spawn().await;
    let f = two_regions(&app).await;
    let admin = &f.org.admin;
    let all = list(&app, admin, "").await;
    // Two missing days for each seller, three market reports.
    assert_eq!(all.len(), 7, "{all:#?}");
    // Most severe first, then the oldest.
    let rank = |s: &str| {
        ["critical", "high", "medium", "low"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    for w in all.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (ra, rb) = (
            rank(a["severity"].as_str().unwrap()),
            rank(b["severity"].as_str().unwrap()),
        );
        assert!(ra <= rb, "{a} before {b}");
        if ra == rb {
            assert!(instant(&a["since"]) <= instant(&b["since"]));
        }
    }
    assert_eq!(all[0]["severity"], "critical");

    // By kind, severity, unit (subtree) and person.
    assert_eq!(
        list(&app, admin, "&kind=market_report_unacknowledged")
            .await
            .len(),
        3
    );
    assert_eq!(list(&app, admin, "&severity=high").await.len(), 2);
    assert_eq!(list(&app, admin, "&severity=medium").await.len(), 4);
    let north = list(&app, admin, &format!("&unit_id={}", f.org.north)).await;
    assert_eq!(north.len(), 4);
    assert_eq!(people(&north), vec![f.org.north_seller.clone()]);
    let person = list(&app, admin, &format!("&person_id={}", f.org.south_seller)).await;
    assert_eq!(person.len(), 3);
    assert_eq!(
        list(
            &app,
            admin,
            &format!(
                "&person_id={}&kind=daily_report_missing",
                f.org.south_seller
            )
        )
        .await
        .len(),
        2
    );

    // Pages of two walk the same list.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/anomalies?limit=2&cursor={c}"),
            None => "/api/v1/anomalies?limit=2".to_string(),
        };
        let res = app.get(&path).bearer(admin).send().await;
        assert_eq!(res.status, 200, "{}", res.text);
        paged.extend(res.body["items"].as_array().unwrap().clone());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids = |v: &[Value]| v.iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    let bad = app
        .get("/api/v1/anomalies?cursor=bm9wZQ")
        .bearer(admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["cursor"]);
    let bad = app
        .get("/api/v1/anomalies?kind=everything")
        .bearer(admin)
        .send()
        .await;
    bad.problem(422);
}

#[actix_web::test]
async fn each_caller_sees_the_anomalies_within_reach_and_dealers_none() {
    let app = TestApp::spawn().await;
    let f = two_regions(&app).await;
    let admin = &f.org.admin;
    // A supervisor: the people of the office; a salesperson: their own.
    let north = list(&app, &f.supervisor, "").await;
    assert_eq!(north.len(), 4);
    assert_eq!(people(&north), vec![f.org.north_seller.clone()]);
    assert_eq!(
        people(&list(&app, &f.south_seller, "").await),
        vec![f.org.south_seller.clone()]
    );
    // Outside reach is not listed, even when asked for by unit or person.
    assert!(
        list(&app, &f.supervisor, &format!("&unit_id={}", f.org.south))
            .await
            .is_empty()
    );
    assert!(list(
        &app,
        &f.supervisor,
        &format!("&person_id={}", f.org.south_seller)
    )
    .await
    .is_empty());
    assert!(list(
        &app,
        &f.seller,
        &format!("&person_id={}", f.org.south_seller)
    )
    .await
    .is_empty());
    // The regional manager reaches the office below.
    assert_eq!(list(&app, &f.manager, "").await.len(), 4);

    // Executives: results only, no daily process of individual plans and reports.
    app.create_user(admin, "exec@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("exec@test.local", PASSWORD).await;
    let seen = list(&app, &exec, "").await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen
        .iter()
        .all(|a| a["kind"] == "market_report_unacknowledged"));
    app.get("/api/v1/anomalies?kind=daily_report_missing")
        .bearer(&exec)
        .send()
        .await
        .problem(403);
    // Integrations and admins: everything.
    app.create_user(admin, "erp@test.local", "integration", &f.org.root)
        .await;
    let erp = app.login("erp@test.local", PASSWORD).await;
    assert_eq!(list(&app, &erp, "").await.len(), 7);
    // Dealers: never.
    app.create_user(admin, "dealer@test.local", "dealer", &f.org.root)
        .await;
    let dealer = app.login("dealer@test.local", PASSWORD).await;
    app.get("/api/v1/anomalies")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn the_anomalies_settings_change_one_value_at_a_time_and_are_checked() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let res = app.get("/api/v1/settings").bearer(&org.admin).send().await;
    assert_eq!(res.body["anomalies"]["visits_drop_pct"], 50);
    assert_eq!(res.body["anomalies"]["customer_not_visited_days"], 30);
    let ok = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &res.etag())
        .json(json!({"anomalies": {"visits_drop_pct": 40}}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["anomalies"]["visits_drop_pct"], 40);
    assert_eq!(
        ok.body["anomalies"]["review_wait_hours"], 24,
        "the others stay"
    );
    let bad = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &ok.etag())
        .json(json!({"anomalies": {"visits_drop_pct": 0, "expenses_above_median_pct": 50, "report_lookback_days": 1000}}))
        .send()
        .await;
    assert_eq!(
        bad.invalid_fields(),
        vec![
            "anomalies.expenses_above_median_pct",
            "anomalies.report_lookback_days",
            "anomalies.visits_drop_pct"
        ]
    );
    let unknown = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &ok.etag())
        .json(json!({"anomalies": {"visits_drop": 40}}))
        .send()
        .await;
    unknown.problem(422);
}

#[actix_web::test]
async fn pages_of_short_targets_do_not_repeat_or_skip_before_the_background_pass_dates_them() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = &f.org.admin;
    tune(&app, admin, json!({"target_min_elapsed_days": 1})).await;
    let year = format!("{}-01-01", today(&app).year());
    for (who, id) in [
        ("user_id", &f.org.north_seller),
        ("user_id", &f.org.south_seller),
        ("unit_id", &f.org.north),
        ("unit_id", &f.org.south),
    ] {
        for metric in ["sales_amount", "collections"] {
            let mut body = json!({"metric": metric, "period_type": "year", "period_start": year, "value": 1_000_000});
            body[who] = json!(id);
            let res = app
                .post("/api/v1/targets")
                .bearer(admin)
                .json(body)
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.text);
        }
    }
    let all = of_kind(&app, admin, "target_at_risk").await;
    assert_eq!(all.len(), 8);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/anomalies?kind=target_at_risk&limit=3&cursor={c}"),
            None => "/api/v1/anomalies?kind=target_at_risk&limit=3".to_string(),
        };
        let res = app.get(&path).bearer(admin).send().await;
        paged.extend(res.body["items"].as_array().unwrap().clone());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids = |v: &[Value]| v.iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    // Unit targets name the unit.
    assert!(all.iter().any(|a| a["unit_id"] == json!(f.org.south)
        && a["unit_name"] == "South"
        && a["person_id"].is_null()));
}

/// Generated clients read `figures` by trying each shape in turn: no shape may fit another.
#[test]
fn no_figures_shape_fits_another_so_clients_tell_them_apart() {
    let spec: Value =
        serde_json::from_str(include_str!("../openapi/openapi.json")).expect("the committed spec");
    let schemas = &spec["components"]["schemas"];
    let shapes: Vec<&str> = schemas["AnomalyFigures"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    let mapped = schemas["AnomalyFigures"]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    let kinds = schemas["AnomalyKind"]["enum"].as_array().unwrap().len();
    assert_eq!(mapped.len(), kinds, "every kind is mapped to its shape");
    for a in &shapes {
        assert_eq!(schemas[a]["additionalProperties"], false, "{a}");
        let required = schemas[a]["required"].as_array().unwrap();
        for b in shapes.iter().filter(|b| *b != a) {
            let props = schemas[b]["properties"].as_object().unwrap();
            assert!(
                required
                    .iter()
                    .any(|r| !props.contains_key(r.as_str().unwrap())),
                "{a} fits {b}"
            );
        }
    }
}
