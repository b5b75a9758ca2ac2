//! The shared mechanisms: problem responses for everything, idempotent POSTs, settings with
//! ETags, health and readiness, and migrations that go down and up again.

mod common;

use common::*;
use salestrack::clock::Clock;
use salestrack::db;
use serde_json::json;

#[actix_web::test]
async fn the_framework_s_own_errors_are_problems_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.get("/api/v1/nothing-here").send().await;
    res.problem(404);
    let res = app.delete("/api/v1/me").bearer(&admin).send().await;
    res.problem(405);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .raw("application/json", "{\"name\": ")
        .send()
        .await;
    res.problem(400);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .raw("text/plain", "name=x")
        .send()
        .await;
    res.problem(415);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024));
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .raw("application/json", big)
        .send()
        .await;
    res.problem(413);
    let res = app
        .get("/api/v1/org-units/not-a-uuid")
        .bearer(&admin)
        .send()
        .await;
    res.problem(404);
    // Every response carries a request id to quote.
    assert!(res.header("x-request-id").is_some());
}

#[actix_web::test]
async fn a_retried_post_with_the_same_idempotency_key_is_done_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"name": "West", "parent_id": root});
    let first = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "create-west-1")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "create-west-1")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "the stored first response");
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    let list = app
        .get(&format!("/api/v1/org-units?parent_id={root}"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "one unit, not two"
    );

    // The same key with another body is refused.
    let other = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "create-west-1")
        .json(json!({"name": "East", "parent_id": root}))
        .send()
        .await;
    assert_eq!(other.invalid_fields(), vec!["Idempotency-Key"]);

    // Keys are per user: another admin's same key is a new request.
    let me = app.get("/api/v1/me").bearer(&admin).send().await;
    let unit = me.body["user"]["org_unit_id"].as_str().unwrap();
    app.create_user(&admin, "admin2@test.local", "admin", unit)
        .await;
    let admin2 = app.login("admin2@test.local", PASSWORD).await;
    let theirs = app
        .post("/api/v1/org-units")
        .bearer(&admin2)
        .header("idempotency-key", "create-west-1")
        .json(json!({"name": "West 2", "parent_id": root}))
        .send()
        .await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.id(), first.id());

    // After 24 hours a key may be used again.
    app.clock.advance(chrono::Duration::hours(25));
    let admin = app.admin_token().await;
    let later = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "create-west-1")
        .json(json!({"name": "North", "parent_id": root}))
        .send()
        .await;
    assert_eq!(later.status, 201, "{}", later.text);
}

#[actix_web::test]
async fn a_failed_request_does_not_burn_its_idempotency_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Unauthenticated: the key is not stored.
    app.post("/api/v1/org-units")
        .header("idempotency-key", "k1")
        .json(json!({"name": "West", "parent_id": root}))
        .send()
        .await
        .problem(401);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "k1")
        .json(json!({"name": "West", "parent_id": root}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .header("idempotency-key", "x".repeat(300).as_str())
        .json(json!({"name": "West", "parent_id": root}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["Idempotency-Key"]);
}

#[actix_web::test]
async fn every_user_reads_the_settings_and_admins_change_them_with_if_match() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let res = app.get("/api/v1/settings").bearer(&seller).send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["currency"], "EUR");
    assert_eq!(res.body["currency_minor_digits"], 2);
    assert_eq!(res.body["time_zone"], "UTC");
    let etag = res.etag();
    app.patch("/api/v1/settings")
        .bearer(&seller)
        .header("if-match", &etag)
        .json(json!({"currency": "USD"}))
        .send()
        .await
        .problem(403);
    app.patch("/api/v1/settings")
        .bearer(&org.admin)
        .json(json!({"currency": "USD"}))
        .send()
        .await
        .problem(428);
    let bad = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(
            json!({"time_zone": "Mars/Olympus", "daily_report_cutoff": "25:99", "currency": "usd",
                "payment_terms_days": 5000, "scorecard_late_reporter_pct": 101}),
        )
        .send()
        .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "currency",
            "daily_report_cutoff",
            "payment_terms_days",
            "scorecard_late_reporter_pct",
            "time_zone",
        ]
    );
    let unknown = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({"curency": "USD"}))
        .send()
        .await;
    unknown.problem(422);
    let ok = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({"currency": "USD", "time_zone": "Europe/Berlin", "ack_deadline_hours": {"low": 48, "medium": 24, "high": 4, "critical": 1}}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["currency"], "USD");
    assert_eq!(ok.body["time_zone"], "Europe/Berlin");
    assert_eq!(ok.body["ack_deadline_hours"]["high"], 4);
    assert_eq!(
        ok.body["daily_report_cutoff"], "20:00",
        "untouched fields stay"
    );
    app.patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({"currency": "GBP"}))
        .send()
        .await
        .problem(412);
}

