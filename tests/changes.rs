//! The change feed (`/api/v1/changes`): entries for creates, changes and deletes with the
//! resource, reach, 410 after pruning, no entry skipped under concurrent writers on two
//! instances, and a full sync followed by deltas ending in the server's state.

mod common;

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use common::*;
use serde_json::{json, Value};

fn target_body(unit: &str, value: i64) -> Value {
    json!({ "metric": "sales_amount", "period_type": "year", "period_start": "2026-01-01",
            "unit_id": unit, "value": value })
}

async fn create_target(app: &TestApp, token: &str, unit: &str, value: i64) -> Value {
    let res = app
        .post("/api/v1/targets")
        .bearer(token)
        .json(target_body(unit, value))
        .send()
        .await;
    assert_eq!(res.status, 201, "create target: {}", res.body);
    res.body
}

/// Reads the whole feed after `after` as `token`, page by page.
async fn read_all(app: &TestApp, token: &str, after: i64, query: &str) -> (Vec<Value>, i64) {
    let mut after = after;
    let mut items = Vec::new();
    loop {
        let res = app
            .get(&format!("/api/v1/changes?after={after}&limit=50{query}"))
            .bearer(token)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
        items.extend(res.body["items"].as_array().unwrap().iter().cloned());
        after = res.body["next_after"].as_i64().unwrap();
        if !res.body["has_more"].as_bool().unwrap() {
            return (items, after);
        }
    }
}

async fn head(app: &TestApp, token: &str) -> i64 {
    let res = app.get("/api/v1/changes/head").bearer(token).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["position"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_created_changed_and_deleted_target_appear_in_order_with_versions() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let start = head(&app, &org.admin).await;
    let target = create_target(&app, &org.admin, &org.north, 1000).await;
    let id = target["id"].as_str().unwrap();
    let changed = app
        .patch(&format!("/api/v1/targets/{id}"))
        .bearer(&org.admin)
        .header("if-match", "\"1\"")
        .json(json!({ "value": 2000 }))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let gone = app
        .delete(&format!("/api/v1/targets/{id}"))
        .bearer(&org.admin)
        .header("if-match", "\"2\"")
        .send()
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);

    let (items, next) = read_all(&app, &org.admin, start, "&types=target").await;
    let kinds: Vec<(&str, &str, i64)> = items
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap(),
                e["change"].as_str().unwrap(),
                e["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("target.created", "upsert", 1),
            ("target.updated", "upsert", 2),
            ("target.deleted", "delete", 2)
        ]
    );
    assert_eq!(items[0]["resource"]["value"], 1000);
    assert_eq!(items[1]["resource"]["value"], 2000);
    assert_eq!(items[1]["resource"]["id"], id);
    assert!(
        items[2].get("resource").is_none(),
        "a delete carries no resource"
    );
    assert!(items.iter().all(|e| e["resource_id"] == id));
    let positions: Vec<i64> = items
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(next, *positions.last().unwrap());

    // Nothing new: an empty page that stays where it is.
    let again = app
        .get(&format!("/api/v1/changes?after={next}"))
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(again.body["items"], json!([]));
    assert_eq!(again.body["next_after"], next);
    assert_eq!(again.body["has_more"], false);
}

#[actix_web::test]
async fn a_deleted_target_is_a_webhook_event_from_the_same_outbox_row() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({ "url": "http://127.0.0.1:9/hook", "event_types": ["*"] }))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let hook_id = hook.id();
    let target = create_target(&app, &org.admin, &org.north, 500).await;
    let id = target["id"].as_str().unwrap();
    let gone = app
        .delete(&format!("/api/v1/targets/{id}"))
        .bearer(&org.admin)
        .header("if-match", "\"1\"")
        .send()
        .await;
    assert_eq!(gone.status, 204);
    let (items, _) = read_all(&app, &org.admin, 0, "&types=target").await;
    let deleted = items
        .iter()
        .find(|e| e["event_type"] == "target.deleted")
        .expect("the deletion is in the feed");
    let created = items
        .iter()
        .find(|e| e["event_type"] == "target.created")
        .expect("the creation is in the feed");
    // Each feed entry is the outbox row of a webhook event: the subscribed hook has a delivery
    // of exactly those event ids.
    let deliveries = app
        .items(
            &format!("/api/v1/webhooks/{hook_id}/deliveries"),
            &org.admin,
        )
        .await;
    let events: HashSet<&str> = deliveries
        .iter()
        .filter_map(|d| d["event_id"].as_str())
        .collect();
    assert!(events.contains(created["event_id"].as_str().unwrap()));
    assert!(events.contains(deleted["event_id"].as_str().unwrap()));
}

