//! The moves of promotions in time, made by the background pass of every instance: an approved
//! promotion is `running` from its first day, and an approved or running one is `completed`
//! after its last (days in the company time zone). Each move is a conditional update of the
//! version, so however many instances run the pass, each promotion moves once, as one change
//! feed entry and one webhook event (`promotion.started`, `promotion.completed`).
//!
//! Stored rather than computed on every read: a mirror or a webhook receiver learns that a
//! promotion started or ended only from a change, and the `ETag` of a promotion must move when
//! what `GET` shows does. The cost is a lag of at most one pass (`JOBS_INTERVAL_MS`) after
//! midnight; approving a promotion whose first day has come makes it running at once.

use diesel::prelude::*;

use super::model::{self, Row};
use super::PromotionStatus;
use crate::db::{write_tx, DbConnection, Timestamp};
use crate::error::ApiResult;
use crate::schema::promotions as pr;
use crate::settings::model::StoredSettings;
use crate::visits::business_day;

/// Moves every promotion that is due; returns how many moved.
pub fn run(conn: &mut DbConnection, now: Timestamp) -> ApiResult<usize> {
    let today = business_day(&StoredSettings::load(conn)?.settings, now);
    let approved = PromotionStatus::Approved.as_str();
    let running = PromotionStatus::Running.as_str();
    let due: Vec<Row> = pr::table
        .filter(
            pr::status
                .eq(approved)
                .and(pr::starts_on.le(today))
                .or(pr::status
                    .eq_any([approved, running])
                    .and(pr::ends_on.lt(today))),
        )
        .order(pr::id)
        .select(Row::as_select())
        .load(conn)?;
    let mut moved = 0;
    for row in due {
        let (next, event) = if row.ends_on < today {
            (PromotionStatus::Completed, "promotion.completed")
        } else {
            (PromotionStatus::Running, "promotion.started")
        };
        let done = write_tx(conn, |conn| -> ApiResult<bool> {
            let n = diesel::update(
                pr::table
                    .filter(pr::id.eq(row.id))
                    .filter(pr::version.eq(row.version)),
            )
            .set((
                pr::status.eq(next.as_str()),
                pr::started_at.eq(row.started_at.or(Some(now))),
                pr::completed_at.eq((next == PromotionStatus::Completed).then_some(now)),
                pr::version.eq(pr::version + 1),
                pr::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                // Another instance moved it, or someone changed it meanwhile: the next pass
                // looks again.
                return Ok(false);
            }
            let promotion = model::load(conn, row.id)?;
            crate::events::changed(conn, now, event, &promotion)?;
            Ok(true)
        })?;
        moved += usize::from(done);
    }
    Ok(moved)
}
