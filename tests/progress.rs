//! Progress against targets: rollups over the org tree, pace and forecast on a fixed day, and
//! the whole flow a manager goes through.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::{json, Value};

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
                .header("if-match", "*")
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
