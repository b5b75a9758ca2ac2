//! Who the list may be about, as SQL filters: the caller's reach, narrowed by the `unit_id` and
//! `person_id` filters; and what every finder is given.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::{Caller, Role};
use crate::db::{ids_per_statement, DbConnection, Id, MultiBackend, Timestamp};
use crate::schema::users;
use crate::settings::Settings;

/// The people (and customers) an anomaly may be about.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The caller, whose own records are always in reach.
    pub me: Id,
    /// The units whose people the caller reaches (`None`: the whole company).
    pub reach: Option<Vec<Id>>,
    /// The people whose current unit is in `reach`, when few enough to bind (see [`people`]).
    pub reach_people: Option<Vec<Id>>,
    /// The `unit_id` filter: the units of its subtree.
    pub within: Option<Vec<Id>>,
    /// The people whose current unit is in `within`, when few enough to bind.
    pub within_people: Option<Vec<Id>>,
    /// The `person_id` filter.
    pub person: Option<Id>,
}

impl Scope {
    pub fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        within: Option<Vec<Id>>,
        person: Option<Id>,
    ) -> QueryResult<Scope> {
        let reach = (!caller.reach.all).then(|| caller.reach.unit_ids.clone());
        Ok(Scope {
            me: caller.user_id,
            reach_people: people(conn, reach.as_deref())?,
            within_people: people(conn, within.as_deref())?,
            reach,
            within,
            person,
        })
    }
}

/// Most people bound as ids (see [`people`]); more are filtered as a subquery.
const PEOPLE_BOUND: usize = 500;

/// The people whose current unit is one of `units`, read once, unless they are more than
/// [`PEOPLE_BOUND`] (then `None`: the filters take them as a subquery). Bound as an array,
/// `owner_id = ANY($n)` is an index condition that the planner can combine with the others of
/// an `OR`; as a subquery it is a hashed filter over every row. Measured on 20,000 customers:
/// an office's 200, 0.6 ms against 14 ms; but the whole company's 2,000 people as an array made
/// the head of sales' weekly dashboard 1.18 s against 0.86 s, so a large set stays a subquery.
fn people(conn: &mut DbConnection, units: Option<&[Id]>) -> QueryResult<Option<Vec<Id>>> {
    let Some(units) = units else { return Ok(None) };
    let limit = PEOPLE_BOUND.min(ids_per_statement(conn));
    if units.len() > limit {
        return Ok(None);
    }
    let ids: Vec<Id> = users::table
        .filter(users::org_unit_id.eq_any(units))
        .select(users::id)
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok((ids.len() <= limit).then_some(ids))
}

/// `$col.eq_any(...)` of the people of `$units`: their ids when `$ids` holds them, else the
/// subquery; then `$then` with it bound to `$any` (the two have different types).
macro_rules! people_of {
    ($ids:expr, $units:expr, |$any:ident| $then:expr) => {{
        match $ids {
            Some(ids) => {
                let $any = ids.clone();
                $then
            }
            None => {
                let $any = $crate::auth::people_in($units.clone());
                $then
            }
        }
    }};
}
pub(crate) use people_of;

/// Narrows a boxed query to the records of people in scope, `$col` naming the person.
macro_rules! of_people {
    ($q:ident, $col:expr, $scope:expr) => {{
        if let Some(units) = &$scope.reach {
            $q = $crate::anomalies::scope::people_of!(&$scope.reach_people, units, |people| $q
                .filter($col.eq($scope.me).or($col.eq_any(people))));
        }
        if let Some(units) = &$scope.within {
            $q = $crate::anomalies::scope::people_of!(&$scope.within_people, units, |people| $q
                .filter($col.eq_any(people)));
        }
        if let Some(p) = $scope.person {
            $q = $q.filter($col.eq(p));
        }
    }};
}
pub(crate) use of_people;

/// An active salesperson in scope.
#[derive(Debug, Clone, Queryable)]
pub struct Seller {
    pub id: Id,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
}

/// The active salespeople in scope, by id.
pub fn sellers(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<Seller>> {
    let mut q = users::table
        .filter(users::role.eq(Role::Salesperson.as_str()))
        .filter(users::active.eq(true))
        .select((users::id, users::org_unit_id, users::hired_on))
        .into_boxed::<MultiBackend>();
    if let Some(units) = &scope.reach {
        q = q.filter(
            users::id
                .eq(scope.me)
                .or(users::org_unit_id.eq_any(units.clone())),
        );
    }
    if let Some(units) = &scope.within {
        q = q.filter(users::org_unit_id.eq_any(units.clone()));
    }
    if let Some(p) = scope.person {
        q = q.filter(users::id.eq(p));
    }
    q.order(users::id).load(conn)
}

/// Narrows a boxed query that has the `customers` table to the customers in scope (not
/// archived): placed in a unit or owned by someone the caller reaches, of the `unit_id`
/// subtree in the same sense, owned by `person_id`.
macro_rules! of_customers {
    ($q:ident, $scope:expr) => {{
        use $crate::schema::customers as cs;
        $q = $q.filter(cs::archived_at.is_null());
        if let Some(units) = &$scope.reach {
            $q = $crate::anomalies::scope::people_of!(&$scope.reach_people, units, |people| $q
                .filter(
                    cs::owner_id
                        .eq($scope.me)
                        .or(cs::org_unit_id.eq_any(units.clone()))
                        .or(cs::owner_id.eq_any(people)),
                ));
        }
        if let Some(units) = &$scope.within {
            $q = $crate::anomalies::scope::people_of!(&$scope.within_people, units, |people| $q
                .filter(
                    cs::org_unit_id
                        .eq_any(units.clone())
                        .or(cs::owner_id.eq_any(people)),
                ));
        }
        if let Some(p) = $scope.person {
            $q = $q.filter(cs::owner_id.eq(p));
        }
    }};
}
pub(crate) use of_customers;

/// What every finder is given.
pub struct Ctx<'a> {
    pub caller: &'a Caller,
    pub scope: &'a Scope,
    pub settings: &'a Settings,
    pub now: Timestamp,
    /// Today in the company time zone.
    pub today: NaiveDate,
}
