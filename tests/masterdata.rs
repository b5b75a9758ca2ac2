//! Customers, dealers, products and competitors: who may read and change them, reach,
//! archiving, external ids.

mod common;

use common::*;
use serde_json::{json, Value};

async fn customer(app: &TestApp, token: &str, code: &str, unit: &str, owner: &str) -> Value {
    let res = app
        .post("/api/v1/customers")
        .bearer(token)
        .json(json!({ "code": code, "name": format!("Customer {code}"), "org_unit_id": unit, "owner_id": owner }))
        .send()
        .await;
    assert_eq!(res.status, 201, "create customer: {}", res.body);
    res.body
}

fn codes(page: &Value) -> Vec<String> {
    let mut v: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["code"]
                .as_str()
                .or(i["sku"].as_str())
                .or(i["name"].as_str())
                .unwrap()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

#[actix_web::test]
async fn a_salesperson_lists_own_customers_and_a_supervisor_those_of_the_subtree() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let c1 = customer(&app, &org.admin, "N1", &org.north_office, &org.north_seller).await;
    customer(&app, &org.admin, "S1", &org.south, &org.south_seller).await;
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    let nm = app.login("nm@test.local", PASSWORD).await;
    let ssp = app.login("ssp@test.local", PASSWORD).await;

    let own = app.get("/api/v1/customers").bearer(&nsp).send().await;
    assert_eq!(codes(&own.body), ["N1"]);
    let sup = app.get("/api/v1/customers").bearer(&ns).send().await;
    assert_eq!(codes(&sup.body), ["N1"]);
    let all = app.get("/api/v1/customers").bearer(&org.admin).send().await;
    assert_eq!(codes(&all.body), ["N1", "S1"]);
    let mgr = app.get("/api/v1/customers").bearer(&nm).send().await;
    assert_eq!(codes(&mgr.body), ["N1"]);

    let id = c1["id"].as_str().unwrap();
    app.get(&format!("/api/v1/customers/{id}"))
        .bearer(&ssp)
        .send()
        .await
        .problem(404);
    let ok = app
        .get(&format!("/api/v1/customers/{id}"))
        .bearer(&nsp)
        .send()
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["status"], "prospect");
}

#[actix_web::test]
async fn only_admins_managers_and_integrations_edit_master_data() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    for (path, body) in [
        (
            "/api/v1/customers",
            json!({ "code": "X", "name": "X", "org_unit_id": org.north_office, "owner_id": org.north_seller }),
        ),
        (
            "/api/v1/dealers",
            json!({ "code": "D", "name": "D", "org_unit_id": org.north }),
        ),
        (
            "/api/v1/products",
            json!({ "sku": "P", "name": "P", "category": "tools" }),
        ),
        ("/api/v1/competitors", json!({ "name": "Rival" })),
    ] {
        app.post(path)
            .bearer(&nsp)
            .json(body.clone())
            .send()
            .await
            .problem(403);
        app.post(path)
            .bearer(&ns)
            .json(body.clone())
            .send()
            .await
            .problem(403);
    }
    // A manager edits inside the reach only.
    let nm = app.login("nm@test.local", PASSWORD).await;
    let outside = app
        .post("/api/v1/customers")
        .bearer(&nm)
        .json(json!({ "code": "X", "name": "X", "org_unit_id": org.south, "owner_id": org.south_seller }))
        .send()
        .await;
    assert!(outside
        .invalid_fields()
        .contains(&"org_unit_id".to_string()));
    customer(&app, &nm, "N2", &org.north_office, &org.north_seller).await;
    let south = customer(&app, &org.admin, "S2", &org.south, &org.south_seller).await;
    let sid = south["id"].as_str().unwrap();
    app.patch(&format!("/api/v1/customers/{sid}"))
        .bearer(&nm)
        .header("if-match", "\"1\"")
        .json(json!({ "name": "Mine now" }))
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn archiving_hides_a_row_from_lists_and_needs_if_match() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let res = app
        .post("/api/v1/products")
        .bearer(&org.admin)
        .json(json!({ "sku": "SKU-1", "name": "Drill", "category": "tools", "list_price_minor": 12999, "unit_cost_minor": 8000, "external_id": "ERP-1" }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.id();
    let path = format!("/api/v1/products/{id}");
    app.patch(&path)
        .bearer(&org.admin)
        .json(json!({ "archived": true }))
        .send()
        .await
        .problem(428);
    app.patch(&path)
        .bearer(&org.admin)
        .header("if-match", "\"7\"")
        .json(json!({ "archived": true }))
        .send()
        .await
        .problem(412);
    let done = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", &res.etag())
        .json(json!({ "archived": true }))
        .send()
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body["archived_at"].is_string());
    let live = app.get("/api/v1/products").bearer(&org.admin).send().await;
    assert!(codes(&live.body).is_empty());
    let all = app
        .get("/api/v1/products?include_archived=true")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(codes(&all.body), ["SKU-1"]);
    // The archived row is still found by its external id, e.g. for an ERP sync.
    let by_ext = app
        .get("/api/v1/products?include_archived=true&external_id=ERP-1")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(by_ext.body["items"][0]["id"], id.as_str());
}

