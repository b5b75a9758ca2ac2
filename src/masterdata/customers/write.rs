//! The writes of a customer: a single create ([`create`]) or change ([`change`]) checks its
//! body and goes through the write path of master data ([`store::insert`], [`store::apply`]),
//! as the bulk upsert (`bulk.rs`) does; the rules of a customer live here, once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cycle::{self, Cycle, VisitDay};
use super::model::{Customer, CustomerChanges, CustomerStatus};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::date::{opt_day, patch_day};
use crate::http::input::double_option;
use crate::masterdata::{archive_change, check_unit_in_reach, store};
use crate::settings::model::StoredSettings;
use crate::users::model::UserRow;
use crate::AppState;

#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[validate(length(min = 1, max = 50))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 50))]
    pub kind: Option<String>,
    pub org_unit_id: Id,
    /// The owning salesperson.
    pub owner_id: Id,
    /// Default `prospect`.
    pub status: Option<CustomerStatus>,
    #[serde(default, deserialize_with = "opt_day")]
    pub activated_on: Option<NaiveDate>,
    #[validate(range(min = -90.0, max = 90.0))]
    pub latitude: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    pub longitude: Option<f64>,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
    /// Call cycle: visit every this many weeks (1-52; or `visits_per_month`, not both).
    #[validate(range(min = 1, max = 52))]
    pub visit_every_weeks: Option<i32>,
    /// Call cycle: this many visits a month (1-31).
    #[validate(range(min = 1, max = 31))]
    pub visits_per_month: Option<i32>,
    pub preferred_visit_day: Option<VisitDay>,
    /// Start of the preferred visiting window (local `HH:MM`).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_from: Option<String>,
    /// End of the preferred visiting window (local `HH:MM`, after the start).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_to: Option<String>,
}

/// Changes to a customer; `archived: true` archives it, `false` restores it.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[validate(length(min = 1, max = 50))]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<Option<String>>,
    pub org_unit_id: Option<Id>,
    pub owner_id: Option<Id>,
    pub status: Option<CustomerStatus>,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub activated_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
    /// Call cycle: every this many weeks, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    #[validate(range(min = 1, max = 52))]
    pub visit_every_weeks: Option<Option<i32>>,
    /// Call cycle: this many visits a month, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    #[validate(range(min = 1, max = 31))]
    pub visits_per_month: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<VisitDay>)]
    pub preferred_visit_day: Option<Option<VisitDay>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_from: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    #[validate(length(min = 5, max = 5))]
    pub preferred_visit_to: Option<Option<String>>,
}

/// Why `owner` (the stored user, if any) may not own a customer the caller writes: the owner
/// must be an active user the caller reaches, and lives in the org tree like everyone else.
pub fn owner_problem(caller: &Caller, owner: Option<&UserRow>) -> Option<&'static str> {
    match owner {
        None => Some("no such user"),
        Some(row) if !row.active => Some("the user is deactivated"),
        Some(row) if !caller.reaches(row.id, row.org_unit_id) => {
            Some("the user is outside your reach")
        }
        Some(_) => None,
    }
}

fn check_owner(conn: &mut DbConnection, caller: &Caller, owner: Id) -> ApiResult<()> {
    let row = UserRow::by_ids(conn, &[owner])?.pop();
    match owner_problem(caller, row.as_ref()) {
        Some(why) => Err(ApiError::invalid("owner_id", why)),
        None => Ok(()),
    }
}

/// Why a location is refused: a customer has both coordinates or neither.
pub fn location_problem(lat: Option<f64>, lon: Option<f64>) -> Option<&'static str> {
    (lat.is_some() != lon.is_some()).then_some("give latitude and longitude together")
}

fn check_location(lat: Option<f64>, lon: Option<f64>) -> ApiResult<()> {
    match location_problem(lat, lon) {
        Some(why) => Err(ApiError::invalid("latitude", why)),
        None => Ok(()),
    }
}

fn check_cycle(c: &Cycle<'_>) -> ApiResult<()> {
    let problems = cycle::problems(c);
    if problems.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid_fields(
        problems
            .into_iter()
            .map(|(f, m)| FieldError::new(f, m))
            .collect(),
    ))
}

/// The company's today, which a customer that becomes `active` without a day is activated on.
pub fn today(conn: &mut DbConnection, state: &AppState) -> ApiResult<NaiveDate> {
    let tz = StoredSettings::load(conn)?.settings.tz();
    Ok(state.clock.now().0.with_timezone(&tz).date_naive())
}

/// Creates a customer after the checks of a single create, and records `customer.created`;
/// `None` when a customer already has its `external_id` (the insert is `ON CONFLICT
/// (external_id) DO NOTHING`, so two writers of the same new external id never make two
/// customers).
pub fn create(
    conn: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    b: CreateCustomer,
    now: Timestamp,
) -> ApiResult<Option<Customer>> {
    check_unit_in_reach(conn, caller, b.org_unit_id, "org_unit_id")?;
    check_owner(conn, caller, b.owner_id)?;
    check_location(b.latitude, b.longitude)?;
    check_cycle(&Cycle {
        every_weeks: b.visit_every_weeks,
        per_month: b.visits_per_month,
        from: b.preferred_visit_from.as_deref(),
        to: b.preferred_visit_to.as_deref(),
    })?;
    let status = b.status.unwrap_or(CustomerStatus::Prospect);
    let activated_on = match (b.activated_on, status) {
        (None, CustomerStatus::Active) => Some(today(conn, st)?),
        (day, _) => day,
    };
    let new = Customer {
        id: Id::new(),
        code: b.code.trim().to_string(),
        name: b.name.trim().to_string(),
        kind: b.kind,
        org_unit_id: b.org_unit_id,
        owner_id: b.owner_id,
        status: status.as_str().to_string(),
        activated_on,
        latitude: b.latitude,
        longitude: b.longitude,
        external_id: b.external_id,
        archived_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
        visit_every_weeks: b.visit_every_weeks,
        visits_per_month: b.visits_per_month,
        preferred_visit_day: b.preferred_visit_day.map(|d| d.as_str().to_string()),
        preferred_visit_from: b.preferred_visit_from,
        preferred_visit_to: b.preferred_visit_to,
    };
    Ok(store::insert::<Customer>(conn, now, &[new])?.pop())
}

