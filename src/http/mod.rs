//! The shared HTTP mechanisms every area uses: validated JSON and query input, cursor
//! pagination, ETags and `If-Match`, `Idempotency-Key`, and problem responses for everything
//! the framework itself rejects.

pub mod date;
pub mod etag;
pub mod idempotency;
pub mod input;
pub mod pagination;
pub mod problems;

pub use etag::{with_etag, IfMatch};
pub use input::{ValidJson, ValidQuery};
pub use pagination::{Cursor, PageParams};
