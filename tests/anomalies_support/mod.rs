//! What the anomalies tests share: reading the list, tuning its settings, and visits and
//! customers made to order.

#![allow(dead_code)]

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::common::*;

/// An instant of a body.
pub fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(
        v.as_str().unwrap_or_else(|| panic!("not an instant: {v}")),
    )
    .unwrap()
    .to_utc()
}

/// `h`:`m` UTC on `d`.
pub fn utc(d: NaiveDate, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(h, m, 0).unwrap().and_utc()
}

/// The whole list (one page of up to 500) with extra query parameters (`&kind=...`).
pub async fn list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.items(&format!("/api/v1/anomalies?limit=500{query}"), token)
        .await
}

/// The items of one kind.
pub async fn of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let items = list(app, token, &format!("&kind={kind}")).await;
    assert!(items
        .iter()
        .all(|a| a["kind"] == kind && a["figures"]["kind"] == kind));
    items
}

/// Changes values of the `anomalies` settings group.
pub async fn tune(app: &TestApp, admin: &str, values: Value) {
    let current = app.get("/api/v1/settings").bearer(admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "anomalies": values }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// `n` visits to `customer` on `d`, half an hour apart from 06:00, the first `effective` of them
/// effective and the first `ordered` with an order.
pub fn visits(customer: &str, d: NaiveDate, n: usize, effective: usize, ordered: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let start = d.and_hms_opt(6, 0, 0).unwrap() + Duration::minutes(30 * i as i64);
            let end = start + Duration::minutes(20);
            let order = if i < ordered { 1_000 } else { 0 };
            json!({
                "customer_id": customer,
                "started_at": format!("{}Z", start.format("%Y-%m-%dT%H:%M:%S")),
                "ended_at": format!("{}Z", end.format("%Y-%m-%dT%H:%M:%S")),
                "purpose": "ordering",
                "outcome": if order > 0 { "order_placed" } else { "info_gathered" },
                "effective": i < effective,
                "order_amount_minor": order,
                "collected_amount_minor": 0
            })
        })
        .collect();
    Value::Array(list)
}

/// Creates a customer of `owner` in `unit` and returns its id.
pub async fn customer_of(
    app: &TestApp,
    admin: &str,
    code: &str,
    unit: &str,
    owner: &str,
) -> String {
    let res = app
        .post("/api/v1/customers")
        .bearer(admin)
        .json(json!({"code": code, "name": format!("Shop {code}"), "org_unit_id": unit, "owner_id": owner, "status": "active"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}
