//! Demo data for this area: a finished promotion that moved sales (a display of consumables in
//! the Hamburg office, with the north region's other office as its control group) and a running
//! one past half its period that lags (a volume bonus on tools in the Munich office and with the
//! south region's dealer, after pre-season orders), each with its costs.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use diesel::prelude::*;

use super::model::{self, Links};
use super::{PromotionKind, PromotionStatus};
use crate::db::{DbConnection, Id, Timestamp};
use crate::facts::promotion_costs::{self, PromotionCostFactRow};
use crate::facts::reconcile::Reconciliation;
use crate::facts::sales::{self, SalesFactRow};
use crate::schema::{customers, dealers, org_units, promotions as pr, targets, users};

/// One demo promotion.
struct Spec<'a> {
    name: &'a str,
    kind: PromotionKind,
    unit: Id,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    budget_minor: i64,
    expected_uplift_pct: f64,
    status: PromotionStatus,
    planner: Id,
    approver: Id,
    links: Links,
}

fn unit_by_code(conn: &mut DbConnection, code: &str) -> anyhow::Result<(Id, Option<Id>)> {
    org_units::table
        .filter(org_units::code.eq(code))
        .select((org_units::id, org_units::manager_id))
        .first(conn)
        .with_context(|| format!("the demo has no unit {code}"))
}

/// The yearly sales target of a unit.
fn year_target(conn: &mut DbConnection, unit: Id) -> QueryResult<Vec<Id>> {
    targets::table
        .filter(targets::unit_id.eq(unit))
        .filter(targets::metric.eq("sales_amount"))
        .filter(targets::period_type.eq("year"))
        .select(targets::id)
        .load(conn)
}

fn insert(conn: &mut DbConnection, now: Timestamp, s: &Spec) -> anyhow::Result<Id> {
    let id = Id::new();
    let planned =
        Timestamp(now.0 - Duration::days((now.0.date_naive() - s.starts_on).num_days() + 7));
    let approved = Timestamp(planned.0 + Duration::days(2));
    diesel::insert_into(pr::table)
        .values((
            pr::id.eq(id),
            pr::name.eq(s.name),
            pr::kind.eq(s.kind.as_str()),
            pr::description.eq(Some(format!("Demo: {}", s.name))),
            pr::org_unit_id.eq(s.unit),
            pr::starts_on.eq(s.starts_on),
            pr::ends_on.eq(s.ends_on),
            pr::budget_minor.eq(s.budget_minor),
            pr::expected_uplift_pct.eq(s.expected_uplift_pct),
            pr::status.eq(s.status.as_str()),
            pr::created_by.eq(s.planner),
            pr::approved_by.eq(Some(s.approver)),
            pr::approved_at.eq(Some(approved)),
            pr::started_at.eq(Some(Timestamp(approved.0 + Duration::days(5)))),
            pr::completed_at.eq((s.status == PromotionStatus::Completed).then_some(now)),
            pr::created_at.eq(planned),
            pr::updated_at.eq(now),
        ))
        .execute(conn)?;
    model::replace_links(conn, id, &s.links, true)?;
    Ok(id)
}

