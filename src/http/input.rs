//! Request input that is parsed and validated in one step; every failure is a problem that
//! names the field.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, FieldError};

/// A JSON body, deserialised and then checked by its `validator` rules.
pub struct ValidJson<T>(pub T);

/// Query parameters, deserialised and then checked by their `validator` rules.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .map(|m| m.subtype() == mime_json() || m.suffix().map(|s| s.as_str()) == Some("json"))
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            let bytes = body.await.map_err(payload_error)?;
            let value: T = parse_json(&bytes)?;
            value.validate()?;
            Ok(ValidJson(value))
        })
    }
}

fn mime_json() -> &'static str {
    "json"
}

/// Maps an error of reading the body to its problem (413 when over the size limit).
pub fn payload_error(e: actix_web::Error) -> ApiError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            ApiError::PayloadTooLarge("the request body is larger than the server accepts".into())
        }
        _ => ApiError::BadRequest(format!("the request body could not be read: {e}")),
    }
}

/// Deserialises JSON, reporting the path of the field that is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("malformed JSON: {inner}"));
        }
        ApiError::invalid_fields(vec![field_error(e.path().to_string(), inner.to_string())])
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// serde reports a missing field at the path of its parent; name the field itself.
fn field_error(path: String, message: String) -> FieldError {
    let message = strip_position(&message);
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let field = if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return FieldError::new(field, "is required");
    }
    let field = if path == "." { "body".into() } else { path };
    FieldError::new(field, message)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        ApiError::invalid_fields(vec![field_error(
            e.path().to_string(),
            e.inner().to_string(),
        )])
    })?;
    value.validate()?;
    Ok(value)
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

/// An optional JSON body: no body, or JSON `null`, is `None`; anything else must be valid JSON
/// of `T`.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            req.mime_type().ok().flatten().map(|m| {
                m.subtype() == mime_json() || m.suffix().map(|s| s.as_str()) == Some("json")
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(payload_error)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if is_json != Some(true) {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            // JSON `null` is no body too, as the spec's `oneOf: [null, ..]` says.
            let value: Option<T> = parse_json(&bytes)?;
            if let Some(value) = &value {
                value.validate()?;
            }
            Ok(OptionalJson(value))
        })
    }
}
