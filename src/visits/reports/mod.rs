//! Daily visit reports: one per person per day, submitted (on time or late), reviewed or
//! returned by a superior, and turned into facts when submitted.

pub mod achievement;
pub mod actions;
pub mod api;
pub mod facts;
pub mod input;
pub mod model;
pub mod orders;
pub mod view;

pub use model::effective_visits;