/// Applies a change to `current` (already found within the caller's reach, its version
/// checked) after the checks of a single update, and records `customer.updated`, `.archived`
/// or `.restored`; 412 when it moved on meanwhile.
pub fn change(
    conn: &mut DbConnection,
    st: &AppState,
    caller: &Caller,
    current: &Customer,
    b: UpdateCustomer,
    now: Timestamp,
) -> ApiResult<Customer> {
    if let Some(unit) = b.org_unit_id {
        check_unit_in_reach(conn, caller, unit, "org_unit_id")?;
    }
    if let Some(owner) = b.owner_id {
        check_owner(conn, caller, owner)?;
    }
    let lat = b.latitude.unwrap_or(current.latitude);
    let lon = b.longitude.unwrap_or(current.longitude);
    check_location(lat, lon)?;
    let every_weeks = b.visit_every_weeks.unwrap_or(current.visit_every_weeks);
    let per_month = b.visits_per_month.unwrap_or(current.visits_per_month);
    let from = match &b.preferred_visit_from {
        Some(v) => v.as_deref(),
        None => current.preferred_visit_from.as_deref(),
    };
    let to = match &b.preferred_visit_to {
        Some(v) => v.as_deref(),
        None => current.preferred_visit_to.as_deref(),
    };
    check_cycle(&Cycle {
        every_weeks,
        per_month,
        from,
        to,
    })?;
    let activated = b.activated_on.unwrap_or(current.activated_on);
    let activated_on = match (b.activated_on, activated, b.status) {
        (Some(_), _, _) => b.activated_on,
        (None, None, Some(CustomerStatus::Active)) => Some(Some(today(conn, st)?)),
        _ => None,
    };
    let changes = CustomerChanges {
        code: b.code.map(|c| c.trim().to_string()),
        name: b.name.map(|n| n.trim().to_string()),
        kind: b.kind,
        org_unit_id: b.org_unit_id,
        owner_id: b.owner_id,
        status: b.status.map(CustomerStatus::as_str),
        activated_on,
        latitude: b.latitude,
        longitude: b.longitude,
        external_id: b.external_id,
        archived_at: archive_change(b.archived, current.archived_at, now),
        updated_at: now,
        visit_every_weeks: b.visit_every_weeks,
        visits_per_month: b.visits_per_month,
        preferred_visit_day: b
            .preferred_visit_day
            .map(|d| d.map(|d| d.as_str().to_string())),
        preferred_visit_from: b.preferred_visit_from,
        preferred_visit_to: b.preferred_visit_to,
    };
    let mut changed = store::apply(conn, now, &[(current.clone(), changes)])?;
    changed.pop().ok_or_else(|| ApiError::not_found("customer"))
}

/// The change that sets a customer's status and activation day, nothing else.
fn status_change(
    status: CustomerStatus,
    day: Option<NaiveDate>,
    now: Timestamp,
) -> CustomerChanges {
    CustomerChanges {
        code: None,
        name: None,
        kind: None,
        org_unit_id: None,
        owner_id: None,
        status: Some(status.as_str()),
        activated_on: Some(day),
        latitude: None,
        longitude: None,
        external_id: None,
        archived_at: None,
        updated_at: now,
        visit_every_weeks: None,
        visits_per_month: None,
        preferred_visit_day: None,
        preferred_visit_from: None,
        preferred_visit_to: None,
    }
}

/// A prospect won on `day` (a `new_customer_development` visit with an order, in a submitted
/// daily report) becomes `active`, activated that day, recorded as `customer.updated`. False
/// when the customer is no prospect.
pub fn activate_prospect(
    conn: &mut DbConnection,
    id: Id,
    day: NaiveDate,
    now: Timestamp,
) -> ApiResult<bool> {
    use crate::masterdata::store::Stored;
    let Some(current) = Customer::load(conn, &[id])?.pop() else {
        return Ok(false);
    };
    if current.status != CustomerStatus::Prospect.as_str() {
        return Ok(false);
    }
    let change = status_change(CustomerStatus::Active, Some(day), now);
    store::apply(conn, now, &[(current, change)])?;
    Ok(true)
}

/// Undoes [`activate_prospect`] for a returned report, unless the customer moved on since
/// (it is no longer `active` since `day`); recorded as `customer.updated`.
pub fn revert_activation(
    conn: &mut DbConnection,
    id: Id,
    day: NaiveDate,
    now: Timestamp,
) -> ApiResult<bool> {
    use crate::masterdata::store::Stored;
    let Some(current) = Customer::load(conn, &[id])?.pop() else {
        return Ok(false);
    };
    if current.status != CustomerStatus::Active.as_str() || current.activated_on != Some(day) {
        return Ok(false);
    }
    let change = status_change(CustomerStatus::Prospect, None, now);
    store::apply(conn, now, &[(current, change)])?;
    Ok(true)
}
