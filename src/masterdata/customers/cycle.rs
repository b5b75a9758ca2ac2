//! A customer's call cycle: how often it must be visited (every N weeks, or N visits a month)
//! and when it prefers to be visited (a day of the week, a time window); the rules a create,
//! a change and a bulk row share.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitDay {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl VisitDay {
    pub const ALL: [VisitDay; 7] = [
        VisitDay::Mon,
        VisitDay::Tue,
        VisitDay::Wed,
        VisitDay::Thu,
        VisitDay::Fri,
        VisitDay::Sat,
        VisitDay::Sun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitDay::Mon => "mon",
            VisitDay::Tue => "tue",
            VisitDay::Wed => "wed",
            VisitDay::Thu => "thu",
            VisitDay::Fri => "fri",
            VisitDay::Sat => "sat",
            VisitDay::Sun => "sun",
        }
    }

    /// The stored text's day.
    pub fn parse(s: &str) -> Option<VisitDay> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn of(day: chrono::Weekday) -> VisitDay {
        Self::ALL[day.num_days_from_monday() as usize]
    }
}

/// A local time `HH:MM`.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    if s.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// A call cycle as stored: every value optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cycle<'a> {
    pub every_weeks: Option<i32>,
    pub per_month: Option<i32>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// What is wrong with a call cycle, as (field, message): one frequency at most, times as
/// `HH:MM`, a window that ends after it starts.
pub fn problems(c: &Cycle<'_>) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if c.every_weeks.is_some() && c.per_month.is_some() {
        out.push((
            "visits_per_month",
            "give visit_every_weeks or visits_per_month, not both",
        ));
    }
    let from = c.from.map(parse_time);
    let to = c.to.map(parse_time);
    if from == Some(None) {
        out.push(("preferred_visit_from", "must be a time HH:MM"));
    }
    if to == Some(None) {
        out.push(("preferred_visit_to", "must be a time HH:MM"));
    }
    if let (Some(Some(f)), Some(Some(t))) = (from, to) {
        if t <= f {
            out.push(("preferred_visit_to", "must be after preferred_visit_from"));
        }
    }
    out
}
