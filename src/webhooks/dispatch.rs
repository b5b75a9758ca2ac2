//! Delivers due webhook deliveries: claims them with a lease (so several instances never send
//! the same one at once, and a crashed sender's claim runs out), renewed for each send so that
//! a slow batch never outlives its claim, sends them signed, and records
//! the outcome with exponential backoff.

use chrono::Duration;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::types::{Tstz, Uid};
use crate::db::{write_tx, Backend, DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::schema::{outbox_events as ev, webhook_deliveries as wd, webhooks as wh};
use crate::AppState;

/// Attempts before a delivery is given up (it can still be redelivered by hand).
pub const MAX_ATTEMPTS: i32 = 12;
const BATCH: i32 = 50;

/// How long a claimed delivery is reserved for its sender: twice the longest a delivery may
/// take, so the send and the recording of its outcome both fit.
fn lease(timeout: std::time::Duration) -> Duration {
    Duration::milliseconds(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX / 4) * 2)
}

/// Wait before attempt `attempts + 1`: 10 s, 20 s, 40 s ... at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    Duration::seconds((10i64 << exp).min(3600))
}

/// The signature header value for a body sent at `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Uid)]
    id: Id,
}

struct Job {
    id: Id,
    url: String,
    secret: String,
    event_id: Id,
    event_type: String,
    payload: String,
    attempts: i32,
    /// Until when this sender's claim on the delivery runs.
    claimed_until: Timestamp,
}

fn claim(conn: &mut DbConnection, now: Timestamp, lease: Duration) -> ApiResult<Vec<Job>> {
    write_tx(conn, |conn| {
        let (p1, p2, lock) = match conn.backend() {
            Backend::Postgres => ("$1", "$2", " FOR UPDATE SKIP LOCKED"),
            Backend::Sqlite => ("?", "?", ""),
        };
        let sql = format!(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= {p1} \
             ORDER BY next_attempt_at LIMIT {p2}{lock}"
        );
        let ids: Vec<Id> = diesel::sql_query(sql)
            .bind::<Tstz, _>(now)
            .bind::<Integer, _>(BATCH)
            .load::<IdRow>(conn)?
            .into_iter()
            .map(|r| r.id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let claimed_until = Timestamp(now.0 + lease);
        diesel::update(wd::table.filter(wd::id.eq_any(&ids)))
            .set(wd::next_attempt_at.eq(claimed_until))
            .execute(conn)?;
        let rows: Vec<(Id, String, String, Id, String, String, i32)> = wd::table
            .inner_join(wh::table)
            .inner_join(ev::table)
            .filter(wd::id.eq_any(&ids))
            .select((
                wd::id,
                wh::url,
                wh::secret,
                ev::id,
                ev::event_type,
                ev::payload,
                wd::attempts,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, url, secret, event_id, event_type, payload, attempts)| Job {
                    id,
                    url,
                    secret,
                    event_id,
                    event_type,
                    payload,
                    attempts,
                    claimed_until,
                },
            )
            .collect())
    })
}

/// Claims one delivery of the batch anew for its own send: a lease from now. False when the
/// batch's claim ran out meanwhile and another sender took it (it moved `next_attempt_at`
/// past ours, or recorded an attempt).
fn renew(
    conn: &mut DbConnection,
    job: &mut Job,
    now: Timestamp,
    lease: Duration,
) -> QueryResult<bool> {
    let until = Timestamp(now.0 + lease);
    let n = diesel::update(
        wd::table
            .find(job.id)
            .filter(wd::status.eq("pending"))
            .filter(wd::attempts.eq(job.attempts))
            .filter(wd::next_attempt_at.le(job.claimed_until)),
    )
    .set(wd::next_attempt_at.eq(until))
    .execute(conn)?;
    job.claimed_until = until;
    Ok(n == 1)
}

/// Sends one delivery; the HTTP status, or the transport error.
fn send(job: &Job, now: Timestamp, timeout: std::time::Duration) -> Result<u16, String> {
    let agent = ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(0)
        .build();
    let result = agent
        .post(&job.url)
        .set("Content-Type", "application/json")
        .set("User-Agent", "salestrack-webhooks/1")
        .set("Salestrack-Event-Id", &job.event_id.to_string())
        .set("Salestrack-Event-Type", &job.event_type)
        .set(
            "Salestrack-Signature",
            &signature(&job.secret, now.0.timestamp(), &job.payload),
        )
        .send_string(&job.payload);
    match result {
        Ok(res) => Ok(res.status()),
        Err(ureq::Error::Status(code, _)) => Ok(code),
        Err(e) => Err(e.to_string()),
    }
}

fn record(
    conn: &mut DbConnection,
    job: &Job,
    outcome: Result<u16, String>,
    now: Timestamp,
) -> QueryResult<()> {
    let attempts = job.attempts + 1;
    let target = wd::table.find(job.id);
    match outcome {
        Ok(code) if (200..300).contains(&code) => diesel::update(target)
            .set((
                wd::status.eq("delivered"),
                wd::attempts.eq(attempts),
                wd::last_status_code.eq(Some(i32::from(code))),
                wd::last_error.eq(None::<String>),
                wd::delivered_at.eq(Some(now)),
                wd::updated_at.eq(now),
            ))
            .execute(conn)?,
        other => {
            let (code, error) = match other {
                Ok(code) => (
                    Some(i32::from(code)),
                    format!("the receiver answered {code}"),
                ),
                Err(e) => (None, e),
            };
            let status = if attempts >= MAX_ATTEMPTS {
                "failed"
            } else {
                "pending"
            };
            diesel::update(target)
                .set((
                    wd::status.eq(status),
                    wd::attempts.eq(attempts),
                    wd::last_status_code.eq(code),
                    wd::last_error.eq(Some(error)),
                    wd::next_attempt_at.eq(Timestamp(now.0 + backoff(attempts))),
                    wd::updated_at.eq(now),
                ))
                .execute(conn)?
        }
    };
    Ok(())
}

/// Delivers everything due now; returns how many were delivered.
pub async fn run(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let timeout = std::time::Duration::from_millis(state.config.webhook_timeout_ms);
    let lease = lease(timeout);
    let jobs = state.db(move |conn| claim(conn, now, lease)).await?;
    let mut delivered = 0;
    for mut job in jobs {
        // The batch's claim covers its first deliveries only; each send is claimed for itself.
        let sent_at = state.clock.now();
        let (renewed, ours) = state
            .db(move |conn| {
                let ours = renew(conn, &mut job, sent_at, lease)?;
                Ok((job, ours))
            })
            .await?;
        if !ours {
            continue;
        }
        let job = renewed;
        let (job, outcome) = actix_web::web::block(move || {
            let outcome = send(&job, sent_at, timeout);
            (job, outcome)
        })
        .await?;
        if matches!(outcome, Ok(code) if (200..300).contains(&code)) {
            delivered += 1;
        } else {
            tracing::warn!(delivery = %job.id, outcome = ?outcome, "webhook delivery failed; will retry");
        }
        let done = state.clock.now();
        state
            .db(move |conn| Ok(record(conn, &job, outcome, done)?))
            .await?;
    }
    Ok(delivered)
}
