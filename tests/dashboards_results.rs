//! The results dashboard: the company and its regions against their targets for a year and a
//! quarter, nothing about people; who may read it.

mod common;
mod dashboards_support;
mod sales;

use chrono::Datelike;
use common::*;
use dashboards_support::*;
use sales::{company, sale, upload};
use serde_json::json;

#[actix_web::test]
async fn results_show_the_company_and_its_regions_and_nothing_of_people() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let year = today(&app).year() - 1;
    let y = |md: &str| format!("{year}-{md}");
    for (who, metric, value) in [
        (("unit_id", o.root.as_str()), "sales_amount", 1_000_000),
        (("unit_id", o.north.as_str()), "sales_amount", 600_000),
        (("unit_id", o.north.as_str()), "collections", 50_000),
    ] {
        let mut b = json!({"metric": metric, "period_type": "year",
            "period_start": y("01-01"), "value": value});
        b[who.0] = json!(who.1);
        target(&app, &c.head, b).await;
    }
    upload(
        &app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("n", &y("03-10"), &o.north_seller, 300_000, 100_000),
            sale("s", &y("06-01"), &o.south_seller, 100_000, 0),
        ],
    )
    .await;
    upload(
        &app,
        &o.admin,
        "/api/v1/payment-facts",
        vec![json!({"external_id": "p", "paid_on": y("04-01"),
            "salesperson_id": o.north_seller, "amount_minor": 20_000})],
    )
    .await;
    let shop = app
        .post("/api/v1/customers")
        .bearer(&o.admin)
        .json(
            json!({"code": "K1", "name": "Kiosk", "org_unit_id": o.north_office,
            "owner_id": o.north_seller, "status": "active", "activated_on": y("05-05")}),
        )
        .send()
        .await;
    assert_eq!(shop.status, 201, "{}", shop.text);
    app.create_user(&o.admin, "ex@test.local", "executive", &o.root)
        .await;
    let exec = app.login("ex@test.local", PASSWORD).await;

    let res = app
        .get(&format!("/api/v1/dashboards/results?period={year}"))
        .bearer(&exec)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let dash = &res.body;
    assert_eq!(dash["period_type"], "year");
    assert_eq!(dash["day"], y("12-31"), "the whole year has passed");
    let names: Vec<&str> = dash["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Company", "North", "South"]);
    for u in dash["units"].as_array().unwrap() {
        let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["metrics", "parent_id", "place", "unit_id", "unit_name"],
            "nothing about people"
        );
    }
    let sales = metric(unit(dash, "Company"), "sales_amount");
    assert_eq!(sales["target"], 1_000_000);
    assert_eq!(sales["actual"], 400_000);
    assert_eq!(sales["achievement_ratio"], 0.4);
    assert_eq!(sales["expected"], 1_000_000);
    assert_eq!(sales["gap"], -600_000);
    assert_eq!(sales["forecast"], 400_000);
    assert_eq!(
        sales["status"], "at_risk",
        "40 % is below the 80 % at-risk line"
    );
    let north = unit(dash, "North");
    assert_eq!(metric(north, "sales_amount")["achievement_ratio"], 0.5);
    assert_eq!(metric(north, "gross_profit")["actual"], 200_000);
    let collections = metric(north, "collections");
    assert_eq!(collections["actual"], 20_000);
    assert_eq!(collections["achievement_ratio"], 0.4);
    let new = metric(north, "new_customers");
    assert_eq!(new["actual"], 1);
    assert!(new["target"].is_null() && new["status"].is_null());
    let south = metric(unit(dash, "South"), "sales_amount");
    assert_eq!(south["actual"], 100_000);
    assert!(south["target"].is_null());

    // A quarter: the facts of its months only, against no quarterly target.
    let q1 = app
        .get(&format!("/api/v1/dashboards/results?period={year}-Q1"))
        .bearer(&exec)
        .send()
        .await;
    assert_eq!(q1.status, 200, "{}", q1.text);
    assert_eq!(q1.body["to"], y("03-31"));
    let sales = metric(unit(&q1.body, "Company"), "sales_amount");
    assert_eq!(sales["actual"], 300_000);
    assert!(sales["target"].is_null());

    // A regional manager gets the region and its office; the rest is outside reach.
    let nm = app.login("nm@test.local", PASSWORD).await;
    let res = app
        .get("/api/v1/dashboards/results")
        .bearer(&nm)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["units"][0]["unit_name"], "North");
    app.get(&format!("/api/v1/dashboards/results?unit_id={}", o.south))
        .bearer(&nm)
        .send()
        .await
        .problem(404);
    for who in ["ns@test.local", "nsp@test.local"] {
        let token = app.login(who, PASSWORD).await;
        app.get("/api/v1/dashboards/results")
            .bearer(&token)
            .send()
            .await
            .problem(403);
    }
    for bad in ["2026-Q5", "20266", "26"] {
        let res = app
            .get(&format!("/api/v1/dashboards/results?period={bad}"))
            .bearer(&exec)
            .send()
            .await;
        assert_eq!(res.invalid_fields(), vec!["period"], "{bad}");
    }
}
