//! `/api/v1/meetings`: supervisors and managers hold meetings of their units; attendees who
//! cannot come file a remote report instead.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{Filter, Meeting, MeetingAttendance, MeetingType, Row};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::{meetings as m, users};
use crate::AppState;

crate::page_type!(MeetingPage, Meeting);

/// Roles that organise meetings.
const ORGANISERS: [Role; 2] = [Role::Supervisor, Role::Manager];
/// Roles that read meetings (of their reach, or that they attend). Meetings carry minutes and
/// what each attendee did and needs: process records, not results, so executives read none of
/// them (neither the list nor one meeting, metadata included).
const READERS: [Role; 4] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Admin,
];
/// Roles that attend meetings and file remote reports.
const ATTENDERS: [Role; 3] = [Role::Salesperson, Role::Supervisor, Role::Manager];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_meetings)
        .service(create_meeting)
        .service(get_meeting)
        .service(update_meeting)
        .service(record_meeting_attendance)
        .service(file_meeting_remote_report);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMeeting {
    pub meeting_type: MeetingType,
    /// The unit meeting; in your reach.
    pub unit_id: Id,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    #[validate(length(min = 1, max = 10000))]
    pub agenda: String,
    /// Who is invited; default: every active salesperson and supervisor of the unit's subtree.
    #[validate(length(max = 500))]
    pub attendee_ids: Option<Vec<Id>>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeeting {
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    #[validate(length(min = 1, max = 10000))]
    pub agenda: Option<String>,
    #[validate(length(min = 1, max = 50000))]
    pub minutes: Option<String>,
}

#[derive(Debug, serde::Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceEntry {
    pub user_id: Id,
    pub attendance: MeetingAttendance,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAttendance {
    #[validate(length(min = 1, max = 500))]
    pub entries: Vec<AttendanceEntry>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteReport {
    /// What you did (visits, orders, collections).
    #[validate(length(min = 1, max = 10000))]
    pub did: String,
    /// What you need from the team or the company.
    #[validate(length(min = 1, max = 10000))]
    pub needs: String,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub meeting_type: Option<MeetingType>,
    /// Meetings of this unit's subtree.
    pub unit_id: Option<Id>,
    /// Starting at or after.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Starting before.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
}

/// The invited attendees: given ones must be in reach; by default the unit's people.
fn attendees_for(
    conn: &mut DbConnection,
    caller: &Caller,
    unit: Id,
    given: Option<Vec<Id>>,
) -> ApiResult<Vec<Id>> {
    match given {
        Some(ids) => {
            let found: Vec<(Id, Id)> = users::table
                .filter(users::id.eq_any(&ids))
                .filter(users::active.eq(true))
                .select((users::id, users::org_unit_id))
                .load(conn)?;
            let errors: Vec<FieldError> = ids
                .iter()
                .enumerate()
                .filter(|(_, id)| {
                    !found
                        .iter()
                        .any(|(u, unit)| u == *id && caller.reaches(*u, *unit))
                })
                .map(|(i, _)| {
                    FieldError::new(
                        format!("attendee_ids[{i}]"),
                        "no such active user in your reach",
                    )
                })
                .collect();
            if !errors.is_empty() {
                return Err(ApiError::invalid_fields(errors));
            }
            let mut ids = ids;
            ids.sort();
            ids.dedup();
            Ok(ids)
        }
        None => {
            let units = subtree_units(conn, &[unit])?;
            Ok(users::table
                .filter(users::org_unit_id.eq_any(units))
                .filter(users::active.eq(true))
                .filter(users::role.eq_any(["salesperson", "supervisor"]))
                .filter(users::id.ne(caller.user_id))
                .select(users::id)
                .order(users::id)
                .load(conn)?)
        }
    }
}

/// List meetings you organise, attend, or that belong to your reach.
#[utoipa::path(tag = "meetings", operation_id = "list_meetings", params(PageParams, SinceParams, MeetingQuery),
    responses((status = 200, description = "A page of meetings", body = MeetingPage)))]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<MeetingQuery>,
) -> ApiResult<web::Json<MeetingPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let (items, next_cursor) = state
        .db(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = Filter {
                updated_since: since.0.updated_since,
                meeting_type: q.meeting_type,
                units,
                from: q.from,
                to: q.to,
            };
            let rows = Row::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((Row::present(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(MeetingPage { items, next_cursor }))
}

/// Schedule a meeting of a unit in your reach (supervisors and managers).
#[utoipa::path(tag = "meetings", operation_id = "create_meeting", request_body = CreateMeeting,
    responses((status = 201, description = "Scheduled", body = Meeting)))]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    caller.require(&ORGANISERS)?;
    let body = body.0;
    if !caller.reach.covers_unit(body.unit_id) {
        return Err(ApiError::invalid("unit_id", "no such unit in your reach"));
    }
    if body.ends_at.is_some_and(|e| e.0 <= body.starts_at.0) {
        return Err(ApiError::invalid("ends_at", "must be after starts_at"));
    }
    let now = state.clock.now();
    let meeting = state
        .write(move |conn| {
            let attendees = attendees_for(conn, &caller, body.unit_id, body.attendee_ids)?;
            let id = Id::new();
            diesel::insert_into(m::table)
                .values((
                    m::id.eq(id),
                    m::meeting_type.eq(body.meeting_type.as_str()),
                    m::org_unit_id.eq(body.unit_id),
                    m::organiser_id.eq(caller.user_id),
                    m::starts_at.eq(body.starts_at),
                    m::ends_at.eq(body.ends_at),
                    m::agenda.eq(&body.agenda),
                    m::created_at.eq(now),
                    m::updated_at.eq(now),
                ))
                .execute(conn)?;
            for user in &attendees {
                Row::add_attendee(conn, id, *user)?;
            }
            let meeting = Row::view(conn, id)?;
            let title = format!(
                "{} meeting at {}",
                body.meeting_type.as_str(),
                body.starts_at
            );
            events::changed_and_notify(conn, now, "meeting.created", &meeting, &title, &attendees)?;
            Ok(meeting)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &meeting, meeting.version))
}

