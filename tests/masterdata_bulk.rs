//! Bulk upserts of customers, dealers, products and users by external id: counts and results,
//! idempotence, all or nothing, roles and reach, concurrent batches, and the change feed and
//! webhooks that each created or changed row reaches.

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use common::*;
use salestrack::jobs;
use serde_json::{json, Value};

/// Posts a batch that must answer 200, and returns the answer.
async fn upload(app: &TestApp, token: &str, path: &str, rows: Vec<Value>) -> Value {
    let res = app
        .post(path)
        .bearer(token)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.body
}

fn counts(res: &Value) -> (i64, i64, i64) {
    (
        res["created"].as_i64().unwrap(),
        res["updated"].as_i64().unwrap(),
        res["unchanged"].as_i64().unwrap(),
    )
}

fn outcomes(res: &Value) -> Vec<String> {
    res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect()
}

fn ids(res: &Value) -> Vec<String> {
    res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn customer(ext: &str, code: &str, unit: &str, owner: &str) -> Value {
    json!({ "external_id": ext, "code": code, "name": format!("Customer {code}"), "org_unit_id": unit, "owner_id": owner })
}

fn dealer(ext: &str, code: &str, unit: &str) -> Value {
    json!({ "external_id": ext, "code": code, "name": format!("Dealer {code}"), "org_unit_id": unit })
}

fn product(ext: &str, sku: &str) -> Value {
    json!({ "external_id": ext, "sku": sku, "name": format!("Product {sku}"), "category": "tools", "list_price_minor": 1000 })
}

fn user(ext: &str, email: &str, role: &str, unit: &str) -> Value {
    json!({ "external_id": ext, "email": email, "name": ext, "role": role, "org_unit_id": unit })
}

/// The newest position of the change feed.
async fn head(app: &TestApp, token: &str) -> i64 {
    let res = app.get("/api/v1/changes/head").bearer(token).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["position"].as_i64().unwrap()
}

/// Gives a user an external id with a single update, and returns the updated user.
async fn set_external_id(app: &TestApp, admin: &str, user: &str, ext: &str) -> Value {
    let path = format!("/api/v1/users/{user}");
    let current = app.get(&path).bearer(admin).send().await;
    let res = app
        .patch(&path)
        .bearer(admin)
        .header("if-match", &current.etag())
        .json(json!({ "external_id": ext }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}

#[actix_web::test]
async fn customers_are_created_updated_or_left_unchanged_by_external_id() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    set_external_id(&app, &o.admin, &o.south_seller, "HR-SSP").await;
    let mut by_owner_ext = customer("C-3", "K3", &o.south, &o.south_seller);
    by_owner_ext["owner_id"] = Value::Null;
    by_owner_ext["owner_external_id"] = json!("HR-SSP");
    by_owner_ext["status"] = json!("active");
    let rows = vec![
        customer("C-1", "K1", &o.north_office, &o.north_seller),
        customer("C-2", "K2", &o.north_office, &o.north_seller),
        by_owner_ext,
    ];
    let path = "/api/v1/customers/bulk";
    let first = upload(&app, &o.admin, path, rows.clone()).await;
    assert_eq!(counts(&first), (3, 0, 0));
    assert_eq!(first["rows"][2]["external_id"], "C-3");
    assert_eq!(first["rows"][2]["index"], 2);
    let c3 = app
        .get(&format!(
            "/api/v1/customers/{}",
            first["rows"][2]["id"].as_str().unwrap()
        ))
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(c3.body["owner_id"], o.south_seller.as_str());
    assert!(c3.body["activated_on"].is_string(), "activated when active");

    let again = upload(&app, &o.admin, path, rows.clone()).await;
    assert_eq!(counts(&again), (0, 0, 3));
    assert_eq!(ids(&again), ids(&first));

    let mut changed = rows.clone();
    changed[0]["name"] = json!("Renamed");
    changed[1]["archived"] = json!(true);
    let third = upload(&app, &o.admin, path, changed).await;
    assert_eq!(counts(&third), (0, 2, 1));
    assert_eq!(outcomes(&third), ["updated", "updated", "unchanged"]);
    let c1 = app
        .get(&format!("/api/v1/customers/{}", ids(&first)[0]))
        .bearer(&o.admin)
        .send()
        .await;
    assert_eq!(c1.body["name"], "Renamed");
    assert_eq!(c1.body["version"], 2);
    let live = app.items("/api/v1/customers", &o.admin).await;
    assert_eq!(live.len(), 2, "the archived one is hidden");
}

#[actix_web::test]
async fn dealers_and_products_are_upserted_by_external_id() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let d = "/api/v1/dealers/bulk";
    let dealers = vec![
        dealer("D-1", "DL1", &o.north),
        dealer("D-2", "DL2", &o.south),
    ];
    let first = upload(&app, &o.admin, d, dealers.clone()).await;
    assert_eq!(counts(&first), (2, 0, 0));
    assert_eq!(
        counts(&upload(&app, &o.admin, d, dealers.clone()).await),
        (0, 0, 2)
    );
    let mut moved = dealers.clone();
    moved[1]["org_unit_id"] = json!(o.north_office);
    let third = upload(&app, &o.admin, d, moved).await;
    assert_eq!(outcomes(&third), ["unchanged", "updated"]);
    let stored = app.items("/api/v1/dealers?external_id=D-2", &o.admin).await;
    assert_eq!(stored[0]["org_unit_id"], o.north_office.as_str());

    let p = "/api/v1/products/bulk";
    let products = vec![
        product("P-1", "SKU1"),
        product("P-2", "SKU2"),
        product("P-3", "SKU3"),
    ];
    let first = upload(&app, &o.admin, p, products.clone()).await;
    assert_eq!(counts(&first), (3, 0, 0));
    assert_eq!(
        counts(&upload(&app, &o.admin, p, products.clone()).await),
        (0, 0, 3)
    );
    // A price left out is kept; null clears it.
    let mut changed = products.clone();
    changed[0]
        .as_object_mut()
        .unwrap()
        .remove("list_price_minor");
    changed[1]["list_price_minor"] = Value::Null;
    changed[2]["category"] = json!("garden");
    let third = upload(&app, &o.admin, p, changed).await;
    assert_eq!(outcomes(&third), ["unchanged", "updated", "updated"]);
    let p2 = app
        .items("/api/v1/products?external_id=P-2", &o.admin)
        .await;
    assert!(p2[0]["list_price_minor"].is_null());
    let p1 = app
        .items("/api/v1/products?external_id=P-1", &o.admin)
        .await;
    assert_eq!(p1[0]["list_price_minor"], 1000);
}

#[actix_web::test]
async fn users_are_upserted_by_external_id_and_cannot_log_in_until_an_admin_sets_a_password() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let path = "/api/v1/users/bulk";
    let rows = vec![
        user("HR-1", "anna@test.local", "salesperson", &o.north_office),
        user("HR-2", "ben@test.local", "supervisor", &o.south),
    ];
    let first = upload(&app, &o.admin, path, rows.clone()).await;
    assert_eq!(counts(&first), (2, 0, 0));
    assert_eq!(
        counts(&upload(&app, &o.admin, path, rows.clone()).await),
        (0, 0, 2)
    );
    let anna = ids(&first)[0].clone();
    let listed = app.items("/api/v1/users?external_id=HR-1", &o.admin).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], anna.as_str());
    assert_eq!(listed[0]["external_id"], "HR-1");
    assert!(listed[0].get("password_hash").is_none());
    // No password works until an admin sets one.
    app.login_full("anna@test.local", PASSWORD)
        .await
        .problem(401);
    let current = app
        .get(&format!("/api/v1/users/{anna}"))
        .bearer(&o.admin)
        .send()
        .await;
    let reset = app
        .post(&format!("/api/v1/users/{anna}/password-reset"))
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(json!({ "new_password": PASSWORD }))
        .send()
        .await;
    assert_eq!(reset.status, 204, "{}", reset.text);
    let token = app.login("anna@test.local", PASSWORD).await;
    // A deactivation in bulk is a change, and ends the user's sessions.
    let mut off = rows.clone();
    off[0]["active"] = json!(false);
    let third = upload(&app, &o.admin, path, off).await;
    assert_eq!(outcomes(&third), ["updated", "unchanged"]);
    app.get("/api/v1/me")
        .bearer(&token)
        .send()
        .await
        .problem(401);
}

