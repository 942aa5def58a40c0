//! Question files in other formats through the real binary: `quizcast check` on the fixtures
//! in `tests/fixtures/import`, and a headless game hosted from imported files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::process::{BINARY, Quizcast, events_named};
use serde_json::Value;

/// Maximum wait for a host to print its `listening` line.
const STARTUP: Duration = Duration::from_secs(20);
/// Maximum wait for an imported game to finish; every question closes as soon as the one
/// player answers.
const WHOLE_GAME: Duration = Duration::from_secs(60);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

/// Runs `quizcast check ARGS` in the fixtures folder, so reports name files as given.
fn check(args: &[&str]) -> Output {
    Command::new(BINARY)
        .arg("check")
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("run quizcast check")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("check prints UTF-8")
}

#[test]
fn check_malformed_files_match_expected() {
    // Each malformed file, whether it still has a usable question, and its expected report in
    // expected/NAME.out.
    let cases = [
        ("broken.aiken", true),
        ("no_header.csv", false),
        ("notes.txt", false),
        ("only_unplayable.gift", false),
        ("opentdb_no_results.json", false),
        ("syntax.toml", false),
        ("windows1252.aiken", false),
    ];
    for (name, usable) in cases {
        let path = format!("malformed/{name}");
        let output = check(&[&path]);
        let expected =
            std::fs::read_to_string(fixtures().join("expected").join(format!("{name}.out")))
                .expect("expected output file");
        assert_eq!(stdout(&output), expected, "stdout of check {path}");
        assert_eq!(
            output.status.success(),
            usable,
            "exit status of check {path}"
        );
        if !usable {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("1 of 1 file(s) have no usable question"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn check_every_good_fixture_exits_zero() {
    let files = [
        "opentdb.json",
        "kahoot.csv",
        "kahoot_plain.csv",
        "kahoot.xlsx",
        "quiz.gift",
        "quiz.aiken",
    ];
    let output = check(&files);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "opentdb.json: Open Trivia DB JSON\n  6 usable, 0 skipped, 0 warnings",
        "kahoot.csv: Kahoot CSV\n  5 usable, 1 skipped, 2 warnings",
        "kahoot_plain.csv: Kahoot CSV\n  2 usable, 0 skipped, 0 warnings",
        "kahoot.xlsx: Kahoot spreadsheet\n  3 usable, 1 skipped, 0 warnings",
        "quiz.gift: Moodle GIFT\n  8 usable, 6 skipped, 1 warning",
        "quiz.aiken: Aiken\n  3 usable, 0 skipped, 0 warnings",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(
        text.contains("skipped kahoot.xlsx, row 12: question \"Which answer has no text?\""),
        "{text}"
    );
    assert!(
        text.contains("skipped quiz.gift:29: question \"Numerical\": numerical question skipped"),
        "{text}"
    );
}

#[test]
fn check_fails_when_one_file_is_unusable() {
    let output = check(&["quiz.aiken", "malformed/only_unplayable.gift"]);
    assert!(!output.status.success());
    assert!(stdout(&output).contains("quiz.aiken: Aiken\n  3 usable"));
}

#[test]
fn check_json_lists_locations() {
    let output = check(&["--json", "quiz.gift", "malformed/notes.txt"]);
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).expect("check --json prints JSON");
    assert_eq!(report["ok"], false);
    let gift = &report["files"][0];
    assert_eq!(gift["file"], "quiz.gift");
    assert_eq!(gift["format"], "gift");
    assert_eq!(gift["usable"], 8);
    assert_eq!(gift["skipped"][0]["location"]["line"], 27);
    let reason = gift["skipped"][0]["message"].as_str().unwrap();
    assert!(reason.contains("essay question skipped"), "{reason}");
    let notes = &report["files"][1];
    assert_eq!(notes["format"], Value::Null);
    assert!(notes["error"].as_str().unwrap().contains("pass --format"));
}

#[test]
fn check_encoding_flag_reads_windows_1252() {
    let output = check(&["--encoding", "windows-1252", "malformed/windows1252.aiken"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("1 usable, 0 skipped"));
}

#[test]
fn check_format_flag_overrides_detection() {
    let output = check(&["--format", "gift", "quiz.aiken"]);
    assert!(!output.status.success());
    assert!(
        stdout(&output).starts_with("quiz.aiken: Moodle GIFT\n"),
        "{}",
        stdout(&output)
    );
}

/// Starts a headless host on a free loopback port with the given question options.
fn start_host(questions: &[&str], extra: &[&str]) -> (Quizcast, Value) {
    let mut args = vec![
        "host",
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--no-db",
        "--auto-start",
        "1",
        "--auto-advance",
        "0",
    ];
    let paths: Vec<String> = questions
        .iter()
        .map(|name| fixtures().join(name).display().to_string())
        .collect();
    for path in &paths {
        args.push("--questions");
        args.push(path);
    }
    args.extend_from_slice(extra);
    let mut host = Quizcast::spawn("host", &args);
    let listening = host.wait_for_event("listening", STARTUP);
    (host, listening)
}

fn play(listening: &Value, answers: &str) -> Quizcast {
    let url = listening["join_url"].as_str().expect("join_url");
    Quizcast::spawn(
        "player",
        &[
            "play",
            url,
            "--headless",
            "--name",
            "Ada",
            "--answers",
            answers,
        ],
    )
}

#[test]
fn imported_files_play_in_order() {
    let (mut host, listening) = start_host(&["quiz.aiken", "kahoot.xlsx"], &["--time-limit", "30"]);
    assert_eq!(listening["title"], "quiz");
    assert_eq!(listening["questions"], 6);
    // Aiken: A, A, B; the sheet: Mercury (2), Whale (1), No (2).
    let mut player = play(&listening, "1,1,2,2,1,2");

    let deadline = Instant::now() + WHOLE_GAME;
    let host_exit = host.finish(deadline.saturating_duration_since(Instant::now()));
    let player_exit = player.finish(deadline.saturating_duration_since(Instant::now()));
    assert!(host_exit.status.success(), "host: {host_exit:?}");
    assert!(player_exit.status.success(), "player: {player_exit:?}");

    let texts: Vec<String> = events_named("host", &host_exit.lines, "question_started")
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts[0], "What does CPU stand for?");
    assert_eq!(texts[3], "Which planet is closest to the Sun?");
    let game_over = events_named("host", &host_exit.lines, "game_over");
    assert_eq!(
        game_over[0]["results"][0]["correct"], 6,
        "{:?}",
        game_over[0]
    );
}

#[test]
fn shuffled_options_keep_correct_answer() {
    let (mut host, listening) = start_host(
        &["opentdb.json"],
        &["--shuffle-options", "--shuffle-questions", "--limit", "4"],
    );
    assert_eq!(listening["questions"], 4);
    let mut player = play(&listening, "first");

    let deadline = Instant::now() + WHOLE_GAME;
    let host_exit = host.finish(deadline.saturating_duration_since(Instant::now()));
    let player_exit = player.finish(deadline.saturating_duration_since(Instant::now()));
    assert!(host_exit.status.success(), "host: {host_exit:?}");
    assert!(player_exit.status.success(), "player: {player_exit:?}");

    // The option the host marks correct must be the right answer's text, wherever it moved.
    let right_answers = [
        ("Which gas", "Carbon dioxide"),
        ("The \"speed of light\"", "True"),
        ("Sound travels", "False"),
        ("Which city", "Tokyo"),
        ("In HTML", "&lt;"),
        ("Café or", "Café"),
    ];
    let questions = events_named("player", &player_exit.lines, "question");
    let closed = events_named("host", &host_exit.lines, "question_closed");
    assert_eq!(questions.len(), 4);
    for (question, close) in questions.iter().zip(&closed) {
        let text = question["text"].as_str().unwrap();
        let (_, expected) = right_answers
            .iter()
            .find(|(start, _)| text.starts_with(start))
            .unwrap_or_else(|| panic!("unexpected question {text}"));
        let correct = close["correct"][0].as_u64().unwrap() as usize;
        assert_eq!(question["options"][correct - 1], *expected, "{text}");
    }
}

#[test]
fn host_rejects_unusable_file_with_check_hint() {
    let mut host = Quizcast::spawn(
        "host",
        &[
            "host",
            "--headless",
            "--bind",
            "127.0.0.1:0",
            "--no-db",
            "--auto-start",
            "1",
            "--questions",
            &fixtures()
                .join("malformed/only_unplayable.gift")
                .display()
                .to_string(),
        ],
    );
    let exit = host.finish(STARTUP);
    assert!(!exit.status.success());
    assert!(
        exit.stderr
            .contains("only_unplayable.gift has no usable question"),
        "{}",
        exit.stderr
    );
    assert!(
        exit.stderr.contains("run `quizcast check"),
        "{}",
        exit.stderr
    );
}

#[test]
fn resume_keeps_shuffled_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");
    let db_arg = db.to_str().unwrap();
    let aiken = fixtures().join("quiz.aiken").display().to_string();
    // The first host waits long after each question, so it can be killed between questions.
    let mut host = Quizcast::spawn(
        "host",
        &[
            "host",
            "--headless",
            "--bind",
            "127.0.0.1:0",
            "--db",
            db_arg,
            "--auto-start",
            "1",
            "--auto-advance",
            "60",
            "--questions",
            &aiken,
            "--shuffle-questions",
            "--shuffle-options",
        ],
    );
    let listening = host.wait_for_event("listening", STARTUP);
    let url = listening["join_url"].as_str().unwrap().to_string();
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut player = play(&listening, "first");
    let first_started = host.wait_for_event("question_started", STARTUP);
    let first_closed = host.wait_for_event("question_closed", WHOLE_GAME);
    player.wait_for_event("result", WHOLE_GAME);
    host.kill();

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
            "0",
        ],
    );
    let exit = resumed.finish(WHOLE_GAME);
    assert!(exit.status.success(), "resumed host: {}", exit.stderr);
    let player_exit = player.finish(WHOLE_GAME);
    assert!(
        player_exit.status.success(),
        "player: {}",
        player_exit.stderr
    );

    // The resumed host shows the question that was open again, so index 0 appears twice and
    // must have the same text both times.
    let mut started = vec![first_started];
    started.extend(events_named(
        "resumed host",
        &exit.lines,
        "question_started",
    ));
    let mut by_index = std::collections::BTreeMap::new();
    for event in &started {
        let index = event["index"].as_u64().unwrap();
        let text = event["text"].as_str().unwrap();
        let earlier = by_index.insert(index, text);
        assert!(
            earlier.is_none_or(|t| t == text),
            "question {index} changed: {started:?}"
        );
    }
    let mut texts: Vec<&str> = by_index.values().copied().collect();
    texts.sort_unstable();
    texts.dedup();
    assert_eq!(texts.len(), 3, "{by_index:?}");

    // The option each host marks correct is the right answer's text in the order the player
    // was shown.
    let right_answers = [
        ("What does CPU", "Central Processing Unit"),
        ("Is <b>bold</b>", "Yes"),
        ("Which port", "443"),
    ];
    let mut closed = vec![first_closed];
    closed.extend(events_named("resumed host", &exit.lines, "question_closed"));
    let questions = events_named("player", &player_exit.lines, "question");
    for close in &closed {
        let index = close["index"].as_u64().unwrap();
        let shown = questions
            .iter()
            .find(|q| q["index"].as_u64() == Some(index))
            .unwrap_or_else(|| panic!("player saw no question {index}"));
        let text = shown["text"].as_str().unwrap();
        let (_, expected) = right_answers
            .iter()
            .find(|(start, _)| text.starts_with(start))
            .unwrap();
        let correct = close["correct"][0].as_u64().unwrap() as usize;
        assert_eq!(
            shown["options"][correct - 1],
            *expected,
            "question {index}: {text}"
        );
    }
}

