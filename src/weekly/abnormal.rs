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
use crate::facts::customer_sums::{self, Customers, Days as SumDays};
use crate::schema::{complaints as c, customers, escalations, market_reports as mr};
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

/// Counts per unit of the record (`org_unit_id`), for the grouped counts below.
type PerUnit = HashMap<Id, i64>;

/// Sums the per-unit counts of a subtree.
fn in_subtree(counts: &PerUnit, subtree: &[Id]) -> i64 {
    subtree.iter().filter_map(|u| counts.get(u)).sum()
}

/// Opened, escalated and still open complaints and market reports of each subtree, in six
/// grouped queries whatever the number of subtrees.
pub fn item_counts_many(
    conn: &mut DbConnection,
    settings: &Settings,
    subtrees: &[Vec<Id>],
    week: IsoWeek,
) -> QueryResult<Vec<(ItemCounts, ItemCounts)>> {
    let (from, to) = week_instants(settings, week);
    let mut units: Vec<Id> = subtrees.iter().flatten().copied().collect();
    units.sort();
    units.dedup();
    let escalated_ids = |kind: &'static str| {
        escalations::table
            .filter(escalations::item_type.eq(kind))
            .select(escalations::item_id)
    };
    let count = || sql::<BigInt>("CAST(COUNT(*) AS BIGINT)");
    let by_unit = |rows: Vec<(Id, i64)>| -> PerUnit { rows.into_iter().collect() };
    let in_complaints = c::table
        .filter(c::org_unit_id.eq_any(units.clone()))
        .filter(c::received_at.ge(from))
        .filter(c::received_at.lt(to));
    let c_opened = by_unit(
        in_complaints
            .clone()
            .group_by(c::org_unit_id)
            .select((c::org_unit_id, count()))
            .load(conn)?,
    );
    let c_escalated = by_unit(
        in_complaints
            .filter(
                c::escalation_level
                    .gt(1)
                    .or(c::id.eq_any(escalated_ids("complaint"))),
            )
            .group_by(c::org_unit_id)
            .select((c::org_unit_id, count()))
            .load(conn)?,
    );
    let c_open = by_unit(
        c::table
            .filter(c::org_unit_id.eq_any(units.clone()))
            .filter(c::received_at.lt(to))
            .filter(c::status.eq_any(PENDING))
            .group_by(c::org_unit_id)
            .select((c::org_unit_id, count()))
            .load(conn)?,
    );
    let in_reports = mr::table
        .filter(mr::org_unit_id.eq_any(units.clone()))
        .filter(mr::created_at.ge(from))
        .filter(mr::created_at.lt(to));
    let r_opened = by_unit(
        in_reports
            .clone()
            .group_by(mr::org_unit_id)
            .select((mr::org_unit_id, count()))
            .load(conn)?,
    );
    let r_escalated = by_unit(
        in_reports
            .filter(
                mr::escalation_level
                    .gt(1)
                    .or(mr::id.eq_any(escalated_ids("market_report"))),
            )
            .group_by(mr::org_unit_id)
            .select((mr::org_unit_id, count()))
            .load(conn)?,
    );
    let r_open = by_unit(
        mr::table
            .filter(mr::org_unit_id.eq_any(units))
            .filter(mr::created_at.lt(to))
            .filter(mr::status.ne("closed"))
            .group_by(mr::org_unit_id)
            .select((mr::org_unit_id, count()))
            .load(conn)?,
    );
    Ok(subtrees
        .iter()
        .map(|s| {
            (
                ItemCounts {
                    opened: in_subtree(&c_opened, s),
                    escalated: in_subtree(&c_escalated, s),
                    still_open: in_subtree(&c_open, s),
                },
                ItemCounts {
                    opened: in_subtree(&r_opened, s),
                    escalated: in_subtree(&r_escalated, s),
                    still_open: in_subtree(&r_open, s),
                },
            )
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
    let window = SumDays::Window(from, to);
    customer_sums::sales(conn, settings, Customers::InUnits(units), window)
}

/// The abnormal customers of each subtree for `week`, by code: the orders, payments and
/// complaints of all the subtrees are read once, then shared out by the unit of the customer
/// (orders, payments) and of the complaint.
pub fn customers_many(
    conn: &mut DbConnection,
    settings: &Settings,
    subtrees: &[Vec<Id>],
    week: IsoWeek,
) -> QueryResult<Vec<Vec<AbnormalCustomer>>> {
    let mut units: Vec<Id> = subtrees.iter().flatten().copied().collect();
    units.sort();
    units.dedup();
    let (start, end) = (week.start(), week.end());
    let before_from = start - chrono::Duration::days(28);
    let before_to = start - chrono::Duration::days(1);
    let this_week = sales_by_customer(conn, settings, &units, start, end)?;
    let before = sales_by_customer(conn, settings, &units, before_from, before_to)?;
    let (_, week_over) = week_instants(settings, week);
    // Complaints filed in the subtrees, about whichever customer, by the unit they were filed in.
    let open: Vec<(Id, Id, i64)> = c::table
        .filter(c::org_unit_id.eq_any(units.clone()))
        .filter(c::status.eq_any(PENDING))
        .filter(c::received_at.lt(week_over))
        .group_by((c::org_unit_id, c::customer_id))
        .select((
            c::org_unit_id,
            c::customer_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)?;
    // What each customer of the subtrees owes beyond the payment terms at the week's end.
    let overdue: HashMap<Id, i64> =
        customer_sums::due_and_paid(conn, settings, Customers::InUnits(&units), end)?
            .into_iter()
            .filter_map(|(c, (due, paid))| (due > paid).then_some((c, due - paid)))
            .collect();
    let falling = |id: &Id| {
        let prior = before.get(id).copied().unwrap_or(0);
        let now = this_week.get(id).copied().unwrap_or(0);
        // now < prior / 4 x 50%, in integers.
        prior > 0 && now * 4 * 100 < prior * FALLING_BELOW_PCT
    };
    let flagged: BTreeSet<Id> = before
        .keys()
        .filter(|id| falling(id))
        .chain(open.iter().map(|(_, c, _)| c))
        .chain(overdue.keys())
        .copied()
        .collect();
    if flagged.is_empty() {
        return Ok(vec![Vec::new(); subtrees.len()]);
    }
    let mut rows: Vec<(Id, String, String, Id, Id)> = Vec::new();
    let flagged: Vec<Id> = flagged.into_iter().collect();
    for part in flagged.chunks(500) {
        rows.extend(
            customers::table
                .filter(customers::id.eq_any(part))
                .select((
                    customers::id,
                    customers::code,
                    customers::name,
                    customers::owner_id,
                    customers::org_unit_id,
                ))
                .load::<(Id, String, String, Id, Id)>(conn)?,
        );
    }
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(subtrees
        .iter()
        .map(|subtree| {
            rows.iter()
                .filter_map(|(id, code, name, owner_id, unit)| {
                    // Orders and payments count for the customers placed in the subtree.
                    let placed = subtree.contains(unit);
                    let mut reasons = Vec::new();
                    if placed && falling(id) {
                        reasons.push(AbnormalReason::OrdersFalling);
                    }
                    let open_complaints: i64 = open
                        .iter()
                        .filter(|(u, c, _)| c == id && subtree.contains(u))
                        .map(|(_, _, n)| n)
                        .sum();
                    if open_complaints > 0 {
                        reasons.push(AbnormalReason::OpenComplaints);
                    }
                    let overdue_minor = if placed {
                        overdue.get(id).copied().unwrap_or(0)
                    } else {
                        0
                    };
                    if overdue_minor > 0 {
                        reasons.push(AbnormalReason::OverduePayments);
                    }
                    if reasons.is_empty() {
                        return None;
                    }
                    let (week_sales, prior) = if placed {
                        (
                            this_week.get(id).copied().unwrap_or(0),
                            before.get(id).copied().unwrap_or(0),
                        )
                    } else {
                        (0, 0)
                    };
                    Some(AbnormalCustomer {
                        customer_id: *id,
                        code: code.clone(),
                        name: name.clone(),
                        owner_id: *owner_id,
                        reasons,
                        week_sales_minor: week_sales,
                        four_week_average_minor: (prior + 2).div_euclid(4),
                        open_complaints,
                        overdue_minor,
                    })
                })
                .collect()
        })
        .collect())
}
