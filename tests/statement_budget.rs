//! What a request costs in statements, counted through diesel's instrumentation on the real
//! database: a guard against a hot path quietly growing a query per row or per check again.
//! (Speed itself is measured by the benches; see docs/benchmarks.md.)

mod common;
mod visits_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;
use serde_json::json;
use visits_support::*;

static COUNT: AtomicUsize = AtomicUsize::new(0);
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn counting() -> Option<Box<dyn diesel::connection::Instrumentation>> {
    Some(Box::new(
        |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
                COUNT.fetch_add(1, Ordering::SeqCst);
                let text: String = query.to_string().chars().take(100).collect();
                SEEN.lock().unwrap().push(text);
            }
        },
    ))
}

/// The statements `request` runs, and their opening words (for the failure message).
async fn statements<F: std::future::Future<Output = Resp>>(
    request: F,
) -> (usize, Vec<String>, Resp) {
    COUNT.store(0, Ordering::SeqCst);
    SEEN.lock().unwrap().clear();
    let res = request.await;
    (
        COUNT.load(Ordering::SeqCst),
        SEEN.lock().unwrap().clone(),
        res,
    )
}

// One test in this file: the instrumentation counts every connection of the process.
#[actix_web::test]
async fn a_read_and_a_daily_report_cost_a_fixed_handful_of_statements() {
    diesel::connection::set_default_instrumentation(counting).unwrap();
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let path = format!("/api/v1/customers/{}", f.shop);
    // The user, their session and their reach in one statement, and the record: no `SELECT 1`
    // per checkout, no query per level of the org tree.
    let (n, seen, res) = statements(app.get(&path).bearer(&f.supervisor).send()).await;
    assert_eq!(res.status, 200);
    assert!(n <= 2, "GET one customer ran {n} statements: {seen:#?}");
    // Read again: on PostgreSQL the caller is remembered (src/auth/callers.rs), so only the
    // record is read.
    let (n, seen, res) = statements(app.get(&path).bearer(&f.supervisor).send()).await;
    assert_eq!(res.status, 200);
    let budget = if app.db.is_postgres() { 1 } else { 2 };
    assert!(n <= budget, "GET it again ran {n} statements: {seen:#?}");

    let today = today(&app);
    let visits: Vec<_> = (0..10u32)
        .map(|i| {
            json!({ "customer_id": f.shop, "purpose": "ordering", "effective": true,
                    "outcome": "order_placed", "order_amount_minor": 1000 + i,
                    "started_at": at(today, 8, i * 5), "ended_at": at(today, 8, i * 5 + 4) })
        })
        .collect();
    let body = json!({ "report_date": day(today), "attendance": "present", "visits": visits,
                       "expenses": [{ "category": "transport", "amount_minor": 1500 }] });
    let (n, seen, res) = statements(
        app.post("/api/v1/daily-reports")
            .bearer(&f.seller)
            .header("idempotency-key", "budget-1")
            .json(body)
            .send(),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    // Ten visits are one insert on PostgreSQL. SQLite, in process, takes a batch one row at a
    // time inside a savepoint where a row leaves a column to its default; no round trip is
    // saved there, so its budget allows the rows and the savepoints. The answer
    // reuses what was written (the report row comes back from its INSERT), the month-to-date
    // figures are three queries whatever the number of days, the caller's read takes no
    // savepoint and the handler's write only the one its held connection opens.
    let inserts = seen
        .iter()
        .filter(|s| s.contains("INSERT INTO \"report_visits\""))
        .count();
    let budget = if app.db.is_postgres() {
        assert_eq!(inserts, 1, "{seen:#?}");
        23
    } else {
        23 + 12
    };
    assert!(
        n <= budget,
        "POST a daily report with 10 visits ran {n} statements: {seen:#?}"
    );
}
