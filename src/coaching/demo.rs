//! Demo data for coaching: in every office, a collective session some six weeks ago and a recent
//! individual session with one salesperson, with action items (one done); the others are left
//! for the "needed" list to find.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::model::SessionKind;
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{
    coaching_action_items as cai, coaching_participants as cp, coaching_sessions as cs, org_units,
};
use crate::visits::business_day;

struct Session<'a> {
    coach: Id,
    kind: SessionKind,
    held_on: NaiveDate,
    topic: &'a str,
    notes: &'a str,
    follow_up_on: Option<NaiveDate>,
    participants: &'a [Id],
    /// Description, owner, due, done.
    actions: Vec<(&'a str, Id, NaiveDate, bool)>,
}

fn insert(conn: &mut DbConnection, s: Session, now: Timestamp) -> anyhow::Result<()> {
    let id = Id::new();
    diesel::insert_into(cs::table)
        .values((
            cs::id.eq(id),
            cs::coach_id.eq(s.coach),
            cs::kind.eq(s.kind.as_str()),
            cs::held_on.eq(s.held_on),
            cs::topic.eq(s.topic),
            cs::notes.eq(s.notes),
            cs::follow_up_on.eq(s.follow_up_on),
            cs::created_at.eq(now),
            cs::updated_at.eq(now),
        ))
        .execute(conn)?;
    for p in s.participants {
        diesel::insert_into(cp::table)
            .values((cp::session_id.eq(id), cp::user_id.eq(p)))
            .execute(conn)?;
    }
    for (description, owner, due, done) in s.actions {
        diesel::insert_into(cai::table)
            .values((
                cai::id.eq(Id::new()),
                cai::session_id.eq(id),
                cai::description.eq(description),
                cai::owner_id.eq(owner),
                cai::due_on.eq(due),
                cai::done_at.eq(done.then_some(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes the sessions; returns how many.
pub fn fill(conn: &mut DbConnection, now: Timestamp) -> anyhow::Result<usize> {
    let settings = crate::demo::settings(conn)?;
    let today = business_day(&settings, now);
    let offices: Vec<(Id, Id)> = org_units::table
        .filter(org_units::manager_id.is_not_null())
        .order(org_units::name)
        .select((org_units::id, org_units::manager_id.assume_not_null()))
        .load(conn)?;
    let mut written = 0;
    for (unit, supervisor) in offices {
        let sellers = crate::demo::sellers_of(conn, unit)?;
        let Some(first) = sellers.first().copied() else {
            continue;
        };
        insert(
            conn,
            Session {
                coach: supervisor,
                kind: SessionKind::Collective,
                held_on: today - Duration::days(41),
                topic: "Planning a visit day that ends in orders",
                notes: "Walked through two good plans and two weak ones; agreed on a route \
                        template and on checking stock before each visit.",
                follow_up_on: None,
                participants: &sellers,
                actions: vec![(
                    "Use the route template for every plan",
                    first,
                    today - Duration::days(34),
                    true,
                )],
            },
            now,
        )?;
        insert(
            conn,
            Session {
                coach: supervisor,
                kind: SessionKind::Individual,
                held_on: today - Duration::days(12),
                topic: "Turning visits into orders",
                notes: "Too many information visits without an ask. Rehearsed closing for \
                        the two biggest outlets.",
                follow_up_on: Some(today + Duration::days(2)),
                participants: &[first],
                actions: vec![
                    (
                        "Ask for an order at every active customer visit",
                        first,
                        today - Duration::days(5),
                        true,
                    ),
                    (
                        "Bring a promotion proposal to the two biggest outlets",
                        first,
                        today + Duration::days(5),
                        false,
                    ),
                ],
            },
            now,
        )?;
        written += 2;
    }
    Ok(written)
}
