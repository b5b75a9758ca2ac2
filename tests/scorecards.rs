//! Scorecards: salespeople of a unit ranked and flagged on known data, and exported to CSV and
//! XLSX.

mod common;
mod export_support;
mod visits_support;

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use common::*;
use export_support::*;
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
    let mut book = Book::open(bytes, "scorecards.xlsx");
    let sheet = format!("Scorecards {period}");
    assert_eq!(
        book.xlsx.sheet_names(),
        vec![sheet.clone(), "Weekly reports".into()]
    );
    // A title with the unit and the period above the table; the header on row 4.
    let Data::String(title) = book.value(&sheet, (0, 0)) else {
        panic!("no title")
    };
    assert!(
        title.starts_with(&format!("Scorecards: North Office, {period} (")),
        "{title}"
    );
    assert_eq!(book.value(&sheet, (3, 0)), Data::String("Rank".into()));
    assert_eq!(
        book.value(&sheet, (3, 2)),
        Data::String("Sales target".into())
    );
    assert!(book.is_bold(&sheet, (3, 0)));
    assert_eq!(book.value(&sheet, (4, 0)), Data::Float(1.0));
    assert_eq!(
        book.number_format(&sheet, (4, 0)),
        "#,##0",
        "rank, an integer"
    );
    // Money in major units with the currency's format, ratios as percentages.
    assert_eq!(
        book.value(&sheet, (5, 2)),
        Data::Float(1_000.0),
        "sales target of rank 2: 100000 cents"
    );
    assert_eq!(
        book.value(&sheet, (5, 3)),
        Data::Float(300.0),
        "sales actual of rank 2"
    );
    assert_eq!(book.number_format(&sheet, (5, 3)), "#,##0.00 \"EUR\"");
    assert_eq!(book.value(&sheet, (5, 4)), Data::Float(0.3));
    assert_eq!(book.number_format(&sheet, (5, 4)), "0.00%");
    book.assert_printable(1, 3, "V");
    let xml = book.part("xl/worksheets/sheet1.xml");
    let user_id = xml
        .split("<col ")
        .find(|c| c.starts_with("min=\"22\""))
        .unwrap();
    assert!(
        user_id.contains("hidden=\"1\""),
        "IDs are not printed: {user_id}"
    );
    let Data::String(title) = book.value("Weekly reports", (0, 0)) else {
        panic!("no title")
    };
    assert!(title.contains("North Office"), "{title}");
    assert_eq!(
        book.value("Weekly reports", (3, 0)),
        Data::String("Name".into())
    );
    assert_eq!(
        book.number_format("Weekly reports", (4, 1)),
        "#,##0",
        "units"
    );
    book.assert_printable(2, 3, "I");

    // CSV: one table per file, the salespeople unless another table is asked for.
    let export = |table: &str| {
        format!(
            "/api/v1/scorecards/export?unit_id={}&period={period}&format=csv{table}",
            f.org.north_office
        )
    };
    let csv = app.get(&export("")).bearer(&f.supervisor).send().await;
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains(&format!("scorecards-{period}.csv")));
    let (header, rows) = one_csv_table(&csv.text);
    assert_eq!(
        header[..6],
        [
            "rank",
            "name",
            "sales_target_minor",
            "sales_actual_minor",
            "sales_achievement_ratio",
            "sales_status"
        ]
    );
    assert_eq!(rows.len(), 2, "{}", csv.text);
    let second_row = &rows[1];
    assert_eq!(column(&header, second_row, "sales_target_minor"), "100000");
    assert_eq!(column(&header, second_row, "sales_actual_minor"), "30000");
    assert_eq!(
        column(&header, second_row, "sales_achievement_ratio"),
        "0.3"
    );
    assert_eq!(column(&header, second_row, "effective_visit_rate"), "0.5");
    // Then the office supervisor's weekly-report timeliness, as a file of its own.
    let csv = app
        .get(&export("&table=supervisors"))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let (header, rows) = one_csv_table(&csv.text);
    assert_eq!(
        header,
        [
            "name",
            "units",
            "due",
            "on_time",
            "late",
            "missing",
            "timeliness_rate",
            "late_reporter",
            "user_id"
        ]
    );
    assert!(
        rows.iter()
            .any(|r| column(&header, r, "user_id") == f.org.north_supervisor),
        "{}",
        csv.text
    );
    // An XLSX of one table holds only that sheet.
    let one = app
        .get_bytes(
            &format!(
                "/api/v1/scorecards/export?unit_id={}&period={period}&format=xlsx&table=supervisors",
                f.org.north_office
            ),
            &f.supervisor,
        )
        .await;
    let one = Book::open(one, "scorecards-supervisors.xlsx");
    assert_eq!(one.xlsx.sheet_names(), vec!["Weekly reports".to_string()]);
    let bad = app
        .get(&export("&table=customers"))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["table"]);

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
