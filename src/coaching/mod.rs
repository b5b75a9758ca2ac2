//! Coaching: individual or collective interviews with salespeople, their action items, and the
//! list of flagged salespeople who have not been coached lately.

pub mod api;
pub mod demo;
pub mod model;
pub mod needed;
