//! Competitor rows and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::{Cursor, SinceParams};
use crate::masterdata::store::{in_order, Stored};
use crate::masterdata::CommonQuery;
use crate::schema::competitors;

/// A competitor.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = competitors)]
pub struct Competitor {
    pub id: Id,
    /// Unique name.
    pub name: String,
    pub notes: Option<String>,
    /// The id of the row in the ERP/CRM, unique among competitors.
    pub external_id: Option<String>,
    /// When the competitor was archived (absent while live).
    pub archived_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// Competitors are company-wide: every change reaches everyone who reads competitors.
crate::mirrored!(Competitor, "competitor", |v| Scope::default());

impl Stored for Competitor {
    type New = Competitor;
    type Changes = CompetitorChanges;

    fn insert_rows(conn: &mut DbConnection, rows: &[Competitor]) -> ApiResult<Vec<Competitor>> {
        let ids = crate::insert_by_external_id!(conn, competitors, rows);
        Ok(in_order(&ids, Self::load(conn, &ids)?))
    }

    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &CompetitorChanges,
        _now: Timestamp,
    ) -> ApiResult<bool> {
        Ok(Competitor::update(conn, id, expected, changes)?)
    }

    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<Competitor>> {
        Ok(competitors::table
            .filter(competitors::id.eq_any(ids.to_vec()))
            .select(Competitor::as_select())
            .load(conn)?)
    }

    fn archived_at(&self) -> Option<Timestamp> {
        self.archived_at
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = competitors)]
pub struct CompetitorChanges {
    pub name: Option<String>,
    pub notes: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub archived_at: Option<Option<Timestamp>>,
    pub updated_at: Timestamp,
}

impl Competitor {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Competitor> {
        competitors::table
            .find(id)
            .select(Competitor::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("competitor"))
    }

    pub fn list(
        conn: &mut DbConnection,
        f: &CommonQuery,
        since: SinceParams,
        page: Cursor,
    ) -> QueryResult<Vec<Competitor>> {
        let mut q = competitors::table.into_boxed();
        if !since.include_archived(f.include_archived) {
            q = q.filter(competitors::archived_at.is_null());
        }
        if let Some(pattern) = f.pattern() {
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("LOWER(competitors.name) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern),
            );
        }
        if let Some(ext) = &f.external_id {
            q = q.filter(competitors::external_id.eq(ext.clone()));
        }
        crate::filter_updated_since!(q, competitors::updated_at, since.updated_since);
        if let Some(after) = page.after {
            q = q.filter(competitors::id.gt(after));
        }
        q.order(competitors::id)
            .limit(page.fetch())
            .select(Competitor::as_select())
            .load(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &CompetitorChanges,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            competitors::table
                .filter(competitors::id.eq(id))
                .filter(competitors::version.eq(expected)),
        )
        .set((changes, competitors::version.eq(competitors::version + 1)))
        .execute(conn)?;
        Ok(n == 1)
    }
}
