//! Weekly progress reports: figures that match a hand count, frozen once submitted; review and
//! return; lateness and compliance; CSV and XLSX exports read back; reach and bad weeks.

mod common;
mod export_support;
mod visits_support;

use calamine::{Data, Reader};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use common::*;
use export_support::*;
use salestrack::jobs;
use serde_json::{json, Value};
use visits_support::*;

/// The ISO week of `d`: its label, Monday and Sunday.
fn week_of(d: NaiveDate) -> (String, NaiveDate, NaiveDate) {
    let w = d.iso_week();
    let start = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    (
        format!("{:04}-W{:02}", w.year(), w.week()),
        start,
        start + Duration::days(6),
    )
}

/// Moves the server clock to `h`:00 UTC on the Monday after `week_end`.
fn to_monday_after(app: &TestApp, week_end: NaiveDate, h: u32) {
    let monday = week_end + Duration::days(1);
    let target = Utc.from_utc_datetime(&monday.and_hms_opt(h, 0, 0).unwrap());
    let now = app.clock.now().0;
    assert!(target > now);
    app.clock.advance(target - now);
}

async fn create_target(app: &TestApp, admin: &str, body: Value) {
    let res = app
        .post("/api/v1/targets")
        .bearer(admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

async fn upload(app: &TestApp, admin: &str, path: &str, rows: Value) {
    let res = app
        .post(path)
        .bearer(admin)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

fn sale(
    id: &str,
    d: NaiveDate,
    who: &str,
    customer: Option<&str>,
    revenue: i64,
    cost: i64,
) -> Value {
    json!({"external_id": id, "sold_on": day(d), "salesperson_id": who, "customer_id": customer,
        "revenue_minor": revenue, "cost_minor": cost})
}

/// Creates a unit's report for the week and submits it; returns the submit's response.
async fn create_and_submit(app: &TestApp, token: &str, unit: &str, week: &str) -> Resp {
    let created = create_weekly(app, token, unit, week).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let submitted = act(
        app,
        token,
        &format!("/api/v1/weekly-reports/{}/submit", created.id()),
        &created.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    submitted
}

async fn create_weekly(app: &TestApp, token: &str, unit: &str, week: &str) -> Resp {
    app.post("/api/v1/weekly-reports")
        .bearer(token)
        .json(json!({"unit_id": unit, "week": week}))
        .send()
        .await
}

fn metric<'a>(figures: &'a Value, name: &str) -> &'a Value {
    figures["achievement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["metric"] == name)
        .unwrap()
}

#[actix_web::test]
async fn a_week_of_known_data_gives_figures_that_match_a_hand_count_and_freeze_on_submit() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = f.org.admin.clone();
    let d = today(&app);
    let (week, ws, we) = week_of(d);
    let month_start = first_of_month(we);
    let quarter_start =
        NaiveDate::from_ymd_opt(we.year(), (we.month() - 1) / 3 * 3 + 1, 1).unwrap();
    let office = f.org.north_office.clone();
    let seller = f.org.north_seller.clone();
    let second = app
        .create_user(&admin, "second@test.local", "salesperson", &office)
        .await;

    // The office's own targets: the week, the month and the quarter of the week's Sunday.
    for (kind, start, value) in [
        ("week", ws, 100_000),
        ("month", month_start, 400_000),
        ("quarter", quarter_start, 1_200_000),
    ] {
        create_target(
            &app,
            &admin,
            json!({"metric": "sales_amount", "period_type": kind,
            "period_start": day(start), "value": value, "unit_id": office}),
        )
        .await;
    }
    create_target(
        &app,
        &admin,
        json!({"metric": "new_customers", "period_type": "week",
        "period_start": day(ws), "value": 4, "unit_id": office}),
    )
    .await;

    // ERP facts: two sellers this week, the shop's history the week before, the south (never
    // counted here).
    let facts = [
        ("e1", ws, seller.as_str(), None, 30_000, 10_000),
        ("e2", ws, second.as_str(), None, 20_000, 5_000),
        (
            "e3",
            ws - Duration::days(7),
            seller.as_str(),
            Some(f.shop.as_str()),
            80_000,
            0,
        ),
        ("e4", ws, f.org.south_seller.as_str(), None, 99_000, 0),
        // Billed 40 days before the week: past the 30 days' payment terms by its end.
        (
            "e5",
            ws - Duration::days(40),
            seller.as_str(),
            Some(f.shop.as_str()),
            60_000,
            0,
        ),
    ];
    let rows: Vec<Value> = facts
        .iter()
        .map(|(id, d, who, c, r, cost)| sale(id, *d, who, *c, *r, *cost))
        .collect();
    upload(&app, &admin, "/api/v1/sales-facts", json!(rows)).await;
    upload(&app, &admin, "/api/v1/payment-facts", json!([
        {"external_id": "p1", "paid_on": day(ws), "salesperson_id": seller, "amount_minor": 7_000},
        {"external_id": "p2", "paid_on": day(ws), "salesperson_id": f.org.south_seller, "amount_minor": 5_000},
        // The shop paid part of the old bill (and 1,000 at the visit below): 34,000 stays overdue.
        {"external_id": "p3", "paid_on": day(ws - Duration::days(35)), "salesperson_id": seller,
            "customer_id": f.shop, "amount_minor": 25_000}
    ]))
    .await;

    // Today's daily report: three visits, two effective with orders; the prospect becomes a
    // customer. The second seller never reports.
    submitted_report(
        &app,
        &f.seller,
        d,
        json!([
            visit(&f.shop, d, "ordering", 5_000, 1_000, true),
            visit(&f.prospect, d, "new_customer_development", 2_000, 0, true),
            visit(&f.shop, d, "service", 0, 0, false)
        ]),
    )
    .await;

    // Complaints: a critical one (escalates), a low one resolved, one from last week still open.
    let complaint = |customer: &str, severity: &str, received: Option<String>| {
        let mut body = json!({"customer_id": customer, "title": "Warm delivery",
            "description": "Pallet arrived warm.", "severity": severity});
        if let Some(r) = received {
            body["received_at"] = json!(r);
        }
        app.post("/api/v1/complaints")
            .bearer(&f.seller)
            .json(body)
            .send()
    };
    assert_eq!(complaint(&f.prospect, "critical", None).await.status, 201);
    let c2 = complaint(&f.shop, "low", None).await;
    assert_eq!(c2.status, 201, "{}", c2.text);
    let resolved = act(
        &app,
        &f.seller,
        &format!("/api/v1/complaints/{}/resolve", c2.id()),
        &c2.etag(),
        Some(json!({"resolution": "Replaced the pallet"})),
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let old = complaint(&f.shop, "low", Some(at(ws - Duration::days(3), 12, 0))).await;
    assert_eq!(old.status, 201, "{}", old.text);
    // Market reports: a high one (escalates), a low one closed by the supervisor.
    let market = |severity: &str| {
        app.post("/api/v1/market-reports")
            .bearer(&f.seller)
            .json(
                json!({"category": "competitor_promotion", "severity": severity,
                "title": "Rival halves prices", "description": "Seen at three outlets."}),
            )
            .send()
    };
    assert_eq!(market("high").await.status, 201);
    let m2 = market("low").await;
    assert_eq!(m2.status, 201, "{}", m2.text);
    let closed = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/market-reports/{}/close", m2.id()),
        &m2.etag(),
        None,
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text);

    // Monday 08:00 after the week: the unacknowledged ones have escalated.
    to_monday_after(&app, we, 8);
    jobs::tick(&app.state).await.unwrap();
    let ns = app.login("ns@test.local", PASSWORD).await;
    let nm = app.login("nm@test.local", PASSWORD).await;
    let admin = app.admin_token().await;

    let created = create_weekly(&app, &ns, &office, &week).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let r = &created.body;
    assert_eq!(r["status"], "draft");
    assert_eq!(r["week"], week);
    assert_eq!(r["unit_name"], "North Office");
    let fig = &r["figures"];
    assert_eq!(fig["from"], day(ws));
    assert_eq!(fig["to"], day(we));
    assert_eq!(fig["salespeople"], 2);
    assert_eq!(
        fig["sales_minor"], 57_000,
        "30,000 + 20,000 + 5,000 + 2,000"
    );
    assert_eq!(fig["collections_minor"], 8_000, "7,000 + 1,000");
    assert_eq!(fig["new_customers"], 2, "the shop and the won prospect");
    assert_eq!(fig["visits"], 3);
    assert_eq!(fig["effective_visits"], 2);
    assert_eq!(fig["effective_visit_rate"], 0.6667);
    assert_eq!(fig["visits_with_order"], 2);
    assert_eq!(fig["transaction_rate"], 0.6667);
    assert_eq!(fig["average_weekly_sales_per_salesperson_minor"], 28_500);
    assert_eq!(
        fig["daily_reports"],
        json!({"expected": 14, "on_time": 1, "late": 0, "missing": 13, "on_time_rate": 0.0714})
    );
    let people = fig["people"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0]["user_id"], json!(seller));
    assert_eq!(people[0]["sales_minor"], 37_000);
    assert_eq!(people[0]["reports_on_time"], 1);
    assert_eq!(people[0]["reports_missing"], 6);
    assert_eq!(people[1]["user_id"], json!(second));
    assert_eq!(people[1]["sales_minor"], 20_000);
    assert_eq!(people[1]["reports_missing"], 7);
    assert_eq!(
        fig["complaints"],
        json!({"opened": 2, "escalated": 1, "still_open": 2})
    );
    assert_eq!(
        fig["market_reports"],
        json!({"opened": 2, "escalated": 1, "still_open": 1})
    );
    let abnormal = fig["abnormal_customers"].as_array().unwrap();
    assert_eq!(abnormal.len(), 2, "{abnormal:?}");
    assert_eq!(abnormal[0]["code"], "C-1");
    assert_eq!(
        abnormal[0]["reasons"],
        json!(["orders_falling", "open_complaints", "overdue_payments"])
    );
    assert_eq!(
        abnormal[0]["overdue_minor"], 34_000,
        "60,000 billed - 25,000 paid - 1,000 collected at the visit"
    );
    assert_eq!(abnormal[0]["week_sales_minor"], 5_000);
    assert_eq!(abnormal[0]["four_week_average_minor"], 20_000);
    assert_eq!(abnormal[0]["open_complaints"], 1);
    assert_eq!(abnormal[1]["code"], "C-2");
    assert_eq!(abnormal[1]["reasons"], json!(["open_complaints"]));
    assert_eq!(abnormal[1]["overdue_minor"], 0);

    // Achievement: the week against its target, month and quarter to date by hand.
    let sales = metric(fig, "sales_amount");
    assert_eq!(sales["week"]["actual"], 57_000);
    assert_eq!(sales["week"]["target"], 100_000);
    assert_eq!(sales["week"]["achievement_ratio"], 0.57);
    assert_eq!(sales["week"]["status"], "at_risk");
    let dated = [
        (ws, 57_000 - 7_000),
        (d, 7_000),
        (ws - Duration::days(7), 80_000),
        (ws - Duration::days(40), 60_000),
    ];
    let since = |from: NaiveDate| -> i64 {
        dated
            .iter()
            .filter(|(d, _)| *d >= from && *d <= we)
            .map(|(_, v)| v)
            .sum()
    };
    assert_eq!(sales["month_to_date"]["actual"], since(month_start));
    assert_eq!(sales["month_to_date"]["target"], 400_000);
    assert_eq!(sales["quarter_to_date"]["actual"], since(quarter_start));
    assert_eq!(sales["quarter_to_date"]["target"], 1_200_000);
    let gp = metric(fig, "gross_profit");
    // The report's orders (5,000 + 2,000) are amounts without lines: no known cost, so they
    // count toward no gross profit (issue 14).
    assert_eq!(gp["week"]["actual"], 42_000 - 7_000);
    assert!(gp["week"]["target"].is_null());
    let nc = metric(fig, "new_customers");
    assert_eq!(nc["week"]["actual"], 2);
    assert_eq!(nc["week"]["achievement_ratio"], 0.5);
    assert_eq!(metric(fig, "collections")["week"]["actual"], 8_000);
    assert_eq!(metric(fig, "visits")["week"]["actual"], 2);

    // One per unit and week.
    create_weekly(&app, &ns, &office, &week).await.problem(409);

    // The words: PATCH with If-Match.
    let path = format!("/api/v1/weekly-reports/{}", created.id());
    let no_etag = app
        .patch(&path)
        .bearer(&ns)
        .json(json!({"competitor_dynamics": "x"}))
        .send()
        .await;
    no_etag.problem(428);
    let edited = app
        .patch(&path)
        .bearer(&ns)
        .header("if-match", &created.etag())
        .json(
            json!({"competitor_dynamics": "Rival halves prices at three outlets",
            "abnormal_customer_handling": "Visit the corner shop twice",
            "next_week_goals": "100,000 in sales", "next_week_plans": "Harbour tour"}),
        )
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["next_week_goals"], "100,000 in sales");

    // Submitted before Monday's cutoff: on time; the manager above hears of it.
    let submitted = act(&app, &ns, &format!("{path}/submit"), &edited.etag(), None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["late"], false);
    assert!(inbox_types(&app, &nm)
        .await
        .contains(&"weekly_report.submitted".to_string()));

    // New data does not move a submitted report; refreshing it is refused.
    upload(
        &app,
        &admin,
        "/api/v1/sales-facts",
        json!([sale("e5", ws, &seller, None, 11_111, 0)]),
    )
    .await;
    let read = app.get(&path).bearer(&nm).send().await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["figures"], submitted.body["figures"]);
    let refresh = act(&app, &ns, &format!("{path}/refresh"), &read.etag(), None).await;
    assert_eq!(refresh.problem(409)["current_state"], "submitted");
    let edit = app
        .patch(&path)
        .bearer(&ns)
        .header("if-match", &read.etag())
        .json(json!({"next_week_plans": "x"}))
        .send()
        .await;
    assert_eq!(edit.problem(409)["current_state"], "submitted");
    let by_admin = app.get(&path).bearer(&admin).send().await;
    assert_eq!(by_admin.body["figures"]["sales_minor"], 57_000);

    // Exports of the frozen figures. CSV: one table per file, the summary (one row of named
    // figures) unless another table is asked for.
    let (status, ct, csv) = app
        .download(&format!("{path}/export?format=csv"), &nm)
        .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let (header, rows) = one_csv_table(&String::from_utf8(csv).unwrap());
    assert_eq!(header[..4], ["unit", "week", "from", "to"]);
    assert_eq!(rows.len(), 1);
    let summary = &rows[0];
    let from = read.body["figures"]["from"].as_str().unwrap();
    assert_eq!(column(&header, summary, "from"), from, "ISO dates");
    assert_eq!(column(&header, summary, "sales_minor"), "57000");
    assert_eq!(column(&header, summary, "complaints_escalated"), "1");
    assert_eq!(
        column(&header, summary, "next_week_goals"),
        "100,000 in sales"
    );
    for table in ["targets", "people", "abnormal_customers"] {
        let (status, _, csv) = app
            .download(&format!("{path}/export?format=csv&table={table}"), &nm)
            .await;
        assert_eq!(status, 200, "{table}");
        let (header, rows) = one_csv_table(&String::from_utf8(csv).unwrap());
        assert!(!rows.is_empty(), "{table}");
        if table == "targets" {
            assert_eq!(
                header,
                [
                    "metric",
                    "window",
                    "from",
                    "to",
                    "target",
                    "actual",
                    "achievement_ratio",
                    "expected",
                    "status"
                ]
            );
            assert_eq!(rows[0][..2], ["sales_amount", "week"]);
            assert_eq!(rows[0][2], from);
            assert_eq!(rows[0][4..6], ["100000", "57000"], "minor units");
        }
    }

    // XLSX: a sheet per table, formatted for people.
    let (status, ct, xlsx) = app
        .download(&format!("{path}/export?format=xlsx"), &nm)
        .await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let mut book = Book::open(xlsx, "weekly-report.xlsx");
    assert_eq!(
        book.xlsx.sheet_names(),
        vec![
            "Summary",
            "Targets",
            "People",
            "Abnormal customers",
            "Promotions"
        ]
    );
    let Data::String(title) = book.value("Summary", (0, 0)) else {
        panic!("no title")
    };
    assert!(
        title.starts_with(&format!("Weekly report: North Office, week {week} (")),
        "{title}"
    );
    // Excel counts days from 1899-12-30.
    let serial = |iso: &str| {
        let d = NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap();
        (d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
    };
    let date = |v: Data| match v {
        Data::DateTime(dt) => dt.as_f64(),
        other => panic!("not a date: {other:?}"),
    };
    // The summary reads down: a figure per row below the header on row 4.
    let cell = |book: &mut Book, r: u32, c: u32| book.value("Summary", (r, c));
    assert_eq!(cell(&mut book, 3, 0), Data::String("Figure".into()));
    assert_eq!(cell(&mut book, 4, 1), Data::String("North Office".into()));
    assert_eq!(cell(&mut book, 5, 1), Data::String(week.clone()));
    assert_eq!(cell(&mut book, 6, 0), Data::String("From".into()));
    assert_eq!(date(cell(&mut book, 6, 1)), serial(from), "a real date");
    assert_eq!(book.number_format("Summary", (6, 1)), "yyyy-mm-dd");
    assert_eq!(cell(&mut book, 11, 0), Data::String("Sales".into()));
    assert_eq!(cell(&mut book, 11, 1), Data::Float(570.0), "major units");
    assert_eq!(book.number_format("Summary", (11, 1)), "#,##0.00 \"EUR\"");
    assert_eq!(cell(&mut book, 12, 1), Data::Float(80.0));
    book.assert_printable(1, 3, "B");
    let targets = book.xlsx.worksheet_range("Targets").unwrap();
    assert_eq!(
        targets.get_value((4, 0)).cloned(),
        Some(Data::String("sales_amount".into()))
    );
    assert_eq!(
        targets.get_value((4, 4)).cloned(),
        Some(Data::Float(1_000.0))
    );
    assert_eq!(targets.get_value((4, 5)).cloned(), Some(Data::Float(570.0)));
    assert_eq!(book.number_format("Targets", (4, 5)), "#,##0.00 \"EUR\"");
    assert_eq!(date(book.value("Targets", (4, 2))), serial(from));
    let counts = (4..targets.height() as u32)
        .find(|r| targets.get_value((*r, 0)) == Some(&Data::String("new_customers".into())))
        .unwrap();
    assert_eq!(
        book.number_format("Targets", (counts, 5)),
        "#,##0",
        "a count, not money"
    );
    assert_eq!(book.value("Targets", (counts, 6)), Data::Float(0.5));
    assert_eq!(book.number_format("Targets", (counts, 6)), "0.00%");
    book.assert_printable(2, 3, "I");
    book.assert_printable(3, 3, "M");
    let abnormal = book.xlsx.worksheet_range("Abnormal customers").unwrap();
    assert_eq!(
        abnormal.get_value((4, 2)).cloned(),
        Some(Data::String(
            "orders_falling open_complaints overdue_payments".into()
        ))
    );
    assert_eq!(
        abnormal.get_value((4, 6)).cloned(),
        Some(Data::Float(340.0)),
        "overdue, in major units"
    );
    book.assert_printable(4, 3, "G");
    app.get(&format!("{path}/export?format=pdf"))
        .bearer(&nm)
        .send()
        .await
        .invalid_fields();

    // The manager above returns it (a comment is required); the author cannot review their own.
    act(&app, &ns, &format!("{path}/review"), &read.etag(), None)
        .await
        .problem(403);
    let no_comment = act(&app, &nm, &format!("{path}/return"), &read.etag(), None).await;
    assert_eq!(no_comment.invalid_fields(), vec!["comment"]);
    let returned = act(
        &app,
        &nm,
        &format!("{path}/return"),
        &read.etag(),
        Some(json!({"comment": "Add the new ERP sales"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.body["status"], "returned");
    assert!(inbox_types(&app, &ns)
        .await
        .contains(&"weekly_report.returned".to_string()));
    let refreshed = act(
        &app,
        &ns,
        &format!("{path}/refresh"),
        &returned.etag(),
        None,
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(refreshed.body["figures"]["sales_minor"], 68_111);
    assert_eq!(
        refreshed.body["competitor_dynamics"],
        "Rival halves prices at three outlets"
    );
    let again = act(
        &app,
        &ns,
        &format!("{path}/submit"),
        &refreshed.etag(),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    let reviewed = act(
        &app,
        &nm,
        &format!("{path}/review"),
        &again.etag(),
        Some(json!({"comment": "Good week"})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert_eq!(reviewed.body["status"], "reviewed");
    assert_eq!(reviewed.body["review_comment"], "Good week");
    assert!(inbox_types(&app, &ns)
        .await
        .contains(&"weekly_report.reviewed".to_string()));
}

#[actix_web::test]
async fn a_late_report_is_marked_late_compliance_shows_every_unit_and_reach_holds() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let (week, ws, we) = week_of(today(&app));
    to_monday_after(&app, we, 8);
    let ns = app.login("ns@test.local", PASSWORD).await;
    let admin = app.admin_token().await;

    // Before the cutoff: the office reports on time; nobody else has yet.
    let office = create_weekly(&app, &ns, &f.org.north_office, &week).await;
    assert_eq!(office.status, 201, "{}", office.text);
    let office_path = format!("/api/v1/weekly-reports/{}", office.id());
    let stale = act(&app, &ns, &format!("{office_path}/submit"), "\"999\"", None).await;
    stale.problem(412);
    let s = act(
        &app,
        &ns,
        &format!("{office_path}/submit"),
        &office.etag(),
        None,
    )
    .await;
    assert_eq!(s.body["late"], false, "{}", s.text);
    let compliance = format!("/api/v1/weekly-reports/compliance?week={week}");
    let early = app.get(&compliance).bearer(&admin).send().await;
    assert_eq!(early.status, 200, "{}", early.text);
    assert_eq!(early.body["due"], 3, "{}", early.text);
    assert_eq!(early.body["on_time"], 1);
    assert_eq!(early.body["pending"], 2);
    assert_eq!(early.body["week_start"], day(ws));

    // After Monday's cutoff the south reports: late.
    app.clock.advance(Duration::hours(5));
    let ss = app.login("ss@test.local", PASSWORD).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let late = create_and_submit(&app, &ss, &f.org.south, &week).await;
    assert_eq!(late.body["late"], true);

    let admin = app.admin_token().await;
    let all = app.get(&compliance).bearer(&admin).send().await;
    let b = &all.body;
    assert_eq!(
        (
            b["due"].clone(),
            b["on_time"].clone(),
            b["late"].clone(),
            b["missing"].clone()
        ),
        (json!(3), json!(1), json!(1), json!(1)),
        "{}",
        all.text
    );
    let status_of = |unit: &str| {
        b["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_id"] == unit)
            .map(|u| u["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status_of(&f.org.north_office).as_deref(), Some("on_time"));
    assert_eq!(status_of(&f.org.south).as_deref(), Some("late"));
    assert_eq!(status_of(&f.org.north).as_deref(), Some("missing"));
    // The month's scorecards show each runner's weekly-report timeliness: the one week due since
    // the units were created.
    let cards = app
        .get(&format!(
            "/api/v1/scorecards?unit_id={}&period={}-{:02}",
            f.org.root,
            we.year(),
            we.month()
        ))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(cards.status, 200, "{}", cards.text);
    let runner = |id: &str| {
        let s = cards.body["supervisors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["user_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {}", cards.text));
        (
            s["due"].clone(),
            s["on_time"].clone(),
            s["late"].clone(),
            s["missing"].clone(),
        )
    };
    assert_eq!(
        runner(&f.org.north_supervisor),
        (json!(1), json!(1), json!(0), json!(0))
    );
    assert_eq!(
        runner(&f.org.south_supervisor),
        (json!(1), json!(0), json!(1), json!(0))
    );
    assert_eq!(
        runner(&f.org.north_manager),
        (json!(1), json!(0), json!(0), json!(1))
    );
    // The same week as year + number; a manager sees only their subtree.
    let (year, number) = week.split_once("-W").unwrap();
    let nm = app.login("nm@test.local", PASSWORD).await;
    let north = app
        .get(&format!(
            "/api/v1/weekly-reports/compliance?year={year}&week={number}"
        ))
        .bearer(&nm)
        .send()
        .await;
    assert_eq!(north.status, 200, "{}", north.text);
    assert_eq!(north.body["due"], 2, "{}", north.text);
    assert_eq!(north.body["week"], week);

    // Bad weeks name the field.
    for bad in ["2026-47", "W47", "2026-W60"] {
        let res = app
            .get(&format!("/api/v1/weekly-reports/compliance?week={bad}"))
            .bearer(&admin)
            .send()
            .await;
        assert_eq!(res.invalid_fields(), vec!["week"], "{bad}");
    }
    let res = create_weekly(&app, &ns, &f.org.north_office, "next week").await;
    assert_eq!(res.invalid_fields(), vec!["week"]);

    // Reach: another region's supervisor sees nothing of the office; a salesperson writes none.
    app.get(&office_path).bearer(&ss).send().await.problem(404);
    let (status, _, _) = app
        .download(&format!("{office_path}/export?format=csv"), &ss)
        .await;
    assert_eq!(status, 404);
    let outside = create_weekly(&app, &ss, &f.org.north_office, &week).await;
    assert_eq!(outside.invalid_fields(), vec!["unit_id"]);
    let outside = app
        .get(&format!("{compliance}&unit_id={}", f.org.north))
        .bearer(&ss)
        .send()
        .await;
    assert_eq!(outside.invalid_fields(), vec!["unit_id"]);
    let list = app.get("/api/v1/weekly-reports").bearer(&ss).send().await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![late.id().as_str()], "{}", list.text);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    create_weekly(&app, &seller, &f.org.north_office, &week)
        .await
        .problem(403);
    app.get(&office_path)
        .bearer(&seller)
        .send()
        .await
        .problem(403);
    let listed = app
        .get(&format!("/api/v1/weekly-reports?week={week}"))
        .bearer(&nm)
        .send()
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        listed.text
    );
}

#[actix_web::test]
async fn a_missing_weekly_report_is_announced_once_to_its_writer_and_the_manager_above() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let top = app
        .create_user(&f.org.admin, "top@test.local", "manager", &f.org.root)
        .await;
    app.set_manager(&f.org.admin, &f.org.root, &top).await;
    let (week, _, we) = week_of(today(&app));
    // Monday 08:00: the south reports on time; nobody else does.
    to_monday_after(&app, we, 8);
    let ss = app.login("ss@test.local", PASSWORD).await;
    create_and_submit(&app, &ss, &f.org.south, &week).await;
    assert_eq!(
        jobs::tick(&app.state).await.unwrap().missing_weekly_reports,
        0,
        "nothing is missing before the cutoff"
    );

    // 13:00, past the 12:00 cutoff: the company, the north region and its office are missing.
    app.clock.advance(Duration::hours(5));
    let tick = jobs::tick(&app.state).await.unwrap();
    assert_eq!(tick.missing_weekly_reports, 3);
    assert_eq!(
        jobs::tick(&app.state).await.unwrap().missing_weekly_reports,
        0,
        "each is announced once"
    );
    let missing = |types: Vec<String>| {
        types
            .iter()
            .filter(|t| *t == "weekly_report.missing")
            .count()
    };
    let inbox = |email: &'static str| {
        let app = &app;
        async move {
            let token = app.login(email, PASSWORD).await;
            missing(inbox_types(app, &token).await)
        }
    };
    assert_eq!(inbox("ns@test.local").await, 1, "the office's own");
    assert_eq!(
        inbox("nm@test.local").await,
        2,
        "the region's and the office's"
    );
    assert_eq!(
        inbox("top@test.local").await,
        2,
        "the company's and the region's"
    );
    assert_eq!(inbox("ss@test.local").await, 0, "the south reported");
}
