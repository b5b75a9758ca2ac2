//! Demo data for this area: products, competitors, dealers, customers, a year of targets
//! broken down to regions, offices, salespeople and months, and facts up to today that put
//! some people ahead of their targets and others behind.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use diesel::prelude::*;

use super::model::{NewTarget, Target};
use super::period::{Metric, Period, PeriodType};
use super::split::largest_remainder;
use crate::db::{DbConnection, Id, Timestamp};
use crate::facts::payments::{self, PaymentFactRow};
use crate::facts::sales::{self, SalesFactRow};
use crate::masterdata::customers::model::{Customer, NewCustomer};
use crate::masterdata::dealers::model::{Dealer, NewDealer};
use crate::schema::{competitors, org_units, products, users};

/// Seasonality of the year, percent per month.
const PROFILE: [u64; 12] = [6, 7, 8, 8, 9, 9, 8, 7, 9, 10, 10, 9];
/// How each salesperson performs against pace, in percent, so that the demo shows every status.
const FORM: [i64; 8] = [128, 72, 104, 96, 84, 112, 64, 100];
/// Yearly sales target of one salesperson, in cents (1.2 million).
const PER_PERSON: i64 = 120_000_000;

struct Ctx {
    now: Timestamp,
    head: Id,
    year: i32,
}

impl Ctx {
    fn target(
        &self,
        conn: &mut DbConnection,
        metric: Metric,
        period: Period,
        who: (Option<Id>, Option<Id>, Option<Id>),
        value: i64,
        parent: Option<Id>,
    ) -> anyhow::Result<Id> {
        let t = Target::insert(
            conn,
            self.now,
            &NewTarget {
                id: Id::new(),
                metric: metric.as_str(),
                period_type: period.kind.as_str(),
                period_start: period.start,
                period_end: period.end(),
                value,
                unit_id: who.0,
                user_id: who.1,
                dealer_id: who.2,
                category: None,
                parent_id: parent,
                created_by: self.head,
                created_at: self.now,
                updated_at: self.now,
            },
        )?;
        Ok(t.id)
    }

    fn year(&self) -> anyhow::Result<Period> {
        let start = NaiveDate::from_ymd_opt(self.year, 1, 1).context("bad year")?;
        Ok(Period::new(PeriodType::Year, start)?)
    }
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).context("bad demo date")
}

fn ids_with_role(conn: &mut DbConnection, role: &str) -> QueryResult<Vec<(Id, Id)>> {
    users::table
        .filter(users::role.eq(role))
        .order(users::email)
        .select((users::id, users::org_unit_id))
        .load(conn)
}

