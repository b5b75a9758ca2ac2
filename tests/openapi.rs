//! The committed OpenAPI document is what the code generates, and every operation is complete.

use std::collections::HashSet;

#[test]
fn the_committed_spec_is_up_to_date() {
    let generated = serde_json::to_string_pretty(&salestrack::api_doc()).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let a: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let b: serde_json::Value = serde_json::from_str(&committed).unwrap_or_default();
    assert!(
        a == b,
        "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_has_a_unique_id_a_summary_a_tag_and_problem_responses() {
    let doc = salestrack::api_doc();
    let mut ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(op["summary"].is_string(), "{id}: no summary");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: no tag"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{id}: no success response"
            );
            for code in ["500", "503"] {
                let problem = &responses[code]["content"]["application/problem+json"];
                assert!(
                    problem.is_object(),
                    "{id}: {code} is not a problem response"
                );
            }
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            if !public {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{"bearer_auth": []}]),
                    "{id}: its security requirement"
                );
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{id}: no 401/403"
                );
            }
            if path.contains('{') && !public {
                assert!(responses.contains_key("404"), "{id}: no 404");
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer_auth"].is_object());
    assert!(!ids.is_empty());
}

/// The schema names that the Rust types of `src/` register: one per type, from
/// `#[derive(.. ToSchema ..)]` items (renamed by `#[schema(as = ..)]`), `str_enum!` and
/// `page_type!`.
fn registered_schema_names() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    let item = regex_lite_item;
    let mut names = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let place = |i: usize| format!("{}:{}", file.display(), i + 1);
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            let derive_end = if line.starts_with("#[derive(") {
                lines[i..]
                    .iter()
                    .position(|l| l.contains(")]"))
                    .map(|n| i + n)
            } else {
                None
            };
            let derives_schema = derive_end.is_some_and(|end| {
                lines[i..=end]
                    .iter()
                    .any(|l| l.contains("ToSchema") && !l.contains('$'))
            });
            if let (true, Some(end)) = (derives_schema, derive_end) {
                let mut renamed = None;
                for next in &lines[end + 1..] {
                    let next = next.trim();
                    if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                        let path = rest.split(')').next().unwrap();
                        renamed = Some(path.rsplit("::").next().unwrap().to_string());
                    }
                    if let Some(name) = item(next) {
                        names.push((renamed.unwrap_or(name), place(i)));
                        break;
                    }
                }
            }
            if line.starts_with("str_enum!(") {
                let name = lines[i + 1..]
                    .iter()
                    .map(|l| l.trim())
                    .find(|l| !l.starts_with("///") && l.ends_with('{'))
                    .unwrap();
                names.push((name.trim_end_matches(" {").to_string(), place(i)));
            }
            if let Some(rest) = line.strip_prefix("impl utoipa::ToSchema for ") {
                names.push((rest.trim_end_matches(" {").to_string(), place(i)));
            }
            if let Some(rest) = line.strip_prefix("crate::page_type!(") {
                names.push((rest.split(',').next().unwrap().to_string(), place(i)));
            }
        }
    }
    names
}

/// The name of a struct or enum declared on this line.
fn regex_lite_item(line: &str) -> Option<String> {
    let line = line
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub ");
    let rest = line
        .strip_prefix("struct ")
        .or_else(|| line.strip_prefix("enum "))?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[test]
fn no_two_rust_types_share_a_schema_name() {
    let names = registered_schema_names();
    let mut seen: std::collections::HashMap<&str, &str> = Default::default();
    for (name, place) in &names {
        if let Some(first) = seen.insert(name, place) {
            panic!("two Rust types are registered as the schema `{name}`: {first} and {place}");
        }
    }
    // Every schema of the document comes from a type the scan found, so none escapes the check.
    let doc = salestrack::api_doc();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            seen.contains_key(name.as_str()),
            "the schema `{name}` comes from no type the scan knows: teach the scan its form"
        );
    }
}

#[test]
fn every_reference_in_the_spec_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = salestrack::api_doc();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(
            doc.pointer(pointer).is_some(),
            "$ref {r} resolves to nothing"
        );
    }
}

#[test]
fn every_event_type_is_a_webhook_of_the_spec_and_every_operation_is_described() {
    let doc = salestrack::api_doc();
    for event in salestrack::events::EVENT_TYPES {
        let hook = &doc["webhooks"][event]["post"];
        assert!(hook["requestBody"].is_object(), "no webhook for {event}");
    }
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(doc["info"]["contact"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{method} {path}: no description"
            );
        }
    }
}

#[test]
fn the_document_has_no_null_members() {
    fn walk(value: &serde_json::Value, at: &str) {
        match value {
            serde_json::Value::Null => panic!("{at} is null: a pass inserted what it did not find"),
            serde_json::Value::Object(map) => {
                map.iter().for_each(|(k, v)| walk(v, &format!("{at}/{k}")))
            }
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(v, &format!("{at}/{i}"))),
            _ => {}
        }
    }
    walk(&salestrack::api_doc(), "#");
}