#[actix_web::test]
async fn each_caller_sees_the_changes_of_what_they_can_read() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let north = create_target(&app, &org.admin, &org.north_office, 10).await;
    let south = create_target(&app, &org.admin, &org.south, 20).await;
    let ids = |items: &[Value]| -> HashSet<String> {
        items
            .iter()
            .filter(|e| e["resource_type"] == "target")
            .map(|e| e["resource_id"].as_str().unwrap().to_string())
            .collect()
    };
    let nm = app.login("nm@test.local", PASSWORD).await;
    let ss = app.login("ss@test.local", PASSWORD).await;
    let (seen_north, _) = read_all(&app, &nm, 0, "").await;
    let (seen_south, _) = read_all(&app, &ss, 0, "").await;
    let north_id = north["id"].as_str().unwrap().to_string();
    let south_id = south["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&seen_north), HashSet::from([north_id.clone()]));
    assert_eq!(ids(&seen_south), HashSet::from([south_id.clone()]));
    let (everything, _) = read_all(&app, &org.admin, 0, "").await;
    assert_eq!(ids(&everything), HashSet::from([north_id, south_id]));

    // A market report is seen by its reporter and their superiors, not by another region.
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let filed = app
        .post("/api/v1/market-reports")
        .bearer(&nsp)
        .json(
            json!({ "category": "pricing", "severity": "low", "title": "Price cut",
                       "description": "Rival cut prices." }),
        )
        .send()
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let report = filed.id();
    let mentions = |items: &[Value]| items.iter().any(|e| e["resource_id"] == report.as_str());
    assert!(mentions(&read_all(&app, &nsp, 0, "").await.0));
    assert!(mentions(&read_all(&app, &nm, 0, "").await.0));
    assert!(!mentions(&read_all(&app, &ss, 0, "").await.0));
    let ssp = app.login("ssp@test.local", PASSWORD).await;
    assert!(!mentions(&read_all(&app, &ssp, 0, "").await.0));
}

#[actix_web::test]
async fn bad_positions_and_kinds_are_named() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let top = head(&app, &org.admin).await;
    let ahead = app
        .get(&format!("/api/v1/changes?after={}", top + 1000))
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(ahead.invalid_fields(), ["after"]);
    let kinds = app
        .get("/api/v1/changes?types=target,invoice")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(kinds.invalid_fields(), ["types"]);
    let limit = app
        .get("/api/v1/changes?limit=1001")
        .bearer(&org.admin)
        .send()
        .await;
    assert_eq!(limit.invalid_fields(), ["limit"]);
    let anonymous = app.get("/api/v1/changes").send().await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn a_position_older_than_the_retention_is_gone() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let first = create_target(&app, &org.admin, &org.north, 1).await;
    let (early, kept_from) = read_all(&app, &org.admin, 0, "").await;
    assert!(!early.is_empty());
    app.clock.advance(Duration::days(31));
    let admin = app.admin_token().await;
    let later = create_target(&app, &admin, &org.north, 2).await;
    salestrack::ops::housekeeping(&app.state).await;

    let stale = app
        .get("/api/v1/changes?after=0")
        .bearer(&admin)
        .send()
        .await;
    let problem = stale.problem(410);
    assert_eq!(problem["type"], "/problems/feed-position-expired");
    assert!(
        problem["detail"].as_str().unwrap().contains("sync in full"),
        "{problem}"
    );
    let h = app.get("/api/v1/changes/head").bearer(&admin).send().await;
    assert_eq!(h.body["pruned_through"], kept_from);

    // From the pruned position on, the feed goes on: the newer target is there, the old one
    // is not.
    let (rest, _) = read_all(&app, &admin, kept_from, "").await;
    assert!(rest.iter().any(|e| e["resource_id"] == later["id"]));
    assert!(!rest.iter().any(|e| e["resource_id"] == first["id"]));
}

