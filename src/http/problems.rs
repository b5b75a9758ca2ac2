//! Problem responses for what the framework rejects before a handler runs: unknown routes,
//! wrong methods, and any error response that is not yet problem+json.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::{ApiError, PROBLEM_JSON};

/// The default service: 405 when the path exists under another method, else 404.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(if req.resource_map().has_resource(req.path()) {
        ApiError::MethodNotAllowed(format!("{} is not allowed on {}", req.method(), req.path()))
    } else {
        ApiError::NotFound(format!("no route for {}", req.path()))
    })
}

/// Turns any error response that is not problem+json (the framework's own 4xx and 5xx) into one.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = res
        .response()
        .error()
        .map(|e| e.to_string())
        .filter(|_| status.is_client_error())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    let error = match status.as_u16() {
        400 => ApiError::BadRequest(detail),
        401 => ApiError::Unauthorized(detail),
        403 => ApiError::Forbidden(detail),
        404 => ApiError::NotFound(detail),
        405 => ApiError::MethodNotAllowed(detail),
        413 => ApiError::PayloadTooLarge(detail),
        414 => ApiError::UriTooLong(detail),
        415 => ApiError::UnsupportedMediaType(detail),
        503 => ApiError::Unavailable(detail),
        s if s < 500 => ApiError::BadRequest(detail),
        _ => ApiError::Internal(anyhow::anyhow!("{detail}")),
    };
    let mut problem: HttpResponse<BoxBody> = error.error_response();
    // Keep the original status (e.g. 408, 431) even where the mapping above is coarser, and the
    // original headers (Allow, Vary, CORS ...) but those that describe the old body.
    *problem.status_mut() = status;
    let own: Vec<header::HeaderName> = problem.headers().keys().cloned().collect();
    for (name, value) in res.headers() {
        if !own.contains(name) && *name != header::CONTENT_LENGTH {
            problem.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, problem).map_into_right_body::<B>(),
    ))
}
