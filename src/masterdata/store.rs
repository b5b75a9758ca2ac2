//! The one write path of master data and users: every insert and every change of a customer,
//! dealer, product, competitor or user, single or in bulk, goes through [`insert`] and
//! [`apply`], which record each change in the outbox (the change feed entry and the webhook
//! event, [`events::changed_many`]) in the caller's transaction.

use std::collections::HashMap;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Mirrored};

/// A kind of record as its write path stores it: `Self` is the view the API shows (and the
/// feed carries), `New` its insert form, `Changes` its update form.
pub trait Stored: Mirrored + Clone {
    type New;
    type Changes;
    /// Inserts the rows whose `external_id` no stored row has (`ON CONFLICT (external_id) DO
    /// NOTHING`, so that concurrent writers of one new external id make one row) and returns
    /// those inserted; any other unique violation is raised.
    fn insert_rows(conn: &mut DbConnection, rows: &[Self::New]) -> ApiResult<Vec<Self>>;
    /// Applies changes if the stored version is `expected`; false when it moved on.
    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &Self::Changes,
        now: Timestamp,
    ) -> ApiResult<bool>;
    /// The views of these rows (any order).
    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<Self>>;
    /// When the row was archived (None while live, and for kinds that are never archived).
    fn archived_at(&self) -> Option<Timestamp> {
        None
    }
}

/// The event a change from `before` to `after` is announced as: `<resource>.archived` when
/// it archived the row, `.restored` when it restored it, `.updated` otherwise.
pub fn change_event<T: Stored>(before: &T, after: &T) -> String {
    let what = match (before.archived_at(), after.archived_at()) {
        (None, Some(_)) => "archived",
        (Some(_), None) => "restored",
        _ => "updated",
    };
    format!("{}.{what}", T::RESOURCE)
}

/// Inserts rows (those whose `external_id` is taken are left out: see [`Stored::insert_rows`])
/// and records `<resource>.created` for each one inserted. Returns the inserted rows.
pub fn insert<T: Stored>(
    conn: &mut DbConnection,
    now: Timestamp,
    rows: &[T::New],
) -> ApiResult<Vec<T>> {
    let inserted = T::insert_rows(conn, rows)?;
    events::changed_many(conn, now, &format!("{}.created", T::RESOURCE), &inserted)?;
    Ok(inserted)
}

/// Applies each change to its row (`current`, as read in this transaction) and records its
/// event ([`change_event`]) with the row as it is afterwards. Returns the changed rows in the
/// order given; 412 when a row moved on since it was read.
pub fn apply<T: Stored>(
    conn: &mut DbConnection,
    now: Timestamp,
    changes: &[(T, T::Changes)],
) -> ApiResult<Vec<T>> {
    for (current, change) in changes {
        if !T::update_row(conn, current.id(), current.version(), change, now)? {
            return Err(ApiError::PreconditionFailed(format!(
                "the {} changed meanwhile",
                T::RESOURCE
            )));
        }
    }
    let ids: Vec<Id> = changes.iter().map(|(c, _)| c.id()).collect();
    let mut after: HashMap<Id, T> = HashMap::new();
    for chunk in ids.chunks(500) {
        after.extend(T::load(conn, chunk)?.into_iter().map(|v| (v.id(), v)));
    }
    let mut changed = Vec::with_capacity(changes.len());
    let mut by_event: Vec<(String, Vec<T>)> = Vec::new();
    for (before, _) in changes {
        let Some(view) = after.get(&before.id()) else {
            return Err(ApiError::not_found(T::RESOURCE));
        };
        let event = change_event(before, view);
        match by_event.iter_mut().find(|(e, _)| *e == event) {
            Some((_, views)) => views.push(view.clone()),
            None => by_event.push((event, vec![view.clone()])),
        }
        changed.push(view.clone());
    }
    for (event, views) in &by_event {
        events::changed_many(conn, now, event, views)?;
    }
    Ok(changed)
}

/// `views` in the order of `ids` (those missing left out).
pub fn in_order<T: Mirrored>(ids: &[Id], views: Vec<T>) -> Vec<T> {
    let mut by_id: HashMap<Id, T> = views.into_iter().map(|v| (v.id(), v)).collect();
    ids.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// The body of [`Stored::insert_rows`] for a table with a partial unique index on
/// `external_id`: on PostgreSQL the upsert names it (`ON CONFLICT (external_id) WHERE
/// external_id IS NOT NULL DO NOTHING`), and is tried again when a concurrent writer of the
/// same row made it fail on another unique key; diesel cannot name SQLite's partial index, so there
/// every conflict is ignored and told apart after (writers are serialised on SQLite, so
/// nothing moves in between): a row whose external id is not stored met another unique key,
/// and is inserted again to raise that violation. Evaluates to the ids inserted.
#[macro_export]
macro_rules! insert_by_external_id {
    ($conn:expr, $table:ident, $rows:expr) => {{
        use diesel::upsert::DecoratableTarget;
        let conn: &mut $crate::db::DbConnection = $conn;
        let mut inserted: Vec<$crate::db::Id> = Vec::new();
        // 500 rows of at most 16 columns a statement stay below both backends' limits.
        for chunk in $rows.chunks(500) {
            let got: Vec<$crate::db::Id> = match &mut *conn {
                $crate::db::DbConnection::Pg(c) => {
                    use diesel::result::{DatabaseErrorKind, Error};
                    let mut attempt = 0;
                    loop {
                        // A savepoint each, so that a failed attempt leaves the transaction
                        // usable.
                        let done = diesel::Connection::transaction(c, |c| {
                            diesel::insert_into($table::table)
                                .values(chunk)
                                .on_conflict($table::external_id)
                                .filter_target($table::external_id.is_not_null())
                                .do_nothing()
                                .returning($table::id)
                                .get_results::<$crate::db::Id>(c)
                        });
                        match done {
                            // The upsert settles conflicts on `external_id` only: a concurrent
                            // writer of the same new row can make the insert fail on another
                            // unique key (the code) once it commits. Now that it has, the same
                            // insert sees its external id taken; a real duplicate fails again.
                            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                                if attempt < 3 =>
                            {
                                attempt += 1;
                            }
                            other => break other?,
                        }
                    }
                }
                $crate::db::DbConnection::Sqlite(c) => {
                    // Row by row: SQLite runs a multi-row insert as single rows anyway, and
                    // tells each skipped row by its count. In process, that is cheap.
                    let mut got = Vec::new();
                    for row in chunk {
                        let n = diesel::insert_into($table::table)
                            .values(row)
                            .on_conflict_do_nothing()
                            .execute(c)?;
                        if n == 1 {
                            got.push(row.id);
                            continue;
                        }
                        let taken = match &row.external_id {
                            Some(ext) => diesel::select(diesel::dsl::exists(
                                $table::table.filter($table::external_id.eq(ext)),
                            ))
                            .get_result::<bool>(c)?,
                            None => false,
                        };
                        if !taken {
                            diesel::insert_into($table::table).values(row).execute(c)?;
                        }
                    }
                    got
                }
            };
            inserted.extend(got);
        }
        inserted
    }};
}
