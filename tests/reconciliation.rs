//! Report orders and ERP sales reconciled by order reference: each sale counts once under every
//! `money_facts_source`, whichever arrives first, through an ERP correction and the ERP
//! declaring a period complete; superseded report facts stay, visible on both sides.

mod common;
mod visits_support;

use chrono::NaiveDate;
use common::*;
use serde_json::{json, Value};
use visits_support::*;

/// A sales fact of the ERP for the north seller on `d`.
fn erp(ext: &str, d: NaiveDate, seller: &str, revenue: i64, order_ref: Option<&str>) -> Value {
    json!({ "external_id": ext, "sold_on": day(d), "salesperson_id": seller,
            "revenue_minor": revenue, "cost_minor": revenue / 2, "order_ref": order_ref })
}

async fn upload(app: &TestApp, token: &str, body: Value) {
    let res = app
        .post("/api/v1/sales-facts")
        .bearer(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// The day's report: order SO-1 of 148,456 (a line) and a quick order of 10,000 without a
/// reference.
async fn report_orders(app: &TestApp, f: &Field, product: &str, d: NaiveDate) -> Resp {
    let mut so1 = visit(&f.shop, d, "ordering", 0, 0, true);
    so1.as_object_mut().unwrap().remove("order_amount_minor");
    so1["order_lines"] =
        json!([{ "product_id": product, "quantity": 1, "unit_price_minor": 148_456 }]);
    so1["order_ref"] = json!("SO-1");
    let mut quick = visit(&f.shop, d, "ordering", 10_000, 0, true);
    quick["started_at"] = json!(at(d, 15, 0));
    quick["ended_at"] = json!(at(d, 15, 30));
    let created = report(app, &f.seller, d, json!([so1, quick])).await;
    submit(app, &f.seller, &created).await
}

/// Actual, ERP-confirmed and reported-only parts of a target under each setting.
async fn under_each_setting(
    app: &TestApp,
    admin: &str,
    target: &str,
    d: NaiveDate,
) -> Vec<(String, i64, i64, i64)> {
    let mut out = Vec::new();
    for source in ["report", "erp", "both"] {
        set_money_source(app, admin, source).await;
        let p = progress_on(app, admin, target, d).await;
        let parts = &p["sources"];
        assert_eq!(
            parts["erp_confirmed"].as_i64().unwrap() + parts["reported_only"].as_i64().unwrap(),
            p["actual"].as_i64().unwrap(),
            "{p}"
        );
        out.push((
            source.to_string(),
            p["actual"].as_i64().unwrap(),
            parts["erp_confirmed"].as_i64().unwrap(),
            parts["reported_only"].as_i64().unwrap(),
        ));
    }
    out
}

fn expect(rows: [(&str, i64, i64, i64); 3]) -> Vec<(String, i64, i64, i64)> {
    rows.iter()
        .map(|(s, a, e, r)| (s.to_string(), *a, *e, *r))
        .collect()
}

async fn facts(app: &TestApp, admin: &str, seller: &str) -> Vec<Value> {
    app.items(
        &format!("/api/v1/sales-facts?salesperson_id={seller}"),
        admin,
    )
    .await
}

fn fact<'a>(facts: &'a [Value], ext: &str) -> &'a Value {
    facts
        .iter()
        .find(|f| f["external_id"].as_str().unwrap().starts_with(ext))
        .unwrap_or_else(|| panic!("no fact {ext}: {facts:?}"))
}

/// The whole story, with the report first or the ERP first.
async fn each_sale_counts_once(report_first: bool) {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let o = &f.org;
    let admin = &o.admin;
    let seller = &o.north_seller;
    let d = today(&app);
    let cola = product(&app, admin, "COLA", "beverages", Some(1_000), Some(600)).await;
    let target = month_target(&app, admin, "sales_amount", None, seller, d, 500_000).await;
    // The ERP invoices SO-1 at 140,000 (it knows better than the report), and a sale SO-9
    // nobody reported.
    let invoices = json!({ "rows": [
        erp("INV-1", d, seller, 140_000, Some("SO-1")),
        erp("INV-9", d, seller, 50_000, Some("SO-9"))
    ]});
    if report_first {
        report_orders(&app, &f, &cola, d).await;
        assert_eq!(
            under_each_setting(&app, admin, &target, d).await,
            expect([
                ("report", 158_456, 0, 158_456),
                ("erp", 0, 0, 0),
                ("both", 158_456, 0, 158_456)
            ])
        );
        upload(&app, admin, invoices).await;
    } else {
        upload(&app, admin, invoices).await;
        assert_eq!(
            under_each_setting(&app, admin, &target, d).await,
            expect([
                ("report", 0, 0, 0),
                ("erp", 190_000, 190_000, 0),
                ("both", 190_000, 190_000, 0)
            ])
        );
        report_orders(&app, &f, &cola, d).await;
    }
    // SO-1 counts once everywhere: the report's 148,456 under `report` (confirmed by the ERP),
    // the ERP's 140,000 under `erp` and `both`; the unreferenced quick order counts as
    // reported only until the ERP reports its day.
    assert_eq!(
        under_each_setting(&app, admin, &target, d).await,
        expect([
            ("report", 158_456, 148_456, 10_000),
            ("erp", 190_000, 190_000, 0),
            ("both", 200_000, 190_000, 10_000)
        ])
    );
    // Superseded, kept and visible on both sides.
    let all = facts(&app, admin, seller).await;
    let inv = fact(&all, "INV-1");
    let line = fact(&all, "daily-report-line:");
    assert_eq!(line["reconciliation"], "confirmed");
    assert_eq!(line["superseded_by"], inv["id"]);
    assert_eq!(line["order_ref"], "SO-1");
    assert_eq!(inv["reconciliation"], "confirms_report");
    assert_eq!(fact(&all, "INV-9")["reconciliation"], "erp_only");
    assert_eq!(
        fact(&all, "daily-report-visit:")["reconciliation"],
        "reported_only"
    );

    // A correction from the ERP: SO-1 was 135,000.
    upload(
        &app,
        admin,
        json!({ "rows": [erp("INV-1", d, seller, 135_000, Some("SO-1"))] }),
    )
    .await;
    assert_eq!(
        under_each_setting(&app, admin, &target, d).await,
        expect([
            ("report", 158_456, 148_456, 10_000),
            ("erp", 185_000, 185_000, 0),
            ("both", 195_000, 185_000, 10_000)
        ])
    );

    // The ERP reports the day complete: the quick order was never invoiced, and stops
    // counting where the ERP is the truth.
    upload(
        &app,
        admin,
        json!({ "rows": [erp("INV-9", d, seller, 50_000, Some("SO-9"))], "complete_through": day(d) }),
    )
    .await;
    assert_eq!(
        under_each_setting(&app, admin, &target, d).await,
        expect([
            ("report", 158_456, 148_456, 10_000),
            ("erp", 185_000, 185_000, 0),
            ("both", 185_000, 185_000, 0)
        ])
    );
    let all = facts(&app, admin, seller).await;
    assert_eq!(
        fact(&all, "daily-report-visit:")["reconciliation"],
        "not_invoiced"
    );
    let p = progress_on(&app, admin, &target, d).await;
    assert_eq!(p["sources"]["erp_complete_through"], day(d));
}

