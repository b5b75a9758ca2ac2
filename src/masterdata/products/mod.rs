//! Products with their category (product line), list price and unit cost: one catalogue for
//! the whole company.

pub mod api;
pub mod bulk;
pub mod model;
pub mod write;
