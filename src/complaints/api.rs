//! `/api/v1/complaints`: customer complaints, from filing to closing, with deadlines that make
//! them climb the org tree when nobody acts.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::actions;
use super::model::{Complaint, ComplaintDetail, ComplaintStatus, Filter, Row};
use crate::alerts::{self, Severity};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::market_reports::api::{FILERS, SUPERIORS};
use crate::masterdata::customers::model::Customer;
use crate::schema::{complaints as c, products, users};
use crate::settings::model::StoredSettings;
use crate::AppState;

crate::page_type!(ComplaintPage, Complaint);

const READERS: [Role; 6] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
    Role::Integration,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_complaints)
        .service(create_complaint)
        .service(get_complaint)
        .service(update_complaint)
        .service(actions::acknowledge_complaint)
        .service(actions::start_complaint)
        .service(actions::resolve_complaint)
        .service(actions::close_complaint)
        .service(actions::reopen_complaint);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComplaint {
    pub customer_id: Id,
    pub product_id: Option<Id>,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    pub description: String,
    pub severity: Severity,
    /// When the customer complained (default: now); not in the future.
    pub received_at: Option<Timestamp>,
    /// Who handles it (default: you); you or someone in your reach.
    pub assignee_id: Option<Id>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateComplaint {
    #[validate(length(min = 1, max = 200))]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 10000))]
    pub description: Option<String>,
    /// Superiors only; moves the resolution due date.
    pub severity: Option<Severity>,
    /// Superiors only; the new assignee is notified.
    pub assignee_id: Option<Id>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    pub status: Option<ComplaintStatus>,
    pub severity: Option<Severity>,
    /// Only complaints past (true) or within (false) their resolution due date.
    pub overdue: Option<bool>,
    /// Complaints filed by the people now in this unit's subtree (records follow the person).
    pub unit_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub assignee_id: Option<Id>,
}

/// An assignee must be the caller or an active user in the caller's reach.
/// Tells `assignee` that `complaint` is theirs now (`complaint.assigned`, with a notification).
fn announce_assignment(
    conn: &mut DbConnection,
    now: Timestamp,
    complaint: &Complaint,
    assignee: Id,
) -> ApiResult<()> {
    let title = format!("Complaint assigned to you: {}", complaint.title);
    events::emit_and_notify(
        conn,
        now,
        "complaint.assigned",
        "complaint",
        complaint.id,
        complaint,
        &title,
        &[assignee],
    )?;
    Ok(())
}

fn check_assignee(conn: &mut DbConnection, caller: &Caller, assignee: Id) -> ApiResult<()> {
    if assignee == caller.user_id {
        return Ok(());
    }
    let found: Option<(Id, bool)> = users::table
        .find(assignee)
        .select((users::org_unit_id, users::active))
        .first(conn)
        .optional()?;
    match found {
        Some((unit, true)) if caller.reaches(assignee, unit) => Ok(()),
        _ => Err(ApiError::invalid(
            "assignee_id",
            "no such active user in your reach",
        )),
    }
}

/// List complaints in your reach.
#[utoipa::path(tag = "complaints", operation_id = "list_complaints", params(PageParams, SinceParams, ComplaintQuery),
    responses((status = 200, description = "A page of complaints", body = ComplaintPage)))]
#[get("/complaints")]
pub async fn list_complaints(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<ComplaintQuery>,
) -> ApiResult<web::Json<ComplaintPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let now = state.clock.now();
    let rows = state
        .db(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = Filter {
                updated_since: since.0.updated_since,
                status: q.status,
                severity: q.severity,
                overdue: q.overdue,
                units,
                customer_id: q.customer_id,
                assignee_id: q.assignee_id,
            };
            Ok(Row::list(conn, &caller, &filter, now, cursor)?)
        })
        .await?;
    let (rows, next_cursor) = cursor.finish(rows, |r| r.id);
    let items = rows.into_iter().map(|r| r.present(now)).collect();
    Ok(web::Json(ComplaintPage { items, next_cursor }))
}

/// File a complaint. `high` and `critical` ones notify every superior of the reporter at once.
#[utoipa::path(tag = "complaints", operation_id = "create_complaint", request_body = CreateComplaint,
    responses((status = 201, description = "Filed", body = Complaint)))]
