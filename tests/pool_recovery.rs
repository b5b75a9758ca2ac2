//! A database restart: the pool notices lost connections without testing every checkout.
//!
//! PostgreSQL only: SQLite is a file in the process, with no server to go away. On SQLite the
//! test runs and checks that nothing is lost, which is all there is to check.

mod common;

use common::*;
use diesel::connection::SimpleConnection;
use diesel::Connection;

#[actix_web::test]
async fn after_the_database_drops_every_connection_at_most_one_request_fails() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Fill the pool with idle connections.
    let warm =
        futures_util::future::join_all((0..6).map(|_| app.get("/api/v1/me").bearer(&admin).send()))
            .await;
    assert!(warm.iter().all(|r| r.status == 200));

    if let TestDb::Postgres { admin_url, .. } = &*app.db {
        // What a restart does to the pool: every connection of this database is closed by the
        // server (this one, made beside the pool, excepted).
        let mut killer = diesel::PgConnection::establish(admin_url).unwrap();
        killer
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{}' AND pid <> pg_backend_pid()",
                match &*app.db {
                    TestDb::Postgres { name, .. } => name.as_str(),
                    TestDb::Sqlite(_) => unreachable!(),
                }
            ))
            .unwrap();
    }

    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app.get("/api/v1/me").bearer(&admin).send().await;
        if res.status == 503 {
            assert!(res.header("retry-after").is_some(), "{}", res.text);
        }
        statuses.push(res.status.as_u16());
    }
    let failed = statuses.iter().filter(|s| **s != 200).count();
    assert!(failed <= 1, "after the restart: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert_eq!(statuses.last().copied(), Some(200));
}
