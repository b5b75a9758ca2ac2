//! The settings document: one row, stored as JSON so that each area can add its own values
//! with a default.

use chrono::{NaiveTime, Weekday};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::config::Config;
use crate::db::{DbConnection, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::schema::settings;

/// Which facts count for money metrics (sales, gross profit, collections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactsSource {
    /// Orders and collections from daily reports.
    Report,
    /// Facts imported from the ERP.
    Erp,
    /// Both.
    Both,
}

impl FactsSource {
    /// The `source` values of the facts that count.
    pub fn counted(self) -> &'static [&'static str] {
        match self {
            FactsSource::Report => &["report"],
            FactsSource::Erp => &["erp"],
            FactsSource::Both => &["report", "erp"],
        }
    }
}

/// Company settings. Every user reads them; admins change them.
// Stored documents lack the values that later versions added: `StoredSettings::load` lays them
// over the defaults, so every value is always present.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Validate)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// ISO 4217 code of the company currency; all money is in its minor units.
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// Digits of the minor unit (2 for cents).
    #[validate(range(max = 4))]
    pub currency_minor_digits: u8,
    /// IANA time zone of the company; business days are days in this zone.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Days of the week that are working days (`mon` .. `sun`), each once.
    #[validate(length(min = 1, max = 7))]
    pub working_days: Vec<String>,
    /// Local time by which a day's visit report is due (`HH:MM`, same day).
    #[schema(example = "20:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub daily_report_cutoff: String,
    /// Local time on Monday by which the weekly report for the week before is due (`HH:MM`).
    #[schema(example = "12:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub weekly_report_cutoff: String,
    /// Which facts count for money metrics.
    pub money_facts_source: FactsSource,
    /// Progress status thresholds, as percent of the expected-by-now value:
    /// at or above `ahead_pct` is `ahead`, at or above `on_track_pct` is `on_track`,
    /// at or above `at_risk_pct` is `behind`, below it `at_risk`.
    pub progress_ahead_pct: u32,
    pub progress_on_track_pct: u32,
    pub progress_at_risk_pct: u32,
    /// A visit check-in farther than this from the customer is flagged out of range.
    pub checkin_radius_m: u32,
    /// Scorecards flag `late_reporter` below this daily-report timeliness (percent).
    #[validate(range(max = 100))]
    pub scorecard_late_reporter_pct: u32,
    /// Scorecards flag `low_effectiveness` below this effective visit rate (percent).
    #[validate(range(max = 100))]
    pub scorecard_low_effectiveness_pct: u32,
    /// Days a customer has to pay for what they bought; sales older than this that payments
    /// have not covered are overdue (weekly reports list those customers).
    #[validate(range(max = 3650))]
    pub payment_terms_days: u32,
    /// Hours to acknowledge a market report or complaint before it escalates, by severity.
    #[validate(nested)]
    pub ack_deadline_hours: SeverityHours,
    /// Hours to resolve a complaint, by severity.
    #[validate(nested)]
    pub resolution_due_hours: SeverityHours,
    /// The thresholds of the anomalies list (`GET /api/v1/anomalies`) and of the target status
    /// notifications.
    #[validate(nested)]
    pub anomalies: AnomalySettings,
    /// The most visits `GET /api/v1/visit-plans/suggestions` suggests for a day.
    #[validate(range(min = 1, max = 50))]
    pub visit_suggestions_max: u32,
}

