//! The anomalies list as a file: the same items in the same order as the list, with its
//! filters; dates as dates in XLSX; reach (404) and roles (403).

mod common;
mod export_support;
mod visits_support;

use calamine::{Data, Reader};
use chrono::{Datelike, Duration};
use common::*;
use export_support::*;
use serde_json::{json, Value};
use visits_support::*;

async fn tune(app: &TestApp, admin: &str, values: Value) {
    let current = app.get("/api/v1/settings").bearer(admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "anomalies": values }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn the_anomalies_export_holds_the_list_with_its_filters_typed_for_people_and_machines() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(
        &app,
        &f.org.admin,
        json!({"report_lookback_days": 2, "target_min_elapsed_days": 1}),
    )
    .await;
    let d = today(&app);
    // A yearly target with nothing sold (at risk, high) and two days without a report (medium).
    let target = app
        .post("/api/v1/targets")
        .bearer(&f.org.admin)
        .json(json!({"metric": "sales_amount", "period_type": "year",
            "period_start": format!("{}-01-01", d.year()), "value": 36_500_000,
            "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);
    let query = format!("unit_id={}", f.org.north_office);
    let listed = app
        .items(
            &format!("/api/v1/anomalies?limit=500&{query}"),
            &f.supervisor,
        )
        .await;
    let kinds: Vec<&str> = listed.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "target_at_risk", "{kinds:?}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "daily_report_missing")
            .count(),
        2
    );
    let ids: Vec<&str> = listed.iter().map(|a| a["id"].as_str().unwrap()).collect();

    // CSV: the same items in the same order, one table.
    let csv = app
        .get(&format!("/api/v1/anomalies/export?format=csv&{query}"))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains(&format!("anomalies-{}.csv", day(d))));
    let (header, rows) = one_csv_table(&csv.text);
    assert_eq!(
        header[..5],
        ["severity", "kind", "since", "age_days", "summary"]
    );
    let exported: Vec<&str> = rows.iter().map(|r| column(&header, r, "id")).collect();
    assert_eq!(exported, ids);
    let first = &rows[0];
    assert_eq!(column(&header, first, "severity"), "high");
    assert_eq!(column(&header, first, "target_id"), target.id());
    assert_eq!(column(&header, first, "person"), "nsp");
    assert_eq!(column(&header, first, "unit"), "North Office");
    let missing = rows
        .iter()
        .find(|r| column(&header, r, "kind") == "daily_report_missing")
        .unwrap();
    let oldest = d - Duration::days(2);
    assert_eq!(column(&header, missing, "since"), day(oldest));
    assert_eq!(column(&header, missing, "age_days"), "2");
    // One kind only.
    let only = app
        .get(&format!(
            "/api/v1/anomalies/export?format=csv&{query}&kind=target_at_risk"
        ))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(one_csv_table(&only.text).1.len(), 1);

    // XLSX: a title with the unit, dates as date cells, counts as integers.
    let bytes = app
        .get_bytes(
            &format!("/api/v1/anomalies/export?format=xlsx&{query}"),
            &f.supervisor,
        )
        .await;
    let mut book = Book::open(bytes, "anomalies.xlsx");
    assert_eq!(book.xlsx.sheet_names(), vec!["Anomalies".to_string()]);
    let Data::String(title) = book.value("Anomalies", (0, 0)) else {
        panic!("no title")
    };
    assert_eq!(title, "Anomalies: North Office");
    assert_eq!(
        book.value("Anomalies", (3, 0)),
        Data::String("Severity".into())
    );
    assert!(book.is_bold("Anomalies", (3, 0)));
    let row = 4 + rows
        .iter()
        .position(|r| column(&header, r, "kind") == "daily_report_missing")
        .unwrap() as u32;
    assert!(
        matches!(book.value("Anomalies", (row, 2)), Data::DateTime(_)),
        "{:?}",
        book.value("Anomalies", (row, 2))
    );
    assert_eq!(book.number_format("Anomalies", (row, 2)), "yyyy-mm-dd");
    assert_eq!(book.value("Anomalies", (row, 3)), Data::Float(2.0));
    assert_eq!(book.number_format("Anomalies", (row, 3)), "#,##0");
    book.assert_printable(1, 3, "P");

    // Reach: the south supervisor's file has none of the north; naming the north office is 404.
    let south = app
        .get("/api/v1/anomalies/export?format=csv")
        .bearer(&f.south_supervisor)
        .send()
        .await;
    let (header, rows) = one_csv_table(&south.text);
    assert!(rows
        .iter()
        .all(|r| column(&header, r, "person_id") != f.org.north_seller));
    app.get(&format!("/api/v1/anomalies/export?format=xlsx&{query}"))
        .bearer(&f.south_supervisor)
        .send()
        .await
        .problem(404);
    // Roles: executives read no daily process, dealers nothing.
    app.create_user(&f.org.admin, "ex@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("ex@test.local", PASSWORD).await;
    app.get("/api/v1/anomalies/export?format=csv&kind=daily_report_missing")
        .bearer(&exec)
        .send()
        .await
        .problem(403);
    let dealer = app
        .post("/api/v1/dealers")
        .bearer(&f.org.admin)
        .json(json!({"code": "D1", "name": "Dealer", "org_unit_id": f.org.north_office}))
        .send()
        .await;
    assert_eq!(dealer.status, 201, "{}", dealer.text);
    let user = app
        .create_user(&f.org.admin, "dl@test.local", "dealer", &f.org.north_office)
        .await;
    let linked = app
        .post(&format!("/api/v1/dealers/{}/users", dealer.id()))
        .bearer(&f.org.admin)
        .json(json!({"user_id": user}))
        .send()
        .await;
    assert!(linked.status.is_success(), "{}", linked.text);
    let dealer = app.login("dl@test.local", PASSWORD).await;
    app.get("/api/v1/anomalies/export?format=csv")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
    let bad = app
        .get("/api/v1/anomalies/export?format=pdf")
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["format"]);
}
