//! Coaching: salespeople whose scorecard is flagged and who have had no recent session are
//! listed; a session with action items takes them off the list.

mod common;

use chrono::{Duration, Utc};
use common::*;
use serde_json::{json, Value};

async fn hire_recently(app: &TestApp, admin: &str, user: &str) {
    let path = format!("/api/v1/users/{user}");
    let current = app.get(&path).bearer(admin).send().await;
    let hired = (Utc::now() - Duration::days(10)).date_naive();
    let res = app
        .patch(&path)
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({"hired_on": hired}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// The flags of a salesperson's scorecard for the current month.
async fn scorecard_flags(app: &TestApp, token: &str, unit: &str, user: &str) -> Value {
    let today = Utc::now().date_naive();
    let path = format!(
        "/api/v1/scorecards?unit_id={unit}&period={}",
        today.format("%Y-%m")
    );
    app.items(&path, token)
        .await
        .into_iter()
        .find(|c| c["user_id"] == user)
        .map(|c| c["flags"].clone())
        .unwrap_or_else(|| panic!("{user} has no scorecard"))
}

#[actix_web::test]
async fn a_new_hire_needs_coaching_until_a_session_is_held() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    hire_recently(&app, &org.admin, &org.north_seller).await;
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let needed = app
        .get("/api/v1/coaching-sessions/needed")
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(needed.status, 200, "{}", needed.text);
    let items = needed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["user_id"], json!(org.north_seller));
    let flags = items[0]["flags"].as_array().unwrap();
    assert!(flags.contains(&json!("new_hire")), "{flags:?}");
    assert_eq!(
        items[0]["flags"],
        scorecard_flags(&app, &supervisor, &org.north_office, &org.north_seller).await,
        "the flags of the month's scorecard"
    );
    assert!(items[0]["last_session_on"].is_null());

    let today = Utc::now().date_naive();
    let session = app
        .post("/api/v1/coaching-sessions")
        .bearer(&supervisor)
        .json(json!({
            "held_on": today, "topic": "First month", "notes": "Route planning, objection handling",
            "salesperson_ids": [org.north_seller],
            "action_items": [{"description": "Plan visits a day ahead", "owner_id": org.north_seller, "due_on": today + Duration::days(7)}],
            "follow_up_on": today + Duration::days(14)
        }))
        .send()
        .await;
    assert_eq!(session.status, 201, "{}", session.text);
    assert_eq!(session.body["kind"], "individual");
    assert_eq!(session.body["action_items"].as_array().unwrap().len(), 1);
    let needed = app
        .get("/api/v1/coaching-sessions/needed")
        .bearer(&supervisor)
        .send()
        .await;
    assert!(
        needed.body["items"].as_array().unwrap().is_empty(),
        "{}",
        needed.text
    );

    // The salesperson completes their action item.
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let item = session.body["action_items"][0]["id"].as_str().unwrap();
    let done = app
        .post(&format!(
            "/api/v1/coaching-sessions/{}/action-items/{item}/done",
            session.id()
        ))
        .bearer(&seller)
        .header("if-match", &session.etag())
        .send()
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.body["action_items"][0]["done_at"].is_string());
    let mine = app
        .get("/api/v1/coaching-sessions")
        .bearer(&seller)
        .send()
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_salesperson_behind_pace_is_flagged() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let manager = app.login("nm@test.local", PASSWORD).await;
    let today = Utc::now().date_naive();
    let month = chrono::NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .unwrap();
    let target = app
        .post("/api/v1/targets")
        .bearer(&manager)
        .json(
            json!({"metric": "sales_amount", "period_type": "month", "period_start": month,
            "value": 1_000_000, "user_id": org.north_seller}),
        )
        .send()
        .await;
    assert_eq!(target.status, 201, "{}", target.text);
    let needed = app
        .get("/api/v1/coaching-sessions/needed")
        .bearer(&manager)
        .send()
        .await;
    let items = needed.body["items"].as_array().unwrap();
    // Nothing sold this month: behind or at risk unless today is the 1st (nothing expected yet).
    if chrono::Datelike::day(&today) > 1 {
        assert_eq!(items.len(), 1, "{}", needed.text);
        let flags = items[0]["flags"].as_array().unwrap();
        assert!(flags.contains(&json!("behind_pace")), "{flags:?}");
        assert!(!flags.contains(&json!("new_hire")), "{flags:?}");
    }
}

#[actix_web::test]
async fn coaching_is_kept_within_reach() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let north = app.login("ns@test.local", PASSWORD).await;
    let south = app.login("ss@test.local", PASSWORD).await;
    let today = Utc::now().date_naive();
    let res = app
        .post("/api/v1/coaching-sessions")
        .bearer(&south)
        .json(json!({"held_on": today, "topic": "x", "salesperson_ids": [org.north_seller]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["salesperson_ids[0]"]);
    let session = app
        .post("/api/v1/coaching-sessions")
        .bearer(&north)
        .json(json!({"held_on": today, "topic": "Pricing talk", "salesperson_ids": [org.north_seller]}))
        .send()
        .await;
    assert_eq!(session.status, 201, "{}", session.text);
    app.get(&format!("/api/v1/coaching-sessions/{}", session.id()))
        .bearer(&south)
        .send()
        .await
        .problem(404);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    app.post("/api/v1/coaching-sessions")
        .bearer(&seller)
        .json(json!({"held_on": today, "topic": "x", "salesperson_ids": [org.north_seller]}))
        .send()
        .await
        .problem(403);
    app.get("/api/v1/coaching-sessions/needed")
        .bearer(&seller)
        .send()
        .await
        .problem(403);
    let res = app
        .post("/api/v1/coaching-sessions")
        .bearer(&north)
        .json(
            json!({"held_on": today, "topic": "x", "salesperson_ids": [org.north_seller],
            "action_items": [{"description": "", "owner_id": org.north_seller, "due_on": today}]}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["action_items[0].description"]);
    // Another region's unit is not there for a supervisor.
    app.get(&format!(
        "/api/v1/coaching-sessions/needed?unit_id={}",
        org.north_office
    ))
    .bearer(&south)
    .send()
    .await
    .problem(404);
}
