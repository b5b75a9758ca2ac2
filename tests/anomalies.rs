//! The anomalies list: targets, daily reports, visit plans, visits and rates, expenses. Each
//! kind appears when its cause is there and disappears when the cause is resolved.

mod anomalies_support;
mod common;
mod sales;
mod visits_support;

use anomalies_support::*;
use chrono::{Datelike, Duration};
use common::*;
use sales::upload;
use serde_json::json;
use visits_support::*;

#[actix_web::test]
async fn a_target_short_of_its_pace_is_listed_with_gap_and_forecast_until_it_catches_up() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"target_min_elapsed_days": 1})).await;
    let d = today(&app);
    let target = app
        .post("/api/v1/targets")
        .bearer(&f.org.admin)
        .json(json!({"metric": "sales_amount", "period_type": "year",
            "period_start": format!("{}-01-01", d.year()), "value": 36_500_000,
            "user_id": f.org.north_seller}))
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);
    let id = target.id();
    let progress = app
        .get(&format!("/api/v1/targets/{id}/progress"))
        .bearer(&f.org.admin)
        .send()
        .await;
    let expected = progress.body["expected"].as_i64().unwrap();
    assert!(expected > 0);

    // Nothing sold: at risk, high.
    let items = of_kind(&app, &f.supervisor, "target_at_risk").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["severity"], "high");
    assert_eq!(a["target_id"], json!(id));
    assert_eq!(a["person_id"], json!(f.org.north_seller));
    assert_eq!(a["person_name"], "nsp");
    assert_eq!(a["unit_id"], json!(f.org.north_office));
    assert_eq!(a["unit_name"], "North Office");
    assert_eq!(a["link"], format!("/api/v1/targets/{id}/progress"));
    assert_eq!(a["figures"]["actual"], 0);
    assert_eq!(a["figures"]["expected"], expected);
    assert_eq!(a["figures"]["gap"], -expected);
    assert_eq!(a["figures"]["forecast"], 0);
    assert_eq!(a["figures"]["status"], "at_risk");
    assert!(a["summary"].as_str().unwrap().contains("at risk"));
    assert!(of_kind(&app, &f.supervisor, "target_behind")
        .await
        .is_empty());
    // The same problem keeps its id.
    assert_eq!(
        of_kind(&app, &f.supervisor, "target_at_risk").await[0]["id"],
        a["id"]
    );

    // 90 % of the pace: behind, medium.
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![sales::sale(
            "s1",
            &day(d),
            &f.org.north_seller,
            expected * 9 / 10,
            0,
        )],
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "target_at_risk")
        .await
        .is_empty());
    let behind = of_kind(&app, &f.supervisor, "target_behind").await;
    assert_eq!(behind.len(), 1);
    assert_eq!(behind[0]["severity"], "medium");
    assert_eq!(behind[0]["figures"]["actual"], expected * 9 / 10);
    assert!(behind[0]["figures"]["forecast"].as_i64().unwrap() > 0);

    // On pace: gone.
    upload(
        &app,
        &f.org.admin,
        "/api/v1/sales-facts",
        vec![sales::sale("s2", &day(d), &f.org.north_seller, expected, 0)],
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "target_behind")
        .await
        .is_empty());
    assert!(of_kind(&app, &f.supervisor, "target_at_risk")
        .await
        .is_empty());
}

