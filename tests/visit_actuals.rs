//! Visits targets count the effective visits of submitted daily reports.

mod common;
mod visits_support;

use common::*;
use serde_json::{json, Value};
use visits_support::*;

async fn visits_target(app: &TestApp, admin: &str, who: (&str, &str), start: &str) -> String {
    let mut body =
        json!({ "metric": "visits", "period_type": "month", "period_start": start, "value": 40 });
    body[who.0] = json!(who.1);
    let res = app
        .post("/api/v1/targets")
        .bearer(admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.id()
}

async fn actual(app: &TestApp, token: &str, id: &str, as_of: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/targets/{id}/progress?as_of={as_of}"))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["actual"].clone()
}

#[actix_web::test]
async fn a_visits_target_counts_effective_visits_of_submitted_reports() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let d = today(&app);
    let month = day(first_of_month(d));
    let person = visits_target(&app, &o.admin, ("user_id", &o.north_seller), &month).await;
    let unit = visits_target(&app, &o.admin, ("unit_id", &o.north), &month).await;
    let mut later = visit(&f.prospect, d, "new_customer_development", 0, 0, false);
    later["started_at"] = json!(at(d, 11, 0));
    later["ended_at"] = json!(at(d, 11, 30));
    // A draft counts nothing; once submitted, its one effective visit counts.
    let draft = report(
        &app,
        &f.seller,
        d,
        json!([visit(&f.shop, d, "ordering", 0, 0, true), later]),
    )
    .await;
    assert_eq!(actual(&app, &o.admin, &person, &day(d)).await, 0);
    let submitted = act(
        &app,
        &f.seller,
        &format!("/api/v1/daily-reports/{}/submit", draft.id()),
        &draft.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(actual(&app, &o.admin, &person, &day(d)).await, 1);
    assert_eq!(actual(&app, &o.admin, &unit, &day(d)).await, 1);
}
