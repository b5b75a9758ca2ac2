//! What a promotion did, counted by hand: the participants' sales of its products during it
//! against their baseline and the control group, the uplift to the cent, its spend (visits of
//! daily reports and the ERP's cost facts) and the return on it, per unit and salesperson; the
//! share of a supported target's actual; and where the figures show up (the promotion, weekly
//! reports, the anomalies list).

mod common;
mod promotions_support;
mod sales;

use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use promotions_support::*;
use sales::upload;
use serde_json::{json, Value};

/// One hand-made sales fact: (days from today, seller, customer, dealer, product, category,
/// revenue in cents).
type Sale<'a> = (
    i64,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    i64,
);

fn close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!((a - expected).abs() < 1e-9, "{a} != {expected}");
}

/// The figures of a results line: sales, baseline, expected, uplift, spend.
fn line(v: &Value) -> [i64; 5] {
    [
        "sales_minor",
        "baseline_minor",
        "expected_sales_minor",
        "uplift_minor",
        "spend_minor",
    ]
    .map(|k| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}")))
}

#[actix_web::test]
async fn uplift_spend_and_return_are_counted_to_the_cent_against_baseline_and_control() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let o = &t.c.org;
    let (nsp, rs, ssp) = (
        o.north_seller.as_str(),
        t.c.region_seller.as_str(),
        o.south_seller.as_str(),
    );
    let (p1, p2, p3) = (t.p1.as_str(), t.p2.as_str(), t.p3.as_str());
    let d = Some(t.dealer.as_str());
    // A promotion of the north region from 9 days ago to 10 days ahead: 10 days measured so
    // far (today included), against the 10 days before its start.
    let mut body = t.body(&app, -9, 10);
    let today = today(&app);
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap();
    let target = sales::create_target(
        &app,
        &t.head,
        json!({"metric": "sales_amount", "period_type": "year", "period_start": day(year_start),
               "value": 10_000_000, "unit_id": o.north}),
    )
    .await;
    body["target_ids"] = json!([target["id"]]);
    let p = t.approved(&app, body).await;
    let id = p.id();
    let facts: Vec<Sale> = vec![
        // Participants during: the north office's customers, C3 (named), a sale through the
        // dealer (to a control customer, but the dealer takes part), one on today.
        (-9, nsp, t.a1.as_str(), None, Some(p1), None, 100_000),
        (
            -5,
            nsp,
            t.a2.as_str(),
            None,
            None,
            Some("consumables"),
            50_001,
        ),
        (-1, rs, t.c3.as_str(), None, Some(p1), None, 20_000),
        (-2, rs, t.b2.as_str(), d, Some(p1), None, 30_000),
        (0, nsp, t.a1.as_str(), None, Some(p1), None, 1_234),
        // Participants in the baseline window (10 to 19 days ago).
        (-10, nsp, t.a1.as_str(), None, Some(p1), None, 80_000),
        (-19, nsp, t.a2.as_str(), None, Some(p2), None, 40_000),
        (-15, rs, t.c3.as_str(), None, Some(p1), None, 13_333),
        // Control group (the region's other customers), during and in the baseline window.
        (-6, rs, t.b1.as_str(), None, Some(p1), None, 66_000),
        (-7, rs, t.b2.as_str(), None, Some(p2), None, 44_001),
        (-12, rs, t.b1.as_str(), None, Some(p1), None, 60_000),
        (
            -11,
            rs,
            t.b2.as_str(),
            None,
            None,
            Some("consumables"),
            40_000,
        ),
        // Not counted: a product not promoted, before the baseline window, outside the territory.
        (-3, nsp, t.a1.as_str(), None, Some(p3), None, 999_999),
        (-20, nsp, t.a1.as_str(), None, Some(p1), None, 555_555),
        (-4, ssp, t.s1.as_str(), None, Some(p1), None, 777_777),
    ];
    let rows: Vec<Value> = facts
        .iter()
        .enumerate()
        .map(
            |(i, (days, seller, customer, dealer, product, category, revenue))| {
                json!({"external_id": format!("S-{i}"), "sold_on": rel(&app, *days),
                   "salesperson_id": seller, "customer_id": customer, "dealer_id": dealer,
                   "product_id": product, "category": category, "revenue_minor": revenue})
            },
        )
        .collect();
    upload(&app, &o.admin, "/api/v1/sales-facts", rows).await;

    // Spend: a visit of the north seller's daily report that set up the display (2,500 once
    // submitted), a dealer incentive and a cost before the start, booked by the ERP.
    let visit = |customer: &str, spend: i64, promotion: Option<&str>| {
        let d = rel(&app, -1);
        json!([{"customer_id": customer, "started_at": format!("{d}T09:00:00Z"),
                "ended_at": format!("{d}T09:30:00Z"), "purpose": "service",
                "outcome": "info_gathered", "effective": true,
                "promotion_id": promotion, "promotion_spend_minor": spend}])
    };
    let report = |visits: Value| {
        let app = &app;
        let token = t.north_seller.clone();
        async move {
            app.post("/api/v1/daily-reports")
                .bearer(&token)
                .json(
                    json!({"report_date": rel(app, -1), "attendance": "present", "visits": visits}),
                )
                .send()
                .await
        }
    };
    // A customer that does not take part, a spend without a promotion: 422 naming the field.
    let not_taking_part = report(visit(&t.b1, 2_500, Some(&id))).await;
    assert!(
        not_taking_part.problem(422)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "visits[0].promotion_id"),
        "{}",
        not_taking_part.text
    );
    let no_promotion = report(visit(&t.a1, 2_500, None)).await;
    assert_eq!(
        no_promotion.problem(422)["errors"][0]["field"],
        "visits[0].promotion_spend_minor"
    );
    let draft = report(visit(&t.a1, 2_500, Some(&id))).await;
    assert_eq!(draft.status, 201, "{}", draft.text);
    let submitted = app
        .post(&format!("/api/v1/daily-reports/{}/submit", draft.id()))
        .bearer(&t.north_seller)
        .header("if-match", &draft.etag())
        .send()
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    let costs = vec![
        json!({"external_id": "ERP-1", "promotion_id": id, "spent_on": rel(&app, -9),
               "amount_minor": 10_000, "dealer_id": t.dealer, "note": "Dealer incentive"}),
        json!({"external_id": "ERP-2", "promotion_id": id, "spent_on": rel(&app, -12),
               "amount_minor": 7_777}),
    ];
    let first = upload(
        &app,
        &o.admin,
        "/api/v1/promotion-cost-facts",
        costs.clone(),
    )
    .await;
    assert_eq!(first["created"], 2);
    let again = upload(&app, &o.admin, "/api/v1/promotion-cost-facts", costs).await;
    assert_eq!(again["unchanged"], 2);

    // The promotion shows its spend against its budget, at a new version.
    let now = get(&app, &t.north_manager, &id).await;
    assert_eq!(now.body["spend_minor"], 20_277);
    assert_eq!(now.body["budget_remaining_minor"], 50_000 - 20_277);
    assert_eq!(now.body["executions"], 1);
    assert_ne!(now.etag(), p.etag());

    let res = app
        .get(&format!("/api/v1/promotions/{id}/results"))
        .bearer(&t.north_manager)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let r = &res.body;
    assert_eq!(r["measured_from"], rel(&app, -9));
    assert_eq!(r["measured_to"], rel(&app, 0));
    assert_eq!(r["measured_days"], 10);
    assert_eq!(r["baseline_from"], rel(&app, -19));
    assert_eq!(r["baseline_to"], rel(&app, -10));
    assert_eq!(r["participants"]["customers"], 3);
    assert_eq!(r["participants"]["sales_minor"], 201_235);
    assert_eq!(r["participants"]["baseline_minor"], 133_333);
    assert_eq!(r["control"]["customers"], 2);
    assert_eq!(r["control"]["sales_minor"], 110_001);
    assert_eq!(r["control"]["baseline_minor"], 100_000);
    close(&r["control"]["growth_pct"], 10.001);
    assert_eq!(r["control_used"], true);
    // Expected: 133,333 x 110,001 / 100,000 = 146,667.63 -> 146,668; uplift 54,567.
    assert_eq!(r["expected_sales_minor"], 146_668);
    assert_eq!(r["uplift_minor"], 54_567);
    close(
        &r["uplift_pct"],
        100.0 * (201_235.0 * 100_000.0 - 110_001.0 * 133_333.0) / (133_333.0 * 100_000.0),
    );
    assert_eq!(r["spend_minor"], 20_277);
    assert_eq!(r["net_return_minor"], 54_567 - 20_277);
    close(&r["return_on_spend"], 54_567.0 / 20_277.0);
    // Per unit (by name): the region itself (its salesperson, the dealer's and the unattributed
    // costs), the office (the north seller and the visit's cost).
    let units = r["units"].as_array().unwrap();
    assert_eq!(units.len(), 2, "{units:?}");
    assert_eq!(units[0]["unit_id"], json!(o.north));
    assert_eq!(line(&units[0]), [50_000, 13_333, 14_666, 35_334, 17_777]);
    assert_eq!(units[1]["unit_id"], json!(o.north_office));
    assert_eq!(line(&units[1]), [151_235, 120_000, 132_001, 19_234, 2_500]);
    close(&units[1]["return_on_spend"], 19_234.0 / 2_500.0);
    let people = r["salespeople"].as_array().unwrap();
    assert_eq!(people[0]["user_id"], json!(nsp));
    assert_eq!(line(&people[0]), [151_235, 120_000, 132_001, 19_234, 2_500]);
    assert_eq!(people[1]["user_id"], json!(rs));
    assert_eq!(line(&people[1]), [50_000, 13_333, 14_666, 35_334, 0]);
    assert!(people[1]["return_on_spend"].is_null());
    // The lines round one by one: their uplifts add up to a cent more than the total.
    assert_eq!(19_234 + 35_334, 54_567 + 1);
    // The supported target: its actual (all sales of the region's people this year) and the
    // part of it from the measured days.
    let north_sales = |from: NaiveDate| -> i64 {
        facts
            .iter()
            .filter(|f| f.1 == nsp || f.1 == rs)
            .filter(|f| (from..=today).contains(&(today + Duration::days(f.0))))
            .map(|f| f.6)
            .sum()
    };
    let st = &r["targets"][0];
    assert_eq!(st["target_id"], target["id"]);
    assert_eq!(st["actual"], north_sales(year_start));
    let during = north_sales(year_start.max(today - Duration::days(9)));
    assert_eq!(st["actual_during_promotion"], during);

    // The office supervisor reads the totals and the lines of their own office only.
    let office = app
        .get(&format!("/api/v1/promotions/{id}/results"))
        .bearer(&t.north_supervisor)
        .send()
        .await;
    assert_eq!(office.body["uplift_minor"], 54_567);
    assert_eq!(office.body["units"].as_array().unwrap().len(), 1);
    assert_eq!(office.body["salespeople"][0]["user_id"], json!(nsp));
    assert_eq!(office.body["salespeople"].as_array().unwrap().len(), 1);

    // After its end, measured over all 20 days: the baseline window reaches 29 days back and
    // takes in the sale of 20 days ago.
    let later = app
        .get(&format!(
            "/api/v1/promotions/{id}/results?as_of={}",
            rel(&app, 30)
        ))
        .bearer(&t.head)
        .send()
        .await;
    assert_eq!(later.body["measured_days"], 20);
    assert_eq!(
        later.body["participants"]["baseline_minor"],
        133_333 + 555_555
    );
    assert_eq!(later.body["participants"]["sales_minor"], 201_235);

    // Returning the report takes its visit's cost out again.
    let returned = app
        .post(&format!("/api/v1/daily-reports/{}/return", draft.id()))
        .bearer(&t.north_supervisor)
        .header("if-match", &submitted.etag())
        .json(json!({"comment": "Add the photo of the display"}))
        .send()
        .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    let after = get(&app, &t.north_manager, &id).await;
    assert_eq!(after.body["spend_minor"], 17_777);
    assert_eq!(after.body["executions"], 0);
}

