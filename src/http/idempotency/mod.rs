//! `Idempotency-Key` on POST: the first response to a key is stored per user; a retry with the
//! same request gets that response again without the work being done twice, a retry with
//! another request is 422, and a retry while the first is still running is 409.
//!
//! The request runs in one transaction that also stores its response (`crate::db::held`):
//! its effect and its stored response commit together, or neither does. A request that fails
//! with a server error, is cut or dies leaves no trace, so its retry does the work, once.
//! Responses of `/auth/*` (tokens) are never stored.

pub mod store;

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};

use crate::db::held::Held;
use crate::error::ApiError;
use crate::http::input::payload_error;
use crate::AppState;
pub use store::{purge_expired, RETENTION_HOURS};
use store::{KeyOf, Opened, Stored, StoredHeaders};

pub const HEADER: &str = "idempotency-key";

/// Paths whose responses are never stored: they carry credentials.
const UNSTORED_PREFIX: &str = "/api/v1/auth/";

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let pass = |req, next: Next<_>| async move {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let applies = req.method() == Method::POST
        && req.headers().contains_key(HEADER)
        && !req.path().starts_with(UNSTORED_PREFIX);
    let Some(state) = state.filter(|_| applies) else {
        return pass(req, next).await;
    };
    // Keys are per user and looked at only once the caller is known: an unauthenticated
    // request passes through and is refused by its handler (401).
    let Some(user_id) = state.jwt.subject_of(req.request(), state.clock.now()) else {
        return pass(req, next).await;
    };
    let key = match req.headers().get(HEADER).map(|v| v.to_str()) {
        Some(Ok(k)) if !k.is_empty() && k.len() <= 255 => k.to_string(),
        _ => {
            let e = ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            );
            return Ok(req.into_response(e.error_response()));
        }
    };
    let bytes = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(payload_error(e).error_response())),
    };
    req.set_payload(Payload::from(bytes.clone()));
    let k = KeyOf {
        user_id,
        key,
        request_hash: request_hash(&req, &bytes),
    };
    let Some(_running) = InFlight::enter(&k) else {
        return Ok(req.into_response(still_running()));
    };

    let opened = {
        let (pool, k, now) = (state.pool.clone(), k.clone(), state.clock.now());
        let lease = i64::try_from(state.config.idempotency_lease_seconds).unwrap_or(i64::MAX);
        let lease = chrono::Duration::try_seconds(lease).unwrap_or(chrono::Duration::MAX);
        web::block(move || store::open(&pool, &k, now, lease))
            .await
            .map_err(ApiError::from)
            .and_then(|r| r)
    };
    let conn = match opened {
        Err(e) => return Ok(req.into_response(e.error_response())),
        Ok(Opened::Busy) => return Ok(req.into_response(still_running())),
        Ok(Opened::Replay(stored)) => return Ok(req.into_response(replay(stored))),
        Ok(Opened::Fresh(conn)) => conn,
    };
    let held = Held::new(conn);
    let res = held
        .scope(next.call(req))
        .await
        .map(ServiceResponse::map_into_boxed_body);
    let res = match res {
        Ok(res) if is_final(res.status()) => res,
        other => {
            discard(held).await;
            return other;
        }
    };
    let header_of = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let headers = StoredHeaders {
        content_type: header_of(header::CONTENT_TYPE),
        etag: header_of(header::ETAG),
        location: header_of(header::LOCATION),
    };
    let status = res.status();
    let (http_req, http_res) = res.into_parts();
    let (http_res, body) = http_res.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            discard(held).await;
            let e = ApiError::Internal(anyhow::anyhow!("could not read the response body"));
            return Ok(ServiceResponse::new(http_req, e.error_response()));
        }
    };
    let stored = Stored {
        status: status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        headers,
    };
    let now = state.clock.now();
    let committed = web::block(move || match held.take() {
        Some(mut conn) => store::finish(&mut conn, &k, &stored, now),
        None => Err(ApiError::Internal(anyhow::anyhow!(
            "the request's transaction has ended"
        ))),
    })
    .await
    .map_err(ApiError::from)
    .and_then(|r| r);
    match committed {
        Ok(()) => Ok(ServiceResponse::new(
            http_req,
            http_res.set_body(bytes.boxed()),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "an idempotent request could not commit; nothing was done");
            let e = match e {
                ApiError::Unavailable(_) => e,
                _ => ApiError::Unavailable(
                    "the change could not be committed; nothing was done, retry".into(),
                ),
            };
            Ok(ServiceResponse::new(http_req, e.error_response()))
        }
    }
}

/// Rolls back the request's transaction and returns its connection to the pool.
async fn discard(held: Held) {
    let _ = web::block(move || {
        if let Some(mut conn) = held.take() {
            store::rollback(&mut conn);
        }
    })
    .await;
}

fn still_running() -> HttpResponse {
    let mut res = ApiError::conflict(
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
    .error_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    res
}

fn replay(stored: Stored) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    let h = stored.headers;
    for (name, value) in [
        (header::CONTENT_TYPE, h.content_type),
        (header::ETAG, h.etag),
        (header::LOCATION, h.location),
    ] {
        if let Some(v) = value {
            res.insert_header((name, v));
        }
    }
    res.insert_header(("idempotency-replayed", "true"));
    res.body(stored.body)
}

/// Responses worth replaying: successes and client errors that a retry would get again.
/// Authentication, throttling, conflicts and server errors are not stored (and their
/// transaction is rolled back), so a retry can succeed.
fn is_final(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && !matches!(status.as_u16(), 401 | 408 | 409 | 429)
}

fn request_hash(req: &ServiceRequest, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.path());
    h.update(b"?");
    h.update(req.query_string());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// Keys whose request runs in this process: a duplicate is told at once that it is still
/// running, without waiting for a connection or a lock.
static IN_FLIGHT: LazyLock<Mutex<HashSet<(crate::db::Id, String)>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

struct InFlight((crate::db::Id, String));

impl InFlight {
    fn enter(k: &KeyOf) -> Option<InFlight> {
        let entry = (k.user_id, k.key.clone());
        let entered = IN_FLIGHT.lock().ok()?.insert(entry.clone());
        // Built only once the lock is released: a guard dropped under it would deadlock.
        entered.then(|| InFlight(entry))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut set) = IN_FLIGHT.lock() {
            set.remove(&self.0);
        }
    }
}
