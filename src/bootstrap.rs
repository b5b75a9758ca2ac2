//! Start-up: connect, migrate, and make sure there is a company, settings, a signing secret and
//! a first admin.

use std::sync::Arc;

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;

use crate::auth::api::normalize_email;
use crate::auth::callers::Callers;
use crate::auth::jwt::JwtKeys;
use crate::auth::{password, Role};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Backend, DbConnection, Id, Timestamp};
use crate::org::model::{NewOrgUnit, OrgUnit};
use crate::schema::server_secrets;
use crate::settings::model::StoredSettings;
use crate::settings::Settings;
use crate::users::model::{NewUser, UserRow};
use crate::AppState;

/// A first admin created at start-up, with the password when it was generated (shown once).
pub struct CreatedAdmin {
    pub email: String,
    pub generated_password: Option<String>,
}

/// Everything `serve` needs, ready.
pub struct Prepared {
    pub state: AppState,
    pub created_admin: Option<CreatedAdmin>,
}

/// Connects, migrates and seeds what must exist, then builds the shared state.
pub fn prepare(config: Config, clock: Clock) -> anyhow::Result<Prepared> {
    let mut conn = config
        .database_url
        .connect()
        .with_context(|| format!("cannot connect to {}", config.database_url.redacted()))?;
    let applied = db::migrate(&mut conn)?;
    for m in &applied {
        tracing::info!(migration = %m, "migration applied");
    }
    let now = clock.now();
    ensure_company(&mut conn, &config, now)?;
    StoredSettings::init(&mut conn, &Settings::from_config(&config), now)?;
    let secret = jwt_secret(&mut conn, &config, now)?;
    let created_admin = ensure_first_admin(&mut conn, &config, now)?;
    let pool = db::pool_with(&config.database_url, config.pool_settings());
    let jwt = JwtKeys::new(&secret, config.access_token_ttl_seconds);
    let callers = Callers::for_database(&config.database_url);
    Ok(Prepared {
        state: AppState {
            pool,
            jwt: Arc::new(jwt),
            config: Arc::new(config),
            clock,
            callers,
        },
        created_admin,
    })
}

/// The root unit (the company) exists from the first start.
pub fn ensure_company(
    conn: &mut DbConnection,
    config: &Config,
    now: Timestamp,
) -> anyhow::Result<OrgUnit> {
    if let Some(root) = OrgUnit::root(conn)? {
        return Ok(root);
    }
    Ok(OrgUnit::insert(
        conn,
        NewOrgUnit {
            id: Id::new(),
            name: &config.company_name,
            code: None,
            parent_id: None,
            manager_id: None,
            created_at: now,
            updated_at: now,
        },
    )?)
}

/// The JWT secret: from `JWT_SECRET`, or on the embedded default generated once and kept in the
/// database. PostgreSQL deployments (several instances) must configure it.
fn jwt_secret(conn: &mut DbConnection, config: &Config, now: Timestamp) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.jwt_secret {
        anyhow::ensure!(
            secret.len() >= 32,
            "JWT_SECRET must be at least 32 bytes long"
        );
        return Ok(secret.as_bytes().to_vec());
    }
    anyhow::ensure!(
        conn.backend() == Backend::Sqlite,
        "JWT_SECRET must be set when running on PostgreSQL (every instance needs the same secret)"
    );
    let stored: Option<String> = server_secrets::table
        .find("jwt_secret")
        .select(server_secrets::value)
        .first(conn)
        .optional()?;
    if let Some(value) = stored {
        return Ok(URL_SAFE_NO_PAD.decode(value)?);
    }
    tracing::warn!("JWT_SECRET is not set: generated one and stored it in the database");
    let mut raw = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut raw);
    diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq("jwt_secret"),
            server_secrets::value.eq(URL_SAFE_NO_PAD.encode(raw)),
            server_secrets::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(raw.to_vec())
}

fn ensure_first_admin(
    conn: &mut DbConnection,
    config: &Config,
    now: Timestamp,
) -> anyhow::Result<Option<CreatedAdmin>> {
    if UserRow::any(conn)? {
        return Ok(None);
    }
    let email = config
        .admin_email
        .clone()
        .unwrap_or_else(|| "admin@salestrack.local".into());
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), false),
        None => (password::generate(), true),
    };
    create_user(
        conn,
        &email,
        "Administrator",
        Role::Admin,
        None,
        &password,
        now,
    )?;
    Ok(Some(CreatedAdmin {
        email,
        generated_password: generated.then_some(password),
    }))
}

/// Creates a user (in the company unit unless another is given), for the CLI and demo data.
pub fn create_user(
    conn: &mut DbConnection,
    email: &str,
    name: &str,
    role: Role,
    unit: Option<Id>,
    password: &str,
    now: Timestamp,
) -> anyhow::Result<UserRow> {
    password::check_strength(password).map_err(|m| anyhow::anyhow!("password {m}"))?;
    let unit = match unit {
        Some(u) => u,
        None => {
            OrgUnit::root(conn)?
                .context("there is no company unit yet")?
                .id
        }
    };
    let hash = password::hash(password)?;
    Ok(UserRow::insert(
        conn,
        NewUser {
            id: Id::new(),
            email,
            email_normalized: &normalize_email(email),
            name,
            role: role.as_str(),
            org_unit_id: unit,
            hired_on: None,
            active: true,
            password_hash: &hash,
            created_at: now,
            updated_at: now,
        },
    )?)
}
