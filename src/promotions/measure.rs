//! The sales and costs a promotion's results are computed from, in a few queries: who takes
//! part and who is the control group, the promoted products' sales of both in the measured days
//! and the baseline window, and the costs booked, each summed by salesperson and unit.
//!
//! - *Participants*: the customers named, the customers placed in a unit taking part (or below
//!   it), and the dealers named (a sale through such a dealer takes part whoever bought).
//! - *Control group*: the other customers placed in the territory (the subtree of the
//!   promotion's unit), for sales not through a participating dealer.
//! - A sale counts when its product is promoted or its category is (the ERP's facts carry a
//!   product, a category or both), and when it counts for money under `money_facts_source`
//!   (its reconciliation state, as progress counts it: no sale is counted twice).
//! - A sale and a cost belong to the salesperson on them, and to that person's current unit
//!   (records follow the person); a cost without a salesperson to its dealer's unit, else its
//!   customer's unit, else the promotion's unit.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use super::model::{Links, Row};
use super::uplift::Sums;
use crate::auth::subtree_units;
use crate::db::{DbConnection, Id};
use crate::facts::promotion_costs::costs_by_party;
use crate::facts::reconcile::counted_sales;
use crate::schema::{customers, dealers, sales_facts as sf, users};
use crate::settings::model::Settings;

/// The days a promotion is measured over, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// From the first day up to `as_of` or the last day, whichever comes first.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The as many days just before the first day.
    pub baseline_from: NaiveDate,
    pub baseline_to: NaiveDate,
    pub days: i64,
}

impl Window {
    /// None before the first day.
    pub fn of(row: &Row, as_of: NaiveDate) -> Option<Window> {
        if as_of < row.starts_on {
            return None;
        }
        let to = row.ends_on.min(as_of);
        let days = (to - row.starts_on).num_days() + 1;
        Some(Window {
            from: row.starts_on,
            to,
            baseline_from: row.starts_on - Duration::days(days),
            baseline_to: row.starts_on - Duration::days(1),
            days,
        })
    }
}

/// Everything measured, before names and reach.
#[derive(Debug, Default)]
pub struct Measured {
    pub participants: Sums,
    pub control: Sums,
    pub participant_customers: i64,
    pub control_customers: i64,
    /// The participants' sales by salesperson and by the salesperson's current unit.
    pub by_person: HashMap<Id, Sums>,
    pub by_unit: HashMap<Id, Sums>,
    pub spend: i64,
    pub spend_by_person: HashMap<Id, i64>,
    pub spend_by_unit: HashMap<Id, i64>,
    /// The current unit of every salesperson above.
    pub unit_of: HashMap<Id, Id>,
}

fn add(map: &mut HashMap<Id, Sums>, key: Id, s: Sums) {
    map.entry(key).or_default().add(s);
}

fn add_spend(map: &mut HashMap<Id, i64>, key: Id, amount: i64) {
    let e = map.entry(key).or_insert(0);
    *e = e.saturating_add(amount);
}

/// Sales of the promoted products by (salesperson, customer, dealer): (during, baseline).
type SaleSums = Vec<(Id, Option<Id>, Option<Id>, i64, i64)>;

fn sales(
    conn: &mut DbConnection,
    settings: &Settings,
    w: &Window,
    links: &Links,
    territory: &[Id],
) -> QueryResult<SaleSums> {
    let some = |ids: &[Id]| ids.iter().copied().map(Some).collect::<Vec<_>>();
    let categories: Vec<Option<String>> = links.categories.iter().cloned().map(Some).collect();
    let in_territory = customers::table
        .filter(customers::org_unit_id.eq_any(territory.to_vec()))
        .select(customers::id.nullable());
    let window = |cmp: &str| {
        sql::<BigInt>(&format!("CAST(COALESCE(SUM(CASE WHEN sold_on {cmp} "))
            .bind::<Date, _>(w.from)
            .sql(" THEN revenue_minor ELSE 0 END), 0) AS BIGINT)")
    };
    sf::table
        .filter(sf::sold_on.between(w.baseline_from, w.to))
        .filter(sf::reconciliation.eq_any(counted_sales(settings.money_facts_source)))
        .filter(
            sf::product_id
                .eq_any(some(&links.products))
                .or(sf::category.eq_any(categories)),
        )
        .filter(
            sf::customer_id
                .eq_any(in_territory)
                .or(sf::customer_id.eq_any(some(&links.customers)))
                .or(sf::dealer_id.eq_any(some(&links.dealers))),
        )
        .group_by((sf::salesperson_id, sf::customer_id, sf::dealer_id))
        .select((
            sf::salesperson_id,
            sf::customer_id,
            sf::dealer_id,
            window(">="),
            window("<"),
        ))
        .load(conn)
}

