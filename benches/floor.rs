//! The floor: the least a server of salestrack's stack can do per request, to measure
//! salestrack against in one run on the same machine (issue 12, `scripts/bench-http`).
//!
//! The same crates as salestrack (actix-web 4 with `TCP_NODELAY` and 2 workers, diesel 2 with
//! r2d2 on PostgreSQL, jsonwebtoken 11 HS256 with `rust_crypto`, serde_json), and nothing else:
//! - every request must carry a bearer JWT that verifies (HS256, signature, `exp`, `iss`
//!   `salestrack`, `aud` `salestrack-api`), so salestrack's own access tokens work here;
//! - `GET /rows/{uuid}` reads one row of salestrack's `customers` table by id and answers it as
//!   JSON (404 if there is none);
//! - `POST /rows` with `{"body": "..."}` inserts one row into `floor_rows` (created at start)
//!   and answers it, 201.
//!
//! The pool does not test connections on checkout (no `SELECT 1` per request): the floor is
//! the bare stack. Run: `cargo bench --bench floor -- --listen 127.0.0.1:8090
//! --database-url postgres://postgres@127.0.0.1:5432/DB` with `JWT_SECRET` set (or
//! `FLOOR_LISTEN`, `DATABASE_URL`; `FLOOR_POOL_SIZE`, default 10 like salestrack's).

use actix_web::{get, post, web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

diesel::table! {
    customers (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        kind -> Nullable<Text>,
        org_unit_id -> Uuid,
        owner_id -> Uuid,
        status -> Text,
        activated_on -> Nullable<Date>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamptz>,
        version -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    floor_rows (id) {
        id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
    }
}

#[derive(Queryable, Serialize)]
struct Customer {
    id: Uuid,
    code: String,
    name: String,
    kind: Option<String>,
    org_unit_id: Uuid,
    owner_id: Uuid,
    status: String,
    activated_on: Option<NaiveDate>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    external_id: Option<String>,
    archived_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Serialize)]
struct Row {
    id: Uuid,
    body: String,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct NewRow {
    body: String,
}

#[derive(Deserialize)]
struct Claims {
    #[allow(dead_code)]
    sub: Uuid,
}

type DbPool = Pool<ConnectionManager<PgConnection>>;

struct State {
    pool: DbPool,
    key: DecodingKey,
    validation: Validation,
}

impl State {
    /// Whether the request carries a valid bearer token.
    fn authorized(&self, req: &HttpRequest) -> bool {
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        token.is_some_and(|t| decode::<Claims>(t, &self.key, &self.validation).is_ok())
    }
}

fn failed(e: impl std::fmt::Display) -> HttpResponse {
    eprintln!("floor: {e}");
    HttpResponse::InternalServerError().finish()
}

#[get("/rows/{id}")]
async fn read_row(state: web::Data<State>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    if !state.authorized(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    let id = id.into_inner();
    let pool = state.pool.clone();
    let found = web::block(move || -> anyhow::Result<Option<Customer>> {
        let mut conn = pool.get()?;
        Ok(customers::table
            .find(id)
            .first::<Customer>(&mut conn)
            .optional()?)
    })
    .await;
    match found {
        Ok(Ok(Some(customer))) => HttpResponse::Ok().json(customer),
        Ok(Ok(None)) => HttpResponse::NotFound().finish(),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

#[post("/rows")]
async fn insert_row(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Json<NewRow>,
) -> HttpResponse {
    if !state.authorized(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    let pool = state.pool.clone();
    let inserted = web::block(move || -> anyhow::Result<Row> {
        let mut conn = pool.get()?;
        Ok(diesel::insert_into(floor_rows::table)
            .values((
                floor_rows::id.eq(Uuid::now_v7()),
                floor_rows::body.eq(&body.body),
                floor_rows::created_at.eq(Utc::now()),
            ))
            .get_result::<Row>(&mut conn)?)
    })
    .await;
    match inserted {
        Ok(Ok(row)) => HttpResponse::Created().json(row),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

/// `--name value` from the command line, else the environment variable.
fn setting(args: &[String], flag: &str, env: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` adds `--bench`; anything but the flags below is ignored.
    let args: Vec<String> = std::env::args().collect();
    let listen = setting(&args, "--listen", "FLOOR_LISTEN").unwrap_or("127.0.0.1:8090".into());
    let url = setting(&args, "--database-url", "DATABASE_URL")
        .context("give --database-url or DATABASE_URL (postgres://...)")?;
    let secret = std::env::var("JWT_SECRET").context("JWT_SECRET is required")?;
    let pool_size: u32 = setting(&args, "--pool-size", "FLOOR_POOL_SIZE")
        .map_or(Ok(10), |s| s.parse())
        .context("pool size")?;

    let pool = Pool::builder()
        .max_size(pool_size)
        .test_on_check_out(false)
        .build(ConnectionManager::<PgConnection>::new(url))?;
    pool.get()?.batch_execute(
        "CREATE TABLE IF NOT EXISTS floor_rows \
         (id uuid PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL)",
    )?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["salestrack"]);
    validation.set_audience(&["salestrack-api"]);
    let state = web::Data::new(State {
        pool,
        key: DecodingKey::from_secret(secret.as_bytes()),
        validation,
    });
    eprintln!("floor: listening on {listen}");
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(read_row)
            .service(insert_row)
    })
    .workers(2)
    .tcp_nodelay(true)
    .bind(&listen)?
    .run()
    .await?;
    Ok(())
}
