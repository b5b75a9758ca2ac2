//! What is spent on promotions: `/api/v1/promotion-cost-facts` (the ERP's and dealers' costs,
//! upserted by external id; read within reach), and the costs of the visits of daily reports
//! that executed a promotion, written when the report is submitted and removed when it is
//! returned. Every change of a promotion's spend or executions is a new version of it
//! (`promotion.updated`), so its `ETag` and its mirrors follow its spend.

use actix_web::{get, post, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::Row;
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::error::ApiResult;
use crate::facts::promotion_costs::{self, units_of, PromotionCostFactBatch, PromotionCostFactRow};
use crate::facts::{BulkResult, FactSource};
use crate::http::date::opt_day;
use crate::http::{Cursor, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::dealer_of;
use crate::schema::{promotion_cost_facts as pcf, users};
use crate::visits::reports::model::{ReportRow, VisitRow};
use crate::AppState;

/// Roles that import cost facts.
const IMPORTERS: [Role; 2] = [Role::Integration, Role::Admin];

crate::page_type!(PromotionCostFactPage, PromotionCostFactRow);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_promotion_cost_facts)
        .service(upsert_promotion_cost_facts);
}

/// Filters of the list.
#[crate::rules]
#[derive(Debug, Default, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CostFactQuery {
    pub promotion_id: Option<Id>,
    /// Costs on or after this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    /// Costs on or before this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
    pub salesperson_id: Option<Id>,
    pub dealer_id: Option<Id>,
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

type Boxed = pcf::BoxedQuery<'static, MultiBackend>;

/// The cost facts a caller reads, as the change feed reaches them: all for company-wide roles;
/// a dealer's own; otherwise those of promotions of units in reach, and those spent by the
/// caller or by someone in reach.
fn in_reach(conn: &mut DbConnection, caller: &Caller) -> QueryResult<Boxed> {
    let q = pcf::table.into_boxed();
    Ok(if caller.reach.all {
        q
    } else if caller.is(Role::Dealer) {
        q.filter(pcf::dealer_id.eq(dealer_of(conn, caller.user_id)?.unwrap_or_default()))
    } else {
        let people = users::table
            .filter(users::org_unit_id.eq_any(caller.reach.unit_ids.clone()))
            .select(users::id.nullable());
        q.filter(
            pcf::org_unit_id
                .eq_any(caller.reach.unit_ids.clone())
                .or(pcf::salesperson_id.eq(caller.user_id))
                .or(pcf::salesperson_id.eq_any(people)),
        )
    })
}

fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    f: &CostFactQuery,
    since: SinceParams,
    page: Cursor,
) -> QueryResult<Vec<PromotionCostFactRow>> {
    let mut q = in_reach(conn, caller)?;
    if let Some(p) = f.promotion_id {
        q = q.filter(pcf::promotion_id.eq(p));
    }
    if let Some(from) = f.from {
        q = q.filter(pcf::spent_on.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(pcf::spent_on.le(to));
    }
    if let Some(p) = f.salesperson_id {
        q = q.filter(pcf::salesperson_id.eq(p));
    }
    if let Some(d) = f.dealer_id {
        q = q.filter(pcf::dealer_id.eq(d));
    }
    if let Some(ext) = &f.external_id {
        q = q.filter(pcf::external_id.eq(ext.clone()));
    }
    crate::filter_updated_since!(q, pcf::updated_at, since.updated_since);
    if let Some(after) = page.after {
        q = q.filter(pcf::id.gt(after));
    }
    q.order(pcf::id)
        .limit(page.fetch())
        .select(PromotionCostFactRow::as_select())
        .load(conn)
}

/// List promotion cost facts: of the promotions of units in your reach, those spent by you or
/// by people in your reach, your dealer's, or all for company-wide roles.
#[utoipa::path(tag = "promotions", operation_id = "list_promotion_cost_facts", params(PageParams, SinceParams, CostFactQuery),
    responses((status = 200, description = "A page of promotion cost facts", body = PromotionCostFactPage)))]
#[get("/promotion-cost-facts")]
pub async fn list_promotion_cost_facts(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<CostFactQuery>,
) -> ApiResult<web::Json<PromotionCostFactPage>> {
    let cursor = page.0.cursor()?;
    let q = query.0;
    let rows = state
        .db(move |conn| Ok(list(conn, &caller, &q, since.0, cursor)?))
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |f| f.id);
    Ok(web::Json(PromotionCostFactPage { items, next_cursor }))
}

/// Upsert up to 1,000 promotion cost facts by `external_id` (integrations, admins): what
/// dealers were paid, what the ERP booked for displays, samples or discounts.
///
/// All or nothing, like the sales facts. Each promotion whose spend changes gets a new
/// version (`promotion.updated`).
#[utoipa::path(tag = "promotions", operation_id = "upsert_promotion_cost_facts", request_body = PromotionCostFactBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/promotion-cost-facts")]
pub async fn upsert_promotion_cost_facts(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PromotionCostFactBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&IMPORTERS)?;
    let rows = body.0.rows;
    let now = state.clock.now();
    let results = state
        .write(move |conn| {
            let (results, touched) = promotion_costs::upsert(conn, rows, now)?;
            Row::touch(conn, now, &touched)?;
            Ok(results)
        })
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// The key of the cost fact of a visit that executed a promotion.
pub fn report_key(visit: Id) -> String {
    format!("daily-report-visit-promotion:{visit}")
}

fn named(visits: &[VisitRow]) -> Vec<Id> {
    visits.iter().filter_map(|v| v.promotion_id).collect()
}

/// Removes the cost facts of these visits, and records the change of the promotions they
/// named (a returned report's executions and spend stop counting).
pub fn delete_report_costs(
    conn: &mut DbConnection,
    visits: &[VisitRow],
    now: Timestamp,
) -> QueryResult<()> {
    let keys = visits.iter().map(|v| report_key(v.id)).collect();
    promotion_costs::delete_by_external_id(conn, now, FactSource::Report, keys)?;
    Row::touch(conn, now, &named(visits))
}

/// Replaces the cost facts of a submitted report's visits that executed a promotion (one per
/// visit with a spend), and records the change of the promotions they name.
pub fn write_report_costs(
    conn: &mut DbConnection,
    report: &ReportRow,
    visits: &[VisitRow],
    now: Timestamp,
) -> QueryResult<()> {
    let keys = visits.iter().map(|v| report_key(v.id)).collect();
    promotion_costs::delete_by_external_id(conn, now, FactSource::Report, keys)?;
    let promotions = named(visits);
    let units = units_of(conn, &promotions)?;
    let rows: Vec<PromotionCostFactRow> = visits
        .iter()
        .filter(|v| v.promotion_spend_minor != 0)
        .filter_map(|v| {
            let promotion = v.promotion_id?;
            Some(PromotionCostFactRow {
                id: Id::new(),
                external_id: Some(report_key(v.id)),
                promotion_id: promotion,
                org_unit_id: *units.get(&promotion)?,
                spent_on: report.report_date,
                salesperson_id: Some(report.owner_id),
                dealer_id: None,
                customer_id: Some(v.customer_id),
                amount_minor: v.promotion_spend_minor,
                note: None,
                source: FactSource::Report.as_str().into(),
                created_at: now,
                updated_at: now,
                version: 1,
            })
        })
        .collect();
    promotion_costs::insert_many(conn, now, &rows)?;
    Row::touch(conn, now, &promotions)
}
