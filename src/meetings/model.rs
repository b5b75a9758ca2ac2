//! Meeting rows, attendees, and the queries on them.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{meeting_attendees as ma, meetings as m};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingType {
    Morning,
    Evening,
    Weekly,
    Other,
}

impl MeetingType {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingType::Morning => "morning",
            MeetingType::Evening => "evening",
            MeetingType::Weekly => "weekly",
            MeetingType::Other => "other",
        }
    }

    fn parse(s: &str) -> MeetingType {
        match s {
            "morning" => MeetingType::Morning,
            "evening" => MeetingType::Evening,
            "weekly" => MeetingType::Weekly,
            _ => MeetingType::Other,
        }
    }
}

/// Whether an attendee was there: `invited` until the organiser records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingAttendance {
    Invited,
    Present,
    Absent,
    Remote,
}

impl MeetingAttendance {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingAttendance::Invited => "invited",
            MeetingAttendance::Present => "present",
            MeetingAttendance::Absent => "absent",
            MeetingAttendance::Remote => "remote",
        }
    }

    fn parse(s: &str) -> MeetingAttendance {
        match s {
            "present" => MeetingAttendance::Present,
            "absent" => MeetingAttendance::Absent,
            "remote" => MeetingAttendance::Remote,
            _ => MeetingAttendance::Invited,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = m)]
pub struct Row {
    pub id: Id,
    pub meeting_type: String,
    pub org_unit_id: Id,
    pub organiser_id: Id,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub agenda: String,
    pub minutes: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ma)]
struct AttendeeRow {
    meeting_id: Id,
    user_id: Id,
    attendance: String,
    remote_did: Option<String>,
    remote_needs: Option<String>,
    reported_at: Option<Timestamp>,
}

/// One attendee of a meeting.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attendee {
    pub user_id: Id,
    pub attendance: MeetingAttendance,
    /// Remote report: what the attendee did.
    pub remote_did: Option<String>,
    /// Remote report: what the attendee needs.
    pub remote_needs: Option<String>,
    /// When the remote report came in.
    pub reported_at: Option<Timestamp>,
}

/// A meeting as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    pub id: Id,
    pub meeting_type: MeetingType,
    pub org_unit_id: Id,
    pub organiser_id: Id,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub agenda: String,
    pub minutes: Option<String>,
    pub attendees: Vec<Attendee>,
    /// How many attendees sent a remote report.
    pub remote_reports: usize,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub meeting_type: Option<MeetingType>,
    pub units: Option<Vec<Id>>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl Row {
    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<Row> {
        m::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("meeting"))
    }

    pub fn is_attendee(conn: &mut DbConnection, meeting: Id, user: Id) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            ma::table.find((meeting, user)).select(ma::user_id),
        ))
        .get_result(conn)
    }

    /// A meeting the caller organises, attends, or whose unit is in their reach.
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
        let row = Self::find(conn, id)?;
        if row.organiser_id == caller.user_id
            || caller.reach.covers_unit(row.org_unit_id)
            || Self::is_attendee(conn, id, caller.user_id)?
        {
            Ok(row)
        } else {
            Err(ApiError::not_found("meeting"))
        }
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &Filter,
        page: Cursor,
    ) -> QueryResult<Vec<Row>> {
        let mut q = m::table.select(Row::as_select()).into_boxed();
        if !caller.reach.all {
            let attending = ma::table
                .filter(ma::user_id.eq(caller.user_id))
                .select(ma::meeting_id);
            q = q.filter(
                m::organiser_id
                    .eq(caller.user_id)
                    .or(m::org_unit_id.eq_any(caller.reach.unit_ids.clone()))
                    .or(m::id.eq_any(attending)),
            );
        }
        if let Some(t) = f.meeting_type {
            q = q.filter(m::meeting_type.eq(t.as_str()));
        }
        if let Some(units) = &f.units {
            q = q.filter(m::org_unit_id.eq_any(units.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(m::starts_at.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(m::starts_at.lt(to));
        }
        crate::filter_updated_since!(q, m::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(m::id.gt(after));
        }
        q.order(m::id).limit(page.fetch()).load(conn)
    }

    /// Rows as API objects, with the attendees of all of them loaded in one query.
    pub fn present(conn: &mut DbConnection, rows: Vec<Row>) -> QueryResult<Vec<Meeting>> {
        let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
        let attendees: Vec<AttendeeRow> = ma::table
            .filter(ma::meeting_id.eq_any(&ids))
            .select(AttendeeRow::as_select())
            .order((ma::meeting_id, ma::user_id))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let attendees: Vec<Attendee> = attendees
                    .iter()
                    .filter(|a| a.meeting_id == r.id)
                    .map(|a| Attendee {
                        user_id: a.user_id,
                        attendance: MeetingAttendance::parse(&a.attendance),
                        remote_did: a.remote_did.clone(),
                        remote_needs: a.remote_needs.clone(),
                        reported_at: a.reported_at,
                    })
                    .collect();
                Meeting {
                    remote_reports: attendees.iter().filter(|a| a.reported_at.is_some()).count(),
                    attendees,
                    id: r.id,
                    meeting_type: MeetingType::parse(&r.meeting_type),
                    org_unit_id: r.org_unit_id,
                    organiser_id: r.organiser_id,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    agenda: r.agenda,
                    minutes: r.minutes,
                    version: r.version,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                }
            })
            .collect())
    }

    pub fn view(conn: &mut DbConnection, id: Id) -> ApiResult<Meeting> {
        let row = Self::find(conn, id)?;
        Self::present(conn, vec![row])?
            .pop()
            .ok_or_else(|| ApiError::not_found("meeting"))
    }

    /// Moves the version on (and `updated_at`) when attendees change.
    pub fn touch(conn: &mut DbConnection, id: Id, now: Timestamp) -> QueryResult<()> {
        diesel::update(m::table.find(id))
            .set((m::version.eq(m::version + 1), m::updated_at.eq(now)))
            .execute(conn)?;
        Ok(())
    }

    pub fn add_attendee(conn: &mut DbConnection, meeting: Id, user: Id) -> QueryResult<()> {
        diesel::insert_into(ma::table)
            .values((
                ma::meeting_id.eq(meeting),
                ma::user_id.eq(user),
                ma::attendance.eq(MeetingAttendance::Invited.as_str()),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_attendance(
        conn: &mut DbConnection,
        meeting: Id,
        user: Id,
        a: MeetingAttendance,
    ) -> QueryResult<usize> {
        diesel::update(ma::table.find((meeting, user)))
            .set(ma::attendance.eq(a.as_str()))
            .execute(conn)
    }

    pub fn remote_report(
        conn: &mut DbConnection,
        meeting: Id,
        user: Id,
        did: &str,
        needs: &str,
        now: Timestamp,
    ) -> QueryResult<usize> {
        diesel::update(ma::table.find((meeting, user)))
            .set((
                ma::attendance.eq(MeetingAttendance::Remote.as_str()),
                ma::remote_did.eq(Some(did)),
                ma::remote_needs.eq(Some(needs)),
                ma::reported_at.eq(Some(now)),
            ))
            .execute(conn)
    }
}

crate::mirrored!(Meeting, "meeting", |m| crate::events::Scope {
    unit: Some(m.org_unit_id),
    readers: std::iter::once(m.organiser_id)
        .chain(m.attendees.iter().map(|a| a.user_id))
        .collect(),
    ..Default::default()
});
