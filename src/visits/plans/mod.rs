//! Daily visit plans: one per person per day, submitted to and signed by a superior.

pub mod actions;
pub mod api;
pub mod model;