/// Fills this area's demo data into the demo organisation (run after the people exist).
/// `today` is today in the company time zone; facts run up to it.
pub fn fill(conn: &mut DbConnection, now: Timestamp, today: NaiveDate) -> anyhow::Result<()> {
    let root = org_units::table
        .filter(org_units::parent_id.is_null())
        .select((org_units::id, org_units::manager_id))
        .first::<(Id, Option<Id>)>(conn)?;
    let head = root.1.context("the demo company has no manager")?;
    let ctx = Ctx {
        now,
        head,
        year: today.year(),
    };

    for (sku, name, category, price, cost) in [
        ("TL-100", "Cordless drill", "tools", 12_900, 7_400),
        ("TL-200", "Angle grinder", "tools", 8_900, 5_100),
        ("CS-010", "Drill bits (set)", "consumables", 1_990, 800),
        ("CS-020", "Cutting discs (25)", "consumables", 2_490, 1_100),
        ("SV-001", "Tool service plan", "services", 4_900, 1_500),
    ] {
        diesel::insert_into(products::table)
            .values((
                products::id.eq(Id::new()),
                products::sku.eq(sku),
                products::name.eq(name),
                products::category.eq(category),
                products::list_price_minor.eq(Some(price)),
                products::unit_cost_minor.eq(Some(cost)),
                products::external_id.eq(Some(format!("ERP-{sku}"))),
                products::created_at.eq(now),
                products::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    for name in ["Bosch Power", "Makita Pro", "Hilti Direct"] {
        diesel::insert_into(competitors::table)
            .values((
                competitors::id.eq(Id::new()),
                competitors::name.eq(name),
                competitors::created_at.eq(now),
                competitors::updated_at.eq(now),
            ))
            .execute(conn)?;
    }

    // Regions (in code order) with their dealers; the demo dealer user acts for the first.
    let regions: Vec<(Id, Option<String>)> = org_units::table
        .filter(org_units::parent_id.eq(root.0))
        .order(org_units::code)
        .select((org_units::id, org_units::code))
        .load(conn)?;
    let mut dealers = Vec::new();
    for (i, (region, code)) in regions.iter().enumerate() {
        let code = code.clone().unwrap_or_default();
        let d = Dealer::insert(
            conn,
            &NewDealer {
                id: Id::new(),
                code: format!("DL-{code}"),
                name: format!("{} Distribution {code}", ["Alpha", "Beta", "Gamma"][i % 3]),
                org_unit_id: *region,
                external_id: Some(format!("ERP-DL-{code}")),
                created_at: now,
                updated_at: now,
            },
        )?;
        dealers.push(d.id);
    }
    if let (Some((dealer_user, _)), Some(first)) =
        (ids_with_role(conn, "dealer")?.first(), dealers.first())
    {
        Dealer::link_user(conn, *first, *dealer_user, now)?;
    }

    let sellers = ids_with_role(conn, "salesperson")?;
    let year = ctx.year()?;
    let months = year.tiles(PeriodType::Month)?;

    // Customers: five per salesperson, some activated this year (new outlets).
    let mut customers_of: Vec<Vec<Id>> = Vec::new();
    for (n, (seller, unit)) in sellers.iter().enumerate() {
        let mut mine = Vec::new();
        for k in 0..5u32 {
            let (status, activated) = match k {
                0 | 1 => ("active", Some(date(ctx.year - 2, 3 + k, 1)?)),
                2 => ("active", Some(date(ctx.year, 1 + (n as u32 % 6), 10)?)),
                3 => ("dormant", Some(date(ctx.year - 1, 6, 15)?)),
                _ => ("prospect", None),
            };
            let c = Customer::insert(
                conn,
                &NewCustomer {
                    id: Id::new(),
                    code: format!("C-{:02}-{k}", n + 1),
                    name: format!(
                        "Outlet {} {}",
                        n + 1,
                        ["Nord", "Mitte", "Markt", "Hafen", "Neu"][k as usize]
                    ),
                    kind: Some(if k % 2 == 0 { "retail" } else { "wholesale" }.into()),
                    org_unit_id: *unit,
                    owner_id: *seller,
                    status,
                    activated_on: activated,
                    latitude: Some(48.0 + n as f64 * 0.4 + f64::from(k) * 0.01),
                    longitude: Some(9.0 + n as f64 * 0.3 + f64::from(k) * 0.01),
                    external_id: Some(format!("ERP-C-{:02}-{k}", n + 1)),
                    created_at: now,
                    updated_at: now,
                    // Call cycles of the active outlets: weekly, twice a month, fortnightly.
                    visit_every_weeks: [Some(1), None, Some(2)].get(k as usize).copied().flatten(),
                    visits_per_month: (k == 1).then_some(2),
                },
            )?
            .ok_or(diesel::result::Error::NotFound)?;
            mine.push(c.id);
        }
        customers_of.push(mine);
    }

    // Sales targets: company -> regions -> offices -> salespeople -> months.
    let per_unit = |unit: Id| sellers.iter().filter(|(_, u)| *u == unit).count() as i64;
    let all = i64::try_from(sellers.len())?;
    let company = ctx.target(
        conn,
        Metric::SalesAmount,
        year,
        (Some(root.0), None, None),
        PER_PERSON * all,
        None,
    )?;
    let collections = ctx.target(
        conn,
        Metric::Collections,
        year,
        (Some(root.0), None, None),
        PER_PERSON * all * 9 / 10,
        None,
    )?;
    for (region, _) in &regions {
        let offices: Vec<Id> = org_units::table
            .filter(org_units::parent_id.eq(region))
            .order(org_units::code)
            .select(org_units::id)
            .load(conn)?;
        let region_people: i64 = offices.iter().map(|o| per_unit(*o)).sum();
        let r = ctx.target(
            conn,
            Metric::SalesAmount,
            year,
            (Some(*region), None, None),
            PER_PERSON * region_people,
            Some(company),
        )?;
        for office in offices {
            let o = ctx.target(
                conn,
                Metric::SalesAmount,
                year,
                (Some(office), None, None),
                PER_PERSON * per_unit(office),
                Some(r),
            )?;
            ctx.target(
                conn,
                Metric::NewCustomers,
                year,
                (Some(office), None, None),
                3 * per_unit(office),
                None,
            )?;
            for (seller, _) in sellers.iter().filter(|(_, u)| *u == office) {
                let s = ctx.target(
                    conn,
                    Metric::SalesAmount,
                    year,
                    (None, Some(*seller), None),
                    PER_PERSON,
                    Some(o),
                )?;
                let values = largest_remainder(PER_PERSON, &PROFILE).context("profile")?;
                for (m, v) in months.iter().zip(values) {
                    ctx.target(
                        conn,
                        Metric::SalesAmount,
                        *m,
                        (None, Some(*seller), None),
                        v,
                        Some(s),
                    )?;
                }
                ctx.target(
                    conn,
                    Metric::Collections,
                    year,
                    (None, Some(*seller), None),
                    PER_PERSON * 9 / 10,
                    Some(collections),
                )?;
            }
        }
    }
    for d in &dealers {
        ctx.target(
            conn,
            Metric::SalesAmount,
            year,
            (None, None, Some(*d)),
            40_000_000,
            None,
        )?;
    }

    // Facts: on every working day up to today, each salesperson sells at their form.
    let mut sales_rows = Vec::new();
    let mut payment_rows = Vec::new();
    let mut day = year.start;
    let mut seed: u64 = 42;
    while day <= today.min(year.end()) {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let month = &months[day.month0() as usize];
            let workdays = 21;
            for (n, (seller, _)) in sellers.iter().enumerate() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let noise = 80 + i64::try_from((seed >> 33) % 41)?; // 80..120 percent
                let month_value =
                    PER_PERSON * i64::try_from(PROFILE[month.start.month0() as usize])? / 100;
                let revenue = month_value / workdays * FORM[n % FORM.len()] / 100 * noise / 100;
                let customer = customers_of[n][(seed >> 40) as usize % 3];
                // Every fourth salesperson serves a dealer, which books a third of their days.
                let dealer = (n % 4 == 0 && day.day() % 3 == 0)
                    .then(|| dealers.get((n / 4) % dealers.len().max(1)).copied())
                    .flatten();
                sales_rows.push(SalesFactRow {
                    id: Id::new(),
                    external_id: Some(format!("DEMO-S-{}-{n}", day.format("%Y%m%d"))),
                    sold_on: day,
                    salesperson_id: *seller,
                    dealer_id: dealer,
                    customer_id: Some(customer),
                    product_id: None,
                    category: Some(
                        ["tools", "consumables", "services"][(seed >> 50) as usize % 3].into(),
                    ),
                    revenue_minor: revenue,
                    cost_minor: revenue * 62 / 100,
                    source: if day.day() % 5 == 0 { "report" } else { "erp" }.into(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    order_ref: None,
                    quantity: None,
                    reconciliation: if day.day() % 5 == 0 {
                        "reported_only"
                    } else {
                        "erp_only"
                    }
                    .into(),
                    superseded_by: None,
                });
                if day.weekday() == Weekday::Fri {
                    payment_rows.push(PaymentFactRow {
                        id: Id::new(),
                        external_id: Some(format!("DEMO-P-{}-{n}", day.format("%Y%m%d"))),
                        paid_on: day,
                        salesperson_id: *seller,
                        dealer_id: dealer,
                        customer_id: Some(customer),
                        amount_minor: revenue * 5 * 85 / 100,
                        source: "erp".into(),
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    });
                }
            }
        }
        day += Duration::days(1);
    }
    sales::insert_many(conn, now, &sales_rows)?;
    payments::insert_many(conn, now, &payment_rows)?;
    Ok(())
}
