//! The web player in a real headless Chromium: the host binary, headless terminal players and
//! browser players driven by `tests/browser/game.mjs` (playwright-core) finish games together
//! over 127.0.0.1. The tests skip, saying what to install, when Chromium or the npm packages
//! are missing.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::process::{Quizcast, parse_line};
use quizcast::host::actor::Automation;
use serde_json::{Value, json};

/// Maximum wait for a host to print its `listening` line.
const STARTUP: Duration = Duration::from_secs(20);
/// Maximum wait for a game of [`BANK`] to end once the browsers are done.
const GAME_END: Duration = Duration::from_secs(60);

/// Three questions of 10 s. Every player answers at once, so each question closes as soon as
/// the last connected player has answered.
const BANK: &str = r#"
title = "Web player test"
time_limit = 10

[[questions]]
text = "Two plus two?"
options = ["3", "4", "5", "22"]
correct = 2

[[questions]]
text = "Which shape marks the first option?"
options = ["Triangle", "Circle"]
correct = 1

[[questions]]
text = "Pick the prime"
options = ["4", "6", "7", "9", "10", "12"]
correct = 3
"#;

/// Two questions whose text and options have words longer than a 360-pixel screen is wide,
/// and six options.
const LONG_BANK: &str = r#"
title = "A quiz title long enough to fill the header of a phone twice over"
time_limit = 10

[[questions]]
text = "Which word is Pneumonoultramicroscopicsilicovolcanoconiosis-without-any-spaces-in-it?"
options = ["Supercalifragilisticexpialidocious-and-more", "Two", "Three", "Four", "Five", "Six"]
correct = 1

[[questions]]
text = "Antidisestablishmentarianism_with_underscores_that_never_break_by_themselves"
options = ["Yes", "No"]
correct = 1
"#;

/// Serializes the tests, so that two Chromiums do not compete for a small CI machine's cores
/// while the host measures response times.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

fn chromium_path() -> PathBuf {
    std::env::var_os("QUIZCAST_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Reports whether Chromium, node and playwright-core are installed, and prints what to
/// install when they are not.
fn browser_available() -> bool {
    let chromium = chromium_path();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    let playwright = chromium.exists() && node && playwright_installed();
    if playwright {
        return true;
    }
    eprintln!(
        "skipping the web player tests: they need Chromium at {} (apt-get install -y chromium \
         chromium-driver), node, and `npm ci` run in tests/browser",
        chromium.display()
    );
    false
}

/// Reports whether playwright-core is in tests/browser/node_modules, running `npm ci` there
/// once per test run when it is missing and npm is on the PATH.
fn playwright_installed() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let module = browser_dir().join("node_modules/playwright-core");
        if module.is_dir() {
            return true;
        }
        eprintln!("running `npm ci` in tests/browser for playwright-core");
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(browser_dir())
            .status()
            .is_ok_and(|status| status.success());
        installed && module.is_dir()
    })
}

/// Waits for this test's turn with the browser, one test at a time; returns `None`, after
/// saying what to install, when the browser tests cannot run here.
fn browser_turn() -> Option<std::sync::MutexGuard<'static, ()>> {
    if !browser_available() {
        return None;
    }
    Some(
        ONE_BROWSER
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Starts a headless host with `--auto-start players` whose join URL points at a free port for
/// the relay in game.mjs, so the test can cut the players' connections. Returns the host, its
/// join URL, the host's port and the relay's port.
fn start_host_behind_relay(dir: &Path, players: &str) -> (Quizcast, String, u16, u16) {
    let (host_port, proxy_port) = (free_port(), free_port());
    let bind = format!("127.0.0.1:{host_port}");
    let public_url = format!("http://127.0.0.1:{proxy_port}");
    let args = [
        "--bind",
        &bind,
        "--public-url",
        &public_url,
        "--auto-start",
        players,
    ];
    let (host, url) = start_host(dir, &args);
    (host, url, host_port, proxy_port)
}

/// Returns a port that was free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free loopback port")
        .port()
}

