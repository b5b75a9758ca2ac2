//! `?updated_since=`: the incremental-sync filter every list of stored rows takes.
//!
//! A sync client remembers when it last pulled and asks for what changed since; lists keep
//! their id order, so paging through the answer with `cursor` never skips a row. Archives are
//! changes too: a list with archived rows shows them under `updated_since` unless
//! `include_archived=false` is asked for explicitly.

use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::db::Timestamp;

/// The sync filter of every list.
#[crate::rules]
#[derive(Debug, Default, Clone, Copy, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SinceParams {
    /// Only rows changed (created, updated, archived or restored) at or after this instant, an
    /// RFC 3339 timestamp such as `2026-12-01T08:00:00Z`; compared with each row's
    /// `updated_at`. Archived rows are included unless `include_archived=false` is given.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<Timestamp>,
}

impl SinceParams {
    /// Whether a list with archived rows shows them: as asked, else only when syncing, so that
    /// `updated_since` alone never hides an archive.
    pub fn include_archived(&self, asked: Option<bool>) -> bool {
        asked.unwrap_or(self.updated_since.is_some())
    }
}

/// Keeps the rows of the boxed query `$q` whose `$column` is at or after `$since` (an
/// `Option<Timestamp>`); a no-op without one. The filter is SQL (`updated_at >= ?`).
#[macro_export]
macro_rules! filter_updated_since {
    ($q:ident, $column:expr, $since:expr) => {
        if let Some(since) = $since {
            $q = $q.filter($column.ge(since));
        }
    };
}
