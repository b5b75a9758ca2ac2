//! Promotions: who plans, approves, reads and cancels them, their lifecycle in time, and the
//! refusals (403 for a role or person who may not, 404 outside reach, 409 for an illegal step,
//! 412 for a stale `If-Match`, 428 without one, 422 naming the field).

mod common;
mod promotions_support;
mod sales;

use chrono::Duration;
use common::*;
use promotions_support::*;
use salestrack::jobs;
use serde_json::json;

#[actix_web::test]
async fn a_manager_above_the_unit_approves_a_draft_with_if_match_and_it_runs_from_its_first_day() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let p = t.plan(&app, t.body(&app, -9, 10)).await;
    let id = p.id();
    assert_eq!(p.body["status"], "draft");
    assert_eq!(p.body["spend_minor"], 0);
    assert_eq!(p.body["budget_remaining_minor"], 50_000);
    // Its planner never approves it, a supervisor never does, nor the manager of a unit inside.
    for token in [&t.north_manager, &t.north_supervisor] {
        step(&app, token, &id, "approve", &p.etag(), None)
            .await
            .problem(403);
    }
    // No If-Match: 428; a stale one: 412.
    app.post(&format!("/api/v1/promotions/{id}/approve"))
        .bearer(&t.head)
        .send()
        .await
        .problem(428);
    step(&app, &t.head, &id, "approve", "\"99\"", None)
        .await
        .problem(412);
    let ok = step(&app, &t.head, &id, "approve", &p.etag(), None).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // Its first day has come: running at once, signed by the head of sales.
    assert_eq!(ok.body["status"], "running");
    assert!(ok.body["approved_by"].is_string() && ok.body["started_at"].is_string());
    assert_ne!(ok.etag(), p.etag());
    let again = step(&app, &t.head, &id, "approve", &ok.etag(), None).await;
    assert_eq!(again.problem(409)["current_state"], "running");
    // Approved is not edited in place.
    let edit = app
        .patch(&format!("/api/v1/promotions/{id}"))
        .bearer(&t.north_manager)
        .header("if-match", &ok.etag())
        .json(json!({"budget_minor": 1}))
        .send()
        .await;
    assert_eq!(edit.problem(409)["current_state"], "running");
    // Its planner is told.
    let inbox = app
        .items("/api/v1/me/notifications", &t.north_manager)
        .await;
    assert!(inbox
        .iter()
        .any(|n| n["event_type"] == "promotion.approved" && n["resource_id"] == id.as_str()));
}

#[actix_web::test]
async fn the_background_pass_starts_and_completes_a_promotion_once_and_the_feed_says_so() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let head = app
        .get("/api/v1/changes/head")
        .bearer(&t.c.org.admin)
        .send()
        .await;
    let after = head.body["position"].as_i64().unwrap();
    let p = t.approved(&app, t.body(&app, 2, 4)).await;
    let id = p.id();
    assert_eq!(p.body["status"], "approved");
    assert_eq!(jobs::tick(&app.state).await.unwrap().promotions_moved, 0);
    app.clock.advance(Duration::days(2));
    assert_eq!(jobs::tick(&app.state).await.unwrap().promotions_moved, 1);
    assert_eq!(jobs::tick(&app.state).await.unwrap().promotions_moved, 0);
    // (Access tokens live 15 minutes: log in again after moving the clock.)
    let head = app.login("head@test.local", PASSWORD).await;
    assert_eq!(get(&app, &head, &id).await.body["status"], "running");
    app.clock.advance(Duration::days(3));
    assert_eq!(jobs::tick(&app.state).await.unwrap().promotions_moved, 1);
    let head = app.login("head@test.local", PASSWORD).await;
    let done = get(&app, &head, &id).await;
    assert_eq!(done.body["status"], "completed");
    assert!(done.body["completed_at"].is_string());
    // Completed is the end: it cannot be cancelled.
    let cancel = step(
        &app,
        &head,
        &id,
        "cancel",
        &done.etag(),
        Some(json!({"reason": "too late"})),
    )
    .await;
    assert_eq!(cancel.problem(409)["current_state"], "completed");
    // Every move is a change of the promotion in the feed, read by the salespeople who carry
    // it out (inside its territory) and not by a supervisor outside it.
    let feed = |email: &'static str| {
        let app = &app;
        async move {
            let token = app.login(email, PASSWORD).await;
            let res = app
                .get(&format!("/api/v1/changes?after={after}&types=promotion"))
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_type"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let expected = [
        "promotion.created",
        "promotion.approved",
        "promotion.started",
        "promotion.completed",
    ];
    assert_eq!(feed("nsp@test.local").await, expected);
    assert_eq!(feed("ns@test.local").await, expected);
    assert!(feed("ss@test.local").await.is_empty());
}

