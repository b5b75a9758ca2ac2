//! What the visit plan, daily report and efficiency tests share: a field organisation with
//! customers, a competitor and settings that make every day a working day.

#![allow(dead_code)]

use chrono::{Datelike, Duration, NaiveDate, Timelike, Utc};
use serde_json::{json, Value};

use crate::common::*;

pub struct Field {
    pub org: Org,
    /// Tokens.
    pub seller: String,
    pub supervisor: String,
    pub manager: String,
    pub south_supervisor: String,
    pub south_seller: String,
    /// An active customer of the north seller at a known location.
    pub shop: String,
    /// A prospect of the north seller.
    pub prospect: String,
    pub competitor: String,
}

pub const SHOP_LAT: f64 = 53.55;
pub const SHOP_LON: f64 = 9.99;

/// Today in the company time zone (UTC in these tests), by the server clock.
pub fn today(app: &TestApp) -> NaiveDate {
    app.clock.now().0.date_naive()
}

pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An instant on `d` at `h`:`m` UTC.
pub fn at(d: NaiveDate, h: u32, m: u32) -> String {
    format!("{}T{:02}:{:02}:00Z", day(d), h, m)
}

pub fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

/// Every day is a working day and the cutoff is 23:59 UTC; a run in the last two hours of a UTC
/// day moves the clock into the next, so that "today, on time" holds for the whole test.
pub async fn field(app: &TestApp) -> Field {
    if Utc::now().hour() >= 22 {
        app.clock.advance(Duration::hours(3));
    }
    let org = Org::build(app).await;
    let settings = app.get("/api/v1/settings").bearer(&org.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &settings.etag())
        .json(json!({
            "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "daily_report_cutoff": "23:59", "time_zone": "UTC", "checkin_radius_m": 300
        }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let shop = customer(
        app,
        &org,
        "C-1",
        "Corner Shop",
        "active",
        Some((SHOP_LAT, SHOP_LON)),
    )
    .await;
    let prospect = customer(app, &org, "C-2", "New Kiosk", "prospect", None).await;
    let competitor = app
        .post("/api/v1/competitors")
        .bearer(&org.admin)
        .json(json!({"name": "Rival GmbH"}))
        .send()
        .await;
    assert_eq!(competitor.status, 201, "{}", competitor.text);
    Field {
        seller: app.login("nsp@test.local", PASSWORD).await,
        supervisor: app.login("ns@test.local", PASSWORD).await,
        manager: app.login("nm@test.local", PASSWORD).await,
        south_supervisor: app.login("ss@test.local", PASSWORD).await,
        south_seller: app.login("ssp@test.local", PASSWORD).await,
        competitor: competitor.id(),
        org,
        shop,
        prospect,
    }
}

pub async fn customer(
    app: &TestApp,
    org: &Org,
    code: &str,
    name: &str,
    status: &str,
    at: Option<(f64, f64)>,
) -> String {
    let mut body = json!({"code": code, "name": name, "org_unit_id": org.north_office, "owner_id": org.north_seller, "status": status});
    if let Some((lat, lon)) = at {
        body["latitude"] = json!(lat);
        body["longitude"] = json!(lon);
    }
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

/// Creates a plan and asserts 201.
pub async fn plan(app: &TestApp, token: &str, d: NaiveDate, visits: Value) -> Resp {
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(token)
        .json(json!({"plan_date": day(d), "notes": "Harbour area", "visits": visits}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res
}

/// A workflow step with the given ETag.
pub async fn act(app: &TestApp, token: &str, path: &str, etag: &str, body: Option<Value>) -> Resp {
    let mut req = app.post(path).bearer(token).header("if-match", etag);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await
}

/// A plan created, submitted and approved by the north supervisor; returns it.
pub async fn approved_plan(app: &TestApp, f: &Field, d: NaiveDate, visits: Value) -> Value {
    let p = plan(app, &f.seller, d, visits).await;
    let path = format!("/api/v1/visit-plans/{}", p.id());
    let s = act(app, &f.seller, &format!("{path}/submit"), &p.etag(), None).await;
    assert_eq!(s.status, 200, "{}", s.text);
    let a = act(
        app,
        &f.supervisor,
        &format!("{path}/approve"),
        &s.etag(),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
}

pub fn visit(
    customer: &str,
    d: NaiveDate,
    purpose: &str,
    order: i64,
    collected: i64,
    effective: bool,
) -> Value {
    json!({
        "customer_id": customer, "started_at": at(d, 9, 0), "ended_at": at(d, 9, 40),
        "purpose": purpose, "outcome": if order > 0 { "order_placed" } else { "info_gathered" },
        "effective": effective, "order_amount_minor": order, "collected_amount_minor": collected
    })
}

/// Creates a report and asserts 201.
pub async fn report(app: &TestApp, token: &str, d: NaiveDate, visits: Value) -> Resp {
    let res = app
        .post("/api/v1/daily-reports")
        .bearer(token)
        .json(json!({"report_date": day(d), "attendance": "present", "visits": visits}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res
}

/// Creates and submits a report; returns the submitted report.
pub async fn submitted_report(app: &TestApp, token: &str, d: NaiveDate, visits: Value) -> Resp {
    let r = report(app, token, d, visits).await;
    let s = act(
        app,
        token,
        &format!("/api/v1/daily-reports/{}/submit", r.id()),
        &r.etag(),
        None,
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.text);
    s
}

/// Efficiency figures of one person over a range.
pub async fn figures(
    app: &TestApp,
    token: &str,
    user: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Value {
    let res = app
        .get(&format!(
            "/api/v1/efficiency?user_id={user}&from={}&to={}",
            day(from),
            day(to)
        ))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["people"][0].clone()
}

pub async fn inbox_types(app: &TestApp, token: &str) -> Vec<String> {
    app.items("/api/v1/me/notifications?limit=500", token)
        .await
        .iter()
        .map(|n| n["event_type"].as_str().unwrap().to_string())
        .collect()
}

/// Creates a product as admin and returns its id.
pub async fn product(
    app: &TestApp,
    admin: &str,
    sku: &str,
    category: &str,
    list_price: Option<i64>,
    unit_cost: Option<i64>,
) -> String {
    let res = app
        .post("/api/v1/products")
        .bearer(admin)
        .json(json!({ "sku": sku, "name": sku, "category": category,
                      "list_price_minor": list_price, "unit_cost_minor": unit_cost }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

/// Sets which facts count for money (`report`, `erp` or `both`).
pub async fn set_money_source(app: &TestApp, admin: &str, source: &str) {
    let current = app.get("/api/v1/settings").bearer(admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "money_facts_source": source }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// A monthly target of `user` for the month of `d` (optionally of one category); its id.
pub async fn month_target(
    app: &TestApp,
    admin: &str,
    metric: &str,
    category: Option<&str>,
    user: &str,
    d: NaiveDate,
    value: i64,
) -> String {
    let res = app
        .post("/api/v1/targets")
        .bearer(admin)
        .json(
            json!({ "metric": metric, "period_type": "month", "category": category,
                      "period_start": day(first_of_month(d)), "user_id": user, "value": value }),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

/// The progress of a target on `d`.
pub async fn progress_on(app: &TestApp, token: &str, target: &str, d: NaiveDate) -> Value {
    let res = app
        .get(&format!(
            "/api/v1/targets/{target}/progress?as_of={}",
            day(d)
        ))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}

/// Submits a report given as a response to its creation; returns the submitted report.
pub async fn submit(app: &TestApp, token: &str, created: &Resp) -> Resp {
    let s = act(
        app,
        token,
        &format!("/api/v1/daily-reports/{}/submit", created.id()),
        &created.etag(),
        None,
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.text);
    s
}
