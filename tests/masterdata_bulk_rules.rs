//! Bulk upserts by external id: roles and reach, the batch limit, concurrent batches, retries,
//! and the change feed and webhooks that each created or changed row reaches.

mod bulk_support;
mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bulk_support::*;
use common::*;
use salestrack::jobs;
use serde_json::{json, Value};

#[actix_web::test]
async fn only_the_roles_of_the_single_writes_upload_and_managers_only_within_reach() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let nm = app.login("nm@test.local", PASSWORD).await;
    let batches = [
        (
            "/api/v1/customers/bulk",
            customer("C-1", "K1", &o.north_office, &o.north_seller),
        ),
        ("/api/v1/dealers/bulk", dealer("D-1", "DL1", &o.north)),
        ("/api/v1/products/bulk", product("P-1", "SKU1")),
        (
            "/api/v1/users/bulk",
            user("HR-1", "a@test.local", "salesperson", &o.south),
        ),
    ];
    for (path, row) in &batches {
        for token in [&nsp, &ns] {
            app.post(path)
                .bearer(token)
                .json(json!({ "rows": [row] }))
                .send()
                .await
                .problem(403);
        }
    }
    // Users are uploaded by admins and integrations only.
    app.post("/api/v1/users/bulk")
        .bearer(&nm)
        .json(json!({ "rows": [batches[3].1] }))
        .send()
        .await
        .problem(403);
    // A manager uploads inside the reach; a row outside it names the field.
    let inside = upload(&app, &nm, batches[0].0, vec![batches[0].1.clone()]).await;
    assert_eq!(counts(&inside), (1, 0, 0));
    let outside = refused_fields(
        &app,
        &nm,
        "/api/v1/customers/bulk",
        vec![
            customer("C-2", "K2", &o.north_office, &o.north_seller),
            customer("C-3", "K3", &o.south, &o.north_seller),
        ],
    )
    .await;
    assert_eq!(outside, ["rows[1].org_unit_id"]);
    let foreign_owner = refused_fields(
        &app,
        &nm,
        "/api/v1/customers/bulk",
        vec![customer("C-4", "K4", &o.north_office, &o.south_seller)],
    )
    .await;
    assert_eq!(foreign_owner, ["rows[0].owner_id"]);
    let dealer_outside = refused_fields(
        &app,
        &nm,
        "/api/v1/dealers/bulk",
        vec![dealer("D-9", "DL9", &o.south)],
    )
    .await;
    assert_eq!(dealer_outside, ["rows[0].org_unit_id"]);
    // A stored customer outside the reach cannot be taken over by its external id.
    upload(
        &app,
        &o.admin,
        "/api/v1/customers/bulk",
        vec![customer("C-S", "KS", &o.south, &o.south_seller)],
    )
    .await;
    let takeover = refused_fields(
        &app,
        &nm,
        "/api/v1/customers/bulk",
        vec![customer("C-S", "KS", &o.north_office, &o.north_seller)],
    )
    .await;
    assert_eq!(takeover, ["rows[0].external_id"]);
    // An integration uploads users, but makes and changes no admins.
    app.create_user(&o.admin, "erp@test.local", "integration", &o.root)
        .await;
    let erp = app.login("erp@test.local", PASSWORD).await;
    let ok = upload(&app, &erp, "/api/v1/users/bulk", vec![batches[3].1.clone()]).await;
    assert_eq!(counts(&ok), (1, 0, 0));
    let admin = refused_fields(
        &app,
        &erp,
        "/api/v1/users/bulk",
        vec![user("HR-A", "boss@test.local", "admin", &o.root)],
    )
    .await;
    assert_eq!(admin, ["rows[0].role"]);
}

#[actix_web::test]
async fn a_batch_holds_at_most_1000_rows() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024 * 1024).await;
    let o = Org::build(&app).await;
    let rows: Vec<Value> = (0..1001)
        .map(|i| product(&format!("P-{i}"), &format!("SKU-{i}")))
        .collect();
    let refused = app
        .post("/api/v1/products/bulk")
        .bearer(&o.admin)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(refused.invalid_fields(), ["rows"]);
    let rows: Vec<Value> = (0..1001)
        .map(|i| {
            customer(
                &format!("C-{i}"),
                &format!("K-{i}"),
                &o.north_office,
                &o.north_seller,
            )
        })
        .collect();
    let refused = app
        .post("/api/v1/customers/bulk")
        .bearer(&o.admin)
        .json(json!({ "rows": rows[..1001].to_vec() }))
        .send()
        .await;
    assert_eq!(refused.invalid_fields(), ["rows"]);
    let full = upload(
        &app,
        &o.admin,
        "/api/v1/customers/bulk",
        rows[..1000].to_vec(),
    )
    .await;
    assert_eq!(counts(&full), (1000, 0, 0));
    assert!(app.items("/api/v1/products", &o.admin).await.is_empty());
}

