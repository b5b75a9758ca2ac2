//! Facts: bulk upserts by external id (idempotent, all or nothing), the facts source setting,
//! and the facts each kind of target counts.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn the_facts_source_setting_picks_report_or_erp_money() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let t = target(
        &app,
        &c.head,
        "sales_amount",
        ("year", "2026-01-01"),
        ("user_id", &o.south_seller),
        5_000,
    )
    .await;
    let mut report = sale("r1", "2026-05-01", &o.south_seller, 300, 0);
    report["source"] = json!("report");
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![report, sale("e1", "2026-05-02", &o.south_seller, 700, 0)],
    )
    .await;
    let day = "2026-06-01";
    assert_eq!(progress(&app, &o.admin, &t, day).await["actual"], 1_000);
    for (source, expected) in [("erp", 700), ("report", 300), ("both", 1_000)] {
        let current = app.get("/api/v1/settings").bearer(&o.admin).send().await;
        let res = app
            .patch("/api/v1/settings")
            .bearer(&o.admin)
            .header("if-match", &current.etag())
            .json(json!({ "money_facts_source": source }))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(
            progress(&app, &o.admin, &t, day).await["actual"],
            expected,
            "{source}"
        );
    }
}

#[actix_web::test]
async fn collections_new_customers_and_dealer_targets_count_their_own_facts() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let dealer = app
        .post("/api/v1/dealers")
        .bearer(&o.admin)
        .json(json!({ "code": "D", "name": "Dealer", "org_unit_id": o.north_office }))
        .send()
        .await
        .id();
    let mut customers = Vec::new();
    for (code, activated) in [
        ("C1", Some("2026-03-03")),
        ("C2", Some("2025-12-01")),
        ("C3", None),
    ] {
        let mut body = json!({ "code": code, "name": code, "org_unit_id": o.north_office, "owner_id": o.north_seller });
        if let Some(day) = activated {
            body["status"] = json!("active");
            body["activated_on"] = json!(day);
        }
        let res = app
            .post("/api/v1/customers")
            .bearer(&o.admin)
            .json(body)
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        customers.push(res.id());
    }
    let year = ("year", "2026-01-01");
    let collections = target(
        &app,
        &c.head,
        "collections",
        year,
        ("unit_id", &o.north_office),
        1_000,
    )
    .await;
    let dealer_col = target(
        &app,
        &c.head,
        "collections",
        year,
        ("dealer_id", &dealer),
        1_000,
    )
    .await;
    let dealer_sales = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("dealer_id", &dealer),
        1_000,
    )
    .await;
    let new_customers = target(
        &app,
        &c.head,
        "new_customers",
        year,
        ("unit_id", &o.north),
        4,
    )
    .await;
    let visits = target(
        &app,
        &c.head,
        "visits",
        year,
        ("user_id", &o.north_seller),
        100,
    )
    .await;
    upload(&app, &o.admin, "/api/v1/payment-facts", vec![
        json!({ "external_id": "p1", "paid_on": "2026-05-05", "salesperson_id": o.north_seller, "dealer_id": dealer, "customer_id": customers[0], "amount_minor": 250 }),
        json!({ "external_id": "p2", "paid_on": "2026-05-06", "salesperson_id": o.north_seller, "amount_minor": 50 }),
    ])
    .await;
    let mut dealer_sale = sale("ds", "2026-05-07", &o.north_seller, 400, 0);
    dealer_sale["dealer_id"] = json!(dealer);
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            dealer_sale,
            sale("own", "2026-05-07", &o.north_seller, 90, 0),
        ],
    )
    .await;
    let day = "2026-12-31";
    assert_eq!(
        progress(&app, &c.head, &collections, day).await["actual"],
        300
    );
    assert_eq!(
        progress(&app, &c.head, &dealer_col, day).await["actual"],
        250
    );
    assert_eq!(
        progress(&app, &c.head, &dealer_sales, day).await["actual"],
        400
    );
    assert_eq!(
        progress(&app, &c.head, &new_customers, day).await["actual"],
        1
    );
    // Effective visits come from daily reports; there are none here.
    assert_eq!(progress(&app, &c.head, &visits, day).await["actual"], 0);
    // The ERP corrects the sale: it was not the dealer's after all.
    let fixed = upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![sale("ds", "2026-05-07", &o.north_seller, 400, 0)],
    )
    .await;
    assert_eq!(fixed["updated"], 1);
    assert_eq!(
        progress(&app, &c.head, &dealer_sales, day).await["actual"],
        0
    );
}

