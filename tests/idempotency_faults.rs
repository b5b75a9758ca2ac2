//! Idempotent writes under faults: an exhausted pool, a request cut mid-transaction, a claim
//! left behind, a duplicate while the first still runs, statement and lock timeouts. Every
//! retry with the same key and body ends in one effect and its first response.
//!
//! A database restart is not staged here: a request whose database goes away fails inside its
//! transaction exactly like one whose statement times out or whose connection is cut (nothing
//! commits, nothing is stored), which these tests do stage.

mod common;

use std::time::{Duration, Instant};

use common::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use salestrack::db::Id;
use serde_json::{json, Value};

/// Holds the writes the server needs from outside it, for `hold`: on PostgreSQL a
/// `LOCK TABLE market_reports IN EXCLUSIVE MODE`, on SQLite the database's write lock.
/// Returns once the lock is taken; join the handle to wait for its release.
fn hold_writes(app: &TestApp, hold: Duration) -> std::thread::JoinHandle<()> {
    let url = app.url.clone();
    let pg = app.db.is_postgres();
    let (taken, wait) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut conn = url.connect().unwrap();
        let begin = if pg {
            "BEGIN; LOCK TABLE market_reports IN EXCLUSIVE MODE"
        } else {
            "BEGIN IMMEDIATE"
        };
        conn.batch_execute(begin).unwrap();
        taken.send(()).unwrap();
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").unwrap();
    });
    wait.recv().unwrap();
    handle
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) FROM <from>`, straight from the database.
fn count(app: &TestApp, from: &str) -> i64 {
    let mut conn = app.url.connect().unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {from}"))
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

fn report(title: &str) -> Value {
    json!({"category": "competitor_promotion", "severity": "low", "title": title,
        "description": "Seen at three outlets this morning."})
}

async fn file(app: &TestApp, token: &str, key: &str, body: &Value) -> Resp {
    app.post("/api/v1/market-reports")
        .bearer(token)
        .header("idempotency-key", key)
        .json(body.clone())
        .send()
        .await
}

/// A seller of a fresh organisation, logged in.
async fn seller(app: &TestApp) -> String {
    Org::build(app).await;
    app.login("nsp@test.local", PASSWORD).await
}

fn replayed(res: &Resp) -> bool {
    res.header("idempotency-replayed") == Some("true")
}

#[actix_web::test]
async fn creates_refused_by_an_exhausted_pool_succeed_on_resend_with_one_effect_each() {
    // The repro: two connections, both held by creates waiting on the lock, while
    // the other ten wait for a connection until the checkout timeout (3 s).
    let app = TestApp::spawn_with(|c| c.pool_size = 2).await;
    let token = seller(&app).await;
    let bodies: Vec<Value> = (0..12).map(|i| report(&format!("Report {i}"))).collect();
    let lock = hold_writes(&app, Duration::from_secs(8));
    let keys: Vec<String> = (0..12).map(|i| format!("mr-{i}")).collect();
    let first = futures_util::future::join_all(
        keys.iter()
            .zip(&bodies)
            .map(|(key, body)| file(&app, &token, key, body)),
    )
    .await;
    lock.join().unwrap();
    let refused = first.iter().filter(|r| r.status == 503).count();
    assert!(refused > 0, "the repro: some creates were refused");
    for r in &first {
        assert!(r.status == 201 || r.status == 503, "{}", r.text);
        if r.status == 503 {
            assert!(r.header("retry-after").is_some());
        }
    }
    // Resending every one with its key and body: the refused do their work now, the others
    // get their first answer again.
    let mut answers = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let res = file(&app, &token, &format!("mr-{i}"), body).await;
        assert_eq!(res.status, 201, "resend {i}: {}", res.text);
        assert_eq!(replayed(&res), first[i].status == 201);
        if first[i].status == 201 {
            assert_eq!(res.body, first[i].body);
        }
        answers.push(res);
    }
    // And once more: every one is a replay of the answer that did the work.
    for (i, body) in bodies.iter().enumerate() {
        let res = file(&app, &token, &format!("mr-{i}"), body).await;
        assert!(replayed(&res));
        assert_eq!(res.body, answers[i].body);
    }
    assert_eq!(count(&app, "market_reports"), 12, "one report per key");
    assert_eq!(count(&app, "idempotency_keys"), 12);
}

#[actix_web::test]
async fn a_request_cut_in_its_transaction_leaves_no_trace_and_its_retry_does_the_work_once() {
    let app = TestApp::spawn_with(|c| c.statement_timeout_ms = 5000).await;
    let token = seller(&app).await;
    let body = report("Cut off");
    // A second server on the same state, to cut while the request waits inside its
    // transaction (PostgreSQL: on the table lock; SQLite: for the write lock).
    let (base, handle) = start_server(app.state.clone());
    let lock = hold_writes(&app, Duration::from_secs(2));
    let cut = {
        let (body, token) = (body.clone(), token.clone());
        actix_web::rt::spawn(async move {
            let _ = awc::Client::new()
                .post(format!("{base}/api/v1/market-reports"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("idempotency-key", "cut-1"))
                .send_json(&body)
                .await;
        })
    };
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    handle.stop(false).await;
    let _ = cut.await;
    lock.join().unwrap();
    // The cut request may still be finishing its statement: its retry is 409 until then.
    let started = Instant::now();
    let retry = loop {
        let res = file(&app, &token, "cut-1", &body).await;
        if res.status != 409 || started.elapsed() > Duration::from_secs(10) {
            break res;
        }
        assert!(res.header("retry-after").is_some());
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert!(!replayed(&retry), "the cut request committed nothing");
    let again = file(&app, &token, "cut-1", &body).await;
    assert!(replayed(&again));
    assert_eq!(again.body, retry.body);
    assert_eq!(count(&app, "market_reports"), 1);
}

#[actix_web::test]
async fn a_claim_left_without_a_response_is_taken_over_by_a_retry_once_its_lease_ends() {
    let app = TestApp::spawn_with(|c| c.idempotency_lease_seconds = 2).await;
    let token = seller(&app).await;
    let me = app.get("/api/v1/me").bearer(&token).send().await;
    let user: uuid::Uuid = me.body["user"]["id"].as_str().unwrap().parse().unwrap();
    // What a process killed between claiming a key and storing its answer left behind
    // under the former scheme, which committed the claim on its own.
    {
        use salestrack::schema::idempotency_keys as ik;
        let mut conn = app.url.connect().unwrap();
        diesel::insert_into(ik::table)
            .values((
                ik::user_id.eq(Id(user)),
                ik::idem_key.eq("stuck-1"),
                ik::request_hash.eq("0"),
                ik::created_at.eq(app.clock.now()),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let body = report("Left behind");
    // While the lease runs, its request may still be working.
    let res = file(&app, &token, "stuck-1", &body).await;
    res.problem(409);
    app.clock.advance(chrono::Duration::seconds(3));
    let res = file(&app, &token, "stuck-1", &body).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(!replayed(&res));
    let again = file(&app, &token, "stuck-1", &body).await;
    assert!(replayed(&again));
    assert_eq!(again.body, res.body);
    assert_eq!(count(&app, "market_reports"), 1);
}

#[actix_web::test]
async fn a_duplicate_while_the_first_runs_is_409_and_afterwards_gets_the_first_answer() {
    let app = TestApp::spawn().await;
    let token = seller(&app).await;
    let body = report("Twice");
    let lock = hold_writes(&app, Duration::from_millis(1500));
    let first = file(&app, &token, "dup-1", &body);
    let second = async {
        actix_web::rt::time::sleep(Duration::from_millis(400)).await;
        file(&app, &token, "dup-1", &body).await
    };
    let (first, second) = futures_util::future::join(first, second).await;
    lock.join().unwrap();
    assert_eq!(first.status, 201, "{}", first.text);
    second.problem(409);
    assert_eq!(second.header("retry-after"), Some("1"));
    let third = file(&app, &token, "dup-1", &body).await;
    assert!(replayed(&third));
    assert_eq!(third.body, first.body);
    assert_eq!(count(&app, "market_reports"), 1);
}

#[actix_web::test]
async fn a_request_waiting_on_a_lock_is_503_after_the_statement_timeout_and_commits_nothing() {
    let app = TestApp::spawn_with(|c| c.statement_timeout_ms = 1000).await;
    let token = seller(&app).await;
    let lock = hold_writes(&app, Duration::from_secs(5));
    let started = Instant::now();
    // Without an idempotency key: the handler's own transaction waits.
    let res = app
        .post("/api/v1/market-reports")
        .bearer(&token)
        .json(report("Waits"))
        .send()
        .await;
    let waited = started.elapsed();
    res.problem(503);
    assert!(res.header("retry-after").is_some());
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    lock.join().unwrap();
    assert_eq!(count(&app, "market_reports"), 0);
}

#[actix_web::test]
async fn shutdown_finishes_while_a_request_waits_on_a_lock_and_the_cut_request_commits_nothing() {
    let app = TestApp::spawn_with(|c| c.statement_timeout_ms = 1000).await;
    let token = seller(&app).await;
    let (base, handle) = start_server(app.state.clone());
    let lock = hold_writes(&app, Duration::from_secs(8));
    let waiting = actix_web::rt::spawn(async move {
        let _ = awc::Client::new()
            .post(format!("{base}/api/v1/market-reports"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "shutdown-1"))
            .send_json(&report("During shutdown"))
            .await;
    });
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    handle.stop(true).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(4),
        "graceful stop took {took:?} while the lock is held for 8 s"
    );
    let _ = waiting.await;
    lock.join().unwrap();
    assert_eq!(count(&app, "market_reports"), 0);
}

#[actix_web::test]
async fn auth_responses_are_never_stored_and_the_key_is_looked_at_after_authentication() {
    let app = TestApp::spawn().await;
    let login = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh = login.body["refresh_token"].as_str().unwrap().to_string();
    let admin = login.body["access_token"].as_str().unwrap().to_string();
    let rotate = || {
        app.post("/api/v1/auth/refresh")
            .bearer(&admin)
            .header("idempotency-key", "refresh-1")
            .json(json!({"refresh_token": refresh}))
            .send()
    };
    let first = rotate().await;
    assert_eq!(first.status, 200, "{}", first.text);
    // Not a replay of the new tokens: the used refresh token is refused.
    let again = rotate().await;
    again.problem(401);
    assert!(!replayed(&again));
    assert_eq!(count(&app, "idempotency_keys"), 0, "no tokens kept");
    // Without a valid token a malformed key is not looked at: 401, not 422.
    let res = app
        .post("/api/v1/org-units")
        .header("idempotency-key", "x".repeat(300).as_str())
        .json(json!({"name": "West"}))
        .send()
        .await;
    res.problem(401);
    let res = app
        .post("/api/v1/org-units")
        .bearer("not-a-token")
        .header("idempotency-key", "")
        .json(json!({"name": "West"}))
        .send()
        .await;
    res.problem(401);
}
