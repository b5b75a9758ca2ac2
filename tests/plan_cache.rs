//! How PostgreSQL plans the pool's prepared statements: generically (once for any parameters)
//! on every connection, and for their actual parameters inside `db::analytic`, after which
//! the connection is generic again, whether the work succeeded or failed.

mod common;

use common::*;
use diesel::prelude::*;
use diesel::sql_types::Text;
use salestrack::db::{self, DbConnection};
use salestrack::error::{ApiError, ApiResult};

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
}

fn mode(conn: &mut DbConnection) -> ApiResult<String> {
    let row: Mode = diesel::sql_query("SHOW plan_cache_mode").get_result(conn)?;
    Ok(row.plan_cache_mode)
}

#[actix_web::test]
async fn reads_that_scan_are_planned_for_their_parameters_and_the_rest_generically() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        // SQLite has no plan cache mode: analytic work simply runs.
        let n = app.state.analytic(|_| Ok(7)).await.unwrap();
        assert_eq!(n, 7);
        return;
    }
    let state = app.state.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = state.pool.get().unwrap();
        let conn: &mut DbConnection = &mut conn;
        assert_eq!(mode(conn).unwrap(), "force_generic_plan");
        let inside = db::analytic(conn, mode).unwrap();
        assert_eq!(inside, "force_custom_plan");
        assert_eq!(mode(conn).unwrap(), "force_generic_plan");

        // Work that fails leaves the connection generic too.
        let failed: ApiResult<()> = db::analytic(conn, |_| Err(ApiError::not_found("customer")));
        assert!(failed.is_err());
        assert_eq!(mode(conn).unwrap(), "force_generic_plan");

        // And so does a statement that fails inside a transaction, which is rolled back.
        let rolled_back: Result<(), diesel::result::Error> = conn.transaction(|conn| {
            let _ = db::analytic(conn, |conn| {
                diesel::sql_query("SELECT no_such_column FROM users").execute(conn)?;
                Ok(())
            });
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
        assert_eq!(mode(conn).unwrap(), "force_generic_plan");
    })
    .await
    .unwrap();
}
