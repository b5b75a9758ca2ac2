//! Daily report rows, their visits, expenses and competitor information, and the queries on
//! them.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{str_enum, Purpose};
use super::orders::OrderLineRow;
use crate::auth::{people_in, Caller};
use crate::db::cached::Cached;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{
    daily_reports as dr, report_competitor_infos as rc, report_expenses as re, report_visits as rv,
};

str_enum!(
    /// Where a report is: `draft` -> `submitted` -> `reviewed`, or `returned` (edit and submit
    /// again).
    ReportStatus {
        Draft => "draft",
        Submitted => "submitted",
        Reviewed => "reviewed",
        Returned => "returned",
    }
);

impl ReportStatus {
    pub fn editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }
}

/// Statuses whose visits and facts count.
pub const COUNTED: [&str; 2] = ["submitted", "reviewed"];

str_enum!(
    /// Where the person was that day; anything but `present` excuses a missing report.
    Attendance {
        Present => "present",
        Leave => "leave",
        Sick => "sick",
        Training => "training",
        OffSite => "off_site",
        BusinessTrip => "business_trip",
        PublicHoliday => "public_holiday",
    }
);

str_enum!(
    /// What a visit came to.
    Outcome {
        OrderPlaced => "order_placed",
        Negotiating => "negotiating",
        Collected => "collected",
        ComplaintHandled => "complaint_handled",
        InfoGathered => "info_gathered",
        FollowUpNeeded => "follow_up_needed",
        NotMet => "not_met",
        NoInterest => "no_interest",
        Other => "other",
    }
);

str_enum!(
    /// What an expense of the day was for.
    ExpenseCategory {
        Transport => "transport",
        Meals => "meals",
        Lodging => "lodging",
        Samples => "samples",
        Entertainment => "entertainment",
        Communication => "communication",
        Other => "other",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dr)]
pub struct ReportRow {
    pub id: Id,
    pub owner_id: Id,
    pub org_unit_id: Id,
    pub report_date: NaiveDate,
    pub attendance: String,
    pub status: String,
    pub experience_notes: Option<String>,
    pub tomorrow_focus: Option<String>,
    pub first_submitted_at: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub late: bool,
    pub reviewed_by: Option<Id>,
    pub reviewed_at: Option<Timestamp>,
    pub review_comment: Option<String>,
    pub quality_score: Option<i32>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One visit made, as stored and shown.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = rv)]
pub struct VisitRow {
    pub id: Id,
    #[serde(skip)]
    pub report_id: Id,
    pub position: i32,
    pub customer_id: Id,
    /// The planned visit this fulfils; absent for an unplanned visit.
    pub planned_visit_id: Option<Id>,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    #[schema(value_type = Purpose)]
    pub purpose: String,
    #[schema(value_type = Outcome)]
    pub outcome: String,
    pub effective: bool,
    pub order_amount_minor: i64,
    pub collected_amount_minor: i64,
    pub complaint_handled: bool,
    /// What the customer said.
    pub opinions: Option<String>,
    /// Developments at the customer.
    pub developments: Option<String>,
    pub checkin_lat: Option<f64>,
    pub checkin_lon: Option<f64>,
    pub checkin_accuracy_m: Option<f64>,
    /// Distance from the check-in to the customer's location, when both are known.
    pub checkin_distance_m: Option<f64>,
    /// The check-in was farther from the customer than `checkin_radius_m` (settings).
    pub checkin_out_of_range: Option<bool>,
    /// Submitting this visit activated a prospect customer.
    pub activated_customer: bool,
    /// The order's reference as the ERP will know it (reconciles it with ERP sales).
    pub order_ref: Option<String>,
    /// The promotion this visit executed (a display set up, samples handed out).
    pub promotion_id: Option<Id>,
    /// What the visit spent on that promotion, minor units (a promotion cost fact once the
    /// report is submitted).
    pub promotion_spend_minor: i64,
}

/// One expense of the day.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = re)]
pub struct ExpenseRow {
    pub id: Id,
    #[serde(skip)]
    pub report_id: Id,
    pub position: i32,
    #[schema(value_type = ExpenseCategory)]
    pub category: String,
    pub amount_minor: i64,
    pub note: Option<String>,
}

/// Something learnt about a competitor.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = rc)]
pub struct CompetitorInfoRow {
    pub id: Id,
    #[serde(skip)]
    pub report_id: Id,
    pub position: i32,
    pub competitor_id: Id,
    /// Where it was seen.
    pub customer_id: Option<Id>,
    pub observation: String,
}

/// The parts of a report.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub visits: Vec<VisitRow>,
    /// The order lines of all visits, by visit and position.
    pub order_lines: Vec<OrderLineRow>,
    pub expenses: Vec<ExpenseRow>,
    pub competitor_info: Vec<CompetitorInfoRow>,
}

