//! Customers with a call cycle, their visit days, and the coverage of salespeople over a
//! period, in a fixed number of queries whatever the number of customers.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cycle::{self, interval_days};
use crate::db::{ids_per_statement, DbConnection, Id, Timestamp};
use crate::masterdata::customers::cycle::VisitDay;
use crate::progress::model::ratio;
use crate::schema::{customers, report_visits as rv};
use crate::settings::Settings;
use crate::visits::compliance::Person;

/// A live, active customer with a call cycle.
#[derive(Debug, Clone, Queryable)]
pub struct CycleCustomer {
    pub id: Id,
    pub code: String,
    pub name: String,
    pub owner_id: Id,
    pub org_unit_id: Id,
    pub visit_every_weeks: Option<i32>,
    pub visits_per_month: Option<i32>,
    pub preferred_visit_day: Option<String>,
    pub preferred_visit_from: Option<String>,
    pub preferred_visit_to: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub activated_on: Option<NaiveDate>,
    pub created_at: Timestamp,
    /// Its last counted visit before the day it was read for (see `cycle_columns!`).
    pub last_visit: Option<NaiveDate>,
}

impl CycleCustomer {
    /// The days between visits its cycle asks for.
    pub fn interval(&self) -> i64 {
        interval_days(self.visit_every_weeks, self.visits_per_month).unwrap_or(i64::MAX / 4)
    }

    /// The day it is known as a customer from: activated, or else created.
    pub fn base(&self, settings: &Settings) -> NaiveDate {
        self.activated_on
            .unwrap_or_else(|| crate::visits::business_day(settings, self.created_at))
    }

    pub fn preferred_day(&self) -> Option<VisitDay> {
        self.preferred_visit_day
            .as_deref()
            .and_then(VisitDay::parse)
    }
}

/// The columns of a [`CycleCustomer`] whose `last_visit` is its last counted visit (submitted
/// and reviewed reports; anyone's visit counts) before `$day`: the customer's kept last visit
/// (migration `2026-12-24-000002_customer_last_visits`) when it is earlier, else the kept
/// visit day before that one (`2026-12-26-000002_customer_previous_visits`) when it is, and
/// only for the customers visited on two days since, one step back along the index of counted
/// visits by customer and day. The cost follows those customers, not the years behind them.
macro_rules! cycle_columns {
    ($day:expr) => {{
        use diesel::sql_types::{Date, Nullable};
        use $crate::schema::customers as cs;
        let day: chrono::NaiveDate = $day;
        (
            cs::id,
            cs::code,
            cs::name,
            cs::owner_id,
            cs::org_unit_id,
            cs::visit_every_weeks,
            cs::visits_per_month,
            cs::preferred_visit_day,
            cs::preferred_visit_from,
            cs::preferred_visit_to,
            cs::latitude,
            cs::longitude,
            cs::activated_on,
            cs::created_at,
            diesel::dsl::sql::<Nullable<Date>>(
                "(CASE WHEN customers.last_visited_on IS NULL \
                         OR customers.last_visited_on < ",
            )
            .bind::<Date, _>(day)
            .sql(
                " THEN customers.last_visited_on \
                  WHEN customers.previous_visited_on IS NULL \
                    OR customers.previous_visited_on < ",
            )
            .bind::<Date, _>(day)
            .sql(
                " THEN customers.previous_visited_on \
                  ELSE (SELECT MAX(v.report_date) FROM report_visits v \
                         WHERE v.customer_id = customers.id AND v.counted \
                           AND v.report_date < ",
            )
            .bind::<Date, _>(day)
            .sql(") END)"),
        )
    }};
}
pub(crate) use cycle_columns;

/// The live, active customers with a call cycle.
#[diesel::dsl::auto_type]
pub fn with_cycle() -> _ {
    customers::table
        .filter(customers::status.eq("active"))
        .filter(customers::archived_at.is_null())
        .filter(
            customers::visit_every_weeks
                .is_not_null()
                .or(customers::visits_per_month.is_not_null()),
        )
}

