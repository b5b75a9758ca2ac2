//! Authentication (JWT access tokens, rotating refresh tokens, argon2id passwords) and
//! authorisation (roles and reach), decided here and nowhere else.

pub mod api;
pub mod jwt;
pub mod password;
pub mod sessions;

use std::fmt;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::schema::{org_units, refresh_tokens, users};
use crate::AppState;

/// What a user is in the sales organisation; decides what they may ever do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Executive,
    Manager,
    Supervisor,
    Salesperson,
    Dealer,
    Integration,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Executive,
        Role::Manager,
        Role::Supervisor,
        Role::Salesperson,
        Role::Dealer,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Salesperson => "salesperson",
            Role::Dealer => "dealer",
            Role::Integration => "integration",
        }
    }

    /// Roles that read every record of the company (within what their role may read at all).
    pub fn reaches_all(self) -> bool {
        matches!(self, Role::Admin | Role::Executive | Role::Integration)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// The records a caller may see: their own, plus those of every user in the subtrees of the
/// units they manage (or everything, for company-wide roles).
///
/// Reach follows the org as it is now. A person's records (visit plans, daily reports, market
/// reports and complaints they filed, the customers they own) follow the person: they are
/// reached through the owner's *current* unit, never through the unit stored on the record when
/// it was made. So when a salesperson moves to another office, their new supervisor reaches (and
/// approves, reviews, acknowledges) everything of theirs, old records included, and the old
/// supervisor reaches none of it any more. Records of a unit (weekly reports, meetings) stay
/// with the unit. A customer is reached through its owner or through the unit it is placed in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reach {
    /// True for company-wide roles (admin, executive, integration).
    pub all: bool,
    /// The units the caller manages.
    pub managed_unit_ids: Vec<Id>,
    /// Every unit in the subtrees of the managed units.
    pub unit_ids: Vec<Id>,
}

impl Reach {
    pub fn covers_unit(&self, unit: Id) -> bool {
        self.all || self.unit_ids.contains(&unit)
    }

    /// The people whose current unit is in reach, as a subquery for a SQL filter
    /// (`owner_id.eq_any(reach.people())`); meaningless when `all` is set (filter nothing then).
    pub fn people(&self) -> People {
        people_in(self.unit_ids.clone())
    }
}

/// The people whose current unit is one of `units`, as a subquery for a SQL filter.
pub fn people_in(units: Vec<Id>) -> People {
    users::table
        .filter(users::org_unit_id.eq_any(units))
        .select(users::id)
}

/// The subquery of [`people_in`]: the ids of the users of some units.
pub type People = diesel::dsl::Select<
    diesel::dsl::Filter<users::table, diesel::dsl::EqAny<users::org_unit_id, Vec<Id>>>,
    users::id,
>;

/// The unit a user belongs to now (None for an unknown user).
pub fn current_unit(conn: &mut DbConnection, user: Id) -> QueryResult<Option<Id>> {
    users::table
        .find(user)
        .select(users::org_unit_id)
        .first(conn)
        .optional()
}

/// The authenticated user of a request, with role and reach. Every handler that needs a user
/// takes one; building it checks the token and that the user is still active.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Id,
    pub role: Role,
    pub org_unit_id: Id,
    pub reach: Reach,
}

impl Caller {
    /// Refuses (403) unless the caller's role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Whether the user `person`, whose current unit is `person_unit`, is within reach.
    /// `person_unit` is the user's unit as it is now; for a record, use [`Caller::reaches_person`].
    pub fn reaches(&self, person: Id, person_unit: Id) -> bool {
        person == self.user_id || self.reach.covers_unit(person_unit)
    }

    /// Whether the records of `person` are within reach: the caller's own, or those of someone
    /// whose current unit is in reach (see [`Reach`]: records follow the person).
    pub fn reaches_person(&self, conn: &mut DbConnection, person: Id) -> QueryResult<bool> {
        if person == self.user_id || self.reach.all {
            return Ok(true);
        }
        Ok(current_unit(conn, person)?.is_some_and(|u| self.reach.covers_unit(u)))
    }
}

/// Every unit in the subtrees rooted at `roots` (the roots included), in one recursive query.
pub fn subtree_units(conn: &mut DbConnection, roots: &[Id]) -> QueryResult<Vec<Id>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<Id> = roots.to_vec();
    let mut frontier: Vec<Id> = roots.to_vec();
    // Level by level: one query per tree level, never one per unit.
    while !frontier.is_empty() {
        let children: Vec<Id> = org_units::table
            .filter(org_units::parent_id.eq_any(&frontier))
            .select(org_units::id)
            .load(conn)?;
        frontier = children
            .into_iter()
            .filter(|c| !found.contains(c))
            .collect();
        found.extend(frontier.iter().copied());
    }
    Ok(found)
}

