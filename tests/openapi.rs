//! The committed OpenAPI document is what the code generates, and every operation is complete.

use std::collections::HashSet;

#[test]
fn the_committed_spec_is_up_to_date() {
    let generated = salestrack::api_doc().to_pretty_json().unwrap();
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
    let doc = serde_json::to_value(salestrack::api_doc()).unwrap();
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
