//! Gives feed positions in commit order.
//!
//! A position taken from a sequence when a row is inserted is not commit order: a transaction
//! that took 10 can commit after one that took 11, and a reader that saw 11 would move past 10
//! for good. So a row gets no position when it is written. The sequencer gives positions
//! afterwards, only to rows already committed, in one statement under a lock that one
//! sequencer holds at a time (a transaction-scoped advisory lock on PostgreSQL; SQLite has a
//! single writer anyway). Every position given later is larger than every position given
//! before, and a reader only ever sees committed positions: so a reader that resumes after the
//! last position it saw never misses an entry. See `docs/changes.md`.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{write_tx, DbConnection};
use crate::schema::{change_feed_state, outbox_events};

/// The advisory lock key of the sequencer (any constant the application uses for nothing else).
const LOCK_KEY: i64 = 0x5a1e_5feed;

/// Rows sequenced per statement; a backlog larger than this takes several passes.
const BATCH: i64 = 5000;

/// Gives positions to every committed entry that has none yet; returns how many it gave.
/// When there is none (a reader polling an idle feed), it costs one indexed read and takes
/// no lock.
pub fn run(conn: &mut DbConnection) -> QueryResult<usize> {
    let waiting: bool = diesel::select(diesel::dsl::exists(
        outbox_events::table.filter(outbox_events::position.is_null()),
    ))
    .get_result(conn)?;
    if !waiting {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        let n = write_tx(conn, |conn| match conn {
            DbConnection::Pg(_) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<BigInt, _>(LOCK_KEY)
                    .execute(conn)?;
                diesel::sql_query(
                    "UPDATE outbox_events o SET position = s.pos \
                     FROM (SELECT id, (SELECT COALESCE(MAX(position), 0) FROM outbox_events) \
                                      + row_number() OVER (ORDER BY seq) AS pos \
                           FROM outbox_events WHERE position IS NULL ORDER BY seq LIMIT $1) s \
                     WHERE o.id = s.id",
                )
                .bind::<BigInt, _>(BATCH)
                .execute(conn)
            }
            DbConnection::Sqlite(_) => diesel::sql_query(
                "UPDATE outbox_events SET position = s.pos \
                 FROM (SELECT id, (SELECT COALESCE(MAX(position), 0) FROM outbox_events) \
                                  + row_number() OVER (ORDER BY rowid) AS pos \
                       FROM outbox_events WHERE position IS NULL ORDER BY rowid LIMIT ?) AS s \
                 WHERE outbox_events.id = s.id",
            )
            .bind::<BigInt, _>(BATCH)
            .execute(conn),
        })?;
        total += n;
        if (n as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// The last position given: where a reader that has everything up to now stands.
pub fn head(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox_events::table
        .select(diesel::dsl::max(outbox_events::position))
        .first::<Option<i64>>(conn)
        .map(|p| p.unwrap_or(0))
}

/// The position up to which entries have been pruned (0 when none has).
pub fn pruned_through(conn: &mut DbConnection) -> QueryResult<i64> {
    change_feed_state::table
        .select(change_feed_state::pruned_through)
        .first::<i64>(conn)
        .optional()
        .map(|p| p.unwrap_or(0))
}
