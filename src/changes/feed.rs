//! Reading the feed: the committed, sequenced entries after a position that the caller may
//! read, filtered in SQL.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::ResourceType;
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::masterdata::dealer_of;
use crate::schema::{dealers, outbox_event_people, outbox_events as ev, users};
use crate::visits::str_enum;

str_enum!(
    /// What an entry does to the mirrored resource.
    ChangeKind {
        /// Created or changed (archiving and restoring included): replace your copy with
        /// `resource`.
        Upsert => "upsert",
        /// Deleted: remove your copy.
        Delete => "delete",
    }
);

/// One entry of the change feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeEntry {
    /// The entry's place in the feed: pass the last one you processed as `after`.
    pub position: i64,
    pub resource_type: ResourceType,
    pub resource_id: Id,
    pub change: ChangeKind,
    /// The resource's version after the change (for a delete, the last version it had):
    /// ignore an entry whose version is not above the one you hold.
    pub version: i64,
    /// The webhook event of this change (the same outbox row): its `id`, as receivers
    /// de-duplicate by, and its type (`customer.archived`, ...).
    pub event_id: Id,
    pub event_type: String,
    /// When the change was made.
    pub changed_at: Timestamp,
    /// The resource as `GET` showed it after the change; absent for a delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub resource: Option<Box<RawValue>>,
}

type Boxed<'a> = ev::BoxedQuery<'a, MultiBackend>;
type Cond = Box<dyn BoxableExpression<ev::table, MultiBackend, SqlType = Nullable<Bool>>>;

fn nothing(q: Boxed<'_>) -> Boxed<'_> {
    q.filter(sql::<Bool>("1 = 0"))
}

/// The entries the caller may read: every entry for admins and integrations; otherwise the
/// kinds their role reads, and of those, the entries of people, units and dealers in reach
/// (people through their current unit), the company-wide ones, and the records of the units
/// above them of the kinds read from inside (`ResourceType::read_from_inside`).
fn in_reach<'a>(conn: &mut DbConnection, caller: &Caller, q: Boxed<'a>) -> QueryResult<Boxed<'a>> {
    if matches!(caller.role, Role::Admin | Role::Integration) {
        return Ok(q);
    }
    let kinds: Vec<&'static str> = ResourceType::readable_by(caller.role)
        .into_iter()
        .map(ResourceType::as_str)
        .collect();
    let q = q.filter(ev::resource_type.eq_any(kinds));
    if caller.reach.all {
        return Ok(q);
    }
    if caller.is(Role::Dealer) {
        return Ok(match dealer_of(conn, caller.user_id)? {
            Some(own) => q.filter(ev::dealer_id.eq(own)),
            None => nothing(q),
        });
    }
    let units = caller.reach.unit_ids.clone();
    let people = users::table
        .filter(users::org_unit_id.eq_any(units.clone()))
        .select(users::id.nullable());
    let dealers_in = dealers::table
        .filter(dealers::org_unit_id.eq_any(units.clone()))
        .select(dealers::id.nullable());
    let people_in_reach = users::table
        .filter(users::org_unit_id.eq_any(units.clone()))
        .select(users::id);
    let also_read = outbox_event_people::table
        .filter(
            outbox_event_people::person_id
                .eq(caller.user_id)
                .or(outbox_event_people::reached
                    .eq(true)
                    .and(outbox_event_people::person_id.eq_any(people_in_reach))),
        )
        .select(outbox_event_people::event_id);
    let company_wide = ev::owner_id
        .is_null()
        .and(ev::unit_id.is_null())
        .and(ev::dealer_id.is_null())
        .and(diesel::dsl::not(diesel::dsl::exists(
            outbox_event_people::table.filter(outbox_event_people::event_id.eq(ev::id)),
        )));
    let mut reached: Cond = Box::new(
        ev::owner_id
            .eq(caller.user_id)
            .or(ev::owner_id.eq_any(people))
            .or(ev::unit_id.eq_any(units.into_iter().map(Some).collect::<Vec<_>>()))
            .or(ev::dealer_id.eq_any(dealers_in))
            .or(ev::id.eq_any(also_read))
            .or(company_wide),
    );
    let inside: Vec<&'static str> = ResourceType::ALL
        .iter()
        .filter(|t| t.read_from_inside())
        .map(|t| t.as_str())
        .collect();
    let above: Vec<Option<Id>> = caller.units_above(conn)?.into_iter().map(Some).collect();
    reached = Box::new(
        reached.or(ev::resource_type
            .eq_any(inside)
            .and(ev::unit_id.eq_any(above))),
    );
    if caller.is(Role::Salesperson) {
        // Salespeople read the dealers of their own unit.
        reached = Box::new(
            reached.or(ev::resource_type
                .eq(ResourceType::Dealer.as_str())
                .and(ev::unit_id.eq(caller.org_unit_id))),
        );
    }
    Ok(q.filter(reached))
}

/// The part of a stored event body the feed gives out.
#[derive(Deserialize)]
struct StoredBody {
    data: Box<RawValue>,
}

#[derive(Queryable)]
struct Row {
    id: Id,
    position: Option<i64>,
    resource_type: String,
    resource_id: Id,
    change: Option<String>,
    version: Option<i64>,
    event_type: String,
    created_at: Timestamp,
    payload: String,
}

/// Up to `limit` entries after `after`, of the given kinds (all when empty), in feed order.
pub fn page(
    conn: &mut DbConnection,
    caller: &Caller,
    after: i64,
    kinds: &[ResourceType],
    limit: i64,
) -> QueryResult<Vec<ChangeEntry>> {
    let mut q = ev::table
        .into_boxed()
        .filter(ev::position.gt(after))
        .filter(ev::change.is_not_null());
    if !kinds.is_empty() {
        q = q
            .filter(ev::resource_type.eq_any(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()));
    }
    let rows: Vec<Row> = in_reach(conn, caller, q)?
        .order(ev::position)
        .limit(limit)
        .select((
            ev::id,
            ev::position,
            ev::resource_type,
            ev::resource_id,
            ev::change,
            ev::version,
            ev::event_type,
            ev::created_at,
            ev::payload,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

fn entry(r: Row) -> ChangeEntry {
    let change = ChangeKind::parse(r.change.as_deref().unwrap_or_default());
    // The stored event body holds the resource as it was shown: copied as it is, unparsed.
    let resource = match change {
        ChangeKind::Delete => None,
        ChangeKind::Upsert => serde_json::from_str::<StoredBody>(&r.payload)
            .ok()
            .map(|body| body.data),
    };
    ChangeEntry {
        position: r.position.unwrap_or_default(),
        resource_type: ResourceType::parse(&r.resource_type),
        resource_id: r.resource_id,
        change,
        version: r.version.unwrap_or_default(),
        event_id: r.id,
        event_type: r.event_type,
        changed_at: r.created_at,
        resource,
    }
}
