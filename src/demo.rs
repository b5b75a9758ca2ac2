//! `demo-data`: a small, realistic organisation for trying the API.

use anyhow::Context;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::Role;
use crate::bootstrap::create_user;
use crate::config::Config;
use crate::db::{write_tx, DbConnection, Id, Timestamp};
use crate::org::model::{NewOrgUnit, OrgUnit};
use crate::schema::{org_units, users};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// One demo account, for the table printed at the end.
pub struct DemoAccount {
    pub email: String,
    pub role: Role,
    pub unit: String,
}

fn unit(
    conn: &mut DbConnection,
    name: &str,
    code: &str,
    parent: Id,
    now: Timestamp,
) -> anyhow::Result<Id> {
    Ok(OrgUnit::insert(
        conn,
        NewOrgUnit {
            id: Id::new(),
            name,
            code: Some(code),
            parent_id: Some(parent),
            manager_id: None,
            created_at: now,
            updated_at: now,
        },
    )?
    .id)
}

fn manage(conn: &mut DbConnection, unit: Id, manager: Id) -> anyhow::Result<()> {
    diesel::update(org_units::table.find(unit))
        .set(org_units::manager_id.eq(Some(manager)))
        .execute(conn)?;
    Ok(())
}

/// Fills an empty organisation (only the company and the first admin) with regions, offices,
/// managers, supervisors and salespeople. Refuses when demo data (or real data) is there.
pub fn fill(
    conn: &mut DbConnection,
    config: &Config,
    now: Timestamp,
) -> anyhow::Result<Vec<DemoAccount>> {
    let units: i64 = org_units::table.count().get_result(conn)?;
    let people: i64 = users::table.count().get_result(conn)?;
    anyhow::ensure!(
        units <= 1 && people <= 1,
        "the database is not empty ({units} units, {people} users): demo data goes into a fresh database only"
    );
    let root = crate::bootstrap::ensure_company(conn, config, now)?.id;
    write_tx(conn, |conn| -> anyhow::Result<Vec<DemoAccount>> {
        let mut accounts = Vec::new();
        let mut person = |conn: &mut DbConnection,
                          email: &str,
                          name: &str,
                          role: Role,
                          unit_id: Id,
                          unit_name: &str,
                          hired: Option<NaiveDate>|
         -> anyhow::Result<Id> {
            let row = create_user(conn, email, name, role, Some(unit_id), DEMO_PASSWORD, now)?;
            if hired.is_some() {
                diesel::update(users::table.find(row.id))
                    .set(users::hired_on.eq(hired))
                    .execute(conn)?;
            }
            accounts.push(DemoAccount {
                email: email.into(),
                role,
                unit: unit_name.into(),
            });
            Ok(row.id)
        };
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).context("bad demo date");
        let ceo = person(
            conn,
            "ceo@demo.salestrack.local",
            "Olivia Owner",
            Role::Executive,
            root,
            "Company",
            Some(date(2015, 1, 5)?),
        )?;
        let _ = ceo;
        let head = person(
            conn,
            "head.sales@demo.salestrack.local",
            "Henry Head",
            Role::Manager,
            root,
            "Company",
            Some(date(2018, 3, 1)?),
        )?;
        manage(conn, root, head)?;
        person(
            conn,
            "erp@demo.salestrack.local",
            "ERP Sync",
            Role::Integration,
            root,
            "Company",
            None,
        )?;

        let regions = [
            (
                "North Region",
                "NORTH",
                "north",
                "Nora North",
                [
                    ("Hamburg Office", "HAM", "hamburg"),
                    ("Bremen Office", "BRE", "bremen"),
                ],
            ),
            (
                "South Region",
                "SOUTH",
                "south",
                "Sam South",
                [
                    ("Munich Office", "MUC", "munich"),
                    ("Stuttgart Office", "STR", "stuttgart"),
                ],
            ),
        ];
        let sellers = [
            "Anna Albers",
            "Ben Brandt",
            "Clara Claussen",
            "David Dietrich",
            "Eva Engel",
            "Felix Fischer",
            "Greta Graf",
            "Hugo Hansen",
        ];
        let supervisors = [
            "Hanna Hoffmann",
            "Bernd Becker",
            "Maria Maier",
            "Stefan Schulz",
        ];
        let mut s = 0usize;
        let mut n = 0usize;
        for (region_name, region_code, slug, manager_name, offices) in regions {
            let region = unit(conn, region_name, region_code, root, now)?;
            let manager = person(
                conn,
                &format!("manager.{slug}@demo.salestrack.local"),
                manager_name,
                Role::Manager,
                region,
                region_name,
                Some(date(2019, 6, 1)?),
            )?;
            manage(conn, region, manager)?;
            for (office_name, office_code, office_slug) in offices {
                let office = unit(conn, office_name, office_code, region, now)?;
                let supervisor = person(
                    conn,
                    &format!("supervisor.{office_slug}@demo.salestrack.local"),
                    supervisors[s % supervisors.len()],
                    Role::Supervisor,
                    office,
                    office_name,
                    Some(date(2020, 2, 1)?),
                )?;
                s += 1;
                manage(conn, office, supervisor)?;
                for i in 1..=2 {
                    let name = sellers[n % sellers.len()];
                    n += 1;
                    // One salesperson per office is a recent hire (eight weeks ago, whenever
                    // the demo is made).
                    let hired = if i == 2 {
                        now.0.date_naive() - chrono::Duration::weeks(8)
                    } else {
                        date(2022, 4, 1)?
                    };
                    person(
                        conn,
                        &format!("sales{i}.{office_slug}@demo.salestrack.local"),
                        name,
                        Role::Salesperson,
                        office,
                        office_name,
                        Some(hired),
                    )?;
                }
            }
        }
        person(
            conn,
            "dealer.alpha@demo.salestrack.local",
            "Alpha Distribution",
            Role::Dealer,
            root,
            "Company",
            None,
        )?;
        // An organisation that has been running for years: its units owe weekly reports.
        let founded = Timestamp(now.0 - chrono::Duration::days(730));
        diesel::update(org_units::table)
            .set(org_units::created_at.eq(founded))
            .execute(conn)?;
        // Master data, a year of targets broken down to months and people, and facts to date.
        let tz = crate::settings::model::StoredSettings::load(conn)
            .map(|s| s.settings.tz())
            .unwrap_or(chrono_tz::UTC);
        crate::targets::demo::fill(conn, now, now.0.with_timezone(&tz).date_naive())?;
        crate::visits::demo::fill(conn, now)?;
        // A finished and a running promotion, with their costs.
        crate::promotions::demo::fill(conn, now, now.0.with_timezone(&tz).date_naive())?;
        // Last week's weekly reports, from those facts.
        crate::weekly::demo::fill(conn, now)?;
        // Meetings and coaching sessions of the last weeks.
        crate::meetings::demo::fill(conn, now)?;
        crate::coaching::demo::fill(conn, now)?;
        Ok(accounts)
    })
}

/// The company settings, for the demo fillers of each area.
pub(crate) fn settings(conn: &mut DbConnection) -> anyhow::Result<crate::settings::Settings> {
    Ok(crate::settings::model::StoredSettings::load(conn)
        .map_err(|e| anyhow::anyhow!("settings: {e}"))?
        .settings)
}

/// The units that someone runs: (unit, parent, who runs it), by name.
pub(crate) fn run_units(conn: &mut DbConnection) -> anyhow::Result<Vec<(Id, Option<Id>, Id)>> {
    Ok(crate::weekly::owing_units(conn, None)?
        .into_iter()
        .map(|u| (u.id, u.parent_id, u.runner_id))
        .collect())
}

/// The active salespeople placed directly in a unit, by email.
pub(crate) fn sellers_of(conn: &mut DbConnection, unit: Id) -> anyhow::Result<Vec<Id>> {
    Ok(users::table
        .filter(users::org_unit_id.eq(unit))
        .filter(users::role.eq(Role::Salesperson.as_str()))
        .filter(users::active.eq(true))
        .order(users::email)
        .select(users::id)
        .load(conn)?)
}