/// A `node game.mjs` process, killed when dropped.
struct BrowserPlayers {
    child: Child,
    lines: std::sync::mpsc::Receiver<Value>,
    seen: Vec<Value>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl BrowserPlayers {
    /// Starts the browser players described by `config` (see `tests/browser/game.mjs`).
    fn start(config: &Value) -> BrowserPlayers {
        let mut child = Command::new("node")
            .arg("game.mjs")
            .arg(config.to_string())
            .current_dir(browser_dir())
            .env("QUIZCAST_CHROMIUM", chromium_path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start node tests/browser/game.mjs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(parse_line("browser players", &line)).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        BrowserPlayers {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Returns the next stdout line with `"event": event`. game.mjs bounds every step with
    /// its own timeout, so stdout closes on its own when a step fails.
    fn wait_for(&mut self, event: &str) -> Value {
        while let Ok(line) = self.lines.recv() {
            self.seen.push(line.clone());
            if line["event"] == event {
                return line;
            }
        }
        let stderr = self.stderr_text();
        panic!(
            "no {event:?} line; stdout: {:?}\nstderr:\n{stderr}",
            self.seen
        );
    }

    fn stderr_text(&mut self) -> String {
        self.stderr
            .take()
            .map(|reader| reader.join().expect("stderr reader thread"))
            .unwrap_or_default()
    }

    /// Waits for the players to finish and returns every stdout line. Panics, with their
    /// stderr, when they fail.
    fn finish(mut self) -> Vec<Value> {
        while let Ok(line) = self.lines.recv() {
            self.seen.push(line);
        }
        let status = self.child.wait().expect("wait for node");
        let stderr = self.stderr_text();
        assert!(
            status.success(),
            "browser players failed ({status}); stdout: {:?}\nstderr:\n{stderr}",
            self.seen
        );
        std::mem::take(&mut self.seen)
    }
}

impl Drop for BrowserPlayers {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs the browser players described by `config` to the end of the game and returns their
/// stdout lines.
fn run_browsers(config: &Value) -> Vec<Value> {
    BrowserPlayers::start(config).finish()
}

/// Starts a headless host on the test bank with `extra` arguments; returns it with its join
/// URL, which must point at 127.0.0.1.
fn start_host(dir: &Path, extra: &[&str]) -> (Quizcast, String) {
    start_host_with_bank(dir, BANK, extra)
}

/// Starts a headless host as [`start_host`] does, on the question bank `toml`.
fn start_host_with_bank(dir: &Path, toml: &str, extra: &[&str]) -> (Quizcast, String) {
    let bank = dir.join("bank.toml");
    std::fs::write(&bank, toml).expect("write the question bank");
    let results = dir.join("results.json");
    let mut args = vec![
        "host",
        "--headless",
        "--no-db",
        "--auto-advance",
        "1",
        "--questions",
        bank.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut host = Quizcast::spawn("host", &args);
    let listening = host.wait_for_event("listening", STARTUP);
    let url = listening["join_url"]
        .as_str()
        .expect("join_url")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "join URL {url}");
    (host, url)
}

/// Starts a headless terminal player answering with `answers`.
fn terminal_player(url: &str, name: &str, answers: &str) -> Quizcast {
    Quizcast::spawn(
        &format!("player {name}"),
        &[
            "play",
            url,
            "--headless",
            "--name",
            name,
            "--answers",
            answers,
        ],
    )
}

/// Waits for the host to exit and returns its results file by player name.
fn host_results(host: &mut Quizcast, dir: &Path) -> BTreeMap<String, Value> {
    let exit = host.finish(GAME_END);
    assert!(exit.status.success(), "host failed: {}", exit.stderr);
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results file written");
    let results: Vec<Value> = serde_json::from_str(&text).expect("results file is JSON");
    results
        .into_iter()
        .map(|standing| (standing["name"].as_str().unwrap().to_string(), standing))
        .collect()
}

fn lines_named<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["event"] == event).collect()
}

/// Checks that every browser player's final screen shows its rank and score in the host's
/// results.
fn assert_finals_match(lines: &[Value], results: &BTreeMap<String, Value>, names: &[&str]) {
    let finals = lines_named(lines, "final");
    assert_eq!(finals.len(), names.len(), "final lines: {lines:?}");
    for name in names {
        let shown = finals
            .iter()
            .find(|line| line["name"] == *name)
            .unwrap_or_else(|| panic!("no final line for {name}: {lines:?}"));
        let standing = &results[*name];
        assert_eq!(shown["rank"], standing["rank"], "{name}'s rank");
        assert_eq!(shown["score"], standing["score"], "{name}'s score");
    }
}

#[test]
fn browsers_and_terminals_finish_game() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A low join rate, so that Xia's join finds the host busy and retries.
    let (mut host, url) = start_host(
        dir.path(),
        &[
            "--bind",
            "127.0.0.1:0",
            "--auto-start",
            "4",
            "--join-rate",
            "2",
        ],
    );
    let mut ada = terminal_player(&url, "Ada", "2,1,3");
    let mut bob = terminal_player(&url, "Bob", "1,2,1");

    let config = json!({
        "url": url,
        "players": [
            {"name": "Wen", "answers": [2, 2, 3], "check_results": true},
            {"name": "Xia", "answers": [1, 1, 1], "busy": true},
        ],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());

    assert_eq!(results.len(), 4, "results: {results:?}");
    let busy = lines_named(&lines, "busy");
    assert_eq!(busy.len(), 1, "lines: {lines:?}");
    assert!(busy[0]["retries"].as_u64() >= Some(1), "Xia never retried");
    assert_finals_match(&lines, &results, &["Wen", "Xia"]);
    for (name, player) in [("Ada", &mut ada), ("Bob", &mut bob)] {
        let exit = player.finish(GAME_END);
        assert!(exit.status.success(), "{name} failed: {}", exit.stderr);
        let over = common::process::events_named(name, &exit.lines, "game_over");
        assert_eq!(over[0]["rank"], results[name]["rank"], "{name}'s rank");
    }
    // The browsers' answers count as the host scored them: Wen answered two of three right.
    assert_eq!(results["Wen"]["correct"], 2);
    assert_eq!(results["Xia"]["correct"], 1);
}

#[test]
fn browser_keeps_score_after_reload_and_drop() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Players reach the host through a relay in game.mjs that the test can cut.
    let (mut host, url, host_port, proxy_port) = start_host_behind_relay(dir.path(), "3");
    let mut ada = terminal_player(&url, "Ada", "2,1,3");

    let config = json!({
        "url": url,
        "proxy": {"listen": proxy_port, "target": host_port},
        "players": [
            {"name": "Rae", "answers": [2, 1, 3], "reload_after": 0},
            {"name": "Cut", "answers": [2, 1, 1], "cut_after": 1},
        ],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());

    let reloaded = lines_named(&lines, "reloaded");
    assert_eq!(reloaded.len(), 1, "lines: {lines:?}");
    assert!(
        reloaded[0]["before"].as_u64() > Some(0),
        "{:?}",
        reloaded[0]
    );
    assert_eq!(
        reloaded[0]["after"], reloaded[0]["before"],
        "score after reload"
    );

    let cut = lines_named(&lines, "cut");
    assert_eq!(cut.len(), 1, "lines: {lines:?}");
    assert!(cut[0]["before"].as_u64() > Some(0), "{:?}", cut[0]);
    assert_eq!(cut[0]["after"], cut[0]["before"], "score after the drop");

    assert_finals_match(&lines, &results, &["Rae", "Cut"]);
    assert_eq!(
        results["Rae"]["correct"], 3,
        "Rae's answers after the reload count"
    );
    let exit = ada.finish(GAME_END);
    assert!(exit.status.success(), "Ada failed: {}", exit.stderr);
}

#[test]
fn browser_reconnects_when_page_returns() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The game waits for Late, who joins once Wake is back from its simulated phone lock.
    let (mut host, url, host_port, proxy_port) = start_host_behind_relay(dir.path(), "2");

    let config = json!({
        "url": url,
        "proxy": {"listen": proxy_port, "target": host_port},
        "players": [
            {"name": "Wake", "answers": [2, 1, 3], "wake_in_lobby": true},
            {"name": "Late", "answers": [1, 2, 1], "join_after": "Wake"},
        ],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());

    let woke = lines_named(&lines, "woke");
    assert_eq!(woke.len(), 1, "lines: {lines:?}");
    let pending = woke[0]["pending_ms"].as_u64().expect("pending_ms");
    let took = woke[0]["took_ms"].as_u64().expect("took_ms");
    // The shown wait is rounded to 0.1 s and refreshed every 100 ms, hence the margin.
    assert!(
        took + 500 < pending,
        "the page waited out its backoff ({took} ms of {pending} ms) instead of reconnecting \
         when it became visible"
    );
    assert_finals_match(&lines, &results, &["Wake", "Late"]);
    assert_eq!(results["Wake"]["correct"], 3);
}

#[test]
fn browser_stops_when_host_ends() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(host_ends_with_browser());
}

/// Runs a host in this process with one browser player, and quits the host once the page is
/// subscribed.
async fn host_ends_with_browser() {
    let host = common::start_host(common::bank(2), 2000, Default::default()).await;
    assert!(
        host.join_url.starts_with("http://127.0.0.1:"),
        "{}",
        host.join_url
    );
    let config = json!({
        "url": host.join_url,
        "players": [{"name": "Eve", "answers": [], "expect_close": true}],
    });
    let browsers = tokio::task::spawn_blocking(move || {
        let mut browsers = BrowserPlayers::start(&config);
        browsers.wait_for("ready");
        browsers
    })
    .await
    .unwrap();

    // The host quits as its terminal UI does.
    host.end_sessions(Duration::from_secs(10)).await;
    let lines = tokio::task::spawn_blocking(move || browsers.finish())
        .await
        .unwrap();
    host.stop().await;

    let closed = lines_named(&lines, "closed");
    assert_eq!(closed.len(), 1, "lines: {lines:?}");
    assert_eq!(closed[0]["title"], "The host ended the game");
    let text = closed[0]["text"].as_str().unwrap();
    assert!(text.contains("the host is shutting down"), "{text}");
    assert_eq!(closed[0]["reconnects"], 0, "the page tried to reconnect");
}

#[test]
fn browser_rejoins_when_host_forgets_it() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", free_port());
    let args = [
        "--bind",
        bind.as_str(),
        "--code",
        "AMNE",
        "--auto-start",
        "2",
    ];
    let (mut first, url) = start_host(dir.path(), &args);

    let config = json!({
        "url": url,
        "players": [{"name": "Ida", "answers": [], "expect_close": true, "reload_first": true}],
    });
    let mut browsers = BrowserPlayers::start(&config);
    browsers.wait_for("ready");

    // A host started again without its database has never seen the page's token. The page
    // was reloaded after joining, so only the stored session has the nickname.
    first.kill();
    let (_second, second_url) = start_host(dir.path(), &args);
    assert_eq!(second_url, url);
    let closed = browsers.wait_for("closed");
    browsers.finish();

    assert_eq!(closed["screen"], "nickname", "{closed}");
    let text = closed["text"].as_str().unwrap();
    assert!(text.contains("join again"), "{text}");
    assert!(closed["reconnects"].as_u64() >= Some(1), "{closed}");
    assert_eq!(closed["name_value"], "Ida", "the form forgot the nickname");
}

#[test]
fn final_screen_survives_reload() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(reload_after_game_over());
}

