//! Each user's inbox of the events they must know about.

pub mod api;
