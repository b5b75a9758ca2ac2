//! What the benches share: a fresh database (a temporary SQLite file, or a new PostgreSQL
//! database beside `BENCH_DATABASE_URL`, dropped afterwards), the real server started in
//! process, and a client that times requests over HTTP as a client would see them.

#![allow(dead_code)]

pub mod company;
pub mod field;

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use salestrack::clock::Clock;
use salestrack::config::Config;
use salestrack::db::DbUrl;
use salestrack::{bootstrap, build_app, AppState};
use serde_json::Value;

pub const ADMIN: &str = "admin@bench.local";
pub const PASSWORD: &str = "bench-password-123";

/// Runs `bench` on a fresh database of the backend `BENCH_DATABASE_URL` names (SQLite when
/// unset), and drops the database afterwards.
pub fn with_database(bench: impl FnOnce(DbUrl) -> anyhow::Result<()>) -> anyhow::Result<()> {
    // BENCH_REUSE=name runs on a PostgreSQL database an earlier run kept (BENCH_KEEP=1), as it
    // is: the bench then skips generating its data (see `reused`).
    if let Some(name) = reused() {
        let admin_url =
            std::env::var("BENCH_DATABASE_URL").context("BENCH_REUSE needs BENCH_DATABASE_URL")?;
        let mut u = url::Url::parse(&admin_url)?;
        u.set_path(&name);
        return bench(DbUrl::new(u.to_string()));
    }
    let dir = tempfile::tempdir()?;
    let (url, pg) = match std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        None => (
            DbUrl::new(dir.path().join("bench.db").to_string_lossy().to_string()),
            None,
        ),
        Some(admin_url) => {
            let name = format!("salestrack_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin_url)?;
            conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
            let mut u = url::Url::parse(&admin_url)?;
            u.set_path(&name);
            (DbUrl::new(u.to_string()), Some((admin_url, name)))
        }
    };
    let result = bench(url);
    // BENCH_KEEP=1 keeps the PostgreSQL database, to study its plans afterwards.
    if let Some((_, name)) = pg
        .as_ref()
        .filter(|_| std::env::var_os("BENCH_KEEP").is_some())
    {
        eprintln!("kept the database {name}");
        return result;
    }
    if let Some((admin_url, name)) = pg {
        let mut conn = diesel::PgConnection::establish(&admin_url)?;
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    }
    result
}

/// The database named by `BENCH_REUSE`, whose data an earlier run generated.
pub fn reused() -> Option<String> {
    std::env::var("BENCH_REUSE").ok().filter(|n| !n.is_empty())
}

/// The migrated state of a fresh database with the bench's admin.
pub fn prepare(url: DbUrl) -> anyhow::Result<AppState> {
    let mut config = Config::for_database(url);
    config.jwt_secret = Some("bench-secret-that-is-long-enough-for-hs256-0123456789".into());
    config.admin_email = Some(ADMIN.into());
    config.admin_password = Some(PASSWORD.into());
    config.max_body_bytes = 8 * 1024 * 1024;
    Ok(bootstrap::prepare(config, Clock::system())?.state)
}

/// The real server on a free port (2 workers, as on the 2-core bench machine).
pub struct Server {
    pub base: String,
    pub client: awc::Client,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    pub fn start(state: AppState) -> anyhow::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .workers(2)
            .tcp_nodelay(true)
            .disable_signals()
            .listen(listener)?
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(120))
            .finish();
        Ok(Server {
            base,
            client,
            handle,
        })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }

    /// The admin's access token.
    pub async fn admin_token(&self) -> anyhow::Result<String> {
        let body = self
            .send_json(
                "POST",
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "email": ADMIN, "password": PASSWORD }),
            )
            .await?;
        Ok(body["access_token"]
            .as_str()
            .context("no token")?
            .to_string())
    }

    /// GETs a path (or a full URL) that must succeed, and returns its JSON body.
    pub async fn get(&self, path: &str, token: &str) -> anyhow::Result<Value> {
        self.get_encoded(path, token, "br, gzip").await
    }

    /// [`Server::get`] asking for the response in `encoding` (`identity`, `gzip`, `br`).
    pub async fn get_encoded(
        &self,
        path: &str,
        token: &str,
        encoding: &str,
    ) -> anyhow::Result<Value> {
        let url = self.url(path);
        let mut res = self
            .client
            .get(&url)
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("accept-encoding", encoding))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(res.status().is_success(), "{url}: {}", res.status());
        let body = res
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// Sends a JSON body that must succeed, and returns the JSON answer.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let url = self.url(path);
        let mut req = self
            .client
            .request(method.parse()?, &url)
            .timeout(Duration::from_secs(120));
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        let mut res = req
            .send_json(body)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let status = res.status();
        let bytes = res
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            status.is_success(),
            "{method} {url}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        Ok(serde_json::from_slice(&bytes)?)
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }
}

/// With `BENCH_SLOW_MS` set, prints every statement that takes longer than that many
/// milliseconds (with its SQL), to find what a slow request spends its time on. Call it before
/// any connection is made.
pub fn log_slow_statements() -> anyhow::Result<()> {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use std::cell::Cell;
    use std::time::Instant;
    if std::env::var("BENCH_SLOW_MS").is_err() {
        return Ok(());
    }
    thread_local! {
        static STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    fn slow() -> Option<Box<dyn Instrumentation>> {
        let limit: f64 = std::env::var("BENCH_SLOW_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::MAX);
        let chars: usize = std::env::var("BENCH_SLOW_CHARS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600);
        Some(Box::new(
            move |event: InstrumentationEvent<'_>| match event {
                InstrumentationEvent::StartQuery { .. } => {
                    STARTED.with(|s| s.set(Some(Instant::now())))
                }
                InstrumentationEvent::FinishQuery { query, .. } => {
                    if let Some(t) = STARTED.with(|s| s.take()) {
                        let ms = t.elapsed().as_secs_f64() * 1000.0;
                        if ms > limit {
                            let text: String = query.to_string().chars().take(chars).collect();
                            eprintln!("slow statement, {ms:.1} ms: {text}");
                        }
                    }
                }
                _ => {}
            },
        ))
    }
    diesel::connection::set_default_instrumentation(slow)
        .map_err(|e| anyhow::anyhow!("instrumentation: {e}"))
}

/// Median, p95 and minimum of some timings.
pub fn stats(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    format!(
        "median {:.1} ms, p95 {:.1} ms, min {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(p95),
        ms(times[0]),
        times.len()
    )
}
