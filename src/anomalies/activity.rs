//! How salespeople work, from their submitted and reviewed reports: effective visits dropping
//! this week, effective-visit and transaction rates below the thresholds, and expenses per
//! visit far above the median of their unit.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use super::model::{
    Anomaly, AnomalyFigures, AnomalyKind, EffectiveRateFigures, ExpensesFigures,
    TransactionRateFigures, VisitsDropFigures,
};
use super::scope::{sellers, Ctx, Seller};
use crate::alerts::Severity;
use crate::auth::Role;
use crate::db::{ids_per_statement, DbConnection, Id};
use crate::progress::model::ratio;
use crate::schema::{daily_reports as dr, users};
use crate::visits::reports::model::COUNTED;
use crate::visits::{report_due_at, working_days};
use crate::weekly::IsoWeek;

/// What a person's counted reports hold: over the window of rates and expenses, and the
/// effective visits of the four weeks before this week and of this week so far; from the
/// counts and sums kept on each report.
#[derive(Debug, Clone, Copy, Default)]
struct Activity {
    visits: i64,
    effective: i64,
    ordered: i64,
    /// Minor units.
    expenses: i64,
    /// Effective visits of the four weeks before this week (Monday four weeks ago to Sunday).
    effective_before: i64,
    /// Effective visits from Monday to today.
    effective_this_week: i64,
}

/// The days [`activity`] adds up: the window of rates and expenses, and the four weeks before
/// this week's Monday with the week so far; the two overlap, so one read covers both.
#[derive(Debug, Clone, Copy)]
struct Windows {
    window_from: NaiveDate,
    monday: NaiveDate,
    today: NaiveDate,
}

impl Windows {
    fn of(ctx: &Ctx) -> Windows {
        let today = ctx.today;
        Windows {
            window_from: window(ctx).0,
            monday: IsoWeek::of(today).start(),
            today,
        }
    }

    fn four_weeks_before(&self) -> NaiveDate {
        self.monday - Duration::days(28)
    }
}

