//! What customers bought and paid, from the sums that triggers keep per customer, per day and
//! over all time (migration 2026-12-23-000003_customer_fact_sums). A window is its days; all
//! time up to a day is the total less the days after it, so a customer's whole history costs
//! its latest days, not every fact it ever had.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::reconcile::{counted_sales, payment_sources};
use crate::db::{ids_per_statement, DbConnection, Id, MultiBackend};
use crate::schema::{customer_payment_sums as cps, customer_sales_sums as css, customers};
use crate::settings::model::Settings;

/// Whose sums are read.
#[derive(Debug, Clone, Copy)]
pub enum Customers<'a> {
    /// These customers.
    Ids(&'a [Id]),
    /// The customers placed in these units (not archived).
    InUnits(&'a [Id]),
}

/// Which days: `Window(from, to)`, or everything up to a day.
#[derive(Debug, Clone, Copy)]
pub enum Days {
    Window(NaiveDate, NaiveDate),
    UpTo(NaiveDate),
}

/// The sum of a sums table's amount over `days`: the days themselves, or the total less the
/// days after.
fn sum_over(days: Days, amount: &str) -> String {
    match days {
        Days::Window(..) => format!("CAST(COALESCE(SUM({amount}), 0) AS BIGINT)"),
        Days::UpTo(_) => format!(
            "CAST(COALESCE(SUM(CASE WHEN grain = 'total' THEN {amount} ELSE -{amount} END), 0) \
             AS BIGINT)"
        ),
    }
}

/// Each side of `customers` split into statements of at most `ids_per_statement` ids.
fn parts<'a>(conn: &DbConnection, customers: Customers<'a>) -> Vec<Customers<'a>> {
    match customers {
        Customers::Ids(ids) => ids
            .chunks(ids_per_statement(conn))
            .map(Customers::Ids)
            .collect(),
        units => vec![units],
    }
}

/// Per customer, the sum of `$amount` in `$t` over `days`, of the rows whose `$key` is one of
/// `$keys`; customers whose sum is zero are left out. Sales and payments differ only in these.
macro_rules! per_customer {
    ($conn:expr, $t:ident, $key:ident, $keys:expr, $amount:literal, $customers:expr, $days:expr) => {{
        let (conn, keys, days): (&mut DbConnection, Vec<&str>, Days) = ($conn, $keys, $days);
        let mut out = HashMap::new();
        for part in parts(conn, $customers) {
            let mut q = $t::table
                .filter($t::$key.eq_any(keys.clone()))
                .group_by($t::customer_id)
                .select(($t::customer_id, sql::<BigInt>(&sum_over(days, $amount))))
                .into_boxed::<MultiBackend>();
            q = match days {
                Days::Window(from, to) => q
                    .filter($t::grain.eq("day"))
                    .filter($t::period_start.between(from, to)),
                Days::UpTo(to) => q.filter(
                    $t::grain
                        .eq("total")
                        .or($t::grain.eq("day").and($t::period_start.gt(to))),
                ),
            };
            q = match part {
                Customers::Ids(ids) => q.filter($t::customer_id.eq_any(ids)),
                Customers::InUnits(units) => {
                    q.filter($t::customer_id.eq_any(in_units(units.to_vec())))
                }
            };
            let rows: Vec<(Id, i64)> = q.load(conn)?;
            out.extend(rows.into_iter().filter(|(_, n)| *n != 0));
        }
        Ok(out)
    }};
}

/// The kept sums of sales in the states `settings` counts (`money_facts_source`), per
/// customer, over `days`; customers without any are left out.
pub fn sales(
    conn: &mut DbConnection,
    settings: &Settings,
    customers: Customers<'_>,
    days: Days,
) -> QueryResult<HashMap<Id, i64>> {
    let states = counted_sales(settings.money_facts_source);
    per_customer!(
        conn,
        css,
        reconciliation,
        states,
        "revenue_minor",
        customers,
        days
    )
}

/// The kept sums of payments from the sources `settings` counts, per customer, over `days`;
/// customers without any are left out.
pub fn payments(
    conn: &mut DbConnection,
    settings: &Settings,
    customers: Customers<'_>,
    days: Days,
) -> QueryResult<HashMap<Id, i64>> {
    let sources = payment_sources(settings.money_facts_source);
    per_customer!(conn, cps, source, sources, "amount_minor", customers, days)
}

/// Per customer with sales older than the payment terms on `day`: (those sales, all it has
/// paid by `day`). What the customer owes beyond the terms is the difference; the overdue
/// payments (anomalies) and the weekly abnormal customers both start from here.
pub fn due_and_paid(
    conn: &mut DbConnection,
    settings: &Settings,
    customers: Customers<'_>,
    day: NaiveDate,
) -> QueryResult<HashMap<Id, (i64, i64)>> {
    let due_by = day - chrono::Duration::days(i64::from(settings.payment_terms_days));
    let due = sales(conn, settings, customers, Days::UpTo(due_by))?;
    if due.is_empty() {
        return Ok(HashMap::new());
    }
    let paid = payments(conn, settings, customers, Days::UpTo(day))?;
    Ok(due
        .into_iter()
        .map(|(c, d)| (c, (d, paid.get(&c).copied().unwrap_or(0))))
        .collect())
}

/// Each customer's counted sales by day up to `to`, oldest first (days without any left out).
pub fn sales_by_day(
    conn: &mut DbConnection,
    settings: &Settings,
    ids: &[Id],
    to: NaiveDate,
) -> QueryResult<HashMap<Id, Vec<(NaiveDate, i64)>>> {
    let states = counted_sales(settings.money_facts_source);
    let mut out: HashMap<Id, Vec<(NaiveDate, i64)>> = HashMap::new();
    for part in ids.chunks(ids_per_statement(conn)) {
        let rows: Vec<(Id, NaiveDate, i64)> = css::table
            .filter(css::customer_id.eq_any(part))
            .filter(css::grain.eq("day"))
            .filter(css::period_start.le(to))
            .filter(css::reconciliation.eq_any(states.clone()))
            .group_by((css::customer_id, css::period_start))
            .order((css::customer_id, css::period_start))
            .select((
                css::customer_id,
                css::period_start,
                sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT)"),
            ))
            .load(conn)?;
        for (c, d, n) in rows.into_iter().filter(|r| r.2 != 0) {
            out.entry(c).or_default().push((d, n));
        }
    }
    Ok(out)
}

/// The customers placed in `units`, not archived.
#[diesel::dsl::auto_type]
fn in_units(units: Vec<Id>) -> _ {
    customers::table
        .filter(customers::org_unit_id.eq_any(units))
        .filter(customers::archived_at.is_null())
        .select(customers::id)
}
