//! What a planner sends for a promotion, and the checks that make it a plan: the period, a
//! territory in the planner's reach, participants inside it, something to promote, targets in
//! reach. Every problem names its field (`customer_ids[2]`).

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::model::Links;
use super::PromotionKind;
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::date::{day, opt_day};
use crate::http::input::double_option;
use crate::schema::{customers, dealers, org_units, products};
use crate::targets::model::Target;

/// The longest a promotion may run.
pub const MAX_DAYS: i64 = 366;

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePromotion {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: PromotionKind,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    /// The unit it belongs to (in your reach); its subtree is the territory. It never changes.
    pub org_unit_id: Id,
    /// First day.
    #[serde(deserialize_with = "day")]
    pub starts_on: NaiveDate,
    /// Last day (inclusive): not before `starts_on`, at most 366 days after.
    #[serde(deserialize_with = "day")]
    pub ends_on: NaiveDate,
    /// Minor units.
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub budget_minor: i64,
    /// The uplift planned, in percent over the baseline (see the results).
    #[validate(range(min = 0.0, max = 1000.0))]
    pub expected_uplift_pct: f64,
    /// Units taking part, each with its whole subtree (inside the territory).
    #[validate(length(max = 100))]
    #[serde(default)]
    pub unit_ids: Vec<Id>,
    /// Dealers taking part (placed in the territory).
    #[validate(length(max = 500))]
    #[serde(default)]
    pub dealer_ids: Vec<Id>,
    /// Customers taking part (placed in the territory).
    #[validate(length(max = 1000))]
    #[serde(default)]
    pub customer_ids: Vec<Id>,
    /// Products promoted; give products, categories or both.
    #[validate(length(max = 500))]
    #[serde(default)]
    pub product_ids: Vec<Id>,
    /// Categories promoted (as on products), 1 to 100 characters each.
    #[validate(length(max = 50))]
    #[serde(default)]
    pub categories: Vec<String>,
    /// Targets it supports (in your reach).
    #[validate(length(max = 50))]
    #[serde(default)]
    pub target_ids: Vec<Id>,
}

/// Changes to a draft; a list, when given, replaces the stored one.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePromotion {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    pub kind: Option<PromotionKind>,
    /// A new description, or `null` to clear it.
    #[validate(length(max = 5000))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "opt_day")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_day")]
    pub ends_on: Option<NaiveDate>,
    #[validate(range(min = 0i64, max = 1_000_000_000_000i64))]
    pub budget_minor: Option<i64>,
    #[validate(range(min = 0.0, max = 1000.0))]
    pub expected_uplift_pct: Option<f64>,
    #[validate(length(max = 100))]
    pub unit_ids: Option<Vec<Id>>,
    #[validate(length(max = 500))]
    pub dealer_ids: Option<Vec<Id>>,
    #[validate(length(max = 1000))]
    pub customer_ids: Option<Vec<Id>>,
    #[validate(length(max = 500))]
    pub product_ids: Option<Vec<Id>>,
    #[validate(length(max = 50))]
    pub categories: Option<Vec<String>>,
    #[validate(length(max = 50))]
    pub target_ids: Option<Vec<Id>>,
}

/// A plan after the checks.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub kind: PromotionKind,
    pub description: Option<String>,
    pub org_unit_id: Id,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_minor: i64,
    pub expected_uplift_pct: f64,
    pub links: Links,
}

impl CreatePromotion {
    pub fn into_plan(self) -> Plan {
        Plan {
            name: self.name.trim().to_string(),
            kind: self.kind,
            description: self.description,
            org_unit_id: self.org_unit_id,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            budget_minor: self.budget_minor,
            expected_uplift_pct: self.expected_uplift_pct,
            links: Links {
                units: self.unit_ids,
                dealers: self.dealer_ids,
                customers: self.customer_ids,
                products: self.product_ids,
                categories: self.categories,
                targets: self.target_ids,
            },
        }
    }
}

impl UpdatePromotion {
    /// The stored plan with these changes laid over it.
    pub fn apply(self, mut plan: Plan) -> Plan {
        let l = &mut plan.links;
        if let Some(v) = self.name {
            plan.name = v.trim().to_string();
        }
        if let Some(v) = self.kind {
            plan.kind = v;
        }
        if let Some(v) = self.description {
            plan.description = v;
        }
        if let Some(v) = self.starts_on {
            plan.starts_on = v;
        }
        if let Some(v) = self.ends_on {
            plan.ends_on = v;
        }
        if let Some(v) = self.budget_minor {
            plan.budget_minor = v;
        }
        if let Some(v) = self.expected_uplift_pct {
            plan.expected_uplift_pct = v;
        }
        if let Some(v) = self.unit_ids {
            l.units = v;
        }
        if let Some(v) = self.dealer_ids {
            l.dealers = v;
        }
        if let Some(v) = self.customer_ids {
            l.customers = v;
        }
        if let Some(v) = self.product_ids {
            l.products = v;
        }
        if let Some(v) = self.categories {
            l.categories = v;
        }
        if let Some(v) = self.target_ids {
            l.targets = v;
        }
        plan
    }
}

