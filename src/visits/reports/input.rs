//! What a salesperson sends for a daily report, and how it becomes rows: every problem names
//! its field (`visits[1].purpose`, `expenses[0].amount_minor`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{
    Attendance, CompetitorInfoRow, ExpenseCategory, ExpenseRow, Outcome, Parts, VisitRow,
};
use super::orders::{self, OrderLineInput, OrderLineRow};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::date::opt_day;
use crate::http::input::double_option;
use crate::masterdata::customers::model::Customer;
use crate::promotions::execution::Execution;
use crate::schema::{competitors, customers, planned_visits, visit_plans};
use crate::settings::model::Settings;
use crate::visits::{distance_m, Purpose};

const MAX_MINOR: i64 = 1_000_000_000_000;

/// One visit made.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// The customer visited (in your reach).
    pub customer_id: Id,
    /// The visit of the day's plan this fulfils; leave out for an unplanned visit.
    pub planned_visit_id: Option<Id>,
    pub started_at: Timestamp,
    /// Not before `started_at`.
    pub ended_at: Timestamp,
    pub purpose: Purpose,
    pub outcome: Outcome,
    /// Whether the visit achieved something (counts as an effective visit).
    pub effective: bool,
    /// The order taken, in minor units (default 0; with `order_lines`, their sum). An amount
    /// without lines counts toward sales, but toward no category target and no gross profit.
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub order_amount_minor: Option<i64>,
    /// What was ordered, line by line (up to 100).
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub order_lines: Vec<OrderLineInput>,
    /// The order's reference as the ERP will know it: an ERP sales fact with the same
    /// `order_ref` confirms (supersedes) the report's facts of this order.
    #[validate(length(min = 1, max = 100))]
    pub order_ref: Option<String>,
    /// The money collected, in minor units (default 0).
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub collected_amount_minor: Option<i64>,
    #[serde(default)]
    pub complaint_handled: bool,
    #[validate(length(max = 5000))]
    pub opinions: Option<String>,
    #[validate(length(max = 5000))]
    pub developments: Option<String>,
    /// Check-in latitude (with `checkin_lon`).
    #[validate(range(min = -90.0, max = 90.0))]
    pub checkin_lat: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    pub checkin_lon: Option<f64>,
    /// Accuracy of the check-in position in metres.
    #[validate(range(min = 0.0, max = 100000.0))]
    pub checkin_accuracy_m: Option<f64>,
    /// The promotion this visit executed: one you read, approved, running on the report's day,
    /// with the visited customer taking part.
    pub promotion_id: Option<Id>,
    /// What the visit spent on that promotion, minor units (default 0); needs `promotion_id`.
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub promotion_spend_minor: Option<i64>,
}

#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseInput {
    pub category: ExpenseCategory,
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub amount_minor: i64,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorInfoInput {
    pub competitor_id: Id,
    /// Where it was seen (in your reach).
    pub customer_id: Option<Id>,
    #[validate(length(min = 1, max = 5000))]
    pub observation: String,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDailyReport {
    /// The day reported (company time zone; default today); not in the future.
    #[serde(default, deserialize_with = "opt_day")]
    pub report_date: Option<NaiveDate>,
    pub attendance: Attendance,
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub visits: Vec<VisitInput>,
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub expenses: Vec<ExpenseInput>,
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub competitor_info: Vec<CompetitorInfoInput>,
    #[validate(length(max = 10000))]
    pub experience_notes: Option<String>,
    #[validate(length(max = 5000))]
    pub tomorrow_focus: Option<String>,
}

/// Changes to a draft or returned report; a list, when given, replaces the stored one.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDailyReport {
    pub attendance: Option<Attendance>,
    #[validate(length(max = 50), nested)]
    pub visits: Option<Vec<VisitInput>>,
    #[validate(length(max = 50), nested)]
    pub expenses: Option<Vec<ExpenseInput>>,
    #[validate(length(max = 50), nested)]
    pub competitor_info: Option<Vec<CompetitorInfoInput>>,
    /// New notes, or `null` to clear them.
    #[validate(length(max = 10000))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub experience_notes: Option<Option<String>>,
    /// A new focus, or `null` to clear it.
    #[validate(length(max = 5000))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tomorrow_focus: Option<Option<String>>,
}

/// A reviewer's decision: reviewing needs a `quality_score` (1-5) and a `comment`; returning
/// needs a `comment`.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDecision {
    #[validate(length(min = 1, max = 5000))]
    pub comment: Option<String>,
    #[validate(range(min = 1, max = 5))]
    pub quality_score: Option<i32>,
}

