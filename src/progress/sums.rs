//! Reading the fact sums (migration 000020_fact_sums): triggers keep the sales and payment facts
//! summed per day and per month, so a window of days reads its whole months from the month sums
//! and only the days at its edges from the day sums. A year of facts is at most twelve rows per
//! person, dealer, category and source, plus two partial months of days, however many facts.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{DbConnection, Id, MultiBackend};
use crate::facts::reconcile::ERP_CONFIRMED;
use crate::schema::{payment_fact_sums, sales_fact_sums};

/// The `dealer_key` of sums of facts without a dealer.
const NO_DEALER: Id = Id(uuid::Uuid::nil());

/// The sums of one (salesperson, dealer) in a window: amount, gross profit, and the parts of
/// both that the ERP stands behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sum {
    pub amount: i64,
    pub profit: i64,
    pub amount_erp: i64,
    pub profit_erp: i64,
}

impl Sum {
    pub fn add(&mut self, o: Sum) {
        self.amount = self.amount.saturating_add(o.amount);
        self.profit = self.profit.saturating_add(o.profit);
        self.amount_erp = self.amount_erp.saturating_add(o.amount_erp);
        self.profit_erp = self.profit_erp.saturating_add(o.profit_erp);
    }
}

/// Sums of a window by (salesperson, dealer); a pair may appear more than once (one row per
/// range read), the caller adds them up.
pub type Sums = Vec<(Id, Option<Id>, Sum)>;

/// `SUM(expr)` over the rows whose `column` is one of `states`, as a BIGINT fragment.
fn sum_where(expr: &str, column: &str, states: &[&str]) -> String {
    let list = states
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "CAST(COALESCE(SUM(CASE WHEN {column} IN ({list}) THEN {expr} ELSE 0 END), 0) AS BIGINT)"
    )
}

fn total(column: &str) -> String {
    format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")
}

/// One range of a window as stored: its grain and its first and last `period_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    grain: &'static str,
    from: NaiveDate,
    to: NaiveDate,
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `from..=to` as whole months and the days before and after them.
fn ranges(from: NaiveDate, to: NaiveDate) -> Vec<Range> {
    let day = |from, to| Range {
        grain: "day",
        from,
        to,
    };
    let first_full = if from.day() == 1 {
        from
    } else {
        first_of_month(from) + Months::new(1)
    };
    // The first day of the month after the last whole month.
    let after_full = match to.succ_opt() {
        Some(next) if next.day() == 1 => next,
        _ => first_of_month(to),
    };
    if first_full >= after_full {
        return vec![day(from, to)];
    }
    let mut out = vec![Range {
        grain: "month",
        from: first_full,
        to: after_full - Months::new(1),
    }];
    if from < first_full {
        out.push(day(from, first_full.pred_opt().unwrap_or(first_full)));
    }
    if after_full <= to {
        out.push(day(after_full, to));
    }
    out
}

/// Most people a statement of the sums filters on. Up to this many, `salesperson_id = ANY($n)`
/// is the leading condition of the sums' index by person (`2026-12-26-000001_fact_sums_by_person`):
/// a region's 200 people over September's day sums, 7 ms against 50 ms for every
/// salesperson's days. Beyond it most of the range is read anyway, so the whole range is read
/// once and the people are kept in Rust.
const PEOPLE_IN_SQL: usize = 1_000;

/// The people to filter on in SQL, and those to keep in Rust (neither: everyone).
fn people_filter(people: Option<&[Id]>) -> (Option<Vec<Id>>, Option<HashSet<Id>>) {
    match people {
        Some(p) if p.len() <= PEOPLE_IN_SQL => (Some(p.to_vec()), None),
        Some(p) => (None, Some(p.iter().copied().collect())),
        None => (None, None),
    }
}

fn dealer(key: Id) -> Option<Id> {
    (key != NO_DEALER).then_some(key)
}

