//! What waits for a supervisor on the daily dashboard: plans to approve, reports to review and
//! missing daily reports of the team.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::anomalies::model::{Anomaly, AnomalyKind};
use crate::anomalies::{self, Filter};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::http::Cursor;
use crate::schema::visit_plans as vp;
use crate::settings::model::Settings;
use crate::visits::plans::model::{PlanFilter, PlanRow};
use crate::visits::reports::model::{visit_counts, ReportFilter, ReportRow};

/// A submitted plan waiting for the caller's approval.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanAwaiting {
    pub plan_id: Id,
    pub owner_id: Id,
    pub plan_date: NaiveDate,
    pub submitted_at: Option<Timestamp>,
    pub planned_visits: i64,
}

/// A submitted report waiting for the caller's review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportAwaiting {
    pub report_id: Id,
    pub owner_id: Id,
    pub report_date: NaiveDate,
    pub submitted_at: Option<Timestamp>,
    pub late: bool,
    pub visits: i64,
}

/// What waits for a supervisor: every plan to approve and report to review of the team (any
/// day, oldest first), and the team's missing daily reports (as the anomalies list has them).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeamQueue {
    pub plans_awaiting_approval: Vec<PlanAwaiting>,
    pub reports_awaiting_review: Vec<ReportAwaiting>,
    pub missing_reports: Vec<Anomaly>,
}

/// Planned visits per plan.
pub fn planned_counts(conn: &mut DbConnection, plans: &[Id]) -> QueryResult<HashMap<Id, i64>> {
    Ok(vp::table
        .filter(vp::id.eq_any(plans))
        .select((vp::id, vp::visit_count))
        .load::<(Id, i64)>(conn)?
        .into_iter()
        .collect())
}

/// What waits for a supervisor or manager among the people of `units` (all they reach when
/// `None`).
pub fn queue(
    conn: &mut DbConnection,
    caller: &Caller,
    settings: &Settings,
    units: Option<Vec<Id>>,
    now: Timestamp,
) -> ApiResult<TeamQueue> {
    let all = Cursor {
        after: None,
        limit: i64::from(i32::MAX),
    };
    let plans = PlanRow::list(
        conn,
        caller,
        &PlanFilter {
            awaiting_me: true,
            units: units.clone(),
            ..Default::default()
        },
        all,
    )?;
    let reports = ReportRow::list(
        conn,
        caller,
        &ReportFilter {
            awaiting_me: true,
            units: units.clone(),
            ..Default::default()
        },
        all,
    )?;
    let plan_ids: Vec<Id> = plans.iter().map(|p| p.id).collect();
    let planned = planned_counts(conn, &plan_ids)?;
    let report_ids: Vec<Id> = reports.iter().map(|r| r.id).collect();
    let visits: HashMap<Id, i64> = visit_counts(conn, &report_ids)?
        .into_iter()
        .map(|(id, v, ..)| (id, v))
        .collect();
    let mut plans: Vec<PlanAwaiting> = plans
        .into_iter()
        .map(|p| PlanAwaiting {
            plan_id: p.id,
            owner_id: p.owner_id,
            plan_date: p.plan_date,
            submitted_at: p.submitted_at,
            planned_visits: planned.get(&p.id).copied().unwrap_or(0),
        })
        .collect();
    plans.sort_by_key(|p| (p.plan_date, p.submitted_at, p.plan_id));
    let mut reports: Vec<ReportAwaiting> = reports
        .into_iter()
        .map(|r| ReportAwaiting {
            report_id: r.id,
            owner_id: r.owner_id,
            report_date: r.report_date,
            submitted_at: r.submitted_at,
            late: r.late,
            visits: visits.get(&r.id).copied().unwrap_or(0),
        })
        .collect();
    reports.sort_by_key(|r| (r.report_date, r.submitted_at, r.report_id));
    let filter = Filter {
        kinds: vec![AnomalyKind::DailyReportMissing],
        severity: None,
        within: units,
        person: None,
    };
    let mut missing = anomalies::find(conn, caller, settings, &filter, now)?;
    anomalies::fill(conn, &mut missing)?;
    Ok(TeamQueue {
        plans_awaiting_approval: plans,
        reports_awaiting_review: reports,
        missing_reports: missing,
    })
}
