//! The HTTP conventions browsers and integration tools expect: CORS, compression, 304 for a
//! current `If-None-Match`, `Allow` on 405, HEAD wherever GET is, the client's request id,
//! 414 for an overlong URI, `no-store` on authenticated answers, an offline Swagger UI.

mod common;

use std::io::Read;

use actix_web::http::Method;
use common::*;
use serde_json::{json, Value};

const ORIGIN: &str = "https://app.example.com";

async fn app_with_cors() -> TestApp {
    TestApp::spawn_with(|c| {
        c.cors_allowed_origins =
            salestrack::config::origins("https://App.example.com/, http://localhost:5173").unwrap()
    })
    .await
}

fn preflight(app: &TestApp, origin: &str) -> Req {
    app.request(Method::OPTIONS, "/api/v1/org-units")
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match, idempotency-key",
        )
}

fn names(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[actix_web::test]
async fn a_preflight_from_an_allowed_origin_is_answered_with_the_allowed_methods_and_headers() {
    let app = app_with_cors().await;
    let res = preflight(&app, ORIGIN).send().await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    let methods = names(res.header("access-control-allow-methods"));
    for m in ["get", "head", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&m.to_string()), "{methods:?} lacks {m}");
    }
    let headers = names(res.header("access-control-allow-headers"));
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
        "x-request-id",
    ] {
        assert!(headers.contains(&h.to_string()), "{headers:?} lacks {h}");
    }
    // The second configured origin is allowed too.
    let res = preflight(&app, "http://localhost:5173").send().await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[actix_web::test]
async fn a_preflight_from_another_origin_gets_no_allow_headers() {
    let app = app_with_cors().await;
    let res = preflight(&app, "https://evil.example.net").send().await;
    assert!(res.header("access-control-allow-origin").is_none());
    assert!(res.header("access-control-allow-methods").is_none());
    assert!(res.header("access-control-allow-headers").is_none());
    res.problem(400);
    // Its actual requests are served (a browser will not let the page read them), without
    // CORS headers.
    let res = app
        .get("/healthz")
        .header("origin", "https://evil.example.net")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn answers_to_an_allowed_origin_expose_the_api_headers() {
    let app = app_with_cors().await;
    let admin = app.admin_token().await;
    let res = app
        .get("/api/v1/settings")
        .bearer(&admin)
        .header("origin", ORIGIN)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = names(res.header("access-control-expose-headers"));
    for h in [
        "etag",
        "location",
        "retry-after",
        "x-request-id",
        "idempotency-replayed",
    ] {
        assert!(exposed.contains(&h.to_string()), "{exposed:?} lacks {h}");
    }
    // Errors carry them too, so that the page can read the problem.
    let res = app.get("/api/v1/me").header("origin", ORIGIN).send().await;
    res.problem(401);
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
}

#[actix_web::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let app = TestApp::spawn().await;
    let res = preflight(&app, ORIGIN).send().await;
    res.problem(405);
    assert!(res.header("access-control-allow-origin").is_none());
    let res = app.get("/healthz").header("origin", ORIGIN).send().await;
    assert_eq!(res.status, 200);
    assert!(res.header("access-control-allow-origin").is_none());
}

#[test]
fn configured_origins_must_be_bare_http_origins() {
    use salestrack::config::origins;
    assert_eq!(
        origins(" https://A.example.com:443/ ,http://localhost:5173,").unwrap(),
        vec!["https://a.example.com", "http://localhost:5173"]
    );
    assert!(origins("").unwrap().is_empty());
    for bad in [
        "*",
        "app.example.com",
        "https://a.example.com/app",
        "ftp://a.example.com",
    ] {
        assert!(origins(bad).is_err(), "{bad} was accepted");
    }
}

async fn spec_as_served(app: &TestApp) -> Value {
    let res = app.get("/api-docs/openapi.json").undecoded().send().await;
    assert_eq!(res.header("content-encoding"), None);
    res.body
}

