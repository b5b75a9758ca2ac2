//! Login, token refresh and reuse, logout, and every way an access token is refused.

mod common;

use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

fn forge(claims: serde_json::Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn admin_claims(app: &TestApp) -> serde_json::Value {
    let token = app.admin_token().await;
    let me = app.get("/api/v1/me").bearer(&token).send().await;
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": me.body["user"]["id"], "role": "admin", "iat": now, "nbf": now,
        "exp": now + 600, "iss": "salestrack", "aud": "salestrack-api",
        "jti": "x", "ver": 1, "sid": jwt_claims(&token)["sid"]
    })
}

#[actix_web::test]
async fn login_returns_a_bearer_token_pair_that_opens_the_api() {
    let app = TestApp::spawn().await;
    let res = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["token_type"], "Bearer");
    assert_eq!(res.body["expires_in"], 900);
    assert!(res.body["refresh_token"].as_str().unwrap().len() > 20);
    let token = res.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me").bearer(token).send().await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(me.body["user"]["role"], "admin");
    assert!(me.body["user"].get("password_hash").is_none());
}

#[actix_web::test]
async fn login_ignores_email_case_and_refuses_a_wrong_password() {
    let app = TestApp::spawn().await;
    let ok = app
        .login_full(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD)
        .await;
    assert_eq!(ok.status, 200);
    let bad = app.login_full(ADMIN_EMAIL, "wrong-password").await;
    bad.problem(401);
    let unknown = app.login_full("nobody@test.local", "wrong-password").await;
    unknown.problem(401);
    assert_eq!(
        bad.body["detail"], unknown.body["detail"],
        "do not reveal which emails exist"
    );
}

#[actix_web::test]
async fn repeated_failed_logins_are_slowed_down_with_429_and_retry_after() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.login_full(ADMIN_EMAIL, "wrong-password")
            .await
            .problem(401);
    }
    let res = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    res.problem(429);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 15 * 60);
    // The throttle forgets failures after its window.
    let admin = app.admin_token_after_throttle_window().await;
    assert!(!admin.is_empty());
}

trait ThrottleHelp {
    async fn admin_token_after_throttle_window(&self) -> String;
}

impl ThrottleHelp for TestApp {
    async fn admin_token_after_throttle_window(&self) -> String {
        self.clock.advance(chrono::Duration::minutes(16));
        self.admin_token().await
    }
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first.body["refresh_token"].as_str().unwrap().to_string();

    let second = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": r1 }))
        .send()
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    let access2 = second.body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me").bearer(access2).send().await.status,
        200
    );

    // The old token again: theft is assumed, and the whole family dies.
    let reuse = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": r1 }))
        .send()
        .await;
    reuse.problem(401);
    let after = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": r2 }))
        .send()
        .await;
    after.problem(401);

    // Another login (another family) is unaffected.
    let other = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r3 = other.body["refresh_token"].as_str().unwrap();
    let ok = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": r3 }))
        .send()
        .await;
    assert_eq!(ok.status, 200);
}

#[actix_web::test]
async fn an_unknown_or_expired_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": "nope" }))
        .send()
        .await;
    res.problem(401);
    let login = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.clock.advance(chrono::Duration::days(31));
    let res = app
        .post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": login.body["refresh_token"] }))
        .send()
        .await;
    res.problem(401);
}

#[actix_web::test]
async fn logout_ends_the_session_and_logout_all_ends_every_access_token() {
    let app = TestApp::spawn().await;
    let login = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = login.body["access_token"].as_str().unwrap().to_string();
    let refresh = login.body["refresh_token"].as_str().unwrap().to_string();
    let res = app
        .post("/api/v1/auth/logout")
        .bearer(&access)
        .json(json!({ "refresh_token": refresh }))
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": refresh }))
        .send()
        .await
        .problem(401);

    let other = app.admin_token().await;
    let res = app
        .post("/api/v1/auth/logout")
        .bearer(&other)
        .json(json!({ "all": true }))
        .send()
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/me")
        .bearer(&other)
        .send()
        .await
        .problem(401);
    app.get("/api/v1/me")
        .bearer(&access)
        .send()
        .await
        .problem(401);
}

