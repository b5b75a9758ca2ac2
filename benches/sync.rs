//! Sync at ERP scale, timed over HTTP: 100,000 sales facts imported in batches of 1,000, then
//! the 100,000 change feed entries they made read back in pages of 500.
//!
//! Run with `cargo bench --bench sync`; SQLite by default, PostgreSQL with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` (a fresh database is
//! created beside it and dropped afterwards). Results go to docs/benchmarks.md by hand.

mod support;

use std::time::Instant;

use anyhow::Context;
use serde_json::{json, Value};
use support::Server;

const FACTS: usize = 100_000;
const BATCH: usize = 1_000;
const PAGE: usize = 500;
const SELLERS: usize = 20;

fn main() -> anyhow::Result<()> {
    support::with_database(|url| {
        let backend = format!("{:?}", url.backend());
        let state = support::prepare(url)?;
        actix_web::rt::System::new().block_on(async move {
            let server = Server::start(state)?;
            let token = server.admin_token().await?;
            let me = server.get("/api/v1/me", &token).await?;
            let unit = me["user"]["org_unit_id"].as_str().context("no unit")?.to_string();
            let mut sellers = Vec::new();
            for i in 0..SELLERS {
                let user = server
                    .send_json(
                        "POST",
                        "/api/v1/users",
                        Some(&token),
                        &json!({ "email": format!("s{i}@bench.local"), "name": format!("Seller {i}"),
                                 "role": "salesperson", "org_unit_id": unit,
                                 "password": support::PASSWORD }),
                    )
                    .await?;
                sellers.push(user["id"].as_str().context("no id")?.to_string());
            }
            let head = server.get("/api/v1/changes/head", &token).await?["position"]
                .as_i64()
                .context("no head")?;

            println!("backend {backend}");
            let batch = |round: usize, pass: usize| -> Value {
                let rows: Vec<Value> = (0..BATCH)
                    .map(|k| {
                        let n = round * BATCH + k;
                        json!({
                            "external_id": format!("ERP-S-{n:07}"),
                            "sold_on": format!("2026-{:02}-{:02}", n % 12 + 1, n % 28 + 1),
                            "salesperson_id": sellers[n % SELLERS],
                            "revenue_minor": 1_000 + (n % 977) as i64 + pass as i64,
                            "cost_minor": 600 + (n % 313) as i64,
                        })
                    })
                    .collect();
                json!({ "rows": rows })
            };
            for (label, pass) in [("new", 0), ("changed", 1), ("unchanged", 1)] {
                let started = Instant::now();
                let mut counted = [0u64; 3];
                for round in 0..FACTS / BATCH {
                    let result = server
                        .send_json("POST", "/api/v1/sales-facts", Some(&token), &batch(round, pass))
                        .await?;
                    for (slot, key) in ["created", "updated", "unchanged"].iter().enumerate() {
                        counted[slot] += result[key].as_u64().unwrap_or(0);
                    }
                }
                let took = started.elapsed();
                println!(
                    "| import {FACTS} sales facts ({label}), {} batches of {BATCH} | {:.2} s | {:.0} rows/s | created {}, updated {}, unchanged {} |",
                    FACTS / BATCH,
                    took.as_secs_f64(),
                    FACTS as f64 / took.as_secs_f64(),
                    counted[0],
                    counted[1],
                    counted[2],
                );
            }

            // The feed: every entry the imports made, in pages of 500.
            let started = Instant::now();
            let (mut after, mut entries, mut pages) = (head, 0usize, 0usize);
            loop {
                let page = server
                    .get(
                        &format!("/api/v1/changes?after={after}&limit={PAGE}&types=sales_fact"),
                        &token,
                    )
                    .await?;
                entries += page["items"].as_array().map_or(0, Vec::len);
                pages += 1;
                after = page["next_after"].as_i64().context("no next_after")?;
                if !page["has_more"].as_bool().unwrap_or(false) {
                    break;
                }
            }
            let took = started.elapsed();
            println!(
                "| read {entries} feed entries, {pages} pages of {PAGE} | {:.2} s | {:.0} entries/s |",
                took.as_secs_f64(),
                entries as f64 / took.as_secs_f64()
            );
            // One page of 500, by the encoding asked for (what a page costs, and where).
            for encoding in ["identity", "gzip", "br"] {
                let mut times = Vec::new();
                for k in 0..20 {
                    let t = Instant::now();
                    server
                        .get_encoded(
                            &format!("/api/v1/changes?after={}&limit={PAGE}&types=sales_fact", head + k * 5000),
                            &token,
                            encoding,
                        )
                        .await?;
                    times.push(t.elapsed());
                }
                println!("| one page of {PAGE} entries, `Accept-Encoding: {encoding}` | {} |", support::stats(times));
            }
            anyhow::ensure!(entries == 2 * FACTS, "expected {} entries, read {entries}", 2 * FACTS);
            server.stop().await;
            Ok(())
        })
    })
}
