//! `GET /api/v1/anomalies/export`: the whole anomalies list (with the list's filters) as a CSV
//! file or an XLSX workbook, most severe first.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::api::AnomalyQuery;
use super::model::Anomaly;
use super::{fill, find, kinds_for};
use crate::auth::Caller;
use crate::db::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, Cell, Currency, ExportFile, ExportFormat, Sheet};
use crate::http::ValidQuery;
use crate::org::model::OrgUnit;
use crate::settings::model::{Settings, StoredSettings};
use crate::visits::business_day;
use crate::AppState;

/// `?format=csv|xlsx` of the anomalies export.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnomalyExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline, example = "xlsx")]
    pub format: ExportFormat,
}

fn sheet(items: &[Anomaly], settings: &Settings, about: &str, now: Timestamp) -> Sheet {
    let today = business_day(settings, now);
    let mut s = Sheet::new(
        "Anomalies",
        &[
            "severity",
            "kind",
            "since",
            "age_days",
            "summary",
            "person",
            "unit",
            "customer",
            "dealer",
            "link",
            "id",
            "person_id",
            "unit_id",
            "customer_id",
            "dealer_id",
            "target_id",
        ],
    )
    .titled(vec![
        format!("Anomalies: {about}"),
        format!(
            "As of {} ({}); {} anomalies, most severe first, then the oldest",
            today,
            settings.time_zone,
            items.len()
        ),
    ]);
    let id = |v: Option<crate::db::Id>| Cell::from(v.map(|i| i.to_string()));
    for a in items {
        let since = business_day(settings, a.since);
        s.push(vec![
            Cell::name(&a.severity),
            Cell::name(&a.kind),
            since.into(),
            Cell::Int((today - since).num_days().max(0)),
            a.summary.clone().into(),
            a.person_name.clone().into(),
            a.unit_name.clone().into(),
            a.customer_name.clone().into(),
            a.dealer_name.clone().into(),
            a.link.clone().into(),
            a.id.to_string().into(),
            id(a.person_id),
            id(a.unit_id),
            id(a.customer_id),
            id(a.dealer_id),
            id(a.target_id),
        ]);
    }
    s
}

/// Everything that needs attention now, within your reach, as a file.
///
/// The whole list (not a page) with the list's filters, in the list's order. CSV is for
/// machines: one table, snake_case headers, CRLF line ends, the day an anomaly started as ISO
/// 8601 and the ids of what it is about. XLSX is for people: a title with the unit and the day,
/// dates as date cells, the header frozen and filtered, printed landscape one page wide (the
/// id columns hidden). A `unit_id` outside your reach is 404.
#[utoipa::path(tag = "anomalies", operation_id = "export_anomalies", params(AnomalyQuery, AnomalyExportQuery),
    responses((status = 200, description = "The file (CSV or XLSX)", content(
        (ExportFile = "application/octet-stream"),
        (ExportFile = "text/csv"),
        (ExportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/anomalies/export")]
pub async fn export_anomalies(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<AnomalyQuery>,
    file: ValidQuery<AnomalyExportQuery>,
    wanted: export::Wanted,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let kinds = kinds_for(&caller, q.kind)?;
    let now = state.clock.now();
    let (items, settings, about) = state
        .analytic(move |conn| {
            let about = match q.unit_id {
                Some(u) if !caller.reach.covers_unit(u) => {
                    return Err(ApiError::not_found("org unit"))
                }
                Some(u) => OrgUnit::find(conn, u)?.name,
                None => "everything in your reach".to_string(),
            };
            let settings = StoredSettings::load(conn)?.settings;
            let filter = q.filter(conn, kinds)?;
            let mut items = find(conn, &caller, &settings, &filter, now)?;
            fill(conn, &mut items)?;
            Ok((items, settings, about))
        })
        .await?;
    let currency = Currency {
        code: settings.currency.clone(),
        minor_digits: settings.currency_minor_digits,
    };
    let sheets = [sheet(&items, &settings, &about, now)];
    let stem = format!("anomalies-{}", business_day(&settings, now));
    export::respond(file.0.format, wanted, &stem, &currency, &sheets)
}
