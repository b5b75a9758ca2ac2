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
use crate::auth::Role;
use crate::coverage::model::{self as coverage, CoverageFigures};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::progress::actuals::Tree;
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
    let tree = Tree::load(conn)?;
    let mut all = compute_many(conn, settings, &tree, &[unit], week, now)?;
    all.pop()
        .ok_or_else(|| crate::error::ApiError::not_found("org unit"))
}

/// The figures of several units' subtrees for `week`, as of `now`, in the order given: each
/// kind of record is read once for all of them (never once per unit), then shared out; `tree`
/// is the org as loaded for the request.
pub fn compute_many(
    conn: &mut DbConnection,
    settings: &Settings,
    tree: &Tree,
    units: &[Id],
    week: IsoWeek,
    now: Timestamp,
) -> ApiResult<Vec<WeeklyFigures>> {
    let (from, to) = (week.start(), week.end());
    let subtrees: Vec<Vec<Id>> = units.iter().map(|u| tree.subtree(*u)).collect();
    let mut everywhere: Vec<Id> = subtrees.iter().flatten().copied().collect();
    everywhere.sort();
    everywhere.dedup();
    let people = salespeople(conn, &everywhere)?;
    let eff = efficiency::compute(conn, settings, &people, from, to, now)?;
    let with_subtrees: Vec<(Id, Vec<Id>)> = units.iter().copied().zip(subtrees.clone()).collect();
    let achievements = achievement::compute_many(conn, settings, &with_subtrees, to)?;
    let items = abnormal::item_counts_many(conn, settings, &subtrees, week)?;
    let abnormal = abnormal::customers_many(conn, settings, &subtrees, week)?;
    let as_of = to.min(crate::visits::business_day(settings, now));
    let (_, covered) = coverage::compute(conn, settings, &people, from, as_of)?;
    // The promotions of each unit's territory (a few queries per unit: units are few here).
    let promotions = units
        .iter()
        .map(|u| promotion_figures::ran_in(conn, settings, *u, from, to, as_of))
        .collect::<Result<Vec<_>, _>>()?;
    let weeks: Vec<PersonWeek> = eff
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
    let parts = subtrees
        .iter()
        .zip(achievements)
        .zip(items)
        .zip(abnormal)
        .zip(promotions);
    Ok(units
        .iter()
        .zip(parts)
        .map(
            |(
                unit,
                ((((subtree, achievement), (complaints, market_reports)), abnormal), promotions),
            )| {
                let people: Vec<PersonWeek> = weeks
                    .iter()
                    .filter(|p| subtree.contains(&p.org_unit_id))
                    .cloned()
                    .collect();
                let mut coverage = CoverageFigures::default();
                for c in covered.iter().filter(|c| subtree.contains(&c.org_unit_id)) {
                    coverage.add(&c.figures);
                }
                let sum = |f: fn(&PersonWeek) -> i64| people.iter().map(f).sum::<i64>();
                let (visits, effective, ordered) = (
                    sum(|p| p.visits),
                    sum(|p| p.effective_visits),
                    sum(|p| p.visits_with_order),
                );
                let sales = sum(|p| p.sales_minor);
                let (expected, on_time) = (sum(|p| p.reports_expected), sum(|p| p.reports_on_time));
                let count = people.len() as i64;
                WeeklyFigures {
                    unit_id: *unit,
                    week: week.label(),
                    from,
                    to,
                    computed_at: now,
                    achievement,
                    salespeople: count,
                    sales_minor: sales,
                    collections_minor: sum(|p| p.collections_minor),
                    new_customers: sum(|p| p.new_customers),
                    visits,
                    effective_visits: effective,
                    effective_visit_rate: rate(effective, visits),
                    visits_with_order: ordered,
                    transaction_rate: rate(ordered, visits),
                    average_weekly_sales_per_salesperson_minor: (count > 0)
                        .then(|| (sales + count / 2).div_euclid(count)),
                    daily_reports: ReportSubmission {
                        expected,
                        on_time,
                        late: sum(|p| p.reports_late),
                        missing: sum(|p| p.reports_missing),
                        on_time_rate: rate(on_time, expected),
                    },
                    people,
                    complaints,
                    market_reports,
                    abnormal_customers: abnormal,
                    coverage,
                    promotions,
                }
            },
        )
        .collect())
}
