//! The background check for missing weekly reports: once Monday's cutoff has passed, every unit
//! whose report for the week before has not been submitted is announced as
//! `weekly_report.missing` to whoever runs it and to the manager above them, once per unit and
//! week.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use super::{due_at, owing_units, IsoWeek};
use crate::alerts;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::events;
use crate::jobs;
use crate::schema::{weekly_report_missing_notices as wn, weekly_reports as wr};
use crate::settings::model::StoredSettings;
use crate::visits::business_day;

/// The data of a `weekly_report.missing` event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissingWeeklyReportNotice<'a> {
    pub org_unit_id: Id,
    pub unit_name: &'a str,
    pub manager_id: Id,
    pub week: String,
    pub week_start: NaiveDate,
    pub due_at: Timestamp,
}

/// One pass at `now`: looks at the last two weeks whose report is due (so a server that was
/// down on Monday makes up for it), and returns how many missing reports were announced.
pub fn run(conn: &mut DbConnection, now: Timestamp) -> ApiResult<usize> {
    let settings = StoredSettings::load(conn)?.settings;
    let today = business_day(&settings, now);
    let weeks: Vec<(IsoWeek, Timestamp)> = [14, 7]
        .into_iter()
        .map(|days| IsoWeek::of(today - Duration::days(days)))
        .map(|w| (w, due_at(&settings, w)))
        .filter(|(_, due)| now.0 > due.0)
        .collect();
    if weeks.is_empty() {
        return Ok(0);
    }
    let starts: Vec<NaiveDate> = weeks.iter().map(|(w, _)| w.start()).collect();
    let units = owing_units(conn, None)?;
    let settled: HashSet<(Id, NaiveDate)> = wr::table
        .filter(wr::week_start.eq_any(&starts))
        .filter(wr::first_submitted_at.is_not_null())
        .select((wr::org_unit_id, wr::week_start))
        .load::<(Id, NaiveDate)>(conn)?
        .into_iter()
        .collect();
    let told: HashSet<(Id, NaiveDate)> = wn::table
        .filter(wn::week_start.eq_any(&starts))
        .select((wn::org_unit_id, wn::week_start))
        .load::<(Id, NaiveDate)>(conn)?
        .into_iter()
        .collect();
    let mut announced = 0;
    for (week, due) in &weeks {
        for unit in &units {
            let key = (unit.id, week.start());
            if !unit.owes(*due) || settled.contains(&key) || told.contains(&key) {
                continue;
            }
            let (unit, name, runner) = (&unit.id, &unit.name, &unit.runner_id);
            let done = jobs::once(conn, |conn| {
                diesel::insert_into(wn::table)
                    .values((
                        wn::org_unit_id.eq(*unit),
                        wn::week_start.eq(week.start()),
                        wn::created_at.eq(now),
                    ))
                    .execute(conn)?;
                let mut to = vec![*runner];
                to.extend(alerts::chain_of(conn, *runner, *unit)?.into_iter().take(1));
                let data = MissingWeeklyReportNotice {
                    org_unit_id: *unit,
                    unit_name: name,
                    manager_id: *runner,
                    week: week.label(),
                    week_start: week.start(),
                    due_at: *due,
                };
                let title = format!("The weekly report of {name} for {week} is missing");
                events::emit_and_notify(
                    conn,
                    now,
                    "weekly_report.missing",
                    "org_unit",
                    *unit,
                    &data,
                    &title,
                    &to,
                )?;
                Ok(())
            });
            if done? {
                announced += 1;
            }
        }
    }
    Ok(announced)
}
