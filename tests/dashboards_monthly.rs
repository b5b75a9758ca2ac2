//! The monthly dashboard: hand-counted targets, actuals, pace, forecast, ranking and trend of a
//! company and its regions; its export read back; who may read it.

mod common;
mod dashboards_support;
mod export_support;
mod sales;

use calamine::Data;
use chrono::{Datelike, Months, NaiveDate};
use common::*;
use dashboards_support::*;
use export_support::*;
use sales::{company, sale, upload, Company};
use serde_json::{json, Value};

/// Month targets of the company, its regions and three salespeople, and facts of this month
/// and the two before.
async fn month_of_sales(app: &TestApp, c: &Company, d: NaiveDate) {
    let o = &c.org;
    let first = d.with_day(1).unwrap();
    let month_target = |who: (&str, &str), value: i64| {
        let mut b = json!({"metric": "sales_amount", "period_type": "month",
            "period_start": day(first), "value": value});
        b[who.0] = json!(who.1);
        b
    };
    for (who, value) in [
        (("unit_id", o.root.as_str()), 300_000),
        (("unit_id", o.north.as_str()), 200_000),
        (("unit_id", o.south.as_str()), 100_000),
        (("user_id", o.north_seller.as_str()), 100_000),
        (("user_id", c.region_seller.as_str()), 50_000),
        (("user_id", o.south_seller.as_str()), 100_000),
    ] {
        target(app, &c.head, month_target(who, value)).await;
    }
    let before = |n: u32| day(first.checked_sub_months(Months::new(n)).unwrap());
    upload(
        app,
        &o.admin,
        "/api/v1/sales-facts",
        vec![
            sale("n0", &day(d), &o.north_seller, 60_000, 0),
            sale("r0", &day(d), &c.region_seller, 20_000, 0),
            sale("s0", &day(d), &o.south_seller, 10_000, 0),
            sale("n1", &before(1), &o.north_seller, 30_000, 0),
            sale("n2", &before(2), &o.north_seller, 45_000, 0),
            sale("s1", &before(1), &o.south_seller, 8_000, 0),
        ],
    )
    .await;
}

