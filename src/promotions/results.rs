//! `GET /api/v1/promotions/{id}/results`: the participants' sales during the promotion against
//! their baseline and the control group, the uplift, the spend and its return, per unit and
//! per salesperson, and the share of each supported target's actual that came during it.
//! The arithmetic is in [`super::uplift`], the data in [`super::measure`].

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::measure::{measure, Measured, Window};
use super::model::{links_of, Links, Row};
use super::uplift::{return_on_spend, uplift, Sums};
use super::PromotionStatus;
use crate::auth::Caller;
use crate::db::{DbConnection, Id};
use crate::error::ApiResult;
use crate::progress::actuals::actuals;
use crate::schema::{org_units, targets, users};
use crate::settings::model::Settings;
use crate::targets::model::Target;

/// A group's sales of the promoted products.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupSales {
    /// Customers in the group (participants: named, or placed in a unit taking part; control:
    /// the territory's other customers).
    pub customers: i64,
    /// During the measured days, minor units.
    pub sales_minor: i64,
    /// In the baseline window, minor units.
    pub baseline_minor: i64,
    /// `(sales - baseline) / baseline` in percent; absent without a baseline.
    pub growth_pct: Option<f64>,
}

/// The figures of one unit or salesperson (their participants' sales; the control group's
/// growth is the promotion's).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LineFigures {
    pub sales_minor: i64,
    pub baseline_minor: i64,
    /// The baseline grown like the control group, rounded to a minor unit.
    pub expected_sales_minor: i64,
    pub uplift_minor: i64,
    pub uplift_pct: Option<f64>,
    /// Costs booked to them (up to `as_of`).
    pub spend_minor: i64,
    /// `uplift / spend`; absent without spend.
    pub return_on_spend: Option<f64>,
}

/// One unit's line: the sales of the salespeople now in it, and the costs booked to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitResult {
    pub unit_id: Id,
    pub unit_name: String,
    #[serde(flatten)]
    pub figures: LineFigures,
}

/// One salesperson's line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SalespersonResult {
    pub user_id: Id,
    pub name: String,
    /// Their current unit.
    pub org_unit_id: Id,
    #[serde(flatten)]
    pub figures: LineFigures,
}

/// How much of a supported target's actual came during the promotion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupportedTarget {
    pub target_id: Id,
    #[schema(value_type = crate::targets::period::Metric)]
    pub metric: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: i64,
    /// The target's actual as of `as_of` (as its progress counts it).
    pub actual: i64,
    /// The part of it from the measured days of the promotion that lie in the target's period.
    pub actual_during_promotion: i64,
    /// `actual_during_promotion / actual`; absent while the actual is 0.
    pub share_during_promotion: Option<f64>,
}

/// What a promotion did, as of a day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PromotionResults {
    pub promotion_id: Id,
    pub status: PromotionStatus,
    pub as_of: NaiveDate,
    /// The measured days: from the first day up to `as_of` or the last day, whichever comes
    /// first (absent before the first day).
    pub measured_from: Option<NaiveDate>,
    pub measured_to: Option<NaiveDate>,
    pub measured_days: i64,
    /// The baseline window: as many days just before the first day.
    pub baseline_from: Option<NaiveDate>,
    pub baseline_to: Option<NaiveDate>,
    pub participants: GroupSales,
    pub control: GroupSales,
    /// Whether the control group's growth was taken out (it needs baseline sales); without it
    /// the participants' baseline is the expectation.
    pub control_used: bool,
    /// The participants' baseline grown like the control group, rounded to a minor unit.
    pub expected_sales_minor: i64,
    /// `participants.sales_minor - expected_sales_minor`.
    pub uplift_minor: i64,
    /// The participants' growth minus the control's, in percentage points over the baseline.
    pub uplift_pct: Option<f64>,
    pub expected_uplift_pct: f64,
    pub budget_minor: i64,
    /// Costs booked up to `as_of`.
    pub spend_minor: i64,
    pub budget_remaining_minor: i64,
    /// `uplift_minor / spend_minor`; absent without spend.
    pub return_on_spend: Option<f64>,
    /// `uplift_minor - spend_minor`.
    pub net_return_minor: i64,
    /// Per unit of the salespeople (and of the costs), in your reach, by name.
    pub units: Vec<UnitResult>,
    /// Per salesperson, in your reach, by name.
    pub salespeople: Vec<SalespersonResult>,
    /// The supported targets in your reach.
    pub targets: Vec<SupportedTarget>,
}

fn line(s: Sums, control: Option<Sums>, spend: i64) -> LineFigures {
    let u = uplift(s, control);
    LineFigures {
        sales_minor: s.during,
        baseline_minor: s.baseline,
        expected_sales_minor: u.expected,
        uplift_minor: u.amount,
        uplift_pct: u.pct,
        spend_minor: spend,
        return_on_spend: return_on_spend(u.amount, spend),
    }
}

