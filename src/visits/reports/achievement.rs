//! The day's and month-to-date achievement of a report's owner against their monthly targets,
//! with the money counted as the settings say.

use chrono::{Datelike, Months, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::effective_visits_of;
use crate::db::cached::Cached;
use crate::db::{DbConnection, Id};
use crate::facts::reconcile::{counted_sales, payment_sources};
use crate::schema::{payment_facts, sales_facts, targets};
use crate::settings::model::Settings;
use crate::visits::working_days;

/// What an achievement line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AchievementMetric {
    /// Revenue of orders, minor units.
    SalesAmount,
    /// Money collected, minor units.
    Collections,
    /// Effective visits, a count.
    Visits,
}

impl AchievementMetric {
    fn as_str(self) -> &'static str {
        match self {
            AchievementMetric::SalesAmount => "sales_amount",
            AchievementMetric::Collections => "collections",
            AchievementMetric::Visits => "visits",
        }
    }
}

/// The day and the month to date against the owner's monthly target of one metric.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Achievement {
    pub metric: AchievementMetric,
    /// The owner's target for the report's month (absent when none is set).
    pub month_target: Option<i64>,
    /// The month target spread evenly over the month's working days.
    pub day_target: Option<i64>,
    pub day_actual: i64,
    pub month_to_date_actual: i64,
    /// `day_actual / day_target`.
    pub day_achievement: Option<f64>,
    /// `month_to_date_actual / month_target`.
    pub month_to_date_achievement: Option<f64>,
}

/// Money of one person, `(sales, collections)`, on `day` and from `from` to `day`, counted as
/// the settings say: two queries, one per kind of fact, each summing both windows.
pub fn money(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: Id,
    from: NaiveDate,
    day: NaiveDate,
) -> QueryResult<((i64, i64), (i64, i64))> {
    let window = |column: &str, date: &str| {
        (
            sql::<BigInt>(&format!("CAST(COALESCE(SUM(CASE WHEN {date} = "))
                .bind::<Date, _>(day)
                .sql(&format!(" THEN {column} ELSE 0 END), 0) AS BIGINT)")),
            sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")),
        )
    };
    let counted = settings.money_facts_source;
    // One text per setting: prepared once per connection.
    let (day_sales, sales) = Cached(
        sales_facts::table
            .filter(sales_facts::salesperson_id.eq(owner))
            .filter(sales_facts::sold_on.between(from, day))
            .filter(sales_facts::reconciliation.eq_any(counted_sales(counted)))
            .select(window("revenue_minor", "sold_on"))
            .limit(1),
    )
    .get_result(conn)?;
    let (day_paid, paid) = Cached(
        payment_facts::table
            .filter(payment_facts::salesperson_id.eq(owner))
            .filter(payment_facts::paid_on.between(from, day))
            .filter(payment_facts::source.eq_any(payment_sources(counted)))
            .select(window("amount_minor", "paid_on"))
            .limit(1),
    )
    .get_result(conn)?;
    Ok(((day_sales, day_paid), (sales, paid)))
}

fn ratio(actual: i64, target: Option<i64>) -> Option<f64> {
    target.and_then(|t| crate::progress::model::ratio(actual, t))
}

/// The day's and month-to-date achievement of the report's owner.
pub fn achievement(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: Id,
    day: NaiveDate,
) -> QueryResult<Vec<Achievement>> {
    let month_start = day.with_day(1).unwrap_or(day);
    let month_end = month_start
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(day);
    let month_targets: Vec<(String, i64)> = targets::table
        .filter(targets::user_id.eq(owner))
        .filter(targets::period_type.eq("month"))
        .filter(targets::period_start.eq(month_start))
        .filter(targets::category.is_null())
        .select((targets::metric, targets::value))
        .load(conn)?;
    let work_days = working_days(settings, month_start, month_end).len().max(1) as i64;
    let ((day_sales, day_paid), (mtd_sales, mtd_paid)) =
        money(conn, settings, owner, month_start, day)?;
    let (day_visits, mtd_visits) = effective_visits_of(conn, owner, month_start, day)?;
    let lines = [
        (AchievementMetric::SalesAmount, day_sales, mtd_sales),
        (AchievementMetric::Collections, day_paid, mtd_paid),
        (AchievementMetric::Visits, day_visits, mtd_visits),
    ];
    Ok(lines
        .into_iter()
        .map(|(metric, day_actual, mtd)| {
            let month_target = month_targets
                .iter()
                .find(|(m, _)| m == metric.as_str())
                .map(|t| t.1);
            let day_target = month_target.map(|t| (t + work_days / 2) / work_days);
            Achievement {
                metric,
                month_target,
                day_target,
                day_actual,
                month_to_date_actual: mtd,
                day_achievement: ratio(day_actual, day_target),
                month_to_date_achievement: ratio(mtd, month_target),
            }
        })
        .collect())
}