/// Measures a promotion's sales over `w` (none before its first day) and its costs booked up
/// to `as_of` (those before the first day and after the last included).
pub fn measure(
    conn: &mut DbConnection,
    settings: &Settings,
    row: &Row,
    links: &Links,
    w: Option<&Window>,
    as_of: NaiveDate,
) -> QueryResult<Measured> {
    let territory = subtree_units(conn, &[row.org_unit_id])?;
    let taking_part: HashSet<Id> = subtree_units(conn, &links.units)?.into_iter().collect();
    let placed: Vec<(Id, Id)> = customers::table
        .filter(
            customers::org_unit_id
                .eq_any(&territory)
                .or(customers::id.eq_any(&links.customers)),
        )
        .select((customers::id, customers::org_unit_id))
        .load(conn)?;
    let named: HashSet<Id> = links.customers.iter().copied().collect();
    let participant: HashSet<Id> = placed
        .iter()
        .filter(|(id, unit)| named.contains(id) || taking_part.contains(unit))
        .map(|(id, _)| *id)
        .collect();
    let customer_unit: HashMap<Id, Id> = placed.iter().copied().collect();
    let dealers_in: HashSet<Id> = links.dealers.iter().copied().collect();
    let mut m = Measured {
        participant_customers: participant.len() as i64,
        control_customers: (placed.len() - participant.len()) as i64,
        ..Default::default()
    };
    let rows = match w {
        Some(w) => sales(conn, settings, w, links, &territory)?,
        None => Vec::new(),
    };
    let mut people: Vec<Id> = rows.iter().map(|r| r.0).collect();
    let costs = costs_by_party(conn, row.id, as_of)?;
    people.extend(costs.iter().filter_map(|c| c.0));
    people.sort();
    people.dedup();
    m.unit_of = users::table
        .filter(users::id.eq_any(&people))
        .select((users::id, users::org_unit_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect();
    for (person, customer, dealer, during, baseline) in rows {
        let s = Sums { during, baseline };
        let takes_part = dealer.is_some_and(|d| dealers_in.contains(&d))
            || customer.is_some_and(|c| participant.contains(&c));
        if takes_part {
            m.participants.add(s);
            add(&mut m.by_person, person, s);
            if let Some(u) = m.unit_of.get(&person).copied() {
                add(&mut m.by_unit, u, s);
            }
        } else if customer.is_some_and(|c| customer_unit.contains_key(&c)) {
            m.control.add(s);
        }
    }
    let dealer_ids: Vec<Id> = costs.iter().filter_map(|c| c.1).collect();
    let dealer_unit: HashMap<Id, Id> = dealers::table
        .filter(dealers::id.eq_any(&dealer_ids))
        .select((dealers::id, dealers::org_unit_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect();
    let cost_customers: Vec<Id> = costs.iter().filter_map(|c| c.2).collect();
    let more: HashMap<Id, Id> = customers::table
        .filter(customers::id.eq_any(&cost_customers))
        .select((customers::id, customers::org_unit_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect();
    for (person, dealer, customer, amount) in costs {
        m.spend = m.spend.saturating_add(amount);
        if let Some(p) = person {
            add_spend(&mut m.spend_by_person, p, amount);
        }
        let unit = person
            .and_then(|p| m.unit_of.get(&p).copied())
            .or_else(|| dealer.and_then(|d| dealer_unit.get(&d).copied()))
            .or_else(|| customer.and_then(|c| more.get(&c).copied()))
            .unwrap_or(row.org_unit_id);
        add_spend(&mut m.spend_by_unit, unit, amount);
    }
    Ok(m)
}
