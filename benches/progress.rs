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
use diesel::connection::SimpleConnection;
use salestrack::db::{write_tx, DbConnection, DbUrl};
use support::company::{generate, generate_facts};
use support::{stats, Server};

const AS_OF: &str = "2026-09-30";

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
