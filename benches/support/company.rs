//! The company of the benches: 2,000 salespeople in 100 offices of 10 regions, a year of sales
//! targets broken down to people and months, and a year of facts (about 3.1 million rows).

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use salestrack::clock::Clock;
use salestrack::db::{write_tx, DbConnection, Id};
use salestrack::facts::payments::PaymentFactRow;
use salestrack::facts::sales::SalesFactRow;
use salestrack::org::model::{NewOrgUnit, OrgUnit};
use salestrack::schema::{payment_facts, sales_facts, targets, users};
use salestrack::targets::model::NewTarget;
use salestrack::targets::period::{Period, PeriodType};

pub const REGIONS: usize = 10;
pub const OFFICES_PER_REGION: usize = 10;
pub const SELLERS_PER_OFFICE: usize = 20;

/// What [`generate`] made.
pub struct Generated {
    pub company_target: Id,
    pub targets: usize,
    pub sellers: Vec<Id>,
    pub root: Id,
    /// Each region with its offices.
    pub regions: Vec<(Id, Vec<Id>)>,
    /// Each salesperson's office.
    pub office_of: Vec<(Id, Id)>,
    /// The admin, and the password hash every generated user shares with it.
    pub admin: Id,
    pub hash: String,
}

#[derive(Default)]
pub struct Facts {
    pub sales: usize,
    pub payments: usize,
}