/// Plays a one-question game in a host in this process, which keeps serving the page after
/// the game, unlike a headless host process.
async fn reload_after_game_over() {
    let automation = Automation {
        auto_start: Some(1),
        auto_advance: Some(Duration::from_millis(200)),
    };
    let host = common::start_host(common::bank(1), 2000, automation).await;
    let config = json!({
        "url": host.join_url,
        "players": [{"name": "Fay", "answers": [2], "reload_final": true}],
    });
    let lines = tokio::task::spawn_blocking(move || run_browsers(&config))
        .await
        .unwrap();
    host.stop().await;

    let finals = lines_named(&lines, "final");
    assert_eq!(finals.len(), 1, "lines: {lines:?}");
    assert_eq!(finals[0]["rank"], 1);
    let reloaded = lines_named(&lines, "final_reloaded");
    assert_eq!(reloaded.len(), 1, "lines: {lines:?}");
    assert_eq!(reloaded[0]["rank"], finals[0]["rank"]);
    assert_eq!(reloaded[0]["score"], finals[0]["score"]);
    // "Join another game" forgets the stored session and shows the nickname form.
    let form = lines_named(&lines, "new_game_form");
    assert_eq!(form.len(), 1, "lines: {lines:?}");
    assert_eq!(form[0]["stored_sessions"], 0);
}

