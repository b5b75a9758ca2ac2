//! `/api/v1/settings`: read by every user, changed by admins.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpResponse};

use super::model::{Settings, StoredSettings};
use crate::auth::{Caller, Role};
use crate::db::write_tx;
use crate::error::{ApiError, ApiResult};
use crate::http::input::parse_json;
use crate::http::{with_etag, IfMatch};
use crate::AppState;

/// A partial settings document.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct SettingsPatch(serde_json::Map<String, serde_json::Value>);

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
    responses((status = 200, description = "The settings", body = Settings)))]
#[get("/settings")]
pub async fn get_settings(state: web::Data<AppState>, _caller: Caller) -> ApiResult<HttpResponse> {
    let stored = state.db(StoredSettings::load).await?;
    Ok(with_etag(StatusCode::OK, &stored.settings, stored.version))
}

/// Change some settings (admins; `If-Match` required). Send only the fields to change
/// (JSON merge: objects are merged, other values replaced).
#[utoipa::path(tag = "settings", operation_id = "update_settings", request_body = Settings,
    params(("If-Match" = String, Header, description = "The settings' ETag")),
    responses((status = 200, description = "The changed settings", body = Settings)))]
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

/// RFC 7396 JSON merge.
fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}
