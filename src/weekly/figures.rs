//! The figures of a weekly report, computed from the data of the unit's subtree for one week in
//! a fixed number of grouped queries (never one per person or per day), and stored as a JSON
//! document in the report so that a submitted report never moves.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::abnormal::{self, AbnormalCustomer, ItemCounts};
use super::achievement::{self, MetricAchievement};
use super::IsoWeek;
use crate::auth::{subtree_units, Role};
use crate::coverage::model::{self as coverage, CoverageFigures};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::progress::model::ratio as rate;
use crate::promotions::figures::{self as promotion_figures, PromotionFigures};
use crate::schema::users;
use crate::settings::model::Settings;
use crate::visits::compliance::Person;
use crate::visits::efficiency;

/// One salesperson's week.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PersonWeek {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    /// Visits in submitted and reviewed daily reports.
    pub visits: i64,
    pub effective_visits: i64,
    pub visits_with_order: i64,
    /// Revenue of sales facts (by the settings' money source), minor units.
    pub sales_minor: i64,
    /// Payments collected, minor units.
    pub collections_minor: i64,
    /// Customers activated in the week.
    pub new_customers: i64,
    /// Working days of the week whose daily report was due (excused days left out).
    pub reports_expected: i64,
    pub reports_on_time: i64,
    pub reports_late: i64,
    pub reports_missing: i64,
    /// Customers visited within their call cycle / customers due (absent: none due; reports
    /// stored before call cycles lack it).
    #[serde(default)]
    pub coverage_rate: Option<f64>,
}

/// Daily-report submission of the unit's salespeople over the week.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportSubmission {
    /// Working days whose report was due, summed over the people (excused days left out;
    /// days whose cutoff had not passed when the figures were taken are not counted).
    pub expected: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    /// on time / expected.
    pub on_time_rate: Option<f64>,
}

/// Everything a weekly report counts, for one unit's subtree and one ISO week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeeklyFigures {
    pub unit_id: Id,
    /// `YYYY-Www`.
    pub week: String,
    /// Monday of the week.
    pub from: NaiveDate,
    /// Sunday of the week.
    pub to: NaiveDate,
    /// When these figures were taken.
    pub computed_at: Timestamp,
    /// Achievement of every metric for the week, the month to date and the quarter to date
    /// (both up to the week's Sunday), against the unit's own targets where it has them.
    pub achievement: Vec<MetricAchievement>,
    /// Active salespeople of the subtree.
    pub salespeople: i64,
    /// Revenue of the salespeople in the week, minor units.
    pub sales_minor: i64,
    /// Payments collected in the week, minor units.
    pub collections_minor: i64,
    /// Customers activated in the week.
    pub new_customers: i64,
    /// Visits in submitted and reviewed daily reports of the week.
    pub visits: i64,
    pub effective_visits: i64,
    /// effective visits / visits.
    pub effective_visit_rate: Option<f64>,
    pub visits_with_order: i64,
    /// visits with an order / visits.
    pub transaction_rate: Option<f64>,
    /// sales / salespeople, rounded half up.
    pub average_weekly_sales_per_salesperson_minor: Option<i64>,
    pub daily_reports: ReportSubmission,
    /// Per salesperson, by name.
    pub people: Vec<PersonWeek>,
    pub complaints: ItemCounts,
    pub market_reports: ItemCounts,
    /// Customers of the subtree whose orders fell against their four-week average, or with open
    /// complaints.
    pub abnormal_customers: Vec<AbnormalCustomer>,
    /// Call-cycle coverage of the salespeople's customers over the week (reports stored before
    /// call cycles show zeros).
    #[serde(default)]
    pub coverage: CoverageFigures,
    /// The promotions that ran in the week (running, or completed since) of the unit's subtree
    /// or of a unit above it, with their figures up to the week's Sunday (or to the day the
    /// figures were taken, if earlier). Absent from reports frozen before promotions existed.
    #[serde(default)]
    pub promotions: Vec<PromotionFigures>,
}

/// The active salespeople of `units`, by name.
pub fn salespeople(conn: &mut DbConnection, units: &[Id]) -> QueryResult<Vec<Person>> {
    users::table
        .filter(users::role.eq(Role::Salesperson.as_str()))
        .filter(users::active.eq(true))
        .filter(users::org_unit_id.eq_any(units))
        .order((users::name, users::id))
        .select((users::id, users::name, users::org_unit_id, users::hired_on))
        .load(conn)
}

/// Computes the figures of `unit`'s subtree for `week`, as of `now`.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    unit: Id,
    week: IsoWeek,
    now: Timestamp,
) -> ApiResult<WeeklyFigures> {
    let (from, to) = (week.start(), week.end());
    let units = subtree_units(conn, &[unit])?;
    let people = salespeople(conn, &units)?;
    let eff = efficiency::compute(conn, settings, &people, from, to, now)?;
    let achievement = achievement::compute(conn, settings, unit, &units, to)?;
    let (complaints, market_reports) = abnormal::item_counts(conn, settings, &units, week)?;
    let abnormal_customers = abnormal::customers(conn, settings, &units, week)?;
    let as_of = to.min(crate::visits::business_day(settings, now));
    let (coverage, covered) = coverage::compute(conn, settings, &people, from, as_of)?;
    let promotions = promotion_figures::ran_in(conn, settings, unit, from, to, as_of)?;
    let people: Vec<PersonWeek> = eff
        .people
        .iter()
        .zip(&people)
        .zip(&covered)
        .map(|((f, p), c)| PersonWeek {
            user_id: p.id,
            name: p.name.clone(),
            org_unit_id: p.org_unit_id,
            visits: f.visits,
            effective_visits: f.effective_visits,
            visits_with_order: f.visits_with_order,
            sales_minor: f.sales_minor,
            collections_minor: f.collections_minor,
            new_customers: f.new_customers,
            reports_expected: f.reports_due,
            reports_on_time: f.reports_on_time,
            reports_late: f.reports_late,
            reports_missing: f.reports_missing,
            coverage_rate: c.figures.coverage_rate,
        })
        .collect();
    let t = &eff.total;
    let count = people.len() as i64;
    Ok(WeeklyFigures {
        unit_id: unit,
        week: week.label(),
        from,
        to,
        computed_at: now,
        achievement,
        salespeople: count,
        sales_minor: t.sales_minor,
        collections_minor: t.collections_minor,
        new_customers: t.new_customers,
        visits: t.visits,
        effective_visits: t.effective_visits,
        effective_visit_rate: t.effective_visit_rate,
        visits_with_order: t.visits_with_order,
        transaction_rate: t.transaction_rate,
        average_weekly_sales_per_salesperson_minor: (count > 0)
            .then(|| (t.sales_minor + count / 2).div_euclid(count)),
        daily_reports: ReportSubmission {
            expected: t.reports_due,
            on_time: t.reports_on_time,
            late: t.reports_late,
            missing: t.reports_missing,
            on_time_rate: rate(t.reports_on_time, t.reports_due),
        },
        people,
        complaints,
        market_reports,
        abnormal_customers,
        coverage,
        promotions,
    })
}
