//! Call cycles on a small territory whose answers are counted by hand: coverage of last week,
//! the suggested visits of next Monday in a nearest-neighbour route, and the draft plan made
//! of them.

mod common;
mod visits_support;

use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use serde_json::{json, Value};
use visits_support::*;

/// The north seller's territory, around last week's Monday `m`.
struct Territory {
    f: Field,
    m: NaiveDate,
    /// Customer ids by letter.
    ids: std::collections::HashMap<&'static str, String>,
}

/// Every customer is active since `m - 60` unless said otherwise, placed on a line north of
/// 53.50 N at 10.0 E:
///
/// | | cycle | interval | visits | lat |
/// |---|---|---|---|---|
/// | A | every week | 7 | m-3, m+3 | 53.51 |
/// | B | every week | 7 | m-10 | 53.60 |
/// | C | 4 a month | 7 | m-2, m+5 | 53.70 |
/// | D | every 2 weeks | 14 | m-5 | 53.52 |
/// | E | 2 a month | 15 | never (active since m-20) | 53.50 |
/// | F | 1 a month | 30 | m-35, m+1 | 53.80 |
/// | I | every 2 weeks, prefers wed | 14 | m-7, m | 53.53 |
/// | H | every week, dormant | - | - | - |
/// | S | every week, the south seller's | 7 | never (active since m-30) | - |
async fn territory(app: &TestApp) -> Territory {
    let f = field(app).await;
    let today = today(app);
    let m = today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 7);
    let o = &f.org;
    let row = |ext: &str, lat: f64, cycle: Value| {
        let mut r = json!({ "external_id": ext, "code": ext, "name": format!("Outlet {ext}"),
            "org_unit_id": o.north_office, "owner_id": o.north_seller, "status": "active",
            "activated_on": day(m - Duration::days(60)), "latitude": lat, "longitude": 10.0 });
        for (k, v) in cycle.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let rows = json!([
        row(
            "A",
            53.51,
            json!({ "visit_every_weeks": 1, "preferred_visit_from": "09:00", "preferred_visit_to": "10:00" })
        ),
        row("B", 53.60, json!({ "visit_every_weeks": 1 })),
        row(
            "C",
            53.70,
            json!({ "visits_per_month": 4, "preferred_visit_day": "tue" })
        ),
        row("D", 53.52, json!({ "visit_every_weeks": 2 })),
        row(
            "E",
            53.50,
            json!({ "visits_per_month": 2, "activated_on": day(m - Duration::days(20)) })
        ),
        row("F", 53.80, json!({ "visits_per_month": 1 })),
        row(
            "I",
            53.53,
            json!({ "visit_every_weeks": 2, "preferred_visit_day": "wed" })
        ),
        row(
            "H",
            53.54,
            json!({ "visit_every_weeks": 1, "status": "dormant" })
        ),
        row(
            "S",
            48.0,
            json!({ "visit_every_weeks": 1, "org_unit_id": o.south, "owner_id": o.south_seller,
            "activated_on": day(m - Duration::days(30)) })
        ),
    ]);
    let res = app
        .post("/api/v1/customers/bulk")
        .bearer(&o.admin)
        .json(json!({ "rows": rows }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let letters = ["A", "B", "C", "D", "E", "F", "I", "H", "S"];
    let ids: std::collections::HashMap<&'static str, String> = letters
        .iter()
        .zip(res.body["rows"].as_array().unwrap())
        .map(|(l, r)| (*l, r["id"].as_str().unwrap().to_string()))
        .collect();
    // The north seller's submitted reports: the visits of each day.
    let days: [(i64, &[&str]); 10] = [
        (-35, &["F"]),
        (-10, &["B"]),
        (-7, &["I"]),
        (-5, &["D"]),
        (-3, &["A"]),
        (-2, &["C"]),
        (0, &["I"]),
        (1, &["F"]),
        (3, &["A"]),
        (5, &["C"]),
    ];
    for (offset, letters) in days {
        let d = m + Duration::days(offset);
        let visits: Vec<Value> = letters
            .iter()
            .map(|l| visit(&ids[l], d, "service", 0, 0, true))
            .collect();
        submitted_report(app, &f.seller, d, json!(visits)).await;
    }
    Territory { f, m, ids }
}

async fn coverage(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/coverage?{query}"))
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}

fn figures(v: &Value) -> (i64, i64, i64, i64) {
    (
        v["customers"].as_i64().unwrap(),
        v["customers_due"].as_i64().unwrap(),
        v["customers_covered"].as_i64().unwrap(),
        v["customers_overdue"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn coverage_of_last_week_matches_a_hand_count() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let o = &t.f.org;
    let m = t.m;
    let week = m.iso_week();
    let period = format!("{}-W{:02}", week.year(), week.week());
    // Due by Sunday m+6 (first due day from the last visit before Monday): A (m+4), B (m-3),
    // C (m+5), E (m-5), F (m-5); not D (m+9) nor I (m+7). Never overdue in the week: A, and C
    // (visited on its due day m+5). B and E are overdue on Sunday by 9 and 11 days; F was
    // overdue until its visit on m+1.
    let north = coverage(
        &app,
        &t.f.manager,
        &format!("unit_id={}&period={period}", o.north),
    )
    .await;
    assert_eq!(north["from"], day(m));
    assert_eq!(north["as_of"], day(m + Duration::days(6)));
    assert_eq!(figures(&north["total"]), (7, 5, 2, 2));
    assert_eq!(north["total"]["coverage_rate"], 0.4);
    let people = north["people"].as_array().unwrap();
    assert_eq!(people.len(), 1);
    let overdue = people[0]["overdue_customers"].as_array().unwrap();
    let listed: Vec<(&str, i64, &str)> = overdue
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["days_overdue"].as_i64().unwrap(),
                c["due_on"].as_str().unwrap(),
            )
        })
        .collect();
    let on = |offset: i64| day(m + Duration::days(offset));
    assert_eq!(
        listed,
        [("E", 11, on(-5).as_str()), ("B", 9, on(-3).as_str())]
    );
    assert!(overdue[0]["last_visited_on"].is_null());
    assert_eq!(overdue[1]["last_visited_on"], on(-10));
    assert_eq!(overdue[1]["interval_days"], 7);

    // The company: the south seller's S is due, uncovered and 29 days overdue on Sunday.
    let all = coverage(&app, &o.admin, &format!("period={period}")).await;
    assert_eq!(figures(&all["total"]), (8, 6, 2, 3));
    assert_eq!(all["total"]["coverage_rate"], 0.3333);
    // A salesperson gets their own; the month of m counts as far as today.
    let mine = coverage(&app, &t.f.seller, &format!("period={period}")).await;
    assert_eq!(mine["people"].as_array().unwrap().len(), 1);
    assert_eq!(figures(&mine["total"]), (7, 5, 2, 2));

    // The scorecard and the weekly report carry it too.
    let month = format!("{}-{:02}", m.year(), m.month());
    let cards = app
        .get(&format!(
            "/api/v1/scorecards?unit_id={}&period={month}",
            o.north
        ))
        .bearer(&t.f.manager)
        .send()
        .await;
    assert_eq!(cards.status, 200, "{}", cards.text);
    assert_eq!(cards.body["items"][0]["coverage"]["customers"], 7);
    let weekly = app
        .post("/api/v1/weekly-reports")
        .bearer(&t.f.supervisor)
        .json(json!({ "unit_id": o.north_office, "week": period }))
        .send()
        .await;
    assert_eq!(weekly.status, 201, "{}", weekly.text);
    assert_eq!(figures(&weekly.body["figures"]["coverage"]), (7, 5, 2, 2));
    assert_eq!(weekly.body["figures"]["people"][0]["coverage_rate"], 0.4);
}

#[actix_web::test]
async fn next_mondays_suggestions_are_the_most_overdue_in_a_short_route_and_become_a_plan() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let (f, m) = (&t.f, t.m);
    let settings = app
        .get("/api/v1/settings")
        .bearer(&f.org.admin)
        .send()
        .await;
    let res = app
        .patch("/api/v1/settings")
        .bearer(&f.org.admin)
        .header("if-match", &settings.etag())
        .json(json!({ "visit_suggestions_max": 4 }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    // On Monday m+14: E is 19 days overdue, B 17, D 5, A 4, C 2 (it prefers Tuesday, but is
    // overdue); F is not due (m+31), I is due that day but waits for its Wednesday. The four
    // most overdue, routed from E (53.50): A (53.51), D (53.52), B (53.60); C is left out.
    let next = m + Duration::days(14);
    let res = app
        .get(&format!(
            "/api/v1/visit-plans/suggestions?date={}",
            day(next)
        ))
        .bearer(&f.seller)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let items = res.body["items"].as_array().unwrap();
    let route: Vec<(&str, i64)> = items
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap(),
                s["days_overdue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(route, [("E", 19), ("A", 4), ("D", 5), ("B", 17)]);
    assert_eq!(res.body["left_out"], 1);
    assert_eq!(res.body["max_visits"], 4);
    assert!(items[0]["distance_from_previous_m"].is_null());
    // 0.01 degree of latitude is about 1,112 m.
    for (i, metres) in [(1, 1_112.0), (2, 1_112.0), (3, 8_896.0)] {
        let d = items[i]["distance_from_previous_m"].as_f64().unwrap();
        assert!((d - metres).abs() < 5.0, "stop {i}: {d}");
    }
    // A supervisor reads the seller's; the plan is the seller's own.
    let theirs = app
        .get(&format!(
            "/api/v1/visit-plans/suggestions?date={}&owner_id={}",
            day(next),
            f.org.north_seller
        ))
        .bearer(&f.supervisor)
        .send()
        .await;
    assert_eq!(theirs.body["items"], res.body["items"]);

    let made = app
        .post("/api/v1/visit-plans/from-suggestions")
        .bearer(&f.seller)
        .header("idempotency-key", "plan-next-monday")
        .json(json!({ "plan_date": day(next) }))
        .send()
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(
        made.header("location").unwrap(),
        format!("/api/v1/visit-plans/{}", made.id())
    );
    let plan = &made.body;
    assert_eq!(plan["status"], "draft");
    let planned: Vec<&str> = plan["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["E", "A", "D", "B"].map(|l| t.ids[l].as_str()));
    let a = &plan["visits"][1];
    assert_eq!(a["purpose"], "ordering");
    let start: chrono::DateTime<chrono::Utc> =
        a["planned_start"].as_str().unwrap().parse().unwrap();
    assert_eq!(start, next.and_hms_opt(9, 0, 0).unwrap().and_utc());
    assert!(a["notes"].as_str().unwrap().contains("4 days overdue"));
    // One plan a day.
    let again = app
        .post("/api/v1/visit-plans/from-suggestions")
        .bearer(&f.seller)
        .json(json!({ "plan_date": day(next) }))
        .send()
        .await;
    again.problem(409);
    assert_eq!(again.body["errors"][0]["field"], "plan_date");
}

/// The codes and days overdue of a daily dashboard's person.
fn overdue_of(dashboard: &Value, user: &str) -> Vec<(String, i64)> {
    let person = dashboard["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == user)
        .unwrap_or_else(|| panic!("{user} not on the dashboard: {dashboard}"));
    person["overdue_customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["days_overdue"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn daily(app: &TestApp, token: &str) -> Value {
    let res = app
        .get("/api/v1/dashboards/daily")
        .bearer(token)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}

#[actix_web::test]
async fn the_daily_dashboard_lists_each_persons_customers_overdue_today() {
    let app = TestApp::spawn().await;
    let t = territory(&app).await;
    let (f, m) = (&t.f, t.m);
    let today = today(&app);
    // Today is m+w, w in 7..=13. Due days from the last visits: A m+10, B m-3, C m+12, D m+9,
    // E m-5, F m+31, I m+14; overdue today by w minus that offset, when positive.
    let w = (today - m).num_days();
    let mut expected: Vec<(String, i64)> = [("A", 10), ("B", -3), ("C", 12), ("D", 9), ("E", -5)]
        .iter()
        .filter(|(_, due)| w > *due)
        .map(|(code, due)| (code.to_string(), w - due))
        .collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(expected[0], ("E".to_string(), w + 5), "E leads, then B");

    let team = daily(&app, &f.supervisor).await;
    assert_eq!(overdue_of(&team, &f.org.north_seller), expected);
    let first = &team["people"][0]["overdue_customers"][0];
    assert_eq!(first["customer_id"], json!(t.ids["E"]));
    assert_eq!(first["interval_days"], 15);
    assert!(first["last_visited_on"].is_null());
    assert_eq!(first["due_on"], day(m - Duration::days(5)));
    // The south seller's S (every week, never visited, active since m-30) is theirs alone.
    let south = daily(&app, &f.south_supervisor).await;
    assert_eq!(
        overdue_of(&south, &f.org.south_seller),
        [("S".to_string(), w + 23)]
    );
    // A visit in today's submitted report takes E off the seller's own list.
    submitted_report(
        &app,
        &f.seller,
        today,
        json!([visit(&t.ids["E"], today, "service", 0, 0, true)]),
    )
    .await;
    let mine = daily(&app, &f.seller).await;
    expected.remove(0);
    assert_eq!(overdue_of(&mine, &f.org.north_seller), expected);
}