#[actix_web::test]
async fn a_users_external_id_is_validated_unique_and_filterable() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let created = app
        .post("/api/v1/users")
        .bearer(&o.admin)
        .json(
            json!({ "email": "x@test.local", "name": "X", "role": "salesperson",
            "org_unit_id": o.south, "password": PASSWORD, "external_id": "HR-X" }),
        )
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["external_id"], "HR-X");
    let dup = app
        .post("/api/v1/users")
        .bearer(&o.admin)
        .json(
            json!({ "email": "y@test.local", "name": "Y", "role": "salesperson",
            "org_unit_id": o.south, "password": PASSWORD, "external_id": "HR-X" }),
        )
        .send()
        .await;
    assert_eq!(dup.problem(409)["errors"][0]["field"], "external_id");
    let current = app
        .get(&format!("/api/v1/users/{}", o.south_seller))
        .bearer(&o.admin)
        .send()
        .await;
    let taken = app
        .patch(&format!("/api/v1/users/{}", o.south_seller))
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(json!({ "external_id": "HR-X" }))
        .send()
        .await;
    assert_eq!(taken.problem(409)["errors"][0]["field"], "external_id");
    let long = app
        .patch(&format!("/api/v1/users/{}", o.south_seller))
        .bearer(&o.admin)
        .header("if-match", &current.etag())
        .json(json!({ "external_id": "x".repeat(101) }))
        .send()
        .await;
    assert_eq!(long.invalid_fields(), ["external_id"]);
    let found = app.items("/api/v1/users?external_id=HR-X", &o.admin).await;
    assert_eq!(found.len(), 1);
}

