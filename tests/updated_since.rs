//! `?updated_since=` on every list: the filter is applied in SQL on `updated_at`, paging stays
//! in id order, and archived rows that changed after the instant are listed with it.

mod common;

use chrono::{Duration, SecondsFormat};
use common::*;
use salestrack::demo;
use serde_json::{json, Value};

/// Every list of the spec whose answer is a page of items.
fn page_lists() -> Vec<(String, Vec<String>)> {
    let spec: Value =
        serde_json::from_str(include_str!("../openapi/openapi.json")).expect("the committed spec");
    let schemas = &spec["components"]["schemas"];
    let mut lists = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let Some(get) = ops.get("get") else { continue };
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
        let Some(name) = schema.as_str().and_then(|r| r.rsplit('/').next()) else {
            continue;
        };
        let props = &schemas[name]["properties"];
        if props.get("items").is_some() && props.get("next_cursor").is_some() {
            let params = get["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            lists.push((path.clone(), params));
        }
    }
    lists
}

/// Lists that are not stored rows and so have nothing to sync: progress is computed from
/// targets and facts at read time, and so are anomalies; notifications are a personal inbox,
/// not mirrored data.
const COMPUTED: [&str; 3] = [
    "/api/v1/progress",
    "/api/v1/me/notifications",
    "/api/v1/anomalies",
];

fn stamp(t: salestrack::db::Timestamp) -> String {
    t.0.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[actix_web::test]
async fn every_list_of_stored_rows_documents_updated_since() {
    let lists = page_lists();
    assert!(lists.len() >= 18, "{} lists", lists.len());
    for (path, params) in lists {
        if COMPUTED.contains(&path.as_str()) {
            continue;
        }
        assert!(
            params.iter().any(|p| p == "updated_since"),
            "{path} has no updated_since"
        );
    }
}

/// Every id of a list, following the cursor with small pages.
async fn all_ids(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=7&cursor={c}"),
            None => format!("{path}{sep}limit=7"),
        };
        let res = app.get(&url).bearer(token).send().await;
        assert_eq!(res.status, 200, "{url}: {}", res.text);
        for item in res.body["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

#[actix_web::test]
async fn on_demo_data_every_list_keeps_what_changed_after_the_instant_and_drops_the_rest() {
    let app = TestApp::spawn().await;
    let before = app.clock.now();
    let state = app.state.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = state.pool.get().unwrap();
        demo::fill(&mut conn, &state.config, state.clock.now())
    })
    .await
    .unwrap()
    .unwrap();
    app.clock.advance(Duration::days(3));
    let after = app.clock.now();
    let admin = app.admin_token().await;
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&admin)
        .json(json!({"url": "http://127.0.0.1:9/x", "event_types": ["*"]}))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let webhook = hook.id();
    let early = stamp(salestrack::db::Timestamp::from(
        before.0 - Duration::days(400),
    ));
    let late = stamp(after);
    for (path, _) in page_lists() {
        if COMPUTED.contains(&path.as_str()) {
            continue;
        }
        let path = path.replace("{id}", &webhook);
        let everything = all_ids(&app, &format!("{path}?include_archived=true"), &admin).await;
        let since_early = all_ids(&app, &format!("{path}?updated_since={early}"), &admin).await;
        assert_eq!(
            since_early, everything,
            "{path}: an early instant keeps every row"
        );
        let since_late = all_ids(&app, &format!("{path}?updated_since={late}"), &admin).await;
        if path == "/api/v1/webhooks" {
            assert_eq!(since_late, vec![webhook.clone()], "{path}");
        } else if path.contains("/deliveries") {
            assert!(since_late.iter().all(|d| everything.contains(d)), "{path}");
        } else {
            assert!(since_late.is_empty(), "{path}: {since_late:?}");
        }
    }
}

async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let res = app.post(path).bearer(token).json(body).send().await;
    assert_eq!(res.status, 201, "{path}: {}", res.text);
    res.id()
}

