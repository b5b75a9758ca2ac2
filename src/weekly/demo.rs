//! Demo data for weekly reports: the last thirteen weeks (a quarter) of every unit someone
//! runs. Last week's office reports are submitted and the regions' and the company's are still
//! drafts; earlier weeks are all submitted (now and then late) and reviewed by the manager
//! above, if any. Figures are computed from the demo facts.

use chrono::Duration;
use diesel::prelude::*;

use super::figures::compute;
use super::model::{stored, WeeklyStatus};
use super::{due_at, IsoWeek};
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::weekly_reports as wr;
use crate::visits::business_day;

/// Writes the weekly reports; returns how many.
pub fn fill(conn: &mut DbConnection, now: Timestamp) -> anyhow::Result<usize> {
    let settings = crate::demo::settings(conn)?;
    let units = crate::demo::run_units(conn)?;
    let parents: Vec<Id> = units.iter().filter_map(|u| u.1).collect();
    let runner_of = |unit: Option<Id>| units.iter().find(|u| Some(u.0) == unit).map(|u| u.2);
    let mut written = 0;
    for back in 1..=13i64 {
        let week = IsoWeek::of(business_day(&settings, now) - Duration::days(7 * back));
        let due = due_at(&settings, week);
        for (n, (unit, parent, manager)) in units.iter().enumerate() {
            // Offices (units nobody else hangs below) report first; the units above keep last
            // week's report a draft.
            let is_office = !parents.contains(unit);
            let status = match (back, is_office) {
                (1, false) => WeeklyStatus::Draft,
                (1, true) => WeeklyStatus::Submitted,
                _ if runner_of(*parent).is_some() => WeeklyStatus::Reviewed,
                _ => WeeklyStatus::Submitted,
            };
            let late = back > 1 && (n as i64 + back) % 5 == 0;
            let submitted = (status != WeeklyStatus::Draft).then(|| {
                if late {
                    Timestamp(due.0 + Duration::hours(4))
                } else {
                    Timestamp(now.0.min(due.0 - Duration::hours(3)))
                }
            });
            let reviewer = (status == WeeklyStatus::Reviewed)
                .then(|| runner_of(*parent))
                .flatten();
            let figures = compute(conn, &settings, *unit, week, now)
                .map_err(|e| anyhow::anyhow!("weekly figures: {e}"))?;
            let words = status != WeeklyStatus::Draft;
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
                    wr::figures_at.eq(submitted.unwrap_or(now)),
                    wr::competitor_dynamics.eq(words.then_some(
                        "A competitor ran a two-for-one promotion on crates in two outlets.",
                    )),
                    wr::abnormal_customer_handling.eq(words.then_some(
                        "Visited every outlet whose orders fell; two overdue bills agreed in \
                         instalments.",
                    )),
                    wr::next_week_goals.eq(words.then_some("Close the gap to the monthly target.")),
                    wr::next_week_plans
                        .eq(words.then_some("Visit every outlet whose orders fell.")),
                    wr::due_at.eq(due),
                    wr::first_submitted_at.eq(submitted),
                    wr::submitted_at.eq(submitted),
                    wr::late.eq(late),
                    wr::reviewed_by.eq(reviewer),
                    wr::reviewed_at.eq(reviewer
                        .and(submitted)
                        .map(|s| Timestamp(s.0 + Duration::hours(20)))),
                    wr::review_comment.eq(reviewer.map(|_| {
                        if late {
                            "Good content, but it came in after Monday's cutoff."
                        } else {
                            "Clear and on time; keep it up."
                        }
                    })),
                    wr::created_at.eq(now),
                    wr::updated_at.eq(now),
                ))
                .execute(conn)?;
            written += 1;
        }
    }
    Ok(written)
}
