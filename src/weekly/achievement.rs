//! Target achievement of a unit per metric: the week, the month to date and the quarter to
//! date, all up to the week's Sunday. Actuals come from `progress::actuals` (the subtree's
//! facts, in one query per window and kind of fact); effective visits from one grouped query
//! over the daily reports.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::progress::actuals::actuals;
use crate::progress::model::{Progress, ProgressStatus};
use crate::schema::{daily_reports as dr, report_visits as rv, targets};
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

/// A target that only exists to ask `actuals` for a window of the unit's subtree.
fn probe(unit: Id, metric: Metric, kind: PeriodType, from: NaiveDate, to: NaiveDate) -> Target {
    let epoch = Timestamp(DateTime::<Utc>::UNIX_EPOCH);
    Target {
        id: Id::new(),
        metric: metric.as_str().into(),
        period_type: kind.as_str().into(),
        period_start: from,
        period_end: to,
        value: 0,
        unit_id: Some(unit),
        user_id: None,
        dealer_id: None,
        category: None,
        parent_id: None,
        created_by: unit,
        version: 0,
        created_at: epoch,
        updated_at: epoch,
    }
}

/// Effective visits of the subtree's counted daily reports per day, from `from` to `to`.
fn effective_visits_by_day(
    conn: &mut DbConnection,
    units: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    rv::table
        .inner_join(dr::table)
        .filter(dr::org_unit_id.eq_any(units))
        .filter(dr::report_date.between(from, to))
        .filter(dr::status.eq_any(COUNTED))
        .filter(rv::effective.eq(true))
        .group_by(dr::report_date)
        .select((dr::report_date, sql::<BigInt>("CAST(COUNT(*) AS BIGINT)")))
        .load(conn)
}

/// Achievement of every metric for `unit` (whose subtree is `units`) in the week ending
/// `week_end`.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    unit: Id,
    units: &[Id],
    week_end: NaiveDate,
) -> ApiResult<Vec<MetricAchievement>> {
    let starts = window_starts(week_end);
    let own: Vec<Target> = targets::table
        .filter(targets::unit_id.eq(unit))
        .filter(targets::category.is_null())
        .filter(targets::period_type.eq_any(starts.map(|(k, _)| k.as_str())))
        .filter(targets::period_start.eq_any(starts.map(|(_, s)| s)))
        .order(targets::created_at)
        .select(Target::as_select())
        .load(conn)?;
    let mut probes = Vec::new();
    let mut probe_of: HashMap<(Metric, PeriodType), Id> = HashMap::new();
    for metric in Metric::ALL.into_iter().filter(|m| *m != Metric::Visits) {
        for (kind, from) in starts {
            let p = probe(unit, metric, kind, from, week_end);
            probe_of.insert((metric, kind), p.id);
            probes.push(p);
        }
    }
    let found = actuals(conn, &probes, week_end, settings.money_facts_source)?;
    let earliest = starts.iter().map(|(_, s)| *s).min().unwrap_or(week_end);
    let visits = effective_visits_by_day(conn, units, earliest, week_end)?;
    let actual_of = |metric: Metric, kind: PeriodType, from: NaiveDate| -> i64 {
        if metric == Metric::Visits {
            return visits
                .iter()
                .filter(|(d, _)| *d >= from && *d <= week_end)
                .map(|(_, n)| *n)
                .sum();
        }
        probe_of
            .get(&(metric, kind))
            .and_then(|id| found.get(id))
            .copied()
            .unwrap_or(0)
    };
    let window = |metric: Metric, (kind, from): (PeriodType, NaiveDate)| -> AchievementWindow {
        let actual = actual_of(metric, kind, from);
        let target = own.iter().find(|t| {
            t.metric() == metric && t.period_type == kind.as_str() && t.period_start == from
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
    Ok(Metric::ALL
        .into_iter()
        .map(|metric| MetricAchievement {
            metric,
            week: window(metric, starts[0]),
            month_to_date: window(metric, starts[1]),
            quarter_to_date: window(metric, starts[2]),
        })
        .collect())
}
