//! Dealers (external distributors): placed in an org unit; dealer users are linked to one
//! dealer and see only that dealer's targets and progress.

pub mod api;
pub mod bulk;
pub mod model;
pub mod write;
