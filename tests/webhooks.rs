//! Webhooks: events arrive signed and verifiable, are retried after the receiver fails, and are
//! not lost across a server restart.

mod common;

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::Duration;
use common::*;
use hmac::{Hmac, Mac};
use salestrack::clock::Clock;
use salestrack::jobs;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "receiver-secret-0123456789";

/// What a receiver got: each request's headers and body.
type Received = Vec<(Vec<(String, String)>, String)>;

/// A webhook receiver: records what it gets, answers with a status the test sets.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Received>>,
    status: Arc<AtomicU16>,
    /// How long each answer takes, in milliseconds.
    delay_ms: Arc<AtomicU64>,
}

impl Receiver {
    fn start(&self) -> (String, actix_web::dev::ServerHandle) {
        self.status.store(200, Ordering::SeqCst);
        self.start_on(0)
    }

    /// Serves on `port` (0: any free port); returns the hook URL.
    fn start_on(&self, port: u16) -> (String, actix_web::dev::ServerHandle) {
        let me = self.clone();
        let server = HttpServer::new(move || {
            let me = me.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: String| {
                    let me = me.clone();
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect();
                        me.got.lock().unwrap().push((headers, body));
                        let delay = me.delay_ms.load(Ordering::SeqCst);
                        actix_web::rt::time::sleep(std::time::Duration::from_millis(delay)).await;
                        let status = me.status.load(Ordering::SeqCst);
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", port))
        .unwrap();
        let url = format!("http://{}/hook", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        (url, handle)
    }

    fn received(&self) -> Received {
        self.got.lock().unwrap().clone()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap()
}

/// Checks `Salestrack-Signature: t=..,v1=..` the way a receiver would.
fn verify(headers: &[(String, String)], body: &str) -> bool {
    let sig = header(headers, "salestrack-signature");
    let (t, v1) = sig.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap()).is_ok()
}

async fn setup(app: &TestApp, url: &str) -> (Org, String, String) {
    let org = Org::build(app).await;
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({"url": url, "secret": SECRET, "event_types": ["complaint.filed", "complaint.escalated"]}))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    assert_eq!(hook.body["secret"], SECRET);
    let customer = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(json!({"code": "C-9", "name": "Kiosk", "org_unit_id": org.north_office, "owner_id": org.north_seller}))
        .send()
        .await;
    assert_eq!(customer.status, 201, "{}", customer.text);
    (org, hook.id(), customer.id())
}

async fn file_critical(app: &TestApp, customer: &str) -> String {
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let res = app
        .post("/api/v1/complaints")
        .bearer(&seller)
        .json(json!({"customer_id": customer, "title": "Recall", "description": "Batch 42 smells.", "severity": "critical"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.id()
}

#[actix_web::test]
async fn a_critical_complaint_arrives_signed_at_the_webhook() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start();
    let (_org, _hook, customer) = setup(&app, &url).await;
    let complaint = file_critical(&app, &customer).await;
    let done = jobs::tick(&app.state).await.unwrap();
    assert_eq!(done.delivered, 1);
    let got = receiver.received();
    assert_eq!(
        got.len(),
        1,
        "only the subscribed type (complaint.filed), not complaint.created"
    );
    let (headers, body) = &got[0];
    assert!(verify(headers, body), "the HMAC signature verifies");
    assert_eq!(header(headers, "salestrack-event-type"), "complaint.filed");
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["type"], "complaint.filed");
    assert_eq!(
        event["id"].as_str().unwrap(),
        header(headers, "salestrack-event-id")
    );
    assert_eq!(event["resource"]["id"], json!(complaint));
    assert_eq!(event["data"]["severity"], "critical");
    // Nothing more to send.
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 0);
    assert_eq!(receiver.received().len(), 1);
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_with_backoff_and_logged() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start();
    let (org, hook, customer) = setup(&app, &url).await;
    receiver.status.store(500, Ordering::SeqCst);
    file_critical(&app, &customer).await;
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 0);
    let log = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .bearer(&org.admin)
        .send()
        .await;
    let delivery = &log.body["items"][0];
    assert_eq!(delivery["status"], "pending", "{}", log.text);
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status_code"], 500);
    // Not before the backoff (10 s after the first failure).
    receiver.status.store(200, Ordering::SeqCst);
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 0);
    app.clock.advance(Duration::seconds(11));
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    let id = |i: usize| header(&got[i].0, "salestrack-event-id").to_string();
    assert_eq!(
        id(0),
        id(1),
        "the same event id, so the receiver can de-duplicate"
    );
    let admin = app.admin_token().await;
    let log = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(log.body["items"][0]["status"], "delivered");
    assert_eq!(log.body["items"][0]["attempts"], 2);
    // An admin can send it again by hand.
    let delivery = log.body["items"][0]["id"].as_str().unwrap();
    let again = app
        .post(&format!(
            "/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver"
        ))
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 1);
    assert_eq!(receiver.received().len(), 3);
}