/// Builds visit rows, checking customers, the day's plan and check-ins.
#[allow(clippy::too_many_arguments)]
pub fn visit_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    owner: Id,
    report: Id,
    day: NaiveDate,
    settings: &Settings,
    input: &[VisitInput],
    errors: &mut Vec<FieldError>,
) -> QueryResult<Vec<VisitRow>> {
    let ids: Vec<Id> = input.iter().map(|v| v.customer_id).collect();
    let reached = Customer::reached(conn, caller, &ids)?;
    type Place = (Option<f64>, Option<f64>);
    let found: HashMap<Id, Place> = customers::table
        .filter(customers::id.eq_any(&ids))
        .select((customers::id, (customers::latitude, customers::longitude)))
        .load::<(Id, Place)>(conn)?
        .into_iter()
        .filter(|(id, _)| reached.contains(id))
        .collect();
    let planned: HashSet<Id> = planned_visits::table
        .inner_join(visit_plans::table)
        .filter(visit_plans::owner_id.eq(owner))
        .filter(visit_plans::plan_date.eq(day))
        .select(planned_visits::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    let mut linked = HashSet::new();
    let mut rows = Vec::new();
    for (i, v) in input.iter().enumerate() {
        let mut bad =
            |f: &str, m: &str| errors.push(FieldError::new(format!("visits[{i}].{f}"), m));
        let place = match found.get(&v.customer_id) {
            Some(p) => Some(p),
            _ => {
                bad("customer_id", "no such customer in your reach");
                None
            }
        };
        if let Some(p) = v.planned_visit_id {
            if !planned.contains(&p) {
                bad("planned_visit_id", "not a visit of your plan for this day");
            } else if !linked.insert(p) {
                bad(
                    "planned_visit_id",
                    "fulfilled by another visit of this report already",
                );
            }
        }
        if v.ended_at < v.started_at {
            bad("ended_at", "must not be before started_at");
        }
        if v.checkin_lat.is_some() != v.checkin_lon.is_some() {
            bad("checkin_lon", "give checkin_lat and checkin_lon together");
        }
        let distance = match (v.checkin_lat, v.checkin_lon, place) {
            (Some(lat), Some(lon), Some((Some(clat), Some(clon)))) => {
                Some((distance_m(lat, lon, *clat, *clon) * 10.0).round() / 10.0)
            }
            _ => None,
        };
        rows.push(VisitRow {
            id: Id::new(),
            report_id: report,
            position: i as i32,
            customer_id: v.customer_id,
            planned_visit_id: v.planned_visit_id,
            started_at: v.started_at,
            ended_at: v.ended_at,
            purpose: v.purpose.as_str().into(),
            outcome: v.outcome.as_str().into(),
            effective: v.effective,
            order_amount_minor: v.order_amount_minor.unwrap_or(0).clamp(0, MAX_MINOR),
            collected_amount_minor: v.collected_amount_minor.unwrap_or(0).clamp(0, MAX_MINOR),
            complaint_handled: v.complaint_handled,
            opinions: v.opinions.clone(),
            developments: v.developments.clone(),
            checkin_lat: v.checkin_lat,
            checkin_lon: v.checkin_lon,
            checkin_accuracy_m: v.checkin_accuracy_m,
            checkin_distance_m: distance,
            checkin_out_of_range: distance.map(|d| d > f64::from(settings.checkin_radius_m)),
            activated_customer: false,
            order_ref: v.order_ref.as_ref().map(|r| r.trim().to_string()),
            promotion_id: v.promotion_id,
            promotion_spend_minor: v.promotion_spend_minor.unwrap_or(0).clamp(0, MAX_MINOR),
        });
    }
    check_executions(conn, caller, day, input, errors)?;
    Ok(rows)
}

/// The visits that name a promotion must name one they may execute; a spend needs one.
fn check_executions(
    conn: &mut DbConnection,
    caller: &Caller,
    day: NaiveDate,
    input: &[VisitInput],
    errors: &mut Vec<FieldError>,
) -> QueryResult<()> {
    let mut executions = Vec::new();
    for (i, v) in input.iter().enumerate() {
        match v.promotion_id {
            Some(promotion) => executions.push(Execution {
                index: i,
                promotion,
                customer: v.customer_id,
            }),
            None if v.promotion_spend_minor.unwrap_or(0) > 0 => errors.push(FieldError::new(
                format!("visits[{i}].promotion_spend_minor"),
                "name the promotion_id it was spent on",
            )),
            None => {}
        }
    }
    crate::promotions::execution::check(conn, caller, day, &executions, errors)
}

pub fn expense_rows(report: Id, input: &[ExpenseInput]) -> Vec<ExpenseRow> {
    input
        .iter()
        .enumerate()
        .map(|(i, e)| ExpenseRow {
            id: Id::new(),
            report_id: report,
            position: i as i32,
            category: e.category.as_str().into(),
            amount_minor: e.amount_minor,
            note: e.note.clone(),
        })
        .collect()
}

pub fn competitor_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    report: Id,
    input: &[CompetitorInfoInput],
    errors: &mut Vec<FieldError>,
) -> QueryResult<Vec<CompetitorInfoRow>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Id> = input.iter().map(|c| c.competitor_id).collect();
    let known: HashSet<Id> = competitors::table
        .filter(competitors::id.eq_any(&ids))
        .select(competitors::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    let cust_ids: Vec<Id> = input.iter().filter_map(|c| c.customer_id).collect();
    let custs = Customer::reached(conn, caller, &cust_ids)?;
    let mut rows = Vec::new();
    for (i, c) in input.iter().enumerate() {
        if !known.contains(&c.competitor_id) {
            errors.push(FieldError::new(
                format!("competitor_info[{i}].competitor_id"),
                "no such competitor",
            ));
        }
        if let Some(cust) = c.customer_id {
            if !custs.contains(&cust) {
                errors.push(FieldError::new(
                    format!("competitor_info[{i}].customer_id"),
                    "no such customer in your reach",
                ));
            }
        }
        rows.push(CompetitorInfoRow {
            id: Id::new(),
            report_id: report,
            position: i as i32,
            competitor_id: c.competitor_id,
            customer_id: c.customer_id,
            observation: c.observation.clone(),
        });
    }
    Ok(rows)
}

