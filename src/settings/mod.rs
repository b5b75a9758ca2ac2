//! Company settings: currency, time zone, cutoffs and the thresholds of later areas.

pub mod api;
pub mod model;

pub use model::Settings;