#[actix_web::test]
async fn missing_late_and_unreviewed_daily_reports_are_listed_until_the_report_comes_and_is_reviewed(
) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"report_lookback_days": 3})).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);

    // The three days before today are missing (today's cutoff, 23:59, is still ahead).
    let missing = list(
        &app,
        &f.supervisor,
        &format!(
            "&kind=daily_report_missing&person_id={}",
            f.org.north_seller
        ),
    )
    .await;
    let mut days: Vec<String> = missing
        .iter()
        .map(|a| a["figures"]["report_date"].as_str().unwrap().to_string())
        .collect();
    days.sort();
    let want: Vec<String> = (1..=3).rev().map(|n| day(d - Duration::days(n))).collect();
    assert_eq!(days, want);
    let a = missing
        .iter()
        .find(|a| a["figures"]["report_date"] == day(yesterday))
        .unwrap();
    assert_eq!(a["severity"], "medium");
    assert_eq!(instant(&a["since"]), utc(yesterday, 23, 59));
    assert!(a["figures"]["draft_report_id"].is_null());
    assert!(a["link"]
        .as_str()
        .unwrap()
        .starts_with("/api/v1/daily-reports?owner_id="));

    // A draft for yesterday: still missing, the link goes to it.
    let draft = report(
        &app,
        &f.seller,
        yesterday,
        json!([visit(&f.shop, yesterday, "ordering", 0, 0, true)]),
    )
    .await;
    let still = of_kind(&app, &f.supervisor, "daily_report_missing").await;
    let a = still
        .iter()
        .find(|a| {
            a["figures"]["report_date"] == day(yesterday)
                && a["person_id"] == json!(f.org.north_seller)
        })
        .unwrap();
    assert_eq!(a["figures"]["draft_report_id"], json!(draft.id()));
    assert_eq!(a["link"], format!("/api/v1/daily-reports/{}", draft.id()));

    // Submitted (after the cutoff): no longer missing, but late.
    let submitted = act(
        &app,
        &f.seller,
        &format!("/api/v1/daily-reports/{}/submit", draft.id()),
        &draft.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert!(of_kind(&app, &f.supervisor, "daily_report_missing")
        .await
        .iter()
        .all(|a| a["figures"]["report_date"] != day(yesterday)
            || a["person_id"] != json!(f.org.north_seller)));
    let late = of_kind(&app, &f.supervisor, "daily_report_late").await;
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["severity"], "low");
    assert_eq!(late[0]["figures"]["report_id"], json!(draft.id()));
    assert!(late[0]["figures"]["minutes_late"].as_i64().unwrap() >= 0);
    assert!(of_kind(&app, &f.supervisor, "daily_report_unreviewed")
        .await
        .is_empty());

    // A day later it has waited more than a day for review.
    app.clock.advance(Duration::hours(25));
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let waiting = of_kind(&app, &supervisor, "daily_report_unreviewed").await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["figures"]["report_id"], json!(draft.id()));
    assert!(waiting[0]["figures"]["hours_waiting"].as_i64().unwrap() >= 25);
    assert_eq!(waiting[0]["since"], submitted.body["submitted_at"]);
    assert_eq!(
        of_kind(&app, &supervisor, "daily_report_late").await.len(),
        1
    );

    // Reviewed: neither late nor waiting any more.
    let reviewed = act(
        &app,
        &supervisor,
        &format!("/api/v1/daily-reports/{}/review", draft.id()),
        &submitted.etag(),
        Some(json!({"comment": "Come on time", "quality_score": 3})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert!(of_kind(&app, &supervisor, "daily_report_unreviewed")
        .await
        .is_empty());
    assert!(of_kind(&app, &supervisor, "daily_report_late")
        .await
        .is_empty());
}

#[actix_web::test]
async fn a_visit_plan_not_approved_by_the_end_of_its_day_is_listed_until_it_is_approved() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    // Today's plan is not past its day.
    plan(
        &app,
        &f.seller,
        d,
        json!([{"customer_id": f.shop, "purpose": "ordering"}]),
    )
    .await;
    let p = plan(&app, &f.seller, yesterday, json!([{"customer_id": f.shop, "purpose": "ordering"}, {"prospect_name": "Kiosk", "purpose": "new_customer_development"}])).await;
    let items = of_kind(&app, &f.supervisor, "visit_plan_unsigned").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0]["severity"], "low",
        "a draft: the owner never submitted it"
    );
    assert_eq!(items[0]["figures"]["status"], "draft");
    assert_eq!(items[0]["figures"]["planned_visits"], 2);
    assert_eq!(instant(&items[0]["since"]), utc(d, 0, 0));
    assert_eq!(items[0]["link"], format!("/api/v1/visit-plans/{}", p.id()));

    let path = format!("/api/v1/visit-plans/{}", p.id());
    let s = act(&app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;
    assert_eq!(s.status, 200, "{}", s.text);
    let items = of_kind(&app, &f.supervisor, "visit_plan_unsigned").await;
    assert_eq!(items[0]["severity"], "medium", "waiting for a signature");
    assert_eq!(items[0]["figures"]["status"], "submitted");

    let a = act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &s.etag(),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(of_kind(&app, &f.supervisor, "visit_plan_unsigned")
        .await
        .is_empty());
}

