//! Complaints and market reports of a week, and the customers that need attention.
//!
//! Abnormal customers are those of the subtree (not archived) whose orders in the week fell
//! below half of their average over the four weeks before, those with complaints filed in the
//! subtree that are still open, and those with overdue payments: by the week's end, their sales
//! older than the payment terms (settings) exceed everything they have paid (payments settle
//! the oldest sales first).

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate, TimeZone};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::IsoWeek;
use crate::complaints::model::PENDING;
use crate::db::{DbConnection, Id, Timestamp};
use crate::facts::reconcile::{counted_sales, payment_sources};
use crate::schema::{
    complaints as c, customers, escalations, market_reports as mr, payment_facts, sales_facts,
};
use crate::settings::model::Settings;

/// Orders below this percentage of the four-week average count as falling.
pub const FALLING_BELOW_PCT: i64 = 50;

/// Complaints or market reports of the week.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ItemCounts {
    /// Received (complaints) or filed (market reports) during the week.
    pub opened: i64,
    /// Of those opened in the week, how many went above the first person of the chain.
    pub escalated: i64,
    /// Opened before the week ended and neither resolved nor closed when the figures were taken.
    pub still_open: i64,
}

/// Why a customer is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AbnormalReason {
    /// Orders of the week below half of the average of the four weeks before.
    OrdersFalling,
    /// Complaints not yet resolved or closed.
    OpenComplaints,
    /// Sales older than the payment terms not covered by payments.
    OverduePayments,
}

/// A customer that needs attention.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AbnormalCustomer {
    pub customer_id: Id,
    pub code: String,
    pub name: String,
    pub owner_id: Id,
    pub reasons: Vec<AbnormalReason>,
    /// Orders (sales revenue) of the week, minor units.
    pub week_sales_minor: i64,
    /// Average weekly orders of the four weeks before, minor units, rounded half up.
    pub four_week_average_minor: i64,
    pub open_complaints: i64,
    /// Sales older than the payment terms less everything paid, at the week's end; minor units.
    #[serde(default)]
    pub overdue_minor: i64,
}

/// The first instant of a local day.
fn day_start(settings: &Settings, day: NaiveDate) -> Timestamp {
    let local = day.and_time(chrono::NaiveTime::MIN);
    let at = settings
        .tz()
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| local.and_utc());
    Timestamp::from(at)
}

/// The instants the week runs over: [Monday 00:00, next Monday 00:00) local time.
pub fn week_instants(settings: &Settings, week: IsoWeek) -> (Timestamp, Timestamp) {
    let next = week
        .end()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    (day_start(settings, week.start()), day_start(settings, next))
}

/// Opened, escalated and still open complaints and market reports of the subtree.
pub fn item_counts(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    week: IsoWeek,
) -> QueryResult<(ItemCounts, ItemCounts)> {
    let (from, to) = week_instants(settings, week);
    let escalated_ids = |kind: &'static str| {
        escalations::table
            .filter(escalations::item_type.eq(kind))
            .select(escalations::item_id)
    };
    let count = sql::<BigInt>("CAST(COUNT(*) AS BIGINT)");
    let in_complaints = c::table
        .filter(c::org_unit_id.eq_any(units))
        .filter(c::received_at.ge(from))
        .filter(c::received_at.lt(to));
    let complaints = ItemCounts {
        opened: in_complaints.clone().select(count.clone()).first(conn)?,
        escalated: in_complaints
            .filter(
                c::escalation_level
                    .gt(1)
                    .or(c::id.eq_any(escalated_ids("complaint"))),
            )
            .select(count.clone())
            .first(conn)?,
        still_open: c::table
            .filter(c::org_unit_id.eq_any(units))
            .filter(c::received_at.lt(to))
            .filter(c::status.eq_any(PENDING))
            .select(count.clone())
            .first(conn)?,
    };
    let in_reports = mr::table
        .filter(mr::org_unit_id.eq_any(units))
        .filter(mr::created_at.ge(from))
        .filter(mr::created_at.lt(to));
    let reports = ItemCounts {
        opened: in_reports.clone().select(count.clone()).first(conn)?,
        escalated: in_reports
            .filter(
                mr::escalation_level
                    .gt(1)
                    .or(mr::id.eq_any(escalated_ids("market_report"))),
            )
            .select(count.clone())
            .first(conn)?,
        still_open: mr::table
            .filter(mr::org_unit_id.eq_any(units))
            .filter(mr::created_at.lt(to))
            .filter(mr::status.ne("closed"))
            .select(count)
            .first(conn)?,
    };
    Ok((complaints, reports))
}

/// The customers of the subtree, not archived.
#[diesel::dsl::auto_type]
fn subtree_customers(units: Vec<Id>) -> _ {
    customers::table
        .filter(customers::org_unit_id.eq_any(units))
        .filter(customers::archived_at.is_null())
        .select(customers::id.nullable())
}

