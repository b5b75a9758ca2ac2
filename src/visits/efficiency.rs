//! Visit efficiency per person (seed 3.3), set-based: a handful of grouped queries for a whole
//! subtree, never one per person (`GET /api/v1/efficiency`).

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::compliance::{check_range, counts_of, scope, Person, FIGURE_READERS};
use super::reports::model::COUNTED;
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::reconcile::{counted_sales, payment_sources};
use crate::http::date::day;
use crate::http::ValidQuery;
use crate::progress::model::ratio as rate;
use crate::progress::sums as fact_sums;
use crate::schema::{customers, daily_reports as dr, visit_plans as vp};
use crate::settings::model::{Settings, StoredSettings};
use crate::AppState;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EfficiencyQuery {
    /// One person (in your reach).
    pub user_id: Option<Id>,
    /// Each active salesperson of this unit's subtree.
    pub unit_id: Option<Id>,
    #[serde(deserialize_with = "day")]
    pub from: NaiveDate,
    /// At most 366 days after `from`.
    #[serde(deserialize_with = "day")]
    pub to: NaiveDate,
}

/// The efficiency figures of one person, or of everyone together (`user_id` absent).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EfficiencyFigures {
    pub user_id: Option<Id>,
    pub name: Option<String>,
    /// Visits in submitted and reviewed reports.
    pub visits: i64,
    pub effective_visits: i64,
    /// effective visits / visits.
    pub effective_visit_rate: Option<f64>,
    pub visits_with_order: i64,
    /// visits with an order / visits.
    pub transaction_rate: Option<f64>,
    /// Revenue of sales facts (by the settings' money source), minor units.
    pub sales_minor: i64,
    pub sales_per_visit_minor: Option<i64>,
    /// Payments collected, minor units.
    pub collections_minor: i64,
    /// Customers activated in the period.
    pub new_customers: i64,
    /// Expenses of submitted and reviewed reports, minor units.
    pub expenses_minor: i64,
    pub cost_per_visit_minor: Option<i64>,
    /// expenses / sales.
    pub cost_to_sales: Option<f64>,
    /// Visits of submitted or approved plans.
    pub planned_visits: i64,
    /// Planned visits a reported visit fulfilled.
    pub planned_visits_done: i64,
    /// planned visits done / planned visits.
    pub plan_adherence: Option<f64>,
    /// Working days whose report was due (excused days left out).
    pub reports_due: i64,
    pub reports_on_time: i64,
    pub reports_late: i64,
    pub reports_missing: i64,
    /// reports on time / reports due.
    pub report_timeliness_rate: Option<f64>,
    pub reviewed_reports: i64,
    /// Average reviewer quality score (1-5).
    pub average_quality_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EfficiencyReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub people: Vec<EfficiencyFigures>,
    /// Everyone together.
    pub total: EfficiencyFigures,
}

fn per(n: i64, d: i64) -> Option<i64> {
    (d > 0).then(|| (n + d / 2) / d)
}

type Counts = HashMap<Id, Vec<i64>>;

/// Per person: visits (count, effective, with order, fulfilling a plan), money and counts, and
/// reviewed reports with their quality-score sum.
struct Sums {
    visits: Counts,
    expenses: HashMap<Id, i64>,
    planned: HashMap<Id, i64>,
    sales: HashMap<Id, i64>,
    paid: HashMap<Id, i64>,
    new_customers: HashMap<Id, i64>,
    quality: HashMap<Id, (i64, i64)>,
}

/// Rows added up per person (the fact sums give a person one row per dealer and range).
fn by_person(rows: Vec<(Id, i64)>) -> HashMap<Id, i64> {
    let mut out: HashMap<Id, i64> = HashMap::new();
    for (person, n) in rows {
        *out.entry(person).or_default() += n;
    }
    out
}

