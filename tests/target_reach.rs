//! Who reads and writes which targets: salespeople their own, supervisors their people's,
//! dealers their dealer's, executives everything without writing.

mod common;
mod sales;

use common::*;
use sales::*;
use serde_json::json;

#[actix_web::test]
async fn a_salesperson_reads_only_own_targets_and_creates_none() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let mine = create_target(&app, &c.head, year(("user_id", &o.north_seller), 100)).await;
    let peer = create_target(&app, &c.head, year(("user_id", &o.south_seller), 100)).await;
    let nsp = app.login("nsp@test.local", PASSWORD).await;
    let peer_path = format!("/api/v1/targets/{}", peer["id"].as_str().unwrap());
    app.get(&peer_path).bearer(&nsp).send().await.problem(404);
    app.get(&format!("{peer_path}/progress"))
        .bearer(&nsp)
        .send()
        .await
        .problem(404);
    app.get(&format!("{peer_path}/allocation"))
        .bearer(&nsp)
        .send()
        .await
        .problem(404);
    let own = app
        .get(&format!("/api/v1/targets/{}", mine["id"].as_str().unwrap()))
        .bearer(&nsp)
        .send()
        .await;
    assert_eq!(own.status, 200);
    let list = app.get("/api/v1/targets").bearer(&nsp).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    app.post("/api/v1/targets")
        .bearer(&nsp)
        .json(year(("user_id", &o.north_seller), 5))
        .send()
        .await
        .problem(403);
    app.post(&format!("{peer_path}/split"))
        .bearer(&nsp)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "month" }))
        .send()
        .await
        .problem(403);
    // An executive reads everything and writes nothing.
    app.create_user(&o.admin, "ceo@test.local", "executive", &o.root)
        .await;
    let ceo = app.login("ceo@test.local", PASSWORD).await;
    let all = app.get("/api/v1/targets").bearer(&ceo).send().await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    app.post("/api/v1/targets")
        .bearer(&ceo)
        .json(year(("user_id", &o.north_seller), 5))
        .send()
        .await
        .problem(403);
}

#[actix_web::test]
async fn a_supervisor_breaks_the_units_target_down_to_own_people_only() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let office = create_target(&app, &c.head, year(("unit_id", &o.north_office), 900)).await;
    let oid = office["id"].as_str().unwrap();
    let south = create_target(&app, &c.head, year(("unit_id", &o.south), 900)).await;
    let ns = app.login("ns@test.local", PASSWORD).await;
    app.get(&format!(
        "/api/v1/targets/{}",
        south["id"].as_str().unwrap()
    ))
    .bearer(&ns)
    .send()
    .await
    .problem(404);
    // Top-level targets and unit targets are for managers.
    app.post("/api/v1/targets")
        .bearer(&ns)
        .json(year(("user_id", &o.north_seller), 5))
        .send()
        .await
        .problem(403);
    app.post(&format!("/api/v1/targets/{oid}/split"))
        .bearer(&ns)
        .header("if-match", "*")
        .json(json!({ "over": "time", "into": "month" }))
        .send()
        .await
        .problem(403);
    let res = app
        .post(&format!("/api/v1/targets/{oid}/split"))
        .bearer(&ns)
        .header("if-match", "*")
        .json(json!({ "over": "assignees", "shares": [{ "user_id": o.north_seller }, { "user_id": o.south_seller }] }))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), ["user_id"]);
    let ok = app
        .post(&format!("/api/v1/targets/{oid}/split"))
        .bearer(&ns)
        .header("if-match", "*")
        .json(json!({ "over": "assignees", "shares": [{ "user_id": o.north_seller }] }))
        .send()
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(values(&ok.body["children"]), [900]);
}

#[actix_web::test]
async fn a_dealer_user_reads_its_dealers_targets_only() {
    let app = TestApp::spawn().await;
    let c = company(&app).await;
    let o = &c.org;
    let mut dealers = Vec::new();
    for code in ["D1", "D2"] {
        let res = app
            .post("/api/v1/dealers")
            .bearer(&o.admin)
            .json(json!({ "code": code, "name": code, "org_unit_id": o.north }))
            .send()
            .await;
        dealers.push(res.id());
    }
    let user = app
        .create_user(&o.admin, "d1@test.local", "dealer", &o.root)
        .await;
    let link = app
        .post(&format!("/api/v1/dealers/{}/users", dealers[0]))
        .bearer(&o.admin)
        .json(json!({ "user_id": user }))
        .send()
        .await;
    assert_eq!(link.status, 200);
    let own = create_target(&app, &c.head, year(("dealer_id", &dealers[0]), 100)).await;
    let other = create_target(&app, &c.head, year(("dealer_id", &dealers[1]), 100)).await;
    let dealer = app.login("d1@test.local", PASSWORD).await;
    let list = app
        .get("/api/v1/progress?as_of=2026-06-30")
        .bearer(&dealer)
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["target"]["id"], own["id"]);
    app.get(&format!(
        "/api/v1/targets/{}",
        other["id"].as_str().unwrap()
    ))
    .bearer(&dealer)
    .send()
    .await
    .problem(404);
    app.post("/api/v1/targets")
        .bearer(&dealer)
        .json(year(("dealer_id", &dealers[0]), 5))
        .send()
        .await
        .problem(403);
}