/// A cost booked by the ERP against `(promotion, its unit)`, for a dealer or for nobody.
fn cost(
    (promotion, unit): (Id, Id),
    n: usize,
    day: NaiveDate,
    amount: i64,
    dealer: Option<Id>,
    note: &str,
    now: Timestamp,
) -> PromotionCostFactRow {
    PromotionCostFactRow {
        id: Id::new(),
        external_id: Some(format!("DEMO-PC-{promotion}-{n}")),
        promotion_id: promotion,
        org_unit_id: unit,
        spent_on: day,
        salesperson_id: None,
        dealer_id: dealer,
        customer_id: None,
        amount_minor: amount,
        note: Some(note.into()),
        source: "erp".into(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Fills the two demo promotions (after the targets and facts exist); `today` is today in the
/// company time zone.
pub fn fill(conn: &mut DbConnection, now: Timestamp, today: NaiveDate) -> anyhow::Result<()> {
    let (_, head) = org_units::table
        .filter(org_units::parent_id.is_null())
        .select((org_units::id, org_units::manager_id))
        .first::<(Id, Option<Id>)>(conn)?;
    let head = head.context("the demo company has no manager")?;
    let (north, north_manager) = unit_by_code(conn, "NORTH")?;
    let (south, south_manager) = unit_by_code(conn, "SOUTH")?;
    let (hamburg, _) = unit_by_code(conn, "HAM")?;
    let (munich, _) = unit_by_code(conn, "MUC")?;
    let south_dealers: Vec<Id> = dealers::table
        .filter(dealers::org_unit_id.eq(south))
        .select(dealers::id)
        .load(conn)?;

    let finished = Spec {
        name: "Spring display: consumables",
        kind: PromotionKind::Display,
        unit: north,
        starts_on: today - Duration::days(70),
        ends_on: today - Duration::days(43),
        budget_minor: 150_000,
        expected_uplift_pct: 15.0,
        status: PromotionStatus::Completed,
        planner: north_manager.context("no north manager")?,
        approver: head,
        links: Links {
            units: vec![hamburg],
            categories: vec!["consumables".into()],
            targets: year_target(conn, north)?,
            ..Default::default()
        },
    };
    let running = Spec {
        name: "Cordless drill volume bonus",
        kind: PromotionKind::VolumeBonus,
        unit: south,
        starts_on: today - Duration::days(16),
        ends_on: today + Duration::days(11),
        budget_minor: 400_000,
        expected_uplift_pct: 20.0,
        status: PromotionStatus::Running,
        planner: south_manager.context("no south manager")?,
        approver: head,
        links: Links {
            units: vec![munich],
            dealers: south_dealers.clone(),
            categories: vec!["tools".into()],
            targets: year_target(conn, south)?,
            ..Default::default()
        },
    };
    let done = insert(conn, now, &finished)?;
    let live = insert(conn, now, &running)?;
    let rows = pr::table
        .filter(pr::id.eq_any([done, live]))
        .order(pr::id)
        .select(model::Row::as_select())
        .load(conn)?;
    let views = model::present(conn, rows)?;
    crate::events::changed_many(conn, now, "promotion.created", &views)?;

    // The display worked: every Hamburg salesperson sold about twice their usual consumables
    // on its working days. Munich booked pre-season tools orders in the weeks before the bonus
    // started, so its sales since are below that baseline: the bonus lags (an anomaly).
    let mut extra = Vec::new();
    let boosts = [
        (
            hamburg,
            "consumables",
            finished.starts_on,
            finished.ends_on,
            100_000,
        ),
        (
            munich,
            "tools",
            running.starts_on - Duration::days((today - running.starts_on).num_days() + 1),
            running.starts_on - Duration::days(1),
            300_000,
        ),
    ];
    for (office, category, from, to, revenue) in boosts {
        let sellers: Vec<Id> = users::table
            .filter(users::org_unit_id.eq(office))
            .filter(users::role.eq("salesperson"))
            .order(users::email)
            .select(users::id)
            .load(conn)?;
        for (n, seller) in sellers.iter().enumerate() {
            let shop: Option<Id> = customers::table
                .filter(customers::owner_id.eq(seller))
                .order(customers::code)
                .select(customers::id)
                .first(conn)
                .optional()?;
            let mut day = from;
            while day <= to {
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    extra.push(SalesFactRow {
                        id: Id::new(),
                        external_id: Some(format!(
                            "DEMO-PS-{category}-{}-{n}",
                            day.format("%Y%m%d")
                        )),
                        sold_on: day,
                        salesperson_id: *seller,
                        dealer_id: None,
                        customer_id: shop,
                        product_id: None,
                        category: Some(category.into()),
                        revenue_minor: revenue + 7_000 * i64::from(day.day() % 4),
                        cost_minor: revenue * 45 / 100,
                        source: "erp".into(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                        order_ref: None,
                        quantity: None,
                        reconciliation: Reconciliation::ErpOnly.as_str().into(),
                        superseded_by: None,
                    });
                }
                day += Duration::days(1);
            }
        }
    }
    sales::insert_many(conn, now, &extra)?;

    let (d, l) = ((done, north), (live, south));
    let mut costs = vec![
        cost(
            d,
            0,
            finished.starts_on,
            62_000,
            None,
            "Display stands",
            now,
        ),
        cost(
            d,
            1,
            finished.starts_on + Duration::days(14),
            38_500,
            None,
            "Shelf refills",
            now,
        ),
        cost(l, 0, running.starts_on, 25_000, None, "Leaflets", now),
    ];
    if let Some(dealer) = south_dealers.first() {
        let day = today - Duration::days(2);
        costs.push(cost(
            l,
            1,
            day,
            140_000,
            Some(*dealer),
            "Dealer volume bonus",
            now,
        ));
    }
    promotion_costs::insert_many(conn, now, &costs)?;
    // Their spend changed with the costs: a new version each, as every booking makes.
    model::Row::touch(conn, now, &[done, live])?;
    Ok(())
}
