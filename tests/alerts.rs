//! Market reports and complaints reach superiors fast: serious ones at once, and anything
//! unacknowledged climbs the tree by itself; the record shows who knew what when.

mod common;

use chrono::Duration;
use common::*;
use salestrack::jobs;
use serde_json::{json, Value};

/// The test org plus a head of sales managing the company, and a customer of the north seller.
struct Field {
    org: Org,
    head: String,
    customer: String,
    seller: String,
}

async fn field(app: &TestApp) -> Field {
    let org = Org::build(app).await;
    let head = app
        .create_user(&org.admin, "head@test.local", "manager", &org.root)
        .await;
    app.set_manager(&org.admin, &org.root, &head).await;
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(json!({"code": "C-1", "name": "Corner Shop", "org_unit_id": org.north_office, "owner_id": org.north_seller}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    Field {
        customer: res.id(),
        org,
        head,
        seller,
    }
}

async fn inbox(app: &TestApp, email: &str) -> Vec<Value> {
    let token = app.login(email, PASSWORD).await;
    let res = app
        .get("/api/v1/me/notifications?limit=500")
        .bearer(&token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["items"].as_array().unwrap().clone()
}

fn types(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|n| n["event_type"].as_str().unwrap())
        .collect()
}

async fn file_report(app: &TestApp, token: &str, severity: &str) -> Resp {
    app.post("/api/v1/market-reports")
        .bearer(token)
        .json(json!({
            "category": "competitor_promotion", "severity": severity,
            "title": "Rival halves prices", "description": "Seen at three outlets this morning."
        }))
        .send()
        .await
}

#[actix_web::test]
async fn a_critical_complaint_notifies_the_supervisor_and_the_manager_at_once() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({
            "customer_id": f.customer, "title": "Spoiled delivery",
            "description": "Whole pallet arrived warm.", "severity": "critical"
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["status"], "open");
    assert_eq!(res.body["assignee_id"], json!(f.org.north_seller));
    // Critical: 24 h to resolve by default.
    let received =
        chrono::DateTime::parse_from_rfc3339(res.body["received_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(res.body["resolution_due_at"].as_str().unwrap())
        .unwrap();
    assert_eq!(due - received, Duration::hours(24));
    for email in ["ns@test.local", "nm@test.local", "head@test.local"] {
        let items = inbox(&app, email).await;
        assert_eq!(types(&items), vec!["complaint.filed"], "{email}");
        assert_eq!(items[0]["resource_id"], json!(res.id()));
        assert!(items[0]["read_at"].is_null());
    }
    assert!(
        inbox(&app, "ss@test.local").await.is_empty(),
        "another region is not told"
    );
    assert!(
        inbox(&app, "nsp@test.local").await.is_empty(),
        "the reporter is not told of their own"
    );
    // The record shows who was told, when.
    let detail = app
        .get(&format!("/api/v1/complaints/{}", res.id()))
        .bearer(&f.org.admin)
        .send()
        .await;
    let told: Vec<&str> = detail.body["notified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(told.len(), 3);
    assert!(told.contains(&f.org.north_supervisor.as_str()) && told.contains(&f.head.as_str()));
}

#[actix_web::test]
async fn an_unacknowledged_high_report_climbs_the_tree_and_acknowledging_stops_it() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let report = file_report(&app, &f.seller, "high").await;
    assert_eq!(report.status, 201, "{}", report.text);
    let quiet = file_report(&app, &f.seller, "high").await;
    let path = format!("/api/v1/market-reports/{}", report.id());

    // Before the deadline (8 h for high) nothing moves.
    app.clock.advance(Duration::hours(7));
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(done.escalated.market_reports, 0);

    // The supervisor acknowledges the second one in time.
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let q = app
        .get(&format!("/api/v1/market-reports/{}", quiet.id()))
        .bearer(&supervisor)
        .send()
        .await;
    let ack = app
        .post(&format!(
            "/api/v1/market-reports/{}/acknowledge",
            quiet.id()
        ))
        .bearer(&supervisor)
        .header("if-match", &q.etag())
        .send()
        .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    assert_eq!(ack.body["status"], "acknowledged");
    assert_eq!(ack.body["acknowledged_by"], json!(f.org.north_supervisor));
    assert!(ack.body["next_escalation_at"].is_null());

    // Past the deadline the first goes one level up: to the region manager.
    app.clock.advance(Duration::hours(2));
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(done.escalated.market_reports, 1);
    let detail = app.get(&path).bearer(&app.admin_token().await).send().await;
    assert_eq!(detail.body["escalation_level"], 2);
    assert_eq!(detail.body["escalations"][0]["level"], 2);
    assert_eq!(
        detail.body["escalations"][0]["escalated_to"],
        json!(f.org.north_manager)
    );
    let manager_inbox = inbox(&app, "nm@test.local").await;
    assert_eq!(
        types(&manager_inbox)
            .iter()
            .filter(|t| **t == "market_report.escalated")
            .count(),
        1
    );

    // Running again at the same time does nothing more.
    assert_eq!(
        jobs::tick(&app.state)
            .await
            .unwrap()
            .escalated
            .market_reports,
        0
    );

    // Another deadline: to the head of sales at the top; then there is nobody higher.
    app.clock.advance(Duration::hours(9));
    assert_eq!(
        jobs::tick(&app.state)
            .await
            .unwrap()
            .escalated
            .market_reports,
        1
    );
    let detail = app.get(&path).bearer(&app.admin_token().await).send().await;
    assert_eq!(detail.body["escalation_level"], 3);
    assert_eq!(detail.body["escalations"][1]["escalated_to"], json!(f.head));
    assert!(detail.body["next_escalation_at"].is_null());
    app.clock.advance(Duration::days(3));
    assert_eq!(
        jobs::tick(&app.state)
            .await
            .unwrap()
            .escalated
            .market_reports,
        0
    );
    let quiet = app
        .get(&format!("/api/v1/market-reports/{}", quiet.id()))
        .bearer(&app.admin_token().await)
        .send()
        .await;
    assert_eq!(
        quiet.body["escalation_level"], 1,
        "the acknowledged one never escalated"
    );
}

#[actix_web::test]
async fn two_server_instances_escalate_each_item_once() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(file_report(&app, &f.seller, "critical").await.id());
    }
    // A second instance: its own pool over the same database, same clock.
    let mut other = app.state.clone();
    other.pool = salestrack::db::pool(&app.url, 4);
    app.clock.advance(Duration::hours(3));
    let (a, b) = futures_util::future::join(jobs::tick(&app.state), jobs::tick(&other)).await;
    let total = a.unwrap().escalated.market_reports + b.unwrap().escalated.market_reports;
    assert_eq!(
        total, 12,
        "each item escalated exactly once between the two"
    );
    for id in ids {
        let detail = app
            .get(&format!("/api/v1/market-reports/{id}"))
            .bearer(&app.admin_token().await)
            .send()
            .await;
        assert_eq!(detail.body["escalations"].as_array().unwrap().len(), 1);
    }
}

#[actix_web::test]
async fn the_reporter_cannot_acknowledge_and_a_seller_cannot_read_another_regions_items() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let report = file_report(&app, &f.seller, "medium").await;
    let res = app
        .post(&format!(
            "/api/v1/market-reports/{}/acknowledge",
            report.id()
        ))
        .bearer(&f.seller)
        .header("if-match", &report.etag())
        .send()
        .await;
    res.problem(403);
    let complaint = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.customer, "title": "Late", "description": "Two days late.", "severity": "low"}))
        .send()
        .await;
    let south_seller = app.login("ssp@test.local", PASSWORD).await;
    app.get(&format!("/api/v1/complaints/{}", complaint.id()))
        .bearer(&south_seller)
        .send()
        .await
        .problem(404);
    app.get(&format!("/api/v1/market-reports/{}", report.id()))
        .bearer(&south_seller)
        .send()
        .await
        .problem(404);
    let south_supervisor = app.login("ss@test.local", PASSWORD).await;
    app.post(&format!(
        "/api/v1/market-reports/{}/acknowledge",
        report.id()
    ))
    .bearer(&south_supervisor)
    .header("if-match", &report.etag())
    .send()
    .await
    .problem(404);
    let list = app
        .get("/api/v1/complaints")
        .bearer(&south_seller)
        .send()
        .await;
    assert!(list.body["items"].as_array().unwrap().is_empty());
    let list = app
        .get("/api/v1/market-reports")
        .bearer(&south_supervisor)
        .send()
        .await;
    assert!(list.body["items"].as_array().unwrap().is_empty());
    let list = app
        .get("/api/v1/complaints")
        .bearer(&app.login("nm@test.local", PASSWORD).await)
        .send()
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // Executives read but never file; dealers neither.
    let exec_id = app
        .create_user(&f.org.admin, "exec@test.local", "executive", &f.org.root)
        .await;
    let exec = app.login("exec@test.local", PASSWORD).await;
    assert!(!exec_id.is_empty());
    file_report(&app, &exec, "low").await.problem(403);
    assert_eq!(
        app.get("/api/v1/market-reports")
            .bearer(&exec)
            .send()
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.create_user(&f.org.admin, "dealer@test.local", "dealer", &f.org.root)
        .await;
    let dealer = app.login("dealer@test.local", PASSWORD).await;
    app.get("/api/v1/complaints")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn bad_categories_severities_and_links_are_422_with_the_field() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let res = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(json!({"category": "gossip", "severity": "high", "title": "x", "description": "y"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["category"]);
    let res = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "pricing", "severity": "urgent", "title": "x", "description": "y"}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["severity"]);
    let res = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "pricing", "severity": "low", "title": "x", "description": "y",
            "customer_ids": [f.customer, "00000000-0000-0000-0000-000000000001"]}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["customer_ids[1]"]);
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.customer, "title": "x", "description": "y", "severity": "extreme"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["severity"]);
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(
            json!({"customer_id": f.customer, "title": "", "description": "y", "severity": "low"}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["title"]);
    let res = app
        .get("/api/v1/complaints?severity=extreme")
        .bearer(&f.seller)
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["severity"]);
}

