//! Progress against targets: actual, achievement, expected by now, gap, run-rate forecast and
//! a status, for one target or many, computed set-based from the facts; and the background pass
//! that announces a target's change of status.

pub mod actuals;
pub mod api;
pub mod model;
pub mod status;
pub mod sums;
