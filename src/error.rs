//! One error type for the whole API, answered as RFC 9457 `application/problem+json`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The field, as a path into the request (`email`, `visits[2].customer_id`, `cursor`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation-error`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The invalid fields (422), or the field whose value another record already has (409).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The current state of the resource, when a workflow step is not allowed in it (409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
    },
    /// A unique value (an email, a code, an `external_id`, one plan per day) already taken.
    #[error("{detail}")]
    Duplicate { detail: String, field: String },
    #[error("{0}")]
    PreconditionFailed(String),
    /// What the request points at is no longer kept (a change feed position older than the
    /// feed's retention).
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: None,
        }
    }

    /// A value of `field` that another record already has (409 naming the field).
    pub fn duplicate(field: &str, detail: impl Into<String>) -> Self {
        ApiError::Duplicate {
            detail: detail.into(),
            field: field.into(),
        }
    }

    /// A workflow step that the resource's current state does not allow.
    pub fn illegal_state(detail: impl Into<String>, state: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: Some(state.into()),
        }
    }

    /// A 422 naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, message)])
    }

    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        ApiError::Validation {
            detail: format!("invalid value for: {}", fields.join(", ")),
            errors,
        }
    }

    pub fn forbidden() -> Self {
        ApiError::Forbidden("your role may not do this".into())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict { .. } | ApiError::Duplicate { .. } => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::Gone(_) => ("feed-position-expired", "Feed position expired"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::UriTooLong(_) => ("uri-too-long", "URI too long"),
            ApiError::Validation { .. } => ("validation-error", "Validation error"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("service-unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal-error", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            // The cause is logged, never shown.
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                ApiError::Validation { errors, .. } => errors.clone(),
                ApiError::Duplicate { field, .. } => {
                    vec![FieldError::new(
                        field.clone(),
                        "already used by another record",
                    )]
                }
                _ => Vec::new(),
            },
            current_state: match self {
                ApiError::Conflict { current_state, .. } => current_state.clone(),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } | ApiError::Duplicate { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::TooManyRequests { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => ApiError::NotFound("not found".into()),
            E::DatabaseError(K::UniqueViolation, info) => match unique_field(info.as_ref()) {
                Some(field) => ApiError::Duplicate {
                    detail: format!("a record with the same {field} already exists"),
                    field,
                },
                None => {
                    tracing::warn!(error = info.message(), "unique violation of unknown origin");
                    ApiError::conflict("a record with the same value already exists")
                }
            },
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                ApiError::conflict("the record is referenced by, or refers to, a missing record")
            }
            E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => {
                crate::db::connection_lost();
                ApiError::Unavailable("the database is unavailable; retry shortly".into())
            }
            E::DatabaseError(_, ref info) if is_lost(info.message()) => {
                crate::db::connection_lost();
                ApiError::Unavailable("the database connection was lost; retry shortly".into())
            }
            E::DatabaseError(K::SerializationFailure, _) => {
                ApiError::Unavailable("a concurrent update interfered; retry".into())
            }
            E::DatabaseError(_, ref info) if is_busy(info.message()) => {
                ApiError::Unavailable("the database is busy; retry shortly".into())
            }
            E::DatabaseError(_, ref info) if is_timeout(info.message()) => ApiError::Unavailable(
                "the database did not answer in time (statement or lock timeout); retry shortly"
                    .into(),
            ),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Unique keys whose request field is not the column (or constraint) name: (table, column or
/// constraint stem, field).
const UNIQUE_FIELDS: [(&str, &str, &str); 6] = [
    ("users", "email_normalized", "email"),
    ("org_units", "single_root", "parent_id"),
    ("visit_plans", "owner_day", "plan_date"),
    ("daily_reports", "owner_day", "report_date"),
    ("weekly_reports", "unit_week", "week"),
    ("weekly_reports", "week_start", "week"),
];

/// The request field a unique violation is about. PostgreSQL names the constraint or index
/// (`customers_external_id_key` on `customers`); SQLite names the columns
/// (`UNIQUE constraint failed: customers.external_id`, the last column of a composite key being
/// the one a client chose) or, for an expression index, the index (`index 'org_units_single_root'`).
fn unique_field(info: &dyn diesel::result::DatabaseErrorInformation) -> Option<String> {
    let (table, stem) = match (info.constraint_name(), info.table_name()) {
        (Some(name), Some(table)) => {
            let stem = name.strip_prefix(table)?.strip_prefix('_')?;
            (
                table.to_string(),
                stem.strip_suffix("_key").unwrap_or(stem).to_string(),
            )
        }
        _ => {
            let failed = info.message().strip_prefix("UNIQUE constraint failed: ")?;
            if let Some(index) = failed.strip_prefix("index '") {
                let index = index.strip_suffix('\'')?;
                let (table, stem) = UNIQUE_FIELDS
                    .iter()
                    .find(|(t, s, _)| index == format!("{t}_{s}"))
                    .map(|(t, s, _)| (t.to_string(), s.to_string()))?;
                (table, stem)
            } else {
                let (table, column) = failed.rsplit(", ").next()?.split_once('.')?;
                (table.to_string(), column.to_string())
            }
        }
    };
    let field = UNIQUE_FIELDS
        .iter()
        .find(|(t, s, _)| *t == table && *s == stem)
        .map(|(_, _, f)| f.to_string())
        .unwrap_or(stem);
    Some(field)
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        // PostgreSQL broke a lock cycle (two writers summing facts of the same days in opposite
        // orders, say) by rolling one back: nothing was written, a retry succeeds.
        || message.contains("deadlock detected")
}

/// The messages of a connection the server closed (libpq's and PostgreSQL's own).
fn is_lost(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "connection to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// PostgreSQL's `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout`.
fn is_timeout(message: &str) -> bool {
    message.contains("canceling statement due to statement timeout")
        || message.contains("canceling statement due to lock timeout")
        || message.contains("idle-in-transaction timeout")
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "database connection unavailable");
        ApiError::Unavailable("the database is unavailable; retry shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        ApiError::invalid_fields(field_errors(&errors))
    }
}

/// Each broken `validator` rule as the field it names, sorted by field.
pub fn field_errors(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    flatten_validation(errors, String::new(), &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn flatten_validation(
    errors: &validator::ValidationErrors,
    prefix: String,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            Kind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_validation(e));
                    out.push(FieldError::new(path.clone(), message));
                }
            }
            Kind::Struct(inner) => flatten_validation(inner, path, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(inner, format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe_validation(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "out of range".into(),
        },
        "email" => "must be an email address".into(),
        "url" => "must be a URL".into(),
        code => format!("invalid ({code})"),
    }
}
