//! The admin API and close reasons through the real binary: a headless host, headless players,
//! and admin requests over HTTP, as a script would run them.

mod common;

use std::time::Duration;

use common::process::Quizcast;
use serde_json::{Value, json};

/// Time allowed for a process to start and print its first line.
const STARTUP: Duration = Duration::from_secs(30);

fn start_host() -> (Quizcast, Value) {
    let args = [
        "host",
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--auto-start",
        "99",
        "--no-db",
    ];
    let mut host = Quizcast::spawn("host", &args);
    let listening = host.wait_for_event("listening", STARTUP);
    (host, listening)
}

fn start_player(join_url: &str, name: &str, id: &str) -> Quizcast {
    let mut player = Quizcast::spawn(
        &format!("player {name}"),
        &["play", join_url, "--headless", "--name", name, "--id", id],
    );
    player.wait_for_event("joined", STARTUP);
    player
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_game_kick_through_binary() {
    let (_host, listening) = start_host();
    let key = listening["admin_key"].as_str().expect("a generated key");
    let join_url = listening["join_url"].as_str().unwrap();
    let base = join_url.split("/join/").next().unwrap();
    let http = reqwest::Client::new();
    let bank = "title = \"Side\"\n[[questions]]\ntext = \"1 + 1?\"\noptions = [\"1\", \"2\"]\ncorrect = 2\n";
    let response = http
        .post(format!("{base}/api/admin/games?code=SIDE"))
        .bearer_auth(key)
        .body(bank)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();

    let mut eve = start_player(created["join_url"].as_str().unwrap(), "Eve", "eve-1");
    let response = http
        .post(format!("{base}/api/admin/games/SIDE/players/eve-1/kick"))
        .bearer_auth(key)
        .json(&json!({"reason": "testing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let closed = eve.wait_for_event("closed", STARTUP);
    assert_eq!(closed["code"], 4002);
    assert_eq!(
        closed["reason"],
        "The host removed you from the game: testing."
    );
    let exit = eve.finish(STARTUP);
    assert!(!exit.status.success(), "a kicked player exits non-zero");
    assert!(exit.stderr.contains("testing"), "{}", exit.stderr);
}

#[test]
fn sigterm_tells_players_host_is_going() {
    let (mut host, listening) = start_host();
    let mut sam = start_player(listening["join_url"].as_str().unwrap(), "Sam", "sam-1");
    host.terminate();

    let closed = sam.wait_for_event("closed", STARTUP);
    assert_eq!(closed["code"], 4000);
    assert_eq!(closed["reason"], "The host is shutting down.");
    let host_exit = host.finish(STARTUP);
    assert!(host_exit.status.success(), "{}", host_exit.stderr);
    let exit = sam.finish(STARTUP);
    assert!(!exit.status.success());
}

/// A headless host exits when its own game ends; the players of its API games are told why
/// instead of losing the connection without a close frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_game_end_closes_api_games() {
    let args = [
        "host",
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--auto-start",
        "1",
        "--auto-advance",
        "0",
        "--limit",
        "1",
        "--no-db",
    ];
    let mut host = Quizcast::spawn("host", &args);
    let listening = host.wait_for_event("listening", STARTUP);
    let key = listening["admin_key"].as_str().expect("a generated key");
    let join_url = listening["join_url"].as_str().unwrap();
    let base = join_url.split("/join/").next().unwrap();
    let bank = "title = \"Side\"\n[[questions]]\ntext = \"1 + 1?\"\noptions = [\"1\", \"2\"]\ncorrect = 2\n";
    let response = reqwest::Client::new()
        .post(format!("{base}/api/admin/games?code=SIDE"))
        .bearer_auth(key)
        .body(bank)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let mut eve = start_player(created["join_url"].as_str().unwrap(), "Eve", "eve-1");

    // Sam's answer closes the host's only question, and the host's game ends.
    let mut sam = Quizcast::spawn(
        "player Sam",
        &[
            "play",
            join_url,
            "--headless",
            "--name",
            "Sam",
            "--id",
            "sam-1",
            "--answers",
            "first",
        ],
    );
    sam.wait_for_event("game_over", STARTUP);

    let closed = eve.wait_for_event("closed", STARTUP);
    assert_eq!(closed["code"], 4000);
    assert_eq!(closed["reason"], "The host is shutting down.");
    let host_exit = host.finish(STARTUP);
    assert!(host_exit.status.success(), "{}", host_exit.stderr);
}

/// The host logs a rejected admin request with its full path, and never logs the admin key, a
/// presented wrong key or a session token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_has_no_secrets() {
    let (mut host, listening) = start_host();
    let key = listening["admin_key"].as_str().expect("a generated key");
    let join_url = listening["join_url"].as_str().unwrap();
    let base = join_url.split("/join/").next().unwrap();
    let code = listening["code"].as_str().unwrap();
    let http = reqwest::Client::new();

    let wrong_key = "wrong-admin-key-5d1f0c9e8b7a";
    let response = http
        .get(format!("{base}/api/admin/games"))
        .bearer_auth(wrong_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = http
        .post(format!("{base}/api/games/{code}/players"))
        .json(&json!({"player_id": "eve-1", "name": "Eve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let joined: Value = response.json().await.unwrap();
    let token = joined["token"].as_str().unwrap().to_string();
    let response = http
        .post(format!("{base}/api/admin/games/{code}/players/eve-1/kick"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    host.terminate();
    let exit = host.finish(STARTUP);
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(exit.stderr.contains("player kicked"), "{}", exit.stderr);
    assert!(exit.stderr.contains("/api/admin/games"), "{}", exit.stderr);
    for secret in [key, wrong_key, token.as_str()] {
        assert!(!exit.stderr.contains(secret), "{secret} in {}", exit.stderr);
    }
}
