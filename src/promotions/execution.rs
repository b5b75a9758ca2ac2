//! The visits of a daily report that say they executed a promotion (a display set up, samples
//! handed out): the promotion must be one the reporter reads, approved and not cancelled, its
//! period must hold the report's day, and the visited customer must take part in it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{in_reach, links_of, Row};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::FieldError;
use crate::schema::{customers, promotions as pr};

/// One visit naming a promotion: its index in the report, the promotion, the customer.
pub struct Execution {
    pub index: usize,
    pub promotion: Id,
    pub customer: Id,
}

/// Checks the executions of a report of `day`, naming each problem `visits[i].promotion_id`.
pub fn check(
    conn: &mut DbConnection,
    caller: &Caller,
    day: NaiveDate,
    executions: &[Execution],
    errors: &mut Vec<FieldError>,
) -> QueryResult<()> {
    if executions.is_empty() {
        return Ok(());
    }
    let ids: Vec<Id> = executions.iter().map(|e| e.promotion).collect();
    let rows: HashMap<Id, Row> = in_reach(conn, caller)?
        .filter(pr::id.eq_any(ids.clone()))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let links = links_of(conn, &ids)?;
    let visited: Vec<Id> = executions.iter().map(|e| e.customer).collect();
    let placed: HashMap<Id, Id> = customers::table
        .filter(customers::id.eq_any(&visited))
        .select((customers::id, customers::org_unit_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect();
    let mut units_taking_part: HashMap<Id, HashSet<Id>> = HashMap::new();
    for e in executions {
        let field = format!("visits[{}].promotion_id", e.index);
        let Some(row) = rows.get(&e.promotion) else {
            errors.push(FieldError::new(field, "no such promotion in your reach"));
            continue;
        };
        if !row.status().is_live() {
            errors.push(FieldError::new(
                field,
                format!("the promotion is {}, not approved", row.status),
            ));
            continue;
        }
        if day < row.starts_on || day > row.ends_on {
            errors.push(FieldError::new(
                field,
                format!(
                    "the promotion runs from {} to {}, not on {day}",
                    row.starts_on, row.ends_on
                ),
            ));
            continue;
        }
        let l = links.get(&e.promotion).cloned().unwrap_or_default();
        let units = match units_taking_part.get(&e.promotion) {
            Some(u) => u.clone(),
            None => {
                let u: HashSet<Id> = subtree_units(conn, &l.units)?.into_iter().collect();
                units_taking_part.insert(e.promotion, u.clone());
                u
            }
        };
        let takes_part = l.customers.contains(&e.customer)
            || placed.get(&e.customer).is_some_and(|u| units.contains(u));
        if !takes_part {
            errors.push(FieldError::new(
                field,
                "the visited customer does not take part in this promotion",
            ));
        }
    }
    Ok(())
}
