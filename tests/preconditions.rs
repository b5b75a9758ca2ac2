//! `If-Match` on every write to an existing resource: required (428), parsed strictly (400),
//! a list matches when one strong tag is current, weak tags never match (412), `*` matches.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::json;

#[actix_web::test]
async fn deleting_a_target_with_a_stale_list_or_garbage_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let t = create_target(&app, &c.head, year(("unit_id", &c.org.north), 900)).await;
    let path = format!("/api/v1/targets/{}", t["id"].as_str().unwrap());
    let current = app.get(&path).bearer(&c.head).send().await.etag();
    let delete = |if_match: Option<&'static str>| {
        let (app, path, head) = (&app, path.clone(), c.head.clone());
        async move {
            let mut req = app.delete(&path).bearer(&head);
            if let Some(v) = if_match {
                req = req.header("if-match", v);
            }
            req.send().await
        }
    };
    delete(None).await.problem(428);
    delete(Some("\"998\", \"999\"")).await.problem(412);
    delete(Some("garbage")).await.problem(400);
    delete(Some("\"1")).await.problem(400);
    let weak = format!("W/{current}");
    let res = app
        .delete(&path)
        .bearer(&c.head)
        .header("if-match", &weak)
        .send()
        .await;
    res.problem(412);
    assert_eq!(app.get(&path).bearer(&c.head).send().await.status, 200);

    // A list matches when any of its tags is the current one.
    let list = format!("\"998\", {current}");
    let res = app
        .delete(&path)
        .bearer(&c.head)
        .header("if-match", &list)
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get(&path).bearer(&c.head).send().await.problem(404);
}

#[actix_web::test]
async fn a_split_needs_a_parsable_current_if_match() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let t = create_target(&app, &c.head, year(("unit_id", &c.org.north), 1200)).await;
    let path = format!("/api/v1/targets/{}", t["id"].as_str().unwrap());
    let split = |if_match: Option<String>| {
        let (app, path, head) = (&app, path.clone(), c.head.clone());
        async move {
            let mut req = app.post(&format!("{path}/split")).bearer(&head);
            if let Some(v) = if_match {
                req = req.header("if-match", &v);
            }
            req.json(json!({ "over": "time", "into": "month" }))
                .send()
                .await
        }
    };
    split(None).await.problem(428);
    split(Some("garbage".into())).await.problem(400);
    split(Some("\"998\", \"999\"".into())).await.problem(412);
    let alloc = app
        .get(&format!("{path}/allocation"))
        .bearer(&c.head)
        .send()
        .await;
    assert_eq!(alloc.body["children_sum"], 0, "nothing was split");
    let current = app.get(&path).bearer(&c.head).send().await.etag();
    let res = split(Some(current)).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["children"].as_array().unwrap().len(), 12);
}

#[actix_web::test]
async fn if_match_star_matches_any_version() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let t = create_target(&app, &c.head, year(("unit_id", &c.org.north), 900)).await;
    let path = format!("/api/v1/targets/{}", t["id"].as_str().unwrap());
    let res = app
        .patch(&path)
        .bearer(&c.head)
        .header("if-match", "*")
        .json(json!({ "value": 1000 }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn deleting_a_webhook_needs_its_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&admin)
        .json(json!({ "url": "http://127.0.0.1:9/hook", "event_types": ["*"] }))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let path = format!("/api/v1/webhooks/{}", hook.id());
    app.delete(&path).bearer(&admin).send().await.problem(428);
    let res = app
        .delete(&path)
        .bearer(&admin)
        .header("if-match", &hook.etag())
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
}

#[actix_web::test]
async fn resetting_a_password_needs_the_users_etag() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let path = format!("/api/v1/users/{}/password-reset", org.north_seller);
    let body = json!({ "new_password": "brand-new-password" });
    app.post(&path)
        .bearer(&org.admin)
        .json(body.clone())
        .send()
        .await
        .problem(428);
    app.post(&path)
        .bearer(&org.admin)
        .header("if-match", "\"999\"")
        .json(body.clone())
        .send()
        .await
        .problem(412);
    app.login("nsp@test.local", PASSWORD).await;
}

/// Writes to an existing resource that need no `If-Match`, and why: they carry no ETag, or
/// they add to a collection, or their precondition is something else.
const EXEMPT: [&str; 6] = [
    // A collection add: links a dealer user (the user's version moves).
    "POST /api/v1/dealers/{id}/users",
    // The caller's own inbox; notifications carry no ETag, and reading twice is harmless.
    "POST /api/v1/me/notifications/{id}/read",
    "POST /api/v1/me/notifications/read-all",
    // A delivery carries no ETag; queueing it again twice is queueing it once.
    "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    // The current password is the precondition.
    "POST /api/v1/me/password",
    "POST /api/v1/auth/logout",
];

#[test]
fn every_write_to_an_existing_resource_declares_if_match() {
    let doc = serde_json::to_value(salestrack::api_doc()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let on_existing = match method.as_str() {
                "patch" | "put" | "delete" => true,
                // A POST to a collection creates; a POST below an id acts on that resource.
                "post" => path.contains('{'),
                _ => false,
            };
            let name = format!("{} {path}", method.to_uppercase());
            if !on_existing || EXEMPT.contains(&name.as_str()) {
                continue;
            }
            let declares = op["parameters"].as_array().is_some_and(|ps| {
                ps.iter().any(|p| {
                    p["in"] == "header" && p["name"] == "If-Match" && p["required"] == true
                })
            });
            let answers = op["responses"]["428"].is_object() && op["responses"]["412"].is_object();
            if !(declares && answers) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "no required If-Match: {missing:#?}");
}

#[actix_web::test]
async fn a_step_without_if_match_is_428_even_where_the_state_forbids_the_step() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let plan = app
        .post("/api/v1/visit-plans")
        .bearer(&seller)
        .json(json!({ "plan_date": (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string(), "visits": [] }))
        .send()
        .await;
    assert_eq!(plan.status, 201, "{}", plan.text);
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let approve = format!("/api/v1/visit-plans/{}/approve", plan.id());
    // A draft cannot be approved (409 with the header), but the missing header comes first.
    app.post(&approve)
        .bearer(&supervisor)
        .send()
        .await
        .problem(428);
    app.post(&approve)
        .bearer(&supervisor)
        .header("if-match", &plan.etag())
        .send()
        .await
        .problem(409);
    let _ = org;
}
