//! Domain events: written to the outbox in the same transaction as the change they describe,
//! fanned out to the webhooks that subscribe to them, and to the inboxes of the people who must
//! know.

mod mirrored;

pub use mirrored::{Mirrored, Scope};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{
    notifications, outbox_event_people, outbox_events, webhook_deliveries, webhooks,
};

/// Every event type a webhook can subscribe to (`*` subscribes to all).
pub const EVENT_TYPES: &[&str] = &[
    "user.created",
    "user.updated",
    "org_unit.created",
    "org_unit.updated",
    "org_unit.deleted",
    "customer.created",
    "customer.updated",
    "customer.archived",
    "customer.restored",
    "dealer.created",
    "dealer.updated",
    "dealer.archived",
    "dealer.restored",
    "product.created",
    "product.updated",
    "product.archived",
    "product.restored",
    "competitor.created",
    "competitor.updated",
    "competitor.archived",
    "competitor.restored",
    "target.created",
    "target.updated",
    "target.deleted",
    "target.status_changed",
    "sales_fact.upserted",
    "sales_fact.deleted",
    "payment_fact.upserted",
    "payment_fact.deleted",
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
    "promotion.created",
    "promotion.updated",
    "promotion.approved",
    "promotion.started",
    "promotion.completed",
    "promotion.cancelled",
    "promotion_cost_fact.upserted",
    "promotion_cost_fact.deleted",
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
    pub data: Box<serde_json::value::RawValue>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceRef<'a> {
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    pub id: Id,
}

/// Whether a feed entry replaces the mirrored resource or removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Upsert,
    Delete,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Upsert => "upsert",
            Change::Delete => "delete",
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox_events)]
struct NewEvent {
    id: Id,
    event_type: String,
    resource_type: String,
    resource_id: Id,
    payload: String,
    created_at: Timestamp,
    change: Option<&'static str>,
    version: Option<i64>,
    owner_id: Option<Id>,
    unit_id: Option<Id>,
    dealer_id: Option<Id>,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDelivery {
    id: Id,
    webhook_id: Id,
    event_id: Id,
    status: &'static str,
    next_attempt_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn event_row<T: Serialize>(
    now: Timestamp,
    event_type: &str,
    resource: (&str, Id),
    data: &T,
    change: Option<(Change, i64, Scope)>,
) -> (NewEvent, Vec<(Id, bool)>) {
    debug_assert!(
        EVENT_TYPES.contains(&event_type),
        "{event_type} is not in EVENT_TYPES"
    );
    let id = Id::new();
    let body = EventBody {
        id,
        event_type,
        created_at: now,
        resource: ResourceRef {
            resource_type: resource.0,
            id: resource.1,
        },
        // Serialised once, straight into the stored body.
        data: serde_json::value::to_raw_value(data).unwrap_or_default(),
    };
    let (change, version, scope) = match change {
        Some((c, v, s)) => (Some(c.as_str()), Some(v), s),
        None => (None, None, Scope::default()),
    };
    let others: Vec<(Id, bool)> = scope
        .people
        .iter()
        .map(|p| (*p, true))
        .chain(scope.readers.iter().map(|p| (*p, false)))
        .collect();
    let row = NewEvent {
        id,
        event_type: event_type.to_string(),
        resource_type: resource.0.to_string(),
        resource_id: resource.1,
        payload: serde_json::to_string(&body).unwrap_or_default(),
        created_at: now,
        change,
        version,
        owner_id: scope.owner,
        unit_id: scope.unit,
        dealer_id: scope.dealer,
    };
    (row, others)
}

/// Writes events to the outbox (with the further people who read each) and queues a delivery
/// of each for every active webhook subscribed to its type, many rows a statement.
fn record(
    conn: &mut DbConnection,
    now: Timestamp,
    events: Vec<(NewEvent, Vec<(Id, bool)>)>,
) -> QueryResult<Vec<Id>> {
    let people: Vec<(Id, Id, bool)> = events
        .iter()
        .flat_map(|(e, others)| others.iter().map(|(p, reached)| (e.id, *p, *reached)))
        .collect();
    let events: Vec<NewEvent> = events.into_iter().map(|(e, _)| e).collect();
    for part in people.chunks(500) {
        let rows: Vec<_> = part
            .iter()
            .map(|(e, p, reached)| {
                (
                    outbox_event_people::event_id.eq(*e),
                    outbox_event_people::person_id.eq(*p),
                    outbox_event_people::reached.eq(*reached),
                )
            })
            .collect();
        crate::per_backend!(&mut *conn, |c| diesel::insert_into(
            outbox_event_people::table
        )
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(c))?;
    }
    let hooks: Vec<(Id, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::event_types))
        .load(conn)?;
    let hooks: Vec<(Id, Vec<String>)> = hooks
        .into_iter()
        .map(|(id, types)| (id, serde_json::from_str(&types).unwrap_or_default()))
        .collect();
    // 200 rows of 11 columns a statement stays far below both backends' parameter limits.
    for chunk in events.chunks(200) {
        // A single event (the usual case) is a plain insert; a batch with optional values is,
        // on SQLite, one insert per row inside a savepoint.
        match chunk {
            [one] => {
                crate::per_backend!(&mut *conn, |c| diesel::insert_into(outbox_events::table)
                    .values(one)
                    .execute(c))?
            }
            _ => crate::per_backend!(&mut *conn, |c| diesel::insert_into(outbox_events::table)
                .values(chunk)
                .execute(c))?,
        };
        let deliveries: Vec<NewDelivery> = chunk
            .iter()
            .flat_map(|e| {
                hooks
                    .iter()
                    .filter(|(_, types)| types.iter().any(|t| t == "*" || *t == e.event_type))
                    .map(|(hook, _)| NewDelivery {
                        id: Id::new(),
                        webhook_id: *hook,
                        event_id: e.id,
                        status: "pending",
                        next_attempt_at: now,
                        created_at: now,
                        updated_at: now,
                    })
            })
            .collect();
        for part in deliveries.chunks(500) {
            crate::per_backend!(&mut *conn, |c| diesel::insert_into(
                webhook_deliveries::table
            )
            .values(part)
            .execute(c))?;
        }
    }
    Ok(events.iter().map(|e| e.id).collect())
}

/// Writes an event that changes no mirrored resource (a reminder, an announcement) to the
/// outbox, with deliveries for the webhooks subscribed to it. Call it inside the transaction
/// of what it announces.
pub fn emit<T: Serialize>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    resource_type: &str,
    resource_id: Id,
    data: &T,
) -> QueryResult<Id> {
    let row = event_row(now, event_type, (resource_type, resource_id), data, None);
    Ok(record(conn, now, vec![row])?[0])
}

