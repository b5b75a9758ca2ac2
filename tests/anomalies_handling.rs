//! The anomalies of complaints, market reports and customers: each appears when its cause is
//! there and disappears when it is handled, paid or visited.

mod anomalies_support;
mod common;
mod sales;
mod visits_support;

use anomalies_support::*;
use chrono::Duration;
use common::*;
use sales::upload;
use salestrack::jobs;
use serde_json::json;
use visits_support::*;

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
