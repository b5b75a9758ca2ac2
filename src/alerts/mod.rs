//! What market reports and complaints share: severities, the reporter's chain of superiors,
//! deadlines, and the background escalation that climbs that chain.

pub mod escalation;

use chrono::Duration;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::org::model::OrgUnit;
use crate::schema::{escalations, notifications, org_units};
use crate::settings::model::SeverityHours;

/// How serious an item is; `high` and `critical` reach the superiors at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Severity {
        match s {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// Whether filing it notifies the whole chain of superiors at once.
    pub fn is_serious(self) -> bool {
        matches!(self, Severity::High | Severity::Critical)
    }

    pub fn hours(self, table: &SeverityHours) -> Duration {
        Duration::hours(i64::from(match self {
            Severity::Low => table.low,
            Severity::Medium => table.medium,
            Severity::High => table.high,
            Severity::Critical => table.critical,
        }))
    }
}

/// The managers above a user, nearest first: the manager of their unit, then of each ancestor
/// unit up to the company; the user themself and repeats left out.
pub fn chain_of(conn: &mut DbConnection, user: Id, unit: Id) -> QueryResult<Vec<Id>> {
    let units = OrgUnit::ancestors(conn, unit)?;
    let managers: Vec<(Id, Option<Id>)> = org_units::table
        .filter(org_units::id.eq_any(&units))
        .select((org_units::id, org_units::manager_id))
        .load(conn)?;
    let mut chain = Vec::new();
    for u in &units {
        if let Some((_, Some(m))) = managers.iter().find(|(id, _)| id == u) {
            if *m != user && !chain.contains(m) {
                chain.push(*m);
            }
        }
    }
    Ok(chain)
}

/// The managers above a user as the org is now (their current unit; see `auth::Reach`): the
/// chain that reaches, and so signs for and is told about, the user's records.
pub fn chain_of_person(conn: &mut DbConnection, user: Id) -> QueryResult<Vec<Id>> {
    match crate::auth::current_unit(conn, user)? {
        Some(unit) => chain_of(conn, user, unit),
        None => Ok(Vec::new()),
    }
}

/// When an item filed now at `level` escalates next: after the acknowledgement deadline, as long
/// as there is someone higher in the chain.
pub fn next_escalation(
    now: Timestamp,
    deadline: Duration,
    level: i32,
    chain_len: usize,
) -> Option<Timestamp> {
    ((level as usize) < chain_len).then(|| Timestamp(now.0 + deadline))
}

/// One escalation of an item, as shown on it.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, ToSchema)]
pub struct Escalation {
    /// 2 = the second person up the chain, and so on.
    pub level: i32,
    pub escalated_to: Id,
    pub reason: String,
    pub created_at: Timestamp,
}

/// Who was told about an item, when, and when they read it.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, ToSchema)]
pub struct Notified {
    pub user_id: Id,
    pub event_type: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// The escalations and notifications of an item: who knew what, when.
pub fn history(
    conn: &mut DbConnection,
    item_type: &str,
    item: Id,
) -> QueryResult<(Vec<Escalation>, Vec<Notified>)> {
    let esc = escalations::table
        .filter(escalations::item_type.eq(item_type))
        .filter(escalations::item_id.eq(item))
        .select((
            escalations::level,
            escalations::escalated_to,
            escalations::reason,
            escalations::created_at,
        ))
        .order(escalations::level)
        .load(conn)?;
    let told = notifications::table
        .filter(notifications::resource_type.eq(item_type))
        .filter(notifications::resource_id.eq(item))
        .select((
            notifications::user_id,
            notifications::event_type,
            notifications::created_at,
            notifications::read_at,
        ))
        .order(notifications::id)
        .load(conn)?;
    Ok((esc, told))
}
