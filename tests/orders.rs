//! Order lines on a daily report's visits: product, quantity and unit price (the list price by
//! default); the visit's order amount is their sum; their facts carry product, category and
//! cost, so that category targets and gross profit move by exactly the lines. An order given
//! as an amount only still counts toward sales, and toward nothing else.

mod common;
mod visits_support;

use common::*;
use serde_json::{json, Value};
use visits_support::*;

struct Shop {
    cola: String,
    chips: String,
}

/// Cola (beverages, list 1,250, cost 800) and chips (snacks, list 2,000, cost 1,500).
async fn products(app: &TestApp, admin: &str) -> Shop {
    Shop {
        cola: product(app, admin, "COLA", "beverages", Some(1_250), Some(800)).await,
        chips: product(app, admin, "CHIPS", "snacks", Some(2_000), Some(1_500)).await,
    }
}

fn lined(customer: &str, d: chrono::NaiveDate, lines: Value) -> Value {
    let mut v = visit(customer, d, "ordering", 0, 0, true);
    v.as_object_mut().unwrap().remove("order_amount_minor");
    v["order_lines"] = lines;
    v
}

async fn actual(app: &TestApp, token: &str, target: &str, d: chrono::NaiveDate) -> i64 {
    progress_on(app, token, target, d).await["actual"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn order_lines_move_category_targets_and_gross_profit_by_exactly_the_lines() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let p = products(&app, &o.admin).await;
    let d = today(&app);
    let seller = &o.north_seller;
    let sales = month_target(&app, &o.admin, "sales_amount", None, seller, d, 100_000).await;
    let drinks = month_target(
        &app,
        &o.admin,
        "sales_amount",
        Some("beverages"),
        seller,
        d,
        50_000,
    )
    .await;
    let snacks = month_target(
        &app,
        &o.admin,
        "sales_amount",
        Some("snacks"),
        seller,
        d,
        50_000,
    )
    .await;
    let profit = month_target(&app, &o.admin, "gross_profit", None, seller, d, 20_000).await;
    // 10 colas at the list price (12,500) and 3 chips at 1,800 (5,400): 17,900; and a quick
    // order of 7,000 given as an amount only.
    let mut quick = visit(&f.shop, d, "ordering", 7_000, 0, true);
    quick["started_at"] = json!(at(d, 14, 0));
    quick["ended_at"] = json!(at(d, 14, 20));
    let created = report(
        &app,
        &f.seller,
        d,
        json!([
            lined(
                &f.shop,
                d,
                json!([
                    { "product_id": p.cola, "quantity": 10 },
                    { "product_id": p.chips, "quantity": 3, "unit_price_minor": 1_800 }
                ])
            ),
            quick
        ]),
    )
    .await;
    let r = &created.body;
    assert_eq!(r["visits"][0]["order_amount_minor"], 17_900);
    let lines = r["visits"][0]["order_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["unit_price_minor"], 1_250);
    assert_eq!(lines[0]["line_amount_minor"], 12_500);
    assert_eq!(lines[1]["line_amount_minor"], 5_400);
    assert_eq!(r["visits"][1]["order_lines"], json!([]));
    assert_eq!(r["totals"]["order_amount_minor"], 24_900);
    // The report says which part counts for no category and no gross profit.
    assert_eq!(r["totals"]["order_amount_without_lines_minor"], 7_000);
    let listed = app.items("/api/v1/daily-reports", &f.seller).await;
    assert_eq!(
        listed[0]["totals"]["order_amount_without_lines_minor"],
        7_000
    );
    for t in [&sales, &drinks, &snacks, &profit] {
        assert_eq!(
            actual(&app, &o.admin, t, d).await,
            0,
            "a draft counts nothing"
        );
    }

    let submitted = submit(&app, &f.seller, &created).await;
    assert_eq!(actual(&app, &o.admin, &sales, d).await, 24_900);
    assert_eq!(actual(&app, &o.admin, &drinks, d).await, 12_500);
    assert_eq!(actual(&app, &o.admin, &snacks, d).await, 5_400);
    // (12,500 - 10 x 800) + (5,400 - 3 x 1,500); the quick order adds no gross profit.
    assert_eq!(actual(&app, &o.admin, &profit, d).await, 4_500 + 900);
    let facts = app
        .items(
            &format!("/api/v1/sales-facts?salesperson_id={seller}"),
            &o.admin,
        )
        .await;
    assert_eq!(facts.len(), 3);
    let cola = facts
        .iter()
        .find(|f| f["product_id"] == json!(p.cola))
        .unwrap();
    assert_eq!(
        (
            &cola["category"],
            &cola["quantity"],
            &cola["cost_minor"],
            &cola["revenue_minor"]
        ),
        (
            &json!("beverages"),
            &json!(10),
            &json!(8_000),
            &json!(12_500)
        )
    );
    assert!(facts.iter().any(|f| f["product_id"].is_null()
        && f["category"].is_null()
        && f["revenue_minor"] == 7_000));

    // Returned, its facts go, lines and all.
    let returned = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/return", created.id()),
        &submitted.etag(),
        Some(json!({ "comment": "Prices?" })),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    for t in [&sales, &drinks, &snacks, &profit] {
        assert_eq!(actual(&app, &o.admin, t, d).await, 0);
    }
    let facts = app
        .items(
            &format!("/api/v1/sales-facts?salesperson_id={seller}"),
            &o.admin,
        )
        .await;
    assert!(facts.is_empty(), "{facts:?}");
}

#[actix_web::test]
async fn changing_a_reports_visits_replaces_their_order_lines() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let p = products(&app, &f.org.admin).await;
    let d = today(&app);
    let created = report(
        &app,
        &f.seller,
        d,
        json!([lined(
            &f.shop,
            d,
            json!([
                { "product_id": p.cola, "quantity": 1 },
                { "product_id": p.chips, "quantity": 1 }
            ])
        )]),
    )
    .await;
    let changed = app
        .patch(&format!("/api/v1/daily-reports/{}", created.id()))
        .bearer(&f.seller)
        .header("if-match", &created.etag())
        .json(json!({ "visits": [lined(&f.shop, d, json!([{ "product_id": p.chips, "quantity": 2 }]))] }))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let read = app
        .get(&format!("/api/v1/daily-reports/{}", created.id()))
        .bearer(&f.seller)
        .send()
        .await;
    let lines = read.body["visits"][0]["order_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["product_id"], json!(p.chips));
    assert_eq!(read.body["visits"][0]["order_amount_minor"], 4_000);
    assert_eq!(read.body["totals"]["order_amount_without_lines_minor"], 0);
}

#[actix_web::test]
async fn bad_order_lines_are_named_field_by_field() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = &f.org.admin;
    let p = products(&app, admin).await;
    let unpriced = product(&app, admin, "LOOSE", "snacks", None, None).await;
    let archived = product(&app, admin, "OLD", "snacks", Some(100), None).await;
    let current = app
        .get(&format!("/api/v1/products/{archived}"))
        .bearer(admin)
        .send()
        .await;
    let res = app
        .patch(&format!("/api/v1/products/{archived}"))
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "archived": true }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let d = today(&app);
    let mut wrong_sum = lined(&f.shop, d, json!([{ "product_id": p.cola, "quantity": 2 }]));
    wrong_sum["order_amount_minor"] = json!(2_000);
    let mut no_order = visit(&f.shop, d, "service", 0, 0, true);
    no_order["order_ref"] = json!("SO-1");
    let body = json!({ "report_date": day(d), "attendance": "present", "visits": [
        lined(&f.shop, d, json!([
            { "product_id": f.shop, "quantity": 1 },
            { "product_id": unpriced, "quantity": 1 },
            { "product_id": archived, "quantity": 1 }
        ])),
        wrong_sum,
        no_order
    ]});
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(body)
        .send()
        .await;
    let mut fields = res.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "visits[0].order_lines[0].product_id",
            "visits[0].order_lines[1].unit_price_minor",
            "visits[0].order_lines[2].product_id",
            "visits[1].order_amount_minor",
            "visits[2].order_ref",
        ]
    );
    let zero = json!({ "report_date": day(d), "attendance": "present", "visits": [
        lined(&f.shop, d, json!([{ "product_id": p.cola, "quantity": 0 }]))
    ]});
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(zero)
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["visits[0].order_lines[0].quantity"]);
}
