//! `/api/v1/settings`: read by every user, changed by admins.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpResponse};

use super::model::{merge, Settings, StoredSettings};
use crate::auth::{Caller, Role};
use crate::db::write_tx;
use crate::error::{ApiError, ApiResult};
use crate::http::input::parse_json;
use crate::http::{with_etag, IfMatch};
use crate::AppState;

/// A partial settings document (RFC 7396 merge patch): the values to change.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct SettingsPatch(serde_json::Map<String, serde_json::Value>);

/// The schema of a patch is the settings' own, with every value optional.
impl utoipa::PartialSchema for SettingsPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        let mut schema = <Settings as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.required.clear();
            object.description =
                Some("The settings to change; values left out keep their value.".into());
        }
        schema
    }
}

impl utoipa::ToSchema for SettingsPatch {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <Settings as utoipa::ToSchema>::schemas(schemas);
        schemas.push((
            "Settings".into(),
            <Settings as utoipa::PartialSchema>::schema(),
        ));
    }
}

impl validator::Validate for SettingsPatch {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        // Checked after merging, by `Settings::check`.
        Ok(())
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_settings).service(update_settings);
}

/// The company settings.
#[utoipa::path(tag = "settings", operation_id = "get_settings",
    responses((status = 200, description = "The settings", body = Settings,
        headers(("ETag" = String, description = "The settings' version")))))]
#[get("/settings")]
pub async fn get_settings(state: web::Data<AppState>, _caller: Caller) -> ApiResult<HttpResponse> {
    let stored = state.db(StoredSettings::load).await?;
    Ok(with_etag(StatusCode::OK, &stored.settings, stored.version))
}

/// Change some settings (admins; `If-Match` required). Send only the fields to change
/// (JSON merge: objects are merged, other values replaced).
#[utoipa::path(tag = "settings", operation_id = "update_settings", request_body = SettingsPatch,
    params(("If-Match" = String, Header, description = "The settings' ETag")),
    responses((status = 200, description = "The changed settings", body = Settings,
        headers(("ETag" = String, description = "The settings' version")))))]
#[patch("/settings")]
pub async fn update_settings(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    patch: crate::http::ValidJson<SettingsPatch>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let now = state.clock.now();
    let patch = patch.0 .0;
    let stored = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let current = StoredSettings::load(conn)?;
                if_match.check(current.version)?;
                let mut doc =
                    serde_json::to_value(&current.settings).map_err(anyhow::Error::from)?;
                merge(&mut doc, serde_json::Value::Object(patch));
                let bytes = serde_json::to_vec(&doc).map_err(anyhow::Error::from)?;
                let next: Settings = parse_json(&bytes)?;
                next.check()?;
                if !StoredSettings::save(conn, &next, current.version, now)? {
                    return Err(ApiError::PreconditionFailed(
                        "the settings changed meanwhile".into(),
                    ));
                }
                StoredSettings::load(conn)
            })
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &stored.settings, stored.version))
}
