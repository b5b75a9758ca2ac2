//! Progress of a company of 2,000 salespeople, timed over HTTP.
//!
//! Generates its own data (company -> 10 regions -> 100 offices -> 2,000 salespeople; a year
//! of sales targets for every unit and person, broken down to months; a year of facts, every
//! working day of 2026 four sales facts and two payments per salesperson, about 3.1 million
//! rows, times `BENCH_FACTS_SCALE`), starts the real server and times the progress endpoints.
//! Run with `cargo bench --bench progress`; SQLite by default, PostgreSQL with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` (a fresh database is
//! created beside it and dropped afterwards). `BENCH_FACTS_SCALE=10` makes ten times the facts
//! (31 million rows); `BENCH_SWEEPS=0` times only the company target. Results go to
//! docs/benchmarks.md by hand.

mod support;

use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use salestrack::clock::Clock;
use salestrack::db::{write_tx, DbConnection, DbUrl, Id};
use salestrack::facts::payments::PaymentFactRow;
use salestrack::facts::sales::SalesFactRow;
use salestrack::org::model::{NewOrgUnit, OrgUnit};
use salestrack::schema::{payment_facts, sales_facts, targets, users};
use salestrack::targets::model::NewTarget;
use salestrack::targets::period::{Period, PeriodType};
use support::{stats, Server};

const REGIONS: usize = 10;
const OFFICES_PER_REGION: usize = 10;
const SELLERS_PER_OFFICE: usize = 20;
const AS_OF: &str = "2026-09-30";

struct Generated {
    company_target: Id,
    targets: usize,
    sellers: Vec<Id>,
}

#[derive(Default)]
struct Facts {
    sales: usize,
    payments: usize,
}

fn insert_targets(conn: &mut DbConnection, rows: &[NewTarget]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        salestrack::per_backend!(&mut *conn, |c| diesel::insert_into(targets::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

fn generate(conn: &mut DbConnection) -> anyhow::Result<Generated> {
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
    for r in 0..REGIONS {
        let region = unit(conn, format!("R{r:02}"), root)?;
        let rt = target(
            Some(region),
            None,
            year,
            per_person * (OFFICES_PER_REGION * SELLERS_PER_OFFICE) as i64,
            Some(company_target),
        );
        for o in 0..OFFICES_PER_REGION {
            let office = unit(conn, format!("R{r:02}-O{o:02}"), region)?;
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
        sellers: sellers.into_iter().map(|(id, _, _)| id).collect(),
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
fn generate_facts(conn: &mut DbConnection, sellers: &[Id], scale: u64) -> anyhow::Result<Facts> {
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

/// Fetches every page of a list; returns the number of items.
async fn sweep(server: &Server, url: &str, token: &str) -> anyhow::Result<usize> {
    let (mut count, mut cursor) = (0, None::<String>);
    loop {
        let page_url = match &cursor {
            Some(c) => format!("{url}&cursor={c}"),
            None => url.to_string(),
        };
        let page = server.get(&page_url, token).await?;
        count += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok(count),
        }
    }
}

fn main() -> anyhow::Result<()> {
    support::with_database(run)
}

fn run(url: DbUrl) -> anyhow::Result<()> {
    let backend = format!("{:?}", url.backend());
    let scale: u64 = match std::env::var("BENCH_FACTS_SCALE") {
        Ok(s) if !s.is_empty() => s.parse().context("BENCH_FACTS_SCALE")?,
        _ => 1,
    };
    let sweeps = std::env::var("BENCH_SWEEPS").map_or(true, |s| s != "0");
    // Its own connection, without the server's statement timeout.
    let mut direct = url.connect()?;
    let state = support::prepare(url)?;
    let started = Instant::now();
    let generated = {
        let mut conn = state.pool.get()?;
        write_tx(&mut conn, generate)?
    };
    let facts = generate_facts(&mut direct, &generated.sellers, scale)?;
    let generating = started.elapsed();
    // Fresh statistics and visibility maps, as a database that has lived a while would have
    // (and so that autovacuum does not run during the timings).
    let settle = Instant::now();
    match &mut direct {
        DbConnection::Pg(c) => c.batch_execute("VACUUM ANALYZE")?,
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE")?,
    }
    println!(
        "backend {backend}, scale {scale}: generated {} targets, {} sales facts, {} payment facts \
         ({} rows of facts) in {:.1} s, then VACUUM/ANALYZE in {:.1} s",
        generated.targets,
        facts.sales,
        facts.payments,
        facts.sales + facts.payments,
        generating.as_secs_f64(),
        settle.elapsed().as_secs_f64()
    );
    drop(direct);
    actix_web::rt::System::new().block_on(async move {
        let server = Server::start(state)?;
        let base = server.base.clone();
        let token = server.admin_token().await?;

        // The company's yearly target as of the end of September (three quarters of the
        // facts summed), as of a day inside September (eight whole months and 17 days) and as
        // of the end of the year (all of them).
        for as_of in [AS_OF, "2026-09-17", "2026-12-31"] {
            let one = format!(
                "{base}/api/v1/targets/{}/progress?as_of={as_of}",
                generated.company_target
            );
            let first = server.get(&one, &token).await?;
            println!(
                "company target as of {as_of}: actual {} of {} ({})",
                first["actual"], first["target"]["value"], first["status"]
            );
            let mut times = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                server.get(&one, &token).await?;
                times.push(t.elapsed());
            }
            println!(
                "| one company target (rolls up all 2,000 people), as of {as_of} | 1 request | {} |",
                stats(times)
            );
        }
        if !sweeps {
            server.stop().await;
            return Ok(());
        }

        for (label, query) in [
            (
                "every yearly target (company, regions, offices, people)",
                "period_type=year",
            ),
            (
                "every salesperson's target for September",
                "period_type=month&covering=2026-09-15",
            ),
        ] {
            let url = format!("{base}/api/v1/progress?{query}&as_of={AS_OF}&limit=500");
            let mut times = Vec::new();
            let mut items = 0;
            for _ in 0..10 {
                let t = Instant::now();
                items = sweep(&server, &url, &token).await?;
                times.push(t.elapsed());
            }
            println!(
                "| {label} | {items} targets, {} pages of 500 | {} |",
                items.div_ceil(500),
                stats(times)
            );
        }
        // Scorecards: every salesperson of the company for September, ranked, in one response.
        let me = server.get(&format!("{base}/api/v1/me"), &token).await?;
        let root = me["user"]["org_unit_id"].as_str().context("no unit")?;
        // A quarter has no quarterly targets here: each person's three months are summed.
        for (label, period) in [("September", "2026-09"), ("the third quarter", "2026-Q3")] {
            let url = format!("{base}/api/v1/scorecards?unit_id={root}&period={period}");
            let mut times = Vec::new();
            let mut items = 0;
            for _ in 0..5 {
                let t = Instant::now();
                let cards = server.get(&url, &token).await?;
                times.push(t.elapsed());
                items = cards["items"].as_array().map_or(0, Vec::len);
            }
            println!(
                "| scorecards of the whole company for {label} | {items} scorecards in one response | {} |",
                stats(times)
            );
        }
        server.stop().await;
        Ok(())
    })
}
