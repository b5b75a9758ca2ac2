//! The anomalies list as a list: filters, order, pages, reach, its settings and the shapes of
//! its figures.

mod anomalies_support;
mod common;
mod sales;
mod visits_support;

use anomalies_support::*;
use chrono::Datelike;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

/// Findings in both regions: missing reports of both sellers, a critical and a high market
/// report from the north, a high one from the south.
async fn two_regions(app: &TestApp) -> Field {
    let f = field(app).await;
    tune(app, &f.org.admin, json!({"report_lookback_days": 2})).await;
    for (token, severity) in [
        (&f.seller, "critical"),
        (&f.seller, "high"),
        (&f.south_seller, "high"),
    ] {
        let res = app
            .post("/api/v1/market-reports")
            .bearer(token)
            .json(
                json!({"category": "supply", "severity": severity, "title": "Shortage",
                "description": "No stock of the best seller."}),
            )
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    f
}

fn people(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|a| a["person_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[actix_web::test]
async fn the_list_is_filtered_sorted_and_paged() {
    let app = TestApp::spawn().await;
    let f = two_regions(&app).await;
    let admin = &f.org.admin;
    let all = list(&app, admin, "").await;
    // Two missing days for each seller, three market reports.
    assert_eq!(all.len(), 7, "{all:#?}");
    // Most severe first, then the oldest.
    let rank = |s: &str| {
        ["critical", "high", "medium", "low"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    for w in all.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (ra, rb) = (
            rank(a["severity"].as_str().unwrap()),
            rank(b["severity"].as_str().unwrap()),
        );
        assert!(ra <= rb, "{a} before {b}");
        if ra == rb {
            assert!(instant(&a["since"]) <= instant(&b["since"]));
        }
    }
    assert_eq!(all[0]["severity"], "critical");

    // By kind, severity, unit (subtree) and person.
    assert_eq!(
        list(&app, admin, "&kind=market_report_unacknowledged")
            .await
            .len(),
        3
    );
    assert_eq!(list(&app, admin, "&severity=high").await.len(), 2);
    assert_eq!(list(&app, admin, "&severity=medium").await.len(), 4);
    let north = list(&app, admin, &format!("&unit_id={}", f.org.north)).await;
    assert_eq!(north.len(), 4);
    assert_eq!(people(&north), vec![f.org.north_seller.clone()]);
    let person = list(&app, admin, &format!("&person_id={}", f.org.south_seller)).await;
    assert_eq!(person.len(), 3);
    assert_eq!(
        list(
            &app,
            admin,
            &format!(
                "&person_id={}&kind=daily_report_missing",
                f.org.south_seller
            )
        )
        .await
        .len(),
        2
    );

    // Pages of two walk the same list.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/anomalies?limit=2&cursor={c}"),
            None => "/api/v1/anomalies?limit=2".to_string(),
        };
        let res = app.get(&path).bearer(admin).send().await;
        assert_eq!(res.status, 200, "{}", res.text);
        paged.extend(res.body["items"].as_array().unwrap().clone());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids = |v: &[Value]| v.iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    let bad = app
        .get("/api/v1/anomalies?cursor=bm9wZQ")
        .bearer(admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["cursor"]);
    let bad = app
        .get("/api/v1/anomalies?kind=everything")
        .bearer(admin)
        .send()
        .await;
    bad.problem(422);
}

#[actix_web::test]
async fn each_caller_sees_the_anomalies_within_reach_and_dealers_none() {
    let app = TestApp::spawn().await;
    let f = two_regions(&app).await;
    let admin = &f.org.admin;
    // A supervisor: the people of the office; a salesperson: their own.
    let north = list(&app, &f.supervisor, "").await;
    assert_eq!(north.len(), 4);
    assert_eq!(people(&north), vec![f.org.north_seller.clone()]);
    assert_eq!(
        people(&list(&app, &f.south_seller, "").await),
        vec![f.org.south_seller.clone()]
    );
    // Outside reach is not listed, even when asked for by unit or person.
    assert!(
        list(&app, &f.supervisor, &format!("&unit_id={}", f.org.south))
            .await
            .is_empty()
    );
    assert!(list(
        &app,
        &f.supervisor,
        &format!("&person_id={}", f.org.south_seller)
    )
    .await
    .is_empty());
    assert!(list(
        &app,
        &f.seller,
        &format!("&person_id={}", f.org.south_seller)
    )
    .await
    .is_empty());
    // The regional manager reaches the office below.
    assert_eq!(list(&app, &f.manager, "").await.len(), 4);

    // Executives: results only, no daily process of individual plans and reports.
    app.create_user(admin, "exec@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("exec@test.local", PASSWORD).await;
    let seen = list(&app, &exec, "").await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen
        .iter()
        .all(|a| a["kind"] == "market_report_unacknowledged"));
    app.get("/api/v1/anomalies?kind=daily_report_missing")
        .bearer(&exec)
        .send()
        .await
        .problem(403);
    // Integrations and admins: everything.
    app.create_user(admin, "erp@test.local", "integration", &f.org.root)
        .await;
    let erp = app.login("erp@test.local", PASSWORD).await;
    assert_eq!(list(&app, &erp, "").await.len(), 7);
    // Dealers: never.
    app.create_user(admin, "dealer@test.local", "dealer", &f.org.root)
        .await;
    let dealer = app.login("dealer@test.local", PASSWORD).await;
    app.get("/api/v1/anomalies")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn the_anomalies_settings_change_one_value_at_a_time_and_are_checked() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let res = app.get("/api/v1/settings").bearer(&org.admin).send().await;
    assert_eq!(res.body["anomalies"]["visits_drop_pct"], 50);
    assert_eq!(res.body["anomalies"]["customer_not_visited_days"], 30);
    let ok = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &res.etag())
        .json(json!({"anomalies": {"visits_drop_pct": 40}}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["anomalies"]["visits_drop_pct"], 40);
    assert_eq!(
        ok.body["anomalies"]["review_wait_hours"], 24,
        "the others stay"
    );
    let bad = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &ok.etag())
        .json(json!({"anomalies": {"visits_drop_pct": 0, "expenses_above_median_pct": 50, "report_lookback_days": 1000}}))
        .send()
        .await;
    assert_eq!(
        bad.invalid_fields(),
        vec![
            "anomalies.expenses_above_median_pct",
            "anomalies.report_lookback_days",
            "anomalies.visits_drop_pct"
        ]
    );
    let unknown = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &ok.etag())
        .json(json!({"anomalies": {"visits_drop": 40}}))
        .send()
        .await;
    unknown.problem(422);
}

#[actix_web::test]
async fn pages_of_short_targets_do_not_repeat_or_skip_before_the_background_pass_dates_them() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = &f.org.admin;
    tune(&app, admin, json!({"target_min_elapsed_days": 1})).await;
    let year = format!("{}-01-01", today(&app).year());
    for (who, id) in [
        ("user_id", &f.org.north_seller),
        ("user_id", &f.org.south_seller),
        ("unit_id", &f.org.north),
        ("unit_id", &f.org.south),
    ] {
        for metric in ["sales_amount", "collections"] {
            let mut body = json!({"metric": metric, "period_type": "year", "period_start": year, "value": 1_000_000});
            body[who] = json!(id);
            let res = app
                .post("/api/v1/targets")
                .bearer(admin)
                .json(body)
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.text);
        }
    }
    let all = of_kind(&app, admin, "target_at_risk").await;
    assert_eq!(all.len(), 8);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/anomalies?kind=target_at_risk&limit=3&cursor={c}"),
            None => "/api/v1/anomalies?kind=target_at_risk&limit=3".to_string(),
        };
        let res = app.get(&path).bearer(admin).send().await;
        paged.extend(res.body["items"].as_array().unwrap().clone());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids = |v: &[Value]| v.iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    // Unit targets name the unit.
    assert!(all.iter().any(|a| a["unit_id"] == json!(f.org.south)
        && a["unit_name"] == "South"
        && a["person_id"].is_null()));
}

/// Generated clients read `figures` by trying each shape in turn: no shape may fit another.
#[test]
fn no_figures_shape_fits_another_so_clients_tell_them_apart() {
    let spec: Value =
        serde_json::from_str(include_str!("../openapi/openapi.json")).expect("the committed spec");
    let schemas = &spec["components"]["schemas"];
    let shapes: Vec<&str> = schemas["AnomalyFigures"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    let mapped = schemas["AnomalyFigures"]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    let kinds = schemas["AnomalyKind"]["enum"].as_array().unwrap().len();
    assert_eq!(mapped.len(), kinds, "every kind is mapped to its shape");
    for a in &shapes {
        assert_eq!(schemas[a]["additionalProperties"], false, "{a}");
        let required = schemas[a]["required"].as_array().unwrap();
        for b in shapes.iter().filter(|b| *b != a) {
            let props = schemas[b]["properties"].as_object().unwrap();
            assert!(
                required
                    .iter()
                    .any(|r| !props.contains_key(r.as_str().unwrap())),
                "{a} fits {b}"
            );
        }
    }
}
