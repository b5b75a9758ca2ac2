//! `GET /api/v1/changes` and `GET /api/v1/changes/head`.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::feed::{self, ChangeEntry};
use super::{sequencer, ResourceType};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::AppState;

/// Roles that read the feed (each sees what it may read).
const READERS: [Role; 7] = Role::ALL;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_changes).service(changes_head);
}

/// Where to read the feed from.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The last position you processed (`next_after` of the previous answer, or the head you
    /// took before a full sync); 0 or absent reads from the oldest entry kept.
    #[validate(range(min = 0))]
    pub after: Option<i64>,
    /// Entries per answer (1 to 1,000, default 100).
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<i64>,
    /// Only these kinds of resource, comma-separated (`customer,target`); all when absent.
    #[param(value_type = Option<Vec<ResourceType>>, style = Form, explode = false)]
    #[validate(length(min = 1, max = 400))]
    pub types: Option<String>,
}

impl ChangesParams {
    fn kinds(&self) -> ApiResult<Vec<ResourceType>> {
        let Some(types) = &self.types else {
            return Ok(Vec::new());
        };
        types
            .split(',')
            .map(|t| {
                ResourceType::ALL
                    .iter()
                    .copied()
                    .find(|k| k.as_str() == t.trim())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "types",
                            format!("{t:?} is not a resource type of the feed"),
                        )
                    })
            })
            .collect()
    }
}

/// A page of the change feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeEntry>,
    /// Pass as `after` to read on: the position of the last entry given, or your `after`
    /// when there was none.
    pub next_after: i64,
    /// True when more entries are already there: ask again at once. False: you are at the
    /// head; poll again later.
    pub has_more: bool,
}

/// The head of the feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeHead {
    /// The newest position. Take it before a full sync, then read the feed `after` it.
    pub position: i64,
    /// Entries up to this position have been pruned: resuming at or before it is answered
    /// 410 (0 when nothing has been pruned).
    pub pruned_through: i64,
}

/// Read the change feed: every create, change, archive and delete you may see, in order.
///
/// Each entry names a resource, says `upsert` (with the resource as `GET` shows it) or
/// `delete`, and carries its version. Resume with `after=<next_after>`: no entry committed
/// later is ever given a position below one you have seen, so nothing is skipped. Entries
/// are kept for `CHANGES_RETENTION_DAYS` (30 by default); a position older than that is
/// answered 410, and you must sync in full again (take the head, page every list, then
/// follow the feed from that head).
#[utoipa::path(tag = "changes", operation_id = "list_changes", params(ChangesParams),
    responses(
        (status = 200, description = "Entries after the position", body = ChangePage),
        (status = 410, description = "The position is older than the feed keeps: sync in full again", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<ChangesParams>,
) -> ApiResult<web::Json<ChangePage>> {
    caller.require(&READERS)?;
    let params = params.0;
    let kinds = params.kinds()?;
    let after = params.after.unwrap_or(0);
    let limit = params.limit.unwrap_or(100);
    let page = state
        .db(move |conn| {
            sequencer::run(conn)?;
            let pruned = sequencer::pruned_through(conn)?;
            if pruned > 0 && after < pruned {
                return Err(ApiError::Gone(format!(
                    "entries up to position {pruned} are no longer kept; sync in full again: \
                     take GET /api/v1/changes/head, page every list, then read the feed after \
                     that head"
                )));
            }
            let head = sequencer::head(conn)?;
            if after > head {
                return Err(ApiError::invalid(
                    "after",
                    format!("the feed's newest position is {head}"),
                ));
            }
            let mut items = feed::page(conn, &caller, after, &kinds, limit + 1)?;
            let has_more = items.len() as i64 > limit;
            items.truncate(limit as usize);
            let next_after = items.last().map_or(after, |e| e.position);
            Ok(ChangePage {
                items,
                next_after,
                has_more,
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// The head of the change feed: where to start following it after a full sync.
#[utoipa::path(tag = "changes", operation_id = "get_changes_head",
    responses((status = 200, description = "The newest position", body = ChangeHead)))]
#[get("/changes/head")]
pub async fn changes_head(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<ChangeHead>> {
    caller.require(&READERS)?;
    let head = state
        .db(move |conn| {
            sequencer::run(conn)?;
            Ok(ChangeHead {
                position: sequencer::head(conn)?,
                pruned_through: sequencer::pruned_through(conn)?,
            })
        })
        .await?;
    Ok(web::Json(head))
}
