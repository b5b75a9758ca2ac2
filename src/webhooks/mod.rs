//! Webhooks for integrators: every event, delivered from the outbox as signed JSON, retried
//! with backoff until the receiver takes it.

pub mod api;
pub mod dispatch;
pub mod model;
