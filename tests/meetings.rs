//! Meetings: a supervisor holds the unit's meeting, records attendance and minutes; someone far
//! away files a remote report instead, and the organiser sees who reported.

mod common;

use common::*;
use serde_json::json;

#[actix_web::test]
async fn a_morning_meeting_with_a_remote_report_and_minutes() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let supervisor = app.login("ns@test.local", PASSWORD).await;
    let res = app
        .post("/api/v1/meetings")
        .bearer(&supervisor)
        .json(
            json!({"meeting_type": "morning", "unit_id": org.north_office,
            "starts_at": "2026-11-27T07:30:00Z", "agenda": "Yesterday's orders; today's focus"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let attendees = res.body["attendees"].as_array().unwrap();
    assert_eq!(
        attendees.len(),
        1,
        "the office's salesperson; not the organiser"
    );
    assert_eq!(attendees[0]["user_id"], json!(org.north_seller));
    assert_eq!(attendees[0]["attendance"], "invited");
    let path = format!("/api/v1/meetings/{}", res.id());

    // The salesperson is far away and reports remotely.
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let report = app
        .post(&format!("{path}/remote-report"))
        .bearer(&seller)
        .header("if-match", &res.etag())
        .json(json!({"did": "Visited 6 outlets, 2 orders", "needs": "Samples of the new line"}))
        .send()
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    let seen = app.get(&path).bearer(&supervisor).send().await;
    assert_eq!(seen.body["remote_reports"], 1);
    assert_eq!(seen.body["attendees"][0]["attendance"], "remote");
    assert_eq!(
        seen.body["attendees"][0]["remote_needs"],
        "Samples of the new line"
    );
    let inbox = app
        .get("/api/v1/me/notifications")
        .bearer(&supervisor)
        .send()
        .await;
    assert_eq!(
        inbox.body["items"][0]["event_type"],
        "meeting.remote_report"
    );

    // Minutes, with If-Match.
    let minutes = app
        .patch(&path)
        .bearer(&supervisor)
        .header("if-match", &seen.etag())
        .json(json!({"minutes": "Push the new line in the north."}))
        .send()
        .await;
    assert_eq!(minutes.status, 200, "{}", minutes.text);
    assert_eq!(minutes.body["minutes"], "Push the new line in the north.");
    app.patch(&path)
        .bearer(&supervisor)
        .header("if-match", &seen.etag())
        .json(json!({"minutes": "overwrite"}))
        .send()
        .await
        .problem(412);
    let attendance = app
        .post(&format!("{path}/attendance"))
        .bearer(&supervisor)
        .header("if-match", &minutes.etag())
        .json(json!({"entries": [{"user_id": org.south_seller, "attendance": "present"}]}))
        .send()
        .await;
    assert_eq!(attendance.invalid_fields(), vec!["entries[0].user_id"]);
    // The attendee cannot change the meeting.
    app.patch(&path)
        .bearer(&seller)
        .header("if-match", &minutes.etag())
        .json(json!({"minutes": "mine"}))
        .send()
        .await
        .problem(403);
    // The seller sees the meeting they attend in their list.
    let list = app.get("/api/v1/meetings").bearer(&seller).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn meetings_are_kept_within_reach() {
    let app = TestApp::spawn().await;
    let org = Org::build(&app).await;
    let north = app.login("ns@test.local", PASSWORD).await;
    let south = app.login("ss@test.local", PASSWORD).await;
    let seller = app.login("nsp@test.local", PASSWORD).await;
    let m = app
        .post("/api/v1/meetings")
        .bearer(&north)
        .json(json!({"meeting_type": "weekly", "unit_id": org.north_office, "starts_at": "2026-11-30T08:00:00Z", "agenda": "Week"}))
        .send()
        .await;
    app.get(&format!("/api/v1/meetings/{}", m.id()))
        .bearer(&south)
        .send()
        .await
        .problem(404);
    let south_seller = app.login("ssp@test.local", PASSWORD).await;
    app.get(&format!("/api/v1/meetings/{}", m.id()))
        .bearer(&south_seller)
        .send()
        .await
        .problem(404);
    assert!(
        app.get("/api/v1/meetings").bearer(&south).send().await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.post("/api/v1/meetings")
        .bearer(&seller)
        .json(json!({"meeting_type": "weekly", "unit_id": org.north_office, "starts_at": "2026-11-30T08:00:00Z", "agenda": "x"}))
        .send()
        .await
        .problem(403);
    let res = app
        .post("/api/v1/meetings")
        .bearer(&south)
        .json(json!({"meeting_type": "weekly", "unit_id": org.north_office, "starts_at": "2026-11-30T08:00:00Z", "agenda": "x"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["unit_id"]);
    let res = app
        .post("/api/v1/meetings")
        .bearer(&south)
        .json(json!({"meeting_type": "brunch", "unit_id": org.south, "starts_at": "2026-11-30T08:00:00Z", "agenda": "x"}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["meeting_type"]);
    let res = app
        .post("/api/v1/meetings")
        .bearer(&south)
        .json(json!({"meeting_type": "evening", "unit_id": org.south, "starts_at": "2026-11-30T18:00:00Z",
            "agenda": "x", "attendee_ids": [org.south_seller, org.north_seller]}))
        .send()
        .await;
    assert_eq!(res.invalid_fields(), vec!["attendee_ids[1]"]);
}
