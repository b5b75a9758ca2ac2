//! Targets of current periods short of their pace: `behind` (medium) and `at_risk` (high),
//! once enough of the period has passed to judge (settings).

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{Anomaly, AnomalyFigures, AnomalyKind, ShortTargetFigures};
use super::scope::Ctx;
use crate::alerts::Severity;
use crate::db::{DbConnection, Id, Timestamp};
use crate::http::Cursor;
use crate::progress::actuals::progress_of;
use crate::progress::model::ProgressStatus;
use crate::progress::status::judged;
use crate::schema::target_statuses as ts;
use crate::targets::model::{Target, TargetFilter};

pub fn find(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let filter = TargetFilter {
        covering: Some(ctx.today),
        within_units: ctx.scope.within.clone(),
        user_id: ctx.scope.person,
        ..Default::default()
    };
    let all = Cursor {
        after: None,
        limit: i64::from(i32::MAX),
    };
    let rows = Target::list(conn, ctx.caller, &filter, all)?;
    let short: Vec<_> = progress_of(conn, rows, ctx.settings, ctx.today)?
        .into_iter()
        .filter(|p| p.status.is_short() && judged(p, ctx.settings))
        .collect();
    // Since when: since the background pass found the status, when it found the same.
    let mut since: HashMap<Id, (String, Timestamp)> = HashMap::new();
    let ids: Vec<Id> = short.iter().map(|p| p.target.id).collect();
    for part in ids.chunks(500) {
        since.extend(
            ts::table
                .filter(ts::target_id.eq_any(part))
                .select((ts::target_id, ts::status, ts::since))
                .load::<(Id, String, Timestamp)>(conn)?
                .into_iter()
                .map(|(id, s, at)| (id, (s, at))),
        );
    }
    Ok(short
        .into_iter()
        .map(|p| {
            let t = &p.target;
            // Not recorded yet (the pass runs every minute): today, which stays put from one
            // page to the next.
            let at = match since.get(&t.id) {
                Some((s, at)) if s == p.status.as_str() => *at,
                _ => super::day_start(ctx.settings, ctx.today),
            };
            let at_risk = p.status == ProgressStatus::AtRisk;
            let figures = ShortTargetFigures {
                kind: if at_risk {
                    AnomalyKind::TargetAtRisk
                } else {
                    AnomalyKind::TargetBehind
                },
                metric: t.metric.clone(),
                period_type: t.period_type.clone(),
                period_start: t.period_start,
                period_end: t.period_end,
                value: t.value,
                actual: p.actual,
                expected: p.expected,
                gap: p.gap,
                forecast: p.forecast,
                achievement_ratio: p.achievement_ratio,
                status: p.status,
                as_of: p.as_of,
            };
            let severity = if at_risk {
                Severity::High
            } else {
                Severity::Medium
            };
            let figures = AnomalyFigures::Target(figures);
            let link = format!("/api/v1/targets/{}/progress", t.id);
            let mut a = Anomaly::new(severity, at, &t.id.to_string(), link, figures);
            a.target_id = Some(t.id);
            a.person_id = t.user_id;
            a.unit_id = t.unit_id;
            a.dealer_id = t.dealer_id;
            a
        })
        .collect())
}
