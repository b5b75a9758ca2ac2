//! Demo data for this area: the quarter so far (at least a month) of visit plans and daily
//! reports of every demo salesperson, with their facts: most days planned, signed, reported on
//! time and reviewed; some reports late, some days missing, some on leave.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use diesel::prelude::*;

use super::plans::model::{replace_visits as replace_planned, PlannedVisitRow};
use super::reports::facts;
use super::reports::model::{replace_expenses, replace_visits, ExpenseRow, ReportRow, VisitRow};
use super::{distance_m, report_due_at, Purpose};
use crate::alerts::chain_of;
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{customers, daily_reports as dr, users, visit_plans as vp};
use crate::settings::model::Settings;

/// A small deterministic spread, so that every run tells the same story.
fn roll(a: usize, b: i64, salt: u64) -> u64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ salt;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x ^ (x >> 29)) % 100
}

/// An instant at a local time of the company.
pub(crate) fn local(settings: &Settings, day: NaiveDate, minutes: u32) -> Timestamp {
    let naive = day
        .and_hms_opt(minutes / 60, minutes % 60, 0)
        .unwrap_or_default();
    let at = settings
        .tz()
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| naive.and_utc());
    Timestamp::from(at)
}

type Place = (Id, Option<f64>, Option<f64>);

/// Fills the days before today (company time zone) since the quarter began, and at least 30,
/// so that month and quarter scorecards have a full record.
pub fn fill(conn: &mut DbConnection, now: Timestamp) -> anyhow::Result<()> {
    let settings = crate::demo::settings(conn)?;
    let today = super::business_day(&settings, now);
    let quarter_start =
        NaiveDate::from_ymd_opt(today.year(), today.month0() / 3 * 3 + 1, 1).unwrap_or(today);
    let days_back = (today - quarter_start).num_days().max(30);
    let sellers: Vec<(Id, Id, Option<NaiveDate>)> = users::table
        .filter(users::role.eq("salesperson"))
        .filter(users::active.eq(true))
        .order(users::email)
        .select((users::id, users::org_unit_id, users::hired_on))
        .load(conn)?;
    for (n, (seller, unit, hired)) in sellers.iter().enumerate() {
        let places: Vec<Place> = customers::table
            .filter(customers::owner_id.eq(seller))
            .filter(customers::status.ne("dormant"))
            .order(customers::code)
            .select((customers::id, customers::latitude, customers::longitude))
            .load(conn)?;
        if places.is_empty() {
            continue;
        }
        let signer = chain_of(conn, *seller, *unit)?.first().copied();
        for back in (1..=days_back).rev() {
            let day = today - Duration::days(back);
            if !settings.is_working_day(day.weekday()) || hired.is_some_and(|h| day < h) {
                continue;
            }
            day_of(
                conn,
                &settings,
                now,
                (n, *seller, *unit),
                signer,
                &places,
                day,
                back,
            )?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn day_of(
    conn: &mut DbConnection,
    settings: &Settings,
    now: Timestamp,
    (n, seller, unit): (usize, Id, Id),
    signer: Option<Id>,
    places: &[Place],
    day: NaiveDate,
    back: i64,
) -> anyhow::Result<()> {
    let r = |salt| roll(n, back, salt);
    // One day in twenty-five nobody reports (missing); one in twenty the person is on leave.
    if r(1) < 4 {
        return Ok(());
    }
    let on_leave = r(2) < 5;
    let morning = local(settings, day, 7 * 60 + 30);
    let planned: Vec<PlannedVisitRow> = if on_leave || r(3) < 10 {
        Vec::new()
    } else {
        let plan = Id::new();
        let count = 3 + (r(4) % 2) as usize;
        let rows: Vec<PlannedVisitRow> = (0..count)
            .map(|i| {
                let (customer, _, _) = places[(i + back as usize) % places.len()];
                PlannedVisitRow {
                    id: Id::new(),
                    plan_id: plan,
                    position: i as i32,
                    customer_id: Some(customer),
                    prospect_name: None,
                    area: Some(format!("Route {}", 1 + back % 3)),
                    planned_start: Some(local(settings, day, 9 * 60 + 90 * i as u32)),
                    planned_end: Some(local(settings, day, 10 * 60 + 90 * i as u32)),
                    purpose: [
                        Purpose::Ordering,
                        Purpose::Collection,
                        Purpose::Service,
                        Purpose::MarketResearch,
                    ][i % 4]
                        .as_str()
                        .into(),
                    expected_result: Some("Reorder and collect open invoices".into()),
                    notes: None,
                }
            })
            .collect();
        let approved = signer.filter(|_| r(5) >= 10);
        diesel::insert_into(vp::table)
            .values((
                vp::id.eq(plan),
                vp::owner_id.eq(seller),
                vp::org_unit_id.eq(unit),
                vp::plan_date.eq(day),
                vp::status.eq(if approved.is_some() {
                    "approved"
                } else {
                    "submitted"
                }),
                vp::submitted_at.eq(Some(morning)),
                vp::approved_by.eq(approved),
                vp::approved_at.eq(approved.map(|_| Timestamp(morning.0 + Duration::minutes(40)))),
                vp::version.eq(if approved.is_some() { 3i64 } else { 2 }),
                vp::created_at.eq(morning),
                vp::updated_at.eq(morning),
            ))
            .execute(conn)?;
        replace_planned(conn, plan, &rows, false)?;
        rows
    };

    let report = Id::new();
    let mut visits = Vec::new();
    if !on_leave {
        // Most planned visits happen; now and then one is skipped and an unplanned one added.
        for (i, p) in planned.iter().enumerate() {
            if r(10 + i as u64) < 15 {
                continue;
            }
            visits.push((
                p.customer_id.unwrap_or(places[0].0),
                Some(p.id),
                Purpose::parse(&p.purpose),
            ));
        }
        if planned.is_empty() || r(6) < 30 {
            let (c, _, _) = places[(back as usize + 2) % places.len()];
            visits.push((c, None, Purpose::Service));
        }
    }
    let rows: Vec<VisitRow> = visits
        .iter()
        .enumerate()
        .map(|(i, (customer, planned_id, purpose))| {
            let roll_i = r(20 + i as u64);
            let effective = roll_i >= 25;
            let order = if effective && roll_i % 3 == 0 {
                5_000 + (roll_i as i64) * 350
            } else {
                0
            };
            let collected = if effective && *purpose == Purpose::Collection {
                8_000 + (roll_i as i64) * 120
            } else {
                0
            };
            let place = places.iter().find(|p| p.0 == *customer);
            // Check-ins near the outlet, one in ten far off.
            let off = if roll_i % 10 == 0 { 0.01 } else { 0.0004 };
            let (lat, lon) = match place {
                Some((_, Some(la), Some(lo))) => (Some(la + off), Some(*lo)),
                _ => (None, None),
            };
            let distance = match (place, lat, lon) {
                (Some((_, Some(la), Some(lo))), Some(a), Some(b)) => {
                    Some((distance_m(a, b, *la, *lo) * 10.0).round() / 10.0)
                }
                _ => None,
            };
            let start = 9 * 60 + 90 * i as u32 + (roll_i as u32 % 20);
            VisitRow {
                id: Id::new(),
                report_id: report,
                position: i as i32,
                customer_id: *customer,
                planned_visit_id: *planned_id,
                started_at: local(settings, day, start),
                ended_at: local(settings, day, start + 35 + (roll_i as u32 % 30)),
                purpose: purpose.as_str().into(),
                outcome: if order > 0 {
                    "order_placed"
                } else if collected > 0 {
                    "collected"
                } else if effective {
                    "info_gathered"
                } else {
                    "not_met"
                }
                .into(),
                effective,
                order_amount_minor: order,
                collected_amount_minor: collected,
                complaint_handled: false,
                opinions: (roll_i % 4 == 0).then(|| "Asks for faster delivery".to_string()),
                developments: (roll_i % 7 == 0)
                    .then(|| "Competitor promotion on the shelf".to_string()),
                checkin_lat: lat,
                checkin_lon: lon,
                checkin_accuracy_m: lat.map(|_| 15.0),
                checkin_distance_m: distance,
                checkin_out_of_range: distance.map(|d| d > f64::from(settings.checkin_radius_m)),
                activated_customer: false,
                order_ref: None,
                promotion_id: None,
                promotion_spend_minor: 0,
            }
        })
        .collect();

    // One report in twelve comes in the next morning (late); the last two days are not reviewed
    // yet; older ones are, with a score.
    let due = report_due_at(settings, day);
    let late = r(7) < 8;
    let submitted = if late {
        Timestamp(due.0 + Duration::hours(13))
    } else {
        Timestamp(due.0 - Duration::minutes(30 + r(8) as i64))
    };
    let submitted = Timestamp(submitted.0.min(now.0));
    let reviewed = back > 2 && signer.is_some();
    let score = 2 + (r(9) % 4) as i32;
    diesel::insert_into(dr::table)
        .values((
            dr::id.eq(report),
            dr::owner_id.eq(seller),
            dr::org_unit_id.eq(unit),
            dr::report_date.eq(day),
            dr::attendance.eq(if on_leave { "leave" } else { "present" }),
            dr::status.eq(if reviewed { "reviewed" } else { "submitted" }),
            dr::experience_notes.eq((!on_leave).then_some("Samples open doors at new outlets")),
            dr::tomorrow_focus.eq((!on_leave).then_some("Collections on the northern route")),
            dr::first_submitted_at.eq(Some(submitted)),
            dr::submitted_at.eq(Some(submitted)),
            dr::late.eq(late),
            dr::reviewed_by.eq(signer.filter(|_| reviewed)),
            dr::reviewed_at.eq(reviewed.then(|| Timestamp(submitted.0 + Duration::hours(14)))),
            dr::review_comment.eq(reviewed.then_some("Clear report, keep the collections up")),
            dr::quality_score.eq(reviewed.then_some(score)),
            dr::version.eq(if reviewed { 3i64 } else { 2 }),
            dr::created_at.eq(submitted),
            dr::updated_at.eq(submitted),
        ))
        .execute(conn)?;
    replace_visits(conn, report, &rows, false)?;
    if !on_leave {
        let expense = ExpenseRow {
            id: Id::new(),
            report_id: report,
            position: 0,
            category: "transport".into(),
            amount_minor: 1_200 + (r(11) as i64) * 15,
            note: Some("Fuel".into()),
        };
        replace_expenses(conn, report, &[expense], false)?;
    }
    let row = ReportRow::find(conn, report).map_err(|e| anyhow::anyhow!("{e}"))?;
    facts::write_facts(conn, &row, &rows, &[], submitted)?;
    facts::activate_prospects(conn, day, &rows, submitted)?;
    Ok(())
}
