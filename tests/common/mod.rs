//! The test harness: a real server on a fresh database (a temporary SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set), spoken to over HTTP as a client would.

#![allow(dead_code)]

pub mod contract;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::HttpServer;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use salestrack::auth::jwt::JwtKeys;
use salestrack::clock::Clock;
use salestrack::config::Config;
use salestrack::db::DbUrl;
use salestrack::{bootstrap, build_app, AppState};
use serde_json::{json, Value};

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";
pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "user-password-123";

/// A database that exists for one test and is dropped after it.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A new, empty database on the backend this run tests.
    pub fn create() -> (TestDb, DbUrl) {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            None => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("test.db");
                let url = DbUrl::new(path.to_string_lossy().to_string());
                (TestDb::Sqlite(dir), url)
            }
            Some(admin_url) => {
                let name = format!("salestrack_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                (
                    TestDb::Postgres { admin_url, name },
                    DbUrl::new(url.to_string()),
                )
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A running server on a fresh database, with the first admin created.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Clock,
    /// Shared by the instances of [`TestApp::another_instance`]; dropped after the last.
    pub db: Arc<TestDb>,
    pub url: DbUrl,
    server: actix_web::dev::ServerHandle,
}

pub fn test_config(url: DbUrl) -> Config {
    let mut config = Config::for_database(url);
    config.jwt_secret = Some(JWT_SECRET.into());
    config.admin_email = Some(ADMIN_EMAIL.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.max_body_bytes = 64 * 1024;
    config
}

/// Starts a server for `state` on a free port and returns its base URL and handle.
pub fn start_server(state: AppState) -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || build_app(state.clone()))
        .workers(2)
        .tcp_nodelay(true)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (base, handle)
}

