//! `/api/v1/market-reports`: filed by people in the field, acknowledged and closed by their
//! superiors; serious ones reach the whole chain at once and climb it when nobody acknowledges.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{Category, Filter, MarketReport, MarketReportDetail, MarketReportStatus, Row};
use crate::alerts::{self, Severity};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events;
use crate::http::date::opt_day;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::customers::model::Customer;
use crate::schema::{competitors, market_report_links as links, market_reports as mr, products};
use crate::settings::model::StoredSettings;
use crate::visits::reports::model::ReportRow;
use crate::AppState;

crate::page_type!(MarketReportPage, MarketReport);

/// Roles that file reports from the field.
pub const FILERS: [Role; 3] = [Role::Salesperson, Role::Supervisor, Role::Manager];
/// Roles that acknowledge and close the reports of the people below them.
pub const SUPERIORS: [Role; 2] = [Role::Supervisor, Role::Manager];
/// Roles that read reports (of their reach).
const READERS: [Role; 6] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
    Role::Integration,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_market_reports)
        .service(create_market_report)
        .service(get_market_report)
        .service(acknowledge_market_report)
        .service(close_market_report);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMarketReport {
    pub category: Category,
    pub severity: Severity,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    pub description: String,
    /// Customers in your reach (422 naming `customer_ids[i]` otherwise).
    #[serde(default)]
    #[validate(length(max = 50))]
    pub customer_ids: Vec<Id>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub product_ids: Vec<Id>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub competitor_ids: Vec<Id>,
    /// The daily report this came from: yours or one in your reach (422 otherwise).
    pub daily_report_id: Option<Id>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketReportQuery {
    pub status: Option<MarketReportStatus>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    /// Reports filed by the people now in this unit's subtree (records follow the person).
    pub unit_id: Option<Id>,
    pub reporter_id: Option<Id>,
    /// Filed on or after this day (UTC).
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    /// Filed on or before this day (UTC).
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
}

/// Checks that every linked record exists and, for customers and the daily report, is in the
/// caller's reach; 422 names the first missing one per list.
fn check_links(
    conn: &mut DbConnection,
    caller: &Caller,
    body: &CreateMarketReport,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut check = |field: &str, wanted: &[Id], found: Vec<Id>| {
        if let Some((i, _)) = wanted
            .iter()
            .enumerate()
            .find(|(_, id)| !found.contains(id))
        {
            errors.push(FieldError::new(format!("{field}[{i}]"), "no such record"));
        }
    };
    let found = Customer::reached(conn, caller, &body.customer_ids)?;
    check(
        "customer_ids",
        &body.customer_ids,
        found.into_iter().collect(),
    );
    let found = products::table
        .filter(products::id.eq_any(&body.product_ids))
        .select(products::id)
        .load(conn)?;
    check("product_ids", &body.product_ids, found);
    let found = competitors::table
        .filter(competitors::id.eq_any(&body.competitor_ids))
        .select(competitors::id)
        .load(conn)?;
    check("competitor_ids", &body.competitor_ids, found);
    if let Some(report) = body.daily_report_id {
        match ReportRow::find_in_reach(conn, caller, report) {
            Ok(_) => {}
            Err(ApiError::NotFound(_)) => errors.push(FieldError::new(
                "daily_report_id",
                "no such daily report in your reach",
            )),
            Err(e) => return Err(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

/// List market reports in your reach, newest last.
#[utoipa::path(tag = "market-reports", operation_id = "list_market_reports",
    params(PageParams, SinceParams, MarketReportQuery),
    responses((status = 200, description = "A page of market reports", body = MarketReportPage)))]
#[get("/market-reports")]
pub async fn list_market_reports(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<MarketReportQuery>,
) -> ApiResult<web::Json<MarketReportPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let (items, next_cursor) = state
        .db(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = Filter {
                updated_since: since.0.updated_since,
                status: q.status,
                severity: q.severity,
                category: q.category,
                units,
                reporter_id: q.reporter_id,
                from: q.from,
                to: q.to,
            };
            let rows = Row::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((Row::present(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(MarketReportPage { items, next_cursor }))
}

/// File a market report. `high` and `critical` ones notify every superior of the reporter at
/// once; any report escalates one level up when its acknowledgement deadline passes.
#[utoipa::path(tag = "market-reports", operation_id = "create_market_report",
    request_body = CreateMarketReport,
    responses((status = 201, description = "Filed", body = MarketReport)))]
#[post("/market-reports")]
pub async fn create_market_report(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateMarketReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&FILERS)?;
    let body = body.0;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            check_links(conn, &caller, &body)?;
            let settings = StoredSettings::load(conn)?.settings;
            let chain = alerts::chain_of(conn, caller.user_id, caller.org_unit_id)?;
            let deadline = body.severity.hours(&settings.ack_deadline_hours);
            let id = Id::new();
            diesel::insert_into(mr::table)
                .values((
                    mr::id.eq(id),
                    mr::reporter_id.eq(caller.user_id),
                    mr::org_unit_id.eq(caller.org_unit_id),
                    mr::category.eq(body.category.as_str()),
                    mr::severity.eq(body.severity.as_str()),
                    mr::title.eq(body.title.trim()),
                    mr::description.eq(&body.description),
                    mr::daily_report_id.eq(body.daily_report_id),
                    mr::status.eq(MarketReportStatus::Open.as_str()),
                    mr::escalation_level.eq(1),
                    mr::next_escalation_at.eq(alerts::next_escalation(
                        now,
                        deadline,
                        1,
                        chain.len(),
                    )),
                    mr::created_at.eq(now),
                    mr::updated_at.eq(now),
                ))
                .execute(conn)?;
            let mut link = |kind: &str, ids: &[Id]| -> QueryResult<()> {
                let mut unique = ids.to_vec();
                unique.sort();
                unique.dedup();
                for linked in unique {
                    diesel::insert_into(links::table)
                        .values((
                            links::market_report_id.eq(id),
                            links::link_type.eq(kind),
                            links::linked_id.eq(linked),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            };
            link("customer", &body.customer_ids)?;
            link("product", &body.product_ids)?;
            link("competitor", &body.competitor_ids)?;
            let report = Row::view(conn, id)?;
            let created = events::changed(conn, now, "market_report.created", &report)?;
            if body.severity.is_serious() {
                let title = format!("{} market report: {}", body.severity.as_str(), report.title);
                events::emit_and_notify(
                    conn,
                    now,
                    "market_report.filed",
                    "market_report",
                    id,
                    &report,
                    &title,
                    &chain,
                )?;
            } else if let Some(first) = chain.first() {
                let title = format!("New market report: {}", report.title);
                events::notify(
                    conn,
                    now,
                    created,
                    "market_report.created",
                    &title,
                    ("market_report", id),
                    &[*first],
                )?;
            }
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &report, report.version))
}

/// Get a market report with who was told what, when.
#[utoipa::path(tag = "market-reports", operation_id = "get_market_report", params(("id" = Id, Path)),
    responses((status = 200, description = "The report", body = MarketReportDetail)))]
#[get("/market-reports/{id}")]
pub async fn get_market_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let detail = state
        .db(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            let report = Row::present_one(conn, row)?;
            let (escalations, notified) = alerts::history(conn, "market_report", id)?;
            Ok(MarketReportDetail {
                report,
                escalations,
                notified,
            })
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &detail, detail.report.version))
}

