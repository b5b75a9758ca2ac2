//! Helpers of the target, facts and progress tests: a company with a head of sales, targets,
//! fact uploads and progress reads.

#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::*;

pub struct Company {
    pub org: Org,
    pub head: String,
    /// A salesperson placed directly in the north region (above the north office).
    pub region_seller: String,
}

pub async fn company(app: &TestApp) -> Company {
    let org = Org::build(app).await;
    let head_id = app
        .create_user(&org.admin, "head@test.local", "manager", &org.root)
        .await;
    app.set_manager(&org.admin, &org.root, &head_id).await;
    let head = app.login("head@test.local", PASSWORD).await;
    let region_seller = app
        .create_user(&org.admin, "rs@test.local", "salesperson", &org.north)
        .await;
    Company {
        org,
        head,
        region_seller,
    }
}

pub async fn target(
    app: &TestApp,
    token: &str,
    metric: &str,
    period: (&str, &str),
    who: (&str, &str),
    value: i64,
) -> String {
    let mut body = json!({ "metric": metric, "period_type": period.0, "period_start": period.1, "value": value });
    body[who.0] = json!(who.1);
    create_target(app, token, body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Creates a target from a whole body and returns the created target.
pub async fn create_target(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .post("/api/v1/targets")
        .bearer(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "create target: {}", res.body);
    res.body
}

/// A 2026 yearly sales target for an assignee (`("unit_id", id)`, `("user_id", id)`, ...).
pub fn year(assignee: (&str, &str), value: i64) -> Value {
    let mut v = json!({ "metric": "sales_amount", "period_type": "year", "period_start": "2026-01-01", "value": value });
    v[assignee.0] = json!(assignee.1);
    v
}

/// The values of a list of targets.
pub fn values(children: &Value) -> Vec<i64> {
    children
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .collect()
}

pub fn sale(ext: &str, day: &str, seller: &str, revenue: i64, cost: i64) -> Value {
    json!({ "external_id": ext, "sold_on": day, "salesperson_id": seller, "revenue_minor": revenue, "cost_minor": cost })
}

pub async fn upload(app: &TestApp, token: &str, path: &str, rows: Vec<Value>) -> Value {
    let res = app
        .post(path)
        .bearer(token)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "upload: {}", res.body);
    res.body
}

pub async fn progress(app: &TestApp, token: &str, id: &str, as_of: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/targets/{id}/progress?as_of={as_of}"))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "progress: {}", res.body);
    res.body
}

pub fn by_id(page: &Value) -> std::collections::HashMap<String, i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["target"]["id"].as_str().unwrap().to_string(),
                p["actual"].as_i64().unwrap(),
            )
        })
        .collect()
}
