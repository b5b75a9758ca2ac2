//! Promotion cost facts: imported by integrations and admins by external id, read within
//! reach like the change feed reaches them, and every change of a promotion's spend a new
//! version of the promotion.

mod common;
mod promotions_support;
mod sales;

use common::*;
use promotions_support::*;
use sales::upload;
use serde_json::{json, Value};

#[actix_web::test]
async fn cost_facts_are_imported_by_integrations_and_read_within_reach() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let o = &t.c.org;
    let id = t.approved(&app, t.body(&app, -2, 5)).await.id();
    let row = |ext: &str, amount: i64, seller: Option<&str>| {
        json!({"external_id": ext, "promotion_id": id, "spent_on": rel(&app, -1),
               "amount_minor": amount, "salesperson_id": seller})
    };
    // Managers do not import; an unknown promotion is named.
    app.post("/api/v1/promotion-cost-facts")
        .bearer(&t.north_manager)
        .json(json!({"rows": [row("E-1", 100, None)]}))
        .send()
        .await
        .problem(403);
    let mut unknown = row("E-1", 100, None);
    unknown["promotion_id"] = json!(o.root);
    let bad = app
        .post("/api/v1/promotion-cost-facts")
        .bearer(&o.admin)
        .json(json!({"rows": [unknown]}))
        .send()
        .await;
    assert_eq!(
        bad.problem(422)["errors"][0]["field"],
        "rows[0].promotion_id"
    );
    let rows = vec![
        row("E-1", 1_000, None),
        row("E-2", 2_000, Some(&o.north_seller)),
        row("E-3", 4_000, Some(&t.c.region_seller)),
    ];
    upload(&app, &o.admin, "/api/v1/promotion-cost-facts", rows).await;
    let path = format!("/api/v1/promotion-cost-facts?promotion_id={id}");
    let sum = |items: Vec<Value>| {
        items
            .iter()
            .map(|f| f["amount_minor"].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(sum(app.items(&path, &t.north_manager).await), 7_000);
    assert_eq!(sum(app.items(&path, &t.north_seller).await), 2_000);
    assert_eq!(sum(app.items(&path, &t.north_supervisor).await), 2_000);
    assert!(app.items(&path, &t.south_supervisor).await.is_empty());
    // A correction moves the spend, and the promotion with it.
    let before = get(&app, &t.head, &id).await;
    assert_eq!(before.body["spend_minor"], 7_000);
    upload(
        &app,
        &o.admin,
        "/api/v1/promotion-cost-facts",
        vec![row("E-1", -500, None)],
    )
    .await;
    let after = get(&app, &t.head, &id).await;
    assert_eq!(after.body["spend_minor"], 5_500);
    assert_eq!(
        after.body["version"].as_i64().unwrap(),
        before.body["version"].as_i64().unwrap() + 1
    );
}
