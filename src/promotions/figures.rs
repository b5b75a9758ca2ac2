//! A promotion's headline figures (what weekly reports, dashboards and the anomalies list show
//! of it), and the promotions that concern a unit: those of a unit in its subtree, and those of
//! a unit above it, whose territory it lies in.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Row;
use super::results::measured;
use super::uplift::{return_on_spend, uplift};
use super::{PromotionKind, PromotionStatus};
use crate::auth::{subtree_units, with_ancestors};
use crate::db::{DbConnection, Id};
use crate::schema::promotions as pr;
use crate::settings::model::Settings;

/// A promotion's figures as of a day (the whole promotion, as its results count them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PromotionFigures {
    pub promotion_id: Id,
    pub name: String,
    pub kind: PromotionKind,
    pub status: PromotionStatus,
    pub org_unit_id: Id,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub as_of: NaiveDate,
    /// Days measured so far, of `period_days`.
    pub measured_days: i64,
    pub period_days: i64,
    /// The participants' sales of the promoted products in the measured days, minor units.
    pub sales_minor: i64,
    /// Their sales in the baseline window.
    pub baseline_minor: i64,
    pub expected_sales_minor: i64,
    pub uplift_minor: i64,
    pub uplift_pct: Option<f64>,
    pub expected_uplift_pct: f64,
    pub budget_minor: i64,
    pub spend_minor: i64,
    pub return_on_spend: Option<f64>,
}

/// The figures of one promotion as of `as_of`.
pub fn of(
    conn: &mut DbConnection,
    settings: &Settings,
    row: &Row,
    as_of: NaiveDate,
) -> QueryResult<PromotionFigures> {
    let (_, w, m) = measured(conn, settings, row, as_of)?;
    let u = uplift(m.participants, m.control.as_control());
    Ok(PromotionFigures {
        promotion_id: row.id,
        name: row.name.clone(),
        kind: PromotionKind::parse(&row.kind),
        status: row.status(),
        org_unit_id: row.org_unit_id,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        as_of,
        measured_days: w.map_or(0, |w| w.days),
        period_days: (row.ends_on - row.starts_on).num_days() + 1,
        sales_minor: m.participants.during,
        baseline_minor: m.participants.baseline,
        expected_sales_minor: u.expected,
        uplift_minor: u.amount,
        uplift_pct: u.pct,
        expected_uplift_pct: row.expected_uplift_pct,
        budget_minor: row.budget_minor,
        spend_minor: m.spend,
        return_on_spend: return_on_spend(u.amount, m.spend),
    })
}

/// The units whose promotions concern `unit`: its subtree and the units above it.
pub fn concerning(conn: &mut DbConnection, unit: Id) -> QueryResult<Vec<Id>> {
    let mut units = subtree_units(conn, &[unit])?;
    units.extend(with_ancestors(conn, &[unit])?);
    units.sort();
    units.dedup();
    Ok(units)
}

/// The promotions in `statuses` that concern `unit` and whose period overlaps `from..=to`,
/// by first day.
fn concerning_rows(
    conn: &mut DbConnection,
    unit: Id,
    statuses: &[PromotionStatus],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<Row>> {
    let units = concerning(conn, unit)?;
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    pr::table
        .filter(pr::org_unit_id.eq_any(units))
        .filter(pr::status.eq_any(statuses))
        .filter(pr::starts_on.le(to))
        .filter(pr::ends_on.ge(from))
        .order((pr::starts_on, pr::id))
        .select(Row::as_select())
        .load(conn)
}

/// The promotions that ran in `from..=to` (running, or completed since) and concern `unit`,
/// with their figures as of `as_of`: what a weekly report of that unit and week lists.
pub fn ran_in(
    conn: &mut DbConnection,
    settings: &Settings,
    unit: Id,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> QueryResult<Vec<PromotionFigures>> {
    let statuses = [PromotionStatus::Running, PromotionStatus::Completed];
    let rows = concerning_rows(conn, unit, &statuses, from, to.min(as_of))?;
    rows.iter().map(|r| of(conn, settings, r, as_of)).collect()
}