/// What each customer of the subtree owes beyond the payment terms on `day`.
fn overdue_by_customer(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    day: NaiveDate,
) -> QueryResult<HashMap<Id, i64>> {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let due_by = day - chrono::Duration::days(i64::from(settings.payment_terms_days));
    let billed = sales_by_customer(conn, settings, units, first, due_by)?;
    if billed.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = payment_facts::table
        .filter(payment_facts::customer_id.eq_any(subtree_customers(units.to_vec())))
        .filter(payment_facts::paid_on.le(day))
        .group_by(payment_facts::customer_id)
        .select((
            payment_facts::customer_id,
            sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
        ))
        .into_boxed();
    q = q.filter(payment_facts::source.eq_any(payment_sources(settings.money_facts_source)));
    let paid: HashMap<Option<Id>, i64> = q.load::<(Option<Id>, i64)>(conn)?.into_iter().collect();
    Ok(billed
        .into_iter()
        .filter_map(|(c, b)| {
            let owed = b - paid.get(&Some(c)).copied().unwrap_or(0);
            (owed > 0).then_some((c, owed))
        })
        .collect())
}

/// Orders per customer of the subtree from `from` to `to`.
fn sales_by_customer(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<Id, i64>> {
    let mut q = sales_facts::table
        .filter(sales_facts::customer_id.eq_any(subtree_customers(units.to_vec())))
        .filter(sales_facts::sold_on.between(from, to))
        .group_by(sales_facts::customer_id)
        .select((
            sales_facts::customer_id,
            sql::<BigInt>("CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT)"),
        ))
        .into_boxed();
    q = q.filter(sales_facts::reconciliation.eq_any(counted_sales(settings.money_facts_source)));
    let rows: Vec<(Option<Id>, i64)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, n)| c.map(|c| (c, n)))
        .collect())
}

/// The abnormal customers of the subtree for `week`, by code.
pub fn customers(
    conn: &mut DbConnection,
    settings: &Settings,
    units: &[Id],
    week: IsoWeek,
) -> QueryResult<Vec<AbnormalCustomer>> {
    let (start, end) = (week.start(), week.end());
    let before_from = start - chrono::Duration::days(28);
    let before_to = start - chrono::Duration::days(1);
    let this_week = sales_by_customer(conn, settings, units, start, end)?;
    let before = sales_by_customer(conn, settings, units, before_from, before_to)?;
    let (_, week_over) = week_instants(settings, week);
    // Complaints filed in the subtree, about whichever customer.
    let open: Vec<(Id, i64)> = c::table
        .filter(c::org_unit_id.eq_any(units))
        .filter(c::status.eq_any(PENDING))
        .filter(c::received_at.lt(week_over))
        .group_by(c::customer_id)
        .select((c::customer_id, sql::<BigInt>("CAST(COUNT(*) AS BIGINT)")))
        .load(conn)?;
    let open: HashMap<Id, i64> = open.into_iter().collect();
    let overdue = overdue_by_customer(conn, settings, units, end)?;
    let falling = |id: &Id| {
        let prior = before.get(id).copied().unwrap_or(0);
        let now = this_week.get(id).copied().unwrap_or(0);
        // now < prior / 4 x 50%, in integers.
        prior > 0 && now * 4 * 100 < prior * FALLING_BELOW_PCT
    };
    let flagged: BTreeSet<Id> = before
        .keys()
        .filter(|id| falling(id))
        .chain(open.keys())
        .chain(overdue.keys())
        .copied()
        .collect();
    if flagged.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Id, String, String, Id)> = customers::table
        .filter(customers::id.eq_any(flagged.iter().copied().collect::<Vec<_>>()))
        .order((customers::code, customers::id))
        .select((
            customers::id,
            customers::code,
            customers::name,
            customers::owner_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, owner_id)| {
            let mut reasons = Vec::new();
            if falling(&id) {
                reasons.push(AbnormalReason::OrdersFalling);
            }
            let open_complaints = open.get(&id).copied().unwrap_or(0);
            if open_complaints > 0 {
                reasons.push(AbnormalReason::OpenComplaints);
            }
            let overdue_minor = overdue.get(&id).copied().unwrap_or(0);
            if overdue_minor > 0 {
                reasons.push(AbnormalReason::OverduePayments);
            }
            let prior = before.get(&id).copied().unwrap_or(0);
            AbnormalCustomer {
                customer_id: id,
                code,
                name,
                owner_id,
                reasons,
                week_sales_minor: this_week.get(&id).copied().unwrap_or(0),
                four_week_average_minor: (prior + 2).div_euclid(4),
                open_complaints,
                overdue_minor,
            }
        })
        .collect())
}
