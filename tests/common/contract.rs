//! The contract check: every response the suite receives is held to the committed
//! `openapi/openapi.json`. Its status must be one the operation declares, its content type one
//! that status declares, its JSON body must validate against the declared schema, every header
//! the response declares as required must be there, and the headers a client acts on (`ETag`,
//! `Location`, `Retry-After`, `Idempotency-Replayed`) may only come where they are declared.
//!
//! A response that does not match panics in the test that received it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

/// Headers that a client acts on: the spec must say where they come.
const DECLARED_HEADERS: [&str; 4] = ["etag", "location", "retry-after", "idempotency-replayed"];

/// Responses checked by this test process (see `CONTRACT_LOG` to count a whole run).
pub static CHECKED: AtomicUsize = AtomicUsize::new(0);

struct Contract {
    spec: Value,
    /// `(template segments, path key)` of every path of the spec.
    paths: Vec<(Vec<String>, String)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
        let text = std::fs::read_to_string(path).expect("openapi/openapi.json is missing");
        let spec: Value = serde_json::from_str(&text).expect("openapi/openapi.json is not JSON");
        let paths = spec["paths"]
            .as_object()
            .expect("the spec has no paths")
            .keys()
            .map(|k| (segments(k), k.clone()))
            .collect();
        Contract {
            spec,
            paths,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').map(str::to_string).collect()
}

/// The spec path a request path falls under: literal segments beat parameters.
fn find_path<'a>(contract: &'a Contract, path: &str) -> Option<&'a str> {
    let wanted = segments(path);
    contract
        .paths
        .iter()
        .filter(|(template, _)| {
            template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(t, w)| {
                    (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                })
        })
        .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
        .map(|(_, key)| key.as_str())
}

/// A JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn validator(contract: &Contract, pointer: &str, schema: &Value) -> Arc<jsonschema::Validator> {
    let mut cache = contract.validators.lock().unwrap();
    cache
        .entry(pointer.to_string())
        .or_insert_with(|| {
            // The schema's `$ref`s point into `#/components`, so it is validated beside them.
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": contract.spec["components"],
                "allOf": [schema],
            });
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the spec's schema at {pointer} does not compile: {e}"));
            Arc::new(validator)
        })
        .clone()
}

/// What a response looked like on the wire.
pub struct Seen<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The body is still as `Content-Encoding` says (the client did not decode it).
    pub encoded: bool,
}

impl Seen<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Panics unless the response is what the spec promises.
pub fn check(seen: &Seen<'_>) {
    if let Err(why) = verdict(seen) {
        // While mending the spec, `CONTRACT_COLLECT=file` lists every mismatch of a run.
        if let Ok(file) = std::env::var("CONTRACT_COLLECT") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
            {
                let _ = writeln!(
                    f,
                    "{} {} {}: {why}",
                    seen.method,
                    path_of(seen.url),
                    seen.status
                );
            }
            return;
        }
        panic!(
            "{} {} answered {} against openapi/openapi.json: {why}\nbody: {}",
            seen.method,
            seen.url,
            seen.status,
            String::from_utf8_lossy(&seen.body[..seen.body.len().min(2000)])
        );
    }
    CHECKED.fetch_add(1, Ordering::Relaxed);
    if let Ok(log) = std::env::var("CONTRACT_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{} {} {}", seen.method, path_of(seen.url), seen.status);
        }
    }
}

fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// What the spec says of a response: `Err` with the reason when it is not what it promises.
pub fn verdict(seen: &Seen<'_>) -> Result<(), String> {
    let contract = contract();
    let method = seen.method.to_ascii_lowercase();
    // A CORS preflight is answered by the transport, not by an operation.
    if method == "options" {
        return Ok(());
    }
    let path = path_of(seen.url);
    let head = method == "head";
    let op_method = if head { "get" } else { method.as_str() };
    let Some(key) = find_path(contract, path) else {
        return outside_the_api(contract, seen, path);
    };
    let Some(op) = contract.spec["paths"][key].get(op_method) else {
        if seen.status == 405 {
            return problem_body(contract, seen);
        }
        return Err(format!("{key} declares no {op_method} operation"));
    };
    let id = op["operationId"].as_str().unwrap_or(key);
    let responses = &op["responses"];
    let status = seen.status.to_string();
    let range = format!("{}XX", seen.status / 100);
    let (code, response) = [status.as_str(), range.as_str(), "default"]
        .into_iter()
        .find_map(|c| responses.get(c).map(|r| (c, r)))
        .ok_or_else(|| {
            let declared: Vec<&String> =
                responses.as_object().map_or(vec![], |o| o.keys().collect());
            format!("{id} does not declare status {status} (declared: {declared:?})")
        })?;
    let pointer = format!("#/paths/{}/{op_method}/responses/{code}", escape(key));
    check_headers(seen, id, code, response)?;
    if head || seen.status == 304 || seen.status == 204 {
        return if seen.body.is_empty() {
            Ok(())
        } else {
            Err(format!("{id} {code}: a body where none belongs"))
        };
    }
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return if seen.body.is_empty() {
            Ok(())
        } else {
            Err(format!("{id} {code} declares no content, but a body came"))
        };
    };
    let content_type = seen
        .header("content-type")
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .ok_or_else(|| format!("{id} {code}: no Content-Type"))?;
    let media = content.get(&content_type).ok_or_else(|| {
        let declared: Vec<&String> = content.keys().collect();
        format!("{id} {code}: Content-Type {content_type} is not declared ({declared:?})")
    })?;
    if !content_type.ends_with("json") {
        return Ok(());
    }
    let decoded = decode(seen)?;
    let body: Value = serde_json::from_slice(&decoded)
        .map_err(|e| format!("{id} {code}: the body is not JSON: {e}"))?;
    let Some(schema) = media.get("schema") else {
        return Ok(());
    };
    let pointer = format!("{pointer}/content/{}/schema", escape(&content_type));
    let validator = validator(contract, &pointer, schema);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .take(5)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{id} {code}: the body does not match its schema:\n  {}",
            errors.join("\n  ")
        ))
    }
}

fn check_headers(seen: &Seen<'_>, id: &str, code: &str, response: &Value) -> Result<(), String> {
    let declared = response.get("headers").and_then(Value::as_object);
    let is_declared =
        |name: &str| declared.is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(name)));
    for name in DECLARED_HEADERS {
        if seen.header(name).is_some() && !is_declared(name) {
            return Err(format!(
                "{id} {code}: header {name} is sent but not declared"
            ));
        }
    }
    for (name, header) in declared.into_iter().flatten() {
        if header["required"] == Value::Bool(true) && seen.header(name).is_none() {
            return Err(format!("{id} {code}: declared header {name} is missing"));
        }
    }
    Ok(())
}

/// Paths outside the spec (the docs, unknown routes): errors there are problems too.
fn outside_the_api(contract: &Contract, seen: &Seen<'_>, path: &str) -> Result<(), String> {
    if path.starts_with("/api/v1/") || seen.status >= 400 {
        if seen.status < 400 {
            return Err(format!(
                "{path} answered {} but is not in the spec",
                seen.status
            ));
        }
        return problem_body(contract, seen);
    }
    Ok(())
}

fn problem_body(contract: &Contract, seen: &Seen<'_>) -> Result<(), String> {
    if seen.method.eq_ignore_ascii_case("head") {
        return Ok(());
    }
    let content_type = seen.header("content-type").unwrap_or("");
    if !content_type.starts_with("application/problem+json") {
        return Err(format!("an error that is not a problem ({content_type})"));
    }
    let body: Value =
        serde_json::from_slice(seen.body).map_err(|e| format!("the problem is not JSON: {e}"))?;
    let schema = json!({"$ref": "#/components/schemas/Problem"});
    let validator = validator(contract, "#/components/schemas/Problem", &schema);
    match validator.validate(&body) {
        Ok(()) => Ok(()),
        Err(e) => Err(format!("the problem does not match Problem: {e}")),
    }
}

/// The body as the server meant it, for a test that read it still encoded.
fn decode(seen: &Seen<'_>) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    if !seen.encoded {
        return Ok(seen.body.to_vec());
    }
    let read = match seen.header("content-encoding") {
        Some("gzip") => flate2::read::GzDecoder::new(seen.body).read_to_end(&mut out),
        Some("br") => brotli::Decompressor::new(seen.body, 4096).read_to_end(&mut out),
        _ => return Ok(seen.body.to_vec()),
    };
    read.map_err(|e| format!("the body does not decode: {e}"))?;
    Ok(out)
}
