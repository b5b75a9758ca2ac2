//! Market reports (the "market status reflection form"): what a salesperson learns in the field
//! that superiors must know fast.

pub mod api;
pub mod model;