#[actix_web::test]
async fn a_complaint_goes_from_open_to_closed_and_can_be_reopened() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let c = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.customer, "title": "Wrong invoice", "description": "Billed twice.", "severity": "medium"}))
        .send()
        .await;
    let path = format!("/api/v1/complaints/{}", c.id());
    let step = |name: &'static str, etag: String, body: Option<Value>| {
        let app = &app;
        let seller = f.seller.clone();
        let path = path.clone();
        async move {
            let mut req = app
                .post(&format!("{path}/{name}"))
                .bearer(&seller)
                .header("if-match", &etag);
            if let Some(b) = body {
                req = req.json(b);
            }
            req.send().await
        }
    };
    let started = step("start", c.etag(), None).await;
    assert_eq!(started.body["status"], "in_progress", "{}", started.text);
    assert!(started.body["acknowledged_at"].is_string());
    let closed_too_early = step("close", started.etag(), None).await;
    assert_eq!(
        closed_too_early.problem(409)["current_state"],
        "in_progress"
    );
    let no_words = step("resolve", started.etag(), None).await;
    assert_eq!(no_words.invalid_fields(), vec!["resolution"]);
    let resolved = step(
        "resolve",
        started.etag(),
        Some(json!({"resolution": "Credit note issued."})),
    )
    .await;
    assert_eq!(resolved.body["status"], "resolved", "{}", resolved.text);
    assert_eq!(resolved.body["resolution"], "Credit note issued.");
    step(
        "resolve",
        started.etag(),
        Some(json!({"resolution": "again"})),
    )
    .await
    .problem(412);
    let closed = step("close", resolved.etag(), None).await;
    assert_eq!(closed.body["status"], "closed");
    let reopened = step("reopen", closed.etag(), None).await;
    assert_eq!(reopened.body["status"], "reopened");
    assert!(reopened.body["closed_at"].is_null());
    step("start", String::new(), None).await.problem(412);
    let no_if_match = app
        .post(&format!("{path}/start"))
        .bearer(&f.seller)
        .send()
        .await;
    no_if_match.problem(428);
}

