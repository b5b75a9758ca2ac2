//! `demo-data` fills a fresh database so that every area has something real to show, read back
//! through the API as the demo head of sales.

mod common;

use chrono::Datelike;
use common::*;
use salestrack::demo;
use serde_json::json;

#[actix_web::test]
async fn demo_data_gives_every_area_something_to_show() {
    let app = TestApp::spawn().await;
    let state = app.state.clone();
    let accounts = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = state.pool.get().unwrap();
        demo::fill(&mut conn, &state.config, state.clock.now())
    })
    .await
    .unwrap()
    .unwrap();
    assert!(accounts.len() > 10, "{} accounts", accounts.len());
    let head = app
        .login("head.sales@demo.salestrack.local", demo::DEMO_PASSWORD)
        .await;
    let me = app.get("/api/v1/me").bearer(&head).send().await;
    let root = me.body["user"]["org_unit_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", me.text))
        .to_string();

    for path in [
        "/api/v1/customers",
        "/api/v1/products",
        "/api/v1/targets",
        "/api/v1/visit-plans",
        "/api/v1/daily-reports",
        "/api/v1/weekly-reports",
        "/api/v1/meetings",
        "/api/v1/coaching-sessions",
    ] {
        assert!(!app.items(path, &head).await.is_empty(), "{path} is empty");
    }
    let today = chrono::Utc::now().date_naive();
    let coverage = app
        .get(&format!(
            "/api/v1/coverage?unit_id={root}&period={}-{:02}",
            today.year(),
            today.month()
        ))
        .bearer(&head)
        .send()
        .await;
    assert_eq!(coverage.status, 200, "{}", coverage.text);
    assert!(
        coverage.body["total"]["customers"].as_i64().unwrap() > 10,
        "the active outlets have call cycles: {}",
        coverage.body["total"]
    );
    let meetings = app.items("/api/v1/meetings", &head).await;
    assert!(
        meetings.iter().any(|m| m["meeting_type"] == "morning"),
        "morning meetings"
    );
    assert!(
        meetings.iter().any(|m| m["meeting_type"] == "weekly"),
        "weekly meetings"
    );

    let scorecards = |day: chrono::NaiveDate| {
        let (app, head, root) = (&app, &head, &root);
        async move {
            let res = app
                .get(&format!(
                    "/api/v1/scorecards?unit_id={root}&period={}-{:02}",
                    day.year(),
                    day.month()
                ))
                .bearer(head)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.body["items"].as_array().unwrap().clone()
        }
    };
    // This year's months have targets; the month of a week ago has visit days (demo visits
    // cover the 30 days before today), even early in a month.
    let this_month = scorecards(today).await;
    assert!(
        this_month.len() > 5,
        "every demo salesperson has a scorecard"
    );
    assert!(
        this_month
            .iter()
            .any(|c| !c["targets"].as_array().unwrap().is_empty()),
        "monthly targets scored"
    );
    let week_ago = scorecards(today - chrono::Duration::days(7)).await;
    assert!(
        week_ago
            .iter()
            .any(|c| c["figures"]["visits"].as_i64() > Some(0)),
        "visits counted"
    );

    let progress = app.get("/api/v1/progress").bearer(&head).send().await;
    assert_eq!(progress.status, 200, "{}", progress.text);
    // The recent hires (one per office, eight weeks in) have not been coached in 30 days.
    let needed = app.items("/api/v1/coaching-sessions/needed", &head).await;
    assert_eq!(needed.len(), 4, "{needed:?}");
    assert!(needed
        .iter()
        .all(|n| n["flags"].as_array().unwrap().contains(&json!("new_hire"))));

    // A finished promotion that moved sales, and a running one past half its period that lags.
    let promotions = app.items("/api/v1/promotions", &head).await;
    let of = |status: &str| {
        promotions
            .iter()
            .find(|p| p["status"] == status)
            .unwrap_or_else(|| panic!("no {status} promotion: {promotions:?}"))
            .clone()
    };
    let (done, running) = (of("completed"), of("running"));
    assert_eq!(done["spend_minor"], 100_500);
    let results = |p: &serde_json::Value| {
        let (app, head) = (&app, &head);
        let path = format!("/api/v1/promotions/{}/results", p["id"].as_str().unwrap());
        async move {
            let res = app.get(&path).bearer(head).send().await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.body
        }
    };
    let finished = results(&done).await;
    assert!(finished["control_used"] == true && finished["uplift_minor"].as_i64() > Some(0));
    assert!(!finished["targets"].as_array().unwrap().is_empty());
    assert!(results(&running).await["uplift_pct"].as_f64() < Some(10.0));
    let lagging = app
        .items("/api/v1/anomalies?kind=promotion_underperforming", &head)
        .await;
    assert_eq!(lagging.len(), 1, "{lagging:?}");
    assert_eq!(lagging[0]["figures"]["promotion_id"], running["id"]);
}
