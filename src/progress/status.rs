//! The background pass that watches the targets of current periods: it recomputes their
//! progress status, remembers it (`target_statuses`), and announces each change of status once
//! as `target.status_changed`. A target turning worse into `behind` or `at_risk` also lands in
//! the inbox of its assignee and of the assignee's superiors.
//!
//! One instance recomputes for all, at most every [`EVERY`] (a claim on `job_runs`); each change
//! is written with a conditional update (or the insert of the first status) in the transaction
//! that announces it, so even two passes at once announce it once.

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::actuals::progress_of;
use super::model::{Progress, ProgressStatus};
use crate::alerts;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::jobs;
use crate::schema::{dealers, job_runs, org_units, target_statuses as ts, targets, users};
use crate::settings::model::{Settings, StoredSettings};
use crate::targets::model::Target;
use crate::targets::rules::Assignee;
use crate::visits::business_day;

/// How often the statuses are recomputed (by one instance for all).
pub const EVERY: Duration = Duration::seconds(60);

const JOB: &str = "target_statuses";

/// The data of a `target.status_changed` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetStatusChange {
    /// The status before (absent when the target is judged for the first time).
    pub previous_status: Option<ProgressStatus>,
    pub status: ProgressStatus,
    /// The progress in which the new status was found.
    pub progress: Progress,
}