/// The revenue of each of `ids` from `from` to `to` (by the settings' money source), minor
/// units, from the fact sums: whole months and the days at the edges, not every fact. People
/// without any are left out.
pub fn sales_of(
    conn: &mut DbConnection,
    settings: &Settings,
    ids: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<Id, i64>> {
    let states = counted_sales(settings.money_facts_source);
    let rows = fact_sums::sales(conn, from, to, &states, None, Some(ids))?;
    Ok(by_person(
        rows.into_iter()
            .map(|(p, _, sum)| (p, sum.amount))
            .collect(),
    ))
}

/// The raw sums per person, from one grouped query per kind of record.
fn sums(
    conn: &mut DbConnection,
    settings: &Settings,
    ids: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Sums> {
    // Visits and expenses from the counts kept on each report, never the visits themselves.
    let rows: Vec<(Id, i64, i64, i64, i64, i64)> = dr::table
        .filter(dr::owner_id.eq_any(ids))
        .filter(dr::report_date.between(from, to))
        .filter(dr::status.eq_any(COUNTED))
        .group_by(dr::owner_id)
        .select((
            dr::owner_id,
            sql::<BigInt>("CAST(COALESCE(SUM(visit_count), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(effective_visit_count), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(order_visit_count), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(planned_visit_count), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(expenses_minor), 0) AS BIGINT)"),
        ))
        .load(conn)?;
    let visits: Counts = rows
        .iter()
        .map(|r| (r.0, vec![r.1, r.2, r.3, r.4]))
        .collect();
    let expenses: Vec<(Id, i64)> = rows.iter().map(|r| (r.0, r.5)).collect();
    // Planned visits from the count kept on each plan.
    let planned = vp::table
        .filter(vp::owner_id.eq_any(ids))
        .filter(vp::plan_date.between(from, to))
        .filter(vp::status.eq_any(["submitted", "approved"]))
        .group_by(vp::owner_id)
        .select((
            vp::owner_id,
            sql::<BigInt>("CAST(COALESCE(SUM(visit_count), 0) AS BIGINT)"),
        ))
        .load(conn)?;
    let counted = settings.money_facts_source;
    let sales = sales_of(conn, settings, ids, from, to)?;
    let sources = payment_sources(counted);
    let paid: Vec<(Id, i64)> = fact_sums::payments(conn, from, to, &sources, Some(ids))?
        .into_iter()
        .map(|(p, _, sum)| (p, sum.amount))
        .collect();
    let new_customers = customers::table
        .filter(customers::owner_id.eq_any(ids))
        .filter(customers::activated_on.between(from, to))
        .group_by(customers::owner_id)
        .select((
            customers::owner_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)?;
    let quality: Vec<(Id, i64, i64)> = dr::table
        .filter(dr::owner_id.eq_any(ids))
        .filter(dr::report_date.between(from, to))
        .filter(dr::quality_score.is_not_null())
        .group_by(dr::owner_id)
        .select((
            dr::owner_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(quality_score), 0) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(Sums {
        visits,
        expenses: by_person(expenses),
        planned: by_person(planned),
        sales,
        paid: by_person(paid),
        new_customers: by_person(new_customers),
        quality: quality.into_iter().map(|(u, n, s)| (u, (n, s))).collect(),
    })
}

/// Efficiency of each person in `people` over `from`..`to`, and of them all together.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    people: &[Person],
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> QueryResult<EfficiencyReport> {
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    let Sums {
        visits,
        expenses,
        planned,
        sales,
        paid,
        new_customers,
        quality,
    } = sums(conn, settings, &ids, from, to)?;
    let timeliness = counts_of(conn, settings, people, from, to, now)?;
    let mut total = EfficiencyFigures::default();
    let mut q_total = (0i64, 0i64);
    let mut rows = Vec::new();
    for p in people {
        let v = visits.get(&p.id).cloned().unwrap_or_else(|| vec![0; 4]);
        let get = |m: &HashMap<Id, i64>| m.get(&p.id).copied().unwrap_or(0);
        let t = timeliness.get(&p.id);
        let q = quality.get(&p.id).copied().unwrap_or((0, 0));
        q_total = (q_total.0 + q.0, q_total.1 + q.1);
        let mut f = EfficiencyFigures {
            user_id: Some(p.id),
            name: Some(p.name.clone()),
            visits: v[0],
            effective_visits: v[1],
            visits_with_order: v[2],
            planned_visits_done: v[3],
            sales_minor: get(&sales),
            collections_minor: get(&paid),
            new_customers: get(&new_customers),
            expenses_minor: get(&expenses),
            planned_visits: get(&planned),
            reports_on_time: t.map(|t| t.on_time).unwrap_or(0),
            reports_late: t.map(|t| t.late).unwrap_or(0),
            reports_missing: t.map(|t| t.missing).unwrap_or(0),
            reviewed_reports: q.0,
            average_quality_score: (q.0 > 0)
                .then(|| ((q.1 as f64 / q.0 as f64) * 100.0).round() / 100.0),
            ..Default::default()
        };
        finish(&mut f);
        add(&mut total, &f);
        rows.push(f);
    }
    finish(&mut total);
    total.average_quality_score =
        (q_total.0 > 0).then(|| ((q_total.1 as f64 / q_total.0 as f64) * 100.0).round() / 100.0);
    Ok(EfficiencyReport {
        from,
        to,
        people: rows,
        total,
    })
}

fn add(total: &mut EfficiencyFigures, f: &EfficiencyFigures) {
    total.visits += f.visits;
    total.effective_visits += f.effective_visits;
    total.visits_with_order += f.visits_with_order;
    total.planned_visits_done += f.planned_visits_done;
    total.sales_minor += f.sales_minor;
    total.collections_minor += f.collections_minor;
    total.new_customers += f.new_customers;
    total.expenses_minor += f.expenses_minor;
    total.planned_visits += f.planned_visits;
    total.reports_on_time += f.reports_on_time;
    total.reports_late += f.reports_late;
    total.reports_missing += f.reports_missing;
    total.reviewed_reports += f.reviewed_reports;
}

/// Derives the rates from the counts.
fn finish(f: &mut EfficiencyFigures) {
    f.effective_visit_rate = rate(f.effective_visits, f.visits);
    f.transaction_rate = rate(f.visits_with_order, f.visits);
    f.sales_per_visit_minor = per(f.sales_minor, f.visits);
    f.cost_per_visit_minor = per(f.expenses_minor, f.visits);
    f.cost_to_sales = rate(f.expenses_minor, f.sales_minor);
    // A visit can fulfil a planned visit of a plan that was never submitted; cap at the plan.
    f.plan_adherence = rate(
        f.planned_visits_done.min(f.planned_visits),
        f.planned_visits,
    );
    f.reports_due = f.reports_on_time + f.reports_late + f.reports_missing;
    f.report_timeliness_rate = rate(f.reports_on_time, f.reports_due);
}

/// Visit efficiency of a person (`user_id`) or of each salesperson of a subtree (`unit_id`;
/// neither: everyone you reach), with the total of them all.
#[utoipa::path(tag = "efficiency", operation_id = "get_efficiency", params(EfficiencyQuery),
    responses((status = 200, description = "Efficiency per person and in total", body = EfficiencyReport),
        (status = 404, description = "No such unit or person, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/efficiency")]
pub async fn get_efficiency(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<EfficiencyQuery>,
) -> ApiResult<web::Json<EfficiencyReport>> {
    caller.require(&FIGURE_READERS)?;
    let q = query.0;
    check_range(q.from, q.to)?;
    let now = state.clock.now();
    let report = state
        .analytic(move |conn| {
            let people = scope(conn, &caller, q.user_id, q.unit_id)?;
            let settings = StoredSettings::load(conn)?.settings;
            Ok(compute(conn, &settings, &people, q.from, q.to, now)?)
        })
        .await?;
    Ok(web::Json(report))
}
