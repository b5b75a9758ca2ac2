//! The response headers of every operation, declared from the rules the server follows:
//! `X-Request-Id` on every answer, `Retry-After` on 429 and 503, `Location` on every 201,
//! `ETag` on every answer that is one versioned resource (and `304` with `If-None-Match` on
//! its GET), `Idempotency-Replayed` where a stored answer can be replayed.

use serde_json::{json, Map, Value};

/// Statuses the idempotency middleware never stores, so never replays.
const NOT_REPLAYED: [&str; 4] = ["401", "408", "409", "429"];

/// The shared header objects, under `#/components/headers`.
pub fn components() -> Value {
    json!({
        "X-Request-Id": {
            "description": "The request's id: yours when you sent a well-formed one, else one \
                the server made. Quote it when reporting a problem.",
            "required": true,
            "schema": {"type": "string", "maxLength": 200}
        },
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": true,
            "schema": {"type": "integer", "minimum": 0}
        },
        "Location": {
            "description": "The URL of what was created.",
            "required": true,
            "schema": {"type": "string", "format": "uri-reference"}
        },
        "ETag": {
            "description": "The version of the resource; send it as `If-Match` to change it, \
                or as `If-None-Match` to fetch it only when it changed.",
            "required": true,
            "schema": {"type": "string"}
        },
        "Idempotency-Replayed": {
            "description": "`true` when this is the stored answer to an earlier request with \
                the same `Idempotency-Key`.",
            "schema": {"type": "string", "enum": ["true"]}
        }
    })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/headers/{name}") })
}

/// Declares the headers of every response of every operation in `doc`.
pub fn declare(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            declare_operation(method, op, &schemas);
        }
    }
}

fn declare_operation(method: &str, op: &mut Value, schemas: &Value) {
    let idempotent = has_parameter(op, "Idempotency-Key");
    let mut versioned_get = false;
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
    for (code, response) in responses.iter_mut() {
        let versioned = code.starts_with('2') && is_versioned(response, schemas);
        let Some(headers) = headers_of(response) else {
            continue;
        };
        // A handler that states a header itself (an ETag not in the body) gets the shared one.
        let versioned = versioned || headers.contains_key("ETag");
        headers.insert("X-Request-Id".into(), reference("X-Request-Id"));
        if code == "429" || code == "503" {
            headers.insert("Retry-After".into(), reference("Retry-After"));
        }
        if code == "409" && idempotent {
            headers.insert(
                "Retry-After".into(),
                json!({
                    "description": "Seconds to wait: a request with the same `Idempotency-Key` \
                        is still running.",
                    "schema": {"type": "integer", "minimum": 0}
                }),
            );
        }
        if code == "201" {
            headers.insert("Location".into(), reference("Location"));
        }
        if versioned {
            headers.insert("ETag".into(), reference("ETag"));
            versioned_get |= method == "get";
        }
        let replayable =
            code.starts_with('2') || (code.starts_with('4') && !NOT_REPLAYED.contains(&&**code));
        if idempotent && replayable {
            headers.insert(
                "Idempotency-Replayed".into(),
                reference("Idempotency-Replayed"),
            );
        }
    }
    if versioned_get {
        responses.insert(
            "304".into(),
            json!({
                "description": "Not modified: your `If-None-Match` names the current version",
                "headers": {
                    "ETag": reference("ETag"),
                    "X-Request-Id": reference("X-Request-Id"),
                }
            }),
        );
        let parameters = op
            .as_object_mut()
            .map(|o| o.entry("parameters").or_insert_with(|| json!([])));
        if let Some(Value::Array(parameters)) = parameters {
            parameters.push(json!({
                "name": "If-None-Match",
                "in": "header",
                "required": false,
                "description": "The ETag you have: answered 304 without a body while it is current.",
                "schema": {"type": "string"}
            }));
        }
    }
}

fn headers_of(response: &mut Value) -> Option<&mut Map<String, Value>> {
    response
        .as_object_mut()?
        .entry("headers")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

fn has_parameter(op: &Value, name: &str) -> bool {
    op["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p["in"] == "header" && p["name"].as_str() == Some(name))
    })
}

/// A JSON answer whose schema is one resource with a required `version`: it carries an ETag.
fn is_versioned(response: &Value, schemas: &Value) -> bool {
    has_version(&response["content"]["application/json"]["schema"], schemas)
}

/// The schema, or one it is composed of (`allOf`, what `#[serde(flatten)]` makes), requires
/// a `version`.
fn has_version(schema: &Value, schemas: &Value) -> bool {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return has_version(&schemas[name], schemas);
    }
    let own = schema["properties"].get("version").is_some()
        && schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|f| f == "version"));
    own || schema["allOf"]
        .as_array()
        .is_some_and(|parts| parts.iter().any(|p| has_version(p, schemas)))
}