#[actix_web::test]
async fn external_ids_are_unique_per_kind() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let first = app
        .post("/api/v1/competitors")
        .bearer(&org.admin)
        .json(json!({ "name": "Rival A", "external_id": "X-1" }))
        .send()
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    app.post("/api/v1/competitors")
        .bearer(&org.admin)
        .json(json!({ "name": "Rival B", "external_id": "X-1" }))
        .send()
        .await
        .problem(409);
    // Another kind may use the same external id.
    let product = app
        .post("/api/v1/products")
        .bearer(&org.admin)
        .json(json!({ "sku": "S", "name": "S", "category": "c", "external_id": "X-1" }))
        .send()
        .await;
    assert_eq!(product.status, 201);
}

#[actix_web::test]
async fn dealers_are_read_within_reach_and_a_dealer_user_sees_only_its_dealer() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let mk = |code: &'static str, unit: String| {
        let app = &app;
        let admin = org.admin.clone();
        async move {
            let res = app
                .post("/api/v1/dealers")
                .bearer(&admin)
                .json(json!({ "code": code, "name": code, "org_unit_id": unit }))
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.body);
            res.id()
        }
    };
    let north = mk("DN", org.north_office.clone()).await;
    let south = mk("DS", org.south.clone()).await;
    let dealer_user = app
        .create_user(&org.admin, "dealer@test.local", "dealer", &org.root)
        .await;
    let seller = app
        .post(&format!("/api/v1/dealers/{north}/users"))
        .bearer(&org.admin)
        .json(json!({ "user_id": org.north_seller }))
        .send()
        .await;
    assert_eq!(seller.invalid_fields(), ["user_id"]);
    let link = app
        .post(&format!("/api/v1/dealers/{north}/users"))
        .bearer(&org.admin)
        .json(json!({ "user_id": dealer_user }))
        .send()
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    assert_eq!(link.body["user_ids"], json!([dealer_user]));

    let dealer = app.login("dealer@test.local", PASSWORD).await;
    let mine = app.get("/api/v1/dealers").bearer(&dealer).send().await;
    assert_eq!(codes(&mine.body), ["DN"]);
    app.get(&format!("/api/v1/dealers/{south}"))
        .bearer(&dealer)
        .send()
        .await
        .problem(404);
    let ns = app.login("ns@test.local", PASSWORD).await;
    app.get(&format!("/api/v1/dealers/{south}"))
        .bearer(&ns)
        .send()
        .await
        .problem(404);
    assert_eq!(
        app.get(&format!("/api/v1/dealers/{north}"))
            .bearer(&ns)
            .send()
            .await
            .status,
        200
    );
    // Dealers read no customers or competitors at all.
    app.get("/api/v1/customers")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
    app.get("/api/v1/competitors")
        .bearer(&dealer)
        .send()
        .await
        .problem(403);
    app.post(&format!("/api/v1/dealers/{north}/users"))
        .bearer(&ns)
        .json(json!({ "user_id": dealer_user }))
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn activating_a_customer_stamps_the_activation_day_and_validates_location() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let c = customer(&app, &org.admin, "C1", &org.north_office, &org.north_seller).await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    let half = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", "\"1\"")
        .json(json!({ "latitude": 53.55 }))
        .send()
        .await;
    assert_eq!(half.invalid_fields(), ["latitude"]);
    let res = app
        .patch(&path)
        .bearer(&org.admin)
        .header("if-match", "\"1\"")
        .json(json!({ "status": "active", "latitude": 53.55, "longitude": 9.99 }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["status"], "active");
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(res.body["activated_on"], today.as_str());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let unknown = app
        .get(&format!("/api/v1/competitors/{}", uuid::Uuid::now_v7()))
        .bearer(&org.admin)
        .send()
        .await;
    unknown.problem(404);
}
