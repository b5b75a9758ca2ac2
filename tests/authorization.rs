//! Authorisation as an outside matrix sees it: executives write nothing and read no notes about
//! people; references in a body are checked against reach; reach follows the org as it is now
//! (a person's records follow the person); a customer is reached through its unit or its owner.

mod common;
mod visits_support;

use std::collections::BTreeSet;

use actix_web::http::Method;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

/// An id that names nothing.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

/// Paths of writes every user may make on their own account (not business data).
const OWN_ACCOUNT: [&str; 6] = [
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/refresh",
    "/api/v1/me/password",
    "/api/v1/me/notifications/read-all",
    "/api/v1/me/notifications/{id}/read",
];

/// Every other write of the API, with a body that passes validation (so that only the role can
/// refuse it).
fn business_writes(unit: &str, user: &str) -> Vec<(Method, String, Option<Value>)> {
    let n = NOBODY;
    let none = None;
    let post = Method::POST;
    let patch = Method::PATCH;
    let delete = Method::DELETE;
    vec![
        (
            post.clone(),
            "/api/v1/sales-facts".into(),
            Some(
                json!({"rows": [{"external_id": "S-1", "sold_on": "2026-11-02",
            "salesperson_id": user, "revenue_minor": 100}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/payment-facts".into(),
            Some(
                json!({"rows": [{"external_id": "P-1", "paid_on": "2026-11-02",
            "salesperson_id": user, "amount_minor": 100}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/market-reports".into(),
            Some(
                json!({"category": "pricing", "severity": "low", "title": "t",
            "description": "d"}),
            ),
        ),
        (
            post.clone(),
            format!("/api/v1/market-reports/{n}/acknowledge"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/market-reports/{n}/close"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/users".into(),
            Some(
                json!({"email": "x@test.local", "name": "x", "role": "salesperson",
            "org_unit_id": unit, "password": "correct horse battery staple"}),
            ),
        ),
        (
            patch.clone(),
            format!("/api/v1/users/{n}"),
            Some(json!({"name": "x"})),
        ),
        (
            post.clone(),
            format!("/api/v1/users/{n}/password-reset"),
            Some(json!({"new_password": "correct horse battery staple"})),
        ),
        (
            post.clone(),
            "/api/v1/org-units".into(),
            Some(json!({"name": "x", "parent_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/org-units/{n}"),
            Some(json!({"name": "x"})),
        ),
        (
            delete.clone(),
            format!("/api/v1/org-units/{n}"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/meetings".into(),
            Some(json!({"meeting_type": "morning", "unit_id": unit,
            "starts_at": "2026-11-27T07:30:00Z", "agenda": "a"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/meetings/{n}"),
            Some(json!({"agenda": "a"})),
        ),
        (
            post.clone(),
            format!("/api/v1/meetings/{n}/attendance"),
            Some(json!({"entries": [{"user_id": user, "attendance": "present"}]})),
        ),
        (
            post.clone(),
            format!("/api/v1/meetings/{n}/remote-report"),
            Some(json!({"did": "d", "needs": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/targets/{n}/split"),
            Some(json!({"over": "time", "into": "month"})),
        ),
        (
            post.clone(),
            "/api/v1/targets".into(),
            Some(json!({"metric": "sales_amount", "period_type": "month",
            "period_start": "2026-11-01", "value": 100, "unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/targets/{n}"),
            Some(json!({"value": 1})),
        ),
        (delete.clone(), format!("/api/v1/targets/{n}"), none.clone()),
        (
            post.clone(),
            "/api/v1/coaching-sessions".into(),
            Some(json!({"held_on": "2026-11-02", "topic": "t", "salesperson_ids": [user]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/coaching-sessions/{n}"),
            Some(json!({"topic": "t"})),
        ),
        (
            post.clone(),
            format!("/api/v1/coaching-sessions/{n}/action-items/{n}/done"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/refresh"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/review"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/return"),
            Some(json!({"comment": "redo"})),
        ),
        (
            post.clone(),
            "/api/v1/weekly-reports".into(),
            Some(json!({"unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/weekly-reports/{n}"),
            Some(json!({})),
        ),
        (patch.clone(), "/api/v1/settings".into(), Some(json!({}))),
        (
            post.clone(),
            "/api/v1/promotions".into(),
            Some(json!({"name": "p", "kind": "display", "org_unit_id": unit,
            "starts_on": "2026-11-02", "ends_on": "2026-11-09", "budget_minor": 0,
            "expected_uplift_pct": 5.0, "unit_ids": [unit], "categories": ["tools"]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/promotions/{n}"),
            Some(json!({"name": "p"})),
        ),
        (
            post.clone(),
            format!("/api/v1/promotions/{n}/approve"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/promotions/{n}/cancel"),
            Some(json!({"reason": "r"})),
        ),
        (
            post.clone(),
            "/api/v1/promotion-cost-facts".into(),
            Some(json!({"rows": [{"external_id": "C-1", "promotion_id": n,
            "spent_on": "2026-11-02", "amount_minor": 100}]})),
        ),
        (
            post.clone(),
            "/api/v1/complaints".into(),
            Some(json!({"customer_id": n, "title": "t", "description": "d",
            "severity": "low"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/complaints/{n}"),
            Some(json!({"title": "t"})),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/acknowledge"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/start"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/resolve"),
            Some(json!({"resolution": "r"})),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/close"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/reopen"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/dealers".into(),
            Some(json!({"code": "D", "name": "D", "org_unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/dealers/{n}"),
            Some(json!({"name": "D"})),
        ),
        (
            post.clone(),
            format!("/api/v1/dealers/{n}/users"),
            Some(json!({"user_id": user})),
        ),
        (
            post.clone(),
            "/api/v1/competitors".into(),
            Some(json!({"name": "C"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/competitors/{n}"),
            Some(json!({"name": "C"})),
        ),
        (
            post.clone(),
            "/api/v1/customers".into(),
            Some(json!({"code": "C", "name": "C", "org_unit_id": unit, "owner_id": user})),
        ),
        (
            patch.clone(),
            format!("/api/v1/customers/{n}"),
            Some(json!({"name": "C"})),
        ),
        (
            post.clone(),
            "/api/v1/products".into(),
            Some(json!({"sku": "P", "name": "P", "category": "c"})),
        ),
        (
            post.clone(),
            "/api/v1/products/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "P-1", "sku": "P", "name": "P", "category": "c"}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/customers/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "C-1", "code": "C", "name": "C",
                "org_unit_id": unit, "owner_id": user}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/dealers/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "D-1", "code": "D", "name": "D", "org_unit_id": unit}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/users/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "U-1", "email": "u@test.local", "name": "u",
                "role": "salesperson", "org_unit_id": unit}]}),
            ),
        ),
        (
            patch.clone(),
            format!("/api/v1/products/{n}"),
            Some(json!({"name": "P"})),
        ),
        (
            post.clone(),
            "/api/v1/webhooks".into(),
            Some(json!({"url": "https://example.com/hook", "event_types": ["*"]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/webhooks/{n}"),
            Some(json!({"active": false})),
        ),
        (
            delete.clone(),
            format!("/api/v1/webhooks/{n}"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/webhooks/{n}/deliveries/{n}/redeliver"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/visit-plans".into(),
            Some(json!({"plan_date": "2026-11-02"})),
        ),
        (
            post.clone(),
            "/api/v1/visit-plans/from-suggestions".into(),
            Some(json!({"plan_date": "2026-11-02"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/visit-plans/{n}"),
            Some(json!({"notes": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/approve"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/return"),
            Some(json!({"comment": "c"})),
        ),
        (
            post.clone(),
            "/api/v1/daily-reports".into(),
            Some(json!({"report_date": "2026-11-02", "attendance": "present"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/daily-reports/{n}"),
            Some(json!({"experience_notes": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/review"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/return"),
            Some(json!({"comment": "c"})),
        ),
    ]
}

/// `(METHOD, path template)` of every write in the committed spec.
fn spec_writes() -> BTreeSet<(String, String)> {
    let spec: Value = serde_json::from_str(include_str!("../openapi/openapi.json")).unwrap();
    let mut out = BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["post", "patch", "put", "delete"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The path template of a concrete path of the table (`NOBODY` back to `{id}`).
fn template(path: &str) -> String {
    let mut t = path.replacen(NOBODY, "{id}", 1);
    t = t.replacen(
        &format!("action-items/{NOBODY}"),
        "action-items/{item_id}",
        1,
    );
    t.replacen(
        &format!("deliveries/{NOBODY}"),
        "deliveries/{delivery_id}",
        1,
    )
}

async fn executive(app: &TestApp, org: &Org) -> String {
    app.create_user(&org.admin, "ceo@test.local", "executive", &org.root)
        .await;
    app.login("ceo@test.local", PASSWORD).await
}

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

/// Moves a user to another unit (as admin).
async fn move_user(app: &TestApp, org: &Org, user: &str, unit: &str) {
    let path = format!("/api/v1/users/{user}");
    let current = app.get(&path).bearer(&org.admin).send().await;
    let res = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &current.etag())
        .json(json!({ "org_unit_id": unit }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn after_a_move_the_new_chain_signs_the_old_records_and_the_old_chain_loses_them() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let p = plan(
        &app,
        &f.seller,
        d,
        json!([{"prospect_name": "Kiosk", "purpose": "other"}]),
    )
    .await;
    let plan_path = format!("/api/v1/visit-plans/{}", p.id());
    let submitted = act(
        &app,
        &f.seller,
        &format!("{plan_path}/submit"),
        &p.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    let r = submitted_report(&app, &f.seller, d, json!([])).await;
    let report_path = format!("/api/v1/daily-reports/{}", r.id());

    // The seller moves from the north office to the south region.
    move_user(&app, &f.org, &f.org.north_seller, &f.org.south).await;

    // The old chain reaches none of it: 404 on reads and on the workflow steps.
    let old = [&f.supervisor, &f.manager];
    for token in old {
        app.get(&plan_path).bearer(token).send().await.problem(404);
        app.get(&report_path)
            .bearer(token)
            .send()
            .await
            .problem(404);
        act(
            &app,
            token,
            &format!("{plan_path}/approve"),
            &submitted.etag(),
            None,
        )
        .await
        .problem(404);
        act(
            &app,
            token,
            &format!("{report_path}/review"),
            &r.etag(),
            None,
        )
        .await
        .problem(404);
        let plans = app.items("/api/v1/visit-plans", token).await;
        assert!(plans
            .iter()
            .all(|x| x["owner_id"] != json!(f.org.north_seller)));
        let reports = app.items("/api/v1/daily-reports", token).await;
        assert!(reports
            .iter()
            .all(|x| x["owner_id"] != json!(f.org.north_seller)));
    }

    // The new chain sees them, waiting for it, and signs them.
    let new = &f.south_supervisor;
    let waiting = app.items("/api/v1/visit-plans?awaiting_me=true", new).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["id"], json!(p.id()));
    let by_unit = app
        .items(
            &format!("/api/v1/daily-reports?unit_id={}", f.org.south),
            new,
        )
        .await;
    assert_eq!(by_unit.len(), 1, "{by_unit:?}");
    let seen = app.get(&plan_path).bearer(new).send().await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let approved = act(
        &app,
        new,
        &format!("{plan_path}/approve"),
        &seen.etag(),
        None,
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    let reviewed = act(
        &app,
        new,
        &format!("{report_path}/review"),
        &r.etag(),
        Some(json!({"quality_score": 4, "comment": "Good day"})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    // The seller still reaches their own records.
    let own = app.get(&report_path).bearer(&f.seller).send().await;
    assert_eq!(own.status, 200, "{}", own.text);
}

#[actix_web::test]
async fn after_a_move_market_reports_and_complaints_follow_the_reporter() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let report = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "pricing", "severity": "low", "title": "Price cut",
            "description": "Rival cut prices"}),
        )
        .send()
        .await;
    assert_eq!(report.status, 201, "{}", report.text);
    let complaint = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(
            json!({"customer_id": f.shop, "title": "Late delivery", "description": "d",
            "severity": "low"}),
        )
        .send()
        .await;
    assert_eq!(complaint.status, 201, "{}", complaint.text);
    move_user(&app, &f.org, &f.org.north_seller, &f.org.south).await;
    let mr = format!("/api/v1/market-reports/{}", report.id());
    let cp = format!("/api/v1/complaints/{}", complaint.id());
    app.get(&mr).bearer(&f.supervisor).send().await.problem(404);
    app.get(&cp).bearer(&f.supervisor).send().await.problem(404);
    let ack = act(
        &app,
        &f.south_supervisor,
        &format!("{mr}/acknowledge"),
        &report.etag(),
        None,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    let ack = act(
        &app,
        &f.south_supervisor,
        &format!("{cp}/acknowledge"),
        &complaint.etag(),
        None,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
}

#[actix_web::test]
async fn a_customer_is_reached_through_its_owner_as_well_as_its_unit() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    // Owned by the north seller, placed in the south region.
    let res = app
        .post("/api/v1/customers")
        .bearer(&f.org.admin)
        .json(
            json!({"code": "X-1", "name": "Border Shop", "org_unit_id": f.org.south,
            "owner_id": f.org.north_seller, "status": "active"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.id();
    let path = format!("/api/v1/customers/{id}");
    // The owner's chain reaches it (read, list, change), and so does the unit's.
    for token in [&f.supervisor, &f.manager, &f.south_supervisor, &f.seller] {
        let seen = app.get(&path).bearer(token).send().await;
        assert_eq!(seen.status, 200, "{}", seen.text);
        let listed = app.items("/api/v1/customers", token).await;
        assert!(listed.iter().any(|c| c["id"] == json!(id)));
    }
    let seen = app.get(&path).bearer(&f.manager).send().await;
    let changed = app
        .patch(&path)
        .bearer(&f.manager)
        .header("if-match", &seen.etag())
        .json(json!({"name": "Border Shop 2"}))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    // ... and uses it as a reference.
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.supervisor)
        .json(json!({"customer_id": id, "title": "t", "description": "d", "severity": "low"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    // Someone who reaches neither the unit nor the owner does not.
    let other = app.create_unit(&f.org.admin, "West", &f.org.root).await;
    let ws_id = app
        .create_user(&f.org.admin, "ws@test.local", "supervisor", &other)
        .await;
    let west = app.login("ws@test.local", PASSWORD).await;
    app.get(&path).bearer(&west).send().await.problem(404);
    // When the owner moves to the west (now run by that supervisor), the north chain loses it
    // and the west gains it.
    app.set_manager(&f.org.admin, &other, &ws_id).await;
    move_user(&app, &f.org, &f.org.north_seller, &other).await;
    app.get(&path)
        .bearer(&f.supervisor)
        .send()
        .await
        .problem(404);
    let seen = app.get(&path).bearer(&west).send().await;
    assert_eq!(seen.status, 200, "{}", seen.text);
}
