//! `GET /api/v1/anomalies`: read by everyone but dealers, within reach.

use actix_web::{get, web};
use diesel::QueryResult;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::model::{AnomalyKind, AnomalyPage, SortKey};
use super::{fill, find, kinds_for, Filter};
use crate::alerts::Severity;
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::{PageParams, ValidQuery};
use crate::settings::model::StoredSettings;
use crate::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_anomalies)
        .service(super::export::export_anomalies);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnomalyQuery {
    /// Only this kind.
    pub kind: Option<AnomalyKind>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only about this unit's subtree: its people (as they are placed now), the customers placed
    /// in it or owned by its people, and the targets of its units, people and dealers.
    pub unit_id: Option<Id>,
    /// Only about this person: their targets, reports, plans, customers and the items they
    /// filed (or, for complaints, handle).
    pub person_id: Option<Id>,
}

impl AnomalyQuery {
    /// The list's filter: `kinds` (see [`kinds_for`]) narrowed by the query.
    pub fn filter(&self, conn: &mut DbConnection, kinds: Vec<AnomalyKind>) -> QueryResult<Filter> {
        let within = match self.unit_id {
            Some(u) => Some(subtree_units(conn, &[u])?),
            None => None,
        };
        Ok(Filter {
            kinds,
            severity: self.severity,
            within,
            person: self.person_id,
        })
    }
}

/// Everything that needs attention now, within your reach.
///
/// Targets behind or at risk, daily reports missing, late or waiting for review, visit plans
/// not approved by the end of their day, effective visits dropping, low effective-visit and
/// transaction rates, expenses per visit far above the unit's median, complaints overdue or
/// escalated, serious market reports unacknowledged, customers with overdue payments or not
/// visited for long. Each with its severity, what it is about, since when, the figures that
/// triggered it and the path of the resource to look at. Sorted by severity (critical first),
/// then by age (oldest first); the thresholds are the `anomalies` settings. Salespeople get
/// their own, supervisors and managers their reach, executives the results (not the daily
/// process of plans and reports), admins and integrations everything; dealers none (403).
#[utoipa::path(tag = "anomalies", operation_id = "list_anomalies", params(PageParams, AnomalyQuery),
    responses((status = 200, description = "A page of anomalies", body = AnomalyPage)))]
#[get("/anomalies")]
pub async fn list_anomalies(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    query: ValidQuery<AnomalyQuery>,
) -> ApiResult<web::Json<AnomalyPage>> {
    let q = query.0;
    let kinds = kinds_for(&caller, q.kind)?;
    let limit = page.0.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let after = match page.0.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            SortKey::decode(c)
                .ok_or_else(|| ApiError::invalid("cursor", "not a cursor returned by this list"))?,
        ),
    };
    let now = state.clock.now();
    let page = state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let filter = q.filter(conn, kinds)?;
            let mut items = find(conn, &caller, &settings, &filter, now)?;
            if let Some(after) = after {
                items.retain(|a| a.key() > after);
            }
            let more = items.len() > limit;
            items.truncate(limit);
            let next_cursor = if more {
                items.last().map(|a| a.key().encode())
            } else {
                None
            };
            fill(conn, &mut items)?;
            Ok(AnomalyPage { items, next_cursor })
        })
        .await?;
    Ok(web::Json(page))
}