#[actix_web::test]
async fn deliveries_survive_a_server_restart() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::default();
    let (url, server) = receiver.start();
    let (_org, _hook, customer) = setup(&app, &url).await;
    // The receiver is down when the event happens.
    server.stop(false).await;
    file_critical(&app, &customer).await;
    assert_eq!(jobs::tick(&app.state).await.unwrap().delivered, 0);
    // A new server process on the same database, and the receiver back on its port.
    let clock = Clock::system();
    clock.advance(Duration::minutes(5));
    let restarted = salestrack::bootstrap::prepare(test_config(app.url.clone()), clock)
        .unwrap()
        .state;
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/hook")
        .parse()
        .unwrap();
    let back = Receiver {
        got: receiver.got.clone(),
        status: Arc::new(AtomicU16::new(200)),
        ..Receiver::default()
    };
    let _server = back.start_on(port);
    assert_eq!(jobs::tick(&restarted).await.unwrap().delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert!(verify(&got[0].0, &got[0].1));
}

#[actix_web::test]
async fn only_admins_manage_webhooks_and_bad_event_types_are_refused() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let manager = app.login("nm@test.local", PASSWORD).await;
    app.get("/api/v1/webhooks")
        .bearer(&manager)
        .send()
        .await
        .problem(403);
    app.post("/api/v1/webhooks")
        .bearer(&manager)
        .json(json!({"url": "http://127.0.0.1:9/x", "event_types": ["*"]}))
        .send()
        .await
        .problem(403);
    let bad = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({"url": "http://127.0.0.1:9/x", "event_types": ["*", "complaint.exploded"]}))
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["event_types[1]"]);
    let bad = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({"url": "ftp://example.com/x", "event_types": ["*"]}))
        .send()
        .await;
    assert_eq!(bad.invalid_fields(), vec!["url"]);
    let ok = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({"url": "http://127.0.0.1:9/x", "event_types": ["*"]}))
        .send()
        .await;
    assert_eq!(ok.status, 201);
    assert!(ok.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let read = app
        .get(&format!("/api/v1/webhooks/{}", ok.id()))
        .bearer(&org.admin)
        .send()
        .await;
    assert!(
        read.body.get("secret").is_none(),
        "the secret is shown only at creation"
    );
    let off = app
        .patch(&format!("/api/v1/webhooks/{}", ok.id()))
        .bearer(&org.admin)
        .header("if-match", &read.etag())
        .json(json!({"active": false}))
        .send()
        .await;
    assert_eq!(off.body["active"], false);
    app.get("/api/v1/webhooks/00000000-0000-0000-0000-000000000000")
        .bearer(&org.admin)
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn two_instances_deliver_each_event_once_when_deliveries_are_slow() {
    // Deliveries may take up to 1 s; the receiver takes 0.4 s, so a batch of ten outlives
    // the claim one batch would have (2 s): each delivery is claimed for its own send.
    let app = TestApp::spawn_with(|c| c.webhook_timeout_ms = 1000).await;
    let receiver = Receiver::default();
    receiver.delay_ms.store(400, Ordering::SeqCst);
    let (url, _server) = receiver.start();
    let (_org, _hook, customer) = setup(&app, &url).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    for i in 0..10 {
        let res = app
            .post("/api/v1/complaints")
            .bearer(&seller)
            .json(
                json!({"customer_id": customer, "title": format!("Recall {i}"),
                "description": "Batch 42 smells.", "severity": "critical"}),
            )
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let mut other = app.state.clone();
    other.pool = salestrack::db::pool(&app.url, 4);
    let first = jobs::tick(&app.state);
    let second = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
        jobs::tick(&other).await
    };
    let (a, b) = futures_util::future::join(first, second).await;
    let delivered = a.unwrap().delivered + b.unwrap().delivered;
    let mut ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|(h, _)| header(h, "salestrack-event-id").to_string())
        .collect();
    let sent = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "every event arrived");
    assert_eq!(sent, 10, "and none twice");
    assert_eq!(delivered, 10);
}
