//! Sums of facts over a window of days, read from the per-day and per-month sums the database
//! keeps beside the facts (migration `000010_fact_sums`, kept by triggers): the whole months
//! inside the window from the monthly sums, the days at either end from the daily ones. Two
//! queries per window, whatever the number of facts in it.

use std::collections::HashMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{DbConnection, Id, MultiBackend};
use crate::schema::{payment_fact_days, payment_fact_months, sales_fact_days, sales_fact_months};

/// The dealer key of a sum without a dealer.
const NO_DEALER: Id = Id(uuid::Uuid::nil());

/// What a window of days is made of: whole months (first days, inclusive) and the days left
/// at either end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    months: Option<(NaiveDate, NaiveDate)>,
    head: Option<(NaiveDate, NaiveDate)>,
    tail: Option<(NaiveDate, NaiveDate)>,
}

fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn split(from: NaiveDate, to: NaiveDate) -> Split {
    let none = Split {
        months: None,
        head: None,
        tail: None,
    };
    if to < from {
        return none;
    }
    // The first whole month starts on `from` or on the first of the month after it; the last
    // ends on `to` or on the last day of the month before it.
    let first_full = if from.day() == 1 {
        Some(from)
    } else {
        first_of(from).checked_add_months(Months::new(1))
    };
    let after_to = to.checked_add_days(Days::new(1));
    let last_full = match after_to {
        Some(next) if next.day() == 1 => first_of(to),
        _ => first_of(to)
            .checked_sub_months(Months::new(1))
            .unwrap_or(from),
    };
    match first_full {
        Some(first) if first <= last_full => {
            let end_of_months = last_full
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(to);
            Split {
                months: Some((first, last_full)),
                head: (from < first).then(|| (from, first.pred_opt().unwrap_or(from))),
                tail: (end_of_months < to).then(|| (end_of_months.succ_opt().unwrap_or(to), to)),
            }
        }
        _ => Split {
            head: Some((from, to)),
            ..none
        },
    }
}

/// Sums per (salesperson, dealer): (revenue, revenue - cost).
pub type SalesSums = Vec<(Id, Option<Id>, i64, i64)>;

fn add(out: &mut HashMap<(Id, Option<Id>), (i64, i64)>, rows: Vec<(Id, Id, i64, i64)>) {
    for (person, dealer, a, b) in rows {
        let dealer = (dealer != NO_DEALER).then_some(dealer);
        let e = out.entry((person, dealer)).or_insert((0, 0));
        e.0 = e.0.saturating_add(a);
        e.1 = e.1.saturating_add(b);
    }
}

fn collect(out: HashMap<(Id, Option<Id>), (i64, i64)>) -> SalesSums {
    out.into_iter()
        .map(|((p, d), (a, b))| (p, d, a, b))
        .collect()
}

/// Sales from `from` to `to` per salesperson and dealer: revenue and gross profit, of the
/// `sources`, of one category (`None`: every category), of `people` only (`None`: everyone).
pub fn sales(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    sources: &[&str],
    category: Option<&str>,
    people: Option<&[Id]>,
) -> QueryResult<SalesSums> {
    let s = split(from, to);
    let mut out = HashMap::new();
    let sums = || {
        (
            sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor - cost_minor), 0) AS BIGINT)"),
        )
    };
    if let Some((a, b)) = s.months {
        use sales_fact_months as m;
        let (x, y) = sums();
        let mut q = m::table
            .group_by((m::salesperson_id, m::dealer_key))
            .select((m::salesperson_id, m::dealer_key, x, y))
            .filter(m::month_start.between(a, b))
            .filter(m::source.eq_any(sources.to_vec()))
            .into_boxed::<MultiBackend>();
        if let Some(c) = category {
            q = q.filter(m::category_key.eq(c.to_string()));
        }
        if let Some(p) = people {
            q = q.filter(m::salesperson_id.eq_any(p.to_vec()));
        }
        add(&mut out, q.load(conn)?);
    }
    let ends: Vec<(NaiveDate, NaiveDate)> = s.head.into_iter().chain(s.tail).collect();
    if !ends.is_empty() {
        use sales_fact_days as d;
        let (x, y) = sums();
        let mut q = d::table
            .group_by((d::salesperson_id, d::dealer_key))
            .select((d::salesperson_id, d::dealer_key, x, y))
            .filter(d::source.eq_any(sources.to_vec()))
            .into_boxed::<MultiBackend>();
        q = match ends.as_slice() {
            [(a, b)] => q.filter(d::sold_on.between(*a, *b)),
            [(a, b), (c, e), ..] => {
                q.filter(d::sold_on.between(*a, *b).or(d::sold_on.between(*c, *e)))
            }
            [] => q,
        };
        if let Some(c) = category {
            q = q.filter(d::category_key.eq(c.to_string()));
        }
        if let Some(p) = people {
            q = q.filter(d::salesperson_id.eq_any(p.to_vec()));
        }
        add(&mut out, q.load(conn)?);
    }
    Ok(collect(out))
}

