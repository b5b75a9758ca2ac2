//! Operations endpoints and middleware: liveness, readiness, request ids.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpMessage};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

const REQUEST_ID: &str = "x-request-id";

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

/// The `X-Request-Id` a client sent, when it is well-formed: 1 to 200 characters of
/// `A-Z a-z 0-9 . _ : -`. Anything else is ignored, and the server's own id is used.
pub fn client_request_id(req: &ServiceRequest) -> Option<&str> {
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let well_formed = (1..=200).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    well_formed.then_some(id)
}

/// Answers with `X-Request-Id`: the client's own when well-formed, else the id of the trace
/// span, so that a client can quote it and find it in the logs.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = match client_request_id(&req) {
        Some(own) => HeaderValue::from_str(own).ok(),
        None => req
            .extensions()
            .get::<RequestId>()
            .and_then(|id| HeaderValue::from_str(&id.to_string()).ok()),
    };
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), id);
    }
    Ok(res)
}

/// The trace span of a request: the default fields, and the client's own request id.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let client_request_id = client_request_id(request).unwrap_or("");
        tracing_actix_web::root_span!(request, client_request_id = %client_request_id)
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Housekeeping: deletes expired idempotency keys, login failures and refresh tokens.
/// Safe on several instances: each run deletes only rows past their retention.
pub async fn housekeeping(state: &AppState) {
    let now = state.clock.now();
    let retention = state.config.changes_retention_days;
    let result = state
        .db(move |conn| {
            crate::http::idempotency::purge_expired(conn, now)?;
            crate::auth::sessions::purge_expired(conn, now)?;
            crate::changes::prune(conn, now, retention)?;
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "housekeeping failed; will retry");
    }
}
