//! The overdue payments and the weekly abnormal customers read the sums that triggers keep per
//! customer (per day and over all time): uploads, re-uploads that move a fact to another
//! customer, day or amount, and a report's facts removed when it is returned all leave the sums
//! equal to a count of the facts, and the overdue figures follow.

mod anomalies_support;
mod common;
mod sales;
mod visits_support;

use anomalies_support::of_kind;
use chrono::Duration;
use common::*;
use sales::upload;
use serde_json::{json, Value};
use visits_support::*;

/// Keys (customer, day or all time, state) whose kept sum differs from a sum of the facts, in
/// either direction.
fn mismatched_sums(app: &TestApp) -> i64 {
    app.count(
        "
        WITH facts AS (
            SELECT 'day' AS grain, sold_on AS period_start, customer_id, reconciliation AS k,
                   SUM(revenue_minor) AS n
              FROM sales_facts WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT 'total', CAST(NULL AS DATE), customer_id, reconciliation, SUM(revenue_minor)
              FROM sales_facts WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT 'pay-day', paid_on, customer_id, source, SUM(amount_minor)
              FROM payment_facts WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT 'pay-total', CAST(NULL AS DATE), customer_id, source, SUM(amount_minor)
              FROM payment_facts WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4),
        kept AS (
            SELECT grain, CASE grain WHEN 'day' THEN period_start END AS period_start,
                   customer_id, reconciliation AS k, revenue_minor AS n
              FROM customer_sales_sums WHERE revenue_minor <> 0
            UNION ALL
            SELECT CASE grain WHEN 'day' THEN 'pay-day' ELSE 'pay-total' END,
                   CASE grain WHEN 'day' THEN period_start END, customer_id, source, amount_minor
              FROM customer_payment_sums WHERE amount_minor <> 0)
        SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (
            SELECT * FROM facts WHERE n <> 0 EXCEPT SELECT * FROM kept
            UNION ALL
            SELECT * FROM kept EXCEPT SELECT * FROM facts WHERE n <> 0) x",
    )
}

fn sale(ext: &str, d: chrono::NaiveDate, seller: &str, customer: &str, revenue: i64) -> Value {
    let mut fact = sales::sale(ext, &day(d), seller, revenue, 0);
    fact["customer_id"] = json!(customer);
    fact
}

/// (overdue, due, paid) of the customer's payment_overdue anomaly, if listed.
async fn overdue(app: &TestApp, token: &str, customer: &str) -> Option<(i64, i64, i64)> {
    of_kind(app, token, "payment_overdue")
        .await
        .iter()
        .find(|a| a["customer_id"] == customer)
        .map(|a| {
            let n = |k: &str| a["figures"][k].as_i64().unwrap();
            (n("overdue_minor"), n("due_minor"), n("paid_minor"))
        })
}

#[actix_web::test]
async fn customer_sums_follow_every_write_to_the_facts_and_the_overdue_figures_with_them() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let admin = &f.org.admin;
    let seller = f.org.north_seller.clone();
    let no_customer = sales::sale("s0", &day(d - Duration::days(50)), &seller, 900, 0);
    let facts = vec![
        sale("s1", d - Duration::days(40), &seller, &f.shop, 10_000),
        sale("s2", d - Duration::days(35), &seller, &f.shop, 2_000),
        sale("s3", d - Duration::days(5), &seller, &f.shop, 7_000),
        sale("s4", d - Duration::days(60), &seller, &f.prospect, 3_000),
        no_customer,
    ];
    upload(&app, admin, "/api/v1/sales-facts", facts).await;
    let pay = |ext: &str, customer: &str, amount: i64| {
        json!({"external_id": ext, "paid_on": day(d), "salesperson_id": seller,
            "customer_id": customer, "amount_minor": amount})
    };
    upload(
        &app,
        admin,
        "/api/v1/payment-facts",
        vec![pay("p1", &f.shop, 4_000)],
    )
    .await;
    assert_eq!(mismatched_sums(&app), 0);
    // Due 30 days after the sale: 12,000 of the shop's (not the 7,000 of five days ago).
    assert_eq!(
        overdue(&app, &f.supervisor, &f.shop).await,
        Some((8_000, 12_000, 4_000))
    );
    assert_eq!(
        overdue(&app, &f.supervisor, &f.prospect).await,
        Some((3_000, 3_000, 0))
    );

    // Re-uploaded: s2 moves to the prospect, s1 to a day inside the terms, s4 changes its
    // amount; the payment moves to the prospect.
    let facts = vec![
        sale("s1", d - Duration::days(10), &seller, &f.shop, 10_000),
        sale("s2", d - Duration::days(35), &seller, &f.prospect, 2_000),
        sale("s3", d - Duration::days(5), &seller, &f.shop, 7_000),
        sale("s4", d - Duration::days(60), &seller, &f.prospect, 3_500),
    ];
    upload(&app, admin, "/api/v1/sales-facts", facts).await;
    upload(
        &app,
        admin,
        "/api/v1/payment-facts",
        vec![pay("p1", &f.prospect, 4_000)],
    )
    .await;
    assert_eq!(mismatched_sums(&app), 0);
    assert_eq!(overdue(&app, &f.supervisor, &f.shop).await, None);
    assert_eq!(
        overdue(&app, &f.supervisor, &f.prospect).await,
        Some((1_500, 5_500, 4_000))
    );

    // A report's order becomes a fact of the shop when submitted, and goes when it is returned.
    let r = submitted_report(
        &app,
        &f.seller,
        d,
        json!([visit(&f.shop, d, "ordering", 6_000, 0, true)]),
    )
    .await;
    assert_eq!(mismatched_sums(&app), 0);
    let returned = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/return", r.id()),
        &r.etag(),
        Some(json!({"comment": "check the order"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(mismatched_sums(&app), 0);
}
