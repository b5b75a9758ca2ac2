//! Scorecards: salespeople of a unit ranked and flagged on known data, and exported to CSV and
//! XLSX.

mod common;
mod visits_support;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use common::*;
use serde_json::json;
use visits_support::*;

/// The scorecards of a unit for a period, whatever the answer.
async fn scorecards(app: &TestApp, token: &str, unit: &str, period: &str) -> Resp {
    app.get(&format!(
        "/api/v1/scorecards?unit_id={unit}&period={period}"
    ))
    .bearer(token)
    .send()
    .await
}

async fn monthly_sales_target(app: &TestApp, manager: &str, user: &str, value: i64) {
    let month = first_of_month(today(app));
    let res = app
        .post("/api/v1/targets")
        .bearer(manager)
        .json(
            json!({"metric": "sales_amount", "period_type": "month", "period_start": day(month),
            "value": value, "user_id": user}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

#[actix_web::test]
async fn scorecards_rank_and_flag_the_salespeople_of_a_unit() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let second = app
        .create_user(
            &f.org.admin,
            "nsp2@test.local",
            "salesperson",
            &f.org.north_office,
        )
        .await;
    let second_token = app.login("nsp2@test.local", PASSWORD).await;
    let other_shop = app
        .post("/api/v1/customers")
        .bearer(&f.org.admin)
        .json(json!({"code": "C-7", "name": "Dock Store", "org_unit_id": f.org.north_office, "owner_id": second, "status": "active"}))
        .send()
        .await
        .id();
    monthly_sales_target(&app, &f.manager, &f.org.north_seller, 100_000).await;
    monthly_sales_target(&app, &f.manager, &second, 100_000).await;
    let d = today(&app);
    submitted_report(
        &app,
        &f.seller,
        d,
        json!([
            visit(&f.shop, d, "ordering", 30_000, 0, true),
            visit(&f.prospect, d, "market_research", 0, 0, false)
        ]),
    )
    .await;
    submitted_report(
        &app,
        &second_token,
        d,
        json!([visit(&other_shop, d, "ordering", 60_000, 0, true)]),
    )
    .await;

    let period = format!("{}-{:02}", d.year(), d.month());
    let res = scorecards(&app, &f.supervisor, &f.org.north_office, &period).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["user_id"], json!(second), "60% beats 30%");
    assert_eq!(items[0]["rank"], 1);
    assert_eq!(items[1]["rank"], 2);
    let mine = &items[1];
    assert_eq!(mine["targets"][0]["value"], 100_000);
    assert_eq!(mine["targets"][0]["actual"], 30_000);
    assert_eq!(mine["targets"][0]["achievement_ratio"], 0.3);
    assert_eq!(mine["figures"]["visits"], 2);
    assert_eq!(mine["figures"]["effective_visit_rate"], 0.5);
    assert_eq!(mine["figures"]["transaction_rate"], 0.5);
    assert_eq!(mine["figures"]["sales_minor"], 30_000);
    assert_eq!(mine["figures"]["sales_per_visit_minor"], 15_000);
    let flags: Vec<&str> = mine["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        !flags.contains(&"low_effectiveness"),
        "50% is not below 50%"
    );
    // Every earlier day of the month had no report: a late reporter, unless today is the 1st.
    assert_eq!(flags.contains(&"late_reporter"), d.day() > 1, "{flags:?}");

    // XLSX: a real workbook with the same numbers.
    let file = app
        .get(&format!(
            "/api/v1/scorecards/export?unit_id={}&period={period}&format=xlsx",
            f.org.north_office
        ))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(file.status, 200);
    assert!(file
        .header("content-disposition")
        .unwrap()
        .contains(".xlsx"));
    let bytes = app
        .get_bytes(
            &format!(
                "/api/v1/scorecards/export?unit_id={}&period={period}&format=xlsx",
                f.org.north_office
            ),
            &f.supervisor,
        )
        .await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("rank".into())));
    assert_eq!(sheet.get_value((1, 0)), Some(&Data::Float(1.0)));
    assert_eq!(
        sheet.get_value((2, 4)),
        Some(&Data::Float(30_000.0)),
        "sales actual of rank 2"
    );
    // CSV: header and rows.
    let csv = app
        .get(&format!(
            "/api/v1/scorecards/export?unit_id={}&period={period}&format=csv",
            f.org.north_office
        ))
        .bearer(&f.supervisor)
        .send()
        .await;
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], format!("# Scorecards {period}"));
    assert!(lines[1].starts_with("rank,name,user_id,sales target,sales actual"));
    assert!(lines[3].contains(",100000,30000,0.3,"), "{}", lines[3]);
    // Then the office supervisor's weekly-report timeliness.
    assert_eq!(lines[4], "\"\"", "an empty row between the sheets");
    assert_eq!(lines[5], "# Weekly reports");
    assert!(lines[6].starts_with("name,user_id,units,due,on time,late,missing"));
    assert!(lines[7].contains(&f.org.north_supervisor), "{}", lines[7]);
    assert_eq!(lines.len(), 8, "{}", csv.text);

    // The quarter: a person without a quarterly target is scored on the sum of their monthly
    // targets in it; a quarterly target, where there is one, is taken as it is.
    let quarter_start = NaiveDate::from_ymd_opt(d.year(), d.month0() / 3 * 3 + 1, 1).unwrap();
    let other_month = if first_of_month(d) == quarter_start {
        quarter_start
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
    } else {
        quarter_start
    };
    let res = app
        .post("/api/v1/targets")
        .bearer(&f.manager)
        .json(json!({"metric": "sales_amount", "period_type": "month", "period_start": day(other_month),
            "value": 50_000, "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = app
        .post("/api/v1/targets")
        .bearer(&f.manager)
        .json(json!({"metric": "sales_amount", "period_type": "quarter", "period_start": day(quarter_start),
            "value": 300_000, "user_id": second}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let quarterly_id = res.id();
    let quarter = format!("{}-Q{}", d.year(), d.month0() / 3 + 1);
    let res = scorecards(&app, &f.supervisor, &f.org.north_office, &quarter).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let mine = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_id"] == f.org.north_seller.as_str())
        .unwrap();
    let t = &mine["targets"][0];
    assert_eq!(mine["targets"].as_array().unwrap().len(), 1);
    assert_eq!(t["from_monthly_targets"], true, "{t}");
    assert!(t["target_id"].is_null());
    assert_eq!(t["value"], 150_000, "100,000 + 50,000");
    assert_eq!(t["actual"], 30_000);
    let theirs = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_id"] == second.as_str())
        .unwrap();
    assert_eq!(theirs["targets"].as_array().unwrap().len(), 1);
    let t = &theirs["targets"][0];
    assert_eq!(t["from_monthly_targets"], false, "{t}");
    assert_eq!(t["target_id"], json!(quarterly_id));
    assert_eq!(
        t["value"], 300_000,
        "the quarterly target, not its month's 100,000"
    );
    assert_eq!(t["actual"], 60_000);
}

#[actix_web::test]
async fn scorecards_are_kept_within_reach() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let period = format!("{}-{:02}", d.year(), d.month());
    scorecards(&app, &f.south_supervisor, &f.org.north_office, &period)
        .await
        .problem(404);
    scorecards(&app, &f.seller, &f.org.north_office, &period)
        .await
        .problem(403);
    let bad = scorecards(&app, &f.supervisor, &f.org.north_office, "2026-13").await;
    assert_eq!(bad.invalid_fields(), vec!["period"]);
    let quarter = scorecards(&app, &f.manager, &f.org.north, "2026-Q4").await;
    assert_eq!(quarter.status, 200, "{}", quarter.text);
    assert_eq!(quarter.body["from"], "2026-10-01");
    assert_eq!(quarter.body["to"], "2026-12-31");
    let bad = app
        .get(&format!(
            "/api/v1/scorecards/export?unit_id={}&period=2026-Q4&format=pdf",
            f.org.north
        ))
        .bearer(&f.manager)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["format"]);
}