#[actix_web::test]
async fn a_draft_whose_period_is_over_is_not_approved_and_cancelling_needs_a_reason() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let old = t.plan(&app, t.body(&app, -30, -20)).await;
    let res = step(&app, &t.head, &old.id(), "approve", &old.etag(), None).await;
    assert_eq!(res.problem(409)["current_state"], "draft");
    let p = t.approved(&app, t.body(&app, 5, 9)).await;
    let id = p.id();
    // Cancelling an approved one is a manager's above the unit; it needs a reason.
    step(
        &app,
        &t.north_supervisor,
        &id,
        "cancel",
        &p.etag(),
        Some(json!({"reason": "x"})),
    )
    .await
    .problem(403);
    let no_reason = step(&app, &t.north_manager, &id, "cancel", &p.etag(), None).await;
    assert_eq!(no_reason.problem(422)["errors"][0]["field"], "reason");
    let ok = step(
        &app,
        &t.north_manager,
        &id,
        "cancel",
        &p.etag(),
        Some(json!({"reason": "Supplier cannot deliver"})),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["status"], "cancelled");
    assert_eq!(ok.body["cancel_reason"], "Supplier cannot deliver");
    let twice = step(
        &app,
        &t.head,
        &id,
        "cancel",
        &ok.etag(),
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(twice.problem(409)["current_state"], "cancelled");
    // The pass leaves cancelled ones alone.
    app.clock.advance(Duration::days(6));
    assert_eq!(jobs::tick(&app.state).await.unwrap().promotions_moved, 0);
}