/// What counts as an anomaly. Rates and shares are percents; windows end today.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Validate)]
#[serde(deny_unknown_fields)]
pub struct AnomalySettings {
    /// Days of a target's period that must have passed before it is judged `behind` or
    /// `at_risk` (listed, and notified), so that a period's first days do not alarm everyone.
    #[validate(range(max = 31))]
    pub target_min_elapsed_days: u32,
    /// How many days back missing and late daily reports and unsigned visit plans are listed.
    #[validate(range(min = 1, max = 92))]
    pub report_lookback_days: u32,
    /// A submitted daily report waiting longer than this for review is listed (hours).
    #[validate(range(min = 1, max = 720))]
    pub review_wait_hours: u32,
    /// Visits dropping: a salesperson's effective visits this week below this percent of their
    /// average of the four weeks before (pro rata the working days of the week gone by).
    #[validate(range(min = 1, max = 100))]
    pub visits_drop_pct: u32,
    /// Days the effective-visit rate, the transaction rate and expenses per visit are taken
    /// over (ending today).
    #[validate(range(min = 7, max = 366))]
    pub activity_window_days: u32,
    /// Fewest visits in that window before a salesperson's rates and expenses are judged.
    #[validate(range(min = 1, max = 10000))]
    pub activity_min_visits: u32,
    /// Effective visits / visits below this percent is listed.
    #[validate(range(max = 100))]
    pub min_effective_visit_rate_pct: u32,
    /// Visits with an order / visits below this percent is listed.
    #[validate(range(max = 100))]
    pub min_transaction_rate_pct: u32,
    /// Expenses per visit above this percent of the median of the salesperson's unit is listed.
    #[validate(range(min = 100, max = 10000))]
    pub expenses_above_median_pct: u32,
    /// Fewest salespeople of a unit (each with enough visits) for its median to be compared with.
    #[validate(range(min = 2, max = 1000))]
    pub expenses_min_team_size: u32,
    /// A customer whose overdue payments (see `payment_terms_days`) exceed this amount, in minor
    /// units, is listed.
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub overdue_payment_min_minor: i64,
    /// An active customer not visited for longer than this many days is listed (customers with
    /// a call cycle are judged by their cycle instead).
    #[validate(range(min = 1, max = 3650))]
    pub customer_not_visited_days: u32,
    /// A customer overdue for a visit by its call cycle is listed once it is more than this
    /// many days overdue.
    #[validate(range(max = 365))]
    pub visit_overdue_grace_days: u32,
    /// A running promotion is judged once this percent of its period has passed.
    #[validate(range(min = 1, max = 100))]
    pub promotion_min_elapsed_pct: u32,
    /// A running promotion so judged is listed while its uplift is below this percent of the
    /// uplift expected of it.
    #[validate(range(max = 100))]
    pub promotion_min_uplift_share_pct: u32,
}

impl Default for AnomalySettings {
    fn default() -> Self {
        AnomalySettings {
            target_min_elapsed_days: 3,
            report_lookback_days: 7,
            review_wait_hours: 24,
            visits_drop_pct: 50,
            activity_window_days: 28,
            activity_min_visits: 10,
            min_effective_visit_rate_pct: 50,
            min_transaction_rate_pct: 20,
            expenses_above_median_pct: 150,
            expenses_min_team_size: 3,
            overdue_payment_min_minor: 0,
            customer_not_visited_days: 30,
            visit_overdue_grace_days: 0,
            promotion_min_elapsed_pct: 50,
            promotion_min_uplift_share_pct: 50,
        }
    }
}

/// Hours per severity; every severity needs at least one hour.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Validate)]
#[serde(deny_unknown_fields)]
pub struct SeverityHours {
    #[validate(range(min = 1))]
    pub low: u32,
    #[validate(range(min = 1))]
    pub medium: u32,
    #[validate(range(min = 1))]
    pub high: u32,
    #[validate(range(min = 1))]
    pub critical: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            currency: "EUR".into(),
            currency_minor_digits: 2,
            time_zone: "UTC".into(),
            working_days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            daily_report_cutoff: "20:00".into(),
            weekly_report_cutoff: "12:00".into(),
            money_facts_source: FactsSource::Both,
            progress_ahead_pct: 105,
            progress_on_track_pct: 95,
            progress_at_risk_pct: 80,
            checkin_radius_m: 300,
            scorecard_late_reporter_pct: 80,
            scorecard_low_effectiveness_pct: 50,
            payment_terms_days: 30,
            ack_deadline_hours: SeverityHours {
                low: 72,
                medium: 24,
                high: 8,
                critical: 2,
            },
            resolution_due_hours: SeverityHours {
                low: 240,
                medium: 120,
                high: 48,
                critical: 24,
            },
            anomalies: AnomalySettings::default(),
            visit_suggestions_max: 8,
        }
    }
}