/// `units` and every unit above them (the roots of the tree included), one query per level.
pub fn with_ancestors(conn: &mut DbConnection, units: &[Id]) -> QueryResult<Vec<Id>> {
    let mut found: Vec<Id> = units.to_vec();
    let mut frontier: Vec<Id> = units.to_vec();
    while !frontier.is_empty() {
        let parents: Vec<Option<Id>> = org_units::table
            .filter(org_units::id.eq_any(&frontier))
            .select(org_units::parent_id)
            .load(conn)?;
        frontier = parents
            .into_iter()
            .flatten()
            .filter(|p| !found.contains(p))
            .collect();
        frontier.sort();
        frontier.dedup();
        found.extend(frontier.iter().copied());
    }
    Ok(found)
}

impl Caller {
    /// The units whose subtree holds the caller: their own unit, the units they manage, and
    /// every unit above those. A record of a unit that the people inside the unit's subtree
    /// read too (a promotion, which they carry out) is reached when its unit is one of these.
    pub fn units_above(&self, conn: &mut DbConnection) -> QueryResult<Vec<Id>> {
        let mut start = self.reach.managed_unit_ids.clone();
        start.push(self.org_unit_id);
        with_ancestors(conn, &start)
    }
}

#[derive(QueryableByName)]
struct ReachRow {
    #[diesel(sql_type = crate::db::types::Uid)]
    id: Id,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    managed: bool,
}

/// Computes the reach of a user: the units they manage and their whole subtrees, in one
/// recursive query (the same SQL on both backends).
pub fn reach_of(conn: &mut DbConnection, user: Id, role: Role) -> QueryResult<Reach> {
    if role.reaches_all() {
        let managed: Vec<Id> = org_units::table
            .filter(org_units::manager_id.eq(user))
            .select(org_units::id)
            .order(org_units::id)
            .load(conn)?;
        return Ok(Reach {
            all: true,
            managed_unit_ids: managed,
            unit_ids: Vec::new(),
        });
    }
    let rows: Vec<ReachRow> = diesel::sql_query(
        "WITH RECURSIVE managed(id) AS (SELECT id FROM org_units WHERE manager_id = $1), \
         sub(id) AS (SELECT id FROM managed \
                     UNION SELECT o.id FROM org_units o JOIN sub ON o.parent_id = sub.id) \
         SELECT sub.id AS id, sub.id IN (SELECT id FROM managed) AS managed FROM sub",
    )
    .bind::<crate::db::types::Uid, _>(user)
    .load(conn)?;
    let mut managed: Vec<Id> = rows.iter().filter(|r| r.managed).map(|r| r.id).collect();
    let mut unit_ids: Vec<Id> = rows.into_iter().map(|r| r.id).collect();
    managed.sort();
    unit_ids.sort();
    Ok(Reach {
        all: false,
        managed_unit_ids: managed,
        unit_ids,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = jwt::bearer(req).map(str::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized("an Authorization: Bearer token is required".into())
            })?;
            let claims = state
                .jwt
                .verify(&token, state.clock.now())
                .map_err(|e| ApiError::Unauthorized(format!("invalid access token: {e}")))?;
            state
                .db(move |conn| {
                    // One statement: the user, and whether the token's session is still open
                    // (a refresh token of its family that is not revoked).
                    let session_open = diesel::dsl::exists(
                        refresh_tokens::table
                            .filter(refresh_tokens::family_id.eq(claims.sid))
                            .filter(refresh_tokens::user_id.eq(claims.sub))
                            .filter(refresh_tokens::revoked_at.is_null()),
                    );
                    let found: Option<(String, Id, bool, i64, bool)> = users::table
                        .find(claims.sub)
                        .select((
                            users::role,
                            users::org_unit_id,
                            users::active,
                            users::token_version,
                            session_open,
                        ))
                        .first(conn)
                        .optional()?;
                    let revoked = || ApiError::Unauthorized("the session has been revoked".into());
                    let (role, org_unit_id, active, version, open) = found.ok_or_else(revoked)?;
                    if !active || version != claims.ver || !open {
                        return Err(revoked());
                    }
                    let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
                    let reach = reach_of(conn, claims.sub, role)?;
                    Ok(Caller {
                        user_id: claims.sub,
                        role,
                        org_unit_id,
                        reach,
                    })
                })
                .await
        })
    }
}