#[actix_web::test]
async fn the_spec_is_sent_gzipped_when_the_client_accepts_gzip() {
    let app = TestApp::spawn().await;
    let plain = spec_as_served(&app).await;
    assert!(plain["paths"].is_object());
    let res = app
        .get("/api-docs/openapi.json")
        .header("accept-encoding", "gzip")
        .undecoded()
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(res.bytes.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    assert!(res.bytes.len() * 4 < json.len(), "gzip hardly shrank it");
    assert_eq!(serde_json::from_slice::<Value>(&json).unwrap(), plain);
}

#[actix_web::test]
async fn the_spec_is_sent_as_brotli_when_the_client_accepts_br() {
    let app = TestApp::spawn().await;
    let plain = spec_as_served(&app).await;
    let res = app
        .get("/api-docs/openapi.json")
        .header("accept-encoding", "br")
        .undecoded()
        .send()
        .await;
    assert_eq!(res.header("content-encoding"), Some("br"));
    let mut json = Vec::new();
    brotli::Decompressor::new(res.bytes.as_slice(), 4096)
        .read_to_end(&mut json)
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&json).unwrap(), plain);
}

#[actix_web::test]
async fn a_replayed_idempotent_post_is_the_same_answer_when_compressed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let post = || {
        app.post("/api/v1/org-units")
            .bearer(&admin)
            .header("idempotency-key", "gz-1")
            .header("accept-encoding", "gzip")
            .undecoded()
            .json(json!({"name": "West", "parent_id": root}))
    };
    let gunzip = |bytes: &[u8]| {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        serde_json::from_slice::<Value>(&out).unwrap()
    };
    let first = post().send().await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    let again = post().send().await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(gunzip(&again.bytes), gunzip(&first.bytes));
    assert_eq!(again.header("etag"), first.header("etag"));
}

#[actix_web::test]
async fn a_get_naming_the_current_etag_in_if_none_match_is_304_without_a_body() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unit = app.create_unit(&admin, "West", &root).await;
    let path = format!("/api/v1/org-units/{unit}");
    let current = app.get(&path).bearer(&admin).send().await;
    let etag = current.etag();
    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"0\", {etag}"),
        "*".into(),
    ] {
        let res = app
            .get(&path)
            .bearer(&admin)
            .header("if-none-match", &tag)
            .send()
            .await;
        assert_eq!(res.status, 304, "If-None-Match: {tag}");
        assert!(res.bytes.is_empty());
        assert_eq!(res.header("etag"), Some(etag.as_str()));
        assert_eq!(res.header("cache-control"), Some("no-store"));
    }
    // A stale tag gets the resource.
    let res = app
        .get(&path)
        .bearer(&admin)
        .header("if-none-match", "\"0\"")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["id"], unit.as_str());
    // So does a change: the old tag no longer matches.
    app.set_manager(
        &admin,
        &unit,
        &app.create_user(&admin, "m@test.local", "manager", &unit)
            .await,
    )
    .await;
    let res = app
        .get(&path)
        .bearer(&admin)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_ne!(res.etag(), etag);
}

#[actix_web::test]
async fn every_405_names_the_methods_the_path_answers() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        (Method::DELETE, "/api/v1/me".to_string(), "GET, HEAD"),
        (
            Method::PUT,
            format!("/api/v1/org-units/{root}"),
            "GET, HEAD, PATCH, DELETE",
        ),
        (Method::HEAD, "/api/v1/auth/login".to_string(), "POST"),
        (
            Method::DELETE,
            "/api/v1/org-units".to_string(),
            "GET, HEAD, POST",
        ),
        (Method::POST, "/healthz".to_string(), "GET, HEAD"),
        (
            Method::POST,
            "/api-docs/openapi.json".to_string(),
            "GET, HEAD",
        ),
        (Method::POST, "/docs/index.css".to_string(), "GET, HEAD"),
        (
            Method::OPTIONS,
            "/api/v1/settings".to_string(),
            "GET, HEAD, PATCH",
        ),
    ];
    for (method, path, allow) in cases {
        let res = app
            .request(method.clone(), &path)
            .bearer(&admin)
            .send()
            .await;
        if method == Method::HEAD {
            assert_eq!(res.status, 405);
        } else {
            res.problem(405);
        }
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
    }
}

