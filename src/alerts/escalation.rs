//! The escalation job: an item whose acknowledgement deadline passed moves one level up its
//! reporter's chain of superiors, and again after each further deadline, up to the top. Overdue
//! complaints are announced once.
//!
//! Safe with several instances on one PostgreSQL: due rows are claimed with
//! `FOR UPDATE SKIP LOCKED` inside the transaction that escalates them and moves their deadline,
//! so no escalation fires twice (a unique (item, level) key guards it as well). On SQLite the
//! write transaction is exclusive. A restarted server catches up: due is "deadline <= now".

use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::{chain_of_person, next_escalation, Severity};
use crate::complaints::model::Row as ComplaintRow;
use crate::db::types::{Tstz, Uid};
use crate::db::{write_tx, Backend, DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::events;
use crate::market_reports::model::Row as ReportRow;
use crate::schema::{complaints, escalations, market_reports};
use crate::settings::model::StoredSettings;

/// Items handled per batch.
const BATCH: i32 = 100;

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Uid)]
    id: Id,
}

/// Locks and returns due rows of `table` (where `condition` holds and `column <= now`).
fn claim_due(
    conn: &mut DbConnection,
    table: &str,
    condition: &str,
    column: &str,
    now: Timestamp,
) -> QueryResult<Vec<Id>> {
    let (now_param, limit_param, lock) = match conn.backend() {
        Backend::Postgres => ("$1", "$2", " FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => ("?", "?", ""),
    };
    let sql = format!(
        "SELECT id FROM {table} WHERE {condition} AND {column} <= {now_param} \
         ORDER BY {column} LIMIT {limit_param}{lock}"
    );
    let rows: Vec<IdRow> = diesel::sql_query(sql)
        .bind::<Tstz, _>(now)
        .bind::<Integer, _>(BATCH)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Escalated {
    pub market_reports: usize,
    pub complaints: usize,
    pub overdue: usize,
}

/// Records one escalation of an item to the next level of its chain. Returns the user it went
/// to, or `None` when the chain has nobody higher (the item then stops escalating).
fn escalate(
    conn: &mut DbConnection,
    item_type: &str,
    item: Id,
    level: i32,
    chain: &[Id],
    now: Timestamp,
) -> QueryResult<Option<Id>> {
    let next = level + 1;
    let Some(target) = chain.get(next as usize - 1).copied() else {
        return Ok(None);
    };
    diesel::insert_into(escalations::table)
        .values((
            escalations::id.eq(Id::new()),
            escalations::item_type.eq(item_type),
            escalations::item_id.eq(item),
            escalations::level.eq(next),
            escalations::escalated_to.eq(target),
            escalations::reason.eq("acknowledgement deadline passed"),
            escalations::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Some(target))
}

/// One pass over everything due at `now`.
pub fn run(conn: &mut DbConnection, now: Timestamp) -> ApiResult<Escalated> {
    let mut done = Escalated::default();
    let settings = StoredSettings::load(conn)?.settings;
    write_tx(conn, |conn| -> ApiResult<()> {
        for id in claim_due(
            conn,
            "market_reports",
            "status = 'open'",
            "next_escalation_at",
            now,
        )? {
            let row = ReportRow::find(conn, id)?;
            let chain = chain_of_person(conn, row.reporter_id)?;
            let deadline = Severity::parse(&row.severity).hours(&settings.ack_deadline_hours);
            let target = escalate(conn, "market_report", id, row.escalation_level, &chain, now)?;
            let level = row.escalation_level + i32::from(target.is_some());
            diesel::update(market_reports::table.find(id))
                .set(
                    (
                        market_reports::escalation_level.eq(level),
                        market_reports::next_escalation_at
                            .eq(target
                                .and_then(|_| next_escalation(now, deadline, level, chain.len()))),
                        market_reports::version.eq(market_reports::version + 1),
                        market_reports::updated_at.eq(now),
                    ),
                )
                .execute(conn)?;
            let report = ReportRow::view(conn, id)?;
            match target {
                Some(target) => {
                    let title = format!("Escalated to you, unacknowledged: {}", report.title);
                    let to = [target];
                    events::changed_and_notify(
                        conn,
                        now,
                        "market_report.escalated",
                        &report,
                        &title,
                        &to,
                    )?;
                    done.market_reports += 1;
                }
                // The top of the chain: nobody left to escalate to, but the report changed.
                None => {
                    events::changed(conn, now, "market_report.updated", &report)?;
                }
            }
        }
        Ok(())
    })?;
    write_tx(conn, |conn| -> ApiResult<()> {
        let pending = "status IN ('open', 'in_progress', 'reopened') AND acknowledged_at IS NULL";
        for id in claim_due(conn, "complaints", pending, "next_escalation_at", now)? {
            let row = ComplaintRow::find(conn, id)?;
            let chain = chain_of_person(conn, row.reporter_id)?;
            let deadline = Severity::parse(&row.severity).hours(&settings.ack_deadline_hours);
            let target = escalate(conn, "complaint", id, row.escalation_level, &chain, now)?;
            let level = row.escalation_level + i32::from(target.is_some());
            diesel::update(complaints::table.find(id))
                .set(
                    (
                        complaints::escalation_level.eq(level),
                        complaints::next_escalation_at
                            .eq(target
                                .and_then(|_| next_escalation(now, deadline, level, chain.len()))),
                        complaints::version.eq(complaints::version + 1),
                        complaints::updated_at.eq(now),
                    ),
                )
                .execute(conn)?;
            let complaint = ComplaintRow::find(conn, id)?.present(now);
            match target {
                Some(target) => {
                    let title = format!("Escalated to you, unacknowledged: {}", complaint.title);
                    let to = [target];
                    events::changed_and_notify(
                        conn,
                        now,
                        "complaint.escalated",
                        &complaint,
                        &title,
                        &to,
                    )?;
                    done.complaints += 1;
                }
                None => {
                    events::changed(conn, now, "complaint.updated", &complaint)?;
                }
            }
        }
        Ok(())
    })?;
    write_tx(conn, |conn| -> ApiResult<()> {
        let pending =
            "status IN ('open', 'in_progress', 'reopened') AND overdue_notified_at IS NULL";
        for id in claim_due(conn, "complaints", pending, "resolution_due_at", now)? {
            diesel::update(complaints::table.find(id))
                .set((
                    complaints::overdue_notified_at.eq(Some(now)),
                    complaints::version.eq(complaints::version + 1),
                    complaints::updated_at.eq(now),
                ))
                .execute(conn)?;
            let complaint = ComplaintRow::find(conn, id)?.present(now);
            let chain = chain_of_person(conn, complaint.reporter_id)?;
            let mut told = vec![complaint.assignee_id];
            told.extend(chain.first().copied());
            let title = format!("Complaint overdue: {}", complaint.title);
            events::changed_and_notify(conn, now, "complaint.overdue", &complaint, &title, &told)?;
            done.overdue += 1;
        }
        Ok(())
    })?;
    Ok(done)
}