pub fn insert_targets(conn: &mut DbConnection, rows: &[NewTarget]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        salestrack::per_backend!(&mut *conn, |c| diesel::insert_into(targets::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The org (company -> 10 regions -> 100 offices -> 2,000 salespeople) and a year of sales
/// targets for 2026: every unit and person for the year, every person's year in 12 months.
pub fn generate(conn: &mut DbConnection) -> anyhow::Result<Generated> {
    let now = Clock::system().now();
    let root = OrgUnit::root(conn)?.context("no company")?.id;
    let admin: Id = users::table
        .filter(users::role.eq("admin"))
        .select(users::id)
        .first(conn)?;
    let hash: String = users::table
        .find(admin)
        .select(users::password_hash)
        .first(conn)?;
    let year = Period::new(
        PeriodType::Year,
        NaiveDate::from_ymd_opt(2026, 1, 1).context("date")?,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let months = year
        .tiles(PeriodType::Month)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut targets = Vec::new();
    let mut target =
        |unit: Option<Id>, user: Option<Id>, period: Period, value: i64, parent: Option<Id>| {
            let id = Id::new();
            targets.push(NewTarget {
                id,
                metric: "sales_amount",
                period_type: period.kind.as_str(),
                period_start: period.start,
                period_end: period.end(),
                value,
                unit_id: unit,
                user_id: user,
                dealer_id: None,
                category: None,
                parent_id: parent,
                created_by: admin,
                created_at: now,
                updated_at: now,
            });
            id
        };
    let per_person: i64 = 12_000_000;
    let company_target = target(
        Some(root),
        None,
        year,
        per_person * (REGIONS * OFFICES_PER_REGION * SELLERS_PER_OFFICE) as i64,
        None,
    );
    let mut sellers = Vec::new();
    let unit = |conn: &mut DbConnection, name: String, parent: Id| {
        OrgUnit::insert(
            conn,
            NewOrgUnit {
                id: Id::new(),
                name: &name,
                code: Some(&name),
                parent_id: Some(parent),
                manager_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .map(|u| u.id)
    };
    let mut regions = Vec::new();
    for r in 0..REGIONS {
        let region = unit(conn, format!("R{r:02}"), root)?;
        let mut offices = Vec::new();
        let rt = target(
            Some(region),
            None,
            year,
            per_person * (OFFICES_PER_REGION * SELLERS_PER_OFFICE) as i64,
            Some(company_target),
        );
        for o in 0..OFFICES_PER_REGION {
            let office = unit(conn, format!("R{r:02}-O{o:02}"), region)?;
            offices.push(office);
            let ot = target(
                Some(office),
                None,
                year,
                per_person * SELLERS_PER_OFFICE as i64,
                Some(rt),
            );
            for s in 0..SELLERS_PER_OFFICE {
                let id = Id::new();
                sellers.push((id, office, format!("s{r:02}{o:02}{s:02}@bench.local")));
                let st = target(None, Some(id), year, per_person, Some(ot));
                for m in &months {
                    target(None, Some(id), *m, per_person / 12, Some(st));
                }
            }
        }
        regions.push((region, offices));
    }
    for chunk in sellers.chunks(400) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, office, email)| {
                (
                    users::id.eq(*id),
                    users::email.eq(email.clone()),
                    users::email_normalized.eq(email.clone()),
                    users::name.eq(email.clone()),
                    users::role.eq("salesperson"),
                    users::org_unit_id.eq(*office),
                    users::password_hash.eq(hash.clone()),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                )
            })
            .collect();
        salestrack::per_backend!(&mut *conn, |c| diesel::insert_into(users::table)
            .values(&rows)
            .execute(c))?;
    }
    insert_targets(conn, &targets)?;
    Ok(Generated {
        company_target,
        targets: targets.len(),
        office_of: sellers
            .iter()
            .map(|(id, office, _)| (*id, *office))
            .collect(),
        sellers: sellers.into_iter().map(|(id, _, _)| id).collect(),
        root,
        regions,
        admin,
        hash,
    })
}

/// A chunk of rows as one multi-row `INSERT` (2,000 rows stay under both backends' limits on
/// bound parameters).
macro_rules! insert_chunk {
    ($conn:expr, $table:path, $rows:expr) => {
        salestrack::per_backend!(&mut *$conn, |c| diesel::insert_into($table)
            .values($rows)
            .execute(c))
    };
}

/// The facts of every working day (Monday to Friday) of 2026: per salesperson and day
/// `4 * scale` sales facts and `2 * scale` payments, about 3.1 million rows at scale 1. They are
/// plain multi-row inserts, not `sales::insert_many`, which also writes a change feed entry per
/// fact: the feed is not what this bench measures, and it would make generating far slower.
/// Committed every 100,000 rows or so.
pub fn generate_facts(
    conn: &mut DbConnection,
    sellers: &[Id],
    scale: u64,
) -> anyhow::Result<Facts> {
    const CHUNK: usize = 2_000;
    let now = Clock::system().now();
    let sales_per_day = 4 * scale;
    let payments_per_day = 2 * scale;
    let (mut sales_rows, mut payment_rows) = (Vec::new(), Vec::new());
    let mut facts = Facts::default();
    let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).context("date")?;
    let end = NaiveDate::from_ymd_opt(2026, 12, 31).context("date")?;
    let mut n: u64 = 0;
    let flush = |conn: &mut DbConnection,
                 sales_rows: &mut Vec<SalesFactRow>,
                 payment_rows: &mut Vec<PaymentFactRow>|
     -> anyhow::Result<()> {
        write_tx(conn, |conn| -> anyhow::Result<()> {
            for chunk in sales_rows.chunks(CHUNK) {
                insert_chunk!(conn, sales_facts::table, chunk)?;
            }
            for chunk in payment_rows.chunks(CHUNK) {
                insert_chunk!(conn, payment_facts::table, chunk)?;
            }
            Ok(())
        })?;
        sales_rows.clear();
        payment_rows.clear();
        Ok(())
    };
    while day <= end {
        if day.weekday().num_days_from_monday() < 5 {
            for (i, seller) in sellers.iter().enumerate() {
                for k in 0..sales_per_day {
                    n += 1;
                    // About a person's yearly target of 12,000,000 in the year, at any scale.
                    let revenue = (6_500 + ((n * 7_919) % 7_000) as i64 + (i % 7) as i64 * 500)
                        / scale as i64;
                    sales_rows.push(SalesFactRow {
                        id: Id::new(),
                        external_id: Some(format!("S{n}")),
                        sold_on: day,
                        salesperson_id: *seller,
                        dealer_id: None,
                        customer_id: None,
                        product_id: None,
                        category: None,
                        revenue_minor: revenue,
                        cost_minor: revenue * 6 / 10,
                        source: "erp".into(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                        order_ref: None,
                        quantity: None,
                        reconciliation: "erp_only".into(),
                        superseded_by: None,
                    });
                    if k < payments_per_day {
                        payment_rows.push(PaymentFactRow {
                            id: Id::new(),
                            external_id: Some(format!("P{n}")),
                            paid_on: day,
                            salesperson_id: *seller,
                            dealer_id: None,
                            customer_id: None,
                            amount_minor: revenue * 2,
                            source: "erp".into(),
                            created_at: now,
                            updated_at: now,
                            version: 1,
                        });
                    }
                }
            }
            facts.sales += sellers.len() * sales_per_day as usize;
            facts.payments += sellers.len() * payments_per_day as usize;
        }
        if sales_rows.len() + payment_rows.len() >= 100_000 {
            flush(conn, &mut sales_rows, &mut payment_rows)?;
        }
        day = day.succ_opt().context("date")?;
    }
    flush(conn, &mut sales_rows, &mut payment_rows)?;
    Ok(facts)
}
