//! The writes of a competitor: a single create ([`create`]) or change ([`change`]) goes
//! through the write path of master data ([`store::insert`], [`store::apply`]).

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Competitor, CompetitorChanges};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::input::double_option;
use crate::masterdata::{archive_change, store};

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompetitor {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(max = 2000))]
    pub notes: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// Changes to a competitor; `archived: true` archives it, `false` restores it.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompetitor {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// Creates a competitor and records `competitor.created`; 409 naming `external_id` when a
/// competitor has it.
pub fn create(
    conn: &mut DbConnection,
    b: CreateCompetitor,
    now: Timestamp,
) -> ApiResult<Competitor> {
    let new = Competitor {
        id: Id::new(),
        name: b.name.trim().to_string(),
        notes: b.notes,
        external_id: b.external_id,
        archived_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    store::insert::<Competitor>(conn, now, &[new])?
        .pop()
        .ok_or_else(|| {
            ApiError::duplicate("external_id", "a competitor with this external_id exists")
        })
}

/// Applies a change to `current` (its version checked) and records `competitor.updated`,
/// `.archived` or `.restored`; 412 when it moved on meanwhile.
pub fn change(
    conn: &mut DbConnection,
    current: &Competitor,
    b: UpdateCompetitor,
    now: Timestamp,
) -> ApiResult<Competitor> {
    let changes = CompetitorChanges {
        name: b.name.map(|n| n.trim().to_string()),
        notes: b.notes,
        external_id: b.external_id,
        archived_at: archive_change(b.archived, current.archived_at, now),
        updated_at: now,
    };
    store::apply(conn, now, &[(current.clone(), changes)])?
        .pop()
        .ok_or_else(|| ApiError::not_found("competitor"))
}
