//! salestrack: the back end of a sales process management system.
//!
//! `build_app` assembles the HTTP application; `main` and every test call it.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub use salestrack_macros::rules;

pub mod alerts;
pub mod anomalies;
pub mod auth;
pub mod bootstrap;
pub mod changes;
pub mod clock;
pub mod coaching;
pub mod complaints;
pub mod config;
pub mod coverage;
pub mod dashboards;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod facts;
pub mod http;
pub mod jobs;
pub mod market_reports;
pub mod masterdata;
pub mod meetings;
pub mod memory;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod org;
pub mod progress;
pub mod promotions;
pub mod schema;
pub mod scorecards;
pub mod settings;
pub mod targets;
pub mod users;
pub mod visits;
pub mod webhooks;
pub mod weekly;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, ErrorHandlers};
use actix_web::{web, App};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::error::ApiResult;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub jwt: Arc<JwtKeys>,
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Callers remembered between requests (PostgreSQL only).
    pub callers: Arc<auth::callers::Callers>,
}

impl AppState {
    /// Runs blocking database work on the blocking pool with a pooled connection, or, in a
    /// request that holds its own transaction (an idempotent POST), on that transaction's
    /// connection. A database that cannot be reached is a 503 with `Retry-After`.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(held) = db::held::Held::current() {
            return held.run(f).await;
        }
        self.pooled(f).await
    }

    /// Runs `f` as one write, all or nothing: in a held transaction inside the one savepoint
    /// that [`Held::run`](db::held::Held::run) opens, else in a write transaction
    /// ([`db::write_tx`]) on a pooled connection.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(held) = db::held::Held::current() {
            return held.run(f).await;
        }
        self.pooled(move |conn| db::write_tx(conn, f)).await
    }

    /// Like [`AppState::db`], for a read that scans and groups many rows: its statements are
    /// planned for their actual parameters ([`db::analytic`]).
    pub async fn analytic<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| db::analytic(conn, f)).await
    }

    /// Like [`AppState::db`], for a read whose failure fails the request (the caller's
    /// identity, say): in a held transaction it runs without a savepoint of its own.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(held) = db::held::Held::current() {
            return held.read(f).await;
        }
        self.pooled(f).await
    }

    async fn pooled<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

/// Every route of the API, under `/api/v1`.
fn api_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(auth::api::routes)
        .configure(users::api::routes)
        .configure(org::api::routes)
        .configure(settings::api::routes)
        .configure(market_reports::api::routes)
        .configure(complaints::api::routes)
        .configure(notifications::api::routes)
        .configure(webhooks::api::routes)
        .configure(meetings::api::routes)
        .configure(coaching::api::routes)
        .configure(scorecards::api::routes)
        .configure(masterdata::customers::api::routes)
        .configure(masterdata::dealers::api::routes)
        .configure(masterdata::products::api::routes)
        .configure(masterdata::competitors::api::routes)
        .configure(targets::api::routes)
        .configure(facts::api::routes)
        .configure(progress::api::routes)
        .configure(coverage::routes)
        .configure(visits::routes)
        .configure(weekly::api::routes)
        .configure(changes::api::routes)
        .configure(anomalies::api::routes)
        .configure(dashboards::routes)
        .configure(promotions::api::routes);
}

fn utoipa_app<T>(app: App<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.into_utoipa_app()
        .openapi(openapi::base())
        .service(ops::healthz)
        .service(ops::readyz)
        .service(utoipa_actix_web::scope("/api/v1").configure(api_routes))
}

/// The OpenAPI document, generated from the handlers.
pub fn api_doc() -> serde_json::Value {
    let (_, doc) = utoipa_app(App::new()).split_for_parts();
    openapi::document(doc)
}

/// The whole HTTP application.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.config.max_body_bytes;
    let cors = http::conventions::cors(&state.config.cors_allowed_origins);
    let (app, doc) = utoipa_app(App::new()).split_for_parts();
    let doc = openapi::document(doc);
    let routes = http::conventions::Routes::from_doc(&doc);
    // Swagger UI stays offline (no outside validator) and keeps the token over a reload.
    let swagger = SwaggerUi::new("/docs/{_:.*}")
        .external_url_unchecked("/api-docs/openapi.json", doc)
        .config(
            utoipa_swagger_ui::Config::default()
                .validator_url("none")
                .persist_authorization(true),
        );
    // Middleware runs from the last `wrap` (outermost) to the first.
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(routes))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(web::JsonConfig::default().limit(limit))
        .app_data(web::PathConfig::default().error_handler(http::input::path_error))
        .service(swagger)
        .route(
            "/docs",
            web::get().to(|| async {
                actix_web::HttpResponse::PermanentRedirect()
                    .insert_header((actix_web::http::header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(http::problems::fallback))
        .wrap(ErrorHandlers::new().default_handler(http::problems::ensure_problem))
        .wrap(from_fn(http::location::middleware))
        .wrap(from_fn(http::idempotency::middleware))
        .wrap(from_fn(auth::callers::forget_after_writes))
        .wrap(from_fn(http::conventions::not_modified))
        .wrap(from_fn(http::conventions::allow_on_405))
        .wrap(from_fn(http::conventions::head_as_get))
        .wrap(from_fn(http::conventions::uri_limit))
        .wrap(from_fn(http::conventions::no_store))
        .wrap(cors)
        // Again, for the refusals of the CORS middleware itself.
        .wrap(ErrorHandlers::new().default_handler(http::problems::ensure_problem))
        .wrap(from_fn(ops::request_id_header))
        .wrap(Compress::default())
        .wrap(TracingLogger::<ops::RequestSpan>::new())
}