#[actix_web::test]
async fn promotions_are_read_within_reach_and_planned_only_by_managers_and_supervisors() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let o = &t.c.org;
    let p = t.plan(&app, t.body(&app, 1, 20)).await;
    let path = format!("/api/v1/promotions/{}", p.id());
    // Outside the territory and its chain: 404, and not in the list.
    app.get(&path)
        .bearer(&t.south_supervisor)
        .send()
        .await
        .problem(404);
    assert!(app
        .items("/api/v1/promotions", &t.south_supervisor)
        .await
        .is_empty());
    // (Supervisors may cancel; outside reach they find nothing to cancel.)
    let reason = Some(json!({"reason": "r"}));
    step(
        &app,
        &t.south_supervisor,
        &p.id(),
        "cancel",
        &p.etag(),
        reason,
    )
    .await
    .problem(404);
    app.get(&format!("{path}/results"))
        .bearer(&t.south_supervisor)
        .send()
        .await
        .problem(404);
    // Inside the territory: read (the supervisor of the office, the salespeople who carry it
    // out), not planned nor changed by a salesperson, whose results are 403.
    for token in [&t.north_supervisor, &t.north_seller, &t.region_seller] {
        assert_eq!(app.get(&path).bearer(token).send().await.status, 200);
        assert_eq!(app.items("/api/v1/promotions", token).await.len(), 1);
    }
    app.get(&format!("{path}/results"))
        .bearer(&t.north_seller)
        .send()
        .await
        .problem(403);
    app.post("/api/v1/promotions")
        .bearer(&t.north_seller)
        .json(t.body(&app, 1, 2))
        .send()
        .await
        .problem(403);
    // The office supervisor reads a promotion of the region above, but may not change it.
    app.patch(&path)
        .bearer(&t.north_supervisor)
        .header("if-match", &p.etag())
        .json(json!({"name": "Mine now"}))
        .send()
        .await
        .problem(403);
    // Executives read everything and write nothing; dealers read no promotions.
    app.create_user(&o.admin, "ceo@test.local", "executive", &o.root)
        .await;
    let ceo = app.login("ceo@test.local", PASSWORD).await;
    assert_eq!(app.items("/api/v1/promotions", &ceo).await.len(), 1);
    app.post("/api/v1/promotions")
        .bearer(&ceo)
        .json(t.body(&app, 1, 2))
        .send()
        .await
        .problem(403);
    app.create_user(&o.admin, "dealer@test.local", "dealer", &o.root)
        .await;
    let dealer = app.login("dealer@test.local", PASSWORD).await;
    app.get("/api/v1/promotions")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
    // A supervisor plans for their own office and a manager above approves; a unit outside
    // their reach is 422.
    let mut mine = t.body(&app, 1, 5);
    mine["org_unit_id"] = json!(o.north_office);
    mine["customer_ids"] = json!([]);
    mine["dealer_ids"] = json!([]);
    let res = app
        .post("/api/v1/promotions")
        .bearer(&t.north_supervisor)
        .json(mine.clone())
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let ok = step(
        &app,
        &t.north_manager,
        &res.id(),
        "approve",
        &res.etag(),
        None,
    )
    .await;
    assert_eq!(ok.body["status"], "approved", "{}", ok.text);
    mine["org_unit_id"] = json!(o.south);
    let outside = app
        .post("/api/v1/promotions")
        .bearer(&t.north_supervisor)
        .json(mine)
        .send()
        .await;
    assert_eq!(outside.problem(422)["errors"][0]["field"], "org_unit_id");
}

#[actix_web::test]
async fn a_plan_names_its_problems_and_a_draft_changes_with_if_match() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let post = |body: serde_json::Value| {
        let app = &app;
        let token = t.north_manager.clone();
        async move {
            app.post("/api/v1/promotions")
                .bearer(&token)
                .json(body)
                .send()
                .await
        }
    };
    let fields = |res: &Resp| -> Vec<String> {
        res.problem(422)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    let mut bad = t.body(&app, 5, 1);
    bad["customer_ids"] = json!([t.c3, t.s1]);
    bad["product_ids"] = json!([]);
    bad["categories"] = json!([]);
    let res = post(bad).await;
    assert_eq!(
        fields(&res),
        ["ends_on", "customer_ids[1]", "product_ids"],
        "{}",
        res.text
    );
    let mut nobody = t.body(&app, 1, 2);
    for list in ["unit_ids", "customer_ids", "dealer_ids"] {
        nobody[list] = json!([]);
    }
    assert_eq!(fields(&post(nobody).await), ["unit_ids"]);
    let mut kind = t.body(&app, 1, 2);
    kind["kind"] = json!("lottery");
    assert_eq!(post(kind).await.status, 422);
    // A draft changes with If-Match; a list replaces the stored one.
    let p = t.plan(&app, t.body(&app, 1, 20)).await;
    let path = format!("/api/v1/promotions/{}", p.id());
    let change = json!({"name": "Summer push", "customer_ids": [], "categories": ["tools"]});
    app.patch(&path)
        .bearer(&t.north_manager)
        .json(change.clone())
        .send()
        .await
        .problem(428);
    app.patch(&path)
        .bearer(&t.north_manager)
        .header("if-match", "\"7\"")
        .json(change.clone())
        .send()
        .await
        .problem(412);
    let ok = app
        .patch(&path)
        .bearer(&t.north_manager)
        .header("if-match", &p.etag())
        .json(change)
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["name"], "Summer push");
    assert_eq!(ok.body["customer_ids"], json!([]));
    assert_eq!(ok.body["categories"], json!(["tools"]));
    assert_eq!(ok.body["unit_ids"], json!([t.c.org.north_office]));
    assert_eq!(ok.body["version"], 2);
}
