//! Computing scorecards, set-based: one targets query, one actuals pass and one efficiency pass
//! for the whole unit.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::supervisors::WeeklyReportScore;
use crate::coverage::model::{self as coverage, CoverageFigures};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::progress::actuals::actuals;
use crate::progress::model::{Progress, ProgressStatus};
use crate::schema::targets;
use crate::settings::Settings;
use crate::targets::model::Target;
use crate::visits::compliance::Person;
use crate::visits::efficiency::{self, EfficiencyFigures};

/// A salesperson counts as a new hire for this many days.
pub const NEW_HIRE_DAYS: i64 = 90;

/// A month (`2026-11`) or a quarter (`2026-Q4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: &'static str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The calendar month of a day.
    pub fn month_of(day: NaiveDate) -> Period {
        let start = day.with_day(1).unwrap_or(day);
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .map_or(NaiveDate::MAX, |next| next - Duration::days(1));
        Period {
            kind: "month",
            start,
            end,
        }
    }

    /// Parses `YYYY-MM` or `YYYY-Qn` (422 on `period`).
    pub fn parse(s: &str) -> ApiResult<Period> {
        let bad = || ApiError::invalid("period", "a month like 2026-11 or a quarter like 2026-Q4");
        let (year, rest) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let (kind, first_month, months) = match rest.strip_prefix('Q') {
            Some(q) => {
                let q: u32 = q.parse().map_err(|_| bad())?;
                if !(1..=4).contains(&q) {
                    return Err(bad());
                }
                ("quarter", (q - 1) * 3 + 1, 3)
            }
            None => {
                let m: u32 = rest.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&m) || rest.len() != 2 {
                    return Err(bad());
                }
                ("month", m, 1)
            }
        };
        let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(bad)?;
        let next = start
            .checked_add_months(chrono::Months::new(months))
            .ok_or_else(bad)?;
        Ok(Period {
            kind,
            start,
            end: next - Duration::days(1),
        })
    }
}

/// Why a salesperson needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreFlag {
    /// A target of the period is `behind` or `at_risk`.
    BehindPace,
    /// Hired in the last 90 days.
    NewHire,
    /// Report timeliness below `scorecard_late_reporter_pct` (settings).
    LateReporter,
    /// Effective visit rate below `scorecard_low_effectiveness_pct` (settings).
    LowEffectiveness,
}

/// Achievement of one target of the period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetScore {
    /// The target; absent when the quarter's figure is the sum of its monthly targets.
    pub target_id: Option<Id>,
    /// A quarter without a quarterly target for this metric: the value is the sum of the
    /// person's monthly targets in the quarter, the actual is the quarter's.
    pub from_monthly_targets: bool,
    #[schema(example = "sales_amount")]
    pub metric: String,
    pub category: Option<String>,
    pub value: i64,
    pub actual: i64,
    pub achievement_ratio: Option<f64>,
    pub status: ProgressStatus,
}

/// One salesperson's scorecard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
    /// 1 = best in the unit: by sales-target achievement, then by sales.
    pub rank: usize,
    pub targets: Vec<TargetScore>,
    /// The efficiency figures of the period (visits, rates, money, timeliness, quality).
    pub figures: EfficiencyFigures,
    /// Call-cycle coverage of the customers they own over the period.
    pub coverage: CoverageFigures,
    pub flags: Vec<ScoreFlag>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Scorecards {
    pub unit_id: Id,
    #[schema(example = "2026-Q4")]
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day the figures are taken on: the period's end, or today if earlier.
    pub as_of: NaiveDate,
    pub items: Vec<Scorecard>,
    /// Weekly-report timeliness of the supervisors and managers who run the subtree's units,
    /// by name.
    pub supervisors: Vec<WeeklyReportScore>,
}

/// A rate below a percentage threshold of the settings (no rate is never below).
pub fn pct_below(rate: Option<f64>, pct: u32) -> bool {
    rate.is_some_and(|r| r * 100.0 < f64::from(pct))
}

/// Scorecards of `people` for `period`, as of `today`, ranked.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    people: Vec<Person>,
    period: Period,
    today: NaiveDate,
    now: Timestamp,
) -> ApiResult<(NaiveDate, Vec<Scorecard>)> {
    let as_of = period.end.min(today);
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    let mut scores = target_scores(conn, settings, &ids, period, as_of)?;
    let mut cards = cards_of(conn, settings, people, &mut scores, period, as_of, now)?;
    cards.sort_by(|a, b| {
        ranking(&a.targets, a.figures.sales_minor, &a.name).cmp(&ranking(
            &b.targets,
            b.figures.sales_minor,
            &b.name,
        ))
    });
    for (i, c) in cards.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    Ok((as_of, cards))
}

