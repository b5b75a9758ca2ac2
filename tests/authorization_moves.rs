//! Reach follows the org as it is now: a person's records follow the person when they move, and
//! a customer is reached through its unit or its owner.

mod common;
mod visits_support;

use common::*;
use serde_json::json;
use visits_support::*;

/// Moves a user to another unit (as admin).
async fn move_user(app: &TestApp, org: &Org, user: &str, unit: &str) {
    let path = format!("/api/v1/users/{user}");
    let current = app.get(&path).bearer(&org.admin).send().await;
    let res = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &current.etag())
        .json(json!({ "org_unit_id": unit }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn after_a_move_the_new_chain_signs_the_old_records_and_the_old_chain_loses_them() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    let p = plan(
        &app,
        &f.seller,
        d,
        json!([{"prospect_name": "Kiosk", "purpose": "other"}]),
    )
    .await;
    let plan_path = format!("/api/v1/visit-plans/{}", p.id());
    let submitted = act(
        &app,
        &f.seller,
        &format!("{plan_path}/submit"),
        &p.etag(),
        None,
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    let r = submitted_report(&app, &f.seller, d, json!([])).await;
    let report_path = format!("/api/v1/daily-reports/{}", r.id());

    // The seller moves from the north office to the south region.
    move_user(&app, &f.org, &f.org.north_seller, &f.org.south).await;

    // The old chain reaches none of it: 404 on reads and on the workflow steps.
    let old = [&f.supervisor, &f.manager];
    for token in old {
        app.get(&plan_path).bearer(token).send().await.problem(404);
        app.get(&report_path)
            .bearer(token)
            .send()
            .await
            .problem(404);
        act(
            &app,
            token,
            &format!("{plan_path}/approve"),
            &submitted.etag(),
            None,
        )
        .await
        .problem(404);
        act(
            &app,
            token,
            &format!("{report_path}/review"),
            &r.etag(),
            None,
        )
        .await
        .problem(404);
        let plans = app.items("/api/v1/visit-plans", token).await;
        assert!(plans
            .iter()
            .all(|x| x["owner_id"] != json!(f.org.north_seller)));
        let reports = app.items("/api/v1/daily-reports", token).await;
        assert!(reports
            .iter()
            .all(|x| x["owner_id"] != json!(f.org.north_seller)));
    }

    // The new chain sees them, waiting for it, and signs them.
    let new = &f.south_supervisor;
    let waiting = app.items("/api/v1/visit-plans?awaiting_me=true", new).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["id"], json!(p.id()));
    let by_unit = app
        .items(
            &format!("/api/v1/daily-reports?unit_id={}", f.org.south),
            new,
        )
        .await;
    assert_eq!(by_unit.len(), 1, "{by_unit:?}");
    let seen = app.get(&plan_path).bearer(new).send().await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let approved = act(
        &app,
        new,
        &format!("{plan_path}/approve"),
        &seen.etag(),
        None,
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    let reviewed = act(
        &app,
        new,
        &format!("{report_path}/review"),
        &r.etag(),
        Some(json!({"quality_score": 4, "comment": "Good day"})),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    // The seller still reaches their own records.
    let own = app.get(&report_path).bearer(&f.seller).send().await;
    assert_eq!(own.status, 200, "{}", own.text);
}

#[actix_web::test]
async fn after_a_move_market_reports_and_complaints_follow_the_reporter() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let report = app
        .post("/api/v1/market-reports")
        .bearer(&f.seller)
        .json(
            json!({"category": "pricing", "severity": "low", "title": "Price cut",
            "description": "Rival cut prices"}),
        )
        .send()
        .await;
    assert_eq!(report.status, 201, "{}", report.text);
    let complaint = app
        .post("/api/v1/complaints")
        .bearer(&f.seller)
        .json(
            json!({"customer_id": f.shop, "title": "Late delivery", "description": "d",
            "severity": "low"}),
        )
        .send()
        .await;
    assert_eq!(complaint.status, 201, "{}", complaint.text);
    move_user(&app, &f.org, &f.org.north_seller, &f.org.south).await;
    let mr = format!("/api/v1/market-reports/{}", report.id());
    let cp = format!("/api/v1/complaints/{}", complaint.id());
    app.get(&mr).bearer(&f.supervisor).send().await.problem(404);
    app.get(&cp).bearer(&f.supervisor).send().await.problem(404);
    let ack = act(
        &app,
        &f.south_supervisor,
        &format!("{mr}/acknowledge"),
        &report.etag(),
        None,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    let ack = act(
        &app,
        &f.south_supervisor,
        &format!("{cp}/acknowledge"),
        &complaint.etag(),
        None,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
}

#[actix_web::test]
async fn a_customer_is_reached_through_its_owner_as_well_as_its_unit() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    // Owned by the north seller, placed in the south region.
    let res = app
        .post("/api/v1/customers")
        .bearer(&f.org.admin)
        .json(
            json!({"code": "X-1", "name": "Border Shop", "org_unit_id": f.org.south,
            "owner_id": f.org.north_seller, "status": "active"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.id();
    let path = format!("/api/v1/customers/{id}");
    // The owner's chain reaches it (read, list, change), and so does the unit's.
    for token in [&f.supervisor, &f.manager, &f.south_supervisor, &f.seller] {
        let seen = app.get(&path).bearer(token).send().await;
        assert_eq!(seen.status, 200, "{}", seen.text);
        let listed = app.items("/api/v1/customers", token).await;
        assert!(listed.iter().any(|c| c["id"] == json!(id)));
    }
    let seen = app.get(&path).bearer(&f.manager).send().await;
    let changed = app
        .patch(&path)
        .bearer(&f.manager)
        .header("if-match", &seen.etag())
        .json(json!({"name": "Border Shop 2"}))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    // ... and uses it as a reference.
    let res = app
        .post("/api/v1/complaints")
        .bearer(&f.supervisor)
        .json(json!({"customer_id": id, "title": "t", "description": "d", "severity": "low"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    // Someone who reaches neither the unit nor the owner does not.
    let other = app.create_unit(&f.org.admin, "West", &f.org.root).await;
    let ws_id = app
        .create_user(&f.org.admin, "ws@test.local", "supervisor", &other)
        .await;
    let west = app.login("ws@test.local", PASSWORD).await;
    app.get(&path).bearer(&west).send().await.problem(404);
    // When the owner moves to the west (now run by that supervisor), the north chain loses it
    // and the west gains it.
    app.set_manager(&f.org.admin, &other, &ws_id).await;
    move_user(&app, &f.org, &f.org.north_seller, &other).await;
    app.get(&path)
        .bearer(&f.supervisor)
        .send()
        .await
        .problem(404);
    let seen = app.get(&path).bearer(&west).send().await;
    assert_eq!(seen.status, 200, "{}", seen.text);
}
