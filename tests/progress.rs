//! Facts (bulk upserts by external id) and progress against targets: rollups over the org
//! tree, pace and forecast on a fixed day, the facts source setting.

mod common;

use common::*;
use serde_json::{json, Value};

struct Company {
    org: Org,
    head: String,
    /// A salesperson placed directly in the north region (above the north office).
    region_seller: String,
}

async fn company(app: &TestApp) -> Company {
    let org = Org::build(app).await;
    let head_id = app
        .create_user(&org.admin, "head@test.local", "manager", &org.root)
        .await;
    app.set_manager(&org.admin, &org.root, &head_id).await;
    let head = app.login("head@test.local", PASSWORD).await;
    let region_seller = app
        .create_user(&org.admin, "rs@test.local", "salesperson", &org.north)
        .await;
    Company {
        org,
        head,
        region_seller,
    }
}

async fn target(
    app: &TestApp,
    token: &str,
    metric: &str,
    period: (&str, &str),
    who: (&str, &str),
    value: i64,
) -> String {
    let mut body = json!({ "metric": metric, "period_type": period.0, "period_start": period.1, "value": value });
    body[who.0] = json!(who.1);
    let res = app
        .post("/api/v1/targets")
        .bearer(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "create target: {}", res.body);
    res.id()
}

fn sale(ext: &str, day: &str, seller: &str, revenue: i64, cost: i64) -> Value {
    json!({ "external_id": ext, "sold_on": day, "salesperson_id": seller, "revenue_minor": revenue, "cost_minor": cost })
}

async fn upload(app: &TestApp, token: &str, path: &str, rows: Vec<Value>) -> Value {
    let res = app
        .post(path)
        .bearer(token)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "upload: {}", res.body);
    res.body
}

async fn progress(app: &TestApp, token: &str, id: &str, as_of: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/targets/{id}/progress?as_of={as_of}"))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "progress: {}", res.body);
    res.body
}

fn by_id(page: &Value) -> std::collections::HashMap<String, i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["target"]["id"].as_str().unwrap().to_string(),
                p["actual"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_units_actual_is_the_sum_over_everyone_in_its_subtree() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let year = ("year", "2026-01-01");
    let company_t = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("unit_id", &o.root),
        10_000,
    )
    .await;
    let north_t = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("unit_id", &o.north),
        5_000,
    )
    .await;
    let office_t = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("unit_id", &o.north_office),
        3_000,
    )
    .await;
    let south_t = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("unit_id", &o.south),
        5_000,
    )
    .await;
    let seller_t = target(
        &app,
        &c.head,
        "sales_amount",
        year,
        ("user_id", &o.north_seller),
        2_000,
    )
    .await;
    let gp_t = target(
        &app,
        &c.head,
        "gross_profit",
        year,
        ("unit_id", &o.north),
        1_000,
    )
    .await;
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("s1", "2026-02-01", &o.north_seller, 1_000, 600),
            sale("s2", "2026-11-15", &o.north_seller, 500, 100),
            sale("s3", "2026-03-01", &c.region_seller, 200, 50),
            sale("s4", "2026-04-01", &o.south_seller, 700, 300),
            // Before the period: never counted.
            sale("s5", "2025-12-31", &o.north_seller, 9_999, 0),
        ],
    )
    .await;
    let end = "2026-12-31";
    // company = 1000 + 500 + 200 + 700; north = 1000 + 500 + 200; office = 1000 + 500.
    assert_eq!(
        progress(&app, &c.head, &company_t, end).await["actual"],
        2_400
    );
    assert_eq!(
        progress(&app, &c.head, &north_t, end).await["actual"],
        1_700
    );
    assert_eq!(
        progress(&app, &c.head, &office_t, end).await["actual"],
        1_500
    );
    assert_eq!(progress(&app, &c.head, &south_t, end).await["actual"], 700);
    assert_eq!(
        progress(&app, &c.head, &seller_t, end).await["actual"],
        1_500
    );
    // Gross profit = (1000 - 600) + (500 - 100) + (200 - 50).
    assert_eq!(progress(&app, &c.head, &gp_t, end).await["actual"], 950);
    // Mid-year only the facts up to as_of count: company = 1000 + 200 + 700.
    assert_eq!(
        progress(&app, &c.head, &company_t, "2026-06-30").await["actual"],
        1_900
    );

    // Many at once: the north subtree's targets, with the same numbers.
    let page = app
        .get(&format!(
            "/api/v1/progress?within_unit_id={}&metric=sales_amount&as_of={end}",
            o.north
        ))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let got = by_id(&page.body);
    let want = [
        (north_t.clone(), 1_700),
        (office_t.clone(), 1_500),
        (seller_t.clone(), 1_500),
    ];
    assert_eq!(got, want.into_iter().collect());
    // The north manager sees the north subtree only.
    let nm = app.login("nm@test.local", PASSWORD).await;
    let mine = app
        .get(&format!("/api/v1/progress?as_of={end}"))
        .bearer(&nm)
        .send()
        .await;
    let ids = by_id(&mine.body);
    assert!(ids.contains_key(&north_t) && ids.contains_key(&gp_t));
    assert!(!ids.contains_key(&company_t) && !ids.contains_key(&south_t));
}