fn dedup<T: Clone + Eq + std::hash::Hash>(v: &mut Vec<T>) {
    let mut seen = HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// Names each of `ids` that is not in `ok` as `field[i]`.
fn outside(errors: &mut Vec<FieldError>, field: &str, ids: &[Id], ok: &HashSet<Id>, msg: &str) {
    for (i, id) in ids.iter().enumerate() {
        if !ok.contains(id) {
            errors.push(FieldError::new(format!("{field}[{i}]"), msg));
        }
    }
}

/// Checks a plan against the stored data and the caller's reach; all problems at once (422).
/// The lists come back without duplicates and the categories trimmed.
pub fn check(conn: &mut DbConnection, caller: &Caller, mut plan: Plan) -> ApiResult<Plan> {
    let mut errors = Vec::new();
    let bad = |errors: &mut Vec<FieldError>, f: &str, m: &str| {
        errors.push(FieldError::new(f, m));
    };
    if plan.name.is_empty() {
        bad(&mut errors, "name", "must not be blank");
    }
    if plan.ends_on < plan.starts_on {
        bad(&mut errors, "ends_on", "must not be before starts_on");
    } else if (plan.ends_on - plan.starts_on).num_days() >= MAX_DAYS {
        bad(&mut errors, "ends_on", "a promotion runs at most 366 days");
    }
    let unit_exists = org_units::table
        .find(plan.org_unit_id)
        .select(org_units::id)
        .first::<Id>(conn)
        .optional()?
        .is_some();
    if !unit_exists {
        return Err(ApiError::invalid("org_unit_id", "no such org unit"));
    }
    if !caller.reach.covers_unit(plan.org_unit_id) {
        return Err(ApiError::invalid("org_unit_id", "outside your reach"));
    }
    let territory = subtree_units(conn, &[plan.org_unit_id])?;
    let l = &mut plan.links;
    dedup(&mut l.units);
    dedup(&mut l.dealers);
    dedup(&mut l.customers);
    dedup(&mut l.products);
    dedup(&mut l.targets);
    for c in l.categories.iter_mut() {
        *c = c.trim().to_string();
    }
    dedup(&mut l.categories);
    let units: HashSet<Id> = territory.iter().copied().collect();
    let inside = "not in the promotion's territory (the subtree of org_unit_id)";
    outside(&mut errors, "unit_ids", &l.units, &units, inside);
    let dealers_ok: HashSet<Id> = dealers::table
        .filter(dealers::id.eq_any(&l.dealers))
        .filter(dealers::org_unit_id.eq_any(&territory))
        .select(dealers::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    outside(&mut errors, "dealer_ids", &l.dealers, &dealers_ok, inside);
    let customers_ok: HashSet<Id> = customers::table
        .filter(customers::id.eq_any(&l.customers))
        .filter(customers::org_unit_id.eq_any(&territory))
        .select(customers::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    outside(
        &mut errors,
        "customer_ids",
        &l.customers,
        &customers_ok,
        inside,
    );
    if l.units.is_empty() && l.dealers.is_empty() && l.customers.is_empty() {
        bad(
            &mut errors,
            "unit_ids",
            "name the units, dealers or customers taking part",
        );
    }
    let products_ok: HashSet<Id> = products::table
        .filter(products::id.eq_any(&l.products))
        .select(products::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    outside(
        &mut errors,
        "product_ids",
        &l.products,
        &products_ok,
        "no such product",
    );
    for (i, c) in l.categories.iter().enumerate() {
        if c.is_empty() || c.chars().count() > 100 {
            bad(
                &mut errors,
                &format!("categories[{i}]"),
                "must be 1 to 100 characters",
            );
        }
    }
    if l.products.is_empty() && l.categories.is_empty() {
        bad(
            &mut errors,
            "product_ids",
            "name the products or categories promoted",
        );
    }
    let targets_ok: HashSet<Id> = Target::in_reach(conn, caller)?
        .filter(crate::schema::targets::id.eq_any(l.targets.clone()))
        .select(crate::schema::targets::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect();
    outside(
        &mut errors,
        "target_ids",
        &l.targets,
        &targets_ok,
        "no such target in your reach",
    );
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}
