//! Callers remembered between requests, so that a read costs one hop to the blocking pool and
//! one statement rather than two of each (issue 12).
//!
//! A remembered caller is used only while it cannot be stale:
//! - Only on PostgreSQL, and only while this instance listens on the channel
//!   [`CHANNEL`]. Triggers (migration `2026-12-22-000001_caller_notifications`) notify it in
//!   the transaction of every statement that can change a caller: a user's role, unit, active
//!   flag or token version; a unit added, moved, deleted or given another manager; a session
//!   revoked or deleted. PostgreSQL delivers the notification when that transaction commits,
//!   to every instance, and each forgets every caller it remembers.
//! - A request of this instance that may write (any method but GET, HEAD and OPTIONS) makes it
//!   forget them all as soon as it has finished, before its answer leaves: a client that logs
//!   out and uses the old token next is refused, whatever the notification's delay.
//! - While the listening connection is down (a database restart), nothing is remembered, and
//!   what was is forgotten on reconnecting.
//! - A caller read from the database while a notification arrived is not remembered (the
//!   generation below), and none is kept longer than [`KEEP`].
//!
//! On SQLite nothing is remembered: its reads are cheap, and no other process would tell.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use diesel::connection::{Instrumentation, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::Connection;

use super::Caller;
use crate::db::{Backend, DbUrl, Id};
use crate::AppState;

/// The notification channel of the triggers.
pub const CHANNEL: &str = "salestrack_callers";

/// The longest a caller is remembered, a bound should a notification ever be missed.
pub const KEEP: Duration = Duration::from_secs(30);

/// How often the listening connection is read for notifications; the delay, at most, before
/// a change made by another instance reaches this one.
const POLL: Duration = Duration::from_millis(5);

/// How often the listening connection is tested with a round trip while no notification comes.
const PING: Duration = Duration::from_secs(1);

/// The wait before reconnecting after the listening connection was lost.
const RECONNECT: Duration = Duration::from_millis(500);

/// At most this many callers are remembered; past it, all are forgotten and remembering starts
/// again.
const CAPACITY: usize = 10_000;

/// The token's user, session and token version: a caller is remembered per access token
/// family, not per token.
pub type Key = (Id, Id, i64);

/// The remembered callers of one instance.
#[derive(Default)]
pub struct Callers {
    entries: Mutex<HashMap<Key, (Caller, Instant)>>,
    /// Counts the forgettings; a caller read before one is not remembered after it.
    generation: AtomicU64,
    /// Whether the instance listens to the channel now, so remembered callers can be used.
    listening: AtomicBool,
}

impl Callers {
    /// Remembers nothing, ever (SQLite).
    pub fn none() -> Arc<Callers> {
        Arc::new(Callers::default())
    }

    /// Remembers callers on PostgreSQL, listening to the channel on a connection of its own in
    /// a thread that ends when the returned value is dropped; on SQLite, [`Callers::none`].
    pub fn for_database(url: &DbUrl) -> Arc<Callers> {
        let callers = Callers::none();
        if url.backend() == Backend::Postgres {
            let weak = Arc::downgrade(&callers);
            let url = url.clone();
            let spawned = std::thread::Builder::new()
                .name("caller-listener".into())
                .spawn(move || listen(&weak, &url));
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "callers are not remembered: no listener thread");
            }
        }
        callers
    }

    /// The caller remembered for `key`, if it may be used.
    pub fn get(&self, key: &Key) -> Option<Caller> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (caller, at) = entries.get(key)?;
        (at.elapsed() < KEEP).then(|| caller.clone())
    }

    /// The generation to give [`Callers::remember`] for a caller about to be read.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers `caller`, read from the database after [`Callers::generation`] gave `seen`,
    /// unless callers were forgotten since.
    pub fn remember(&self, key: Key, caller: &Caller, seen: u64) {
        if !self.listening.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if self.generation.load(Ordering::Acquire) != seen {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, (caller.clone(), Instant::now()));
    }

    /// Forgets every remembered caller, and any being read now.
    pub fn forget_all(&self) {
        // The generation moves under the lock, so a caller read before cannot slip in after.
        let entries = self.entries.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = entries {
            entries.clear();
        }
    }

    fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Release);
        self.forget_all();
    }
}

/// The listener thread: connects, listens, forgets on every notification, and stops
/// remembering while the connection is down; ends when the callers are dropped.
fn listen(callers: &Weak<Callers>, url: &DbUrl) {
    while callers.strong_count() > 0 {
        match listening_connection(url) {
            Ok(mut conn) => {
                if let Some(c) = callers.upgrade() {
                    c.set_listening(true);
                }
                let lost = watch(callers, &mut conn);
                if let Some(c) = callers.upgrade() {
                    c.set_listening(false);
                }
                match lost {
                    Some(e) => tracing::warn!(error = %e, "caller listener lost its connection"),
                    None => return,
                }
            }
            Err(e) => tracing::debug!(error = %e, "caller listener cannot connect"),
        }
        std::thread::sleep(RECONNECT);
    }
}

fn listening_connection(url: &DbUrl) -> anyhow::Result<PgConnection> {
    let mut conn = PgConnection::establish(url.as_str())?;
    // Its round trips belong to the instance, not to a request: they stay out of whatever the
    // process's default instrumentation counts.
    conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
    conn.batch_execute(&format!(
        "SET application_name = 'salestrack caller listener'; LISTEN {CHANNEL}"
    ))?;
    Ok(conn)
}

/// Reads notifications until the connection fails (its error) or the callers are dropped.
fn watch(callers: &Weak<Callers>, conn: &mut PgConnection) -> Option<diesel::result::Error> {
    let mut pinged = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let callers = callers.upgrade()?;
        let mut notified = false;
        for n in conn.notifications_iter() {
            match n {
                Ok(_) => notified = true,
                Err(e) => return Some(e),
            }
        }
        if notified {
            callers.forget_all();
        } else if pinged.elapsed() >= PING {
            if let Err(e) = conn.batch_execute("SELECT 1") {
                return Some(e);
            }
            pinged = Instant::now();
        }
    }
}

/// Middleware: once a request that may have written (any method but GET, HEAD and OPTIONS)
/// has finished, and before its answer leaves, this instance forgets the callers it
/// remembers, so that its own changes apply to the very next request.
pub async fn forget_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = writes
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let res = next.call(req).await;
    if let Some(state) = state {
        state.callers.forget_all();
    }
    res
}
