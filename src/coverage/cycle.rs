//! The arithmetic of call cycles, on business days (docs/call-cycles.md):
//!
//! - a cycle's **interval**: every N weeks is 7 x N days; N visits a month is one every 30 / N
//!   days (rounded down, at least 1);
//! - a customer's **due day**: its last visit (in a submitted or reviewed daily report) plus the
//!   interval; never visited, its activation (or creation) day plus the interval;
//! - **overdue** on a day after its due day, by the days in between;
//! - over a period up to a day (`as_of`), a customer is **due** when its first due day (from the
//!   last visit before the period) falls on or before `as_of`, and **covered** when it is due
//!   and was overdue on no day of the period.

use chrono::{Duration, NaiveDate};

/// The days between visits a cycle asks for; `None` without a cycle.
pub fn interval_days(every_weeks: Option<i32>, per_month: Option<i32>) -> Option<i64> {
    match (every_weeks, per_month) {
        (Some(w), _) if w > 0 => Some(7 * i64::from(w)),
        (_, Some(n)) if n > 0 => Some((30 / i64::from(n)).max(1)),
        _ => None,
    }
}

/// Where a customer stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The last visit on or before the day.
    pub last_visit: Option<NaiveDate>,
    /// When the next visit is due.
    pub due_on: NaiveDate,
    /// Days past `due_on` (0 when not overdue).
    pub days_overdue: i64,
}

/// The standing on `on` of a customer with `interval`, known since `base`, last visited on
/// `last` (on or before `on`).
pub fn standing(
    base: NaiveDate,
    interval: i64,
    last: Option<NaiveDate>,
    on: NaiveDate,
) -> Standing {
    let due_on = last.unwrap_or(base) + Duration::days(interval);
    Standing {
        last_visit: last,
        due_on,
        days_overdue: (on - due_on).num_days().max(0),
    }
}

/// A customer over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// It needed a visit by the period's `as_of`.
    pub due: bool,
    /// Due, and overdue on no day of the period.
    pub covered: bool,
    /// Its standing on `as_of`.
    pub standing: Standing,
}

/// A customer over `start..=as_of`: `before` is its last visit before `start`, `visits` its
/// visit days within the period, in order.
pub fn over(
    base: NaiveDate,
    interval: i64,
    before: Option<NaiveDate>,
    visits: &[NaiveDate],
    start: NaiveDate,
    as_of: NaiveDate,
) -> Span {
    let step = Duration::days(interval);
    let mut last = before.unwrap_or(base);
    let due = last + step <= as_of;
    // Overdue on a day of the period: a day from `start` on, later than the last visit plus
    // the interval, before the next visit (or up to `as_of`).
    let mut covered = true;
    for v in visits {
        let first_overdue = (last + step + Duration::days(1)).max(start);
        if first_overdue < *v {
            covered = false;
        }
        last = *v;
    }
    if (last + step + Duration::days(1)).max(start) <= as_of {
        covered = false;
    }
    let last_visit = visits.last().copied().or(before);
    Span {
        due,
        covered: due && covered,
        standing: standing(base, interval, last_visit, as_of),
    }
}
