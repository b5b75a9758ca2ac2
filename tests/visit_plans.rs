//! Daily visit plans: one per person and day, submitted, then approved (signed and locked) or
//! returned by a superior above the owner, never by the owner.

mod common;
mod visits_support;

use common::*;
use serde_json::json;
use visits_support::*;

#[actix_web::test]
async fn a_plan_is_submitted_returned_fixed_and_approved_then_locked() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let p = plan(&app, &f.seller, d, json!([
        {"customer_id": f.shop, "purpose": "ordering", "area": "Harbour", "planned_start": at(d, 9, 0), "planned_end": at(d, 10, 0), "expected_result": "Reorder"},
        {"prospect_name": "Bakery Nord", "purpose": "new_customer_development"}
    ]))
    .await;
    assert_eq!(p.body["status"], "draft");
    assert_eq!(p.body["visits"].as_array().unwrap().len(), 2);
    assert_eq!(p.body["visits"][1]["prospect_name"], "Bakery Nord");
    let path = format!("/api/v1/visit-plans/{}", p.id());

    // One plan per day.
    let again = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .json(json!({"plan_date": day(d)}))
        .send()
        .await;
    again.problem(409);

    let submitted = act(&app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "submitted");
    assert!(inbox_types(&app, &f.supervisor)
        .await
        .contains(&"visit_plan.submitted".to_string()));

    // The supervisor sees it waiting; the south supervisor does not.
    let waiting = app
        .get("/api/v1/visit-plans?awaiting_me=true")
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(
        waiting.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        waiting.text
    );
    assert_eq!(waiting.body["items"][0]["id"], json!(p.id()));
    let none = app
        .get("/api/v1/visit-plans?awaiting_me=true")
        .bearer(&f.south_supervisor)
        .send()
        .await;
    assert!(none.body["items"].as_array().unwrap().is_empty());

    // Submitted: not edited; returning needs a comment.
    let edit = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &submitted.etag())
        .json(json!({"notes": "x"}))
        .send()
        .await;
    assert_eq!(edit.problem(409)["current_state"], "submitted");
    let no_comment = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &submitted.etag(),
        None,
    )
    .await;
    assert_eq!(no_comment.invalid_fields(), vec!["comment"]);
    let returned = act(
        &app,
        &f.supervisor,
        &format!("{path}/return"),
        &submitted.etag(),
        Some(json!({"comment": "Add the market visit"})),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.body["status"], "returned");
    assert_eq!(returned.body["return_comment"], "Add the market visit");
    assert!(inbox_types(&app, &f.seller)
        .await
        .contains(&"visit_plan.returned".to_string()));

    // Notes: too long is a 422 on the field; null clears them.
    let long = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &returned.etag())
        .json(json!({"notes": "x".repeat(5001)}))
        .send()
        .await;
    assert_eq!(long.invalid_fields(), vec!["notes"]);
    let noted = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &returned.etag())
        .json(json!({"notes": "Call the bakery first"}))
        .send()
        .await;
    assert_eq!(
        noted.body["notes"], "Call the bakery first",
        "{}",
        noted.text
    );
    let cleared = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &noted.etag())
        .json(json!({"notes": null}))
        .send()
        .await;
    assert!(cleared.body["notes"].is_null(), "{}", cleared.text);

    // The owner fixes it and submits again.
    let fixed = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &cleared.etag())
        .json(json!({"visits": [
            {"customer_id": f.shop, "purpose": "ordering"},
            {"prospect_name": "Bakery Nord", "purpose": "new_customer_development"},
            {"customer_id": f.prospect, "purpose": "market_research"}
        ]}))
        .send()
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    assert_eq!(fixed.body["visits"].as_array().unwrap().len(), 3);
    let resubmitted = act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &fixed.etag(),
        None,
    )
    .await;
    assert_eq!(resubmitted.status, 200);

    // A stale ETag is refused; the current one signs.
    act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &submitted.etag(),
        None,
    )
    .await
    .problem(412);
    let approved = act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &resubmitted.etag(),
        None,
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["approved_by"], json!(f.org.north_supervisor));
    assert!(approved.body["approved_at"].is_string());
    assert!(inbox_types(&app, &f.seller)
        .await
        .contains(&"visit_plan.approved".to_string()));

    // Approved: locked.
    let edit = app
        .patch(&path)
        .bearer(&f.seller)
        .header("if-match", &approved.etag())
        .json(json!({"notes": "x"}))
        .send()
        .await;
    assert_eq!(edit.problem(409)["current_state"], "approved");
    act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &approved.etag(),
        None,
    )
    .await
    .problem(409);
    act(
        &app,
        &f.seller,
        &format!("{path}/submit"),
        &approved.etag(),
        None,
    )
    .await
    .problem(409);
}

