//! Customers that need attention: overdue payments (what the facts support: sales older than
//! the payment terms that payments have not covered, payments settling the oldest sales first,
//! as the weekly report's abnormal customers), and active customers nobody has visited for
//! longer than the settings allow.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Nullable;

use super::model::{
    Anomaly, AnomalyFigures, AnomalyKind, NotVisitedFigures, OverduePaymentFigures,
    VisitOverdueFigures,
};
use super::scope::{of_customers, Ctx};
use crate::alerts::Severity;
use crate::coverage::cycle::standing;
use crate::coverage::model as coverage;
use crate::db::types::Tstz;
use crate::db::{Backend, DbConnection, Id, MultiBackend, Timestamp};
use crate::facts::customer_sums::{self, Customers};
use crate::schema::{customers, report_visits as rv};

/// Owner and unit of customers.
fn placement(conn: &mut DbConnection, ids: &[Id]) -> QueryResult<HashMap<Id, (Id, Id)>> {
    let mut out = HashMap::new();
    for part in ids.chunks(500) {
        let rows: Vec<(Id, Id, Id)> = customers::table
            .filter(customers::id.eq_any(part))
            .select((customers::id, customers::owner_id, customers::org_unit_id))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(c, o, u)| (c, (o, u))));
    }
    Ok(out)
}

/// Customers in scope whose sales older than `payment_terms_days` exceed what they have paid
/// by more than `overdue_payment_min_minor`; since the oldest unpaid sale fell due.
pub fn overdue(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let s = ctx.settings;
    let terms = i64::from(s.payment_terms_days);
    let due_by = ctx.today - Duration::days(terms);
    let mut q = customers::table
        .select(customers::id)
        .into_boxed::<MultiBackend>();
    of_customers!(q, ctx.scope);
    let in_scope: Vec<Id> = q.load(conn)?;
    let owed = customer_sums::due_and_paid(conn, s, Customers::Ids(&in_scope), ctx.today)?;
    let min = s.anomalies.overdue_payment_min_minor.max(0);
    let mut flagged: Vec<(Id, i64, i64)> = owed
        .into_iter()
        .filter(|(_, (d, p))| d - p > min)
        .map(|(c, (d, p))| (c, d, p))
        .collect();
    if flagged.is_empty() {
        return Ok(Vec::new());
    }
    flagged.sort_unstable();
    let ids: Vec<Id> = flagged.iter().map(|f| f.0).collect();
    // The sales of each flagged customer by day, oldest first, to find the oldest unpaid one.
    let days = customer_sums::sales_by_day(conn, s, &ids, due_by)?;
    let placed = placement(conn, &ids)?;
    Ok(flagged
        .into_iter()
        .filter_map(|(c, due_minor, paid_minor)| {
            let mut covered = paid_minor;
            let oldest = days.get(&c)?.iter().find_map(|(d, n)| {
                covered -= n;
                (covered < 0).then_some(*d)
            })?;
            let (owner, unit) = placed.get(&c).copied()?;
            let since = super::day_start(s, oldest + Duration::days(terms));
            let figures = AnomalyFigures::OverduePayment(OverduePaymentFigures {
                kind: AnomalyKind::PaymentOverdue,
                overdue_minor: due_minor - paid_minor,
                due_minor,
                paid_minor,
                oldest_unpaid_sale_on: oldest,
                payment_terms_days: s.payment_terms_days,
            });
            let link = format!("/api/v1/customers/{c}");
            Some(
                Anomaly::new(Severity::Medium, since, &c.to_string(), link, figures)
                    .customer(c)
                    .person(owner)
                    .unit(unit),
            )
        })
        .collect())
}

