//! An access token lives and dies with its session, and carries no header the server does not
//! issue.

mod common;

use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

async fn me_status(app: &TestApp, access: &str) -> u16 {
    app.get("/api/v1/me")
        .bearer(access)
        .send()
        .await
        .status
        .as_u16()
}

fn tokens_of(res: &Resp) -> (String, String) {
    assert_eq!(res.status, 200, "{}", res.text);
    (
        res.body["access_token"].as_str().unwrap().to_string(),
        res.body["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[actix_web::test]
async fn logging_out_one_session_ends_its_access_token_at_once_and_no_other() {
    let app = TestApp::spawn().await;
    let (access, refresh) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let (other_access, _) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    assert_eq!(me_status(&app, &access).await, 200);

    let res = app
        .post("/api/v1/auth/logout")
        .bearer(&access)
        .json(json!({ "refresh_token": refresh }))
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);

    let after = app.get("/api/v1/me").bearer(&access).send().await;
    after.problem(401);
    assert_eq!(me_status(&app, &other_access).await, 200);
}

#[actix_web::test]
async fn a_reused_refresh_token_ends_every_access_token_of_its_session() {
    let app = TestApp::spawn().await;
    let (access1, r1) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let (access2, _) = tokens_of(
        &app.post("/api/v1/auth/refresh")
            .json(json!({ "refresh_token": r1 }))
            .send()
            .await,
    );
    let (bystander, _) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    // Rotation keeps the session: both access tokens of it still work.
    assert_eq!(me_status(&app, &access1).await, 200);
    assert_eq!(me_status(&app, &access2).await, 200);

    app.post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": r1 }))
        .send()
        .await
        .problem(401);

    assert_eq!(me_status(&app, &access1).await, 401);
    assert_eq!(me_status(&app, &access2).await, 401);
    assert_eq!(me_status(&app, &bystander).await, 200);
}

#[actix_web::test]
async fn logout_all_ends_the_access_tokens_of_every_session() {
    let app = TestApp::spawn().await;
    let (a, _) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let (b, _) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let res = app
        .post("/api/v1/auth/logout")
        .bearer(&a)
        .json(json!({ "all": true }))
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(me_status(&app, &a).await, 401);
    assert_eq!(me_status(&app, &b).await, 401);
}

#[actix_web::test]
async fn a_token_naming_a_session_that_is_not_the_users_is_refused() {
    let app = TestApp::spawn().await;
    let (access, _) = tokens_of(&app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let mut claims = jwt_claims(&access);
    claims["sid"] = json!(uuid::Uuid::new_v4().to_string());
    let forged = sign(&Header::new(Algorithm::HS256), &claims);
    app.get("/api/v1/me")
        .bearer(&forged)
        .send()
        .await
        .problem(401);
    let mut no_sid = jwt_claims(&access);
    no_sid.as_object_mut().unwrap().remove("sid");
    let forged = sign(&Header::new(Algorithm::HS256), &no_sid);
    app.get("/api/v1/me")
        .bearer(&forged)
        .send()
        .await
        .problem(401);
}

fn sign(header: &Header, claims: &Value) -> String {
    encode(
        header,
        claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// Signs `claims` with the right secret under a hand-built header.
fn with_header(header: Value, claims: &Value) -> String {
    use base64::Engine;
    use hmac::Mac;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(&header).unwrap()),
        b64(&serde_json::to_vec(claims).unwrap())
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(JWT_SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

#[actix_web::test]
async fn a_token_whose_header_names_keys_the_server_does_not_issue_is_refused() {
    let app = TestApp::spawn().await;
    let access = app.admin_token().await;
    let claims = jwt_claims(&access);
    // Sanity: the same claims under the server's own header are accepted.
    let plain = with_header(json!({"alg": "HS256", "typ": "JWT"}), &claims);
    assert_eq!(me_status(&app, &plain).await, 200);

    let jwk = json!({"kty": "oct", "k": "c2VjcmV0"});
    let cases = [
        ("kid", json!("key-1")),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("jwk", jwk),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIB"])),
        ("crit", json!(["exp"])),
    ];
    for (name, value) in cases {
        let mut header = json!({"alg": "HS256", "typ": "JWT"});
        header[name] = value;
        let token = with_header(header, &claims);
        let res = app.get("/api/v1/me").bearer(&token).send().await;
        assert_eq!(res.status, 401, "a header with {name} must be refused");
        res.problem(401);
    }
}