#[test]
fn browser_shows_announcement_and_kick() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(announce_then_kick_browser());
}

/// Publishes an announcement over the admin API to a browser player in the lobby, then kicks
/// it with a reason.
async fn announce_then_kick_browser() {
    let host = common::start_host(common::bank(2), 2000, Default::default()).await;
    let admin = common::admin::Admin::new(&host);
    let config = json!({
        "url": host.join_url,
        "players": [{
            "name": "Kim",
            "answers": [],
            "expect_news": true,
            "expect_close": true,
            "reload_after_close": true,
        }],
    });
    let browsers = tokio::task::spawn_blocking(move || {
        let mut browsers = BrowserPlayers::start(&config);
        browsers.wait_for("ready");
        browsers
    })
    .await
    .unwrap();

    let channel = format!("/game/{}/announcements", host.code);
    let (status, body) = admin
        .post(
            "/publish",
            Some(json!({"channel": channel, "events": [{"text": "Pizza after round 2"}]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin.get(&format!("/games/{}", host.code)).await;
    assert_eq!(status, 200, "{body}");
    let id = body["players"][0]["player_id"]
        .as_str()
        .expect("the browser player's id")
        .to_string();
    let (status, body) = admin
        .post(
            &format!("/games/{}/players/{id}/kick", host.code),
            Some(json!({"reason": "rename yourself, please"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let lines = tokio::task::spawn_blocking(move || browsers.finish())
        .await
        .unwrap();
    host.stop().await;

    let news = lines_named(&lines, "news");
    assert_eq!(news.len(), 1, "lines: {lines:?}");
    assert_eq!(news[0]["text"], "Pizza after round 2");
    let closed = lines_named(&lines, "closed");
    assert_eq!(closed.len(), 1, "lines: {lines:?}");
    let text = closed[0]["text"].as_str().unwrap();
    assert!(text.contains("rename yourself, please"), "{text}");
    assert_eq!(closed[0]["reconnects"], 0, "the page tried to reconnect");
    // After a reload the page still shows the kick, not the nickname form.
    let reloaded = lines_named(&lines, "closed_reloaded");
    assert_eq!(reloaded.len(), 1, "lines: {lines:?}");
    assert_eq!(reloaded[0]["screen"], "message", "{:?}", reloaded[0]);
    let text = reloaded[0]["text"].as_str().unwrap();
    assert!(text.contains("rename yourself, please"), "{text}");
}

#[test]
fn phone_screens_fit_long_texts() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut host, url) = start_host_with_bank(
        dir.path(),
        LONG_BANK,
        &["--bind", "127.0.0.1:0", "--auto-start", "2"],
    );
    // Three family emoji are 3 graphemes, as the host counts, but 21 code points.
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}".repeat(3);
    let wide = "W".repeat(20);
    let config = json!({
        "url": url,
        "players": [
            {"name": family, "answers": [1, 1], "check_fit": true},
            {"name": wide, "answers": [2, 2], "check_fit": true},
        ],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());
    assert_finals_match(&lines, &results, &[family.as_str(), wide.as_str()]);

    let fits = lines_named(&lines, "fit");
    // Each player: lobby, two questions, two results and the final screen.
    assert_eq!(fits.len(), 12, "lines: {lines:?}");
    for fit in fits {
        let (scroll, view) = (&fit["scroll_width"], &fit["view_width"]);
        assert!(
            scroll.as_u64() <= view.as_u64(),
            "the page scrolls sideways: {fit}"
        );
        assert_eq!(fit["code_shown"], true, "game code hidden: {fit}");
        if fit["screen"] == "question" {
            assert_eq!(
                fit["countdown_live"], "off",
                "countdown is announced: {fit}"
            );
        }
    }
}

/// Starts terminal player Ada, who answers each question 4 s after it opens, so a question
/// stays open for a while.
fn late_player(url: &str) -> Quizcast {
    let args = [
        "play",
        url,
        "--headless",
        "--name",
        "Ada",
        "--answers",
        "2,1,3",
        "--answer-delay-ms",
        "4000",
    ];
    Quizcast::spawn("player Ada", &args)
}

#[test]
fn replayed_question_despite_clock_skew() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut host, url) = start_host(dir.path(), &["--bind", "127.0.0.1:0", "--auto-start", "2"]);
    // Ada answers late, so question 1 stays open while the page comes back.
    let mut ada = late_player(&url);
    let config = json!({
        "url": url,
        "players": [
            {"name": "Sky", "answers": [2, 1, 3], "clock_ahead_ms": 30000, "miss_question": 1},
        ],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());

    let missed = lines_named(&lines, "missed");
    assert_eq!(missed.len(), 1, "lines: {lines:?}");
    // The page's clock runs 30 s ahead of the host's: the replayed question must still be
    // open with most of its 10 s left.
    assert_eq!(missed[0]["status"], "open", "{:?}", missed[0]);
    assert!(
        missed[0]["countdown_s"].as_u64() >= Some(5),
        "{:?}",
        missed[0]
    );
    assert_finals_match(&lines, &results, &["Sky"]);
    assert_eq!(results["Sky"]["correct"], 3);
    let exit = ada.finish(GAME_END);
    assert!(exit.status.success(), "Ada failed: {}", exit.stderr);
}

#[test]
fn second_tab_shows_first_answer() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut host, url) = start_host(dir.path(), &["--bind", "127.0.0.1:0", "--auto-start", "2"]);
    // Ada answers late, so question 0 stays open while the second tab answers.
    let mut ada = late_player(&url);
    let config = json!({
        "url": url,
        "players": [{"name": "Tam", "answers": [2, 1, 3], "twin_answer": 1}],
    });
    let lines = run_browsers(&config);
    let results = host_results(&mut host, dir.path());

    let twin = lines_named(&lines, "twin");
    assert_eq!(twin.len(), 1, "lines: {lines:?}");
    assert_eq!(twin[0]["status"], "locked", "{:?}", twin[0]);
    // The host counted option 2 from the first tab: the second tab must not mark option 1.
    assert_eq!(twin[0]["chosen"], Value::Null, "{:?}", twin[0]);
    let text = twin[0]["text"].as_str().unwrap();
    assert!(text.contains("another tab"), "{text}");
    assert_finals_match(&lines, &results, &["Tam"]);
    assert_eq!(results["Tam"]["correct"], 3);
    let exit = ada.finish(GAME_END);
    assert!(exit.status.success(), "Ada failed: {}", exit.stderr);
}

/// Returns each player count in `text` written as "N player(s) has/have joined".
fn joined_counts(text: &str) -> Vec<u64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(4)
        .filter(|w| w[1].starts_with("player") && w[3].starts_with("joined"))
        .filter_map(|w| w[0].parse().ok())
        .collect()
}

#[test]
fn lobby_shows_no_stale_count() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut host, url) = start_host(dir.path(), &["--bind", "127.0.0.1:0", "--auto-start", "3"]);
    let config = json!({
        "url": url,
        "players": [
            {"name": "Uma", "answers": [2, 1, 3], "lobby_players": 2},
            {"name": "Val", "answers": [2, 1, 3], "lobby_players": 2, "join_after": "Uma"},
        ],
    });
    let mut browsers = BrowserPlayers::start(&config);
    let lobbies = [browsers.wait_for("lobby"), browsers.wait_for("lobby")];
    // The game starts once Ada joins as the third player.
    let mut ada = terminal_player(&url, "Ada", "2,1,3");
    let lines = browsers.finish();
    let results = host_results(&mut host, dir.path());

    for lobby in &lobbies {
        let text = lobby["text"].as_str().unwrap();
        assert!(text.contains("You are in"), "{text}");
        for count in joined_counts(text) {
            assert_eq!(
                count, 2,
                "{}'s lobby shows a stale count: {text}",
                lobby["name"]
            );
        }
    }
    assert_finals_match(&lines, &results, &["Uma", "Val"]);
    let exit = ada.finish(GAME_END);
    assert!(exit.status.success(), "Ada failed: {}", exit.stderr);
}

