//! Targets: creation rules, splits with exact rounding, the allocation view, and reach.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::{json, Value};

#[actix_web::test]
async fn a_thousand_cents_split_three_ways_is_334_333_333() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let t = create_target(&app, &c.head, year(("unit_id", &o.root), 1000)).await;
    let id = t["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/targets/{id}/split"))
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "assignees", "shares": [
            { "unit_id": o.north }, { "unit_id": o.south }, { "user_id": o.north_seller }
        ] }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(values(&res.body["children"]), [334, 333, 333]);
    assert_eq!(res.body["children"][2]["user_id"], o.north_seller.as_str());
    assert_eq!(res.body["children"][0]["parent_id"], id);
    let alloc = app
        .get(&format!("/api/v1/targets/{id}/allocation"))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(alloc.body["children_sum"], 1000);
    assert_eq!(alloc.body["remainder"], 0);
    assert_eq!(alloc.body["state"], "exact");
    // Split once: a second split would count the target twice.
    app.post(&format!("/api/v1/targets/{id}/split"))
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "month" }))
        .send()
        .await
        .problem(409);
}

#[actix_web::test]
async fn splits_by_weights_and_over_time_sum_to_the_parent_exactly() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let t = create_target(&app, &c.head, year(("unit_id", &o.root), 1_000_000)).await;
    let id = t["id"].as_str().unwrap();
    // 3 : 2 over the two regions: 600,000 and 400,000.
    let regions = app
        .post(&format!("/api/v1/targets/{id}/split"))
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "assignees", "shares": [
            { "unit_id": o.north, "weight": 3 }, { "unit_id": o.south, "weight": 2 }
        ] }))
        .send()
        .await;
    assert_eq!(values(&regions.body["children"]), [600_000, 400_000]);
    // The north share evenly over months: 600,000 / 12 = 50,000 each.
    let north = regions.body["children"][0]["id"].as_str().unwrap();
    let months = app
        .post(&format!("/api/v1/targets/{north}/split"))
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "month" }))
        .send()
        .await;
    assert_eq!(months.status, 201, "{}", months.body);
    assert_eq!(values(&months.body["children"]), [50_000; 12]);
    assert_eq!(months.body["children"][1]["period_start"], "2026-02-01");
    assert_eq!(months.body["children"][1]["period_end"], "2026-02-28");
    assert_eq!(months.body["children"][1]["unit_id"], o.north.as_str());
    // 400,001 over 12 months evenly: 33,333 each and 5 left, which go to the first five months.
    let south = regions.body["children"][1]["id"].as_str().unwrap();
    let path = format!("/api/v1/targets/{south}");
    let current = app.get(&path).bearer(&c.head).send().await;
    let patched = app
        .patch(&path)
        .bearer(&c.head)
        .header("if-match", &current.etag())
        .json(json!({ "value": 400_001 }))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let even = app
        .post(&format!("{path}/split"))
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "month" }))
        .send()
        .await;
    let got = values(&even.body["children"]);
    assert_eq!(&got[..6], [33_334, 33_334, 33_334, 33_334, 33_334, 33_333]);
    assert_eq!(got.iter().sum::<i64>(), 400_001);
    // The company target is now over-allocated by the one cent added to the south.
    let alloc = app
        .get(&format!("/api/v1/targets/{id}/allocation"))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(alloc.body["remainder"], -1);
    assert_eq!(alloc.body["state"], "over");
}

#[actix_web::test]
async fn a_percentage_profile_must_sum_to_100() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let t = create_target(&app, &c.head, year(("unit_id", &c.org.north), 10_000)).await;
    let split = format!("/api/v1/targets/{}/split", t["id"].as_str().unwrap());
    let res = app
        .post(&split)
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "quarter", "profile_pct": [10, 20, 30, 30] }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["profile_pct"]);
    let short = app
        .post(&split)
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "quarter", "profile_pct": [50, 50] }))
        .send()
        .await;
    assert_eq!(short.invalid_fields(), ["profile_pct"]);
    let weeks = app
        .post(&split)
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "week" }))
        .send()
        .await;
    assert_eq!(weeks.invalid_fields(), ["into"]);
    // Nothing was created by the refused splits.
    let alloc = app
        .get(&format!(
            "/api/v1/targets/{}/allocation",
            t["id"].as_str().unwrap()
        ))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(alloc.body["children_sum"], 0);
    assert_eq!(alloc.body["state"], "under");
    // 10,000 by 15 / 25 / 25 / 35 percent.
    let ok = app
        .post(&split)
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "quarter", "profile_pct": [15, 25, 25, 35] }))
        .send()
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(values(&ok.body["children"]), [1500, 2500, 2500, 3500]);
    assert_eq!(ok.body["children"][3]["period_start"], "2026-10-01");
    assert_eq!(ok.body["children"][3]["period_end"], "2026-12-31");
}

