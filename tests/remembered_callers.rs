//! Callers remembered between requests (PostgreSQL) never outlive a change: a session ended, a
//! user deactivated or a unit given another manager on one instance reaches the others within
//! moments, and this instance's own changes apply to its very next request. On SQLite nothing
//! is remembered, and the same tests check that every change applies at once.

mod common;

use std::time::{Duration, Instant};

use common::*;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;

/// How long a change may take to reach another instance before the test fails (PostgreSQL
/// delivers it in milliseconds; the listener reads every 5 ms).
const WITHIN: Duration = Duration::from_secs(3);

/// Repeats `GET path` on `app` until it answers `status`, and returns how long that took;
/// fails after [`WITHIN`].
async fn until_status(app: &TestApp, token: &str, path: &str, status: u16) -> Duration {
    let start = Instant::now();
    loop {
        let res = app.get(path).bearer(token).send().await;
        if res.status == status {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < WITHIN,
            "{path} still answers {} ({}) after {WITHIN:?}",
            res.status,
            res.text
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Reads `path` twice, both 200: the second read may come from a remembered caller.
async fn read_twice(app: &TestApp, token: &str, path: &str) {
    for _ in 0..2 {
        let res = app.get(path).bearer(token).send().await;
        assert_eq!(res.status, 200, "{path}: {}", res.text);
    }
}

/// Ends every session of the token's user, on `instance`.
async fn log_out_everywhere(instance: &TestApp, token: &str) {
    let res = instance
        .post("/api/v1/auth/logout")
        .bearer(token)
        .json(json!({ "all": true }))
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
}

async fn customer_of_north_office(app: &TestApp, org: &Org) -> String {
    let body = json!({"code": "C-1", "name": "Corner shop", "org_unit_id": org.north_office,
        "owner_id": org.north_seller, "status": "active"});
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

#[actix_web::test]
async fn a_session_ended_on_another_instance_ends_here_within_moments() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    read_twice(&app, &seller, "/api/v1/me").await;

    log_out_everywhere(&other, &seller).await;
    // The instance that ended the session refuses the token at once.
    other
        .get("/api/v1/me")
        .bearer(&seller)
        .send()
        .await
        .problem(401);
    until_status(&app, &seller, "/api/v1/me", 401).await;
}

#[actix_web::test]
async fn a_manager_changed_on_another_instance_changes_reach_here_within_moments() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let org = Org::build(&app).await;
    let customer = customer_of_north_office(&app, &org).await;
    let path = format!("/api/v1/customers/{customer}");
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    read_twice(&app, &supervisor, &path).await;

    // Another instance gives the north office to the south supervisor: the north supervisor
    // no longer reaches its customers, here too.
    other
        .set_manager(&org.admin, &org.north_office, &org.south_supervisor)
        .await;
    until_status(&app, &supervisor, &path, 404).await;
    let south = app.login("ss@test.local", PASSWORD).await;
    let res = app.get(&path).bearer(&south).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn this_instances_own_change_applies_to_its_next_request() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let customer = customer_of_north_office(&app, &org).await;
    let path = format!("/api/v1/customers/{customer}");
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    read_twice(&app, &supervisor, &path).await;
    app.set_manager(&org.admin, &org.north_office, &org.south_supervisor)
        .await;
    // No wait: the change's own request made this instance forget what it remembered.
    app.get(&path).bearer(&supervisor).send().await.problem(404);
}

#[actix_web::test]
async fn a_change_made_while_the_listener_was_down_is_not_missed() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    read_twice(&app, &seller, "/api/v1/me").await;
    if let TestDb::Postgres { admin_url, name } = &*app.db {
        // Every listening connection of the database is closed by the server, as a restart
        // would; the change below is made while they are down or reconnecting.
        let mut killer = diesel::PgConnection::establish(admin_url).unwrap();
        killer
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                  WHERE datname = '{name}' AND application_name = 'salestrack caller listener'"
            ))
            .unwrap();
    }
    log_out_everywhere(&other, &seller).await;
    until_status(&app, &seller, "/api/v1/me", 401).await;
}