/// Takes this interval's turn; false when another instance (or an earlier pass) has it.
fn claim(conn: &mut DbConnection, now: Timestamp) -> QueryResult<bool> {
    let n = diesel::update(
        job_runs::table
            .filter(job_runs::name.eq(JOB))
            .filter(job_runs::next_run_at.le(now)),
    )
    .set(job_runs::next_run_at.eq(Timestamp(now.0 + EVERY)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether a target is judged yet: enough days of its period have passed (settings).
pub fn judged(p: &Progress, settings: &Settings) -> bool {
    p.elapsed_days >= i64::from(settings.anomalies.target_min_elapsed_days.max(1))
}

/// The progress of every target whose period contains `today`, those judged yet.
pub fn current(
    conn: &mut DbConnection,
    settings: &Settings,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<Progress>> {
    let rows: Vec<Target> = targets::table
        .filter(targets::period_start.le(today))
        .filter(targets::period_end.ge(today))
        .order(targets::id)
        .select(Target::as_select())
        .load(conn)?;
    Ok(progress_of(conn, rows, settings, today)?
        .into_iter()
        .filter(|p| judged(p, settings))
        .collect())
}

/// The stored status of targets and since when, for the targets of current periods.
pub fn stored(
    conn: &mut DbConnection,
    today: chrono::NaiveDate,
) -> QueryResult<HashMap<Id, (String, Timestamp)>> {
    Ok(ts::table
        .inner_join(targets::table)
        .filter(targets::period_start.le(today))
        .filter(targets::period_end.ge(today))
        .select((ts::target_id, ts::status, ts::since))
        .load::<(Id, String, Timestamp)>(conn)?
        .into_iter()
        .map(|(id, s, since)| (id, (s, since)))
        .collect())
}

/// The assignee's name and who is told: a person and their superiors; a unit's manager and the
/// managers above; a dealer's users and the managers of the dealer's unit and above.
fn audience(conn: &mut DbConnection, target: &Target) -> QueryResult<(String, Vec<Id>)> {
    let nobody = Id(uuid::Uuid::nil());
    Ok(match Assignee::of(target) {
        Assignee::User(u) => {
            let name: String = users::table
                .find(u)
                .select(users::name)
                .first(conn)
                .optional()?
                .unwrap_or_default();
            let mut to = vec![u];
            to.extend(alerts::chain_of_person(conn, u)?);
            (name, to)
        }
        Assignee::Unit(unit) => {
            let name: String = org_units::table
                .find(unit)
                .select(org_units::name)
                .first(conn)
                .optional()?
                .unwrap_or_default();
            (name, alerts::chain_of(conn, nobody, unit)?)
        }
        Assignee::Dealer(d) => {
            let (name, unit): (String, Id) = match dealers::table
                .find(d)
                .select((dealers::name, dealers::org_unit_id))
                .first(conn)
                .optional()?
            {
                Some(found) => found,
                None => return Ok((String::new(), Vec::new())),
            };
            let mut to: Vec<Id> = users::table
                .filter(users::dealer_id.eq(d))
                .filter(users::active.eq(true))
                .order(users::id)
                .select(users::id)
                .load(conn)?;
            to.extend(alerts::chain_of(conn, nobody, unit)?);
            (name, to)
        }
    })
}

fn title(target: &Target, assignee: &str, status: ProgressStatus) -> String {
    let status = match status {
        ProgressStatus::Ahead => "ahead of its pace",
        ProgressStatus::OnTrack => "on track",
        ProgressStatus::Behind => "behind its pace",
        ProgressStatus::AtRisk => "at risk",
    };
    format!(
        "The {} target of {assignee} for the {} from {} is {status}",
        target.metric.replace('_', " "),
        target.period_type,
        target.period_start
    )
}

/// Announces one change of status, once: the status row moves from `previous` (or is created)
/// in the same transaction as the event, and a lost race is a conflict that writes nothing.
fn announce(
    conn: &mut DbConnection,
    now: Timestamp,
    previous: Option<ProgressStatus>,
    progress: &Progress,
) -> ApiResult<bool> {
    let status = progress.status;
    let id = progress.target.id;
    jobs::once(conn, |conn| {
        match previous {
            None => {
                diesel::insert_into(ts::table)
                    .values((
                        ts::target_id.eq(id),
                        ts::status.eq(status.as_str()),
                        ts::since.eq(now),
                        ts::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Some(old) => {
                let n = diesel::update(
                    ts::table
                        .filter(ts::target_id.eq(id))
                        .filter(ts::status.eq(old.as_str())),
                )
                .set((
                    ts::status.eq(status.as_str()),
                    ts::since.eq(now),
                    ts::updated_at.eq(now),
                ))
                .execute(conn)?;
                if n == 0 {
                    return Err(ApiError::conflict("announced by another pass"));
                }
            }
        }
        let (name, audience) = audience(conn, &progress.target)?;
        let data = TargetStatusChange {
            previous_status: previous,
            status,
            progress: progress.clone(),
        };
        // Everyone sees the change in the feed of events; people are told when it got worse.
        let worse = status.is_short() && previous.is_none_or(|old| status.worse_than(old));
        let to = if worse { audience } else { Vec::new() };
        events::emit_and_notify(
            conn,
            now,
            "target.status_changed",
            "target",
            id,
            &data,
            &title(&progress.target, &name, status),
            &to,
        )?;
        Ok(())
    })
}

/// One pass at `now`, if it is this instance's turn: returns how many changes it announced.
pub fn run(conn: &mut DbConnection, now: Timestamp) -> ApiResult<usize> {
    if !claim(conn, now)? {
        return Ok(0);
    }
    recompute(conn, now)
}

/// Recomputes every current target's status and announces the changes, whoever else does the
/// same at the same time (each change is announced once between them).
pub fn recompute(conn: &mut DbConnection, now: Timestamp) -> ApiResult<usize> {
    let settings = StoredSettings::load(conn)?.settings;
    let today = business_day(&settings, now);
    let found = current(conn, &settings, today)?;
    let known = stored(conn, today)?;
    let mut quiet = Vec::new();
    let mut announced = 0;
    for p in &found {
        let previous = known
            .get(&p.target.id)
            .and_then(|(s, _)| ProgressStatus::parse(s));
        match previous {
            Some(old) if old == p.status => {}
            // A first status that is fine is only remembered.
            None if !p.status.is_short() => quiet.push(p.target.id),
            _ => {
                if announce(conn, now, previous, p)? {
                    announced += 1;
                }
            }
        }
    }
    remember(conn, now, &found, &quiet)?;
    Ok(announced)
}

/// Stores the first status of targets that need no announcement, many rows a statement.
fn remember(
    conn: &mut DbConnection,
    now: Timestamp,
    found: &[Progress],
    quiet: &[Id],
) -> QueryResult<()> {
    let status: HashMap<Id, &'static str> = found
        .iter()
        .map(|p| (p.target.id, p.status.as_str()))
        .collect();
    for part in quiet.chunks(200) {
        let rows: Vec<_> = part
            .iter()
            .map(|id| {
                (
                    ts::target_id.eq(*id),
                    ts::status.eq(status.get(id).copied().unwrap_or("on_track")),
                    ts::since.eq(now),
                    ts::updated_at.eq(now),
                )
            })
            .collect();
        crate::per_backend!(&mut *conn, |c| diesel::insert_into(ts::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}
