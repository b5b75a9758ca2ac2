//! What the bulk upsert tests share: uploading a batch, reading its counts, outcomes and ids,
//! and rows of each kind of master data.

#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::*;

/// Posts a batch that must answer 200, and returns the answer.
pub async fn upload(app: &TestApp, token: &str, path: &str, rows: Vec<Value>) -> Value {
    let res = app
        .post(path)
        .bearer(token)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.body
}

/// Uploads `rows` that must be refused (422) and returns the fields the problem names.
pub async fn refused_fields(
    app: &TestApp,
    token: &str,
    path: &str,
    rows: Vec<Value>,
) -> Vec<String> {
    app.post(path)
        .bearer(token)
        .json(json!({ "rows": rows }))
        .send()
        .await
        .invalid_fields()
}

pub fn counts(res: &Value) -> (i64, i64, i64) {
    (
        res["created"].as_i64().unwrap(),
        res["updated"].as_i64().unwrap(),
        res["unchanged"].as_i64().unwrap(),
    )
}

pub fn outcomes(res: &Value) -> Vec<String> {
    res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect()
}

pub fn ids(res: &Value) -> Vec<String> {
    res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn customer(ext: &str, code: &str, unit: &str, owner: &str) -> Value {
    json!({ "external_id": ext, "code": code, "name": format!("Customer {code}"), "org_unit_id": unit, "owner_id": owner })
}

pub fn dealer(ext: &str, code: &str, unit: &str) -> Value {
    json!({ "external_id": ext, "code": code, "name": format!("Dealer {code}"), "org_unit_id": unit })
}

pub fn product(ext: &str, sku: &str) -> Value {
    json!({ "external_id": ext, "sku": sku, "name": format!("Product {sku}"), "category": "tools", "list_price_minor": 1000 })
}

pub fn user(ext: &str, email: &str, role: &str, unit: &str) -> Value {
    json!({ "external_id": ext, "email": email, "name": ext, "role": role, "org_unit_id": unit })
}

/// The newest position of the change feed.
pub async fn head(app: &TestApp, token: &str) -> i64 {
    let res = app.get("/api/v1/changes/head").bearer(token).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["position"].as_i64().unwrap()
}

/// Gives a user an external id with a single update, and returns the updated user.
pub async fn set_external_id(app: &TestApp, admin: &str, user: &str, ext: &str) -> Value {
    let path = format!("/api/v1/users/{user}");
    let current = app.get(&path).bearer(admin).send().await;
    let res = app
        .patch(&path)
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "external_id": ext }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}
