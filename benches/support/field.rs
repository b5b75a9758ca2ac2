//! The day-to-day process of the bench company (for the dashboards): a supervisor for every
//! office, a manager for every region and the company, an executive; monthly targets of every
//! unit; ten customers per salesperson; and four weeks of visit plans and daily reports up to
//! `today` (three visits a day, most reports reviewed, some waiting for review, some missing),
//! with today's plans submitted and half of today's reports started.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use salestrack::db::{write_tx, DbConnection, Id, Timestamp};
use salestrack::masterdata::customers::model::NewCustomer;
use salestrack::schema::{
    daily_reports as dr, org_units, planned_visits as pv, report_expenses as re,
    report_visits as rv, users, visit_plans as vp,
};
use salestrack::targets::model::NewTarget;
use salestrack::targets::period::{Period, PeriodType};
use salestrack::visits::plans::model::PlannedVisitRow;
use salestrack::visits::reports::model::{ExpenseRow, VisitRow};

use super::company::{insert_targets, Generated, SELLERS_PER_OFFICE};

/// The accounts the dashboards are read as (their password is the admin's).
pub struct Field {
    pub head: String,
    pub region_manager: String,
    pub supervisor: String,
    pub seller: String,
    pub executive: String,
    /// Rows written, for the record.
    pub customers: usize,
    pub plans: usize,
    pub reports: usize,
    pub visits: usize,
}

/// Inserts rows in chunks of at most `per` (under both backends' limits on bound parameters).
macro_rules! insert_all {
    ($conn:expr, $table:path, $rows:expr, $per:expr) => {
        for chunk in $rows.chunks($per) {
            salestrack::per_backend!(&mut *$conn, |c| diesel::insert_into($table)
                .values(chunk)
                .execute(c))?;
        }
    };
}

fn at(day: NaiveDate, h: u32, m: u32) -> Timestamp {
    Timestamp::from(Utc.from_utc_datetime(&day.and_hms_opt(h, m, 0).unwrap_or_default()))
}

