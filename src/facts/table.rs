//! The table half of a kind of fact, written once for sales and payment facts.

/// The table-specific half of a kind of fact, for `$table` with rows `$row` dated by `$day`
/// and the columns `$col` an upload may change: the stored rows of a batch, writing what
/// `classify` decided, inserting many rows, and the filtered list a page at a time.
///
/// `fact_table!(@core ...)` leaves the list out, for a kind of fact whose readers are not
/// decided by its salesperson and dealer alone (promotion costs are read with their promotion).
macro_rules! fact_table {
    ($table:ident, $row:ident, $day:ident, [$($col:ident),+ $(,)?]) => {
        fact_table!(@core $table, $row, $day, [$($col),+]);
        fact_table!(@list $table, $row, $day);
    };
    (@core $table:ident, $row:ident, $day:ident, [$($col:ident),+ $(,)?]) => {
        /// The stored rows with these external ids, by external id.
        fn stored_by_external_id(
            conn: &mut DbConnection,
            ext_ids: &[String],
        ) -> QueryResult<HashMap<String, $row>> {
            let mut stored = HashMap::new();
            for chunk in ext_ids.chunks(500) {
                let found = $table::table
                    .filter(
                        $table::external_id
                            .eq_any(chunk.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
                    )
                    .select($row::as_select())
                    .load(conn)?;
                for row in found {
                    if let Some(ext) = row.external_id.clone() {
                        stored.insert(ext, row);
                    }
                }
            }
            Ok(stored)
        }

        /// Updates the changed rows in place and inserts the new ones with the database's
        /// upsert (`ON CONFLICT DO NOTHING`, in external id order so that concurrent uploads
        /// wait for each other rather than deadlock); returns the rows written, and the
        /// external ids whose insert found a row that a concurrent upload had just committed.
        fn write(
            conn: &mut DbConnection,
            writes: Vec<(super::RowOutcome, $row)>,
        ) -> QueryResult<(Vec<$row>, Vec<String>)> {
            let (inserts, updates): (Vec<_>, Vec<_>) = writes
                .into_iter()
                .partition(|(outcome, _)| *outcome == super::RowOutcome::Created);
            let mut inserts: Vec<$row> = inserts.into_iter().map(|(_, row)| row).collect();
            let mut written: Vec<$row> = updates.into_iter().map(|(_, row)| row).collect();
            // The changed rows: on PostgreSQL 500 a statement (an insert of rows whose id is
            // taken is an update of those rows, `ON CONFLICT (id) DO UPDATE`); SQLite runs in
            // process, where a statement per row costs no round trip.
            match &mut *conn {
                $crate::db::DbConnection::Pg(c) => {
                    use diesel::upsert::excluded;
                    for chunk in written.chunks(500) {
                        diesel::insert_into($table::table)
                            .values(chunk)
                            .on_conflict($table::id)
                            .do_update()
                            .set(($($table::$col.eq(excluded($table::$col))),+))
                            .execute(c)?;
                    }
                }
                $crate::db::DbConnection::Sqlite(c) => {
                    for row in &written {
                        diesel::update($table::table.find(row.id)).set(row).execute(c)?;
                    }
                }
            }
            inserts.sort_by(|a, b| a.external_id.cmp(&b.external_id));
            let mut lost = Vec::new();
            for chunk in inserts.chunks(500) {
                let created: Vec<Option<String>> =
                    $crate::per_backend!(&mut *conn, |c| diesel::insert_into($table::table)
                        .values(chunk)
                        .on_conflict_do_nothing()
                        .returning($table::external_id)
                        .get_results(c))?;
                let created: std::collections::HashSet<String> =
                    created.into_iter().flatten().collect();
                for row in chunk {
                    match &row.external_id {
                        Some(e) if !created.contains(e) => lost.push(e.clone()),
                        _ => written.push(row.clone()),
                    }
                }
            }
            Ok((written, lost))
        }

        /// Upserts `rows` by external id: classifies them against the stored rows, writes
        /// them, and writes a row that a concurrent upload inserted meanwhile over that row
        /// (so concurrent uploads of the same new external ids all succeed, and create each
        /// row once). Run it inside a transaction.
        fn upsert_rows<I: Clone>(
            conn: &mut DbConnection,
            now: $crate::db::Timestamp,
            rows: Vec<I>,
            ext: impl Fn(&I) -> String,
            build: impl Fn(I, Option<&$row>) -> $row,
        ) -> $crate::error::ApiResult<Vec<super::RowResult>> {
            let ext_ids: Vec<String> = rows.iter().map(&ext).collect();
            let stored = stored_by_external_id(conn, &ext_ids)?;
            let (mut results, writes) = super::classify(rows.clone(), &ext, &stored, &build);
            let (written, lost) = write(conn, writes)?;
            announce(conn, now, &written)?;
            if lost.is_empty() {
                return Ok(results);
            }
            let lost_set: std::collections::HashSet<&String> = lost.iter().collect();
            let retry: Vec<I> = rows
                .into_iter()
                .filter(|r| lost_set.contains(&ext(r)))
                .collect();
            let stored = stored_by_external_id(conn, &lost)?;
            let (again, writes) = super::classify(retry, &ext, &stored, &build);
            let (written, lost) = write(conn, writes)?;
            announce(conn, now, &written)?;
            if !lost.is_empty() {
                return Err($crate::error::ApiError::Unavailable(
                    "a concurrent upload changed the same rows; retry".into(),
                ));
            }
            for r in again {
                if let Some(slot) = results.iter_mut().find(|x| x.external_id == r.external_id) {
                    slot.id = r.id;
                    slot.outcome = r.outcome;
                }
            }
            Ok(results)
        }

        /// The change feed entries and webhook events of rows just written.
        fn announce(
            conn: &mut DbConnection,
            now: $crate::db::Timestamp,
            written: &[$row],
        ) -> QueryResult<()> {
            let event = format!("{}.upserted", <$row as $crate::events::Mirrored>::RESOURCE);
            $crate::events::changed_many(conn, now, &event, written).map(|_| ())
        }

        /// Inserts rows many at a time (500 rows a statement stays far below both backends'
        /// limits on bound parameters), with their feed entries and events.
        pub fn insert_many(
            conn: &mut DbConnection,
            now: $crate::db::Timestamp,
            rows: &[$row],
        ) -> QueryResult<()> {
            for chunk in rows.chunks(500) {
                $crate::per_backend!(&mut *conn, |c| diesel::insert_into($table::table)
                    .values(chunk)
                    .execute(c))?;
            }
            announce(conn, now, rows)
        }

        /// Deletes the facts of `source` with these external ids, with the feed entries and
        /// events of their deletion.
        pub fn delete_by_external_id(
            conn: &mut DbConnection,
            now: $crate::db::Timestamp,
            source: super::FactSource,
            ext_ids: Vec<String>,
        ) -> QueryResult<()> {
            for chunk in ext_ids.chunks(500) {
                let keys: Vec<Option<String>> = chunk.iter().cloned().map(Some).collect();
                let gone: Vec<$row> = $crate::per_backend!(&mut *conn, |c| diesel::delete(
                    $table::table
                        .filter($table::source.eq(source.as_str()))
                        .filter($table::external_id.eq_any(keys))
                )
                .returning($row::as_returning())
                .get_results(c))?;
                for row in &gone {
                    $crate::events::deleted(conn, now, row)?;
                }
            }
            Ok(())
        }

    };
    (@list $table:ident, $row:ident, $day:ident) => {
        /// The facts in a scope matching `f`, a page at a time, in id order.
        pub fn list(
            conn: &mut DbConnection,
            scope: &super::FactScope,
            f: &super::FactFilter,
            since: $crate::http::SinceParams,
            page: $crate::http::Cursor,
        ) -> QueryResult<Vec<$row>> {
            use super::FactScope;
            let mut q = $table::table.into_boxed();
            q = match scope {
                FactScope::All => q,
                FactScope::Dealer(d) => q.filter($table::dealer_id.eq(*d)),
                FactScope::People(people) => {
                    q.filter($table::salesperson_id.eq_any(people.clone()))
                }
            };
            if let Some(from) = f.from {
                q = q.filter($table::$day.ge(from));
            }
            if let Some(to) = f.to {
                q = q.filter($table::$day.le(to));
            }
            if let Some(p) = f.salesperson_id {
                q = q.filter($table::salesperson_id.eq(p));
            }
            if let Some(d) = f.dealer_id {
                q = q.filter($table::dealer_id.eq(d));
            }
            if let Some(ext) = &f.external_id {
                q = q.filter($table::external_id.eq(ext.clone()));
            }
            $crate::filter_updated_since!(q, $table::updated_at, since.updated_since);
            if let Some(after) = page.after {
                q = q.filter($table::id.gt(after));
            }
            q.order($table::id)
                .limit(page.fetch())
                .select($row::as_select())
                .load(conn)
        }
    };
}
pub(crate) use fact_table;
