//! The input rules that hold for every request, declared where clients see them: text carries
//! no control characters but tab, line feed and carriage return; a business date is
//! `YYYY-MM-DD` with a year from 1900 to 2999; `If-Match` is `*` or a list of entity tags.
//! The server enforces each in one place (`http::input`, `http::date`, `http::etag`); this pass
//! states the same rule on every string of every request schema and parameter.

use std::collections::BTreeSet;

use serde_json::Value;

/// No C0 or C1 control character other than tab, line feed and carriage return.
const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// `YYYY-MM-DD`, years 1900 to 2999.
const DAY: &str = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
/// `*`, or a comma-separated list of strong or weak entity tags.
const ENTITY_TAGS: &str =
    r#"^(\*|(W/)?"[\x21\x23-\x7E]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7E]*")*)$"#;

/// Declares the rules on every request body, parameter and the schemas they refer to.
pub fn declare(doc: &mut Value) {
    let mut wanted = BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                // `get_mut`, not indexing: indexing a JSON object inserts what it does not find.
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in params {
                        let if_match = p["in"] == "header" && p["name"] == "If-Match";
                        let in_path = p["in"] == "path";
                        let Some(schema) = p.get_mut("schema") else {
                            continue;
                        };
                        if if_match {
                            schema["pattern"] = ENTITY_TAGS.into();
                        } else if !in_path {
                            constrain(schema, &mut wanted);
                        }
                    }
                }
                let content = op
                    .get_mut("requestBody")
                    .and_then(|b| b.get_mut("content"))
                    .and_then(Value::as_object_mut);
                for media in content.into_iter().flat_map(|c| c.values_mut()) {
                    if let Some(schema) = media.get_mut("schema") {
                        constrain(schema, &mut wanted);
                    }
                }
            }
        }
    }
    // The named schemas that requests use, and those they use in turn.
    let mut done = BTreeSet::new();
    while let Some(name) = wanted.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        let schema = doc
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(&name));
        if let Some(schema) = schema {
            constrain(schema, &mut wanted);
        }
    }
}

/// Puts the rules on the strings of `schema` and notes the named schemas it refers to.
fn constrain(schema: &mut Value, refs: &mut BTreeSet<String>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(name) = object
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        refs.insert(name.to_string());
    }
    let is_string = match object.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    let free = !object.contains_key("enum") && !object.contains_key("pattern");
    if is_string && free {
        match object.get("format").and_then(Value::as_str) {
            Some("date") => {
                object.insert("pattern".into(), DAY.into());
            }
            None => {
                object.insert("pattern".into(), TEXT.into());
            }
            // uuid, date-time, email, uri, binary: the format says what is allowed.
            Some(_) => {}
        }
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = object.get_mut(key) {
            for sub in props.values_mut() {
                constrain(sub, refs);
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = object.get_mut(key) {
            constrain(sub, refs);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(subs)) = object.get_mut(key) {
            for sub in subs {
                constrain(sub, refs);
            }
        }
    }
}
