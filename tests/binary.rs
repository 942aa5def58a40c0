//! The real `quizcast` binary: a headless host and headless players as child processes that
//! talk over 127.0.0.1, checked through their JSON lines, exit codes and stderr.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::process::{Quizcast, events_named, parse_line};
use serde_json::Value;

/// Maximum wait for a host to print its `listening` line.
const STARTUP: Duration = Duration::from_secs(20);
/// Maximum wait for the bundled game to finish. One question in it waits its full 15 s
/// time limit because a player skips it, and the rest close as soon as everyone answered.
const WHOLE_GAME: Duration = Duration::from_secs(120);
/// Index of the question the scripted player skips: the 7th of the bundled bank, with a 15 s
/// time limit, the shortest in that bank.
const SKIPPED: usize = 6;

/// Starts a headless host on a free loopback port and returns it with its `listening` line.
fn start_host(extra: &[&str]) -> (Quizcast, Value) {
    let mut args = vec!["host", "--headless", "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut host = Quizcast::spawn("host", &args);
    let listening = host.wait_for_event("listening", STARTUP);
    (host, listening)
}

fn join_url(listening: &Value) -> String {
    listening["join_url"]
        .as_str()
        .expect("listening line has join_url")
        .to_string()
}

/// Returns a script of `questions` answers alternating options 2 and 1, with `skip` at
/// [`SKIPPED`]. Options 1 and 2 exist in every question.
fn answer_script(questions: usize) -> String {
    (0..questions)
        .map(|i| match i {
            SKIPPED => "skip".to_string(),
            _ => (2 - i % 2).to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn bundled_game_three_players() {
    let results_dir = tempfile::tempdir().unwrap();
    let results_path = results_dir.path().join("results.json");
    let results_arg = results_path.to_str().unwrap();
    let (mut host, listening) = start_host(&[
        "--auto-start",
        "3",
        "--auto-advance",
        "0",
        "--results",
        results_arg,
    ]);
    let url = join_url(&listening);
    let questions = listening["questions"].as_u64().expect("questions count") as usize;
    assert!(
        questions > SKIPPED,
        "the bundled bank has {questions} questions"
    );

    let script = answer_script(questions);
    let players = [("Ada", "first"), ("Bob", "random"), ("Cy", script.as_str())];
    let mut processes: Vec<Quizcast> = players
        .iter()
        .map(|(name, answers)| {
            let args = [
                "play",
                &url,
                "--headless",
                "--name",
                name,
                "--answers",
                answers,
            ];
            Quizcast::spawn(&format!("player {name}"), &args)
        })
        .collect();

    let deadline = Instant::now() + WHOLE_GAME;
    let host_exit = host.finish(deadline.saturating_duration_since(Instant::now()));
    let player_exits: Vec<_> = processes
        .iter_mut()
        .map(|p| p.finish(deadline.saturating_duration_since(Instant::now())))
        .collect();

    // The host's output.
    assert!(host_exit.status.success(), "host: {host_exit:?}");
    let lines = &host_exit.lines;
    let first = parse_line("host", &lines[0]);
    assert_eq!(first["event"], "listening", "the first host line");
    let joined: Vec<Value> = events_named("host", lines, "player_joined");
    let mut joined_names: Vec<&str> = joined.iter().filter_map(|j| j["name"].as_str()).collect();
    joined_names.sort_unstable();
    assert_eq!(joined_names, ["Ada", "Bob", "Cy"]);
    for event in ["question_started", "question_closed", "leaderboard"] {
        let count = events_named("host", lines, event).len();
        assert_eq!(count, questions, "host {event} lines");
    }
    let game_over = events_named("host", lines, "game_over");
    assert_eq!(game_over.len(), 1, "host game_over lines");
    let results = game_over[0]["results"].as_array().expect("results array");
    assert_eq!(results.len(), 3);
    for standing in results {
        for key in ["rank", "name", "score", "correct"] {
            assert!(standing.get(key).is_some(), "{key} missing in {standing}");
        }
    }
    let file = std::fs::read_to_string(&results_path).expect("results file written");
    let from_file: Value = serde_json::from_str(&file).expect("results file is JSON");
    assert_eq!(&from_file, &game_over[0]["results"], "results file");
    let by_name: BTreeMap<&str, &Value> = results
        .iter()
        .map(|standing| (standing["name"].as_str().unwrap(), standing))
        .collect();

    // Every player's output, and its agreement with the host.
    for ((name, answers), exit) in players.iter().zip(&player_exits) {
        let label = format!("player {name}");
        assert!(exit.status.success(), "{label}: {exit:?}");
        let lines = &exit.lines;
        let joined = events_named(&label, lines, "joined");
        assert_eq!(joined.len(), 1, "{label} joined lines");
        assert_eq!(joined[0]["name"], *name, "{label}");
        let indexes = |event: &str| -> Vec<u64> {
            events_named(&label, lines, event)
                .iter()
                .map(|e| e["index"].as_u64().unwrap())
                .collect()
        };
        let all: Vec<u64> = (0..questions as u64).collect();
        assert_eq!(indexes("question"), all, "{label} question lines");
        assert_eq!(indexes("result"), all, "{label} result lines");

        let over = events_named(&label, lines, "game_over");
        assert_eq!(over.len(), 1, "{label} game_over lines");
        let standing = by_name[name];
        assert_eq!(over[0]["rank"], standing["rank"], "{label} rank");
        assert_eq!(over[0]["score"], standing["score"], "{label} score");
        assert_eq!(over[0]["players"], 3, "{label} players");

        let answered = indexes("answered");
        if *answers == script {
            let expected: Vec<u64> = all
                .iter()
                .copied()
                .filter(|&i| i != SKIPPED as u64)
                .collect();
            assert_eq!(answered, expected, "{label} answered lines");
            let skipped = &events_named(&label, lines, "result")[SKIPPED];
            assert_eq!(skipped["points"], 0, "{label} skipped question");
        } else {
            assert_eq!(answered, all, "{label} answered lines");
        }
    }
}

#[test]
fn play_unknown_code_fails() {
    let (_host, listening) = start_host(&["--auto-start", "5"]);
    let url = join_url(&listening);
    let base = url.rsplit_once("/join/").expect("join URL has /join/").0;
    let missing_url = format!("{base}/join/NOSUCH");

    let mut player = Quizcast::spawn(
        "player",
        &["play", &missing_url, "--headless", "--name", "Ada"],
    );
    let exit = player.finish(Duration::from_secs(20));
    assert!(!exit.status.success(), "{exit:?}");
    assert!(exit.stderr.contains("NOSUCH"), "stderr: {}", exit.stderr);
}

#[test]
fn play_unreachable_host_gives_up() {
    // Bind and release a loopback port so that nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/join/ABCD");

    let mut player = Quizcast::spawn(
        "player",
        &[
            "play",
            &url,
            "--headless",
            "--name",
            "Ada",
            "--give-up-secs",
            "2",
        ],
    );
    let exit = player.finish(Duration::from_secs(15));
    assert!(!exit.status.success(), "{exit:?}");
    assert!(
        exit.waited < Duration::from_secs(8),
        "ran {:?}",
        exit.waited
    );
    assert!(exit.stderr.contains("gave up"), "stderr: {}", exit.stderr);
    let retries = events_named("player", &exit.lines, "retry");
    assert!(!retries.is_empty(), "stdout: {:?}", exit.lines);
    assert!(
        retries.iter().all(|r| r["status"] == 0),
        "unreachable hosts retry with status 0: {retries:?}"
    );
}

#[test]
fn host_invalid_bank_names_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    let text = r#"
title = "Broken"

[[questions]]
text = "Fine"
options = ["a", "b"]
correct = 1

[[questions]]
text = "Out of range"
options = ["a", "b", "c", "d"]
correct = 7
"#;
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();

    let mut host = Quizcast::spawn(
        "host",
        &[
            "host",
            "--headless",
            "--auto-start",
            "1",
            "--bind",
            "127.0.0.1:0",
            "--questions",
            file,
        ],
    );
    let exit = host.finish(Duration::from_secs(20));
    assert!(!exit.status.success(), "{exit:?}");
    assert!(exit.lines.is_empty(), "no listening line: {:?}", exit.lines);
    assert!(exit.stderr.contains(file), "stderr: {}", exit.stderr);
    assert!(
        exit.stderr.contains("question 2"),
        "stderr: {}",
        exit.stderr
    );
    assert!(exit.stderr.contains("`correct`"), "stderr: {}", exit.stderr);
}

fn help_text(role: &str) -> String {
    let mut process = Quizcast::spawn(&format!("{role} --help"), &[role, "--help"]);
    let exit = process.finish(Duration::from_secs(20));
    assert!(exit.status.success(), "{exit:?}");
    exit.lines.join("\n")
}

#[test]
fn host_help_lists_options() {
    let help = help_text("host");
    for option in [
        "--questions",
        "--bind",
        "--public-url",
        "--code",
        "--join-rate",
        "--headless",
        "--auto-start",
        "--auto-advance",
        "--results",
        "--log-file",
        "--max-message-bytes",
        "--publish-rate",
        "--publish-burst",
        "--publish-strikes",
        "--max-subscriptions",
        "--max-connections-per-ip",
        "--max-body-bytes",
        "--init-timeout-ms",
        "--idle-timeout-ms",
        "--keepalive-ms",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn play_help_lists_options() {
    let help = help_text("play");
    for option in [
        "<URL>",
        "--name",
        "--headless",
        "--answers",
        "--answer-delay-ms",
        "--give-up-secs",
        "--log-file",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn host_killed_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");
    let db_arg = db.to_str().unwrap();
    let bank = dir.path().join("bank.toml");
    let mut text = String::from("title = \"Crash test\"\ntime_limit = 30\n");
    for i in 0..3 {
        text.push_str(&format!(
            "[[questions]]\ntext = \"Q{i}\"\noptions = [\"right\", \"wrong\"]\ncorrect = 1\n"
        ));
    }
    std::fs::write(&bank, text).unwrap();

    // The first host waits long after each question, so it can be killed between questions.
    let (mut host, listening) = start_host(&[
        "--questions",
        bank.to_str().unwrap(),
        "--db",
        db_arg,
        "--auto-start",
        "2",
        "--auto-advance",
        "60",
    ]);
    let url = join_url(&listening);
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut players: Vec<Quizcast> = ["Ada", "Bob"]
        .iter()
        .map(|name| {
            Quizcast::spawn(
                &format!("player {name}"),
                &[
                    "play",
                    &url,
                    "--headless",
                    "--name",
                    name,
                    "--answers",
                    "first",
                ],
            )
        })
        .collect();
    let closed = host.wait_for_event("question_closed", WHOLE_GAME);
    assert_eq!(closed["index"], 0);
    let first_points: Vec<u64> = players
        .iter_mut()
        .map(|p| {
            p.wait_for_event("result", WHOLE_GAME)["score"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(first_points.iter().all(|&s| s > 0), "{first_points:?}");
    host.kill();

    // The second host resumes on the same port; the players come back by themselves.
    let bind = format!("127.0.0.1:{port}");
    let mut resumed = Quizcast::spawn(
        "resumed host",
        &[
            "host",
            "--headless",
            "--bind",
            &bind,
            "--db",
            db_arg,
            "--resume",
            "--auto-advance",
            "2",
        ],
    );
    let listening = resumed.wait_for_event("listening", STARTUP);
    assert_eq!(join_url(&listening), url, "same code and address");
    let exit = resumed.finish(WHOLE_GAME);
    assert!(exit.status.success(), "resumed host: {}", exit.stderr);
    let over = events_named("resumed host", &exit.lines, "game_over");
    let results = over[0]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2);

    for (player, before) in players.iter_mut().zip(first_points) {
        let exit = player.finish(WHOLE_GAME);
        assert!(exit.status.success(), "{}: {}", player.label, exit.stderr);
        let reconnected = events_named(&player.label, &exit.lines, "reconnected");
        assert!(!reconnected.is_empty(), "{} reconnected", player.label);
        let over = events_named(&player.label, &exit.lines, "game_over");
        let score = over[0]["score"].as_u64().unwrap();
        assert!(score >= before, "{}: {score} < {before}", player.label);
    }
}

#[test]
fn host_invalid_limits_named() {
    let mut host = Quizcast::spawn(
        "host",
        &[
            "host",
            "--headless",
            "--auto-start",
            "1",
            "--no-db",
            "--bind",
            "127.0.0.1:0",
            "--keepalive-ms",
            "5000",
            "--idle-timeout-ms",
            "4000",
        ],
    );
    let exit = host.finish(Duration::from_secs(20));
    assert!(!exit.status.success(), "{exit:?}");
    assert!(exit.lines.is_empty(), "no listening line: {:?}", exit.lines);
    assert!(
        exit.stderr.contains("--keepalive-ms 5000"),
        "stderr: {}",
        exit.stderr
    );
    assert!(
        exit.stderr.contains("--idle-timeout-ms 4000"),
        "stderr: {}",
        exit.stderr
    );
}