#[actix_web::test]
async fn a_bulk_upsert_is_idempotent_by_external_id_and_all_or_nothing() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024 * 1024).await;
    let c = company(&app).await;
    let o = &c.org;
    let t = target(
        &app,
        &c.head,
        "sales_amount",
        ("year", "2026-01-01"),
        ("user_id", &o.north_seller),
        5_000,
    )
    .await;
    let rows = vec![
        sale("x1", "2026-01-10", &o.north_seller, 100, 10),
        sale("x2", "2026-01-11", &o.north_seller, 200, 20),
        sale("x3", "2026-01-12", &o.north_seller, 300, 30),
    ];
    let first = upload(&app, &o.admin, "/api/v1/sales-facts", rows.clone()).await;
    assert_eq!(
        (
            first["created"].as_i64(),
            first["updated"].as_i64(),
            first["unchanged"].as_i64()
        ),
        (Some(3), Some(0), Some(0))
    );
    assert_eq!(first["rows"][1]["external_id"], "x2");
    let again = upload(&app, &o.admin, "/api/v1/sales-facts", rows.clone()).await;
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(again["rows"][2]["id"], first["rows"][2]["id"]);
    let mut changed = rows.clone();
    changed[1]["revenue_minor"] = json!(250);
    let third = upload(&app, &o.admin, "/api/v1/sales-facts", changed).await;
    assert_eq!(
        (third["updated"].as_i64(), third["unchanged"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(third["rows"][1]["outcome"], "updated");
    assert_eq!(
        progress(&app, &o.admin, &t, "2026-12-31").await["actual"],
        650
    );

    // One bad row rejects the whole batch, naming the row.
    let bad = app
        .post("/api/v1/sales-facts")
        .bearer(&o.admin)
        .json(json!({ "rows": [sale("x4", "2026-02-01", &o.north_seller, 1, 0), sale("x5", "2026-02-01", &o.root, 1, 0)] }))
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), ["rows[1].salesperson_id"]);
    let dup = app
        .post("/api/v1/sales-facts")
        .bearer(&o.admin)
        .json(json!({ "rows": [sale("x4", "2026-02-01", &o.north_seller, 1, 0), sale("x4", "2026-02-02", &o.north_seller, 1, 0)] }))
        .send()
        .await;
    assert_eq!(dup.invalid_fields(), ["rows[1].external_id"]);
    assert_eq!(
        progress(&app, &o.admin, &t, "2026-12-31").await["actual"],
        650
    );

    // Only integrations and admins import; the integration may send the full 1,000 rows.
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    app.post("/api/v1/sales-facts")
        .bearer(&nsp)
        .json(json!({ "rows": rows }))
        .send()
        .await
        .problem(403);
    app.create_user(&o.admin, "erp@test.local", "integration", &o.root)
        .await;
    let erp = app.login("erp@test.local", PASSWORD).await;
    let many: Vec<Value> = (0..1000)
        .map(|i| sale(&format!("m{i}"), "2026-03-01", &o.south_seller, 1, 0))
        .collect();
    let mut too_many = many.clone();
    too_many.push(sale("m1000", "2026-03-01", &o.south_seller, 1, 0));
    let refused = app
        .post("/api/v1/sales-facts")
        .bearer(&erp)
        .json(json!({ "rows": too_many }))
        .send()
        .await;
    assert_eq!(refused.invalid_fields(), ["rows"]);
    let big = upload(&app, &erp, "/api/v1/sales-facts", many).await;
    assert_eq!(big["created"], 1000);
}

#[actix_web::test]
async fn facts_are_listed_within_reach_so_an_actual_can_be_checked_by_hand() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("n1", "2026-04-01", &o.north_seller, 100, 0),
            sale("n2", "2026-04-02", &o.north_seller, 200, 0),
            sale("s1", "2026-04-01", &o.south_seller, 300, 0),
        ],
    )
    .await;
    let count = |token: String, query: &str| {
        let app = &app;
        let query = query.to_string();
        async move {
            let res = app
                .get(&format!("/api/v1/sales-facts{query}"))
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.body);
            res.body["items"].as_array().unwrap().len()
        }
    };
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let ss = app.login("ss@test.local", PASSWORD).await;
    assert_eq!(count(nsp.clone(), "").await, 2);
    assert_eq!(count(ns, "").await, 2);
    assert_eq!(count(ss, "").await, 1);
    assert_eq!(count(o.admin.clone(), "").await, 3);
    assert_eq!(count(o.admin.clone(), "?from=2026-04-02").await, 1);
    assert_eq!(count(o.admin.clone(), "?external_id=s1").await, 1);
    // A peer's facts stay hidden even when asked for by name.
    let peer = format!("?salesperson_id={}", o.south_seller);
    assert_eq!(count(nsp, &peer).await, 0);
    let page = app
        .get("/api/v1/sales-facts?limit=2")
        .bearer(&o.admin)
        .send()
        .await;
    assert!(page.body["next_cursor"].is_string());
    assert_eq!(page.body["items"][0]["source"], "erp");
    let payments = app
        .get("/api/v1/payment-facts")
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(payments.status, 200);
}

#[actix_web::test]
async fn concurrent_bulk_upserts_of_the_same_new_external_ids_all_succeed_and_create_each_once() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024 * 1024).await;
    let c = company(&app).await;
    let o = &c.org;
    let rows: Vec<Value> = (0..200)
        .map(|i| {
            sale(
                &format!("race-{i}"),
                "2026-02-03",
                &o.north_seller,
                100 + i,
                0,
            )
        })
        .collect();
    let uploads = (0..4).map(|_| {
        app.post("/api/v1/sales-facts")
            .bearer(&o.admin)
            .json(json!({ "rows": rows.clone() }))
            .send()
    });
    let answers = futures_util::future::join_all(uploads).await;
    let mut created = 0;
    for res in &answers {
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(
            res.body["created"].as_i64().unwrap() + res.body["unchanged"].as_i64().unwrap(),
            200
        );
        created += res.body["created"].as_i64().unwrap();
    }
    assert_eq!(created, 200, "each row created once across the uploads");
    // Every answer names the one stored row of each external id.
    let ids = |res: &Resp| -> Vec<String> {
        res.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    for res in &answers[1..] {
        assert_eq!(ids(res), ids(&answers[0]));
    }
    let stored = app.items("/api/v1/sales-facts?limit=500", &o.admin).await;
    assert_eq!(stored.len(), 200);
}
