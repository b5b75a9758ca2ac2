//! The org tree: company -> regions -> offices/areas, each with an optional manager.

pub mod api;
pub mod model;