/// The first `n` and the last `n` of the ranking of `people` (best first, weakest first), and
/// how many were ranked: `compute` as a dashboard shows it. Everyone is ranked from their
/// targets and sales alone; the visits, reports and coverage are read only for those shown.
pub fn best_and_weakest(
    conn: &mut DbConnection,
    settings: &Settings,
    people: Vec<Person>,
    period: Period,
    today: NaiveDate,
    now: Timestamp,
    n: usize,
) -> ApiResult<(usize, Vec<Scorecard>, Vec<Scorecard>)> {
    let as_of = period.end.min(today);
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    let mut scores = target_scores(conn, settings, &ids, period, as_of)?;
    let sales = efficiency::sales_of(conn, settings, &ids, period.start, as_of)?;
    let no_targets = Vec::new();
    let keys: Vec<_> = people
        .iter()
        .map(|p| {
            let targets = scores.get(&p.id).unwrap_or(&no_targets);
            ranking(targets, sales.get(&p.id).copied().unwrap_or(0), &p.name)
        })
        .collect();
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let count = people.len();
    let best: Vec<usize> = order.iter().copied().take(n).collect();
    let weakest: Vec<usize> = order.iter().rev().copied().take(n).collect();
    // The rank of each one shown, by user.
    let mut rank: HashMap<Id, usize> = HashMap::new();
    for (pos, &i) in order.iter().enumerate() {
        if best.contains(&i) || weakest.contains(&i) {
            rank.insert(people[i].id, pos + 1);
        }
    }
    let shown: Vec<Person> = people
        .into_iter()
        .filter(|p| rank.contains_key(&p.id))
        .collect();
    let cards: HashMap<Id, Scorecard> =
        cards_of(conn, settings, shown, &mut scores, period, as_of, now)?
            .into_iter()
            .map(|mut c| {
                c.rank = rank[&c.user_id];
                (c.user_id, c)
            })
            .collect();
    let pick = |list: &[usize]| -> Vec<Scorecard> {
        list.iter()
            .filter_map(|&i| cards.get(&ids[i]).cloned())
            .collect()
    };
    Ok((count, pick(&best), pick(&weakest)))
}

/// Each person's targets of `period` with their progress as of `as_of`, by user.
fn target_scores(
    conn: &mut DbConnection,
    settings: &Settings,
    ids: &[Id],
    period: Period,
    as_of: NaiveDate,
) -> ApiResult<HashMap<Id, Vec<TargetScore>>> {
    let mut owned: Vec<Target> = targets::table
        .filter(targets::user_id.eq_any(ids))
        .filter(targets::period_type.eq(period.kind))
        .filter(targets::period_start.eq(period.start))
        .select(Target::as_select())
        .order(targets::id)
        .load(conn)?;
    let mut from_months = HashSet::new();
    if period.kind == "quarter" {
        let summed = quarter_from_months(conn, ids, period, &owned)?;
        from_months.extend(summed.iter().map(|t| t.id));
        owned.extend(summed);
    }
    let actual = actuals(conn, &owned, as_of, settings.money_facts_source)?;
    let mut scores: HashMap<Id, Vec<TargetScore>> = HashMap::new();
    for t in owned {
        let a = actual.get(&t.id).copied().unwrap_or(0);
        let Some(user) = t.user_id else { continue };
        let from_months = from_months.contains(&t.id);
        let p = Progress::compute(t, a, as_of, settings);
        scores.entry(user).or_default().push(TargetScore {
            target_id: (!from_months).then_some(p.target.id),
            from_monthly_targets: from_months,
            metric: p.target.metric.clone(),
            category: p.target.category.clone(),
            value: p.target.value,
            actual: p.actual,
            achievement_ratio: p.achievement_ratio,
            status: p.status,
        });
    }
    Ok(scores)
}