impl Settings {
    /// Initial settings from the environment (first start only).
    pub fn from_config(config: &Config) -> Self {
        let mut s = Settings::default();
        if let Some(v) = &config.currency {
            s.currency = v.clone();
        }
        if let Some(v) = &config.time_zone {
            s.time_zone = v.clone();
        }
        if let Some(v) = &config.daily_report_cutoff {
            s.daily_report_cutoff = v.clone();
        }
        if let Some(v) = &config.weekly_report_cutoff {
            s.weekly_report_cutoff = v.clone();
        }
        s
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    pub fn daily_cutoff(&self) -> NaiveTime {
        parse_hhmm(&self.daily_report_cutoff).unwrap_or(NaiveTime::MIN)
    }

    pub fn weekly_cutoff(&self) -> NaiveTime {
        parse_hhmm(&self.weekly_report_cutoff).unwrap_or(NaiveTime::MIN)
    }

    pub fn is_working_day(&self, day: Weekday) -> bool {
        let name = day.to_string().to_lowercase();
        self.working_days.contains(&name)
    }

    /// Every rule a settings document must satisfy; all violations at once.
    pub fn check(&self) -> ApiResult<()> {
        let mut errors = match self.validate() {
            Ok(()) => Vec::new(),
            Err(e) => crate::error::field_errors(&e),
        };
        let mut bad = |field: &str, message: &str| errors.push(FieldError::new(field, message));
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            bad("currency", "must be an ISO 4217 code such as EUR");
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bad(
                "time_zone",
                "must be an IANA time zone such as Europe/Berlin",
            );
        }
        if self
            .working_days
            .iter()
            .any(|d| d.parse::<Weekday>().is_err() || d.len() != 3 || *d != d.to_lowercase())
        {
            bad(
                "working_days",
                "must list days as mon, tue, wed, thu, fri, sat, sun",
            );
        }
        if parse_hhmm(&self.daily_report_cutoff).is_none() {
            bad("daily_report_cutoff", "must be a time HH:MM");
        }
        if parse_hhmm(&self.weekly_report_cutoff).is_none() {
            bad("weekly_report_cutoff", "must be a time HH:MM");
        }
        if !(self.progress_ahead_pct >= self.progress_on_track_pct
            && self.progress_on_track_pct >= self.progress_at_risk_pct)
        {
            bad(
                "progress_on_track_pct",
                "thresholds must satisfy ahead >= on_track >= at_risk",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_fields(errors))
        }
    }
}

fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    if s.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// The stored settings with their version.
pub struct StoredSettings {
    pub settings: Settings,
    pub version: i64,
}

impl StoredSettings {
    pub fn load(conn: &mut DbConnection) -> ApiResult<StoredSettings> {
        let (data, version): (String, i64) = settings::table
            .find(1)
            .select((settings::data, settings::version))
            .first(conn)?;
        let stored: serde_json::Value = serde_json::from_str(&data)
            .map_err(|e| anyhow::anyhow!("stored settings are unreadable: {e}"))?;
        let mut doc = serde_json::to_value(Settings::default()).map_err(anyhow::Error::from)?;
        merge(&mut doc, stored);
        let settings = serde_json::from_value(doc)
            .map_err(|e| anyhow::anyhow!("stored settings are unreadable: {e}"))?;
        Ok(StoredSettings { settings, version })
    }

    /// Writes the first settings row unless there is one.
    pub fn init(conn: &mut DbConnection, initial: &Settings, now: Timestamp) -> anyhow::Result<()> {
        let exists: bool = diesel::select(diesel::dsl::exists(
            settings::table.find(1).select(settings::id),
        ))
        .get_result(conn)?;
        if !exists {
            initial
                .check()
                .map_err(|e| anyhow::anyhow!("initial settings from the environment: {e}"))?;
            diesel::insert_into(settings::table)
                .values((
                    settings::id.eq(1),
                    settings::data.eq(serde_json::to_string(initial)?),
                    settings::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn save(
        conn: &mut DbConnection,
        s: &Settings,
        expected: i64,
        now: Timestamp,
    ) -> ApiResult<bool> {
        let data = serde_json::to_string(s).map_err(anyhow::Error::from)?;
        let n = diesel::update(
            settings::table
                .filter(settings::id.eq(1))
                .filter(settings::version.eq(expected)),
        )
        .set((
            settings::data.eq(data),
            settings::version.eq(settings::version + 1),
            settings::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}

/// RFC 7396 JSON merge: `patch` laid over `target`.
pub fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}