#[actix_web::test]
async fn health_and_readiness_answer_without_a_token() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["status"], "ok");
    let res = app.get("/readyz").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["status"], "ready");
}

#[actix_web::test]
async fn an_unreachable_database_is_503_with_retry_after() {
    let app = TestApp::spawn().await;
    // The same application over a pool whose database cannot be reached.
    let dead = db::DbUrl::new("postgres://nobody@127.0.0.1:1/none?connect_timeout=1");
    let mut state = app.state.clone();
    state.pool = db::pool(&dead, 2);
    let (base, handle) = start_server(state);
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    let mut res = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 503);
    handle.stop(false).await;
}

#[actix_web::test]
async fn the_docs_are_served_offline_with_the_spec() {
    let app = TestApp::spawn().await;
    let res = app.get("/api-docs/openapi.json").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["openapi"], "3.1.0");
    let res = app.get("/docs/").send().await;
    assert_eq!(res.status, 200);
    assert!(
        res.text.contains("swagger-ui"),
        "the vendored Swagger UI page"
    );
    let res = app.get("/docs/swagger-ui-bundle.js").send().await;
    assert_eq!(res.status, 200);
    assert!(
        res.text.len() > 100_000,
        "the bundle is embedded, not fetched from a CDN"
    );
}

#[actix_web::test]
async fn migrations_go_up_down_and_up_again() {
    let (_db, url) = TestDb::create();
    let mut conn = url.connect().unwrap();
    let up = db::migrate(&mut conn).unwrap();
    assert!(!up.is_empty());
    let down = db::revert_all(&mut conn).unwrap();
    assert_eq!(down.len(), up.len());
    let again = db::migrate(&mut conn).unwrap();
    assert_eq!(again, up);
    // And the application starts on the re-created schema.
    let prepared =
        salestrack::bootstrap::prepare(test_config(url.clone()), Clock::system()).unwrap();
    assert!(prepared.created_admin.is_some());
}

#[actix_web::test]
async fn readiness_answers_within_a_second_that_the_database_is_unreachable() {
    let app = TestApp::spawn().await;
    // The same application over a pool whose database refuses connections.
    let dead = db::DbUrl::new("postgres://nobody@127.0.0.1:1/none?connect_timeout=1");
    let mut state = app.state.clone();
    state.pool = db::pool(&dead, 2);
    let (base, handle) = start_server(state);
    let started = std::time::Instant::now();
    let mut res = awc::Client::new()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    let body: serde_json::Value = res.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("database unreachable"), "{detail}");
    // Bounded at 0.7 s by the server; the slack is for a loaded CI machine. Before, 3 s and more.
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    handle.stop(false).await;
}

#[actix_web::test]
async fn readiness_says_the_pool_is_exhausted_when_every_connection_is_in_use() {
    let app = TestApp::spawn_with(|c| c.pool_size = 2).await;
    let pool = app.state.pool.clone();
    let held = actix_web::rt::task::spawn_blocking(move || {
        (0..pool.max_size())
            .map(|_| pool.get().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let res = app.get("/readyz").send().await;
    let took = started.elapsed();
    res.problem(503);
    let detail = res.body["detail"].as_str().unwrap();
    assert!(detail.starts_with("connection pool exhausted"), "{detail}");
    assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
    drop(held);
    let res = app.get("/readyz").send().await;
    assert_eq!(res.status, 200, "{}", res.text);
}
