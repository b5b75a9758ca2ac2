//! Competitors, referenced from market reports: one list for the whole company.

pub mod api;
pub mod model;
pub mod write;