#[actix_web::test]
async fn the_monthly_dashboard_ranks_regions_and_people_against_target_pace_and_trend() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let d = today(&app);
    month_of_sales(&app, &c, d).await;
    let first = d.with_day(1).unwrap();
    let total = (first.checked_add_months(Months::new(1)).unwrap() - first).num_days();
    let elapsed = i64::from(d.day());

    let path = format!("/api/v1/dashboards/monthly?month={}&people=2", month(d));
    let res = app.get(&path).bearer(&c.head).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    let dash = &res.body;
    assert_eq!(dash["month"], month(d));
    assert_eq!(dash["day"], day(d));
    let names: Vec<(&str, &str, Value)> = dash["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit_name"].as_str().unwrap(),
                u["place"].as_str().unwrap(),
                u["rank"].clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("Company", "top", Value::Null),
            ("North", "below", json!(1)),
            ("South", "below", json!(2))
        ]
    );
    // Target, actual, pace and forecast of each unit, and the months before.
    for (name, value, actual, months) in [
        ("Company", 300_000, 90_000, [0, 45_000, 38_000]),
        ("North", 200_000, 80_000, [0, 45_000, 30_000]),
        ("South", 100_000, 10_000, [0, 0, 8_000]),
    ] {
        let u = unit(dash, name);
        let m = metric(u, "sales_amount");
        assert_eq!(m["target"], value, "{name}");
        assert_eq!(m["actual"], actual, "{name}");
        let expected = mul_div(value, elapsed, total);
        assert_eq!(m["expected"], expected, "{name}");
        assert_eq!(m["gap"], actual - expected, "{name}");
        let forecast = mul_div(actual, total, elapsed);
        assert_eq!(m["forecast"], forecast, "{name}");
        assert_eq!(m["achievement_ratio"], ratio(actual, value), "{name}");
        let trend = u["trend"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["metric"] == "sales_amount")
            .unwrap();
        let got: Vec<i64> = trend["previous_months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["actual"].as_i64().unwrap())
            .collect();
        assert_eq!(got, months, "{name}");
        assert_eq!(
            trend["previous_months"][2]["month"],
            month(first.checked_sub_months(Months::new(1)).unwrap())
        );
        let sum: i64 = months.iter().sum();
        let average = (sum + 1) / 3;
        assert_eq!(trend["previous_average"], average, "{name}");
        assert_eq!(
            trend["forecast_vs_previous_average"],
            ratio(forecast, average),
            "{name}"
        );
        // Gross profit has no target: only what was achieved.
        let gp = metric(u, "gross_profit");
        assert_eq!(gp["actual"], actual);
        assert!(gp["target"].is_null() && gp["status"].is_null() && gp["expected"].is_null());
    }
    // The salespeople, by sales-target achievement: 60 %, 40 %, 10 %.
    assert_eq!(dash["salespeople"], 3);
    let ids = |key: &str| -> Vec<String> {
        dash[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["user_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids("best"),
        vec![c.org.north_seller.clone(), c.region_seller.clone()]
    );
    assert_eq!(
        ids("weakest"),
        vec![c.org.south_seller.clone(), c.region_seller.clone()]
    );
    assert_eq!(dash["best"][0]["rank"], 1);
    assert_eq!(dash["weakest"][0]["rank"], 3);
    // Each card shown is the one the scorecards give, whole: ranked among everyone, though
    // only those shown had their visits, reports and coverage read.
    let path = format!(
        "/api/v1/scorecards?unit_id={}&period={}",
        c.org.root,
        month(d)
    );
    let res = app.get(&path).bearer(&c.head).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    let all = res.body["items"].as_array().unwrap();
    assert_eq!(all.len(), 3);
    for card in dash["best"]
        .as_array()
        .unwrap()
        .iter()
        .chain(dash["weakest"].as_array().unwrap())
    {
        let same = all
            .iter()
            .find(|a| a["user_id"] == card["user_id"])
            .unwrap();
        assert_eq!(card, same);
    }

    // The north manager sees the region and its office; the south is outside reach.
    let north = app.login("nm@test.local", PASSWORD).await;
    let res = app
        .get("/api/v1/dashboards/monthly")
        .bearer(&north)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let names: Vec<&str> = res.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["North", "North Office"]);
    app.get(&format!(
        "/api/v1/dashboards/monthly?unit_id={}",
        c.org.south
    ))
    .bearer(&north)
    .send()
    .await
    .problem(404);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    for path in [
        "/api/v1/dashboards/monthly",
        "/api/v1/dashboards/monthly/export?format=csv",
    ] {
        app.get(path).bearer(&seller).send().await.problem(403);
    }
    app.get(&format!(
        "/api/v1/dashboards/monthly/export?format=xlsx&unit_id={}",
        c.org.south
    ))
    .bearer(&north)
    .send()
    .await
    .problem(404);
    let bad = app
        .get("/api/v1/dashboards/monthly?month=2026-13")
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["month"]);

    // The export: a sheet per metric and the salespeople, money in major units.
    let export = format!(
        "/api/v1/dashboards/monthly/export?month={}&people=2",
        month(d)
    );
    let bytes = app
        .get_bytes(&format!("{export}&format=xlsx"), &c.head)
        .await;
    let mut book = Book::open(bytes, "monthly.xlsx");
    use calamine::Reader;
    assert_eq!(
        book.xlsx.sheet_names(),
        vec![
            "Sales amount",
            "Gross profit",
            "Collections",
            "New customers",
            "Visits",
            "Salespeople"
        ]
    );
    let Data::String(title) = book.value("Sales amount", (0, 0)) else {
        panic!("no title")
    };
    assert!(
        title.starts_with(&format!("Sales amount by unit: Company, {}", month(d))),
        "{title}"
    );
    let s = "Sales amount";
    assert_eq!(book.value(s, (3, 1)), Data::String("Unit".into()));
    assert!(book.is_bold(s, (3, 1)));
    assert_eq!(book.value(s, (5, 1)), Data::String("North".into()));
    assert_eq!(book.value(s, (5, 0)), Data::Float(1.0));
    assert_eq!(book.number_format(s, (5, 0)), "#,##0");
    assert_eq!(book.value(s, (5, 2)), Data::Float(2_000.0), "200,000 cents");
    assert_eq!(book.value(s, (5, 3)), Data::Float(800.0));
    assert_eq!(book.number_format(s, (5, 3)), "#,##0.00 \"EUR\"");
    assert_eq!(book.value(s, (5, 7)), Data::Float(0.4));
    assert_eq!(book.number_format(s, (5, 7)), "0.00%");
    book.assert_printable(1, 3, "O");
    assert_eq!(book.number_format("Visits", (4, 3)), "#,##0", "a count");
    assert_eq!(
        book.value("Salespeople", (3, 0)),
        Data::String("Rank".into())
    );
    book.assert_printable(6, 3, "V");
    // CSV: the units against the sales target, one table, minor units.
    let csv = app
        .get(&format!("{export}&format=csv"))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains(&format!("monthly-{}.csv", month(d))));
    let (header, rows) = one_csv_table(&csv.text);
    assert_eq!(
        header[..5],
        [
            "rank",
            "unit",
            "target_minor",
            "actual_minor",
            "expected_minor"
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(column(&header, &rows[1], "actual_minor"), "80000");
    assert_eq!(column(&header, &rows[1], "achievement_ratio"), "0.4");
    let counts = app
        .get(&format!("{export}&format=csv&table=new_customers"))
        .bearer(&c.head)
        .send()
        .await;
    let (header, _) = one_csv_table(&counts.text);
    assert_eq!(header[2..4], ["target", "actual"]);
}
