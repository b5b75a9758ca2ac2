//! Operations endpoints and middleware: liveness, readiness, request ids.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpMessage};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process is up.
#[utoipa::path(tag = "operations", operation_id = "healthz", security(()),
    responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// How long readiness waits for a connection: it answers within a second, database down or not.
const READY_WAIT: std::time::Duration = std::time::Duration::from_millis(700);

/// Readiness: the database answers. 503 with `Retry-After` within a second while it does not;
/// the problem's `detail` says whether the database is unreachable or every connection of the
/// pool is merely in use (`connection pool exhausted`).
#[utoipa::path(tag = "operations", operation_id = "readyz", security(()),
    responses((status = 200, description = "The database answers", body = Health)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Health>> {
    let pool = state.pool.clone();
    web::block(move || {
        let exhausted = |pool: &crate::db::Pool| {
            let s = pool.state();
            s.idle_connections == 0 && s.connections >= pool.max_size()
        };
        if exhausted(&pool) {
            return Err(pool_exhausted());
        }
        match pool.get_timeout(READY_WAIT) {
            Ok(mut conn) => conn.batch_execute("SELECT 1").map_err(|e| {
                ApiError::Unavailable(format!("database unreachable: {}", first_line(&e)))
            }),
            Err(_) if exhausted(&pool) => Err(pool_exhausted()),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: database unreachable");
                Err(ApiError::Unavailable(
                    "database unreachable: no connection could be opened".into(),
                ))
            }
        }
    })
    .await??;
    Ok(web::Json(Health {
        status: "ready".into(),
    }))
}

fn pool_exhausted() -> ApiError {
    ApiError::Unavailable(
        "connection pool exhausted: every connection is in use; the database itself answers".into(),
    )
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Echoes the request id of the trace span as `X-Request-Id`, so a client can quote it.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
            res.headers_mut()
                .insert(HeaderName::from_static("x-request-id"), v);
        }
    }
    Ok(res)
}

/// Housekeeping: deletes expired idempotency keys, login failures and refresh tokens.
/// Safe on several instances: each run deletes only rows past their retention.
pub async fn housekeeping(state: &AppState) {
    let now = state.clock.now();
    let result = state
        .db(move |conn| {
            crate::http::idempotency::purge_expired(conn, now)?;
            crate::auth::sessions::purge_expired(conn, now)?;
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "housekeeping failed; will retry");
    }
}