/// Per person with counted reports in `w`: their activity, in one read of the reports per
/// chunk of people (each sum over the days of its window).
fn activity(conn: &mut DbConnection, ids: &[Id], w: Windows) -> QueryResult<HashMap<Id, Activity>> {
    // The sum of `column` over the days from `from` to the day before `until`.
    let sum_over = |column: &str, from: NaiveDate, until: NaiveDate| {
        sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN report_date >= ")
            .bind::<Date, _>(from)
            .sql(" AND report_date < ")
            .bind::<Date, _>(until)
            .sql(" THEN ")
            .sql(column)
            .sql(" ELSE 0 END), 0) AS BIGINT)")
    };
    let tomorrow = w.today + Duration::days(1);
    let first = w.window_from.min(w.four_weeks_before());
    let mut out = HashMap::new();
    for part in ids.chunks(ids_per_statement(conn)) {
        let rows: Vec<(Id, i64, i64, i64, i64, i64, i64)> = dr::table
            .filter(dr::owner_id.eq_any(part))
            .filter(dr::report_date.between(first, w.today))
            .filter(dr::status.eq_any(COUNTED))
            .group_by(dr::owner_id)
            .select((
                dr::owner_id,
                sum_over("visit_count", w.window_from, tomorrow),
                sum_over("effective_visit_count", w.window_from, tomorrow),
                sum_over("order_visit_count", w.window_from, tomorrow),
                sum_over("expenses_minor", w.window_from, tomorrow),
                sum_over("effective_visit_count", w.four_weeks_before(), w.monday),
                sum_over("effective_visit_count", w.monday, tomorrow),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(
            |(u, visits, effective, ordered, expenses, before, this_week)| {
                let a = Activity {
                    visits,
                    effective,
                    ordered,
                    expenses,
                    effective_before: before,
                    effective_this_week: this_week,
                };
                (u, a)
            },
        ));
    }
    Ok(out)
}

fn efficiency_link(person: Id, from: NaiveDate, to: NaiveDate) -> String {
    format!("/api/v1/efficiency?user_id={person}&from={from}&to={to}")
}

/// Effective visits this week (Monday to today) under `visits_drop_pct` of the weekly average
/// of the four weeks before, pro rata the working days whose cutoff has passed.
fn dropping(
    ctx: &Ctx,
    monday: NaiveDate,
    people: &[Seller],
    counts: &HashMap<Id, Activity>,
) -> Vec<Anomaly> {
    let s = ctx.settings;
    let week = working_days(s, monday, monday + Duration::days(6));
    let elapsed = week
        .iter()
        .filter(|d| **d < ctx.today || (**d == ctx.today && ctx.now > report_due_at(s, **d)))
        .count() as i64;
    let per_week = week.len() as i64;
    if elapsed == 0 || per_week == 0 {
        return Vec::new();
    }
    let pct = i64::from(s.anomalies.visits_drop_pct);
    let since = super::day_start(s, monday);
    people
        .iter()
        .filter_map(|p| {
            let c = counts.get(&p.id).copied().unwrap_or_default();
            let (prior, now) = (c.effective_before, c.effective_this_week);
            // now < pct% x (prior / 4) x elapsed / per_week, in integers.
            if prior == 0 || now * 100 * 4 * per_week >= pct * prior * elapsed {
                return None;
            }
            let average = prior as f64 / 4.0;
            let round2 = |x: f64| (x * 100.0).round() / 100.0;
            let figures = AnomalyFigures::VisitsDrop(VisitsDropFigures {
                kind: AnomalyKind::VisitsDropping,
                week_start: monday,
                effective_visits: now,
                previous_four_weeks: prior,
                weekly_average: round2(average),
                expected_by_now: round2(average * elapsed as f64 / per_week as f64),
                elapsed_working_days: elapsed,
                working_days_per_week: per_week,
                threshold_pct: s.anomalies.visits_drop_pct,
            });
            let link = efficiency_link(p.id, monday, ctx.today);
            Some(
                Anomaly::new(
                    Severity::Medium,
                    since,
                    &format!("{}:{monday}", p.id),
                    link,
                    figures,
                )
                .person(p.id)
                .unit(p.org_unit_id),
            )
        })
        .collect()
}

/// The window of rates and expenses: `activity_window_days` ending today.
fn window(ctx: &Ctx) -> (NaiveDate, NaiveDate) {
    let days = i64::from(ctx.settings.anomalies.activity_window_days.max(1));
    (ctx.today - Duration::days(days - 1), ctx.today)
}

/// Effective visits dropping this week; and over the window, effective-visit and transaction
/// rates under their thresholds and expenses per visit far above the team's median: the
/// activity of the salespeople and of their teams read once for all of them.
pub fn find(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let people = sellers(conn, ctx.scope)?;
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut units: Vec<Id> = people.iter().map(|p| p.org_unit_id).collect();
    units.sort();
    units.dedup();
    let mut team: Vec<(Id, Id)> = Vec::new();
    for part in units.chunks(500) {
        team.extend(
            users::table
                .filter(users::role.eq(Role::Salesperson.as_str()))
                .filter(users::active.eq(true))
                .filter(users::org_unit_id.eq_any(part))
                .select((users::id, users::org_unit_id))
                .load::<(Id, Id)>(conn)?,
        );
    }
    // The teams hold every salesperson in scope.
    let team_ids: Vec<Id> = team.iter().map(|t| t.0).collect();
    let windows = Windows::of(ctx);
    let counts = activity(conn, &team_ids, windows)?;
    let mut out = dropping(ctx, windows.monday, &people, &counts);
    out.extend(rates(ctx, &people, &counts));
    out.extend(expensive(ctx, &people, &team, &counts));
    Ok(out)
}

/// Effective-visit and transaction rates under their thresholds, for salespeople with enough
/// visits in the window.
fn rates(ctx: &Ctx, people: &[Seller], counts: &HashMap<Id, Activity>) -> Vec<Anomaly> {
    let a = &ctx.settings.anomalies;
    let (from, to) = window(ctx);
    let since = super::day_start(ctx.settings, from);
    let mut out = Vec::new();
    for p in people {
        let Some(&Activity {
            visits,
            effective,
            ordered,
            ..
        }) = counts.get(&p.id)
        else {
            continue;
        };
        if visits < i64::from(a.activity_min_visits) {
            continue;
        }
        let link = efficiency_link(p.id, from, to);
        let key = p.id.to_string();
        if effective * 100 < i64::from(a.min_effective_visit_rate_pct) * visits {
            let figures = AnomalyFigures::EffectiveRate(EffectiveRateFigures {
                kind: AnomalyKind::LowEffectiveVisitRate,
                from,
                to,
                visits,
                effective_visits: effective,
                effective_visit_rate: ratio(effective, visits).unwrap_or(0.0),
                threshold_pct: a.min_effective_visit_rate_pct,
            });
            out.push(
                Anomaly::new(Severity::Medium, since, &key, link.clone(), figures)
                    .person(p.id)
                    .unit(p.org_unit_id),
            );
        }
        if ordered * 100 < i64::from(a.min_transaction_rate_pct) * visits {
            let figures = AnomalyFigures::TransactionRate(TransactionRateFigures {
                kind: AnomalyKind::LowTransactionRate,
                from,
                to,
                visits,
                visits_with_order: ordered,
                transaction_rate: ratio(ordered, visits).unwrap_or(0.0),
                threshold_pct: a.min_transaction_rate_pct,
            });
            out.push(
                Anomaly::new(Severity::Medium, since, &key, link, figures)
                    .person(p.id)
                    .unit(p.org_unit_id),
            );
        }
    }
    out
}

/// The median of sorted values (the mean of the two middle ones for an even count).
fn median(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2] + 1) / 2
    }
}

