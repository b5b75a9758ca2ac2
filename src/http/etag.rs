//! ETags (one per resource version) and `If-Match` (RFC 9110, 13.1.1).

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

/// One entity tag of an `If-Match` list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntityTag {
    weak: bool,
    /// The tag with its quotes, e.g. `"3"`.
    opaque: String,
}

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    /// `*`: any current version.
    Any,
    /// A list: matches when one of its strong tags is the current ETag.
    Tags(Vec<EntityTag>),
}

/// The `If-Match` precondition of a write. Taking it in a handler makes the header required:
/// a request without it is refused with 428 when it is extracted, as one whose header does
/// not parse is with 400.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<Condition>);

impl IfMatch {
    /// Checks the precondition against the stored version: 428 without `If-Match`, 412 unless
    /// `*` or one of the listed tags is the current ETag. Weak tags never match, as RFC 9110
    /// asks for the strong comparison here.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        let condition = self.0.as_ref().ok_or_else(missing)?;
        let current_tag = etag(current);
        let matches = match condition {
            Condition::Any => true,
            Condition::Tags(tags) => tags.iter().any(|t| !t.weak && t.opaque == current_tag),
        };
        if matches {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(format!(
                "the resource has changed (current ETag {current_tag}); fetch it again"
            )))
        }
    }
}

fn missing() -> ApiError {
    ApiError::PreconditionRequired(
        "this write needs an If-Match header with the resource's current ETag".into(),
    )
}

/// Parses the field values of `If-Match`: `*`, or a comma-separated list of entity tags
/// (`"x"` or `W/"x"`). As in every `#rule` list, empty elements are allowed, and an empty
/// list is valid and matches nothing.
fn parse(values: &[&str]) -> Result<Condition, String> {
    let joined = values.join(",");
    let items = split_list(&joined)?;
    if items == ["*"] {
        return Ok(Condition::Any);
    }
    let mut tags = Vec::with_capacity(items.len());
    for item in items {
        let (weak, opaque) = match item.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let inner = opaque
            .strip_prefix('"')
            .and_then(|o| o.strip_suffix('"'))
            .filter(|_| opaque.len() >= 2)
            .ok_or_else(|| format!("If-Match: {item:?} is not an entity tag (\"...\") or *"))?;
        // etagc: %x21 / %x23-7E / obs-text; no quotes, spaces or controls inside.
        if inner.bytes().any(|b| b == b'"' || b <= 0x20 || b == 0x7f) {
            return Err(format!("If-Match: {item:?} is not an entity tag"));
        }
        tags.push(EntityTag {
            weak,
            opaque: opaque.to_string(),
        });
    }
    Ok(Condition::Tags(tags))
}

/// The elements of a comma-separated list of entity tags. A comma inside the quotes of a tag
/// is part of the tag (`etagc` allows it), so the list is read tag by tag, not split.
fn split_list(list: &str) -> Result<Vec<&str>, String> {
    let bytes = list.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b',' | b' ' | b'\t' => i += 1,
            _ => {
                let start = i;
                let weak = list[i..].starts_with("W/");
                if weak {
                    i += 2;
                }
                if bytes.get(i) == Some(&b'"') {
                    let close = list[i + 1..].find('"').ok_or_else(|| {
                        format!("If-Match: {:?} has an unclosed entity tag", &list[start..])
                    })?;
                    i += close + 2;
                } else {
                    while i < bytes.len() && bytes[i] != b',' {
                        i += 1;
                    }
                }
                items.push(list[start..i].trim_end());
                // Only white space may stand between an element and the next comma.
                while i < bytes.len() && bytes[i] != b',' {
                    if !matches!(bytes[i], b' ' | b'\t') {
                        return Err(format!("If-Match: {:?} is not a list of entity tags", list));
                    }
                    i += 1;
                }
            }
        }
    }
    Ok(items)
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let raw: Vec<_> = req.headers().get_all(header::IF_MATCH).collect();
        if raw.is_empty() {
            // Refused here, before the handler looks at the resource, so that a missing header
            // is always 428 and never a state conflict found first.
            return std::future::ready(Err(missing()));
        }
        let values: Result<Vec<&str>, _> = raw.iter().map(|v| v.to_str()).collect();
        let parsed = values
            .map_err(|_| "If-Match is not visible ASCII".to_string())
            .and_then(|v| parse(&v))
            .map(|c| IfMatch(Some(c)))
            .map_err(ApiError::BadRequest);
        std::future::ready(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: &str, current: i64) -> Result<(), String> {
        let condition = parse(&[header])?;
        IfMatch(Some(condition))
            .check(current)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_list_matches_when_any_strong_tag_is_current() {
        assert!(check("\"3\"", 3).is_ok());
        assert!(check("\"1\", \"3\"", 3).is_ok());
        assert!(check("*", 3).is_ok());
        assert!(check("\"998\", \"999\"", 3).is_err());
        assert!(check("W/\"3\"", 3).is_err());
        // A comma inside a tag is part of it.
        assert!(check("\"a,b\", \"3\"", 3).is_ok());
        assert!(check("\"3\" x", 3).is_err());
        assert!(check("\"03\"", 3).is_err());
        assert!(check("", 3).is_err());
    }

    #[test]
    fn what_is_not_an_entity_tag_list_does_not_parse() {
        for bad in [
            "garbage",
            "3",
            "\"3",
            "\"3\" \"4\"",
            "*, \"3\"",
            "W/3",
            "\"",
        ] {
            assert!(parse(&[bad]).is_err(), "{bad} must not parse");
        }
    }
}