#[actix_web::test]
async fn an_overdue_complaint_is_flagged_and_announced_once() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let c = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(json!({"customer_id": f.customer, "title": "Broken shelf", "description": "Display broke.", "severity": "high"}))
        .send()
        .await;
    assert_eq!(c.body["overdue"], false);
    app.clock.advance(Duration::hours(49));
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(done.escalated.overdue, 1);
    assert_eq!(jobs::tick(&app.state).await.unwrap().escalated.overdue, 0);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let list = app
        .get("/api/v1/complaints?overdue=true")
        .bearer(&seller)
        .send()
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.text
    );
    assert_eq!(list.body["items"][0]["overdue"], true);
    let items = inbox(&app, "nsp@test.local").await;
    assert_eq!(types(&items), vec!["complaint.overdue"]);
    let none = app
        .get("/api/v1/complaints?overdue=false")
        .bearer(&seller)
        .send()
        .await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn the_inbox_lists_unread_first_and_marks_read() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    for _ in 0..3 {
        file_report(&app, &f.seller, "critical").await;
    }
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let all = app
        .get("/api/v1/me/notifications")
        .bearer(&supervisor)
        .send()
        .await;
    let items = all.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    // Read the oldest: it moves behind the unread ones.
    let oldest = items[2]["id"].as_str().unwrap();
    let read = app
        .post(&format!("/api/v1/me/notifications/{oldest}/read"))
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(read.body["read_at"].is_string());
    let page1 = app
        .get("/api/v1/me/notifications?limit=2")
        .bearer(&supervisor)
        .send()
        .await;
    let page1_items = page1.body["items"].as_array().unwrap();
    assert!(page1_items.iter().all(|n| n["read_at"].is_null()));
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(&format!("/api/v1/me/notifications?limit=2&cursor={cursor}"))
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page2.body["items"][0]["id"], oldest);
    let unread = app
        .get("/api/v1/me/notifications?unread_only=true")
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(unread.body["items"].as_array().unwrap().len(), 2);
    let all_read = app
        .post("/api/v1/me/notifications/read-all")
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(all_read.body["updated"], 2);
    // Someone else's notification is not found.
    app.post(&format!("/api/v1/me/notifications/{oldest}/read"))
        .bearer(&f.seller)
        .send()
        .await
        .problem(404);
}