#[actix_web::test]
async fn concurrent_batches_of_the_same_new_external_ids_all_succeed_and_create_each_once() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024 * 1024).await;
    let o = Org::build(&app).await;
    let kinds: [(&str, &str, Vec<Value>); 4] = [
        (
            "/api/v1/customers/bulk",
            "/api/v1/customers?limit=500",
            (0..50)
                .map(|i| {
                    customer(
                        &format!("C-{i}"),
                        &format!("K-{i}"),
                        &o.north_office,
                        &o.north_seller,
                    )
                })
                .collect(),
        ),
        (
            "/api/v1/dealers/bulk",
            "/api/v1/dealers?limit=500",
            (0..50)
                .map(|i| dealer(&format!("D-{i}"), &format!("DL-{i}"), &o.north))
                .collect(),
        ),
        (
            "/api/v1/products/bulk",
            "/api/v1/products?limit=500",
            (0..50)
                .map(|i| product(&format!("P-{i}"), &format!("SKU-{i}")))
                .collect(),
        ),
        (
            "/api/v1/users/bulk",
            "/api/v1/users?limit=500&role=salesperson&unit_id=",
            (0..50)
                .map(|i| {
                    user(
                        &format!("HR-{i}"),
                        &format!("u{i}@test.local"),
                        "salesperson",
                        &o.south,
                    )
                })
                .collect(),
        ),
    ];
    for (path, list, rows) in &kinds {
        let batches = (0..4).map(|_| {
            app.post(path)
                .bearer(&o.admin)
                .json(json!({ "rows": rows.clone() }))
                .send()
        });
        let answers = futures_util::future::join_all(batches).await;
        let mut created = 0;
        for res in &answers {
            assert_eq!(res.status, 200, "{path}: {}", res.text);
            let (c, u, n) = counts(&res.body);
            assert_eq!(c + u + n, 50);
            created += c;
        }
        assert_eq!(
            created, 50,
            "{path}: each row created once across the batches"
        );
        for res in &answers[1..] {
            assert_eq!(ids(&res.body), ids(&answers[0].body), "{path}");
        }
        let list = if list.ends_with('=') {
            format!("{list}{}", o.south)
        } else {
            list.to_string()
        };
        let mut stored = app.items(&list, &o.admin).await;
        // The south unit also holds the org's own salesperson.
        stored.retain(|r| r["external_id"].is_string());
        assert_eq!(stored.len(), 50, "{path}");
    }
}

#[actix_web::test]
async fn a_retried_upload_with_the_same_idempotency_key_gets_the_first_answer() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let send = |rows: Vec<Value>| {
        app.post("/api/v1/products/bulk")
            .bearer(&o.admin)
            .header("idempotency-key", "upload-1")
            .json(json!({ "rows": rows }))
            .send()
    };
    let first = send(vec![product("P-1", "SKU1")]).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = send(vec![product("P-1", "SKU1")]).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(counts(&again.body), (1, 0, 0), "the first answer, replayed");
    send(vec![product("P-2", "SKU2")]).await.problem(422);
}

/// A webhook receiver that keeps each event's type and body.
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
                web::post().to(move |_req: HttpRequest, body: String| {
                    let me = me.clone();
                    async move {
                        me.got
                            .lock()
                            .unwrap()
                            .push(serde_json::from_str(&body).unwrap_or(Value::Null));
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
}

#[actix_web::test]
async fn bulk_and_single_writes_of_a_customer_are_feed_entries_and_webhook_events() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start();
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&o.admin)
        .json(json!({ "url": url, "event_types": ["*"] }))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let start = head(&app, &o.admin).await;

    let rows = vec![customer("C-1", "K1", &o.north_office, &o.north_seller)];
    let created = upload(&app, &o.admin, "/api/v1/customers/bulk", rows.clone()).await;
    let id = ids(&created)[0].clone();
    // Sending it again changes nothing, so records nothing.
    upload(&app, &o.admin, "/api/v1/customers/bulk", rows).await;
    let path = format!("/api/v1/customers/{id}");
    let current = app.get(&path).bearer(&o.admin).send().await;
    let renamed = app
        .patch(&path)
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(json!({ "name": "Kiosk" }))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let archived = app
        .patch(&path)
        .bearer(&o.admin)
        .header("if-match", &renamed.etag())
        .json(json!({ "archived": true }))
        .send()
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text);

    let feed = app
        .get(&format!("/api/v1/changes?types=customer&after={start}"))
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(feed.status, 200, "{}", feed.text);
    let items = feed.body["items"].as_array().unwrap();
    let types: Vec<&str> = items
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["customer.created", "customer.updated", "customer.archived"]
    );
    let mut last = (0, 0);
    for entry in items {
        assert_eq!(entry["change"], "upsert");
        assert_eq!(entry["resource_type"], "customer");
        assert_eq!(entry["resource_id"], id.as_str());
        assert_eq!(entry["resource"]["id"], id.as_str());
        assert_eq!(entry["resource"]["version"], entry["version"]);
        let now = (
            entry["position"].as_i64().unwrap(),
            entry["version"].as_i64().unwrap(),
        );
        assert!(
            now.0 > last.0 && now.1 > last.1,
            "positions and versions increase"
        );
        last = now;
    }
    assert_eq!(items[0]["resource"]["name"], "Customer K1");
    assert_eq!(items[1]["resource"]["name"], "Kiosk");
    assert!(items[2]["resource"]["archived_at"].is_string());

    // The webhook subscribed to everything gets each of them, the archive included.
    jobs::tick(&app.state).await.unwrap();
    let deliveries = app
        .items(
            &format!("/api/v1/webhooks/{}/deliveries", hook.id()),
            &o.admin,
        )
        .await;
    let got = receiver.got.lock().unwrap().clone();
    // (The tick also announces the day's missing daily reports.)
    let mut customer_events: Vec<&str> = got
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| t.starts_with("customer."))
        .collect();
    customer_events.sort();
    let mut expected = types.clone();
    expected.sort();
    assert_eq!(
        customer_events, expected,
        "one delivery per change, none for the repeat"
    );
    let archive = got
        .iter()
        .find(|e| e["type"] == "customer.archived")
        .expect("a customer.archived delivery");
    assert_eq!(archive["resource"]["id"], id.as_str());
    assert!(archive["data"]["archived_at"].is_string());
    assert!(deliveries
        .iter()
        .any(|d| d["event_id"] == archive["id"] && d["status"] == "delivered"));
}
