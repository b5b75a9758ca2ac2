//! `POST /dealers/bulk`: dealers upserted by `external_id`, up to 1,000 at a time, with the
//! rules of a single create or change checked for every row at once.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Dealer, DealerChanges};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::{FactRow, RowErrors, RowResult};
use crate::masterdata::bulk::{self, differs, refuse_stored, reject, Bulk, Keyed};
use crate::masterdata::{archive_change, known_units, unit_problem};
use crate::schema::dealers;

/// One dealer to upsert.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerBulkRow {
    /// The dealer's id in the ERP/CRM: a later upload with the same id updates it.
    #[validate(length(min = 1, max = 100))]
    pub external_id: String,
    #[validate(length(min = 1, max = 50))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The unit the dealer is served from.
    pub org_unit_id: Id,
    /// `true` archives the dealer, `false` restores it; left out, it keeps its state.
    pub archived: Option<bool>,
}

impl Keyed for DealerBulkRow {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// A batch of dealers to upsert by `external_id`.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerBatch {
    /// 1 to 1,000 dealers.
    #[validate(length(min = 1, max = 1000), nested)]
    pub rows: Vec<DealerBulkRow>,
}

impl FactRow for Dealer {
    fn id(&self) -> Id {
        self.id
    }

    fn same_values(&self, other: &Dealer) -> bool {
        self.code == other.code
            && self.name == other.name
            && self.org_unit_id == other.org_unit_id
            && self.external_id == other.external_id
            && self.archived_at == other.archived_at
    }
}

impl Bulk for Dealer {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> ApiResult<HashMap<String, Dealer>> {
        let found: Vec<Dealer> = dealers::table
            .filter(
                dealers::external_id
                    .eq_any(ext_ids.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
            )
            .select(Dealer::as_select())
            .load(conn)?;
        Ok(found
            .into_iter()
            .filter_map(|d| d.external_id.clone().map(|e| (e, d)))
            .collect())
    }

    fn changes(stored: &Dealer, wanted: &Dealer, now: Timestamp) -> DealerChanges {
        DealerChanges {
            code: differs(&stored.code, &wanted.code),
            name: differs(&stored.name, &wanted.name),
            org_unit_id: differs(&stored.org_unit_id, &wanted.org_unit_id),
            external_id: differs(&stored.external_id, &wanted.external_id),
            archived_at: differs(&stored.archived_at, &wanted.archived_at),
            updated_at: now,
        }
    }
}

/// Adds an error for each stored dealer of the batch outside the caller's reach.
fn check_stored(
    conn: &mut DbConnection,
    caller: &Caller,
    found: &[(usize, &Dealer)],
    errors: &mut RowErrors,
) -> ApiResult<()> {
    if caller.reach.all {
        return Ok(());
    }
    let ids: Vec<Id> = found.iter().map(|(_, d)| d.id).collect();
    let mut reached = HashSet::new();
    for chunk in ids.chunks(500) {
        reached.extend(Dealer::reached(conn, caller, chunk)?);
    }
    refuse_stored(
        errors,
        found,
        &reached,
        "belongs to a dealer outside your reach",
    );
    Ok(())
}

/// Checks every row as a single create or change would be checked; every problem at once.
fn check(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: &[DealerBulkRow],
    stored: &HashMap<String, Dealer>,
) -> ApiResult<()> {
    let mut errors = RowErrors::default();
    errors.unique_external_ids(rows.iter().map(|r| r.external_id.as_str()));
    let units: Vec<Id> = rows.iter().map(|r| r.org_unit_id).collect();
    let units = known_units(conn, &units)?;
    let mut codes = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        if !codes.insert(r.code.trim()) {
            errors.add(i, "code", "appears twice in the batch");
        }
        if let Some(why) = unit_problem(caller, r.org_unit_id, units.contains(&r.org_unit_id)) {
            errors.add(i, "org_unit_id", why);
        }
    }
    let found: Vec<(usize, &Dealer)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| stored.get(&r.external_id).map(|d| (i, d)))
        .collect();
    check_stored(conn, caller, &found, &mut errors)?;
    let wanted: Vec<String> = rows.iter().map(|r| r.code.trim().to_string()).collect();
    let mut holders: HashMap<String, Option<String>> = HashMap::new();
    for chunk in wanted.chunks(500) {
        holders.extend(
            dealers::table
                .filter(dealers::code.eq_any(chunk.to_vec()))
                .select((dealers::code, dealers::external_id))
                .load::<(String, Option<String>)>(conn)?,
        );
    }
    for (i, r) in rows.iter().enumerate() {
        // A holder with this row's external id is this row (perhaps just inserted by a
        // concurrent batch).
        let holder = holders.get(r.code.trim());
        if holder.is_some_and(|h| h.as_deref() != Some(r.external_id.as_str())) {
            errors.add(i, "code", "another dealer has this code");
        }
    }
    reject(errors)
}

fn build(r: DealerBulkRow, existing: Option<&Dealer>, now: Timestamp) -> Dealer {
    let current_archive = existing.and_then(|d| d.archived_at);
    Dealer {
        id: existing.map(|d| d.id).unwrap_or_default(),
        code: r.code.trim().to_string(),
        name: r.name.trim().to_string(),
        org_unit_id: r.org_unit_id,
        external_id: Some(r.external_id),
        archived_at: archive_change(r.archived, current_archive, now).unwrap_or(current_archive),
        version: existing.map_or(1, |d| d.version),
        created_at: existing.map_or(now, |d| d.created_at),
        updated_at: now,
    }
}

/// Upserts a batch of dealers by `external_id`, all or nothing (run it inside a transaction):
/// every created or changed dealer is recorded through the write path.
pub fn upsert(
    conn: &mut DbConnection,
    caller: &Caller,
    rows: Vec<DealerBulkRow>,
    now: Timestamp,
) -> ApiResult<Vec<RowResult>> {
    let ext_ids: Vec<String> = rows.iter().map(|r| r.external_id.clone()).collect();
    let stored = bulk::stored_rows::<Dealer>(conn, &ext_ids)?;
    check(conn, caller, &rows, &stored)?;
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
        |r, existing| build(r, existing, now),
        Dealer::clone,
    )
}
