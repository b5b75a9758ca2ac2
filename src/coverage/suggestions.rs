//! `GET /api/v1/visit-plans/suggestions`: the customers a salesperson's call cycles make due
//! on a day, the most overdue first and then in a short route from it; and
//! `POST /api/v1/visit-plans/from-suggestions`, which makes them the day's draft plan.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cycle::standing;
use super::model::{owned_by, visit_days, CycleCustomer};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::day;
use crate::http::{with_etag, ValidJson, ValidQuery};
use crate::masterdata::customers::cycle::{parse_time, VisitDay};
use crate::settings::model::{Settings, StoredSettings};
use crate::users::model::UserRow;
use crate::visits::plans::api::{create, CreateVisitPlan, PlannedVisitInput};
use crate::visits::plans::model::VisitPlan;
use crate::visits::{distance_m, Purpose, FIELD_ROLES};
use crate::AppState;

/// Roles that read suggestions: one's own, and a superior those of a salesperson in reach.
const READERS: [Role; 4] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Admin,
];

#[crate::rules]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// The day to plan.
    #[serde(deserialize_with = "day")]
    pub date: NaiveDate,
    /// Whose customers (a salesperson in your reach); default yourself.
    pub owner_id: Option<Id>,
}

/// A customer to visit on the day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitSuggestion {
    /// Place in the route, from 0.
    pub position: usize,
    pub customer_id: Id,
    pub code: String,
    pub name: String,
    /// The days between visits its call cycle asks for.
    pub interval_days: i64,
    pub last_visited_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// Days overdue on the day (0: due that day).
    pub days_overdue: i64,
    #[schema(value_type = Option<VisitDay>)]
    pub preferred_visit_day: Option<String>,
    pub preferred_visit_from: Option<String>,
    pub preferred_visit_to: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Distance from the previous stop of the route, metres (absent for the first, and
    /// without coordinates).
    pub distance_from_previous_m: Option<f64>,
}

/// The suggested visits of one salesperson's day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitSuggestions {
    pub owner_id: Id,
    pub date: NaiveDate,
    /// At most this many (`visit_suggestions_max` in the settings).
    pub max_visits: u32,
    pub items: Vec<VisitSuggestion>,
    /// Due customers left out beyond `max_visits`.
    pub left_out: usize,
}

/// A due customer with its standing on the day.
struct Due {
    customer: CycleCustomer,
    last: Option<NaiveDate>,
    due_on: NaiveDate,
    overdue: i64,
}

/// The due customers of `owner` on `date`, the most overdue first and then routed.
pub fn suggest(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: Id,
    date: NaiveDate,
) -> ApiResult<VisitSuggestions> {
    let customers = owned_by(conn, &[owner], date)?;
    let ids: Vec<Id> = customers.iter().map(|c| c.id).collect();
    let on_the_day = visit_days(conn, &ids, date, date)?;
    let weekday = VisitDay::of(date.weekday());
    let mut due: Vec<Due> = customers
        .into_iter()
        .filter(|c| !on_the_day.contains_key(&c.id))
        .filter_map(|c| {
            let last = c.last_visit;
            let s = standing(c.base(settings), c.interval(), last, date);
            // Due on the day; one that prefers another weekday waits for it unless overdue.
            let waits = c.preferred_day().is_some_and(|d| d != weekday) && s.days_overdue == 0;
            (s.due_on <= date && !waits).then_some(Due {
                customer: c,
                last,
                due_on: s.due_on,
                overdue: s.days_overdue,
            })
        })
        .collect();
    due.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.customer.code.cmp(&b.customer.code))
    });
    let max = settings.visit_suggestions_max;
    let left_out = due.len().saturating_sub(max as usize);
    due.truncate(max as usize);
    Ok(VisitSuggestions {
        owner_id: owner,
        date,
        max_visits: max,
        items: route(due),
        left_out,
    })
}

fn place(c: &CycleCustomer) -> Option<(f64, f64)> {
    c.latitude.zip(c.longitude)
}

/// The stops in a nearest-neighbour route from the first (the most overdue); those without
/// coordinates come last, most overdue first.
fn route(mut due: Vec<Due>) -> Vec<VisitSuggestion> {
    let mut order: Vec<(Due, Option<f64>)> = Vec::new();
    if !due.is_empty() {
        let first = due.remove(0);
        order.push((first, None));
    }
    let (mut placed, unplaced): (Vec<Due>, Vec<Due>) =
        due.into_iter().partition(|d| place(&d.customer).is_some());
    while let Some(at) = order.last().and_then(|(d, _)| place(&d.customer)) {
        let nearest = placed
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                place(&d.customer).map(|(lat, lon)| (i, distance_m(at.0, at.1, lat, lon)))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((i, metres)) = nearest else { break };
        order.push((placed.remove(i), Some((metres * 10.0).round() / 10.0)));
    }
    // A first stop without coordinates leaves the placed ones in overdue order.
    order.extend(placed.into_iter().map(|d| (d, None)));
    order.extend(unplaced.into_iter().map(|d| (d, None)));
    order
        .into_iter()
        .enumerate()
        .map(|(position, (d, metres))| VisitSuggestion {
            position,
            customer_id: d.customer.id,
            code: d.customer.code.clone(),
            name: d.customer.name.clone(),
            interval_days: d.customer.interval(),
            last_visited_on: d.last,
            due_on: d.due_on,
            days_overdue: d.overdue,
            preferred_visit_day: d.customer.preferred_visit_day.clone(),
            preferred_visit_from: d.customer.preferred_visit_from.clone(),
            preferred_visit_to: d.customer.preferred_visit_to.clone(),
            latitude: d.customer.latitude,
            longitude: d.customer.longitude,
            distance_from_previous_m: metres,
        })
        .collect()
}