/// The scorecards of `people` (unranked), with their targets taken out of `scores`.
fn cards_of(
    conn: &mut DbConnection,
    settings: &Settings,
    people: Vec<Person>,
    scores: &mut HashMap<Id, Vec<TargetScore>>,
    period: Period,
    as_of: NaiveDate,
    now: Timestamp,
) -> ApiResult<Vec<Scorecard>> {
    let report = efficiency::compute(conn, settings, &people, period.start, as_of, now)?;
    let (_, covered) = coverage::compute(conn, settings, &people, period.start, as_of)?;
    let mut coverage: HashMap<Id, CoverageFigures> = covered
        .into_iter()
        .map(|c| (c.user_id, c.figures))
        .collect();
    let mut figures: HashMap<Id, EfficiencyFigures> = report
        .people
        .into_iter()
        .filter_map(|f| f.user_id.map(|u| (u, f)))
        .collect();
    Ok(people
        .into_iter()
        .map(|p| {
            let targets = scores.remove(&p.id).unwrap_or_default();
            let figures = figures.remove(&p.id).unwrap_or_default();
            let coverage = coverage.remove(&p.id).unwrap_or_default();
            let mut flags = Vec::new();
            if targets
                .iter()
                .any(|t| matches!(t.status, ProgressStatus::Behind | ProgressStatus::AtRisk))
            {
                flags.push(ScoreFlag::BehindPace);
            }
            if p.hired_on
                .is_some_and(|h| h > as_of - Duration::days(NEW_HIRE_DAYS))
            {
                flags.push(ScoreFlag::NewHire);
            }
            if pct_below(
                figures.report_timeliness_rate,
                settings.scorecard_late_reporter_pct,
            ) {
                flags.push(ScoreFlag::LateReporter);
            }
            if pct_below(
                figures.effective_visit_rate,
                settings.scorecard_low_effectiveness_pct,
            ) {
                flags.push(ScoreFlag::LowEffectiveness);
            }
            Scorecard {
                user_id: p.id,
                name: p.name,
                org_unit_id: p.org_unit_id,
                hired_on: p.hired_on,
                rank: 0,
                targets,
                figures,
                coverage,
                flags,
            }
        })
        .collect())
}

/// For each person, metric and category without a quarterly target: a stand-in quarter target
/// whose value is the sum of the person's monthly targets inside the quarter.
fn quarter_from_months(
    conn: &mut DbConnection,
    people: &[Id],
    period: Period,
    quarterly: &[Target],
) -> ApiResult<Vec<Target>> {
    type Key = (Option<Id>, String, Option<String>);
    let key = |t: &Target| -> Key { (t.user_id, t.metric.clone(), t.category.clone()) };
    let has_quarterly: HashSet<Key> = quarterly.iter().map(key).collect();
    let months: Vec<Target> = targets::table
        .filter(targets::user_id.eq_any(people))
        .filter(targets::period_type.eq("month"))
        .filter(targets::period_start.between(period.start, period.end))
        .select(Target::as_select())
        .order((targets::period_start, targets::id))
        .load(conn)?;
    // Ordered, so that a person's targets come out the same way every time.
    let mut summed: BTreeMap<Key, Target> = BTreeMap::new();
    for m in months {
        let k = key(&m);
        if has_quarterly.contains(&k) {
            continue;
        }
        match summed.get_mut(&k) {
            Some(t) => t.value = t.value.saturating_add(m.value),
            None => {
                summed.insert(
                    k,
                    Target {
                        id: Id::new(),
                        period_type: "quarter".into(),
                        period_start: period.start,
                        period_end: period.end,
                        parent_id: None,
                        ..m
                    },
                );
            }
        }
    }
    Ok(summed.into_values().collect())
}

/// The place in the ranking: by the achievement of the sales-amount target (none ranks last),
/// then by sales, then by name; smaller ranks better.
fn ranking<'a>(
    targets: &[TargetScore],
    sales_minor: i64,
    name: &'a str,
) -> (
    std::cmp::Reverse<Achievement>,
    std::cmp::Reverse<i64>,
    &'a str,
) {
    let achievement = targets
        .iter()
        .find(|t| t.metric == "sales_amount" && t.category.is_none())
        .and_then(|t| t.achievement_ratio)
        .unwrap_or(-1.0);
    (
        std::cmp::Reverse(Achievement(achievement)),
        std::cmp::Reverse(sales_minor),
        name,
    )
}

/// An achievement ratio ordered by `f64::total_cmp`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Achievement(f64);

impl Eq for Achievement {}

impl PartialOrd for Achievement {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Achievement {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
