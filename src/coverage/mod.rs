//! Call cycles (how often each customer must be visited) and what follows from them: the
//! coverage of a period (customers due, visited within their cycle, overdue), the day's
//! suggested visits and a draft plan made of them (docs/call-cycles.md). The cycle itself is
//! master data of the customer (`masterdata::customers::cycle`).

pub mod api;
pub mod cycle;
pub mod model;
pub mod suggestions;

/// The routes of the area; the suggestions before `/visit-plans/{id}`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(api::routes).configure(suggestions::routes);
}
