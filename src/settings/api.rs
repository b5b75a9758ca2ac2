//! `/api/v1/settings`: read by every user, changed by admins.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpResponse};

use super::model::{merge, Settings, StoredSettings};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::input::parse_json;
use crate::http::{with_etag, IfMatch};
use crate::AppState;

/// A partial settings document (RFC 7396 merge patch): the values to change.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct SettingsPatch(serde_json::Map<String, serde_json::Value>);

/// The groups of values inside the settings: a patch may change some values of a group, so the
/// patch schema names a `<Group>Patch` schema with nothing required.
const GROUPS: [&str; 2] = ["SeverityHours", "AnomalySettings"];

/// `schema` with nothing required and `description`.
fn optional_all(
    mut schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.required.clear();
        object.description = Some(description.into());
        for property in object.properties.values_mut() {
            if let RefOr::Ref(r) = property {
                if let Some(group) = GROUPS
                    .iter()
                    .find(|g| r.ref_location == format!("#/components/schemas/{g}"))
                {
                    r.ref_location = format!("#/components/schemas/{group}Patch");
                }
            }
        }
    }
    schema
}

/// The schema of a patch is the settings' own, with every value optional (in groups too).
impl utoipa::PartialSchema for SettingsPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        optional_all(
            <Settings as utoipa::PartialSchema>::schema(),
            "The settings to change; values left out keep their value.",
        )
    }
}

impl utoipa::ToSchema for SettingsPatch {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        <Settings as utoipa::ToSchema>::schemas(schemas);
        schemas.push((
            "Settings".into(),
            <Settings as utoipa::PartialSchema>::schema(),
        ));
        schemas.push((
            SeverityHoursPatch::name().into(),
            SeverityHoursPatch::schema(),
        ));
        schemas.push((
            AnomalySettingsPatch::name().into(),
            AnomalySettingsPatch::schema(),
        ));
    }
}

/// Declares the patch schema of a settings group: the group's own, nothing required.
macro_rules! group_patch {
    ($patch:ident, $group:ty) => {
        #[doc = concat!("A patch of `", stringify!($group), "` (schema only).")]
        pub struct $patch;

        impl utoipa::PartialSchema for $patch {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                optional_all(
                    <$group as utoipa::PartialSchema>::schema(),
                    "The values of the group to change; others keep theirs.",
                )
            }
        }
    };
}

group_patch!(SeverityHoursPatch, crate::settings::model::SeverityHours);
group_patch!(
    AnomalySettingsPatch,
    crate::settings::model::AnomalySettings
);

impl utoipa::ToSchema for SeverityHoursPatch {
    fn name() -> std::borrow::Cow<'static, str> {
        "SeverityHoursPatch".into()
    }
}

impl utoipa::ToSchema for AnomalySettingsPatch {
    fn name() -> std::borrow::Cow<'static, str> {
        "AnomalySettingsPatch".into()
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
        .write(move |conn| {
            let current = StoredSettings::load(conn)?;
            if_match.check(current.version)?;
            let mut doc = serde_json::to_value(&current.settings).map_err(anyhow::Error::from)?;
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
        .await?;
    Ok(with_etag(StatusCode::OK, &stored.settings, stored.version))
}
