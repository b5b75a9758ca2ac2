//! The shared HTTP mechanisms every area uses: validated JSON and query input, cursor
//! pagination, ETags and `If-Match`, `Idempotency-Key`, problem responses for everything
//! the framework itself rejects, and the HTTP conventions (CORS, HEAD, 304, Allow, caching).

pub mod conventions;
pub mod date;
pub mod etag;
pub mod idempotency;
pub mod input;
pub mod location;
pub mod pagination;
pub mod problems;
pub mod sync;

pub use etag::{with_etag, IfMatch};
pub use input::{ValidJson, ValidQuery};
pub use pagination::{Cursor, PageParams};
pub use sync::SinceParams;
