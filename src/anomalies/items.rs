//! Complaints overdue or escalated, and serious market reports nobody has acknowledged; each
//! as severe as the item itself.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{Anomaly, AnomalyFigures, AnomalyKind, ComplaintFigures, MarketReportFigures};
use super::scope::people_of;
use super::scope::Ctx;
use crate::alerts::Severity;
use crate::complaints::model::{ComplaintStatus, Row as ComplaintRow, PENDING};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::market_reports::model::{Category, MarketReportStatus, Row as ReportRow};
use crate::schema::{complaints as c, escalations, market_reports as mr};

/// Pending complaints past their due date, and pending complaints that escalated (since their
/// last escalation). A complaint is in scope through its reporter (as its list is), or its
/// assignee for the caller's own; `person_id` matches the reporter or the assignee.
pub fn complaints(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let scope = ctx.scope;
    let mut q = c::table
        .filter(c::status.eq_any(PENDING))
        .filter(
            c::resolution_due_at
                .lt(ctx.now)
                .or(c::escalation_level.gt(1)),
        )
        .select(ComplaintRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(units) = &scope.reach {
        q = people_of!(&scope.reach_people, units, |people| q.filter(
            c::reporter_id
                .eq(scope.me)
                .or(c::assignee_id.eq(scope.me))
                .or(c::reporter_id.eq_any(people)),
        ));
    }
    if let Some(units) = &scope.within {
        q = people_of!(&scope.within_people, units, |people| q
            .filter(c::reporter_id.eq_any(people)));
    }
    if let Some(p) = scope.person {
        q = q.filter(c::reporter_id.eq(p).or(c::assignee_id.eq(p)));
    }
    let rows: Vec<ComplaintRow> = q.load(conn)?;
    let escalated: Vec<Id> = rows
        .iter()
        .filter(|r| r.escalation_level > 1)
        .map(|r| r.id)
        .collect();
    let mut last: HashMap<Id, Timestamp> = HashMap::new();
    for part in escalated.chunks(500) {
        let found: Vec<(Id, Timestamp)> = escalations::table
            .filter(escalations::item_type.eq("complaint"))
            .filter(escalations::item_id.eq_any(part))
            .select((escalations::item_id, escalations::created_at))
            .load(conn)?;
        for (id, at) in found {
            let e = last.entry(id).or_insert(at);
            *e = (*e).max(at);
        }
    }
    let mut out = Vec::new();
    for r in rows {
        let severity = Severity::parse(&r.severity);
        let figures = ComplaintFigures {
            kind: AnomalyKind::ComplaintOverdue,
            complaint_id: r.id,
            title: r.title.clone(),
            status: ComplaintStatus::parse(&r.status),
            assignee_id: r.assignee_id,
            received_at: r.received_at,
            resolution_due_at: r.resolution_due_at,
            escalation_level: r.escalation_level,
            acknowledged_at: r.acknowledged_at,
        };
        let link = format!("/api/v1/complaints/{}", r.id);
        let key = r.id.to_string();
        if r.resolution_due_at < ctx.now {
            out.push(
                Anomaly::new(
                    severity,
                    r.resolution_due_at,
                    &key,
                    link.clone(),
                    AnomalyFigures::Complaint(figures.clone()),
                )
                .person(r.reporter_id)
                .customer(r.customer_id),
            );
        }
        if r.escalation_level > 1 {
            let since = last.get(&r.id).copied().unwrap_or(r.updated_at);
            out.push(
                Anomaly::new(
                    severity,
                    since,
                    &key,
                    link,
                    AnomalyFigures::Complaint(ComplaintFigures {
                        kind: AnomalyKind::ComplaintEscalated,
                        ..figures
                    }),
                )
                .person(r.reporter_id)
                .customer(r.customer_id),
            );
        }
    }
    Ok(out)
}

/// High and critical market reports still open (nobody acknowledged them), since filed.
pub fn market_reports(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let mut q = mr::table
        .filter(mr::status.eq(MarketReportStatus::Open.as_str()))
        .filter(mr::acknowledged_at.is_null())
        .filter(mr::severity.eq_any([Severity::High.as_str(), Severity::Critical.as_str()]))
        .select(ReportRow::as_select())
        .into_boxed::<MultiBackend>();
    super::scope::of_people!(q, mr::reporter_id, ctx.scope);
    let rows: Vec<ReportRow> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let category: Category =
                serde_json::from_value(serde_json::Value::String(r.category.clone()))
                    .unwrap_or(Category::Other);
            let figures = AnomalyFigures::MarketReport(MarketReportFigures {
                kind: AnomalyKind::MarketReportUnacknowledged,
                market_report_id: r.id,
                title: r.title.clone(),
                category,
                filed_at: r.created_at,
                escalation_level: r.escalation_level,
                next_escalation_at: r.next_escalation_at,
            });
            let link = format!("/api/v1/market-reports/{}", r.id);
            Anomaly::new(
                Severity::parse(&r.severity),
                r.created_at,
                &r.id.to_string(),
                link,
                figures,
            )
            .person(r.reporter_id)
        })
        .collect())
}