#[derive(Debug, Default)]
pub struct ReportFilter {
    pub owner_id: Option<Id>,
    pub units: Option<Vec<Id>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<ReportStatus>,
    pub late: Option<bool>,
    /// Submitted reports the caller reviews.
    pub awaiting_me: bool,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl ReportRow {
    pub fn status(&self) -> ReportStatus {
        ReportStatus::parse(&self.status)
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<ReportRow> {
        dr::table
            .find(id)
            .select(ReportRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("daily report"))
    }

    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<ReportRow> {
        let row = Self::find(conn, id)?;
        if caller.reaches_person(conn, row.owner_id)? {
            Ok(row)
        } else {
            Err(ApiError::not_found("daily report"))
        }
    }

    pub fn of_day(
        conn: &mut DbConnection,
        owner: Id,
        day: NaiveDate,
    ) -> QueryResult<Option<ReportRow>> {
        dr::table
            .filter(dr::owner_id.eq(owner))
            .filter(dr::report_date.eq(day))
            .select(ReportRow::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &ReportFilter,
        page: Cursor,
    ) -> QueryResult<Vec<ReportRow>> {
        let mut q = dr::table.select(ReportRow::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                dr::owner_id
                    .eq(caller.user_id)
                    .or(dr::owner_id.eq_any(caller.reach.people())),
            );
        }
        if f.awaiting_me {
            q = q
                .filter(dr::status.eq(ReportStatus::Submitted.as_str()))
                .filter(dr::owner_id.ne(caller.user_id));
            if !caller.reach.all {
                q = q.filter(dr::owner_id.eq_any(caller.reach.people()));
            }
        }
        if let Some(o) = f.owner_id {
            q = q.filter(dr::owner_id.eq(o));
        }
        if let Some(units) = &f.units {
            q = q.filter(dr::owner_id.eq_any(people_in(units.clone())));
        }
        if let Some(from) = f.from {
            q = q.filter(dr::report_date.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(dr::report_date.le(to));
        }
        if let Some(s) = f.status {
            q = q.filter(dr::status.eq(s.as_str()));
        }
        if let Some(late) = f.late {
            q = q.filter(dr::late.eq(late));
        }
        crate::filter_updated_since!(q, dr::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(dr::id.gt(after));
        }
        q.order(dr::id).limit(page.fetch()).load(conn)
    }

    pub fn bump(
        conn: &mut DbConnection,
        id: Id,
        version: i64,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            dr::table
                .filter(dr::id.eq(id))
                .filter(dr::version.eq(version)),
        )
        .set((dr::version.eq(dr::version + 1), dr::updated_at.eq(now)))
        .execute(conn)?;
        Ok(n == 1)
    }
}

impl Parts {
    /// The parts of one report, in their order.
    pub fn load(conn: &mut DbConnection, report: Id) -> QueryResult<Parts> {
        Ok(Parts {
            visits: rv::table
                .filter(rv::report_id.eq(report))
                .select(VisitRow::as_select())
                .order(rv::position)
                .load(conn)?,
            order_lines: super::orders::load(conn, report)?,
            expenses: re::table
                .filter(re::report_id.eq(report))
                .select(ExpenseRow::as_select())
                .order(re::position)
                .load(conn)?,
            competitor_info: rc::table
                .filter(rc::report_id.eq(report))
                .select(CompetitorInfoRow::as_select())
                .order(rc::position)
                .load(conn)?,
        })
    }
}

crate::visits::replace_children!(replace_visits, rv, report_id, VisitRow);
crate::visits::replace_children!(replace_expenses, re, report_id, ExpenseRow);
crate::visits::replace_children!(replace_competitor_info, rc, report_id, CompetitorInfoRow);

/// Visit figures of one report: (report, visits, effective visits, orders, collections,
/// orders without lines).
pub type VisitCounts = (Id, i64, i64, i64, i64, i64);

/// Visit figures of some reports, for lists.
pub fn visit_counts(conn: &mut DbConnection, reports: &[Id]) -> QueryResult<Vec<VisitCounts>> {
    rv::table
        .filter(rv::report_id.eq_any(reports))
        .group_by(rv::report_id)
        .select((
            rv::report_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>(
                "CAST(COALESCE(SUM(CASE WHEN effective THEN 1 ELSE 0 END), 0) AS BIGINT)",
            ),
            sql::<BigInt>("CAST(COALESCE(SUM(order_amount_minor), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(collected_amount_minor), 0) AS BIGINT)"),
            sql::<BigInt>(
                "CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM report_order_lines l \
                 WHERE l.visit_id = report_visits.id) THEN 0 ELSE order_amount_minor END), 0) \
                 AS BIGINT)",
            ),
        ))
        .load(conn)
}

/// Effective visits per person from `from` to `to` (inclusive), counted from submitted and
/// reviewed reports only; people without any are left out. For the `visits` target metric.
/// One person's effective visits on `day` and from `from` to `day`, in one query.
pub fn effective_visits_of(
    conn: &mut DbConnection,
    owner: Id,
    from: NaiveDate,
    day: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let query = dr::table
        .filter(dr::owner_id.eq(owner))
        .filter(dr::report_date.between(from, day))
        .filter(dr::status.eq_any(COUNTED))
        .select((
            sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN daily_reports.report_date = ")
                .bind::<diesel::sql_types::Date, _>(day)
                .sql(" THEN effective_visit_count ELSE 0 END), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(effective_visit_count), 0) AS BIGINT)"),
        ))
        .limit(1);
    Cached(query).get_result(conn)
}

pub fn effective_visits(
    conn: &mut DbConnection,
    user_ids: &[Id],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Id, i64)>> {
    dr::table
        .filter(dr::owner_id.eq_any(user_ids))
        .filter(dr::report_date.between(from, to))
        .filter(dr::status.eq_any(COUNTED))
        .filter(dr::effective_visit_count.gt(0))
        .group_by(dr::owner_id)
        .select((
            dr::owner_id,
            sql::<BigInt>("CAST(SUM(effective_visit_count) AS BIGINT)"),
        ))
        .load(conn)
}
