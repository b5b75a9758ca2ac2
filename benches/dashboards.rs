//! The four dashboards of a company of 2,000 salespeople, timed over HTTP.
//!
//! The data is that of `benches/progress.rs` (company -> 10 regions -> 100 offices -> 2,000
//! salespeople, a year of sales targets broken down to people and months, a year of facts:
//! about 3.1 million rows), plus what the dashboards read beyond it (`support/field.rs`): the
//! people who run the units, monthly targets of every unit, 20,000 customers (each with a call
//! cycle) and four weeks of visit plans and daily reports. The server's clock is set to
//! 2026-09-30 12:00 UTC (a Wednesday, the last day of a month and of a quarter), so that the
//! month, the quarter and the year to date are full of facts. Each dashboard is read as the
//! role it is made for.
//!
//! `cargo bench --bench dashboards`: SQLite by default, PostgreSQL with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`; `BENCH_RUNS` timed runs
//! per dashboard (default 20, after two untimed); `BENCH_ONLY=weekly` times only the dashboards
//! whose label contains that text; `BENCH_SLOW_MS=20` prints every statement slower than 20 ms
//! (its first 600 characters, or `BENCH_SLOW_CHARS`); `BENCH_KEEP=1` keeps the PostgreSQL
//! database afterwards; `BENCH_DUMP=DIR` writes each dashboard's response to `DIR/<n>.json`
//! (to check that a change leaves every byte as it was).
//! Results go to docs/benchmarks.md by hand.

mod support;

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use salestrack::db::{write_tx, DbConnection, DbUrl, Timestamp};
use salestrack::AppState;
use support::company::{generate, generate_facts};
use support::field::{generate_field, Field};
use support::{Server, PASSWORD};

fn main() -> anyhow::Result<()> {
    support::log_slow_statements()?;
    support::with_database(run)
}

/// p50 and p95 of some timings, in milliseconds.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    (ms(times[times.len() / 2]), ms(p95))
}

async fn login(server: &Server, email: &str) -> anyhow::Result<String> {
    let body = server
        .send_json(
            "POST",
            "/api/v1/auth/login",
            None,
            &serde_json::json!({ "email": email, "password": PASSWORD }),
        )
        .await?;
    Ok(body["access_token"]
        .as_str()
        .context("no token")?
        .to_string())
}

/// The company, its facts and its field work, analysed.
fn generate_all(
    state: &AppState,
    direct: &mut DbConnection,
    now: Timestamp,
) -> anyhow::Result<Field> {
    let backend = format!("{:?}", direct.backend());
    let started = Instant::now();
    let generated = {
        let mut conn = state.pool.get()?;
        write_tx(&mut conn, generate)?
    };
    let facts = generate_facts(direct, &generated.sellers, 1)?;
    let field = generate_field(direct, &generated, now.0.date_naive(), now)?;
    let generating = started.elapsed();
    match direct {
        DbConnection::Pg(c) => c.batch_execute("VACUUM ANALYZE")?,
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE")?,
    }
    println!(
        "backend {backend}: {} targets, {} sales and {} payment facts, {} customers, {} plans, \
         {} reports with {} visits, generated in {:.1} s",
        generated.targets,
        facts.sales,
        facts.payments,
        field.customers,
        field.plans,
        field.reports,
        field.visits,
        generating.as_secs_f64()
    );
    Ok(field)
}

fn run(url: DbUrl) -> anyhow::Result<()> {
    let backend = format!("{:?}", url.backend());
    let runs: usize = match std::env::var("BENCH_RUNS") {
        Ok(s) if !s.is_empty() => s.parse().context("BENCH_RUNS")?,
        _ => 20,
    };
    let mut direct = url.connect()?;
    let state = support::prepare(url)?;
    // The bench's "now": the last working day of September 2026, at noon.
    let now = Timestamp::from(
        Utc.with_ymd_and_hms(2026, 9, 30, 12, 0, 0)
            .single()
            .context("now")?,
    );
    state.clock.advance(now.0 - state.clock.now().0);
    let field = match support::reused() {
        // An earlier run's data (BENCH_KEEP=1), as it was generated.
        Some(name) => {
            println!("backend {backend}: the data of {name}, reused");
            Field::accounts(0)
        }
        None => generate_all(&state, &mut direct, now)?,
    };
    drop(direct);
    actix_web::rt::System::new().block_on(async move {
        let server = Server::start(state)?;
        let base = server.base.clone();
        let seller = login(&server, &field.seller).await?;
        let supervisor = login(&server, &field.supervisor).await?;
        let region = login(&server, &field.region_manager).await?;
        let head = login(&server, &field.head).await?;
        let exec = login(&server, &field.executive).await?;
        let cases: Vec<(&str, &str, String)> = vec![
            (
                "daily, a salesperson's own day",
                &seller,
                "/dashboards/daily".into(),
            ),
            (
                "daily, a supervisor's office (20 people)",
                &supervisor,
                "/dashboards/daily".into(),
            ),
            (
                "daily, a region manager's region (200 people)",
                &region,
                "/dashboards/daily".into(),
            ),
            (
                "weekly, an office supervisor (1 unit, 20 people)",
                &supervisor,
                "/dashboards/weekly".into(),
            ),
            (
                "weekly, a region manager (region + 10 offices)",
                &region,
                "/dashboards/weekly".into(),
            ),
            (
                "weekly, the head of sales (company + 10 regions)",
                &head,
                "/dashboards/weekly".into(),
            ),
            (
                "monthly, a region manager (region + 10 offices, 200 ranked)",
                &region,
                "/dashboards/monthly?month=2026-09".into(),
            ),
            (
                "monthly, the head of sales (company + 10 regions, 2,000 ranked)",
                &head,
                "/dashboards/monthly?month=2026-09".into(),
            ),
            (
                "results, an executive, the year 2026 (company + 10 regions)",
                &exec,
                "/dashboards/results?period=2026".into(),
            ),
            (
                "results, an executive, 2026-Q3",
                &exec,
                "/dashboards/results?period=2026-Q3".into(),
            ),
        ];
        eprintln!("-- the timed requests --");
        println!("| dashboard, read as | bytes | p50 | p95 |");
        println!("|---|---|---|---|");
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        let dump = std::env::var_os("BENCH_DUMP").map(std::path::PathBuf::from);
        for (n, (label, token, path)) in cases.into_iter().enumerate() {
            if !label.contains(&only) {
                continue;
            }
            let url = format!("{base}/api/v1{path}");
            let first = server.get(&url, token).await?;
            let bytes = serde_json::to_vec(&first)?.len();
            if let Some(dir) = &dump {
                std::fs::create_dir_all(dir)?;
                std::fs::write(
                    dir.join(format!("{n}.json")),
                    serde_json::to_vec_pretty(&first)?,
                )?;
            }
            server.get(&url, token).await?;
            let mut times = Vec::new();
            for _ in 0..runs {
                let t = Instant::now();
                server.get(&url, token).await?;
                times.push(t.elapsed());
            }
            let (p50, p95) = percentiles(times);
            println!("| {label} | {bytes} | {p50:.1} ms | {p95:.1} ms |");
        }
        server.stop().await;
        Ok(())
    })
}
