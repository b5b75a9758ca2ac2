//! The write matrix of the authorisation tests: every write of the API with a body that would
//! pass validation, the writes the spec declares, and an executive to try them with.

#![allow(dead_code)]

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::common::*;

/// An id that names nothing.
pub const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

/// Paths of writes every user may make on their own account (not business data).
pub const OWN_ACCOUNT: [&str; 6] = [
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/refresh",
    "/api/v1/me/password",
    "/api/v1/me/notifications/read-all",
    "/api/v1/me/notifications/{id}/read",
];

/// Every other write of the API, with a body that passes validation (so that only the role can
/// refuse it).
pub fn business_writes(unit: &str, user: &str) -> Vec<(Method, String, Option<Value>)> {
    let n = NOBODY;
    let none = None;
    let post = Method::POST;
    let patch = Method::PATCH;
    let delete = Method::DELETE;
    vec![
        (
            post.clone(),
            "/api/v1/sales-facts".into(),
            Some(
                json!({"rows": [{"external_id": "S-1", "sold_on": "2026-11-02",
            "salesperson_id": user, "revenue_minor": 100}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/payment-facts".into(),
            Some(
                json!({"rows": [{"external_id": "P-1", "paid_on": "2026-11-02",
            "salesperson_id": user, "amount_minor": 100}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/market-reports".into(),
            Some(
                json!({"category": "pricing", "severity": "low", "title": "t",
            "description": "d"}),
            ),
        ),
        (
            post.clone(),
            format!("/api/v1/market-reports/{n}/acknowledge"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/market-reports/{n}/close"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/users".into(),
            Some(
                json!({"email": "x@test.local", "name": "x", "role": "salesperson",
            "org_unit_id": unit, "password": "correct horse battery staple"}),
            ),
        ),
        (
            patch.clone(),
            format!("/api/v1/users/{n}"),
            Some(json!({"name": "x"})),
        ),
        (
            post.clone(),
            format!("/api/v1/users/{n}/password-reset"),
            Some(json!({"new_password": "correct horse battery staple"})),
        ),
        (
            post.clone(),
            "/api/v1/org-units".into(),
            Some(json!({"name": "x", "parent_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/org-units/{n}"),
            Some(json!({"name": "x"})),
        ),
        (
            delete.clone(),
            format!("/api/v1/org-units/{n}"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/meetings".into(),
            Some(json!({"meeting_type": "morning", "unit_id": unit,
            "starts_at": "2026-11-27T07:30:00Z", "agenda": "a"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/meetings/{n}"),
            Some(json!({"agenda": "a"})),
        ),
        (
            post.clone(),
            format!("/api/v1/meetings/{n}/attendance"),
            Some(json!({"entries": [{"user_id": user, "attendance": "present"}]})),
        ),
        (
            post.clone(),
            format!("/api/v1/meetings/{n}/remote-report"),
            Some(json!({"did": "d", "needs": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/targets/{n}/split"),
            Some(json!({"over": "time", "into": "month"})),
        ),
        (
            post.clone(),
            "/api/v1/targets".into(),
            Some(json!({"metric": "sales_amount", "period_type": "month",
            "period_start": "2026-11-01", "value": 100, "unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/targets/{n}"),
            Some(json!({"value": 1})),
        ),
        (delete.clone(), format!("/api/v1/targets/{n}"), none.clone()),
        (
            post.clone(),
            "/api/v1/coaching-sessions".into(),
            Some(json!({"held_on": "2026-11-02", "topic": "t", "salesperson_ids": [user]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/coaching-sessions/{n}"),
            Some(json!({"topic": "t"})),
        ),
        (
            post.clone(),
            format!("/api/v1/coaching-sessions/{n}/action-items/{n}/done"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/refresh"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/review"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/weekly-reports/{n}/return"),
            Some(json!({"comment": "redo"})),
        ),
        (
            post.clone(),
            "/api/v1/weekly-reports".into(),
            Some(json!({"unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/weekly-reports/{n}"),
            Some(json!({})),
        ),
        (patch.clone(), "/api/v1/settings".into(), Some(json!({}))),
        (
            post.clone(),
            "/api/v1/promotions".into(),
            Some(json!({"name": "p", "kind": "display", "org_unit_id": unit,
            "starts_on": "2026-11-02", "ends_on": "2026-11-09", "budget_minor": 0,
            "expected_uplift_pct": 5.0, "unit_ids": [unit], "categories": ["tools"]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/promotions/{n}"),
            Some(json!({"name": "p"})),
        ),
        (
            post.clone(),
            format!("/api/v1/promotions/{n}/approve"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/promotions/{n}/cancel"),
            Some(json!({"reason": "r"})),
        ),
        (
            post.clone(),
            "/api/v1/promotion-cost-facts".into(),
            Some(json!({"rows": [{"external_id": "C-1", "promotion_id": n,
            "spent_on": "2026-11-02", "amount_minor": 100}]})),
        ),
        (
            post.clone(),
            "/api/v1/complaints".into(),
            Some(json!({"customer_id": n, "title": "t", "description": "d",
            "severity": "low"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/complaints/{n}"),
            Some(json!({"title": "t"})),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/acknowledge"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/start"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/resolve"),
            Some(json!({"resolution": "r"})),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/close"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/complaints/{n}/reopen"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/dealers".into(),
            Some(json!({"code": "D", "name": "D", "org_unit_id": unit})),
        ),
        (
            patch.clone(),
            format!("/api/v1/dealers/{n}"),
            Some(json!({"name": "D"})),
        ),
        (
            post.clone(),
            format!("/api/v1/dealers/{n}/users"),
            Some(json!({"user_id": user})),
        ),
        (
            post.clone(),
            "/api/v1/competitors".into(),
            Some(json!({"name": "C"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/competitors/{n}"),
            Some(json!({"name": "C"})),
        ),
        (
            post.clone(),
            "/api/v1/customers".into(),
            Some(json!({"code": "C", "name": "C", "org_unit_id": unit, "owner_id": user})),
        ),
        (
            patch.clone(),
            format!("/api/v1/customers/{n}"),
            Some(json!({"name": "C"})),
        ),
        (
            post.clone(),
            "/api/v1/products".into(),
            Some(json!({"sku": "P", "name": "P", "category": "c"})),
        ),
        (
            post.clone(),
            "/api/v1/products/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "P-1", "sku": "P", "name": "P", "category": "c"}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/customers/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "C-1", "code": "C", "name": "C",
                "org_unit_id": unit, "owner_id": user}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/dealers/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "D-1", "code": "D", "name": "D", "org_unit_id": unit}]}),
            ),
        ),
        (
            post.clone(),
            "/api/v1/users/bulk".into(),
            Some(
                json!({"rows": [{"external_id": "U-1", "email": "u@test.local", "name": "u",
                "role": "salesperson", "org_unit_id": unit}]}),
            ),
        ),
        (
            patch.clone(),
            format!("/api/v1/products/{n}"),
            Some(json!({"name": "P"})),
        ),
        (
            post.clone(),
            "/api/v1/webhooks".into(),
            Some(json!({"url": "https://example.com/hook", "event_types": ["*"]})),
        ),
        (
            patch.clone(),
            format!("/api/v1/webhooks/{n}"),
            Some(json!({"active": false})),
        ),
        (
            delete.clone(),
            format!("/api/v1/webhooks/{n}"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/webhooks/{n}/deliveries/{n}/redeliver"),
            none.clone(),
        ),
        (
            post.clone(),
            "/api/v1/visit-plans".into(),
            Some(json!({"plan_date": "2026-11-02"})),
        ),
        (
            post.clone(),
            "/api/v1/visit-plans/from-suggestions".into(),
            Some(json!({"plan_date": "2026-11-02"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/visit-plans/{n}"),
            Some(json!({"notes": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/approve"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/visit-plans/{n}/return"),
            Some(json!({"comment": "c"})),
        ),
        (
            post.clone(),
            "/api/v1/daily-reports".into(),
            Some(json!({"report_date": "2026-11-02", "attendance": "present"})),
        ),
        (
            patch.clone(),
            format!("/api/v1/daily-reports/{n}"),
            Some(json!({"experience_notes": "n"})),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/submit"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/review"),
            none.clone(),
        ),
        (
            post.clone(),
            format!("/api/v1/daily-reports/{n}/return"),
            Some(json!({"comment": "c"})),
        ),
    ]
}

/// `(METHOD, path template)` of every write in the committed spec.
pub fn spec_writes() -> BTreeSet<(String, String)> {
    let spec: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mut out = BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["post", "patch", "put", "delete"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The path template of a concrete path of the table (`NOBODY` back to `{id}`).
pub fn template(path: &str) -> String {
    let mut t = path.replacen(NOBODY, "{id}", 1);
    t = t.replacen(
        &format!("action-items/{NOBODY}"),
        "action-items/{item_id}",
        1,
    );
    t.replacen(
        &format!("deliveries/{NOBODY}"),
        "deliveries/{delivery_id}",
        1,
    )
}

pub async fn executive(app: &TestApp, org: &Org) -> String {
    app.create_user(&org.admin, "ceo@test.local", "executive", &org.root)
        .await;
    app.login("ceo@test.local", PASSWORD).await
}