#[post("/complaints")]
pub async fn create_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateComplaint>,
) -> ApiResult<HttpResponse> {
    caller.require(&FILERS)?;
    let body = body.0;
    let now = state.clock.now();
    let received_at = body.received_at.unwrap_or(now);
    if received_at.0 > now.0 + Duration::minutes(5) {
        return Err(ApiError::invalid("received_at", "cannot be in the future"));
    }
    let complaint = state
        .write(move |conn| {
            if !Customer::reached(conn, &caller, &[body.customer_id])?.contains(&body.customer_id) {
                return Err(ApiError::invalid(
                    "customer_id",
                    "no such customer in your reach",
                ));
            }
            if let Some(product) = body.product_id {
                let exists: bool = diesel::select(diesel::dsl::exists(
                    products::table.find(product).select(products::id),
                ))
                .get_result(conn)?;
                if !exists {
                    return Err(ApiError::invalid("product_id", "no such product"));
                }
            }
            let assignee = body.assignee_id.unwrap_or(caller.user_id);
            check_assignee(conn, &caller, assignee)?;
            let settings = StoredSettings::load(conn)?.settings;
            let chain = alerts::chain_of(conn, caller.user_id, caller.org_unit_id)?;
            let id = Id::new();
            diesel::insert_into(c::table)
                .values((
                    c::id.eq(id),
                    c::reporter_id.eq(caller.user_id),
                    c::org_unit_id.eq(caller.org_unit_id),
                    c::customer_id.eq(body.customer_id),
                    c::product_id.eq(body.product_id),
                    c::title.eq(body.title.trim()),
                    c::description.eq(&body.description),
                    c::severity.eq(body.severity.as_str()),
                    c::received_at.eq(received_at),
                    c::assignee_id.eq(assignee),
                    c::status.eq(ComplaintStatus::Open.as_str()),
                    c::resolution_due_at.eq(Timestamp(
                        received_at.0 + body.severity.hours(&settings.resolution_due_hours),
                    )),
                    c::escalation_level.eq(1),
                    c::next_escalation_at.eq(alerts::next_escalation(
                        now,
                        body.severity.hours(&settings.ack_deadline_hours),
                        1,
                        chain.len(),
                    )),
                    c::created_at.eq(now),
                    c::updated_at.eq(now),
                ))
                .execute(conn)?;
            let complaint = Row::find(conn, id)?.present(now);
            let created = events::changed(conn, now, "complaint.created", &complaint)?;
            if body.severity.is_serious() {
                let title = format!("{} complaint: {}", body.severity.as_str(), complaint.title);
                events::emit_and_notify(
                    conn,
                    now,
                    "complaint.filed",
                    "complaint",
                    id,
                    &complaint,
                    &title,
                    &chain,
                )?;
            } else if let Some(first) = chain.first() {
                let title = format!("New complaint: {}", complaint.title);
                events::notify(
                    conn,
                    now,
                    created,
                    "complaint.created",
                    &title,
                    ("complaint", id),
                    &[*first],
                )?;
            }
            if assignee != caller.user_id {
                announce_assignment(conn, now, &complaint, assignee)?;
            }
            Ok(complaint)
        })
        .await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &complaint,
        complaint.version,
    ))
}

/// Get a complaint with who was told what, when.
#[utoipa::path(tag = "complaints", operation_id = "get_complaint", params(("id" = Id, Path)),
    responses((status = 200, description = "The complaint", body = ComplaintDetail)))]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let detail = state
        .db(move |conn| {
            let complaint = Row::find_in_reach(conn, &caller, id)?.present(now);
            let (escalations, notified) = alerts::history(conn, "complaint", id)?;
            Ok(ComplaintDetail {
                complaint,
                escalations,
                notified,
            })
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &detail, detail.complaint.version))
}

/// Whether the caller is a superior of the complaint's reporter, as the org is now.
pub(super) fn is_superior_of(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &Row,
) -> QueryResult<bool> {
    if !SUPERIORS.contains(&caller.role) || caller.user_id == row.reporter_id {
        return Ok(false);
    }
    caller.reaches_person(conn, row.reporter_id)
}

/// Change a complaint (`If-Match`): the reporter edits its words; superiors also its severity
/// and assignee.
#[utoipa::path(tag = "complaints", operation_id = "update_complaint", request_body = UpdateComplaint,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The complaint's ETag")),
    responses((status = 200, description = "The changed complaint", body = Complaint)))]
#[patch("/complaints/{id}")]
pub async fn update_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateComplaint>,
) -> ApiResult<HttpResponse> {
    caller.require(&FILERS)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let complaint = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            let superior = is_superior_of(conn, &caller, &row)?;
            if !superior && (body.severity.is_some() || body.assignee_id.is_some()) {
                return Err(ApiError::Forbidden(
                    "only a superior changes severity or assignee".into(),
                ));
            }
            if !superior && caller.user_id != row.reporter_id {
                return Err(ApiError::Forbidden(
                    "only the reporter or a superior changes a complaint".into(),
                ));
            }
            if_match.check(row.version)?;
            if row.status == "closed" {
                return Err(ApiError::illegal_state(
                    "a closed complaint is not edited; reopen it",
                    row.status,
                ));
            }
            if let Some(a) = body.assignee_id {
                check_assignee(conn, &caller, a)?;
            }
            let settings = StoredSettings::load(conn)?.settings;
            let due = body
                .severity
                .map(|s| Timestamp(row.received_at.0 + s.hours(&settings.resolution_due_hours)));
            let n = diesel::update(
                c::table
                    .filter(c::id.eq(id))
                    .filter(c::version.eq(row.version)),
            )
            .set((
                c::title.eq(body.title.as_deref().map(str::trim).unwrap_or(&row.title)),
                c::description.eq(body.description.as_deref().unwrap_or(&row.description)),
                c::severity.eq(body.severity.map(|s| s.as_str()).unwrap_or(&row.severity)),
                c::resolution_due_at.eq(due.unwrap_or(row.resolution_due_at)),
                c::assignee_id.eq(body.assignee_id.unwrap_or(row.assignee_id)),
                c::version.eq(c::version + 1),
                c::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the complaint changed meanwhile".into(),
                ));
            }
            let complaint = Row::find(conn, id)?.present(now);
            events::changed(conn, now, "complaint.updated", &complaint)?;
            if let Some(a) = body.assignee_id.filter(|a| *a != row.assignee_id) {
                announce_assignment(conn, now, &complaint, a)?;
            }
            Ok(complaint)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &complaint, complaint.version))
}
