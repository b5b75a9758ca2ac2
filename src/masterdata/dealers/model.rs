//! Dealer rows and the queries on them.

use std::collections::HashSet;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::{Cursor, SinceParams};
use crate::masterdata::store::{in_order, Stored};
use crate::masterdata::{dealer_of, CommonQuery};
use crate::schema::{dealers, users};

/// A dealer (external distributor).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = dealers)]
pub struct Dealer {
    pub id: Id,
    /// Unique code.
    pub code: String,
    pub name: String,
    /// The unit the dealer is served from (its targets roll up there).
    pub org_unit_id: Id,
    /// The id of the row in the ERP/CRM, unique among dealers.
    pub external_id: Option<String>,
    /// When the dealer was archived (absent while live).
    pub archived_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// A dealer's changes reach its unit and the dealer's own users.
crate::mirrored!(Dealer, "dealer", |v| Scope {
    unit: Some(v.org_unit_id),
    dealer: Some(v.id),
    ..Default::default()
});

impl Stored for Dealer {
    type New = Dealer;
    type Changes = DealerChanges;

    fn insert_rows(conn: &mut DbConnection, rows: &[Dealer]) -> ApiResult<Vec<Dealer>> {
        let ids = crate::insert_by_external_id!(conn, dealers, rows);
        Ok(in_order(&ids, Self::load(conn, &ids)?))
    }

    fn update_row(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &DealerChanges,
        _now: Timestamp,
    ) -> ApiResult<bool> {
        Ok(Dealer::update(conn, id, expected, changes)?)
    }

    fn load(conn: &mut DbConnection, ids: &[Id]) -> ApiResult<Vec<Dealer>> {
        Ok(dealers::table
            .filter(dealers::id.eq_any(ids.to_vec()))
            .select(Dealer::as_select())
            .load(conn)?)
    }

    fn archived_at(&self) -> Option<Timestamp> {
        self.archived_at
    }
}

/// A dealer to insert without recording it (demo data).
#[derive(Insertable)]
#[diesel(table_name = dealers)]
pub struct NewDealer {
    pub id: Id,
    pub code: String,
    pub name: String,
    pub org_unit_id: Id,
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(AsChangeset)]
#[diesel(table_name = dealers)]
pub struct DealerChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub org_unit_id: Option<Id>,
    pub external_id: Option<Option<String>>,
    pub archived_at: Option<Option<Timestamp>>,
    pub updated_at: Timestamp,
}

type Boxed = dealers::BoxedQuery<'static, MultiBackend>;

impl Dealer {
    /// The dealers a caller reaches: company-wide roles all; supervisors and managers those
    /// placed in their subtree; salespeople those of their own unit; a dealer user its own.
    fn in_reach(conn: &mut DbConnection, caller: &Caller) -> QueryResult<Boxed> {
        let q = dealers::table.into_boxed();
        Ok(match caller.role {
            _ if caller.reach.all => q,
            Role::Dealer => match dealer_of(conn, caller.user_id)? {
                Some(own) => q.filter(dealers::id.eq(own)),
                None => q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")),
            },
            Role::Salesperson => q.filter(dealers::org_unit_id.eq(caller.org_unit_id)),
            _ => q.filter(dealers::org_unit_id.eq_any(caller.reach.unit_ids.clone())),
        })
    }

    /// Which of `ids` are dealers the caller reaches.
    pub fn reached(
        conn: &mut DbConnection,
        caller: &Caller,
        ids: &[Id],
    ) -> QueryResult<HashSet<Id>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(Self::in_reach(conn, caller)?
            .filter(dealers::id.eq_any(ids.to_vec()))
            .select(dealers::id)
            .load::<Id>(conn)?
            .into_iter()
            .collect())
    }

    /// Inserts a dealer without recording it (demo data; the API creates through `write`).
    pub fn insert(conn: &mut DbConnection, new: &NewDealer) -> QueryResult<Dealer> {
        diesel::insert_into(dealers::table)
            .values(new)
            .returning(dealers::all_columns)
            .get_result(conn)
    }

    /// A dealer within the caller's reach (404 otherwise).
    pub fn find(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Dealer> {
        Self::in_reach(conn, caller)?
            .filter(dealers::id.eq(id))
            .select(Dealer::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("dealer"))
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &CommonQuery,
        since: SinceParams,
        org_unit_ids: Option<Vec<Id>>,
        page: Cursor,
    ) -> QueryResult<Vec<Dealer>> {
        let mut q = Self::in_reach(conn, caller)?;
        if !since.include_archived(f.include_archived) {
            q = q.filter(dealers::archived_at.is_null());
        }
        if let Some(pattern) = f.pattern() {
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(LOWER(dealers.name) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern.clone())
                    .sql(" OR LOWER(dealers.code) LIKE ")
                    .bind::<diesel::sql_types::Text, _>(pattern)
                    .sql(")"),
            );
        }
        if let Some(ext) = &f.external_id {
            q = q.filter(dealers::external_id.eq(ext.clone()));
        }
        crate::filter_updated_since!(q, dealers::updated_at, since.updated_since);
        if let Some(units) = org_unit_ids {
            q = q.filter(dealers::org_unit_id.eq_any(units));
        }
        if let Some(after) = page.after {
            q = q.filter(dealers::id.gt(after));
        }
        q.order(dealers::id)
            .limit(page.fetch())
            .select(Dealer::as_select())
            .load(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        changes: &DealerChanges,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            dealers::table
                .filter(dealers::id.eq(id))
                .filter(dealers::version.eq(expected)),
        )
        .set((changes, dealers::version.eq(dealers::version + 1)))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Links a dealer user to a dealer (the user's version moves on, so syncs see it); records
    /// nothing (demo data: the API links through `users::write::link_dealer`).
    pub fn link_user(
        conn: &mut DbConnection,
        dealer: Id,
        user: Id,
        now: Timestamp,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(user))
            .set((
                users::dealer_id.eq(Some(dealer)),
                users::version.eq(users::version + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The users linked to a dealer.
    pub fn linked_users(conn: &mut DbConnection, dealer: Id) -> QueryResult<Vec<Id>> {
        users::table
            .filter(users::dealer_id.eq(dealer))
            .select(users::id)
            .order(users::id)
            .load(conn)
    }
}