/// Whose suggestions a caller reads: their own, or a salesperson's in their reach (404
/// otherwise, like any record).
fn owner_of(conn: &mut DbConnection, caller: &Caller, owner: Option<Id>) -> ApiResult<Id> {
    let Some(owner) = owner.filter(|o| *o != caller.user_id) else {
        return Ok(caller.user_id);
    };
    match UserRow::by_ids(conn, &[owner])?.pop() {
        Some(u) if caller.reaches(u.id, u.org_unit_id) => Ok(u.id),
        _ => Err(ApiError::not_found("user")),
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_visit_suggestions)
        .service(plan_from_suggestions);
}

/// The customers due or overdue on a day by their call cycles: the most overdue first, then a
/// nearest-neighbour route from it over the customers' coordinates, at most
/// `visit_suggestions_max` (settings). A customer that prefers another weekday is left for it
/// unless overdue; one visited that day already is left out.
#[utoipa::path(tag = "visit-plans", operation_id = "get_visit_suggestions", params(SuggestionQuery),
    responses((status = 200, description = "The suggested visits", body = VisitSuggestions),
        (status = 404, description = "No such salesperson, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/visit-plans/suggestions")]
pub async fn get_visit_suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<SuggestionQuery>,
) -> ApiResult<web::Json<VisitSuggestions>> {
    caller.require(&READERS)?;
    let q = query.0;
    let found = state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let owner = owner_of(conn, &caller, q.owner_id)?;
            suggest(conn, &settings, owner, q.date)
        })
        .await?;
    Ok(web::Json(found))
}

/// The day's suggestions to turn into a plan.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanFromSuggestions {
    /// The day to plan (one plan per person and day).
    #[serde(deserialize_with = "day")]
    pub plan_date: NaiveDate,
    /// The purpose of every visit; default `ordering`.
    pub purpose: Option<Purpose>,
    #[validate(length(max = 5000))]
    pub notes: Option<String>,
}

/// An instant of `date` at a local `HH:MM`.
fn local(settings: &Settings, date: NaiveDate, hhmm: Option<&str>) -> Option<Timestamp> {
    let time = parse_time(hhmm?)?;
    let at = settings
        .tz()
        .from_local_datetime(&date.and_time(time))
        .earliest()?;
    Some(Timestamp::from(at.to_utc()))
}

/// Make your draft plan for a day from its suggestions, in their order: each customer with
/// its preferred time window, the purpose given (default `ordering`) and its call cycle in
/// the notes. A second plan for the day is 409.
#[utoipa::path(tag = "visit-plans", operation_id = "plan_from_suggestions", request_body = PlanFromSuggestions,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "The draft plan", body = VisitPlan)))]
#[post("/visit-plans/from-suggestions")]
pub async fn plan_from_suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PlanFromSuggestions>,
) -> ApiResult<HttpResponse> {
    caller.require(&FIELD_ROLES)?;
    let b = body.0;
    let now = state.clock.now();
    let plan = state
        .write(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let found = suggest(conn, &settings, caller.user_id, b.plan_date)?;
            let purpose = b.purpose.unwrap_or(Purpose::Ordering);
            let visits = found
                .items
                .iter()
                .map(|s| PlannedVisitInput {
                    customer_id: Some(s.customer_id),
                    prospect_name: None,
                    area: None,
                    planned_start: local(&settings, b.plan_date, s.preferred_visit_from.as_deref()),
                    planned_end: local(&settings, b.plan_date, s.preferred_visit_to.as_deref()),
                    purpose,
                    expected_result: None,
                    notes: Some(match s.days_overdue {
                        0 => format!("Call cycle: due today (every {} days)", s.interval_days),
                        n => format!(
                            "Call cycle: {n} days overdue (every {} days)",
                            s.interval_days
                        ),
                    }),
                })
                .collect();
            let body = CreateVisitPlan {
                plan_date: b.plan_date,
                notes: b.notes.clone(),
                visits,
            };
            create(conn, &caller, &body, now)
        })
        .await?;
    let mut res = with_etag(StatusCode::CREATED, &plan, plan.version);
    if let Ok(v) = format!("/api/v1/visit-plans/{}", plan.id).parse() {
        res.headers_mut()
            .insert(actix_web::http::header::LOCATION, v);
    }
    Ok(res)
}