#[actix_web::test]
async fn only_a_superior_above_the_owner_signs_a_plan() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let p = plan(
        &app,
        &f.seller,
        d,
        json!([{"customer_id": f.shop, "purpose": "service"}]),
    )
    .await;
    let path = format!("/api/v1/visit-plans/{}", p.id());
    let s = act(&app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;

    // The owner may not approve their own plan.
    act(&app, &f.seller, &format!("{path}/approve"), &s.etag(), None)
        .await
        .problem(403);
    // A supervisor's own plan is not theirs to sign either.
    let own = plan(
        &app,
        &f.supervisor,
        d,
        json!([{"customer_id": f.shop, "purpose": "service"}]),
    )
    .await;
    let own_path = format!("/api/v1/visit-plans/{}", own.id());
    let own_s = act(
        &app,
        &f.supervisor,
        &format!("{own_path}/submit"),
        &own.etag(),
        None,
    )
    .await;
    act(
        &app,
        &f.supervisor,
        &format!("{own_path}/approve"),
        &own_s.etag(),
        None,
    )
    .await
    .problem(403);
    // ...but the region manager above signs it.
    let signed = act(
        &app,
        &f.manager,
        &format!("{own_path}/approve"),
        &own_s.etag(),
        None,
    )
    .await;
    assert_eq!(signed.status, 200, "{}", signed.text);

    // A sibling region's supervisor and salesperson do not even see it.
    app.get(&path)
        .bearer(&f.south_supervisor)
        .send()
        .await
        .problem(404);
    act(
        &app,
        &f.south_supervisor,
        &format!("{path}/approve"),
        &s.etag(),
        None,
    )
    .await
    .problem(404);
    app.get(&path)
        .bearer(&f.south_seller)
        .send()
        .await
        .problem(404);
    let list = app
        .get("/api/v1/visit-plans")
        .bearer(&f.south_supervisor)
        .send()
        .await;
    assert!(list.body["items"].as_array().unwrap().is_empty());
    // Executives read results only.
    let ceo = app
        .create_user(&f.org.admin, "ceo@test.local", "executive", &f.org.root)
        .await;
    let _ = ceo;
    let ceo = app.login("ceo@test.local", PASSWORD).await;
    app.get(&path).bearer(&ceo).send().await.problem(403);

    // Without If-Match a step is 428.
    app.post(&format!("{path}/approve"))
        .bearer(&f.supervisor)
        .send()
        .await
        .problem(428);
    let ok = act(
        &app,
        &f.supervisor,
        &format!("{path}/approve"),
        &s.etag(),
        None,
    )
    .await;
    assert_eq!(ok.status, 200);
}

#[actix_web::test]
async fn bad_plans_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .json(json!({"plan_date": day(d), "visits": [
            {"customer_id": f.shop, "purpose": "ordering"},
            {"customer_id": f.shop, "purpose": "sightseeing"}
        ]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[1].purpose"]);
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .json(json!({"plan_date": day(d), "visits": [
            {"purpose": "ordering"},
            {"customer_id": f.shop, "purpose": "service", "planned_start": at(d, 11, 0), "planned_end": at(d, 10, 0)}
        ]}))
        .send()
        .await;
    assert_eq!(
        res.invalid_fields(),
        vec!["visits[0].customer_id", "visits[1].planned_end"]
    );
    // Another region's customer is not in reach.
    let south_customer = app
        .post("/api/v1/customers")
        .bearer(&f.org.admin)
        .json(json!({"code": "S-1", "name": "South Shop", "org_unit_id": f.org.south, "owner_id": f.org.south_seller}))
        .send()
        .await;
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .json(json!({"plan_date": day(d), "visits": [{"customer_id": south_customer.id(), "purpose": "ordering"}]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["visits[0].customer_id"]);
    // A retried create with the same key makes one plan.
    let body =
        json!({"plan_date": day(d), "visits": [{"customer_id": f.shop, "purpose": "ordering"}]});
    let first = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .header("idempotency-key", "plan-1")
        .json(body.clone())
        .send()
        .await;
    let second = app
        .post("/api/v1/visit-plans")
        .bearer(&f.seller)
        .header("idempotency-key", "plan-1")
        .json(body)
        .send()
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(second.status, 201);
    assert_eq!(first.id(), second.id());
    let list = app
        .get(&format!("/api/v1/visit-plans?from={0}&to={0}", day(d)))
        .bearer(&f.seller)
        .send()
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}
