//! The OpenAPI document: the base (info, security, shared schemas), the finishing pass that
//! gives every operation its problem responses, and the passes over the JSON that declare the
//! response headers and the webhooks (which utoipa 5 cannot express).

mod headers;
mod requests;
mod webhooks;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Doc, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "salestrack API",
        description = "Sales process management: targets and their breakdown, visit plans, daily \
            reports, market reports and complaints, weekly reports and meetings.\n\n\
            Errors are RFC 9457 problem details (`application/problem+json`). Money is integer \
            minor units of the currency in `GET /api/v1/settings`. Lists use cursor pagination \
            (`limit`, `cursor` -> `next_cursor`). POSTs accept `Idempotency-Key`; writes to an \
            existing resource need `If-Match` with its `ETag`.",
        version = "1.0.0",
        contact(name = "salestrack API team", email = "api@salestrack.local"),
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "The server that serves this document")),
    modifiers(&BearerAuth),
    components(schemas(
        Problem,
        FieldError,
        crate::events::ResourceRef,
        crate::visits::missing::MissingDailyReportNotice,
        crate::weekly::missing::MissingWeeklyReportNotice,
        crate::progress::status::TargetStatusChange,
    )),
    tags(
        (name = "auth", description = "Login, token refresh, logout"),
        (name = "me", description = "The caller"),
        (name = "users", description = "Users (admins manage them)"),
        (name = "org", description = "The org tree"),
        (name = "settings", description = "Company settings"),
        (name = "market-reports", description = "Market reports that must reach superiors fast"),
        (name = "complaints", description = "Customer complaints, from filing to closing"),
        (name = "webhooks", description = "Signed event deliveries for integrators (admins)"),
        (name = "meetings", description = "Morning, evening and weekly meetings, attendance, remote reports"),
        (name = "coaching", description = "Coaching sessions, action items, who needs coaching"),
        (name = "scorecards", description = "Salespeople ranked and flagged for a month or quarter"),
        (name = "operations", description = "Liveness and readiness"),
        (name = "customers", description = "Customers (outlets, accounts), read within reach"),
        (name = "dealers", description = "Dealers (distributors) and their dealer users"),
        (name = "products", description = "The product catalogue with categories"),
        (name = "competitors", description = "Competitors, referenced from market reports"),
        (name = "targets", description = "Targets, their breakdown and allocation"),
        (name = "visit-plans", description = "Daily visit plans, signed by a superior"),
        (name = "daily-reports", description = "Daily visit reports: timeliness, review, facts"),
        (name = "efficiency", description = "Visit efficiency per salesperson"),
        (name = "facts", description = "Sales and payment facts: the actuals (bulk upsert by external_id)"),
        (name = "progress", description = "Progress against targets: actual, pace, forecast, status"),
        (name = "weekly-reports", description = "Weekly progress reports of units: figures, narrative, review, compliance, export"),
        (name = "anomalies", description = "Everything that needs a manager's attention now, within your reach"),
        (name = "coverage", description = "Call-cycle coverage: customers due, visited within their cycle, overdue"),
        (name = "dashboards", description = "One dashboard per time horizon: the day, the week, the month, the results"),
        (name = "promotions", description = "Sales and promotion plans: approval, execution in visits, costs, uplift against a baseline and a control group"),
        (name = "changes", description = "The change feed: every create, change, archive and delete in commit order, for mirroring"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        doc.security = Some(vec![SecurityRequirement::new(
            "bearer_auth",
            Vec::<String>::new(),
        )]);
    }
}

pub fn base() -> Doc {
    ApiDoc::openapi()
}

/// The finished document as JSON: problem responses, response headers and webhooks declared.
pub fn document(doc: Doc) -> serde_json::Value {
    let mut doc = match serde_json::to_value(finish(doc)) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            return serde_json::Value::Null;
        }
    };
    headers::declare(&mut doc);
    requests::declare(&mut doc);
    doc["components"]["headers"] = headers::components();
    doc["webhooks"] = webhooks::section();
    doc
}

fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        Response::builder()
            .description(description)
            .content(
                crate::error::PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .build(),
    )
}

fn is_public(op: &Operation) -> bool {
    op.security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &Default::default()))
}

fn has_header(op: &Operation, name: &str) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
}

fn idempotency_key() -> utoipa::openapi::path::Parameter {
    utoipa::openapi::path::ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Makes a retry safe: the same key with the same body returns the first response \
             without doing the work again; with another body it is 422; while the first is \
             still running it is 409 with Retry-After. A request that failed with a server \
             error did nothing and may be retried with the same key. Kept 24 hours, per user.",
        ))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[\\x21-\\x7E]{1,255}$")),
        ))
        .build()
}

/// Adds the problem responses each operation can give, so generated clients know them.
fn finish(mut doc: Doc) -> Doc {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        let ops = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (index, (op, writes)) in ops.into_iter().enumerate() {
            let Some(op) = op.as_mut() else { continue };
            let op_is_post = index == 1 && !has_header(op, "Idempotency-Key");
            let has_body = op.request_body.is_some();
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Query);
            if op.description.is_none() {
                op.description = op.summary.clone();
            }
            let public = is_public(op);
            if !public {
                // Stated on the operation too, for generators that ignore the document default.
                op.security = Some(vec![SecurityRequirement::new(
                    "bearer_auth",
                    Vec::<String>::new(),
                )]);
            }
            let needs_if_match = has_header(op, "If-Match");
            let mut add = |code: &str, description: &str| {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| problem(description));
            };
            if has_body {
                add("400", "Malformed JSON");
                add("413", "Request body too large");
                add("415", "Request body is not JSON");
            }
            if has_body || has_query || has_path_params {
                add("422", "Invalid input; `errors` names each invalid field");
            }
            if path.ends_with("/auth/login") {
                add("429", "Too many failed logins; see Retry-After");
            }
            add("414", "Request target (path and query) longer than 8 KiB");
            add("500", "Unexpected error");
            add("503", "Database unavailable; see Retry-After");
            if public {
                if path.starts_with("/api/") {
                    add("401", "Invalid credentials or token");
                }
                continue;
            }
            add("401", "Missing, invalid, expired or revoked access token");
            add("403", "Your role may never do this");
            if has_path_params {
                add("404", "Not found, or outside your reach");
            }
            // Responses of `/auth/*` carry tokens and are never stored: no key there.
            if writes && op_is_post && !path.starts_with("/api/v1/auth/") {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(idempotency_key());
            }
            if writes {
                add(
                    "409",
                    "Conflicts with the current state (see `current_state`), or a duplicate",
                );
                add("422", "Invalid input; `errors` names each invalid field");
            }
            if needs_if_match {
                add(
                    "400",
                    "Malformed JSON, or an If-Match that is not a list of entity tags",
                );
                add("412", "The resource changed since your ETag");
                add("428", "If-Match is required");
            }
        }
    }
    doc
}
