//! The database: one connection type for SQLite and PostgreSQL, the pool, migrations.

pub mod cached;
pub mod held;
pub mod types;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use types::{Id, Timestamp};

use crate::error::ApiResult;

/// The one connection type of the crate: the variant follows `DATABASE_URL`.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The scheme of `scheme://...`, if the text starts with one (a Windows path `C:\\x` does not).
fn scheme_of(raw: &str) -> Option<&str> {
    let (scheme, _) = raw.split_once("://")?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// `scheme://user:password@host/...` with the password replaced by `***`.
fn mask_password(raw: &str) -> String {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return raw.to_string();
    };
    let rest = &raw[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return raw.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!("{}{}:***{}", &raw[..start], &rest[..colon], &rest[at..]),
        None => raw.to_string(),
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Where the database lives, parsed from `DATABASE_URL` (a `postgres://` URL, or a SQLite path,
/// optionally written `sqlite://path`).
#[derive(Clone)]
pub struct DbUrl(String);

impl DbUrl {
    /// A URL or path the caller already knows to be right (tests, tools).
    pub fn new(url: impl Into<String>) -> Self {
        DbUrl(url.into())
    }

    /// Reads `DATABASE_URL`: `postgres://` or `postgresql://`, `sqlite://path` (or `sqlite:path`),
    /// or a plain file path. Any other scheme (`mysql://...`) is refused rather than taken for
    /// a file name, and the error shows the URL with its password masked.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let url = DbUrl(raw.to_string());
        if let Some(scheme) = scheme_of(raw) {
            if !matches!(
                scheme.to_ascii_lowercase().as_str(),
                "postgres" | "postgresql" | "sqlite"
            ) {
                anyhow::bail!(
                    "DATABASE_URL {} has the scheme {scheme:?}, which salestrack does not support: \
                     give a postgres:// URL, or a SQLite file (a path or sqlite://path)",
                    url.redacted()
                );
            }
        }
        Ok(url)
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The SQLite file path (without a `sqlite://` prefix).
    fn sqlite_path(&self) -> &str {
        self.0
            .strip_prefix("sqlite://")
            .or_else(|| self.0.strip_prefix("sqlite:"))
            .unwrap_or(&self.0)
    }

    /// The URL with any password hidden, for logs and errors (whatever its scheme).
    pub fn redacted(&self) -> String {
        mask_password(&self.0)
    }

    pub fn connect(&self) -> diesel::ConnectionResult<DbConnection> {
        match self.backend() {
            Backend::Postgres => PgConnection::establish(&self.0).map(DbConnection::Pg),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(self.sqlite_path())?;
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// How a lost connection is noticed without a round trip on every checkout.
///
/// A query on a connection the server has closed (a database restart, a failover, a killed
/// backend) fails with a connection error. [`connection_lost`] is called where such errors
/// become [`crate::error::ApiError`]; it marks the connection of the current thread for
/// discarding when it returns to the pool ([`Manager::has_broken`] runs in the thread that
/// used it), and puts the pool on guard for [`GUARD`]: while on guard, every checkout is
/// tested with a `SELECT 1`, so the other connections the same restart killed are replaced
/// before a request gets them. Outside those seconds a checkout costs nothing.
mod lost {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// How long checkouts are tested after a lost connection was seen.
    pub const GUARD: Duration = Duration::from_secs(30);

    static GUARD_UNTIL_MS: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        static DISCARD: Cell<bool> = const { Cell::new(false) };
    }

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    pub fn seen() {
        DISCARD.with(|d| d.set(true));
        GUARD_UNTIL_MS.fetch_max(now_ms() + GUARD.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn take_discard() -> bool {
        DISCARD.with(|d| d.replace(false))
    }

    pub fn on_guard() -> bool {
        now_ms() < GUARD_UNTIL_MS.load(Ordering::Relaxed)
    }
}

/// Records that the connection this thread is using was found closed by the server: it is
/// dropped rather than reused, and checkouts are tested for a while (see `lost`).
pub fn connection_lost() {
    lost::seen();
}

/// An r2d2 manager that picks the variant from the URL scheme (the derived `establish` would
/// fall back to opening a SQLite file named like the URL when PostgreSQL is down).
pub struct Manager {
    url: DbUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.url
            .connect()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Tested with a round trip only while the pool is on guard after a lost connection;
    /// otherwise trusted, and a connection that turns out dead fails its request once (503
    /// with `Retry-After`) and is discarded.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        if !lost::on_guard() {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection handed back inside a transaction (its request was cut or failed before
    /// it could commit or roll back) is closed rather than reused, which rolls the
    /// transaction back on the server; so is one whose server went away.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        let lost = lost::take_discard();
        lost || std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// How the pool's connections behave.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Connections per instance (SQLite uses at most 4).
    pub max_size: u32,
    /// The longest a statement may run or wait for a lock, in milliseconds (0: no limit).
    /// PostgreSQL: `statement_timeout` and `lock_timeout`; SQLite: `busy_timeout`.
    pub statement_timeout_ms: u64,
    /// PostgreSQL ends a session that sits idle inside a transaction this long
    /// (`idle_in_transaction_session_timeout`), so a frozen or cut-off instance cannot keep
    /// its locks, or an idempotency key it was working on, for longer than this.
    pub lease_seconds: u64,
}

impl PoolSettings {
    pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 10_000;
    pub const DEFAULT_LEASE_SECONDS: u64 = 10;

    pub fn new(max_size: u32) -> Self {
        PoolSettings {
            max_size,
            statement_timeout_ms: Self::DEFAULT_STATEMENT_TIMEOUT_MS,
            lease_seconds: Self::DEFAULT_LEASE_SECONDS,
        }
    }
}

/// How PostgreSQL plans a prepared statement on the pool's connections: once, for any
/// parameters. Under `auto`, a statement whose reach is an array parameter (nearly every read
/// of a record or a page) was planned again on every execution, because the plan for the
/// actual array looked cheaper than the generic one: measured, the supervisor's
/// `GET /customers/{id}` went from 3,717 to 7,558 req/s with generic plans. The reads that scan
/// and group many rows run under [`analytic`] instead, and so do the lists whose date filters
/// cover large tables (facts, daily reports, visit plans), and the facts' uploads, which
/// reconcile over date ranges: one generic plan cannot serve both a day and a year of millions
/// of facts.
const GENERIC: &str = "force_generic_plan";

/// Runs `f`, a read that scans and groups many rows (dashboards, progress, scorecards, the
/// background passes), with PostgreSQL planning each statement for its actual parameters
/// (`plan_cache_mode = force_custom_plan`), as a date range or a set of units of any size
/// needs; the connection is set back to generic plans afterwards. Not `auto`: it plans a
/// prepared statement for its values five times, then keeps the generic plan once that looks
/// no dearer, and planned without its values `customer_id = ANY($1)` is guessed to match one
/// row (a week's visit days of 20,000 customers: 4 ms custom, 1.3 s generic, on the sixth
/// call). Forced custom plans cost the dashboards nothing measurable (docs/benchmarks.md). A setting made inside a transaction
/// that fails is undone with it, so a failed `f` cannot leave the connection changed either.
pub fn analytic<T, F>(conn: &mut DbConnection, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<T>,
{
    if !matches!(conn, DbConnection::Pg(_)) {
        return f(conn);
    }
    conn.batch_execute("SET plan_cache_mode = force_custom_plan")?;
    let out = f(conn);
    let reset = conn.batch_execute(&format!("SET plan_cache_mode = {GENERIC}"));
    match (out, reset) {
        (Ok(_), Err(e)) => Err(e.into()),
        (out, _) => out,
    }
}

/// Sets the time limits of `PoolSettings` on every new connection.
#[derive(Debug)]
struct Limits(PoolSettings);

impl r2d2::CustomizeConnection<DbConnection, diesel::r2d2::Error> for Limits {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let t = self.0.statement_timeout_ms;
        let sql = match conn {
            DbConnection::Pg(_) => format!(
                "SET statement_timeout = {t}; SET lock_timeout = {t}; \
                 SET idle_in_transaction_session_timeout = {}; SET plan_cache_mode = {GENERIC}",
                self.0.lease_seconds.saturating_mul(1000)
            ),
            DbConnection::Sqlite(_) => format!("PRAGMA busy_timeout = {t}"),
        };
        conn.batch_execute(&sql)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// How long a request waits for a free connection before it is answered 503.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// A pool of `max_size` connections with the default time limits.
pub fn pool(url: &DbUrl, max_size: u32) -> Pool {
    pool_with(url, PoolSettings::new(max_size))
}

/// Builds the pool without connecting, so the server can start (and answer 503) while the
/// database is away; a lost connection is replaced (see `lost`), so a restarted database is
/// picked up again.
pub fn pool_with(url: &DbUrl, settings: PoolSettings) -> Pool {
    let max_size = match url.backend() {
        Backend::Postgres => settings.max_size,
        // SQLite has one writer; a few connections serve concurrent readers under WAL.
        Backend::Sqlite => settings.max_size.min(4),
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .test_on_check_out(true)
        .connection_timeout(CHECKOUT_TIMEOUT)
        .connection_customizer(Box::new(Limits(settings)))
        .build_unchecked(Manager { url: url.clone() })
}

/// Runs the pending migrations of the connection's backend.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let done = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(done.iter().map(|v| v.to_string()).collect())
}

/// Reverts every migration (used by the up -> down -> up test and `migrate --redo`).
pub fn revert_all(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let done = match conn {
        DbConnection::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?;
    Ok(done.iter().map(|v| v.to_string()).collect())
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write
/// lock up front so that concurrent writers wait (busy timeout) instead of failing on upgrade.
/// Inside a transaction already (a request's idempotent transaction, see `held`) it is a
/// savepoint: `f`'s effects commit with the enclosing transaction, or not at all.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if in_transaction(conn) {
        return conn.transaction(f);
    }
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    if let DbConnection::Sqlite(c) = conn {
                        AnsiTransactionManager::commit_transaction(c)?;
                    }
                    Ok(value)
                }
                Err(e) => {
                    if let DbConnection::Sqlite(c) = conn {
                        AnsiTransactionManager::rollback_transaction(c)?;
                    }
                    Err(e)
                }
            }
        }
    }
}

/// How many ids one `eq_any` statement takes: PostgreSQL gets them as one array parameter, so
/// a large set is one statement that it can plan as a join; SQLite binds each id on its own.
pub fn ids_per_statement(conn: &DbConnection) -> usize {
    match conn {
        DbConnection::Pg(_) => 20_000,
        DbConnection::Sqlite(_) => 500,
    }
}

/// Whether the connection is inside a transaction (or its transaction state is broken).
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    fn depth<C>(c: &mut C) -> bool
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
    {
        AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_or(true, |d| d.is_some())
    }
    match conn {
        DbConnection::Pg(c) => depth(c),
        DbConnection::Sqlite(c) => depth(c),
    }
}

#[cfg(test)]
mod tests {
    use super::DbUrl;

    #[test]
    fn an_unknown_scheme_is_refused_with_the_password_masked() {
        let err = DbUrl::parse("mysql://user:secret@host/db")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("mysql://user:***@host/db"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        for ok in [
            "postgres://u:p@h/db",
            "postgresql://h/db",
            "sqlite://x.db",
            "x.db",
            "C:\\data\\x.db",
        ] {
            assert!(DbUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            DbUrl::new("postgres://u:p@h:5432/db?sslmode=require").redacted(),
            "postgres://u:***@h:5432/db?sslmode=require"
        );
        assert_eq!(DbUrl::new("x.db").redacted(), "x.db");
    }
}