#[actix_web::test]
async fn one_bad_row_rejects_the_whole_batch_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let o = Org::build(&app).await;
    let before = head(&app, &o.admin).await;
    for (path, rows, field) in [
        (
            "/api/v1/customers/bulk",
            vec![
                customer("C-1", "K1", &o.north_office, &o.north_seller),
                customer("C-2", "K2", &o.north_office, &o.north_office),
            ],
            "rows[1].owner_id",
        ),
        (
            "/api/v1/customers/bulk",
            vec![
                customer("C-1", "K1", &o.north_office, &o.north_seller),
                customer("C-1", "K2", &o.north_office, &o.north_seller),
            ],
            "rows[1].external_id",
        ),
        (
            "/api/v1/dealers/bulk",
            vec![
                dealer("D-1", "DL1", &o.north),
                dealer("D-2", "DL2", &o.north_seller),
            ],
            "rows[1].org_unit_id",
        ),
        (
            "/api/v1/products/bulk",
            vec![product("P-1", "SKU1"), product("P-2", "SKU1")],
            "rows[1].sku",
        ),
        (
            "/api/v1/users/bulk",
            vec![
                user("HR-1", "a@test.local", "salesperson", &o.south),
                user("HR-2", "nsp@test.local", "salesperson", &o.south),
            ],
            "rows[1].email",
        ),
    ] {
        let res = app
            .post(path)
            .bearer(&o.admin)
            .json(json!({ "rows": rows }))
            .send()
            .await;
        assert_eq!(res.invalid_fields(), [field], "{path}");
    }
    let bad_value = app
        .post("/api/v1/products/bulk")
        .bearer(&o.admin)
        .json(json!({ "rows": [product("P-1", "SKU1"), { "external_id": "P-2", "sku": "S2", "name": "N", "category": "c", "unit_cost_minor": -1 }] }))
        .send()
        .await;
    assert_eq!(bad_value.invalid_fields(), ["rows[1].unit_cost_minor"]);
    let missing = app
        .post("/api/v1/dealers/bulk")
        .bearer(&o.admin)
        .json(json!({ "rows": [{ "code": "DL9", "name": "N", "org_unit_id": o.north }] }))
        .send()
        .await;
    missing.problem(422);
    // Nothing was written: no rows, no changes.
    assert!(app.items("/api/v1/customers", &o.admin).await.is_empty());
    assert!(app.items("/api/v1/dealers", &o.admin).await.is_empty());
    assert!(app.items("/api/v1/products", &o.admin).await.is_empty());
    assert!(app
        .items("/api/v1/users?external_id=HR-1", &o.admin)
        .await
        .is_empty());
    assert_eq!(head(&app, &o.admin).await, before);
}

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
    let outside = app
        .post("/api/v1/customers/bulk")
        .bearer(&nm)
        .json(json!({ "rows": [customer("C-2", "K2", &o.north_office, &o.north_seller), customer("C-3", "K3", &o.south, &o.north_seller)] }))
        .send()
        .await;
    assert_eq!(outside.invalid_fields(), ["rows[1].org_unit_id"]);
    let foreign_owner = app
        .post("/api/v1/customers/bulk")
        .bearer(&nm)
        .json(json!({ "rows": [customer("C-4", "K4", &o.north_office, &o.south_seller)] }))
        .send()
        .await;
    assert_eq!(foreign_owner.invalid_fields(), ["rows[0].owner_id"]);
    let dealer_outside = app
        .post("/api/v1/dealers/bulk")
        .bearer(&nm)
        .json(json!({ "rows": [dealer("D-9", "DL9", &o.south)] }))
        .send()
        .await;
    assert_eq!(dealer_outside.invalid_fields(), ["rows[0].org_unit_id"]);
    // A stored customer outside the reach cannot be taken over by its external id.
    upload(
        &app,
        &o.admin,
        "/api/v1/customers/bulk",
        vec![customer("C-S", "KS", &o.south, &o.south_seller)],
    )
    .await;
    let takeover = app
        .post("/api/v1/customers/bulk")
        .bearer(&nm)
        .json(json!({ "rows": [customer("C-S", "KS", &o.north_office, &o.north_seller)] }))
        .send()
        .await;
    assert_eq!(takeover.invalid_fields(), ["rows[0].external_id"]);
    // An integration uploads users, but makes and changes no admins.
    app.create_user(&o.admin, "erp@test.local", "integration", &o.root)
        .await;
    let erp = app.login("erp@test.local", PASSWORD).await;
    let ok = upload(&app, &erp, "/api/v1/users/bulk", vec![batches[3].1.clone()]).await;
    assert_eq!(counts(&ok), (1, 0, 0));
    let admin = app
        .post("/api/v1/users/bulk")
        .bearer(&erp)
        .json(json!({ "rows": [user("HR-A", "boss@test.local", "admin", &o.root)] }))
        .send()
        .await;
    assert_eq!(admin.invalid_fields(), ["rows[0].role"]);
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
