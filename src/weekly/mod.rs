//! Weekly progress reports (seed 3.5): one per org unit and ISO week, written by the unit's
//! supervisor or manager, due on Monday at the cutoff for the week before. Creating one fills
//! its figures from the subtree's data; submitting freezes them; the manager above reviews or
//! returns it (`/api/v1/weekly-reports`).

pub mod abnormal;
pub mod achievement;
pub mod actions;
pub mod api;
pub mod compliance;
pub mod demo;
pub mod export;
pub mod figures;
pub mod missing;
pub mod model;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;

use diesel::prelude::*;

use crate::auth::Role;
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{org_units, users};
use crate::settings::model::Settings;

/// Roles that write weekly reports (for units their reach covers).
pub const WRITERS: [Role; 2] = [Role::Supervisor, Role::Manager];

/// Roles that read weekly reports (of units their reach covers).
pub const READERS: [Role; 5] = [
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
    Role::Integration,
];

/// An ISO 8601 week (`2026-W47`): Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

impl IsoWeek {
    /// The week of a day.
    pub fn of(day: NaiveDate) -> IsoWeek {
        let w = day.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    /// A week from its parts, if it exists (week 53 only in long years).
    pub fn from_parts(year: i32, week: u32) -> Option<IsoWeek> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| IsoWeek { year, week })
    }

    /// Parses `YYYY-Www`.
    pub fn parse(s: &str) -> Option<IsoWeek> {
        let (year, week) = s.split_once("-W")?;
        if year.len() != 4 || week.len() != 2 {
            return None;
        }
        if !year.bytes().chain(week.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::from_parts(year.parse().ok()?, week.parse().ok()?)
    }

    /// Its Monday.
    pub fn start(&self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// Its Sunday.
    pub fn end(&self) -> NaiveDate {
        self.start()
            .checked_add_days(Days::new(6))
            .unwrap_or(NaiveDate::MAX)
    }

    /// `YYYY-Www`.
    pub fn label(&self) -> String {
        format!("{:04}-W{:02}", self.year, self.week)
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// A unit that owes a weekly report every week: one run by an active supervisor or manager.
#[derive(Debug, Clone, Queryable)]
pub struct OwingUnit {
    pub id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    /// Who runs it (and writes its reports).
    pub runner_id: Id,
    pub runner_name: String,
    pub created_at: Timestamp,
}

impl OwingUnit {
    /// Whether it owed the report due at `due`: it existed before then.
    pub fn owes(&self, due: Timestamp) -> bool {
        self.created_at.0 < due.0
    }
}

/// The units that owe weekly reports, among `among` (every unit when `None`), by name.
pub fn owing_units(conn: &mut DbConnection, among: Option<Vec<Id>>) -> QueryResult<Vec<OwingUnit>> {
    let mut q = org_units::table
        .inner_join(users::table.on(users::id.nullable().eq(org_units::manager_id)))
        .filter(users::active.eq(true))
        .select((
            org_units::id,
            org_units::name,
            org_units::parent_id,
            users::id,
            users::name,
            org_units::created_at,
        ))
        .order((org_units::name, org_units::id))
        .into_boxed();
    if let Some(ids) = among {
        q = q.filter(org_units::id.eq_any(ids));
    }
    q.load(conn)
}

/// When the report of a week is due: the Monday after it at the weekly cutoff, local time.
pub fn due_at(settings: &Settings, week: IsoWeek) -> Timestamp {
    let monday = week
        .end()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    let tz: Tz = settings.tz();
    let local = monday.and_time(settings.weekly_cutoff());
    let due: DateTime<chrono::Utc> = match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.to_utc(),
        chrono::LocalResult::Ambiguous(t, _) => t.to_utc(),
        // A cutoff inside a DST gap: the first instant after it.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.to_utc())
            .unwrap_or_else(|| local.and_utc()),
    };
    Timestamp::from(due)
}

#[cfg(test)]
mod tests {
    use super::IsoWeek;

    #[test]
    fn weeks_parse_and_print() {
        let w = IsoWeek::parse("2026-W48");
        assert_eq!(
            w.map(|w| w.start().to_string()).as_deref(),
            Some("2026-11-23")
        );
        assert_eq!(
            w.map(|w| w.end().to_string()).as_deref(),
            Some("2026-11-29")
        );
        assert_eq!(w.map(|w| w.label()).as_deref(), Some("2026-W48"));
        assert!(IsoWeek::parse("2026-48").is_none());
        assert!(IsoWeek::parse("2026-W54").is_none());
        assert!(IsoWeek::parse("2025-W53").is_none());
        assert!(IsoWeek::parse("2026-W53").is_some());
        assert!(IsoWeek::parse("26-W01").is_none());
    }
}
