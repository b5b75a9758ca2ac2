//! Webhook and delivery rows.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::{webhook_deliveries as wd, webhooks as wh};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wh)]
pub struct Row {
    pub id: Id,
    pub url: String,
    pub secret: String,
    pub event_types: String,
    pub active: bool,
    pub created_by: Id,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A registered endpoint (its secret is shown only when it is created).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: Id,
    pub url: String,
    /// Event types delivered; `*` is every type.
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_by: Id,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A webhook as created, with the secret that signs its deliveries (shown this once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// HMAC-SHA256 key: `Salestrack-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>">`.
    pub secret: String,
}

impl Row {
    pub fn present(&self) -> Webhook {
        Webhook {
            id: self.id,
            url: self.url.clone(),
            event_types: serde_json::from_str(&self.event_types).unwrap_or_default(),
            active: self.active,
            created_by: self.created_by,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        wh::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("webhook"))
    }
}

/// One event's delivery to one webhook, with its attempts.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = wd)]
pub struct Delivery {
    pub id: Id,
    pub webhook_id: Id,
    /// The event id (also in the body and the `Salestrack-Event-Id` header).
    pub event_id: Id,
    /// `pending`, `delivered`, or `failed` (gave up after the last retry).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
