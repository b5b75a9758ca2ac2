//! The HTTP conventions that browsers and integration tools take for granted, applied to every
//! response by middleware: CORS for the configured web origins, `HEAD` wherever `GET` is,
//! `304 Not Modified` for a matching `If-None-Match`, `Allow` on every 405,
//! `Cache-Control: no-store` on authenticated answers, and a 414 problem for an overlong URI.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Condition, Next};
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;

/// The longest request target (path and query) served; a longer one is a 414 problem.
/// Below the 64 KiB beyond which the HTTP parser itself refuses the request line.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Request headers a web front end may send.
const ALLOWED_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "x-request-id",
    "accept",
];

/// Response headers a web front end may read.
const EXPOSED_HEADERS: [&str; 6] = [
    "etag",
    "location",
    "retry-after",
    "x-request-id",
    "idempotency-replayed",
    "content-disposition",
];

/// CORS for the given origins (serialised, as `Config::cors_allowed_origins` holds them): a
/// preflight from one of them is answered with the allowed methods and headers, and answers to
/// its requests expose the headers above. With no origins, no CORS header is ever sent; a
/// preflight from any other origin gets no allow headers.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Condition::new(!origins.is_empty(), cors)
}

/// A request target longer than [`MAX_URI_BYTES`] is answered with a 414 problem.
pub async fn uri_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if len > MAX_URI_BYTES {
        let e = ApiError::UriTooLong(format!(
            "the request target has {len} bytes; at most {MAX_URI_BYTES} are served"
        ));
        return Ok(req.into_response(e.error_response()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// `HEAD` is served as `GET`. The HTTP/1 codec remembers that the request was `HEAD` and sends
/// the headers of the answer (`Content-Length` included) without its body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Whether an `If-None-Match` value matches an entity tag, by the weak comparison of RFC 9110
/// (section 13.1.2): `W/` prefixes are ignored, and `*` matches any current representation.
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let current = opaque(etag);
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || opaque(t) == current)
}

/// A `GET` whose `If-None-Match` names the current `ETag` of a 200 answer gets
/// `304 Not Modified`: no body, the same headers (the `ETag` among them) bar the content ones.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let tags = match req.method() {
        &Method::GET => req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        _ => None,
    };
    let res = next.call(req).await?;
    let matched = tags.is_some_and(|tags| {
        res.status() == StatusCode::OK
            && res
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|etag| none_match(&tags, etag))
    });
    if !matched {
        return Ok(res.map_into_left_body());
    }
    let mut unmodified = HttpResponse::NotModified().finish();
    for (name, value) in res.headers() {
        if !matches!(
            *name,
            header::CONTENT_TYPE | header::CONTENT_LENGTH | header::CONTENT_ENCODING
        ) {
            unmodified.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, unmodified).map_into_right_body())
}

/// The methods each path of the application answers, for `Allow` on a 405.
pub struct Routes(Vec<(Vec<String>, Vec<&'static str>)>);

impl Routes {
    /// The routes of the OpenAPI document, plus the documentation pages outside it.
    pub fn from_doc(doc: &serde_json::Value) -> Self {
        let empty = serde_json::Map::new();
        let mut routes: Vec<(Vec<String>, Vec<&'static str>)> = doc["paths"]
            .as_object()
            .unwrap_or(&empty)
            .iter()
            .map(|(path, item)| {
                let has = |m: &str| item.get(m).is_some();
                let methods = [
                    ("GET", has("get")),
                    ("HEAD", has("get")),
                    ("POST", has("post")),
                    ("PUT", has("put")),
                    ("PATCH", has("patch")),
                    ("DELETE", has("delete")),
                ];
                let methods = methods.iter().filter(|m| m.1).map(|m| m.0).collect();
                (segments(path), methods)
            })
            .collect();
        for page in ["/docs", "/docs/{*}", "/api-docs/openapi.json"] {
            routes.push((segments(page), vec!["GET", "HEAD"]));
        }
        Routes(routes)
    }

    /// The `Allow` value for a request path: the methods of the most specific template that
    /// matches it (fewest `{parameters}`, as the router prefers literal paths).
    pub fn allow(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        let is_param = |s: &String| s.starts_with('{');
        let same = |t: &String, w: &String| is_param(t) || t == w;
        let matches = |template: &[String]| match template.split_last() {
            // `{*}` at the end takes the rest of the path, however many segments.
            Some((last, head)) if last == ANY_TAIL => {
                wanted.len() > head.len() && head.iter().zip(&wanted).all(|(t, w)| same(t, w))
            }
            _ => {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| same(t, w))
            }
        };
        let (_, methods) = self
            .0
            .iter()
            .filter(|(template, _)| matches(template))
            .min_by_key(|(template, _)| template.iter().filter(|s| is_param(s)).count())?;
        Some(methods.join(", "))
    }
}

/// The last segment of a template that matches any rest of a path.
const ANY_TAIL: &str = "{*}";

fn segments(path: &str) -> Vec<String> {
    path.trim_start_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

/// Every 405 names the methods the path does answer (RFC 9110, section 15.5.6).
pub async fn allow_on_405(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let routes = req.app_data::<web::Data<Routes>>().cloned();
    let mut res = next.call(req).await?;
    if res.status() == StatusCode::METHOD_NOT_ALLOWED && !res.headers().contains_key(header::ALLOW)
    {
        let path = res.request().path().to_string();
        match routes
            .and_then(|r| r.allow(&path))
            .and_then(|a| HeaderValue::from_str(&a).ok())
        {
            Some(v) => {
                res.headers_mut().insert(header::ALLOW, v);
            }
            // A route registered outside the OpenAPI document (with `.route`, not `.service`).
            None => tracing::warn!(path, "a 405 without Allow: the path is not in the document"),
        }
    }
    Ok(res)
}

/// Answers to authenticated requests, and every answer under `/api/v1`, are never stored by a
/// cache (`Cache-Control: no-store`); the documentation may be cached.
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private =
        req.headers().contains_key(header::AUTHORIZATION) || req.path().starts_with("/api/v1");
    let mut res = next.call(req).await?;
    if private && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
