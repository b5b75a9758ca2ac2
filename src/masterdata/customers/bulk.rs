//! `POST /customers/bulk`: customers upserted by `external_id`, up to 1,000 at a time, with
//! the rules of a single create or change (`write.rs`) checked for every row at once.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cycle::{self, Cycle, VisitDay};
use super::model::{Customer, CustomerChanges, CustomerStatus};
use super::write::{location_problem, owner_problem, today};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::{FactRow, RowErrors, RowResult};
use crate::http::date::patch_day;
use crate::http::input::double_option;
use crate::masterdata::bulk::{self, differs, refuse_stored, reject, Bulk, Keyed};
use crate::masterdata::{archive_change, known_units, unit_problem};
use crate::schema::customers;
use crate::users::model::UserRow;
use crate::AppState;

/// One customer to upsert. A field left out keeps its stored value (its default for a new
/// customer); `null` clears it.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBulkRow {
    /// The customer's id in the ERP/CRM: a later upload with the same id updates it.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    #[validate(length(min = 1, max = 50))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 50))]
    pub kind: Option<Option<String>>,
    pub org_unit_id: Id,
    /// The owning salesperson; give this or `owner_external_id`.
    pub owner_id: Option<Id>,
    /// The owning salesperson by their `external_id`, instead of `owner_id`.
    #[validate(length(min = 1, max = 100))]
    pub owner_external_id: Option<String>,
    /// Default `prospect`.
    pub status: Option<CustomerStatus>,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub activated_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    #[validate(range(min = -90.0, max = 90.0))]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    #[validate(range(min = -180.0, max = 180.0))]
    pub longitude: Option<Option<f64>>,
    /// `true` archives the customer, `false` restores it.
    pub archived: Option<bool>,
    /// Call cycle: visit every this many weeks (or `visits_per_month`, not both).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    #[validate(range(min = 1, max = 52))]
    pub visit_every_weeks: Option<Option<i32>>,
    /// Call cycle: this many visits a month.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    #[validate(range(min = 1, max = 31))]
    pub visits_per_month: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<VisitDay>)]
    pub preferred_visit_day: Option<Option<VisitDay>>,
    /// Start of the preferred visiting window (local `HH:MM`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_from: Option<Option<String>>,
    /// End of the preferred visiting window (local `HH:MM`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_to: Option<Option<String>>,
}

impl CustomerBulkRow {
    /// The call cycle the row leaves the customer with (`existing`: the stored one).
    fn cycle<'a>(&'a self, existing: Option<&'a Customer>) -> Cycle<'a> {
        let text = |given: &'a Option<Option<String>>, stored: Option<&'a String>| match given {
            Some(v) => v.as_deref(),
            None => stored.map(String::as_str),
        };
        Cycle {
            every_weeks: self
                .visit_every_weeks
                .unwrap_or_else(|| existing.and_then(|c| c.visit_every_weeks)),
            per_month: self
                .visits_per_month
                .unwrap_or_else(|| existing.and_then(|c| c.visits_per_month)),
            from: text(
                &self.preferred_visit_from,
                existing.and_then(|c| c.preferred_visit_from.as_ref()),
            ),
            to: text(
                &self.preferred_visit_to,
                existing.and_then(|c| c.preferred_visit_to.as_ref()),
            ),
        }
    }
}

impl Keyed for CustomerBulkRow {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// A batch of customers to upsert by `external_id`.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBatch {
    /// 1 to 1,000 customers.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<CustomerBulkRow>,
}

impl FactRow for Customer {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &Customer) -> bool {
        self.code == other.code
            && self.name == other.name
            && self.kind == other.kind
            && self.org_unit_id == other.org_unit_id
            && self.owner_id == other.owner_id
            && self.status == other.status
            && self.activated_on == other.activated_on
            && self.latitude == other.latitude
            && self.longitude == other.longitude
            && self.external_id == other.external_id
            && self.archived_at == other.archived_at
            && self.visit_every_weeks == other.visit_every_weeks
            && self.visits_per_month == other.visits_per_month
            && self.preferred_visit_day == other.preferred_visit_day
            && self.preferred_visit_from == other.preferred_visit_from
            && self.preferred_visit_to == other.preferred_visit_to
    }
}

impl Bulk for Customer {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> ApiResult<HashMap<String, Customer>> {
        let found: Vec<Customer> = customers::table
            .filter(
                customers::external_id
                    .eq_any(ext_ids.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
            )
            .select(Customer::as_select())
            .load(conn)?;
        Ok(found
            .into_iter()
            .filter_map(|c| c.external_id.clone().map(|e| (e, c)))
            .collect())
    }

