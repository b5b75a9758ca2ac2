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

/// Deserialises JSON, reporting the path of the field that is wrong. Strings with control
/// characters are refused first (see [`check_text`]), wherever they are in the document.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let mut errors = Vec::new();
    check_json(&document, &mut String::new(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    serde_path_to_error::deserialize(document).map_err(|e| {
        ApiError::invalid_fields(vec![field_error(
            e.path().to_string(),
            e.inner().to_string(),
        )])
    })
}

/// Refuses control characters in text: a NUL cannot be stored on PostgreSQL, and the others
/// have no business in a name or a note. Tab, line feed and carriage return are allowed, so
/// that multi-line notes with CRLF line ends (pasted from mail, sent by Windows clients) pass.
pub fn check_text(text: &str) -> Result<(), &'static str> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Err("must not contain control characters (only tab, line feed and carriage return)")
    } else {
        Ok(())
    }
}

/// Collects every string (value or key) of a JSON document that fails [`check_text`], named
/// by its path as serde reports it (`visits[2].notes`).
fn check_json(value: &serde_json::Value, path: &mut String, out: &mut Vec<FieldError>) {
    use serde_json::Value;
    let here = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        Value::String(s) => {
            if let Err(m) = check_text(s) {
                out.push(FieldError::new(here(path), m));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_json(item, path, out);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Err(m) = check_text(key) {
                    out.push(FieldError::new(here(&path[..len]), format!("a key {m}")));
                } else {
                    check_json(item, path, out);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
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
    let pairs = url::form_urlencoded::parse(query.as_bytes());
    // A key that is itself bad is reported as `query`, since it names no field.
    let errors: Vec<FieldError> = pairs
        .filter_map(
            |(key, value)| match (check_text(&key), check_text(&value)) {
                (Err(m), _) => Some(FieldError::new("query", m)),
                (Ok(()), Err(m)) => Some(FieldError::new(key, m)),
                (Ok(()), Ok(())) => None,
            },
        )
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let de = serde_urlencoded::Deserializer::new(pairs);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        ApiError::invalid_fields(vec![field_error(
            e.path().to_string(),
            e.inner().to_string(),
        )])
    })?;
    value.validate()?;
    Ok(value)
}

/// For path parameters that do not parse: a segment with a control character is a 422 that
/// names the parameter (as in bodies and queries); anything else is a 404, as actix answers.
/// Installed as the application's `PathConfig` error handler.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let errors: Vec<FieldError> = req
        .match_info()
        .iter()
        .filter_map(|(name, raw)| {
            let message = check_text(&percent_decode(raw)).err()?;
            Some(FieldError::new(name, message))
        })
        .collect();
    if errors.is_empty() {
        ApiError::NotFound(format!("no such resource: {err}")).into()
    } else {
        ApiError::invalid_fields(errors).into()
    }
}

/// A path segment with its `%XX` escapes decoded (invalid UTF-8 replaced).
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