#[actix_web::test]
async fn effective_visits_dropping_this_week_are_listed_until_they_pick_up() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    // On a Monday no day of the week has passed yet: move to Tuesday.
    if today(&app).weekday() == chrono::Weekday::Mon {
        app.clock.advance(Duration::days(1));
    }
    let d = today(&app);
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    // Four effective visits on a day of each of the four weeks before.
    for w in 1..=4 {
        let day = monday - Duration::days(7 * w);
        submitted_report(&app, &f.seller, day, visits(&f.shop, day, 4, 4, 0)).await;
    }
    // A day before those four weeks does not count, even when the window of rates and expenses
    // reaches back to it (one read of the reports serves both).
    tune(&app, &f.org.admin, json!({"activity_window_days": 60})).await;
    let earlier = monday - Duration::days(29);
    submitted_report(&app, &f.seller, earlier, visits(&f.shop, earlier, 9, 9, 0)).await;
    let items = of_kind(&app, &f.supervisor, "visits_dropping").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["person_id"], json!(f.org.north_seller));
    assert_eq!(a["severity"], "medium");
    assert_eq!(a["figures"]["week_start"], day(monday));
    assert_eq!(a["figures"]["effective_visits"], 0);
    assert_eq!(a["figures"]["previous_four_weeks"], 16);
    assert_eq!(a["figures"]["weekly_average"], 4.0);
    let elapsed = (d - monday).num_days();
    assert_eq!(a["figures"]["elapsed_working_days"], elapsed);
    assert_eq!(a["figures"]["working_days_per_week"], 7);
    assert_eq!(a["figures"]["threshold_pct"], 50);
    assert_eq!(instant(&a["since"]), utc(monday, 0, 0));
    assert!(a["link"]
        .as_str()
        .unwrap()
        .starts_with("/api/v1/efficiency?user_id="));

    // Four effective visits yesterday: back at pace.
    let yesterday = d - Duration::days(1);
    submitted_report(
        &app,
        &f.seller,
        yesterday,
        visits(&f.shop, yesterday, 4, 4, 0),
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "visits_dropping")
        .await
        .is_empty());
}

