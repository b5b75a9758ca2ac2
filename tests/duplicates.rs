//! A duplicate is a 409 that names the field whose value is taken, never the database's text.

mod common;

use common::*;
use serde_json::{json, Value};

fn taken_field(res: &Resp) -> String {
    let problem = res.problem(409);
    assert!(
        !res.text.contains("UNIQUE") && !res.text.contains("_key"),
        "the database's words leak: {}",
        res.text
    );
    let errors = problem["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", res.text);
    errors[0]["field"].as_str().unwrap().to_string()
}

async fn customer(app: &TestApp, org: &Org, body: Value) -> Resp {
    let mut full = json!({ "org_unit_id": org.north_office, "owner_id": org.north_seller });
    for (k, v) in body.as_object().unwrap() {
        full[k] = v.clone();
    }
    app.post("/api/v1/customers")
        .bearer(&org.admin)
        .json(full)
        .send()
        .await
}

#[actix_web::test]
async fn a_duplicate_external_id_or_code_names_its_field() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let first = customer(
        &app,
        &org,
        json!({"code": "C1", "name": "One", "external_id": "ERP-1"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let same_ext = customer(
        &app,
        &org,
        json!({"code": "C2", "name": "Two", "external_id": "ERP-1"}),
    )
    .await;
    assert_eq!(taken_field(&same_ext), "external_id");
    let same_code = customer(&app, &org, json!({"code": "C1", "name": "Three"})).await;
    assert_eq!(taken_field(&same_code), "code");
}

#[actix_web::test]
async fn a_second_visit_plan_for_the_same_day_names_the_date() {
    let app = TestApp::spawn().await;
    Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let plan = || {
        app.post("/api/v1/visit-plans")
            .bearer(&seller)
            .json(json!({ "plan_date": "2027-03-01" }))
            .send()
    };
    assert_eq!(plan().await.status, 201);
    assert_eq!(taken_field(&plan().await), "plan_date");
}

#[actix_web::test]
async fn a_taken_unit_code_names_the_code() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let unit = |code: &'static str| {
        app.post("/api/v1/org-units")
            .bearer(&org.admin)
            .json(json!({ "name": "Unit", "code": code, "parent_id": org.root }))
            .send()
    };
    assert_eq!(unit("EAST").await.status, 201);
    assert_eq!(taken_field(&unit("EAST").await), "code");
}
