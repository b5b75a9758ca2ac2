//! Users: admins manage them; supervisors and managers read their reach; others may not list.

mod common;

use common::*;
use serde_json::json;

#[actix_web::test]
async fn an_admin_creates_a_unit_and_a_salesperson_who_then_cannot_list_users() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unit = app.create_unit(&admin, "West", &root).await;
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(json!({
            "email": "Sally.Seller@Test.local", "name": "Sally Seller", "role": "salesperson",
            "org_unit_id": unit, "hired_on": "2026-10-01", "password": PASSWORD
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["role"], "salesperson");
    assert_eq!(res.body["hired_on"], "2026-10-01");
    assert_eq!(res.body["active"], true);
    assert!(res.header("etag").is_some());
    // Email is matched case-insensitively at login.
    let seller = app.login("sally.seller@test.local", PASSWORD).await;
    app.get("/api/v1/users")
        .bearer(&seller)
        .send()
        .await
        .problem(403);
    app.post("/api/v1/users")
        .bearer(&seller)
        .json(json!({"email": "x@test.local", "name": "x", "role": "admin", "org_unit_id": unit, "password": PASSWORD}))
        .send()
        .await
        .problem(403);
    // Their own record is readable through /me and /users/{own id}.
    let me = app.get("/api/v1/me").bearer(&seller).send().await;
    assert_eq!(me.body["user"]["email"], "Sally.Seller@Test.local");
    assert_eq!(me.body["reach"]["all"], false);
    let own = app
        .get(&format!("/api/v1/users/{}", res.id()))
        .bearer(&seller)
        .send()
        .await;
    assert_eq!(own.status, 200);
}

#[actix_web::test]
async fn a_supervisor_sees_the_users_of_their_subtree_and_not_of_a_sibling_region() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let list = app
        .get("/api/v1/users?limit=500")
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let mut emails: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    emails.sort();
    assert_eq!(emails, vec!["ns@test.local", "nsp@test.local"]);
    let peer = app
        .get(&format!("/api/v1/users/{}", org.north_seller))
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(peer.status, 200);
    app.get(&format!("/api/v1/users/{}", org.south_seller))
        .bearer(&supervisor)
        .send()
        .await
        .problem(404);
    // The north manager reaches the whole region, the office included.
    let manager = app.login("nm@test.local", PASSWORD).await;
    let list = app
        .get(&format!("/api/v1/users?unit_id={}", org.north))
        .bearer(&manager)
        .send()
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        3,
        "{}",
        list.text
    );
    let me = app.get("/api/v1/me").bearer(&manager).send().await;
    assert_eq!(me.body["reach"]["managed_unit_ids"], json!([org.north]));
    assert_eq!(me.body["reach"]["unit_ids"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_user_list_pages_with_a_cursor_and_filters_by_role() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=2&cursor={c}"),
            None => "/api/v1/users?limit=2".to_string(),
        };
        let page = app.get(&path).bearer(&org.admin).send().await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "admin + five users, each once");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 6);
    let sellers = app
        .get("/api/v1/users?role=salesperson")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(sellers.body["items"].as_array().unwrap().len(), 2);
    let bad = app
        .get("/api/v1/users?role=wizard&limit=0")
        .bearer(&org.admin)
        .send()
        .await;
    bad.problem(422);
    let bad = app
        .get("/api/v1/users?cursor=garbage")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["cursor"]);
    let bad = app
        .get("/api/v1/users?limit=501")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["limit"]);
}

#[actix_web::test]
async fn creating_a_user_with_bad_input_names_every_wrong_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(json!({
            "email": "not-an-email", "name": "", "role": "salesperson",
            "org_unit_id": "01a218bd-0a58-76e4-ad46-1408bd03b1c2", "password": "short"
        }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["email", "name", "password"]);
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(json!({"email": "a@test.local", "name": "A", "role": "wizard", "org_unit_id": "01a218bd-0a58-76e4-ad46-1408bd03b1c2", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["role"]);
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(json!({"email": "a@test.local", "name": "A", "role": "salesperson", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["org_unit_id"]);
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(
            json!({"email": "a@test.local", "name": "A", "role": "salesperson",
            "org_unit_id": "01a218bd-0a58-76e4-ad46-1408bd03b1c2", "password": PASSWORD}),
        )
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["org_unit_id"], "an unknown unit");
}

#[actix_web::test]
async fn emails_are_unique_whatever_their_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user(&admin, "dup@test.local", "salesperson", &root)
        .await;
    let res = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(json!({"email": "DUP@test.local", "name": "Dup", "role": "salesperson", "org_unit_id": root, "password": PASSWORD}))
        .send()
        .await;
    res.problem(409);
}

#[actix_web::test]
async fn updating_a_user_needs_the_current_etag() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let path = format!("/api/v1/users/{}", org.north_seller);
    let user = app.get(&path).bearer(&org.admin).send().await;
    let etag = user.etag();
    app.patch(&path)
        .bearer(&org.admin)
        .json(json!({"name": "New"}))
        .send()
        .await
        .problem(428);
    let res = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({"name": "Nina North", "hired_on": "2026-09-01"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["name"], "Nina North");
    assert_ne!(res.etag(), etag);
    // A second writer with the old ETag loses, visibly.
    let stale = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({"name": "Overwritten"}))
        .send()
        .await;
    stale.problem(412);
    let now = app.get(&path).bearer(&org.admin).send().await;
    assert_eq!(now.body["name"], "Nina North");
    // Unknown fields are refused rather than silently dropped.
    let res = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &now.etag())
        .json(json!({"password_hash": "x"}))
        .send()
        .await;
    res.problem(422);
    // Only admins change users.
    let manager = app.login("nm@test.local", PASSWORD).await;
    app.patch(&path)
        .bearer(&manager)
        .header("if-match", &now.etag())
        .json(json!({"name": "Mine"}))
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn the_last_active_admin_cannot_be_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me").bearer(&admin).send().await;
    let path = format!("/api/v1/users/{}", me.body["user"]["id"].as_str().unwrap());
    let user = app.get(&path).bearer(&admin).send().await;
    let res = app
        .patch(&path)
        .bearer(&admin)
        .header("if-match", &user.etag())
        .json(json!({"active": false}))
        .send()
        .await;
    res.problem(409);
}

#[actix_web::test]
async fn an_admin_resets_a_password_and_the_old_sessions_end() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let res = app
        .post(&format!(
            "/api/v1/users/{}/password-reset",
            org.north_seller
        ))
        .bearer(&org.admin)
        .header("if-match", "*")
        .json(json!({"new_password": "brand-new-password"}))
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get("/api/v1/me")
        .bearer(&seller)
        .send()
        .await
        .problem(401);
    app.login("nsp@test.local", "brand-new-password").await;
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    app.post(&format!(
        "/api/v1/users/{}/password-reset",
        org.north_seller
    ))
    .bearer(&supervisor)
    .header("if-match", "*")
    .json(json!({"new_password": "brand-new-password-2"}))
    .send()
    .await
    .problem(403);
}
