//! Sales meetings (morning, evening, weekly): attendance, minutes, and remote reports from
//! people who cannot attend.

pub mod api;
pub mod demo;
pub mod model;
