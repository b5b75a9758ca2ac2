//! Coaching session rows, participants and action items.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{
    coaching_action_items as ai, coaching_participants as cp, coaching_sessions as cs, users,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Individual,
    Collective,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Individual => "individual",
            SessionKind::Collective => "collective",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cs)]
pub struct Row {
    pub id: Id,
    pub coach_id: Id,
    pub kind: String,
    pub held_on: NaiveDate,
    pub topic: String,
    pub notes: String,
    pub follow_up_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An agreed next step, with its owner and due date.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = ai)]
pub struct ActionItem {
    pub id: Id,
    #[serde(skip)]
    pub session_id: Id,
    pub description: String,
    pub owner_id: Id,
    pub due_on: NaiveDate,
    pub done_at: Option<Timestamp>,
}

/// A coaching session as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoachingSession {
    pub id: Id,
    pub coach_id: Id,
    pub kind: SessionKind,
    pub held_on: NaiveDate,
    pub topic: String,
    pub notes: String,
    pub salesperson_ids: Vec<Id>,
    pub action_items: Vec<ActionItem>,
    pub follow_up_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub salesperson_id: Option<Id>,
    pub coach_id: Option<Id>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl Row {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        cs::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("coaching session"))
    }

    /// A session the caller held, took part in, or that coached someone in their reach.
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        let row = Self::find(conn, id)?;
        if caller.reach.all || row.coach_id == caller.user_id {
            return Ok(row);
        }
        let people: Vec<(Id, Id)> = cp::table
            .inner_join(users::table.on(users::id.eq(cp::user_id)))
            .filter(cp::session_id.eq(id))
            .select((users::id, users::org_unit_id))
            .load(conn)?;
        if people.iter().any(|(u, unit)| caller.reaches(*u, *unit)) {
            Ok(row)
        } else {
            Err(ApiError::not_found("coaching session"))
        }
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = cs::table.select(Row::as_select()).into_boxed();
        if !caller.reach.all {
            let reached = cp::table
                .inner_join(users::table.on(users::id.eq(cp::user_id)))
                .filter(
                    users::id
                        .eq(caller.user_id)
                        .or(users::org_unit_id.eq_any(caller.reach.unit_ids.clone())),
                )
                .select(cp::session_id);
            q = q.filter(cs::coach_id.eq(caller.user_id).or(cs::id.eq_any(reached)));
        }
        if let Some(person) = f.salesperson_id {
            q = q.filter(
                cs::id.eq_any(
                    cp::table
                        .filter(cp::user_id.eq(person))
                        .select(cp::session_id),
                ),
            );
        }
        if let Some(coach) = f.coach_id {
            q = q.filter(cs::coach_id.eq(coach));
        }
        if let Some(from) = f.from {
            q = q.filter(cs::held_on.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(cs::held_on.le(to));
        }
        crate::filter_updated_since!(q, cs::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(cs::id.gt(after));
        }
        q.order(cs::id).limit(page.fetch()).load(conn)
    }

    /// Rows as API objects; participants and action items of all of them in two queries.
    pub fn present(conn: &mut DbConnection, rows: Vec<Row>) -> QueryResult<Vec<CoachingSession>> {
        let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
        let people: Vec<(Id, Id)> = cp::table
            .filter(cp::session_id.eq_any(&ids))
            .select((cp::session_id, cp::user_id))
            .order((cp::session_id, cp::user_id))
            .load(conn)?;
        let items: Vec<ActionItem> = ai::table
            .filter(ai::session_id.eq_any(&ids))
            .select(ActionItem::as_select())
            .order(ai::id)
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| CoachingSession {
                salesperson_ids: people
                    .iter()
                    .filter(|(s, _)| *s == r.id)
                    .map(|(_, u)| *u)
                    .collect(),
                action_items: items
                    .iter()
                    .filter(|i| i.session_id == r.id)
                    .cloned()
                    .collect(),
                id: r.id,
                coach_id: r.coach_id,
                kind: if r.kind == "collective" {
                    SessionKind::Collective
                } else {
                    SessionKind::Individual
                },
                held_on: r.held_on,
                topic: r.topic,
                notes: r.notes,
                follow_up_on: r.follow_up_on,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }

    pub fn view(conn: &mut DbConnection, id: Id) -> ApiResult<CoachingSession> {
        let row = Self::find(conn, id)?;
        Self::present(conn, vec![row])?
            .pop()
            .ok_or_else(|| ApiError::not_found("coaching session"))
    }
}

crate::mirrored!(CoachingSession, "coaching_session", |c| {
    crate::events::Scope {
        people: c.salesperson_ids.clone(),
        readers: vec![c.coach_id],
        ..Default::default()
    }
});
