//! The org tree: admins shape it; moving a unit under its own descendant and deleting a unit
//! with members or children are refused; users see the units in their reach.

mod common;

use common::*;
use serde_json::json;

async fn move_unit(app: &TestApp, admin: &str, unit: &str, parent: &str) -> Resp {
    let current = app
        .get(&format!("/api/v1/org-units/{unit}"))
        .bearer(admin)
        .send()
        .await;
    app.patch(&format!("/api/v1/org-units/{unit}"))
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "parent_id": parent }))
        .send()
        .await
}

#[actix_web::test]
async fn a_unit_cannot_move_under_itself_or_its_descendant() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let res = move_unit(&app, &org.admin, &org.north, &org.north_office).await;
    assert_eq!(res.invalid_fields(), vec!["parent_id"]);
    let res = move_unit(&app, &org.admin, &org.north, &org.north).await;
    assert_eq!(res.invalid_fields(), vec!["parent_id"]);
    let res = move_unit(&app, &org.admin, &org.root, &org.north).await;
    assert_eq!(res.invalid_fields(), vec!["parent_id"]);
    // A legal move: the north office goes to the south region.
    let res = move_unit(&app, &org.admin, &org.north_office, &org.south).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["parent_id"], json!(org.south));
    // ...and with it, its people leave the north manager's reach.
    let manager = app.login("nm@test.local", PASSWORD).await;
    app.get(&format!("/api/v1/users/{}", org.north_seller))
        .bearer(&manager)
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn a_unit_with_members_or_children_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    app.delete(&format!("/api/v1/org-units/{}", org.north))
        .bearer(&org.admin)
        .header("if-match", "*")
        .send()
        .await
        .problem(409);
    app.delete(&format!("/api/v1/org-units/{}", org.south))
        .bearer(&org.admin)
        .header("if-match", "*")
        .send()
        .await
        .problem(409);
    let empty = app.create_unit(&org.admin, "Empty", &org.root).await;
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    app.delete(&format!("/api/v1/org-units/{empty}"))
        .bearer(&supervisor)
        .header("if-match", "*")
        .send()
        .await
        .problem(403);
    // Without If-Match the write is refused before anything else is looked at.
    app.delete(&format!("/api/v1/org-units/{empty}"))
        .bearer(&supervisor)
        .send()
        .await
        .problem(428);
    let res = app
        .delete(&format!("/api/v1/org-units/{empty}"))
        .bearer(&org.admin)
        .header("if-match", "*")
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.get(&format!("/api/v1/org-units/{empty}"))
        .bearer(&org.admin)
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn only_admins_create_units_and_the_manager_must_be_a_manager() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let manager = app.login("nm@test.local", PASSWORD).await;
    app.post("/api/v1/org-units")
        .bearer(&manager)
        .json(json!({"name": "Mine", "parent_id": org.north}))
        .send()
        .await
        .problem(403);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&org.admin)
        .json(json!({"name": "East", "parent_id": org.root, "manager_id": org.north_seller}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["manager_id"]);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&org.admin)
        .json(json!({"name": "", "parent_id": "00000000-0000-0000-0000-000000000000"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["name"]);
    let res = app
        .post("/api/v1/org-units")
        .bearer(&org.admin)
        .json(json!({"name": "East", "parent_id": "00000000-0000-0000-0000-000000000000"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["parent_id"]);
}

#[actix_web::test]
async fn users_see_the_units_in_their_reach_and_their_own() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let supervisor = app.login("ss@test.local", PASSWORD).await;
    let list = app
        .get("/api/v1/org-units")
        .bearer(&supervisor)
        .send()
        .await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![org.south.as_str()]);
    app.get(&format!("/api/v1/org-units/{}", org.north))
        .bearer(&supervisor)
        .send()
        .await
        .problem(404);
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let own = app
        .get(&format!("/api/v1/org-units/{}", org.north_office))
        .bearer(&seller)
        .send()
        .await;
    assert_eq!(own.status, 200);
    let admin_list = app
        .get(&format!("/api/v1/org-units?parent_id={}", org.root))
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(admin_list.body["items"].as_array().unwrap().len(), 2);
}
