//! A target turning `behind` or `at_risk` reaches its assignee and the superiors once per change
//! of status, however often and on however many instances the background pass runs, and
//! integrators get `target.status_changed`.

mod common;
mod sales;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use sales::{sale, upload};
use salestrack::jobs;
use serde_json::{json, Value};

/// A webhook receiver that records the bodies it gets.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start(&self) -> (String, actix_web::dev::ServerHandle) {
        let me = self.clone();
        let server = HttpServer::new(move || {
            let me = me.clone();
            App::new().route(
                "/hook",
                web::post().to(move |body: String| {
                    let me = me.clone();
                    async move {
                        me.got
                            .lock()
                            .unwrap()
                            .push(serde_json::from_str(&body).unwrap());
                        HttpResponse::Ok().finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let url = format!("http://{}/hook", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        (url, handle)
    }

    fn received(&self) -> Vec<Value> {
        self.got.lock().unwrap().clone()
    }
}

struct Setup {
    org: Org,
    today: NaiveDate,
    receiver: Receiver,
    _hook_server: actix_web::dev::ServerHandle,
}

/// The test org with a head of sales over the company, targets judged from their first day,
/// and a webhook for `target.status_changed`.
async fn setup(app: &TestApp) -> Setup {
    let org = Org::build(app).await;
    let head = app
        .create_user(&org.admin, "head@test.local", "manager", &org.root)
        .await;
    app.set_manager(&org.admin, &org.root, &head).await;
    let settings = app.get("/api/v1/settings").bearer(&org.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&org.admin)
        .header("if-match", &settings.etag())
        .json(json!({"anomalies": {"target_min_elapsed_days": 1}}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let receiver = Receiver::default();
    let (url, server) = receiver.start();
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({"url": url, "secret": "receiver-secret-0123456789", "event_types": ["target.status_changed"]}))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    Setup {
        org,
        today: app.clock.now().0.date_naive(),
        receiver,
        _hook_server: server,
    }
}

/// The `target.status_changed` notifications in someone's inbox.
async fn told(app: &TestApp, email: &str) -> Vec<Value> {
    let token = app.login(email, PASSWORD).await;
    app.items("/api/v1/me/notifications?limit=500", &token)
        .await
        .into_iter()
        .filter(|n| n["event_type"] == "target.status_changed")
        .collect()
}

/// Two instances (two pools over one database) run the background pass at once; returns how
/// many changes of status they announced together.
async fn both_passes(app: &TestApp) -> usize {
    let mut other = app.state.clone();
    other.pool = salestrack::db::pool(&app.url, 4);
    let (a, b) = futures_util::future::join(jobs::tick(&app.state), jobs::tick(&other)).await;
    a.unwrap().target_status_changes + b.unwrap().target_status_changes
}

/// The next recomputation is due a minute after the last.
fn a_minute_later(app: &TestApp) {
    app.clock.advance(Duration::seconds(61));
}

async fn create(app: &TestApp, admin: &str, body: Value) -> String {
    let res = app
        .post("/api/v1/targets")
        .bearer(admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

async fn expected(app: &TestApp, admin: &str, target: &str) -> i64 {
    let res = app
        .get(&format!("/api/v1/targets/{target}/progress"))
        .bearer(admin)
        .send()
        .await;
    res.body["expected"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_target_turning_at_risk_tells_the_seller_and_the_chain_once_per_change() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let o = &s.org;
    let target = create(
        &app,
        &o.admin,
        json!({"metric": "sales_amount", "period_type": "year",
        "period_start": format!("{}-01-01", s.today.year()), "value": 36_500_000,
        "user_id": o.north_seller}),
    )
    .await;
    let e = expected(&app, &o.admin, &target).await;
    let day = s.today.format("%Y-%m-%d").to_string();
    let sold = |revenue: i64| vec![sale("s1", &day, &o.north_seller, revenue, 0)];

    // On pace: the first status is only remembered.
    upload(&app, &o.admin, "/api/v1/sales-facts", sold(e)).await;
    assert_eq!(both_passes(&app).await, 0);
    assert!(told(&app, "nsp@test.local").await.is_empty());

    // Half the pace: at risk. Not before the next recomputation is due...
    upload(&app, &o.admin, "/api/v1/sales-facts", sold(e / 2)).await;
    assert_eq!(both_passes(&app).await, 0);
    // ...then once, whichever of the two instances does it.
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 1);
    // Recomputed again: no change, nothing new.
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 0);
    a_minute_later(&app);
    assert_eq!(
        jobs::tick(&app.state).await.unwrap().target_status_changes,
        0
    );

    for email in [
        "nsp@test.local",
        "ns@test.local",
        "nm@test.local",
        "head@test.local",
    ] {
        let items = told(&app, email).await;
        assert_eq!(items.len(), 1, "{email}: {items:?}");
        assert_eq!(items[0]["resource_type"], "target");
        assert_eq!(items[0]["resource_id"], json!(target));
        assert!(items[0]["title"].as_str().unwrap().contains("at risk"));
    }
    assert!(
        told(&app, "ss@test.local").await.is_empty(),
        "another region is not told"
    );
    assert!(told(&app, "ssp@test.local").await.is_empty());

    // The webhook got the event, once.
    let got = s.receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "target.status_changed");
    assert_eq!(got[0]["resource"]["type"], "target");
    assert_eq!(got[0]["resource"]["id"], json!(target));
    assert_eq!(got[0]["data"]["previous_status"], "on_track");
    assert_eq!(got[0]["data"]["status"], "at_risk");
    assert_eq!(got[0]["data"]["progress"]["target"]["id"], json!(target));
    assert_eq!(got[0]["data"]["progress"]["actual"], e / 2);

    // Better, but still behind: a change for integrators, nobody's inbox.
    upload(&app, &o.admin, "/api/v1/sales-facts", sold(e * 9 / 10)).await;
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 1);
    assert_eq!(told(&app, "nsp@test.local").await.len(), 1);
    let got = s.receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["data"]["previous_status"], "at_risk");
    assert_eq!(got[1]["data"]["status"], "behind");

    // At risk again: told again, once.
    upload(&app, &o.admin, "/api/v1/sales-facts", sold(e / 2)).await;
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 1);
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 0);
    for email in ["nsp@test.local", "ns@test.local", "head@test.local"] {
        assert_eq!(told(&app, email).await.len(), 2, "{email}");
    }
    // The anomalies list dates the problem from the change.
    let items = app
        .items("/api/v1/anomalies?kind=target_at_risk", &o.admin)
        .await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["target_id"], json!(target));
    let last = told(&app, "nsp@test.local")
        .await
        .into_iter()
        .map(|n| n["created_at"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert_eq!(instant(items[0]["since"].as_str().unwrap()), instant(&last));
}

#[actix_web::test]
async fn a_unit_target_judged_at_risk_tells_the_units_chain_and_young_periods_wait() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let o = &s.org;
    // A week target of the seller: not judged while fewer days than the setting have passed.
    let monday = s.today - Duration::days(i64::from(s.today.weekday().num_days_from_monday()));
    let settings = app.get("/api/v1/settings").bearer(&o.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&o.admin)
        .header("if-match", &settings.etag())
        .json(json!({"anomalies": {"target_min_elapsed_days": 8}}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let week = create(
        &app,
        &o.admin,
        json!({"metric": "visits", "period_type": "week",
        "period_start": monday.format("%Y-%m-%d").to_string(), "value": 700,
        "user_id": o.north_seller}),
    )
    .await;
    assert_eq!(
        both_passes(&app).await,
        0,
        "not judged after {} days",
        (s.today - monday).num_days() + 1
    );
    assert!(app
        .items("/api/v1/anomalies?kind=target_at_risk", &o.admin)
        .await
        .is_empty());

    // Judged from the first day: both at risk at once (nothing done yet), the office's year
    // target too.
    let office = create(
        &app,
        &o.admin,
        json!({"metric": "sales_amount", "period_type": "year",
        "period_start": format!("{}-01-01", s.today.year()), "value": 36_500_000,
        "unit_id": o.north_office}),
    )
    .await;
    let current = app.get("/api/v1/settings").bearer(&o.admin).send().await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(json!({"anomalies": {"target_min_elapsed_days": 1}}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 2);
    // The office's target: its manager and those above, not the seller.
    let ids = |items: Vec<Value>| -> Vec<String> {
        let mut v: Vec<String> = items
            .iter()
            .map(|n| n["resource_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let mut both = vec![week.clone(), office.clone()];
    both.sort();
    for email in ["ns@test.local", "nm@test.local", "head@test.local"] {
        assert_eq!(ids(told(&app, email).await), both, "{email}");
    }
    assert_eq!(ids(told(&app, "nsp@test.local").await), vec![week.clone()]);
    assert!(told(&app, "ss@test.local").await.is_empty());
    assert_eq!(s.receiver.received().len(), 2);
    // Deleting a target forgets its status.
    let t = app
        .get(&format!("/api/v1/targets/{week}"))
        .bearer(&o.admin)
        .send()
        .await;
    let del = app
        .delete(&format!("/api/v1/targets/{week}"))
        .bearer(&o.admin)
        .header("if-match", &t.etag())
        .send()
        .await;
    assert_eq!(del.status, 204, "{}", del.text);
    a_minute_later(&app);
    assert_eq!(both_passes(&app).await, 0);
}

#[actix_web::test]
async fn two_recomputations_at_the_same_moment_announce_a_change_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let o = &s.org;
    let mut targets = Vec::new();
    for who in [&o.north_seller, &o.south_seller] {
        targets.push(
            create(
                &app,
                &o.admin,
                json!({"metric": "new_customers", "period_type": "year",
                "period_start": format!("{}-01-01", s.today.year()), "value": 1_000,
                "user_id": who}),
            )
            .await,
        );
    }
    // Both passes past their turn-taking: each target's first status (at risk) races.
    let mut other = app.state.clone();
    other.pool = salestrack::db::pool(&app.url, 4);
    let now = app.clock.now();
    let recompute = |state: salestrack::AppState| async move {
        state
            .db(move |conn| salestrack::progress::status::recompute(conn, now))
            .await
            .unwrap()
    };
    let (a, b) = futures_util::future::join(recompute(app.state.clone()), recompute(other)).await;
    assert_eq!(a + b, 2, "each of the two targets once ({a} + {b})");
    assert_eq!(told(&app, "nsp@test.local").await.len(), 1);
    assert_eq!(told(&app, "ssp@test.local").await.len(), 1);
    assert_eq!(told(&app, "head@test.local").await.len(), 2);
    jobs::tick(&app.state).await.unwrap();
    assert_eq!(s.receiver.received().len(), 2);
}