#[actix_web::test]
async fn changing_the_password_revokes_every_session() {
    let app = TestApp::spawn().await;
    let login = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = login.body["access_token"].as_str().unwrap().to_string();
    let wrong = app
        .post("/api/v1/me/password")
        .bearer(&access)
        .json(json!({ "current_password": "not-it-at-all", "new_password": "a-new-password-1" }))
        .send()
        .await;
    assert_eq!(wrong.invalid_fields(), vec!["current_password"]);
    let short = app
        .post("/api/v1/me/password")
        .bearer(&access)
        .json(json!({ "current_password": ADMIN_PASSWORD, "new_password": "short" }))
        .send()
        .await;
    assert_eq!(short.invalid_fields(), vec!["new_password"]);
    let res = app
        .post("/api/v1/me/password")
        .bearer(&access)
        .json(json!({ "current_password": ADMIN_PASSWORD, "new_password": "a-new-password-1" }))
        .send()
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.get("/api/v1/me")
        .bearer(&access)
        .send()
        .await
        .problem(401);
    app.post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": login.body["refresh_token"] }))
        .send()
        .await
        .problem(401);
    app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .problem(401);
    app.login(ADMIN_EMAIL, "a-new-password-1").await;
}

#[actix_web::test]
async fn a_request_without_a_token_is_401_with_a_problem() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/me").send().await;
    res.problem(401);
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    app.get("/api/v1/me")
        .header("authorization", "Basic abc")
        .send()
        .await
        .problem(401);
    app.get("/api/v1/me")
        .bearer("not.a.jwt")
        .send()
        .await
        .problem(401);
}

#[actix_web::test]
async fn every_tampered_or_expired_jwt_is_refused() {
    let app = TestApp::spawn().await;
    let good = admin_claims(&app).await;
    // Sanity: the forged-but-correct token works, so the refusals below are for their reason.
    let ok = forge(good.clone(), JWT_SECRET);
    assert_eq!(app.get("/api/v1/me").bearer(&ok).send().await.status, 200);

    let mut cases = Vec::new();
    // alg none: header {"alg":"none"}, no signature.
    let b64 = |v: &serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    cases.push((
        "alg none",
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&good)
        ),
    ));
    cases.push((
        "bad signature",
        forge(good.clone(), "another-secret-another-secret-another-secret"),
    ));
    let now = chrono::Utc::now().timestamp();
    let with = |k: &str, v: serde_json::Value| {
        let mut c = good.clone();
        c[k] = v;
        forge(c, JWT_SECRET)
    };
    cases.push(("expired", with("exp", json!(now - 3600))));
    cases.push(("not yet valid", with("nbf", json!(now + 3600))));
    cases.push(("wrong issuer", with("iss", json!("someone-else"))));
    cases.push(("wrong audience", with("aud", json!("another-api"))));
    cases.push(("old token version", with("ver", json!(0))));
    let mut no_aud = good.clone();
    no_aud.as_object_mut().unwrap().remove("aud");
    cases.push(("missing audience", forge(no_aud, JWT_SECRET)));
    // HS512 with the right secret: the algorithm is pinned.
    cases.push((
        "other algorithm",
        encode(
            &Header::new(Algorithm::HS512),
            &good,
            &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        )
        .unwrap(),
    ));
    for (why, token) in cases {
        let res = app.get("/api/v1/me").bearer(&token).send().await;
        assert_eq!(res.status, 401, "{why} must be refused: {}", res.text);
        res.problem(401);
    }
}

#[actix_web::test]
async fn a_deactivated_user_loses_every_session_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let seller = app.login_full("nsp@test.local", PASSWORD).await;
    let access = seller.body["access_token"].as_str().unwrap().to_string();
    let user = app
        .get(&format!("/api/v1/users/{}", org.north_seller))
        .bearer(&org.admin)
        .send()
        .await;
    let res = app
        .patch(&format!("/api/v1/users/{}", org.north_seller))
        .bearer(&org.admin)
        .header("if-match", &user.etag())
        .json(json!({ "active": false }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["active"], false);
    app.get("/api/v1/me")
        .bearer(&access)
        .send()
        .await
        .problem(401);
    app.post("/api/v1/auth/refresh")
        .json(json!({ "refresh_token": seller.body["refresh_token"] }))
        .send()
        .await
        .problem(401);
    app.login_full("nsp@test.local", PASSWORD)
        .await
        .problem(401);
}