/// The customers with a call cycle owned by `owners`, by code, each with its last visit before
/// `day`.
pub fn owned_by(
    conn: &mut DbConnection,
    owners: &[Id],
    day: NaiveDate,
) -> QueryResult<Vec<CycleCustomer>> {
    let mut out = Vec::new();
    for chunk in owners.chunks(ids_per_statement(conn)) {
        out.extend(
            with_cycle()
                .filter(customers::owner_id.eq_any(chunk))
                .select(cycle_columns!(day))
                .load::<CycleCustomer>(conn)?,
        );
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Each customer's visit days from `from` to `to`, in order, from the visits of counted
/// reports (sorted and made distinct here: PostgreSQL would sort every visit by uuid).
pub fn visit_days(
    conn: &mut DbConnection,
    ids: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<Id, Vec<NaiveDate>>> {
    let mut out: HashMap<Id, Vec<NaiveDate>> = HashMap::new();
    for chunk in ids.chunks(ids_per_statement(conn)) {
        // Along the day (`report_visits_counted_day_idx`), the customers hashed, when planned
        // for the ids at hand (`db::analytic`); a generic plan compares every entry with them all.
        let rows: Vec<(Id, Option<NaiveDate>)> = rv::table
            .filter(rv::customer_id.eq_any(chunk))
            .filter(rv::counted)
            .filter(rv::report_date.between(from, to))
            .select((rv::customer_id, rv::report_date))
            .load(conn)?;
        for (c, d) in rows {
            out.entry(c).or_default().extend(d);
        }
    }
    for days in out.values_mut() {
        days.sort_unstable();
        days.dedup();
    }
    Ok(out)
}

/// A customer overdue for a visit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueCustomer {
    pub customer_id: Id,
    pub code: String,
    pub name: String,
    pub owner_id: Id,
    /// The days between visits its call cycle asks for.
    pub interval_days: i64,
    /// Its last visit (absent: never visited).
    pub last_visited_on: Option<NaiveDate>,
    /// The day its visit was due.
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}

/// How well customers were visited within their call cycles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CoverageFigures {
    /// Active customers with a call cycle.
    pub customers: i64,
    /// Of them, those that needed a visit by `as_of`.
    pub customers_due: i64,
    /// Of those due, those never overdue in the period (visited within their cycle).
    pub customers_covered: i64,
    /// `customers_covered / customers_due` (absent when none is due).
    pub coverage_rate: Option<f64>,
    /// Customers overdue on `as_of`.
    pub customers_overdue: i64,
}

impl CoverageFigures {
    pub fn add(&mut self, o: &CoverageFigures) {
        self.customers += o.customers;
        self.customers_due += o.customers_due;
        self.customers_covered += o.customers_covered;
        self.customers_overdue += o.customers_overdue;
        self.coverage_rate = ratio(self.customers_covered, self.customers_due);
    }
}

/// One salesperson's coverage: the customers they own.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonCoverage {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub figures: CoverageFigures,
    /// Overdue on `as_of`, most overdue first.
    pub overdue_customers: Vec<OverdueCustomer>,
}

/// The coverage of `people` over `from..=to`, as of `as_of` (the period's end, or today if
/// earlier), with everyone's total.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    people: &[Person],
    from: NaiveDate,
    as_of: NaiveDate,
) -> QueryResult<(CoverageFigures, Vec<PersonCoverage>)> {
    let owners: Vec<Id> = people.iter().map(|p| p.id).collect();
    let customers = owned_by(conn, &owners, from)?;
    let ids: Vec<Id> = customers.iter().map(|c| c.id).collect();
    let within = if as_of < from {
        HashMap::new()
    } else {
        visit_days(conn, &ids, from, as_of)?
    };
    let mut by_owner: HashMap<Id, (CoverageFigures, Vec<OverdueCustomer>)> = HashMap::new();
    for c in &customers {
        let entry = by_owner.entry(c.owner_id).or_default();
        entry.0.customers += 1;
        if as_of < from {
            continue;
        }
        let visits = within.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
        let span = cycle::over(
            c.base(settings),
            c.interval(),
            c.last_visit,
            visits,
            from,
            as_of,
        );
        entry.0.customers_due += i64::from(span.due);
        entry.0.customers_covered += i64::from(span.covered);
        if span.standing.days_overdue > 0 {
            entry.0.customers_overdue += 1;
            entry.1.push(overdue(c, span.standing));
        }
    }
    let mut total = CoverageFigures::default();
    let items = people
        .iter()
        .map(|p| {
            let (mut figures, mut list) = by_owner.remove(&p.id).unwrap_or_default();
            figures.coverage_rate = ratio(figures.customers_covered, figures.customers_due);
            most_overdue_first(&mut list);
            total.add(&figures);
            PersonCoverage {
                user_id: p.id,
                name: p.name.clone(),
                org_unit_id: p.org_unit_id,
                figures,
                overdue_customers: list,
            }
        })
        .collect();
    Ok((total, items))
}

/// The customers with a call cycle owned by `owners` that are overdue for a visit on `day`
/// (a visit on `day` itself counts), by owner, most overdue first: what `compute` lists for a
/// period ending on `day`, in two queries per 500 owners' customers.
pub fn overdue_on(
    conn: &mut DbConnection,
    settings: &Settings,
    owners: &[Id],
    day: NaiveDate,
) -> QueryResult<HashMap<Id, Vec<OverdueCustomer>>> {
    let customers = owned_by(conn, owners, day + chrono::Duration::days(1))?;
    let mut out: HashMap<Id, Vec<OverdueCustomer>> = HashMap::new();
    for c in &customers {
        let s = cycle::standing(c.base(settings), c.interval(), c.last_visit, day);
        if s.days_overdue > 0 {
            out.entry(c.owner_id).or_default().push(overdue(c, s));
        }
    }
    out.values_mut().for_each(|list| most_overdue_first(list));
    Ok(out)
}

/// Sorts overdue customers by days overdue, most first, then by code.
fn most_overdue_first(list: &mut [OverdueCustomer]) {
    list.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.code.cmp(&b.code))
    });
}

/// The overdue entry of a customer.
pub fn overdue(c: &CycleCustomer, s: cycle::Standing) -> OverdueCustomer {
    OverdueCustomer {
        customer_id: c.id,
        code: c.code.clone(),
        name: c.name.clone(),
        owner_id: c.owner_id,
        interval_days: c.interval(),
        last_visited_on: s.last_visit,
        due_on: s.due_on,
        days_overdue: s.days_overdue,
    }
}
