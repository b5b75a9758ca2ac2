//! Authorisation as an outside matrix sees it: executives write nothing and read no notes about
//! people; references in a body are checked against reach.

mod authorization_support;
mod common;
mod visits_support;

use std::collections::BTreeSet;

use authorization_support::*;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

#[actix_web::test]
async fn an_executive_gets_403_on_every_write_of_the_api() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let ceo = executive(&app, &org).await;
    let table = business_writes(&org.north_office, &org.north_seller);
    // The table covers every write of the spec, so that a new one cannot slip past this test.
    let covered: BTreeSet<(String, String)> = table
        .iter()
        .map(|(m, p, _)| (m.to_string(), template(p)))
        .chain(
            OWN_ACCOUNT
                .iter()
                .map(|p| ("POST".to_string(), p.to_string())),
        )
        .collect();
    assert_eq!(covered, spec_writes());
    let mut wrong = Vec::new();
    for (method, path, body) in table {
        let mut req = app
            .request(method.clone(), &path)
            .bearer(&ceo)
            .header("if-match", "\"1\"");
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await;
        if res.status != 403 {
            wrong.push(format!("{method} {path}: {} {}", res.status, res.text));
        }
    }
    assert!(wrong.is_empty(), "not refused:\n{}", wrong.join("\n"));
}

/// Creates and submits the north office's weekly report of the week before; returns it.
async fn submitted_weekly(app: &TestApp, supervisor: &str, unit: &str) -> Resp {
    let created = app
        .post("/api/v1/weekly-reports")
        .bearer(supervisor)
        .json(json!({ "unit_id": unit }))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/api/v1/weekly-reports/{}/submit", created.id());
    let submitted = act(app, supervisor, &path, &created.etag(), None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    submitted
}

#[actix_web::test]
async fn an_executive_neither_reviews_nor_returns_a_weekly_report_but_the_manager_above_does() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let ceo = executive(&app, &org).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let report = submitted_weekly(&app, &ns, &org.north_office).await;
    let path = format!("/api/v1/weekly-reports/{}", report.id());
    for (step, body) in [
        ("review", None),
        ("return", Some(json!({"comment": "redo"}))),
    ] {
        let res = act(&app, &ceo, &format!("{path}/{step}"), &report.etag(), body).await;
        res.problem(403);
    }
    // The executive still reads it, and the manager above reviews it.
    let seen = app.get(&path).bearer(&ceo).send().await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let nm = app.login("nm@test.local", PASSWORD).await;
    let res = act(&app, &nm, &format!("{path}/review"), &seen.etag(), None).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], "reviewed");
}

#[actix_web::test]
async fn an_executive_reads_no_coaching_session_and_no_meeting() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let ceo = executive(&app, &org).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let session = app
        .post("/api/v1/coaching-sessions")
        .bearer(&ns)
        .json(json!({"held_on": "2026-11-02", "topic": "Pricing talk",
            "notes": "Struggles with objections", "salesperson_ids": [org.north_seller]}))
        .send()
        .await;
    assert_eq!(session.status, 201, "{}", session.text);
    let meeting = app
        .post("/api/v1/meetings")
        .bearer(&ns)
        .json(
            json!({"meeting_type": "weekly", "unit_id": org.north_office,
            "starts_at": "2026-11-27T07:30:00Z", "agenda": "Week review"}),
        )
        .send()
        .await;
    assert_eq!(meeting.status, 201, "{}", meeting.text);
    let minutes = app
        .patch(&format!("/api/v1/meetings/{}", meeting.id()))
        .bearer(&ns)
        .header("if-match", &meeting.etag())
        .json(json!({"minutes": "Seller X is behind and was told so"}))
        .send()
        .await;
    assert_eq!(minutes.status, 200, "{}", minutes.text);
    for path in [
        "/api/v1/coaching-sessions".to_string(),
        format!("/api/v1/coaching-sessions/{}", session.id()),
        "/api/v1/meetings".to_string(),
        format!("/api/v1/meetings/{}", meeting.id()),
    ] {
        app.get(&path).bearer(&ceo).send().await.problem(403);
    }
    // Who needs coaching is a result built from scorecards: still readable.
    let needed = app
        .get("/api/v1/coaching-sessions/needed")
        .bearer(&ceo)
        .send()
        .await;
    assert_eq!(needed.status, 200, "{}", needed.text);
}

/// A customer of the south seller, placed in the south region.
async fn south_customer(app: &TestApp, org: &Org) -> String {
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(
            json!({"code": "S-1", "name": "South Shop", "org_unit_id": org.south,
            "owner_id": org.south_seller, "status": "active"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

#[actix_web::test]
async fn a_market_report_links_only_a_daily_report_and_customers_in_reach() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let theirs = report(&app, &f.south_seller, d, json!([])).await.id();
    let mine = report(&app, &f.seller, d, json!([])).await.id();
    let south_shop = south_customer(&app, &f.org).await;
    let file = |body: Value| {
        let mut b = json!({"category": "pricing", "severity": "low", "title": "Price cut",
            "description": "Rival cut prices by 10%"});
        b.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        app.post("/api/v1/market-reports").bearer(&f.seller).json(b)
    };
    let res = file(json!({"daily_report_id": theirs})).send().await;
    assert_eq!(res.invalid_fields(), vec!["daily_report_id"]);
    let res = file(json!({"daily_report_id": NOBODY})).send().await;
    assert_eq!(res.invalid_fields(), vec!["daily_report_id"]);
    let res = file(json!({"customer_ids": [f.shop, south_shop]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["customer_ids[1]"]);
    let res = file(json!({"daily_report_id": mine, "customer_ids": [f.shop]}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    // The supervisor above links the seller's report too.
    let res = app
        .post("/api/v1/market-reports")
        .bearer(&f.supervisor)
        .json(
            json!({"category": "pricing", "severity": "low", "title": "Seen too",
            "description": "Same", "daily_report_id": mine}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

#[actix_web::test]
async fn other_bodies_refuse_customers_of_another_region() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let south_shop = south_customer(&app, &f.org).await;
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.supervisor)
        .json(
            json!({"customer_id": south_shop, "title": "t", "description": "d",
            "severity": "low"}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["customer_id"]);
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .json(
            json!({"plan_date": day(d), "visits": [{"customer_id": south_shop,
            "purpose": "ordering"}]}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[0].customer_id"]);
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(&f.seller)
        .json(json!({"report_date": day(d), "attendance": "present",
            "visits": [visit(&south_shop, d, "ordering", 0, 0, true)]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[0].customer_id"]);
}