/// The lists of a report, checked all at once (one 422 naming every bad field).
pub struct PartsInput<'a> {
    pub visits: Option<&'a [VisitInput]>,
    pub expenses: Option<&'a [ExpenseInput]>,
    pub competitor_info: Option<&'a [CompetitorInfoInput]>,
}

/// The lists built from a body; `None` means "leave as stored". The order lines come and go
/// with the visits.
#[derive(Debug, Default)]
pub struct BuiltParts {
    pub visits: Option<(Vec<VisitRow>, Vec<OrderLineRow>)>,
    pub expenses: Option<Vec<ExpenseRow>>,
    pub competitor_info: Option<Vec<CompetitorInfoRow>>,
}

impl BuiltParts {
    /// The parts of a report just made from these lists.
    pub fn written(&self) -> Parts {
        let (visits, order_lines) = self.visits.clone().unwrap_or_default();
        Parts {
            visits,
            order_lines,
            expenses: self.expenses.clone().unwrap_or_default(),
            competitor_info: self.competitor_info.clone().unwrap_or_default(),
        }
    }
}

/// Builds the given lists.
pub fn build_parts(
    conn: &mut DbConnection,
    caller: &Caller,
    owner: Id,
    report: Id,
    day: NaiveDate,
    settings: &Settings,
    input: PartsInput<'_>,
) -> ApiResult<BuiltParts> {
    let mut errors = Vec::new();
    let visits = match input.visits {
        Some(v) => {
            let mut rows = visit_rows(conn, caller, owner, report, day, settings, v, &mut errors)?;
            let lines = orders::line_rows(conn, v, &mut rows, &mut errors)?;
            Some((rows, lines))
        }
        None => None,
    };
    let expenses = input.expenses.map(|e| expense_rows(report, e));
    let competitor_info = match input.competitor_info {
        Some(c) => Some(competitor_rows(conn, caller, report, c, &mut errors)?),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(BuiltParts {
        visits,
        expenses,
        competitor_info,
    })
}

/// Writes the given lists (`new_report`: the report was just made and has none yet).
pub fn store_parts(
    conn: &mut DbConnection,
    report: Id,
    new_report: bool,
    parts: BuiltParts,
) -> QueryResult<()> {
    if let Some((visits, lines)) = parts.visits {
        // The old lines go with the old visits; the new ones come after the new visits.
        orders::replace_lines(conn, report, &[], new_report)?;
        super::model::replace_visits(conn, report, &visits, new_report)?;
        orders::replace_lines(conn, report, &lines, true)?;
    }
    if let Some(e) = parts.expenses {
        super::model::replace_expenses(conn, report, &e, new_report)?;
    }
    if let Some(c) = parts.competitor_info {
        super::model::replace_competitor_info(conn, report, &c, new_report)?;
    }
    Ok(())
}
