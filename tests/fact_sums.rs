//! Progress reads the fact sums that triggers keep per day and per month: windows that end or
//! start inside a month, facts moved to another month or changed by a re-upload, categories,
//! gross profit and collections all count exactly the facts stored.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::{json, Value};

async fn actual(app: &TestApp, token: &str, target: &str, as_of: &str) -> i64 {
    progress(app, token, target, as_of).await["actual"]
        .as_i64()
        .unwrap()
}

fn in_category(mut fact: Value, category: &str) -> Value {
    fact["category"] = json!(category);
    fact
}

#[actix_web::test]
async fn windows_inside_months_and_moved_facts_count_exactly_the_stored_facts() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let seller = ("user_id", o.south_seller.as_str());
    let year = ("year", "2026-01-01");
    let sales = target(&app, &c.head, "sales_amount", year, seller, 10_000).await;
    let profit = target(&app, &c.head, "gross_profit", year, seller, 10_000).await;
    let collections = target(&app, &c.head, "collections", year, seller, 10_000).await;
    let march = target(
        &app,
        &c.head,
        "sales_amount",
        ("month", "2026-03-01"),
        seller,
        5_000,
    )
    .await;
    let mut body = json!({ "metric": "sales_amount", "period_type": "year",
        "period_start": "2026-01-01", "value": 5_000, "category": "beverages" });
    body[seller.0] = json!(seller.1);
    let beverages = create_target(&app, &c.head, body).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = &o.south_seller;
    let facts = vec![
        sale("a", "2026-01-31", s, 100, 40),
        in_category(sale("b", "2026-02-01", s, 200, 50), "beverages"),
        sale("c", "2026-03-15", s, 400, 0),
        in_category(sale("d", "2026-03-16", s, 800, 0), "beverages"),
    ];
    upload(&app, &o.admin, "/api/v1/sales-facts", facts).await;
    let pay = |ext: &str, day: &str, amount: i64| json!({ "external_id": ext, "paid_on": day, "salesperson_id": s, "amount_minor": amount });
    let payments = vec![pay("p1", "2026-02-28", 300), pay("p2", "2026-03-01", 50)];
    upload(&app, &o.admin, "/api/v1/payment-facts", payments).await;

    // The year as of a month's last day, a month's first day, and days inside a month.
    for (as_of, expected) in [
        ("2026-01-30", 0),
        ("2026-01-31", 100),
        ("2026-02-01", 300),
        ("2026-03-15", 700),
        ("2026-03-16", 1_500),
        ("2026-12-31", 1_500),
    ] {
        assert_eq!(
            actual(&app, &o.admin, &sales, as_of).await,
            expected,
            "{as_of}"
        );
    }
    assert_eq!(actual(&app, &o.admin, &march, "2026-03-15").await, 400);
    assert_eq!(actual(&app, &o.admin, &march, "2026-03-31").await, 1_200);
    assert_eq!(
        actual(&app, &o.admin, &beverages, "2026-03-16").await,
        1_000
    );
    assert_eq!(actual(&app, &o.admin, &beverages, "2026-03-15").await, 200);
    // Gross profit: (100 - 40) + (200 - 50) + 400 + 800.
    assert_eq!(actual(&app, &o.admin, &profit, "2026-06-30").await, 1_410);
    assert_eq!(
        actual(&app, &o.admin, &collections, "2026-02-28").await,
        300
    );
    assert_eq!(
        actual(&app, &o.admin, &collections, "2026-03-01").await,
        350
    );

    // A re-upload moves fact c to April and changes its amount, and d out of beverages.
    let moved = vec![
        sale("c", "2026-04-02", s, 450, 0),
        in_category(sale("d", "2026-03-16", s, 800, 0), "snacks"),
    ];
    upload(&app, &o.admin, "/api/v1/sales-facts", moved).await;
    assert_eq!(actual(&app, &o.admin, &sales, "2026-03-31").await, 1_100);
    assert_eq!(actual(&app, &o.admin, &sales, "2026-04-01").await, 1_100);
    assert_eq!(actual(&app, &o.admin, &sales, "2026-04-02").await, 1_550);
    assert_eq!(actual(&app, &o.admin, &march, "2026-03-31").await, 800);
    assert_eq!(actual(&app, &o.admin, &beverages, "2026-12-31").await, 200);
    assert_eq!(actual(&app, &o.admin, &profit, "2026-12-31").await, 1_460);
}
