//! The one write path of a customer: every create and change, single or in bulk, goes through
//! [`create`] and [`change`], so that whatever must happen on each change happens once here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Customer, CustomerChanges, CustomerStatus, NewCustomer};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::{opt_day, patch_day};
use crate::http::input::double_option;
use crate::masterdata::{archive_change, check_unit_in_reach};
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
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// The owner must be an active user the caller reaches, and a customer's owner lives in the
/// org tree like everyone else.
fn check_owner(conn: &mut DbConnection, caller: &Caller, owner: Id) -> ApiResult<()> {
    let row =
        UserRow::find(conn, owner).map_err(|_| ApiError::invalid("owner_id", "no such user"))?;
    if !row.active {
        return Err(ApiError::invalid("owner_id", "the user is deactivated"));
    }
    if !caller.reaches(row.id, row.org_unit_id) {
        return Err(ApiError::invalid(
            "owner_id",
            "the user is outside your reach",
        ));
    }
    Ok(())
}

fn check_location(lat: Option<f64>, lon: Option<f64>) -> ApiResult<()> {
    if lat.is_some() != lon.is_some() {
        return Err(ApiError::invalid(
            "latitude",
            "give latitude and longitude together",
        ));
    }
    Ok(())
}

fn today(conn: &mut DbConnection, state: &AppState) -> ApiResult<NaiveDate> {
    let tz = StoredSettings::load(conn)?.settings.tz();
    Ok(state.clock.now().0.with_timezone(&tz).date_naive())
}

/// Creates a customer after the checks of a single create; `None` when a customer already has
/// its `external_id` (the insert is `ON CONFLICT (external_id) DO NOTHING`, so two writers of
/// the same new external id never make two customers).
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
    let status = b.status.unwrap_or(CustomerStatus::Prospect);
    let activated_on = match (b.activated_on, status) {
        (None, CustomerStatus::Active) => Some(today(conn, st)?),
        (day, _) => day,
    };
    Ok(Customer::insert(
        conn,
        &NewCustomer {
            id: Id::new(),
            code: b.code.trim().to_string(),
            name: b.name.trim().to_string(),
            kind: b.kind,
            org_unit_id: b.org_unit_id,
            owner_id: b.owner_id,
            status: status.as_str(),
            activated_on,
            latitude: b.latitude,
            longitude: b.longitude,
            external_id: b.external_id,
            created_at: now,
            updated_at: now,
        },
    )?)
}

/// Applies a change to `current` (already found within the caller's reach, its version
/// checked) after the checks of a single update; 412 when it moved on meanwhile.
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
    };
    if !Customer::update(conn, current.id, current.version, &changes)? {
        return Err(ApiError::PreconditionFailed(
            "the customer changed meanwhile".into(),
        ));
    }
    Customer::find(conn, caller, current.id)
}
