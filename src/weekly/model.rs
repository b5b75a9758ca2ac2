//! Weekly report rows and the queries on them.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::figures::WeeklyFigures;
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{org_units, weekly_reports as wr};

/// Where a weekly report is: `draft` -> `submitted` -> `reviewed`, or `returned` by the reviewer
/// (then refreshed, edited and submitted again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeeklyStatus {
    Draft,
    Submitted,
    Reviewed,
    Returned,
}

impl WeeklyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WeeklyStatus::Draft => "draft",
            WeeklyStatus::Submitted => "submitted",
            WeeklyStatus::Reviewed => "reviewed",
            WeeklyStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> WeeklyStatus {
        match s {
            "submitted" => WeeklyStatus::Submitted,
            "reviewed" => WeeklyStatus::Reviewed,
            "returned" => WeeklyStatus::Returned,
            _ => WeeklyStatus::Draft,
        }
    }

    /// Whether the author may still change figures and narrative.
    pub fn is_open(self) -> bool {
        matches!(self, WeeklyStatus::Draft | WeeklyStatus::Returned)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wr)]
pub struct Row {
    pub id: Id,
    pub org_unit_id: Id,
    pub iso_week: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub author_id: Id,
    pub status: String,
    pub figures: String,
    pub figures_at: Timestamp,
    pub competitor_dynamics: Option<String>,
    pub abnormal_customer_handling: Option<String>,
    pub next_week_goals: Option<String>,
    pub next_week_plans: Option<String>,
    pub due_at: Timestamp,
    pub first_submitted_at: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub late: bool,
    pub reviewed_by: Option<Id>,
    pub reviewed_at: Option<Timestamp>,
    pub review_comment: Option<String>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The narrative of a weekly report: the words the author adds to the figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Narrative {
    /// What competitors did this week.
    pub competitor_dynamics: Option<String>,
    /// How abnormal customers are being handled.
    pub abnormal_customer_handling: Option<String>,
    /// Next week's goals.
    pub next_week_goals: Option<String>,
    /// Next week's plans.
    pub next_week_plans: Option<String>,
}

/// A weekly report as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeeklyReport {
    pub id: Id,
    pub org_unit_id: Id,
    pub unit_name: String,
    /// `YYYY-Www`.
    pub week: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub author_id: Id,
    pub status: WeeklyStatus,
    /// Monday after the week at the weekly cutoff (company time zone).
    pub due_at: Timestamp,
    /// First submitted after `due_at` (decided by the first submission).
    pub late: bool,
    /// Computed on creation and on each refresh; frozen from submission on.
    pub figures: WeeklyFigures,
    #[serde(flatten)]
    pub narrative: Narrative,
    pub first_submitted_at: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub reviewed_by: Option<Id>,
    pub reviewed_at: Option<Timestamp>,
    pub review_comment: Option<String>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters of the list.
#[derive(Debug, Default)]
pub struct Filter {
    pub units: Option<Vec<Id>>,
    pub week_start: Option<NaiveDate>,
    pub status: Option<WeeklyStatus>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl Row {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        wr::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("weekly report"))
    }

    /// A report the caller may read: of a unit in reach, or written by them; 404 otherwise.
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        let row = Self::find(conn, id)?;
        if row.author_id == caller.user_id || caller.reach.covers_unit(row.org_unit_id) {
            Ok(row)
        } else {
            Err(ApiError::not_found("weekly report"))
        }
    }

    pub fn exists(conn: &mut DbConnection, unit: Id, week_start: NaiveDate) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            wr::table
                .filter(wr::org_unit_id.eq(unit))
                .filter(wr::week_start.eq(week_start)),
        ))
        .get_result(conn)
    }

    pub fn status(&self) -> WeeklyStatus {
        WeeklyStatus::parse(&self.status)
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = wr::table.select(Row::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                wr::author_id
                    .eq(caller.user_id)
                    .or(wr::org_unit_id.eq_any(caller.reach.unit_ids.clone())),
            );
        }
        if let Some(units) = &f.units {
            q = q.filter(wr::org_unit_id.eq_any(units.clone()));
        }
        if let Some(d) = f.week_start {
            q = q.filter(wr::week_start.eq(d));
        }
        if let Some(s) = f.status {
            q = q.filter(wr::status.eq(s.as_str()));
        }
        crate::filter_updated_since!(q, wr::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(wr::id.gt(after));
        }
        q.order(wr::id).limit(page.fetch()).load(conn)
    }

    /// Rows as API objects, with the unit names loaded in one query.
    pub fn present(conn: &mut DbConnection, rows: Vec<Row>) -> ApiResult<Vec<WeeklyReport>> {
        let ids: Vec<Id> = rows.iter().map(|r| r.org_unit_id).collect();
        let names: Vec<(Id, String)> = org_units::table
            .filter(org_units::id.eq_any(&ids))
            .select((org_units::id, org_units::name))
            .load(conn)?;
        rows.into_iter()
            .map(|r| {
                let figures: WeeklyFigures = serde_json::from_str(&r.figures)
                    .map_err(|e| anyhow::anyhow!("stored weekly figures are unreadable: {e}"))?;
                Ok(WeeklyReport {
                    unit_name: names
                        .iter()
                        .find(|(id, _)| *id == r.org_unit_id)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    status: r.status(),
                    id: r.id,
                    org_unit_id: r.org_unit_id,
                    week: r.iso_week,
                    week_start: r.week_start,
                    week_end: r.week_end,
                    author_id: r.author_id,
                    due_at: r.due_at,
                    late: r.late,
                    figures,
                    narrative: Narrative {
                        competitor_dynamics: r.competitor_dynamics,
                        abnormal_customer_handling: r.abnormal_customer_handling,
                        next_week_goals: r.next_week_goals,
                        next_week_plans: r.next_week_plans,
                    },
                    first_submitted_at: r.first_submitted_at,
                    submitted_at: r.submitted_at,
                    reviewed_by: r.reviewed_by,
                    reviewed_at: r.reviewed_at,
                    review_comment: r.review_comment,
                    returned_by: r.returned_by,
                    returned_at: r.returned_at,
                    return_comment: r.return_comment,
                    version: r.version,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    pub fn view(conn: &mut DbConnection, id: Id) -> ApiResult<WeeklyReport> {
        let row = Self::find(conn, id)?;
        Self::present(conn, vec![row])?
            .pop()
            .ok_or_else(|| ApiError::not_found("weekly report"))
    }
}

/// Serialises figures for storage.
pub fn stored(figures: &WeeklyFigures) -> ApiResult<String> {
    serde_json::to_string(figures)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("weekly figures: {e}")))
}

/// Sets figures (and moves the version) of a report that is still open, if `version` is current;
/// false when it changed meanwhile.
pub fn set_figures(
    conn: &mut DbConnection,
    id: Id,
    version: i64,
    figures: &WeeklyFigures,
    now: Timestamp,
) -> ApiResult<bool> {
    let n = diesel::update(
        wr::table
            .filter(wr::id.eq(id))
            .filter(wr::version.eq(version)),
    )
    .set((
        wr::figures.eq(stored(figures)?),
        wr::figures_at.eq(now),
        wr::version.eq(wr::version + 1),
        wr::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

crate::mirrored!(WeeklyReport, "weekly_report", |w| crate::events::Scope {
    unit: Some(w.org_unit_id),
    ..Default::default()
});
