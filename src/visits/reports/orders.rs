//! The order lines of a report's visits: what a salesperson sends, how it is checked against
//! the products (a unit price defaults to the list price), and what a visit's order amount is
//! then (the sum of its lines). An order given as an amount without lines stays allowed: it
//! counts toward sales, but toward no category target and no gross profit.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::input::VisitInput;
use super::model::VisitRow;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::FieldError;
use crate::schema::{products, report_order_lines as ol};

/// The largest amount of one line or order, in minor units.
const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// One line of a visit's order.
#[crate::rules]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// The product ordered (not archived).
    pub product_id: Id,
    /// Units ordered.
    #[validate(range(min = 1i64, max = 1_000_000i64))]
    pub quantity: i64,
    /// The price of one unit in minor units; the product's list price when left out.
    #[validate(range(min = 0i64, max = 1_000_000_000i64))]
    pub unit_price_minor: Option<i64>,
}

/// One line of a visit's order, as stored and shown.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = ol)]
#[schema(as = OrderLine)]
pub struct OrderLineRow {
    pub id: Id,
    #[serde(skip)]
    pub report_id: Id,
    #[serde(skip)]
    pub visit_id: Id,
    /// Order within the visit, from 0.
    pub position: i32,
    pub product_id: Id,
    pub quantity: i64,
    /// The price of one unit, minor units (the list price unless another was given).
    pub unit_price_minor: i64,
    /// `quantity x unit_price_minor`.
    pub line_amount_minor: i64,
}

/// A product as an order line needs it.
#[derive(Debug, Clone, Queryable)]
pub struct ProductTerms {
    pub id: Id,
    pub category: String,
    pub list_price_minor: Option<i64>,
    pub unit_cost_minor: Option<i64>,
    pub archived_at: Option<Timestamp>,
}

/// The terms of these products, by id.
pub fn product_terms(
    conn: &mut DbConnection,
    ids: &[Id],
) -> QueryResult<HashMap<Id, ProductTerms>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(products::table
        .filter(products::id.eq_any(ids))
        .select((
            products::id,
            products::category,
            products::list_price_minor,
            products::unit_cost_minor,
            products::archived_at,
        ))
        .load::<ProductTerms>(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// Builds the order lines of `input`'s visits for their `rows` (same order), and sets each
/// visit's order amount from its lines; every problem names its field
/// (`visits[i].order_lines[j].product_id`).
pub fn line_rows(
    conn: &mut DbConnection,
    input: &[VisitInput],
    rows: &mut [VisitRow],
    errors: &mut Vec<FieldError>,
) -> QueryResult<Vec<OrderLineRow>> {
    let ids: Vec<Id> = input
        .iter()
        .flat_map(|v| v.order_lines.iter().map(|l| l.product_id))
        .collect();
    let terms = product_terms(conn, &ids)?;
    let mut lines = Vec::new();
    for (i, (v, row)) in input.iter().zip(rows.iter_mut()).enumerate() {
        let mut sum: i64 = 0;
        for (j, l) in v.order_lines.iter().enumerate() {
            let mut bad = |f: &str, m: &str| {
                errors.push(FieldError::new(
                    format!("visits[{i}].order_lines[{j}].{f}"),
                    m,
                ))
            };
            let price = match terms.get(&l.product_id) {
                None => {
                    bad("product_id", "no such product");
                    None
                }
                Some(p) if p.archived_at.is_some() => {
                    bad("product_id", "the product is archived");
                    None
                }
                Some(p) => match l.unit_price_minor.or(p.list_price_minor) {
                    Some(price) => Some(price),
                    None => {
                        bad(
                            "unit_price_minor",
                            "the product has no list price: give the unit price",
                        );
                        None
                    }
                },
            };
            let amount = price.and_then(|p| p.checked_mul(l.quantity));
            match amount {
                Some(a) if a <= MAX_AMOUNT => sum = sum.saturating_add(a),
                Some(_) => bad("quantity", "the line amount is too large"),
                None => {}
            }
            lines.push(OrderLineRow {
                id: Id::new(),
                report_id: row.report_id,
                visit_id: row.id,
                position: j as i32,
                product_id: l.product_id,
                quantity: l.quantity,
                unit_price_minor: price.unwrap_or(0),
                line_amount_minor: amount.unwrap_or(0).clamp(0, MAX_AMOUNT),
            });
        }
        let field = |f: &str| format!("visits[{i}].{f}");
        if !v.order_lines.is_empty() {
            if v.order_amount_minor.is_some_and(|a| a != sum) {
                errors.push(FieldError::new(
                    field("order_amount_minor"),
                    format!("must be the sum of the order lines ({sum}), or left out"),
                ));
            }
            if sum > MAX_AMOUNT {
                errors.push(FieldError::new(
                    field("order_lines"),
                    "the order is too large",
                ));
            }
            row.order_amount_minor = sum.clamp(0, MAX_AMOUNT);
        }
        if v.order_ref.is_some() && row.order_amount_minor == 0 {
            errors.push(FieldError::new(
                field("order_ref"),
                "an order reference needs an order (lines or an amount)",
            ));
        }
    }
    Ok(lines)
}

/// The lines of one report, in visit and line order.
pub fn load(conn: &mut DbConnection, report: Id) -> QueryResult<Vec<OrderLineRow>> {
    ol::table
        .filter(ol::report_id.eq(report))
        .order((ol::visit_id, ol::position))
        .select(OrderLineRow::as_select())
        .load(conn)
}

crate::visits::replace_children!(replace_lines, ol, report_id, OrderLineRow);
