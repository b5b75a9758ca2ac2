//! `Location` on every 201: the URL of what was created. A handler that knows better sets it
//! itself; otherwise a POST to a collection answers `<collection>/<id of the body>`.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, LOCATION};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::CREATED || res.headers().contains_key(LOCATION) {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let bytes = body::to_bytes(body).await.unwrap_or_default();
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string));
    if let Some(id) = id {
        let location = format!("{}/{id}", req.path().trim_end_matches('/'));
        if let Ok(value) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(LOCATION, value);
        }
    }
    Ok(ServiceResponse::new(req, res.set_body(bytes.boxed())))
}
