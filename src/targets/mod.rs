//! Targets: one number for one metric, one calendar period and one assignee (an org unit, a
//! salesperson or a dealer), broken down into children that must stay inside their parent.

pub mod api;
pub mod breakdown;
pub mod demo;
pub mod model;
pub mod period;
pub mod rules;
pub mod split;
