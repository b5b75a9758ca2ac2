//! Cursor pagination: `?limit=&cursor=`, answered as `{ "items": [...], "next_cursor": ... }`.
//!
//! Lists are ordered by id (UUID v7, so creation order); the cursor is the last id of a page,
//! encoded so that clients treat it as opaque.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::db::Id;
use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Paging parameters of every list.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
}

/// A decoded page request.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub after: Option<Id>,
    pub limit: i64,
}

impl PageParams {
    pub fn cursor(&self) -> Result<Cursor, ApiError> {
        let after = match &self.cursor {
            None => None,
            Some(c) if c.is_empty() => None,
            Some(c) => Some(decode(c).ok_or_else(|| {
                ApiError::invalid("cursor", "not a cursor returned by this list")
            })?),
        };
        Ok(Cursor {
            after,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        })
    }
}

fn decode(cursor: &str) -> Option<Id> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("id:")?.parse().ok()
}

fn encode(id: Id) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

impl Cursor {
    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and computes the next cursor.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> Id,
    ) -> (Vec<T>, Option<String>) {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|r| encode(id_of(r)))
        } else {
            None
        };
        (rows, next)
    }
}

/// Declares the page type of a list (`{ items, next_cursor }`) as a named schema.
#[macro_export]
macro_rules! page_type {
    ($name:ident, $item:ty) => {
        #[doc = concat!("A page of ", stringify!($item), " items.")]
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }
    };
}