/// Expenses per visit above `expenses_above_median_pct` of the median of the salesperson's
/// unit: the active salespeople of the unit with enough visits in the window, at least
/// `expenses_min_team_size` of them (the whole unit counts, whoever the caller reaches).
fn expensive(
    ctx: &Ctx,
    people: &[Seller],
    team: &[(Id, Id)],
    counts: &HashMap<Id, Activity>,
) -> Vec<Anomaly> {
    let a = &ctx.settings.anomalies;
    let (from, to) = window(ctx);
    let min_visits = i64::from(a.activity_min_visits);
    // Cost per visit of everyone with enough visits, by unit.
    let cost = |id: &Id| -> Option<(i64, i64, i64)> {
        let c = counts.get(id).copied().unwrap_or_default();
        let visits = c.visits;
        (visits >= min_visits && visits > 0).then(|| {
            let e = c.expenses;
            (visits, e, (e + visits / 2) / visits)
        })
    };
    let mut by_unit: HashMap<Id, Vec<i64>> = HashMap::new();
    for (id, unit) in team {
        if let Some((_, _, c)) = cost(id) {
            by_unit.entry(*unit).or_default().push(c);
        }
    }
    for v in by_unit.values_mut() {
        v.sort_unstable();
    }
    let since = super::day_start(ctx.settings, from);
    let pct = i64::from(a.expenses_above_median_pct);
    people
        .iter()
        .filter_map(|p| {
            let (visits, spent, per_visit) = cost(&p.id)?;
            let costs = by_unit.get(&p.org_unit_id)?;
            if (costs.len() as i64) < i64::from(a.expenses_min_team_size) {
                return None;
            }
            let med = median(costs);
            if per_visit * 100 <= med * pct {
                return None;
            }
            let figures = AnomalyFigures::Expenses(ExpensesFigures {
                kind: AnomalyKind::HighExpensesPerVisit,
                from,
                to,
                visits,
                expenses_minor: spent,
                cost_per_visit_minor: per_visit,
                team_median_minor: med,
                team_size: costs.len() as i64,
                threshold_pct: a.expenses_above_median_pct,
            });
            let link = efficiency_link(p.id, from, to);
            Some(
                Anomaly::new(Severity::Medium, since, &p.id.to_string(), link, figures)
                    .person(p.id)
                    .unit(p.org_unit_id),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[1, 2, 9]), 2);
        assert_eq!(median(&[100, 200, 300, 1000]), 250);
    }
}
