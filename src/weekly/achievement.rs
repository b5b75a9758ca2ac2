//! Target achievement of a unit per metric: the week, the month to date and the quarter to
//! date, all up to the week's Sunday. Actuals come from `progress::actuals` (the subtree's
//! facts, in one query per window and kind of fact); effective visits from one grouped query
//! over the daily reports.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id};
use crate::error::ApiResult;
use crate::progress::actuals::{actuals, probe};
use crate::progress::model::{Progress, ProgressStatus};
use crate::schema::{daily_reports as dr, targets};
use crate::settings::model::Settings;
use crate::targets::model::Target;
use crate::targets::period::{Metric, PeriodType};
use crate::visits::reports::model::COUNTED;

/// Achievement over one window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AchievementWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// What the subtree achieved: minor units for money, a count otherwise.
    pub actual: i64,
    /// The unit's own target for the whole week, month or quarter (without a category), if set.
    pub target_id: Option<Id>,
    pub target: Option<i64>,
    /// actual / target.
    pub achievement_ratio: Option<f64>,
    /// What an even pace would have reached by the week's Sunday.
    pub expected: Option<i64>,
    pub status: Option<ProgressStatus>,
}

/// Achievement of one metric.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricAchievement {
    pub metric: Metric,
    pub week: AchievementWindow,
    pub month_to_date: AchievementWindow,
    pub quarter_to_date: AchievementWindow,
}

/// The first days of the week, month and quarter that end on `week_end`'s windows.
fn window_starts(week_end: NaiveDate) -> [(PeriodType, NaiveDate); 3] {
    let week = week_end - chrono::Duration::days(6);
    let month = week_end.with_day(1).unwrap_or(week_end);
    let quarter_month = (week_end.month() - 1) / 3 * 3 + 1;
    let quarter = NaiveDate::from_ymd_opt(week_end.year(), quarter_month, 1).unwrap_or(month);
    [
        (PeriodType::Week, week),
        (PeriodType::Month, month),
        (PeriodType::Quarter, quarter),
    ]
}

/// Effective visits of counted daily reports per (unit of the report, day), from `from` to
/// `to`, for reports made in `units`.
fn effective_visits_by_day(
    conn: &mut DbConnection,
    units: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Id, NaiveDate, i64)>> {
    dr::table
        .filter(dr::org_unit_id.eq_any(units))
        .filter(dr::report_date.between(from, to))
        .filter(dr::status.eq_any(COUNTED))
        .filter(dr::effective_visit_count.gt(0))
        .group_by((dr::org_unit_id, dr::report_date))
        .select((
            dr::org_unit_id,
            dr::report_date,
            sql::<BigInt>("CAST(SUM(effective_visit_count) AS BIGINT)"),
        ))
        .load(conn)
}

/// Achievement of every metric for each unit (given with its subtree) in the week ending
/// `week_end`, for several units at once: one targets query, one
/// pass of actuals (whose windows the units share) and one query of effective visits for all.
pub fn compute_many(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[(Id, Vec<Id>)],
    week_end: NaiveDate,
) -> ApiResult<Vec<Vec<MetricAchievement>>> {
    let starts = window_starts(week_end);
    let roots: Vec<Id> = units.iter().map(|(u, _)| *u).collect();
    let own: Vec<Target> = targets::table
        .filter(targets::unit_id.eq_any(roots.iter().map(|u| Some(*u)).collect::<Vec<_>>()))
        .filter(targets::category.is_null())
        .filter(targets::period_type.eq_any(starts.map(|(k, _)| k.as_str())))
        .filter(targets::period_start.eq_any(starts.map(|(_, s)| s)))
        .order(targets::created_at)
        .select(Target::as_select())
        .load(conn)?;
    let mut probes = Vec::new();
    let mut probe_of: HashMap<(Id, Metric, PeriodType), Id> = HashMap::new();
    for unit in &roots {
        for metric in Metric::ALL.into_iter().filter(|m| *m != Metric::Visits) {
            for (kind, from) in starts {
                let p = probe(*unit, metric, kind, from, week_end);
                probe_of.insert((*unit, metric, kind), p.id);
                probes.push(p);
            }
        }
    }
    let found = actuals(conn, &probes, week_end, settings.money_facts_source)?;
    let earliest = starts.iter().map(|(_, s)| *s).min().unwrap_or(week_end);
    let mut everywhere: Vec<Id> = units.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    everywhere.sort();
    everywhere.dedup();
    let visits = effective_visits_by_day(conn, &everywhere, earliest, week_end)?;
    Ok(units
        .iter()
        .map(|(unit, subtree)| {
            let actual_of = |metric: Metric, kind: PeriodType, from: NaiveDate| -> i64 {
                if metric == Metric::Visits {
                    return visits
                        .iter()
                        .filter(|(u, d, _)| *d >= from && *d <= week_end && subtree.contains(u))
                        .map(|(_, _, n)| *n)
                        .sum();
                }
                probe_of
                    .get(&(*unit, metric, kind))
                    .and_then(|id| found.get(id))
                    .copied()
                    .unwrap_or(0)
            };
            let window = |metric: Metric, (kind, from): (PeriodType, NaiveDate)| {
                let actual = actual_of(metric, kind, from);
                let target = own.iter().find(|t| {
                    t.unit_id == Some(*unit)
                        && t.metric() == metric
                        && t.period_type == kind.as_str()
                        && t.period_start == from
                });
                match target {
                    Some(t) => {
                        let p = Progress::compute(t.clone(), actual, week_end, settings);
                        AchievementWindow {
                            from,
                            to: week_end,
                            actual,
                            target_id: Some(t.id),
                            target: Some(t.value),
                            achievement_ratio: p.achievement_ratio,
                            expected: Some(p.expected),
                            status: Some(p.status),
                        }
                    }
                    None => AchievementWindow {
                        from,
                        to: week_end,
                        actual,
                        target_id: None,
                        target: None,
                        achievement_ratio: None,
                        expected: None,
                        status: None,
                    },
                }
            };
            Metric::ALL
                .into_iter()
                .map(|metric| MetricAchievement {
                    metric,
                    week: window(metric, starts[0]),
                    month_to_date: window(metric, starts[1]),
                    quarter_to_date: window(metric, starts[2]),
                })
                .collect()
        })
        .collect())
}