#[actix_web::test]
async fn rows_created_or_changed_after_the_instant_are_listed_and_older_ones_are_not() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let a = &org.admin;
    let old_unit = app.create_unit(a, "Old", &org.root).await;
    let old_customer = create(&app, a, "/api/v1/customers", json!({"code": "C-OLD", "name": "Old", "org_unit_id": org.north_office, "owner_id": org.north_seller})).await;
    let old_dealer = create(
        &app,
        a,
        "/api/v1/dealers",
        json!({"code": "D-OLD", "name": "Old", "org_unit_id": org.north}),
    )
    .await;
    let old_product = create(
        &app,
        a,
        "/api/v1/products",
        json!({"sku": "P-OLD", "name": "Old", "category": "c"}),
    )
    .await;
    let old_competitor = create(&app, a, "/api/v1/competitors", json!({"name": "Old rival"})).await;
    let old_hook = create(
        &app,
        a,
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/a", "event_types": ["*"]}),
    )
    .await;

    app.clock.advance(Duration::seconds(2));
    let cutoff = stamp(app.clock.now());
    app.clock.advance(Duration::seconds(1));

    let new_unit = app.create_unit(a, "New", &org.root).await;
    let new_user = app
        .create_user(a, "late@test.local", "salesperson", &org.south)
        .await;
    let new_customer = create(&app, a, "/api/v1/customers", json!({"code": "C-NEW", "name": "New", "org_unit_id": org.north_office, "owner_id": org.north_seller})).await;
    let new_dealer = create(
        &app,
        a,
        "/api/v1/dealers",
        json!({"code": "D-NEW", "name": "New", "org_unit_id": org.north}),
    )
    .await;
    let new_product = create(
        &app,
        a,
        "/api/v1/products",
        json!({"sku": "P-NEW", "name": "New", "category": "c"}),
    )
    .await;
    let new_competitor = create(&app, a, "/api/v1/competitors", json!({"name": "New rival"})).await;
    let new_hook = create(
        &app,
        a,
        "/api/v1/webhooks",
        json!({"url": "http://127.0.0.1:9/b", "event_types": ["*"]}),
    )
    .await;

    for (path, old, new) in [
        ("/api/v1/org-units", &old_unit, &new_unit),
        ("/api/v1/customers", &old_customer, &new_customer),
        ("/api/v1/dealers", &old_dealer, &new_dealer),
        ("/api/v1/products", &old_product, &new_product),
        ("/api/v1/competitors", &old_competitor, &new_competitor),
        ("/api/v1/webhooks", &old_hook, &new_hook),
    ] {
        let all = all_ids(&app, path, a).await;
        assert!(all.contains(old) && all.contains(new), "{path}");
        let since = all_ids(&app, &format!("{path}?updated_since={cutoff}"), a).await;
        assert_eq!(since, vec![new.clone()], "{path}");
    }
    let users = all_ids(&app, &format!("/api/v1/users?updated_since={cutoff}"), a).await;
    assert_eq!(users, vec![new_user], "users");
}

#[actix_web::test]
async fn an_archive_after_the_instant_shows_under_updated_since_without_include_archived() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let a = &org.admin;
    let customer = create(&app, a, "/api/v1/customers", json!({"code": "C-1", "name": "Kiosk", "org_unit_id": org.north_office, "owner_id": org.north_seller})).await;
    let product = create(
        &app,
        a,
        "/api/v1/products",
        json!({"sku": "P-1", "name": "Drill", "category": "c"}),
    )
    .await;
    let dealer = create(
        &app,
        a,
        "/api/v1/dealers",
        json!({"code": "D-1", "name": "Depot", "org_unit_id": org.north}),
    )
    .await;
    let competitor = create(&app, a, "/api/v1/competitors", json!({"name": "Rival"})).await;
    app.clock.advance(Duration::seconds(2));
    let cutoff = stamp(app.clock.now());
    app.clock.advance(Duration::seconds(1));
    for (kind, id) in [
        ("customers", &customer),
        ("products", &product),
        ("dealers", &dealer),
        ("competitors", &competitor),
    ] {
        let path = format!("/api/v1/{kind}/{id}");
        let etag = app.get(&path).bearer(a).send().await.etag();
        let res = app
            .patch(&path)
            .bearer(a)
            .header("If-Match", &etag)
            .json(json!({"archived": true}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
        let list = format!("/api/v1/{kind}");
        assert!(
            all_ids(&app, &list, a).await.is_empty(),
            "{kind}: archived hidden"
        );
        let since = app
            .get(&format!("{list}?updated_since={cutoff}"))
            .bearer(a)
            .send()
            .await;
        let items = since.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{kind}: {}", since.text);
        assert_eq!(&items[0]["id"], id.as_str());
        assert!(items[0]["archived_at"].is_string(), "{kind}");
        let hidden = format!("{list}?updated_since={cutoff}&include_archived=false");
        assert!(
            all_ids(&app, &hidden, a).await.is_empty(),
            "{kind}: asked to hide"
        );
    }
}
