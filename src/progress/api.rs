//! `/api/v1/progress` and `/api/v1/targets/{id}/progress`: read by everyone who may read the
//! targets.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::actuals::progress_of;
use super::model::Progress;
use crate::auth::Caller;
use crate::db::{DbConnection, Id};
use crate::error::ApiResult;
use crate::http::date::opt_day;
use crate::http::{PageParams, ValidQuery};
use crate::settings::model::StoredSettings;
use crate::settings::Settings;
use crate::targets::api::TargetQuery;
use crate::targets::model::Target;
use crate::AppState;

crate::page_type!(ProgressPage, Progress);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_progress).service(get_target_progress);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day to take the figures on; default today in the company time zone.
    #[serde(default, deserialize_with = "opt_day")]
    pub as_of: Option<NaiveDate>,
}

/// The settings and the effective `as_of`.
fn context(
    conn: &mut DbConnection,
    state: &AppState,
    as_of: Option<NaiveDate>,
) -> ApiResult<(Settings, NaiveDate)> {
    let settings = StoredSettings::load(conn)?.settings;
    let day = as_of.unwrap_or_else(|| {
        state
            .clock
            .now()
            .0
            .with_timezone(&settings.tz())
            .date_naive()
    });
    Ok((settings, day))
}

/// Progress of many targets at once.
///
/// Same filters as the target list. Computed set-based: a page costs a few queries whatever
/// the number of people; a unit's actual is the sum over everyone in its subtree.
#[utoipa::path(tag = "progress", operation_id = "list_progress", params(PageParams, TargetQuery, AsOfQuery),
    responses((status = 200, description = "A page of progress figures", body = ProgressPage)))]
#[get("/progress")]
pub async fn list_progress(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    query: ValidQuery<TargetQuery>,
    as_of: ValidQuery<AsOfQuery>,
) -> ApiResult<web::Json<ProgressPage>> {
    let cursor = page.0.cursor()?;
    let (query, as_of) = (query.0, as_of.0.as_of);
    let st = state.clone();
    let (items, next_cursor) = state
        .analytic(move |conn| {
            let filter = query.filter(conn)?;
            let rows = Target::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |t| t.id);
            let (settings, day) = context(conn, &st, as_of)?;
            Ok((progress_of(conn, rows, &settings, day)?, next))
        })
        .await?;
    Ok(web::Json(ProgressPage { items, next_cursor }))
}

/// Progress of one target.
///
/// Actual, achievement ratio, expected by now, gap, run-rate forecast and status on `as_of`.
#[utoipa::path(tag = "progress", operation_id = "get_target_progress", params(("id" = Id, Path), AsOfQuery),
    responses((status = 200, description = "The progress", body = Progress)))]
#[get("/targets/{id}/progress")]
pub async fn get_target_progress(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    as_of: ValidQuery<AsOfQuery>,
) -> ApiResult<web::Json<Progress>> {
    let (id, as_of) = (id.into_inner(), as_of.0.as_of);
    let st = state.clone();
    let progress = state
        .analytic(move |conn| {
            let target = Target::find(conn, &caller, id)?;
            let (settings, day) = context(conn, &st, as_of)?;
            let mut all = progress_of(conn, vec![target], &settings, day)?;
            all.pop()
                .ok_or_else(|| crate::error::ApiError::not_found("target"))
        })
        .await?;
    Ok(web::Json(progress))
}