/// Payments from `from` to `to` per salesperson and dealer, of the `sources`, of `people` only
/// (`None`: everyone).
pub fn payments(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    sources: &[&str],
    people: Option<&[Id]>,
) -> QueryResult<Vec<(Id, Option<Id>, i64)>> {
    let s = split(from, to);
    let mut out = HashMap::new();
    let sum = || sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)");
    let zero = || sql::<BigInt>("CAST(0 AS BIGINT)");
    if let Some((a, b)) = s.months {
        use payment_fact_months as m;
        let mut q = m::table
            .group_by((m::salesperson_id, m::dealer_key))
            .select((m::salesperson_id, m::dealer_key, sum(), zero()))
            .filter(m::month_start.between(a, b))
            .filter(m::source.eq_any(sources.to_vec()))
            .into_boxed::<MultiBackend>();
        if let Some(p) = people {
            q = q.filter(m::salesperson_id.eq_any(p.to_vec()));
        }
        add(&mut out, q.load(conn)?);
    }
    let ends: Vec<(NaiveDate, NaiveDate)> = s.head.into_iter().chain(s.tail).collect();
    if !ends.is_empty() {
        use payment_fact_days as d;
        let mut q = d::table
            .group_by((d::salesperson_id, d::dealer_key))
            .select((d::salesperson_id, d::dealer_key, sum(), zero()))
            .filter(d::source.eq_any(sources.to_vec()))
            .into_boxed::<MultiBackend>();
        q = match ends.as_slice() {
            [(a, b)] => q.filter(d::paid_on.between(*a, *b)),
            [(a, b), (c, e), ..] => {
                q.filter(d::paid_on.between(*a, *b).or(d::paid_on.between(*c, *e)))
            }
            [] => q,
        };
        if let Some(p) = people {
            q = q.filter(d::salesperson_id.eq_any(p.to_vec()));
        }
        add(&mut out, q.load(conn)?);
    }
    Ok(collect(out)
        .into_iter()
        .map(|(p, d, a, _)| (p, d, a))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_is_whole_months_and_the_days_at_either_end() {
        let s = split(d("2026-01-01"), d("2026-09-30"));
        assert_eq!(s.months, Some((d("2026-01-01"), d("2026-09-01"))));
        assert_eq!((s.head, s.tail), (None, None));
        let s = split(d("2026-01-01"), d("2026-09-17"));
        assert_eq!(s.months, Some((d("2026-01-01"), d("2026-08-01"))));
        assert_eq!(s.tail, Some((d("2026-09-01"), d("2026-09-17"))));
        let s = split(d("2026-02-10"), d("2026-05-03"));
        assert_eq!(s.months, Some((d("2026-03-01"), d("2026-04-01"))));
        assert_eq!(s.head, Some((d("2026-02-10"), d("2026-02-28"))));
        assert_eq!(s.tail, Some((d("2026-05-01"), d("2026-05-03"))));
        // A week across two months: no whole month, all days.
        let s = split(d("2026-09-28"), d("2026-10-04"));
        assert_eq!(s.months, None);
        assert_eq!(s.head, Some((d("2026-09-28"), d("2026-10-04"))));
        let s = split(d("2026-09-01"), d("2026-09-30"));
        assert_eq!(s.months, Some((d("2026-09-01"), d("2026-09-01"))));
        assert_eq!(split(d("2026-09-02"), d("2026-09-01")).head, None);
        let s = split(d("2026-12-15"), d("2027-01-31"));
        assert_eq!(s.months, Some((d("2027-01-01"), d("2027-01-01"))));
        assert_eq!(s.head, Some((d("2026-12-15"), d("2026-12-31"))));
    }
}
