//! Users of salestrack: people and machine accounts, each in one org unit.

pub mod api;
pub mod bulk;
pub mod me;
pub mod model;
pub mod write;