/// One writer: creates targets, changes each, deletes every third.
async fn write_targets(app: &TestApp, token: &str, unit: &str, n: usize) {
    for i in 0..n {
        let t = create_target(app, token, unit, i as i64 + 1).await;
        let id = t["id"].as_str().unwrap();
        let res = app
            .patch(&format!("/api/v1/targets/{id}"))
            .bearer(token)
            .header("if-match", "\"1\"")
            .json(json!({ "value": 10_000 + i as i64 }))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
        if i % 3 == 0 {
            let res = app
                .delete(&format!("/api/v1/targets/{id}"))
                .bearer(token)
                .header("if-match", "\"2\"")
                .send()
                .await;
            assert_eq!(res.status, 204, "{}", res.text);
        }
    }
}

/// A second server over the same database, with its own pool: another instance.
async fn second_instance(app: &TestApp) -> (String, actix_web::dev::ServerHandle) {
    let mut other = app.state.clone();
    other.pool = salestrack::db::pool(&app.url, 8);
    start_server(other)
}

#[actix_web::test]
async fn a_reader_following_the_feed_under_concurrent_writers_on_two_instances_misses_nothing() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let (other_base, _other) = second_instance(&app).await;
    create_target(&app, &org.admin, &org.north, 1).await;
    create_target(&app, &org.admin, &org.south, 2).await;
    let start = head(&app, &org.admin).await;

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let base = app.base.clone();
        let token = org.admin.clone();
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            let mut after = start;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let mut res = client
                    .get(format!("{base}/api/v1/changes?after={after}&limit=7"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                let body: Value = res.json().limit(8 << 20).await.unwrap();
                for e in body["items"].as_array().unwrap() {
                    seen.push(e["position"].as_i64().unwrap());
                }
                after = body["next_after"].as_i64().unwrap();
                if finished && !body["has_more"].as_bool().unwrap() {
                    return seen;
                }
            }
        })
    };
    // Four writers, two on each instance.
    let mut writers = Vec::new();
    for (k, base) in [&app.base, &other_base, &app.base, &other_base]
        .into_iter()
        .enumerate()
    {
        let base = base.clone();
        let token = org.admin.clone();
        let unit = [&org.north, &org.south, &org.north_office, &org.root][k].clone();
        writers.push(actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            for i in 0..12i64 {
                let mut res = client
                    .post(format!("{base}/api/v1/targets"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .send_json(&target_body(&unit, i + 1))
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                let t: Value = res.json().await.unwrap();
                let id = t["id"].as_str().unwrap().to_string();
                let res = client
                    .patch(format!("{base}/api/v1/targets/{id}"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .insert_header(("if-match", "\"1\""))
                    .send_json(&json!({ "value": 100 + i }))
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                if i % 3 == 0 {
                    let res = client
                        .delete(format!("{base}/api/v1/targets/{id}"))
                        .insert_header(("authorization", format!("Bearer {token}")))
                        .insert_header(("if-match", "\"2\""))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 204);
                }
            }
        }));
    }
    // Two slow writers: transactions that write their entry through the one write path and
    // then stay open while the others commit, as a slow request on a busy instance would. A
    // position taken at insert time would let the reader move past them for good.
    let slow: Vec<_> = (0..2)
        .map(|k| {
            let pool = salestrack::db::pool(&app.url, 2);
            let clock = app.clock.clone();
            std::thread::spawn(move || {
                use diesel::prelude::*;
                use salestrack::schema::targets;
                use salestrack::targets::model::Target;
                let mut conn = pool.get().unwrap();
                for _ in 0..15 {
                    salestrack::db::write_tx(&mut conn, |conn| {
                        let t: Target = targets::table
                            .select(Target::as_select())
                            .order(targets::id)
                            .offset(k)
                            .first(conn)?;
                        salestrack::events::changed(conn, clock.now(), "target.updated", &t)?;
                        std::thread::sleep(std::time::Duration::from_millis(25));
                        Ok::<_, diesel::result::Error>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    for s in slow {
        actix_web::rt::task::spawn_blocking(move || s.join().unwrap())
            .await
            .unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();

    // What the database holds after `start`: every entry, each once.
    let stored: Vec<i64> = {
        use diesel::prelude::*;
        use salestrack::schema::outbox_events as ev;
        let mut conn = app.state.pool.get().unwrap();
        salestrack::changes::sequencer::run(&mut conn).unwrap();
        ev::table
            .filter(ev::position.gt(start))
            .filter(ev::change.is_not_null())
            .order(ev::position)
            .select(ev::position.assume_not_null())
            .load(&mut *conn)
            .unwrap()
    };
    // 4 writers x 12 targets: created, updated, and every third deleted; 2 x 15 slow ones.
    assert_eq!(stored.len(), 4 * (12 * 2 + 4) + 2 * 15);
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "the reader got an entry twice");
    let missing: Vec<i64> = stored
        .iter()
        .filter(|p| !unique.contains(p))
        .copied()
        .collect();
    assert_eq!(missing, Vec::<i64>::new(), "entries the reader never saw");
    assert_eq!(seen.len(), stored.len());
}

#[actix_web::test]
async fn a_full_sync_then_the_feed_ends_with_exactly_the_servers_state() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    for i in 0..30 {
        create_target(&app, &org.admin, &org.north, i + 1).await;
    }
    // Writers keep changing data during the whole sync.
    let writing = {
        let base = app.base.clone();
        let token = org.admin.clone();
        let unit = org.south.clone();
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            for i in 0..20i64 {
                let mut res = client
                    .post(format!("{base}/api/v1/targets"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .send_json(&target_body(&unit, i + 1))
                    .await
                    .unwrap();
                let t: Value = res.json().await.unwrap();
                let id = t["id"].as_str().unwrap().to_string();
                if i % 2 == 0 {
                    client
                        .delete(format!("{base}/api/v1/targets/{id}"))
                        .insert_header(("authorization", format!("Bearer {token}")))
                        .insert_header(("if-match", "\"1\""))
                        .send()
                        .await
                        .unwrap();
                }
            }
        })
    };

    // 1. The head, before anything else.
    let from = head(&app, &org.admin).await;
    // 2. Every page of the list, into the mirror (id -> version, value).
    let mut mirror: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let res = app
            .get(&format!("/api/v1/targets?limit=7&cursor={cursor}"))
            .bearer(&org.admin)
            .send()
            .await;
        assert_eq!(res.status, 200);
        for t in res.body["items"].as_array().unwrap() {
            mirror.insert(
                t["id"].as_str().unwrap().to_string(),
                (t["version"].as_i64().unwrap(), t["value"].as_i64().unwrap()),
            );
        }
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    writing.await.unwrap();
    // 3. The feed from that head: apply upserts that are newer than the copy, and deletes.
    let (entries, _) = read_all(&app, &org.admin, from, "&types=target").await;
    for e in entries {
        let id = e["resource_id"].as_str().unwrap().to_string();
        let version = e["version"].as_i64().unwrap();
        match e["change"].as_str().unwrap() {
            "delete" => {
                mirror.remove(&id);
            }
            _ => {
                let newer = mirror.get(&id).is_none_or(|(v, _)| *v < version);
                if newer {
                    let value = e["resource"]["value"].as_i64().unwrap();
                    mirror.insert(id, (version, value));
                }
            }
        }
    }
    let server: BTreeMap<String, (i64, i64)> = app
        .items("/api/v1/targets?limit=500", &org.admin)
        .await
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                (t["version"].as_i64().unwrap(), t["value"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(server.len(), 30 + 10);
    assert_eq!(mirror, server);
}

#[actix_web::test]
async fn every_role_may_read_the_feed_but_not_beyond_its_reach() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    create_target(&app, &org.admin, &org.north, 5).await;
    let exec = app
        .create_user(&org.admin, "ex@test.local", "executive", &org.root)
        .await;
    let _ = exec;
    let ex = app.login("ex@test.local", PASSWORD).await;
    let (seen, _) = read_all(&app, &ex, 0, "").await;
    assert!(seen.iter().any(|e| e["resource_type"] == "target"));
    // Executives read results only: no daily report, visit plan or meeting entries.
    assert!(seen.iter().all(|e| !matches!(
        e["resource_type"].as_str().unwrap(),
        "daily_report" | "visit_plan" | "meeting" | "coaching_session"
    )));
    write_targets(&app, &org.admin, &org.south, 1).await;
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let (own, _) = read_all(&app, &nsp, 0, "&types=target").await;
    assert!(
        own.is_empty(),
        "a salesperson reads no unit targets: {own:?}"
    );
}
