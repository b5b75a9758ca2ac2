//! The background check for missing daily reports: once a working day's cutoff has passed,
//! each active salesperson without a submitted (or excused) report for it is announced to their
//! nearest superior as `daily_report.missing`, once per person and day.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::{business_day, report_due_at};
use crate::alerts;
use crate::auth::Role;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::events;
use crate::jobs;
use crate::schema::{daily_report_missing_notices as mn, daily_reports as dr, users};
use crate::settings::model::StoredSettings;

/// The data of a `daily_report.missing` event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissingDailyReportNotice<'a> {
    pub user_id: Id,
    pub name: &'a str,
    pub org_unit_id: Id,
    pub report_date: NaiveDate,
    pub due_at: Timestamp,
}

/// One pass at `now`: looks at today and yesterday (so a pass missed around the cutoff is made
/// up for), and returns how many missing reports were announced.
pub fn run(conn: &mut DbConnection, now: Timestamp) -> ApiResult<usize> {
    use chrono::Datelike;
    let settings = StoredSettings::load(conn)?.settings;
    let today = business_day(&settings, now);
    let days: Vec<NaiveDate> = [today.pred_opt(), Some(today)]
        .into_iter()
        .flatten()
        .filter(|d| settings.is_working_day(d.weekday()) && now > report_due_at(&settings, *d))
        .collect();
    if days.is_empty() {
        return Ok(0);
    }
    let people: Vec<(Id, String, Id, Option<NaiveDate>)> = users::table
        .filter(users::role.eq(Role::Salesperson.as_str()))
        .filter(users::active.eq(true))
        .select((users::id, users::name, users::org_unit_id, users::hired_on))
        .load(conn)?;
    // Reports that settle a day: submitted at some point, or an attendance that excuses it.
    let settled: HashSet<(Id, NaiveDate)> = dr::table
        .filter(dr::report_date.eq_any(&days))
        .filter(
            dr::first_submitted_at
                .is_not_null()
                .or(dr::attendance.ne("present")),
        )
        .select((dr::owner_id, dr::report_date))
        .load::<(Id, NaiveDate)>(conn)?
        .into_iter()
        .collect();
    let told: HashSet<(Id, NaiveDate)> = mn::table
        .filter(mn::report_date.eq_any(&days))
        .select((mn::user_id, mn::report_date))
        .load::<(Id, NaiveDate)>(conn)?
        .into_iter()
        .collect();
    let mut announced = 0;
    for day in &days {
        for (user, name, unit, hired) in &people {
            let key = (*user, *day);
            if hired.is_some_and(|h| h > *day) || settled.contains(&key) || told.contains(&key) {
                continue;
            }
            let done = jobs::once(conn, |conn| {
                let chain = alerts::chain_of(conn, *user, *unit)?;
                diesel::insert_into(mn::table)
                    .values((
                        mn::user_id.eq(*user),
                        mn::report_date.eq(*day),
                        mn::notified_id.eq(chain.first().copied()),
                        mn::created_at.eq(now),
                    ))
                    .execute(conn)?;
                let data = MissingDailyReportNotice {
                    user_id: *user,
                    name,
                    org_unit_id: *unit,
                    report_date: *day,
                    due_at: report_due_at(&settings, *day),
                };
                let title = format!("{name} has not submitted the daily report for {day}");
                let to: Vec<Id> = chain.into_iter().take(1).collect();
                events::emit_and_notify(
                    conn,
                    now,
                    "daily_report.missing",
                    "user",
                    *user,
                    &data,
                    &title,
                    &to,
                )?;
                Ok(())
            })?;
            if done {
                announced += 1;
            }
        }
    }
    Ok(announced)
}