    fn changes(stored: &Customer, wanted: &Customer, now: Timestamp) -> CustomerChanges {
        CustomerChanges {
            code: differs(&stored.code, &wanted.code),
            name: differs(&stored.name, &wanted.name),
            kind: differs(&stored.kind, &wanted.kind),
            org_unit_id: differs(&stored.org_unit_id, &wanted.org_unit_id),
            owner_id: differs(&stored.owner_id, &wanted.owner_id),
            status: (stored.status != wanted.status).then(|| status_str(&wanted.status)),
            activated_on: differs(&stored.activated_on, &wanted.activated_on),
            latitude: differs(&stored.latitude, &wanted.latitude),
            longitude: differs(&stored.longitude, &wanted.longitude),
            external_id: differs(&stored.external_id, &wanted.external_id),
            archived_at: differs(&stored.archived_at, &wanted.archived_at),
            updated_at: now,
            visit_every_weeks: differs(&stored.visit_every_weeks, &wanted.visit_every_weeks),
            visits_per_month: differs(&stored.visits_per_month, &wanted.visits_per_month),
            preferred_visit_day: differs(&stored.preferred_visit_day, &wanted.preferred_visit_day),
            preferred_visit_from: differs(
                &stored.preferred_visit_from,
                &wanted.preferred_visit_from,
            ),
            preferred_visit_to: differs(&stored.preferred_visit_to, &wanted.preferred_visit_to),
        }
    }
}

fn status_str(status: &str) -> &'static str {
    [
        CustomerStatus::Prospect,
        CustomerStatus::Active,
        CustomerStatus::Dormant,
        CustomerStatus::Lost,
    ]
    .into_iter()
    .map(CustomerStatus::as_str)
    .find(|s| *s == status)
    .unwrap_or("prospect")
}

/// Adds an error for each stored customer of the batch outside the caller's reach.
fn check_stored(
    conn: &mut DbConnection,
    caller: &Caller,
    found: &[(usize, &Customer)],
    errors: &mut RowErrors,
) -> ApiResult<()> {
    if caller.reach.all {
        return Ok(());
    }
    let ids: Vec<Id> = found.iter().map(|(_, c)| c.id).collect();
    let mut reached = HashSet::new();
    for chunk in ids.chunks(500) {
        reached.extend(Customer::reached(conn, caller, chunk)?);
    }
    refuse_stored(
        errors,
        found,
        &reached,
        "belongs to a customer outside your reach",
    );
    Ok(())
}

/// Checks every row as a single create or change would be checked, and returns each row's
/// owner; every problem at once (422 naming `rows[i].field`).
fn check(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: &[CustomerBulkRow],
    stored: &HashMap<String, Customer>,
) -> ApiResult<Vec<Id>> {
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    let mut codes = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        if !codes.insert(r.code.trim()) {
            errors.add(i, "code", "appears twice in the batch");
        }
    }
    let owner_ids: Vec<Id> = rows.iter().filter_map(|r| r.owner_id).collect();
    let owner_exts: Vec<String> = rows
        .iter()
        .filter_map(|r| r.owner_external_id.clone())
        .collect();
    let by_id: HashMap<Id, UserRow> = UserRow::by_ids(conn, &owner_ids)?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let by_ext = UserRow::by_external_ids(conn, &owner_exts)?;
    let units: Vec<Id> = rows.iter().map(|r| r.org_unit_id).collect();
    let units = known_units(conn, &units)?;
    let mut owners = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let (owner, field) = match (r.owner_id, &r.owner_external_id) {
            (Some(id), None) => (by_id.get(&id), "owner_id"),
            (None, Some(ext)) => (by_ext.get(ext), "owner_external_id"),
            _ => {
                errors.add(i, "owner_id", "give owner_id or owner_external_id");
                owners.push(Id::default());
                continue;
            }
        };
        if let Some(why) = owner_problem(caller, owner) {
            errors.add(i, field, why);
        }
        owners.push(owner.map(|o| o.id).unwrap_or_default());
        let unit = r.org_unit_id;
        if let Some(why) = unit_problem(caller, unit, units.contains(&unit)) {
            errors.add(i, "org_unit_id", why);
        }
        let existing = stored.get(&r.external_id);
        let lat = r
            .latitude
            .unwrap_or_else(|| existing.and_then(|c| c.latitude));
        let lon = r
            .longitude
            .unwrap_or_else(|| existing.and_then(|c| c.longitude));
        if let Some(why) = location_problem(lat, lon) {
            errors.add(i, "latitude", why);
        }
        for (field, why) in cycle::problems(&r.cycle(existing)) {
            errors.add(i, field, why);
        }
    }
    let found: Vec<(usize, &Customer)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| stored.get(&r.external_id).map(|c| (i, c)))
        .collect();
    check_stored(conn, caller, &found, &mut errors)?;
    // A code another customer has (not the one with this external id) is refused here, so
    // that the batch names the row rather than failing on the unique key.
    let wanted: Vec<String> = rows.iter().map(|r| r.code.trim().to_string()).collect();
    let mut holders: HashMap<String, Option<String>> = HashMap::new();
    for chunk in wanted.chunks(500) {
        holders.extend(
            customers::table
                .filter(customers::code.eq_any(chunk.to_vec()))
                .select((customers::code, customers::external_id))
                .load::<(String, Option<String>)>(conn)?,
        );
    }
    for (i, r) in rows.iter().enumerate() {
        // A holder with this row's external id is this row (perhaps just inserted by a
        // concurrent batch).
        let holder = holders.get(r.code.trim());
        if holder.is_some_and(|h| h.as_deref() != Some(r.external_id.as_str())) {
            errors.add(i, "code", "another customer has this code");
        }
    }
    reject(errors)?;
    Ok(owners)
}