/// Moves a report to `to` (acknowledge or close) for a superior of its reporter.
async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    to: MarketReportStatus,
) -> ApiResult<HttpResponse> {
    caller.require(&SUPERIORS)?;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            if row.reporter_id == caller.user_id {
                return Err(ApiError::Forbidden(
                    "a report is acknowledged by a superior of its reporter, not the reporter"
                        .into(),
                ));
            }
            if_match.check(row.version)?;
            let allowed = match to {
                MarketReportStatus::Acknowledged => row.status == "open",
                MarketReportStatus::Closed => row.status != "closed",
                MarketReportStatus::Open => false,
            };
            if !allowed {
                return Err(ApiError::illegal_state(
                    format!("a {} report cannot become {}", row.status, to.as_str()),
                    row.status.clone(),
                ));
            }
            let target = mr::table
                .filter(mr::id.eq(id))
                .filter(mr::version.eq(row.version));
            let acknowledged_by = row.acknowledged_by.or(Some(caller.user_id));
            let acknowledged_at = row.acknowledged_at.or(Some(now));
            let (closed_by, closed_at): (Option<Id>, Option<Timestamp>) = match to {
                MarketReportStatus::Closed => (Some(caller.user_id), Some(now)),
                _ => (None, None),
            };
            let n = diesel::update(target)
                .set((
                    mr::status.eq(to.as_str()),
                    mr::acknowledged_by.eq(acknowledged_by),
                    mr::acknowledged_at.eq(acknowledged_at),
                    mr::closed_by.eq(closed_by),
                    mr::closed_at.eq(closed_at),
                    mr::next_escalation_at.eq(None::<Timestamp>),
                    mr::version.eq(mr::version + 1),
                    mr::updated_at.eq(now),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the report changed meanwhile".into(),
                ));
            }
            let report = Row::view(conn, id)?;
            let title = format!("Your market report was {}: {}", to.as_str(), report.title);
            events::changed_and_notify(
                conn,
                now,
                "market_report.updated",
                &report,
                &title,
                &[report.reporter_id],
            )?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

/// Acknowledge a market report (a superior of the reporter; `If-Match`). Stops its escalation.
#[utoipa::path(tag = "market-reports", operation_id = "acknowledge_market_report",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "Acknowledged", body = MarketReport)))]
#[post("/market-reports/{id}/acknowledge")]
pub async fn acknowledge_market_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    transition(
        state,
        caller,
        id.into_inner(),
        if_match,
        MarketReportStatus::Acknowledged,
    )
    .await
}

/// Close a market report (a superior of the reporter; `If-Match`).
#[utoipa::path(tag = "market-reports", operation_id = "close_market_report",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "Closed", body = MarketReport)))]
#[post("/market-reports/{id}/close")]
pub async fn close_market_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    transition(
        state,
        caller,
        id.into_inner(),
        if_match,
        MarketReportStatus::Closed,
    )
    .await
}
