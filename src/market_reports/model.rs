//! Market report rows, their links, and the queries on them.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::alerts::{Escalation, Notified, Severity};
use crate::auth::{people_in, Caller};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{market_report_links as links, market_reports as mr};

/// What a market report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    CompetitorPromotion,
    CompetitorNewProduct,
    Pricing,
    DealerComplaint,
    CustomerPersonnelChange,
    Supply,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CompetitorPromotion => "competitor_promotion",
            Category::CompetitorNewProduct => "competitor_new_product",
            Category::Pricing => "pricing",
            Category::DealerComplaint => "dealer_complaint",
            Category::CustomerPersonnelChange => "customer_personnel_change",
            Category::Supply => "supply",
            Category::Other => "other",
        }
    }
}

/// Where a market report is in its life: `open` -> `acknowledged` -> `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarketReportStatus {
    Open,
    Acknowledged,
    Closed,
}

impl MarketReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MarketReportStatus::Open => "open",
            MarketReportStatus::Acknowledged => "acknowledged",
            MarketReportStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mr)]
pub struct Row {
    pub id: Id,
    pub reporter_id: Id,
    pub org_unit_id: Id,
    pub category: String,
    pub severity: String,
    pub title: String,
    pub description: String,
    pub daily_report_id: Option<Id>,
    pub status: String,
    pub acknowledged_by: Option<Id>,
    pub acknowledged_at: Option<Timestamp>,
    pub closed_by: Option<Id>,
    pub closed_at: Option<Timestamp>,
    pub escalation_level: i32,
    pub next_escalation_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A market report as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MarketReport {
    pub id: Id,
    pub reporter_id: Id,
    /// The reporter's unit when it was filed (decides who reaches it).
    pub org_unit_id: Id,
    pub category: Category,
    pub severity: Severity,
    pub title: String,
    pub description: String,
    pub customer_ids: Vec<Id>,
    pub product_ids: Vec<Id>,
    pub competitor_ids: Vec<Id>,
    /// The daily report it came from, if any.
    pub daily_report_id: Option<Id>,
    pub status: MarketReportStatus,
    pub acknowledged_by: Option<Id>,
    pub acknowledged_at: Option<Timestamp>,
    pub closed_by: Option<Id>,
    pub closed_at: Option<Timestamp>,
    /// 1 while with the nearest superior; each escalation adds one.
    pub escalation_level: i32,
    /// When it escalates next unless acknowledged.
    pub next_escalation_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A market report with its history: who was told what, when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MarketReportDetail {
    #[serde(flatten)]
    pub report: MarketReport,
    pub escalations: Vec<Escalation>,
    pub notified: Vec<Notified>,
}

/// Filters of the list.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<MarketReportStatus>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    pub units: Option<Vec<Id>>,
    pub reporter_id: Option<Id>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

fn parse_category(s: &str) -> ApiResult<Category> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("bad stored category {s}: {e}")))
}

fn parse_status(s: &str) -> ApiResult<MarketReportStatus> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("bad stored status {s}: {e}")))
}

impl Row {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        mr::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("market report"))
    }

    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        let row = Self::find(conn, id)?;
        if caller.reaches_person(conn, row.reporter_id)? {
            Ok(row)
        } else {
            Err(ApiError::not_found("market report"))
        }
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = mr::table.select(Row::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                mr::reporter_id
                    .eq(caller.user_id)
                    .or(mr::reporter_id.eq_any(caller.reach.people())),
            );
        }
        if let Some(s) = f.status {
            q = q.filter(mr::status.eq(s.as_str()));
        }
        if let Some(s) = f.severity {
            q = q.filter(mr::severity.eq(s.as_str()));
        }
        if let Some(c) = f.category {
            q = q.filter(mr::category.eq(c.as_str()));
        }
        if let Some(units) = &f.units {
            q = q.filter(mr::reporter_id.eq_any(people_in(units.clone())));
        }
        if let Some(r) = f.reporter_id {
            q = q.filter(mr::reporter_id.eq(r));
        }
        if let Some(from) = f.from {
            q = q.filter(mr::created_at.ge(day_start(from)));
        }
        if let Some(to) = f.to {
            q = q.filter(mr::created_at.lt(day_start(to + chrono::Duration::days(1))));
        }
        crate::filter_updated_since!(q, mr::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(mr::id.gt(after));
        }
        q.order(mr::id).limit(page.fetch()).load(conn)
    }

    /// Turns rows into API objects, loading the links of all of them in one query.
    pub fn present(conn: &mut DbConnection, rows: Vec<Row>) -> ApiResult<Vec<MarketReport>> {
        let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
        let all_links: Vec<(Id, String, Id)> = links::table
            .filter(links::market_report_id.eq_any(&ids))
            .select((links::market_report_id, links::link_type, links::linked_id))
            .order((links::market_report_id, links::link_type, links::linked_id))
            .load(conn)?;
        rows.into_iter()
            .map(|r| {
                let of = |kind: &str| -> Vec<Id> {
                    all_links
                        .iter()
                        .filter(|(id, k, _)| *id == r.id && k == kind)
                        .map(|(_, _, l)| *l)
                        .collect()
                };
                Ok(MarketReport {
                    customer_ids: of("customer"),
                    product_ids: of("product"),
                    competitor_ids: of("competitor"),
                    id: r.id,
                    reporter_id: r.reporter_id,
                    org_unit_id: r.org_unit_id,
                    category: parse_category(&r.category)?,
                    severity: Severity::parse(&r.severity),
                    title: r.title,
                    description: r.description,
                    daily_report_id: r.daily_report_id,
                    status: parse_status(&r.status)?,
                    acknowledged_by: r.acknowledged_by,
                    acknowledged_at: r.acknowledged_at,
                    closed_by: r.closed_by,
                    closed_at: r.closed_at,
                    escalation_level: r.escalation_level,
                    next_escalation_at: r.next_escalation_at,
                    version: r.version,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    /// A report as the API shows it.
    pub fn view(conn: &mut DbConnection, id: Id) -> ApiResult<MarketReport> {
        let row = Self::find(conn, id)?;
        Self::present_one(conn, row)
    }

    pub fn present_one(conn: &mut DbConnection, row: Row) -> ApiResult<MarketReport> {
        Self::present(conn, vec![row])?
            .pop()
            .ok_or_else(|| ApiError::not_found("market report"))
    }
}

pub fn day_start(day: NaiveDate) -> Timestamp {
    Timestamp(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

crate::mirrored!(MarketReport, "market_report", |r| crate::events::Scope {
    owner: Some(r.reporter_id),
    ..Default::default()
});
