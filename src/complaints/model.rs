//! Complaint rows and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::alerts::{Escalation, Notified, Severity};
use crate::auth::{people_in, Caller};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::complaints as c;

/// Where a complaint is: `open` -> `in_progress` -> `resolved` -> `closed`, and `reopened`
/// (from resolved or closed) which is worked like an open one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
    Reopened,
}

impl ComplaintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Open => "open",
            ComplaintStatus::InProgress => "in_progress",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Closed => "closed",
            ComplaintStatus::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> ComplaintStatus {
        match s {
            "in_progress" => ComplaintStatus::InProgress,
            "resolved" => ComplaintStatus::Resolved,
            "closed" => ComplaintStatus::Closed,
            "reopened" => ComplaintStatus::Reopened,
            _ => ComplaintStatus::Open,
        }
    }

    /// Whether work on it is still owed.
    pub fn is_pending(self) -> bool {
        !matches!(self, ComplaintStatus::Resolved | ComplaintStatus::Closed)
    }
}

/// Statuses in which a complaint still needs work.
pub const PENDING: [&str; 3] = ["open", "in_progress", "reopened"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = c)]
pub struct Row {
    pub id: Id,
    pub reporter_id: Id,
    pub org_unit_id: Id,
    pub customer_id: Id,
    pub product_id: Option<Id>,
    pub title: String,
    pub description: String,
    pub severity: String,
    pub received_at: Timestamp,
    pub assignee_id: Id,
    pub status: String,
    pub resolution: Option<String>,
    pub resolution_due_at: Timestamp,
    pub acknowledged_by: Option<Id>,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub overdue_notified_at: Option<Timestamp>,
    pub escalation_level: i32,
    pub next_escalation_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A complaint as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Complaint {
    pub id: Id,
    pub reporter_id: Id,
    /// The reporter's unit when it was filed (decides who reaches it).
    pub org_unit_id: Id,
    pub customer_id: Id,
    pub product_id: Option<Id>,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// When the customer complained.
    pub received_at: Timestamp,
    /// Who handles it.
    pub assignee_id: Id,
    pub status: ComplaintStatus,
    pub resolution: Option<String>,
    /// `received_at` plus the resolution time of its severity (settings).
    pub resolution_due_at: Timestamp,
    /// Past `resolution_due_at` and not resolved.
    pub overdue: bool,
    pub acknowledged_by: Option<Id>,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub escalation_level: i32,
    pub next_escalation_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A complaint with who was told what, when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplaintDetail {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub escalations: Vec<Escalation>,
    pub notified: Vec<Notified>,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<ComplaintStatus>,
    pub severity: Option<Severity>,
    pub overdue: Option<bool>,
    pub units: Option<Vec<Id>>,
    pub customer_id: Option<Id>,
    pub assignee_id: Option<Id>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl Row {
    pub fn present(self, now: Timestamp) -> Complaint {
        let status = ComplaintStatus::parse(&self.status);
        Complaint {
            overdue: status.is_pending() && self.resolution_due_at.0 < now.0,
            id: self.id,
            reporter_id: self.reporter_id,
            org_unit_id: self.org_unit_id,
            customer_id: self.customer_id,
            product_id: self.product_id,
            title: self.title,
            description: self.description,
            severity: Severity::parse(&self.severity),
            received_at: self.received_at,
            assignee_id: self.assignee_id,
            status,
            resolution: self.resolution,
            resolution_due_at: self.resolution_due_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            escalation_level: self.escalation_level,
            next_escalation_at: self.next_escalation_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        c::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("complaint"))
    }

    /// A complaint the caller reaches: filed by or assigned to them, or filed by someone in their
    /// reach (by the reporter's current unit).
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        let row = Self::find(conn, id)?;
        if row.assignee_id == caller.user_id || caller.reaches_person(conn, row.reporter_id)? {
            Ok(row)
        } else {
            Err(ApiError::not_found("complaint"))
        }
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        now: Timestamp,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = c::table.select(Row::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                c::reporter_id
                    .eq(caller.user_id)
                    .or(c::assignee_id.eq(caller.user_id))
                    .or(c::reporter_id.eq_any(caller.reach.people())),
            );
        }
        if let Some(s) = f.status {
            q = q.filter(c::status.eq(s.as_str()));
        }
        if let Some(s) = f.severity {
            q = q.filter(c::severity.eq(s.as_str()));
        }
        match f.overdue {
            Some(true) => {
                q = q
                    .filter(c::status.eq_any(PENDING))
                    .filter(c::resolution_due_at.lt(now))
            }
            Some(false) => q = q.filter(c::status.ne_all(PENDING).or(c::resolution_due_at.ge(now))),
            None => {}
        }
        if let Some(units) = &f.units {
            q = q.filter(c::reporter_id.eq_any(people_in(units.clone())));
        }
        if let Some(customer) = f.customer_id {
            q = q.filter(c::customer_id.eq(customer));
        }
        if let Some(assignee) = f.assignee_id {
            q = q.filter(c::assignee_id.eq(assignee));
        }
        crate::filter_updated_since!(q, c::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(c::id.gt(after));
        }
        q.order(c::id).limit(page.fetch()).load(conn)
    }
}

crate::mirrored!(Complaint, "complaint", |c| crate::events::Scope {
    owner: Some(c.reporter_id),
    readers: vec![c.assignee_id],
    ..Default::default()
});
