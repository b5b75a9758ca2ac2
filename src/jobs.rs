//! The background work of a server: escalations, overdue complaints, missing daily and weekly
//! reports, changes of target status, promotions starting and completing, webhook deliveries
//! and housekeeping. Every instance runs it; the work is claimed row
//! by row, so instances share it without doing anything twice.

use std::time::Duration;

use crate::alerts::escalation::{self, Escalated};
use crate::db::{write_tx, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub escalated: Escalated,
    pub delivered: usize,
    /// Missing daily reports announced to supervisors.
    pub missing_reports: usize,
    /// Missing weekly reports announced to their writers and the managers above.
    pub missing_weekly_reports: usize,
    /// Changes of a target's progress status announced (`target.status_changed`).
    pub target_status_changes: usize,
    /// Promotions that started running or completed (`promotion.started`, `.completed`).
    pub promotions_moved: usize,
}

/// Runs `work` in a write transaction that does it at most once across instances: `work` first
/// writes a row keyed by what it announces, so a unique violation means another instance did
/// it already (false).
pub fn once(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> ApiResult<()>,
) -> ApiResult<bool> {
    match write_tx(conn, work) {
        Ok(()) => Ok(true),
        Err(ApiError::Conflict { .. } | ApiError::Duplicate { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One pass at the state's clock.
pub async fn tick(state: &AppState) -> ApiResult<Tick> {
    let now = state.clock.now();
    let escalated = state
        .analytic(move |conn| escalation::run(conn, now))
        .await?;
    let missing_reports = state
        .analytic(move |conn| crate::visits::missing::run(conn, now))
        .await?;
    let missing_weekly_reports = state
        .analytic(move |conn| crate::weekly::missing::run(conn, now))
        .await?;
    let target_status_changes = state
        .analytic(move |conn| crate::progress::status::run(conn, now))
        .await?;
    let promotions_moved = state
        .analytic(move |conn| crate::promotions::lifecycle::run(conn, now))
        .await?;
    let delivered = crate::webhooks::dispatch::run(state).await?;
    // Positions for what was committed since the last pass, so that the feed's head moves
    // even when nobody reads it.
    state
        .db(|conn| Ok(crate::changes::sequencer::run(conn)?))
        .await?;
    Ok(Tick {
        escalated,
        delivered,
        missing_reports,
        missing_weekly_reports,
        target_status_changes,
        promotions_moved,
    })
}

/// Runs `tick` every `every`, and the housekeeping every few minutes, until the server stops.
pub fn spawn(state: AppState, every: Duration) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut interval = tokio::time::interval(every);
        let mut last_housekeeping = std::time::Instant::now();
        loop {
            interval.tick().await;
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "background pass failed; will retry");
            }
            if last_housekeeping.elapsed() > Duration::from_secs(300) {
                last_housekeeping = std::time::Instant::now();
                crate::ops::housekeeping(&state).await;
            }
        }
    })
}