/// A user sharing the admin's password; returns its id.
fn person(
    conn: &mut DbConnection,
    g: &Generated,
    email: &str,
    role: &str,
    unit: Id,
    now: Timestamp,
) -> QueryResult<Id> {
    let id = Id::new();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::email.eq(email),
            users::email_normalized.eq(email),
            users::name.eq(email),
            users::role.eq(role),
            users::org_unit_id.eq(unit),
            users::password_hash.eq(&g.hash),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

fn run_by(conn: &mut DbConnection, unit: Id, manager: Id) -> QueryResult<()> {
    diesel::update(org_units::table.find(unit))
        .set(org_units::manager_id.eq(manager))
        .execute(conn)
        .map(|_| ())
}

/// The people who run the units, and the units' monthly sales targets for 2026.
fn managers_and_targets(
    conn: &mut DbConnection,
    g: &Generated,
    now: Timestamp,
) -> anyhow::Result<Vec<(Id, Id)>> {
    let head = person(conn, g, "head@bench.local", "manager", g.root, now)?;
    run_by(conn, g.root, head)?;
    person(conn, g, "exec@bench.local", "executive", g.root, now)?;
    let mut supervisors = Vec::new();
    let year = Period::new(
        PeriodType::Year,
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let months = year
        .tiles(PeriodType::Month)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let per_person_month = 1_000_000;
    let mut targets = Vec::new();
    let mut month_targets = |unit: Id, people: i64| {
        for m in &months {
            targets.push(NewTarget {
                id: Id::new(),
                metric: "sales_amount",
                period_type: "month",
                period_start: m.start,
                period_end: m.end(),
                value: per_person_month * people,
                unit_id: Some(unit),
                user_id: None,
                dealer_id: None,
                category: None,
                parent_id: None,
                created_by: g.admin,
                created_at: now,
                updated_at: now,
            });
        }
    };
    let offices: usize = g.regions.iter().map(|(_, o)| o.len()).sum();
    month_targets(g.root, (offices * SELLERS_PER_OFFICE) as i64);
    for (r, (region, offices)) in g.regions.iter().enumerate() {
        let m = person(
            conn,
            g,
            &format!("m{r:02}@bench.local"),
            "manager",
            *region,
            now,
        )?;
        run_by(conn, *region, m)?;
        month_targets(*region, (offices.len() * SELLERS_PER_OFFICE) as i64);
        for (o, office) in offices.iter().enumerate() {
            let email = format!("sv{r:02}{o:02}@bench.local");
            let s = person(conn, g, &email, "supervisor", *office, now)?;
            run_by(conn, *office, s)?;
            supervisors.push((*office, s));
            month_targets(*office, SELLERS_PER_OFFICE as i64);
        }
    }
    insert_targets(conn, &targets)?;
    Ok(supervisors)
}

/// Everything above, for the 20 working days before `today` and `today` itself.
pub fn generate_field(
    conn: &mut DbConnection,
    g: &Generated,
    today: NaiveDate,
    now: Timestamp,
) -> anyhow::Result<Field> {
    let supervisors = write_tx(conn, |conn| managers_and_targets(conn, g, now))?;
    let supervisor_of = |office: Id| {
        supervisors
            .iter()
            .find(|(o, _)| *o == office)
            .map(|(_, s)| *s)
    };
    // Ten customers per salesperson, activated over the year so far, each with a call cycle.
    let mut customers = Vec::new();
    let mut owned: Vec<Vec<Id>> = Vec::new();
    for (i, (seller, office)) in g.office_of.iter().enumerate() {
        let mut mine = Vec::new();
        for k in 0..10 {
            let id = Id::new();
            let activated = NaiveDate::from_ymd_opt(2026, 1, 1)
                .map(|d| d + Duration::days(((i * 7 + k * 37) % 260) as i64));
            customers.push(NewCustomer {
                id,
                code: format!("C{i:04}-{k}"),
                name: format!("Customer {i:04}-{k}"),
                kind: Some("retail".into()),
                org_unit_id: *office,
                owner_id: *seller,
                status: "active",
                activated_on: activated.filter(|d| *d <= today),
                latitude: None,
                longitude: None,
                external_id: None,
                // Call cycles as a field force has them: weekly, fortnightly, twice a month.
                visit_every_weeks: [Some(1), Some(2), None][k % 3],
                visits_per_month: [None, None, Some(2)][k % 3],
                created_at: now,
                updated_at: now,
            });
            mine.push(id);
        }
        owned.push(mine);
    }
    write_tx(conn, |conn| -> anyhow::Result<()> {
        insert_all!(
            conn,
            salestrack::schema::customers::table,
            &customers,
            2_000
        );
        Ok(())
    })?;
    let mut days: Vec<NaiveDate> = (1..=28)
        .rev()
        .map(|n| today - Duration::days(n))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    days.push(today);
    let (mut plans, mut reports, mut visits) = (0, 0, 0);
    for d in &days {
        let is_today = *d == today;
        let (mut plan_rows, mut planned_rows, mut report_rows) =
            (Vec::new(), Vec::new(), Vec::new());
        let (mut visit_rows, mut expense_rows) = (Vec::new(), Vec::new());
        for (i, (seller, office)) in g.office_of.iter().enumerate() {
            let plan = Id::new();
            let status = if is_today { "submitted" } else { "approved" };
            let signer = supervisor_of(*office);
            plan_rows.push((
                vp::id.eq(plan),
                vp::owner_id.eq(*seller),
                vp::org_unit_id.eq(*office),
                vp::plan_date.eq(*d),
                vp::status.eq(status),
                vp::submitted_at.eq(Some(at(*d, 7, 30))),
                vp::approved_by.eq(if is_today { None } else { signer }),
                vp::approved_at.eq((!is_today).then(|| at(*d, 8, 0))),
                vp::created_at.eq(at(*d, 7, 0)),
                vp::updated_at.eq(at(*d, 8, 0)),
            ));
            let customers = &owned[i];
            let first = (d.ordinal() as usize * 3) % customers.len();
            let mut planned_ids = Vec::new();
            for k in 0..3 {
                let id = Id::new();
                planned_ids.push(id);
                planned_rows.push(PlannedVisitRow {
                    id,
                    plan_id: plan,
                    position: k as i32,
                    customer_id: Some(customers[(first + k) % customers.len()]),
                    prospect_name: None,
                    area: None,
                    planned_start: None,
                    planned_end: None,
                    purpose: "ordering".into(),
                    expected_result: None,
                    notes: None,
                });
            }
            plans += 1;
            // One report in twenty is missing; one in twenty waits for review; today's is a
            // draft for every other salesperson.
            let n = i + d.ordinal() as usize;
            if (!is_today && n % 20 == 0) || (is_today && i % 2 == 1) {
                continue;
            }
            let report = Id::new();
            let (status, submitted, reviewed) = match (is_today, n % 20 == 1) {
                (true, _) => ("draft", None, None),
                (false, true) => ("submitted", Some(at(*d, 18, 0)), None),
                (false, false) => (
                    "reviewed",
                    Some(at(*d, 18, 0)),
                    Some(at(*d + Duration::days(1), 9, 0)),
                ),
            };
            report_rows.push((
                dr::id.eq(report),
                dr::owner_id.eq(*seller),
                dr::org_unit_id.eq(*office),
                dr::report_date.eq(*d),
                dr::attendance.eq("present"),
                dr::status.eq(status),
                dr::first_submitted_at.eq(submitted),
                dr::submitted_at.eq(submitted),
                dr::reviewed_by.eq(reviewed.and(signer)),
                dr::reviewed_at.eq(reviewed),
                dr::quality_score.eq(reviewed.map(|_| 3 + (n % 3) as i32)),
                dr::created_at.eq(at(*d, 17, 0)),
                dr::updated_at.eq(at(*d, 18, 0)),
            ));
            reports += 1;
            for (k, planned) in planned_ids.iter().enumerate() {
                let start = at(*d, 9 + 2 * k as u32, 0);
                visit_rows.push(VisitRow {
                    id: Id::new(),
                    report_id: report,
                    position: k as i32,
                    customer_id: customers[(first + k) % customers.len()],
                    planned_visit_id: Some(*planned),
                    started_at: start,
                    ended_at: Timestamp(start.0 + Duration::minutes(40)),
                    purpose: "ordering".into(),
                    outcome: if k == 0 {
                        "order_placed"
                    } else {
                        "info_gathered"
                    }
                    .into(),
                    effective: k < 2,
                    order_amount_minor: if k == 0 {
                        25_000 + (n % 7) as i64 * 1_000
                    } else {
                        0
                    },
                    collected_amount_minor: if k == 1 { 10_000 } else { 0 },
                    order_ref: None,
                    promotion_id: None,
                    promotion_spend_minor: 0,
                    complaint_handled: false,
                    opinions: None,
                    developments: None,
                    checkin_lat: None,
                    checkin_lon: None,
                    checkin_accuracy_m: None,
                    checkin_distance_m: None,
                    checkin_out_of_range: None,
                    activated_customer: false,
                });
                visits += 1;
            }
            expense_rows.push(ExpenseRow {
                id: Id::new(),
                report_id: report,
                position: 0,
                category: "transport".into(),
                amount_minor: 1_500 + (n % 5) as i64 * 500,
                note: None,
            });
        }
        write_tx(conn, |conn| -> anyhow::Result<()> {
            insert_all!(conn, vp::table, &plan_rows, 2_000);
            insert_all!(conn, pv::table, &planned_rows, 2_000);
            insert_all!(conn, dr::table, &report_rows, 2_000);
            insert_all!(conn, rv::table, &visit_rows, 1_000);
            insert_all!(conn, re::table, &expense_rows, 2_000);
            Ok(())
        })?;
    }
    let (region, offices) = g.regions.first().cloned().unwrap_or_default();
    let office = offices.first().copied().unwrap_or(region);
    let seller = g
        .office_of
        .iter()
        .position(|(_, o)| *o == office)
        .unwrap_or(0);
    Ok(Field {
        customers: customers.len(),
        plans,
        reports,
        visits,
        ..Field::accounts(seller % SELLERS_PER_OFFICE)
    })
}

impl Field {
    /// The accounts of a generated company, with the `n`th salesperson of the first office
    /// (see `company::generate`); no rows counted.
    pub fn accounts(n: usize) -> Field {
        Field {
            head: "head@bench.local".into(),
            region_manager: "m00@bench.local".into(),
            supervisor: "sv0000@bench.local".into(),
            seller: format!("s0000{n:02}@bench.local"),
            executive: "exec@bench.local".into(),
            customers: 0,
            plans: 0,
            reports: 0,
            visits: 0,
        }
    }
}
