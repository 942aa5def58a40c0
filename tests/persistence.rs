//! Persistence over real components: a host writing a real SQLite file, raw WebSocket clients,
//! and a second host that resumes the game from that file.

mod common;

use std::num::NonZeroU32;
use std::path::Path;

use common::Inbox;
use quizcast::host::actor::Automation;
use quizcast::host::events::HostCommand;
use quizcast::host::{self, HostOptions, RunningHost};
use quizcast::protocol::ServerMessage;
use quizcast::server::limits::Limits;
use rusqlite::Connection;

async fn host_with_db(db: &Path, resume: Option<Option<String>>) -> RunningHost {
    host::start(HostOptions {
        bank: common::bank(2),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: resume.is_none().then(|| "SAVE".to_string()),
        join_rate: NonZeroU32::new(2000).unwrap(),
        automation: Automation::default(),
        results: None,
        db: Some(db.to_path_buf()),
        resume,
        admin_key: None,
        limits: Limits::default(),
    })
    .await
    .expect("host starts")
}

fn stored_answers(db: &Path, player_id: &str) -> i64 {
    let connection = Connection::open(db).unwrap();
    connection
        .query_row(
            "SELECT count(*) FROM answers WHERE player_id = ?1",
            [player_id],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_answer_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");
    let host = host_with_db(&db, None).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let _bob = Inbox::join(&host, "Bob").await;
    host.commands.send(HostCommand::Advance).unwrap();
    ada.event("question").await;

    let reply = ada.answer("a0", 0, 2).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let player_id = ada.client.joined.player_id.clone();
    assert_eq!(stored_answers(&db, &player_id), 1);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumed_game_keeps_players_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");

    // First run: two players, Ada answers question 0 correctly, then the host stops with the
    // question still open.
    let first = host_with_db(&db, None).await;
    let mut ada = Inbox::join(&first, "Ada").await;
    let bob = Inbox::join(&first, "Bob").await;
    first.commands.send(HostCommand::Advance).unwrap();
    ada.event("question").await;
    let reply = ada.answer("a0", 0, 2).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let ada_token = ada.client.joined.token.clone();
    let bob_token = bob.client.joined.token.clone();
    first.stop().await;
    drop((ada, bob));

    // Second run: the most recent unfinished game comes back under the same code.
    let second = host_with_db(&db, Some(None)).await;
    assert_eq!(second.code, "SAVE");
    let info: serde_json::Value = reqwest::get(format!("http://{}/api/games/SAVE", second.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["players"], 2);
    assert_eq!(
        info["state"], "results",
        "the open question was closed on resume"
    );

    // Ada's old token still opens her session, and her points are kept.
    let mut ada = Inbox::reconnect(&second, &ada_token).await;
    // The question open at the stop comes back closed, with the answers stored before it.
    let closed = ada.event("question_closed").await;
    assert_eq!(closed["index"], 0);
    assert_eq!(closed["counts"], serde_json::json!([0, 1, 0, 0]));
    let snapshot = ada.event("snapshot").await;
    assert!(snapshot["score"].as_u64().unwrap() > 0, "{snapshot}");
    assert_eq!(snapshot["streak"], 1);
    let mut bob = Inbox::reconnect(&second, &bob_token).await;
    let snapshot = bob.event("snapshot").await;
    assert_eq!(snapshot["score"], 0);

    // The game goes on from question 1 and ends with Ada ahead.
    second.commands.send(HostCommand::Advance).unwrap();
    let question = ada.event("question").await;
    assert_eq!(question["index"], 1);
    bob.event("question").await;
    ada.answer("a1", 1, 1).await;
    bob.answer("b1", 1, 1).await;
    ada.event("result").await;
    second.commands.send(HostCommand::Advance).unwrap();
    let ada_final = ada.event("final").await;
    let bob_final = bob.event("final").await;
    assert_eq!(ada_final["rank"], 1);
    assert_eq!(bob_final["rank"], 2);
    second.stop().await;

    // A finished game cannot be resumed again.
    let error = host::start(HostOptions {
        bank: common::bank(2),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: None,
        join_rate: NonZeroU32::new(2000).unwrap(),
        automation: Automation::default(),
        results: None,
        db: Some(db.clone()),
        resume: Some(Some("SAVE".into())),
        admin_key: None,
        limits: Limits::default(),
    })
    .await
    .err()
    .expect("a finished game is not resumed");
    assert!(error.to_string().contains("already finished"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_survives_resume() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");
    let first = host_with_db(&db, None).await;
    let eve = common::RawClient::connect(&first, "Eve").await;
    let token = eve.joined.token.clone();
    let player_id = eve.joined.player_id.clone();
    let admin = common::admin::Admin::new(&first);
    let path = format!("/games/SAVE/players/{player_id}/kick");
    let (status, _) = admin
        .post(&path, Some(serde_json::json!({"reason": "cheating"})))
        .await;
    assert_eq!(status, 200, "the reply comes after the kick is stored");
    first.stop().await;

    let second = host_with_db(&db, Some(Some("SAVE".into()))).await;
    let url = format!("http://{}/api/games/SAVE/players", second.addr);
    let request = serde_json::json!({"player_id": player_id, "name": "Eve", "token": token});
    let response = reqwest::Client::new()
        .post(url)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("cheating"),
        "{body}"
    );
    let (_, state) = common::admin::Admin::new(&second).get("/games/SAVE").await;
    assert_eq!(state["players"][0]["kicked"], "cheating");
    assert_eq!(state["standings"].as_array().unwrap().len(), 0);
    second.stop().await;
}