#[actix_web::test]
async fn running_promotions_show_in_the_weekly_report_and_a_lagging_one_is_an_anomaly() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let o = &t.c.org;
    let id = t.approved(&app, t.body(&app, -9, 10)).await.id();
    let (nsp, rs) = (o.north_seller.as_str(), t.c.region_seller.as_str());
    let rows = vec![
        // Participants +50 % (1,000.00 -> 1,500.00), control +10 %: 40 points of uplift.
        json!({"external_id": "S-1", "sold_on": rel(&app, -3), "salesperson_id": nsp,
               "customer_id": t.a1, "product_id": t.p1, "revenue_minor": 150_000}),
        json!({"external_id": "S-2", "sold_on": rel(&app, -13), "salesperson_id": nsp,
               "customer_id": t.a1, "product_id": t.p1, "revenue_minor": 100_000}),
        json!({"external_id": "S-3", "sold_on": rel(&app, -3), "salesperson_id": rs,
               "customer_id": t.b1, "product_id": t.p1, "revenue_minor": 220_000}),
        json!({"external_id": "S-4", "sold_on": rel(&app, -13), "salesperson_id": rs,
               "customer_id": t.b1, "product_id": t.p1, "revenue_minor": 200_000}),
    ];
    upload(&app, &o.admin, "/api/v1/sales-facts", rows).await;
    // The weekly report of the office lists the region's promotion with its figures.
    let week = salestrack::weekly::IsoWeek::of(today(&app)).label();
    let weekly = app
        .post("/api/v1/weekly-reports")
        .bearer(&t.north_supervisor)
        .json(json!({"unit_id": o.north_office, "week": week}))
        .send()
        .await;
    assert_eq!(weekly.status, 201, "{}", weekly.text);
    let listed = &weekly.body["figures"]["promotions"][0];
    assert_eq!(listed["promotion_id"], json!(id));
    assert_eq!(listed["uplift_minor"], 40_000);
    close(&listed["uplift_pct"], 40.0);
    assert_eq!(listed["measured_days"], 10);
    assert_eq!(listed["period_days"], 20);
    let (status, _, csv) = app
        .download(
            &format!(
                "/api/v1/weekly-reports/{}/export?format=csv&table=promotions",
                weekly.id()
            ),
            &t.north_supervisor,
        )
        .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((at("name"), at("uplift_minor")), ("Spring push", "40000"));
    // The monthly dashboard of a scope lists the promotions of its territory.
    let month = |unit: String| {
        let app = &app;
        let token = t.c.head.clone();
        async move {
            let res = app
                .get(&format!("/api/v1/dashboards/monthly?unit_id={unit}"))
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.body["promotions"].as_array().unwrap().clone()
        }
    };
    let office = month(o.north_office.clone()).await;
    assert_eq!(office.len(), 1);
    assert_eq!(office[0]["promotion_id"], json!(id));
    assert_eq!(
        (&office[0]["uplift_minor"], &office[0]["spend_minor"]),
        (&json!(40_000), &json!(0))
    );
    assert!(month(o.south.clone()).await.is_empty());
    // Half its period is gone and 40 points is below half of the 100 expected: an anomaly.
    let anomalies = |token: String, query: &'static str| {
        let app = &app;
        async move {
            app.items(
                &format!("/api/v1/anomalies?kind=promotion_underperforming{query}"),
                &token,
            )
            .await
        }
    };
    let found = anomalies(t.north_manager.clone(), "").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "medium");
    assert_eq!(found[0]["unit_id"], json!(o.north));
    assert_eq!(found[0]["link"], format!("/api/v1/promotions/{id}/results"));
    close(&found[0]["figures"]["uplift_pct"], 40.0);
    let north = format!(
        "/api/v1/anomalies?kind=promotion_underperforming&unit_id={}",
        o.north
    );
    assert_eq!(app.items(&north, &t.north_manager).await.len(), 1);
    // Not for salespeople, nor outside reach, nor about another subtree.
    assert!(anomalies(t.north_seller.clone(), "").await.is_empty());
    assert!(anomalies(t.south_supervisor.clone(), "").await.is_empty());
    let south = format!(
        "/api/v1/anomalies?kind=promotion_underperforming&unit_id={}",
        o.south
    );
    assert!(app.items(&south, &t.north_manager).await.is_empty());
    // The thresholds are settings: 40 points is enough at 40 % of the expected uplift, and
    // at 60 % of the period it is too early to judge.
    let tune = |values: Value| {
        let app = &app;
        let admin = o.admin.clone();
        async move {
            let current = app.get("/api/v1/settings").bearer(&admin).send().await;
            let res = app
                .patch("/api/v1/settings")
                .bearer(&admin)
                .header("if-match", &current.etag())
                .json(json!({ "anomalies": values }))
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.text);
        }
    };
    tune(json!({"promotion_min_uplift_share_pct": 40})).await;
    assert!(anomalies(t.north_manager.clone(), "").await.is_empty());
    tune(json!({"promotion_min_uplift_share_pct": 50, "promotion_min_elapsed_pct": 60})).await;
    assert!(anomalies(t.north_manager.clone(), "").await.is_empty());
}
