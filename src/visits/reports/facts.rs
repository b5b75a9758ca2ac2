//! What a submitted report puts into the facts: one `report` sales fact per visit with an
//! order, one `report` payment fact per visit with a collection and one `report` promotion cost
//! fact per visit that spent on a promotion, keyed by the visit (`daily-report-visit:<id>`,
//! `daily-report-visit-payment:<id>`, `daily-report-visit-promotion:<id>`), so that no retry or
//! re-submission ever counts one twice; and the prospects it won.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{ReportRow, VisitRow};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::facts::payments::{self, PaymentFactRow};
use crate::facts::sales::{self, SalesFactRow};
use crate::facts::FactSource;
use crate::masterdata::customers;
use crate::schema::report_visits;
use crate::visits::Purpose;

pub fn sales_key(visit: Id) -> String {
    format!("daily-report-visit:{visit}")
}

pub fn payment_key(visit: Id) -> String {
    format!("daily-report-visit-payment:{visit}")
}

/// Removes the sales and payment facts of these visits.
fn remove_money_facts(
    conn: &mut DbConnection,
    visits: &[VisitRow],
    now: Timestamp,
) -> QueryResult<()> {
    let sales_keys = visits.iter().map(|v| sales_key(v.id)).collect();
    let payment_keys = visits.iter().map(|v| payment_key(v.id)).collect();
    sales::delete_by_external_id(conn, now, FactSource::Report, sales_keys)?;
    payments::delete_by_external_id(conn, now, FactSource::Report, payment_keys)
}

/// Removes the report facts of these visits (their promotion costs included).
pub fn delete_facts(
    conn: &mut DbConnection,
    visits: &[VisitRow],
    now: Timestamp,
) -> QueryResult<()> {
    remove_money_facts(conn, visits, now)?;
    crate::promotions::costs::delete_report_costs(conn, visits, now)
}

/// Replaces the report facts of a report's visits (run it in the submit transaction).
pub fn write_facts(
    conn: &mut DbConnection,
    report: &ReportRow,
    visits: &[VisitRow],
    now: Timestamp,
) -> QueryResult<()> {
    remove_money_facts(conn, visits, now)?;
    let sales: Vec<SalesFactRow> = visits
        .iter()
        .filter(|v| v.order_amount_minor > 0)
        .map(|v| SalesFactRow {
            id: Id::new(),
            external_id: Some(sales_key(v.id)),
            sold_on: report.report_date,
            salesperson_id: report.owner_id,
            dealer_id: None,
            customer_id: Some(v.customer_id),
            product_id: None,
            category: None,
            revenue_minor: v.order_amount_minor,
            // A visit records the order's value only; its cost is not known here.
            cost_minor: 0,
            source: FactSource::Report.as_str().into(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
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
    crate::promotions::costs::write_report_costs(conn, report, visits, now)
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
