//! One dashboard per time horizon (seed, section 2), each one request within the caller's reach:
//! the day of a salesperson or a team (`daily`), the week of the units a middle manager runs
//! (`weekly`), the month of regions and offices (`monthly`), and the results of the company and
//! its regions for executives (`results`). Every figure comes from the computations the rest of
//! the API answers with (progress, weekly figures, compliance, scorecards, anomalies); nothing
//! is stored. Each dashboard carries the instant it was computed for (`as_of`).

pub mod daily;
pub mod export;
pub mod figures;
pub mod monthly;
pub mod queue;
pub mod results;
pub mod weekly;

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::org::model::OrgUnit;
use crate::progress::actuals::Tree;
use crate::schema::org_units;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(daily::daily_dashboard)
        .service(weekly::weekly_dashboard)
        .service(export::export_monthly_dashboard)
        .service(monthly::monthly_dashboard)
        .service(results::results_dashboard);
}

/// Where a unit stands among the units a dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitPlace {
    /// The unit the dashboard is about (`unit_id`, or one the caller manages, or the company).
    Top,
    /// A unit right below a top unit.
    Below,
}

/// A unit a dashboard shows, with its subtree.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    pub place: UnitPlace,
    /// The unit and every unit below it.
    pub subtree: Vec<Id>,
}

/// The units a dashboard is about: the `unit_id` asked for (404 outside reach), else the units
/// the caller manages (the topmost of them), else the company for company-wide roles.
fn tops(conn: &mut DbConnection, caller: &Caller, unit: Option<Id>) -> ApiResult<Vec<Id>> {
    if let Some(u) = unit {
        if !caller.reach.covers_unit(u) {
            return Err(ApiError::not_found("org unit"));
        }
        return Ok(vec![OrgUnit::find(conn, u)?.id]);
    }
    if caller.reach.all {
        return Ok(OrgUnit::root(conn)?.map(|u| u.id).into_iter().collect());
    }
    // A managed unit inside another managed unit's subtree is shown below that one.
    let managed = &caller.reach.managed_unit_ids;
    let parents: HashMap<Id, Option<Id>> = org_units::table
        .filter(org_units::id.eq_any(managed))
        .select((org_units::id, org_units::parent_id))
        .load::<(Id, Option<Id>)>(conn)?
        .into_iter()
        .collect();
    Ok(managed
        .iter()
        .copied()
        .filter(|u| {
            parents
                .get(u)
                .copied()
                .flatten()
                .is_none_or(|p| !caller.reach.unit_ids.contains(&p))
        })
        .collect())
}

/// The units a dashboard shows, in order: each top unit (see [`tops`]) followed by the units
/// right below it, by name; with the org tree they were found in.
pub fn shown(
    conn: &mut DbConnection,
    caller: &Caller,
    unit: Option<Id>,
) -> ApiResult<(Tree, Vec<Shown>)> {
    let tree = Tree::load(conn)?;
    let tops = tops(conn, caller, unit)?;
    let mut ids: Vec<Id> = tops.clone();
    for t in &tops {
        ids.extend(tree.children(*t).iter().copied());
    }
    let rows: HashMap<Id, (String, Option<Id>)> = org_units::table
        .filter(org_units::id.eq_any(&ids))
        .select((org_units::id, org_units::name, org_units::parent_id))
        .load::<(Id, String, Option<Id>)>(conn)?
        .into_iter()
        .map(|(id, name, parent)| (id, (name, parent)))
        .collect();
    let make = |id: Id, place: UnitPlace| {
        let (name, parent_id) = rows.get(&id).cloned().unwrap_or_default();
        Shown {
            id,
            name,
            parent_id,
            place,
            subtree: tree.subtree(id),
        }
    };
    let mut out = Vec::new();
    for t in tops {
        out.push(make(t, UnitPlace::Top));
        let mut below: Vec<Shown> = tree
            .children(t)
            .iter()
            .map(|c| make(*c, UnitPlace::Below))
            .collect();
        below.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        out.extend(below);
    }
    Ok((tree, out))
}

/// Every unit of the shown units' subtrees, once.
pub fn everywhere(units: &[Shown]) -> Vec<Id> {
    let mut all: Vec<Id> = units
        .iter()
        .flat_map(|u| u.subtree.iter().copied())
        .collect();
    all.sort();
    all.dedup();
    all
}
