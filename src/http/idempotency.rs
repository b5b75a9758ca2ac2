//! `Idempotency-Key` on POST: the first response to a key is stored per user; a retry with the
//! same request gets that response again without the work being done twice, a retry with
//! another request is 422, and a retry while the first is still running is 409.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::Duration;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiError;
use crate::http::input::payload_error;
use crate::schema::idempotency_keys as ik;
use crate::AppState;

pub const HEADER: &str = "idempotency-key";
/// How long a key is kept (at least 24 hours, as promised to clients).
pub const RETENTION_HOURS: i64 = 24;

#[derive(Serialize, Deserialize, Default)]
struct StoredHeaders {
    content_type: Option<String>,
    etag: Option<String>,
    location: Option<String>,
}

enum Claim {
    /// The key is ours now: do the work.
    Fresh,
    /// The same request was answered before.
    Replay(i32, String, StoredHeaders),
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (key, state) = match (req.method() == Method::POST, key, state) {
        (true, Some(key), Some(state)) => (key, state),
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            let e = ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            );
            return Ok(req.into_response(e.error_response()));
        }
    };
    // Keys are per user; an unauthenticated request passes through and is refused by its handler.
    let Some(user_id) = state.jwt.subject_of(req.request(), state.clock.now()) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let bytes = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(payload_error(e).error_response())),
    };
    req.set_payload(Payload::from(bytes.clone()));
    let hash = request_hash(&req, &bytes);

    let now = state.clock.now();
    let claim = {
        let key = key.clone();
        let hash = hash.clone();
        state
            .db(move |conn| claim(conn, user_id, &key, &hash, now))
            .await
    };
    match claim {
        Err(e) => Ok(req.into_response(e.error_response())),
        Ok(Claim::Replay(status, body, headers)) => {
            let mut res =
                HttpResponse::build(StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK));
            if let Some(v) = headers.content_type {
                res.insert_header((header::CONTENT_TYPE, v));
            }
            if let Some(v) = headers.etag {
                res.insert_header((header::ETAG, v));
            }
            if let Some(v) = headers.location {
                res.insert_header((header::LOCATION, v));
            }
            res.insert_header(("idempotency-replayed", "true"));
            Ok(req.into_response(res.body(body)))
        }
        Ok(Claim::Fresh) => {
            let res = next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
            let res = match res {
                Ok(res) => res,
                Err(e) => {
                    release(&state, user_id, key).await;
                    return Err(e);
                }
            };
            let status = res.status();
            if !is_final(status) {
                release(&state, user_id, key).await;
                return Ok(res);
            }
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
            let (http_req, http_res) = res.into_parts();
            let (http_res, body) = http_res.into_parts();
            let bytes = body::to_bytes(body).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let stored = state
                .db(move |conn| {
                    diesel::update(ik::table.find((user_id, key)))
                        .set((
                            ik::response_status.eq(Some(status.as_u16() as i32)),
                            ik::response_body.eq(Some(text)),
                            ik::response_headers.eq(serde_json::to_string(&headers).ok()),
                        ))
                        .execute(conn)?;
                    Ok(())
                })
                .await;
            if let Err(e) = stored {
                tracing::error!(error = %e, "could not store an idempotent response");
            }
            let http_res = http_res.set_body(bytes.boxed());
            Ok(ServiceResponse::new(http_req, http_res))
        }
    }
}

/// Responses worth replaying: successes and client errors that a retry would get again.
/// Authentication, throttling and server errors are not stored, so a retry can succeed.
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

fn claim(
    conn: &mut DbConnection,
    user_id: Id,
    key: &str,
    hash: &str,
    now: Timestamp,
) -> Result<Claim, ApiError> {
    let mut insert = || {
        diesel::insert_into(ik::table)
            .values((
                ik::user_id.eq(user_id),
                ik::idem_key.eq(key),
                ik::request_hash.eq(hash),
                ik::created_at.eq(now),
            ))
            .execute(&mut *conn)
    };
    match insert() {
        Ok(_) => return Ok(Claim::Fresh),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e.into()),
    }
    type Row = (
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        Timestamp,
    );
    let (stored_hash, status, body, headers, created_at): Row = ik::table
        .find((user_id, key))
        .select((
            ik::request_hash,
            ik::response_status,
            ik::response_body,
            ik::response_headers,
            ik::created_at,
        ))
        .first(conn)?;
    if created_at.0 < now.0 - Duration::hours(RETENTION_HOURS) {
        // Expired: the key may be used afresh.
        diesel::delete(ik::table.find((user_id, key))).execute(conn)?;
        return claim(conn, user_id, key, hash, now);
    }
    if stored_hash != hash {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "this key was already used for a different request",
        ));
    }
    match (status, body) {
        (Some(status), Some(body)) => Ok(Claim::Replay(
            status,
            body,
            headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
        )),
        _ => Err(ApiError::conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )),
    }
}

/// Frees a key whose request did not reach a final answer, so that a retry does the work.
async fn release(state: &AppState, user_id: Id, key: String) {
    let _ = state
        .db(move |conn| {
            diesel::delete(ik::table.find((user_id, key))).execute(conn)?;
            Ok(())
        })
        .await;
}

/// Deletes keys past their retention.
pub fn purge_expired(conn: &mut DbConnection, now: Timestamp) -> QueryResult<usize> {
    let cutoff = Timestamp(now.0 - Duration::hours(RETENTION_HOURS));
    diesel::delete(ik::table.filter(ik::created_at.lt(cutoff))).execute(conn)
}