#[test]
fn semicolon_kahoot_sheet_scores_by_number() {
    // A semicolon export of the template whose answers are numbers: `Correct answer(s)` 3
    // names answer 3 ("2"), not the answer whose text is "3".
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("moons.csv");
    std::fs::write(
        &sheet,
        "\u{FEFF};;;;;;;\r\n\
         ;Question - max 120 characters;Answer 1 - max 75 characters;Answer 2 - max 75 characters;Answer 3 - max 75 characters;Answer 4 - max 75 characters;Time limit (sec) \u{2013} 5, 10, 20, 30, 60, 90, 120, or 240 secs;Correct answer(s) - choose at least one\r\n\
         1;How many moons has Mars?;0;1;2;3;20.0;3\r\n\
         2;How many moons has Venus?;1;0;2;3;20.0;2.0\r\n",
    )
    .unwrap();
    let sheet = sheet.display().to_string();
    let (mut host, listening) = start_host(&[&sheet], &[]);
    assert_eq!(listening["questions"], 2);
    let mut player = play(&listening, "3,2");

    let deadline = Instant::now() + WHOLE_GAME;
    let host_exit = host.finish(deadline.saturating_duration_since(Instant::now()));
    let player_exit = player.finish(deadline.saturating_duration_since(Instant::now()));
    assert!(host_exit.status.success(), "host: {host_exit:?}");
    assert!(player_exit.status.success(), "player: {player_exit:?}");

    let closed = events_named("host", &host_exit.lines, "question_closed");
    assert_eq!(closed[0]["correct"], serde_json::json!([3]));
    assert_eq!(closed[1]["correct"], serde_json::json!([2]));
    let game_over = events_named("host", &host_exit.lines, "game_over");
    assert_eq!(
        game_over[0]["results"][0]["correct"], 2,
        "{:?}",
        game_over[0]
    );
}
