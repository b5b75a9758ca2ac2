//! ETags (one per resource version) and `If-Match`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;

/// The entity tag of a resource version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A JSON response carrying the resource's `ETag`.
pub fn with_etag<T: Serialize>(status: StatusCode, body: &T, version: i64) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// The `If-Match` precondition of a write.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    /// The version the client expects, or `None` for `If-Match: *`.
    /// A write without `If-Match` is refused with 428.
    pub fn expected(&self) -> Result<Option<i64>, ApiError> {
        let tags = self.0.as_ref().ok_or_else(|| {
            ApiError::PreconditionRequired(
                "this write needs an If-Match header with the resource's current ETag".into(),
            )
        })?;
        if tags.iter().any(|t| t == "*") {
            return Ok(None);
        }
        let versions: Vec<i64> = tags
            .iter()
            .filter_map(|t| t.trim_start_matches("W/").trim_matches('"').parse().ok())
            .collect();
        match versions.as_slice() {
            [v] => Ok(Some(*v)),
            _ => Err(ApiError::PreconditionFailed(
                "If-Match does not name the current version of the resource".into(),
            )),
        }
    }

    /// Checks the expectation against the stored version (412 when stale).
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match self.expected()? {
            Some(v) if v != current => Err(ApiError::PreconditionFailed(format!(
                "the resource has changed (current ETag {}); fetch it again",
                etag(current)
            ))),
            _ => Ok(()),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let tags = req.headers().get(header::IF_MATCH).map(|v| {
            v.to_str()
                .unwrap_or("")
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        });
        std::future::ready(Ok(IfMatch(tags)))
    }
}
