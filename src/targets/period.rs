//! Metrics and calendar-aligned periods.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// What a target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Revenue, in minor units.
    SalesAmount,
    /// Revenue minus cost, in minor units.
    GrossProfit,
    /// Payments collected (payment recovery), in minor units.
    Collections,
    /// Customers activated in the period (new outlets), a count.
    NewCustomers,
    /// Effective visits, a count: the visits marked effective in submitted or reviewed daily
    /// reports.
    Visits,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::SalesAmount,
        Metric::GrossProfit,
        Metric::Collections,
        Metric::NewCustomers,
        Metric::Visits,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::SalesAmount => "sales_amount",
            Metric::GrossProfit => "gross_profit",
            Metric::Collections => "collections",
            Metric::NewCustomers => "new_customers",
            Metric::Visits => "visits",
        }
    }

    /// Whether the metric is an amount of money (in minor units) rather than a count.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Metric::SalesAmount | Metric::GrossProfit | Metric::Collections
        )
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The length of a period; periods are calendar aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// Starts on 1 January.
    Year,
    /// Starts on 1 January, April, July or October.
    Quarter,
    /// Starts on the first of a month.
    Month,
    /// An ISO week: starts on a Monday.
    Week,
}

impl PeriodType {
    pub const ALL: [PeriodType; 4] = [
        PeriodType::Year,
        PeriodType::Quarter,
        PeriodType::Month,
        PeriodType::Week,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodType::Year => "year",
            PeriodType::Quarter => "quarter",
            PeriodType::Month => "month",
            PeriodType::Week => "week",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodType> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A calendar-aligned period: its type and first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodType,
    pub start: NaiveDate,
}

impl Period {
    /// A period starting on `start`, refused (422 on `period_start`) unless aligned.
    pub fn new(kind: PeriodType, start: NaiveDate) -> ApiResult<Period> {
        let aligned = match kind {
            PeriodType::Year => start.month() == 1 && start.day() == 1,
            PeriodType::Quarter => start.day() == 1 && (start.month() - 1) % 3 == 0,
            PeriodType::Month => start.day() == 1,
            PeriodType::Week => start.weekday() == Weekday::Mon,
        };
        if !aligned {
            let rule = match kind {
                PeriodType::Year => "a year starts on 1 January",
                PeriodType::Quarter => "a quarter starts on 1 January, April, July or October",
                PeriodType::Month => "a month starts on its first day",
                PeriodType::Week => "a week starts on a Monday",
            };
            return Err(ApiError::invalid("period_start", rule));
        }
        Ok(Period { kind, start })
    }

    /// The last day of the period (inclusive).
    pub fn end(&self) -> NaiveDate {
        let next = match self.kind {
            PeriodType::Year => self.start.checked_add_months(Months::new(12)),
            PeriodType::Quarter => self.start.checked_add_months(Months::new(3)),
            PeriodType::Month => self.start.checked_add_months(Months::new(1)),
            PeriodType::Week => self.start.checked_add_days(Days::new(7)),
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(self.start)
    }

    /// The periods of type `into` that tile this one (a year into 4 quarters or 12 months,
    /// a quarter into 3 months); 422 on `into` for any other pair.
    pub fn tiles(&self, into: PeriodType) -> ApiResult<Vec<Period>> {
        let (count, step) = match (self.kind, into) {
            (PeriodType::Year, PeriodType::Quarter) => (4, 3),
            (PeriodType::Year, PeriodType::Month) => (12, 1),
            (PeriodType::Quarter, PeriodType::Month) => (3, 1),
            _ => {
                return Err(ApiError::invalid(
                    "into",
                    "a year splits into quarters or months, a quarter into months",
                ))
            }
        };
        (0..count)
            .map(|i| {
                let start = self
                    .start
                    .checked_add_months(Months::new(i * step))
                    .ok_or_else(|| ApiError::invalid("period_start", "out of range"))?;
                Ok(Period { kind: into, start })
            })
            .collect()
    }
}