/// A host killed with SIGKILL while a question is open and resumed closes that question
/// without results. The page shows the standing it then gets instead of waiting for a result.
#[test]
fn browser_shows_standing_after_resume() {
    let Some(_browser) = browser_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("bank.toml");
    std::fs::write(&bank, BANK).expect("write the question bank");
    let db = dir.path().join("quiz.db");
    let bind = format!("127.0.0.1:{}", free_port());
    let args = [
        "host",
        "--headless",
        "--db",
        db.to_str().unwrap(),
        "--bind",
        bind.as_str(),
        "--auto-advance",
        "30",
    ];
    let first_args = [&args[..], &["--questions", bank.to_str().unwrap()]].concat();
    let first_args = [&first_args[..], &["--code", "RSME", "--auto-start", "1"]].concat();
    let mut first = Quizcast::spawn("host", &first_args);
    let listening = first.wait_for_event("listening", STARTUP);
    let url = listening["join_url"]
        .as_str()
        .expect("join_url")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "join URL {url}");

    let config = json!({
        "url": url,
        "players": [{"name": "Rae", "expect_restart": true}],
    });
    let mut browsers = BrowserPlayers::start(&config);
    browsers.wait_for("question_open");
    first.kill();
    let resume_args = [&args[..], &["--resume"]].concat();
    let mut second = Quizcast::spawn("host", &resume_args);
    second.wait_for_event("listening", STARTUP);

    let shown = browsers.wait_for("restart_shown");
    browsers.finish();
    assert_eq!(shown["status"], "standing", "{shown}");
    assert_eq!(shown["text"], "Question closed", "{shown}");
    assert_eq!(shown["rank"], "1", "{shown}");
}
