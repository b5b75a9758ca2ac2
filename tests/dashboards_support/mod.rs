//! What the dashboard tests share: dates, the rounding of progress, targets, and finding a
//! unit and a metric in a dashboard.
#![allow(dead_code)]

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::common::TestApp;

pub fn today(app: &TestApp) -> NaiveDate {
    app.clock.now().0.date_naive()
}

pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// `a * b / c`, rounded half up, as progress computes it.
pub fn mul_div(a: i64, b: i64, c: i64) -> i64 {
    (2 * a * b + c) / (2 * c)
}

/// A ratio as the API rounds it (four decimals).
pub fn ratio(n: i64, d: i64) -> f64 {
    ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0
}

pub async fn target(app: &TestApp, token: &str, body: Value) {
    let res = app
        .post("/api/v1/targets")
        .bearer(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

pub fn unit<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_name"] == name)
        .unwrap_or_else(|| panic!("no unit {name}: {d}"))
}

pub fn metric<'a>(u: &'a Value, name: &str) -> &'a Value {
    u["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap()
}