#[actix_web::test]
async fn head_is_answered_wherever_get_is_with_the_same_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        format!("/api/v1/org-units/{root}"),
        "/api/v1/org-units".to_string(),
        "/healthz".to_string(),
        "/api-docs/openapi.json".to_string(),
        "/docs/".to_string(),
    ] {
        let get = app.get(&path).bearer(&admin).undecoded().send().await;
        let head = app
            .request(Method::HEAD, &path)
            .bearer(&admin)
            .undecoded()
            .send()
            .await;
        assert_eq!(head.status, 200, "HEAD {path}: {}", head.text);
        assert!(head.bytes.is_empty(), "HEAD {path} has a body");
        for name in ["content-type", "content-length", "etag", "cache-control"] {
            assert_eq!(head.header(name), get.header(name), "{name} of HEAD {path}");
        }
    }
    let res = app
        .request(Method::HEAD, "/api/v1/nothing-here")
        .send()
        .await;
    assert_eq!(res.status, 404);
}

#[actix_web::test]
async fn a_well_formed_client_request_id_is_echoed_and_any_other_replaced() {
    let app = TestApp::spawn().await;
    let own = "mobile-7f3a.retry:2_of_3";
    let res = app.get("/healthz").header("x-request-id", own).send().await;
    assert_eq!(res.header("x-request-id"), Some(own));
    let long = "a".repeat(201);
    for bad in ["has space", "semi;colon", "", long.as_str()] {
        let res = app.get("/healthz").header("x-request-id", bad).send().await;
        let id = res.header("x-request-id").unwrap();
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} is not generated");
    }
    let res = app
        .get("/api/v1/nothing")
        .header("x-request-id", own)
        .send()
        .await;
    res.problem(404);
    assert_eq!(res.header("x-request-id"), Some(own));
}

#[actix_web::test]
async fn a_uri_longer_than_8_kib_is_a_414_problem() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let query = format!("?owner_id={}", "x".repeat(10 * 1024));
    let res = app
        .get(&format!("/api/v1/visit-plans{query}"))
        .bearer(&admin)
        .send()
        .await;
    let problem = res.problem(414);
    assert_eq!(problem["type"], "/problems/uri-too-long");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // Just below the limit the request is served (and its query judged by the handler).
    let path = "/api/v1/visit-plans?limit=10&x=";
    let fits = format!("{path}{}", "x".repeat(8 * 1024 - path.len()));
    let res = app.get(&fits).bearer(&admin).send().await;
    assert_ne!(res.status, 414, "{}", res.text);
}

#[actix_web::test]
async fn authenticated_answers_are_not_stored_and_the_docs_may_be() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let login = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let res = app.get("/api/v1/me").bearer(&admin).send().await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let res = app.get("/api/v1/me").send().await;
    res.problem(401);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let res = app.get("/healthz").bearer(&admin).send().await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    for public in ["/api-docs/openapi.json", "/docs/", "/docs/swagger-ui.css"] {
        let res = app.get(public).send().await;
        assert_eq!(res.status, 200, "{public}");
        assert_ne!(res.header("cache-control"), Some("no-store"), "{public}");
    }
}

#[actix_web::test]
async fn swagger_ui_asks_no_outside_validator_and_keeps_the_token_over_a_reload() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs/swagger-initializer.js").send().await;
    assert_eq!(res.status, 200);
    let js = res.text.replace(char::is_whitespace, "");
    assert!(js.contains("\"validatorUrl\":\"none\""), "{}", res.text);
    assert!(js.contains("\"persistAuthorization\":true"), "{}", res.text);
    assert!(js.contains("/api-docs/openapi.json"), "{}", res.text);
}