/// The state `bootstrap::prepare` makes for `config` (migrated, the first admin created).
async fn prepared_state(config: Config, clock: Clock) -> AppState {
    actix_web::rt::task::spawn_blocking(move || bootstrap::prepare(config, clock))
        .await
        .unwrap()
        .unwrap()
        .state
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration adjusted by `tune`.
    pub async fn spawn_with(tune: impl FnOnce(&mut Config)) -> TestApp {
        let (db, url) = TestDb::create();
        let mut config = test_config(url.clone());
        tune(&mut config);
        let clock = Clock::system();
        let state = prepared_state(config, clock.clone()).await;
        let (base, server) = start_server(state.clone());
        TestApp {
            base,
            state,
            clock,
            db: Arc::new(db),
            url,
            server,
        }
    }

    /// A second instance of the server over the same database, as a scaled-out deployment
    /// runs them: its own pool, its own remembered callers, its own port.
    pub async fn another_instance(&self) -> TestApp {
        let config = test_config(self.url.clone());
        let clock = self.clock.clone();
        let state = prepared_state(config, clock.clone()).await;
        let (base, server) = start_server(state.clone());
        TestApp {
            base,
            state,
            clock,
            db: self.db.clone(),
            url: self.url.clone(),
            server,
        }
    }

    /// The number a counting statement (`SELECT ... AS n`, a BIGINT) gives, read straight
    /// from the database: for tests of what triggers keep beside the records.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel::RunQueryDsl;
        let mut conn = self.state.pool.get().unwrap();
        let row: Count = salestrack::per_backend!(&mut *conn, |c| diesel::sql_query(sql)
            .get_result(c))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
        row.n
    }

    pub fn jwt(&self) -> Arc<JwtKeys> {
        self.state.jwt.clone()
    }

    pub fn request(&self, method: Method, path: &str) -> Req {
        Req {
            method,
            url: format!("{}{}", self.base, path),
            headers: Vec::new(),
            body: None,
            decompress: true,
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Req {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Req {
        self.request(Method::DELETE, path)
    }

    /// GETs a list (or any body with `items`) that must answer 200, and returns the items.
    pub async fn items(&self, path: &str, token: &str) -> Vec<Value> {
        let res = self.get(path).bearer(token).send().await;
        assert_eq!(res.status, 200, "{path}: {}", res.text);
        res.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {}", res.text))
            .clone()
    }

    /// GETs a file: status, content type and the raw bytes.
    pub async fn download(&self, path: &str, token: &str) -> (u16, String, Vec<u8>) {
        let client = awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish();
        let mut res = client
            .get(format!("{}{}", self.base, path))
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .expect("request failed");
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let url = format!("{}{}", self.base, path);
        contract::check(&contract::Seen {
            method: "GET",
            url: &url,
            status: res.status().as_u16(),
            headers: &headers,
            body: &bytes,
            encoded: false,
        });
        (res.status().as_u16(), content_type, bytes.to_vec())
    }

    /// GETs a file that must be there and returns its raw bytes.
    pub async fn get_bytes(&self, path: &str, token: &str) -> Vec<u8> {
        let (status, _, bytes) = self.download(path, token).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        bytes
    }

    /// Logs in and returns the whole token response.
    pub async fn login_full(&self, email: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/login")
            .json(json!({ "email": email, "password": password }))
            .send()
            .await
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self.login_full(email, password).await;
        assert_eq!(res.status, 200, "login of {email} failed: {}", res.body);
        res.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// The company (root) unit.
    pub async fn root_unit(&self, token: &str) -> Value {
        let res = self.get("/api/v1/me").bearer(token).send().await;
        let unit = res.body["user"]["org_unit_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.get(&format!("/api/v1/org-units/{unit}"))
            .bearer(token)
            .send()
            .await
            .body
    }

    /// Creates an org unit as admin and returns its id.
    pub async fn create_unit(&self, admin: &str, name: &str, parent: &str) -> String {
        let res = self
            .post("/api/v1/org-units")
            .bearer(admin)
            .json(json!({ "name": name, "parent_id": parent }))
            .send()
            .await;
        assert_eq!(res.status, 201, "create unit: {}", res.body);
        res.id()
    }

    /// Creates a user as admin (password `PASSWORD`) and returns its id.
    pub async fn create_user(&self, admin: &str, email: &str, role: &str, unit: &str) -> String {
        let res = self
            .post("/api/v1/users")
            .bearer(admin)
            .json(json!({
                "email": email, "name": email.split('@').next().unwrap(),
                "role": role, "org_unit_id": unit, "password": PASSWORD
            }))
            .send()
            .await;
        assert_eq!(res.status, 201, "create user: {}", res.body);
        res.id()
    }

    /// Makes `manager` the manager of `unit`.
    pub async fn set_manager(&self, admin: &str, unit: &str, manager: &str) {
        let current = self
            .get(&format!("/api/v1/org-units/{unit}"))
            .bearer(admin)
            .send()
            .await;
        let res = self
            .patch(&format!("/api/v1/org-units/{unit}"))
            .bearer(admin)
            .header("if-match", &current.etag())
            .json(json!({ "manager_id": manager }))
            .send()
            .await;
        assert_eq!(res.status, 200, "set manager: {}", res.body);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting work; the database is dropped after the server.
        drop(self.server.stop(false));
    }
}

/// A two-region organisation: company -> {north -> north office, south}, with a manager of the
/// north region, a supervisor of the north office, salespeople in both regions.
pub struct Org {
    pub admin: String,
    pub root: String,
    pub north: String,
    pub north_office: String,
    pub south: String,
    pub north_manager: String,
    pub north_supervisor: String,
    pub north_seller: String,
    pub south_supervisor: String,
    pub south_seller: String,
}

impl Org {
    pub async fn build(app: &TestApp) -> Org {
        let admin = app.admin_token().await;
        let root = app.root_unit(&admin).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let north = app.create_unit(&admin, "North", &root).await;
        let north_office = app.create_unit(&admin, "North Office", &north).await;
        let south = app.create_unit(&admin, "South", &root).await;
        let north_manager = app
            .create_user(&admin, "nm@test.local", "manager", &north)
            .await;
        let north_supervisor = app
            .create_user(&admin, "ns@test.local", "supervisor", &north_office)
            .await;
        let north_seller = app
            .create_user(&admin, "nsp@test.local", "salesperson", &north_office)
            .await;
        let south_supervisor = app
            .create_user(&admin, "ss@test.local", "supervisor", &south)
            .await;
        let south_seller = app
            .create_user(&admin, "ssp@test.local", "salesperson", &south)
            .await;
        app.set_manager(&admin, &north, &north_manager).await;
        app.set_manager(&admin, &north_office, &north_supervisor)
            .await;
        app.set_manager(&admin, &south, &south_supervisor).await;
        Org {
            admin,
            root,
            north,
            north_office,
            south,
            north_manager,
            north_supervisor,
            north_seller,
            south_supervisor,
            south_seller,
        }
    }
}

/// The claims of a JWT, read without checking it.
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("not a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("not base64url");
    serde_json::from_slice(&bytes).expect("not JSON")
}

/// A request being built.
pub struct Req {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
    decompress: bool,
}

impl Req {
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some((
            "application/json".into(),
            serde_json::to_vec(&body).unwrap(),
        ));
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.into(), body.into()));
        self
    }

    /// Leaves the body as the server encoded it (and sends no `Accept-Encoding` of its own).
    pub fn undecoded(mut self) -> Self {
        self.decompress = false;
        self
    }

    pub async fn send(self) -> Resp {
        let client = awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish();
        let method = self.method.to_string();
        let mut req = client.request(self.method, &self.url);
        if !self.decompress {
            req = req.no_decompress();
        }
        for (k, v) in &self.headers {
            req = req.insert_header((k.as_str(), v.as_str()));
        }
        let mut res = match self.body {
            Some((ct, body)) => req.content_type(ct).send_body(body).await,
            None => req.send().await,
        }
        .expect("request failed");
        let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        contract::check(&contract::Seen {
            method: &method,
            url: &self.url,
            status: res.status().as_u16(),
            headers: &headers,
            body: &bytes,
            encoded: !self.decompress,
        });
        let text = String::from_utf8_lossy(&bytes).to_string();
        Resp {
            status: res.status(),
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
            bytes: bytes.to_vec(),
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub text: String,
    /// The body as received (encoded, for an `undecoded` request).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("no ETag").to_string()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("no id").to_string()
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem: {}",
            self.text
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].is_string() && self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        &self.body
    }

    /// The fields named by a 422 problem.
    pub fn invalid_fields(&self) -> Vec<String> {
        self.problem(422);
        self.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    }
}