/// Records that `view` was created or changed (archived, restored, submitted, ...): one
/// outbox row that is both the change feed entry (`upsert`, with the resource as `GET` shows
/// it) and the webhook event `event_type`. Call it inside the transaction of the change,
/// after the change is written.
pub fn changed<T: Mirrored>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    view: &T,
) -> QueryResult<Id> {
    changed_many(conn, now, event_type, std::slice::from_ref(view))
        .map(|ids| ids.first().copied().unwrap_or_else(Id::new))
}

/// [`changed`] for many resources of one kind at once (bulk uploads), in few statements.
pub fn changed_many<T: Mirrored>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    views: &[T],
) -> QueryResult<Vec<Id>> {
    let rows: Vec<(NewEvent, Vec<(Id, bool)>)> = views
        .iter()
        .map(|v| {
            event_row(
                now,
                event_type,
                (T::RESOURCE, v.id()),
                v,
                Some((Change::Upsert, v.version(), v.scope())),
            )
        })
        .collect();
    record(conn, now, rows)
}

/// Records that `last` (the resource as it was) was deleted: a `delete` entry in the change
/// feed and the webhook event `<resource>.deleted`, whose data is the resource as it was.
pub fn deleted<T: Mirrored>(conn: &mut DbConnection, now: Timestamp, last: &T) -> QueryResult<Id> {
    let event_type = format!("{}.deleted", T::RESOURCE);
    let row = event_row(
        now,
        &event_type,
        (T::RESOURCE, last.id()),
        last,
        Some((Change::Delete, last.version(), last.scope())),
    );
    Ok(record(conn, now, vec![row])?[0])
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

/// Records a change of `view` ([`changed`]) and notifies the recipients of its event.
pub fn changed_and_notify<T: Mirrored>(
    conn: &mut DbConnection,
    now: Timestamp,
    event_type: &str,
    view: &T,
    title: &str,
    recipients: &[Id],
) -> QueryResult<Id> {
    let event = changed(conn, now, event_type, view)?;
    notify(
        conn,
        now,
        event,
        event_type,
        title,
        (T::RESOURCE, view.id()),
        recipients,
    )?;
    Ok(event)
}

/// Emits an event that changes no mirrored resource and notifies its recipients, in one call.
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
