//! What a submitted report puts into the facts: one `report` sales fact per order line (with
//! its product, category, quantity and cost, so that category targets and gross profit count
//! it), or per visit whose order is an amount without lines (no product, no category, no
//! cost); one `report` payment fact per visit with a collection; and one `report` promotion
//! cost fact per visit that spent on a promotion (`promotions::costs`). Facts are keyed by the
//! line or visit (`daily-report-line:<id>`, `daily-report-visit:<id>`,
//! `daily-report-visit-payment:<id>`, `daily-report-visit-promotion:<id>`), so that no retry or
//! re-submission ever counts one twice, and sales facts carry the visit's order reference,
//! which reconciles them with ERP sales (`facts::reconcile`).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{ReportRow, VisitRow};
use super::orders::{product_terms, OrderLineRow};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::payments::{self, PaymentFactRow};
use crate::facts::reconcile::{self, Ledger};
use crate::facts::sales::{self, SalesFactRow};
use crate::facts::FactSource;
use crate::masterdata::customers;
use crate::schema::report_visits;
use crate::visits::Purpose;

pub fn sales_key(visit: Id) -> String {
    format!("daily-report-visit:{visit}")
}

pub fn line_key(line: Id) -> String {
    format!("daily-report-line:{line}")
}

pub fn payment_key(visit: Id) -> String {
    format!("daily-report-visit-payment:{visit}")
}

fn order_refs(visits: &[VisitRow]) -> Vec<String> {
    visits.iter().filter_map(|v| v.order_ref.clone()).collect()
}

/// Removes the report facts of these visits and lines (their promotion costs included), and
/// reconciles what their order references confirmed.
pub fn delete_facts(
    conn: &mut DbConnection,
    visits: &[VisitRow],
    lines: &[OrderLineRow],
    now: Timestamp,
) -> QueryResult<()> {
    remove(conn, visits, lines, now)?;
    crate::promotions::costs::delete_report_costs(conn, visits, now)?;
    reconcile::settle(conn, now, order_refs(visits), None)
}

fn remove(
    conn: &mut DbConnection,
    visits: &[VisitRow],
    lines: &[OrderLineRow],
    now: Timestamp,
) -> QueryResult<()> {
    let sales_keys = visits
        .iter()
        .map(|v| sales_key(v.id))
        .chain(lines.iter().map(|l| line_key(l.id)))
        .collect();
    let payment_keys = visits.iter().map(|v| payment_key(v.id)).collect();
    sales::delete_by_external_id(conn, now, FactSource::Report, sales_keys)?;
    payments::delete_by_external_id(conn, now, FactSource::Report, payment_keys)
}

/// Replaces the report facts of a report's visits (run it in the submit transaction).
pub fn write_facts(
    conn: &mut DbConnection,
    report: &ReportRow,
    visits: &[VisitRow],
    lines: &[OrderLineRow],
    now: Timestamp,
) -> QueryResult<()> {
    // A report is submitted from draft or returned, which hold no facts; any left over from
    // before go, replaced by these.
    remove(conn, visits, lines, now)?;
    let refs = order_refs(visits);
    let ledger = Ledger::load(conn, &refs)?;
    let ids: Vec<Id> = lines.iter().map(|l| l.product_id).collect();
    let terms = product_terms(conn, &ids)?;
    let mut by_visit: HashMap<Id, Vec<&OrderLineRow>> = HashMap::new();
    for l in lines {
        by_visit.entry(l.visit_id).or_default().push(l);
    }
    let fact = |v: &VisitRow, key: String, revenue: i64| {
        let (state, superseded_by) =
            ledger.decide("report", v.order_ref.as_ref(), report.report_date);
        SalesFactRow {
            id: Id::new(),
            external_id: Some(key),
            sold_on: report.report_date,
            salesperson_id: report.owner_id,
            dealer_id: None,
            customer_id: Some(v.customer_id),
            product_id: None,
            category: None,
            revenue_minor: revenue,
            cost_minor: 0,
            source: FactSource::Report.as_str().into(),
            created_at: now,
            updated_at: now,
            version: 1,
            order_ref: v.order_ref.clone(),
            quantity: None,
            reconciliation: state.as_str().into(),
            superseded_by,
        }
    };
    let mut sales: Vec<SalesFactRow> = Vec::new();
    for v in visits.iter().filter(|v| v.order_amount_minor > 0) {
        match by_visit.get(&v.id) {
            // An order given as an amount only: its cost and category are not known.
            None => sales.push(fact(v, sales_key(v.id), v.order_amount_minor)),
            Some(lines) => {
                for l in lines {
                    let product = terms.get(&l.product_id);
                    let unit_cost = product.and_then(|p| p.unit_cost_minor).unwrap_or(0);
                    sales.push(SalesFactRow {
                        product_id: Some(l.product_id),
                        category: product.map(|p| p.category.clone()),
                        quantity: Some(l.quantity),
                        cost_minor: unit_cost.saturating_mul(l.quantity),
                        ..fact(v, line_key(l.id), l.line_amount_minor)
                    });
                }
            }
        }
    }
    let payments: Vec<PaymentFactRow> = visits
        .iter()
        .filter(|v| v.collected_amount_minor > 0)
        .map(|v| PaymentFactRow {
            id: Id::new(),
            external_id: Some(payment_key(v.id)),
            paid_on: report.report_date,
            salesperson_id: report.owner_id,
            dealer_id: None,
            customer_id: Some(v.customer_id),
            amount_minor: v.collected_amount_minor,
            source: FactSource::Report.as_str().into(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    sales::insert_many(conn, now, &sales)?;
    payments::insert_many(conn, now, &payments)?;
    crate::promotions::costs::write_report_costs(conn, report, visits, now)?;
    // The ERP facts these orders' references name now confirm a report.
    reconcile::settle(conn, now, refs, None)
}

/// A `new_customer_development` visit with an order wins its prospect: the customer becomes
/// `active`, activated on the report's day (through the customer's write path, so it is a
/// `customer.updated` change). Returns the customers activated.
pub fn activate_prospects(
    conn: &mut DbConnection,
    day: NaiveDate,
    visits: &[VisitRow],
    now: Timestamp,
) -> ApiResult<Vec<Id>> {
    let mut activated = Vec::new();
    for v in visits {
        if v.purpose != Purpose::NewCustomerDevelopment.as_str() || v.order_amount_minor <= 0 {
            continue;
        }
        if customers::write::activate_prospect(conn, v.customer_id, day, now)? {
            diesel::update(report_visits::table.find(v.id))
                .set(report_visits::activated_customer.eq(true))
                .execute(conn)?;
            activated.push(v.customer_id);
        }
    }
    Ok(activated)
}

/// Undoes the activations of a returned report, unless the customer moved on since.
pub fn revert_activations(
    conn: &mut DbConnection,
    day: NaiveDate,
    visits: &[VisitRow],
    now: Timestamp,
) -> ApiResult<()> {
    for v in visits.iter().filter(|v| v.activated_customer) {
        customers::write::revert_activation(conn, v.customer_id, day, now)?;
        diesel::update(report_visits::table.find(v.id))
            .set(report_visits::activated_customer.eq(false))
            .execute(conn)?;
    }
    Ok(())
}
