//! Scorecards: each salesperson of a unit for a month or quarter, on one line: target
//! achievement, visit efficiency, report timeliness and quality, a rank and flags; and the
//! weekly-report timeliness of the unit's supervisors and managers.

pub mod api;
pub mod export;
pub mod model;
pub mod supervisors;
