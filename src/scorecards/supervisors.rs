//! Weekly-report timeliness of the supervisors and managers of a subtree (seed 3.5: report
//! quality and timeliness are assessment items): for every unit they run, every week of the
//! period whose report is already due.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{pct_below, Period};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::progress::model::ratio;
use crate::schema::weekly_reports as wr;
use crate::settings::Settings;
use crate::weekly::{due_at, owing_units, IsoWeek};

/// One supervisor's or manager's weekly reports over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyReportScore {
    pub user_id: Id,
    pub name: String,
    /// The units (of the subtree) they run, each owing one report a week.
    pub units: i64,
    /// Reports due so far in the period: for each unit, the weeks whose Monday cutoff has passed
    /// (and came after the unit was created).
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    /// `on_time / due`; absent while nothing is due.
    pub timeliness_rate: Option<f64>,
    /// `timeliness_rate` below `scorecard_late_reporter_pct` (settings).
    pub late_reporter: bool,
}

/// The ISO weeks ending inside the period whose report was due by `now`, with their due time.
fn due_weeks(settings: &Settings, period: Period, now: Timestamp) -> Vec<(IsoWeek, Timestamp)> {
    let mut weeks = Vec::new();
    let mut week = IsoWeek::of(period.start);
    while week.end() <= period.end {
        let due = due_at(settings, week);
        if week.end() >= period.start && due.0 <= now.0 {
            weeks.push((week, due));
        }
        match week.end().checked_add_days(Days::new(1)) {
            Some(next) => week = IsoWeek::of(next),
            None => break,
        }
    }
    weeks
}

/// Weekly-report timeliness of whoever runs the `units`, by name.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    period: Period,
    now: Timestamp,
) -> ApiResult<Vec<WeeklyReportScore>> {
    let run = owing_units(conn, Some(units.to_vec()))?;
    let weeks = due_weeks(settings, period, now);
    let starts: Vec<_> = weeks.iter().map(|(w, _)| w.start()).collect();
    let unit_ids: Vec<Id> = run.iter().map(|u| u.id).collect();
    // (unit, week) -> submitted late.
    let submitted: HashMap<(Id, NaiveDate), bool> = wr::table
        .filter(wr::org_unit_id.eq_any(&unit_ids))
        .filter(wr::week_start.eq_any(&starts))
        .filter(wr::first_submitted_at.is_not_null())
        .select((wr::org_unit_id, wr::week_start, wr::late))
        .load::<(Id, NaiveDate, bool)>(conn)?
        .into_iter()
        .map(|(unit, week, late)| ((unit, week), late))
        .collect();
    let mut scores: BTreeMap<(String, Id), WeeklyReportScore> = BTreeMap::new();
    for unit in run {
        let s = scores
            .entry((unit.runner_name.clone(), unit.runner_id))
            .or_insert_with(|| WeeklyReportScore {
                user_id: unit.runner_id,
                name: unit.runner_name.clone(),
                units: 0,
                due: 0,
                on_time: 0,
                late: 0,
                missing: 0,
                timeliness_rate: None,
                late_reporter: false,
            });
        s.units += 1;
        for (week, _) in weeks.iter().filter(|(_, due)| unit.owes(*due)) {
            s.due += 1;
            match submitted.get(&(unit.id, week.start())) {
                Some(true) => s.late += 1,
                Some(false) => s.on_time += 1,
                None => s.missing += 1,
            }
        }
    }
    Ok(scores
        .into_values()
        .map(|mut s| {
            s.timeliness_rate = ratio(s.on_time, s.due);
            s.late_reporter = pct_below(s.timeliness_rate, settings.scorecard_late_reporter_pct);
            s
        })
        .collect())
}