/// Revenue and gross profit of the sales facts of `from..=to` in the reconciliation `states`
/// that count, of one category or all, per salesperson and dealer, with the parts the ERP
/// stands behind; of `people` only when given.
pub fn sales(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    states: &[&str],
    category: Option<&str>,
    people: Option<&[Id]>,
) -> QueryResult<Sums> {
    let mut out = Sums::new();
    let (in_sql, kept) = people_filter(people);
    for r in ranges(from, to) {
        let mut q = sales_fact_sums::table
            .filter(sales_fact_sums::grain.eq(r.grain))
            .filter(sales_fact_sums::period_start.between(r.from, r.to))
            .filter(sales_fact_sums::reconciliation.eq_any(states))
            .group_by((sales_fact_sums::salesperson_id, sales_fact_sums::dealer_key))
            .select((
                sales_fact_sums::salesperson_id,
                sales_fact_sums::dealer_key,
                sql::<BigInt>(&total("revenue_minor")),
                sql::<BigInt>(&total("profit_minor")),
                sql::<BigInt>(&sum_where(
                    "revenue_minor",
                    "reconciliation",
                    &ERP_CONFIRMED,
                )),
                sql::<BigInt>(&sum_where("profit_minor", "reconciliation", &ERP_CONFIRMED)),
            ))
            .into_boxed::<MultiBackend>();
        if let Some(c) = category {
            q = q.filter(sales_fact_sums::category.eq(c.to_string()));
        }
        if let Some(p) = in_sql.clone() {
            q = q.filter(sales_fact_sums::salesperson_id.eq_any(p));
        }
        let rows: Vec<(Id, Id, i64, i64, i64, i64)> = q.load(conn)?;
        out.extend(
            rows.into_iter()
                .filter(|r| kept.as_ref().is_none_or(|k| k.contains(&r.0)))
                .map(|(p, d, amount, profit, amount_erp, profit_erp)| {
                    let sum = Sum {
                        amount,
                        profit,
                        amount_erp,
                        profit_erp,
                    };
                    (p, dealer(d), sum)
                }),
        );
    }
    Ok(out)
}

/// Collections of the payment facts of `from..=to` from `sources`, per salesperson and dealer,
/// with the part the ERP reported; of `people` only when given.
pub fn payments(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    sources: &[&str],
    people: Option<&[Id]>,
) -> QueryResult<Sums> {
    let mut out = Sums::new();
    let (in_sql, kept) = people_filter(people);
    for r in ranges(from, to) {
        let mut q = payment_fact_sums::table
            .filter(payment_fact_sums::grain.eq(r.grain))
            .filter(payment_fact_sums::period_start.between(r.from, r.to))
            .filter(payment_fact_sums::source.eq_any(sources))
            .group_by((
                payment_fact_sums::salesperson_id,
                payment_fact_sums::dealer_key,
            ))
            .select((
                payment_fact_sums::salesperson_id,
                payment_fact_sums::dealer_key,
                sql::<BigInt>(&total("amount_minor")),
                sql::<BigInt>(&sum_where("amount_minor", "source", &["erp"])),
            ))
            .into_boxed::<MultiBackend>();
        if let Some(p) = in_sql.clone() {
            q = q.filter(payment_fact_sums::salesperson_id.eq_any(p));
        }
        let rows: Vec<(Id, Id, i64, i64)> = q.load(conn)?;
        let rows = rows
            .into_iter()
            .filter(|r| kept.as_ref().is_none_or(|k| k.contains(&r.0)));
        out.extend(rows.map(|(p, d, amount, amount_erp)| {
            let sum = Sum {
                amount,
                amount_erp,
                ..Sum::default()
            };
            (p, dealer(d), sum)
        }));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn r(grain: &'static str, from: &str, to: &str) -> Range {
        Range {
            grain,
            from: d(from),
            to: d(to),
        }
    }

    #[test]
    fn a_window_is_its_whole_months_and_the_days_at_its_edges() {
        assert_eq!(
            ranges(d("2026-01-01"), d("2026-09-30")),
            vec![r("month", "2026-01-01", "2026-09-01")]
        );
        assert_eq!(
            ranges(d("2026-01-01"), d("2026-09-17")),
            vec![
                r("month", "2026-01-01", "2026-08-01"),
                r("day", "2026-09-01", "2026-09-17")
            ]
        );
        assert_eq!(
            ranges(d("2026-01-15"), d("2026-03-31")),
            vec![
                r("month", "2026-02-01", "2026-03-01"),
                r("day", "2026-01-15", "2026-01-31")
            ]
        );
        assert_eq!(
            ranges(d("2026-01-15"), d("2026-02-10")),
            vec![r("day", "2026-01-15", "2026-02-10")]
        );
        assert_eq!(
            ranges(d("2026-02-01"), d("2026-02-01")),
            vec![r("day", "2026-02-01", "2026-02-01")]
        );
        assert_eq!(
            ranges(d("2026-12-01"), d("2026-12-31")),
            vec![r("month", "2026-12-01", "2026-12-01")]
        );
    }
}
