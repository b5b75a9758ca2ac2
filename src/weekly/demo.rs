//! Demo data for weekly reports: last week's report of every office, submitted on time, and a
//! draft for every region, with figures computed from the demo facts.

use diesel::prelude::*;

use super::figures::compute;
use super::model::{stored, WeeklyStatus};
use super::{due_at, IsoWeek};
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::weekly_reports as wr;
use crate::visits::business_day;

/// Writes last week's weekly reports of the units that have a manager below the company.
pub fn fill(conn: &mut DbConnection, now: Timestamp) -> anyhow::Result<usize> {
    let settings = crate::demo::settings(conn)?;
    let week = IsoWeek::of(business_day(&settings, now) - chrono::Duration::days(7));
    let due = due_at(&settings, week);
    let units = crate::demo::run_units(conn)?;
    let parents: Vec<Id> = units.iter().filter_map(|u| u.1).collect();
    let mut written = 0;
    for (unit, _, manager) in &units {
        // Offices (units nobody else hangs below) report; regions keep a draft.
        let is_office = !parents.contains(unit);
        let figures = compute(conn, &settings, *unit, week, now)
            .map_err(|e| anyhow::anyhow!("weekly figures: {e}"))?;
        let submitted = is_office.then(|| Timestamp(now.0.min(due.0 - chrono::Duration::hours(3))));
        let status = if is_office {
            WeeklyStatus::Submitted
        } else {
            WeeklyStatus::Draft
        };
        diesel::insert_into(wr::table)
            .values((
                wr::id.eq(Id::new()),
                wr::org_unit_id.eq(*unit),
                wr::iso_week.eq(week.label()),
                wr::week_start.eq(week.start()),
                wr::week_end.eq(week.end()),
                wr::author_id.eq(*manager),
                wr::status.eq(status.as_str()),
                wr::figures.eq(stored(&figures).map_err(|e| anyhow::anyhow!("{e}"))?),
                wr::figures_at.eq(now),
                wr::competitor_dynamics.eq(is_office.then_some(
                    "A competitor ran a two-for-one promotion on crates in two outlets.",
                )),
                wr::next_week_goals.eq(is_office.then_some("Close the gap to the monthly target.")),
                wr::next_week_plans
                    .eq(is_office.then_some("Visit every outlet whose orders fell.")),
                wr::due_at.eq(due),
                wr::first_submitted_at.eq(submitted),
                wr::submitted_at.eq(submitted),
                wr::created_at.eq(now),
                wr::updated_at.eq(now),
            ))
            .execute(conn)?;
        written += 1;
    }
    Ok(written)
}