/// Active customers in scope whose last visit (in a submitted or reviewed report), or else
/// their activation or creation, is older than `customer_not_visited_days`.
pub fn not_visited(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let limit = ctx.settings.anomalies.customer_not_visited_days;
    // A customer with a call cycle is judged by it (`visit_overdue`).
    let mut q = customers::table
        .filter(customers::status.eq("active"))
        .filter(customers::visit_every_weeks.is_null())
        .filter(customers::visits_per_month.is_null())
        .select((
            customers::id,
            customers::owner_id,
            customers::org_unit_id,
            customers::activated_on,
            customers::created_at,
        ))
        .into_boxed::<MultiBackend>();
    of_customers!(q, ctx.scope);
    let rows: Vec<(Id, Id, Id, Option<NaiveDate>, Timestamp)> = q.load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = rv::table
        .inner_join(customers::table.on(rv::customer_id.eq(customers::id)))
        .filter(rv::counted)
        .filter(customers::status.eq("active"))
        .group_by(rv::customer_id)
        .select((
            rv::customer_id,
            sql::<Nullable<Tstz>>("MAX(report_visits.started_at)"),
        ))
        .into_boxed::<MultiBackend>();
    of_customers!(q, ctx.scope);
    let last: HashMap<Id, Option<Timestamp>> = q
        .load::<(Id, Option<Timestamp>)>(conn)?
        .into_iter()
        .collect();
    let span = Duration::days(i64::from(limit));
    Ok(rows
        .into_iter()
        .filter_map(|(id, owner, unit, activated, created)| {
            let visited = last.get(&id).copied().flatten();
            let reference = visited.unwrap_or_else(|| match activated {
                Some(d) => super::day_start(ctx.settings, d).max(created),
                None => created,
            });
            let since = Timestamp(reference.0 + span);
            if since >= ctx.now {
                return None;
            }
            let figures = AnomalyFigures::NotVisited(NotVisitedFigures {
                kind: AnomalyKind::CustomerNotVisited,
                last_visited_at: visited,
                days_without_visit: (ctx.now.0 - reference.0).num_days(),
                threshold_days: limit,
            });
            let link = format!("/api/v1/customers/{id}");
            Some(
                Anomaly::new(Severity::Low, since, &id.to_string(), link, figures)
                    .customer(id)
                    .person(owner)
                    .unit(unit),
            )
        })
        .collect())
}

/// The customers with a call cycle that may be due before `cutoff` as of `today`, by their kept
/// last visit: never visited (their base decides, below), visited after `today` (the kept
/// visit is then not the one before it), or last visited more than the cycle's interval before
/// `cutoff`. The interval here is never more than `cycle::interval_days` (`30 / n` without its
/// floor of one day; no cycle, none), so every customer the check below flags is kept, and
/// the few overdue are read instead of every customer in reach.
fn may_be_overdue(
    conn: &DbConnection,
    today: NaiveDate,
    cutoff: NaiveDate,
) -> diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    impl diesel::query_builder::QueryFragment<MultiBackend>,
> {
    use diesel::sql_types::{Bool, Date};
    const INTERVAL: &str = "(CASE WHEN customers.visit_every_weeks > 0 \
        THEN 7 * customers.visit_every_weeks \
        WHEN customers.visits_per_month > 0 THEN 30 / customers.visits_per_month ELSE 0 END)";
    let due = match conn.backend() {
        Backend::Postgres => format!("customers.last_visited_on + {INTERVAL} < "),
        Backend::Sqlite => {
            format!("date(customers.last_visited_on, '+' || {INTERVAL} || ' days') < ")
        }
    };
    sql::<Bool>("(customers.last_visited_on IS NULL OR customers.last_visited_on > ")
        .bind::<Date, _>(today)
        .sql(&format!(" OR {due}"))
        .bind::<Date, _>(cutoff)
        .sql(")")
}

/// Active customers in scope with a call cycle that are overdue for a visit today by more than
/// `visit_overdue_grace_days`: low, or medium once a whole interval overdue; since the day
/// after the visit was due.
pub fn visit_overdue(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let grace = i64::from(ctx.settings.anomalies.visit_overdue_grace_days);
    // The last visit up to today.
    let mut q = coverage::with_cycle()
        .select(coverage::cycle_columns!(ctx.today + Duration::days(1)))
        .into_boxed::<MultiBackend>();
    of_customers!(q, ctx.scope);
    q = q.filter(may_be_overdue(
        conn,
        ctx.today,
        ctx.today - Duration::days(grace),
    ));
    let cycles: Vec<coverage::CycleCustomer> = q.load(conn)?;
    Ok(cycles
        .into_iter()
        .filter_map(|c| {
            let base = c.base(ctx.settings);
            let s = standing(base, c.interval(), c.last_visit, ctx.today);
            if s.days_overdue <= grace {
                return None;
            }
            let severity = match s.days_overdue >= c.interval() {
                true => Severity::Medium,
                false => Severity::Low,
            };
            let since = super::day_start(ctx.settings, s.due_on + Duration::days(1));
            let figures = AnomalyFigures::VisitOverdue(VisitOverdueFigures {
                kind: AnomalyKind::CustomerVisitOverdue,
                interval_days: c.interval(),
                last_visited_on: s.last_visit,
                due_on: s.due_on,
                days_overdue: s.days_overdue,
            });
            let link = format!("/api/v1/customers/{}", c.id);
            Some(
                Anomaly::new(severity, since, &c.id.to_string(), link, figures)
                    .customer(c.id)
                    .person(c.owner_id)
                    .unit(c.org_unit_id),
            )
        })
        .collect())
}
