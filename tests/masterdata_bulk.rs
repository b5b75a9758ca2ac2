//! Bulk upserts of customers, dealers, products and users by external id: counts and results,
//! idempotence and all or nothing.

mod bulk_support;
mod common;

use bulk_support::*;
use common::*;
use serde_json::{json, Value};

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
