//! The shared HTTP mechanisms every area uses: validated JSON and query input, cursor
//! pagination, ETags and `If-Match`, `Idempotency-Key`, problem responses for everything
//! the framework itself rejects, and the HTTP conventions (CORS, HEAD, 304, Allow, caching).

pub mod conventions;
pub mod date;
pub mod etag;
pub mod idempotency;
pub mod input;
pub mod location;
pub mod pagination;
pub mod problems;
pub mod sync;

pub use etag::{with_etag, IfMatch};
pub use input::{ValidJson, ValidQuery};
pub use pagination::{Cursor, PageParams};
pub use sync::SinceParams;

/// The handlers of a resource's workflow steps (`POST /<things>/{id}/<step>`), one line each.
/// Every one takes an optional decision body and `If-Match`, and calls the module's own
/// `step(state, caller, id, if_match, decision, step)`, and imports `actix_web::post` and
/// `Id`. The header of the invocation names
/// the OpenAPI tag, the body and view types, and the descriptions of the ETag and the answer;
/// then one `name, path, operation id, step, doc` tuple per step.
#[macro_export]
macro_rules! step_handlers {
    ($tag:literal, $body:ident, $view:ident, $etag:literal, $after:literal;
     $(($name:ident, $path:literal, $op:literal, $step:expr, $doc:literal)),+ $(,)?) => {
        $(
            #[doc = $doc]
            #[utoipa::path(tag = $tag, operation_id = $op, request_body(content = Option<$body>),
                params(("id" = Id, Path), ("If-Match" = String, Header, description = $etag)),
                responses((status = 200, description = $after, body = $view)))]
            // `post` as utoipa reads it: the invoking module imports `actix_web::post`.
            #[post($path)]
            pub async fn $name(
                state: actix_web::web::Data<$crate::AppState>,
                caller: $crate::auth::Caller,
                id: actix_web::web::Path<$crate::db::Id>,
                if_match: $crate::http::IfMatch,
                body: $crate::http::input::OptionalJson<$body>,
            ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
                step(state, caller, id.into_inner(), if_match, body.0.unwrap_or_default(), $step).await
            }
        )+
    };
}
