//! Customer complaints (the "customer complaint handling report"): assigned, worked, resolved
//! and closed, with deadlines to acknowledge and to resolve.

pub mod actions;
pub mod api;
pub mod model;
