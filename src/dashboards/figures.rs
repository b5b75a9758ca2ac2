//! Target against actual per metric for units over a period, as the monthly and results
//! dashboards show them: each unit's own target of the period where it has one, else only
//! what its subtree achieved; all through `progress` (one pass of actuals for every unit).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id};
use crate::progress::actuals::{actuals, probe, progress_of};
use crate::progress::model::{ratio, ProgressStatus};
use crate::schema::targets;
use crate::settings::model::Settings;
use crate::targets::model::Target;
use crate::targets::period::{Metric, PeriodType};

/// One metric of one unit over a period, as of a day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricFigures {
    pub metric: Metric,
    /// The unit's own target of the period for the metric (the first made, without a
    /// category), if it has one.
    pub target_id: Option<Id>,
    pub target: Option<i64>,
    /// What the unit's subtree achieved in the period up to the day: minor units for money, a
    /// count otherwise.
    pub actual: i64,
    /// actual / target.
    pub achievement_ratio: Option<f64>,
    /// What an even pace would have reached by the day (with a target).
    pub expected: Option<i64>,
    /// actual - expected: negative when behind pace (with a target).
    pub gap: Option<i64>,
    /// Run-rate forecast at the period's end.
    pub forecast: i64,
    /// forecast / target.
    pub forecast_ratio: Option<f64>,
    /// With a target: how it is doing against its pace.
    pub status: Option<ProgressStatus>,
}

/// A period the figures are taken over.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub kind: PeriodType,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Every metric of each unit (with its subtree, see `progress::actuals`) over `span`, as of
/// `day`, in `Metric::ALL` order.
pub fn of_units(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    span: Span,
    day: NaiveDate,
) -> QueryResult<HashMap<Id, Vec<MetricFigures>>> {
    let mut own: Vec<Target> = Vec::new();
    for part in units.chunks(500) {
        own.extend(
            targets::table
                .filter(targets::unit_id.eq_any(part.iter().map(|u| Some(*u)).collect::<Vec<_>>()))
                .filter(targets::category.is_null())
                .filter(targets::period_type.eq(span.kind.as_str()))
                .filter(targets::period_start.eq(span.start))
                .order((targets::created_at, targets::id))
                .select(Target::as_select())
                .load::<Target>(conn)?,
        );
    }
    let mut asked: Vec<Target> = Vec::new();
    let mut probes: Vec<Id> = Vec::new();
    for unit in units {
        for metric in Metric::ALL {
            let found = own
                .iter()
                .find(|t| t.unit_id == Some(*unit) && t.metric() == metric);
            match found {
                Some(t) => asked.push(t.clone()),
                None => {
                    let p = probe(*unit, metric, span.kind, span.start, span.end);
                    probes.push(p.id);
                    asked.push(p);
                }
            }
        }
    }
    let mut out: HashMap<Id, Vec<MetricFigures>> = HashMap::new();
    for p in progress_of(conn, asked, settings, day)? {
        let Some(unit) = p.target.unit_id else {
            continue;
        };
        let real = !probes.contains(&p.target.id);
        let figures = MetricFigures {
            metric: p.target.metric(),
            target_id: real.then_some(p.target.id),
            target: real.then_some(p.target.value),
            actual: p.actual,
            achievement_ratio: if real { p.achievement_ratio } else { None },
            expected: real.then_some(p.expected),
            gap: real.then_some(p.gap),
            forecast: p.forecast,
            forecast_ratio: if real {
                ratio(p.forecast, p.target.value)
            } else {
                None
            },
            status: real.then_some(p.status),
        };
        out.entry(unit).or_default().push(figures);
    }
    Ok(out)
}

/// What each unit's subtree achieved per metric over each of `spans` (whole periods), in the
/// order of the spans: one pass of actuals for all.
pub fn actuals_over(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    spans: &[Span],
) -> QueryResult<HashMap<(Id, Metric), Vec<i64>>> {
    let mut probes = Vec::new();
    let mut keys = Vec::new();
    let last = spans.iter().map(|s| s.end).max();
    for unit in units {
        for metric in Metric::ALL {
            for s in spans {
                let p = probe(*unit, metric, s.kind, s.start, s.end);
                keys.push((*unit, metric, p.id));
                probes.push(p);
            }
        }
    }
    let Some(last) = last else {
        return Ok(HashMap::new());
    };
    let found = actuals(conn, &probes, last, settings.money_facts_source)?;
    let mut out: HashMap<(Id, Metric), Vec<i64>> = HashMap::new();
    for (unit, metric, id) in keys {
        out.entry((unit, metric))
            .or_default()
            .push(found.get(&id).copied().unwrap_or(0));
    }
    Ok(out)
}