#[actix_web::test]
async fn pace_forecast_and_status_on_a_fixed_day() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let t = target(
        &app,
        &c.head,
        "sales_amount",
        ("month", "2026-01-01"),
        ("user_id", &o.north_seller),
        31_000,
    )
    .await;
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("a", "2026-01-03", &o.north_seller, 6_000, 0),
            sale("b", "2026-01-08", &o.north_seller, 2_000, 0),
        ],
    )
    .await;
    // (as_of, elapsed, expected, actual, gap, forecast, ratio, status)
    let cases = [
        ("2025-12-31", 0, 0, 0, 0, 0, 0.0, "on_track"),
        (
            "2026-01-05",
            5,
            5_000,
            6_000,
            1_000,
            37_200,
            0.1935,
            "ahead",
        ),
        ("2026-01-08", 8, 8_000, 8_000, 0, 31_000, 0.2581, "on_track"),
        (
            "2026-01-10",
            10,
            10_000,
            8_000,
            -2_000,
            24_800,
            0.2581,
            "behind",
        ),
        (
            "2026-01-11",
            11,
            11_000,
            8_000,
            -3_000,
            22_545,
            0.2581,
            "at_risk",
        ),
        (
            "2026-02-15",
            31,
            31_000,
            8_000,
            -23_000,
            8_000,
            0.2581,
            "at_risk",
        ),
    ];
    for (day, elapsed, expected, actual, gap, forecast, ratio, status) in cases {
        let p = progress(&app, &o.admin, &t, day).await;
        assert_eq!(p["total_days"], 31, "{day}");
        assert_eq!(p["elapsed_days"], elapsed, "{day}");
        assert_eq!(p["expected"], expected, "{day}");
        assert_eq!(p["actual"], actual, "{day}");
        assert_eq!(p["gap"], gap, "{day}");
        assert_eq!(p["remaining"], 31_000 - actual, "{day}");
        assert_eq!(p["forecast"], forecast, "{day}");
        assert_eq!(p["achievement_ratio"].as_f64(), Some(ratio), "{day}");
        assert_eq!(p["status"], status, "{day}");
    }
    // Without as_of the figures are for today in the company time zone.
    let today = app
        .get(&format!("/api/v1/targets/{t}/progress"))
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(
        today.body["as_of"],
        chrono::Utc::now().date_naive().to_string()
    );
    let bad = app
        .get(&format!("/api/v1/targets/{t}/progress?as_of=yesterday"))
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), ["as_of"]);
}

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
    // Effective visits come from daily reports, which do not exist yet.
    assert_eq!(progress(&app, &c.head, &visits, day).await["actual"], 0);
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
async fn a_manager_sets_splits_imports_and_reads_a_progress_tree_through_the_api() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let body = json!({ "metric": "sales_amount", "period_type": "year", "period_start": "2026-01-01", "value": 1_200_000, "unit_id": o.root });
    let company_t = app
        .post("/api/v1/targets")
        .bearer(&c.head)
        .json(body)
        .send()
        .await
        .id();
    let split = |id: String, body: Value| {
        let app = &app;
        let head = c.head.clone();
        async move {
            let res = app
                .post(&format!("/api/v1/targets/{id}/split"))
                .bearer(&head)
                .json(body)
                .send()
                .await;
            assert_eq!(res.status, 201, "split: {}", res.body);
            res.body["children"].as_array().unwrap().clone()
        }
    };
    // 2 : 1 over the regions: 800,000 north and 400,000 south.
    let regions = split(
        company_t.clone(),
        json!({ "over": "assignees", "shares": [
        { "unit_id": o.north, "weight": 2 }, { "unit_id": o.south, "weight": 1 }
    ] }),
    )
    .await;
    let north_t = regions[0]["id"].as_str().unwrap().to_string();
    // North over its two salespeople (3 : 1), the office seller's year over months.
    let people = split(
        north_t.clone(),
        json!({ "over": "assignees", "shares": [
        { "user_id": o.north_seller, "weight": 3 }, { "user_id": c.region_seller, "weight": 1 }
    ] }),
    )
    .await;
    assert_eq!(people[0]["value"], 600_000);
    let months = split(
        people[0]["id"].as_str().unwrap().to_string(),
        json!({ "over": "time", "into": "month" }),
    )
    .await;
    assert_eq!(months[2]["value"], 50_000);
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("f1", "2026-03-10", &o.north_seller, 40_000, 0),
            sale("f2", "2026-03-20", &c.region_seller, 10_000, 0),
            sale("f3", "2026-03-25", &o.south_seller, 25_000, 0),
        ],
    )
    .await;
    let tree = app
        .get("/api/v1/progress?metric=sales_amount&as_of=2026-03-31&limit=500")
        .bearer(&c.head)
        .send()
        .await;
    let actual = by_id(&tree.body);
    assert_eq!(actual[&company_t], 75_000);
    assert_eq!(actual[&north_t], 50_000);
    assert_eq!(actual[regions[1]["id"].as_str().unwrap()], 25_000);
    assert_eq!(actual[people[0]["id"].as_str().unwrap()], 40_000);
    assert_eq!(actual[months[2]["id"].as_str().unwrap()], 40_000);
    assert_eq!(actual[months[3]["id"].as_str().unwrap()], 0);
    // March: 50,000 expected by the 31st, 40,000 done: 80 % is behind.
    let march = progress(
        &app,
        &c.head,
        months[2]["id"].as_str().unwrap(),
        "2026-03-31",
    )
    .await;
    assert_eq!(
        (march["expected"].as_i64(), march["status"].as_str()),
        (Some(50_000), Some("behind"))
    );
    // Lowering a region leaves a remainder the allocation view shows.
    let path = format!("/api/v1/targets/{}", regions[1]["id"].as_str().unwrap());
    let res = app
        .patch(&path)
        .bearer(&c.head)
        .header("if-match", "\"1\"")
        .json(json!({ "value": 350_000 }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let alloc = app
        .get(&format!("/api/v1/targets/{company_t}/allocation"))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(
        (
            alloc.body["remainder"].as_i64(),
            alloc.body["state"].as_str()
        ),
        (Some(50_000), Some("under"))
    );
}
