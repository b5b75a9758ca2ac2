//! Settings read from the environment at start-up. Secrets are never printed.

use std::fmt;

use crate::db::{DbUrl, PoolSettings};

/// Everything the process reads from its environment.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: a `postgres://` URL, or a SQLite file path (default `salestrack.db`).
    pub database_url: DbUrl,
    /// `BIND`: the listen address (default `127.0.0.1:8080`).
    pub bind: String,
    /// `JWT_SECRET`: the HS256 signing secret (at least 32 bytes).
    pub jwt_secret: Option<String>,
    /// `ACCESS_TOKEN_TTL_SECONDS` (default 900).
    pub access_token_ttl_seconds: i64,
    /// `REFRESH_TOKEN_TTL_DAYS` (default 30).
    pub refresh_token_ttl_days: i64,
    /// `MAX_BODY_BYTES`: largest accepted request body (default 1 MiB).
    pub max_body_bytes: usize,
    /// `DATABASE_POOL_SIZE` (default 10; SQLite uses at most 4).
    pub pool_size: u32,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`: the longest a statement may run or wait for a lock
    /// before the request is answered 503 (default 10000; 0: no limit).
    pub statement_timeout_ms: u64,
    /// `IDEMPOTENCY_LEASE_SECONDS`: how long a request may sit idle inside its transaction
    /// before PostgreSQL ends it, freeing its idempotency key for a retry (default 10).
    pub idempotency_lease_seconds: u64,
    /// `WEBHOOK_TIMEOUT_MS`: the longest one webhook delivery may take (default 10000).
    pub webhook_timeout_ms: u64,
    /// `CHANGES_RETENTION_DAYS`: how long change feed entries (deletions included) are kept;
    /// a reader resuming from an older position is answered 410 and must sync in full again
    /// (default 30).
    pub changes_retention_days: u32,
    /// `JOBS_INTERVAL_MS`: how often background work (escalations, webhook deliveries) runs
    /// (default 2000).
    pub jobs_interval_ms: u64,
    /// `CORS_ALLOWED_ORIGINS`: the web origins (`https://app.example.com`, comma-separated) whose
    /// pages may call the API from a browser. None by default: no CORS headers are sent.
    pub cors_allowed_origins: Vec<String>,
    /// `SALESTRACK_ADMIN_EMAIL` / `SALESTRACK_ADMIN_PASSWORD`: the first admin, created on the
    /// first start of an empty database.
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Initial company settings, used when the database is first set up; after that the
    /// settings API owns them.
    pub company_name: String,
    pub time_zone: Option<String>,
    pub currency: Option<String>,
    pub daily_report_cutoff: Option<String>,
    pub weekly_report_cutoff: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} has an invalid value: {v:?}")),
    }
}

/// Parses a comma-separated list of web origins (`scheme://host[:port]`, http or https) into
/// their serialised form, the one browsers send in `Origin` (lower case, default port left out).
pub fn origins(list: &str) -> anyhow::Result<Vec<String>> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let invalid = || {
                anyhow::anyhow!(
                    "CORS_ALLOWED_ORIGINS: {o:?} is not an origin like https://app.example.com"
                )
            };
            let url = url::Url::parse(o).map_err(|_| invalid())?;
            let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "http" | "https") || !bare || !url.username().is_empty() {
                return Err(invalid());
            }
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Config {
            database_url: DbUrl::parse(
                &var("DATABASE_URL").unwrap_or_else(|| "salestrack.db".into()),
            )?,
            bind: var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret: var("JWT_SECRET"),
            access_token_ttl_seconds: parsed("ACCESS_TOKEN_TTL_SECONDS", 900)?,
            refresh_token_ttl_days: parsed("REFRESH_TOKEN_TTL_DAYS", 30)?,
            max_body_bytes: parsed("MAX_BODY_BYTES", 1024 * 1024)?,
            pool_size: parsed("DATABASE_POOL_SIZE", 10)?,
            statement_timeout_ms: parsed(
                "DATABASE_STATEMENT_TIMEOUT_MS",
                PoolSettings::DEFAULT_STATEMENT_TIMEOUT_MS,
            )?,
            idempotency_lease_seconds: parsed(
                "IDEMPOTENCY_LEASE_SECONDS",
                PoolSettings::DEFAULT_LEASE_SECONDS,
            )?,
            webhook_timeout_ms: parsed("WEBHOOK_TIMEOUT_MS", 10_000)?,
            changes_retention_days: parsed("CHANGES_RETENTION_DAYS", 30)?,
            jobs_interval_ms: parsed("JOBS_INTERVAL_MS", 2000)?,
            cors_allowed_origins: origins(var("CORS_ALLOWED_ORIGINS").as_deref().unwrap_or(""))?,
            admin_email: var("SALESTRACK_ADMIN_EMAIL"),
            admin_password: var("SALESTRACK_ADMIN_PASSWORD"),
            company_name: var("SALESTRACK_COMPANY_NAME").unwrap_or_else(|| "Company".into()),
            time_zone: var("SALESTRACK_TIME_ZONE"),
            currency: var("SALESTRACK_CURRENCY"),
            daily_report_cutoff: var("SALESTRACK_DAILY_REPORT_CUTOFF"),
            weekly_report_cutoff: var("SALESTRACK_WEEKLY_REPORT_CUTOFF"),
        })
    }

    /// How the connection pool is sized and limited.
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_size: self.pool_size,
            statement_timeout_ms: self.statement_timeout_ms,
            lease_seconds: self.idempotency_lease_seconds,
        }
    }

    /// A configuration for the given database with every other value at its default
    /// (used by tests and tools).
    pub fn for_database(url: DbUrl) -> Self {
        Config {
            database_url: url,
            bind: "127.0.0.1:0".into(),
            jwt_secret: None,
            access_token_ttl_seconds: 900,
            refresh_token_ttl_days: 30,
            max_body_bytes: 1024 * 1024,
            pool_size: 10,
            statement_timeout_ms: PoolSettings::DEFAULT_STATEMENT_TIMEOUT_MS,
            idempotency_lease_seconds: PoolSettings::DEFAULT_LEASE_SECONDS,
            webhook_timeout_ms: 10_000,
            changes_retention_days: 30,
            jobs_interval_ms: 2000,
            cors_allowed_origins: Vec::new(),
            admin_email: None,
            admin_password: None,
            company_name: "Company".into(),
            time_zone: None,
            currency: None,
            daily_report_cutoff: None,
            weekly_report_cutoff: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.redacted())
            .field("bind", &self.bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("access_token_ttl_seconds", &self.access_token_ttl_seconds)
            .field("refresh_token_ttl_days", &self.refresh_token_ttl_days)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("admin_email", &self.admin_email)
            .finish_non_exhaustive()
    }
}
