//! The writes of a dealer: a single create ([`create`]) or change ([`change`]) checks its body
//! and goes through the write path of master data ([`store::insert`], [`store::apply`]), as
//! the bulk upsert (`bulk.rs`) does.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Dealer, DealerChanges};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::input::double_option;
use crate::masterdata::{archive_change, check_unit_in_reach, store};

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDealer {
    #[validate(length(min = 1, max = 50))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub org_unit_id: Id,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// Changes to a dealer; `archived: true` archives it, `false` restores it.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDealer {
    #[validate(length(min = 1, max = 50))]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    pub org_unit_id: Option<Id>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// Creates a dealer placed in a unit the caller may place it in, and records
/// `dealer.created`; 409 naming `external_id` when a dealer has it.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    b: CreateDealer,
    now: Timestamp,
) -> ApiResult<Dealer> {
    check_unit_in_reach(conn, caller, b.org_unit_id, "org_unit_id")?;
    let new = Dealer {
        id: Id::new(),
        code: b.code.trim().to_string(),
        name: b.name.trim().to_string(),
        org_unit_id: b.org_unit_id,
        external_id: b.external_id,
        archived_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    store::insert::<Dealer>(conn, now, &[new])?
        .pop()
        .ok_or_else(|| ApiError::duplicate("external_id", "a dealer with this external_id exists"))
}

/// Applies a change to `current` (found within the caller's reach, its version checked) and
/// records `dealer.updated`, `.archived` or `.restored`; 412 when it moved on meanwhile.
pub fn change(
    conn: &mut DbConnection,
    caller: &Caller,
    current: &Dealer,
    b: UpdateDealer,
    now: Timestamp,
) -> ApiResult<Dealer> {
    if let Some(unit) = b.org_unit_id {
        check_unit_in_reach(conn, caller, unit, "org_unit_id")?;
    }
    let changes = DealerChanges {
        code: b.code.map(|c| c.trim().to_string()),
        name: b.name.map(|n| n.trim().to_string()),
        org_unit_id: b.org_unit_id,
        external_id: b.external_id,
        archived_at: archive_change(b.archived, current.archived_at, now),
        updated_at: now,
    };
    store::apply(conn, now, &[(current.clone(), changes)])?
        .pop()
        .ok_or_else(|| ApiError::not_found("dealer"))
}
