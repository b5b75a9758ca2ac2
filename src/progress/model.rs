//! The progress figures of a target, from its actual and the day they are taken on.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::settings::Settings;
use crate::targets::model::Target;

/// How a target is doing against its pace (thresholds in the settings, as percent of the
/// expected-by-now value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    Ahead,
    OnTrack,
    Behind,
    AtRisk,
}

impl ProgressStatus {
    pub const ALL: [ProgressStatus; 4] = [
        ProgressStatus::Ahead,
        ProgressStatus::OnTrack,
        ProgressStatus::Behind,
        ProgressStatus::AtRisk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProgressStatus::Ahead => "ahead",
            ProgressStatus::OnTrack => "on_track",
            ProgressStatus::Behind => "behind",
            ProgressStatus::AtRisk => "at_risk",
        }
    }

    pub fn parse(s: &str) -> Option<ProgressStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the target is short of its pace (`behind` or `at_risk`).
    pub fn is_short(self) -> bool {
        matches!(self, ProgressStatus::Behind | ProgressStatus::AtRisk)
    }

    /// Whether `self` is a worse status than `other`.
    pub fn worse_than(self, other: ProgressStatus) -> bool {
        let rank = |s: ProgressStatus| Self::ALL.iter().position(|v| *v == s).unwrap_or(0);
        rank(self) > rank(other)
    }
}

/// Progress of one target on `as_of`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    pub target: Target,
    /// The day the figures are taken on (facts up to and including it count).
    pub as_of: NaiveDate,
    /// Days of the period up to and including `as_of` (0 before the period starts).
    pub elapsed_days: i64,
    /// Days of the period.
    pub total_days: i64,
    /// What was achieved, from the facts: minor units for money, a count otherwise.
    pub actual: i64,
    /// `actual / target value` (absent for a zero target).
    pub achievement_ratio: Option<f64>,
    /// `value x elapsed_days / total_days`, rounded half up.
    pub expected: i64,
    /// `actual - expected`: negative when behind pace.
    pub gap: i64,
    /// `value - actual`: what is still to achieve (negative when exceeded).
    pub remaining: i64,
    /// Run-rate forecast at period end: `actual x total_days / elapsed_days`, rounded half up
    /// (equal to `actual` before the period starts and after it ends).
    pub forecast: i64,
    pub status: ProgressStatus,
    /// For a money metric: how much of `actual` the ERP stands behind and how much is reported
    /// only (docs/reconciliation.md).
    pub sources: Option<ActualSources>,
}

/// The parts of a money actual: `erp_confirmed + reported_only = actual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActualSources {
    /// From ERP facts, and (under `money_facts_source: report`) from report orders an ERP
    /// fact confirmed.
    pub erp_confirmed: i64,
    /// From report orders no ERP fact confirmed (collections: from reports).
    pub reported_only: i64,
    /// The ERP has declared its sales complete through this day (absent: never).
    pub erp_complete_through: Option<NaiveDate>,
}

/// `a * b / c` rounded half up, for non-negative `b` and positive `c`.
fn mul_div(a: i64, b: i64, c: i64) -> i64 {
    let (a, b, c) = (i128::from(a), i128::from(b), i128::from(c));
    let n = a * b;
    let q = if n >= 0 {
        (2 * n + c) / (2 * c)
    } else {
        -((-2 * n + c) / (2 * c))
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

fn status(actual: i64, expected: i64, s: &Settings) -> ProgressStatus {
    if expected <= 0 {
        return if actual > 0 {
            ProgressStatus::Ahead
        } else {
            ProgressStatus::OnTrack
        };
    }
    let pct = i128::from(actual) * 100;
    let at = |threshold: u32| pct >= i128::from(expected) * i128::from(threshold);
    if at(s.progress_ahead_pct) {
        ProgressStatus::Ahead
    } else if at(s.progress_on_track_pct) {
        ProgressStatus::OnTrack
    } else if at(s.progress_at_risk_pct) {
        ProgressStatus::Behind
    } else {
        ProgressStatus::AtRisk
    }
}

impl Progress {
    pub fn compute(target: Target, actual: i64, as_of: NaiveDate, settings: &Settings) -> Progress {
        let total_days = (target.period_end - target.period_start).num_days() + 1;
        let elapsed_days = ((as_of - target.period_start).num_days() + 1).clamp(0, total_days);
        let value = target.value;
        let expected = mul_div(value, elapsed_days, total_days);
        let forecast = if elapsed_days == 0 {
            actual
        } else {
            mul_div(actual, total_days, elapsed_days)
        };
        let achievement_ratio = ratio(actual, value);
        Progress {
            as_of,
            elapsed_days,
            total_days,
            actual,
            achievement_ratio,
            expected,
            gap: actual.saturating_sub(expected),
            remaining: value.saturating_sub(actual),
            forecast,
            status: status(actual, expected, settings),
            target,
            sources: None,
        }
    }
}

/// `n / d` rounded to four decimals, as every ratio and rate of the API is; none when `d` is 0.
pub fn ratio(n: i64, d: i64) -> Option<f64> {
    (d != 0).then(|| ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::mul_div;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(mul_div(1000, 1, 3), 333);
        assert_eq!(mul_div(1000, 2, 3), 667);
        assert_eq!(mul_div(5, 1, 2), 3);
        assert_eq!(mul_div(-5, 1, 2), -3);
    }
}