/// The customer a row makes of `existing` (or of nothing).
fn build(
    r: CustomerBulkRow,
    existing: Option<&Customer>,
    owner: Id,
    today: NaiveDate,
    now: Timestamp,
) -> Customer {
    let status = r
        .status
        .map(|s| s.as_str().to_string())
        .or_else(|| existing.map(|c| c.status.clone()))
        .unwrap_or_else(|| CustomerStatus::Prospect.as_str().to_string());
    let activated_on = match (r.activated_on, existing) {
        (Some(day), _) => day,
        (None, Some(c)) => c.activated_on,
        (None, None) => None,
    };
    // As in a single write: becoming active without a day is being activated today.
    let activated_on = match activated_on {
        None if r.activated_on.is_none() && status == CustomerStatus::Active.as_str() => {
            Some(today)
        }
        day => day,
    };
    let current_archive = existing.and_then(|c| c.archived_at);
    Customer {
        id: existing.map(|c| c.id).unwrap_or_default(),
        code: r.code.trim().to_string(),
        name: r.name.trim().to_string(),
        kind: r
            .kind
            .unwrap_or_else(|| existing.and_then(|c| c.kind.clone())),
        org_unit_id: r.org_unit_id,
        owner_id: owner,
        status,
        activated_on,
        latitude: r
            .latitude
            .unwrap_or_else(|| existing.and_then(|c| c.latitude)),
        longitude: r
            .longitude
            .unwrap_or_else(|| existing.and_then(|c| c.longitude)),
        external_id: Some(r.external_id),
        archived_at: archive_change(r.archived, current_archive, now).unwrap_or(current_archive),
        version: existing.map_or(1, |c| c.version),
        created_at: existing.map_or(now, |c| c.created_at),
        updated_at: now,
        visit_every_weeks: r
            .visit_every_weeks
            .unwrap_or_else(|| existing.and_then(|c| c.visit_every_weeks)),
        visits_per_month: r
            .visits_per_month
            .unwrap_or_else(|| existing.and_then(|c| c.visits_per_month)),
        preferred_visit_day: match r.preferred_visit_day {
            Some(d) => d.map(|d| d.as_str().to_string()),
            None => existing.and_then(|c| c.preferred_visit_day.clone()),
        },
        preferred_visit_from: r
            .preferred_visit_from
            .unwrap_or_else(|| existing.and_then(|c| c.preferred_visit_from.clone())),
        preferred_visit_to: r
            .preferred_visit_to
            .unwrap_or_else(|| existing.and_then(|c| c.preferred_visit_to.clone())),
    }
}

/// Upserts a batch of customers by `external_id`, all or nothing (run it inside a
/// transaction): every created or changed customer is recorded through the write path.
pub fn upsert(
    conn: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    rows: Vec<CustomerBulkRow>,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let stored = bulk::stored_rows::<Customer>(conn, &ext_ids)?;
    let owners = check(conn, caller, &rows, &stored)?;
    let owner_of: HashMap<String, Id> = ext_ids.iter().cloned().zip(owners).collect();
    let today = today(conn, st)?;
    bulk::upsert(
        conn,
        now,
        rows,
        stored,
        |conn, found| {
            let mut errors = RowErrors::default();
            check_stored(conn, caller, found, &mut errors)?;
            reject(errors)
        },
        |r, existing| {
            let owner = owner_of.get(&r.external_id).copied().unwrap_or_default();
            build(r, existing, owner, today, now)
        },
        Customer::clone,
    )
}