#[actix_web::test]
async fn low_effective_visit_and_transaction_rates_are_listed_until_they_recover() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"activity_min_visits": 5})).await;
    let d = today(&app);
    let yesterday = d - Duration::days(1);
    // Four visits: too few to judge.
    submitted_report(
        &app,
        &f.seller,
        yesterday - Duration::days(1),
        visits(&f.shop, yesterday - Duration::days(1), 4, 0, 0),
    )
    .await;
    assert!(of_kind(&app, &f.supervisor, "low_effective_visit_rate")
        .await
        .is_empty());
    // A day before the window of 28 days does not count, though the same read reaches back
    // to the four weeks before this week's Monday for "visits dropping".
    let before = d - Duration::days(28);
    submitted_report(&app, &f.seller, before, visits(&f.shop, before, 9, 9, 9)).await;
    // Five more, one effective, none with an order: 1 of 9 effective, none ordered.
    submitted_report(
        &app,
        &f.seller,
        yesterday,
        visits(&f.shop, yesterday, 5, 1, 0),
    )
    .await;
    let eff = of_kind(&app, &f.supervisor, "low_effective_visit_rate").await;
    assert_eq!(eff.len(), 1, "{eff:?}");
    assert_eq!(eff[0]["figures"]["visits"], 9);
    assert_eq!(eff[0]["figures"]["effective_visits"], 1);
    assert_eq!(eff[0]["figures"]["effective_visit_rate"], 0.1111);
    assert_eq!(eff[0]["figures"]["threshold_pct"], 50);
    assert_eq!(eff[0]["figures"]["to"], day(d));
    assert_eq!(eff[0]["figures"]["from"], day(d - Duration::days(27)));
    let tx = of_kind(&app, &f.supervisor, "low_transaction_rate").await;
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0]["figures"]["visits_with_order"], 0);
    assert_eq!(tx[0]["figures"]["transaction_rate"], 0.0);

    // Today ten good visits: 11 of 19 effective (58 %), 5 of 19 with an order (26 %).
    submitted_report(&app, &f.seller, d, visits(&f.shop, d, 10, 10, 5)).await;
    assert!(of_kind(&app, &f.supervisor, "low_effective_visit_rate")
        .await
        .is_empty());
    assert!(of_kind(&app, &f.supervisor, "low_transaction_rate")
        .await
        .is_empty());
}

#[actix_web::test]
async fn expenses_per_visit_far_above_the_units_median_are_listed_until_they_come_down() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    tune(&app, &f.org.admin, json!({"activity_min_visits": 4})).await;
    let d = today(&app) - Duration::days(1);
    let admin = &f.org.admin;
    let mut sellers = vec![(f.seller.clone(), f.shop.clone(), f.org.north_seller.clone())];
    for n in 2..=3 {
        let email = format!("seller{n}@test.local");
        let id = app
            .create_user(admin, &email, "salesperson", &f.org.north_office)
            .await;
        let shop = customer_of(&app, admin, &format!("C-{n}0"), &f.org.north_office, &id).await;
        sellers.push((app.login(&email, PASSWORD).await, shop, id));
    }
    // 100, 120 and 500 per visit: the median is 120, and 500 is far above 150 % of it.
    for ((token, shop, _), spent) in sellers.iter().zip([400, 480, 2_000]) {
        let res = app
            .post("/api/v1/daily-reports")
            .bearer(token)
            .json(json!({"report_date": day(d), "attendance": "present",
                "visits": visits(shop, d, 4, 4, 0),
                "expenses": [{"category": "transport", "amount_minor": spent}]}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let s = act(
            &app,
            token,
            &format!("/api/v1/daily-reports/{}/submit", res.id()),
            &res.etag(),
            None,
        )
        .await;
        assert_eq!(s.status, 200, "{}", s.text);
    }
    let items = of_kind(&app, &f.supervisor, "high_expenses_per_visit").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let a = &items[0];
    assert_eq!(a["person_id"], json!(sellers[2].2));
    assert_eq!(a["figures"]["cost_per_visit_minor"], 500);
    assert_eq!(a["figures"]["team_median_minor"], 120);
    assert_eq!(a["figures"]["team_size"], 3);
    assert_eq!(a["figures"]["expenses_minor"], 2_000);
    // The others see only their own: the spender is told, the frugal are not.
    assert_eq!(
        of_kind(&app, &sellers[2].0, "high_expenses_per_visit")
            .await
            .len(),
        1
    );
    assert!(of_kind(&app, &sellers[0].0, "high_expenses_per_visit")
        .await
        .is_empty());

    // Sixteen visits without expenses today bring the spender to 100 per visit.
    let t = today(&app);
    submitted_report(&app, &sellers[2].0, t, visits(&sellers[2].1, t, 16, 16, 0)).await;
    assert!(of_kind(&app, &f.supervisor, "high_expenses_per_visit")
        .await
        .is_empty());
}
