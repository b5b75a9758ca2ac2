//! What the promotion tests share: a small territory (the north region, with its office taking
//! part and the region's own customers as the control group), products, a dealer, and a
//! promotion planned over it.

#![allow(dead_code)]

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::common::*;
use crate::sales::{company, Company};

pub struct Territory {
    pub c: Company,
    /// Tokens.
    pub head: String,
    pub north_manager: String,
    pub north_supervisor: String,
    pub north_seller: String,
    pub region_seller: String,
    pub south_supervisor: String,
    /// North office customers of the north seller: they take part with their office.
    pub a1: String,
    pub a2: String,
    /// Customers placed in the north region itself (of the region seller): the control group...
    pub b1: String,
    pub b2: String,
    /// ...except this one, which is named as taking part.
    pub c3: String,
    /// A customer of the south: outside the territory.
    pub s1: String,
    /// A dealer of the north region, taking part.
    pub dealer: String,
    /// The promoted product (category `tools`), a product of a promoted category
    /// (`consumables`), and one that is not promoted (`services`).
    pub p1: String,
    pub p2: String,
    pub p3: String,
}

/// Today in the company time zone (UTC in these tests), by the server clock.
pub fn today(app: &TestApp) -> NaiveDate {
    app.clock.now().0.date_naive()
}

pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `today + n` days, as a date string.
pub fn rel(app: &TestApp, n: i64) -> String {
    day(today(app) + Duration::days(n))
}

async fn customer(app: &TestApp, admin: &str, code: &str, unit: &str, owner: &str) -> String {
    let res = app
        .post("/api/v1/customers")
        .bearer(admin)
        .json(
            json!({"code": code, "name": format!("Customer {code}"), "org_unit_id": unit,
                     "owner_id": owner, "status": "active"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

async fn product(app: &TestApp, admin: &str, sku: &str, category: &str) -> String {
    let res = app
        .post("/api/v1/products")
        .bearer(admin)
        .json(json!({"sku": sku, "name": format!("Product {sku}"), "category": category}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

/// The territory, with every day a working day and the daily cutoff at 23:59 UTC.
pub async fn territory(app: &TestApp) -> Territory {
    let c = company(app).await;
    let o = &c.org;
    let settings = app.get("/api/v1/settings").bearer(&o.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&o.admin)
        .header("if-match", &settings.etag())
        .json(json!({
            "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "daily_report_cutoff": "23:59", "time_zone": "UTC"
        }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let admin = o.admin.clone();
    let dealer = app
        .post("/api/v1/dealers")
        .bearer(&admin)
        .json(json!({"code": "D-N", "name": "North Distribution", "org_unit_id": o.north}))
        .send()
        .await;
    assert_eq!(dealer.status, 201, "{}", dealer.text);
    Territory {
        a1: customer(app, &admin, "A1", &o.north_office, &o.north_seller).await,
        a2: customer(app, &admin, "A2", &o.north_office, &o.north_seller).await,
        b1: customer(app, &admin, "B1", &o.north, &c.region_seller).await,
        b2: customer(app, &admin, "B2", &o.north, &c.region_seller).await,
        c3: customer(app, &admin, "C3", &o.north, &c.region_seller).await,
        s1: customer(app, &admin, "S1", &o.south, &o.south_seller).await,
        p1: product(app, &admin, "P1", "tools").await,
        p2: product(app, &admin, "P2", "consumables").await,
        p3: product(app, &admin, "P3", "services").await,
        dealer: dealer.id(),
        head: c.head.clone(),
        north_manager: app.login("nm@test.local", PASSWORD).await,
        north_supervisor: app.login("ns@test.local", PASSWORD).await,
        north_seller: app.login("nsp@test.local", PASSWORD).await,
        region_seller: app.login("rs@test.local", PASSWORD).await,
        south_supervisor: app.login("ss@test.local", PASSWORD).await,
        c,
    }
}

impl Territory {
    /// A promotion of the north region from `starts` to `ends` (days from today): the north
    /// office, customer C3 and the dealer take part; product P1 and category `consumables`.
    pub fn body(&self, app: &TestApp, starts: i64, ends: i64) -> Value {
        json!({
            "name": "Spring push", "kind": "display", "org_unit_id": self.c.org.north,
            "starts_on": rel(app, starts), "ends_on": rel(app, ends),
            "budget_minor": 50_000, "expected_uplift_pct": 100.0,
            "unit_ids": [self.c.org.north_office], "customer_ids": [self.c3],
            "dealer_ids": [self.dealer], "product_ids": [self.p1], "categories": ["consumables"]
        })
    }

    /// Creates a promotion as the north manager and asserts 201.
    pub async fn plan(&self, app: &TestApp, body: Value) -> Resp {
        let res = app
            .post("/api/v1/promotions")
            .bearer(&self.north_manager)
            .json(body)
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        res
    }

    /// A promotion planned by the north manager and approved by the head of sales.
    pub async fn approved(&self, app: &TestApp, body: Value) -> Resp {
        let p = self.plan(app, body).await;
        let res = step(app, &self.head, &p.id(), "approve", &p.etag(), None).await;
        assert_eq!(res.status, 200, "{}", res.text);
        res
    }
}

/// A workflow step with `If-Match: etag`.
pub async fn step(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    etag: &str,
    body: Option<Value>,
) -> Resp {
    let mut req = app
        .post(&format!("/api/v1/promotions/{id}/{action}"))
        .bearer(token)
        .header("if-match", etag);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await
}

pub async fn get(app: &TestApp, token: &str, id: &str) -> Resp {
    app.get(&format!("/api/v1/promotions/{id}"))
        .bearer(token)
        .send()
        .await
}