#[actix_web::test]
async fn the_allocation_view_shows_under_exact_and_over() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let parent = create_target(&app, &c.head, year(("unit_id", &o.north), 1000)).await;
    let pid = parent["id"].as_str().unwrap();
    let alloc = format!("/api/v1/targets/{pid}/allocation");
    let mut child = year(("unit_id", &o.north_office), 600);
    child["parent_id"] = json!(pid);
    create_target(&app, &c.head, child).await;
    let under = app.get(&alloc).bearer(&c.head).send().await;
    assert_eq!(
        (
            under.body["children_sum"].as_i64(),
            under.body["remainder"].as_i64()
        ),
        (Some(600), Some(400))
    );
    assert_eq!(under.body["state"], "under");
    let mut second = year(("user_id", &o.north_seller), 400);
    second["parent_id"] = json!(pid);
    let second = create_target(&app, &c.head, second).await;
    let exact = app.get(&alloc).bearer(&c.head).send().await;
    assert_eq!(exact.body["state"], "exact");
    assert_eq!(exact.body["remainder"], 0);
    let path = format!("/api/v1/targets/{}", second["id"].as_str().unwrap());
    app.patch(&path)
        .bearer(&c.head)
        .json(json!({ "value": 500 }))
        .send()
        .await
        .problem(428);
    app.patch(&path)
        .bearer(&c.head)
        .header("if-match", "\"9\"")
        .json(json!({ "value": 500 }))
        .send()
        .await
        .problem(412);
    let res = app
        .patch(&path)
        .bearer(&c.head)
        .header("if-match", "\"1\"")
        .json(json!({ "value": 500 }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let over = app.get(&alloc).bearer(&c.head).send().await;
    assert_eq!(
        (
            over.body["children_sum"].as_i64(),
            over.body["remainder"].as_i64()
        ),
        (Some(1100), Some(-100))
    );
    assert_eq!(over.body["state"], "over");
    // A parent with children cannot be removed; a leaf can.
    app.delete(&format!("/api/v1/targets/{pid}"))
        .bearer(&c.head)
        .header("if-match", "*")
        .send()
        .await
        .problem(409);
    let leaf = app.get(&path).bearer(&c.head).send().await;
    let deleted = app
        .delete(&path)
        .bearer(&c.head)
        .header("if-match", &leaf.etag())
        .send()
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
}

#[actix_web::test]
async fn a_child_must_fit_inside_its_parent() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let parent = create_target(&app, &c.head, year(("unit_id", &o.north), 1000)).await;
    let pid = parent["id"].as_str().unwrap();
    let child = |field: &str, id: &str, change: Value| {
        let mut v = year((field, id), 100);
        v["parent_id"] = json!(pid);
        for (k, val) in change.as_object().unwrap() {
            v[k] = val.clone();
        }
        v
    };
    let cases = [
        (
            child(
                "unit_id",
                &o.north_office,
                json!({ "metric": "collections" }),
            ),
            "metric",
        ),
        (
            child(
                "unit_id",
                &o.north_office,
                json!({ "period_type": "month", "period_start": "2027-01-01" }),
            ),
            "period_start",
        ),
        (child("user_id", &o.south_seller, json!({})), "user_id"),
        (child("unit_id", &o.south, json!({})), "unit_id"),
        (
            child(
                "unit_id",
                &o.north_office,
                json!({ "period_type": "month", "period_start": "2026-03-02" }),
            ),
            "period_start",
        ),
        (
            child(
                "unit_id",
                &o.north_office,
                json!({ "user_id": o.north_seller }),
            ),
            "assignee",
        ),
        (
            child(
                "unit_id",
                &o.north_office,
                json!({ "period_type": "week", "period_start": "2026-03-04" }),
            ),
            "period_start",
        ),
    ];
    for (body, field) in cases {
        let res = app
            .post("/api/v1/targets")
            .bearer(&c.head)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(res.invalid_fields(), [field], "{body}");
    }
    // A week is Monday to Sunday; a month child of a year fits.
    let week = create_target(
        &app,
        &c.head,
        child(
            "unit_id",
            &o.north_office,
            json!({ "period_type": "week", "period_start": "2026-03-02" }),
        ),
    )
    .await;
    assert_eq!(week["period_end"], "2026-03-08");
}
