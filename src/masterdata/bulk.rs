//! Bulk upserts of master data and users by `external_id` (`POST /customers/bulk`, ...): the
//! rows of a batch are classified against the stored rows with the facts' [`classify`], and
//! written through the one write path of their kind ([`store::insert`], [`store::apply`]).
//!
//! New rows are inserted with the database's upsert; a row that a concurrent batch inserted
//! after this one read is read again and classified against it, so concurrent batches of the
//! same new external ids all succeed and create each row once.

use std::collections::{HashMap, HashSet};

use super::store::{self, Stored};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::facts::{classify, FactRow, RowErrors, RowOutcome, RowResult};

/// A row of a bulk request: every row names its `external_id`.
pub trait Keyed {
    fn external_id(&self) -> &str;
}

/// A kind that bulk upserts reach: its stored rows by external id, and the change that makes
/// a stored row what a batch wants.
pub trait Bulk: Stored + FactRow {
    fn external_id(&self) -> Option<&str>;
    /// The stored rows with these external ids, by external id.
    fn by_external_ids(
        conn: &mut DbConnection,
        ext_ids: &[String],
    ) -> ApiResult<HashMap<String, Self>>;
    /// The change that makes `stored` into `wanted`.
    fn changes(stored: &Self, wanted: &Self, now: Timestamp) -> Self::Changes;
}

/// The stored rows of a batch, read in chunks.
pub fn stored_rows<T: Bulk>(
    conn: &mut DbConnection,
    ext_ids: &[String],
) -> ApiResult<HashMap<String, T>> {
    let mut all = HashMap::new();
    for chunk in ext_ids.chunks(500) {
        all.extend(T::by_external_ids(conn, chunk)?);
    }
    Ok(all)
}

/// Writes what [`classify`] decided through the write path; returns the external ids whose
/// insert met a row a concurrent batch had just committed.
fn write<T: Bulk>(
    conn: &mut DbConnection,
    now: Timestamp,
    writes: Vec<(RowOutcome, T)>,
    stored: &HashMap<String, T>,
    new_row: &impl Fn(&T) -> T::New,
) -> ApiResult<Vec<String>> {
    let mut news = Vec::new();
    let mut changes = Vec::new();
    for (outcome, wanted) in writes {
        let ext = wanted.external_id().unwrap_or_default().to_string();
        match (outcome, stored.get(&ext)) {
            (RowOutcome::Updated, Some(current)) => {
                changes.push((ext, current.clone(), T::changes(current, &wanted, now)));
            }
            _ => news.push((ext, new_row(&wanted))),
        }
    }
    // In external id order, so that concurrent batches wait for each other's rows rather than
    // deadlock.
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    news.sort_by(|a, b| a.0.cmp(&b.0));
    let changes: Vec<(T, T::Changes)> = changes.into_iter().map(|(_, c, ch)| (c, ch)).collect();
    store::apply(conn, now, &changes).map_err(|e| match e {
        ApiError::PreconditionFailed(_) => moved(),
        other => other,
    })?;
    let (ext_ids, rows): (Vec<String>, Vec<T::New>) = news.into_iter().unzip();
    let inserted: HashSet<String> = store::insert::<T>(conn, now, &rows)?
        .iter()
        .filter_map(|v| v.external_id().map(str::to_string))
        .collect();
    Ok(ext_ids
        .into_iter()
        .filter(|e| !inserted.contains(e))
        .collect())
}

fn moved() -> ApiError {
    ApiError::Unavailable("a concurrent upload changed the same rows; retry".into())
}

/// Upserts checked `rows` by external id against `stored` (read in this transaction), all or
/// nothing (run it inside one): `build` makes the wanted row of an input and its stored row,
/// `new_row` the insert form of a wanted new one. Rows found inserted by a concurrent batch
/// are read again and must pass `recheck` (the checks that depend on the stored row, such as
/// reach) with their index in the batch. Unchanged rows write nothing and record nothing.
pub fn upsert<I: Clone + Keyed, T: Bulk>(
    conn: &mut DbConnection,
    now: Timestamp,
    rows: Vec<I>,
    stored: HashMap<String, T>,
    recheck: impl Fn(&mut DbConnection, &[(usize, &T)]) -> ApiResult<()>,
    build: impl Fn(I, Option<&T>) -> T,
    new_row: impl Fn(&T) -> T::New,
) -> ApiResult<Vec<RowResult>> {
    let ext = |r: &I| r.external_id().to_string();
    let (mut results, writes) = classify(rows.clone(), ext, &stored, &build);
    let lost = write(conn, now, writes, &stored, &new_row)?;
    if lost.is_empty() {
        return Ok(results);
    }
    let again_stored: HashMap<String, T> = stored_rows(conn, &lost)?;
    let lost: HashSet<&String> = lost.iter().collect();
    let retry: Vec<(usize, I)> = rows
        .into_iter()
        .enumerate()
        .filter(|(_, r)| lost.contains(&ext(r)))
        .collect();
    let found: Vec<(usize, &T)> = retry
        .iter()
        .filter_map(|(i, r)| again_stored.get(&ext(r)).map(|s| (*i, s)))
        .collect();
    recheck(conn, &found)?;
    let indexes: Vec<usize> = retry.iter().map(|(i, _)| *i).collect();
    let retry: Vec<I> = retry.into_iter().map(|(_, r)| r).collect();
    let (again, writes) = classify(retry, ext, &again_stored, &build);
    if !write(conn, now, writes, &again_stored, &new_row)?.is_empty() {
        return Err(moved());
    }
    for (index, mut r) in indexes.into_iter().zip(again) {
        r.index = index;
        results[index] = r;
    }
    Ok(results)
}

/// Adds a `rows[i].external_id` error for each stored row whose id is not in `allowed`.
pub fn refuse_stored<T: Stored>(
    errors: &mut RowErrors,
    rows: &[(usize, &T)],
    allowed: &HashSet<Id>,
    why: &str,
) {
    for (i, row) in rows {
        if !allowed.contains(&row.id()) {
            errors.add(*i, "external_id", why);
        }
    }
}

/// The 422 of a batch with problems, or nothing.
pub fn reject(errors: RowErrors) -> ApiResult<()> {
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors.0))
    }
}

/// The new value of a field when it differs from the stored one (for a change form).
pub fn differs<T: PartialEq + Clone>(old: &T, new: &T) -> Option<T> {
    (old != new).then(|| new.clone())
}
