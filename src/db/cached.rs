//! Statements that each connection prepares once and then reuses, though diesel would not.
//!
//! diesel never caches a statement that contains a `sql()` literal, an `UPDATE`, a
//! `sql_query` or (on SQLite) an `IN` list: it parses, plans and prepares it again on every
//! call, in an extra round trip, because such a statement may take a new text each time and
//! fill the cache. For one that runs on every request (the caller's reach, a report's
//! month-to-date sums), that planning costs more than running it. [`Cached`] marks a statement
//! whose text takes only a few forms as safe to cache: the cache keeps it by its text, so
//! PostgreSQL plans it once per connection and SQLite compiles it once.

use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::QueryResult;

use super::MultiBackend;

/// `Q`, kept in the statement cache by its SQL text. Only for statements whose text takes a
/// bounded number of forms (never one with a list of values that grows with the input).
pub struct Cached<Q>(pub Q);

impl<Q: QueryId> QueryId for Cached<Q> {
    type QueryId = Q::QueryId;
    const HAS_STATIC_QUERY_ID: bool = Q::HAS_STATIC_QUERY_ID;
}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for Cached<Q> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &MultiBackend) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Cached<Q> {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::query_builder::QueryFragment;
    use diesel::sql_types::BigInt;

    use super::*;

    /// diesel refuses to cache a `sql_query`; wrapped, it is cached on both backends. A diesel
    /// upgrade that changed either would show here, before it shows in the benches.
    #[test]
    fn a_wrapped_sql_query_is_safe_to_cache_and_the_bare_one_is_not() {
        let query = || diesel::sql_query("SELECT $1 AS n").bind::<BigInt, _>(1_i64);
        for backend in [
            MultiBackend::Pg(diesel::pg::Pg),
            MultiBackend::Sqlite(diesel::sqlite::Sqlite),
        ] {
            assert!(!query().is_safe_to_cache_prepared(&backend).unwrap());
            assert!(Cached(query()).is_safe_to_cache_prepared(&backend).unwrap());
        }
    }
}
