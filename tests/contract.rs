//! The spec as a contract: the check that holds every response to it does catch a mismatch,
//! workflow actions take no body, `{}` or `null` alike, every 201 says where the new thing is,
//! and exports can be fetched as plain bytes.

mod common;
mod visits_support;

use common::contract::{verdict, Seen};
use common::*;
use serde_json::json;
use visits_support::*;

fn seen<'a>(method: &'a str, url: &'a str, status: u16, body: &'a [u8]) -> Seen<'a> {
    static HEADERS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    let headers = HEADERS.get_or_init(|| {
        vec![
            ("content-type".into(), "application/json".into()),
            ("x-request-id".into(), "test".into()),
            ("etag".into(), "\"1\"".into()),
        ]
    });
    Seen {
        method,
        url,
        status,
        headers,
        body,
        encoded: false,
    }
}

fn refused(s: &Seen<'_>) -> bool {
    verdict(s).is_err()
}

#[test]
fn the_contract_check_refuses_answers_the_spec_does_not_promise() {
    let url = "http://127.0.0.1/api/v1/market-reports/01a23081-f0e1-7224-ab17-c557b6c8e02c";
    // A market report whose status is one only daily reports have: the bug of two `ReportStatus`.
    let wrong_status = json!({
        "id": "01a23081-f0e1-7224-ab17-c557b6c8e02c", "status": "draft", "title": "t"
    })
    .to_string();
    assert!(refused(&seen("GET", url, 200, wrong_status.as_bytes())));
    // A status the operation does not declare.
    assert!(refused(&seen("GET", url, 418, b"{}")));
    // A route under /api/v1 that the spec does not know, answering as if it existed.
    assert!(refused(&seen(
        "GET",
        "http://127.0.0.1/api/v1/nothing-here",
        200,
        b"{}"
    )));
    // A 404 that is not a problem.
    assert!(refused(&seen("GET", url, 404, b"not found")));
}

#[actix_web::test]
async fn a_workflow_action_takes_no_body_an_empty_object_or_null_alike() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let d = today(&app);
    for (i, body) in [None, Some(json!({})), Some(serde_json::Value::Null)]
        .into_iter()
        .enumerate()
    {
        let day = d + chrono::Duration::days(i as i64 + 1);
        let p = plan(
            &app,
            &f.seller,
            day,
            json!([{"customer_id": f.shop, "purpose": "ordering"}]),
        )
        .await;
        let path = format!("/api/v1/visit-plans/{}/submit", p.id());
        let res = act(&app, &f.seller, &path, &p.etag(), body.clone()).await;
        assert_eq!(res.status, 200, "submit with {body:?}: {}", res.text);
        assert_eq!(res.body["status"], "submitted");
    }
    // Anything else still has to be the action's body.
    let p = plan(
        &app,
        &f.seller,
        d,
        json!([{"customer_id": f.shop, "purpose": "ordering"}]),
    )
    .await;
    let path = format!("/api/v1/visit-plans/{}/submit", p.id());
    let res = act(&app, &f.seller, &path, &p.etag(), Some(json!([1, 2]))).await;
    res.problem(422);
}

#[actix_web::test]
async fn every_201_says_where_the_new_resource_is() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let root = app.root_unit(&admin).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post("/api/v1/org-units")
        .bearer(&admin)
        .json(json!({"name": "West", "parent_id": root}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let location = res.header("location").expect("no Location").to_string();
    assert_eq!(location, format!("/api/v1/org-units/{}", res.id()));
    let again = app.get(&location).bearer(&admin).send().await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], res.body["id"]);
}

#[actix_web::test]
async fn an_export_asked_for_as_octet_stream_comes_as_octet_stream_with_the_same_bytes() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let path = format!(
        "/api/v1/scorecards/export?unit_id={}&period=2026-11&format=xlsx",
        org.north
    );
    let (status, content_type, xlsx) = app.download(&path, &org.admin).await;
    assert_eq!(status, 200);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let res = app
        .get(&path)
        .bearer(&org.admin)
        .header("accept", "application/octet-stream")
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert!(res
        .header("content-disposition")
        .is_some_and(|d| d.contains(".xlsx")));
    assert_eq!(res.bytes.len(), xlsx.len());
    assert_eq!(&res.bytes[..2], b"PK");
}
