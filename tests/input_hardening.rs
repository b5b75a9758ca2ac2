//! Hostile input: control characters in any string (bodies, queries, paths) and lenient dates
//! are refused with a 422 that names the field, the same on both backends.

mod common;

use common::*;
use serde_json::json;

#[actix_web::test]
async fn a_nul_byte_in_the_login_is_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "admin\u{0}@test.local", "password": ADMIN_PASSWORD }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["email"]);
    let res = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": ADMIN_EMAIL, "password": "x\u{1b}[2J" }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["password"]);
}

#[actix_web::test]
async fn control_characters_in_nested_fields_are_named_by_their_path() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(json!({
            "code": "C\u{0}1", "name": "bell\u{7}", "org_unit_id": org.north_office,
            "owner_id": org.north_seller
        }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["code", "name"]);
    let res = app
        .post("/api/v1/webhooks")
        .bearer(&org.admin)
        .json(json!({ "url": "http://127.0.0.1:9/h", "event_types": ["ok", "x\u{0}"] }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["event_types[1]"]);
}

#[actix_web::test]
async fn tab_newline_and_carriage_return_are_kept_in_text() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let name = "Line one\r\nLine two\tend";
    let res = app
        .post("/api/v1/customers")
        .bearer(&org.admin)
        .json(json!({
            "code": "C1", "name": name, "org_unit_id": org.north_office,
            "owner_id": org.north_seller
        }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["name"], name);
}

#[actix_web::test]
async fn control_characters_in_a_query_or_a_path_are_a_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.get("/api/v1/users?q=a%00b").bearer(&admin).send().await;
    assert_eq!(res.invalid_fields(), ["q"]);
    let res = app.get("/api/v1/customers/%00").bearer(&admin).send().await;
    assert_eq!(res.invalid_fields(), ["id"]);
    // A path segment that is merely not an id stays a 404.
    app.get("/api/v1/customers/not-an-id")
        .bearer(&admin)
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn only_four_digit_iso_dates_in_range_are_accepted_in_bodies_and_queries() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    for bad in [
        "27-01-05",
        "2027-1-5",
        "+10000-01-01",
        "1899-12-31",
        "3000-01-01",
    ] {
        let res = app
            .post("/api/v1/visit-plans")
            .bearer(&seller)
            .json(json!({ "plan_date": bad }))
            .send()
            .await;
        assert_eq!(res.invalid_fields(), ["plan_date"], "{bad}");
    }
    let res = app
        .post("/api/v1/visit-plans")
        .bearer(&seller)
        .json(json!({ "plan_date": "2027-01-05" }))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["plan_date"], "2027-01-05");

    for bad in ["%2B10000-01-01", "2027-1-5", "27-01-05"] {
        let res = app
            .get(&format!("/api/v1/visit-plans?from={bad}"))
            .bearer(&seller)
            .send()
            .await;
        assert_eq!(res.invalid_fields(), ["from"], "{bad}");
    }
    let ok = app
        .get("/api/v1/visit-plans?from=2027-01-01&to=2027-12-31")
        .bearer(&seller)
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["items"].as_array().unwrap().len(), 1);

    // A PATCH date may still be cleared with null, and is checked like the others.
    let user = format!("/api/v1/users/{}", org.north_seller);
    let etag = app.get(&user).bearer(&org.admin).send().await.etag();
    let res = app
        .patch(&user)
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({ "hired_on": "2027-1-5" }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["hired_on"]);
    let res = app
        .patch(&user)
        .bearer(&org.admin)
        .header("if-match", &etag)
        .json(json!({ "hired_on": null }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn dates_stay_plain_iso_dates_in_the_spec() {
    let doc = serde_json::to_value(salestrack::api_doc()).unwrap();
    let plan = &doc["components"]["schemas"]["CreateVisitPlan"]["properties"]["plan_date"];
    assert_eq!(plan["type"], "string", "{plan}");
    assert_eq!(plan["format"], "date", "{plan}");
}

#[actix_web::test]
async fn a_csv_export_quotes_names_a_spreadsheet_would_run_as_formulas() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let evil = "=HYPERLINK(\"http://attacker.example\",\"x\")";
    let res = app
        .patch(&format!("/api/v1/users/{}", org.north_seller))
        .bearer(&org.admin)
        .header("if-match", "*")
        .json(json!({ "name": evil }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let period = chrono::Utc::now().format("%Y-%m").to_string();
    let (status, _, bytes) = app
        .download(
            &format!(
                "/api/v1/scorecards/export?unit_id={}&period={period}&format=csv",
                org.north_office
            ),
            &org.admin,
        )
        .await;
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(status, 200, "{text}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(cells.contains(&format!("'{evil}")), "{text}");
    assert!(
        cells.iter().all(|c| !c.starts_with(['=', '+', '@'])),
        "{text}"
    );
}
