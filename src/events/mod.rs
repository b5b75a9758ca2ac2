//! Domain events: written to the outbox in the same transaction as the change they describe,
//! fanned out to the webhooks that subscribe to them, and to the inboxes of the people who must
//! know.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{notifications, outbox_events, webhook_deliveries, webhooks};

/// Every event type a webhook can subscribe to (`*` subscribes to all).
pub const EVENT_TYPES: &[&str] = &[
    "user.created",
    "user.updated",
    "org_unit.created",
    "org_unit.updated",
    "market_report.created",
    "market_report.updated",
    "market_report.filed",
    "market_report.acknowledged",
    "market_report.escalated",
    "complaint.created",
    "complaint.updated",
    "complaint.filed",
    "complaint.assigned",
    "complaint.escalated",
    "complaint.overdue",
    "meeting.created",
    "meeting.updated",
    "meeting.remote_report",
    "coaching_session.created",
    "coaching_session.updated",
    "visit_plan.created",
    "visit_plan.updated",
    "visit_plan.submitted",
    "visit_plan.approved",
    "visit_plan.returned",
    "daily_report.created",
    "daily_report.updated",
    "daily_report.submitted",
    "daily_report.reviewed",
    "daily_report.returned",
    "daily_report.missing",
    "weekly_report.created",
    "weekly_report.updated",
    "weekly_report.submitted",
    "weekly_report.reviewed",
    "weekly_report.returned",
    "weekly_report.missing",
];

/// The JSON body of an event, as stored and as delivered to webhooks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventBody<'a> {
    /// Unique per event: receivers de-duplicate by it.
    pub id: Id,
    #[serde(rename = "type")]
    pub event_type: &'a str,
    pub created_at: Timestamp,
    pub resource: ResourceRef<'a>,
    /// The resource as the API shows it, after the change.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceRef<'a> {
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    pub id: Id,
}

/// Writes an event to the outbox and queues a delivery for every active webhook subscribed to
/// its type. Call it inside the transaction of the change.
pub fn emit<T: Serialize>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    resource_type: &str,
    resource_id: Id,
    data: &T,
) -> QueryResult<Id> {
    let id = Id::new();
    let body = EventBody {
        id,
        event_type,
        created_at: now,
        resource: ResourceRef {
            resource_type,
            id: resource_id,
        },
        data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
    };
    let payload = serde_json::to_string(&body).unwrap_or_default();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(id),
            outbox_events::event_type.eq(event_type),
            outbox_events::resource_type.eq(resource_type),
            outbox_events::resource_id.eq(resource_id),
            outbox_events::payload.eq(payload),
            outbox_events::created_at.eq(now),
        ))
        .execute(conn)?;
    let hooks: Vec<(Id, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::event_types))
        .load(conn)?;
    for (hook, types) in hooks {
        let types: Vec<String> = serde_json::from_str(&types).unwrap_or_default();
        if types.iter().any(|t| t == "*" || t == event_type) {
            diesel::insert_into(webhook_deliveries::table)
                .values((
                    webhook_deliveries::id.eq(Id::new()),
                    webhook_deliveries::webhook_id.eq(hook),
                    webhook_deliveries::event_id.eq(id),
                    webhook_deliveries::status.eq("pending"),
                    webhook_deliveries::next_attempt_at.eq(now),
                    webhook_deliveries::created_at.eq(now),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(id)
}

/// Puts a notification of an event in each recipient's inbox (each recipient once).
pub fn notify(
    conn: &mut DbConnection,
    now: Timestamp,
    event: Id,
    event_type: &str,
    title: &str,
    resource: (&str, Id),
    recipients: &[Id],
) -> QueryResult<()> {
    let mut seen = Vec::new();
    for user in recipients {
        if seen.contains(user) {
            continue;
        }
        seen.push(*user);
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(Id::new()),
                notifications::user_id.eq(*user),
                notifications::event_id.eq(event),
                notifications::event_type.eq(event_type),
                notifications::title.eq(title),
                notifications::resource_type.eq(resource.0),
                notifications::resource_id.eq(resource.1),
                notifications::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Emits an event and notifies its recipients, in one call.
#[allow(clippy::too_many_arguments)]
pub fn emit_and_notify<T: Serialize>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    resource_type: &str,
    resource_id: Id,
    data: &T,
    title: &str,
    recipients: &[Id],
) -> QueryResult<Id> {
    let event = emit(conn, now, event_type, resource_type, resource_id, data)?;
    notify(
        conn,
        now,
        event,
        event_type,
        title,
        (resource_type, resource_id),
        recipients,
    )?;
    Ok(event)
}
