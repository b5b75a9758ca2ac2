//! Demo data for meetings: the last five mornings' meetings of every office and last week's
//! regional and company meetings, with attendance, minutes and a remote report from someone on
//! the road.

use chrono::{Datelike, Duration, Weekday};
use diesel::prelude::*;

use super::model::{MeetingAttendance, MeetingType};
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{meeting_attendees as ma, meetings, org_units};
use crate::visits::business_day;
use crate::visits::demo::local;

struct Attendee {
    user: Id,
    attendance: MeetingAttendance,
    remote: Option<(&'static str, &'static str)>,
}

impl Attendee {
    fn at(user: Id, attendance: MeetingAttendance) -> Attendee {
        Attendee {
            user,
            attendance,
            remote: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConnection,
    kind: MeetingType,
    unit: Id,
    organiser: Id,
    starts_at: Timestamp,
    agenda: &str,
    minutes: &str,
    attendees: &[Attendee],
    now: Timestamp,
) -> anyhow::Result<()> {
    let id = Id::new();
    diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(id),
            meetings::meeting_type.eq(kind.as_str()),
            meetings::org_unit_id.eq(unit),
            meetings::organiser_id.eq(organiser),
            meetings::starts_at.eq(starts_at),
            meetings::ends_at.eq(Timestamp(starts_at.0 + Duration::minutes(30))),
            meetings::agenda.eq(agenda),
            meetings::minutes.eq(Some(minutes)),
            meetings::created_at.eq(now),
            meetings::updated_at.eq(now),
        ))
        .execute(conn)?;
    for a in attendees {
        diesel::insert_into(ma::table)
            .values((
                ma::meeting_id.eq(id),
                ma::user_id.eq(a.user),
                ma::attendance.eq(a.attendance.as_str()),
                ma::remote_did.eq(a.remote.map(|r| r.0)),
                ma::remote_needs.eq(a.remote.map(|r| r.1)),
                ma::reported_at.eq(a
                    .remote
                    .map(|_| Timestamp(starts_at.0 - Duration::minutes(20)))),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes the meetings; returns how many.
pub fn fill(conn: &mut DbConnection, now: Timestamp) -> anyhow::Result<usize> {
    let settings = crate::demo::settings(conn)?;
    let today = business_day(&settings, now);
    let units = crate::demo::run_units(conn)?;
    let mut written = 0;
    for (unit, _, runner) in &units {
        let sellers = crate::demo::sellers_of(conn, *unit)?;
        if !sellers.is_empty() {
            // An office: a morning meeting on each of the last five weekdays.
            let mornings = (1..=9)
                .map(|d| today - Duration::days(d))
                .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .take(5);
            for (n, day) in mornings.enumerate() {
                let attendees: Vec<Attendee> = sellers
                    .iter()
                    .enumerate()
                    .map(|(i, s)| match (i + n) % 7 {
                        0 => Attendee {
                            user: *s,
                            attendance: MeetingAttendance::Remote,
                            remote: Some((
                                "Visiting the northern outlets since 07:00; two orders taken.",
                                "Samples of the new crate size for Thursday's visits.",
                            )),
                        },
                        5 => Attendee::at(*s, MeetingAttendance::Absent),
                        _ => Attendee::at(*s, MeetingAttendance::Present),
                    })
                    .collect();
                insert(
                    conn,
                    MeetingType::Morning,
                    *unit,
                    *runner,
                    local(&settings, day, 8 * 60 + 30),
                    "Yesterday's results; today's plans; customers to watch.",
                    "Plans reviewed. Two outlets with falling orders get a visit today.",
                    &attendees,
                    now,
                )?;
                written += 1;
            }
        } else {
            // A region (or the company): last week's Monday meeting with the runners of the units
            // below.
            let supervisors: Vec<Id> = org_units::table
                .filter(org_units::parent_id.eq(unit))
                .filter(org_units::manager_id.is_not_null())
                .order(org_units::name)
                .select(org_units::manager_id.assume_not_null())
                .load(conn)?;
            if supervisors.is_empty() {
                continue;
            }
            let monday =
                today - Duration::days(7 + i64::from(today.weekday().num_days_from_monday()));
            let attendees: Vec<Attendee> = supervisors
                .iter()
                .map(|s| Attendee::at(*s, MeetingAttendance::Present))
                .collect();
            insert(
                conn,
                MeetingType::Weekly,
                *unit,
                *runner,
                local(&settings, monday, 9 * 60),
                "Last week against target; competitor activity; next week's focus.",
                "Each office behind pace names its three priority outlets for the week.",
                &attendees,
                now,
            )?;
            written += 1;
        }
    }
    Ok(written)
}