#[actix_web::test]
async fn a_reported_order_that_the_erp_invoices_later_counts_once_under_every_setting() {
    each_sale_counts_once(true).await;
}

#[actix_web::test]
async fn an_erp_sale_that_a_report_names_later_counts_once_under_every_setting() {
    each_sale_counts_once(false).await;
}

#[actix_web::test]
async fn the_reconciliation_follows_the_erp_and_a_returned_report() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = &f.org.admin;
    let seller = &f.org.north_seller;
    let d = today(&app);
    let cola = product(&app, admin, "COLA", "beverages", Some(1_000), Some(600)).await;
    let target = month_target(&app, admin, "sales_amount", None, seller, d, 500_000).await;
    let submitted = report_orders(&app, &f, &cola, d).await;
    upload(
        &app,
        admin,
        json!({ "rows": [erp("INV-1", d, seller, 140_000, Some("SO-1"))] }),
    )
    .await;
    let head = app
        .get("/api/v1/changes/head")
        .bearer(admin)
        .send()
        .await
        .body["position"]
        .as_i64()
        .unwrap();
    // The ERP corrects the reference of its invoice: SO-1 is no longer confirmed.
    upload(
        &app,
        admin,
        json!({ "rows": [erp("INV-1", d, seller, 140_000, Some("SO-7"))] }),
    )
    .await;
    let all = facts(&app, admin, seller).await;
    let line = fact(&all, "daily-report-line:");
    assert_eq!(line["reconciliation"], "reported_only");
    assert!(line["superseded_by"].is_null());
    assert_eq!(line["version"], 3, "written, confirmed, released");
    assert_eq!(fact(&all, "INV-1")["reconciliation"], "erp_only");
    // Both changes are in the feed.
    let changes = app
        .get(&format!("/api/v1/changes?after={head}"))
        .bearer(admin)
        .send()
        .await;
    let changed: Vec<&str> = changes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_type"] == "sales_fact")
        .map(|c| c["resource"]["external_id"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&"INV-1"), "{changed:?}");
    assert!(
        changed.iter().any(|e| e.starts_with("daily-report-line:")),
        "{changed:?}"
    );
    set_money_source(&app, admin, "both").await;
    assert_eq!(
        progress_on(&app, admin, &target, d).await["actual"],
        148_456 + 10_000 + 140_000
    );

    // Back to SO-1, then the report is returned: its facts go, the ERP fact confirms nothing.
    upload(
        &app,
        admin,
        json!({ "rows": [erp("INV-1", d, seller, 140_000, Some("SO-1"))] }),
    )
    .await;
    let returned = act(
        &app,
        &f.supervisor,
        &format!("/api/v1/daily-reports/{}/return", submitted.id()),
        &submitted.etag(),
        Some(json!({ "comment": "Check SO-1" })),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    let all = facts(&app, admin, seller).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["reconciliation"], "erp_only");
    assert_eq!(
        progress_on(&app, admin, &target, d).await["actual"],
        140_000
    );
}

#[actix_web::test]
async fn bad_reconciliation_input_is_named() {
    let app = TestApp::spawn().await;
    let f = field(&app).await;
    let admin = &f.org.admin;
    let d = today(&app);
    let long = "x".repeat(101);
    let res = app
        .post("/api/v1/sales-facts")
        .bearer(admin)
        .json(
            json!({ "rows": [erp("E", d, &f.org.north_seller, 1, Some(&long))],
                      "complete_through": "2026-13-01" }),
        )
        .send()
        .await;
    let mut fields = res.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["complete_through"]);
    let res = app
        .post("/api/v1/sales-facts")
        .bearer(admin)
        .json(json!({ "rows": [erp("E", d, &f.org.north_seller, 1, Some(&long))] }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["rows[0].order_ref"]);
    // Only importers declare the ERP complete.
    let res = app
        .post("/api/v1/sales-facts")
        .bearer(&f.seller)
        .json(json!({ "rows": [erp("E", d, &f.org.north_seller, 1, None)], "complete_through": day(d) }))
        .send()
        .await;
    res.problem(403);
}