/// A promotion's links, measured days and measurements as of a day.
pub fn measured(
    conn: &mut DbConnection,
    settings: &Settings,
    row: &Row,
    as_of: NaiveDate,
) -> QueryResult<(Links, Option<Window>, Measured)> {
    let links = links_of(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    let w = Window::of(row, as_of);
    let m = measure(conn, settings, row, &links, w.as_ref(), as_of)?;
    Ok((links, w, m))
}

/// The results of `row` as of `as_of`, the lines and targets limited to `caller`'s reach.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    row: &Row,
    as_of: NaiveDate,
    caller: &Caller,
) -> ApiResult<PromotionResults> {
    let (links, w, m) = measured(conn, settings, row, as_of)?;
    let control = m.control.as_control();
    let total = uplift(m.participants, control);
    let mut people: Vec<Id> = m.by_person.keys().copied().collect();
    people.extend(m.spend_by_person.keys().copied());
    people.sort();
    people.dedup();
    let names: HashMap<Id, String> = users::table
        .filter(users::id.eq_any(&people))
        .select((users::id, users::name))
        .load::<(Id, String)>(conn)?
        .into_iter()
        .collect();
    let reaches = |person: Id, unit: Option<Id>| {
        caller.reach.all
            || person == caller.user_id
            || unit.is_some_and(|u| caller.reach.covers_unit(u))
    };
    let mut salespeople: Vec<SalespersonResult> = people
        .iter()
        .filter_map(|p| {
            let unit = m.unit_of.get(p).copied();
            if !reaches(*p, unit) {
                return None;
            }
            let s = m.by_person.get(p).copied().unwrap_or_default();
            let spend = m.spend_by_person.get(p).copied().unwrap_or(0);
            Some(SalespersonResult {
                user_id: *p,
                name: names.get(p).cloned().unwrap_or_default(),
                org_unit_id: unit.unwrap_or(row.org_unit_id),
                figures: line(s, control, spend),
            })
        })
        .collect();
    salespeople.sort_by(|a, b| (&a.name, a.user_id).cmp(&(&b.name, b.user_id)));
    let mut unit_ids: Vec<Id> = m.by_unit.keys().copied().collect();
    unit_ids.extend(m.spend_by_unit.keys().copied());
    unit_ids.sort();
    unit_ids.dedup();
    unit_ids.retain(|u| caller.reach.covers_unit(*u));
    let unit_names: HashMap<Id, String> = org_units::table
        .filter(org_units::id.eq_any(&unit_ids))
        .select((org_units::id, org_units::name))
        .load::<(Id, String)>(conn)?
        .into_iter()
        .collect();
    let mut units: Vec<UnitResult> = unit_ids
        .iter()
        .map(|u| UnitResult {
            unit_id: *u,
            unit_name: unit_names.get(u).cloned().unwrap_or_default(),
            figures: line(
                m.by_unit.get(u).copied().unwrap_or_default(),
                control,
                m.spend_by_unit.get(u).copied().unwrap_or(0),
            ),
        })
        .collect();
    units.sort_by(|a, b| (&a.unit_name, a.unit_id).cmp(&(&b.unit_name, b.unit_id)));
    let supported = supported_targets(conn, settings, caller, &links.targets, w.as_ref(), as_of)?;
    let group = |customers: i64, s: Sums| GroupSales {
        customers,
        sales_minor: s.during,
        baseline_minor: s.baseline,
        growth_pct: s.growth_pct(),
    };
    Ok(PromotionResults {
        promotion_id: row.id,
        status: row.status(),
        as_of,
        measured_from: w.map(|w| w.from),
        measured_to: w.map(|w| w.to),
        measured_days: w.map_or(0, |w| w.days),
        baseline_from: w.map(|w| w.baseline_from),
        baseline_to: w.map(|w| w.baseline_to),
        participants: group(m.participant_customers, m.participants),
        control: group(m.control_customers, m.control),
        control_used: control.is_some(),
        expected_sales_minor: total.expected,
        uplift_minor: total.amount,
        uplift_pct: total.pct,
        expected_uplift_pct: row.expected_uplift_pct,
        budget_minor: row.budget_minor,
        spend_minor: m.spend,
        budget_remaining_minor: row.budget_minor.saturating_sub(m.spend),
        return_on_spend: return_on_spend(total.amount, m.spend),
        net_return_minor: total.amount.saturating_sub(m.spend),
        units,
        salespeople,
        targets: supported,
    })
}

/// Each supported target in reach: its actual, and the part of it from the measured days.
fn supported_targets(
    conn: &mut DbConnection,
    settings: &Settings,
    caller: &Caller,
    ids: &[Id],
    w: Option<&Window>,
    as_of: NaiveDate,
) -> QueryResult<Vec<SupportedTarget>> {
    let rows: Vec<Target> = Target::in_reach(conn, caller)?
        .filter(targets::id.eq_any(ids.to_vec()))
        .order(targets::id)
        .select(Target::as_select())
        .load(conn)?;
    let source = settings.money_facts_source;
    let whole = actuals(conn, &rows, as_of, source)?;
    // The same targets narrowed to the measured days inside their periods.
    let narrowed: Vec<Target> = match w {
        Some(w) => rows
            .iter()
            .filter(|t| t.period_start <= w.to && t.period_end >= w.from)
            .map(|t| {
                let mut n = t.clone();
                n.period_start = t.period_start.max(w.from);
                n.period_end = t.period_end.min(w.to);
                n
            })
            .collect(),
        None => Vec::new(),
    };
    let during = actuals(conn, &narrowed, as_of, source)?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let actual = whole.get(&t.id).copied().unwrap_or(0);
            let part = during.get(&t.id).copied().unwrap_or(0);
            SupportedTarget {
                target_id: t.id,
                share_during_promotion: crate::progress::model::ratio(part, actual),
                metric: t.metric,
                period_start: t.period_start,
                period_end: t.period_end,
                value: t.value,
                actual,
                actual_during_promotion: part,
            }
        })
        .collect())
}