/// Get a meeting with its attendance and remote reports.
#[utoipa::path(tag = "meetings", operation_id = "get_meeting", params(("id" = Id, Path)),
    responses((status = 200, description = "The meeting", body = Meeting)))]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let meeting = state
        .db(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            Row::view(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &meeting, meeting.version))
}

/// The meeting, if the caller organises it (or manages its unit); 404 outside reach.
fn for_organiser(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
    let row = Row::find_in_reach(conn, caller, id)?;
    let organises = row.organiser_id == caller.user_id
        || (ORGANISERS.contains(&caller.role) && caller.reach.covers_unit(row.org_unit_id));
    if organises {
        Ok(row)
    } else {
        Err(ApiError::Forbidden(
            "only the organiser changes a meeting".into(),
        ))
    }
}

/// Change a meeting: time, agenda, minutes (the organiser; `If-Match`).
#[utoipa::path(tag = "meetings", operation_id = "update_meeting", request_body = UpdateMeeting,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The meeting's ETag")),
    responses((status = 200, description = "The changed meeting", body = Meeting)))]
#[patch("/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateMeeting>,
) -> ApiResult<HttpResponse> {
    caller.require(&ORGANISERS)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let meeting = state
        .write(move |conn| {
            let row = for_organiser(conn, &caller, id)?;
            if_match.check(row.version)?;
            let starts_at = body.starts_at.unwrap_or(row.starts_at);
            let ends_at = body.ends_at.or(row.ends_at);
            if ends_at.is_some_and(|e| e.0 <= starts_at.0) {
                return Err(ApiError::invalid("ends_at", "must be after starts_at"));
            }
            let n = diesel::update(
                m::table
                    .filter(m::id.eq(id))
                    .filter(m::version.eq(row.version)),
            )
            .set((
                m::starts_at.eq(starts_at),
                m::ends_at.eq(ends_at),
                m::agenda.eq(body.agenda.unwrap_or(row.agenda)),
                m::minutes.eq(body.minutes.or(row.minutes)),
                m::version.eq(m::version + 1),
                m::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the meeting changed meanwhile".into(),
                ));
            }
            let meeting = Row::view(conn, id)?;
            events::changed(conn, now, "meeting.updated", &meeting)?;
            Ok(meeting)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &meeting, meeting.version))
}

/// Record who was present, absent or remote (the organiser; `If-Match`).
#[utoipa::path(tag = "meetings", operation_id = "record_meeting_attendance", request_body = RecordAttendance,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The meeting's ETag")),
    responses((status = 200, description = "The meeting with its attendance", body = Meeting)))]
#[post("/meetings/{id}/attendance")]
pub async fn record_meeting_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<RecordAttendance>,
) -> ApiResult<HttpResponse> {
    caller.require(&ORGANISERS)?;
    let id = id.into_inner();
    let entries = body.0.entries;
    let now = state.clock.now();
    let meeting = state
        .write(move |conn| {
            let row = for_organiser(conn, &caller, id)?;
            if_match.check(row.version)?;
            let mut errors = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                if Row::set_attendance(conn, id, e.user_id, e.attendance)? == 0 {
                    errors.push(FieldError::new(
                        format!("entries[{i}].user_id"),
                        "not an attendee of this meeting",
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::invalid_fields(errors));
            }
            Row::touch(conn, id, now)?;
            let meeting = Row::view(conn, id)?;
            events::changed(conn, now, "meeting.updated", &meeting)?;
            Ok(meeting)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &meeting, meeting.version))
}

/// File a remote report for a meeting you cannot attend: what you did, what you need.
/// The organiser is notified and sees who reported.
#[utoipa::path(tag = "meetings", operation_id = "file_meeting_remote_report", request_body = RemoteReport,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The meeting's ETag")),
    responses((status = 200, description = "The meeting with your report", body = Meeting)))]
#[post("/meetings/{id}/remote-report")]
pub async fn file_meeting_remote_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<RemoteReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&ATTENDERS)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let meeting = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            if_match.check(row.version)?;
            if Row::remote_report(conn, id, caller.user_id, &body.did, &body.needs, now)? == 0 {
                return Err(ApiError::Forbidden(
                    "only an attendee files a remote report".into(),
                ));
            }
            Row::touch(conn, id, now)?;
            let meeting = Row::view(conn, id)?;
            events::changed_and_notify(
                conn,
                now,
                "meeting.remote_report",
                &meeting,
                "Remote report for your meeting",
                &[row.organiser_id],
            )?;
            Ok(meeting)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &meeting, meeting.version))
}
