//! Customers (outlets, accounts): owned by a salesperson, placed in an org unit. A salesperson
//! reads their own, a supervisor or manager those of their subtree.

pub mod api;
pub mod bulk;
pub mod cycle;
pub mod model;
pub mod write;
